"""A station's devices for the terminal and for the technician's test.

:class:`SerialStationDevices` is the production :class:`core.ports.StationDevices`: the terminal
starts it once its session holds the station's scanner. :func:`check_printer` and
:func:`check_scanner` are the ``wareterm devices test`` diagnostic: they talk to the devices
directly (not through the print outbox) and say what worked and what did not in words a
technician acts on.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.i18n import _
from core.labels import CodeLabel
from core.ports import LinkCallback, ScanCallback, ScannerLink, StationDevices
from core.scanframe import FramedScan, display_code
from devices.outbox import PrintWorker
from devices.printer import PrinterConfig, PrinterError, printer_for
from devices.scanner import ScannerError, ScannerState, SerialScanner

#: How long the test waits for a scanner that reported a failure to come up after all.
CONNECT_GRACE_S = 1.5


class SerialStationDevices(StationDevices):
    """The station's serial scanner on a :class:`devices.scanner.SerialScanner` reader thread,
    and its print worker (:class:`devices.outbox.PrintWorker`, on its own connection to
    ``db_path``; without a database path the terminal does not print)."""

    def __init__(self, db_path: str | os.PathLike[str] | None = None) -> None:
        self._scanner: SerialScanner | None = None
        self._lock = threading.Lock()
        self._db_path = db_path
        self._worker: PrintWorker | None = None

    def start(self, scanner_url: str, on_scan: ScanCallback, on_state: LinkCallback) -> None:
        """Open the scanner in the background (a bad URL is reported as ``disconnected``)."""
        self.stop()

        def state(changed: ScannerState) -> None:
            on_state(ScannerLink(changed.status, changed.message))

        try:
            scanner = SerialScanner(scanner_url, on_scan, state)
        except ScannerError as error:
            on_state(ScannerLink("disconnected", str(error)))
            return
        with self._lock:
            self._scanner = scanner
        scanner.start()

    def stop(self) -> None:
        """Stop the reader and close the port."""
        with self._lock:
            scanner, self._scanner = self._scanner, None
        if scanner is not None:
            scanner.stop()

    @property
    def can_simulate(self) -> bool:
        """True for a connected ``loop://`` scanner."""
        scanner = self._scanner
        return scanner is not None and scanner.can_simulate and scanner.state.connected

    def simulate(self, text: str) -> bool:
        """Write a scan into the ``loop://`` port, to be read back like a real one."""
        scanner = self._scanner
        if scanner is None or not scanner.can_simulate:
            return False
        try:
            scanner.simulate(text, wait=0.5)
        except ScannerError:
            return False
        return True

    def start_printing(self, station: str) -> None:
        """Start the station's print worker (it waits while another session prints there)."""
        if self._db_path is None:
            return
        worker = PrintWorker(self._db_path, station)
        with self._lock:
            old, self._worker = self._worker, worker
        if old is not None:
            old.stop(timeout=0)  # ends by itself; the new one takes the printer after it
        worker.start()

    def wake_printer(self) -> None:
        """Look at the queue now."""
        worker = self._worker
        if worker is not None:
            worker.wake()

    def stop_printing(self) -> None:
        """Stop the worker and give the printer back."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()


# -- the technician's test ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceCheck:
    """The outcome of testing one device: ``ok`` is None when the station has no such device."""

    device: Literal["printer", "scanner"]
    ok: bool | None
    message: str


def diagnostic_code(station: str) -> str:
    """The code printed on a station's test label (scan it to test the scanner)."""
    return f"WT-TEST-{station}".upper()


def check_printer(
    station: str, url: str, profile: str | None = None, label_width: int = 576
) -> DeviceCheck:
    """Print a test label on the station's printer now and report what happened."""
    if not url:
        return DeviceCheck("printer", None, _("no printer configured for this station"))
    try:
        config = PrinterConfig.from_url(url, profile=profile, width_dots=label_width)
    except PrinterError as error:
        return DeviceCheck("printer", False, error.message)
    try:
        label = CodeLabel(diagnostic_code(station), f"wareterm test {station}")
        from devices.render import code_label_escpos  # PIL and fonts: only for a test label

        data = code_label_escpos([label], label_width, config.cjk_mode, profile)
    except ValueError as error:
        return DeviceCheck(
            "printer",
            False,
            _("{where}: cannot make the test label: {error}").format(
                where=config.where, error=error
            ),
        )
    printer = printer_for(config)
    try:
        printer.open()
        seen = printer.print_job(data)
    except PrinterError as error:
        return DeviceCheck("printer", False, error.message)
    finally:
        printer.close()
    return DeviceCheck(
        "printer",
        True,
        _("{where}: test label sent (the printer said: {status})").format(
            where=config.where, status=seen.value
        ),
    )


