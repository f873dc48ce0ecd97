"""A picker scanning flat out, as a process: claims lists through the floor port, scans the unit
each list needs next (and now and then a wrong item), and reports every acknowledged scan.

Used by the concurrency measurement (16 of them on one file), the load test and the kill -9
test. Run on its own it prints one JSON line per acknowledged scan on stdout, flushed before
the next scan starts, so a parent that kills it knows exactly what was acknowledged::

    python -m bench.picker --db floor.db --user p01 --scans 1000 [--wrong-every 10]

(and a ``{"list": id, "units_done": n}`` line for each list it claims or resumes).

Also :func:`check_floor`: what a database must look like after pickers worked on it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.warehouse import UNKNOWN_CODE, WRONG_SKU
from core.errors import ScanUnconfirmed, StoreBusy
from core.model import Role
from core.ports import Operator, PickView
from data.floor import SqliteFloor
from data.store import Store, open_store


@dataclass(frozen=True)
class Ack:
    """One scan the floor acknowledged (its transaction committed)."""

    user: str
    seq: int
    picklist_id: int
    raw: str
    verdict: str
    #: Seconds the floor call took (parse, verify, store with audit, commit).
    seconds: float


@dataclass
class PickerRun:
    """What one picker did: its acknowledged scans and when it started and stopped."""

    user: str
    acks: list[Ack] = field(default_factory=list)
    lists: list[int] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    #: Scans and claims refused because the write lock stayed taken for the whole busy
    #: timeout (not acknowledged, tried again).
    busy: int = 0
    #: CPU seconds the picker's process spent from start to finish (its start-up excluded).
    cpu: float = 0.0
    #: Scans the scan writer stored, and scans it did not confirm (it stopped first).
    via_writer: int = 0
    unconfirmed: int = 0


def printed_code(barcode: str) -> str:
    """The digits a scanner reads for a stored GTIN-14 key (EAN-13 or UPC-A under the bars)."""
    if len(barcode) == 14 and barcode.isdigit() and barcode.startswith("0"):
        return barcode[2:] if barcode.startswith("00") else barcode[1:]
    return barcode


def wrong_codes(store: Store) -> tuple[str, str]:
    """A catalog product on no list (a wrong item) and a code in no catalog (unknown)."""
    code = store.scalar("SELECT min(code) FROM barcodes WHERE sku = ?", (WRONG_SKU,))
    return (printed_code(code) if code else UNKNOWN_CODE), UNKNOWN_CODE


def run_picker(
    db: str | Path,
    user: str,
    scans: int,
    *,
    wrong_every: int = 10,
    station: str | None = None,
    report: Callable[[Ack], None] | None = None,
    start: Callable[[], None] | None = None,
    on_list: Callable[[PickView], None] | None = None,
    writer: str | None = None,
) -> PickerRun:
    """Scan ``scans`` times (fewer when no list is left): the unit the list needs next, except
    every ``wrong_every``-th scan, which is a wrong item or an unknown code. ``start`` is
    called once the database is open (a barrier for a synchronised start); ``on_list`` with
    each list as it is claimed or resumed. ``writer``: the scan writer's socket, which the
    scans go through as a session's under ``wareterm serve`` do."""
    link = None
    if writer is not None:
        from data.scan_writer import WriterLink

        link = WriterLink(writer)
    floor = SqliteFloor(open_store(db), writer=link)
    operator = Operator(user, Role.PICKER, station or f"hh-{user}")
    wrong_item, unknown = wrong_codes(floor.store)
    run = PickerRun(user)
    if start is not None:
        start()
    run.started = time.monotonic()
    cpu_began = time.process_time()
    view: PickView | None = None
    try:
        while len(run.acks) < scans:
            if view is None or view.current is None:
                try:
                    view = floor.claim_next_pick(operator)
                except StoreBusy:
                    run.busy += 1
                    view = None
                    continue
                if view is None or view.current is None:
                    break  # nothing left to pick
                run.lists.append(view.picklist_id)
                if on_list is not None:
                    on_list(view)
            number = len(run.acks) + 1
            if wrong_every and number % wrong_every == 0:
                raw = wrong_item if number % (2 * wrong_every) else unknown
            else:
                raw = printed_code(view.current.barcode)
            began = time.perf_counter()
            try:
                outcome = floor.pick_scan(operator, view.picklist_id, raw, "wedge")
            except StoreBusy:
                # Refused, not acknowledged: the screen says "busy" and the picker scans again.
                run.busy += 1
                continue
            except ScanUnconfirmed:
                # The writer stopped before answering: not acknowledged; the screen shows the
                # list as stored and the picker goes on from there.
                run.unconfirmed += 1
                view = floor.current_pick(operator)
                continue
            ack = Ack(
                user,
                number,
                view.picklist_id,
                raw,
                outcome.verdict.value,
                time.perf_counter() - began,
            )
            run.acks.append(ack)
            if report is not None:
                report(ack)
            view = outcome.view or view
    finally:
        run.finished = time.monotonic()
        run.cpu = time.process_time() - cpu_began
        run.via_writer = 0 if link is None else link.sent
        floor.store.close()
    return run


