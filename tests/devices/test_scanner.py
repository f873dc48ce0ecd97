"""The serial scanner on real ptys, loopback TCP and loop://: scans, unplugs, replugs, bad bytes."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import tracemalloc
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from core.scanframe import SUFFIXES, FramedScan, ScanFraming
from devices.scanner import (
    RETRY_MAX_S,
    ScannerConfig,
    ScannerConfigError,
    ScannerError,
    ScannerState,
    SerialScanner,
    reconnect_delays,
)
from tests.devices.conftest import wait_until
from tests.devices.fakes import free_port


class PtyScanner:
    """A pty standing in for a USB-serial scanner: the test writes the master, wareterm reads
    the slave. Closing the master is pulling the cable."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.plugged = True

    def send(self, data: bytes, timeout: float = 10.0) -> None:
        """Write everything, in a thread so a stuck reader fails the test instead of hanging it."""
        failure: list[BaseException] = []

        def write_all() -> None:
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(self.master, view) :]
            except OSError as err:
                failure.append(err)

        writer = threading.Thread(target=write_all, daemon=True)
        writer.start()
        writer.join(timeout)
        assert not writer.is_alive(), "the scanner stopped reading"
        assert not failure, failure

    def unplug(self) -> None:
        if self.plugged:
            self.plugged = False
            os.close(self.master)


class Recorder:
    """Collects what the scanner's thread delivers."""

    def __init__(self) -> None:
        self.scans: list[FramedScan] = []
        self.states: list[ScannerState] = []

    def on_scan(self, scan: FramedScan) -> None:
        self.scans.append(scan)

    def on_state(self, state: ScannerState) -> None:
        self.states.append(state)

    @property
    def texts(self) -> list[str | None]:
        return [scan.text for scan in self.scans]

    @property
    def status(self) -> str | None:
        return self.states[-1].status if self.states else None


MakePty = Callable[[], PtyScanner]
StartScanner = Callable[..., tuple[SerialScanner, Recorder]]


@pytest.fixture
def ptys() -> Iterator[MakePty]:
    made: list[PtyScanner] = []

    def make() -> PtyScanner:
        made.append(PtyScanner())
        return made[-1]

    yield make
    for pty in made:
        pty.unplug()


@pytest.fixture
def scanners() -> Iterator[StartScanner]:
    """Start scanners for a test and stop them however it ends."""
    started: list[SerialScanner] = []

    def start(url: str, **kwargs: object) -> tuple[SerialScanner, Recorder]:
        recorder = Recorder()
        scanner = SerialScanner(url, recorder.on_scan, recorder.on_state, **kwargs)  # type: ignore[arg-type]
        started.append(scanner)
        scanner.start()
        return scanner, recorder

    yield start
    for scanner in started:
        scanner.stop()


def connected(recorder: Recorder) -> Callable[[], bool]:
    return lambda: recorder.status == "connected"


def disconnected(recorder: Recorder) -> Callable[[], bool]:
    return lambda: recorder.status == "disconnected"


# -- reading -----------------------------------------------------------------------------------


def test_scans_from_a_serial_port_arrive_as_sent(ptys: MakePty, scanners: StartScanner) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?suffix=CR&baudrate=115200")
    wait_until(connected(seen))
    assert seen.states[0].status == "connecting"
    assert pty.path in seen.states[-1].message

    pty.send(b"4006381333931\r]C1010400638133393117240101\x1d10ABC\r")
    wait_until(lambda: len(seen.scans) == 2)
    assert seen.texts == ["4006381333931", "]C1010400638133393117240101\x1d10ABC"]
    assert all(scan.ok for scan in seen.scans)


def test_a_burst_of_many_scans_in_one_write_arrives_in_order_unmerged(
    ptys: MakePty, scanners: StartScanner
) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?suffix=CRLF")
    wait_until(connected(seen))
    codes = [f"T:{number:05d}" for number in range(2000)]
    pty.send(b"".join(code.encode() + b"\r\n" for code in codes))
    wait_until(lambda: len(seen.scans) >= len(codes), timeout=10)
    assert seen.texts == codes
    assert scanner.bytes_read == sum(len(code) + 2 for code in codes)