def check_scanner(
    station: str,
    url: str,
    timeout: float = 30.0,
    on_progress: Callable[[str], None] | None = None,
) -> DeviceCheck:
    """Open the station's scanner and wait up to ``timeout`` seconds for one scan."""
    if not url:
        return DeviceCheck("scanner", None, _("no serial scanner configured for this station"))
    scans: queue.Queue[FramedScan] = queue.Queue()
    states: queue.Queue[ScannerState] = queue.Queue()
    try:
        scanner = SerialScanner(url, scans.put, states.put)
    except ScannerError as error:
        return DeviceCheck("scanner", False, _scanner_words(str(error)))
    start = time.monotonic()
    deadline = start + timeout
    scanner.start()
    try:
        last = _wait_connected(states, start, deadline)
        if not last.connected:
            return DeviceCheck(
                "scanner",
                False,
                _scanner_words(
                    last.message or _("scanner {name}: did not connect").format(name=scanner.name)
                ),
            )
        if scanner.can_simulate:
            # A simulated scanner has no one to scan: send the test label through its port.
            try:
                scanner.simulate(diagnostic_code(station))
            except ScannerError as error:
                return DeviceCheck("scanner", False, _scanner_words(str(error)))
        elif on_progress is not None:
            on_progress(
                _(
                    "scanner {name} connected: scan the test label {code} (or any barcode) "
                    "within {seconds} s"
                ).format(
                    name=scanner.name,
                    code=diagnostic_code(station),
                    seconds=math.ceil(max(deadline - time.monotonic(), 0)),
                )
            )
        try:
            scan = scans.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            return DeviceCheck(
                "scanner",
                False,
                _(
                    "scanner {name}: connected, but no scan arrived within {seconds:g} s — is "
                    "the scanner set to send to this port (serial mode, not keyboard mode)?"
                ).format(name=scanner.name, seconds=timeout),
            )
    finally:
        scanner.stop()
    return _judge_test_scan(scanner.name, scan, diagnostic_code(station))


def _wait_connected(
    states: queue.Queue[ScannerState], start: float, deadline: float
) -> ScannerState:
    """The scanner's state once connected, or its last state when it gave up waiting."""
    last = ScannerState("connecting", "")
    failed = False
    while True:
        now = time.monotonic()
        # After a failure (say, no such device) it may still come up, but not for long.
        limit = min(deadline, start + CONNECT_GRACE_S) if failed else deadline
        if now >= limit:
            return last
        try:
            last = states.get(timeout=limit - now)
        except queue.Empty:
            return last
        if last.connected:
            return last
        failed = failed or last.status == "disconnected"


def _scanner_words(message: str) -> str:
    """A scanner's message that says it is about the scanner."""
    if message.lower().startswith("scanner"):
        return message
    return _("scanner: {message}").format(message=message)


def _judge_test_scan(name: str, scan: FramedScan, expected: str) -> DeviceCheck:
    if not scan.ok:
        hints = {
            "non_printable": _("check the scanner's baud rate and data bits"),
            "undecodable": _("check the baud rate and the scanner's character set"),
            "incomplete": _("check the end-of-scan (suffix) setting in the scanner URL"),
            "too_long": _("check the end-of-scan (suffix) setting in the scanner URL"),
        }
        return DeviceCheck(
            "scanner",
            False,
            _("scanner {name}: a scan arrived garbled ({detail}) — {hint}").format(
                name=name,
                detail=scan.detail or scan.problem,
                hint=hints.get(scan.problem or "", _("check the scanner's settings")),
            ),
        )
    text = display_code(scan.text or "")
    if text.upper() == expected:
        return DeviceCheck(
            "scanner", True, _("scanner {name}: read the test label").format(name=name)
        )
    return DeviceCheck(
        "scanner", True, _("scanner {name}: read {code}").format(name=name, code=text)
    )
