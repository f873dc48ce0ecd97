"""Reads behind ``stock reorder|expiring|slow``: shipped units from the stock ledger, free stock
from the products, lots from the stock rows; the arithmetic is in core/stock_reports.py."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from core.clock import to_iso
from core.errors import Rejected
from core.i18n import _
from core.report import local_day
from core.stock import LedgerKind
from core.stock_reports import Freshness, freshness, reorder
from data.stock import _walk
from data.store import Store


def _days(days: int) -> int:
    if days < 1:
        raise Rejected(_("--days must be at least 1"))
    return days


def reorder_report(store: Store, days: int = 30, lead_days: int = 7) -> list[dict[str, Any]]:
    """Per SKU that shipped in the last ``days`` days or keeps safety stock: units shipped,
    per day, free stock (allocatable on hand less reserved), days of cover and the suggested
    purchase quantity; most urgent (least cover) first."""
    since = to_iso(store.clock.now() - timedelta(days=_days(days)))
    with store.read() as conn:
        shipped = {
            row["sku"]: row["units"]
            for row in conn.execute(
                "SELECT sku, -sum(qty) AS units FROM stock_ledger"
                " WHERE kind = ? AND at >= ? GROUP BY sku",
                (LedgerKind.SHIP.value, since),
            )
        }
        products = conn.execute(
            "SELECT sku, on_hand - unpickable - reserved AS free, safety_stock FROM products"
            " ORDER BY sku"
        ).fetchall()
    lines = [
        reorder(p["sku"], shipped.get(p["sku"], 0), days, lead_days, p["free"], p["safety_stock"])
        for p in products
        if p["sku"] in shipped or p["safety_stock"] > 0
    ]
    lines.sort(key=lambda r: (r.cover_days is None, r.cover_days or 0.0, -r.suggested, r.sku))
    return [asdict(line) for line in lines]


def expiring_report(store: Store, days: int = 30) -> list[dict[str, Any]]:
    """Lots with units whose expiry is within ``days`` days (临期) or already past (过期), per
    bin, earliest expiry first."""
    today = local_day(store.clock.now())
    horizon = (today + timedelta(days=_days(days))).isoformat()
    with store.read() as conn:
        records = conn.execute(
            "SELECT s.sku, p.name, s.bin, coalesce(l.kind, 'pick_face') AS kind, s.lot,"
            " s.expiry, s.on_hand, s.reserved FROM stock s"
            " JOIN products p ON p.sku = s.sku LEFT JOIN locations l ON l.code = s.bin"
            " WHERE s.on_hand > 0 AND s.expiry IS NOT NULL AND s.expiry <= ?",
            (horizon,),
        ).fetchall()
        walk = _walk(conn)
    rows = []
    for record in records:
        expiry = date.fromisoformat(record["expiry"])
        state = freshness(expiry, today, days)
        if state is Freshness.FRESH:
            continue
        rows.append(
            {
                **dict(record),
                "days_left": (expiry - today).days,
                "state": state.value,
            }
        )
    rows.sort(key=lambda r: (r["expiry"], r["sku"], walk(r["bin"]), r["lot"]))
    return rows


def slow_report(store: Store, days: int = 90) -> list[dict[str, Any]]:
    """SKUs with units on hand and nothing shipped in the last ``days`` days (滞销品): on hand,
    of it in allocatable bins, and when they last shipped (None: never); most stock first."""
    since = to_iso(store.clock.now() - timedelta(days=_days(days)))
    with store.read() as conn:
        rows = [
            dict(row)
            for row in conn.execute(
                "SELECT p.sku, p.name, p.on_hand, p.on_hand - p.unpickable AS pickable,"
                " (SELECT max(at) FROM stock_ledger e WHERE e.sku = p.sku AND e.kind = ?)"
                " AS last_shipped FROM products p WHERE p.on_hand > 0",
                (LedgerKind.SHIP.value,),
            )
        ]
    slow = [r for r in rows if r["last_shipped"] is None or r["last_shipped"] < since]
    slow.sort(key=lambda r: (-r["on_hand"], r["sku"]))
    return slow
