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
    """A fresh database file on a clock standing at NOW (when ``path`` is no file yet, a copy
    of one migrated once in this process: see tests/templates.py); an existing file is opened."""
    if not path.exists():
        from tests.templates import copy_built

        copy_built(_migrated, path)
    return open_store(path, FixedClock(NOW))


def _migrated(path: Path) -> None:
    open_store(path, FixedClock(NOW)).close()


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


def set_setting(store: Store, key: str, value: str) -> None:
    """Set one site setting, as an admin."""
    from data import settings

    with store.write(ADMIN) as write:
        settings.put(write, key, value)


# -- a small floor of cups and tea (short picks, re-picks) ----------------------------------------

#: Barcodes of the cup and the tea of :func:`cup_and_tea_store`.
CUP_BARCODE = ean13(1)
TEA_BARCODE = ean13(2)


def cup_and_tea_store(path: Path, cups: int, teas: int = 5) -> Store:
    """A fresh file stocking cups (SKU-CUP, pick face A-01) and tea (SKU-TEA, pick face B-01)."""
    from data import catalog

    store = new_store(path)
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", cups, barcodes=[CUP_BARCODE], location="A-01"),
                product("SKU-TEA", teas, barcodes=[TEA_BARCODE], location="B-01"),
            ]
        ),
        "p.csv",
    )
    assert not report.rejected
    return store


# -- a site that prints e-waybills with numbers from 快递鸟 --------------------------------------

#: The sender the e-waybill tests print (the Hangzhou warehouse).
SENDER_SETTINGS = {
    "sender.city": "杭州市",
    "sender.district": "余杭区",
    "sender.address": "仓前街道 1 号",
    "sender.phone": "0571-88886666",
}


def ewaybill_site(store: Store, api_url: str, key: str, fallback: str = "wait") -> None:
    """The sender's address, and carrier JD taking its numbers from the 快递鸟 API at
    ``api_url`` (account E1, month code M1) with ``fallback`` when it does not answer."""
    from data import carriers, settings

    with store.write(ADMIN) as write:
        for name, value in SENDER_SETTINGS.items():
            settings.put(write, name, value)
    carriers.set_api(
        store, ADMIN, "JD", "kdniao", api_url, "E1", key, {"month_code": "M1"}, fallback
    )


# -- shops' orders: a catalog with categories and a product that ships alone --------------------

SHOP_CUP, SHOP_PLATE, SHOP_BOWL, SHOP_SOFA = ean13(11), ean13(12), ean13(13), ean13(14)
#: Barcode of each SKU of :func:`shop_store`.
SHOP_BARCODES = {
    "SKU-CUP": SHOP_CUP,
    "SKU-PLATE": SHOP_PLATE,
    "SKU-BOWL": SHOP_BOWL,
    "SKU-SOFA": SHOP_SOFA,
}
#: The PIN of the picker and the packer of :func:`shop_floor`.
SHOP_PIN = "4821"


def shop_product(sku: str, on_hand: int, bin_code: str, category: str, alone: str = "0") -> dict:
    """A products-file row of :func:`shop_store`'s catalog (category and ships_alone columns)."""
    return {
        "sku": sku,
        "name": sku.lower(),
        "barcodes": SHOP_BARCODES[sku],
        "location": bin_code,
        "on_hand": on_hand,
        "weight_g": 200,
        "category": category,
        "ships_alone": alone,
    }


def shop_catalog_csv(rows: list[dict[str, object]]) -> bytes:
    """A products file with the category and ships_alone columns."""
    columns = ("sku", "name", "barcodes", "location", "on_hand", "weight_g", "category")
    return _csv((*columns, "ships_alone"), rows)


def shop_store(tmp_path: Path) -> Store:
    """Cups and plates in stock, one bowl, sofas that ship alone; categories for each."""
    from data import catalog

    store = new_store(tmp_path / "w.db")
    report = catalog.import_products(
        store,
        ADMIN,
        shop_catalog_csv(
            [
                shop_product("SKU-CUP", 10, "A-01", "日用品"),
                shop_product("SKU-PLATE", 10, "A-02", "日用品"),
                shop_product("SKU-BOWL", 1, "B-01", "日用品"),
                shop_product("SKU-SOFA", 5, "C-01", "家具", alone="1"),
            ]
        ),
        "products.csv",
    )
    assert not report.rejected
    return store


def shop_floor(store: Store) -> Any:
    """The floor of :func:`shop_store`: bench-1 with a dummy printer, picker li.na and packer
    chen.jie (PIN :data:`SHOP_PIN`), and a few waybill numbers of every carrier."""
    from data import carriers, stations, users
    from data.floor import SqliteFloor

    stations.add_station(store, ADMIN, "bench-1", "", "dummy://")
    users.add_user(store, ADMIN, "li.na", "picker", SHOP_PIN)
    users.add_user(store, ADMIN, "chen.jie", "packer", SHOP_PIN)
    for index, code in enumerate(["SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD"], start=1):
        carriers.add_numbers(
            store, ADMIN, code, [f"{code}{n:010d}" for n in range(index * 1000, index * 1000 + 9)]
        )
    return SqliteFloor(store)


def pick_everything(floor: Any) -> None:
    """Li Na picks every released list of :func:`shop_floor`, each into its own tote."""
    picker = floor.login("li.na", SHOP_PIN, "hh-1")
    tote = 40
    while (view := floor.claim_next_pick(picker)) is not None:
        tote += 1
        floor.pick_scan(picker, view.picklist_id, f"T:{tote:04d}", "wedge")
        while view.current is not None:
            code = SHOP_BARCODES[view.current.sku]
            outcome = floor.pick_scan(picker, view.picklist_id, code, "wedge")
            assert outcome.accepted, outcome.message
            assert outcome.view is not None
            view = outcome.view
