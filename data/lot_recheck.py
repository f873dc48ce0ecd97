"""A pick list's lots checked again when a picker claims or resumes it (core.lot_recheck): a
line whose lot expired or entered the do-not-ship window since the wave was released moves to
another shippable lot or bin, or goes short with the reason, in the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from core.lot_recheck import LotRedraw, OpenPickLine, recheck_lots
from core.model import Priority
from core.notices import notice
from core.picking import ShareState, fill_lines, reroute_short
from core.sla import PRIORITY_RANK
from data.orders import set_exception
from data.stock import Document, rows_of, save_movements
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
    today = date.fromisoformat(now[:10])
    return records, recheck_lots(lines, rows, stock_walk(conn), today, _shelf_days(conn, skus))


def _shelf_days(conn: sqlite3.Connection, skus: Sequence[str]) -> dict[str, int]:
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


def _shares(write: Write, line_id: int) -> list[ShareState]:
    return [
        ShareState(
            share_id=row["id"],
            order_no=row["order_no"],
            urgency=(row["due_at"], PRIORITY_RANK[Priority(row["priority"])], row["order_no"]),
            qty=row["qty"],
            picked=row["picked"],
        )
        for row in write.execute(
            "SELECT s.id, s.order_no, s.qty, s.picked, o.due_at, o.priority FROM pick_shares s"
            " JOIN orders o ON o.order_no = s.order_no WHERE s.pick_line_id = ?",
            (line_id,),
        )
    ]


def _apply(write: Write, picklist_id: int, line: Any, redraw: LotRedraw) -> None:
    """Save one line's redraw: the reservations, the new lines and shares, and the short."""
    plan = reroute_short(_shares(write, line["id"]), redraw.moved)
    first = plan[0][0].order_no if plan else ""
    save_movements(write, redraw.movements, Document("order", first, f"lot {redraw.reason.value}"))
    moved = redraw.moved
    if moved:
        write.execute("UPDATE pick_lines SET qty = qty - ? WHERE id = ?", (moved, line["id"]))
        portions = [(share.share_id, n) for share, n in plan if n]
        carried_by_line = fill_lines(portions, [m.reserved for m in redraw.drawn])
        for movement, carried in zip(redraw.drawn, carried_by_line, strict=True):
            new_line = write.execute(
                "INSERT INTO pick_lines (picklist_id, seq, sku, location, lot, qty)"
                " VALUES (?,?,?,?,?,?)",
                (
                    picklist_id,
                    line["seq"],
                    redraw.sku,
                    movement.bin,
                    movement.lot,
                    movement.reserved,
                ),
            ).lastrowid
            for share_id, n in carried:
                write.execute(
                    "INSERT INTO pick_shares (pick_line_id, order_line_id, order_no, qty)"
                    " SELECT ?, order_line_id, order_no, ? FROM pick_shares WHERE id = ?",
                    (new_line, n, share_id),
                )
                write.execute("UPDATE pick_shares SET qty = qty - ? WHERE id = ?", (n, share_id))
    if not redraw.short:
        return
    write.execute(
        "UPDATE pick_lines SET short = short + ?, short_reason = ? WHERE id = ?",
        (redraw.short, redraw.reason.value, line["id"]),
    )
    for share, n in plan:
        left = share.open - n
        if left <= 0:
            continue
        write.execute("UPDATE pick_shares SET qty = qty - ? WHERE id = ?", (left, share.share_id))
        order_line = write.execute(
            "SELECT ol.id, ol.sku FROM order_lines ol JOIN pick_shares s"
            " ON s.order_line_id = ol.id WHERE s.id = ?",
            (share.share_id,),
        ).fetchone()
        write.execute(
            "UPDATE order_lines SET short = short + ?, reserved = reserved - ? WHERE id = ?",
            (left, left, order_line["id"]),
        )
        write.execute(
            "UPDATE products SET reserved = reserved - ? WHERE sku = ?", (left, order_line["sku"])
        )
        detail = notice(
            "exception.short_pick",
            sku=redraw.sku,
            n=left,
            reason=redraw.reason.value,
            bin=redraw.location or "?",
        )
        set_exception(write, share.order_no, detail)
        write.audit("order.exception", share.order_no, reason=detail.english())
