"""Label-first batch printing (打单): every label of a released wave, and a pick sheet per list
sorted by bin, printed in one go before picking, as Chinese e-commerce shops do.

Each order is its own transaction (carrier chosen on the items' weight, one waybill number
taken, shipment ``labelled``, label job queued), so one order without a carrier or a waybill
number does not stop the rest: it is reported, and printing it again later only does what is
missing. The batch's progress is its jobs' statuses; a retry sends only its failed jobs.

A carrier with an e-waybill API gets each order's number from the API before that order's
transaction (never while the write lock is held); a number whose transaction then fails is
cancelled at the carrier. An order whose number cannot be had now (the API down, slow or
refusing) is reported with the reason and keeps no label: printing the wave again asks for it
again, or it gets its number when it is closed at a bench.
"""

from __future__ import annotations

import json
from typing import Any

from core.clock import from_iso
from core.errors import NotFound, Rejected, WaretermError
from core.i18n import _
from core.labels import LabelError, PickSheet, PickSheetLine, PickSheetOrder
from core.model import OrderStatus
from core.ports import BatchView, WaveForPrint
from core.roles import Permission
from core.waybills import WaybillUnavailable
from data import carriers, ewaybills, printing
from data.packing import (
    BenchContext,
    carrier_choice,
    items_weight_g,
    new_shipment,
    require_printer,
)
from data.shipments import live_shipment
from data.store import Actor, Store

#: Orders of a wave that may still get a label before they are packed.
LABEL_FIRST = (
    OrderStatus.ALLOCATED.value,
    OrderStatus.PICKING.value,
    OrderStatus.PICKED.value,
    OrderStatus.PACKING.value,
)
#: Weight a parcel's packing adds to its items when the weight is estimated (grams).
PACKING_ALLOWANCE_G = 50


def waves_for_print(store: Store) -> list[WaveForPrint]:
    """Released waves that still have orders to ship, newest first."""
    rows = store.query(
        "SELECT w.id, w.released_at,"
        " count(DISTINCT o.order_no) AS orders,"
        " count(DISTINCT s.order_no) AS labelled,"
        " count(DISTINCT p.id) AS lists"
        " FROM waves w JOIN picklists p ON p.wave_id = w.id"
        " LEFT JOIN orders o ON o.picklist_id = p.id AND o.status NOT IN"
        " ('shipped', 'in_transit', 'delivered', 'cancelled')"
        " LEFT JOIN shipments s ON s.order_no = o.order_no AND s.status != 'void'"
        " GROUP BY w.id HAVING orders > 0 ORDER BY w.id DESC LIMIT 50"
    )
    return [
        WaveForPrint(
            wave_id=row["id"],
            released_at=from_iso(row["released_at"]),
            orders=row["orders"],
            labelled=row["labelled"],
            lists=row["lists"],
        )
        for row in rows
    ]


def print_wave(
    store: Store,
    actor: Actor,
    wave_id: int,
    context: BenchContext,
    apis: ewaybills.WaybillApis | None = None,
) -> BatchView:
    """Queue the labels of every order of the wave that has none yet, and a pick sheet per
    list, at the actor's station; returns the batch. ``apis`` speaks to the carriers that
    take their numbers from an e-waybill API (without it their orders are reported)."""
    station = actor.station
    with store.write(actor) as write:
        write.require(Permission.BATCH_PRINT)
        if write.execute("SELECT 1 FROM waves WHERE id = ?", (wave_id,)).fetchone() is None:
            raise NotFound(_("no wave {wave}").format(wave=wave_id))
        require_printer(write, station)
        cursor = write.execute(
            "INSERT INTO print_batches (wave_id, station, created_by, created_at) VALUES (?,?,?,?)",
            (wave_id, station, actor.user, write.now),
        )
        batch_id = int(cursor.lastrowid or 0)
        write.audit("print.batch", f"wave {wave_id}", batch=batch_id, station=station)
    orders = store.query(
        "SELECT o.order_no FROM orders o JOIN picklists p ON p.id = o.picklist_id"
        " WHERE p.wave_id = ? AND o.status IN ({})"
        " AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_no = o.order_no"
        "   AND s.status != 'void')"
        " ORDER BY o.due_at, o.order_no".format(",".join("?" * len(LABEL_FIRST))),
        (wave_id, *LABEL_FIRST),
    )
    for row in orders:
        try:
            _label_one(store, actor, row["order_no"], batch_id, context, apis)
        except WaretermError as error:
            with store.write(actor) as write:
                write.audit("print.batch_skip", row["order_no"], batch=batch_id, reason=str(error))
    lists = store.query(
        "SELECT id FROM picklists WHERE wave_id = ? AND status != 'cancelled' ORDER BY id",
        (wave_id,),
    )
    for plist in lists:
        try:
            _queue_sheet(store, actor, plist["id"], batch_id, context)
        except WaretermError as error:
            with store.write(actor) as write:
                write.audit(
                    "print.batch_skip",
                    f"{context.prefixes.picklist}{plist['id']:06d}",
                    batch=batch_id,
                    reason=str(error),
                )
    return batch_view(store, batch_id)


