"""On the pick screen, in Chinese at handheld and bench sizes: a blocked bin is skipped with a
key and comes back at the end, a later line's unit counts where it belongs, and a short pick
is sent on to another bin holding the SKU."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model import Verdict
from data.stock import move_stock, set_bin_kind
from data.store import open_store
from tests.tui.conftest import ADMIN, WALK, badge_login, make_app, scan, take_list, wait_until
from tests.tui.pick_screen import (  # in_chinese: every test here runs in Chinese
    SIZES,
    assert_fits,
    banner,
    in_chinese,  # noqa: F401
    shown_bin,
)
from tui.screens.modals import ShortPickDialog


@pytest.mark.parametrize("size", SIZES)
async def test_a_blocked_bin_is_skipped_and_comes_back(
    floor_db: Path, size: tuple[int, int]
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        assert shown_bin(app) == "A-2"
        await pilot.press("b")
        await wait_until(pilot, lambda: shown_bin(app) == "A-10")
        assert "A-2" in banner(app)
        assert_fits(app, size)
        # the tea of the last line, picked ahead of the list, counts on its line
        await scan(pilot, WALK[3])
        await wait_until(pilot, lambda: screen.view.units_done == 1)
        assert screen.last is not None and screen.last.verdict is Verdict.OK
        for number, code in enumerate((WALK[1], WALK[2]), start=2):
            await scan(pilot, code)
            await wait_until(pilot, lambda n=number: screen.view.units_done == n)
        assert shown_bin(app) == "A-2"  # the skipped bin is back, last
        await pilot.press("b")  # the last stop cannot be skipped: said, nothing changes
        await wait_until(pilot, lambda: any("A-2" in n.message for n in app._notifications))
        assert shown_bin(app) == "A-2"
        assert_fits(app, size)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.current is None)


@pytest.mark.parametrize("size", SIZES)
async def test_a_short_pick_is_sent_on_to_another_bin(
    floor_db: Path, size: tuple[int, int]
) -> None:
    store = open_store(floor_db)
    set_bin_kind(store, ADMIN, "R-09", "reserve")
    move_stock(store, ADMIN, "SKU-CUP", "A-10", "R-09", 3, "overflow")
    store.close()
    app = make_app(floor_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: shown_bin(app) == "A-10")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ShortPickDialog))
        await pilot.press("1")  # not found
        await wait_until(pilot, lambda: shown_bin(app) == "R-09")
        assert "R-09" in banner(app) and "A-10" in banner(app)
        assert_fits(app, size)
        for number, code in enumerate(WALK[1:], start=2):
            await scan(pilot, code)
            await wait_until(pilot, lambda n=number: screen.view.units_done == n)
        assert screen.view.current is None
    store = open_store(floor_db)
    assert store.scalar("SELECT count(*) FROM orders WHERE status = 'picked'") == 2
    assert store.scalar("SELECT needs_count FROM locations WHERE code = 'A-10'") == 1
