"""The packing bench on the store: open a list, tote or order at a bench, check every unit
(验货), close an order with its weight, carrier, waybill numbers and labels, confirm parcels
out by scanning their labels, void and reprint labels.

Every step is one ``BEGIN IMMEDIATE`` transaction with its audit rows; closing an order writes
its shipment, its waybill numbers and its label jobs in the same transaction, so a packed order
never lacks its label job and a label job never lacks its order.

Orders at a bench: ``packing`` with ``pack_station`` = the bench while their units are checked
(opening another list or order at the bench parks them back to ``picked``, their checked
counts kept), then ``packed`` until every parcel's label is scanned (``shipped``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from core import words
from core.carriers import (
    CarrierChoice,
    CarrierPolicy,
    Destination,
    check_override,
    choose_carrier,
)
from core.clock import from_iso, local_day, to_iso
from core.codes import CodePrefixes, ScannedCode, display_code, parse_scan
from core.errors import NotFound, Rejected, WaretermError
from core.i18n import _
from core.labels import (
    LABEL_LAYOUTS,
    LabelError,
    LabelShipment,
    Sender,
    compose_outbound_label,
)
from core.model import CodeKind, OrderStatus, PickListStatus, Priority, Verdict
from core.notices import notice, stored_parts
from core.packing import (
    MissingReason,
    PackDecision,
    PackLineState,
    PackOrderState,
    check_packages,
    judge_pack_scan,
)
from core.ports import (
    NumberWait,
    PackageView,
    PackLineView,
    PackOrderView,
    PackOutcome,
    PackView,
    ShipmentView,
)
from core.roles import Permission
from core.sla import PRIORITY_RANK
from core.waybills import IssuedWaybill, Routing, WaybillUnavailable
from data import carriers, ewaybills, printing, settings, stations
from data.catalog import sku_for_code
from data.orders import exception_reason, set_exception
from data.shipments import live_shipment
from data.status import set_order_status
from data.stock import ship_order as ship_stock
from data.store import Actor, Store, Write


@dataclass(frozen=True)
class BenchContext:
    """Settings a bench transaction needs, read before it starts."""

    prefixes: CodePrefixes
    sender: Sender
    policy: CarrierPolicy
    today: date
    privacy: bool = True


def bench_context(store: Store) -> BenchContext:
    """The settings of the bench's rules, read outside the write."""
    return BenchContext(
        prefixes=settings.prefixes(store),
        sender=settings.sender(store),
        policy=carriers.carrier_policy(store),
        # the date printed on the label: the day in China, not UTC's (yesterday until 08:00)
        today=local_day(store.clock.now()),
        privacy=settings.get(store, "label.privacy") == "true",
    )


# --------------------------------------------------------------------------- reading the bench


def read_bench(store: Store, station: str) -> PackView:
    """The bench as the pack screen shows it."""
    with store.read() as conn:
        return bench_view(conn, station, settings.get(store, "prefix.picklist"))


def bench_view(conn: Any, station: str, list_prefix: str = "P:", source: str = "") -> PackView:
    """Orders checking at the bench (most urgent first) and packed parcels waiting to ship."""
    rows = conn.execute(
        "SELECT * FROM orders WHERE pack_station = ? AND status IN (?, ?)"
        " ORDER BY due_at, order_no",
        (station, OrderStatus.PACKING.value, OrderStatus.PACKED.value),
    ).fetchall()
    views = [order_view(conn, row, list_prefix) for row in rows]
    checking = tuple(v for v in views if v.status is OrderStatus.PACKING)
    to_ship = tuple(v for v in views if v.status is OrderStatus.PACKED)
    if not source and checking:
        codes = {v.picklist_code for v in checking if v.picklist_code}
        source = codes.pop() if len(codes) == 1 else ""
    return PackView(station=station, checking=checking, to_ship=to_ship, source=source)


def items_weight_g(conn: Any, order_no: str) -> int:
    """What an order's items weigh by the catalog (grams; products without a weight add 0)."""
    return int(
        conn.execute(
            "SELECT coalesce(sum(l.qty * coalesce(p.weight_g, 0)), 0) FROM order_lines l"
            " LEFT JOIN products p ON p.sku = l.sku WHERE l.order_no = ?",
            (order_no,),
        ).fetchone()[0]
    )


def order_view(conn: Any, order: Any, list_prefix: str = "P:") -> PackOrderView:
    """One order with its lines and live shipment."""
    lines = tuple(
        PackLineView(
            sku=row["sku"],
            name=row["name"] or "",
            qty=row["qty"],
            packed=row["packed"],
            barcode=row["barcode"] or "",
        )
        for row in conn.execute(
            "SELECT l.sku, p.name, l.qty, l.packed,"
            " (SELECT min(code) FROM barcodes b WHERE b.sku = l.sku) AS barcode"
            " FROM order_lines l LEFT JOIN products p ON p.sku = l.sku"
            " WHERE l.order_no = ? ORDER BY l.line_no",
            (order["order_no"],),
        )
    )
    return PackOrderView(
        order_no=order["order_no"],
        status=OrderStatus(order["status"]),
        priority=Priority(order["priority"]),
        due_at=from_iso(order["due_at"]),
        customer_name=order["customer_name"],
        city=order["city"],
        lines=lines,
        picklist_code=(
            f"{list_prefix}{order['picklist_id']:06d}" if order["picklist_id"] else None
        ),
        expected_weight_g=items_weight_g(conn, order["order_no"]),
        shipment=shipment_view(conn, order["order_no"]),
        waiting=number_wait(conn, order["order_no"]),
    )


