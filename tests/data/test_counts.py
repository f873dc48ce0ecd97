"""Cycle counts (盘点) on a real file: tasks by bin range, SKU, recent movement and short-pick
flags; blind counts; a difference beyond the tolerance recounted by another person; approval
as adjustment entries taken against the ledger position of the count, so a unit picked and
shipped between count and approval is accounted for once."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import NotAllowed, Rejected
from core.model import Role, ShortReason
from core.ports import Operator
from core.stock import StockRefused
from data import catalog, orders, waves
from data.floor import SqliteFloor
from data.picking import close_short
from data.receiving import approve_count, count_bin, create_count, recount, show_count
from data.settings import put
from data.stock import list_bins, list_ledger, stock_check
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    NOW,
    add_floor_users,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)
from tests.data.floor_rows import ship_order

COUNTER = Actor("wang.wei", "hh-2")
SECOND = Actor("zhao.li", "hh-3")
SUPERVISOR = Actor("boss", "office")
PICKER = Operator("li.na", Role.PICKER, "hh-1")
PICKER_ACTOR = Actor("li.na", "hh-1")


def _store(path: Path) -> Store:
    store = new_store(path)
    add_floor_users(store, "picker", COUNTER.user, SECOND.user, PICKER_ACTOR.user)
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 6, barcodes=[ean13(1)], location="A-01-01"),
                product("SKU-B", 4, barcodes=[ean13(2)], location="A-01-02"),
                product("SKU-C", 3, barcodes=[ean13(3)], location="A-01-10"),
                product("SKU-D", 2, barcodes=[ean13(4)], location="B-01-01"),
            ]
        ),
        "p.csv",
    )
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return _store(tmp_path / "w.db")


def _on_hand(store: Store, sku: str) -> int:
    return sum(r["on_hand"] for r in list_bins(store, sku))


def test_tasks_choose_their_bins(store: Store) -> None:
    by_range = create_count(store, SUPERVISOR, bins="A-01-01:A-01-09")
    assert by_range["bins"] == ["A-01-01", "A-01-02"]  # A-01-10 comes after A-01-09
    assert create_count(store, SUPERVISOR, sku="SKU-D")["bins"] == ["B-01-01"]
    assert len(create_count(store, SUPERVISOR, moved_days=1)["bins"]) == 4
    with pytest.raises(Rejected, match="nothing to count"):
        create_count(store, SUPERVISOR, flagged=True)
    with pytest.raises(Rejected, match="one way"):
        create_count(store, SUPERVISOR, bins="A-01-01", sku="SKU-A")
    with pytest.raises(NotAllowed):
        create_count(store, COUNTER, sku="SKU-A")
    # a short pick flags its bin, and --flagged finds it
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-C", 1)])), "o.csv")
    waves.release_wave(store, ADMIN)
    view = SqliteFloor(store).claim_next_pick(PICKER)
    assert view is not None
    line = store.scalar("SELECT id FROM pick_lines WHERE picklist_id = ?", (view.picklist_id,))
    close_short(store, PICKER_ACTOR, view.picklist_id, line, ShortReason.NOT_FOUND)
    flagged = create_count(store, SUPERVISOR, flagged=True)
    assert flagged["bins"] == ["A-01-10"]
    count_bin(store, COUNTER, flagged["count"], "A-01-10", {("SKU-C", ""): 3})
    assert store.scalar("SELECT needs_count FROM locations WHERE code = 'A-01-10'") == 0
    assert stock_check(store) == []


def test_a_task_by_abc_class_counts_the_bins_of_the_most_shipped_skus(store: Store) -> None:
    floor = SqliteFloor(store)
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("O-1", [("SKU-A", 5)]) + order_rows("O-2", [("SKU-B", 1)])),
        "o.csv",
    )
    waves.release_wave(store, ADMIN)
    while (view := floor.claim_next_pick(PICKER)) is not None:
        for line in view.lines:
            code = ean13(1) if line.sku == "SKU-A" else ean13(2)
            for _unit in range(line.qty):
                assert floor.pick_scan(PICKER, view.picklist_id, code, "wedge").accepted
    with pytest.raises(Rejected, match="nothing to count"):
        create_count(store, SUPERVISOR, abc="A")  # nothing has shipped yet
    ship_order(store, "O-1", NOW)
    ship_order(store, "O-2", NOW)
    assert create_count(store, SUPERVISOR, abc="a")["bins"] == ["A-01-01"]
    assert create_count(store, SUPERVISOR, abc="B")["bins"] == ["A-01-02"]
    assert create_count(store, SUPERVISOR, abc="C")["bins"] == ["A-01-10", "B-01-01"]
    with pytest.raises(Rejected, match="A, B, C"):
        create_count(store, SUPERVISOR, abc="D")
    with pytest.raises(Rejected, match="one way"):
        create_count(store, SUPERVISOR, abc="A", flagged=True)


def test_blind_count_recount_by_another_person_and_approval(store: Store) -> None:
    task = create_count(store, SUPERVISOR, bins="A-01-01:A-01-02")
    count_id = task["count"]
    assert "expected" not in show_count(store, count_id, reveal=False)["bins"][0]
    # no difference: approved at once, nothing written
    same = count_bin(store, COUNTER, count_id, "A-01-02", {("SKU-B", ""): 4})
    assert same["status"] == "approved"
    # a difference beyond the tolerance (0) goes to a recount by someone else
    first = count_bin(store, COUNTER, count_id, "a-01-01", {("SKU-A", ""): 5})
    assert (first["status"], first["difference"]) == ("recount", 1)
    blind = show_count(store, count_id, reveal=False)["bins"][0]["results"][0]
    assert "expected" not in blind and blind["counted"] == 5
    with pytest.raises(StockRefused, match="different person"):
        count_bin(store, COUNTER, count_id, "A-01-01", {("SKU-A", ""): 5})
    second = count_bin(store, SECOND, count_id, "A-01-01", {("SKU-A", ""): 5})
    assert second["status"] == "counted"
    with pytest.raises(Rejected, match="reason"):
        approve_count(store, SUPERVISOR, count_id, " ")
    with pytest.raises(NotAllowed):
        approve_count(store, COUNTER, count_id, "lost")
    # sent back once more, then approved
    assert recount(store, SUPERVISOR, count_id, "count again")["recount"] == ["A-01-01"]
    with pytest.raises(StockRefused):
        count_bin(store, SECOND, count_id, "A-01-01", {("SKU-A", ""): 5})
    count_bin(store, COUNTER, count_id, "A-01-01", {("SKU-A", ""): 5})
    approved = approve_count(store, SUPERVISOR, count_id, "one unit lost")
    assert approved["adjusted"] == [{"bin": "A-01-01", "sku": "SKU-A", "lot": "", "qty": -1}]
    assert [
        (e["kind"], e["qty"], e["reason"]) for e in list_ledger(store, doc=f"count:{count_id}")
    ] == [("adjustment", -1, "one unit lost")]
    assert _on_hand(store, "SKU-A") == 5
    assert show_count(store, count_id)["status"] == "closed"
    assert stock_check(store) == []


def test_an_empty_bin_is_confirmed_and_a_tolerance_lets_small_differences_through(
    store: Store,
) -> None:
    with store.write(ADMIN) as write:
        put(write, "count.tolerance", "1")
        write.audit("config.set", "count.tolerance")
    count_id = create_count(store, SUPERVISOR, bins="B-01-01")["count"]
    with pytest.raises(Rejected, match="empty"):
        count_bin(store, COUNTER, count_id, "B-01-01", {})
    # found empty: 2 missing, beyond the tolerance of 1
    assert count_bin(store, COUNTER, count_id, "B-01-01", {}, empty=True)["status"] == "recount"
    # the recount finds one: a difference of 1, within the tolerance, awaits approval
    assert count_bin(store, SECOND, count_id, "B-01-01", {("SKU-D", ""): 1})["status"] == "counted"
    approve_count(store, SUPERVISOR, count_id, "one broken and binned")
    assert _on_hand(store, "SKU-D") == 1
    assert stock_check(store) == []


def test_a_unit_shipped_between_count_and_approval_is_accounted_for_once(store: Store) -> None:
    count_id = create_count(store, SUPERVISOR, sku="SKU-A")["count"]
    # the counter finds 4 of the 6 on the books
    count_bin(store, COUNTER, count_id, "A-01-01", {("SKU-A", ""): 4})
    count_bin(store, SECOND, count_id, "A-01-01", {("SKU-A", ""): 4})
    # picking goes on: one unit is picked from the counted bin and shipped
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 1)])), "o.csv")
    waves.release_wave(store, ADMIN)
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    assert floor.pick_scan(PICKER, view.picklist_id, ean13(1), "wedge").accepted
    ship_order(store, "O-1", NOW)
    assert _on_hand(store, "SKU-A") == 5
    approve_count(store, SUPERVISOR, count_id, "two lost")
    # 4 counted, 1 shipped since: 3, not 4 (approval against the bin now) nor 2 (twice)
    assert _on_hand(store, "SKU-A") == 3
    assert stock_check(store) == []


def test_units_picked_before_the_count_and_shipped_after_are_not_counted_twice(
    store: Store,
) -> None:
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 2)])), "o.csv")
    waves.release_wave(store, ADMIN)
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    for _unit in range(2):
        assert floor.pick_scan(PICKER, view.picklist_id, ean13(1), "wedge").accepted
    # 6 on the books, 2 in a tote: the counter finds 3 (one lost)
    count_id = create_count(store, SUPERVISOR, sku="SKU-A")["count"]
    assert count_bin(store, COUNTER, count_id, "A-01-01", {("SKU-A", ""): 3})["difference"] == 1
    count_bin(store, SECOND, count_id, "A-01-01", {("SKU-A", ""): 3})
    ship_order(store, "O-1", NOW)
    approve_count(store, SUPERVISOR, count_id, "one lost")
    assert _on_hand(store, "SKU-A") == 3
    assert stock_check(store) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    counted=st.integers(min_value=0, max_value=12),
    shipped=st.integers(min_value=0, max_value=3),
)
def test_approval_keeps_the_ledger_true_whatever_was_counted(
    tmp_path_factory: pytest.TempPathFactory, counted: int, shipped: int
) -> None:
    store = _store(tmp_path_factory.mktemp("c") / "w.db")
    count_id = create_count(store, SUPERVISOR, sku="SKU-A")["count"]
    count_bin(store, COUNTER, count_id, "A-01-01", {("SKU-A", ""): counted})
    if counted != 6:
        count_bin(store, SECOND, count_id, "A-01-01", {("SKU-A", ""): counted})
    if shipped:
        orders.import_orders(
            store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", shipped)])), "o.csv"
        )
        waves.release_wave(store, ADMIN)
        floor = SqliteFloor(store)
        view = floor.claim_next_pick(PICKER)
        assert view is not None
        for _unit in range(shipped):
            assert floor.pick_scan(PICKER, view.picklist_id, ean13(1), "wedge").accepted
        ship_order(store, "O-1", NOW)
    if counted != 6:
        try:
            approve_count(store, SUPERVISOR, count_id, "counted")
        except StockRefused:
            # fewer counted than since shipped: the books cannot go below zero
            assert counted < shipped
            assert _on_hand(store, "SKU-A") == 6 - shipped
        else:
            assert _on_hand(store, "SKU-A") == counted - shipped
    else:
        assert _on_hand(store, "SKU-A") == 6 - shipped
    assert stock_check(store) == []
    store.close()
