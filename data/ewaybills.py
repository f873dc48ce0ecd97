"""Electronic waybills (电子面单) at the bench: numbers issued by a carrier's API before the
write transaction that stores them, cancelled at the carrier when that transaction fails or a
label is voided.

No function here calls an API while a write transaction is open: :func:`issue_before` runs
before the bench's transaction, :func:`cancel_after_failure` and :func:`cancel_pending` after
it. Numbers to cancel that the API cannot take now wait in ``waybill_cancels`` and are tried
again with backoff by :func:`cancel_pending`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.clock import from_iso, to_iso
from core.errors import Rejected
from core.i18n import _
from core.waybills import (
    CarrierApi,
    Goods,
    IssuedWaybill,
    ParcelRequest,
    Party,
    WaybillSource,
    WaybillUnavailable,
)
from data import carriers, settings
from data.store import Actor, Store

#: Builds the source that speaks to a carrier's API (the composition root passes
#: ``devices.waybill_apis.source_for``; tests may pass a source of their own).
WaybillApis = Callable[[CarrierApi], WaybillSource]

#: Longest wait between two tries to cancel a number at the carrier.
MAX_BACKOFF_S = 3600
FIRST_BACKOFF_S = 30


@dataclass(frozen=True)
class Issued:
    """Numbers an API issued for one shipment, before its transaction."""

    carrier: str
    provider: str
    waybills: tuple[IssuedWaybill, ...]
    source: WaybillSource


def sender_party(store: Store) -> Party:
    """Who ships, as the API wants it: the sender settings and the warehouse's province."""
    values = settings.get_many(
        store,
        (
            "sender.name",
            "sender.phone",
            "sender.address",
            "sender.city",
            "sender.district",
            "warehouse.province",
        ),
    )
    return Party(
        name=values["sender.name"],
        phone=values["sender.phone"],
        province=values["warehouse.province"],
        city=values["sender.city"],
        district=values["sender.district"],
        address=values["sender.address"],
    )


