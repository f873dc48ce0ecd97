"""Resolving orders in the exception queue: pick the missing units again on a new pick list,
release the order to packing with what it has (where its channel or shop takes partial
shipments, setting ``ship.partial_channels``), or cancel it. The rules are core/resolve.py."""

from __future__ import annotations

from typing import Any

from core import resolve as rules
from core.allocation import Stock, allocate
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import OrderStatus, PickListStatus
from core.resolve import ExceptionLine, Resolution
from core.roles import Permission
from data import settings
from data.orders import cancel_order, show_order
from data.status import set_order_status
from data.stock import Document, _walk, draw_for_line, save_movements, sku_rows
from data.store import Actor, Store, Write
from data.waves import picklist_code


def resolve_order(
    store: Store, actor: Actor, order_no: str, how: Resolution | str, reason: str
) -> dict[str, Any]:
    """Resolve an order in the exception queue ``how`` (repick, release_partial, cancel), with
    the reason (audited). Returns the order as ``orders show`` gives it, and for a re-pick the
    new list's code under ``repick_list``."""
    try:
        how = Resolution(how)
    except ValueError:
        raise Rejected(
            _("resolve an exception by one of: {ways}").format(
                ways=", ".join(r.value for r in Resolution)
            )
        ) from None
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the exception is resolved this way (--reason)"))
    if how is Resolution.CANCEL:
        with store.read() as conn:
            row = conn.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,))
            found = row.fetchone()
        if found is None:
            raise NotFound(_("no order {order_no}").format(order_no=order_no))
        rules.check_resolvable(order_no, OrderStatus(found["status"]), [])
        return cancel_order(store, actor, order_no, reason)
    extra: dict[str, Any] = {}
    if how is Resolution.REPICK:
        extra["repick_list"] = _repick(store, actor, order_no, reason)
    else:
        _release_partial(store, actor, order_no, reason)
    return {**show_order(store, order_no), **extra}


def _load(write: Write, order_no: str) -> tuple[Any, list[ExceptionLine]]:
    order = write.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if order is None:
        raise NotFound(_("no order {order_no}").format(order_no=order_no))
    lines = [
        ExceptionLine(r["id"], r["sku"], r["qty"], r["picked"], r["open"])
        for r in write.execute(
            "SELECT l.id, l.sku, l.qty, l.picked, coalesce((SELECT sum(s.qty - s.picked)"
            "   FROM pick_shares s JOIN pick_lines pl ON pl.id = s.pick_line_id"
            "   JOIN picklists p ON p.id = pl.picklist_id"
            "   WHERE s.order_line_id = l.id AND p.status IN (?, ?)), 0) AS open"
            " FROM order_lines l WHERE l.order_no = ? ORDER BY l.line_no",
            (PickListStatus.RELEASED.value, PickListStatus.PICKING.value, order_no),
        )
    ]
    rules.check_resolvable(order_no, OrderStatus(order["status"]), lines)
    return order, lines