# --------------------------------------------------------------------------- checking a floor


@dataclass
class FloorCheck:
    """What :func:`check_floor` found. Everything but ``stored_not_acked`` must be empty/zero;
    ``stored_not_acked`` may hold scans committed by a process killed before it said so."""

    lost_scans: int = 0
    double_claims: int = 0
    stored_not_acked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No lost scan, no list claimed twice, every invariant holds."""
        return not self.lost_scans and not self.double_claims and not self.problems


def check_floor(db: str | Path, acks: Mapping[str, Iterable[Ack]]) -> FloorCheck:
    """Compare what pickers were told with what the file holds.

    * every acknowledged scan is stored exactly once, in order, with its verdict (the scans of a
      user, in id order, begin with exactly the acknowledged ones);
    * no list was claimed by two pickers (audit ``picklist.claim``), none is picked by two;
    * reserved ≤ on hand for every product; picked + short ≤ qty on every pick line, pick share
      and order line; each pick line's picked count equals its accepted scans, and equals the
      sum of its shares'; ``PRAGMA integrity_check`` is ok.
    """
    store = open_store(db)
    check = FloorCheck()
    try:
        integrity = store.scalar("PRAGMA integrity_check")
        if integrity != "ok":
            check.problems.append(f"integrity_check: {integrity}")
        for user, told in acks.items():
            told = list(told)
            rows = store.query(
                "SELECT picklist_id, raw, verdict FROM scans WHERE user = ? ORDER BY id", (user,)
            )
            stored = [(row["picklist_id"], row["raw"], row["verdict"]) for row in rows]
            expected = [(ack.picklist_id, ack.raw, ack.verdict) for ack in told]
            # The acknowledged scans must be the stored ones in order; a scan committed by a
            # process killed before it could say so may stand between them.
            matched = 0
            for got in stored:
                if matched < len(expected) and got == expected[matched]:
                    matched += 1
            check.lost_scans += len(expected) - matched
            if matched < len(expected):
                check.problems.append(
                    f"{user}: acknowledged scan {matched + 1} {expected[matched]} is not stored"
                    " (or not in the order it was made)"
                )
            if len(stored) > matched:
                check.stored_not_acked[user] = len(stored) - matched
        claims = store.query(
            "SELECT subject, count(DISTINCT user) AS pickers, count(*) AS claims FROM audit"
            " WHERE action = 'picklist.claim' GROUP BY subject HAVING claims > 1"
        )
        check.double_claims = len(claims)
        for row in claims:
            check.problems.append(f"{row['subject']} claimed {row['claims']} times")
        _check_counts(store, check)
    finally:
        store.close()
    return check


def _check_counts(store: Any, check: FloorCheck) -> None:
    queries = {
        "reserved above on hand": "SELECT sku FROM products WHERE reserved > on_hand"
        " OR reserved < 0",
        "pick line over its quantity": "SELECT id FROM pick_lines WHERE picked + short > qty",
        "pick share over its quantity": "SELECT id FROM pick_shares WHERE picked > qty",
        "order line over its quantity": "SELECT id FROM order_lines WHERE picked + short > qty",
        "pick line count differs from its accepted scans": (
            "SELECT l.id FROM pick_lines l LEFT JOIN (SELECT pick_line_id, count(*) AS n"
            " FROM scans WHERE verdict = 'ok' GROUP BY pick_line_id) s"
            " ON s.pick_line_id = l.id WHERE l.picked != coalesce(s.n, 0)"
        ),
        "pick line count differs from its shares": (
            "SELECT l.id FROM pick_lines l JOIN (SELECT pick_line_id, sum(picked) AS n"
            " FROM pick_shares GROUP BY pick_line_id) s ON s.pick_line_id = l.id"
            " WHERE l.picked != s.n"
        ),
        "list picked by someone who did not claim it": (
            "SELECT s.id FROM scans s JOIN picklists p ON p.id = s.picklist_id"
            " WHERE s.verdict = 'ok' AND s.user != p.picker"
        ),
    }
    for what, sql in queries.items():
        rows = store.query(sql + " LIMIT 5")
        if rows:
            check.problems.append(f"{what}: {[next(iter(row.values())) for row in rows]}")


# --------------------------------------------------------------------------- many pickers


@dataclass
class CrowdRun:
    """Pickers that scanned at once: their runs and the scans per second they made together."""

    runs: list[PickerRun]

    @property
    def scans(self) -> int:
        """Acknowledged scans, all pickers together."""
        return sum(len(run.acks) for run in self.runs)

    @property
    def seconds(self) -> float:
        """From the first picker's start to the last one's finish."""
        return max(run.finished for run in self.runs) - min(run.started for run in self.runs)

    @property
    def scans_per_s(self) -> float:
        """Acknowledged scans per second over the whole run."""
        return self.scans / self.seconds

    @property
    def busy(self) -> int:
        """Scans and claims refused as busy, all pickers together."""
        return sum(run.busy for run in self.runs)

    def acks(self) -> dict[str, list[Ack]]:
        """Acknowledged scans by user."""
        return {run.user: run.acks for run in self.runs}


def _picker_process(
    db: str, user: str, scans: int, wrong_every: int, barrier: Any, out: str, writer: str | None
) -> None:
    run = run_picker(
        db,
        user,
        scans,
        wrong_every=wrong_every,
        start=lambda: barrier.wait(timeout=300),
        writer=writer,
    )
    Path(out).write_text(
        json.dumps(
            {
                "user": run.user,
                "acks": [asdict(ack) for ack in run.acks],
                "lists": run.lists,
                "started": run.started,
                "finished": run.finished,
                "busy": run.busy,
                "cpu": run.cpu,
                "via_writer": run.via_writer,
                "unconfirmed": run.unconfirmed,
            }
        )
    )


def run_crowd(
    db: str | Path,
    users: list[str],
    scans: int,
    workdir: Path,
    wrong_every: int = 10,
    writer: str | Path | None = None,
) -> CrowdRun:
    """One process per user, all starting together once every one has opened the database;
    each scans ``scans`` times. Processes are started fresh (``spawn``), as sessions are;
    with ``writer`` (a scan writer's socket) their scans go through it, as under serve."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(users))
    outs = [workdir / f"picker-{user}.json" for user in users]
    processes = [
        context.Process(
            target=_picker_process,
            args=(
                str(db),
                user,
                scans,
                wrong_every,
                barrier,
                str(out),
                None if writer is None else str(writer),
            ),
            name=f"picker-{user}",
        )
        for user, out in zip(users, outs, strict=True)
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(timeout=600)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"picker processes failed: {failed}")
    runs = []
    for out in outs:
        data = json.loads(out.read_text())
        run = PickerRun(data["user"], [Ack(**ack) for ack in data["acks"]], data["lists"])
        run.started, run.finished, run.busy = data["started"], data["finished"], data["busy"]
        run.cpu, run.via_writer = data["cpu"], data["via_writer"]
        run.unconfirmed = data["unconfirmed"]
        runs.append(run)
    return CrowdRun(runs)


# --------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    """Scan and print each acknowledged scan as a JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.picker", description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--wrong-every", type=int, default=10)
    parser.add_argument("--writer", help="the scan writer's socket (as under wareterm serve)")
    args = parser.parse_args(argv)

    def say(record: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    run_picker(
        args.db,
        args.user,
        args.scans,
        wrong_every=args.wrong_every,
        report=lambda ack: say(asdict(ack)),
        on_list=lambda view: say({"list": view.picklist_id, "units_done": view.units_done}),
        writer=args.writer,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
