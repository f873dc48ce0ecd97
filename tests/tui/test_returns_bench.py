"""The returns bench (销退扫描入库) and the supervisor's Returns tab, driven by scans in a real
terminal app on a real file, in Chinese at 40x16 and 80x24: a return matched by its waybill,
one unit restocked and one damaged; an exchange whose replacement order ships; a parcel without
a match kept and later linked; an intercepted order refused at shipping, pulled at the bench and
confirmed by a scan; ``stock check`` clean after all of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Static

from core import i18n
from core.clock import FixedClock
from core.model import Role
from core.notices import notice
from core.ports import Operator
from data import intercepts, waves
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.returns_desk import SqliteReturnsDesk
from data.stock import list_bins, stock_check
from data.store import Actor, Store, open_store
from tests.data.builders import ADMIN, NOW, add_floor_users, status_of
from tests.data.test_packing import CABLE, CUP, PIN, TEA, build_bench, first_list
from tests.tui.conftest import answer_dialog, scan, screen_in_front, wait_until
from tests.tui.test_zh_snapshots import import_every_screen, speak_chinese
from tui.app import WaretermApp
from tui.screens.home import HomeScreen
from tui.screens.modals import ChoiceDialog
from tui.screens.returns import ReturnsScreen, TextEntry

import_every_screen()

SIZES = [(40, 16), (80, 24)]
SUPERVISOR = Actor("boss", "office")
BARCODE = {"SKU-CUP": CUP, "SKU-CABLE": CABLE, "SKU-TEA": TEA}


def ship_through_bench(store: Store, list_code: str) -> dict[str, str]:
    """Pack and ship every order of a picked list at bench-1 by scans, as a packer does;
    the waybill number of each order."""
    floor = SqliteFloor(store)
    packer = floor.login("chen.jie", PIN, "bench-1")
    opened = floor.pack_scan(packer, list_code, "wedge")
    assert opened.accepted, opened.message
    waybills = {}
    for order in opened.view.checking:
        for line in order.lines:
            for _ in range(line.qty - line.packed):
                assert floor.pack_scan(packer, BARCODE[line.sku], "wedge").accepted
    for order in opened.view.checking:
        closed = floor.finish_pack(packer, order.order_no, 500, 1)
        shipment = next(o.shipment for o in closed.view.to_ship if o.order_no == order.order_no)
        assert shipment is not None
        (waybill,) = shipment.waybills
        waybills[order.order_no] = waybill
    for order_no, waybill in waybills.items():
        shipped = floor.pack_scan(packer, waybill, "wedge")
        assert shipped.accepted, shipped.message
        assert status_of(store, order_no) == "shipped"
    return waybills


@pytest.fixture
def shipped_db(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The bench of tests/data/test_packing with O-RUSH and O-STD shipped by scans, a
    supervisor, the site speaking zh_CN."""
    path = tmp_path / "floor.db"
    build_bench(path)
    store = open_store(path, FixedClock(NOW))
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    waybills = ship_through_bench(store, first_list(store))
    store.close()
    speak_chinese(path)
    i18n.set_language("zh_CN")
    try:
        yield path, waybills
    finally:
        i18n.set_language(None)


def make_app(path: Path, user: str, role: Role, station: str) -> WaretermApp:
    store = open_store(path, FixedClock(NOW))
    return WaretermApp(
        SqliteFloor(store),
        station=station,
        operator=Operator(user, role, station, "zh_CN"),
        oversight=SqliteOversight(store),
        returns=SqliteReturnsDesk(store),
    )


async def open_returns(pilot: Pilot) -> ReturnsScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReturnsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ReturnsScreen)
    return screen


async def scan_and_wait(pilot: Pilot, screen: ReturnsScreen, code: str) -> str:
    """Scan, wait for the banner to change, return its text."""
    before = str(screen.query_one("#banner", Static).render())
    await scan(pilot, code)
    await wait_until(pilot, lambda: str(screen.query_one("#banner", Static).render()) != before)
    return str(screen.query_one("#banner", Static).render())


async def press_and_wait(pilot: Pilot, screen: ReturnsScreen, key: str) -> None:
    """Press a key and wait until the banner answers it (a key held while it could still be
    the start of a scanner burst would otherwise run into the next scan)."""
    before = str(screen.query_one("#banner", Static).render())
    await pilot.press(key)
    await wait_until(pilot, lambda: str(screen.query_one("#banner", Static).render()) != before)


def assert_fits(pilot: Pilot, *selectors: str) -> None:
    """Every part named is shown inside the terminal, and the footer too."""
    screen = pilot.app.screen
    width, height = pilot.app.size
    for selector in selectors:
        widget = screen.query_one(selector)
        region = widget.region
        assert widget.display and region.height > 0, selector
        assert region.right <= width and region.bottom <= height, (selector, region)
    footer = screen.query_one(Footer).region
    assert footer.bottom == height and footer.height >= 1


