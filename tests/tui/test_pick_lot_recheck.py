"""On the pick screen, in Chinese at handheld and bench sizes: a list whose cups' lot entered
the do-not-ship window since its wave was released sends the picker to the lot that may ship,
and says so, when the list is taken and when the day turns with the list on screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.stock import LedgerKind, Movement
from data.floor import SqliteFloor
from data.stock import Document, save_movements, set_bin_kind, stock_check
from data.store import open_store
from tests.tui.conftest import ADMIN, NOW, WALK, badge_login, scan, take_list, wait_until
from tests.tui.pick_screen import (  # in_chinese: every test here runs in Chinese
    SIZES,
    assert_fits,
    banner,
    in_chinese,  # noqa: F401
    shown_bin,
)
from tui.app import WaretermApp


def _lots(path: Path, days_left: int) -> None:
    """The cups on the list (A-10) become a lot with ``days_left`` days to its expiry, inside a
    30-day do-not-ship window from day 10 on; a lot of 5 with 200 days waits in reserve R-09."""
    store = open_store(path)
    set_bin_kind(store, ADMIN, "R-09", "reserve")
    with store.write(ADMIN) as write:
        write.execute("UPDATE products SET lot_tracked = 1, shelf_days = 30 WHERE sku = 'SKU-CUP'")
        write.execute(
            "UPDATE stock SET expiry = ? WHERE sku = 'SKU-CUP' AND bin = 'A-10'",
            ((NOW + timedelta(days=days_left)).date().isoformat(),),
        )
        save_movements(
            write,
            [
                Movement(
                    LedgerKind.RECEIVE,
                    "SKU-CUP",
                    "R-09",
                    "L-NEW",
                    5,
                    expiry=(NOW + timedelta(days=200)).date(),
                )
            ],
            Document("receipt", "R-1"),
        )
        write.audit("test.lots", "SKU-CUP")
    store.close()


async def _pick_rest(pilot, screen) -> None:  # type: ignore[no-untyped-def]
    for number, code in enumerate(WALK, start=1):
        await scan(pilot, code)
        await wait_until(pilot, lambda n=number: screen.view.units_done == n)
    assert screen.view.current is None


@pytest.mark.parametrize("size", SIZES)
async def test_a_list_taken_after_its_lot_entered_the_window_sends_the_picker_elsewhere(
    floor_db: Path, size: tuple[int, int]
) -> None:
    _lots(floor_db, days_left=20)
    clock = FixedClock(NOW)
    app = WaretermApp(SqliteFloor(open_store(floor_db, clock)), station="hh-1")
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await wait_until(pilot, lambda: "R-09" in banner(app))
        assert [ln.location for ln in screen.view.lines] == ["A-2", "R-09", "B-01"]
        assert_fits(app, size)
        await _pick_rest(pilot, screen)
    store = open_store(floor_db)
    assert stock_check(store) == []
    assert store.scalar("SELECT count(*) FROM orders WHERE status = 'picked'") == 2


@pytest.mark.parametrize("size", SIZES)
async def test_when_the_day_turns_on_the_pick_screen_the_line_moves(
    floor_db: Path, size: tuple[int, int]
) -> None:
    _lots(floor_db, days_left=40)
    clock = FixedClock(NOW)
    app = WaretermApp(SqliteFloor(open_store(floor_db, clock)), station="hh-1")
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        assert [ln.location for ln in screen.view.lines] == ["A-2", "A-10", "B-01"]
        assert "R-09" not in banner(app)
        clock.advance(timedelta(days=15))  # past midnight: 25 days left, inside the window
        await wait_until(pilot, lambda: "R-09" in banner(app))
        assert [ln.location for ln in screen.view.lines] == ["A-2", "R-09", "B-01"]
        assert shown_bin(app) == "A-2"
        assert_fits(app, size)
        await _pick_rest(pilot, screen)
    store = open_store(floor_db)
    assert stock_check(store) == []
