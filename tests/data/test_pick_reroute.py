"""A short pick at a bin is offered from the SKU's other bins before any order goes short, and
a blocked bin is skipped to the end of the list: on a real file, with the stock kept true."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Rejected
from core.model import Role, ShortReason, Verdict
from core.ports import Operator, PickView
from data import orders, waves
from data.floor import SqliteFloor
from data.picking import close_short
from data.receiving import create_count
from data.stock import list_bins, move_stock, set_bin_kind, stock_check
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    CUP_BARCODE,
    TEA_BARCODE,
    add_floor_users,
    cup_and_tea_store,
    order_rows,
    orders_csv,
    status_of,
)

CUP, TEA = CUP_BARCODE, TEA_BARCODE
PICKER = Operator("li.na", Role.PICKER, "hh-1")
PICKER_ACTOR = Actor("li.na", "hh-1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Cups: 4 in pick face A-01, 3 in reserve R-01; tea: 5 in pick face B-01."""
    store = cup_and_tea_store(tmp_path / "w.db", cups=7)
    add_floor_users(store, "picker", PICKER.name, "wang.fang")
    set_bin_kind(store, ADMIN, "R-01", "reserve")
    move_stock(store, ADMIN, "SKU-CUP", "A-01", "R-01", 3, "overflow")
    return store


def _release(store: Store, *order_lines: tuple[str, list[tuple[str, int]], str]) -> PickView:
    rows = []
    for order_no, lines, priority in order_lines:
        rows += order_rows(order_no, lines, priority=priority)
    orders.import_orders(store, ADMIN, orders_csv(rows), "o.csv")
    waves.release_wave(store, ADMIN, orders_per_list=10)
    view = SqliteFloor(store).claim_next_pick(PICKER)
    assert view is not None
    return view


def _lines(view: PickView) -> list[tuple[str, str, int, int, int]]:
    return [(ln.location, ln.sku, ln.qty, ln.picked, ln.short) for ln in view.lines]


def test_a_short_line_continues_at_another_bin_and_no_order_goes_short(store: Store) -> None:
    floor = SqliteFloor(store)
    view = _release(store, ("O-1", [("SKU-CUP", 3), ("SKU-TEA", 1)], "standard"))
    assert _lines(view) == [("A-01", "SKU-CUP", 3, 0, 0), ("B-01", "SKU-TEA", 1, 0, 0)]
    assert floor.pick_scan(PICKER, view.picklist_id, CUP, "wedge").accepted
    # the bin holds one cup, not three: the other two come from the reserve bin, next
    after = floor.short_pick(PICKER, view.picklist_id, view.lines[0].line_id, ShortReason.NOT_FOUND)
    assert _lines(after) == [
        ("A-01", "SKU-CUP", 1, 1, 0),
        ("R-01", "SKU-CUP", 2, 0, 0),
        ("B-01", "SKU-TEA", 1, 0, 0),
    ]
    assert after.current is not None and after.current.location == "R-01"
    assert status_of(store, "O-1") == "picking"
    assert store.scalar("SELECT needs_count FROM locations WHERE code = 'A-01'") == 1
    assert create_count(store, ADMIN, flagged=True)["bins"] == ["A-01"]
    # the cup picked stays reserved in A-01 until it ships; the two to pick moved to R-01
    assert {(r["bin"], r["reserved"]) for r in list_bins(store, "SKU-CUP")} == {
        ("A-01", 1),
        ("R-01", 2),
    }
    assert stock_check(store) == []
    for code in (CUP, CUP, TEA):
        assert floor.pick_scan(PICKER, view.picklist_id, code, "wedge").verdict is Verdict.OK
    assert status_of(store, "O-1") == "picked"
    picked = store.query(
        "SELECT l.location, s.qty, s.picked FROM pick_shares s"
        " JOIN pick_lines l ON l.id = s.pick_line_id WHERE l.sku = 'SKU-CUP' ORDER BY l.id"
    )
    assert [(r["location"], r["qty"], r["picked"]) for r in picked] == [
        ("A-01", 1, 1),
        ("R-01", 2, 2),
    ]
    assert stock_check(store) == []


def test_what_no_other_bin_holds_goes_short_for_the_least_urgent_orders(store: Store) -> None:
    view = _release(
        store,
        ("O-STD", [("SKU-CUP", 2)], "standard"),
        ("O-RUSH", [("SKU-CUP", 2)], "rush"),
    )
    assert _lines(view) == [("A-01", "SKU-CUP", 4, 0, 0)]
    # the reserve bin has 3 cups: the rush order's 2 and one of the standard order's go there
    affected = close_short(
        store, PICKER_ACTOR, view.picklist_id, view.lines[0].line_id, ShortReason.DAMAGED
    )
    assert affected == ["O-STD"]
    assert status_of(store, "O-RUSH") == "picking"
    assert status_of(store, "O-STD") == "exception"
    shares = store.query(
        "SELECT l.location, s.order_no, s.qty FROM pick_shares s"
        " JOIN pick_lines l ON l.id = s.pick_line_id WHERE s.qty > 0 ORDER BY l.id, s.order_no"
    )
    assert [(r["location"], r["order_no"], r["qty"]) for r in shares] == [
        ("R-01", "O-RUSH", 2),
        ("R-01", "O-STD", 1),
    ]
    assert store.scalar("SELECT short FROM order_lines WHERE order_no = 'O-STD'") == 1
    assert store.scalar("SELECT short FROM pick_lines WHERE location = 'A-01'") == 1
    assert stock_check(store) == []


def test_a_short_with_no_other_bin_is_short_as_before(store: Store) -> None:
    view = _release(store, ("O-1", [("SKU-TEA", 2)], "standard"))
    affected = close_short(
        store, PICKER_ACTOR, view.picklist_id, view.lines[0].line_id, ShortReason.NOT_FOUND
    )
    assert affected == ["O-1"]
    assert status_of(store, "O-1") == "exception"
    assert store.scalar("SELECT count(*) FROM pick_lines") == 1
    assert stock_check(store) == []


def test_a_blocked_bin_is_skipped_to_the_end_and_comes_back(store: Store) -> None:
    floor = SqliteFloor(store)
    view = _release(store, ("O-1", [("SKU-CUP", 2), ("SKU-TEA", 1)], "standard"))
    assert view.current is not None and view.current.location == "A-01"
    after = floor.skip_bin(PICKER, view.picklist_id, view.current.line_id)
    assert [ln.location for ln in after.lines] == ["B-01", "A-01"]
    assert after.current is not None and after.current.location == "B-01"
    assert floor.pick_scan(PICKER, view.picklist_id, TEA, "wedge").accepted
    back = floor.pick_scan(PICKER, view.picklist_id, CUP, "wedge").view
    assert back is not None and back.current is not None and back.current.location == "A-01"
    # the last stop cannot be skipped, and another picker cannot skip on this list
    with pytest.raises(Rejected, match="last stop"):
        floor.skip_bin(PICKER, view.picklist_id, back.current.line_id)
    other = Operator("wang.fang", Role.PICKER, "hh-2")
    with pytest.raises(Rejected, match="not yours"):
        floor.skip_bin(other, view.picklist_id, back.current.line_id)
    assert floor.pick_scan(PICKER, view.picklist_id, CUP, "wedge").accepted
    assert status_of(store, "O-1") == "picked"
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'pick.skip'") == 1