def number_wait(conn: Any, order_no: str) -> NumberWait | None:
    """The order's place in the queue of orders waiting for their API number, if it is in it."""
    row = conn.execute(
        "SELECT carrier, attempts, last_error, next_attempt_at FROM waybill_waits"
        " WHERE order_no = ? AND status = 'waiting'",
        (order_no,),
    ).fetchone()
    if row is None:
        return None
    return NumberWait(
        carrier=row["carrier"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"] or "",
        next_attempt_at=from_iso(row["next_attempt_at"]) if row["next_attempt_at"] else None,
    )


def shipment_view(conn: Any, order_no: str) -> ShipmentView | None:
    """An order's live (not voided) shipment with its parcels and their label jobs."""
    row = live_shipment(conn, order_no)
    if row is None:
        return None
    packages = tuple(
        PackageView(
            seq=p["seq"], waybill_no=p["waybill_no"], status=p["status"], label_status=p["job"]
        )
        for p in conn.execute(
            "SELECT p.seq, p.waybill_no, p.status, j.status AS job FROM packages p"
            " LEFT JOIN print_jobs j ON j.id = p.print_job_id"
            " WHERE p.shipment_id = ? ORDER BY p.seq",
            (row["id"],),
        )
    )
    return ShipmentView(
        shipment_id=row["id"],
        status=row["status"],
        carrier=row["carrier"],
        service=row["service"],
        reason=row["override_reason"] or row["choice_reason"],
        weight_g=row["weight_g"],
        weight_source=row["weight_source"],
        packages=packages,
    )


# --------------------------------------------------------------------------- one scan


@dataclass
class _Step:
    """What a scan did, gathered while the transaction runs."""

    verdict: Verdict
    message: str
    order_no: str | None = None
    task: str = "pack"
    sku: str | None = None
    source: str = ""


def pack_scan(
    store: Store, actor: Actor, raw: str, source: str, prefixes: CodePrefixes
) -> PackOutcome:
    """Judge and record one scan at the actor's bench (see the module docstring)."""
    code = parse_scan(raw, prefixes)
    station = actor.station
    with store.write(actor) as write:
        write.require(Permission.PACK)
        step = _scan_step(write, station, code, prefixes)
        write.execute(
            "INSERT INTO scans (at, user, station, source, raw, kind, code, sku, verdict,"
            " order_no, message, message_code, message_params, task)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                write.now,
                actor.user,
                station,
                source,
                raw,
                code.kind.value,
                code.value,
                step.sku,
                step.verdict.value,
                step.order_no,
                *stored_parts(step.message),
                step.task,
            ),
        )
        write.audit(
            f"{step.task}.{step.verdict.value}",
            step.order_no or station,
            code=code.value,
            station=station,
        )
        view = bench_view(write.conn, station, prefixes.picklist, step.source)
    return PackOutcome(
        verdict=step.verdict,
        message=step.message,
        code=display_code(raw),
        view=view,
        accepted=step.verdict in (Verdict.OK, Verdict.LOCATION_OK),
        order_no=step.order_no,
    )


def _scan_step(write: Write, station: str, code: ScannedCode, prefixes: CodePrefixes) -> _Step:
    if code.kind is CodeKind.PICKLIST:
        return _open_list_code(write, station, code.value, prefixes)
    if code.kind is CodeKind.TOTE:
        return _open_tote(write, station, code.value, prefixes)
    if code.kind is CodeKind.ORDER:
        return _open_order(write, station, code.value)
    if code.kind not in (CodeKind.LOCATION, CodeKind.USER):
        package = _package_by_waybill(write, display_code(code.raw).strip())
        if package is not None:
            return _ship(write, package)
    return _check_unit(write, station, code, prefixes)


# -- opening work at the bench -------------------------------------------------------------------


def _park_others(write: Write, station: str, keep: set[str]) -> list[str]:
    """Orders still checking at this bench that are not being opened go back to ``picked``
    (their checked units are kept for whoever opens them next)."""
    parked = [
        row["order_no"]
        for row in write.execute(
            "SELECT order_no FROM orders WHERE pack_station = ? AND status = ?"
            " AND order_no NOT IN (SELECT order_no FROM waybill_waits WHERE status = 'waiting')",
            (station, OrderStatus.PACKING.value),
        )
        if row["order_no"] not in keep
    ]
    for order_no in parked:
        set_order_status(
            write,
            order_no,
            OrderStatus.PICKED,
            current=OrderStatus.PACKING,
            pack_station=None,
            packer=None,
        )
        write.audit("pack.park", order_no, station=station)
    return parked


def _take_to_bench(write: Write, station: str, order: Any) -> None:
    if order["status"] == OrderStatus.PACKING.value and order["pack_station"] == station:
        return
    if order["status"] == OrderStatus.PACKING.value and order["pack_station"]:
        write.audit("pack.takeover", order["order_no"], station=station, was=order["pack_station"])
    set_order_status(
        write,
        order["order_no"],
        OrderStatus.PACKING,
        current=OrderStatus(order["status"]),
        pack_station=station,
        packer=write.actor.user,
    )
    write.audit("order.packing", order["order_no"], station=station)


def _open_list_code(write: Write, station: str, value: str, prefixes: CodePrefixes) -> _Step:
    if not value.isdigit():
        return _Step(
            Verdict.UNKNOWN_CODE,
            notice("pack.not_a_list_code", code=prefixes.picklist + value),
        )
    return _open_list(write, station, int(value), prefixes)


def _open_list(write: Write, station: str, picklist_id: int, prefixes: CodePrefixes) -> _Step:
    code = f"{prefixes.picklist}{picklist_id:06d}"
    plist = write.execute("SELECT * FROM picklists WHERE id = ?", (picklist_id,)).fetchone()
    if plist is None:
        return _Step(Verdict.NOT_EXPECTED, notice("pack.no_such_list", code=code))
    if plist["status"] in (PickListStatus.RELEASED.value, PickListStatus.PICKING.value):
        who = plist["picker"] or notice("pack.nobody_yet")
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.list_still_picking", code=code, who=who),
        )
    orders = write.execute(
        "SELECT * FROM orders WHERE picklist_id = ? ORDER BY due_at, order_no", (picklist_id,)
    ).fetchall()
    openable = [
        o for o in orders if o["status"] in (OrderStatus.PICKED.value, OrderStatus.PACKING.value)
    ]
    held = [o for o in orders if o["status"] == OrderStatus.EXCEPTION.value]
    pull = _to_pull(write, [o["order_no"] for o in orders])
    if not openable and pull:
        return _Step(Verdict.NOT_EXPECTED, notice("pack.pull_intercepted", orders=", ".join(pull)))
    if not openable:
        return _Step(
            Verdict.NOT_EXPECTED,
            notice(
                "pack.list_nothing_left",
                code=code,
                states=", ".join(
                    f"{o['order_no']} {words.order_status(o['status'])}" for o in orders
                )
                or "—",
            ),
        )
    _park_others(write, station, {o["order_no"] for o in openable})
    for order in openable:
        _take_to_bench(write, station, order)
    units = write.execute(
        "SELECT coalesce(sum(qty - packed), 0) FROM order_lines WHERE order_no IN"
        f" ({','.join('?' * len(openable))})",
        [o["order_no"] for o in openable],
    ).fetchone()[0]
    message = notice("pack.list_open", code=code, n=len(openable), units=units)
    if held:
        message = notice(
            "join.sentences",
            first=message,
            second=notice(
                "pack.set_aside_held",
                orders=", ".join(o["order_no"] for o in held),
                why=exception_reason(held[0]) or "?",
            ),
        )
    if pull:
        message = notice(
            "join.sentences",
            first=notice("pack.pull_intercepted", orders=", ".join(pull)),
            second=message,
        )
    return _Step(Verdict.OK, message, source=code)