def test_garbage_bytes_are_bad_scans_and_good_scans_still_come_through(
    ptys: MakePty, scanners: StartScanner
) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?suffix=CR")
    wait_until(connected(seen))
    pty.send(b"\x00\x07\xff\xfe\r\xff\xfe\x80\r\x1b[2J\rOK1\r\x11\x13\x03\r")
    wait_until(lambda: len(seen.scans) == 5)
    assert [scan.problem for scan in seen.scans] == [
        "non_printable",
        "undecodable",
        "non_printable",
        None,
        "non_printable",
    ]
    assert seen.scans[3].text == "OK1"
    assert seen.status == "connected"


def test_a_partial_line_times_out_as_an_incomplete_scan(
    ptys: MakePty, scanners: StartScanner
) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?suffix=CR&timeout=0.2")
    wait_until(connected(seen))
    pty.send(b"40063813")
    waited = wait_until(lambda: len(seen.scans) == 1)
    assert waited < 1.0
    assert (seen.scans[0].text, seen.scans[0].problem) == ("40063813", "incomplete")
    pty.send(b"33931\r")
    wait_until(lambda: len(seen.scans) == 2)
    assert (seen.scans[1].text, seen.scans[1].problem) == ("33931", None)


def test_a_megabyte_without_a_suffix_is_one_too_long_scan_in_bounded_memory(
    ptys: MakePty, scanners: StartScanner
) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?timeout=5")
    wait_until(connected(seen))
    flood = b"X" * (1 << 20)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _peak = tracemalloc.get_traced_memory()
        pty.send(flood)
        wait_until(lambda: scanner.bytes_read == len(flood), timeout=10)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < 256 * 1024
    pty.send(b"\rNEXT\r")
    wait_until(lambda: len(seen.scans) == 2)
    assert [scan.problem for scan in seen.scans] == ["too_long", None]
    assert seen.scans[0].raw == b"X" * 512
    assert seen.scans[1].text == "NEXT"
    assert seen.status == "connected"


# -- unplug and replug -------------------------------------------------------------------------


def test_unplug_is_reported_within_a_second_and_the_replugged_scanner_reconnects(
    ptys: MakePty, scanners: StartScanner, tmp_path: Path
) -> None:
    link = tmp_path / "scanner"  # as /dev/serial/by-id/… is for a USB scanner
    first = ptys()
    link.symlink_to(first.path)
    scanner, seen = scanners(f"{link}?suffix=CR&timeout=5")
    wait_until(connected(seen))
    first.send(b"BEFORE\rPART")
    wait_until(lambda: scanner.bytes_read == 11)

    first.unplug()
    assert wait_until(disconnected(seen), timeout=1.0) < 1.0
    assert seen.states[-1].message.startswith(f"scanner unplugged: {link} (")
    assert seen.states[-1].message.endswith("— reconnecting")
    assert [(scan.text, scan.problem) for scan in seen.scans] == [
        ("BEFORE", None),
        ("PART", "incomplete"),
    ]

    second = ptys()
    replug = tmp_path / "scanner.new"
    replug.symlink_to(second.path)
    os.replace(replug, link)
    assert wait_until(connected(seen), timeout=2.0) < 2.0
    second.send(b"AFTER\r")
    wait_until(lambda: len(seen.scans) == 3)
    assert seen.scans[2].text == "AFTER"
    assert [state.status for state in seen.states] == [
        "connecting",
        "connected",
        "disconnected",
        "connected",
    ]


def test_the_device_path_disappearing_is_an_unplug(
    ptys: MakePty, scanners: StartScanner, tmp_path: Path
) -> None:
    pty = ptys()
    link = tmp_path / "scanner"
    link.symlink_to(pty.path)
    scanner, seen = scanners(str(link))
    wait_until(connected(seen))
    link.unlink()
    assert wait_until(disconnected(seen), timeout=1.0) < 1.0
    assert "device path disappeared" in seen.states[-1].message

    link.symlink_to(pty.path)
    wait_until(connected(seen), timeout=2.0)
    pty.send(b"BACK\r")
    wait_until(lambda: seen.texts == ["BACK"])


