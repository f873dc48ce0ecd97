"""kill -9 at random points, fifty times: the file stays intact, everything a process
acknowledged is stored, the next process carries on where the last one stopped, no label
is printed twice unless an operator asks for a reprint, and `stock check` passes after every
kill (every stock row equals its ledger; reservations within pickable stock).

Each kind of work is a :class:`CrashLoop`: how to start its process, what must hold after each
kill, and at the end. Packing adds one (a process that packs and labels orders, reporting each
acknowledged pack on its stdout) to ``LOOPS``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from bench.picker import Ack, check_floor
from data import carriers, printing, stations, users
from data.stock import stock_check
from data.store import Actor, Store, open_store
from devices.outbox import PrintWorker, render_job
from devices.printer import PrinterConfig
from tests.data.builders import ADMIN
from tests.devices.fakes import FakeNetworkPrinter, wait_for, without_status_queries
from tests.load import children

KILLS = 50
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["pytest", "tests.load.children"])


class Life:
    """One process from start to kill -9: the lines it wrote on its stdout."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        reader, writer = _context.Pipe(duplex=False)
        self.process = _context.Process(target=target, args=(*args, writer), daemon=True)
        self.process.start()
        writer.close()
        self.reader: Connection = reader
        self.buffer = b""
        self.lines: list[dict[str, Any]] = []

    def read(self, timeout: float) -> str:
        """Take what the process wrote: ``data``, ``quiet`` (nothing for ``timeout`` s) or
        ``eof``."""
        if not self.reader.poll(timeout):
            return "quiet"
        try:
            chunk = os.read(self.reader.fileno(), 65536)
        except OSError:
            chunk = b""
        if not chunk:
            return "eof"
        self.buffer += chunk
        *whole, self.buffer = self.buffer.split(b"\n")
        self.lines.extend(json.loads(line) for line in whole)
        return "data"

    def wait_for_lines(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count:
            assert time.monotonic() < deadline, f"the process wrote {self.lines} only"
            assert self.read(0.05) != "eof", f"it ended early: exit {self.process.exitcode}"

    def kill(self) -> None:
        """SIGKILL, then everything it wrote before dying."""
        self.process.kill()
        self.process.join(10)
        assert self.process.exitcode == -9
        while self.read(0.5) == "data":
            pass
        self.reader.close()
        assert self.buffer == b"", "a line was cut in half"


class CrashLoop(ABC):
    """A kind of work run and killed over and over on one database file."""

    @abstractmethod
    def start(self, db: Path, life: int) -> Life:
        """Start the process for one life."""

    @abstractmethod
    def working(self, life: Life) -> int:
        """How many lines mean the process is at work (killed at a random moment after)."""

    def after_start(self, life: Life) -> None:
        """What must hold once a new process is at work (it resumed where the last stopped)."""
        return None

    @abstractmethod
    def after_kill(self, db: Path, lives: list[Life]) -> None:
        """What must hold after each kill."""

    @abstractmethod
    def finish(self, db: Path, lives: list[Life]) -> None:
        """What must hold after the last kill (may run the work once more, to the end)."""

    def close(self) -> None:
        """Stop anything the loop started besides its processes."""
        return None


class Picking(CrashLoop):
    """One picker scanning (one in seven scans wrong) until killed."""

    user = "p01"

    def __init__(self) -> None:
        self.expect_resume: tuple[int, int] | None = None

    def start(self, db: Path, life: int) -> Life:
        return Life(children.picking, str(db), self.user)

    def working(self, life: Life) -> int:
        return 2  # the list it took or resumed, and a first acknowledged scan

    def after_kill(self, db: Path, lives: list[Life]) -> None:
        store = open_store(db)
        try:
            assert store.scalar("PRAGMA integrity_check") == "ok"
            picking_now = store.query(
                "SELECT p.id, sum(min(l.picked + l.short, l.qty)) AS done FROM picklists p"
                " JOIN pick_lines l ON l.picklist_id = p.id"
                " WHERE p.picker = ? AND p.status = 'picking' GROUP BY p.id",
                (self.user,),
            )
        finally:
            store.close()
        assert len(picking_now) <= 1
        self.expect_resume = (picking_now[0]["id"], picking_now[0]["done"]) if picking_now else None
        check = check_floor(db, {self.user: self.acks(lives)})
        assert check.problems == [] and check.lost_scans == 0
        # A process killed between its commit and its report leaves one unreported scan.
        assert check.stored_not_acked.get(self.user, 0) <= len(lives)

    def after_start(self, life: Life) -> None:
        """The next process carries on with the list the last one was picking, from the
        unit where it stopped."""
        first = life.lines[0]
        if self.expect_resume is not None:
            assert (first["list"], first["units_done"]) == self.expect_resume

    def finish(self, db: Path, lives: list[Life]) -> None:
        check = check_floor(db, {self.user: self.acks(lives)})
        assert (check.lost_scans, check.double_claims, check.problems) == (0, 0, [])
        assert sum(1 for life in lives for line in life.lines if "list" in line) > 1

    @staticmethod
    def acks(lives: list[Life]) -> list[Ack]:
        return [Ack(**line) for life in lives for line in life.lines if "seq" in line]


class Printing(CrashLoop):
    """A bench queueing labels while its print worker sends them to a printer on a loopback
    TCP port; one label in five is an outbound label (a raster of ~60 KB, long enough to be
    killed halfway through)."""

    def __init__(self) -> None:
        self.printer = FakeNetworkPrinter()
        self.rendered: dict[int, bytes] = {}

    def close(self) -> None:
        self.printer.stop()

    def start(self, db: Path, life: int) -> Life:
        if life == 0:
            store = open_store(db)
            stations.add_station(store, ADMIN, children.PRINTER_STATION, "", self.url)
            users.add_user(store, ADMIN, children.PACKER.user, "packer", "1234")
            store.close()
        return Life(children.printing_station, str(db), 5, life)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.printer.port}?write_timeout=2&status_timeout=2"

    def working(self, life: Life) -> int:
        return 1

    def copies(self, store: Store, job_id: int, received: Counter[bytes]) -> int:
        """Whole copies of a job among what the printer received."""
        if job_id not in self.rendered:
            job = printing.get_job(store, job_id)
            config = PrinterConfig.from_url(self.url)
            rendered = render_job(job.kind, job.content, config)
            self.rendered[job_id] = without_status_queries(rendered)
        return received[self.rendered[job_id]]

    def jobs(self, db: Path) -> tuple[Store, dict[int, str]]:
        store = open_store(db)
        statuses = {
            row["id"]: row["status"] for row in store.query("SELECT id, status FROM print_jobs")
        }
        return store, statuses

    def after_kill(self, db: Path, lives: list[Life]) -> None:
        store, statuses = self.jobs(db)
        try:
            assert store.scalar("PRAGMA integrity_check") == "ok"
            acknowledged = [line["queued"] for life in lives for line in life.lines]
            missing = [job for job in acknowledged if job not in statuses]
            assert missing == [], "acknowledged print jobs are missing"
            assert set(statuses.values()) <= {"queued", "sending", "done", "failed", "uncertain"}
            received = self.printer.whole_jobs()
            for job_id, status in statuses.items():
                copies = self.copies(store, job_id, received)
                assert copies <= 1, f"job {job_id} printed {copies} times"
                if status == "done":
                    assert copies == 1, f"job {job_id} is done but did not print whole"
        finally:
            store.close()

    def finish(self, db: Path, lives: list[Life]) -> None:
        # The next session's worker sends what is still waiting; jobs cut off by a kill wait
        # for a person as uncertain.
        worker = PrintWorker(db, children.PRINTER_STATION, poll_s=0.01, probe_s=None)
        worker.start()
        try:

            def settled() -> bool:
                _store, statuses = self.jobs(db)
                _store.close()
                return set(statuses.values()) <= {"done", "uncertain"}

            wait_for(settled, timeout=60)
            store, statuses = self.jobs(db)
            uncertain = [job for job, status in statuses.items() if status == "uncertain"]
            # Only a job being sent when its process died can be uncertain: one per kill at most.
            assert len(uncertain) <= len(lives)
            assert sum(1 for status in statuses.values() if status == "done") >= 10
            received = self.printer.whole_jobs()
            before = {job: self.copies(store, job, received) for job in statuses}
            for job_id, status in statuses.items():
                assert before[job_id] == 1 if status == "done" else before[job_id] <= 1
            # An operator reprints what is uncertain: that, and only that, prints again.
            reprints = [
                printing.reprint_job(store, Actor("chen.jie", "bench-1"), job, "after a crash")
                for job in uncertain
            ]
            wait_for(
                lambda: all(printing.get_job(store, job).status == "done" for job in reprints),
                timeout=30,
            )
            received = self.printer.whole_jobs()
            for job in statuses:
                again = 1 if job in uncertain else 0
                assert self.copies(store, job, received) == before[job] + again
            store.close()
        finally:
            assert worker.stop()


