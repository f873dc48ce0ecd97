"""Stock per bin on a real file: allocation never from damaged bins, lines drawing on two bins,
moves, short picks and cancellations giving reservations back, one writer of on-hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import NotAllowed, Rejected
from core.model import Role, ShortReason
from core.ports import Operator
from core.stock import StockRefused
from data import catalog, orders, waves
from data.floor import SqliteFloor
from data.picking import close_short
from data.stock import list_bins, list_ledger, move_stock, set_bin_kind, stock_check
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
    stock,
)

PICKER = Actor("li.na", "hh-1")
OPERATOR = Operator("li.na", Role.PICKER, "hh-1")
SUPERVISOR = Actor("boss", "office")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    add_floor_users(store, "picker", PICKER.user)
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 3, barcodes=[ean13(1)], location="A-02"),
                product("SKU-B", 4, barcodes=[ean13(2)], location="A-05"),
            ]
        ),
        "p.csv",
    )
    return store


def _bins(store: Store, sku: str) -> dict[str, tuple[int, int]]:
    return {r["bin"]: (r["on_hand"], r["reserved"]) for r in list_bins(store, sku)}


def test_a_move_writes_two_entries_of_one_document(store: Store) -> None:
    moved = move_stock(store, SUPERVISOR, "SKU-A", "a-02", "R-01", 2, "overflow")
    assert _bins(store, "SKU-A") == {"A-02": (1, 0), "R-01": (2, 0)}
    entries = list_ledger(store, doc=f"move:{moved['move']}")
    assert sorted((e["kind"], e["bin"], e["qty"], e["reason"]) for e in entries) == [
        ("move", "A-02", -2, "overflow"),
        ("move", "R-01", 2, "overflow"),
    ]
    assert stock(store, "SKU-A") == (3, 0)
    assert stock_check(store) == []
    with pytest.raises(StockRefused):
        move_stock(store, SUPERVISOR, "SKU-A", "A-02", "R-01", 2, "too many")
    with pytest.raises(Rejected):
        move_stock(store, SUPERVISOR, "SKU-A", "A-02", "R-01", 1, " ")
    with pytest.raises(NotAllowed):
        move_stock(store, PICKER, "SKU-A", "A-02", "R-01", 1, "picker")


def test_stock_in_a_damaged_bin_is_never_allocated(store: Store) -> None:
    move_stock(store, SUPERVISOR, "SKU-A", "A-02", "D-01", 2, "crushed")
    set_bin_kind(store, SUPERVISOR, "D-01", "damaged")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 2)])), "o.csv")
    assert status_of(store, "O-1") == "backordered"  # 3 on hand, only 1 pickable
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-2", [("SKU-A", 1)])), "o.csv")
    assert status_of(store, "O-2") == "allocated"
    # the allocated unit may not be moved into damage, nor its bin made damaged
    with pytest.raises(StockRefused):
        move_stock(store, SUPERVISOR, "SKU-A", "A-02", "D-01", 1, "dropped")
    with pytest.raises(StockRefused):
        set_bin_kind(store, SUPERVISOR, "A-02", "damaged")
    with pytest.raises(Rejected):
        set_bin_kind(store, SUPERVISOR, "A-02", "broken")
    assert stock_check(store) == []


def test_a_line_one_bin_cannot_fill_draws_on_the_next(store: Store) -> None:
    move_stock(store, SUPERVISOR, "SKU-B", "A-05", "R-01", 3, "overflow")
    set_bin_kind(store, SUPERVISOR, "R-01", "reserve")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-B", 3)])), "o.csv")
    released = waves.release_wave(store, ADMIN)
    lines = store.query(
        "SELECT location, qty FROM pick_lines WHERE picklist_id = ? ORDER BY seq",
        (released["picklists"][0],),
    )
    assert lines == [{"location": "A-05", "qty": 1}, {"location": "R-01", "qty": 2}]
    assert _bins(store, "SKU-B") == {"A-05": (1, 1), "R-01": (3, 2)}
    assert stock_check(store) == []
    # the picker walks both bins and the order is picked
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(OPERATOR)
    assert view is not None
    for _unit in range(3):
        outcome = floor.pick_scan(OPERATOR, view.picklist_id, ean13(2), "wedge")
        assert outcome.accepted, outcome.message
    assert status_of(store, "O-1") == "picked"
    # cancelled after picking: the units go back to the bins they came from
    orders.cancel_order(store, ADMIN, "O-1", "customer asked")
    tasks = store.query("SELECT location, qty FROM putaway_tasks WHERE order_no = 'O-1'")
    assert sorted((t["location"], t["qty"]) for t in tasks) == [("A-05", 1), ("R-01", 2)]
    assert _bins(store, "SKU-B") == {"A-05": (1, 0), "R-01": (3, 0)}
    assert stock_check(store) == []


def test_short_picks_and_cancellations_give_reservations_back(store: Store) -> None:
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("O-1", [("SKU-A", 2)]), order_rows("O-2", [("SKU-B", 2)])),
        "o.csv",
    )
    waves.release_wave(store, ADMIN, orders_per_list=1)
    assert _bins(store, "SKU-A") == {"A-02": (3, 2)}
    orders.cancel_order(store, ADMIN, "O-2", "customer asked")
    assert _bins(store, "SKU-B") == {"A-05": (4, 0)}
    view = SqliteFloor(store).claim_next_pick(OPERATOR)
    assert view is not None
    line = store.scalar("SELECT id FROM pick_lines WHERE picklist_id = ?", (view.picklist_id,))
    close_short(store, PICKER, view.picklist_id, line, ShortReason.NOT_FOUND)
    assert status_of(store, "O-1") == "exception"
    assert _bins(store, "SKU-A") == {"A-02": (3, 0)}
    assert stock_check(store) == []


def test_stock_check_finds_a_row_changed_behind_the_ledger(store: Store) -> None:
    assert stock_check(store) == []
    store.conn.execute("UPDATE stock SET on_hand = on_hand + 1 WHERE sku = 'SKU-A'")
    problems = stock_check(store)
    assert {p.code for p in problems} == {"ledger_mismatch", "product_total"}
    assert all("SKU-A" in p.subject for p in problems)


def test_only_the_ledger_writer_changes_on_hand() -> None:
    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"(UPDATE\s+\w+\s+SET|DO UPDATE SET)[^;()]*?\bon_hand\s*=", re.IGNORECASE)
    offenders = [
        path.relative_to(root).as_posix()
        for folder in ("core", "data", "tui")
        for path in (root / folder).rglob("*.py")
        if writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["data/stock.py"]
