"""The wareterm Textual app: receives the floor port, routes every scan to the active screen."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.timer import Timer

from core.i18n import _
from core.ports import Floor, Operator
from core.wedge import WedgeDetector
from tui.backend import Backend
from tui.messages import ScanRead


@runtime_checkable
class ScanTarget(Protocol):
    """A screen that takes scans."""

    def handle_scan(self, raw: str, source: str) -> None:
        """Act on one complete scan."""


class WaretermApp(App[None]):
    """The floor terminal. ``floor`` is the only way into the warehouse's data."""

    CSS_PATH = "wareterm.tcss"
    TITLE = "wareterm"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    BINDINGS = [Binding("ctrl+q", "quit", _("Quit"), show=False, priority=True)]

    def __init__(self, floor: Floor, station: str = "console", demo: bool = False) -> None:
        super().__init__()
        self.floor = floor
        self.station = station
        self.demo = demo
        self.operator: Operator | None = None
        self.backend = Backend()
        self.wedge: WedgeDetector[events.Key] = WedgeDetector()
        self._wedge_timer: Timer | None = None

    def on_mount(self) -> None:
        """Start at the login screen."""
        from tui.screens.login import LoginScreen

        self.push_screen(LoginScreen())

    async def on_unmount(self) -> None:
        """Let queued floor calls finish (no acknowledged scan is dropped)."""
        self.backend.shutdown()

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
                self.post_message(ScanRead(out.scan, "wedge"))
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
        """Give a scan to the screen in front; a screen that takes none says so."""
        screen = self.screen
        if isinstance(screen, ScanTarget):
            screen.handle_scan(message.raw, message.source)
        else:
            self.bell()
            self.notify(_("Scans are not used on this screen."), severity="warning")

    def scan(self, raw: str, source: str) -> None:
        """Feed a scan from elsewhere (a serial scanner thread, the demo's simulator)."""
        self.post_message(ScanRead(raw, source))
