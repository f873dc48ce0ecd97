"""Reads behind ``stock reorder|expiring|slow|replenish``: shipped units from the stock ledger,
free stock from the products, lots from the stock rows; the arithmetic and the decisions are in
core/stock_reports.py. ``replenish`` saves its move through :func:`data.stock.save_movements`."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

from core import stock as stock_rules
from core.clock import local_day, to_iso
from core.errors import Rejected
from core.i18n import _
from core.roles import Permission
from core.stock import BinKind, LedgerKind
from core.stock_reports import Freshness, Replenishment, freshness, reorder, replenishment
from data.stock import Document, _walk, bin_limits_of, rows_of, save_movements, sku_rows
from data.store import Actor, Store


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


def _replenishments(conn: sqlite3.Connection, today: date) -> list[Replenishment]:
    faces = {
        r["code"]: (r["min_units"], r["max_units"])
        for r in conn.execute(
            "SELECT code, min_units, max_units FROM locations"
            " WHERE kind = ? AND min_units IS NOT NULL",
            (BinKind.PICK_FACE.value,),
        )
    }
    if not faces:
        return []
    units: dict[tuple[str, str], int] = {}
    codes = sorted(faces)
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT location AS bin, sku FROM products WHERE location IN ({marks})", chunk
        ):
            units.setdefault((r["bin"], r["sku"]), 0)
        for r in conn.execute(
            f"SELECT bin, sku, sum(on_hand) AS units FROM stock WHERE bin IN ({marks})"
            " GROUP BY bin, sku",
            chunk,
        ):
            units[(r["bin"], r["sku"])] = r["units"]
    skus = {sku for _face, sku in units}
    rows = rows_of(conn, skus)
    shelf = {
        r["sku"]: r["shelf_days"]
        for r in conn.execute("SELECT sku, shelf_days FROM products")
        if r["sku"] in skus
    }
    walk = _walk(conn)
    found = []
    for (face, sku), held in sorted(units.items(), key=lambda i: (walk(i[0][0]), i[0][1])):
        reserve = sorted(rows.get(sku, []), key=lambda row: (walk(row.bin), row.lot))
        low, high = faces[face]
        decision = replenishment(face, sku, held, low, high, reserve, today, shelf.get(sku, 0))
        if decision is not None:
            found.append(decision)
    return found


def _as_dict(task: Replenishment) -> dict[str, Any]:
    return {"id": task.id, **asdict(task)}


def replenish_list(store: Store) -> list[dict[str, Any]]:
    """Pick faces below their minimum while a reserve bin holds the SKU, with the move proposed
    (from the reserve bin, up to the face's maximum), in walk order of the faces."""
    today = local_day(store.clock.now())
    with store.read() as conn:
        return [_as_dict(task) for task in _replenishments(conn, today)]


def replenish(store: Store, actor: Actor, task_id: str, qty: int | None = None) -> dict[str, Any]:
    """Do the replenishment ``task_id`` (``FACE:SKU``) as it stands now: two ``move`` ledger
    entries from the reserve bin to the pick face, document ``move``, reason ``replenishment``.
    ``qty`` (the units scanned on the handheld) may be fewer than proposed, never more."""
    today = local_day(store.clock.now())
    with store.write(actor) as write:
        write.require(Permission.REPLENISH)
        task = next((t for t in _replenishments(write.conn, today) if t.id == task_id), None)
        if task is None:
            raise Rejected(
                _("no replenishment {id} is waiting (stock replenish lists those that are)").format(
                    id=task_id
                )
            )
        if qty is not None:
            if not 0 < qty <= task.qty:
                raise Rejected(
                    _("replenish {face} with 1 to {most} units of {sku}, not {qty}").format(
                        face=task.face, most=task.qty, sku=task.sku, qty=qty
                    )
                )
            task = replace(task, qty=qty)
        rows = sku_rows(write.conn, task.sku)
        source = next(r for r in rows if r.bin == task.source and r.lot == task.lot)
        reserved = write.execute(
            "SELECT reserved FROM products WHERE sku = ?", (task.sku,)
        ).fetchone()["reserved"]
        movements = stock_rules.move(rows, source, task.face, BinKind.PICK_FACE, task.qty, reserved)
        move_id = write.execute("SELECT coalesce(max(id), 0) + 1 FROM stock_ledger").fetchone()[0]
        save_movements(write, movements, Document("move", str(move_id), "replenishment"))
        write.audit(
            "stock.replenish",
            task.sku,
            source=task.source,
            target=task.face,
            qty=task.qty,
            lot=task.lot,
        )
    return {**_as_dict(task), "move": move_id}


def set_bin_min(store: Store, actor: Actor, code: str, min_units: int | None) -> dict[str, Any]:
    """A pick face's minimum (below it a replenishment is proposed); None: no minimum."""
    code = stock_rules.bin_code(code)
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        kind, _min, max_units = bin_limits_of(write.conn, code)
        stock_rules.bin_limits(code, kind, min_units, max_units)
        write.execute(
            "INSERT INTO locations (code, min_units) VALUES (?, ?)"
            " ON CONFLICT (code) DO UPDATE SET min_units = excluded.min_units",
            (code, min_units),
        )
        write.audit("bin.min", code, min_units=min_units)
    return {"bin": code, "min_units": min_units}
