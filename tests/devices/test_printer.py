"""Printers by URL against real endpoints: a loopback TCP printer, a pty serial port, files."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.printer import (
    DummyPrinter,
    FilePrinter,
    PrinterConfig,
    PrinterError,
    PrinterFault,
    PrinterStatus,
    SerialPrinter,
    TcpPrinter,
    UsbPrinter,
    _os_error,
    interpret_status,
    printer_for,
    printer_from_url,
)
from tests.devices.fakes import (
    COVER_OPEN,
    PAPER_LOW,
    PAPER_OUT,
    READY,
    FakeNetworkPrinter,
    PrinterProtocol,
    free_port,
    network_printers,
    wait_for,
)


@pytest.fixture
def network_printer() -> Iterator[Callable[..., FakeNetworkPrinter]]:
    yield from network_printers()


# Far more than loopback socket and pty buffers hold, so a printer that stops reading blocks us.
BIG_JOB = b"\x00" * (48 * 1024 * 1024)


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://10.0.0.5:9100", {"scheme": "tcp", "host": "10.0.0.5", "port": 9100}),
        ("tcp://printer-3", {"host": "printer-3", "port": 9100}),
        ("tcp://[::1]:9101", {"host": "::1", "port": 9101}),
        ("TCP://10.0.0.5:9100?connect_timeout=1.5", {"connect_timeout": 1.5}),
        (
            "serial:///dev/ttyS0?baudrate=19200",
            {"scheme": "serial", "path": "/dev/ttyS0", "baudrate": 19200, "parity": "N"},
        ),
        (
            "serial:///dev/ttyUSB0?baudrate=38400&bytesize=7&parity=E&stopbits=2&rtscts=on",
            {"bytesize": 7, "parity": "E", "stopbits": 2, "rtscts": True},
        ),
        ("usb://04b8:0202", {"scheme": "usb", "vendor_id": 0x04B8, "product_id": 0x0202}),
        ("usb://0416:5011?in_ep=0x81&out_ep=3", {"in_ep": 0x81, "out_ep": 3}),
        ("file:///dev/usb/lp0", {"scheme": "file", "path": "/dev/usb/lp0"}),
        ("file:///var/spool/labels%20a.bin", {"path": "/var/spool/labels a.bin"}),
        ("dummy://", {"scheme": "dummy", "dummy_status": PrinterStatus.READY}),
        ("dummy://?status=paper_out", {"dummy_status": PrinterStatus.PAPER_OUT}),
        ("tcp://10.0.0.5", {"cjk_mode": "auto"}),
        ("tcp://10.0.0.5?cjk=GB18030", {"cjk_mode": "gb18030"}),
    ],
)
def test_printer_urls_parse(url: str, expected: dict[str, object]) -> None:
    config = PrinterConfig.from_url(url, profile="TM-T88V", width_dots=512)
    assert config.profile == "TM-T88V"
    assert config.width_dots == 512
    for field_name, value in expected.items():
        assert getattr(config, field_name) == value, field_name


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "not a URL"),
        ("10.0.0.5:9100", "not a URL"),
        ("lpt://x", "unknown kind of printer 'lpt'"),
        ("tcp://:9100", "host name or IP address is missing"),
        ("tcp://host:99999", "port"),
        ("tcp://host:abc", "port"),
        ("tcp://user:pw@host:9100", "no user name or password"),
        ("tcp://host:9100/queue", "no path"),
        ("tcp://host?baudrate=9600", "unknown option 'baudrate'"),
        ("serial://dev/ttyS0", "absolute path"),
        ("serial:///dev/ttyS0?baud=9600", "unknown option 'baud'"),
        ("serial:///dev/ttyS0?baudrate=fast", "not a number"),
        ("serial:///dev/ttyS0?parity=X", "parity"),
        ("serial:///dev/ttyS0?stopbits=3", "stopbits"),
        ("serial:///dev/ttyS0?bytesize=9", "bytesize"),
        ("serial:///dev/ttyS0?baudrate=1&baudrate=2", "given twice"),
        ("usb://04b8", "usb://VENDOR:PRODUCT"),
        ("usb://zzzz:0202", "hexadecimal"),
        ("usb://0000:0202", "four hex digits"),
        ("file://labels.bin", "absolute path"),
        ("file:///var/spool/", "directory"),
        ("dummy://?status=sleepy", "status=sleepy"),
        ("tcp://host?write_timeout=0", "between 0 and 600"),
        ("tcp://host?cjk=big5", "cjk=big5 must be raster, gb18030 or auto"),
    ],
)
def test_bad_printer_urls_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(PrinterError) as caught:
        PrinterConfig.from_url(url)
    assert caught.value.reason == PrinterFault.BAD_URL
    assert says in caught.value.message
    assert "tcp://HOST:9100" in caught.value.message  # and what a good one looks like


def test_width_must_be_whole_bytes() -> None:
    with pytest.raises(PrinterError, match="multiple of 8"):
        PrinterConfig.from_url("dummy://", width_dots=570)


def test_printer_for_each_scheme_does_no_io() -> None:
    # Nothing listens on this port and nothing exists at these paths: constructing is silent.
    urls = {
        f"tcp://127.0.0.1:{free_port()}": TcpPrinter,
        "serial:///dev/wareterm-no-such-port": SerialPrinter,
        "usb://04b8:0202": UsbPrinter,
        "file:///dev/wareterm-no-such-device": FilePrinter,
        "dummy://": DummyPrinter,
    }
    for url, kind in urls.items():
        printer = printer_from_url(url)
        assert type(printer) is kind
        assert not printer.is_open
        assert repr(printer) == f"{kind.__name__}({url!r})"
        with pytest.raises(PrinterError) as caught:
            printer.send(b"x")
        assert caught.value.reason == PrinterFault.NOT_OPEN
        printer.close()
        del printer
    assert not Path("/dev/wareterm-no-such-device").exists()


def test_printer_error_survives_pickling() -> None:
    error = PrinterError(PrinterFault.TIMEOUT, "printer at x:9100 stopped taking data")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.message, str(copy)) == (error.reason, error.message, str(error))


def test_importing_printer_module_has_no_side_effects(tmp_path: Path) -> None:
    # A fresh interpreter: importing imports no escpos or serial; load_escpos() neither adds a
    # root log handler nor leaves a temporary directory, and its cache goes to XDG_CACHE_HOME.
    script = (
        "import logging, os, sys\n"
        "import devices.printer as p\n"
        "assert not any(m.startswith(('escpos', 'serial', 'usb')) for m in sys.modules)\n"
        "p.load_escpos()\n"
        "assert 'escpos.printer' in sys.modules\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "assert 'ESCPOS_CAPABILITIES_PICKLE_DIR' not in os.environ\n"
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True, timeout=60)
    assert list(tmp.iterdir()) == []
    assert list((tmp_path / "cache" / "wareterm" / "escpos").glob("*.capabilities.pickle"))


def test_a_half_written_capabilities_cache_is_read_again(tmp_path: Path) -> None:
    # A process killed while python-escpos wrote its cache (or one reading it while another
    # writes) leaves an empty pickle newer than the printer database: loading still works,
    # and the cache is written anew.
    import platform

    cache = tmp_path / "cache" / "wareterm" / "escpos"
    cache.mkdir(parents=True)
    pickled = cache / f"{platform.python_version()}.capabilities.pickle"
    pickled.write_bytes(b"")
    script = "import devices.printer as p\np.load_escpos()\nimport escpos.printer\n"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True, timeout=60)
    assert pickled.stat().st_size > 0


# --------------------------------------------------------------------------- status bytes


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ((0x12, 0x12, 0x12), PrinterStatus.READY),
        ((0x1A, 0x32, 0x72), PrinterStatus.PAPER_OUT),
        ((0x12, 0x12, 0x72), PrinterStatus.PAPER_OUT),
        ((0x1A, 0x16, 0x12), PrinterStatus.COVER_OPEN),
        ((0x12, 0x12, 0x1E), PrinterStatus.PAPER_LOW),
        ((0x1A, 0x52, 0x12), PrinterStatus.OFFLINE),
        ((0x1A, None, None), PrinterStatus.OFFLINE),
        ((0x12, None, None), PrinterStatus.READY),
        ((None, 0x12, 0x12), PrinterStatus.UNKNOWN),
        ((0xFF, 0x12, 0x12), PrinterStatus.UNKNOWN),  # not a status byte: noise on the line
    ],
)
def test_interpret_status(answers: tuple[int | None, ...], status: PrinterStatus) -> None:
    assert interpret_status(*answers) == status


# --------------------------------------------------------------------------- TCP


def test_tcp_printer_receives_the_job(network_printer: Callable[..., FakeNetworkPrinter]) -> None:
    server = network_printer()
    job = b"\x1b@hello\n" + bytes(range(256)) * 100 + b"\x1dV\x00"
    with printer_from_url(server.url) as printer:
        assert printer.is_open
        printer.send(job)
        printer.send(b"second")
    wait_for(lambda: len(server.protocol.received) >= len(job) + 6)
    assert bytes(server.protocol.received) == job + b"second"


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        (READY, PrinterStatus.READY),
        (PAPER_OUT, PrinterStatus.PAPER_OUT),
        (COVER_OPEN, PrinterStatus.COVER_OPEN),
        (PAPER_LOW, PrinterStatus.PAPER_LOW),
    ],
)
def test_tcp_status_from_real_time_queries(
    network_printer: Callable[..., FakeNetworkPrinter],
    answers: dict[int, int],
    status: PrinterStatus,
) -> None:
    server = network_printer(answers=answers)
    with printer_from_url(server.url) as printer:
        assert printer.status() == status
        assert printer.status() == status  # asking twice reads no stale answer
    assert server.protocol.received.startswith(b"\x10\x04\x01")


def test_tcp_status_unknown_when_printer_never_answers(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer(answers=None)
    with printer_from_url(server.url) as printer:
        started = time.monotonic()
        assert printer.status() == PrinterStatus.UNKNOWN
        assert time.monotonic() - started < 2
        printer.send(b"still usable")
    wait_for(lambda: server.protocol.job_bytes() == b"still usable")


def test_print_job_refuses_when_paper_is_out(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer(answers=PAPER_OUT)
    with printer_from_url(server.url) as printer, pytest.raises(PrinterError) as caught:
        printer.print_job(b"LABEL")
    assert caught.value.reason == PrinterFault.PAPER_OUT
    assert "out of paper" in caught.value.message
    assert b"LABEL" not in server.protocol.received


def test_print_job_sends_when_ready(network_printer: Callable[..., FakeNetworkPrinter]) -> None:
    server = network_printer(answers=READY)
    with printer_from_url(server.url) as printer:
        assert printer.print_job(b"LABEL") == PrinterStatus.READY
    wait_for(lambda: server.protocol.job_bytes() == b"LABEL")


def test_tcp_refused() -> None:
    port = free_port()
    printer = printer_from_url(f"tcp://127.0.0.1:{port}")
    with pytest.raises(PrinterError) as caught:
        printer.open()
    assert caught.value.reason == PrinterFault.REFUSED
    assert f"printer at 127.0.0.1:{port} refused the connection" in caught.value.message
    assert "switched on" in caught.value.message
    assert not printer.is_open


def test_unknown_host_name_is_explained() -> None:
    # Translated without a lookup: resolving a name could send a query off this machine.
    config = PrinterConfig.from_url("tcp://no-such-printer.invalid:9100")
    error = _os_error(
        config, socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "connect"
    )
    assert error.reason == PrinterFault.NOT_FOUND
    assert "no-such-printer.invalid" in error.message


def test_tcp_printer_closing_mid_job(network_printer: Callable[..., FakeNetworkPrinter]) -> None:
    server = network_printer(close_after=64 * 1024)
    printer = printer_from_url(server.url)
    printer.open()
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        printer.send(BIG_JOB)
    assert caught.value.reason == PrinterFault.CLOSED
    assert "in the middle of a label" in caught.value.message
    assert "reprint" in caught.value.message
    assert time.monotonic() - started < 5
    assert not printer.is_open


def test_tcp_printer_that_hung_up_before_the_job(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer(hang_up=True)
    printer = printer_from_url(server.url)
    printer.open()
    assert server.closed.wait(5)
    # The hang-up must be noticed before sending, or the label would silently vanish.
    wait_for(lambda: _peer_closed(printer))
    with pytest.raises(PrinterError) as caught:
        printer.send(b"small label")
    assert caught.value.reason == PrinterFault.CLOSED


def _peer_closed(printer: object) -> bool:
    sock = printer._sock  # type: ignore[attr-defined]
    return bool(TcpPrinter._peer_has_closed(sock))


def test_tcp_printer_that_stalls_times_out(
    network_printer: Callable[..., FakeNetworkPrinter],
) -> None:
    server = network_printer(read=False)
    printer = printer_from_url(server.url)
    printer.open()
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        printer.send(BIG_JOB)
    elapsed = time.monotonic() - started
    assert caught.value.reason == PrinterFault.TIMEOUT
    assert "stopped taking data for 0.5 s" in caught.value.message
    assert 0.4 < elapsed < 3
    assert not printer.is_open


def test_tcp_connect_timeout_when_printer_never_accepts() -> None:
    # A listener whose accept queue is full drops new connection attempts: connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        printer = printer_from_url(f"tcp://127.0.0.1:{port}?connect_timeout=0.3")
        started = time.monotonic()
        try:
            printer.open()
        except PrinterError as error:
            assert error.reason == PrinterFault.TIMEOUT
            assert "did not answer within 0.3 s" in error.message
            assert time.monotonic() - started < 3
        else:  # pragma: no cover - a kernel that queues anyway
            printer.close()
            pytest.skip("this kernel accepted the connection despite the full backlog")
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# --------------------------------------------------------------------------- serial (pty)


class FakeSerialPrinter:
    """The far end of a pty: a thread reads the master side like a serial printer would."""

    def __init__(self, answers: dict[int, int] | None = READY, read: bool = True) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self.protocol = PrinterProtocol(answers)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        if read:
            self.thread.start()

    def url(self, **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"baudrate": "19200", **options}.items())
        return f"serial://{self.path}?{query}&write_timeout=0.3&status_timeout=0.2"

    def _serve(self) -> None:
        import select

        while not self._stop.is_set():
            readable, _, _ = select.select([self.master], [], [], 0.05)
            if not readable:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            reply = self.protocol.feed(data)
            if reply:
                os.write(self.master, reply)

    def hang_up(self) -> None:
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        os.close(self.master)
        self.master = -1

    def stop(self) -> None:
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)


@pytest.fixture
def serial_printer() -> Iterator[Callable[..., FakeSerialPrinter]]:
    fakes: list[FakeSerialPrinter] = []

    def start(**kwargs: object) -> FakeSerialPrinter:
        fake = FakeSerialPrinter(**kwargs)  # type: ignore[arg-type]
        fakes.append(fake)
        return fake

    yield start
    for fake in fakes:
        fake.stop()


def test_serial_printer_receives_the_job(
    serial_printer: Callable[..., FakeSerialPrinter],
) -> None:
    fake = serial_printer()
    job = b"\x1b@" + bytes(range(256)) * 64 + b"\x1dV\x00"
    with printer_from_url(fake.url(parity="N", stopbits="1", bytesize="8")) as printer:
        printer.send(job)
        wait_for(lambda: len(fake.protocol.received) >= len(job))
    assert bytes(fake.protocol.received) == job


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        (READY, PrinterStatus.READY),
        (PAPER_OUT, PrinterStatus.PAPER_OUT),
        (None, PrinterStatus.UNKNOWN),
    ],
)
def test_serial_status(
    serial_printer: Callable[..., FakeSerialPrinter],
    answers: dict[int, int] | None,
    status: PrinterStatus,
) -> None:
    fake = serial_printer(answers=answers)
    with printer_from_url(fake.url()) as printer:
        started = time.monotonic()
        assert printer.status() == status
        assert time.monotonic() - started < 2


def test_serial_printer_that_stalls_times_out(
    serial_printer: Callable[..., FakeSerialPrinter],
) -> None:
    fake = serial_printer(read=False)
    printer = printer_from_url(fake.url())
    printer.open()
    with pytest.raises(PrinterError) as caught:
        printer.send(b"\x00" * (4 * 1024 * 1024))
    assert caught.value.reason == PrinterFault.TIMEOUT
    assert f"printer on serial port {fake.path} stopped taking data" in caught.value.message
    assert not printer.is_open


def test_serial_link_lost_mid_job(serial_printer: Callable[..., FakeSerialPrinter]) -> None:
    fake = serial_printer()
    printer = printer_from_url(fake.url())
    printer.open()
    printer.send(b"first label")
    wait_for(lambda: fake.protocol.job_bytes() == b"first label")
    fake.hang_up()
    with pytest.raises(PrinterError) as caught:
        printer.send(b"\x00" * 65536)
    assert caught.value.reason == PrinterFault.CLOSED
    assert "reprint" in caught.value.message.lower()


def test_serial_port_missing() -> None:
    printer = printer_from_url("serial:///dev/wareterm-no-such-port?baudrate=9600")
    with pytest.raises(PrinterError) as caught:
        printer.open()
    assert caught.value.reason == PrinterFault.NOT_FOUND
    assert "/dev/wareterm-no-such-port" in caught.value.message


def test_serial_port_in_use(serial_printer: Callable[..., FakeSerialPrinter]) -> None:
    fake = serial_printer()
    with printer_from_url(fake.url()):
        other = printer_from_url(fake.url())
        with pytest.raises(PrinterError) as caught:
            other.open()
        assert caught.value.reason == PrinterFault.BUSY


# --------------------------------------------------------------------------- files


def test_file_printer_appends_to_a_spool_file(tmp_path: Path) -> None:
    spool = tmp_path / "labels.bin"
    printer = printer_from_url(f"file://{spool}")
    assert not spool.exists()  # nothing happens before open()
    with printer:
        printer.send(b"one")
        assert printer.status() == PrinterStatus.READY
    with printer:
        printer.send(b"two")
    assert spool.read_bytes() == b"onetwo"


def test_file_printer_folder_missing(tmp_path: Path) -> None:
    printer = printer_from_url(f"file://{tmp_path}/nowhere/labels.bin")
    with pytest.raises(PrinterError) as caught:
        printer.open()
    assert caught.value.reason == PrinterFault.NOT_FOUND
    assert "does not exist" in caught.value.message


def test_file_printer_never_creates_a_device_node() -> None:
    printer = printer_from_url("file:///dev/wareterm-no-such-device")
    with pytest.raises(PrinterError) as caught:
        printer.open()
    assert caught.value.reason == PrinterFault.NOT_FOUND
    assert "plugged in" in caught.value.message
    assert not Path("/dev/wareterm-no-such-device").exists()


def test_file_printer_on_a_directory(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as caught:
        printer_from_url(f"file://{tmp_path}").open()
    assert caught.value.reason == PrinterFault.BAD_URL


def test_file_printer_with_nobody_reading(tmp_path: Path) -> None:
    # A FIFO with no reader behaves like a device node whose printer is not there.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    with pytest.raises(PrinterError) as caught:
        printer_from_url(f"file://{fifo}").open()
    assert caught.value.reason == PrinterFault.OFFLINE


def test_file_printer_that_stalls_times_out(tmp_path: Path) -> None:
    # A FIFO whose reader never reads: the device stopped taking data; send must not hang.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        printer = printer_from_url(f"file://{fifo}?write_timeout=0.3")
        printer.open()
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            printer.send(b"\x00" * (1024 * 1024))
        assert caught.value.reason == PrinterFault.TIMEOUT
        assert 0.2 < time.monotonic() - started < 3
    finally:
        os.close(reader)


# --------------------------------------------------------------------------- dummy and USB


def test_dummy_printer_keeps_bytes() -> None:
    printer = printer_for(PrinterConfig.from_url("dummy://"))
    assert isinstance(printer, DummyPrinter)
    with pytest.raises(PrinterError):
        printer.status()
    with printer:
        printer.send(b"a")
        printer.send(b"b")
        assert printer.status() == PrinterStatus.READY
    assert printer.received == b"ab"


def test_dummy_printer_can_simulate_paper_out() -> None:
    printer = printer_from_url("dummy://?status=paper_out")
    with printer, pytest.raises(PrinterError) as caught:
        printer.print_job(b"label")
    assert caught.value.reason == PrinterFault.PAPER_OUT
    assert isinstance(printer, DummyPrinter) and printer.received == b""


def test_usb_printer_says_what_is_missing() -> None:
    printer = printer_from_url("usb://04b8:0202")
    with pytest.raises(PrinterError) as caught:
        printer.open()
    # pyusb is not a dependency: without it the message names it; with it, no such device.
    if caught.value.reason == PrinterFault.MISSING_DRIVER:
        assert "pyusb" in caught.value.message or "libusb" in caught.value.message
        assert "file:///dev/usb/lp0" in caught.value.message
    else:
        assert caught.value.reason in (PrinterFault.NOT_FOUND, PrinterFault.NO_PERMISSION)
        assert "04b8:0202" in caught.value.message
