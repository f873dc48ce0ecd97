"""A running terminal whose database file is deleted, replaced or read-only: it stays up, tells
the operator at once, and acknowledges no scan it cannot store (a real file, the real app)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from core.clock import FixedClock
from data.floor import SqliteFloor
from data.store import open_existing
from tests.data.test_store_faults import _read_only, _read_only_undo
from tests.tui.conftest import NOW, WALK, scan, take_list
from tests.tui.conftest import wait_until as _wait_until
from tui.app import WaretermApp
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.pick import PickScreen


async def wait_until(pilot: Pilot[None], predicate: Callable[[], bool]) -> None:
    """Wait for ``predicate`` with room for a machine busy with other work."""
    await _wait_until(pilot, predicate, timeout=20)


def _session_app(path: Path) -> WaretermApp:
    floor = SqliteFloor(open_existing(path, FixedClock(NOW), check="session"))
    operator = floor.session_login("li.na", "hh-1", "ssh-key", peer="10.0.0.7")
    return WaretermApp(floor, station="hh-1", operator=operator)


def _banner(app: WaretermApp) -> str:
    return str(app.screen.query_one("#banner", Static).render())


async def test_a_deleted_database_is_noticed_and_no_scan_is_acknowledged(floor_db: Path) -> None:
    app = _session_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.units_done == 1)
        os.remove(floor_db)
        # Told at once by the change watch, before anyone scans.
        await wait_until(pilot, lambda: app.store_fault is not None)
        assert app.store_fault is not None and "deleted" in app.store_fault
        await scan(pilot, WALK[1])
        await wait_until(pilot, lambda: "NOT STORED" in _banner(app))
        assert "deleted" in _banner(app) and "call a supervisor" in _banner(app)
        assert screen.view.units_done == 1
        assert app.is_running
    assert not floor_db.exists()  # and no empty database was made in its place


async def test_a_replaced_database_is_noticed_and_refuses_scans(floor_db: Path) -> None:
    conn = sqlite3.connect(floor_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    other = floor_db.with_name("other.db")
    shutil.copyfile(floor_db, other)
    app = _session_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await take_list(pilot)
        os.replace(other, floor_db)
        await wait_until(pilot, lambda: app.store_fault is not None)
        assert app.store_fault is not None and "replaced" in app.store_fault
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: "NOT STORED" in _banner(app))
        assert "replaced" in _banner(app) and "log in again" in _banner(app)
        assert screen.view.units_done == 0
        assert app.is_running


async def test_a_read_only_database_refuses_logins_then_carries_on_by_itself(
    floor_db: Path,
) -> None:
    def error() -> str:
        return str(app.screen.query_one("#login-error", Static).render())

    async def log_in(pilot: Pilot[None], pin: str) -> None:
        app.screen.query_one("#login-error", Static).update("")
        app.screen.query_one("#user", Input).value = "li.na"
        field = app.screen.query_one("#pin", Input)
        field.value = pin
        field.focus()
        await pilot.press("enter")

    with _read_only(floor_db):
        app = WaretermApp(SqliteFloor(open_existing(floor_db, FixedClock(NOW))), station="hh-1")
        async with app.run_test(size=(80, 24)) as pilot:
            # A login that cannot be recorded is refused, whether the PIN is wrong or right.
            for pin in ("9999", "1234"):
                await log_in(pilot, pin)
                await wait_until(pilot, lambda: "read-only" in error())
                assert isinstance(app.screen, LoginScreen) and app.operator is None
            assert "call a supervisor" in error()
            undo = _read_only_undo(floor_db)
            undo()  # writable again: the same terminal carries on, no restart
            await log_in(pilot, "1234")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
            screen = app.screen
            assert isinstance(screen, PickScreen)
            await wait_until(pilot, lambda: screen.view is not None)
            await scan(pilot, WALK[0])
            await wait_until(pilot, lambda: screen.view.units_done == 1)
