"""Intercepts (拦截): a refund or cancellation that arrives after an order was picked, packed or
labelled stops the parcel. The order is cancelled (its picked units go back by put-away tasks;
on the books they never left their bins), its waybill numbers are voided, and it stays on the
intercept list, refused at shipping as INTERCEPTED, until a supervisor confirms it pulled."""

from __future__ import annotations

from typing import Any

from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import OrderStatus
from core.roles import Permission
from data import settings
from data.orders import cancel_in, retry_backorders
from data.packing import void_shipment
from data.shipments import live_shipment
from data.store import Actor, Store

#: Statuses an order is intercepted in: its units are picked, or it is packed or labelled.
INTERCEPTABLE = frozenset(
    {
        OrderStatus.PICKING,
        OrderStatus.PICKED,
        OrderStatus.PACKING,
        OrderStatus.PACKED,
        OrderStatus.EXCEPTION,
    }
)


def intercept(store: Store, actor: Actor, order_no: str, reason: str) -> dict[str, Any]:
    """Stop an order that was picked, packed or labelled (see the module). Intercepting it
    again is refused: it is on the list once."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the order is intercepted (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        row = write.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if row is None:
            raise NotFound(_("no order {order_no}").format(order_no=order_no))
        if write.execute("SELECT 1 FROM intercepts WHERE order_no = ?", (order_no,)).fetchone():
            raise Rejected(_("order {order_no} is intercepted already").format(order_no=order_no))
        status = OrderStatus(row["status"])
        if status not in INTERCEPTABLE:
            raise Rejected(
                _(
                    "order {order_no} is {status}: intercept an order picked, packed or labelled"
                    " (cancel one not picked yet; a shipped one comes back as a return)"
                ).format(order_no=order_no, status=status.value)
            )
        live = live_shipment(write.conn, order_no)
        voided = void_shipment(write, live, reason) if live is not None else []
        cancel_in(write, order_no, status, reason, putaway_reason="intercepted")
        write.execute(
            "INSERT INTO intercepts (order_no, reason, status_before, waybills, created_by,"
            " created_at) VALUES (?,?,?,?,?,?)",
            (order_no, reason, status.value, " ".join(voided), write.actor.user, write.now),
        )
        write.audit("order.intercept", order_no, before=status.value, reason=reason, voided=voided)
        retry_backorders(write)
    return {"order_no": order_no, "before": status.value, "voided": voided, "reason": reason}


def confirm(store: Store, actor: Actor, scanned: str) -> dict[str, Any]:
    """A supervisor confirms an intercepted parcel pulled (拦截验核) by scanning its label (the
    voided waybill number), its order code (``O:`` prefix) or typing the order number."""
    text = scanned.strip()
    prefix = settings.prefixes(store).order
    if prefix and text.upper().startswith(prefix.upper()):
        text = text[len(prefix) :]
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        row = write.execute(
            "SELECT * FROM intercepts WHERE order_no = ?"
            " OR instr(' ' || waybills || ' ', ' ' || ? || ' ') > 0 ORDER BY created_at LIMIT 1",
            (text, text.upper()),
        ).fetchone()
        order_no = row["order_no"] if row is not None else text
        if row is None:
            raise NotFound(_("order {order_no} is not intercepted").format(order_no=order_no))
        if row["confirmed_at"]:
            raise Rejected(
                _("order {order_no} was confirmed pulled already by {user} at {at}").format(
                    order_no=order_no, user=row["confirmed_by"], at=row["confirmed_at"]
                )
            )
        write.execute(
            "UPDATE intercepts SET confirmed_by = ?, confirmed_at = ? WHERE order_no = ?",
            (write.actor.user, write.now, order_no),
        )
        write.audit("order.intercept.confirm", order_no)
    return {"order_no": order_no, "confirmed_by": actor.user}


def list_intercepts(store: Store, everything: bool = False) -> list[dict[str, Any]]:
    """Intercepted orders not yet confirmed pulled (or all of them), oldest first."""
    where = "" if everything else "WHERE confirmed_at IS NULL"
    return store.query(
        "SELECT order_no, reason, status_before, waybills, created_by, created_at,"
        f" confirmed_by, confirmed_at FROM intercepts {where} ORDER BY created_at, order_no"
    )