def _label_one(
    store: Store,
    actor: Actor,
    order_no: str,
    batch_id: int,
    context: BenchContext,
    apis: ewaybills.WaybillApis | None,
) -> None:
    issued, pool_fallback = _issue_first(store, actor, order_no, context, apis)
    used = False
    try:
        with store.write(actor) as write:
            write.require(Permission.BATCH_PRINT)
            order = write.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
            live = live_shipment(write.conn, order_no)
            if order is None or live is not None or order["status"] not in LABEL_FIRST:
                write.audit(
                    "print.batch_skip", order_no, batch=batch_id, reason="labelled meanwhile"
                )
            else:
                weight = items_weight_g(write.conn, order_no) + PACKING_ALLOWANCE_G
                choice = carrier_choice(write.conn, order, weight, context.policy)
                new_shipment(
                    write,
                    order,
                    choice,
                    weight,
                    "estimated",
                    1,
                    "labelled",
                    actor.station,
                    context,
                    batch_id=batch_id,
                    issued=issued,
                    pool_fallback=pool_fallback,
                )
                used = True
    except BaseException:
        if issued is not None:
            ewaybills.cancel_after_failure(
                store, actor, issued, _("the transaction that was to store it failed")
            )
        raise
    if issued is not None and not used:
        ewaybills.cancel_after_failure(store, actor, issued, _("the order was labelled meanwhile"))


def _issue_first(
    store: Store,
    actor: Actor,
    order_no: str,
    context: BenchContext,
    apis: ewaybills.WaybillApis | None,
) -> tuple[ewaybills.Issued | None, bool]:
    """Before the order's transaction: when its carrier takes numbers from an API, its number
    (issued, pool_fallback). Anything not about the API is left to the transaction to say."""
    with store.read() as conn:
        order = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if (
            order is None
            or order["status"] not in LABEL_FIRST
            or live_shipment(conn, order_no) is not None
        ):
            return None, False
        weight = items_weight_g(conn, order_no) + PACKING_ALLOWANCE_G
        try:
            choice = carrier_choice(conn, order, weight, context.policy)
        except Rejected:
            return None, False
        api = carriers.carrier_api(conn, choice.carrier.code)
        if api is None:
            return None, False
        parcels = ewaybills.parcel_requests(conn, order, 1, weight, ewaybills.sender_party(store))
    try:
        return ewaybills.issue(apis, api, parcels), False
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
                batch=True,
            )
        if api.fallback == "pool" and error.retryable:
            return None, True
        if error.retryable:
            raise Rejected(
                _(
                    "{carrier}'s waybill API is not answering ({error}): no label yet. Print "
                    "the wave again when it answers, or the order gets its number at the bench."
                ).format(carrier=api.carrier, error=error)
            ) from None
        raise Rejected(
            _(
                "{carrier}'s waybill API refused the order: {error}. Fix the order or the "
                "account (wareterm carriers api {carrier}); no label yet."
            ).format(carrier=api.carrier, error=error)
        ) from None


