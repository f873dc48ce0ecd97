"""Driving the supervisor's screens with a Pilot: the app as `wareterm tui` builds it (floor and
supervisor's port on one connection), a login, a section, waiting for its read."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from core.clock import FixedClock
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.returns_desk import SqliteReturnsDesk
from data.stock_oversight import SqliteStockOversight
from data.store import open_store
from tests.data.floor_rows import NOW
from tests.tui.conftest import pin_login, wait_until
from tui.app import WaretermApp
from tui.screens.returns_tab import ReturnsPane
from tui.screens.supervise import SupervisorScreen

SIZES = [(80, 24), (120, 40)]
SECTION_KEYS = {
    "overview": "1",
    "orders": "2",
    "people": "3",
    "exceptions": "4",
    "stock": "5",
    "throughput": "6",
}


def supervisor_app(path: Path, station: str = "office", poll_s: float | None = None) -> WaretermApp:
    """The terminal on its own connection with the supervisor's port, clock at NOW."""
    store = open_store(path, FixedClock(NOW))
    app = WaretermApp(
        SqliteFloor(store),
        station=station,
        oversight=SqliteOversight(store),
        returns=SqliteReturnsDesk(store),
        stock_oversight=SqliteStockOversight(store),
    )
    if poll_s is not None:
        app.change_poll_s = poll_s
    return app


async def read_done(pilot: Pilot, reads: int = 1, timeout: float = 15.0) -> SupervisorScreen:
    """Wait until the supervisor's screen in front has shown ``reads`` reads."""

    def done() -> bool:
        screen = pilot.app.screen
        # the Exceptions' Returns tab reads the returns port after the screen's own read
        tabs = screen.query(ReturnsPane).results(ReturnsPane)
        return (
            isinstance(screen, SupervisorScreen)
            and screen.reads >= reads
            and all(pane.reads >= 1 for pane in tabs)
        )

    await wait_until(pilot, done, timeout)
    screen = pilot.app.screen
    assert isinstance(screen, SupervisorScreen)
    return screen


async def open_section(pilot: Pilot, section: str, user: str = "zhao.min") -> SupervisorScreen:
    """Log in (if not yet), open the supervisor's screens and go to ``section``."""
    from tui.screens.home import HomeScreen
    from tui.screens.login import LoginScreen

    if isinstance(pilot.app.screen, LoginScreen):
        await pin_login(pilot, user)
    if not isinstance(pilot.app.screen, SupervisorScreen):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
        await pilot.press("s")
        await read_done(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SupervisorScreen)
    if section != screen.SECTION:
        await pilot.press(SECTION_KEYS[section])
        await wait_until(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, SupervisorScreen)
                and section == pilot.app.screen.SECTION
            ),
        )
        return await read_done(pilot)
    return screen


def column(table: DataTable, index: int = 0) -> list[str]:
    """The plain text of one column, top to bottom."""
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def text_of(screen: object, selector: str) -> str:
    """The text a Static shows."""
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]
