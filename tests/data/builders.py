"""Builders for catalog and order files, and small helpers to look inside a database file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.clock import FixedClock
from core.importing import ORDER_COLUMNS, PRODUCT_COLUMNS
from core.model import Role
from data.store import Actor, Store, open_store

#: 2026-11-21 14:00 in Shanghai.
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
ADMIN = Actor("admin", "test", Role.ADMIN)

#: A complete Chinese address that passes review.
ADDRESS = {
    "customer_name": "张伟",
    "phone": "13800138000",
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "文三路90号",
    "postcode": "310000",
}

#: Data tables whose content an import may change (compared before and after).
DATA_TABLES = (
    "products",
    "barcodes",
    "locations",
    "orders",
    "order_lines",
    "order_problems",
    "picklists",
    "pick_lines",
    "pick_shares",
    "waves",
    "putaway_tasks",
)


def gtin(body: str) -> str:
    """A GTIN (8, 12, 13 or 14 digits) made from its digits without the check digit."""
    total = 0
    for position, digit in enumerate(reversed(body)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return body + str((10 - total % 10) % 10)


def bad_check_digit(code: str) -> str:
    """The same GTIN with a wrong check digit."""
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def ean13(number: int) -> str:
    """A valid EAN-13 derived from a small number (distinct numbers, distinct codes)."""
    return gtin(f"690{number:09d}")


def gtin14(code: str) -> str:
    """The catalog key of a GTIN: its GTIN-14 form."""
    return code.zfill(14)


def product(
    sku: str,
    on_hand: int = 10,
    *,
    name: str | None = None,
    barcodes: Iterable[str] | None = None,
    location: str = "",
    safety_stock: int = 0,
    weight_g: int = 100,
) -> dict[str, Any]:
    """One product row with sensible defaults."""
    return {
        "sku": sku,
        "name": name or f"Product {sku}",
        "barcodes": "|".join(barcodes) if barcodes is not None else "",
        "location": location,
        "on_hand": on_hand,
        "safety_stock": safety_stock,
        "weight_g": weight_g,
    }


def products_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A products CSV file."""
    return _csv(PRODUCT_COLUMNS, rows)


def locations_csv(pairs: Iterable[tuple[str, int]]) -> bytes:
    """A locations CSV file: bin code and walk sequence."""
    return _csv(("code", "sequence"), [{"code": c, "sequence": s} for c, s in pairs])


def order_rows(
    order_no: str,
    lines: Iterable[tuple[str, int]],
    *,
    placed_at: str = "2026-11-21T09:00:00+08:00",
    priority: str = "standard",
    payment_status: str = "paid",
    channel: str = "tmall",
    **header: str,
) -> list[dict[str, Any]]:
    """The CSV rows of one order (one row per line), complete address unless overridden."""
    fields = {
        "order_no": order_no,
        "channel": channel,
        "placed_at": placed_at,
        "priority": priority,
        "payment_status": payment_status,
        **ADDRESS,
        **header,
    }
    return [{**fields, "sku": sku, "qty": qty, "note": ""} for sku, qty in lines]


def orders_csv(*orders: Iterable[Mapping[str, Any]]) -> bytes:
    """An orders CSV file from the rows of several orders."""
    return _csv(ORDER_COLUMNS, [row for rows in orders for row in rows])


def orders_json(*orders: list[dict[str, Any]]) -> bytes:
    """An orders JSON file (orders with nested lines) from order_rows() output."""
    records = []
    for rows in orders:
        header = {k: v for k, v in rows[0].items() if k not in ("sku", "qty", "note")}
        header["lines"] = [{"sku": row["sku"], "qty": row["qty"]} for row in rows]
        records.append(header)
    return json.dumps(records, ensure_ascii=False, indent=1).encode()


def _csv(columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue().encode()


def new_store(path: Path) -> Store:
    """A fresh database file on a clock standing at NOW."""
    return open_store(path, FixedClock(NOW))


def table_contents(path_or_store: Path | Store, tables: Iterable[str] = DATA_TABLES) -> dict:
    """Every row of the given tables, for before/after comparisons."""
    if isinstance(path_or_store, Store):
        return {
            table: path_or_store.query(f"SELECT * FROM {table} ORDER BY rowid") for table in tables
        }
    conn = sqlite3.connect(path_or_store)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in tables
        }
    finally:
        conn.close()


def stock(store: Store, sku: str) -> tuple[int, int]:
    """(on_hand, reserved) of a product."""
    row = store.query("SELECT on_hand, reserved FROM products WHERE sku = ?", (sku,))[0]
    return row["on_hand"], row["reserved"]


def status_of(store: Store, order_no: str) -> str:
    """An order's status."""
    return store.scalar("SELECT status FROM orders WHERE order_no = ?", (order_no,))


def problems_of(store: Store, order_no: str) -> list[str]:
    """An order's problem codes, sorted."""
    return sorted(
        row["code"]
        for row in store.query("SELECT code FROM order_problems WHERE order_no = ?", (order_no,))
    )


def add_floor_users(store: Store, role: str, *names: str) -> None:
    """Users of a role without a PIN (cheaper than hashing one in property tests)."""
    with store.write(ADMIN) as write:
        for name in names:
            write.execute(
                "INSERT OR REPLACE INTO users (name, role, active, created_at) VALUES (?,?,1,?)",
                (name, role, write.now),
            )
        write.audit("test.users", ",".join(names))