def _to_pull(write: Write, order_nos: list[str]) -> list[str]:
    """Orders among ``order_nos`` intercepted (拦截) and not yet confirmed pulled."""
    if not order_nos:
        return []
    return [
        row[0]
        for row in write.execute(
            "SELECT order_no FROM intercepts WHERE confirmed_at IS NULL AND order_no IN"
            f" ({','.join('?' * len(order_nos))}) ORDER BY order_no",
            order_nos,
        )
    ]


def _open_tote(write: Write, station: str, value: str, prefixes: CodePrefixes) -> _Step:
    plist = write.execute(
        "SELECT id FROM picklists WHERE upper(tote) = upper(?) ORDER BY id DESC LIMIT 1",
        (value,),
    ).fetchone()
    if plist is None:
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.tote_without_list", tote=prefixes.tote + value),
        )
    return _open_list(write, station, plist["id"], prefixes)


def _open_order(write: Write, station: str, order_no: str) -> _Step:
    order = write.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if order is None:
        return _Step(Verdict.NOT_EXPECTED, notice("pack.no_such_order", order=order_no))
    if _to_pull(write, [order_no]):
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.pull_intercepted", orders=order_no),
            order_no=order_no,
        )
    status = OrderStatus(order["status"])
    if status in (OrderStatus.PICKED, OrderStatus.PACKING):
        _park_others(write, station, {order_no})
        _take_to_bench(write, station, order)
        return _Step(
            Verdict.OK,
            notice("pack.order_open", order=order_no),
            order_no=order_no,
            source=order_no,
        )
    if status is OrderStatus.PACKED:
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.order_packed", order=order_no),
            order_no=order_no,
        )
    if status is OrderStatus.SHIPPED:
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.order_shipped_at", order=order_no, at=order["shipped_at"]),
            order_no=order_no,
        )
    if status is OrderStatus.EXCEPTION:
        return _Step(
            Verdict.NOT_EXPECTED,
            notice(
                "pack.order_in_exception",
                order=order_no,
                why=exception_reason(order) or "?",
            ),
            order_no=order_no,
        )
    return _Step(
        Verdict.NOT_EXPECTED,
        notice("pack.order_not_picked", order=order_no, status=status.value),
        order_no=order_no,
    )


# -- checking units ---------------------------------------------------------------------------------


def _states(write: Write, station: str) -> list[PackOrderState]:
    rows = write.execute(
        "SELECT o.order_no, o.due_at, o.priority, l.id, l.sku, p.name, l.qty, l.packed"
        " FROM orders o JOIN order_lines l ON l.order_no = o.order_no"
        " LEFT JOIN products p ON p.sku = l.sku"
        " WHERE o.pack_station = ? AND o.status = ? ORDER BY o.due_at, o.order_no, l.line_no",
        (station, OrderStatus.PACKING.value),
    ).fetchall()
    orders: dict[str, tuple[tuple[object, ...], list[PackLineState]]] = {}
    for row in rows:
        urgency = (row["due_at"], PRIORITY_RANK[Priority(row["priority"])], row["order_no"])
        orders.setdefault(row["order_no"], (urgency, []))[1].append(
            PackLineState(row["id"], row["sku"], row["name"] or "", row["qty"], row["packed"])
        )
    return [
        PackOrderState(order_no, urgency, tuple(lines))
        for order_no, (urgency, lines) in orders.items()
    ]


def _check_unit(write: Write, station: str, code: ScannedCode, prefixes: CodePrefixes) -> _Step:
    sku = sku_for_code(write.conn, code) if code.kind is CodeKind.PRODUCT else None
    states = _states(write, station)
    opened = ""
    if not states and sku is not None:
        opened = _open_by_unit(write, station, sku, prefixes)
        states = _states(write, station)
    decision: PackDecision = judge_pack_scan(states, code, sku)
    if decision.verdict is not Verdict.OK and sku is not None:
        pull = _intercepted_with(write, sku, station)
        if pull:
            # a unit of an order stopped after it was picked (拦截): it must leave the tote
            return _Step(
                Verdict.NOT_EXPECTED,
                notice("pack.pull_intercepted", orders=", ".join(pull)),
                pull[0],
                sku=sku,
            )
    step = _Step(decision.verdict, decision.message, decision.order_no, sku=sku, source=opened)
    if decision.verdict is Verdict.OK and decision.line_id is not None:
        counted = write.execute(
            "UPDATE order_lines SET packed = packed + 1 WHERE id = ? AND packed < qty",
            (decision.line_id,),
        ).rowcount
        if counted != 1:
            raise Rejected(notice("pack.unit_counted_already"))
        left = write.execute(
            "SELECT coalesce(sum(qty - packed), 0) FROM order_lines WHERE order_no = ?",
            (decision.order_no,),
        ).fetchone()[0]
        if left == 0:
            step.message = notice(
                "join.sentences",
                first=step.message,
                second=notice("pack.all_checked"),
            )
        if opened:
            step.message = notice("pack.opened", code=opened, message=step.message)
    return step


def _intercepted_with(write: Write, sku: str, station: str) -> list[str]:
    """Intercepted orders not yet confirmed pulled that hold ``sku`` (the ones last at this
    bench first): a unit no live order here takes is theirs."""
    return [
        row[0]
        for row in write.execute(
            "SELECT DISTINCT i.order_no, o.pack_station = ? AS here, i.created_at"
            " FROM intercepts i JOIN orders o ON o.order_no = i.order_no"
            " JOIN order_lines l ON l.order_no = i.order_no"
            " WHERE i.confirmed_at IS NULL AND l.sku = ?"
            " ORDER BY here DESC, i.created_at, i.order_no LIMIT 3",
            (station, sku),
        )
    ]


