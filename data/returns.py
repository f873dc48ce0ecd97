"""After-sales (售后): returns received by scan (销退扫描入库), unidentified parcels (无信息件)
and the site's return reasons. Every returned unit is one stock ledger entry (kind ``return``)
written by :func:`data.stock.save_movements`, keyed to its return line by ``unit_key`` so a
resubmitted receipt adds nothing; the rules are in core/returns.py."""

from __future__ import annotations

import sqlite3
from typing import Any

from core import returns as rules
from core.clock import from_iso
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import OrderDraft, OrderLineDraft, OrderStatus, PaymentStatus, Priority
from core.returns import Condition, ReturnKind, ReturnRefused, ReturnStatus
from core.roles import Permission
from core.sla import SlaPolicy
from core.stock import ALLOCATABLE, BinKind, bin_code
from data import settings
from data.orders import store_made_order
from data.status import set_order_status
from data.stock import Document, bin_kind, save_movements
from data.store import Actor, Store, Write

_SHIPPED = (
    OrderStatus.SHIPPED.value,
    OrderStatus.IN_TRANSIT.value,
    OrderStatus.DELIVERED.value,
    OrderStatus.RETURNED.value,
)


# -- finding the order ---------------------------------------------------------------------------


def find_orders(
    conn: sqlite3.Connection,
    waybill: str | None = None,
    order_no: str | None = None,
    who: str | None = None,
) -> list[dict[str, Any]]:
    """Shipped orders matching a waybill number (the original label), an order number, or a
    buyer's phone or name; several may match."""
    base = (
        "SELECT DISTINCT o.order_no, o.customer_name, o.phone, o.status, o.shipped_at FROM orders o"
    )
    if waybill:
        # the original label, or the return waybill of an expected return (returns import)
        sql = (
            f"{base} WHERE (o.order_no IN (SELECT s.order_no FROM shipments s"
            " JOIN packages p ON p.shipment_id = s.id WHERE p.waybill_no = ?)"
            " OR o.order_no IN (SELECT order_no FROM expected_returns WHERE return_waybill = ?))"
        )
        parameters: list[Any] = [waybill.strip().upper()] * 2
    elif order_no:
        sql, parameters = f"{base} WHERE o.order_no = ?", [order_no.strip()]
    elif who:
        sql = f"{base} WHERE (o.phone = ? OR o.customer_name = ?)"
        parameters = [who.strip(), who.strip()]
    else:
        raise Rejected(_("name the parcel: a waybill number, an order, a phone or a name"))
    sql += f" AND o.status IN ({','.join('?' * len(_SHIPPED))}) ORDER BY o.order_no"
    return [dict(r) for r in conn.execute(sql, [*parameters, *_SHIPPED])]


def match(
    store: Store, waybill: str | None = None, order_no: str | None = None, who: str | None = None
) -> list[dict[str, Any]]:
    """:func:`find_orders` with what each order shipped and what already came back."""
    with store.read() as conn:
        found = find_orders(conn, waybill, order_no, who)
        for order in found:
            shipped = _shipped(conn, order["order_no"])
            back = _returned(conn, order["order_no"])
            order["lines"] = [
                {"sku": sku, "shipped": qty, "returned": back.get(sku, 0)}
                for sku, qty in sorted(shipped.items())
            ]
    return found


def _one_order(conn: sqlite3.Connection, waybill: str | None, order_no: str | None) -> str:
    found = find_orders(conn, waybill, order_no)
    if not found:
        raise NotFound(
            _("no shipped order for {what}; receive it as an unidentified parcel").format(
                what=waybill or order_no or "—"
            )
        )
    if len(found) > 1:
        raise Rejected(
            _("{n} orders match: {orders}; receive by --order").format(
                n=len(found), orders=", ".join(o["order_no"] for o in found)
            )
        )
    return str(found[0]["order_no"])


def _shipped(conn: sqlite3.Connection, order_no: str) -> dict[str, int]:
    return {
        r["sku"]: r["n"]
        for r in conn.execute(
            "SELECT sku, sum(packed) AS n FROM order_lines WHERE order_no = ? GROUP BY sku",
            (order_no,),
        )
        if r["n"]
    }


def _returned(conn: sqlite3.Connection, order_no: str) -> dict[str, int]:
    return {
        r["sku"]: r["n"]
        for r in conn.execute(
            "SELECT u.sku, sum(u.qty) AS n FROM return_units u JOIN returns r ON r.id = u.return_id"
            " WHERE r.order_no = ? AND r.status != 'written_off' GROUP BY u.sku",
            (order_no,),
        )
    }


