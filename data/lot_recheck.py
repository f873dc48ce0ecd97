"""A pick list's lots checked again when a picker claims or resumes it (core.lot_recheck): a
line whose lot expired or entered the do-not-ship window since the wave was released moves to
another shippable lot or bin, or goes short with the reason, in the caller's transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from core import stock as stock_rules
from core.lot_recheck import LotRedraw, OpenPickLine, recheck_lots
from core.picking import reroute_short
from data.pick_lines import line_shares, move_to_new_lines, short_shares
from data.stock import Document, rows_of, save_movements, shelf_days
from data.stock import _walk as stock_walk
from data.store import Write


def redraw_stale_lots(write: Write, picklist_id: int, code: str) -> tuple[LotRedraw, ...]:
    """Check the open lines of a list being picked against today's date, in the caller's
    ``BEGIN IMMEDIATE`` transaction, and save what :func:`core.lot_recheck.recheck_lots`
    decides: the reservation moves to the new lots (new lines right after the old one, carrying
    the most urgent orders' units); what no lot can give goes short with the reason and its
    orders go to the exception queue. Returns the lines redrawn (none, most days)."""
    records, redraws = stale_lines(write.conn, picklist_id, write.now)
    for redraw in redraws:
        _apply(write, picklist_id, records[redraw.line_id], redraw)
        write.audit(
            "pick.lot_redraw",
            code,
            sku=redraw.sku,
            bin=redraw.location,
            lot=redraw.lot,
            reason=redraw.reason.value,
            moved={m.bin + (f" {m.lot}" if m.lot else ""): m.reserved for m in redraw.drawn},
            short=redraw.short,
        )
    if any(redraw.short for redraw in redraws):
        from data.picking import settle_list  # data.picking imports data.waves, which calls us

        settle_list(write, picklist_id)
    return tuple(redraws)


def stale_lines(
    conn: sqlite3.Connection, picklist_id: int, now: str
) -> tuple[dict[int, Any], list[LotRedraw]]:
    """The open lines of a list (by id) and what :func:`core.lot_recheck.recheck_lots`
    decides for them on the day of ``now`` (an instant as stored): a read, nothing saved."""
    records = {
        row["id"]: row
        for row in conn.execute(
            "SELECT id, seq, sku, location, lot, qty, picked, short FROM pick_lines"
            " WHERE picklist_id = ? AND picked + short < qty ORDER BY seq, id",
            (picklist_id,),
        ).fetchall()
    }
    if not records:
        return records, []
    skus = sorted({row["sku"] for row in records.values()})
    rows = rows_of(conn, skus)
    # most lists hold no lot with an expiry: nothing to decide
    if not any(row.expiry is not None for held in rows.values() for row in held):
        return records, []
    lines = [
        OpenPickLine(
            r["id"], r["sku"], r["location"], r["lot"], r["qty"] - r["picked"] - r["short"]
        )
        for r in records.values()
    ]
    today = stock_rules.expiry_day(now)
    return records, recheck_lots(lines, rows, stock_walk(conn), today, shelf_days(conn, skus))


def _apply(write: Write, picklist_id: int, line: Any, redraw: LotRedraw) -> None:
    """Save one line's redraw: the reservations, the new lines and shares, and the short."""
    plan = reroute_short(line_shares(write, line["id"]), redraw.moved)
    first = plan[0][0].order_no if plan else ""
    save_movements(write, redraw.movements, Document("order", first, f"lot {redraw.reason.value}"))
    if redraw.moved:
        move_to_new_lines(write, picklist_id, line, redraw.sku, redraw.moved, plan, redraw.drawn)
    if not redraw.short:
        return
    write.execute(
        "UPDATE pick_lines SET short = short + ?, short_reason = ? WHERE id = ?",
        (redraw.short, redraw.reason.value, line["id"]),
    )
    short_shares(write, plan, redraw.sku, redraw.location, redraw.reason.value)
