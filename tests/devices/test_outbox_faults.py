"""The print worker through a long run of printer faults, one after another, while labels keep
coming: refused connections, paper out, a printer that never answers status, connections cut
mid-label, a printer that stops taking data. Nothing is lost, nothing prints twice, labels come
out in the order they were queued. (Each fault on its own: tests/devices/test_outbox.py.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from data import orders, printing
from devices.outbox import PrintWorker
from tests.data.builders import ADMIN, order_rows, orders_csv
from tests.devices import test_outbox
from tests.devices.fakes import (
    PAPER_OUT,
    READY,
    FakeNetworkPrinter,
    url_for,
    wait_for,
    without_status_queries,
)
from tests.devices.test_outbox import Floor, Recorder

start_worker = test_outbox.start_worker  # the fixture: a print worker stopped after the test

OUTBOUND = 100
#: How the worker records each fault when it meets it (print.failed reasons).
FAILURES = {"paper_out", "refused", "closed", "timeout"}


class FaultyPrinter:
    """A printer on one loopback port that is switched off and on (a new listener each time)
    and made to misbehave; it remembers everything every incarnation received."""

    def __init__(self) -> None:
        self.current = FakeNetworkPrinter()
        self.port = self.current.port
        self.retired: list[FakeNetworkPrinter] = []
        self.faults: Counter[str] = Counter()
        #: Full rounds of all the faults.
        self.cycles = 0

    def off(self) -> None:
        self.current.stop()
        self.retired.append(self.current)

    def on(self) -> None:
        self.current = FakeNetworkPrinter(port=self.port)

    def whole_jobs(self) -> Counter[bytes]:
        total: Counter[bytes] = Counter()
        for printer in [*self.retired, self.current]:
            total += printer.whole_jobs()
        return total

    def order_of(self, jobs: list[bytes]) -> list[int]:
        """Where each job's first whole copy begins in everything received, in order."""
        stream = b"".join(
            without_status_queries(printer.protocol.job_bytes())
            for printer in [*self.retired, self.current]
        )
        return [stream.find(job) for job in jobs]

    def run_faults(self, stop: threading.Event, step_s: float) -> None:
        """Cycle through the faults until ``stop``; each lasts ``step_s``, then the printer
        is well for a moment."""
        faults = ("paper_out", "no_status", "cut", "stall", "off")
        index = 0
        while not stop.is_set():
            fault = faults[index % len(faults)]
            index += 1
            printer = self.current
            if fault == "paper_out":
                printer.protocol.answers = PAPER_OUT
            elif fault == "no_status":
                printer.protocol.answers = None
            elif fault == "cut":
                printer.close_after = 2000  # outbound labels are ~60 KB: cut in the middle
            elif fault == "stall":
                printer.read = False
            else:
                self.off()
            self.faults[fault] += 1
            stop.wait(step_s)
            if fault == "off":
                self.on()
            printer = self.current
            printer.protocol.answers = READY
            printer.close_after = None
            printer.read = True
            stop.wait(step_s / 2)
            if index % len(faults) == 0:
                self.cycles += 1


@pytest.fixture
def faulty_printer() -> Iterator[FaultyPrinter]:
    printer = FaultyPrinter()
    yield printer
    printer.current.stop()


@pytest.mark.slow
def test_a_run_of_printer_faults_loses_nothing_and_prints_nothing_twice(
    tmp_path: Path,
    faulty_printer: FaultyPrinter,
    start_worker: Callable[..., tuple[PrintWorker, Recorder]],
) -> None:
    floor = Floor(tmp_path / "w.db", url_for(faulty_printer.port))
    numbers = [f"SO-F{n}" for n in range(OUTBOUND)]  # one outbound label each
    orders.import_orders(
        floor.store,
        ADMIN,
        orders_csv(*(order_rows(number, [("SKU-MUG", 1)]) for number in numbers)),
        "faults.csv",
    )
    stop = threading.Event()
    faults = threading.Thread(target=faulty_printer.run_faults, args=(stop, 0.3), daemon=True)
    _, events = start_worker(floor.db, backoff=lambda attempts: 0.05)
    faults.start()
    queued: list[int] = []
    met: set[str] = set()
    try:
        # Labels keep coming while the printer misbehaves (an outbound label every third
        # time), until the worker has met every fault at least once.
        number = 0
        deadline = time.monotonic() + 60
        while met < FAILURES or not faulty_printer.cycles:
            assert time.monotonic() < deadline and number < 3 * OUTBOUND, f"met only {met}"
            if number % 3 == 2:
                queued.append(floor.queue_label(f"SO-F{number // 3}", waybill=f"SF{number}"))
            else:
                queued.extend(floor.queue_codes(f"T:{number:04d}"))
            number += 1
            time.sleep(0.04)
            met = {detail["reason"] for detail in floor.audit_details("print.failed")}
    finally:
        stop.set()
        faults.join(10)
    wait_for(lambda: floor.printed(*queued), timeout=60)

    received = faulty_printer.whole_jobs()
    rendered = [without_status_queries(floor.bytes_of(job)) for job in queued]
    assert [received[job] for job in rendered] == [1] * len(queued)
    starts = faulty_printer.order_of(rendered)
    assert starts == sorted(starts), "labels came out of order"
    assert len(queued) > 10
    assert {job.status for job in printing.list_jobs(floor.store)} == {"done"}
    assert "uncertain" not in events.kinds()


def test_a_printer_that_stops_answering_mid_shift_gets_no_label_blind(
    tmp_path: Path, start_worker: Callable[..., tuple[PrintWorker, Recorder]]
) -> None:
    # A printer that answered status and then stops taking data (a jam): its status queries
    # time out. Sending anyway would leave the label in the network buffers, marked done, and
    # lost when someone switches the printer off and on to clear the jam.
    printer = FakeNetworkPrinter()
    port = printer.port
    floor = Floor(tmp_path / "w.db", url_for(port))
    _, events = start_worker(floor.db, backoff=lambda attempts: 0.1)
    (first,) = floor.queue_codes("T:0001")
    wait_for(lambda: floor.printed(first))
    printer.read = False  # jammed
    (second,) = floor.queue_codes("T:0002")
    wait_for(lambda: floor.job(second).attempts >= 1, timeout=10)
    assert floor.status(second) != "done"
    printer.stop()  # switched off and on again
    again = FakeNetworkPrinter(port=port)
    try:
        wait_for(lambda: floor.printed(second), timeout=10)
        assert again.protocol.copies(floor.bytes_of(second)) == 1
        assert floor.audit_details("print.failed")[0]["reason"] == "timeout"
    finally:
        again.stop()
