"""The print worker against real parts: SQLite files, a loopback TCP printer, a FIFO device,
label folders, and worker processes that are killed or stopped."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from core.labels import ToteLabel, parse_qr_payload
from data import catalog, leases, orders, printing, stations, users
from data.printing import PrintJob, enqueue
from data.store import Actor, Store, open_store
from devices.outbox import PrintWorker, WorkerEvent, render_job
from devices.printer import DirPrinter, PrinterConfig, PrinterError, PrinterFault, printer_from_url
from tests.data.builders import ADMIN, order_rows, orders_csv, product, products_csv
from tests.devices.fakes import (
    PAPER_OUT,
    READY,
    FakeNetworkPrinter,
    free_port,
    network_printers,
    url_for,
    wait_for,
    without_status_queries,
)
from tests.devices.test_render import decode, raster_from_escpos

ROOT = Path(__file__).resolve().parents[2]
STATION = "bench-1"
PACKER = Actor("chen.jie", STATION)


@pytest.fixture
def network_printer() -> Iterator[Callable[..., FakeNetworkPrinter]]:
    yield from network_printers()


class Floor:
    """A database file with products, orders and the station bench-1 printing to ``url``."""

    def __init__(self, path: Path, url: str) -> None:
        self.db = path
        self.store = open_store(path)
        catalog.import_products(self.store, ADMIN, products_csv([product("SKU-MUG")]), "p.csv")
        orders.import_orders(
            self.store,
            ADMIN,
            orders_csv(
                order_rows("SO-1", [("SKU-MUG", 1)]),
                order_rows(
                    "SO-2",
                    [("SKU-MUG", 1)],
                    customer_name="Wang Fang",
                    province="Zhejiang",
                    city="Hangzhou",
                    district="Xihu",
                    address="90 Wensan Road",
                ),
            ),
            "o.csv",
        )
        self.set_printer(url)
        users.add_user(self.store, ADMIN, "chen.jie", "packer", "1234")

    def set_printer(self, url: str) -> None:
        stations.add_station(self.store, ADMIN, STATION, "", url)

    def queue_codes(self, *codes: str, station: str = STATION) -> list[int]:
        with self.store.write(PACKER) as write:
            return [
                enqueue(
                    write,
                    station,
                    "code",
                    code,
                    printing.code_content([ToteLabel(code=code, caption=f"Tote {code}")]),
                )
                for code in codes
            ]

    def queue_label(self, order_no: str = "SO-1", waybill: str | None = None) -> int:
        (job_id,) = printing.queue_outbound_labels(
            self.store, PACKER, order_no, STATION, "SF", "Standard", waybill
        )
        return job_id

    def job(self, job_id: int) -> PrintJob:
        return printing.get_job(self.store, job_id)

    def status(self, job_id: int) -> str:
        return self.job(job_id).status

    def printed(self, *job_ids: int) -> bool:
        return all(self.status(job_id) == "done" for job_id in job_ids)

    def bytes_of(self, job_id: int, url: str | None = None) -> bytes:
        """What the job renders to for the station's printer (rendering is deterministic)."""
        target = printing.station_printer(self.store, STATION)
        assert target is not None
        config = PrinterConfig.from_url(
            url or target.url, profile=target.profile, width_dots=target.label_width
        )
        job = self.job(job_id)
        return render_job(job.kind, job.content, config)

    def printer_state(self, station: str = STATION) -> tuple[str, str]:
        rows = self.store.query(
            "SELECT status, detail FROM device_states WHERE station = ? AND device = 'printer'",
            (station,),
        )
        return (rows[0]["status"], rows[0]["detail"]) if rows else ("", "")

    def actions(self, subject: str) -> list[str]:
        return [
            row["action"]
            for row in self.store.query(
                "SELECT action FROM audit WHERE subject = ? AND action LIKE 'print.%' ORDER BY id",
                (subject,),
            )
        ]

    def audit_details(self, action: str) -> list[dict[str, object]]:
        return [
            json.loads(row["detail"])
            for row in self.store.query(
                "SELECT detail FROM audit WHERE action = ? ORDER BY id", (action,)
            )
        ]


