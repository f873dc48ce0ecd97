"""Importing products and bins: barcode checks, updates, reserved stock and the walk order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import Rejected
from data import catalog, orders, waves
from data.store import Store
from tests.data.builders import (
    ADMIN,
    bad_check_digit,
    ean13,
    gtin,
    gtin14,
    locations_csv,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    stock,
    table_contents,
)

CUP = ean13(1)
CABLE_UPC = "036000291452"  # UPC-A; EAN-13 0036000291452 is the same product


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "w.db")


def _barcodes(store: Store, sku: str) -> list[str]:
    return [
        row["code"]
        for row in store.query("SELECT code FROM barcodes WHERE sku = ? ORDER BY code", (sku,))
    ]


def test_products_are_stored_with_normalised_barcodes(store: Store) -> None:
    ean8 = gtin("9638507")
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", 12, barcodes=[CUP], location="a-10", safety_stock=2),
                product("SKU-CABLE", 5, barcodes=[CABLE_UPC, ean8, "INT-0001"]),
            ]
        ),
        "products.csv",
    )
    assert report.stored == ["SKU-CUP", "SKU-CABLE"] and not report.rejected
    assert stock(store, "SKU-CUP") == (12, 0)
    row = store.query("SELECT location, safety_stock FROM products WHERE sku = 'SKU-CUP'")[0]
    assert row == {"location": "A-10", "safety_stock": 2}
    assert _barcodes(store, "SKU-CUP") == [gtin14(CUP)]
    assert _barcodes(store, "SKU-CABLE") == sorted([gtin14(CABLE_UPC), gtin14(ean8), "INT-0001"])
    assert store.scalar("SELECT count(*) FROM locations WHERE code = 'A-10'") == 1
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'product.add'") == 2


def test_wrong_check_digit_rejects_that_product_only(store: Store) -> None:
    content = products_csv(
        [
            product("SKU-A", 3, barcodes=[ean13(1)]),
            product("SKU-BAD", 3, barcodes=[ean13(2), bad_check_digit(ean13(3))]),
            product("SKU-C", 3, barcodes=[ean13(4)]),
        ]
    )
    report = catalog.import_products(store, ADMIN, content, "products.csv")
    assert report.stored == ["SKU-A", "SKU-C"]
    assert len(report.rejected) == 1
    rejection = report.rejected[0]
    assert (rejection.line, rejection.key) == (3, "SKU-BAD")
    assert bad_check_digit(ean13(3)) in rejection.reason
    assert "check digit" in rejection.reason.lower()
    # Rejected whole: not even its good barcode is stored.
    assert store.scalar("SELECT count(*) FROM products WHERE sku = 'SKU-BAD'") == 0
    assert store.scalar("SELECT count(*) FROM barcodes WHERE code = ?", (gtin14(ean13(2)),)) == 0


@pytest.mark.parametrize("code", ["036000291453", "96385075", "00012345600013"])
def test_every_gtin_length_is_check_digit_tested(store: Store, code: str) -> None:
    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-X", 1, barcodes=[code])]), "p.csv"
    )
    assert [r.key for r in report.rejected] == ["SKU-X"]
    assert store.scalar("SELECT count(*) FROM products") == 0


def test_barcode_of_another_sku_is_rejected(store: Store) -> None:
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-CABLE", 5, barcodes=[CABLE_UPC])]), "a.csv"
    )
    # The EAN-13 spelling of the same GTIN belongs to SKU-CABLE already.
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-OK", 1, barcodes=[ean13(9)]),
                product("SKU-COPY", 1, barcodes=["0" + CABLE_UPC]),
            ]
        ),
        "b.csv",
    )
    assert report.stored == ["SKU-OK"]
    assert [(r.line, r.key) for r in report.rejected] == [(3, "SKU-COPY")]
    assert "SKU-CABLE" in report.rejected[0].reason
    assert _barcodes(store, "SKU-CABLE") == [gtin14(CABLE_UPC)]
    assert store.scalar("SELECT count(*) FROM products WHERE sku = 'SKU-COPY'") == 0


def test_barcode_shared_within_one_file_is_rejected_for_the_second(store: Store) -> None:
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-A", 1, barcodes=[CUP]), product("SKU-B", 1, barcodes=[CUP])]),
        "p.csv",
    )
    assert report.stored == ["SKU-A"]
    assert [(r.line, r.key) for r in report.rejected] == [(3, "SKU-B")]


def test_duplicate_sku_in_one_file_is_rejected(store: Store) -> None:
    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 1), product("SKU-A", 2)]), "p.csv"
    )
    assert [(r.line, r.key) for r in report.rejected] == [(3, "SKU-A")]
    assert stock(store, "SKU-A") == (1, 0)


def test_reimport_updates_the_product_and_replaces_its_barcodes(store: Store) -> None:
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-A", 5, name="Old", barcodes=[ean13(1)], location="A-1")]),
        "p.csv",
    )
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [product("SKU-A", 9, name="New", barcodes=[ean13(2)], location="B-2", weight_g=7)]
        ),
        "p.csv",
    )
    assert report.updated == ["SKU-A"] and report.stored == []
    # a known SKU's stock is not changed by a product file without --adjust-stock
    assert report.stock_kept == ["SKU-A"]
    row = store.query("SELECT name, location, on_hand, weight_g FROM products")[0]
    assert row == {"name": "New", "location": "B-2", "on_hand": 5, "weight_g": 7}
    assert store.query("SELECT bin, on_hand FROM stock") == [{"bin": "A-1", "on_hand": 5}]
    assert _barcodes(store, "SKU-A") == [gtin14(ean13(2))]
    # The old barcode is free for another product now.
    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-B", 1, barcodes=[ean13(1)])]), "p.csv"
    )
    assert report.stored == ["SKU-B"]
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'product.update'") == 1


def test_on_hand_below_reserved_is_rejected(store: Store) -> None:
    catalog.import_products(store, ADMIN, products_csv([product("SKU-A", 10)]), "p.csv")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 6)])), "o.csv")
    assert stock(store, "SKU-A") == (10, 6)

    report = catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-A", 5, name="Renamed")]),
        "p.csv",
        adjust_reason="recount",
    )
    assert [(r.line, r.key) for r in report.rejected] == [(2, "SKU-A")]
    assert "6" in report.rejected[0].reason
    assert stock(store, "SKU-A") == (10, 6)
    assert store.scalar("SELECT name FROM products") == "Product SKU-A"

    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 6)]), "p.csv", adjust_reason="recount"
    )
    assert report.updated == ["SKU-A"]
    assert stock(store, "SKU-A") == (6, 6)


def test_new_skus_get_opening_stock_and_known_ones_change_only_by_adjustment(
    store: Store,
) -> None:
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 10, location="A-1")]), "first.csv"
    )
    assert store.query("SELECT kind, sku, bin, qty, doc_type, doc_id FROM stock_ledger") == [
        {
            "kind": "opening",
            "sku": "SKU-A",
            "bin": "A-1",
            "qty": 10,
            "doc_type": "import",
            "doc_id": "first.csv",
        }
    ]
    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 4, location="A-1")]), "second.csv"
    )
    assert report.stock_kept == ["SKU-A"] and stock(store, "SKU-A") == (10, 0)
    assert store.scalar("SELECT count(*) FROM stock_ledger") == 1

    with pytest.raises(Rejected):
        catalog.import_products(
            store, ADMIN, products_csv([product("SKU-A", 4)]), "c.csv", adjust_reason="  "
        )
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-A", 4, location="A-1")]),
        "count.csv",
        adjust_reason="counted after the flood",
    )
    assert report.updated == ["SKU-A"] and report.stock_kept == []
    assert stock(store, "SKU-A") == (4, 0)
    entry = store.query("SELECT * FROM stock_ledger ORDER BY id DESC LIMIT 1")[0]
    assert (entry["kind"], entry["qty"], entry["reason"], entry["doc_id"]) == (
        "import_correction",
        -6,
        "counted after the flood",
        "count.csv",
    )
    assert entry["user"] == ADMIN.user and entry["station"] == ADMIN.station


@pytest.mark.parametrize(
    ("field", "value"),
    [("on_hand", "-1"), ("on_hand", "ten"), ("on_hand", ""), ("name", ""), ("weight_g", "1.5")],
)
def test_malformed_product_fields_reject_the_product(store: Store, field: str, value: str) -> None:
    row = product("SKU-A", 1)
    row[field] = value
    report = catalog.import_products(
        store, ADMIN, products_csv([product("SKU-OK", 1), row]), "p.csv"
    )
    assert report.stored == ["SKU-OK"]
    assert [(r.line, r.key) for r in report.rejected] == [(3, "SKU-A")]


def test_products_from_json_with_barcode_lists(store: Store) -> None:
    content = json.dumps(
        [
            {"sku": "SKU-A", "name": "杯子", "barcodes": [CUP], "on_hand": 4, "location": "A-1"},
            {"sku": "SKU-B", "name": "B", "barcodes": [bad_check_digit(ean13(5))], "on_hand": 1},
        ],
        ensure_ascii=False,
        indent=1,
    ).encode()
    report = catalog.import_products(store, ADMIN, content, "catalog.json")
    assert report.stored == ["SKU-A"]
    assert [r.key for r in report.rejected] == ["SKU-B"]
    assert report.rejected[0].line > 1
    assert store.scalar("SELECT name FROM products WHERE sku = 'SKU-A'") == "杯子"
    assert _barcodes(store, "SKU-A") == [gtin14(CUP)]


def test_unreadable_file_is_refused_whole(store: Store) -> None:
    before = table_contents(store)
    with pytest.raises(Rejected):
        catalog.import_products(store, ADMIN, b"sku,name\nA,a\n", "p.csv")  # columns missing
    with pytest.raises(Rejected):
        catalog.import_products(store, ADMIN, products_csv([product("A", 1)]), "p.xlsx")
    assert table_contents(store) == before


def test_list_products_flags_low_stock(store: Store) -> None:
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-A", 10, safety_stock=3), product("SKU-B", 2, safety_stock=3)]),
        "p.csv",
    )
    rows = {row["sku"]: row for row in catalog.list_products(store)}
    assert rows["SKU-A"]["low"] is False and rows["SKU-B"]["low"] is True
    assert [row["sku"] for row in catalog.list_products(store, low_only=True)] == ["SKU-B"]


# -- bins and the walk --------------------------------------------------------------------------


def _walk_of_released_list(store: Store) -> list[str]:
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("O-1", [("SKU-B01", 1), ("SKU-A10", 1)]),
            order_rows("O-2", [("SKU-A2", 1), ("SKU-NOBIN", 1), ("SKU-A1", 1)]),
        ),
        "o.csv",
    )
    result = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=10)
    [picklist_id] = result["picklists"]
    return [line["location"] for line in waves.show_picklist(store, picklist_id)["lines"]]


def _bins_catalog(store: Store) -> None:
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A10", 5, location="A-10"),
                product("SKU-B01", 5, location="B-01"),
                product("SKU-A2", 5, location="A-2"),
                product("SKU-A1", 5, location="A-1"),
                product("SKU-NOBIN", 5),
            ]
        ),
        "p.csv",
    )


def test_without_walk_order_bins_sort_naturally(store: Store) -> None:
    _bins_catalog(store)
    assert _walk_of_released_list(store) == ["A-1", "A-2", "A-10", "B-01", ""]


def test_imported_walk_order_sets_the_line_order(store: Store) -> None:
    _bins_catalog(store)
    report = catalog.import_locations(
        store, ADMIN, locations_csv([("B-01", 1), ("a-10", 2), ("A-2", 3)]), "locations.csv"
    )
    assert not report.rejected
    assert set(report.updated) == {"B-01", "A-10", "A-2"}  # known from the catalog already
    # Sequenced bins first in their order, then the rest naturally, then lines without a bin.
    assert _walk_of_released_list(store) == ["B-01", "A-10", "A-2", "A-1", ""]


def test_walk_order_can_be_changed_by_reimport(store: Store) -> None:
    _bins_catalog(store)
    catalog.import_locations(store, ADMIN, locations_csv([("A-10", 1), ("A-2", 2)]), "l.csv")
    catalog.import_locations(store, ADMIN, locations_csv([("A-10", 5)]), "l.csv")
    seq = catalog.walk_sequences(store.conn)
    assert seq["A-10"] == 5 and seq["A-2"] == 2


def test_bad_location_rows_are_rejected_with_their_line(store: Store) -> None:
    report = catalog.import_locations(
        store, ADMIN, b"code,sequence\nA-1,1\nA-2,two\n,3\nA-4,4\n", "l.csv"
    )
    assert report.stored == ["A-1", "A-4"]
    assert [(r.line, r.key) for r in report.rejected] == [(3, "A-2"), (4, "")]
