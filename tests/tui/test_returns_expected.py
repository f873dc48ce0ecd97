"""The returns bench acting on what the after-sales export said, R for a parcel refused at
delivery (拒收), and the returns bin put away by scans on the put-away screen, in Chinese at
40x16 and 80x24 on a real file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from core.clock import FixedClock
from core.model import Role
from core.ports import Operator
from data import returns
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.returns_desk import SqliteReturnsDesk
from data.stock import stock_check
from data.stockwork import SqliteStockWork
from data.store import Actor, open_store
from tests.data.builders import ADMIN, NOW, status_of
from tests.data.test_packing import CABLE, CUP
from tests.tui.conftest import wait_until
from tests.tui.test_returns_bench import (
    assert_fits,
    bins_of,
    make_app,
    open_returns,
    scan_and_wait,
    shipped_db,
)
from tests.tui.test_stock_screens import fits, open_work, refused, scanned
from tui.app import WaretermApp
from tui.screens.stockwork import PutawayScreen

assert shipped_db  # the fixture, imported for the tests here

SIZES = [(40, 16), (80, 24)]
PACKER = Actor("chen.jie", "bench-1")


def expect(path: Path, *rows: str) -> None:
    """Import an after-sales export with these rows (the exchange_sku column included)."""
    store = open_store(path, FixedClock(NOW))
    try:
        csv = "after_sales_no,order_no,return_waybill,type,reason,sku,qty,exchange_sku\n"
        done = returns.import_expected(store, ADMIN, (csv + "\n".join(rows) + "\n").encode())
        assert done["refused"] == [] and done["stored"] == len(rows)
    finally:
        store.close()


def refused_parcel(path: Path, order_no: str) -> None:
    """The order came back whole: returned, its shipment marked refused, nothing twice."""
    store = open_store(path)
    try:
        assert status_of(store, order_no) == "returned"
        assert store.scalar("SELECT refused_at FROM shipments WHERE order_no = ?", (order_no,)), (
            order_no
        )
        assert store.query("SELECT kind, status FROM returns WHERE order_no = ?", (order_no,)) == [
            {"kind": "refused", "status": "closed"}
        ]
        assert stock_check(store) == []
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_an_expected_exchange_opens_the_bench_in_exchange_mode(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, _ = shipped_db
    expect(
        path,
        "AS-9,O-RUSH,YT7700000001,exchange,尺码不合适,SKU-CUP,1,SKU-TEA",
        "AS-9,O-RUSH,YT7700000001,exchange,尺码不合适,SKU-CABLE,1,",
    )
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        opened = await scan_and_wait(pilot, screen, "YT7700000001")  # the return waybill
        assert screen.order is not None and screen.order.order_no == "O-RUSH", opened
        assert screen.exchange and not screen.awaiting_replacement
        assert screen.exchange_sku == "SKU-TEA" and "AS-9" in opened
        assert "SKU-TEA" in str(screen.query_one("#ret-mode", Static).render())
        assert_fits(pilot, "#ret-title", "#ret-mode", "#banner", "#ret-lines")
        made = await scan_and_wait(pilot, screen, CUP)
        assert "O-RUSH-HH1" in made, made
        # the cable's line names no replacement: the same SKU goes out again
        again = await scan_and_wait(pilot, screen, CABLE)
        assert "O-RUSH-HH2" in again, again
    store = open_store(path)
    try:
        assert store.query(
            "SELECT o.order_no, o.priority, l.sku, l.qty FROM orders o JOIN order_lines l"
            " ON l.order_no = o.order_no WHERE o.order_no LIKE 'O-RUSH-HH%' ORDER BY o.order_no"
        ) == [
            {"order_no": "O-RUSH-HH1", "priority": "rush", "sku": "SKU-TEA", "qty": 1},
            {"order_no": "O-RUSH-HH2", "priority": "rush", "sku": "SKU-CABLE", "qty": 1},
        ]
        assert stock_check(store) == []
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_a_parcel_expected_refused_comes_back_whole_when_scanned(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, waybills = shipped_db
    expect(path, "AS-8,O-STD,,refused,拒收,SKU-CUP,2,")
    before = bins_of(path, "SKU-CUP").get("RET-01", 0)
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scan_and_wait(pilot, screen, waybills["O-STD"])  # its own label, back unopened
        await wait_until(pilot, lambda: screen.query_one("#banner").has_class("banner-ok"))
        banner = str(screen.query_one("#banner", Static).render())
        assert "O-STD" in banner and "RET-01" in banner and screen.order is None, banner
        lines = str(screen.query_one("#ret-lines", Static).render())
        assert "2 ✔" in lines and "1 ✔" in lines, lines
        assert_fits(pilot, "#ret-title", "#banner", "#ret-lines")
    refused_parcel(path, "O-STD")
    assert bins_of(path, "SKU-CUP")["RET-01"] == before + 2
    assert bins_of(path, "SKU-TEA")["RET-01"] == 1


@pytest.mark.parametrize("size", SIZES)
async def test_r_twice_receives_the_open_parcel_as_refused_at_delivery(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, _ = shipped_db
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scan_and_wait(pilot, screen, "O:O-RUSH")
        assert screen.order is not None and screen.order.expected_kind == ""
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.confirm_refused)
        assert screen.order is not None  # asked, nothing done yet
        assert_fits(pilot, "#ret-title", "#ret-mode", "#banner", "#ret-lines")
        store = open_store(path)
        try:
            assert status_of(store, "O-RUSH") == "shipped"
        finally:
            store.close()
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.order is None)
        await wait_until(pilot, lambda: screen.query_one("#banner").has_class("banner-ok"))
        assert "O-RUSH" in str(screen.query_one("#banner", Static).render())
        assert_fits(pilot, "#ret-title", "#banner", "#ret-lines")
    refused_parcel(path, "O-RUSH")
    assert bins_of(path, "SKU-CABLE")["RET-01"] == 1


def stock_and_returns_app(path: Path) -> WaretermApp:
    store = open_store(path, FixedClock(NOW))
    return WaretermApp(
        SqliteFloor(store),
        station="bench-1",
        operator=Operator("chen.jie", Role.PACKER, "bench-1", "zh_CN"),
        oversight=SqliteOversight(store),
        returns=SqliteReturnsDesk(store),
        stock=SqliteStockWork(store),
    )


@pytest.mark.parametrize("size", SIZES)
async def test_the_returns_bin_is_put_away_to_the_pick_face_by_scans(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, _ = shipped_db
    store = open_store(path, FixedClock(NOW))
    try:
        for key in ("back-1", "back-2"):
            returns.receive(store, PACKER, "SKU-CUP", 1, "good", order_no="O-STD", key=key)
    finally:
        store.close()
    face = bins_of(path, "SKU-CUP")["A-10"]
    assert bins_of(path, "SKU-CUP")["RET-01"] == 2
    app = stock_and_returns_app(path)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: pilot.app.screen.is_mounted)
        putaway = await open_work(pilot, "2", PutawayScreen)
        assert isinstance(putaway, PutawayScreen)
        # the dock holds no cup: the unit comes from the returns bin, to its pick face
        await scanned(pilot, putaway, CUP, "proposal")
        p = putaway.proposal
        assert p is not None and (p.dock, p.at_dock, p.proposed) == ("RET-01", 2, "A-10")
        await fits(pilot, "RET-01", "A-10")
        await scanned(pilot, putaway, "L:A-10", "done")
        assert putaway.done is not None
        assert (putaway.done.source, putaway.done.target) == ("RET-01", "A-10")
        # the returns bin scanned first names where the next units come from
        await scanned(pilot, putaway, "L:RET-01", "source")
        assert putaway.source == "RET-01" and not refused(putaway)
        await fits(pilot, "RET-01")
        await scanned(pilot, putaway, CUP, "proposal")
        p = putaway.proposal
        assert p is not None and (p.dock, p.at_dock) == ("RET-01", 1)
        await scanned(pilot, putaway, CUP, "qty")  # one more than the bin holds
        assert refused(putaway) and putaway.qty == 1
        await scanned(pilot, putaway, "L:A-10", "done")
        assert putaway.done.source == "RET-01"
        # a pick face is not where put-away takes units from
        await scanned(pilot, putaway, "L:A-10", "source")
        await scanned(pilot, putaway, CUP, "proposal")
        assert refused(putaway) and putaway.proposal is None
    after = bins_of(path, "SKU-CUP")
    assert after["A-10"] == face + 2 and "RET-01" not in after
    store = open_store(path)
    try:
        assert stock_check(store) == []
    finally:
        store.close()
