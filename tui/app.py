"""The wareterm Textual app: receives the floor port and the station's devices, keeps the
operator's session (the scanner lease, the device states) and routes every scan to the active
screen, whether it came from a keyboard wedge or a serial scanner."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.timer import Timer

from core import i18n, timefmt
from core.codes import load_parser
from core.errors import StoreFault, WaretermError
from core.i18n import N_, _
from core.model import Verdict
from core.oversight import Oversight
from core.ports import (
    DeviceHolder,
    Floor,
    Operator,
    PrinterLink,
    ScannerLink,
    ScanOutcome,
    StationDevices,
    StationView,
)
from core.returns_desk import ReturnsDesk
from core.scanframe import FramedScan
from core.scans import bad_scan_message, safe_scan_text, wedge_problem
from core.stock_oversight import StockOversight
from core.stockwork import StockWork
from core.wedge import WedgeDetector
from tui.backend import Backend
from tui.language import translate_bindings
from tui.messages import FloorChanged, LanguageChanged, ScannerChanged, ScanRead
from tui.text import clean

T = TypeVar("T")

#: After a hangup the terminal quits within this many seconds, cleanly or not.
HANGUP_GRACE_S = 3.0
#: How often the printer state is read again (the print worker writes it).
DEVICE_POLL_S = 1.0
#: How often the session asks whether another session changed the floor (live screens).
CHANGE_POLL_S = 0.05
#: How often a held scanner lease is renewed (well inside the lease's staleness limit), and a
#: scanner held by another session is asked for again.
HEARTBEAT_S = 5.0


@runtime_checkable
class ScanTarget(Protocol):
    """A screen that takes scans."""

    def handle_scan(self, raw: str, source: str) -> None:
        """Act on one complete scan."""


@runtime_checkable
class BadScanTarget(Protocol):
    """A screen that shows (and records) a scan whose bytes were not a barcode."""

    def handle_bad_scan(self, scan: ScanRead) -> None:
        """Tell the operator loudly and store the scan."""


class WaretermApp(App[None]):
    """The floor terminal. ``floor`` is the only way into the warehouse's data; ``oversight``
    (None: this terminal has no supervisor's screens) is the supervisor's port, on the same
    connection. While someone is logged in, the app asks ``floor.change_watch()`` 20 times a
    second whether anything was committed and tells the screen in front (``FloorChanged``)
    when something was."""

    CSS_PATH = "wareterm.tcss"
    TITLE = "wareterm"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    BINDINGS = [Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True)]

    scanner_link: reactive[ScannerLink] = reactive(ScannerLink("none"))
    printer_link: reactive[PrinterLink] = reactive(PrinterLink("none"))

    def __init__(
        self,
        floor: Floor,
        station: str = "console",
        demo: bool = False,
        devices: StationDevices | None = None,
        operator: Operator | None = None,
        hangup_exits: bool = False,
        oversight: Oversight | None = None,
        language: str | None = None,
        stock_oversight: StockOversight | None = None,
        stock: StockWork | None = None,
        returns: ReturnsDesk | None = None,
    ) -> None:
        super().__init__()
        #: The language of the login screen (the site's, or the one asked for at start).
        self.login_language = i18n.choose_language(language)
        i18n.set_language(self.login_language)
        translate_bindings(self)
        self._stop_listening = i18n.on_language_change(self._language_changed)
        self.floor = floor
        self.oversight = oversight
        #: The supervisor's stock port (None: the Stock section shows low stock and backorders
        #: only).
        self.stock_oversight = stock_oversight
        #: Receiving, put-away, moves, replenishment and counts (None: no stock screens).
        self.stock = stock
        #: The returns port (None: this terminal has no returns bench nor Returns tab).
        self.returns = returns
        #: Set when the session was opened for an operator already logged in (an SSH login):
        #: the session is theirs alone, so logging out ends it instead of showing the login.
        self.session_operator = operator
        self.hangup_exits = hangup_exits
        self.station = station
        self.demo = demo
        self.devices = devices
        self.operator: Operator | None = None
        self.station_view: StationView | None = None
        self.backend = Backend()
        self.wedge: WedgeDetector[events.Key] = WedgeDetector()
        self._wedge_timer: Timer | None = None
        self._session = 0
        self._scanner_run = 0
        self._scanner_held = False
        self._claim_pending = False
        self._device_timer: Timer | None = None
        self._last_heartbeat = 0.0
        self._printing = False
        self.heartbeat_s = HEARTBEAT_S
        self.change_poll_s = CHANGE_POLL_S
        self._change_timer: Timer | None = None
        self._data_version: int | None = None
        self._change_watch: Callable[[], int] | None = None
        #: What the change watch last found wrong with the database file (None: nothing).
        self.store_fault: str | None = None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, from any screen: its words are drawn as text (no markup, no
        control characters), since errors and messages quote order numbers, SKUs and names."""
        super().notify(
            clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False
        )

    def get_driver_class(self) -> type[Driver]:
        """On a POSIX terminal, the driver whose input survives any bytes (tui.driver)."""
        driver = super().get_driver_class()
        if (
            f"{driver.__module__}.{driver.__qualname__}"
            != "textual.drivers.linux_driver.LinuxDriver"
        ):
            return driver  # another platform, or TEXTUAL_DRIVER set on purpose
        from tui.driver import FloorDriver

        return FloorDriver

    def on_mount(self) -> None:
        """Start at the login screen, or at home for an operator logged in already; once it
        is drawn, load the barcode parser on the floor thread (loaded lazily so the first
        screen comes up sooner)."""
        from tui.screens.home import HomeScreen
        from tui.screens.login import LoginScreen

        if self.hangup_exits:
            # The terminal went away (SIGHUP) or the server is stopping (SIGTERM): quit the
            # normal way, so queued floor calls finish and the scanner is given back.
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(signum, self._hang_up, signum)
        if self.session_operator is not None:
            self.begin_session(self.session_operator)
            self.push_screen(HomeScreen())
        else:
            self.push_screen(LoginScreen())
        self.call_after_refresh(self.backend.submit, load_parser)

    def _hang_up(self, signum: int) -> None:
        """Quit the normal way; if that gets stuck (a terminal that hung up can block the
        last writes), the process ends anyway after a grace period."""
        watchdog = threading.Timer(HANGUP_GRACE_S, os._exit, (128 + signum,))
        watchdog.daemon = True
        watchdog.start()
        self.exit()

    def log_out(self) -> None:
        """End the operator's session: back to the login screen, or, for a session opened
        for one operator, quit (the SSH connection closes)."""
        from tui.screens.login import LoginScreen

        self.end_session()
        if self.session_operator is not None:
            self.exit()
        else:
            self.set_language(self.login_language)
            self.switch_screen(LoginScreen())

    # -- language -------------------------------------------------------------------------------

    def set_language(self, language: str | None) -> None:
        """Speak ``language`` from now on: the key labels of every screen change and each
        screen on the stack redraws what it drew (``LanguageChanged``)."""
        i18n.set_language(i18n.choose_language(language))

    def _language_changed(self, language: str) -> None:
        translate_bindings(self)
        if not self.is_running:
            return
        for screen in self.screen_stack:
            translate_bindings(screen)
            screen.post_message(LanguageChanged(language))
        if self.screen_stack:
            self.screen.refresh_bindings()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Push a screen with its key labels in the session's language."""
        if not isinstance(screen, str):
            translate_bindings(screen)
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Any) -> Any:
        """Switch to a screen with its key labels in the session's language."""
        if not isinstance(screen, str):
            translate_bindings(screen)
        return super().switch_screen(screen)

    async def on_unmount(self) -> None:
        """Give the scanner back and let queued floor calls finish (no acknowledged scan is
        dropped)."""
        self._stop_listening()
        operator, held = self.operator, self._scanner_held or self._claim_pending
        self._stop_scanner()
        if self.devices is not None and self._printing:
            # A label being sent is finished (or times out) before the printer is given back.
            self._printing = False
            await asyncio.to_thread(self.devices.stop_printing)
        if held and operator is not None:
            # If this fails the lease expires by itself; a dead process frees it at once.
            with contextlib.suppress(WaretermError):
                await self.backend.submit(self.floor.release_scanner, operator)
        self.backend.shutdown()

    # -- ordered floor calls --------------------------------------------------------------------

    def call_floor(
        self,
        fn: Callable[..., T],
        *args: Any,
        then: Callable[[T], None],
        session: bool = True,
    ) -> None:
        """Queue a floor call for the session (calls run in the order made); ``then`` gets the
        result on the UI unless the session ended meanwhile (``session=False``: always)."""
        future = self.backend.submit(fn, *args)
        started = self._session

        async def finish() -> None:
            try:
                result = await future
            except WaretermError as error:
                self.bell()
                self.notify(str(error), severity="error", timeout=8, markup=False)
                return
            if not session or started == self._session:
                then(result)

        # The function, not a coroutine made now: a worker the closing app never starts then
        # leaves no coroutine behind un-awaited.
        self.run_worker(finish, group="session", exit_on_error=True)

    # -- the operator's session -----------------------------------------------------------------

    def begin_session(self, operator: Operator) -> None:
        """After login: find the station's devices, take its scanner if free, watch them."""
        self.end_session()
        self.operator = operator
        # From here on the session speaks the operator's language.
        self.set_language(operator.language)
        self._last_heartbeat = time.monotonic()
        self.call_floor(self.floor.station, operator.station, then=self._station_known)
        self._device_timer = self.set_interval(DEVICE_POLL_S, self._poll_devices)
        self._data_version = None
        # The first question goes in now, before any screen reads its data: a change committed
        # after a screen read then always moves the version.
        try:
            self._change_watch = self.floor.change_watch()
        except WaretermError:
            self._change_watch = None
        self._poll_changes()
        self._change_timer = self.set_interval(self.change_poll_s, self._poll_changes)

    def end_session(self) -> None:
        """At logout: stop the scanner, give its lease back, forget the device states."""
        # A claim still under way is given back too: the release is queued after it.
        operator, held = self.operator, self._scanner_held or self._claim_pending
        self._session += 1
        self._claim_pending = False
        self._stop_scanner()
        self._stop_printing()
        if self._device_timer is not None:
            self._device_timer.stop()
            self._device_timer = None
        if self._change_timer is not None:
            self._change_timer.stop()
            self._change_timer = None
        if held and operator is not None:
            self.call_floor(self.floor.release_scanner, operator, then=_ignore, session=False)
        self.operator = None
        self.station_view = None
        self.scanner_link = ScannerLink("none")
        self.printer_link = PrinterLink("none")

    # -- live updates ---------------------------------------------------------------------------

    def _poll_changes(self) -> None:
        """Ask whether anything committed a change (a microsecond question on a connection of
        its own, so it never waits behind this session's queued calls) and tell the screen in
        front when it did."""
        watch = self._change_watch
        if watch is None or self.operator is None:
            return
        try:
            version = watch()
        except StoreFault as fault:
            self._file_fault(str(fault))
            return
        except WaretermError:
            return  # the file is busy being checkpointed, say: ask again at the next tick
        if self.store_fault is not None:
            self.store_fault = None
            self.notify(_("The database works again."), severity="information", markup=False)
        changed = self._data_version is not None and version != self._data_version
        # a tick can come while the app is being taken down, its screens already gone
        if changed and self.screen_stack:
            self.screen.post_message(FloorChanged(version))
        self._data_version = version

    def _file_fault(self, message: str) -> None:
        """The database file was deleted, replaced or damaged under this session: say so at
        once (scans are refused by the store from now on), not at the next scan."""
        if message != self.store_fault:
            self.store_fault = message
            self.bell()
            self.notify(
                message, title=_("Scans are not stored"), severity="error", timeout=60, markup=False
            )

    def floor_changed_here(self) -> None:
        """This session changed the floor itself (its own commits do not move its data
        version): the screen in front redraws as if another session had."""
        self.screen.post_message(FloorChanged(self._data_version or 0))

    def watch_scanner_link(self, link: ScannerLink) -> None:
        """Tell the other sessions (the supervisor's overview) how our scanner is."""
        operator = self.operator
        if operator is not None and self._scanner_held and link.status != "held":
            self.call_floor(self.floor.report_scanner, operator, link, then=_ignore)

    def _stop_scanner(self) -> None:
        """Stop the reader; news it still sends about itself is ignored from now on."""
        self._scanner_run += 1
        self._scanner_held = False
        if self.devices is not None:
            self.devices.stop()

    def _stop_printing(self) -> None:
        devices = self.devices
        if devices is not None and self._printing:
            self._printing = False
            self.run_worker(devices.stop_printing, thread=True, group="printing")

    def wake_printer(self) -> None:
        """A screen queued a print job: print it now rather than at the worker's next look."""
        if self.devices is not None and self._printing:
            self.devices.wake_printer()

    def _station_known(self, view: StationView | None) -> None:
        self.station_view = view
        self.screen.refresh_bindings()  # F5/F6 show where the scanner is simulated
        if view is not None and view.has_printer and self.devices is not None:
            self.devices.start_printing(view.name)
            self._printing = True
        self._read_printer()
        if view is None or not view.has_scanner:
            self.scanner_link = ScannerLink("none")
        elif self.devices is None:
            self.scanner_link = ScannerLink(
                "disconnected", _("this terminal cannot open serial scanners")
            )
        else:
            self._claim_scanner()

    def _claim_scanner(self) -> None:
        assert self.operator is not None
        self._claim_pending = True
        self.call_floor(self.floor.claim_scanner, self.operator, then=self._scanner_claimed)

    def _scanner_claimed(self, holder: DeviceHolder | None) -> None:
        self._claim_pending = False
        view, devices = self.station_view, self.devices
        if view is None or devices is None:
            return
        if holder is not None:
            self._scanner_busy(view, holder)
            return
        self._scanner_held = True
        self._scanner_run += 1
        run = self._scanner_run
        self.scanner_link = ScannerLink("connecting")
        devices.start(
            view.scanner_url,
            self._serial_scan,
            lambda link: self.post_message(ScannerChanged(link, run)),
        )

    def _scanner_busy(self, view: StationView, holder: DeviceHolder) -> None:
        """Another live session has the scanner: say who, and keep working by keyboard."""
        message = _(
            "The scanner of station {station} is in use by {user} (since {since}, {ago} ago, "
            "on {host}). Scan with a keyboard scanner here, or ask {user} to log out."
        ).format(
            station=view.name,
            user=holder.user,
            since=timefmt.clock(holder.since),
            ago=timefmt.ago(holder.since, self.floor.now()),
            host=holder.host,
        )
        already = self.scanner_link.status == "held"
        self.scanner_link = ScannerLink("held", message, holder)
        if not already:
            self.notify(message, severity="warning", timeout=12, markup=False)

    def on_scanner_changed(self, message: ScannerChanged) -> None:
        """The reader thread's news about the scanner (stale news of a past session is dropped)."""
        if message.run == self._scanner_run and self._scanner_held:
            self.scanner_link = message.link

    def _poll_devices(self) -> None:
        self._read_printer()
        operator = self.operator
        if operator is None or time.monotonic() - self._last_heartbeat < self.heartbeat_s:
            return
        self._last_heartbeat = time.monotonic()
        if self._scanner_held:
            self.call_floor(self.floor.renew_scanner, operator, then=self._renewed)
        elif self.scanner_link.status == "held" and not self._claim_pending:
            self._claim_scanner()  # the other session may have left

    def _renewed(self, still_ours: bool) -> None:
        if not still_ours and self._scanner_held:
            # Our lease lapsed (this process stalled) and another session took the scanner.
            self._stop_scanner()
            self._claim_scanner()

    def _read_printer(self) -> None:
        if self.operator is not None:
            self.call_floor(
                self.floor.printer_state, self.operator.station, then=self._printer_read
            )

    def _printer_read(self, link: PrinterLink) -> None:
        if link != self.printer_link:
            self.printer_link = link

    @property
    def simulated_scanner(self) -> bool:
        """Whether the station's scanner is a simulated one (``loop://``): then F5/F6 feed
        it scans, whatever the terminal (the demo, a test bench over SSH)."""
        view = self.station_view
        return view is not None and view.scanner_url.strip().lower().startswith("loop://")

    def simulate_scan(self, code: str) -> None:
        """Demo: read ``code`` through the station's simulated serial scanner when there is
        one, else hand it in directly as a simulated scan."""
        devices = self.devices
        held = self._scanner_held and devices is not None and devices.can_simulate
        if held and devices is not None and devices.simulate(code):
            return
        self.scan(code, "simulated")

    # -- keyboard wedge -------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Hold printable keys until it is clear whether they are a scanner burst or typing."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and not getattr(event, "wedge_checked", False)
        ):
            terminator = event.key in ("enter", "tab")
            char = event.character if event.is_printable else None
            out = self.wedge.feed(event, char, terminator, event.time)
            for key in out.replay:
                await self._pass_key(key)
            if out.scan is not None:
                self.post_message(ScanRead(out.scan, "wedge", wedge_problem(out.scan)))
            self._arm_wedge_timer()
            return
        await super().on_event(event)

    async def _pass_key(self, key: events.Key) -> None:
        key.wedge_checked = True  # type: ignore[attr-defined]
        await super().on_event(key)

    def _arm_wedge_timer(self) -> None:
        if self._wedge_timer is not None:
            self._wedge_timer.stop()
            self._wedge_timer = None
        deadline = self.wedge.deadline()
        if deadline is not None:
            delay = max(deadline - time.monotonic(), 0) + 0.005
            self._wedge_timer = self.set_timer(delay, self._expire_wedge)

    async def _expire_wedge(self) -> None:
        self._wedge_timer = None
        for key in self.wedge.expire(time.monotonic()):
            await self._pass_key(key)
        self._arm_wedge_timer()

    # -- scans ----------------------------------------------------------------------------------

    def on_scan_read(self, message: ScanRead) -> None:
        """Give a scan to the screen in front; a screen that takes none says so. A bad scan
        (garbage from a serial scanner) is shown loudly and stored wherever it arrives."""
        screen = self.screen
        if message.problem is not None:
            self.bell()
            if isinstance(screen, BadScanTarget):
                screen.handle_bad_scan(message)
            else:
                self.record_bad_scan(message, None, self._show_bad_scan)
        elif isinstance(screen, ScanTarget):
            screen.handle_scan(message.raw, message.source)
        else:
            self.bell()
            self.notify(_("Scans are not used on this screen."), severity="warning")

    def record_bad_scan(
        self, scan: ScanRead, picklist_id: int | None, then: Callable[[ScanOutcome], None]
    ) -> None:
        """Store a bad scan for the operator (before login there is no one to store it for:
        it is only shown)."""
        if self.operator is None:
            then(ScanOutcome(Verdict.BAD_SCAN, bad_scan_message(scan.problem or ""), scan.raw))
            return
        record = functools.partial(
            self.floor.record_scan,
            self.operator,
            scan.raw,
            scan.source,
            picklist_id=picklist_id,
            problem=scan.problem,
            raw_bytes=scan.raw_bytes,
        )
        self.call_floor(record, then=then)

    def _show_bad_scan(self, outcome: ScanOutcome) -> None:
        self.notify(outcome.message, severity="error", timeout=8, markup=False)

    def scan(self, raw: str, source: str) -> None:
        """Feed a scan from elsewhere (a serial scanner thread, the demo's simulator)."""
        self.post_message(ScanRead(raw, source))

    def _serial_scan(self, scan: FramedScan) -> None:
        """From the scanner's reader thread: a good scan goes the way a wedge scan goes; a bad
        one carries its problem and its bytes."""
        if scan.ok:
            self.scan(scan.text or "", "serial")
        else:
            text = safe_scan_text(scan.text, scan.raw)
            self.post_message(ScanRead(text, "serial", scan.problem, scan.raw))


def _ignore(_result: object) -> None:
    """A floor call whose result nobody waits for."""
