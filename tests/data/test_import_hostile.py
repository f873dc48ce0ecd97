"""Hostile order and product files imported into a real database file: every order or product
of the file is stored, skipped or rejected with its line, whatever the file holds; times
outside the window never reach the database; huge orders are merged and limited."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.importing import MAX_ORDER_LINES
from data import catalog, orders
from data.store import Store, open_store
from tests.data.builders import ADMIN, NOW, order_rows, orders_csv, product, products_csv


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "floor.db", FixedClock(NOW))
    catalog.import_products(store, ADMIN, products_csv([product("SKU-1", 50)]), "p.csv")
    return store


def _order(order_no: str, **changes: object) -> str:
    record: dict[str, object] = {
        "order_no": order_no,
        "placed_at": "2026-11-21T09:00:00+08:00",
        "payment_status": "paid",
        "customer_name": "张三",
        "phone": "13800000000",
        "province": "浙江省",
        "city": "杭州市",
        "address": "文三路 1 号",
        "lines": [{"sku": "SKU-1", "qty": 1}],
    }
    record.update(changes)
    return json.dumps(record, ensure_ascii=False)


HOSTILE = {
    "lone surrogate": lambda no: _order(no).replace('"张三"', '"\\ud800"'),
    "5,001 digits": lambda no: _order(no).replace('"qty": 1', '"qty": ' + "9" * 5001),
    "100,000 deep": lambda no: _order(no).replace(
        '"address"', '"deep": ' + "[" * 100_000 + "]" * 100_000 + ', "address"'
    ),
    "year 1": lambda no: _order(no, placed_at="0001-01-01T00:00:00+08:00"),
    "year 9999": lambda no: _order(no, placed_at="9999-12-31T15:00Z"),
}


@pytest.mark.parametrize("name", ["orders.json", "orders.jsonl"])
def test_every_order_of_a_700_order_file_is_stored_or_reported(
    store: Store, tmp_path: Path, name: str
) -> None:
    chooser = random.Random(13)
    numbers = [f"SO{n:04d}" for n in range(700)]
    hostile = dict(zip(chooser.sample(numbers, 25), [*HOSTILE] * 5, strict=True))
    records = [HOSTILE[hostile[no]](no) if no in hostile else _order(no) for no in numbers]
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text("\n".join(records) + "\n", encoding="utf-8")
        line_of = {no: index + 1 for index, no in enumerate(numbers)}
    else:
        path.write_text("[\n" + ",\n".join(records) + "\n]\n", encoding="utf-8")
        line_of = {no: index + 2 for index, no in enumerate(numbers)}

    report = orders.import_orders(store, ADMIN, path, name)

    assert sorted(report.stored) == sorted(set(numbers) - set(hostile))
    assert sorted(r.line for r in report.rejected) == sorted(line_of[no] for no in hostile)
    for rejection in report.rejected:
        assert rejection.reason and len(rejection.reason) < 300
    stored = {row["order_no"] for row in store.query("SELECT order_no FROM orders")}
    assert stored == set(report.stored)
    # A second import of the same file stores nothing and reports the same refusals.
    again = orders.import_orders(store, ADMIN, path, name)
    assert again.stored == [] and len(again.skipped) == len(report.stored)
    assert [r.line for r in again.rejected] == [r.line for r in report.rejected]


def test_extreme_times_never_reach_the_database(store: Store) -> None:
    content = orders_csv(
        order_rows("OK", [("SKU-1", 1)]),
        order_rows("FAR", [("SKU-1", 1)], placed_at="9999-12-31T15:00Z"),
        order_rows("EARLY", [("SKU-1", 1)], placed_at="0001-01-01T00:00:00+08:00"),
        order_rows("AHEAD", [("SKU-1", 1)], placed_at="2026-11-23T09:00:00+08:00"),
    )
    report = orders.import_orders(store, ADMIN, content, "o.csv")
    assert report.stored == ["OK"]
    assert {r.key: r.line for r in report.rejected} == {"FAR": 3, "EARLY": 4, "AHEAD": 5}
    assert store.scalar("SELECT count(*) FROM orders") == 1


def test_identical_rows_are_stored_as_one_line(store: Store, tmp_path: Path) -> None:
    rows = order_rows("BIG", [("SKU-1", 1)] * 5_000 + [("SKU-2", 2)] * 3)
    path = tmp_path / "big.csv"
    path.write_bytes(orders_csv(rows))
    report = orders.import_orders(store, ADMIN, path, "big.csv")
    assert report.stored == ["BIG"]
    lines = store.query("SELECT sku, qty FROM order_lines WHERE order_no = 'BIG' ORDER BY line_no")
    assert [(line["sku"], line["qty"]) for line in lines] == [("SKU-1", 5_000), ("SKU-2", 6)]


def test_the_biggest_allowed_order_shows_whole(store: Store) -> None:
    skus = [(f"SKU-{n:03d}", 1) for n in range(MAX_ORDER_LINES)]
    report = orders.import_orders(store, ADMIN, orders_csv(order_rows("MAX", skus)), "o.csv")
    assert report.stored == ["MAX"]
    shown = orders.show_order(store, "MAX")
    assert len(shown["lines"]) == MAX_ORDER_LINES


def test_a_product_file_accounts_for_every_record(store: Store, tmp_path: Path) -> None:
    good = [f'{{"sku": "P-{n}", "name": "Mug", "barcodes": [], "on_hand": 1}}' for n in range(3)]
    bad = [
        '{"sku": "B-1", "name": "\\udc80", "barcodes": [], "on_hand": 1}',
        '{"sku": "B-2", "name": "Mug", "barcodes": [], "on_hand": ' + "9" * 5001 + "}",
        '{"sku": "B-3", "name": ' + "[" * 100_000 + "]" * 100_000 + ', "on_hand": 1}',
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join([good[0], *bad, *good[1:]]) + "\n", encoding="utf-8")
    report = catalog.import_products(store, ADMIN, path, "p.jsonl")
    assert sorted(report.stored) == ["P-0", "P-1", "P-2"]
    assert [r.line for r in report.rejected] == [2, 3, 4]


def test_a_file_broken_at_its_end_stores_nothing(store: Store, tmp_path: Path) -> None:
    records = [_order(f"SO{n:04d}") for n in range(1_200)]
    path = tmp_path / "o.json"
    path.write_text("[\n" + ",\n".join(records) + ",\n{broken\n]\n", encoding="utf-8")
    from core.errors import Rejected

    with pytest.raises(Rejected, match="line 1202"):
        orders.import_orders(store, ADMIN, path, "o.json")
    assert store.scalar("SELECT count(*) FROM orders") == 0