class Recorder:
    """Collects a worker's events with the time they came."""

    def __init__(self) -> None:
        self.events: list[tuple[float, WorkerEvent]] = []
        self.lock = threading.Lock()

    def __call__(self, event: WorkerEvent) -> None:
        with self.lock:
            self.events.append((time.monotonic(), event))

    def kinds(self, job_id: int | None = None) -> list[str]:
        with self.lock:
            return [e.kind for _, e in self.events if job_id is None or e.job_id == job_id]

    def times(self, kind: str, job_id: int | None = None) -> list[float]:
        with self.lock:
            return [
                at
                for at, e in self.events
                if e.kind == kind and (job_id is None or e.job_id == job_id)
            ]

    def messages(self, kind: str) -> list[str]:
        with self.lock:
            return [e.message for _, e in self.events if e.kind == kind]


@pytest.fixture
def start_worker() -> Iterator[Callable[..., tuple[PrintWorker, Recorder]]]:
    started: list[PrintWorker] = []

    def start(db: Path, station: str = STATION, **options: object) -> tuple[PrintWorker, Recorder]:
        recorder = Recorder()
        worker = PrintWorker(db, station, Actor("print-worker", station), recorder, **options)  # type: ignore[arg-type]
        worker.start()
        started.append(worker)
        return worker, recorder

    yield start
    for worker in started:
        assert worker.stop(), "a print worker did not stop"


