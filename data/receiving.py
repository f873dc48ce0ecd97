"""Receipts (入库), put-away (上架) and cycle counts (盘点): loading what the rules in
core/receiving.py need and saving what they decide (stock only through
:func:`data.stock.save_movements`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from core import receiving as rules
from core import stock as stock_rules
from core import totes
from core.codes import CodeKind, CodePrefixes, parse_scan
from core.errors import NotFound, Rejected
from core.i18n import _
from core.locations import walk_key
from core.model import ImportReport
from core.receiving import BinInfo, CountKey
from core.roles import Permission
from core.stock import BinKind, StockRow, bin_code, bin_limits
from data import settings
from data.catalog import sku_for_code
from data.orders import retry_backorders
from data.stock import (
    Document,
    _walk,
    bin_kind,
    bin_limits_of,
    rows_of,
    save_movements,
    sku_rows,
)
from data.store import Actor, Store, Write

# -- receipts ----------------------------------------------------------------------------------


def import_receipts(store: Store, actor: Actor, path: Path) -> ImportReport:
    """Receipts from a file; a receipt number already known is skipped (importing the same file
    twice changes nothing), a SKU not in the catalog rejects its receipt."""
    report = ImportReport(kind="receipts")
    opener: Callable[[], IO[bytes]] = lambda: path.open("rb")  # noqa: E731
    drafts: list[rules.ReceiptDraft] = []
    for item in rules.read_receipts(opener, path.name):
        if isinstance(item, rules.ReceiptDraft):
            drafts.append(item)
        else:
            report.rejected.append(item)
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        for draft in drafts:
            if write.execute(
                "SELECT 1 FROM receipts WHERE receipt_no = ?", (draft.receipt_no,)
            ).fetchone():
                from core.model import Skipped

                report.skipped.append(
                    Skipped(
                        draft.lines[0].source_line,
                        draft.receipt_no,
                        _("receipt already imported"),
                    )
                )
                continue
            unknown = [
                line
                for line in draft.lines
                if not write.execute("SELECT 1 FROM products WHERE sku = ?", (line.sku,)).fetchone()
            ]
            if unknown:
                from core.model import Rejection

                for line in unknown:
                    report.rejected.append(
                        Rejection(
                            line.source_line,
                            draft.receipt_no,
                            _("no product {sku} in the catalog").format(sku=line.sku),
                        )
                    )
                continue
            write.execute(
                "INSERT INTO receipts (receipt_no, supplier, created_at) VALUES (?,?,?)",
                (draft.receipt_no, draft.supplier, write.now),
            )
            write.conn.executemany(
                "INSERT INTO receipt_lines (receipt_no, sku, expected, lot, expiry, source_line)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (
                        draft.receipt_no,
                        line.sku,
                        line.qty,
                        line.lot,
                        line.expiry.isoformat() if line.expiry else None,
                        line.source_line,
                    )
                    for line in draft.lines
                ],
            )
            report.stored.append(draft.receipt_no)
        write.audit(
            "receipts.import",
            path.name,
            stored=len(report.stored),
            skipped=len(report.skipped),
            rejected=len(report.rejected),
        )
    return report


def open_blind(store: Store, actor: Actor, receipt_no: str, supplier: str = "") -> dict[str, Any]:
    """Open a blind receipt (no lines expected: any product of the catalog is taken)."""
    receipt_no = " ".join(receipt_no.split())
    if not receipt_no or not receipt_no.isprintable() or len(receipt_no) > 64:
        raise Rejected(_("give the receipt a number (printable, at most 64 characters)"))
    with store.write(actor) as write:
        write.require(Permission.RECEIVE)
        if write.execute("SELECT 1 FROM receipts WHERE receipt_no = ?", (receipt_no,)).fetchone():
            raise Rejected(_("receipt {receipt} exists already").format(receipt=receipt_no))
        write.execute(
            "INSERT INTO receipts (receipt_no, supplier, blind, created_at) VALUES (?,?,1,?)",
            (receipt_no, supplier.strip(), write.now),
        )
        write.audit("receipt.open", receipt_no, blind=True)
    return {"receipt_no": receipt_no, "blind": True}


def _receipt(conn: sqlite3.Connection, receipt_no: str) -> Any:
    row = conn.execute("SELECT * FROM receipts WHERE receipt_no = ?", (receipt_no,)).fetchone()
    if row is None:
        raise NotFound(_("no receipt {receipt}").format(receipt=receipt_no))
    return row


def _expected(conn: sqlite3.Connection, receipt: Any) -> dict[str, int] | None:
    if receipt["blind"]:
        return None
    expected: dict[str, int] = {}
    for r in conn.execute(
        "SELECT sku, expected FROM receipt_lines WHERE receipt_no = ?", (receipt["receipt_no"],)
    ):
        expected[r["sku"]] = expected.get(r["sku"], 0) + r["expected"]
    return expected


def _received(conn: sqlite3.Connection, receipt_no: str) -> dict[str, int]:
    return {
        r["sku"]: r["n"]
        for r in conn.execute(
            "SELECT sku, sum(qty) AS n FROM receipt_units WHERE receipt_no = ?"
            " AND verdict = 'accepted' GROUP BY sku",
            (receipt_no,),
        )
    }


def receive_unit(
    store: Store,
    actor: Actor,
    receipt_no: str,
    code: str,
    qty: int = 1,
    lot: str = "",
    expiry: date | None = None,
    tote: str = "",
) -> dict[str, Any]:
    """Receive ``qty`` units scanned as ``code`` (a barcode, SKU label or SKU; a GS1 code's
    lot (AI 10) and expiry (AI 17) fill ``lot`` and ``expiry``), into ``tote`` when one is
    given (a tote's value, without its prefix). A refused unit is recorded with its reason,
    then refused loudly (Rejected)."""
    tote = tote_value(tote)
    prefixes = settings.prefixes(store)
    scanned = parse_scan(code.strip(), settings.prefixes(store))
    lot = (scanned.batch or lot).strip()
    expiry = scanned.expiry or expiry
    if len(lot) > 64 or not lot.isprintable():
        raise Rejected(_("a lot is printable text of at most 64 characters"))
    with store.write(actor) as write:
        write.require(Permission.RECEIVE)
        receipt = _receipt(write.conn, receipt_no)
        if receipt["status"] != "open":
            raise Rejected(_("receipt {receipt} is closed").format(receipt=receipt_no))
        if tote:
            refusal = totes.receiving_refusal(
                prefixes.tote + tote, picking_list(write.conn, prefixes, tote)
            )
            if refusal:
                raise Rejected(refusal)
        sku = sku_for_code(write.conn, scanned) if scanned.kind is CodeKind.PRODUCT else None
        product = (
            write.execute("SELECT lot_tracked FROM products WHERE sku = ?", (sku,)).fetchone()
            if sku
            else None
        )
        verdict = rules.judge_unit(
            sku,
            qty,
            lot,
            expiry,
            code=scanned.display,
            lot_tracked=bool(product and product["lot_tracked"]),
            expected=_expected(write.conn, receipt),
            received=_received(write.conn, receipt_no),
            today=stock_rules.expiry_day(write.now),
        )
        write.execute(
            "INSERT INTO receipt_units (receipt_no, at, user, station, code, sku, lot, expiry,"
            " qty, verdict, reason, tote) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                receipt_no,
                write.now,
                actor.user,
                actor.station,
                scanned.display[:200],
                sku or "",
                lot,
                expiry.isoformat() if expiry else None,
                qty,
                "accepted" if verdict.accepted else "refused",
                verdict.code,
                tote if verdict.accepted else "",
            ),
        )
        write.audit(
            "receipt.unit",
            receipt_no,
            sku=sku,
            qty=qty,
            lot=lot,
            verdict="accepted" if verdict.accepted else verdict.code,
            tote=tote or None,
        )
    if not verdict.accepted:
        raise Rejected(verdict.reason)
    return {"receipt_no": receipt_no, "sku": sku, "qty": qty, "lot": lot, "expiry": expiry}


def close_receipt(store: Store, actor: Actor, receipt_no: str) -> dict[str, Any]:
    """Close a receipt: its accepted units are booked into the receiving dock (receive
    entries, document ``receipt``) and each SKU is reported short or over."""
    dock = settings.get(store, "receiving.dock").strip().upper() or "DOCK"
    with store.write(actor) as write:
        write.require(Permission.RECEIVE)
        receipt = _receipt(write.conn, receipt_no)
        if receipt["status"] != "open":
            raise Rejected(_("receipt {receipt} is closed").format(receipt=receipt_no))
        received = [
            (
                r["sku"],
                r["lot"],
                date.fromisoformat(r["expiry"]) if r["expiry"] else None,
                r["n"],
            )
            for r in write.execute(
                "SELECT sku, lot, min(expiry) AS expiry, sum(qty) AS n FROM receipt_units"
                " WHERE receipt_no = ? AND verdict = 'accepted' GROUP BY sku, lot ORDER BY sku, lot",
                (receipt_no,),
            )
        ]
        movements, outcomes = rules.close_receipt(
            _expected(write.conn, receipt) or {}, received, dock
        )
        write.execute(
            "INSERT INTO locations (code, kind) VALUES (?, 'receiving') ON CONFLICT (code) DO NOTHING",
            (dock,),
        )
        save_movements(write, movements, Document("receipt", receipt_no))
        write.execute(
            "UPDATE receipts SET status = 'closed', closed_at = ?, dock = ? WHERE receipt_no = ?",
            (write.now, dock, receipt_no),
        )
        write.audit(
            "receipt.close",
            receipt_no,
            units=sum(m.qty for m in movements),
            short=sum(-o.difference for o in outcomes if o.difference < 0),
            over=sum(o.difference for o in outcomes if o.difference > 0),
        )
    return {
        "receipt_no": receipt_no,
        "dock": dock,
        "lines": [
            {
                "sku": o.sku,
                "expected": o.expected,
                "received": o.received,
                "short": max(0, -o.difference),
                "over": max(0, o.difference),
            }
            for o in outcomes
        ],
    }


def list_receipts(store: Store) -> list[dict[str, Any]]:
    """Receipts, newest first, with units expected and received."""
    return store.query(
        "SELECT r.receipt_no, r.supplier, r.blind, r.status, r.created_at, r.closed_at,"
        " (SELECT coalesce(sum(expected), 0) FROM receipt_lines l"
        "  WHERE l.receipt_no = r.receipt_no) AS expected,"
        " (SELECT coalesce(sum(qty), 0) FROM receipt_units u WHERE u.receipt_no = r.receipt_no"
        "  AND u.verdict = 'accepted') AS received"
        " FROM receipts r ORDER BY r.created_at DESC, r.receipt_no"
    )


def show_receipt(store: Store, receipt_no: str) -> dict[str, Any]:
    """A receipt with its lines (expected, received) and every unit scanned (refusals too)."""
    with store.read() as conn:
        receipt = dict(_receipt(conn, receipt_no))
        received = _received(conn, receipt_no)
        receipt["lines"] = [
            {**dict(r), "received": received.get(r["sku"], 0)}
            for r in conn.execute(
                "SELECT sku, lot, expiry, expected FROM receipt_lines WHERE receipt_no = ?"
                " ORDER BY source_line, sku",
                (receipt_no,),
            )
        ]
        receipt["units"] = [
            dict(r)
            for r in conn.execute(
                "SELECT id, at, user, station, code, sku, lot, expiry, qty, verdict, reason, tote"
                " FROM receipt_units WHERE receipt_no = ? ORDER BY id",
                (receipt_no,),
            )
        ]
    return receipt


# -- put-away ----------------------------------------------------------------------------------


def _bins(conn: sqlite3.Connection, sku: str) -> list[BinInfo]:
    """The bins a put-away of ``sku`` may be proposed, in walk order: those holding a row of
    the SKU, and the reserve bins (``core.receiving.propose_bin`` looks at no others), read by
    index rather than every bin of the warehouse."""
    codes = {r["bin"] for r in conn.execute("SELECT DISTINCT bin FROM stock WHERE sku = ?", (sku,))}
    codes |= {
        r["code"]
        for r in conn.execute("SELECT code FROM locations WHERE kind = ?", (BinKind.RESERVE.value,))
    }
    wanted = sorted(codes | {code.upper() for code in codes})
    described: list[Any] = []
    units: dict[str, int] = {}
    sequences: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        units.update(
            (r["bin"], r["n"])
            for r in conn.execute(
                f"SELECT bin, sum(on_hand) AS n FROM stock WHERE bin IN ({marks}) GROUP BY bin",
                chunk,
            )
        )
        for r in conn.execute(
            f"SELECT code, kind, max_units, sequence FROM locations WHERE code IN ({marks})", chunk
        ):
            if r["sequence"] is not None:
                sequences[r["code"]] = r["sequence"]
            if r["code"] in codes:
                described.append(r)
    found = [
        BinInfo(r["code"], BinKind(r["kind"]), r["max_units"], units.get(r["code"], 0))
        for r in described
    ]
    return sorted(found, key=lambda b: walk_key(b.code, sequences))


def _parked(conn: sqlite3.Connection, sku: str) -> dict[str, int]:
    """Units of ``sku`` per bin kept for unidentified parcels (无信息件): not put away."""
    return {
        r["bin"]: int(r["n"])
        for r in conn.execute(
            "SELECT u.bin, sum(u.qty) AS n FROM return_units u JOIN returns r"
            " ON r.id = u.return_id WHERE r.status = 'unidentified' AND u.sku = ?"
            " GROUP BY u.bin",
            (sku,),
        )
    }


def _source_row(
    conn: sqlite3.Connection, dock: str, sku: str, lot: str | None, from_bin: str | None
) -> StockRow:
    from core.stock import bin_code

    return rules.putaway_source(
        sku_rows(conn, sku),
        sku,
        dock,
        lot,
        bin_code(from_bin) if from_bin else None,
        _parked(conn, sku),
    )


def propose_putaway(
    store: Store, sku: str, qty: int, lot: str | None = None, from_bin: str | None = None
) -> dict[str, Any]:
    """Where units of a SKU waiting for put-away should go (see core.receiving.propose_bin):
    units at the receiving dock, or good returned units in a returns bin (``from_bin`` names
    the bin they come from; without it the dock first, then the returns bins)."""
    dock = settings.get(store, "receiving.dock").strip().upper() or "DOCK"
    with store.read() as conn:
        source = _source_row(conn, dock, sku, lot, from_bin)
        proposal = rules.propose_bin(sku, sku_rows(conn, sku), _bins(conn, sku), qty)
    return {
        "sku": sku,
        "lot": source.lot,
        "qty": qty,
        "from": source.bin,
        "waiting": source.free,
        "proposed": proposal,
    }


def put_away(
    store: Store,
    actor: Actor,
    sku: str,
    qty: int,
    to_bin: str,
    lot: str | None = None,
    from_bin: str | None = None,
    tote: str = "",
) -> dict[str, Any]:
    """Put units away from the dock (or a returns bin: ``from_bin``, else the dock first, then
    the returns bins) to ``to_bin`` (put_away entries, document ``putaway``); a bin other than
    the proposed one is allowed and recorded. Backordered orders the stock now covers are
    allocated in the same transaction."""
    from core.stock import bin_code

    to_bin = bin_code(to_bin)
    dock = settings.get(store, "receiving.dock").strip().upper() or "DOCK"
    prefixes = settings.prefixes(store)
    with store.write(actor) as write:
        write.require(Permission.RECEIVE)
        source = _source_row(write.conn, dock, sku, lot, from_bin)
        proposal = rules.propose_bin(sku, sku_rows(write.conn, sku), _bins(write.conn, sku), qty)
        tote = tote_value(tote)
        if tote:
            held = _tote_lines(write.conn, dock, tote)
            refusal = totes.putaway_refusal(
                prefixes.tote + tote, picking_list(write.conn, prefixes, tote), held
            ) or totes.putaway_take(held, sku, source.lot, qty)
            if refusal:
                raise Rejected(refusal)
        write.execute(
            "INSERT INTO locations (code) VALUES (?) ON CONFLICT (code) DO NOTHING", (to_bin,)
        )
        movements = rules.put_away(source, to_bin, bin_kind(write.conn, to_bin), qty)
        putaway_id = write.execute("SELECT coalesce(max(id), 0) + 1 FROM stock_ledger").fetchone()[
            0
        ]
        reason = "" if to_bin == proposal else f"proposed {proposal or '—'}"
        save_movements(write, movements, Document("putaway", str(putaway_id), reason))
        if tote:
            write.execute(
                "INSERT INTO tote_putaways (tote, sku, lot, qty, putaway, at) VALUES (?,?,?,?,?,?)",
                (tote, sku, source.lot, qty, str(putaway_id), write.now),
            )
        write.audit(
            "stock.put_away",
            sku,
            source=source.bin,
            target=to_bin,
            proposed=proposal,
            qty=qty,
            lot=source.lot,
            tote=tote or None,
        )
        allocated = retry_backorders(write)
    return {
        "sku": sku,
        "lot": source.lot,
        "qty": qty,
        "from": source.bin,
        "to": to_bin,
        "proposed": proposal,
        "allocated": allocated,
        "putaway": putaway_id,
    }


def tote_value(tote: str) -> str:
    """A tote as stored: its value without the prefix, upper case."""
    return " ".join(tote.split()).upper()


def picking_list(conn: sqlite3.Connection, prefixes: CodePrefixes, tote: str) -> str | None:
    """The pick list whose units ``tote`` holds (a list not yet packed), as its code."""
    found = conn.execute(
        "SELECT p.id FROM picklists p WHERE upper(p.tote) = ?"
        " AND p.status IN ('picking', 'picked') AND EXISTS (SELECT 1 FROM orders o"
        "   WHERE o.picklist_id = p.id AND o.status IN ('picking', 'picked', 'packing'))"
        " ORDER BY p.id LIMIT 1",
        (tote,),
    ).fetchone()
    if found is None:
        return None
    return f"{prefixes.picklist}{found['id']:06d}"


def _tote_lines(conn: sqlite3.Connection, dock: str, tote: str) -> tuple[totes.ToteLine, ...]:
    received = [
        (r["sku"], r["lot"], int(r["n"]))
        for r in conn.execute(
            "SELECT u.sku, u.lot, sum(u.qty) AS n FROM receipt_units u JOIN receipts r"
            " ON r.receipt_no = u.receipt_no WHERE u.tote = ? AND u.verdict = 'accepted'"
            " AND r.status = 'closed' GROUP BY u.sku, u.lot",
            (tote,),
        )
    ]
    put = [
        (r["sku"], r["lot"], int(r["n"]))
        for r in conn.execute(
            "SELECT sku, lot, sum(qty) AS n FROM tote_putaways WHERE tote = ? GROUP BY sku, lot",
            (tote,),
        )
    ]
    at_dock = {
        (r["sku"], r["lot"]): int(r["free"])
        for r in conn.execute(
            "SELECT sku, lot, on_hand - reserved AS free FROM stock WHERE bin = ?", (dock,)
        )
    }
    return totes.tote_lines(received, put, at_dock)


def check_receiving_tote(store: Store, actor: Actor, tote: str) -> str:
    """A tote scanned at receiving: refused when it holds a pick list's units; else its
    value as stored."""
    tote = tote_value(tote)
    prefixes = settings.prefixes(store)
    store.require(actor, Permission.RECEIVE)
    with store.read() as conn:
        refusal = totes.receiving_refusal(prefixes.tote + tote, picking_list(conn, prefixes, tote))
    if refusal:
        raise Rejected(refusal)
    return tote


def tote_contents(
    store: Store, actor: Actor, tote: str, refuse_empty: bool = True
) -> dict[str, Any]:
    """What a tote scanned at put-away holds at the dock, per SKU × lot, and the bin proposed
    for its first SKU. Refused when the tote is in use for picking, or (``refuse_empty``)
    holds nothing at the dock."""
    tote = tote_value(tote)
    dock = settings.get(store, "receiving.dock").strip().upper() or "DOCK"
    prefixes = settings.prefixes(store)
    store.require(actor, Permission.RECEIVE)
    with store.read() as conn:
        lines = _tote_lines(conn, dock, tote)
        in_picking = picking_list(conn, prefixes, tote)
        refusal = totes.putaway_refusal(prefixes.tote + tote, in_picking, lines)
        if refusal and (in_picking is not None or refuse_empty):
            raise Rejected(refusal)
        proposed = (
            rules.propose_bin(
                lines[0].sku, sku_rows(conn, lines[0].sku), _bins(conn, lines[0].sku), lines[0].qty
            )
            if lines
            else None
        )
    return {
        "tote": tote,
        "shown": prefixes.tote + tote,
        "dock": dock,
        "lines": [{"sku": line.sku, "lot": line.lot, "qty": line.qty} for line in lines],
        "proposed": proposed,
    }


def set_bin_max(store: Store, actor: Actor, code: str, max_units: int | None) -> dict[str, Any]:
    """A pick face's maximum (units put-away may fill it to); None: no maximum."""
    code = bin_code(code)
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        kind, min_units, _max = bin_limits_of(write.conn, code)
        bin_limits(code, kind, min_units, max_units)
        write.execute(
            "INSERT INTO locations (code, max_units) VALUES (?, ?)"
            " ON CONFLICT (code) DO UPDATE SET max_units = excluded.max_units",
            (code, max_units),
        )
        write.audit("bin.max", code, max_units=max_units)
    return {"bin": code, "max_units": max_units}


# -- cycle counts ------------------------------------------------------------------------------


def create_count(
    store: Store,
    actor: Actor,
    *,
    bins: str | None = None,
    sku: str | None = None,
    moved_days: int | None = None,
    flagged: bool = False,
    abc: str | None = None,
    abc_days: int = 90,
    open_count: bool = False,
) -> dict[str, Any]:
    """A count task over bins chosen one way: a range ``A-01-01:A-01-09``, every bin holding a
    SKU, bins moved in the last N days (动碰), every bin holding a SKU of an ABC class (by units
    shipped in the last ``abc_days`` days), or bins flagged by short picks. An unknown SKU is
    NotFound; a choice no bin matches is Rejected (nothing made either way)."""
    chosen = [bool(bins), bool(sku), moved_days is not None, flagged, abc is not None]
    if sum(chosen) != 1:
        raise Rejected(
            _("choose the bins one way: --bins, --sku, --moved-days, --abc or --flagged")
        )
    wanted_class = (abc or "").strip().upper()
    if abc is not None and wanted_class not in rules.ABC_CLASSES:
        raise Rejected(
            _("--abc takes one class: {classes}").format(classes=", ".join(rules.ABC_CLASSES))
        )
    if abc is not None and abc_days <= 0:
        raise Rejected(_("--abc-days must be a positive number of days"))
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        walk = _walk(write.conn)
        known = {
            r[0]
            for r in write.execute(
                "SELECT code FROM locations UNION SELECT DISTINCT bin FROM stock WHERE bin != ''"
            )
        }
        if bins:
            start, sep, end = bins.partition(":")
            start, end = start.strip().upper(), (end if sep else start).strip().upper()
            if not start or not end:
                raise Rejected(_("a bin range is FIRST:LAST, such as A-01-01:A-01-09"))
            scope = f"bins {start}:{end}"
            codes = rules.bin_range(start, end, known)
        elif sku:
            if write.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
                raise NotFound(_("no product {sku} in the catalog").format(sku=sku))
            scope = f"sku {sku}"
            codes = [
                r[0]
                for r in write.execute(
                    "SELECT DISTINCT bin FROM stock WHERE sku = ? AND bin != ''", (sku,)
                )
            ]
        elif moved_days is not None:
            if moved_days <= 0:
                raise Rejected(_("--moved-days must be a positive number of days"))
            since = (date.fromisoformat(write.now[:10]) - timedelta(days=moved_days)).isoformat()
            scope = f"moved {moved_days}d"
            codes = [
                r[0]
                for r in write.execute(
                    "SELECT DISTINCT bin FROM stock_ledger WHERE at >= ? AND bin != ''", (since,)
                )
            ]
        elif abc is not None:
            since = (date.fromisoformat(write.now[:10]) - timedelta(days=abc_days)).isoformat()
            scope = f"abc {wanted_class} {abc_days}d"
            shipped = {
                r[0]: -r[1]
                for r in write.execute(
                    "SELECT sku, sum(qty) FROM stock_ledger WHERE kind = 'ship' AND at >= ?"
                    " GROUP BY sku",
                    (since,),
                )
            }
            classes = rules.abc_classes(
                [r[0] for r in write.execute("SELECT sku FROM products")], shipped
            )
            codes = [
                r[1]
                for r in write.execute("SELECT DISTINCT sku, bin FROM stock WHERE bin != ''")
                if classes.get(r[0]) == wanted_class
            ]
        else:
            scope = "flagged"
            codes = [
                r[0] for r in write.execute("SELECT code FROM locations WHERE needs_count = 1")
            ]
        codes = sorted(set(codes), key=walk)
        if not codes:
            raise Rejected(_("no bin matches; nothing to count"))
        count_id = write.execute(
            "INSERT INTO counts (created_at, created_by, scope, open) VALUES (?,?,?,?)",
            (write.now, actor.user, scope, int(open_count)),
        ).lastrowid
        write.conn.executemany(
            "INSERT INTO count_bins (count_id, bin) VALUES (?, ?)",
            [(count_id, code) for code in codes],
        )
        write.audit("count.create", str(count_id), scope=scope, bins=len(codes))
    return {"count": count_id, "scope": scope, "bins": codes, "open": open_count}


def _count(conn: sqlite3.Connection, count_id: int) -> Any:
    row = conn.execute("SELECT * FROM counts WHERE id = ?", (count_id,)).fetchone()
    if row is None:
        raise NotFound(_("no count {count}").format(count=count_id))
    return row


def _count_bin(conn: sqlite3.Connection, count_id: int, code: str) -> Any:
    row = conn.execute(
        "SELECT * FROM count_bins WHERE count_id = ? AND bin = ?", (count_id, code)
    ).fetchone()
    if row is None:
        raise NotFound(_("bin {bin} is not in count {count}").format(bin=code, count=count_id))
    return row


def count_bin(
    store: Store,
    actor: Actor,
    count_id: int,
    code: str,
    counted: Mapping[CountKey, int],
    empty: bool = False,
) -> dict[str, Any]:
    """Record what a bin holds (units per SKU and lot; ``empty`` confirms a bin with nothing).
    The count is taken against the bin's ledger position at this moment (less the units picked
    from it whose orders have not shipped: they are in totes); a difference beyond
    the tolerance (setting ``count.tolerance``) asks for a recount by another person, no
    difference at all approves the bin at once."""
    code = code.strip().upper()
    if not counted and not empty:
        raise Rejected(_("count the units in the bin, or confirm it is empty"))
    if empty and any(counted.values()):
        raise Rejected(_("a bin confirmed empty holds no units"))
    if any(n < 0 for n in counted.values()):
        raise Rejected(_("a count cannot be negative"))
    tolerance = int(settings.get(store, "count.tolerance") or 0)
    with store.write(actor) as write:
        write.require(Permission.COUNT)
        task = _count(write.conn, count_id)
        if task["status"] != "open":
            raise Rejected(_("count {count} is closed").format(count=count_id))
        place = _count_bin(write.conn, count_id, code)
        if place["status"] not in ("to_count", "recount"):
            raise Rejected(
                _("bin {bin} is {status} in count {count}").format(
                    bin=code, status=place["status"], count=count_id
                )
            )
        recounting = place["status"] == "recount"
        if recounting:
            rules.check_counter(actor.user, place["previous_by"])
        position = write.execute(
            "SELECT coalesce(max(id), 0) FROM stock_ledger WHERE bin = ?", (code,)
        ).fetchone()[0]
        expected: dict[CountKey, int] = {}
        expiries: dict[CountKey, str | None] = {}
        for r in write.execute(
            "SELECT sku, lot, on_hand, expiry FROM stock WHERE bin = ?", (code,)
        ):
            if r["on_hand"]:
                expected[(r["sku"], r["lot"])] = r["on_hand"]
            expiries[(r["sku"], r["lot"])] = r["expiry"]
        # units picked from the bin whose orders have not shipped are in totes, not in the
        # bin, though still on its books until they ship: the counter cannot see them
        for r in write.execute(
            "SELECT l.sku, l.lot, sum(s.picked) AS n FROM pick_shares s"
            " JOIN pick_lines l ON l.id = s.pick_line_id JOIN orders o ON o.order_no = s.order_no"
            " WHERE l.location = ? AND o.status NOT IN ('shipped', 'in_transit', 'delivered',"
            " 'cancelled', 'returned')"
            " GROUP BY l.sku, l.lot",
            (code,),
        ):
            key = (r["sku"], r["lot"])
            if r["n"] and key in expected:
                expected[key] = max(0, expected[key] - r["n"])
        for sku, _lot in counted:
            if not write.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone():
                raise NotFound(_("no product {sku}").format(sku=sku))
        found = {key: n for key, n in counted.items() if n or key in expected}
        difference = rules.count_difference(found, expected)
        if rules.needs_recount(found, expected, tolerance, recounting):
            status = "recount"
        elif difference == 0:
            status = "approved"
        else:
            status = "counted"
        write.execute("DELETE FROM count_results WHERE count_id = ? AND bin = ?", (count_id, code))
        write.conn.executemany(
            "INSERT INTO count_results (count_id, bin, sku, lot, expiry, counted, expected)"
            " VALUES (?,?,?,?,?,?,?)",
            [
                (
                    count_id,
                    code,
                    sku,
                    lot,
                    expiries.get((sku, lot)),
                    found.get((sku, lot), 0),
                    expected.get((sku, lot), 0),
                )
                for sku, lot in sorted(set(found) | set(expected))
            ],
        )
        write.execute(
            "UPDATE count_bins SET status = ?, counted_by = ?, counted_at = ?, ledger_position = ?,"
            " previous_by = CASE WHEN ? = 'recount' THEN ? ELSE previous_by END"
            " WHERE count_id = ? AND bin = ?",
            (status, actor.user, write.now, position, status, actor.user, count_id, code),
        )
        if status == "approved":
            _cleared(write, code)
        write.audit("count.bin", str(count_id), bin=code, difference=difference, status=status)
        _settle(write, count_id)
    return {"count": count_id, "bin": code, "difference": difference, "status": status}


def _cleared(write: Write, code: str) -> None:
    write.execute(
        "UPDATE locations SET needs_count = 0, count_reason = NULL WHERE code = ?", (code,)
    )


def _settle(write: Write, count_id: int) -> None:
    left = write.execute(
        "SELECT count(*) FROM count_bins WHERE count_id = ? AND status != 'approved'", (count_id,)
    ).fetchone()[0]
    if not left:
        write.execute("UPDATE counts SET status = 'closed' WHERE id = ?", (count_id,))


def _decided_bins(write: Write, count_id: int, code: str | None) -> list[Any]:
    places = write.execute(
        "SELECT * FROM count_bins WHERE count_id = ? AND status = 'counted'"
        + (" AND bin = ?" if code else "")
        + " ORDER BY bin",
        (count_id, code.strip().upper()) if code else (count_id,),
    ).fetchall()
    if not places:
        raise Rejected(
            _("count {count} has no counted bin awaiting a decision").format(count=count_id)
        )
    return places


def approve_count(
    store: Store, actor: Actor, count_id: int, reason: str, code: str | None = None
) -> dict[str, Any]:
    """Approve the differences of a count's counted bins (or one bin): adjustment entries of
    counted minus what the ledger held when the bin was counted (document ``count``)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the difference is approved (--reason)"))
    adjusted: list[dict[str, Any]] = []
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        _count(write.conn, count_id)
        for place in _decided_bins(write, count_id, code):
            results = write.execute(
                "SELECT sku, lot, expiry, counted, expected FROM count_results"
                " WHERE count_id = ? AND bin = ?",
                (count_id, place["bin"]),
            ).fetchall()
            skus = {r["sku"] for r in results}
            now = {
                (row.sku, row.lot): row
                for rows in rows_of(write.conn, skus).values()
                for row in rows
                if row.bin == place["bin"]
            }
            movements = rules.adjustments(
                place["bin"],
                {(r["sku"], r["lot"]): r["counted"] for r in results},
                {(r["sku"], r["lot"]): r["expected"] for r in results},
                now,
                {
                    (r["sku"], r["lot"]): date.fromisoformat(r["expiry"]) if r["expiry"] else None
                    for r in results
                },
            )
            save_movements(write, movements, Document("count", str(count_id), reason))
            write.execute(
                "UPDATE count_bins SET status = 'approved', decided_by = ?, reason = ?"
                " WHERE count_id = ? AND bin = ?",
                (actor.user, reason, count_id, place["bin"]),
            )
            _cleared(write, place["bin"])
            adjusted += [
                {"bin": m.bin, "sku": m.sku, "lot": m.lot, "qty": m.qty} for m in movements
            ]
        write.audit("count.approve", str(count_id), reason=reason, adjusted=len(adjusted))
        _settle(write, count_id)
    return {"count": count_id, "adjusted": adjusted}


def recount(
    store: Store, actor: Actor, count_id: int, reason: str, code: str | None = None
) -> dict[str, Any]:
    """Send a count's counted bins (or one bin) back for another count by someone else."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the bin is counted again (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.MOVE_STOCK)
        _count(write.conn, count_id)
        places = _decided_bins(write, count_id, code)
        for place in places:
            write.execute(
                "UPDATE count_bins SET status = 'recount', previous_by = counted_by,"
                " decided_by = ?, reason = ? WHERE count_id = ? AND bin = ?",
                (actor.user, reason, count_id, place["bin"]),
            )
        write.audit("count.recount", str(count_id), reason=reason, bins=len(places))
    return {"count": count_id, "recount": [p["bin"] for p in places]}


def list_counts(store: Store) -> list[dict[str, Any]]:
    """Count tasks, newest first, with bins to count, awaiting a decision and approved."""
    return store.query(
        "SELECT c.id, c.created_at, c.created_by, c.scope, c.open, c.status,"
        " count(b.bin) AS bins,"
        " sum(CASE WHEN b.status IN ('to_count', 'recount') THEN 1 ELSE 0 END) AS to_count,"
        " sum(CASE WHEN b.status = 'counted' THEN 1 ELSE 0 END) AS awaiting,"
        " sum(CASE WHEN b.status = 'approved' THEN 1 ELSE 0 END) AS approved"
        " FROM counts c LEFT JOIN count_bins b ON b.count_id = c.id"
        " GROUP BY c.id ORDER BY c.id DESC"
    )


def show_count(store: Store, count_id: int, reveal: bool = True) -> dict[str, Any]:
    """A count with its bins and results. ``reveal`` False (what a counter sees on a blind
    count) leaves out what the books expect in bins not yet counted."""
    with store.read() as conn:
        task = dict(_count(conn, count_id))
        blind = not task["open"] and not reveal
        bins = []
        for place in conn.execute(
            "SELECT * FROM count_bins WHERE count_id = ? ORDER BY bin", (count_id,)
        ):
            entry = dict(place)
            entry["results"] = [
                dict(r)
                for r in conn.execute(
                    "SELECT sku, lot, counted, expected, counted - expected AS difference"
                    " FROM count_results WHERE count_id = ? AND bin = ? ORDER BY sku, lot",
                    (count_id, place["bin"]),
                )
            ]
            if task["open"] and place["status"] in ("to_count", "recount"):
                entry["expected"] = [
                    dict(r)
                    for r in conn.execute(
                        "SELECT sku, lot, on_hand FROM stock WHERE bin = ? AND on_hand > 0",
                        (place["bin"],),
                    )
                ]
            if blind:
                for r in entry["results"]:
                    r.pop("expected"), r.pop("difference")
            bins.append(entry)
        task["bins"] = bins
    return task
