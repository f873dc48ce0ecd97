"""A running terminal whose database file is deleted, replaced or read-only: it stays up, tells
the operator at once, and acknowledges no scan it cannot store (a real file, the real app)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from core.clock import FixedClock
from data.floor import SqliteFloor
from data.store import open_existing
from tests.data.floor_rows import supervised_floor
from tests.data.test_store_faults import _flip, _read_only, _read_only_undo
from tests.tui.conftest import NOW, WALK, pin_login, scan, take_list
from tests.tui.conftest import wait_until as _wait_until
from tests.tui.supervision import supervisor_app
from tui.app import WaretermApp
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.orders import OrdersScreen
from tui.screens.pick import PickScreen
from tui.screens.supervise import SupervisorScreen


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


async def test_a_damaged_orders_table_is_told_on_the_supervisor_s_screens(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    store = supervised_floor(path)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = store.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'orders'")
    page = store.scalar("PRAGMA page_size")
    store.close()
    _flip(path, (root - 1) * page, 16)  # the orders table's first page: the rest reads fine
    app = supervisor_app(path)
    told: list[str] = []
    notify = app.notify

    def record(message: str, **options: Any) -> None:
        told.append(str(message))
        notify(message, **options)

    app.notify = record  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pin_login(pilot, "zhao.min")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SupervisorScreen))
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await wait_until(pilot, lambda: any("damaged" in text for text in told))
        damaged = next(text for text in told if "damaged" in text)
        assert ".recover" in damaged and "backup" in damaged
        assert app.is_running and isinstance(app.screen, OrdersScreen)