def test_the_path_moving_to_another_device_reconnects_to_that_one(
    ptys: MakePty, scanners: StartScanner, tmp_path: Path
) -> None:
    old, new = ptys(), ptys()
    link = tmp_path / "scanner"
    link.symlink_to(old.path)
    scanner, seen = scanners(str(link))
    wait_until(connected(seen))
    moved = tmp_path / "moved"
    moved.symlink_to(new.path)
    os.replace(moved, link)
    wait_until(lambda: [s.status for s in seen.states][-2:] == ["disconnected", "connected"])
    assert "another device" in seen.states[-2].message
    new.send(b"NEW\r")
    wait_until(lambda: seen.texts == ["NEW"])


def test_a_missing_device_says_so_and_is_picked_up_when_plugged_in(
    ptys: MakePty, scanners: StartScanner, tmp_path: Path
) -> None:
    link = tmp_path / "by-id-scanner"
    scanner, seen = scanners(str(link))
    wait_until(disconnected(seen))
    assert seen.states[-1].message == f"no such device {link} — check the cable"
    assert scanner.is_running

    pty = ptys()
    link.symlink_to(pty.path)
    wait_until(connected(seen), timeout=2.0)
    pty.send(b"HELLO\r")
    wait_until(lambda: seen.texts == ["HELLO"])


def test_reconnect_delays_grow_but_stay_capped() -> None:
    delays = list(itertools.islice(reconnect_delays(), 30))
    assert delays[0] <= 0.1
    assert delays == sorted(delays)
    assert max(delays) == RETRY_MAX_S <= 1.0


# -- stop --------------------------------------------------------------------------------------


def test_stop_is_prompt_and_closes_the_port(ptys: MakePty, scanners: StartScanner) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path + "?timeout=5")
    wait_until(connected(seen))
    pty.send(b"HALF")
    wait_until(lambda: scanner.bytes_read == 4)
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 0.5
    assert not scanner.is_running
    assert seen.states[-1] == ScannerState("disconnected", f"scanner stopped: {pty.path}")
    assert [(scan.text, scan.problem) for scan in seen.scans] == [("HALF", "incomplete")]
    # The exclusive lock is gone with the port: another program can have the scanner now.
    serial.Serial(pty.path, timeout=0, exclusive=True).close()


def test_stop_while_waiting_to_reconnect_is_prompt(scanners: StartScanner, tmp_path: Path) -> None:
    scanner, seen = scanners(str(tmp_path / "absent"))
    wait_until(disconnected(seen))
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 0.5
    assert not scanner.is_running


def test_a_port_in_use_by_another_program_is_reported(
    ptys: MakePty, scanners: StartScanner
) -> None:
    pty = ptys()
    holder = serial.Serial(pty.path, timeout=0, exclusive=True)
    try:
        scanner, seen = scanners(pty.path)
        wait_until(disconnected(seen))
        assert seen.states[-1].message == f"{pty.path} is in use by another program"
    finally:
        holder.close()
    wait_until(connected(seen), timeout=2.0)


# -- loop:// (the demo's simulated scanner) ----------------------------------------------------


def test_loop_url_is_a_simulated_scanner_read_through_the_same_path(scanners: StartScanner) -> None:
    scanner, seen = scanners("loop://?suffix=CRLF&prefix=%02")
    assert scanner.can_simulate
    codes = ["]E04006381333931", "L:A-01-02", "O:1001", "收件人 张三"] * 25
    for code in codes:
        scanner.simulate(code)
    scanner.simulate(b"\x07bad")
    wait_until(lambda: len(seen.scans) == len(codes) + 1)
    assert seen.texts[:-1] == codes
    assert seen.scans[0].raw == b"\x02]E04006381333931"
    assert seen.scans[-1].problem == "non_printable"


def test_only_a_loop_scanner_can_simulate(ptys: MakePty, scanners: StartScanner) -> None:
    pty = ptys()
    scanner, seen = scanners(pty.path)
    wait_until(connected(seen))
    assert not scanner.can_simulate
    with pytest.raises(ScannerError, match="loop://"):
        scanner.simulate("4006381333931")


