"""An existing database migrates to stock per bin with a ledger: each product's bin and on-hand
become one stock row with an opening entry, in-flight pick lines stay reserved, nothing lost.

The fixture is the demo database built by the code before the stock ledger (schema 6: two
waves released, one list picked into a tote, holds and backorders), kept as an SQL dump."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

from core.clock import FixedClock
from data import orders, waves
from data.stock import list_ledger, stock_check
from data.store import Store, open_store
from tests.data.builders import ADMIN, NOW

FIXTURE = Path(__file__).parent / "fixtures" / "demo_before_stock_ledger.sql.gz"
OLD_VERSION = 6


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(gzip.decompress(FIXTURE.read_bytes()).decode())
    conn.close()
    return path


def _old_products(path: Path) -> list[tuple[str, str, int, int]]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == OLD_VERSION
        return conn.execute(
            "SELECT sku, location, on_hand, reserved FROM products ORDER BY sku"
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def migrated(old_db: Path) -> tuple[Store, list[tuple[str, str, int, int]]]:
    before = _old_products(old_db)
    store = open_store(old_db, FixedClock(NOW))
    yield store, before
    store.close()


def test_each_product_becomes_one_stock_row_with_an_opening_entry(migrated) -> None:
    store, before = migrated
    assert before and sum(row[2] for row in before) > 0
    rows = store.query("SELECT sku, bin, lot, on_hand FROM stock ORDER BY sku")
    assert [(r["sku"], r["bin"], r["on_hand"]) for r in rows] == [
        (sku, location, on_hand) for sku, location, on_hand, _reserved in before
    ]
    assert {r["lot"] for r in rows} == {""}
    opening = {(e["sku"], e["bin"]): e["qty"] for e in list_ledger(store, limit=10_000)}
    assert opening == {(sku, loc): n for sku, loc, n, _r in before if n}
    assert {e["kind"] for e in list_ledger(store, limit=10_000)} == {"opening"}
    # the products keep their totals and their allocations
    after = store.query("SELECT sku, location, on_hand, reserved FROM products ORDER BY sku")
    assert [tuple(r.values()) for r in after] == before
    assert stock_check(store) == []


def test_in_flight_pick_lines_stay_reserved_in_their_bins(migrated) -> None:
    store, _before = migrated
    on_lists = store.scalar(
        "SELECT sum(s.qty) FROM pick_shares s JOIN orders o ON o.order_no = s.order_no"
        " WHERE o.status NOT IN ('shipped', 'cancelled')"
    )
    assert on_lists > 0
    assert store.scalar("SELECT sum(reserved) FROM stock") == on_lists


def test_the_migrated_floor_draws_on_and_frees_the_migrated_rows(migrated) -> None:
    store, _before = migrated
    reserved = store.scalar("SELECT sum(reserved) FROM stock")
    released = waves.release_wave(store, ADMIN, max_orders=50)
    assert released["orders"] > 0
    units = store.scalar(
        "SELECT sum(l.qty) FROM pick_lines l JOIN picklists p ON p.id = l.picklist_id"
        " WHERE p.wave_id = ?",
        (released["wave_id"],),
    )
    assert store.scalar("SELECT sum(reserved) FROM stock") == reserved + units
    order_no = store.scalar(
        "SELECT o.order_no FROM orders o JOIN picklists p ON p.id = o.picklist_id"
        " WHERE p.wave_id = ? LIMIT 1",
        (released["wave_id"],),
    )
    on_lines = store.scalar("SELECT sum(qty) FROM pick_shares WHERE order_no = ?", (order_no,))
    orders.cancel_order(store, ADMIN, order_no, "customer changed their mind")
    assert store.scalar("SELECT sum(reserved) FROM stock") == reserved + units - on_lines
    assert stock_check(store) == []