def _open_by_unit(write: Write, station: str, sku: str, prefixes: CodePrefixes) -> str:
    """A unit scanned at an empty bench opens the most urgent picked list (or order) that
    still misses it; returns what was opened ("" when nothing needs it)."""
    row = write.execute(
        "SELECT o.order_no, o.picklist_id FROM orders o JOIN order_lines l"
        " ON l.order_no = o.order_no WHERE o.status = ? AND l.sku = ? AND l.packed < l.qty"
        " AND (o.pack_station IS NULL OR o.pack_station = ?)"
        " ORDER BY o.due_at, o.order_no LIMIT 1",
        (OrderStatus.PICKED.value, sku, station),
    ).fetchone()
    if row is None:
        return ""
    if row["picklist_id"] is not None:
        step = _open_list(write, station, row["picklist_id"], prefixes)
    else:
        step = _open_order(write, station, row["order_no"])
    return step.source if step.verdict is Verdict.OK else ""


# -- shipping --------------------------------------------------------------------------------------


def _package_by_waybill(write: Write, text: str) -> Any:
    """The parcel whose waybill number was scanned (numbers are stored in capitals)."""
    if not text:
        return None
    query = (
        "SELECT p.*, s.order_no, s.status AS shipment_status FROM packages p"
        " JOIN shipments s ON s.id = p.shipment_id WHERE p.waybill_no = ?"
    )
    return (
        write.execute(query, (text,)).fetchone() or write.execute(query, (text.upper(),)).fetchone()
    )


def _ship(write: Write, package: Any) -> _Step:
    order_no, waybill = package["order_no"], package["waybill_no"]
    if write.execute("SELECT 1 FROM intercepts WHERE order_no = ?", (order_no,)).fetchone():
        # a refund or cancellation stopped this parcel (拦截): it must not leave
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.intercepted", waybill=waybill, order=order_no),
            order_no,
            task="ship",
        )
    if package["status"] == "void":
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.void_label", waybill=waybill, order=order_no),
            order_no,
            task="ship",
        )
    if package["status"] == "shipped":
        return _Step(
            Verdict.NOT_EXPECTED,
            notice(
                "pack.parcel_shipped_already",
                waybill=waybill,
                order=order_no,
                at=package["shipped_at"],
            ),
            order_no,
            task="ship",
        )
    if package["shipment_status"] != "packed":
        return _Step(
            Verdict.NOT_EXPECTED,
            notice("pack.order_not_packed", order=order_no),
            order_no,
            task="ship",
        )
    write.execute(
        "UPDATE packages SET status = 'shipped', shipped_at = ?, shipped_by = ? WHERE id = ?",
        (write.now, write.actor.user, package["id"]),
    )
    write.audit("package.shipped", order_no, waybill=waybill, seq=package["seq"])
    left = write.execute(
        "SELECT count(*) FROM packages WHERE shipment_id = ? AND status = 'labelled'",
        (package["shipment_id"],),
    ).fetchone()[0]
    total = write.execute(
        "SELECT count(*) FROM packages WHERE shipment_id = ? AND status != 'void'",
        (package["shipment_id"],),
    ).fetchone()[0]
    if left:
        return _Step(
            Verdict.OK,
            notice(
                "pack.parcel_out",
                waybill=waybill,
                n=total - left,
                m=total,
                order=order_no,
            ),
            order_no,
            task="ship",
        )
    _ship_order(write, order_no, package["shipment_id"])
    return _Step(
        Verdict.OK,
        notice("pack.order_shipped", order=order_no, waybill=waybill),
        order_no,
        task="ship",
    )


def _ship_order(write: Write, order_no: str, shipment_id: int) -> None:
    """Every parcel is out: the order is shipped and its units leave the stock."""
    write.execute(
        "UPDATE shipments SET status = 'shipped', shipped_at = ?, shipped_by = ? WHERE id = ?",
        (write.now, write.actor.user, shipment_id),
    )
    for line in write.execute(
        "SELECT id, sku, qty, reserved FROM order_lines WHERE order_no = ?", (order_no,)
    ).fetchall():
        write.execute(
            "UPDATE products SET reserved = reserved - ?, updated_at = ? WHERE sku = ?",
            (line["reserved"], write.now, line["sku"]),
        )
    write.execute("UPDATE order_lines SET reserved = 0 WHERE order_no = ?", (order_no,))
    ship_stock(write, order_no)
    set_order_status(write, order_no, OrderStatus.SHIPPED, shipped_at=write.now)
    write.audit("order.shipped", order_no, shipment=shipment_id)


# --------------------------------------------------------------------------- closing an order


def _bench_order(write: Write, station: str, order_no: str, statuses: tuple[str, ...]) -> Any:
    order = write.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if order is None:
        raise NotFound(_("no order {order}").format(order=order_no))
    if order["status"] not in statuses or order["pack_station"] != station:
        raise Rejected(
            _("{order} is not open at this bench ({status}); scan it here first.").format(
                order=order_no, status=words.order_status(order["status"])
            )
        )
    return order


def _destination(order: Any) -> Destination:
    return Destination(country=order["country"], province=order["province"], city=order["city"])


def carrier_choice(
    conn: Any,
    order: Any,
    weight_g: int,
    policy: CarrierPolicy,
    carrier: str | None = None,
    service: str | None = None,
) -> CarrierChoice:
    """The rules' carrier for an order (or the packer's override, checked)."""
    known = carriers.load_carriers(conn)
    if carrier:
        return check_override(
            known, _destination(order), carrier, service or None, weight_g, policy
        )
    wish = order["vip_carrier"]
    if wish:
        # a VIP's chosen carrier (customers vip add --carrier), when it may take the parcel
        try:
            return check_override(known, _destination(order), wish, None, weight_g, policy)
        except Rejected:
            pass
    return choose_carrier(known, _destination(order), Priority(order["priority"]), weight_g, policy)


@dataclass(frozen=True)
class Proposal:
    """The rules' carrier for an order at a weight, the waybill numbers that carrier has left
    and what the order's items weigh by the catalog."""

    choice: CarrierChoice
    free_numbers: int
    items_weight_g: int


def propose(store: Store, order_no: str, weight_g: int, policy: CarrierPolicy) -> Proposal:
    """What closing the order at this weight would choose (nothing is written)."""
    with store.read() as conn:
        order = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if order is None:
            raise NotFound(_("no order {order}").format(order=order_no))
        choice = carrier_choice(conn, order, weight_g, policy)
        return Proposal(
            choice,
            carriers.free_numbers(conn, choice.carrier.code),
            items_weight_g(conn, order_no),
        )


