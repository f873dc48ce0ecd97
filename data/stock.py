"""Stock rows and the stock ledger (库存流水): loading rows for the rules in core/stock.py and
saving the movements they decide. :func:`save_movements` is the one writer of ``stock`` rows,
``stock_ledger`` entries and ``products.on_hand``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core import stock as rules
from core.errors import NotFound, Rejected
from core.i18n import _
from core.locations import walk_key
from core.roles import Permission
from core.stock import BinKind, Key, Movement, SkuTotals, StockProblem, StockRow
from data.store import Actor, Store, Write

_ROW_SQL = (
    "SELECT s.sku, s.bin, s.lot, s.expiry, s.on_hand, s.reserved,"
    " coalesce(l.kind, 'pick_face') AS kind FROM stock s LEFT JOIN locations l ON l.code = s.bin"
)


@dataclass(frozen=True)
class Document:
    """What a ledger entry belongs to (an order, a receipt, a count, a move, an import) and why."""

    doc_type: str
    doc_id: str = ""
    reason: str = ""


def _row(record: Any) -> StockRow:
    return StockRow(
        sku=record["sku"],
        bin=record["bin"],
        lot=record["lot"],
        expiry=date.fromisoformat(record["expiry"]) if record["expiry"] else None,
        on_hand=record["on_hand"],
        reserved=record["reserved"],
        kind=BinKind(record["kind"]),
    )


def sku_rows(conn: sqlite3.Connection, sku: str) -> list[StockRow]:
    """Every stock row of a SKU."""
    return [_row(r) for r in conn.execute(f"{_ROW_SQL} WHERE s.sku = ?", (sku,))]


def rows_of(conn: sqlite3.Connection, skus: Iterable[str]) -> dict[str, list[StockRow]]:
    """Stock rows of several SKUs, by SKU."""
    wanted = sorted(set(skus))
    found: dict[str, list[StockRow]] = {sku: [] for sku in wanted}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for record in conn.execute(
            f"{_ROW_SQL} WHERE s.sku IN ({','.join('?' * len(chunk))})", chunk
        ):
            found[record["sku"]].append(_row(record))
    return found


def shelf_days(conn: Any, skus: Sequence[str]) -> dict[str, int]:
    """Each product's do-not-ship window (days before expiry), where it has one."""
    found: dict[str, int] = {}
    for start in range(0, len(skus), 500):
        chunk = skus[start : start + 500]
        found.update(
            (row["sku"], row["shelf_days"])
            for row in conn.execute(
                "SELECT sku, shelf_days FROM products WHERE shelf_days > 0"
                f" AND sku IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return found


def bin_kind(conn: sqlite3.Connection, code: str) -> BinKind:
    """The kind of a bin (a bin never described is a pick face)."""
    row = conn.execute("SELECT kind FROM locations WHERE code = ?", (code,)).fetchone()
    return BinKind(row["kind"]) if row else BinKind.PICK_FACE


def bin_limits_of(conn: sqlite3.Connection, code: str) -> tuple[BinKind, int | None, int | None]:
    """A bin's kind, minimum and maximum (a bin never described: a pick face without limits)."""
    row = conn.execute(
        "SELECT kind, min_units, max_units FROM locations WHERE code = ?", (code,)
    ).fetchone()
    if row is None:
        return BinKind.PICK_FACE, None, None
    return BinKind(row["kind"]), row["min_units"], row["max_units"]


#: Up to this many rows a movement touches are read one by one (cached statements); more
#: (an import's chunk) are read by SKU, 500 at a time.
_FEW = 8


def _rows_at(conn: sqlite3.Connection, keys: Sequence[Key]) -> dict[Key, StockRow]:
    """The stored rows among ``keys``."""
    if len(keys) <= _FEW:
        found = {}
        for key in keys:
            record = conn.execute(
                f"{_ROW_SQL} WHERE s.sku = ? AND s.bin = ? AND s.lot = ?", key
            ).fetchone()
            if record is not None:
                found[key] = _row(record)
        return found
    wanted = set(keys)
    return {
        row.key: row
        for rows in rows_of(conn, {key[0] for key in keys}).values()
        for row in rows
        if row.key in wanted
    }


def _bin_kinds(conn: sqlite3.Connection, codes: Iterable[str]) -> dict[str, BinKind]:
    """The kind of each bin (see :func:`bin_kind`)."""
    wanted = sorted(set(codes))
    if len(wanted) <= _FEW:
        return {code: bin_kind(conn, code) for code in wanted}
    kinds = dict.fromkeys(wanted, BinKind.PICK_FACE)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for record in conn.execute(
            f"SELECT code, kind FROM locations WHERE code IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            kinds[record["code"]] = BinKind(record["kind"])
    return kinds


def save_movements(write: Write, movements: Sequence[Movement], document: Document) -> None:
    """Save what a stock rule decided, in the caller's transaction: each row's on hand and
    reserved, one ledger entry per on-hand change (with who, where, when, why and the document),
    and the product's total on hand. The rows are checked again by the rules first, so a
    movement that would break them (negative stock, more reserved than on hand) is refused
    (StockRefused) and the caller's transaction rolls back. Many movements (an import's
    chunk) are saved with one statement per table."""
    if not movements:
        return
    keys = list(dict.fromkeys(m.key for m in movements))
    before = _rows_at(write.conn, keys)
    new = [key for key in keys if key not in before]
    kinds = _bin_kinds(write.conn, {bin_code for _sku, bin_code, _lot in new})
    # a new row takes the expiry its first movement carries (the lot's)
    expiries: dict[Key, date | None] = {}
    for m in movements:
        expiries.setdefault(m.key, m.expiry)
    for sku, bin_code, lot in new:
        before[(sku, bin_code, lot)] = StockRow(
            sku, bin_code, lot, expiries[(sku, bin_code, lot)], kind=kinds[bin_code]
        )
    after = rules.apply(before, movements)
    write.conn.executemany(
        "INSERT INTO stock (sku, bin, lot, expiry, on_hand, reserved, updated_at)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT (sku, bin, lot) DO UPDATE SET"
        " on_hand = excluded.on_hand, reserved = excluded.reserved,"
        " expiry = coalesce(stock.expiry, excluded.expiry), updated_at = excluded.updated_at",
        [
            (*key, _iso(after[key].expiry), after[key].on_hand, after[key].reserved, write.now)
            for key in keys
        ],
    )
    entries = [m for m in movements if m.qty]
    write.conn.executemany(
        "INSERT INTO stock_ledger (at, user, station, kind, sku, bin, lot, expiry, qty, reason,"
        " doc_type, doc_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                write.now,
                write.actor.user,
                write.actor.station,
                m.kind.value,
                m.sku,
                m.bin,
                m.lot,
                _iso(m.expiry),
                m.qty,
                document.reason,
                document.doc_type,
                document.doc_id,
            )
            for m in entries
        ],
    )
    totals: dict[str, list[int]] = {}
    for m in entries:
        total = totals.setdefault(m.sku, [0, 0])
        total[0] += m.qty
        if after[m.key].kind not in rules.ALLOCATABLE:
            total[1] += m.qty
    write.conn.executemany(
        "UPDATE products SET on_hand = on_hand + ?, unpickable = unpickable + ?,"
        " updated_at = ? WHERE sku = ?",
        [
            (qty, unpickable, write.now, sku)
            for sku, (qty, unpickable) in totals.items()
            if qty or unpickable
        ],
    )


def _walk(conn: sqlite3.Connection) -> Any:
    sequences = {
        r["code"]: r["sequence"]
        for r in conn.execute("SELECT code, sequence FROM locations WHERE sequence IS NOT NULL")
    }
    return lambda code: walk_key(code, sequences)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# -- what the floor's services call ------------------------------------------------------------


def draw_for_line(
    write: Write,
    rows: dict[str, list[StockRow]],
    sku: str,
    qty: int,
    walk_key: Any,
) -> tuple[list[Movement], int]:
    """Reserve a pick line's units in the bins it will draw on (in ``rows``, updated in place
    so the next line of the wave sees what is left); returns the movements and the units no
    bin could give. The movements are not saved yet."""
    shelf = write.execute("SELECT shelf_days FROM products WHERE sku = ?", (sku,)).fetchone()
    today = rules.expiry_day(write.now)
    movements, left = rules.draw(
        rows.get(sku, []), qty, walk_key, today, shelf["shelf_days"] if shelf else 0
    )
    if movements:
        by_key = {row.key: row for row in rows.get(sku, [])}
        after = rules.apply(by_key, movements)
        rows[sku] = list(after.values())
    return movements, left


def order_picks(write: Write, order_no: str, picked_only: bool) -> list[tuple[Key, int]]:
    """The units an order's pick lines hold in each stock row: what it picked (``picked_only``)
    or everything on its lines (picked and still to pick)."""
    column = "s.picked" if picked_only else "s.qty"
    return [
        ((r["sku"], r["location"], r["lot"]), r["n"])
        for r in write.execute(
            f"SELECT l.sku, l.location, l.lot, sum({column}) AS n FROM pick_shares s"
            " JOIN pick_lines l ON l.id = s.pick_line_id WHERE s.order_no = ?"
            " GROUP BY l.sku, l.location, l.lot",
            (order_no,),
        )
        if r["n"]
    ]


def _rows_by_key(write: Write, skus: Iterable[str]) -> dict[Key, StockRow]:
    return {row.key: row for rows in rows_of(write.conn, skus).values() for row in rows}


def ship_order(write: Write, order_no: str) -> None:
    """An order's picked units leave their bins (ship entries) with their reservations."""
    picks = order_picks(write, order_no, picked_only=True)
    reserved = order_picks(write, order_no, picked_only=False)
    rows = _rows_by_key(write, {key[0] for key, _n in reserved})
    save_movements(write, rules.ship(rows, picks, reserved), Document("order", order_no))


def release_order(write: Write, order_no: str) -> None:
    """Reservations of a cancelled order's pick lines given back to their bins."""
    promised = order_picks(write, order_no, picked_only=False)
    rows = _rows_by_key(write, {key[0] for key, _n in promised})
    save_movements(write, rules.release(rows, promised), Document("order", order_no))


def release_line(write: Write, sku: str, bin_code: str, lot: str, qty: int, order_no: str) -> None:
    """Units a short pick leaves unpicked are no longer reserved in the bin."""
    rows = _rows_by_key(write, [sku])
    save_movements(
        write, rules.release(rows, [((sku, bin_code, lot), qty)]), Document("order", order_no)
    )


def move_stock(
    store: Store,
    actor: Actor,
    sku: str,
    from_bin: str,
    to_bin: str,
    qty: int,
    reason: str,
    lot: str = "",
) -> dict[str, Any]:
    """Move free units of a SKU from one bin to another (two move entries, one document)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the stock moves (--reason)"))
    from_bin, to_bin = from_bin.strip().upper(), rules.bin_code(to_bin)
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        product = write.execute("SELECT reserved FROM products WHERE sku = ?", (sku,)).fetchone()
        if product is None:
            raise NotFound(_("no product {sku}").format(sku=sku))
        rows = sku_rows(write.conn, sku)
        source = next((r for r in rows if r.bin == from_bin and r.lot == lot), None)
        if source is None:
            raise Rejected(_("bin {bin} holds no {sku}").format(bin=from_bin or "—", sku=sku))
        write.execute(
            "INSERT INTO locations (code) VALUES (?) ON CONFLICT (code) DO NOTHING", (to_bin,)
        )
        movements = rules.move(
            rows, source, to_bin, bin_kind(write.conn, to_bin), qty, product["reserved"]
        )
        # a move is known by the id of its first ledger entry
        move_id = write.execute("SELECT coalesce(max(id), 0) + 1 FROM stock_ledger").fetchone()[0]
        save_movements(write, movements, Document("move", str(move_id), reason))
        write.audit(
            "stock.move", sku, source=from_bin, target=to_bin, qty=qty, lot=lot, reason=reason
        )
    return {"sku": sku, "from": from_bin, "to": to_bin, "qty": qty, "lot": lot, "move": move_id}


def set_bin_kind(store: Store, actor: Actor, code: str, kind: str) -> dict[str, Any]:
    """Say what a bin is for (pick face, reserve, receiving, returns, damaged); refused when
    its stock is promised to orders and the new kind may not be picked from."""
    code = rules.bin_code(code)
    try:
        wanted = BinKind(kind.strip().lower())
    except ValueError:
        raise Rejected(
            _("unknown bin kind {kind!r}; use one of {known}").format(
                kind=kind, known=", ".join(k.value for k in BinKind)
            )
        ) from None
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        before = change_bin_kind(write, code, wanted)
    return {"bin": code, "kind": wanted.value, "before": before.value}


def change_bin_kind(write: Write, code: str, wanted: BinKind) -> BinKind:
    """Make bin ``code`` a ``wanted`` bin in the caller's write (see :func:`set_bin_kind`);
    returns its kind before. Refused (StockRefused) before anything is written."""
    skus = [
        r["sku"] for r in write.execute("SELECT DISTINCT sku FROM stock WHERE bin = ?", (code,))
    ]
    rows = [row for rows in rows_of(write.conn, skus).values() for row in rows]
    reserved = {
        r["sku"]: r["reserved"]
        for r in write.execute(
            f"SELECT sku, reserved FROM products WHERE sku IN ({','.join('?' * len(skus))})",
            skus,
        )
    }
    rules.change_kind(code, wanted, rows, reserved)
    before = bin_kind(write.conn, code)
    write.execute(
        "INSERT INTO locations (code, kind) VALUES (?, ?)"
        " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind",
        (code, wanted.value),
    )
    # the products' units in bins not picked from follow the bin's new kind
    for sku in skus:
        unpickable = sum(
            row.on_hand for row in sku_rows(write.conn, sku) if row.kind not in rules.ALLOCATABLE
        )
        write.execute("UPDATE products SET unpickable = ? WHERE sku = ?", (unpickable, sku))
    write.audit("bin.kind", code, before=before.value, after=wanted.value)
    return before


# -- looking -----------------------------------------------------------------------------------


def check_stock(conn: sqlite3.Connection) -> list[StockProblem]:
    """Everything wrong with the stock of a whole file (empty when it is true): the invariant
    ``stock check`` reports and the tests assert."""
    rows = [_row(r) for r in conn.execute(_ROW_SQL)]
    ledger: dict[Key, int] = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute(
            "SELECT sku, bin, lot, sum(qty) FROM stock_ledger GROUP BY sku, bin, lot"
        )
    }
    products = {
        r[0]: SkuTotals(r[1], r[2], r[3])
        for r in conn.execute("SELECT sku, on_hand, reserved, unpickable FROM products")
    }
    return rules.check(rows, ledger, products)


def stock_check(store: Store) -> list[StockProblem]:
    """:func:`check_stock` over one consistent snapshot of the store."""
    with store.read() as conn:
        return check_stock(conn)


def list_bins(store: Store, sku: str | None = None) -> list[dict[str, Any]]:
    """Stock rows (with units), by SKU then walk order of their bins."""
    where, parameters = ("WHERE s.sku = ?", [sku]) if sku else ("WHERE s.on_hand > 0", [])
    with store.read() as conn:
        rows = [
            {**dict(r), "free": r["on_hand"] - r["reserved"]}
            for r in conn.execute(f"{_ROW_SQL} {where}", parameters)
        ]
        walk = _walk(conn)
    rows.sort(key=lambda r: (r["sku"], walk(r["bin"]), r["lot"]))
    return rows


def list_ledger(
    store: Store,
    sku: str | None = None,
    bin_code: str | None = None,
    doc: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Ledger entries, newest first; ``doc`` is ``TYPE:ID`` or a bare document id."""
    clauses, parameters = [], []
    if sku:
        clauses.append("sku = ?")
        parameters.append(sku)
    if bin_code:
        clauses.append("bin = ?")
        parameters.append(bin_code.strip().upper())
    if doc:
        doc_type, _sep, doc_id = doc.rpartition(":")
        if doc_type:
            clauses.append("doc_type = ? AND doc_id = ?")
            parameters += [doc_type, doc_id]
        else:
            clauses.append("doc_id = ?")
            parameters.append(doc_id)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query(
        "SELECT id, at, user, station, kind, sku, bin, lot, expiry, qty, reason, doc_type, doc_id"
        f" FROM stock_ledger {where} ORDER BY id DESC LIMIT ?",
        [*parameters, limit],
    )
