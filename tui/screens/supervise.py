"""What the supervisor's screens share: the section keys, the supervisor's port, one read at a
time (a change while reading reads once more), redraw when another session changes the floor,
and actions that ask for a reason."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import DataTable

from core.errors import WaretermError
from core.i18n import N_
from core.oversight import Oversight
from tui.messages import FloorChanged
from tui.screens.base import FloorScreen
from tui.widgets.devicebar import DeviceBar
from tui.widgets.navbar import NavBar

#: How often countdowns and idle times on screen are redrawn (no database read).
TICK_S = 1.0


def section_screen(name: str) -> SupervisorScreen:
    """A new screen for one of the sections of the navigation bar."""
    from tui.screens.exceptions import ExceptionsScreen
    from tui.screens.orders import OrdersScreen
    from tui.screens.overview import OverviewScreen
    from tui.screens.people import PeopleScreen
    from tui.screens.stock import StockScreen
    from tui.screens.throughput import ThroughputScreen

    screens: dict[str, type[SupervisorScreen]] = {
        "overview": OverviewScreen,
        "orders": OrdersScreen,
        "people": PeopleScreen,
        "exceptions": ExceptionsScreen,
        "stock": StockScreen,
        "throughput": ThroughputScreen,
    }
    return screens[name]()


class SupervisorScreen(FloorScreen):
    """A supervisor's screen: reads through the Oversight port on the app's backend thread and
    shows the result; reads again when the floor changes or the screen comes back."""

    SECTION = ""
    BINDINGS = [
        Binding("1", "goto('overview')", N_("Overview"), show=False),
        Binding("2", "goto('orders')", N_("Orders"), show=False),
        Binding("3", "goto('people')", N_("People"), show=False),
        Binding("4", "goto('exceptions')", N_("Exceptions"), show=False),
        Binding("5", "goto('stock')", N_("Stock"), show=False),
        Binding("6", "goto('throughput')", N_("Throughput"), show=False),
        Binding("escape", "leave", N_("Home")),
    ]

    @property
    def pane(self) -> str:
        """The tab in front, on a section with tabs ('' on one without)."""
        return ""

    def focus_in_front(self, pane: str, table: DataTable) -> None:
        """Focus ``pane``'s table once the messages in flight are handled, and only if its tab
        is still in front by then: a focus landing after the operator moved on would bring the
        old tab back (a pane with focus inside becomes the active one)."""

        def focus() -> None:
            if self.is_attached and self.pane == pane:
                self.set_focus(table)

        self.app.call_later(focus)

    def __init__(self) -> None:
        super().__init__()
        self._reading = False
        self._read_again = False
        self._last_read = 0.0
        self._reload_timer: Timer | None = None
        #: How many reads were shown (tests wait on it).
        self.reads = 0

    def cap(self, narrow: int) -> int | None:
        """The display width a free-text cell (a name, a reason) gets: ``narrow`` columns on an
        office screen (under 100 columns, so one long name cannot push the other columns off
        it), the whole text on a larger one."""
        return narrow if self.size.width < 100 else None

    @property
    def oversight(self) -> Oversight:
        """The supervisor's port (the home screen opens these screens only when there is one)."""
        oversight = self.wapp.oversight
        assert oversight is not None
        return oversight

    def compose_header(self) -> ComposeResult:
        """The device line and the sections."""
        yield DeviceBar()
        yield NavBar(self.SECTION)

    def on_mount(self) -> None:
        self.set_interval(TICK_S, self.tick)

    def on_screen_resume(self) -> None:
        self.reload()

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session changed something: read what this screen shows again."""
        self.reload(changed_elsewhere=True)

    # -- reading --------------------------------------------------------------------------------

    def fetch(self) -> Callable[[], Any]:
        """The read this screen shows, as a call for the backend thread (built on the UI thread
        from what the screen shows now: its filters, its page)."""
        raise NotImplementedError

    def show(self, data: Any) -> None:
        """Draw what :meth:`fetch` returned."""
        raise NotImplementedError

    def tick(self) -> None:
        """Redraw what moves with the clock (countdowns); no database read."""

    #: Least time between two reads caused by changes elsewhere (a screen whose read is
    #: costly, such as a filtered page of all orders, reads at most this often on a busy floor).
    MIN_RELOAD_S = 0.0

    def reload(self, changed_elsewhere: bool = False) -> None:
        """Read again; at most one read is in flight, and a change that arrives meanwhile
        causes exactly one more. A read for a change elsewhere comes no sooner than
        ``MIN_RELOAD_S`` after the last read (one the operator asked for comes at once)."""
        if self._reading or self._reload_timer is not None:
            self._read_again = True
            return
        wait = self._last_read + self.MIN_RELOAD_S - time.monotonic()
        if changed_elsewhere and wait > 0:
            self._reload_timer = self.set_timer(wait, self._reload_later)
            return
        self._reading = True
        self._last_read = time.monotonic()
        future = self.wapp.backend.submit(self.fetch())

        async def finish() -> None:
            try:
                data = await future
            except WaretermError as error:
                self._reading = False
                self.on_floor_error(error)
                return
            self._reading = False
            if not self.is_attached:
                return
            try:
                self.show(data)
            except NoMatches:
                # A change arrived while the screen was still being built (or taken down):
                # read again once it is drawn (a screen gone by then never reads again).
                self.call_after_refresh(self.reload)
                return
            self.reads += 1
            if self._read_again:
                self._read_again = False
                self.reload()

        self.run_worker(finish(), group="read", exit_on_error=True)

    def _reload_later(self) -> None:
        self._reload_timer = None
        self._read_again = False
        self.reload()

    # -- acting ---------------------------------------------------------------------------------

    def act(self, fn: Callable[..., Any], *args: Any, done: str) -> None:
        """Run an action of the port; say ``done`` and read again when it went through (a
        refusal is shown loudly by :meth:`on_floor_error`)."""

        def finished(_result: Any) -> None:
            self.notify(done, timeout=5, markup=False)
            self.reload()

        self.run_floor(fn, *args, then=finished)

    def on_floor_error(self, error: WaretermError) -> None:
        self.app.bell()
        self.notify(str(error), severity="error", timeout=8, markup=False)

    # -- navigation -----------------------------------------------------------------------------

    def action_goto(self, section: str) -> None:
        """Switch to another section (the home screen stays below)."""
        if section != self.SECTION:
            self.app.switch_screen(section_screen(section))

    def action_leave(self) -> None:
        """Back to the home screen."""
        self.app.pop_screen()

    def focused_table(self) -> DataTable | None:
        """The table with the focus, if any."""
        focused = self.focused
        return focused if isinstance(focused, DataTable) else None