def _label_content(
    order: Any,
    choice: CarrierChoice,
    waybill: str,
    weight_g: int,
    seq: int,
    count: int,
    context: BenchContext,
    routing: Routing | None = None,
    layout: str = LABEL_LAYOUTS[0],
) -> dict[str, Any]:
    routing = routing or Routing()
    try:
        label = compose_outbound_label(
            printing.label_order(order),
            LabelShipment(
                carrier=f"{choice.carrier.name_zh} {choice.carrier.code}".strip(),
                service=choice.service.name,
                waybill_no=waybill,
                weight_g=weight_g,
                package_no=seq,
                package_count=count,
                mark_destination=routing.mark_destination,
                package_name=routing.package_name,
                sorting_code=routing.sorting_code,
            ),
            context.sender,
            context.today,
            privacy=context.privacy,
            layout=layout,
        )
    except LabelError as error:
        raise Rejected(
            _("cannot make a label for {order}: {error}").format(
                order=order["order_no"], error=error
            )
        ) from None
    return printing.outbound_content(label)


def require_printer(write: Write, station: str) -> None:
    """Refuse when the station has no printer: a label must have somewhere to print."""
    row = write.execute("SELECT printer_url FROM stations WHERE name = ?", (station,)).fetchone()
    if row is None or not row["printer_url"]:
        raise Rejected(
            _(
                "Station {station} has no printer, and a packed order needs its label. "
                "Configure one: wareterm stations add {station} --printer URL"
            ).format(station=station)
        )


def new_shipment(
    write: Write,
    order: Any,
    choice: CarrierChoice,
    weight_g: int,
    weight_source: str,
    packages: int,
    status: str,
    station: str,
    context: BenchContext,
    override_reason: str | None = None,
    batch_id: int | None = None,
    issued: ewaybills.Issued | None = None,
    pool_fallback: bool = False,
) -> int:
    """A shipment with one parcel per package: waybill numbers taken from the carrier's pool
    (or ``issued`` by its API before this transaction) and a label job per parcel, all inside
    the caller's transaction; returns its id. A carrier with an API gets no pool numbers
    unless ``pool_fallback`` says its API could not answer and it falls back to the pool."""
    code = choice.carrier.code
    waybills: tuple[IssuedWaybill, ...]
    if issued is not None:
        if issued.carrier != code or len(issued.waybills) != packages:
            raise Rejected(
                _(
                    "the carrier or parcel count changed while {carrier} issued numbers; "
                    "close the order again"
                ).format(carrier=issued.carrier)
            )
        for waybill in issued.waybills:
            carriers.record_issued(write, code, issued.provider, waybill)
        waybills = issued.waybills
        low = False
    else:
        if not pool_fallback and carriers.carrier_api(write, code) is not None:
            raise Rejected(
                _(
                    "{carrier} takes its numbers from its waybill API: close the order at a "
                    "bench (not in a batch) so the number is issued first"
                ).format(carrier=code)
            )
        taken = carriers.take_waybills(write, code, packages)
        waybills = tuple(IssuedWaybill(number) for number in taken.numbers)
        low = taken.low
    cursor = write.execute(
        "INSERT INTO shipments (order_no, status, carrier, service, choice_reason,"
        " override_reason, weight_g, weight_source, packages, station, created_by, created_at,"
        " packed_by, packed_at, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            order["order_no"],
            status,
            choice.carrier.code,
            choice.service.code,
            choice.reason,
            override_reason,
            weight_g,
            weight_source,
            packages,
            station,
            write.actor.user,
            write.now,
            write.actor.user if status == "packed" else None,
            write.now if status == "packed" else None,
            batch_id,
        ),
    )
    shipment_id = int(cursor.lastrowid or 0)
    layout = stations.label_layout(write, station)
    for seq, waybill in enumerate(waybills, start=1):
        number = waybill.number
        package = write.execute(
            "INSERT INTO packages (shipment_id, seq, waybill_no, status, routing)"
            " VALUES (?,?,?,?,?)",
            (
                shipment_id,
                seq,
                number,
                "labelled",
                json.dumps(waybill.routing.as_dict(), ensure_ascii=False)
                if waybill.routing
                else None,
            ),
        )
        package_id = int(package.lastrowid or 0)
        carriers.attach(write, number, package_id)
        content = _label_content(
            order, choice, number, weight_g, seq, packages, context, waybill.routing, layout
        )
        job = printing.enqueue(
            write, station, "outbound", order["order_no"], content, batch_id=batch_id
        )
        write.execute("UPDATE packages SET print_job_id = ? WHERE id = ?", (job, package_id))
    write.audit(
        "shipment.create",
        order["order_no"],
        shipment=shipment_id,
        carrier=choice.carrier.code,
        service=choice.service.code,
        reason=choice.reason,
        override=override_reason,
        waybills=[w.number for w in waybills],
        source=issued.provider if issued is not None else "pool",
        weight_g=weight_g,
        low_pool=low,
    )
    return shipment_id


def finish_pack(
    store: Store,
    actor: Actor,
    order_no: str,
    weight_g: int,
    packages: int,
    context: BenchContext,
    carrier: str | None = None,
    service: str | None = None,
    override_reason: str | None = None,
    apis: ewaybills.WaybillApis | None = None,
    queue: bool = True,
) -> PackOutcome:
    """Close a fully checked order at the actor's bench (see :meth:`core.ports.Floor.finish_pack`).
    A label printed earlier in a batch is kept when the packer keeps its carrier and parcel
    count; otherwise it is voided and new labels are made.

    A carrier with a waybill API gets its numbers before the write transaction starts (no API
    call holds the write lock); if that transaction then fails, they are cancelled at the
    carrier. Numbers of a voided shipment are cancelled at the carrier after it commits. When
    the API does not answer and the carrier waits for it, the order waits in
    ``waybill_waits`` (``queue``; :func:`retry_waits` closes it when the number comes) and the
    packer goes on."""
    packages = check_packages(packages)
    override_reason = " ".join((override_reason or "").split()) or None
    if carrier and not override_reason:
        raise Rejected(_("Say why the carrier is changed (the reason is kept)."))
    try:
        issued, pool_fallback, note = _issue_first(
            store, actor, order_no, weight_g, packages, context, carrier, service, apis
        )
    except ewaybills.ApiNotAnswering as waiting:
        if not queue:
            raise
        return _wait_for_number(
            store, actor, order_no, weight_g, packages, context, carrier, service,
            override_reason, waiting,
        )  # fmt: skip
    try:
        outcome, voided = _finish_pack_write(
            store,
            actor,
            order_no,
            weight_g,
            packages,
            context,
            carrier,
            service,
            override_reason,
            issued,
            pool_fallback,
        )
    except BaseException:
        if issued is not None:
            ewaybills.cancel_after_failure(
                store, actor, issued, _("the transaction that was to store it failed")
            )
        raise
    warning = _cancel_voided(store, actor, apis, voided)
    if note or warning:
        outcome = replace(outcome, warning=" ".join(w for w in (note, warning) if w))
    return outcome


