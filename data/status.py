"""Saving status changes of orders and pick lists: load the current status, ask the
lifecycle in core, save. The only place that writes ``orders.status`` or ``picklists.status``
after a row is created."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import NotFound
from core.i18n import _
from core.lifecycle import check_transitions, transition, transition_list
from core.model import OrderStatus, PickListStatus
from data.store import Write

#: Columns a status change may set together with the status (never built from input).
_ORDER_FIELDS = frozenset(
    {
        "exception_reason",
        "exception_code",
        "exception_params",
        "cancel_reason",
        "pack_station",
        "packer",
        "shipped_at",
        "merged_into",
    }
)
_LIST_FIELDS = frozenset({"picker", "station", "claimed_at", "finished_at", "confirmed_location"})


def order_status(write: Write, order_no: str) -> OrderStatus:
    """The stored status of an order (NotFound when there is none)."""
    row = write.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if row is None:
        raise NotFound(_("no order {order_no}").format(order_no=order_no))
    return OrderStatus(row["status"])


def set_order_status(
    write: Write,
    order_no: str,
    target: OrderStatus,
    current: OrderStatus | None = None,
    **fields: Any,
) -> OrderStatus:
    """Move an order to ``target`` if its lifecycle allows it (IllegalTransition otherwise)
    and set ``fields`` with it; staying in the same status only updates the fields. Returns
    the status it had. ``current``: the status the caller read in this transaction."""
    before = order_status(write, order_no) if current is None else current
    if before is not target:
        transition(before, target, order_no)
    _update(write, "orders", "order_no", order_no, target.value, fields, _ORDER_FIELDS)
    return before


def set_order_statuses(
    write: Write, changes: Sequence[tuple[str, OrderStatus, OrderStatus]]
) -> None:
    """Move several orders at once, each (order, the status the caller read in this
    transaction, target): the lifecycle checks every change first, so an illegal one refuses
    them all (IllegalTransition) before anything is written; then one statement saves them."""
    check_transitions((current, target, order_no) for order_no, current, target in changes)
    write.conn.executemany(
        "UPDATE orders SET status = ?, updated_at = ? WHERE order_no = ?",
        [(target.value, write.now, order_no) for order_no, _current, target in changes],
    )


def set_list_status(
    write: Write,
    picklist_id: int,
    target: PickListStatus,
    what: str = "",
    current: PickListStatus | None = None,
    **fields: Any,
) -> PickListStatus:
    """Move a pick list to ``target`` if its lifecycle allows it, setting ``fields`` with it;
    returns the status it had. ``current``: the status the caller read in this transaction."""
    if current is None:
        row = write.execute("SELECT status FROM picklists WHERE id = ?", (picklist_id,)).fetchone()
        if row is None:
            raise NotFound(_("no pick list {id}").format(id=picklist_id))
        current = PickListStatus(row["status"])
    before = current
    if before is not target:
        transition_list(before, target, what or str(picklist_id))
    _update(write, "picklists", "id", picklist_id, target.value, fields, _LIST_FIELDS)
    return before


def _update(
    write: Write,
    table: str,
    key: str,
    value: Any,
    status: str,
    fields: dict[str, Any],
    allowed: frozenset[str],
) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a status field of {table}: {sorted(unknown)}")
    names = sorted(fields)
    sets = "".join(f", {name} = ?" for name in names)
    stamp = ", updated_at = ?" if table == "orders" else ""
    stamped = [write.now] if table == "orders" else []
    write.execute(
        f"UPDATE {table} SET status = ?{sets}{stamp} WHERE {key} = ?",
        [status, *(fields[name] for name in names), *stamped, value],
    )
