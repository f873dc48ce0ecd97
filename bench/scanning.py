"""Scans: one picker's commit latency, and many pickers in many processes on one file."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench import picker, warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.model import Role
from core.ports import Operator, PickView, ScanOutcome
from data import settings
from data.floor import SqliteFloor
from data.picking import read_pick_view, record_pick_scan
from data.scan_writer import WriterLink
from data.store import Actor, open_store
from data.waves import claim_next
from tui.serve_workers import ScanWriterProcess


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@measurement("scan_commit_ms_p50", "scan_commit_ms_p99")
def scan_commit(bench: Bench) -> dict[str, float]:
    """``data.picking.record_pick_scan`` on a real file (WAL, synchronous=FULL): parse, verify
    against the list, store the scan and its audit entry, commit. One picker walks lists;
    every tenth scan is a wrong item or an unknown code."""
    store = open_store(bench.fresh(bench.floor_db))
    actor = Actor("p01", "hh-p01")
    prefixes = settings.prefixes(store)
    pick = settings.pick_settings(store)

    def claim() -> PickView | None:
        picklist_id = claim_next(store, actor)
        return None if picklist_id is None else read_pick_view(store, picklist_id, pick)

    def scan(view: PickView, raw: str) -> ScanOutcome:
        return record_pick_scan(store, actor, view.picklist_id, raw, "wedge", prefixes, pick)

    try:
        timings = _walk(bench.settings.commit_scans, picker.wrong_codes(store), claim, scan)
    finally:
        store.close()
    bench.note(
        "scan_commit_ms_p50",
        f"{len(timings)} scans per run, 90% right item, 10% wrong or unknown",
    )
    return {
        "scan_commit_ms_p50": statistics.median(timings),
        "scan_commit_ms_p99": _percentile(timings, 0.99),
    }


@measurement("scan_commit_writer_ms_p50", "scan_commit_writer_ms_p99")
def scan_commit_writer(bench: Bench) -> dict[str, float]:
    """One picker's scans through the floor port of a session under ``wareterm serve``, its
    scan writer running: the lock is free for a lone picker, so the session stores each scan
    itself after a ``BEGIN IMMEDIATE`` that does not wait; what the writer's presence costs."""
    db = bench.fresh(bench.floor_db)
    writer = ScanWriterProcess(db)
    writer.start()
    link = WriterLink(writer.socket)
    floor = SqliteFloor(open_store(db), writer=link)
    operator = Operator("p01", Role.PICKER, "hh-p01")

    def scan(view: PickView, raw: str) -> ScanOutcome:
        return floor.pick_scan(operator, view.picklist_id, raw, "wedge")

    try:
        codes = picker.wrong_codes(floor.store)
        timings = _walk(
            bench.settings.commit_scans, codes, lambda: floor.claim_next_pick(operator), scan
        )
        assert link.sent == 0, "a lone picker's scans went through the writer"
    finally:
        floor.store.close()
        writer.stop()
    bench.note(
        "scan_commit_writer_ms_p50",
        f"{len(timings)} scans per run by a session under serve, 90% right item, 10% wrong or"
        " unknown",
    )
    return {
        "scan_commit_writer_ms_p50": statistics.median(timings),
        "scan_commit_writer_ms_p99": _percentile(timings, 0.99),
    }


def _walk(
    count: int,
    wrong: tuple[str, str],
    claim: Callable[[], PickView | None],
    scan: Callable[[PickView, str], ScanOutcome],
) -> list[float]:
    """One picker walking lists (``claim`` the next when one is done) for ``count`` scans,
    every tenth a wrong item or (every twentieth) an unknown code; each ``scan``'s time in
    ms."""
    timings: list[float] = []
    view: PickView | None = None
    while len(timings) < count:
        if view is None or view.current is None:
            view = claim()
            if view is None:
                raise RuntimeError("the generated floor ran out of pick lists")
            continue
        number = len(timings) + 1
        if number % 10 == 0:
            raw = wrong[number % 20 == 0]
        else:
            raw = picker.printed_code(view.current.barcode)
        began = time.perf_counter()
        outcome = scan(view, raw)
        timings.append((time.perf_counter() - began) * 1000)
        view = outcome.view or view
    return timings


@measurement("concurrent_scans_per_s", "lost_scans", "double_claims")
def concurrent_scans(bench: Bench) -> dict[str, float]:
    """16 picker processes (fresh interpreters) scan flat out on one file through the floor
    port and the scan writer, as sessions under ``wareterm serve`` do; timed from the moment
    all have opened the database to the last scan. Then every acknowledged scan is looked up
    and the claims audited."""
    db = bench.fresh(bench.floor_db)
    writer = ScanWriterProcess(db)
    writer.start()
    try:
        values = _crowd(bench, db, "concurrent_scans_per_s", writer.socket)
    finally:
        writer.stop()
    return values


@measurement("concurrent_direct_scans_per_s", "lost_scans", "double_claims")
def concurrent_direct_scans(bench: Bench) -> dict[str, float]:
    """The same 16 pickers, each storing its own scans (``wareterm tui`` without a server's
    scan writer): every scan its own transaction and sync, and a picker that finds the lock
    taken waits in SQLite's busy handler."""
    db = bench.fresh(bench.floor_db)
    return _crowd(bench, db, "concurrent_direct_scans_per_s", None)


def _crowd(bench: Bench, db: Path, metric: str, writer: Path | None) -> dict[str, float]:
    users = warehouse.picker_names(bench.sizes.pickers)
    crowd = picker.run_crowd(
        db, users, bench.settings.crowd_scans, bench.scratch("crowd"), writer=writer
    )
    check = picker.check_floor(db, crowd.acks())
    if check.problems:
        bench.note("lost_scans", "; ".join(check.problems[:5]))
    latencies = [ack.seconds * 1000 for run in crowd.runs for ack in run.acks]
    scans = sum(len(run.acks) for run in crowd.runs)
    bench.note(
        metric,
        f"{len(users)} processes × {bench.settings.crowd_scans} scans; floor call p50"
        f" {statistics.median(latencies):.2f} ms, p99 {_percentile(latencies, 0.99):.1f} ms,"
        f" max {max(latencies):.0f} ms; {crowd.busy} refused as busy; the pickers' CPU"
        f" {sum(run.cpu for run in crowd.runs) * 1000 / max(scans, 1):.2f} ms per scan"
        " (last run)",
    )
    return {
        metric: crowd.scans_per_s,
        "lost_scans": check.lost_scans,
        "double_claims": check.double_claims,
    }