def parcel_requests(
    conn: Any, order: Any, packages: int, weight_g: int, sender: Party
) -> list[ParcelRequest]:
    """One request per parcel: the order's full recipient data (the API gets it unmasked),
    its goods, the weight shared out, and a reference no earlier request used."""
    goods = tuple(
        Goods(str(row[0] or row[1])[:60], int(row[2]))
        for row in conn.execute(
            "SELECT p.name, l.sku, l.qty FROM order_lines l LEFT JOIN products p ON p.sku = l.sku"
            " WHERE l.order_no = ? ORDER BY l.line_no",
            (order["order_no"],),
        )
    )
    recipient = Party(
        name=order["customer_name"],
        phone=order["phone"],
        province=order["province"],
        city=order["city"],
        district=order["district"],
        address=order["address"],
        postcode=order["postcode"],
    )
    attempt = secrets.token_hex(3)
    share = max(1, weight_g // packages) if weight_g else 0
    return [
        ParcelRequest(
            reference=f"{order['order_no']}-{seq}-{attempt}",
            order_no=order["order_no"],
            seq=seq,
            count=packages,
            weight_g=share,
            sender=sender,
            recipient=recipient,
            goods=goods,
        )
        for seq in range(1, packages + 1)
    ]


def issue(apis: WaybillApis | None, api: CarrierApi, parcels: Sequence[ParcelRequest]) -> Issued:
    """Ask the carrier's API for the parcels' numbers (never inside a write transaction).
    Raises WaybillUnavailable with the provider's reason."""
    if apis is None:
        raise WaybillUnavailable(
            _("{carrier} takes its numbers from an API this process cannot reach").format(
                carrier=api.carrier
            ),
            retryable=False,
        )
    source = apis(api)
    return Issued(api.carrier, api.provider, source.issue(api.carrier, parcels), source)


def keep_stray(store: Store, actor: Actor, api: CarrierApi, error: WaybillUnavailable) -> None:
    """Numbers an API issued before a later parcel failed and could not cancel again: stored
    void (never used) and queued to be cancelled at the carrier."""
    if not error.stray:
        return
    _queue_void(
        store, actor, api.carrier, api.provider, error.stray, _("issued for an order that failed")
    )


def _queue_void(
    store: Store,
    actor: Actor,
    carrier: str,
    provider: str,
    waybills: Sequence[IssuedWaybill],
    reason: str,
) -> None:
    with store.write(actor) as write:
        for waybill in waybills:
            exists = write.execute(
                "SELECT 1 FROM waybill_numbers WHERE number = ?", (waybill.number,)
            ).fetchone()
            if exists is None:
                carriers.record_issued(write, carrier, provider, waybill)
            write.execute(
                "UPDATE waybill_numbers SET status = 'void' WHERE number = ?", (waybill.number,)
            )
            carriers.queue_cancel(write, waybill.number, reason)
        write.audit(
            "waybill.cancel_queued",
            carrier,
            numbers=[w.number for w in waybills],
            reason=reason,
        )


def cancel_after_failure(store: Store, actor: Actor, issued: Issued, reason: str) -> list[str]:
    """The transaction that was to store ``issued`` failed: cancel its numbers at the carrier
    now (no write is open). Numbers the API cannot cancel now are stored void and queued, so
    they are never used and are cancelled later. Returns the numbers queued."""
    queued: list[IssuedWaybill] = []
    for waybill in issued.waybills:
        try:
            issued.source.cancel(waybill)
        except WaybillUnavailable:
            queued.append(waybill)
    if queued:
        _queue_void(store, actor, issued.carrier, issued.provider, queued, reason)
    return [w.number for w in queued]


def _backoff(attempts: int) -> int:
    return int(min(FIRST_BACKOFF_S * 2 ** max(0, attempts - 1), MAX_BACKOFF_S))


def cancel_pending(
    store: Store,
    actor: Actor,
    apis: WaybillApis | None,
    numbers: Sequence[str] | None = None,
    due_only: bool = True,
) -> dict[str, str]:
    """Try to cancel queued numbers at their carriers: ``numbers`` (e.g. a label just voided)
    or every pending one whose next try is due. Each API call happens with no write open; the
    result is then written. A refusal that waiting cannot mend marks the row ``failed`` (a
    person must look); otherwise it is tried again later, waiting twice as long each time (30 s
    up to an hour). Returns each number's outcome: ``done``, ``pending`` or ``failed``."""
    now = store.clock.now()
    with store.read() as conn:
        if numbers is not None:
            marks = ",".join("?" * len(numbers)) or "''"
            rows = conn.execute(
                f"SELECT number, carrier, reference, attempts, next_attempt_at FROM"
                f" waybill_cancels WHERE status = 'pending' AND number IN ({marks})",
                list(numbers),
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT number, carrier, reference, attempts, next_attempt_at FROM"
                " waybill_cancels WHERE status = 'pending' ORDER BY next_attempt_at"
            ).fetchall()
        configs = {api.carrier: api for api in carriers.carrier_apis(conn)}
    outcome: dict[str, str] = {}
    for row in rows:
        number, carrier, reference, attempts = row[0], row[1], row[2], int(row[3])
        if due_only and numbers is None and row[4] and from_iso(row[4]) > now:
            continue
        api = configs.get(carrier)
        error: WaybillUnavailable | None = None
        if api is None:
            error = WaybillUnavailable(
                _("{carrier} has no waybill API configured any more").format(carrier=carrier),
                retryable=True,
            )
        else:
            try:
                if apis is None:
                    raise WaybillUnavailable(
                        _("this process cannot reach waybill APIs"), retryable=True
                    )
                apis(api).cancel(IssuedWaybill(number, reference=reference))
            except WaybillUnavailable as failure:
                error = failure
        attempts += 1
        with store.write(actor) as write:
            if error is None:
                write.execute(
                    "UPDATE waybill_cancels SET status = 'done', attempts = ?, done_at = ?,"
                    " next_attempt_at = NULL WHERE number = ?",
                    (attempts, write.now, number),
                )
                write.audit("waybill.cancelled", number, carrier=carrier, attempts=attempts)
                outcome[number] = "done"
            else:
                status = "pending" if error.retryable else "failed"
                retry_at = to_iso(now + timedelta(seconds=_backoff(attempts)))
                write.execute(
                    "UPDATE waybill_cancels SET status = ?, attempts = ?, last_error = ?,"
                    " next_attempt_at = ? WHERE number = ?",
                    (
                        status,
                        attempts,
                        str(error)[:300],
                        retry_at if status == "pending" else None,
                        number,
                    ),
                )
                write.audit(
                    "waybill.cancel_failed",
                    number,
                    carrier=carrier,
                    attempts=attempts,
                    error=str(error)[:300],
                    retry=status == "pending",
                )
                outcome[number] = status
    return outcome


def pending_cancels(store: Store) -> list[dict[str, Any]]:
    """Numbers not yet cancelled at their carrier (pending and failed)."""
    with store.read() as conn:
        return [
            dict(row)
            for row in conn.execute(
                "SELECT number, carrier, reason, status, attempts, last_error, next_attempt_at,"
                " created_at FROM waybill_cancels WHERE status != 'done' ORDER BY created_at"
            )
        ]


class ApiNotAnswering(Rejected):
    """The carrier's API cannot issue now and may later (the order can wait for it)."""


def backoff_s(attempts: int) -> int:
    """Seconds before try ``attempts`` + 1: 30 s, doubling, at most an hour."""
    return _backoff(attempts)


def unavailable(api: CarrierApi, error: WaybillUnavailable) -> Rejected:
    """The bench's words when the API cannot issue and the carrier waits for it."""
    if error.retryable:
        return ApiNotAnswering(
            _(
                "{carrier}'s waybill API is not answering ({error}). The order stays at the "
                "bench: close it again in a moment, or choose another carrier."
            ).format(carrier=api.carrier, error=error)
        )
    return Rejected(
        _(
            "{carrier}'s waybill API refused the order: {error}. Fix the order or the "
            "account (wareterm carriers api {carrier}), or choose another carrier."
        ).format(carrier=api.carrier, error=error)
    )
