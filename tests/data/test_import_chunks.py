"""An order import stores each chunk's orders together: what they read once and write at the
end of the chunk gives what storing them one by one gave (allocation in file order, a split
at import, the audit trail), across chunks too; and the orders' sparse indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data import catalog, orders, settings
from data.store import Store
from tests.data.builders import (
    ADMIN,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
    stock,
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 5, location="A-1", safety_stock=2),
                product("SKU-B", 3, location="A-2"),
                product("SKU-C", 0, location="A-3"),
            ]
        ),
        "products.csv",
    )
    return store


def _reserved_by_lines(store: Store, sku: str) -> int:
    return store.scalar("SELECT coalesce(sum(reserved), 0) FROM order_lines WHERE sku = ?", (sku,))


@pytest.mark.parametrize("chunk", [1, 2, 3, 750])
def test_stock_goes_in_file_order_within_and_across_chunks(
    store: Store, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(orders, "ORDER_CHUNK", chunk)
    report = orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("O-1", [("SKU-B", 2)]),
            order_rows("O-2", [("SKU-B", 2), ("SKU-A", 1)]),
            order_rows("O-3", [("SKU-B", 1)]),
            order_rows("O-4", [("SKU-A", 4)]),
            order_rows("O-5", [("SKU-A", 1)]),
        ),
        "orders.csv",
    )
    assert report.stored == ["O-1", "O-2", "O-3", "O-4", "O-5"]
    assert [status_of(store, f"O-{n}") for n in range(1, 6)] == [
        "allocated",
        "backordered",
        "allocated",
        "allocated",
        "allocated",
    ]
    assert stock(store, "SKU-B") == (3, 3) and _reserved_by_lines(store, "SKU-B") == 3
    assert stock(store, "SKU-A") == (5, 5) and _reserved_by_lines(store, "SKU-A") == 5


@pytest.mark.parametrize("chunk", [1, 750])
def test_audit_entries_come_in_file_order_low_stock_before_its_order(
    store: Store, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(orders, "ORDER_CHUNK", chunk)
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("O-1", [("SKU-A", 2)]),
            order_rows("O-2", [("SKU-A", 2)]),  # leaves 1, below the safety stock of 2
            order_rows("O-3", [("SKU-C", 1)]),
            order_rows("O-4", [("SKU-X", 1)]),
        ),
        "orders.csv",
    )
    entries = [
        (row["action"], row["subject"], json.loads(row["detail"]))
        for row in store.query(
            "SELECT action, subject, detail FROM audit"
            " WHERE action IN ('order.import', 'stock.low') ORDER BY id"
        )
    ]
    assert entries == [
        ("order.import", "O-1", {"status": "allocated", "lines": 1}),
        ("stock.low", "SKU-A", {"available": 1}),
        ("order.import", "O-2", {"status": "allocated", "lines": 1}),
        ("order.import", "O-3", {"status": "backordered", "lines": 1}),
        ("order.import", "O-4", {"status": "on_hold", "lines": 1}),
    ]
    assert store.scalar("SELECT code FROM order_problems WHERE order_no = 'O-4'") == "unknown_sku"


def test_a_split_at_import_leaves_the_next_orders_what_it_did_not_take(store: Store) -> None:
    with store.write(ADMIN) as write:
        settings.put(write, "split.backorders", "auto")
    report = orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("S-1", [("SKU-B", 2), ("SKU-C", 1)]),  # split: B now, C later
            order_rows("S-2", [("SKU-B", 2)]),  # split: 1 of B now, 1 later
            order_rows("S-3", [("SKU-B", 1)]),  # nothing left: backordered whole
        ),
        "orders.csv",
    )
    assert not report.rejected and report.not_stored == 0
    assert [status_of(store, n) for n in ("S-1", "S-1-2", "S-2", "S-2-2", "S-3")] == [
        "allocated",
        "backordered",
        "allocated",
        "backordered",
        "backordered",
    ]
    assert stock(store, "SKU-B") == (3, 3) and _reserved_by_lines(store, "SKU-B") == 3


def test_an_order_stored_in_an_earlier_chunk_is_skipped(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders, "ORDER_CHUNK", 1)
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-B", 1)])), "a.csv")
    report = orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("O-2", [("SKU-B", 1)]), order_rows("O-1", [("SKU-B", 1)])),
        "b.csv",
    )
    assert report.stored == ["O-2"]
    assert [(s.key, s.reason) for s in report.skipped] == [("O-1", "already imported; skipped")]
    assert stock(store, "SKU-B") == (3, 2)


SPARSE = {
    "orders_picklist": "picklist_id",
    "orders_shipped": "shipped_at",
    "orders_merged_into": "merged_into",
    "orders_split_from": "split_from",
}


def test_an_orders_empty_references_are_not_indexed(store: Store) -> None:
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-B", 1)])), "o.csv")
    partial = {row["name"]: row["partial"] for row in store.query("PRAGMA index_list(orders)")}
    assert {name: partial[name] for name in SPARSE} == dict.fromkeys(SPARSE, 1)
    for name, column in SPARSE.items():
        plan = " ".join(
            row["detail"]
            for row in store.query(
                f"EXPLAIN QUERY PLAN SELECT order_no FROM orders WHERE {column} = ?", ("x",)
            )
        )
        assert f"INDEX {name}" in plan
