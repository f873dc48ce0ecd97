"""A terminal started for an operator the SSH server authenticated: no login screen, and
logging out ends the session instead of leaving a login screen for the next person."""

from __future__ import annotations

from pathlib import Path

from core.clock import FixedClock
from data.floor import SqliteFloor
from data.store import open_store
from tests.tui.conftest import NOW, badge_login, build_floor, make_app, screen_in_front, wait_until
from tui.app import WaretermApp
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen


def _session_app(path: Path, station: str = "ssh") -> WaretermApp:
    floor = SqliteFloor(open_store(path, FixedClock(NOW)))
    operator = floor.session_login("li.na", station, "ssh-key", peer="10.0.0.7")
    return WaretermApp(floor, station=station, operator=operator)


async def test_the_session_starts_at_home_logged_in(floor_db: Path) -> None:
    app = _session_app(floor_db)
    seen: list[type] = []
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        seen.extend(type(screen) for screen in app.screen_stack)
        assert app.operator is not None and app.operator.name == "li.na"
        await pilot.press("n")  # straight to work
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PickScreen")
    assert LoginScreen not in seen


async def test_logging_out_ends_the_session(floor_db: Path) -> None:
    app = _session_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("l")
        await wait_until(pilot, lambda: not app.is_running)
    assert app.operator is None


async def test_without_an_operator_logging_out_shows_the_login(floor_db: Path) -> None:
    floor = SqliteFloor(open_store(floor_db, FixedClock(NOW)))
    app = WaretermApp(floor, station="hh-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        app.begin_session(floor.login("li.na", "1234", "hh-1"))
        await app.switch_screen(HomeScreen())
        await pilot.press("l")
        await screen_in_front(pilot, LoginScreen, "#user")
        assert app.is_running and app.operator is None


async def test_a_change_noticed_while_the_app_is_taken_down_is_no_crash(tmp_path: Path) -> None:
    """The live-update tick can come after the app's screens are gone (it is being taken
    down): another session's commit then has no screen to tell, and nothing fails."""
    path = tmp_path / "floor.db"
    build_floor(path).close()
    app = make_app(path)
    async with app.run_test() as pilot:
        await badge_login(pilot)
    assert app.screen_stack == []
    app._data_version = -1  # as if another session committed since the last tick
    app._poll_changes()
    assert app._data_version not in (None, -1)  # read, and kept for the next tick
