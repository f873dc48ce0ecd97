"""A station's devices: the terminal's scanner adapter on a real pty, and ``devices test``
against a pty scanner and a loopback network printer."""

from __future__ import annotations

import json
import os
import socket
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from core.clock import to_iso
from core.model import Role
from core.ports import ScannerLink
from core.scanframe import FramedScan
from data import leases, stations
from data.store import Actor, Store, open_store
from devices.station import (
    SerialStationDevices,
    check_printer,
    check_scanner,
    diagnostic_code,
)
from tests.devices.conftest import wait_until

try:  # the loopback printer is moving to a shared module
    from tests.devices.fakes import READY, FakeNetworkPrinter
except ImportError:
    from tests.devices.test_printer import READY, FakeNetworkPrinter

PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}
ADMIN = Actor("admin", "test", Role.ADMIN)


class SerialPty:
    """A pty standing in for a USB-serial scanner: the test writes the master, wareterm reads
    the slave. Closing the master is pulling the cable."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.plugged = True

    def send(self, data: bytes) -> None:
        """Write everything (a scanner's burst; small enough never to block)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view) :]

    def send_later(self, data: bytes, when: Callable[[], bool], timeout: float = 10.0) -> None:
        """Write from a thread once ``when()`` holds (for code that blocks while it waits)."""

        def run() -> None:
            wait_until(when, timeout=timeout)
            self.send(data)

        threading.Thread(target=run, daemon=True).start()

    def keep_scanning(self, data: bytes, every: float = 0.05) -> threading.Event:
        """Scan ``data`` again and again from a thread until the returned event is set (for a
        reader that opens the port at a moment the test cannot see: bytes sent before the open
        are flushed by it)."""
        done = threading.Event()

        def run() -> None:
            while not done.wait(every) and self.plugged:
                self.send(data)

        threading.Thread(target=run, daemon=True).start()
        return done

    def unplug(self) -> None:
        if self.plugged:
            self.plugged = False
            os.close(self.master)


@pytest.fixture
def ptys() -> Iterator[Callable[[], SerialPty]]:
    made: list[SerialPty] = []

    def make() -> SerialPty:
        made.append(SerialPty())
        return made[-1]

    yield make
    for pty in made:
        pty.unplug()


@pytest.fixture
def network_printer() -> Iterator[Callable[..., FakeNetworkPrinter]]:
    servers: list[FakeNetworkPrinter] = []

    def start(**kwargs: object) -> FakeNetworkPrinter:
        server = FakeNetworkPrinter(**kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# -- the terminal's adapter ------------------------------------------------------------------


def test_the_adapter_delivers_scans_and_states_from_a_serial_port(
    ptys: Callable[[], SerialPty],
) -> None:
    pty = ptys()
    scans: list[FramedScan] = []
    links: list[ScannerLink] = []
    devices = SerialStationDevices()
    devices.start(f"{pty.path}?suffix=CR", scans.append, links.append)
    try:
        wait_until(lambda: links and links[-1].status == "connected")
        assert not devices.can_simulate  # a real port cannot simulate
        assert devices.simulate("X") is False
        pty.send(b"4006381333931\r\x00\x07\r")
        wait_until(lambda: len(scans) == 2)
        assert scans[0].text == "4006381333931" and scans[0].ok
        assert scans[1].problem == "non_printable"
        pty.unplug()
        assert wait_until(lambda: links[-1].status == "disconnected", timeout=1.0) < 1.0
    finally:
        devices.stop()
    devices.stop()  # twice is harmless


def test_the_adapter_simulates_through_a_loop_scanner() -> None:
    scans: list[FramedScan] = []
    links: list[ScannerLink] = []
    devices = SerialStationDevices()
    devices.start("loop://?suffix=CR", scans.append, links.append)
    try:
        wait_until(lambda: devices.can_simulate)
        assert devices.simulate("6901234567892") is True
        wait_until(lambda: [scan.text for scan in scans] == ["6901234567892"])
    finally:
        devices.stop()
    assert devices.simulate("6901234567892") is False


def test_a_bad_scanner_url_is_reported_as_disconnected_not_raised() -> None:
    links: list[ScannerLink] = []
    SerialStationDevices().start("nosuch://x", lambda scan: None, links.append)
    assert links[-1].status == "disconnected"
    assert "nosuch" in links[-1].message


# -- the technician's test -------------------------------------------------------------------


def test_check_printer_prints_a_test_label_on_a_network_printer(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    printer = network_printer(answers=READY)
    check = check_printer("bench-1", printer.url)
    assert check.ok is True, check.message
    assert f"printer at 127.0.0.1:{printer.port}" in check.message
    wait_until(lambda: printer.protocol.job_bytes().endswith(b"\x1dV\x00"))  # cut at the end
    assert diagnostic_code("bench-1").encode() in printer.protocol.job_bytes()
    assert b"wareterm test bench-1" in printer.protocol.job_bytes()


def test_check_printer_reports_a_refused_connection_and_paper_out(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer()
    url = f"tcp://127.0.0.1:{server.port}"
    server.stop()  # nothing listens there any more
    refused = check_printer("bench-1", url)
    assert refused.ok is False
    assert f"printer at 127.0.0.1:{server.port} refused the connection" in refused.message
    assert "switched on" in refused.message

    empty = network_printer(answers=PAPER_OUT)
    paper = check_printer("bench-1", empty.url)
    assert paper.ok is False and "out of paper" in paper.message

    assert check_printer("bench-1", "").ok is None


def test_check_scanner_reads_one_scan(ptys: Callable[[], SerialPty]) -> None:
    pty = ptys()
    progress: list[str] = []
    pty.send_later(diagnostic_code("bench-1").encode() + b"\r", lambda: bool(progress))
    check = check_scanner("bench-1", f"{pty.path}?suffix=CR", 5.0, progress.append)
    assert check.ok is True, check.message
    assert check.message == f"scanner {pty.path}: read the test label"
    assert "scan the test label" in progress[0]


def test_check_scanner_says_what_went_wrong(ptys: Callable[[], SerialPty], tmp_path: Path) -> None:
    missing = check_scanner("bench-1", str(tmp_path / "ttyUSB9"), 5.0)
    assert missing.ok is False
    assert missing.message == f"scanner: no such device {tmp_path / 'ttyUSB9'} — check the cable"

    quiet = ptys()
    silent = check_scanner("bench-1", quiet.path, 0.3)
    assert silent.ok is False and "no scan arrived within 0.3 s" in silent.message

    noisy = ptys()
    progress: list[str] = []
    noisy.send_later(b"\x00\xff\x13\r", lambda: bool(progress))
    garbled = check_scanner("bench-1", f"{noisy.path}?suffix=CR", 5.0, progress.append)
    assert garbled.ok is False and "garbled" in garbled.message and "baud" in garbled.message


# -- wareterm devices test -------------------------------------------------------------------


def test_devices_test_command_reports_both_devices(
    wareterm: Callable[..., Result],
    db_path: Path,
    ptys: Callable[[], SerialPty],
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    pty = ptys()
    printer = network_printer(answers=READY)
    store = open_store(db_path)
    stations.add_station(store, ADMIN, "bench-1", f"{pty.path}?suffix=CR", printer.url)
    scanning = pty.keep_scanning(b"OK-123\r")
    result = wareterm("devices", "test", "--station", "bench-1", "--timeout", "5")
    scanning.set()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Testing station bench-1"
    assert lines[1].startswith(f"✔ printer at 127.0.0.1:{printer.port}: test label sent")
    assert lines[-1] == f"✔ scanner {pty.path}: read OK-123"
    # The test held the scanner while it ran and gave it back.
    assert leases.holder(store, "bench-1", "scanner") is None
    actions = [row["action"] for row in store.query("SELECT action FROM audit ORDER BY id")]
    assert actions[-2:] == ["scanner.acquire", "scanner.release"]


def test_devices_test_command_fails_with_the_reasons(
    wareterm: Callable[..., Result],
    db_path: Path,
    tmp_path: Path,
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer()
    url = f"tcp://127.0.0.1:{server.port}"
    server.stop()
    store = open_store(db_path)
    stations.add_station(store, ADMIN, "bench-2", str(tmp_path / "ttyUSB0"), url)
    result = wareterm("devices", "test", "--station", "bench-2", "--timeout", "2")
    assert result.exit_code == 1
    assert "✘ printer at 127.0.0.1" in result.stdout and "refused the connection" in result.stdout
    assert f"✘ scanner: no such device {tmp_path / 'ttyUSB0'} — check the cable" in result.stdout
    assert "station test failed: printer, scanner" in result.stderr

    unknown = wareterm("devices", "test", "--station", "nowhere")
    assert unknown.exit_code == 1 and "no station 'nowhere'" in unknown.stderr


def test_devices_test_does_not_fight_a_session_for_the_scanner(
    wareterm: Callable[..., Result], db_path: Path, ptys: Callable[[], SerialPty]
) -> None:
    pty = ptys()
    store = open_store(db_path)
    stations.add_station(store, ADMIN, "bench-3", pty.path, "")
    _hold_for_another_process(store, "bench-3", "chen.jie")
    result = wareterm("devices", "test", "--station", "bench-3", "--json", "--timeout", "1")
    assert result.exit_code == 1
    [printer, scanner] = json.loads(result.stdout)
    assert printer == {"device": "printer", "ok": None, "message": printer["message"]}
    assert scanner["ok"] is False and "in use by chen.jie's session" in scanner["message"]


def _hold_for_another_process(store: Store, station: str, user: str) -> None:
    """A live lease of another process on this host (our parent: alive for the whole test)."""
    now = to_iso(store.clock.now())
    with store.write(ADMIN) as write:
        write.execute(
            "INSERT INTO device_leases (station, device, user, host, pid, acquired_at,"
            " heartbeat_at) VALUES (?, 'scanner', ?, ?, ?, ?, ?)",
            (station, user, socket.gethostname(), os.getppid(), now, now),
        )
        write.audit("test.lease", station)


def test_a_simulated_scanner_reads_back_the_test_label() -> None:
    check = check_scanner("demo-bench", "loop://", 5.0)
    assert check == check.__class__("scanner", True, "scanner loop://: read the test label")