def _repick(store: Store, actor: Actor, order_no: str, reason: str) -> str:
    """The missing units reserved again and put on a new pick list of their own (never drawn
    from a bin flagged for a count); the order picks again."""
    with store.write(actor) as write:
        write.require(Permission.RELEASE_WAVE)
        order, lines = _load(write, order_no)
        missing = rules.repick_units(order_no, lines)
        by_id = {line.line_id: line for line in lines}
        wanted = [(by_id[line_id].sku, n) for line_id, n in missing.items()]
        skus = sorted({sku for sku, _n in wanted})
        products = {
            r["sku"]: Stock(r["on_hand"] - r["unpickable"], r["reserved"])
            for r in write.execute(
                "SELECT sku, on_hand, unpickable, reserved FROM products"
                f" WHERE sku IN ({','.join('?' * len(skus))})",
                skus,
            )
        }
        decision = allocate(wanted, products)
        if not decision.allocated:
            raise Rejected(
                _("not enough free stock to pick {order_no} again: {missing}").format(
                    order_no=order_no,
                    missing=", ".join(f"{sku} ×{n}" for sku, n in decision.shortages.items()),
                )
            )
        flagged = {r[0] for r in write.execute("SELECT code FROM locations WHERE needs_count = 1")}
        rows = {sku: [r for r in sku_rows(write.conn, sku) if r.bin not in flagged] for sku in skus}
        walk = _walk(write.conn)
        stops = []
        reservations = []
        for line_id, n in missing.items():
            movements, left = draw_for_line(write, rows, by_id[line_id].sku, n, walk)
            if left:
                raise Rejected(
                    _(
                        "no bin holds {n} free units of {sku} to pick again (bins flagged for a"
                        " count are left out); put stock away, or release or cancel the order"
                    ).format(n=left, sku=by_id[line_id].sku)
                )
            reservations += movements
            stops += [(line_id, m) for m in movements]
        wave_id = write.execute(
            "INSERT INTO waves (released_at, released_by, order_count) VALUES (?,?,1)",
            (write.now, actor.user),
        ).lastrowid
        save_movements(write, reservations, Document("wave", str(wave_id)))
        picklist_id = write.execute(
            "INSERT INTO picklists (wave_id, status, priority, due_at, created_at)"
            " VALUES (?,?,?,?,?)",
            (
                wave_id,
                PickListStatus.RELEASED.value,
                order["priority"],
                order["due_at"],
                write.now,
            ),
        ).lastrowid
        assert picklist_id is not None
        stops.sort(key=lambda stop: (walk(stop[1].bin), stop[1].sku, stop[1].lot))
        for seq, (line_id, movement) in enumerate(stops, start=1):
            pick_line = write.execute(
                "INSERT INTO pick_lines (picklist_id, seq, sku, location, lot, qty)"
                " VALUES (?,?,?,?,?,?)",
                (picklist_id, seq, movement.sku, movement.bin, movement.lot, movement.reserved),
            ).lastrowid
            write.execute(
                "INSERT INTO pick_shares (pick_line_id, order_line_id, order_no, qty)"
                " VALUES (?,?,?,?)",
                (pick_line, line_id, order_no, movement.reserved),
            )
        for line_id, n in missing.items():
            write.execute(
                "UPDATE order_lines SET reserved = reserved + ?, short = 0 WHERE id = ?",
                (n, line_id),
            )
        for sku, n in decision.reserve.items():
            write.execute("UPDATE products SET reserved = reserved + ? WHERE sku = ?", (n, sku))
        write.execute(
            "UPDATE orders SET picklist_id = ? WHERE order_no = ?", (picklist_id, order_no)
        )
        set_order_status(write, order_no, OrderStatus.PICKING, current=OrderStatus.EXCEPTION)
        code = picklist_code(store, picklist_id)
        write.audit("picklist.create", code, wave=wave_id, orders=[order_no])
        write.audit(
            "order.repick",
            order_no,
            reason=reason,
            picklist=code,
            units=sum(missing.values()),
        )
    return code


def _release_partial(store: Store, actor: Actor, order_no: str, reason: str) -> None:
    """The order goes on to packing with the units it has: lines picked in part shrink to what
    was picked, lines with nothing picked leave the order (both in the audit entry)."""
    allowed = settings.get(store, "ship.partial_channels")
    with store.write(actor) as write:
        write.require(Permission.RELEASE_HOLD)
        order, lines = _load(write, order_no)
        if not rules.partial_allowed(order["channel"], order["shop"], allowed):
            raise Rejected(
                _(
                    "{channel} does not take partial shipments of order {order_no}; pick it"
                    " again or cancel it (setting ship.partial_channels)"
                ).format(channel=order["shop"] or order["channel"] or "?", order_no=order_no)
            )
        shrink, dropped = rules.partial_lines(order_no, lines)
        for line_id, qty in shrink.items():
            write.execute("UPDATE order_lines SET qty = ? WHERE id = ?", (qty, line_id))
        for line in dropped:
            held = write.execute(
                "SELECT reserved FROM order_lines WHERE id = ?", (line.line_id,)
            ).fetchone()["reserved"]
            if held:
                write.execute(
                    "UPDATE products SET reserved = reserved - ? WHERE sku = ?", (held, line.sku)
                )
            write.execute(
                "DELETE FROM pick_shares WHERE order_line_id = ? AND picked = 0", (line.line_id,)
            )
            write.execute("DELETE FROM order_lines WHERE id = ?", (line.line_id,))
        set_order_status(write, order_no, OrderStatus.PICKED, current=OrderStatus.EXCEPTION)
        write.audit(
            "order.release_partial",
            order_no,
            reason=reason,
            shrunk={str(k): v for k, v in shrink.items()},
            dropped=[{"sku": line.sku, "qty": line.qty} for line in dropped],
        )
