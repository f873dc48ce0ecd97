"""Orders in the exception queue resolved on a real file: picked again on a new list (never
from a bin flagged for a count), released to packing with what they have where the channel
takes partial shipments, or cancelled; the stock stays true throughout."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotAllowed, Rejected
from core.model import Role, ShortReason
from core.ports import Operator
from data import orders, settings, waves
from data.floor import SqliteFloor
from data.receiving import approve_count, count_bin, create_count
from data.resolve import resolve_order
from data.stock import list_bins, stock_check
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    CUP_BARCODE,
    NOW,
    TEA_BARCODE,
    add_floor_users,
    cup_and_tea_store,
    order_rows,
    orders_csv,
    status_of,
)
from tests.data.floor_rows import ship_order

CUP, TEA = CUP_BARCODE, TEA_BARCODE
PICKER = Operator("li.na", Role.PICKER, "hh-1")
BOSS = Actor("boss", "office")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = cup_and_tea_store(tmp_path / "w.db", cups=10)
    add_floor_users(store, "picker", PICKER.name, "wang.wei", "zhao.li")
    add_floor_users(store, "supervisor", BOSS.user)
    return store


def _short_tea(store: Store, order_no: str, cups: int, teas: int) -> None:
    """An order of cups and teas: every cup picked, the tea bin found short."""
    lines = [("SKU-CUP", cups), ("SKU-TEA", teas)]
    orders.import_orders(store, ADMIN, orders_csv(order_rows(order_no, lines)), "o.csv")
    waves.release_wave(store, ADMIN)
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    for _unit in range(cups):
        assert floor.pick_scan(PICKER, view.picklist_id, CUP, "wedge").accepted
    tea = next(line for line in view.lines if line.sku == "SKU-TEA")
    floor.short_pick(PICKER, view.picklist_id, tea.line_id, ShortReason.NOT_FOUND)
    assert status_of(store, order_no) == "exception"


def test_a_repick_waits_for_the_count_then_picks_the_missing_units(store: Store) -> None:
    _short_tea(store, "O-1", 1, 2)
    # B-01 is flagged for a count: the books' tea there is not trusted for a re-pick
    with pytest.raises(Rejected, match="flagged for a"):
        resolve_order(store, BOSS, "O-1", "repick", "customer waits")
    assert status_of(store, "O-1") == "exception"
    # the count finds 3 teas of the 5 on the books, and is approved
    count_id = create_count(store, BOSS, flagged=True)["count"]
    count_bin(store, Actor("wang.wei", "hh-2"), count_id, "B-01", {("SKU-TEA", ""): 3})
    count_bin(store, Actor("zhao.li", "hh-3"), count_id, "B-01", {("SKU-TEA", ""): 3})
    approve_count(store, BOSS, count_id, "two lost")
    with pytest.raises(NotAllowed):
        resolve_order(store, Actor(PICKER.name, "hh-1"), "O-1", "repick", "me")
    with pytest.raises(Rejected, match="reason"):
        resolve_order(store, BOSS, "O-1", "repick", "  ")
    resolved = resolve_order(store, BOSS, "O-1", "repick", "customer waits")
    assert resolved["status"] == "picking" and resolved["repick_list"].startswith("P:")
    tea = next(line for line in resolved["lines"] if line["sku"] == "SKU-TEA")
    assert (tea["reserved"], tea["short"]) == (2, 0)
    assert stock_check(store) == []
    # the new list holds only the missing teas; picking it finishes the order
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None and view.code == resolved["repick_list"]
    assert [(ln.location, ln.sku, ln.qty) for ln in view.lines] == [("B-01", "SKU-TEA", 2)]
    for _unit in range(2):
        assert floor.pick_scan(PICKER, view.picklist_id, TEA, "wedge").accepted
    assert status_of(store, "O-1") == "picked"
    ship_order(store, "O-1", NOW)
    assert sum(r["on_hand"] for r in list_bins(store, "SKU-TEA")) == 1
    assert stock_check(store) == []
    with pytest.raises(Rejected, match="not in the exception queue"):
        resolve_order(store, BOSS, "O-1", "cancel", "late")


def test_a_partial_release_only_where_the_channel_takes_it(store: Store) -> None:
    _short_tea(store, "O-2", 2, 1)
    with pytest.raises(Rejected, match="partial shipments"):
        resolve_order(store, BOSS, "O-2", "release_partial", "ship the cups")
    with store.write(ADMIN) as write:
        settings.put(write, "ship.partial_channels", "jd,tmall")
    resolved = resolve_order(store, BOSS, "O-2", "release_partial", "ship the cups")
    assert resolved["status"] == "picked"
    assert [(ln["sku"], ln["qty"], ln["picked"]) for ln in resolved["lines"]] == [("SKU-CUP", 2, 2)]
    audit = store.query("SELECT detail FROM audit WHERE action = 'order.release_partial'")
    assert "SKU-TEA" in audit[0]["detail"]
    assert stock_check(store) == []
    ship_order(store, "O-2", NOW)
    assert sum(r["on_hand"] for r in list_bins(store, "SKU-CUP")) == 8
    assert sum(r["on_hand"] for r in list_bins(store, "SKU-TEA")) == 5
    assert stock_check(store) == []


def test_cancel_from_the_exception_queue(store: Store) -> None:
    _short_tea(store, "O-3", 1, 1)
    with pytest.raises(Rejected, match="one of"):
        resolve_order(store, BOSS, "O-3", "shrug", "no")
    resolved = resolve_order(store, BOSS, "O-3", "cancel", "customer gave up")
    assert resolved["status"] == "cancelled"
    assert stock_check(store) == []