def test_simulating_on_a_stopped_scanner_is_a_scanner_error() -> None:
    scanner = SerialScanner("loop://", lambda scan: None, lambda state: None)
    with pytest.raises(ScannerError, match="not connected"):
        scanner.simulate("X", wait=0.05)


def test_a_failing_callback_does_not_stop_the_scanner(scanners: StartScanner) -> None:
    delivered: list[str | None] = []

    def on_scan(scan: FramedScan) -> None:
        delivered.append(scan.text)
        if scan.text == "BOOM":
            raise RuntimeError("handler bug")

    scanner = SerialScanner("loop://?suffix=CR", on_scan, lambda state: None)
    scanner.start()
    try:
        scanner.simulate("BOOM")
        scanner.simulate("AFTER")
        wait_until(lambda: delivered == ["BOOM", "AFTER"])
        assert scanner.is_running
    finally:
        scanner.stop()


# -- network scanners (loopback TCP) -----------------------------------------------------------


def test_a_socket_scanner_reconnects_after_the_server_drops_it(scanners: StartScanner) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(5)
        port = server.getsockname()[1]
        scanner, seen = scanners(f"socket://127.0.0.1:{port}?suffix=CR")
        conn, _addr = server.accept()
        with conn:
            wait_until(connected(seen))
            conn.sendall(b"NET1\r")
            wait_until(lambda: seen.texts == ["NET1"])
        assert wait_until(disconnected(seen), timeout=1.0) < 1.0
        assert seen.states[-1].message.startswith(
            f"scanner connection lost: socket://127.0.0.1:{port} ("
        )
        conn, _addr = server.accept()
        with conn:
            wait_until(connected(seen), timeout=2.0)
            conn.sendall(b"NET2\r")
            wait_until(lambda: seen.texts == ["NET1", "NET2"])


def test_an_unreachable_serial_server_is_reported(scanners: StartScanner) -> None:
    port = free_port()
    scanner, seen = scanners(f"socket://127.0.0.1:{port}")
    wait_until(disconnected(seen))
    assert seen.states[-1].message.startswith(f"cannot reach scanner socket://127.0.0.1:{port}")
    assert "refused" in seen.states[-1].message


# -- configuration URLs ------------------------------------------------------------------------


def test_defaults_for_a_bare_device_path() -> None:
    config = ScannerConfig.from_url("/dev/ttyUSB0")
    assert config == ScannerConfig(port_url="/dev/ttyUSB0")
    assert (config.baudrate, config.bytesize, config.parity, config.stopbits) == (9600, 8, "N", 1)
    assert config.framing == ScanFraming()
    assert config.device_path == "/dev/ttyUSB0"
    assert config.to_url() == "/dev/ttyUSB0"


def test_our_options_are_taken_out_of_a_device_path() -> None:
    config = ScannerConfig.from_url(
        "/dev/serial/by-id/usb-Scanner-if00?baudrate=115200&suffix=crlf&parity=e&bytesize=7"
        "&stopbits=2&prefix=%02&max_length=64&timeout=0.3"
    )
    assert config.port_url == "/dev/serial/by-id/usb-Scanner-if00"
    assert (config.baudrate, config.bytesize, config.parity, config.stopbits) == (115200, 7, "E", 2)
    assert config.framing == ScanFraming(
        suffix="CRLF", prefix=b"\x02", max_length=64, partial_timeout_s=0.3
    )


@pytest.mark.parametrize(
    ("url", "port_url", "scheme"),
    [
        ("socket://127.0.0.1:4001?suffix=CR", "socket://127.0.0.1:4001", "socket"),
        (
            "rfc2217://bench-3:2217?logging=debug&baudrate=19200",
            "rfc2217://bench-3:2217?logging=debug",
            "rfc2217",
        ),
        (
            "rfc2217://bench-3:2217?ign_set_control&suffix=TAB&poll_modem",
            "rfc2217://bench-3:2217?ign_set_control&poll_modem",
            "rfc2217",
        ),
        ("loop://?suffix=CR", "loop://", "loop"),
        ("LOOP://", "LOOP://", "loop"),
        (
            "spy:///dev/ttyUSB0?file=/tmp/spy.txt&suffix=CR",
            "spy:///dev/ttyUSB0?file=/tmp/spy.txt",
            "spy",
        ),
    ],
)
def test_pyserial_keeps_its_own_options(url: str, port_url: str, scheme: str) -> None:
    config = ScannerConfig.from_url(url)
    assert config.port_url == port_url
    assert config.scheme == scheme
    assert config.device_path is None


