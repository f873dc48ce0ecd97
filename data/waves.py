"""Waves and pick lists: releasing allocated orders into lists, listing them, claiming one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core import stock as stock_rules
from core import words
from core.clock import from_iso, to_iso
from core.errors import NotFound, Rejected
from core.i18n import _
from core.lot_recheck import LotRedraw
from core.model import OrderStatus, PickListStatus, Priority, Role
from core.roles import Permission, may
from core.stock import Movement, StockRow
from core.waves import Unshippable, WaveLine, WaveOrder, draw_order, plan_wave, urgency
from data import settings
from data.catalog import few_bins_walk_key
from data.merging import merge_at_release, split_ships_alone
from data.status import set_list_status, set_order_status, set_order_statuses
from data.stock import Document, rows_of, save_movements, shelf_days
from data.store import Actor, Store, Write


def release_wave(
    store: Store,
    actor: Actor,
    max_orders: int | None = None,
    priority: str | None = None,
    orders_per_list: int | None = None,
) -> dict[str, Any]:
    """Turn allocated orders not yet on a list, most urgent due time first, into pick lists."""
    if priority is not None:
        try:
            priority = Priority(priority.lower()).value
        except ValueError:
            raise Rejected(
                _("unknown priority {p!r} (use rush|standard|deferred)").format(p=priority)
            ) from None
    max_orders = max_orders or int(settings.get(store, "wave.max_orders"))
    orders_per_list = orders_per_list or int(settings.get(store, "wave.orders_per_list"))
    if max_orders <= 0 or orders_per_list <= 0:
        raise Rejected(_("--max-orders and --orders-per-list must be positive"))
    mode = settings.get(store, "merge.mode")
    with store.write(actor) as write:
        write.require(Permission.RELEASE_WAVE)
        # a buyer's orders become one (or wait for a supervisor's word), then oversize units
        # get orders, parcels and waybills of their own
        held = merge_at_release(write, mode)
        split_ships_alone(write)
        where = "o.status = ? AND o.picklist_id IS NULL"
        parameters: list[Any] = [OrderStatus.ALLOCATED.value]
        if priority:
            where += " AND o.priority = ?"
            parameters.append(priority)
        rows = write.execute(
            "SELECT o.order_no, o.due_at, o.priority, l.id AS line_id, l.sku, l.qty FROM orders o"
            " JOIN order_lines l ON l.order_no = o.order_no"
            f" WHERE {where} ORDER BY o.due_at, o.order_no, l.line_no",
            parameters,
        ).fetchall()
        orders: dict[str, WaveOrder] = {}
        for row in rows:
            if row["order_no"] in held:
                continue
            order = orders.get(row["order_no"])
            line = WaveLine(row["line_id"], row["sku"], row["qty"], "")
            if order is None:
                orders[row["order_no"]] = WaveOrder(
                    row["order_no"], from_iso(row["due_at"]), Priority(row["priority"]), (line,)
                )
            else:
                orders[row["order_no"]] = WaveOrder(
                    order.order_no, order.due_at, order.priority, (*order.lines, line)
                )
        walk = few_bins_walk_key(write.conn)  # a wave's bins, not the warehouse's
        chosen, reservations, unfilled = _draw_bins(write, orders.values(), walk, max_orders)
        plans = plan_wave(chosen, walk, max_orders, orders_per_list)
        for order_no, short in unfilled:
            _back_to_backordered(write, order_no, short)
        if not plans:
            write.audit("wave.release", "wave", orders=0)
            return {"wave_id": None, "picklists": [], "orders": 0}
        order_count = sum(len(plan.order_nos) for plan in plans)
        wave_id = write.execute(
            "INSERT INTO waves (released_at, released_by, order_count) VALUES (?,?,?)",
            (write.now, actor.user, order_count),
        ).lastrowid
        save_movements(write, reservations, Document("wave", str(wave_id)))
        picklist_ids = []
        for plan in plans:
            picklist_id = write.execute(
                "INSERT INTO picklists (wave_id, status, priority, due_at, created_at)"
                " VALUES (?,?,?,?,?)",
                (
                    wave_id,
                    PickListStatus.RELEASED.value,
                    plan.priority.value,
                    to_iso(plan.due_at),
                    write.now,
                ),
            ).lastrowid
            assert picklist_id is not None
            picklist_ids.append(picklist_id)
            for seq, stop in enumerate(plan.lines, start=1):
                line_id = write.execute(
                    "INSERT INTO pick_lines (picklist_id, seq, sku, location, lot, qty)"
                    " VALUES (?,?,?,?,?,?)",
                    (picklist_id, seq, stop.sku, stop.location, stop.lot, stop.qty),
                ).lastrowid
                write.conn.executemany(
                    "INSERT INTO pick_shares (pick_line_id, order_line_id, order_no, qty)"
                    " VALUES (?,?,?,?)",
                    [(line_id, s.order_line_id, s.order_no, s.qty) for s in stop.shares],
                )
            write.conn.executemany(
                "UPDATE orders SET picklist_id = ?, updated_at = ? WHERE order_no = ?",
                [(picklist_id, write.now, order_no) for order_no in plan.order_nos],
            )
            write.audit(
                "picklist.create",
                picklist_code(store, picklist_id),
                wave=wave_id,
                orders=list(plan.order_nos),
            )
        write.audit("wave.release", f"wave {wave_id}", orders=order_count, lists=picklist_ids)
    return {"wave_id": wave_id, "picklists": picklist_ids, "orders": order_count}


def _draw_bins(
    write: Write, orders: Iterable[WaveOrder], walk: Any, max_orders: int
) -> tuple[list[WaveOrder], list[Movement], list[tuple[str, tuple[Unshippable, ...]]]]:
    """The bins each line of the most urgent orders draws on (core.waves.draw_order). Returns
    the orders with their lines placed in bins, the reservations to save, and the orders no
    shippable stock could fill, with what each lacks."""
    wanted = sorted(orders, key=urgency)[:max_orders]
    skus = sorted({line.sku for order in wanted for line in order.lines})
    rows: Mapping[str, Sequence[StockRow]] = rows_of(write.conn, skus)
    windows = shelf_days(write, skus)
    today = stock_rules.expiry_day(write.now)
    chosen: list[WaveOrder] = []
    reservations: list[Movement] = []
    unfilled: list[tuple[str, tuple[Unshippable, ...]]] = []
    for order in wanted:
        drawn = draw_order(order, rows, walk, today, windows)
        if drawn.drawn:
            chosen.append(drawn.order)
            reservations += drawn.movements
            rows = drawn.rows
        else:
            unfilled.append((order.order_no, drawn.short))
    return chosen, reservations, unfilled


def _back_to_backordered(write: Write, order_no: str, short: tuple[Unshippable, ...]) -> None:
    """An allocated order whose lines no shippable stock can fill any longer (its lots entered
    the do-not-ship window, or units left its bins) gives its reservation back and waits for
    stock as a backordered order, with what it lacks in the audit; the supervisor's Stock
    section shows it among the backorders with the units held back by expiry."""
    for line in write.execute(
        "SELECT sku, reserved FROM order_lines WHERE order_no = ? AND reserved > 0", (order_no,)
    ).fetchall():
        write.execute(
            "UPDATE products SET reserved = reserved - ? WHERE sku = ?",
            (line["reserved"], line["sku"]),
        )
    write.execute("UPDATE order_lines SET reserved = 0 WHERE order_no = ?", (order_no,))
    set_order_status(write, order_no, OrderStatus.BACKORDERED, current=OrderStatus.ALLOCATED)
    write.audit(
        "wave.backorder",
        order_no,
        reason="no shippable stock for its lines",
        short=[
            {
                "sku": item.sku,
                "needed": item.needed,
                "shippable": item.shippable,
                "too_close_to_expiry": item.too_close,
            }
            for item in short
        ],
    )


def picklist_code(store: Store, picklist_id: int) -> str:
    """The scannable code of a pick list, e.g. ``P:000012``."""
    return f"{settings.get(store, 'prefix.picklist')}{picklist_id:06d}"


def claim_next(store: Store, actor: Actor) -> int | None:
    """Give the picker the most urgent released list, or the one they are already picking.

    The check and the claim happen in one ``BEGIN IMMEDIATE`` transaction, so two pickers in
    two processes never get the same list."""
    return take_next(store, actor)[0]


def take_next(
    store: Store, actor: Actor, wait: bool = True
) -> tuple[int | None, tuple[LotRedraw, ...]]:
    """:func:`claim_next`, with the list's lots checked again in the same transaction
    (data.lot_recheck): the lines moved off, or closed short from, a lot that expired or
    entered its product's do-not-ship window since the list was released. ``wait=False``:
    :class:`data.store.LockTaken` at once when another connection holds the write lock."""
    from data.lot_recheck import redraw_stale_lots  # it imports data.picking, which imports us

    with store.write(actor, wait=wait) as write:
        write.require(Permission.PICK)
        mine = write.execute(
            "SELECT id FROM picklists WHERE picker = ? AND status = ? ORDER BY claimed_at LIMIT 1",
            (actor.user, PickListStatus.PICKING.value),
        ).fetchone()
        if mine:
            code = picklist_code(store, mine["id"])
            write.audit("picklist.resume", code)
            return int(mine["id"]), redraw_stale_lots(write, mine["id"], code)
        row = write.execute(
            "SELECT id FROM picklists WHERE status = ? ORDER BY due_at, id LIMIT 1",
            (PickListStatus.RELEASED.value,),
        ).fetchone()
        if row is None:
            write.audit("picklist.claim_none", "picklists")
            return None, ()
        code = picklist_code(store, row["id"])
        set_list_status(
            write,
            row["id"],
            PickListStatus.PICKING,
            code,
            current=PickListStatus.RELEASED,
            picker=actor.user,
            station=actor.station,
            claimed_at=write.now,
        )
        _start_orders(write, row["id"])
        write.audit("picklist.claim", code)
        return int(row["id"]), redraw_stale_lots(write, row["id"], code)


def recheck_list(store: Store, actor: Actor, picklist_id: int) -> tuple[LotRedraw, ...]:
    """Check again the lots of the list the picker is picking (resumed, or on the pick screen
    when the day turns): see :func:`take_next`. Nothing happens on a list that is not theirs
    to pick. Most days nothing moves, and a read says so without taking the write lock."""
    from data.lot_recheck import redraw_stale_lots, stale_lines

    def theirs(conn: Any) -> bool:
        row = conn.execute(
            "SELECT picker, status FROM picklists WHERE id = ?", (picklist_id,)
        ).fetchone()
        return (
            row is not None
            and row["picker"] == actor.user
            and row["status"] == PickListStatus.PICKING.value
        )

    with store.read() as conn:
        if not theirs(conn) or not stale_lines(conn, picklist_id, to_iso(store.clock.now()))[1]:
            return ()
    with store.write(actor) as write:
        write.require(Permission.PICK)
        code = picklist_code(store, picklist_id)
        write.audit("picklist.lot_check", code)
        if not theirs(write.conn):
            return ()
        return redraw_stale_lots(write, picklist_id, code)


def reassign_picklist(
    store: Store, actor: Actor, picklist_id: int, picker: str, reason: str
) -> dict[str, Any]:
    """Give a list that is waiting or being picked to another picker, with the reason (audited
    ``picklist.reassign``). The new picker resumes it where it stands with their next list
    (a location confirmed by the old picker must be scanned again); the old picker's scans
    on it are refused from now on. A waiting list becomes theirs as if they had claimed it."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the list is reassigned"))
    picker = picker.strip().lower()
    with store.write(actor) as write:
        write.require(Permission.REASSIGN)
        row = write.execute(
            "SELECT status, picker FROM picklists WHERE id = ?", (picklist_id,)
        ).fetchone()
        if row is None:
            raise NotFound(_("no pick list {id}").format(id=picklist_id))
        code = picklist_code(store, picklist_id)
        status = PickListStatus(row["status"])
        if status not in (PickListStatus.RELEASED, PickListStatus.PICKING):
            raise Rejected(
                _(
                    "list {code} is {status}; only a waiting list or one being picked can be"
                    " reassigned"
                ).format(code=code, status=words.pick_list(status))
            )
        user = write.execute(
            "SELECT role, active, station FROM users WHERE name = ?", (picker,)
        ).fetchone()
        if user is None or not user["active"] or not may(Role(user["role"]), Permission.PICK):
            raise Rejected(_("{picker} is not an active user who may pick").format(picker=picker))
        if row["picker"] == picker and status is PickListStatus.PICKING:
            raise Rejected(_("list {code} is already {picker}'s").format(code=code, picker=picker))
        set_list_status(
            write,
            picklist_id,
            PickListStatus.PICKING,
            code,
            picker=picker,
            station=user["station"],
            claimed_at=write.now,
            confirmed_location=None,
        )
        _start_orders(write, picklist_id)
        write.audit(
            "picklist.reassign",
            code,
            before=row["picker"],
            after=picker,
            was=status.value,
            reason=reason,
        )
    return {"picklist_id": picklist_id, "code": code, "before": row["picker"], "after": picker}