def _wait_for_number(
    store: Store,
    actor: Actor,
    order_no: str,
    weight_g: int,
    packages: int,
    context: BenchContext,
    carrier: str | None,
    service: str | None,
    override_reason: str | None,
    waiting: Rejected,
) -> PackOutcome:
    """The order waits at the bench for its number: a row the worker retries with backoff."""
    station = actor.station
    with store.write(actor) as write:
        write.require(Permission.PACK)
        order = _bench_order(write, station, order_no, (OrderStatus.PACKING.value,))
        require_printer(write, station)
        choice = carrier_choice(write.conn, order, weight_g, context.policy, carrier, service)
        retry_at = to_iso(store.clock.now() + timedelta(seconds=ewaybills.backoff_s(1)))
        write.execute(
            "INSERT INTO waybill_waits (order_no, station, user, carrier, service,"
            " override_reason, weight_g, packages, status, attempts, last_error,"
            " next_attempt_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,'waiting',1,?,?,?,?)"
            " ON CONFLICT (order_no) DO UPDATE SET station = excluded.station,"
            " user = excluded.user, carrier = excluded.carrier, service = excluded.service,"
            " override_reason = excluded.override_reason, weight_g = excluded.weight_g,"
            " packages = excluded.packages, status = 'waiting', attempts = 1,"
            " last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at,"
            " updated_at = excluded.updated_at",
            (
                order_no,
                station,
                actor.user,
                choice.carrier.code,
                service if carrier else None,
                override_reason,
                weight_g,
                packages,
                str(waiting)[:300],
                retry_at,
                write.now,
                write.now,
            ),
        )
        write.audit(
            "waybill.wait",
            order_no,
            carrier=choice.carrier.code,
            station=station,
            retry_at=retry_at,
        )
        view = bench_view(write.conn, station, context.prefixes.picklist)
    return PackOutcome(
        Verdict.OK,
        _(
            "{order} waits for its {carrier} waybill number: the carrier's API is not "
            "answering. Its label prints here when the number comes; go on with the next order."
        ).format(order=order_no, carrier=choice.carrier.code),
        order_no,
        view,
        accepted=True,
        order_no=order_no,
        warning=str(waiting),
    )


def waiting_orders(store: Store) -> list[dict[str, Any]]:
    """Orders waiting for a number from their carrier's API (and those that gave up)."""
    return store.query(
        "SELECT order_no, station, user, carrier, status, attempts, last_error, next_attempt_at,"
        " created_at FROM waybill_waits WHERE status != 'done' ORDER BY created_at, order_no"
    )


def retry_waits(
    store: Store,
    apis: ewaybills.WaybillApis | None,
    context: BenchContext | None = None,
    due_only: bool = True,
    station: str | None = None,
) -> dict[str, str]:
    """The worker's pass: close each waiting order whose next try is due, as its packer at its
    bench (the number is issued before the transaction, as at the bench). Still not answering:
    tried again later, waiting twice as long each time (30 s up to an hour). Anything else (the
    order was opened elsewhere, the API refused it): ``failed``, with the reason, for a person.
    ``station``: only the orders waiting at that bench (the bench asking for its own).
    Each order is claimed first (its next try moved on), so the worker and the bench never
    ask the API for the same order at once.
    Returns each order's outcome: ``done``, ``waiting`` or ``failed``."""
    now = store.clock.now()
    rows = store.query(
        "SELECT * FROM waybill_waits WHERE status = 'waiting'"
        + (" AND station = ?" if station is not None else "")
        + " ORDER BY next_attempt_at, order_no",
        (station,) if station is not None else (),
    )
    if context is None:
        context = bench_context(store)
    outcome: dict[str, str] = {}
    for row in rows:
        if due_only and row["next_attempt_at"] and from_iso(row["next_attempt_at"]) > now:
            continue
        actor = Actor(row["user"], row["station"])
        if not _claim_wait(store, actor, row, now):
            continue
        try:
            finish_pack(
                store,
                actor,
                row["order_no"],
                row["weight_g"],
                row["packages"],
                context,
                carrier=row["carrier"] if row["override_reason"] else None,
                service=row["service"],
                override_reason=row["override_reason"],
                apis=apis,
                queue=False,
            )
        except WaretermError as error:
            attempts = int(row["attempts"]) + 1
            still = isinstance(error, ewaybills.ApiNotAnswering)
            status = "waiting" if still else "failed"
            retry_at = to_iso(now + timedelta(seconds=ewaybills.backoff_s(attempts)))
            with store.write(actor) as write:
                cursor = write.execute(
                    "UPDATE waybill_waits SET status = ?, attempts = ?, last_error = ?,"
                    " next_attempt_at = ?, updated_at = ? WHERE order_no = ? AND status = 'waiting'",
                    (
                        status,
                        attempts,
                        str(error)[:300],
                        retry_at if still else None,
                        write.now,
                        row["order_no"],
                    ),
                )
                settled_elsewhere = cursor.rowcount == 0
                write.audit(
                    "waybill.wait_retry",
                    row["order_no"],
                    attempts=attempts,
                    status="settled elsewhere" if settled_elsewhere else status,
                    error=str(error)[:300],
                )
            if not settled_elsewhere:  # another process closed it meanwhile: not ours to say
                outcome[row["order_no"]] = status
        else:
            outcome[row["order_no"]] = "done"
    return outcome


def _claim_wait(store: Store, actor: Actor, row: Any, now: datetime) -> bool:
    """Take a waiting order for one try: its next try moves on by its backoff, unless another
    process took it (or closed it) since it was read."""
    claimed_until = to_iso(now + timedelta(seconds=ewaybills.backoff_s(int(row["attempts"]))))
    with store.write(actor) as write:
        cursor = write.execute(
            "UPDATE waybill_waits SET next_attempt_at = ?, updated_at = ?"
            " WHERE order_no = ? AND status = 'waiting' AND next_attempt_at IS ?",
            (claimed_until, write.now, row["order_no"], row["next_attempt_at"]),
        )
        taken = cursor.rowcount == 1
        write.audit(
            "waybill.wait_try", row["order_no"], attempt=int(row["attempts"]) + 1, taken=taken
        )
        return taken


