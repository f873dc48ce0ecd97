"""Tracking (物流跟踪) kept: each parcel's events stored once, the package's latest state, and
the order moved on by :func:`core.tracking.order_target` through ``data.status``.

Events come from a carrier's API (the command line asks it outside any write transaction,
then hands the events to :func:`record`) or from a file (:func:`import_tracking`)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from core import tracking as rules
from core.clock import from_iso, to_iso
from core.errors import Rejected
from core.i18n import _
from core.model import OrderStatus
from core.roles import Permission
from core.tracking import TrackEvent, TrackStatus
from core.waybills import CarrierApi
from data.carriers import carrier_api
from data.status import set_order_status
from data.store import Actor, Store, Write

#: Column names a tracking file's header row may use (it may have none).
_HEADER = {"waybill", "waybill_no", "运单号", "快递单号"}


def _package(conn: sqlite3.Connection, waybill: str) -> Any:
    return conn.execute(
        "SELECT p.id, p.waybill_no, s.order_no, s.carrier FROM packages p"
        " JOIN shipments s ON s.id = p.shipment_id"
        " WHERE p.waybill_no = ? AND p.status = 'shipped'",
        (waybill.strip().upper(),),
    ).fetchone()


def _events(conn: sqlite3.Connection, waybill: str) -> list[TrackEvent]:
    return [
        TrackEvent(r[0], from_iso(r[1]), TrackStatus(r[2]), r[3], r[4])
        for r in conn.execute(
            "SELECT waybill_no, at, status, description, source FROM tracking_events"
            " WHERE waybill_no = ? ORDER BY at, id",
            (waybill,),
        )
    ]


def _store_events(write: Write, events: Iterable[TrackEvent]) -> tuple[int, int, set[str]]:
    """Insert the events not stored yet: (stored, repeated, waybills touched)."""
    stored = repeated = 0
    touched: set[str] = set()
    for event in events:
        cursor = write.execute(
            "INSERT INTO tracking_events (waybill_no, at, status, description, source,"
            " recorded_at) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (waybill_no, at, status, description) DO NOTHING",
            (
                event.waybill_no,
                to_iso(event.at),
                event.status.value,
                event.description,
                event.source,
                write.now,
            ),
        )
        if cursor.rowcount:
            stored += 1
            touched.add(event.waybill_no)
        else:
            repeated += 1
    return stored, repeated, touched


def _settle(write: Write, waybills: Iterable[str]) -> list[dict[str, str]]:
    """Update each touched package's latest state and move its order; the orders moved."""
    orders: set[str] = set()
    for waybill in waybills:
        events = _events(write.conn, waybill)
        if not events:
            continue
        latest = max(events, key=lambda e: e.at)
        signed = min((e.at for e in events if e.status is TrackStatus.SIGNED), default=None)
        flagged = rules.problem(events)
        write.execute(
            "UPDATE packages SET track_status = ?, track_at = ?, signed_at = ?, problem = ?"
            " WHERE waybill_no = ?",
            (
                latest.status.value,
                to_iso(latest.at),
                to_iso(signed) if signed else None,
                (flagged.description or flagged.status.value) if flagged else None,
                waybill,
            ),
        )
        row = _package(write.conn, waybill)
        if row is not None:
            orders.add(row["order_no"])
    moved = []
    for order_no in sorted(orders):
        current = OrderStatus(
            write.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,)).fetchone()[0]
        )
        parcels = [
            {
                TrackStatus(s)
                for (s,) in write.execute(
                    "SELECT DISTINCT status FROM tracking_events WHERE waybill_no = ?", (w,)
                )
            }
            for (w,) in write.execute(
                "SELECT p.waybill_no FROM packages p JOIN shipments s ON s.id = p.shipment_id"
                " WHERE s.order_no = ? AND s.status != 'void' AND p.status = 'shipped'",
                (order_no,),
            ).fetchall()
        ]
        target = rules.order_target(current, parcels)
        if target is None:
            continue
        set_order_status(write, order_no, target, current)
        write.audit("order.tracked", order_no, status=target.value)
        moved.append({"order_no": order_no, "status": target.value})
    return moved


def record(store: Store, actor: Actor, events: Sequence[TrackEvent]) -> dict[str, Any]:
    """Store a carrier's events (the same event twice is stored once) and move the orders:
    ``stored``, ``repeated``, ``moved`` (order and its new status), ``refused`` (events of a
    waybill that is no shipped parcel here)."""
    refused: list[str] = []
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        known = [e for e in events if _package(write.conn, e.waybill_no) is not None]
        for waybill in sorted({e.waybill_no for e in events} - {e.waybill_no for e in known}):
            refused.append(
                _("{waybill}: no shipped parcel has this waybill").format(waybill=waybill)
            )
        stored, repeated, touched = _store_events(write, known)
        moved = _settle(write, touched)
        write.audit("tracking.record", "", stored=stored, repeated=repeated, moved=len(moved))
    return {"stored": stored, "repeated": repeated, "moved": moved, "refused": refused}