def _start_orders(write: Write, picklist_id: int) -> None:
    """The allocated orders of a list being claimed start picking (orders taken off it or
    already further along keep their status)."""
    set_order_statuses(
        write,
        [
            (order["order_no"], OrderStatus.ALLOCATED, OrderStatus.PICKING)
            for order in write.execute(
                "SELECT order_no FROM orders WHERE picklist_id = ? AND status = ?",
                (picklist_id, OrderStatus.ALLOCATED.value),
            ).fetchall()
        ],
    )


def current_list(store: Store, user: str) -> int | None:
    """The list a user is picking, if any."""
    value = store.scalar(
        "SELECT id FROM picklists WHERE picker = ? AND status = ? ORDER BY claimed_at LIMIT 1",
        (user, PickListStatus.PICKING.value),
    )
    return int(value) if value is not None else None


def list_picklists(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """Pick lists, most urgent first."""
    where, parameters = ("WHERE p.status = ?", [status]) if status else ("", [])
    rows = store.query(
        "SELECT p.id, p.wave_id, p.status, p.priority, p.due_at, p.picker, p.claimed_at,"
        " p.finished_at,"
        " (SELECT count(*) FROM pick_lines l WHERE l.picklist_id = p.id) AS lines,"
        " (SELECT coalesce(sum(qty), 0) FROM pick_lines l WHERE l.picklist_id = p.id) AS units,"
        " (SELECT coalesce(sum(picked), 0) FROM pick_lines l WHERE l.picklist_id = p.id)"
        "   AS picked,"
        " (SELECT count(*) FROM orders o WHERE o.picklist_id = p.id) AS orders"
        f" FROM picklists p {where} ORDER BY p.due_at, p.id",
        parameters,
    )
    for row in rows:
        row["code"] = picklist_code(store, row["id"])
    return rows


def show_picklist(store: Store, picklist_id: int) -> dict[str, Any]:
    """A pick list with its lines in walk order and which orders each line serves."""
    rows = [row for row in list_picklists(store) if row["id"] == picklist_id]
    if not rows:
        raise NotFound(_("no pick list {id}").format(id=picklist_id))
    result = rows[0]
    lines = store.query(
        "SELECT l.id, l.seq, l.sku, coalesce(p.name, '') AS name, l.location, l.qty, l.picked,"
        " l.short, l.short_reason FROM pick_lines l LEFT JOIN products p ON p.sku = l.sku"
        " WHERE l.picklist_id = ? ORDER BY l.seq",
        (picklist_id,),
    )
    for line in lines:
        line["orders"] = store.query(
            "SELECT order_no, qty, picked FROM pick_shares WHERE pick_line_id = ? ORDER BY id",
            (line["id"],),
        )
    result["lines"] = lines
    result["order_nos"] = [
        row["order_no"]
        for row in store.query(
            "SELECT order_no FROM orders WHERE picklist_id = ? ORDER BY due_at", (picklist_id,)
        )
    ]
    return result