PACKING_STATION = children.PACKING_STATION
#: Lists made picked for the packing loop (about three orders each).
PICKED_LISTS = 40


class Packing(CrashLoop):
    """A packer checking units, closing orders (shipment, waybill, label job in one
    transaction) and shipping them by their labels, killed at random."""

    def start(self, db: Path, life: int) -> Life:
        if life == 0:
            self._prepare(db)
        return Life(children.packing, str(db))

    @staticmethod
    def _prepare(db: Path) -> None:
        """Pick the first lists in full (what the picking loop proves on its own), add the
        packer, the bench and waybill numbers."""
        store = open_store(db)
        with store.write(ADMIN) as write:
            lists = [
                row["id"]
                for row in write.execute(
                    "SELECT id FROM picklists ORDER BY id LIMIT ?", (PICKED_LISTS,)
                )
            ]
            marks = ",".join("?" * len(lists))
            write.execute(
                f"UPDATE pick_lines SET picked = qty WHERE picklist_id IN ({marks})", lists
            )
            write.execute(
                f"UPDATE pick_shares SET picked = qty WHERE pick_line_id IN"
                f" (SELECT id FROM pick_lines WHERE picklist_id IN ({marks}))",
                lists,
            )
            write.execute(
                f"UPDATE order_lines SET picked = qty WHERE order_no IN"
                f" (SELECT order_no FROM orders WHERE picklist_id IN ({marks}))",
                lists,
            )
            write.execute(
                f"UPDATE orders SET status = 'picked' WHERE picklist_id IN ({marks})", lists
            )
            write.execute(f"UPDATE picklists SET status = 'picked' WHERE id IN ({marks})", lists)
            write.audit("test.picked", "lists", lists=lists)
        stations.add_station(store, ADMIN, PACKING_STATION, "", "dummy://")
        users.add_user(store, ADMIN, children.PACKER.user, "packer", "1234")
        for code in ("SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD"):
            numbers = [f"{code}{n:010d}" for n in range(1, 400)]
            assert not carriers.add_numbers(store, ADMIN, code, numbers).rejected
        store.close()

    def working(self, life: Life) -> int:
        return 2

    def after_kill(self, db: Path, lives: list[Life]) -> None:
        store = open_store(db)
        try:
            assert store.scalar("PRAGMA integrity_check") == "ok"
            self._consistent(store, lives)
        finally:
            store.close()

    @staticmethod
    def _consistent(store: Store, lives: list[Life]) -> None:
        # Every acknowledged scan at the bench is stored, once.
        acked = [line for life in lives for line in life.lines if "seq" in line]
        stored = store.scalar("SELECT count(*) FROM scans WHERE task IN ('pack', 'ship')")
        assert stored >= len(acked)
        assert stored <= len(acked) + len(lives)  # at most one committed but unreported a life
        # Every packed or shipped order has one live shipment, every parcel one label job for
        # its order, and no waybill number serves two parcels.
        packed = store.query(
            "SELECT order_no, status FROM orders WHERE status IN ('packed', 'shipped')"
        )
        for order in packed:
            live = store.query(
                "SELECT * FROM shipments WHERE order_no = ? AND status != 'void'",
                (order["order_no"],),
            )
            assert len(live) == 1, order
            parcels = store.query(
                "SELECT p.*, j.subject, j.kind FROM packages p"
                " JOIN print_jobs j ON j.id = p.print_job_id WHERE p.shipment_id = ?",
                (live[0]["id"],),
            )
            assert len(parcels) == live[0]["packages"]
            assert {(p["subject"], p["kind"]) for p in parcels} == {(order["order_no"], "outbound")}
            jobs = store.scalar(
                "SELECT count(*) FROM print_jobs WHERE subject = ? AND kind = 'outbound'",
                (order["order_no"],),
            )
            assert jobs == live[0]["packages"], order  # exactly one label job per parcel
            if order["status"] == "shipped":
                assert {p["status"] for p in parcels} == {"shipped"}
        used = store.scalar("SELECT count(*) FROM waybill_numbers WHERE status != 'free'")
        assert used == store.scalar("SELECT count(*) FROM packages")
        assert (
            store.scalar(
                "SELECT count(*) FROM (SELECT waybill_no FROM packages GROUP BY waybill_no"
                " HAVING count(*) > 1)"
            )
            == 0
        )
        for line in (line for life in lives for line in life.lines):
            if "packed" in line:
                status = store.scalar(
                    "SELECT status FROM orders WHERE order_no = ?", (line["packed"],)
                )
                assert status in ("packed", "shipped"), line
        # No order is counted at the bench beyond its quantity; stock stays within itself.
        assert store.query("SELECT * FROM order_lines WHERE packed > qty") == []
        assert store.query("SELECT * FROM products WHERE reserved > on_hand") == []

    def finish(self, db: Path, lives: list[Life]) -> None:
        store = open_store(db)
        try:
            self._consistent(store, lives)
            shipped = store.scalar("SELECT count(*) FROM orders WHERE status = 'shipped'")
            assert shipped >= 5, "the packer barely worked between the kills"
            # Fifty kills at random points: some of them fell between a close and its ship.
            assert store.scalar("SELECT count(*) FROM audit WHERE action = 'order.packed'") >= 5
        finally:
            store.close()


