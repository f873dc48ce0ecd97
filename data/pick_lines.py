"""Saving what a short pick and a lot re-check decide for a pick line: its orders' shares, the
units moved onto new lines at other bins or lots, and the units that go short (the orders to
the exception queue). Both ``data.picking.close_short`` and ``data.lot_recheck`` save their
decisions through these, in the caller's ``BEGIN IMMEDIATE`` transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.model import Priority
from core.notices import notice
from core.picking import ShareState, fill_lines
from core.sla import PRIORITY_RANK
from core.stock import Movement
from data.orders import set_exception
from data.store import Write


def share_state(row: Any) -> ShareState:
    """A share as the picking rules see it, from a row with the share's ``id``, ``order_no``,
    ``qty`` and ``picked`` and its order's ``due_at`` and ``priority``."""
    return ShareState(
        share_id=row["id"],
        order_no=row["order_no"],
        urgency=(row["due_at"], PRIORITY_RANK[Priority(row["priority"])], row["order_no"]),
        qty=row["qty"],
        picked=row["picked"],
    )


def line_shares(write: Write, line_id: int) -> list[ShareState]:
    """The orders' shares of a pick line, each with its order's urgency."""
    return [
        share_state(row)
        for row in write.execute(
            "SELECT s.id, s.order_no, s.qty, s.picked, o.due_at, o.priority FROM pick_shares s"
            " JOIN orders o ON o.order_no = s.order_no WHERE s.pick_line_id = ?",
            (line_id,),
        )
    ]


def move_to_new_lines(
    write: Write,
    picklist_id: int,
    line: Any,
    sku: str,
    moved: int,
    plan: Sequence[tuple[ShareState, int]],
    movements: Sequence[Movement],
) -> None:
    """Take ``moved`` units off ``line`` onto a new line per reservation in ``movements``
    (right after it, same place in the walk), carrying the shares' units as ``plan`` gives
    them (the most urgent orders first)."""
    write.execute("UPDATE pick_lines SET qty = qty - ? WHERE id = ?", (moved, line["id"]))
    portions = [(share.share_id, n) for share, n in plan if n]
    for movement, carried in zip(
        movements, fill_lines(portions, [m.reserved for m in movements]), strict=True
    ):
        new_line = write.execute(
            "INSERT INTO pick_lines (picklist_id, seq, sku, location, lot, qty)"
            " VALUES (?,?,?,?,?,?)",
            (picklist_id, line["seq"], sku, movement.bin, movement.lot, movement.reserved),
        ).lastrowid
        for share_id, n in carried:
            write.execute(
                "INSERT INTO pick_shares (pick_line_id, order_line_id, order_no, qty)"
                " SELECT ?, order_line_id, order_no, ? FROM pick_shares WHERE id = ?",
                (new_line, n, share_id),
            )
            write.execute("UPDATE pick_shares SET qty = qty - ? WHERE id = ?", (n, share_id))


def short_shares(
    write: Write,
    plan: Sequence[tuple[ShareState, int]],
    sku: str,
    location: str | None,
    reason: str,
) -> list[tuple[ShareState, int]]:
    """The units of each share that ``plan`` did not move go short: off the share, short and
    no longer reserved on the order line and the product, and the order to the exception
    queue with the reason. Returns each share that went short with its units (the caller
    releases them in the bin as its decision says)."""
    shorted: list[tuple[ShareState, int]] = []
    for share, moved in plan:
        left = share.open - moved
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
        detail = notice("exception.short_pick", sku=sku, n=left, reason=reason, bin=location or "?")
        set_exception(write, share.order_no, detail)
        write.audit("order.exception", share.order_no, reason=detail.english())
        shorted.append((share, left))
    return shorted