def _issue_first(
    store: Store,
    actor: Actor,
    order_no: str,
    weight_g: int,
    packages: int,
    context: BenchContext,
    carrier: str | None,
    service: str | None,
    apis: ewaybills.WaybillApis | None,
) -> tuple[ewaybills.Issued | None, bool, str]:
    """Before the write: when the order will get new labels from a carrier with a waybill API,
    its numbers. Returns (issued, pool_fallback, a note for the packer). Anything that is not
    about the API (order not at this bench, no carrier …) is left to the transaction to say."""
    with store.read() as conn:
        order = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if (
            order is None
            or order["status"] != OrderStatus.PACKING.value
            or order["pack_station"] != actor.station
        ):
            return None, False, ""
        unchecked = conn.execute(
            "SELECT coalesce(sum(qty - packed), 0) FROM order_lines WHERE order_no = ?",
            (order_no,),
        ).fetchone()[0]
        if unchecked:
            return None, False, ""  # the transaction says what is missing; no number asked
        live = live_shipment(conn, order_no)
        if (
            live is not None
            and live["status"] == "labelled"
            and not carrier
            and live["packages"] == packages
        ):
            return None, False, ""
        try:
            choice = carrier_choice(conn, order, weight_g, context.policy, carrier, service)
        except Rejected:
            return None, False, ""
        api = carriers.carrier_api(conn, choice.carrier.code)
        if api is None:
            return None, False, ""
        parcels = ewaybills.parcel_requests(
            conn, order, packages, weight_g, ewaybills.sender_party(store)
        )
    try:
        return ewaybills.issue(apis, api, parcels), False, ""
    except WaybillUnavailable as error:
        ewaybills.keep_stray(store, actor, api, error)
        with store.write(actor) as write:
            write.audit(
                "waybill.api_unavailable",
                order_no,
                carrier=api.carrier,
                error=str(error)[:300],
                code=error.code,
                fallback=api.fallback,
            )
        if api.fallback == "pool" and error.retryable:
            return (
                None,
                True,
                _("{carrier}'s waybill API is not answering: a pool number is used.").format(
                    carrier=api.carrier
                ),
            )
        raise ewaybills.unavailable(api, error) from None


def _cancel_voided(
    store: Store, actor: Actor, apis: ewaybills.WaybillApis | None, voided: list[str]
) -> str:
    """Cancel at their carrier the API numbers a committed void queued; the words for the
    packer when some must wait (the queue tries them again)."""
    if not voided:
        return ""
    try:
        outcome = ewaybills.cancel_pending(store, actor, apis, voided)
    except WaretermError:
        return _("The voided numbers will be cancelled at the carrier later.")
    waiting = [n for n, status in outcome.items() if status != "done"]
    if waiting:
        return _("Not cancelled at the carrier yet: {numbers} (tried again later).").format(
            numbers=" ".join(waiting)
        )
    return ""


def _finish_pack_write(
    store: Store,
    actor: Actor,
    order_no: str,
    weight_g: int,
    packages: int,
    context: BenchContext,
    carrier: str | None,
    service: str | None,
    override_reason: str | None,
    issued: ewaybills.Issued | None,
    pool_fallback: bool,
) -> tuple[PackOutcome, list[str]]:
    station = actor.station
    voided: list[str] = []
    with store.write(actor) as write:
        write.require(Permission.PACK)
        order = _bench_order(write, station, order_no, (OrderStatus.PACKING.value,))
        unchecked = write.execute(
            "SELECT coalesce(sum(qty - packed), 0) FROM order_lines WHERE order_no = ?",
            (order_no,),
        ).fetchone()[0]
        if unchecked:
            raise Rejected(
                _(
                    "{n} units of {order} are not checked yet: scan them, or declare them missing."
                ).format(n=unchecked, order=order_no)
            )
        require_printer(write, station)
        live = live_shipment(write.conn, order_no)
        keep = (
            live is not None
            and live["status"] == "labelled"
            and not carrier
            and live["packages"] == packages
        )
        if keep:
            if issued is not None:
                raise Rejected(
                    _("{order}'s label was printed meanwhile; close it again.").format(
                        order=order_no
                    )
                )
            write.execute(
                "UPDATE shipments SET status = 'packed', weight_g = ?, weight_source = 'typed',"
                " packed_by = ?, packed_at = ? WHERE id = ?",
                (weight_g, actor.user, write.now, live["id"]),
            )
            message = _(
                "{order} packed; its label was printed earlier ({carrier} {waybills}). "
                "Scan the label to ship it."
            )
        else:
            if live is not None:
                voided = _void_shipment(write, live, _("relabelled at the bench"))
            choice = carrier_choice(write.conn, order, weight_g, context.policy, carrier, service)
            new_shipment(
                write,
                order,
                choice,
                weight_g,
                "typed",
                packages,
                "packed",
                station,
                context,
                override_reason=override_reason,
                issued=issued,
                pool_fallback=pool_fallback,
            )
            message = _(
                "{order} packed: {carrier} {waybills}. Stick the label, then scan it to ship."
            )
        set_order_status(write, order_no, OrderStatus.PACKED)
        write.audit("order.packed", order_no, weight_g=weight_g, packages=packages)
        write.execute(
            "UPDATE waybill_waits SET status = 'done', next_attempt_at = NULL, updated_at = ?"
            " WHERE order_no = ? AND status = 'waiting'",
            (write.now, order_no),
        )
        view = bench_view(write.conn, station, context.prefixes.picklist)
    shipment = view.order(order_no)
    waybills = " ".join(shipment.shipment.waybills) if shipment and shipment.shipment else ""
    carrier_name = shipment.shipment.carrier if shipment and shipment.shipment else ""
    outcome = PackOutcome(
        Verdict.OK,
        message.format(order=order_no, carrier=carrier_name, waybills=waybills),
        order_no,
        view,
        accepted=True,
        order_no=order_no,
    )
    return outcome, voided


# --------------------------------------------------------------------------- exceptions, voids, reprints