def bins_of(path: Path, sku: str) -> dict[str, int]:
    store = open_store(path)
    try:
        return {r["bin"]: r["on_hand"] for r in list_bins(store, sku) if r["on_hand"]}
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_a_return_matched_by_its_waybill_restocks_one_unit_and_keeps_one_damaged(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, waybills = shipped_db
    before = bins_of(path, "SKU-CUP")
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        found = await scan_and_wait(pilot, screen, waybills["O-STD"])
        assert screen.order is not None and screen.order.order_no == "O-STD", found
        assert_fits(pilot, "#ret-title", "#ret-mode", "#banner", "#ret-lines")
        lines = str(screen.query_one("#ret-lines", Static).render())
        assert "SKU-CUP" in lines and "SKU-TEA" in lines
        # a unit the order did not ship: refused loudly, recorded, nothing moves
        refused = await scan_and_wait(pilot, screen, CABLE)
        assert "SKU-CABLE" in refused and screen.query_one("#banner").has_class("banner-error")
        # one good unit back to the returns bin
        good = await scan_and_wait(pilot, screen, CUP)
        assert "RET-01" in good, good
        # one damaged unit (次品) with a reason from the list
        await pilot.press("d")
        await wait_until(pilot, lambda: pilot.app.screen is not screen)
        await pilot.press("4")  # 破损
        await wait_until(pilot, lambda: screen.damaged_reason == "破损")
        assert screen.query_one("#ret-mode").has_class("ret-damaged")
        assert_fits(pilot, "#ret-title", "#ret-mode", "#banner", "#ret-lines")
        damaged = await scan_and_wait(pilot, screen, CUP)
        assert "DMG-01" in damaged, damaged
        # a third cup is one more than was shipped
        await press_and_wait(pilot, screen, "g")
        too_many = await scan_and_wait(pilot, screen, CUP)
        assert screen.query_one("#banner").has_class("banner-error"), too_many
        await pilot.press("f")
        await wait_until(pilot, lambda: screen.order is None and not screen.return_ids)
        await wait_until(pilot, lambda: "2" in str(screen.query_one("#ret-lines").render()))
        closed = str(screen.query_one("#ret-lines", Static).render())
        assert "SKU-CUP" in closed and "2 ✔" in closed, closed
        assert_fits(pilot, "#ret-title", "#banner", "#ret-lines")
    store = open_store(path)
    try:
        assert store.query(
            "SELECT sku, code FROM return_refusals WHERE order_no = 'O-STD' ORDER BY id"
        ) == [{"sku": "SKU-CABLE", "code": "not_shipped"}, {"sku": "SKU-CUP", "code": "too_many"}]
        lines = store.query(
            "SELECT sku, returned FROM order_lines WHERE order_no = 'O-STD' ORDER BY line_no"
        )
        assert lines == [{"sku": "SKU-CUP", "returned": 2}, {"sku": "SKU-TEA", "returned": 0}]
        assert status_of(store, "O-STD") == "shipped"  # the tea is still out
        assert stock_check(store) == []
    finally:
        store.close()
    after = bins_of(path, "SKU-CUP")
    assert after.get("RET-01", 0) == before.get("RET-01", 0) + 1
    assert after.get("DMG-01", 0) == before.get("DMG-01", 0) + 1


async def test_several_orders_of_one_buyer_are_listed_to_choose_from(
    shipped_db: tuple[Path, dict[str, str]],
) -> None:
    path, _ = shipped_db
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_returns(pilot)
        await pilot.press("c")
        await answer_dialog(pilot, TextEntry, "13800138000")
        await screen_in_front(pilot, ChoiceDialog, "Static")
        choices = [str(w.render()) for w in pilot.app.screen.query(Static)]
        assert any("O-RUSH" in c for c in choices) and any("O-STD" in c for c in choices)
        await pilot.press("2")
        await wait_until(pilot, lambda: screen.order is not None)
        assert screen.order is not None and screen.order.order_no == "O-STD"


async def test_done_when_by_scans(shipped_db: tuple[Path, dict[str, str]]) -> None:
    """Exchange → a replacement that ships; a parcel without a match kept, then linked from
    the Returns tab; an intercepted order refused at shipping, pulled at the bench and
    confirmed by a scan on the Returns tab; stock check clean."""
    path, waybills = shipped_db
    # -- the exchange at the bench: the cup of O-RUSH back, a tea sent instead --
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await scan_and_wait(pilot, screen, f"O:{'O-RUSH'}")
        assert screen.order is not None and screen.order.order_no == "O-RUSH"
        await press_and_wait(pilot, screen, "x")
        assert screen.exchange and screen.awaiting_replacement
        await scan_and_wait(pilot, screen, TEA)  # the replacement, scanned
        assert screen.exchange_sku == "SKU-TEA"
        made = await scan_and_wait(pilot, screen, CUP)
        assert "O-RUSH-HH1" in made, made
        await pilot.press("f")
        await wait_until(pilot, lambda: screen.order is None and not screen.return_ids)
        # -- a parcel no order matches: kept as an unidentified parcel --
        nothing = await scan_and_wait(pilot, screen, "YT9999999999")
        assert screen.query_one("#banner").has_class("banner-error"), nothing
        await pilot.press("u")
        await answer_dialog(pilot, TextEntry, "YTO")
        await answer_dialog(pilot, TextEntry, "no slip inside")
        await wait_until(pilot, lambda: screen.parcel is not None)
        kept = await scan_and_wait(pilot, screen, CABLE)
        assert "RET-01" in kept and screen.parcel_units == 1, kept
        await pilot.press("f")
        await wait_until(pilot, lambda: screen.parcel is None)

    store = open_store(path, FixedClock(NOW))
    try:
        replacement = store.query(
            "SELECT o.status, o.priority, l.sku, l.qty FROM orders o"
            " JOIN order_lines l ON l.order_no = o.order_no WHERE o.order_no = 'O-RUSH-HH1'"
        )
        assert replacement == [
            {"status": "allocated", "priority": "rush", "sku": "SKU-TEA", "qty": 1}
        ]
        # the replacement goes through pick → pack → ship by scans
        waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=1)
        floor = SqliteFloor(store)
        picker = floor.login("li.na", PIN, "hh-1")
        view = floor.claim_next_pick(picker)
        assert view is not None
        floor.pick_scan(picker, view.picklist_id, "T:0050", "wedge")
        assert floor.pick_scan(picker, view.picklist_id, TEA, "wedge").accepted
        sent = ship_through_bench(store, f"P:{view.picklist_id:06d}")
        assert list(sent) == ["O-RUSH-HH1"]
        # -- the Xinjiang order is labelled, then refunded: intercepted --
        packer = floor.login("chen.jie", PIN, "bench-1")
        assert floor.pack_scan(packer, "T:0007", "wedge").accepted
        assert floor.pack_scan(packer, TEA, "wedge").accepted
        closed = floor.finish_pack(packer, "O-FAR", 300, 1)
        shipment = next(o.shipment for o in closed.view.to_ship if o.order_no == "O-FAR")
        assert shipment is not None
        (far_label,) = shipment.waybills
        intercepts.intercept(store, SUPERVISOR, "O-FAR", "仅退款")
        refused = floor.pack_scan(packer, far_label, "wedge")
        assert not refused.accepted
        assert refused.message == notice("pack.intercepted", waybill=far_label, order="O-FAR")
        unit = floor.pack_scan(packer, TEA, "wedge")  # its unit, still in the tote
        assert not unit.accepted
        assert unit.message == notice("pack.pull_intercepted", orders="O-FAR")
        assert status_of(store, "O-FAR") == "cancelled"
    finally:
        store.close()

    # -- the supervisor's Returns tab: link the parcel, confirm the pull by scanning --
    app = make_app(path, "boss", Role.SUPERVISOR, "office")
    async with app.run_test(size=(80, 24)) as pilot:
        from tests.tui.test_returns_tab import open_tab

        pane = await open_tab(pilot)
        await wait_until(pilot, lambda: pane.board is not None and bool(pane.board.parcels))
        table = pane.query_one(DataTable)
        assert str(table.get_row_at(0)[1]) != ""
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert "O-FAR" in rows
        table.focus()
        table.move_cursor(row=0)  # the parcel comes first
        await pilot.press("k")
        await screen_in_front(pilot, TextEntry)
        await scan(pilot, "O:O-RUSH")  # the order code on the slip found later
        await wait_until(pilot, lambda: pane.board is not None and not pane.board.parcels)
        await wait_until(
            pilot,
            lambda: any(str(table.get_row_at(i)[1]) == "O-FAR" for i in range(table.row_count)),
        )
        row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[1]) == "O-FAR")
        table.move_cursor(row=row)
        await pilot.press("y")
        await screen_in_front(pilot, TextEntry)
        await scan(pilot, far_label)  # 拦截验核: the pulled parcel's label
        await wait_until(pilot, lambda: pane.board is not None and not pane.board.intercepts)

    store = open_store(path)
    try:
        linked = store.query(
            "SELECT order_no, status FROM returns WHERE waybill_no = 'YT9999999999'"
        )
        assert linked == [{"order_no": "O-RUSH", "status": "open"}]
        assert store.query("SELECT confirmed_by FROM intercepts") == [{"confirmed_by": "boss"}]
        assert stock_check(store) == []
    finally:
        store.close()


async def test_a_good_unit_goes_straight_to_its_pick_face_when_the_bin_is_scanned_first(
    shipped_db: tuple[Path, dict[str, str]],
) -> None:
    path, waybills = shipped_db
    before = bins_of(path, "SKU-CABLE")
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_returns(pilot)
        await scan_and_wait(pilot, screen, waybills["O-RUSH"])
        unknown_bin = await scan_and_wait(pilot, screen, "L:Z-99")
        assert screen.bin is None and screen.query_one("#banner").has_class("banner-error")
        assert "Z-99" in unknown_bin
        await scan_and_wait(pilot, screen, "L:A-2")
        assert screen.bin == "A-2"
        assert "A-2" in str(screen.query_one("#ret-mode", Static).render())
        put = await scan_and_wait(pilot, screen, CABLE)
        assert "A-2" in put, put
    after = bins_of(path, "SKU-CABLE")
    assert after["A-2"] == before["A-2"] + 1 and "RET-01" not in after
