"""Receipts (入库) and put-away (上架) on a real file: imports idempotent by receipt number,
units judged by scan (refusals recorded), closing to the dock, put-away to a proposed bin and
backorders allocating afterwards; the stock check holds after each scenario."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.errors import NotAllowed, Rejected
from core.stock import StockRefused
from data import catalog, orders
from data.receiving import (
    close_receipt,
    import_receipts,
    open_blind,
    propose_putaway,
    put_away,
    receive_unit,
    set_bin_max,
    show_receipt,
)
from data.stock import list_bins, list_ledger, set_bin_kind, stock_check
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
)

RECEIVER = Actor("wang.wei", "hh-2")
OTHER = Actor("zhao.li", "hh-3")
SUPERVISOR = Actor("boss", "office")
GTIN_LOT = "0" + ean13(3)  # the lot-tracked product's GTIN-14


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    add_floor_users(store, "picker", RECEIVER.user, OTHER.user)
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 2, barcodes=[ean13(1)], location="A-01"),
                product("SKU-B", 0, barcodes=[ean13(2)], location="A-02"),
                product("SKU-L", 0, barcodes=[ean13(3)], location="A-03"),
            ]
        ),
        "p.csv",
    )
    store.conn.execute("UPDATE products SET lot_tracked = 1 WHERE sku = 'SKU-L'")
    return store


def _receipts_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "r.csv"
    path.write_text("receipt_no,supplier,sku,qty,lot,expiry\n" + "\n".join(rows) + "\n")
    return path


def _bins(store: Store, sku: str) -> dict[str, int]:
    return {r["bin"]: r["on_hand"] for r in list_bins(store, sku) if r["on_hand"]}


def test_import_is_per_receipt_and_idempotent(store: Store, tmp_path: Path) -> None:
    path = _receipts_file(
        tmp_path,
        [
            "R-1,Acme,SKU-A,5,,",
            "R-1,Acme,SKU-B,3,,",
            "R-2,Acme,SKU-A,x,,",
            "R-2,Acme,SKU-B,1,,",
            "R-3,Acme,SKU-NOPE,1,,",
            "R-4,Acme,SKU-L,2,L7,2027-13-01",
        ],
    )
    report = import_receipts(store, ADMIN, path)
    assert report.stored == ["R-1"]
    rejected = {(r.line, r.key) for r in report.rejected}
    assert rejected == {(4, "R-2"), (5, "R-2"), (6, "R-3"), (7, "R-4")}
    assert "whole number" in next(r.reason for r in report.rejected if r.line == 4)
    assert "SKU-NOPE" in next(r.reason for r in report.rejected if r.line == 6)
    again = import_receipts(store, ADMIN, path)
    assert again.stored == [] and [s.key for s in again.skipped] == ["R-1"]
    lines = show_receipt(store, "R-1")["lines"]
    assert [(line["sku"], line["expected"]) for line in lines] == [("SKU-A", 5), ("SKU-B", 3)]
    with pytest.raises(NotAllowed):
        import_receipts(store, RECEIVER, path)


def test_receiving_refuses_loudly_and_records_it(store: Store, tmp_path: Path) -> None:
    import_receipts(
        store, ADMIN, _receipts_file(tmp_path, ["R-1,Acme,SKU-A,3,,", "R-1,Acme,SKU-L,2,,"])
    )
    receive_unit(store, RECEIVER, "R-1", ean13(1))
    receive_unit(store, RECEIVER, "R-1", "SKU-A", qty=2)
    refusals = [
        ("not on this receipt", lambda: receive_unit(store, RECEIVER, "R-1", ean13(2))),
        ("too many", lambda: receive_unit(store, RECEIVER, "R-1", ean13(1))),
        ("lot-tracked", lambda: receive_unit(store, RECEIVER, "R-1", ean13(3))),
        (
            "expired",
            lambda: receive_unit(store, RECEIVER, "R-1", f"(01){GTIN_LOT}(10)OLD(17)200101"),
        ),
        ("no product", lambda: receive_unit(store, RECEIVER, "R-1", "NOTHING-HERE")),
    ]
    for words, attempt in refusals:
        with pytest.raises(Rejected, match=words):
            attempt()
    # a GS1 code fills lot and expiry by itself
    received = receive_unit(store, RECEIVER, "R-1", f"(01){GTIN_LOT}(10)L7(17)491231")
    assert (received["sku"], received["lot"], received["expiry"]) == (
        "SKU-L",
        "L7",
        date(2049, 12, 31),
    )
    units = show_receipt(store, "R-1")["units"]
    assert [u["verdict"] for u in units] == ["accepted"] * 2 + ["refused"] * 5 + ["accepted"]
    assert [u["reason"] for u in units if u["verdict"] == "refused"] == [
        "not_on_receipt",
        "too_many",
        "no_lot",
        "expired",
        "unknown",
    ]
    # nothing is on the books until the receipt closes
    assert list_ledger(store, doc="receipt:R-1") == []
    closed = close_receipt(store, RECEIVER, "R-1")
    assert closed["lines"] == [
        {"sku": "SKU-A", "expected": 3, "received": 3, "short": 0, "over": 0},
        {"sku": "SKU-L", "expected": 2, "received": 1, "short": 1, "over": 0},
    ]
    entries = list_ledger(store, doc="receipt:R-1")
    assert sorted((e["kind"], e["sku"], e["bin"], e["lot"], e["qty"]) for e in entries) == [
        ("receive", "SKU-A", "DOCK", "", 3),
        ("receive", "SKU-L", "DOCK", "L7", 1),
    ]
    assert _bins(store, "SKU-A") == {"A-01": 2, "DOCK": 3}
    # units at the dock are not allocatable
    assert store.scalar("SELECT unpickable FROM products WHERE sku = 'SKU-A'") == 3
    with pytest.raises(Rejected, match="closed"):
        receive_unit(store, RECEIVER, "R-1", ean13(1))
    with pytest.raises(Rejected, match="closed"):
        close_receipt(store, RECEIVER, "R-1")
    assert stock_check(store) == []


def test_a_blind_receipt_takes_any_product(store: Store) -> None:
    open_blind(store, RECEIVER, "B-1", "walk-in")
    with pytest.raises(Rejected):
        open_blind(store, RECEIVER, "B-1")
    receive_unit(store, RECEIVER, "B-1", ean13(2), qty=4)
    receive_unit(store, OTHER, "B-1", ean13(1))
    closed = close_receipt(store, RECEIVER, "B-1")
    assert [(line["sku"], line["received"], line["over"]) for line in closed["lines"]] == [
        ("SKU-A", 1, 1),
        ("SKU-B", 4, 4),
    ]
    assert _bins(store, "SKU-B") == {"DOCK": 4}
    assert stock_check(store) == []


def test_put_away_follows_the_proposal_and_allocates_backorders(store: Store) -> None:
    set_bin_kind(store, SUPERVISOR, "R-01", "reserve")
    set_bin_kind(store, SUPERVISOR, "R-02", "reserve")
    set_bin_max(store, SUPERVISOR, "A-01", 5)
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 6)])), "o.csv")
    assert status_of(store, "O-1") == "backordered"
    open_blind(store, RECEIVER, "B-1")
    receive_unit(store, RECEIVER, "B-1", ean13(1), qty=10)
    close_receipt(store, RECEIVER, "B-1")
    # the pick face holds 2 of a maximum of 5: 3 fit, 4 do not
    assert propose_putaway(store, "SKU-A", 3)["proposed"] == "A-01"
    assert propose_putaway(store, "SKU-A", 4)["proposed"] == "R-01"  # an empty reserve bin
    done = put_away(store, RECEIVER, "SKU-A", 3, "a-01")
    assert (done["to"], done["proposed"], done["allocated"]) == ("A-01", "A-01", [])
    # another bin than proposed is recorded; the stock now covers the backorder
    done = put_away(store, RECEIVER, "SKU-A", 4, "R-02")
    assert done["allocated"] == ["O-1"]
    assert status_of(store, "O-1") == "allocated"
    entries = list_ledger(store, bin_code="R-02")
    assert [(e["kind"], e["qty"], e["reason"]) for e in entries] == [
        ("put_away", 4, "proposed R-01")
    ]
    # the SKU is in reserve now: its reserve bin comes before an empty one
    assert propose_putaway(store, "SKU-A", 3)["proposed"] == "R-02"
    put_away(store, RECEIVER, "SKU-A", 3, "R-02")
    assert _bins(store, "SKU-A") == {"A-01": 5, "R-02": 7}
    with pytest.raises(Rejected, match="dock"):
        put_away(store, RECEIVER, "SKU-A", 1, "A-01")
    assert stock_check(store) == []


def test_put_away_refuses_what_is_not_at_the_dock_or_a_bin_not_picked_from(
    store: Store,
) -> None:
    open_blind(store, RECEIVER, "B-1")
    receive_unit(store, RECEIVER, "B-1", f"(01){GTIN_LOT}(10)L1(17)491231", qty=2)
    receive_unit(store, RECEIVER, "B-1", f"(01){GTIN_LOT}(10)L2(17)481231", qty=2)
    close_receipt(store, RECEIVER, "B-1")
    with pytest.raises(Rejected, match="--lot"):
        put_away(store, RECEIVER, "SKU-L", 1, "A-03")
    set_bin_kind(store, SUPERVISOR, "X-01", "damaged")
    with pytest.raises(StockRefused, match="damaged"):
        put_away(store, RECEIVER, "SKU-L", 1, "X-01", lot="L1")
    with pytest.raises(StockRefused):
        put_away(store, RECEIVER, "SKU-L", 3, "A-03", lot="L1")
    put_away(store, RECEIVER, "SKU-L", 2, "A-03", lot="L2")
    rows = {(r["bin"], r["lot"]): (r["on_hand"], r["expiry"]) for r in list_bins(store, "SKU-L")}
    assert rows[("A-03", "L2")] == (2, "2048-12-31")
    assert stock_check(store) == []