def _queue_sheet(
    store: Store, actor: Actor, picklist_id: int, batch_id: int, context: BenchContext
) -> None:
    code = f"{context.prefixes.picklist}{picklist_id:06d}"
    with store.write(actor) as write:
        write.require(Permission.BATCH_PRINT)
        lines = tuple(
            PickSheetLine(row["location"], row["sku"], row["name"] or "", row["qty"])
            for row in write.execute(
                "SELECT l.location, l.sku, p.name, l.qty FROM pick_lines l"
                " LEFT JOIN products p ON p.sku = l.sku"
                " WHERE l.picklist_id = ? AND l.qty > 0 ORDER BY l.seq",
                (picklist_id,),
            )
        )
        if not lines:
            write.audit("print.batch_skip", code, batch=batch_id, reason="nothing to pick")
            return
        orders = tuple(
            PickSheetOrder(row["order_no"], row["carrier"] or "", row["waybills"] or "")
            for row in write.execute(
                "SELECT o.order_no, s.carrier, group_concat(k.waybill_no, ' ') AS waybills"
                " FROM orders o LEFT JOIN shipments s ON s.order_no = o.order_no"
                "   AND s.status != 'void'"
                " LEFT JOIN packages k ON k.shipment_id = s.id AND k.status != 'void'"
                " WHERE o.picklist_id = ? AND o.status != 'cancelled'"
                " GROUP BY o.order_no ORDER BY o.due_at, o.order_no",
                (picklist_id,),
            )
        )
        try:
            sheet = PickSheet(
                code=code,
                title=_("Pick list {code}").format(code=code),
                lines=lines,
                orders=orders,
                printed_on=context.today,
            )
        except LabelError as error:
            write.audit("print.batch_skip", code, batch=batch_id, reason=str(error))
            return
        printing.enqueue(
            write,
            actor.station,
            "picksheet",
            code,
            printing.picksheet_content(sheet),
            batch_id=batch_id,
        )


def batch_view(store: Store, batch_id: int) -> BatchView:
    """A batch's progress from its jobs, and what it could not label and why."""
    with store.read() as conn:
        batch = conn.execute("SELECT * FROM print_batches WHERE id = ?", (batch_id,)).fetchone()
        if batch is None:
            raise NotFound(_("no print batch {batch}").format(batch=batch_id))
        counts = {
            row["status"]: row["n"]
            for row in conn.execute(
                "SELECT status, count(*) AS n FROM print_jobs WHERE batch_id = ? GROUP BY status",
                (batch_id,),
            )
        }
        failures = tuple(
            (row["subject"], printing.job_error(row) or row["status"])
            for row in conn.execute(
                "SELECT subject, status, last_error, error_code, error_params FROM print_jobs"
                " WHERE batch_id = ?"
                " AND status IN ('failed', 'uncertain') ORDER BY id",
                (batch_id,),
            )
        )
        skipped = tuple(
            (row["subject"], _reason(row["detail"]))
            for row in conn.execute(
                "SELECT subject, detail FROM audit WHERE action = 'print.batch_skip'"
                " AND json_extract(detail, '$.batch') = ? ORDER BY id",
                (batch_id,),
            )
            if _reason(row["detail"]) != "labelled meanwhile"
        )
    return BatchView(
        batch_id=batch_id,
        wave_id=batch["wave_id"],
        station=batch["station"],
        total=sum(counts.values()),
        done=counts.get("done", 0),
        failed=counts.get("failed", 0),
        waiting=counts.get("queued", 0) + counts.get("sending", 0),
        uncertain=counts.get("uncertain", 0),
        cancelled=counts.get("cancelled", 0),
        skipped=skipped,
        failures=failures,
    )


def _reason(detail: str) -> str:
    try:
        value: Any = json.loads(detail).get("reason", "")
    except ValueError:
        return ""
    return str(value)


def retry_failed(store: Store, actor: Actor, batch_id: int) -> BatchView:
    """Put the batch's failed and uncertain jobs back in the queue (only those; the printed
    ones are not printed again)."""
    with store.write(actor) as write:
        write.require(Permission.BATCH_PRINT)
        rows = write.execute(
            "SELECT id, subject, status FROM print_jobs WHERE batch_id = ?"
            " AND status IN ('failed', 'uncertain')",
            (batch_id,),
        ).fetchall()
        for row in rows:
            write.execute(
                "UPDATE print_jobs SET status = 'queued', next_attempt_at = NULL, updated_at = ?"
                " WHERE id = ?",
                (write.now, row["id"]),
            )
            write.audit("print.retry", row["subject"], job=row["id"], was=row["status"])
        write.audit("print.batch_retry", f"batch {batch_id}", jobs=[row["id"] for row in rows])
    return batch_view(store, batch_id)


def last_batch(store: Store, wave_id: int) -> int | None:
    """The newest batch of a wave."""
    value = store.scalar("SELECT max(id) FROM print_batches WHERE wave_id = ?", (wave_id,))
    return int(value) if value is not None else None