# -- reasons -------------------------------------------------------------------------------------


def reasons(conn: sqlite3.Connection) -> list[str]:
    """The site's return reasons, in their order."""
    return [r[0] for r in conn.execute("SELECT reason FROM return_reasons ORDER BY position")]


def list_reasons(store: Store) -> list[str]:
    """The site's return reasons."""
    with store.read() as conn:
        return reasons(conn)


def add_reason(store: Store, actor: Actor, text: str) -> list[str]:
    """Add a return reason at the end of the list (nothing when it is there already)."""
    reason = rules.reason_text(text)
    if not reason:
        raise Rejected(_("name the reason"))
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        write.execute(
            "INSERT INTO return_reasons (reason, position) SELECT ?,"
            " coalesce(max(position), 0) + 1 FROM return_reasons WHERE true"
            " ON CONFLICT (reason) DO NOTHING",
            (reason,),
        )
        write.audit("returns.reason.add", reason)
        return reasons(write.conn)


def remove_reason(store: Store, actor: Actor, text: str) -> list[str]:
    """Remove a return reason (units received with it keep it)."""
    reason = rules.reason_text(text)
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        if not write.execute("DELETE FROM return_reasons WHERE reason = ?", (reason,)).rowcount:
            raise NotFound(_("no return reason {reason!r}").format(reason=reason))
        write.audit("returns.reason.remove", reason)
        return reasons(write.conn)


# -- receiving -----------------------------------------------------------------------------------


def existing_bin(conn: sqlite3.Connection, named: str) -> str:
    """The code of a bin named at the returns bench or by ``returns receive --bin``; a bin the
    warehouse does not know is refused (NotFound) rather than made: a typo would otherwise
    become a bin, holding units nobody looks for."""
    code = bin_code(named)
    if conn.execute("SELECT 1 FROM locations WHERE code = ?", (code,)).fetchone() is None:
        raise NotFound(_("no bin {bin}; scan a bin that exists").format(bin=code))
    return code


def _bin_for(write: Write, condition: Condition, named: str | None) -> str:
    """The bin returned units go to: one named must exist (see :func:`existing_bin`); the
    default returns or damaged bin is described as such when new. A damaged unit never goes
    to a bin orders are allocated from."""
    default = rules.DAMAGED_BIN if condition is Condition.DAMAGED else rules.RETURNS_BIN
    code = existing_bin(write.conn, named) if named else default
    kind = BinKind.DAMAGED if condition is Condition.DAMAGED else BinKind.RETURNS
    write.execute(
        "INSERT INTO locations (code, kind) VALUES (?, ?) ON CONFLICT (code) DO NOTHING",
        (code, kind.value),
    )
    if condition is Condition.DAMAGED and bin_kind(write.conn, code) in ALLOCATABLE:
        raise Rejected(
            _("bin {bin} is picked from; damaged units go to a damaged bin").format(bin=code)
        )
    return code