def read_tracking_file(
    content: bytes, source: str = "import"
) -> tuple[list[tuple[int, TrackEvent]], list[str]]:
    """The events of a tracking file (CSV: waybill, status, time[, description]; a header row
    is skipped) with their row numbers, and a message per row refused."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected(_("the tracking file is not UTF-8 text; save it as UTF-8 CSV")) from None
    good: list[tuple[int, TrackEvent]] = []
    refused: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        cells = [" ".join(cell.split()) for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in _HEADER:
            continue
        try:
            if len(cells) < 3:
                raise Rejected(_("expected waybill, status, time[, description]"))
            if not all(cell.isprintable() for cell in cells[:4]):
                raise Rejected(_("control characters in the row"))
            waybill = cells[0].upper()
            if not waybill:
                raise Rejected(_("the waybill is empty"))
            status = rules.status_word(cells[1])
            at = rules.event_time(cells[2])
            description = rules.clean_text(cells[3] if len(cells) > 3 else "")
            good.append((number, TrackEvent(waybill, at, status, description, source)))
        except Rejected as error:
            refused.append(_("row {n}: {error}").format(n=number, error=error))
    return good, refused


def import_tracking(store: Store, actor: Actor, content: bytes) -> dict[str, Any]:
    """Store the events of a tracking file: rows with an unknown waybill, an unknown status
    word or a time that cannot be read are refused with their row number, the others kept;
    importing the same file again stores nothing twice."""
    lines, refused = read_tracking_file(content)
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        kept = []
        for number, event in lines:
            if _package(write.conn, event.waybill_no) is None:
                refused.append(
                    _("row {n}: no shipped parcel has the waybill {waybill}").format(
                        n=number, waybill=event.waybill_no
                    )
                )
            else:
                kept.append(event)
        stored, repeated, touched = _store_events(write, kept)
        moved = _settle(write, touched)
        write.audit(
            "tracking.import",
            "",
            stored=stored,
            repeated=repeated,
            refused=len(refused),
            moved=len(moved),
        )
    return {"stored": stored, "repeated": repeated, "moved": moved, "refused": refused}


def to_track(
    store: Store, waybill: str | None = None, all_open: bool = False
) -> list[tuple[str, CarrierApi | None, str]]:
    """The parcels to ask the carriers about: (waybill, its carrier's API or None, carrier);
    one waybill, or every shipped parcel not yet signed nor returned."""
    with store.read() as conn:
        if waybill:
            row = _package(conn, waybill)
            if row is None:
                raise Rejected(
                    _("no shipped parcel has the waybill {waybill}").format(
                        waybill=waybill.strip().upper()
                    )
                )
            rows = [(row["waybill_no"], row["carrier"])]
        elif all_open:
            rows = conn.execute(
                "SELECT p.waybill_no, s.carrier FROM packages p"
                " JOIN shipments s ON s.id = p.shipment_id"
                " WHERE p.status = 'shipped' AND p.signed_at IS NULL"
                " AND coalesce(p.track_status, '') != 'returned' ORDER BY p.id"
            ).fetchall()
        else:
            raise Rejected(
                _("name a waybill (--waybill) or ask for every open parcel (--all-open)")
            )
        apis: dict[str, CarrierApi | None] = {}
        result = []
        for number, carrier in rows:
            if carrier not in apis:
                apis[carrier] = carrier_api(conn, carrier)
            result.append((number, apis[carrier], carrier))
    return result


def events_of(conn: sqlite3.Connection, waybill: str) -> list[dict[str, Any]]:
    """A parcel's events, oldest first (the ``shipments show --json`` part)."""
    return [
        {
            "at": to_iso(e.at),
            "status": e.status.value,
            "description": e.description,
            "source": e.source,
        }
        for e in _events(conn, waybill)
    ]


def problem_parcels(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Problem parcels (问题件): shipped parcels whose latest event is a problem or a return,
    newest first — the supervisor's exceptions."""
    return store.query(
        "SELECT s.order_no, p.waybill_no, s.carrier, p.track_status, p.track_at, p.problem"
        " FROM packages p JOIN shipments s ON s.id = p.shipment_id"
        " WHERE p.problem IS NOT NULL AND p.status = 'shipped'"
        " ORDER BY p.track_at DESC LIMIT ?",
        (limit,),
    )
