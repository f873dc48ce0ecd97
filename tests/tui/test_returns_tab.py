"""The supervisor's Returns tab and the returns bench with hostile data, in Chinese at 40x16
and 80x24: every kind of row shown and fitting, names and notes with markup and escape
sequences drawn as text, the actions offered only on their rows, a pull confirmed only by the
code of the order chosen, the bench offered only to the roles that receive returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, TabbedContent

from core.clock import FixedClock
from core.errors import NotAllowed, NotFound, Rejected
from core.model import Role
from core.ports import Operator
from data import intercepts, returns
from data.floor import SqliteFloor
from data.returns_desk import SqliteReturnsDesk
from data.store import open_store
from tests.data.builders import ADMIN, NOW
from tests.data.hostile_floor import controls
from tests.data.test_packing import PIN, TEA
from tests.tui.conftest import scan, wait_until
from tests.tui.supervision import read_done
from tests.tui.test_hostile_screens import drawn
from tests.tui.test_returns_bench import (
    SUPERVISOR,
    make_app,
    open_returns,
    scan_and_wait,
    shipped_db,
)
from tui.screens.exceptions import ExceptionsScreen
from tui.screens.home import HomeScreen
from tui.screens.returns_tab import ReturnsPane

assert shipped_db  # the fixture, imported for the tests here

SIZES = [(40, 16), (80, 24)]
HOSTILE_NAME = "INJ[/bold]\x1b]0;pwned\x07[@click=app.quit]x\u202e"
HOSTILE_NOTE = "NOTE[/bold][@click=app.quit]"


def after_sales(path: Path, waybills: dict[str, str]) -> str:
    """On the shipped bench: a hostile buyer's name, an expected return, an unidentified
    parcel with a hostile note, O-FAR labelled and intercepted; the label of O-FAR."""
    store = open_store(path, FixedClock(NOW))
    try:
        with store.write(ADMIN) as write:
            write.execute(
                "UPDATE orders SET customer_name = ? WHERE order_no = 'O-RUSH'", (HOSTILE_NAME,)
            )
            write.audit("test.hostile", "O-RUSH")
        csv = (
            "after_sales_no,order_no,return_waybill,type,reason,sku,qty\n"
            "AS-1,O-STD,YT0000000001,return,七天无理由,SKU-CUP,2\n"
        )
        returns.import_expected(store, ADMIN, csv.encode())
        packer = SqliteFloor(store).login("chen.jie", PIN, "bench-1")
        returns.receive_unidentified(
            store, ADMIN, "ZT123", "SKU-CABLE", 1, carrier="ZTO", note=HOSTILE_NOTE
        )
        floor = SqliteFloor(store)
        assert floor.pack_scan(packer, "T:0007", "wedge").accepted
        assert floor.pack_scan(packer, TEA, "wedge").accepted
        closed = floor.finish_pack(packer, "O-FAR", 300, 1)
        shipment = next(o.shipment for o in closed.view.to_ship if o.order_no == "O-FAR")
        assert shipment is not None
        intercepts.intercept(store, SUPERVISOR, "O-FAR", "仅退款 [/bold]")
        return shipment.waybills[0]
    finally:
        store.close()


async def open_tab(pilot: Pilot) -> ReturnsPane:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
    await pilot.press("s")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HomeScreen))
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExceptionsScreen))
    await read_done(pilot)
    tabs = pilot.app.screen.query_one(TabbedContent)
    # The screen focuses the holds table once it is up (which shows the holds tab): only then
    # go to the Returns tab (the arrow keys through every tab are driven by the hostile
    # screens' test).
    await wait_until(pilot, lambda: pilot.app.focused is not None)
    await pilot.pause()
    tabs.active = "ex-returns"
    pane = pilot.app.screen.query_one(ReturnsPane)
    table = pane.query_one(DataTable)
    try:
        await wait_until(pilot, lambda: pilot.app.focused is table)
    except AssertionError:
        raise AssertionError((tabs.active, pilot.app.focused, pilot.app.screen)) from None
    await wait_until(pilot, lambda: pane.board is not None)
    return pane


@pytest.mark.parametrize("size", SIZES)
async def test_the_returns_tab_shows_what_waits_and_fits(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, waybills = shipped_db
    after_sales(path, waybills)
    app = make_app(path, "boss", Role.SUPERVISOR, "office")
    async with app.run_test(size=size) as pilot:
        pane = await open_tab(pilot)
        board = pane.board
        assert board is not None
        assert [p.waybill for p in board.parcels] == ["ZT123"]
        assert [i.order_no for i in board.intercepts] == ["O-FAR"]
        assert [(e.after_sales_no, e.received) for e in board.expected] == [("AS-1", 0)]
        assert {r.order_no for r in board.received_today} == set()
        table = pane.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(3)]
        assert keys == ["p1", "iO-FAR", "eAS-1:SKU-CUP"]
        width, height = pilot.app.size
        region = table.region
        assert region.height > 0 and region.right <= width and region.bottom <= height
        assert pilot.app.screen.query_one(Footer).region.bottom == height
        text = drawn(pilot.app)
        assert controls(text) == [], text
        # the actions follow the row: link and write-off on a parcel, the pull on an intercept
        table.move_cursor(row=0)
        await pilot.pause()
        assert pane.check_action("link", ()) and pane.check_action("write_off", ())
        assert not pane.check_action("confirm_pull", ())
        table.move_cursor(row=1)
        await pilot.pause()
        assert pane.check_action("confirm_pull", ()) and not pane.check_action("link", ())
        # write the parcel off, saying why
        table.move_cursor(row=0)
        await pilot.press("w")
        await wait_until(pilot, lambda: pilot.app.screen.is_modal)
        pilot.app.screen.query_one("#reason").value = "empty box"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.board is not None and not pane.board.parcels)
    store = open_store(path)
    try:
        assert store.query("SELECT status FROM returns WHERE waybill_no = 'ZT123'") == [
            {"status": "written_off"}
        ]
    finally:
        store.close()


async def test_a_pull_is_confirmed_only_by_the_code_of_the_order_chosen(
    shipped_db: tuple[Path, dict[str, str]],
) -> None:
    path, waybills = shipped_db
    label = after_sales(path, waybills)
    app = make_app(path, "boss", Role.SUPERVISOR, "office")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_tab(pilot)
        table = pane.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        table.move_cursor(row=1)
        await pilot.press("y")
        await wait_until(pilot, lambda: pilot.app.screen.is_modal)
        await scan(pilot, waybills["O-STD"])  # another parcel's label
        await wait_until(pilot, lambda: not pilot.app.screen.is_modal)
        await pilot.pause()
        assert pane.board is not None and [i.order_no for i in pane.board.intercepts] == ["O-FAR"]
        await pilot.press("y")
        await wait_until(pilot, lambda: pilot.app.screen.is_modal)
        await scan(pilot, label)
        await wait_until(pilot, lambda: pane.board is not None and not pane.board.intercepts)


def test_the_port_refuses_what_the_services_refuse(
    shipped_db: tuple[Path, dict[str, str]],
) -> None:
    path, waybills = shipped_db
    store = open_store(path, FixedClock(NOW))
    try:
        desk = SqliteReturnsDesk(store)
        picker = Operator("li.na", Role.PICKER, "hh-1")
        packer = Operator("chen.jie", Role.PACKER, "bench-1")
        with pytest.raises(NotAllowed):
            desk.find(picker, waybills["O-STD"])
        with pytest.raises(NotAllowed):
            desk.board(packer)
        assert [m.order_no for m in desk.find(packer, waybills["O-STD"].lower())] == ["O-STD"]
        assert [m.order_no for m in desk.find(packer, "O:O-RUSH")] == ["O-RUSH"]
        assert [m.order_no for m in desk.find(packer, "张伟")] == ["O-RUSH", "O-STD"]
        assert desk.find(packer, "nobody") == []
        with pytest.raises(NotFound):
            desk.receive_unit(packer, "O-STD", "L:NO-SUCH-BIN", "k1")
        unknown = desk.receive_unit(packer, "O-STD", "6900000000000", "k2")
        assert not unknown.accepted and unknown.verdict == "unknown_code"
        first = desk.receive_unit(packer, "O-STD", TEA, "k3")
        again = desk.receive_unit(packer, "O-STD", TEA, "k3")  # the same scan resubmitted
        assert first.accepted and again.verdict == "repeat"
        assert first.order is not None and first.order.returned == 1
        assert again.order is not None and again.order.returned == 1
        with pytest.raises(Rejected):
            desk.receive_unit(packer, "O-STD", TEA, "k4", damaged_reason="not a reason")
        with pytest.raises(NotAllowed):
            desk.write_off(packer, 1, "empty")
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_hostile_names_and_notes_are_drawn_as_text_at_the_bench(
    shipped_db: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    path, waybills = shipped_db
    after_sales(path, waybills)
    app = make_app(path, "chen.jie", Role.PACKER, "bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scan_and_wait(pilot, screen, waybills["O-RUSH"])
        assert screen.order is not None and screen.order.customer_name == HOSTILE_NAME
        await pilot.pause()
        text = drawn(pilot.app)
        assert "INJ[/bold]" in text and controls(text) == [], text
        refused = await scan_and_wait(pilot, screen, "ZZ[/bold]9")
        assert "ZZ[/bold]9" in refused and screen.query_one("#banner").has_class("banner-error")
        assert pilot.app.is_running and controls(drawn(pilot.app)) == []


async def test_the_returns_key_is_offered_to_the_roles_that_receive_returns(
    shipped_db: tuple[Path, dict[str, str]],
) -> None:
    path, _ = shipped_db
    for user, role, offered in (
        ("li.na", Role.PICKER, False),
        ("chen.jie", Role.PACKER, True),
        ("boss", Role.SUPERVISOR, True),
    ):
        app = make_app(path, user, role, "bench-1")
        async with app.run_test(size=(40, 16)) as pilot:
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
            assert bool(pilot.app.screen.check_action("returns", ())) is offered