def _open_return(
    write: Write, order_no: str, waybill: str, kind: ReturnKind = ReturnKind.RETURN
) -> int:
    """The order's open return of this kind (one is made for its first unit)."""
    row = write.execute(
        "SELECT id FROM returns WHERE order_no = ? AND kind = ? AND status = 'open'"
        " ORDER BY id LIMIT 1",
        (order_no, kind.value),
    ).fetchone()
    if row is not None:
        return int(row["id"])
    cursor = write.execute(
        "INSERT INTO returns (order_no, kind, status, waybill_no, created_by, created_at)"
        " VALUES (?, ?, 'open', ?, ?, ?)",
        (order_no, kind.value, waybill, write.actor.user, write.now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _repeat(
    write: Write, key: str, order_no: str | None, sku: str, qty: int, condition: Condition
) -> dict[str, Any] | None:
    """The unit already received under ``key`` (a resubmitted receipt), or None; refused when
    the key was used for a different unit."""
    row = write.execute(
        "SELECT u.*, r.order_no FROM return_units u JOIN returns r ON r.id = u.return_id"
        " WHERE u.unit_key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return None
    if (row["order_no"], row["sku"], row["qty"], row["condition"]) != (
        order_no,
        sku,
        qty,
        condition.value,
    ):
        raise Rejected(
            _("key {key!r} was used for another unit; scan the unit again").format(key=key)
        )
    made = write.execute("SELECT order_no FROM order_links WHERE link_key = ?", (key,)).fetchone()
    extra = {"replacement": made["order_no"]} if made is not None else {}
    return {**_unit(row), **extra, "repeat": True}


def _unit(row: Any) -> dict[str, Any]:
    return {
        "return": row["return_id"],
        "key": row["unit_key"],
        "sku": row["sku"],
        "qty": row["qty"],
        "condition": row["condition"],
        "reason": row["reason"],
        "bin": row["bin"],
        "repeat": False,
    }


def _record_refusal(
    write: Write, order_no: str | None, waybill: str, sku: str, qty: int, err: ReturnRefused
) -> None:
    write.execute(
        "INSERT INTO return_refusals (order_no, waybill_no, sku, qty, code, detail, user, at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (order_no, waybill, sku, qty, err.code, str(err), write.actor.user, write.now),
    )
    write.audit("returns.refuse", order_no or waybill, sku=sku, qty=qty, code=err.code)


def receive(
    store: Store,
    actor: Actor,
    sku: str,
    qty: int,
    condition: str,
    reason: str = "",
    waybill: str | None = None,
    order_no: str | None = None,
    bin_name: str | None = None,
    key: str | None = None,
    kind: str | None = None,
    exchange_sku: str | None = None,
) -> dict[str, Any]:
    """Receive ``qty`` returned units of ``sku`` of the order found by ``waybill`` or
    ``order_no``: good units into the returns bin (or ``bin_name``), damaged ones into a damaged
    bin with a reason. Units the order did not ship, or more than it shipped minus what already
    came back, are refused (ReturnRefused) and recorded. ``key``: the unit's scan id; the same
    key received again adds nothing (``repeat`` true). ``kind`` exchange (换货): the units
    received make a linked replacement order (rush) of ``exchange_sku`` (when None: the SKU
    the after-sales export names for it, else the same SKU) that goes through the normal
    flow. ``kind`` None: as the order's expected return says (an exchange when the
    after-sales export says so, else a return for refund)."""
    state = rules.condition_of(condition)
    key = rules.scan_key(key)
    what = rules.kind_of(kind) if kind is not None else None
    if what not in (None, ReturnKind.RETURN, ReturnKind.EXCHANGE):
        raise Rejected(_("units are received as a return or an exchange"))
    policy = settings.sla_policy(store)
    reason = rules.reason_text(reason)
    sku = sku.strip()
    with store.write(actor) as write:
        write.require(Permission.RECEIVE_RETURN)
        order = _one_order(write.conn, waybill, order_no)
        if key and (done := _repeat(write, key, order, sku, qty, state)):
            write.audit("returns.receive.repeat", order, key=key)
            return done
        rules.check_reason(reason, state, reasons(write.conn))
        try:
            rules.check_units(_shipped(write.conn, order), _returned(write.conn, order), sku, qty)
        except ReturnRefused as refused:
            # the refusal is recorded and committed; nothing moves
            _record_refusal(write, order, waybill or "", sku, qty, refused)
            failure: ReturnRefused | None = refused
        else:
            failure = None
            expected = _expected(write.conn, order)
            back = _returned(write.conn, order)
            if what is None:
                found = rules.expectation_of(expected, back, waybill or "")
                exchange = found is not None and found.kind is ReturnKind.EXCHANGE
                what = ReturnKind.EXCHANGE if exchange else ReturnKind.RETURN
            if what is ReturnKind.EXCHANGE and not exchange_sku:
                exchange_sku = rules.expected_replacement(expected, back, sku) or None
            return_id = _open_return(write, order, (waybill or "").strip().upper(), what)
            result = _save_unit(write, return_id, sku, qty, state, reason, bin_name, key)
            if what is ReturnKind.EXCHANGE:
                lines = [((exchange_sku or sku).strip(), qty)]
                result["replacement"] = _linked_order(
                    write, order, "exchange", lines, policy, return_id, result["key"]
                )
            write.audit(
                "returns.receive", order, **{k: v for k, v in result.items() if k != "repeat"}
            )
    if failure is not None:
        raise failure
    return result


def _save_unit(
    write: Write,
    return_id: int,
    sku: str,
    qty: int,
    state: Condition,
    reason: str,
    bin_name: str | None,
    key: str | None,
) -> dict[str, Any]:
    if write.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
        raise NotFound(_("no product {sku}").format(sku=sku))
    code = _bin_for(write, state, bin_name)
    unit_id = write.execute(
        "INSERT INTO return_units (return_id, unit_key, sku, qty, condition, reason, bin,"
        " received_by, received_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (return_id, key or "", sku, qty, state.value, reason, code, write.actor.user, write.now),
    ).lastrowid
    if not key:
        # a unit scanned without its own id is known by its return and its row
        key = f"{return_id}:{unit_id}"
        write.execute("UPDATE return_units SET unit_key = ? WHERE id = ?", (key, unit_id))
    save_movements(write, rules.receive(sku, qty, code), Document("return", str(return_id), reason))
    row = write.execute("SELECT * FROM return_units WHERE id = ?", (unit_id,)).fetchone()
    return _unit(row)


def close_return(store: Store, actor: Actor, return_id: int) -> dict[str, Any]:
    """Close a return: its order's lines record what came back; an order whose shipped units
    all came back becomes ``returned``, otherwise it stays ``shipped``."""
    with store.write(actor) as write:
        write.require(Permission.RECEIVE_RETURN)
        row = write.execute("SELECT * FROM returns WHERE id = ?", (return_id,)).fetchone()
        if row is None:
            raise NotFound(_("no return {id}").format(id=return_id))
        if row["status"] != ReturnStatus.OPEN.value:
            raise Rejected(
                _("return {id} is {status}; only an open return closes").format(
                    id=return_id, status=row["status"]
                )
            )
        order_no = row["order_no"]
        status = _record_lines(write, order_no)
        write.execute(
            "UPDATE returns SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
            (write.actor.user, write.now, return_id),
        )
        write.audit("returns.close", str(return_id), order=order_no, status=status)
    return {"return": return_id, "order_no": order_no, "order_status": status}


def _record_lines(write: Write, order_no: str) -> str:
    shipped = _shipped(write.conn, order_no)
    back = _returned(write.conn, order_no)
    lines = [
        (r["id"], r["sku"], r["packed"])
        for r in write.execute(
            "SELECT id, sku, packed FROM order_lines WHERE order_no = ? ORDER BY line_no",
            (order_no,),
        )
    ]
    for line_id, qty in rules.per_line(lines, back).items():
        write.execute("UPDATE order_lines SET returned = ? WHERE id = ?", (qty, line_id))
    status = OrderStatus(
        write.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,)).fetchone()[0]
    )
    if rules.all_back(shipped, back) and status in (
        OrderStatus.SHIPPED,
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
    ):
        set_order_status(write, order_no, OrderStatus.RETURNED, status)
        return OrderStatus.RETURNED.value
    return status.value


# -- unidentified parcels (无信息件) --------------------------------------------------------------


def receive_unidentified(
    store: Store,
    actor: Actor,
    waybill: str,
    sku: str,
    qty: int,
    carrier: str = "",
    note: str = "",
    key: str | None = None,
) -> dict[str, Any]:
    """Keep the units of a parcel no order matches in the returns bin, under a parcel number,
    until a supervisor links it to an order or writes it off."""
    waybill = waybill.strip().upper()
    if not waybill:
        raise Rejected(_("an unidentified parcel needs its waybill number (--waybill)"))
    if len(waybill) > 40 or not waybill.isprintable() or any(ch.isspace() for ch in waybill):
        raise Rejected(_("{code!r} is not a waybill number").format(code=waybill))
    if qty <= 0:
        raise Rejected(_("the quantity must be a positive whole number"))
    key = rules.scan_key(key)
    note = " ".join(note.split())
    if not note.isprintable() or not carrier.isprintable():
        raise Rejected(_("a note is one line of text"))
    sku = sku.strip()
    with store.write(actor) as write:
        write.require(Permission.RECEIVE_RETURN)
        if key and (done := _repeat(write, key, None, sku, qty, Condition.GOOD)):
            write.audit("returns.receive.repeat", waybill, key=key)
            return done
        row = write.execute(
            "SELECT id FROM returns WHERE waybill_no = ? AND status = 'unidentified'", (waybill,)
        ).fetchone()
        if row is None:
            parcel = write.execute(
                "INSERT INTO returns (order_no, status, waybill_no, carrier, note, created_by,"
                " created_at) VALUES (NULL, 'unidentified', ?, ?, ?, ?, ?)",
                (waybill, carrier.strip(), note, write.actor.user, write.now),
            ).lastrowid
        else:
            parcel = row["id"]
        assert parcel is not None
        result = _save_unit(write, parcel, sku, qty, Condition.GOOD, "", None, key)
        write.audit("returns.unidentified", waybill, parcel=parcel, sku=sku, qty=qty)
    return result


def _parcel(write: Write, parcel: int) -> Any:
    row = write.execute("SELECT * FROM returns WHERE id = ?", (parcel,)).fetchone()
    if row is None:
        raise NotFound(_("no parcel {id}").format(id=parcel))
    if row["status"] != ReturnStatus.UNIDENTIFIED.value:
        raise Rejected(
            _("parcel {id} is {status}, not unidentified").format(id=parcel, status=row["status"])
        )
    return row


def link(store: Store, actor: Actor, parcel: int, order_no: str) -> dict[str, Any]:
    """A supervisor links an unidentified parcel to the order it came from; its units must fit
    what the order shipped minus what already came back. The parcel becomes an open return."""
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        _parcel(write, parcel)
        order = _one_order(write.conn, None, order_no)
        shipped, back = _shipped(write.conn, order), dict(_returned(write.conn, order))
        for unit in write.execute(
            "SELECT sku, sum(qty) AS n FROM return_units WHERE return_id = ? GROUP BY sku",
            (parcel,),
        ).fetchall():
            rules.check_units(shipped, back, unit["sku"], unit["n"])
            back[unit["sku"]] = back.get(unit["sku"], 0) + unit["n"]
        write.execute(
            "UPDATE returns SET order_no = ?, status = 'open' WHERE id = ?", (order, parcel)
        )
        write.audit("returns.link", str(parcel), order=order)
    return {"return": parcel, "order_no": order}


def write_off(store: Store, actor: Actor, parcel: int, reason: str) -> dict[str, Any]:
    """A supervisor writes off an unidentified parcel: its units leave the bins they wait in
    (write-off ledger entries)."""
    reason = rules.reason_text(reason)
    if not reason:
        raise Rejected(_("say why the parcel is written off (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        _parcel(write, parcel)
        units = write.execute(
            "SELECT sku, bin, sum(qty) AS n FROM return_units WHERE return_id = ?"
            " GROUP BY sku, bin",
            (parcel,),
        ).fetchall()
        movements = [m for u in units for m in rules.write_off(u["sku"], u["n"], u["bin"])]
        save_movements(write, movements, Document("return", str(parcel), reason))
        write.execute(
            "UPDATE returns SET status = 'written_off', write_off_reason = ?, closed_by = ?,"
            " closed_at = ? WHERE id = ?",
            (reason, write.actor.user, write.now, parcel),
        )
        write.audit("returns.write_off", str(parcel), reason=reason)
    return {"return": parcel, "written_off": sum(u["n"] for u in units), "reason": reason}


# -- looking -------------------------------------------------------------------------------------


def list_returns(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """Returns and unidentified parcels, newest first, with their units."""
    where, parameters = ("WHERE r.status = ?", [status]) if status else ("", [])
    return store.query(
        "SELECT r.id, r.order_no, r.kind, r.status, r.waybill_no, r.carrier, r.created_at,"
        " coalesce(sum(u.qty), 0) AS units,"
        " coalesce(sum(CASE WHEN u.condition = 'damaged' THEN u.qty END), 0) AS damaged"
        f" FROM returns r LEFT JOIN return_units u ON u.return_id = r.id {where}"
        " GROUP BY r.id ORDER BY r.id DESC",
        parameters,
    )


def show_return(store: Store, return_id: int) -> dict[str, Any]:
    """One return with its units and the refusals recorded for its order."""
    with store.read() as conn:
        row = conn.execute("SELECT * FROM returns WHERE id = ?", (return_id,)).fetchone()
        if row is None:
            raise NotFound(_("no return {id}").format(id=return_id))
        result = dict(row)
        result["units"] = [
            _unit(u)
            for u in conn.execute(
                "SELECT * FROM return_units WHERE return_id = ? ORDER BY id", (return_id,)
            )
        ]
        result["refused"] = [
            dict(r)
            for r in conn.execute(
                "SELECT sku, qty, code, detail, user, at FROM return_refusals"
                " WHERE order_no = ? OR (order_no IS NULL AND waybill_no = ?) ORDER BY id",
                (row["order_no"], row["waybill_no"]),
            )
        ]
    return result


# -- the kinds of after-sales --------------------------------------------------------------------


def _linked_order(
    write: Write,
    source: str,
    kind: str,
    lines: list[tuple[str, int]],
    policy: SlaPolicy,
    return_id: int | None,
    key: str | None,
) -> str:
    """A rush order to the buyer of ``source`` (same address), linked to it, stored and
    allocated like an import; a ``key`` already used returns the order it made."""
    if key:
        done = write.execute(
            "SELECT order_no FROM order_links WHERE link_key = ?", (key,)
        ).fetchone()
        if done is not None:
            return str(done["order_no"])
    original = write.execute("SELECT * FROM orders WHERE order_no = ?", (source,)).fetchone()
    taken = write.execute(
        "SELECT count(*) FROM order_links WHERE source_order = ? AND kind = ?", (source, kind)
    ).fetchone()[0]
    order_no = rules.linked_order_no(source, kind, taken)
    draft = OrderDraft(
        order_no=order_no,
        channel=original["channel"],
        placed_at=from_iso(write.now),
        priority=Priority.RUSH,
        payment_status=PaymentStatus(original["payment_status"]),
        customer_name=original["customer_name"],
        phone=original["phone"],
        country=original["country"],
        province=original["province"],
        city=original["city"],
        district=original["district"],
        address=original["address"],
        postcode=original["postcode"],
        lines=tuple(
            OrderLineDraft(sku, qty, _("for {order}").format(order=source)) for sku, qty in lines
        ),
        shop=original["shop"],
    )
    status = store_made_order(write, draft, policy)
    write.execute(
        "INSERT INTO order_links (order_no, source_order, kind, return_id, link_key,"
        " created_by, created_at) VALUES (?,?,?,?,?,?,?)",
        (order_no, source, kind, return_id, key, write.actor.user, write.now),
    )
    write.audit("order.linked", order_no, source=source, kind=kind, status=status.value)
    return order_no


def resend(
    store: Store,
    actor: Actor,
    order_no: str,
    sku: str,
    qty: int,
    reason: str,
    key: str | None = None,
) -> dict[str, Any]:
    """A re-send (补发): a linked rush order for missing or broken units, without a return;
    only units the order shipped. ``key``: the same key again makes nothing new."""
    reason = rules.reason_text(reason)
    if not reason:
        raise Rejected(_("say why the units are sent again (--reason)"))
    policy = settings.sla_policy(store)
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        order = _one_order(write.conn, None, order_no)
        if qty <= 0:
            raise Rejected(_("the quantity must be a positive whole number"))
        if _shipped(write.conn, order).get(sku, 0) < qty:
            raise Rejected(
                _("{order} shipped fewer than {qty} × {sku}; nothing to send again").format(
                    order=order, qty=qty, sku=sku
                )
            )
        made = _linked_order(write, order, "resend", [(sku, qty)], policy, None, key)
        write.audit("returns.resend", order, order_made=made, sku=sku, qty=qty, reason=reason)
    return {"order_no": order, "resend": made, "sku": sku, "qty": qty, "reason": reason}


def receive_refused(
    store: Store, actor: Actor, waybill: str | None = None, order_no: str | None = None
) -> dict[str, Any]:
    """A parcel refused at the door (拒收): every shipped unit not back yet returns good into
    the returns bin (one entry per SKU, keyed to the order, so receiving it again adds
    nothing), the shipment is marked refused and the order becomes returned. With both
    ``order_no`` and ``waybill``, the order is the one named and the waybill is recorded."""
    with store.write(actor) as write:
        write.require(Permission.RECEIVE_RETURN)
        order = _one_order(write.conn, None if order_no else waybill, order_no)
        out = rules.still_out(_shipped(write.conn, order), _returned(write.conn, order))
        if not out:
            raise Rejected(_("every unit of {order} is back already").format(order=order))
        return_id = _open_return(write, order, (waybill or "").strip().upper(), ReturnKind.REFUSED)
        units = [
            _save_unit(
                write, return_id, sku, qty, Condition.GOOD, "", None, f"refused:{order}:{sku}"
            )
            for sku, qty in out.items()
        ]
        write.execute(
            "UPDATE shipments SET refused_at = ? WHERE order_no = ? AND status = 'shipped'",
            (write.now, order),
        )
        status = _record_lines(write, order)
        write.execute(
            "UPDATE returns SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
            (write.actor.user, write.now, return_id),
        )
        write.audit("returns.refused", order, units=sum(u["qty"] for u in units))
    return {"return": return_id, "order_no": order, "units": units, "order_status": status}


def refund_only(store: Store, actor: Actor, order_no: str, reason: str) -> dict[str, Any]:
    """A refund without goods (仅退款): recorded for the reports; no stock moves."""
    reason = rules.reason_text(reason)
    if not reason:
        raise Rejected(_("say why the refund is made (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.APPROVE_RETURN)
        order = _one_order(write.conn, None, order_no)
        return_id = write.execute(
            "INSERT INTO returns (order_no, kind, status, note, created_by, created_at,"
            " closed_by, closed_at) VALUES (?, 'refund_only', 'closed', ?, ?, ?, ?, ?)",
            (order, reason, write.actor.user, write.now, write.actor.user, write.now),
        ).lastrowid
        write.audit("returns.refund_only", order, reason=reason, id=return_id)
    return {"return": return_id, "order_no": order, "kind": "refund_only", "reason": reason}


# -- expected returns (returns import) -----------------------------------------------------------


def import_expected(store: Store, actor: Actor, content: bytes) -> dict[str, Any]:
    """Store the returns a platform's after-sales export says are coming (CSV with the columns
    of :data:`core.returns.EXPECTED_COLUMNS`); a scan of the return waybill then finds the
    order. Importing the same file again changes nothing; rows naming an order not shipped
    here are refused with their row number."""
    import csv
    import io

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected(_("the after-sales file is not UTF-8 text")) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in rules.EXPECTED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Rejected(
            _("the after-sales file lacks the columns {columns}").format(columns=", ".join(missing))
        )
    lines, refused = rules.read_expected(reader)
    stored = kept = 0
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        for line in lines:
            if not find_orders(write.conn, order_no=line.order_no):
                refused.append(
                    _("{after_sales}: no shipped order {order}").format(
                        after_sales=line.after_sales_no, order=line.order_no
                    )
                )
                continue
            cursor = write.execute(
                "INSERT INTO expected_returns (after_sales_no, sku, order_no, return_waybill,"
                " kind, reason, qty, exchange_sku, imported_at) VALUES (?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (after_sales_no, sku) DO NOTHING",
                (
                    line.after_sales_no,
                    line.sku,
                    line.order_no,
                    line.return_waybill,
                    line.kind.value,
                    line.reason,
                    line.qty,
                    line.exchange_sku,
                    write.now,
                ),
            )
            if cursor.rowcount:
                stored += 1
            else:
                kept += 1
        write.audit("returns.import", "expected", stored=stored, kept=kept, refused=len(refused))
    return {"stored": stored, "already": kept, "refused": refused}


def list_expected(store: Store) -> list[dict[str, Any]]:
    """Expected returns with the units of their SKU already back from their order."""
    return store.query(
        "SELECT e.after_sales_no, e.order_no, e.return_waybill, e.kind, e.reason, e.sku, e.qty,"
        " e.exchange_sku, (SELECT coalesce(sum(u.qty), 0) FROM return_units u JOIN returns r"
        "  ON r.id = u.return_id WHERE r.order_no = e.order_no AND u.sku = e.sku"
        "  AND r.status != 'written_off') AS received"
        " FROM expected_returns e ORDER BY e.imported_at, e.after_sales_no, e.sku"
    )


def _expected(conn: sqlite3.Connection, order_no: str) -> list[rules.ExpectedReturn]:
    """The order's expected returns (returns import), in import order."""
    return [
        rules.ExpectedReturn(
            r["after_sales_no"],
            r["order_no"],
            r["return_waybill"],
            rules.kind_of(r["kind"]),
            r["reason"],
            r["sku"],
            int(r["qty"]),
            r["exchange_sku"],
        )
        for r in conn.execute(
            "SELECT * FROM expected_returns WHERE order_no = ?"
            " ORDER BY imported_at, after_sales_no, sku",
            (order_no,),
        )
    ]


def expectation(store: Store, order_no: str, waybill: str = "") -> rules.Expectation | None:
    """How a parcel of ``order_no`` (scanned by ``waybill``, maybe a return waybill) is
    expected back: the kind of its after-sales still waiting (an exchange with the SKU it
    sends, a parcel refused at delivery, a return for refund), or None when none waits."""
    with store.read() as conn:
        return rules.expectation_of(
            _expected(conn, order_no), _returned(conn, order_no), waybill.strip()
        )
