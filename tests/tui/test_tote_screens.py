"""Receiving into a tote and putting the tote away, by scans on the handheld, at 40x16 and
80x24 with the site speaking zh_CN: the tote's SKUs come one after the other until it is
empty; a tote picking uses is refused at both screens."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FixedClock
from data import receiving
from data.floor import SqliteFloor
from data.stock import stock_check
from data.store import open_store
from tests.tui.conftest import NOW, badge_login, scan, wait_until
from tests.tui.test_stock_screens import (
    MUG,
    SIZES,
    TEA_LOT,
    banner,
    fits,
    open_work,
    refused,
    scanned,
    stock_app,
    stock_db,  # noqa: F401  (the fixture)
)
from tui.screens.stockwork import PutawayScreen, ReceivingScreen


def _tote_for_picking(path: Path) -> None:
    """Another picker binds T:0042 to a pick list: picking uses it."""
    store = open_store(path, FixedClock(NOW))
    floor = SqliteFloor(store)
    wang = floor.login("wang.fang", "1234", "hh-2")
    view = floor.claim_next_pick(wang)
    assert view is not None
    assert floor.pick_scan(wang, view.picklist_id, "T:0042", "wedge").accepted
    store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_units_received_into_a_tote_are_put_away_by_the_tote(
    stock_db: Path,  # noqa: F811
    size: tuple[int, int],
) -> None:
    _tote_for_picking(stock_db)
    app = stock_app(stock_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot, "li.na")
        screen = await open_work(pilot, "1", ReceivingScreen)
        assert isinstance(screen, ReceivingScreen)
        await scanned(pilot, screen, "R:R-1", "view")
        await scanned(pilot, screen, "T:0042", "tote")  # picking's tote
        assert refused(screen) and "T:0042" in banner(screen) and screen.tote == ""
        await scanned(pilot, screen, "T:0007", "tote")
        await fits(pilot, "T:0007")
        await scanned(pilot, screen, MUG, "last")
        await scanned(pilot, screen, MUG, "last")
        await scanned(pilot, screen, TEA_LOT, "last")
        await wait_until(pilot, lambda: screen.view is not None and screen.view.received == 3)
        await pilot.press("x", "x")
        await wait_until(pilot, lambda: screen.closed is not None)
        await pilot.press("escape")

        putaway = await open_work(pilot, "2", PutawayScreen)
        assert isinstance(putaway, PutawayScreen)
        await scanned(pilot, putaway, "T:0042", "tote")
        assert refused(putaway) and "P:" in banner(putaway)
        await scanned(pilot, putaway, "T:0007", "proposal")
        assert putaway.proposal is not None and putaway.proposal.proposed == "C-01"
        assert putaway.qty == 2 and putaway.proposal.sku == "SKU-MUG"
        await fits(pilot, "C-01", "T:0007")
        await scanned(pilot, putaway, "L:C-01", "done")
        # the tote's next SKU comes by itself
        await wait_until(
            pilot, lambda: putaway.proposal is not None and putaway.proposal.sku == "SKU-TEA"
        )
        await fits(pilot, "T:0007")
        before = putaway.done
        await scan(pilot, "L:B-01")
        await wait_until(pilot, lambda: putaway.done is not before and putaway.proposal is None)
        await wait_until(pilot, lambda: "T:0007" in banner(putaway))
        await fits(pilot, "B-01")
        await scanned(pilot, putaway, "T:0007", "done")  # empty now
        assert refused(putaway) and "T:0007" in banner(putaway)
        await fits(pilot)
    store = open_store(stock_db, FixedClock(NOW))
    assert [u["tote"] for u in receiving.show_receipt(store, "R-1")["units"]] == ["0007"] * 3
    assert store.scalar("SELECT coalesce(sum(on_hand), 0) FROM stock WHERE bin = 'DOCK'") == 0
    assert stock_check(store) == []
