"""Generated order and product files imported into a database: whatever the file, no order is
stored without all its lines, nothing of a refused order or product is stored, a file refused
whole changes nothing, and every refusal names its line and a reason."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Rejected
from data import catalog, orders
from data.store import Store, open_store
from tests.core.test_fuzz_inputs import (
    FAST,
    FILE_NAMES,
    PRODUCT_VALUES,
    ROWS,
    _explained,
    _order_file,
    _refusal_names_a_line,
)
from tests.data.builders import ADMIN, NOW, product, products_csv, table_contents

CATALOG = products_csv([product("SKU-1", 5), product("SKU-2", 1)])


def _store() -> Store:
    from core.clock import FixedClock

    store = open_store(":memory:", FixedClock(NOW))
    catalog.import_products(store, ADMIN, CATALOG, "catalog.csv")
    return store


@pytest.mark.slow
@settings(FAST, max_examples=300)
@given(ROWS, FILE_NAMES)
def test_an_order_is_stored_whole_or_not_at_all(rows: list[dict[str, object]], name: str) -> None:
    store = _store()
    before = table_contents(store)
    try:
        report = orders.import_orders(store, ADMIN, _order_file(rows, name), name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        assert table_contents(store) == before
        return
    _explained(report.rejected)
    stored = {
        row["order_no"]: row["lines"]
        for row in store.query(
            "SELECT o.order_no, (SELECT count(*) FROM order_lines l"
            " WHERE l.order_no = o.order_no) AS lines FROM orders o"
        )
    }
    assert set(stored) == set(report.stored)
    for order_no, lines in stored.items():
        in_file = [row for row in rows if str(row["order_no"]).strip() == order_no]
        skus = {str(row["sku"]).strip() for row in in_file}  # rows of one SKU are one line
        assert lines == len(skus), f"{order_no}: {lines} of {len(skus)} lines stored"
    for rejection in report.rejected:
        assert rejection.key not in stored
        lines = store.scalar(
            "SELECT count(*) FROM order_lines WHERE order_no = ?", (rejection.key,)
        )
        assert lines == 0
    # Each stored order has its audit entry; stock stays within what is on hand.
    audited = store.scalar("SELECT count(*) FROM audit WHERE action = 'order.import'")
    assert audited == len(stored)
    assert store.scalar("SELECT count(*) FROM products WHERE reserved > on_hand") == 0
    store.close()


@pytest.mark.slow
@settings(FAST, max_examples=200)
@given(st.lists(st.fixed_dictionaries(PRODUCT_VALUES), min_size=1, max_size=8), FILE_NAMES)
def test_a_product_is_stored_whole_or_not_at_all(rows: list[dict[str, object]], name: str) -> None:
    if name.endswith(".csv"):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(PRODUCT_VALUES))
        for row in rows:
            barcodes = row["barcodes"]
            cells = {
                **row,
                "barcodes": "|".join(barcodes) if isinstance(barcodes, list) else barcodes,
            }
            writer.writerow([str(cells[column]) for column in PRODUCT_VALUES])
        content = out.getvalue().encode()
    else:
        content = json.dumps(rows).encode()
        name = "p.json"
    store = _store()
    before = table_contents(store)
    try:
        report = catalog.import_products(store, ADMIN, content, name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        assert table_contents(store) == before
        return
    _explained(report.rejected)
    refused = {rejection.key for rejection in report.rejected}
    for sku in report.stored + report.updated:
        assert store.scalar("SELECT count(*) FROM products WHERE sku = ?", (sku,)) == 1
    new = {row["sku"] for row in store.query("SELECT sku FROM products")} - {"SKU-1", "SKU-2"}
    assert new == set(report.stored)
    assert not new & (refused - set(report.stored))
    # A refused product left no barcode behind; every barcode belongs to one stored product.
    orphans = store.scalar(
        "SELECT count(*) FROM barcodes b LEFT JOIN products p ON p.sku = b.sku WHERE p.sku IS NULL"
    )
    assert orphans == 0
    store.close()