def spawn_worker(db: Path, log: Path, station: str = STATION) -> subprocess.Popen[bytes]:
    """``wareterm print worker`` in its own process."""
    command = [sys.executable, "-m", "tui.cli", "--db", str(db), "print", "worker"]
    return subprocess.Popen(
        [*command, "--station", station],
        cwd=ROOT,
        env={**os.environ, "WARETERM_USER": "chen.jie"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def held_by(store: Store, pid: int) -> bool:
    holder = leases.holder(store, STATION, "printer")
    return holder is not None and holder.pid == pid


# --------------------------------------------------------------------------- the happy path


def test_jobs_print_in_order_exactly_once_and_promptly(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    worker, events = start_worker(floor.db)
    wait_for(lambda: floor.printer_state()[0] == "ready")  # the idle printer was asked
    queued_at = time.monotonic()
    ids = floor.queue_codes("T:0001", "T:0002", "T:0003")
    wait_for(lambda: floor.printed(*ids))
    assert events.times("done", ids[0])[0] - queued_at < 2  # woken by the new rows
    received = server.protocol.job_bytes()
    jobs = [without_status_queries(floor.bytes_of(job_id)) for job_id in ids]
    assert [received.count(job) for job in jobs] == [1, 1, 1]
    assert sorted(received.find(job) for job in jobs) == [received.find(job) for job in jobs]
    for job_id, code in zip(ids, ("T:0001", "T:0002", "T:0003"), strict=True):
        assert floor.actions(code) == ["print.queue", "print.sending", "print.done"]
        assert floor.job(job_id).sent_at is not None
    wait_for(lambda: floor.printer_state() == ("ready", "ready; no job waiting"))
    assert events.kinds()[0] == "holding"
    started = time.monotonic()
    assert worker.stop()
    assert time.monotonic() - started < 1.5
    assert events.kinds()[-1] == "stopped"
    assert leases.holder(floor.store, STATION, "printer") is None
    assert floor.printer_state()[0] == "unknown"


# --------------------------------------------------------------------------- faults


def test_printer_off_then_back_prints_once_after_the_backoff(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    port = free_port()
    floor = Floor(tmp_path / "w.db", url_for(port))
    (job_id,) = floor.queue_codes("T:0001")
    _, events = start_worker(floor.db)
    wait_for(lambda: floor.status(job_id) == "failed")
    failed = floor.job(job_id)
    assert failed.attempts == 1
    assert "refused the connection" in (failed.last_error or "")
    assert failed.next_attempt_at is not None
    assert floor.audit_details("print.failed")[0]["reason"] == "refused"
    wait_for(lambda: floor.printer_state()[0] == "offline")
    assert "1 job waiting" in floor.printer_state()[1]
    # The printer is switched on again.
    server = network_printer(port=port)
    wait_for(lambda: floor.printed(job_id), timeout=10)
    assert server.protocol.copies(floor.bytes_of(job_id)) == 1
    failed_at = events.times("failed", job_id)[0]
    assert events.times("sending", job_id)[1] - failed_at >= 0.9  # waited its backoff
    assert floor.actions("T:0001")[:3] == ["print.queue", "print.sending", "print.failed"]
    assert floor.actions("T:0001")[-2:] == ["print.sending", "print.done"]
    wait_for(lambda: floor.printer_state()[0] == "ready")


def test_a_later_job_waits_behind_a_failed_one(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer(answers=PAPER_OUT)
    floor = Floor(tmp_path / "w.db", server.url)
    first, second = floor.queue_codes("T:0001", "T:0002")
    _, events = start_worker(floor.db, backoff=lambda attempts: 0.2)
    wait_for(lambda: floor.job(first).attempts >= 2)  # tried again and again…
    assert floor.status(second) == "queued"  # …and the next label did not overtake it
    assert server.protocol.job_bytes() == b""  # nothing was sent while the paper was out
    assert floor.printer_state()[0] == "paper_out"
    assert "out of paper" in (floor.job(first).last_error or "")
    assert floor.audit_details("print.failed")[0]["reason"] == "paper_out"
    server.protocol.answers = READY  # a new roll
    wait_for(lambda: floor.printed(first, second))
    received = server.protocol.job_bytes()
    one, two = (without_status_queries(floor.bytes_of(job)) for job in (first, second))
    assert received.count(one) == received.count(two) == 1
    assert received.find(one) < received.find(two)
    wait_for(lambda: floor.printer_state()[0] == "ready")
    # The event follows the row: wait for it rather than race the worker's thread.
    wait_for(lambda: events.kinds(second) == ["sending", "done"])


def test_printer_closing_mid_job_is_printed_again(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer(close_after=2000)
    floor = Floor(tmp_path / "w.db", server.url)
    job_id = floor.queue_label("SO-1", waybill="SF1234567890")  # a raster label, ~60 KB
    start_worker(floor.db)
    wait_for(lambda: floor.status(job_id) == "failed")
    assert floor.audit_details("print.failed")[0]["reason"] == "closed"
    wait_for(lambda: floor.printer_state()[0] == "offline")  # written just after the job
    assert server.protocol.copies(floor.bytes_of(job_id)) == 0
    server.close_after = None  # switched on again, stays on
    wait_for(lambda: floor.printed(job_id), timeout=10)
    assert server.protocol.copies(floor.bytes_of(job_id)) == 1


def test_a_stalled_printer_times_out_and_prints_when_it_resumes(
    tmp_path: Path, start_worker: Callable
) -> None:
    # A device node whose printer stopped taking data (a USB printer with a paper jam): a FIFO
    # with a one-page buffer and a reader that does not read.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
    floor = Floor(tmp_path / "w.db", f"file://{fifo}?write_timeout=0.3")
    job_id = floor.queue_label("SO-1", waybill="SF1234567890")
    received = bytearray()
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            if select.select([reader], [], [], 0.02)[0]:
                try:
                    received.extend(os.read(reader, 65536))
                except BlockingIOError:
                    continue

    try:
        start_worker(floor.db)
        wait_for(lambda: floor.status(job_id) == "failed")
        assert floor.audit_details("print.failed")[0]["reason"] == "timeout"
        assert "stopped taking data for 0.3 s" in (floor.job(job_id).last_error or "")
        wait_for(lambda: floor.printer_state()[0] == "offline")
        thread = threading.Thread(target=drain, daemon=True)
        thread.start()  # the jam is cleared
        wait_for(lambda: floor.printed(job_id), timeout=10)
        stop.set()
        thread.join(5)
    finally:
        stop.set()
        os.close(reader)
    assert bytes(received).count(floor.bytes_of(job_id)) == 1


def test_a_printer_that_never_answers_status_still_prints(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer(answers=None)
    floor = Floor(tmp_path / "w.db", server.url)
    (job_id,) = floor.queue_codes("T:0001")
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job_id))
    assert server.protocol.copies(floor.bytes_of(job_id)) == 1
    wait_for(lambda: floor.printer_state()[0] == "unknown")
    assert "does not answer status queries" in floor.printer_state()[1]


def test_a_missing_station_is_an_error_on_the_job(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    (job_id,) = floor.queue_codes("T:0009", station="bench-9")
    start_worker(floor.db, "bench-9")
    wait_for(lambda: floor.status(job_id) == "failed")
    assert "there is no station bench-9" in (floor.job(job_id).last_error or "")
    assert floor.audit_details("print.failed")[0]["reason"] == "no_station"
    wait_for(lambda: floor.printer_state("bench-9")[0] == "error")
    stations.add_station(floor.store, ADMIN, "bench-9", "", server.url)
    wait_for(lambda: floor.printed(job_id), timeout=10)
    assert server.protocol.copies(floor.bytes_of(job_id)) == 1


# --------------------------------------------------------------------------- restarts and leases


def test_a_job_cut_off_by_a_killed_worker_becomes_uncertain_and_is_not_resent(
    tmp_path: Path,
    network_printer: Callable[..., FakeNetworkPrinter],
    start_worker: Callable,
    wareterm: Callable,
    db_path: Path,
) -> None:
    # The printer takes the connection and then never answers: the worker process is stuck
    # mid-job (the row says `sending`) when it is killed.
    server = network_printer(answers=None)
    floor = Floor(db_path, url_for(server.port, status_timeout="30"))
    (first,) = floor.queue_codes("T:0001")
    process = spawn_worker(db_path, tmp_path / "worker.log")
    try:
        wait_for(lambda: floor.status(first) == "sending", timeout=15)
        wait_for(lambda: b"\x10\x04\x01" in server.protocol.received)
    finally:
        process.kill()
        process.wait(10)
    assert leases.holder(floor.store, STATION, "printer") is None  # a dead holder holds nothing

    server.protocol.answers = READY
    floor.set_printer(server.url)
    (second,) = floor.queue_codes("T:0002")
    _, events = start_worker(db_path)
    wait_for(lambda: floor.printed(second))
    # The second job printed after the first: the first was not sent again on its own.
    assert floor.status(first) == "uncertain"
    assert server.protocol.copies(floor.bytes_of(first)) == 0
    assert floor.actions("T:0001") == ["print.queue", "print.sending", "print.uncertain"]
    assert events.kinds(first) == ["uncertain"]
    listing = wareterm("print", "jobs", "--status", "uncertain", "--json")
    assert [job["id"] for job in json.loads(listing.output)] == [first]

    result = wareterm("print", "retry", str(first))
    assert result.exit_code == 0, result.output
    wait_for(lambda: floor.printed(first))
    assert server.protocol.copies(floor.bytes_of(first)) == 1
    assert wareterm("print", "retry", str(first)).exit_code == 1  # done: reprint instead

    result = wareterm("print", "reprint", str(first), "--reason", "label smudged", "--json")
    assert result.exit_code == 0, result.output
    third = json.loads(result.output)["id"]
    assert floor.job(third).reprint_of == first
    wait_for(lambda: floor.printed(third))
    assert server.protocol.copies(floor.bytes_of(first)) == 2
    assert floor.audit_details("print.reprint")[0]["reason"] == "label smudged"


def test_two_workers_for_one_station_only_one_prints(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    log = tmp_path / "worker.log"
    process = spawn_worker(floor.db, log)
    try:
        wait_for(lambda: held_by(floor.store, process.pid), timeout=15)
        _, second = start_worker(floor.db, lease_retry_s=0.2)
        wait_for(lambda: second.kinds() == ["busy"])
        assert f"process {process.pid}" in second.messages("busy")[0]
        ids = floor.queue_codes("T:0001", "T:0002", "T:0003")
        wait_for(lambda: floor.printed(*ids), timeout=10)
        for job_id in ids:
            assert server.protocol.copies(floor.bytes_of(job_id)) == 1
        assert second.kinds() == ["busy"]  # it printed nothing
        process.send_signal(signal.SIGINT)  # Ctrl-C: the first worker lets go of the printer
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    output = log.read_text()
    assert "T:0001: printed" in output and "stopped" in output
    wait_for(lambda: "holding" in second.kinds())  # the other session takes over
    (fourth,) = floor.queue_codes("T:0004")
    wait_for(lambda: floor.printed(fourth))
    # the worker says "done" once the job is stored as printed: wait for it to have said so
    wait_for(lambda: second.kinds(fourth) == ["sending", "done"])
    assert server.protocol.copies(floor.bytes_of(fourth)) == 1


def test_two_workers_in_one_process_only_one_prints(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    ids = floor.queue_codes("T:0001", "T:0002")
    _, one = start_worker(floor.db, lease_retry_s=0.2)
    _, two = start_worker(floor.db, lease_retry_s=0.2)
    wait_for(lambda: floor.printed(*ids))
    for job_id in ids:
        assert server.protocol.copies(floor.bytes_of(job_id)) == 1
    holders = [r for r in (one, two) if "holding" in r.kinds()]
    assert len(holders) == 1
    (other,) = [r for r in (one, two) if r is not holders[0]]
    # the other worker says it found the lease held once it has tried (it may start last)
    wait_for(lambda: other.kinds() == ["busy"])
    assert "another print worker in this process" in other.messages("busy")[0]


def test_a_worker_that_lost_its_lease_stops_printing(
    tmp_path: Path,
    network_printer: Callable[..., FakeNetworkPrinter],
    start_worker: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(leases, "HEARTBEAT_S", 0.1)
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    _, events = start_worker(floor.db, lease_retry_s=0.2)
    wait_for(lambda: "holding" in events.kinds())
    # Another live process on this host takes the printer (the lease went stale, say).
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with floor.store.immediate():
            floor.store.conn.execute("UPDATE device_leases SET pid = ?", (other.pid,))
        wait_for(lambda: "busy" in events.kinds())
        (job_id,) = floor.queue_codes("T:0001")
        wait_for(lambda: any(f"process {other.pid}" in m for m in events.messages("busy")))
        assert floor.status(job_id) == "queued"
    finally:
        other.kill()
        other.wait(10)
    # The other holder is gone: the worker takes the printer back and only then prints.
    wait_for(lambda: floor.printed(job_id), timeout=10)
    kinds = events.kinds()
    assert kinds.count("holding") == 2
    assert kinds.index("sending") > len(kinds) - 1 - kinds[::-1].index("holding")
    assert server.protocol.copies(floor.bytes_of(job_id)) == 1


# --------------------------------------------------------------------------- what is printed


def test_the_printed_waybill_barcode_scans(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    job_id = floor.queue_label("SO-1", waybill="SF1234567890")  # Chinese address: a raster
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job_id))
    printed = raster_from_escpos(server.protocol.job_bytes())
    codes = decode(printed)
    assert codes["Code128"] == "SF1234567890"
    assert parse_qr_payload(codes["QRCode"])["order"] == "SO-1"


def test_hostile_text_cannot_inject_printer_commands(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter], start_worker: Callable
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    # An all-Latin order (printed as native text, the dangerous path) whose name and address
    # carry a cut, a printer reset and terminal escapes.
    with floor.store.write(ADMIN) as write:
        write.execute(
            "UPDATE orders SET customer_name = ?, address = ? WHERE order_no = 'SO-2'",
            ("Evil\x1dV\x00Cut\x1b@", "90 Wensan\x1b[2J Road\x1b]0;owned\x07"),
        )
        write.audit("test.edit", "SO-2")
    job_id = floor.queue_label("SO-2", waybill="SF1")
    # And a row changed behind the outbox's back: the worker neutralises on the way out too.
    (raw_id,) = floor.queue_codes("T:0001")
    with floor.store.immediate():
        floor.store.conn.execute(
            "UPDATE print_jobs SET content = ? WHERE id = ?",
            (
                json.dumps({"labels": [{"kind": "tote", "code": "T:1", "caption": "A\x1dV\x00B"}]}),
                raw_id,
            ),
        )
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job_id, raw_id))
    data = server.protocol.job_bytes()
    assert b"EvilVCut@" in data and b"Wensan[2J" in data and b"Road]0;owned" in data
    assert b"\x1b[" not in data and b"\x1b]" not in data and b"\x07" not in data
    assert data.count(b"\x1b@") == 2  # one printer reset per job, at its start
    assert data.count(b"\x1dV") == 2  # one cut per label, at its end
    assert b"AVB" in data


def test_a_label_folder_gets_the_bytes_and_a_png(tmp_path: Path, start_worker: Callable) -> None:
    folder = tmp_path / "labels"
    floor = Floor(tmp_path / "w.db", f"dir://{folder}")
    job_id = floor.queue_label("SO-1", waybill="SF1234567890")
    (code_id,) = floor.queue_codes("T:0042")
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job_id, code_id))
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{job_id}-SO-1.bin",
        f"{job_id}-SO-1.png",
        f"{code_id}-T_0042.bin",
        f"{code_id}-T_0042.png",
    ]
    assert (folder / f"{job_id}-SO-1.bin").read_bytes() == floor.bytes_of(job_id)
    with Image.open(folder / f"{job_id}-SO-1.png") as png:
        assert round(png.info["dpi"][0]) == 203
        assert decode(png)["Code128"] == "SF1234567890"
    with Image.open(folder / f"{code_id}-T_0042.png") as png:
        assert decode(png)["Code128"] == "T:0042"
    assert floor.printer_state()[0] == "ready"


def test_dir_printer_urls_and_files(tmp_path: Path) -> None:
    config = PrinterConfig.from_url(f"dir://{tmp_path}/out/?write_timeout=1")
    assert (config.scheme, config.path, config.where) == (
        "dir",
        f"{tmp_path}/out",
        f"label folder {tmp_path}/out",
    )
    printer = printer_from_url(f"dir://{tmp_path}/out")
    assert isinstance(printer, DirPrinter)
    assert not (tmp_path / "out").exists()  # nothing happens before open()
    with printer:
        printer.label_stem = "7-SO-1"
        printer.send(b"one")
        printer.send(b"two")  # no stem: named from the time
    assert (tmp_path / "out" / "7-SO-1.bin").read_bytes() == b"one"
    assert printer.last_path is not None and printer.last_path.read_bytes() == b"two"
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".bin", ".bin"]
    for url in ("dir://relative/labels", "dir://host/labels"):
        with pytest.raises(PrinterError) as caught:
            PrinterConfig.from_url(url)
        assert caught.value.reason == PrinterFault.BAD_URL
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(PrinterError) as caught:
        printer_from_url(f"dir://{tmp_path}/file").open()
    assert caught.value.reason == PrinterFault.BAD_URL


def test_the_print_service_runs_a_worker_per_station_with_a_printer(
    tmp_path: Path, network_printer: Callable[..., FakeNetworkPrinter]
) -> None:
    from devices.outbox import PrintService

    one, two = network_printer(), network_printer()
    floor = Floor(tmp_path / "w.db", one.url)
    first = floor.queue_codes("T:0001")[0]
    service = PrintService(floor.db, rescan_s=0.2)
    service.start()
    try:
        wait_for(lambda: floor.printed(first))
        assert set(service.workers) == {STATION}
        stations.add_station(floor.store, ADMIN, "bench-2", "", two.url)
        stations.add_station(floor.store, ADMIN, "hh-1", "loop://", "")
        wait_for(lambda: "bench-2" in service.workers)
        (second,) = floor.queue_codes("T:0002", station="bench-2")
        wait_for(lambda: floor.printed(second))
        assert "hh-1" not in service.workers  # no printer, no worker
    finally:
        service.stop()
    assert service.workers == {}
    assert leases.holder(floor.store, STATION, "printer") is None