def test_the_name_for_people_leaves_out_options() -> None:
    assert (
        ScannerConfig.from_url("rfc2217://h:2217?logging=debug&suffix=CR").name
        == "rfc2217://h:2217"
    )


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("", "empty"),
        ("?baudrate=9600", "no port"),
        ("/dev/ttyUSB0?baudrate=fast", "baudrate"),
        ("/dev/ttyUSB0?baudrate=0", "baudrate"),
        ("/dev/ttyUSB0?baudrate=", "no value"),
        ("/dev/ttyUSB0?bytesize=9", "bytesize"),
        ("/dev/ttyUSB0?parity=X", "parity"),
        ("/dev/ttyUSB0?stopbits=3", "stopbits"),
        ("/dev/ttyUSB0?stopbits=one", "stopbits"),
        ("/dev/ttyUSB0?suffix=SEMICOLON", "suffix"),
        ("/dev/ttyUSB0?max_length=0", "max_length"),
        ("/dev/ttyUSB0?max_length=big", "max_length"),
        ("/dev/ttyUSB0?timeout=-1", "timeout"),
        ("/dev/ttyUSB0?timeout=inf", "timeout"),
        ("/dev/ttyUSB0?suffix=CR&suffix=LF", "twice"),
        ("/dev/ttyUSB0?baud=9600", "'baud'"),
        ("loop://?baud=9600", "'baud'"),
        ("socket://127.0.0.1:4001?logging=debug&speed=1", "'speed'"),
        ("tcp://127.0.0.1:9100", "'tcp'"),
        ("socket://127.0.0.1", "host and a port"),
        ("socket://127.0.0.1:99999", "(?i)port out of range"),
        ("rfc2217://:2217", "host and a port"),
    ],
)
def test_bad_scanner_urls_are_refused_clearly(url: str, complaint: str) -> None:
    with pytest.raises(ScannerConfigError, match=complaint):
        ScannerConfig.from_url(url)


def test_a_bad_url_is_refused_when_the_scanner_is_made() -> None:
    with pytest.raises(ScannerConfigError):
        SerialScanner("/dev/ttyUSB0?parity=Q", lambda scan: None, lambda state: None)


@given(
    baudrate=st.sampled_from([1200, 9600, 19200, 38400, 57600, 115200]),
    bytesize=st.sampled_from([5, 6, 7, 8]),
    parity=st.sampled_from(["N", "E", "O"]),
    stopbits=st.sampled_from([1.0, 1.5, 2.0]),
    suffix=st.sampled_from(SUFFIXES),
    prefix=st.one_of(st.none(), st.binary(min_size=1, max_size=4)),
    max_length=st.integers(min_value=1, max_value=10_000),
    timeout=st.floats(min_value=0.01, max_value=60, allow_nan=False),
    port_url=st.sampled_from(
        ["/dev/ttyUSB0", "socket://10.1.2.3:4001", "rfc2217://h:2217?poll_modem"]
    ),
)
def test_to_url_and_from_url_round_trip(
    baudrate: int,
    bytesize: int,
    parity: str,
    stopbits: float,
    suffix: str,
    prefix: bytes | None,
    max_length: int,
    timeout: float,
    port_url: str,
) -> None:
    config = ScannerConfig(
        port_url=port_url,
        baudrate=baudrate,
        bytesize=bytesize,
        parity=parity,
        stopbits=stopbits,
        framing=ScanFraming(
            suffix=suffix,  # type: ignore[arg-type]
            prefix=prefix,
            max_length=max_length,
            partial_timeout_s=timeout,
        ),
    )
    assert ScannerConfig.from_url(config.to_url()) == config