def declare_missing(
    store: Store,
    actor: Actor,
    order_no: str,
    reason: MissingReason,
    note: str,
    prefixes: CodePrefixes,
) -> PackOutcome:
    """Units of an order at the bench are not there (or broken): the order goes to the
    exception queue with what is missing and why."""
    station = actor.station
    note = " ".join(note.split())
    with store.write(actor) as write:
        write.require(Permission.PACK)
        _bench_order(write, station, order_no, (OrderStatus.PACKING.value,))
        missing = write.execute(
            "SELECT sku, qty - packed AS n FROM order_lines WHERE order_no = ? AND packed < qty"
            " ORDER BY line_no",
            (order_no,),
        ).fetchall()
        if not missing:
            raise Rejected(
                _("Every unit of {order} is checked: nothing is missing.").format(order=order_no)
            )
        what = ", ".join(f"{row['sku']} ×{row['n']}" for row in missing)

        if note:
            detail = notice(
                "exception.pack_missing_note", what=what, reason=reason.value, note=note
            )
        else:
            detail = notice("exception.pack_missing", what=what, reason=reason.value)
        set_exception(write, order_no, detail)
        write.audit("order.exception", order_no, reason=detail.english(), kind=reason.value)
        view = bench_view(write.conn, station, prefixes.picklist)
    return PackOutcome(
        Verdict.OK,
        _("{order} goes to the exception queue: {detail}. Set its units aside.").format(
            order=order_no, detail=detail
        ),
        order_no,
        view,
        accepted=True,
        order_no=order_no,
    )


def _void_shipment(write: Write, shipment: Any, reason: str) -> list[str]:
    """Void a shipment that has not shipped: its waybill numbers are never used again and its
    label jobs that have not printed are cancelled."""
    packages = write.execute(
        "SELECT * FROM packages WHERE shipment_id = ? AND status != 'void'", (shipment["id"],)
    ).fetchall()
    if any(p["status"] == "shipped" for p in packages):
        raise Rejected(
            _("{order} has a parcel out already; its labels cannot be voided.").format(
                order=shipment["order_no"]
            )
        )
    for package in packages:
        write.execute("UPDATE packages SET status = 'void' WHERE id = ?", (package["id"],))
        carriers.void_waybill(write, package["waybill_no"])
        carriers.queue_cancel(write, package["waybill_no"], reason)
        if package["print_job_id"] is not None:
            cancelled = write.execute(
                "UPDATE print_jobs SET status = 'cancelled', next_attempt_at = NULL,"
                " updated_at = ? WHERE id = ? AND status IN ('queued', 'failed', 'uncertain')",
                (write.now, package["print_job_id"]),
            ).rowcount
            if cancelled:
                write.audit(
                    "print.cancel", shipment["order_no"], job=package["print_job_id"], reason=reason
                )
    write.execute(
        "UPDATE shipments SET status = 'void', void_reason = ? WHERE id = ?",
        (reason, shipment["id"]),
    )
    write.audit(
        "shipment.void",
        shipment["order_no"],
        shipment=shipment["id"],
        waybills=[p["waybill_no"] for p in packages],
        reason=reason,
    )
    return [p["waybill_no"] for p in packages]


def void_shipment(write: Write, shipment: Any, reason: str) -> list[str]:
    """:func:`_void_shipment` for an intercepted order (data/intercepts.py)."""
    return _void_shipment(write, shipment, reason)


def void_label(
    store: Store,
    actor: Actor,
    order_no: str,
    reason: str,
    prefixes: CodePrefixes,
    apis: ewaybills.WaybillApis | None = None,
) -> PackOutcome:
    """Void an order's labels before it ships; a packed order comes back to this bench. Numbers
    from a carrier's API are cancelled there after the void commits (or queued for later)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("Say why the label is voided (the reason is kept)."))
    station = actor.station
    with store.write(actor) as write:
        write.require(Permission.PACK)
        live = live_shipment(write.conn, order_no)
        if live is None:
            raise Rejected(_("{order} has no label to void.").format(order=order_no))
        if live["status"] == "shipped":
            raise Rejected(_("{order} has shipped; its label stays.").format(order=order_no))
        voided = _void_shipment(write, live, reason)
        order = write.execute(
            "SELECT status FROM orders WHERE order_no = ?", (order_no,)
        ).fetchone()
        if order["status"] == OrderStatus.PACKED.value:
            set_order_status(
                write,
                order_no,
                OrderStatus.PACKING,
                current=OrderStatus.PACKED,
                pack_station=station,
                packer=actor.user,
            )
            write.audit("order.packing", order_no, station=station, after="void")
        view = bench_view(write.conn, station, prefixes.picklist)
    return PackOutcome(
        Verdict.OK,
        _(
            "{order}: label voided; its waybill numbers are never used again. Close it again for "
            "a new label."
        ).format(order=order_no),
        order_no,
        view,
        accepted=True,
        order_no=order_no,
        warning=_cancel_voided(store, actor, apis, voided) or None,
    )


def reprint_label(
    store: Store, actor: Actor, order_no: str, reason: str, prefixes: CodePrefixes
) -> PackOutcome:
    """Print an order's live labels again at the actor's bench (same numbers, new jobs)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("Say why the label is printed again (the reason is kept)."))
    station = actor.station
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        require_printer(write, station)
        live = live_shipment(write.conn, order_no)
        if live is None:
            raise Rejected(_("{order} has no label to reprint.").format(order=order_no))
        packages = write.execute(
            "SELECT p.*, j.content FROM packages p LEFT JOIN print_jobs j"
            " ON j.id = p.print_job_id WHERE p.shipment_id = ? AND p.status != 'void'"
            " ORDER BY p.seq",
            (live["id"],),
        ).fetchall()
        for package in packages:
            if package["content"] is None:
                raise Rejected(
                    _("{order}: parcel {seq} has no label on record.").format(
                        order=order_no, seq=package["seq"]
                    )
                )
            job = printing.enqueue(
                write, station, "outbound", order_no, json.loads(package["content"])
            )
            write.execute(
                "UPDATE print_jobs SET reprint_of = ? WHERE id = ?", (package["print_job_id"], job)
            )
            write.execute("UPDATE packages SET print_job_id = ? WHERE id = ?", (job, package["id"]))
            write.audit(
                "print.reprint",
                order_no,
                job=job,
                reprint_of=package["print_job_id"],
                waybill=package["waybill_no"],
                station=station,
                reason=reason,
            )
        view = bench_view(write.conn, station, prefixes.picklist)
    return PackOutcome(
        Verdict.OK,
        _("{order}: {n} label(s) printing again at {station}.").format(
            order=order_no, n=len(packages), station=station
        ),
        order_no,
        view,
        accepted=True,
        order_no=order_no,
    )