LOOPS: dict[str, Callable[[], CrashLoop]] = {
    "picking": Picking,
    "packing": Packing,
    "printing": Printing,
}


@pytest.fixture
def crash_loop(request: pytest.FixtureRequest) -> Iterator[CrashLoop]:
    loop = LOOPS[request.param]()
    yield loop
    loop.close()


@pytest.mark.slow
@pytest.mark.parametrize("crash_loop", list(LOOPS), indirect=True)
def test_kill_9_at_random_points(crash_loop: CrashLoop, floor_copy: Path) -> None:
    rng = random.Random(9)
    lives: list[Life] = []
    for number in range(KILLS):
        life = crash_loop.start(floor_copy, number)
        lives.append(life)
        life.wait_for_lines(crash_loop.working(life))
        crash_loop.after_start(life)
        deadline = time.monotonic() + rng.uniform(0.0, 0.08)
        while time.monotonic() < deadline:
            life.read(max(0.0, deadline - time.monotonic()))
        life.kill()
        crash_loop.after_kill(floor_copy, lives)
        assert_stock_true(floor_copy)
    crash_loop.finish(floor_copy, lives)
    assert_stock_true(floor_copy)


def assert_stock_true(db: Path) -> None:
    """What ``wareterm stock check`` verifies holds for the file."""
    store = open_store(db)
    try:
        assert stock_check(store) == []
    finally:
        store.close()
