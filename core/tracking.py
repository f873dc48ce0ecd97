"""Tracking (物流跟踪): a parcel's events after it left, and what they do to its order.

An event is one line of a carrier's trace: when, what (:class:`TrackStatus`), where or what
happened (the carrier's text), and where it came from (``kdniao``, ``import``). The rule
:func:`order_target` says which status an order moves to once its parcels' events are known;
:func:`problem` says whether the parcel is a problem parcel (问题件) the supervisor should see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from core.errors import Rejected
from core.i18n import N_, _
from core.lifecycle import may_transition
from core.model import OrderStatus


class TrackStatus(StrEnum):
    """What a tracking event says. These names are part of the interface (CLI --json)."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    SIGNED = "signed"
    PROBLEM = "problem"
    RETURNED = "returned"


_T = TrackStatus

#: The operator's name of each status (translated where shown).
LABELS: Mapping[TrackStatus, str] = {
    _T.PICKED_UP: N_("picked up"),
    _T.IN_TRANSIT: N_("in transit"),
    _T.OUT_FOR_DELIVERY: N_("out for delivery"),
    _T.SIGNED: N_("signed"),
    _T.PROBLEM: N_("problem parcel"),
    _T.RETURNED: N_("returned"),
}

#: The words a tracking file may use for a status: our names, English and the carriers' Chinese.
WORDS: Mapping[str, TrackStatus] = {
    **{status.value: status for status in TrackStatus},
    "picked up": _T.PICKED_UP,
    "in transit": _T.IN_TRANSIT,
    "out for delivery": _T.OUT_FOR_DELIVERY,
    "delivered": _T.SIGNED,
    "已揽收": _T.PICKED_UP,
    "揽收": _T.PICKED_UP,
    "已揽件": _T.PICKED_UP,
    "运输中": _T.IN_TRANSIT,
    "在途中": _T.IN_TRANSIT,
    "在途": _T.IN_TRANSIT,
    "派送中": _T.OUT_FOR_DELIVERY,
    "派件中": _T.OUT_FOR_DELIVERY,
    "已签收": _T.SIGNED,
    "签收": _T.SIGNED,
    "问题件": _T.PROBLEM,
    "疑难件": _T.PROBLEM,
    "退回": _T.RETURNED,
    "已退回": _T.RETURNED,
    "退签": _T.RETURNED,
}

#: 快递鸟's ``State`` and ``Action`` (StateEx) codes: 1 揽收, 2 在途 (2xx its stages,
#: 202 派件中, 211 in a locker or 驿站), 3 签收 (3xx), 4 问题件 (404 拒收 and 406/407 退货:
#: coming back). 0 (no trace yet) and anything unknown is no event.
_KDNIAO: Mapping[str, TrackStatus] = {
    "1": _T.PICKED_UP,
    "2": _T.IN_TRANSIT,
    "201": _T.IN_TRANSIT,
    "204": _T.IN_TRANSIT,
    "205": _T.IN_TRANSIT,
    "206": _T.IN_TRANSIT,
    "202": _T.OUT_FOR_DELIVERY,
    "211": _T.OUT_FOR_DELIVERY,
    "3": _T.SIGNED,
    "301": _T.SIGNED,
    "302": _T.SIGNED,
    "304": _T.SIGNED,
    "311": _T.SIGNED,
    "4": _T.PROBLEM,
    "404": _T.RETURNED,
    "406": _T.RETURNED,
    "407": _T.RETURNED,
}

#: Time formats of a tracking file and of 快递鸟's ``AcceptTime`` (China time, UTC+8).
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
CHINA = timezone(timedelta(hours=8))

#: Longest description kept of one event.
MAX_TEXT = 200


@dataclass(frozen=True)
class TrackEvent:
    """One tracking event of one waybill; the same event twice is the same value."""

    waybill_no: str
    at: datetime
    status: TrackStatus
    description: str = ""
    source: str = ""


def status_word(word: str) -> TrackStatus:
    """The status a word names (``signed``, ``已签收`` …), or Rejected saying which are known."""
    found = WORDS.get(" ".join(word.split()).lower())
    if found is None:
        raise Rejected(
            _("unknown tracking status {word!r}; use one of {known}").format(
                word=word[:40], known=", ".join(s.value for s in TrackStatus) + ", 已签收, 运输中 …"
            )
        )
    return found


def kdniao_status(code: object) -> TrackStatus | None:
    """The status of a 快递鸟 ``State`` or ``Action`` code; None for 0 and unknown codes (a
    4xx code not listed is a problem)."""
    text = str(code or "").strip()
    found = _KDNIAO.get(text)
    if found is None and len(text) == 3 and text.startswith("4") and text.isdigit():
        return _T.PROBLEM
    return found


def event_time(text: str, zone: timezone = CHINA) -> datetime:
    """A tracking time (``2026-12-05 14:03:00``, ISO with an offset …) as an aware datetime;
    a time without an offset is China time. Rejected when it is none of these."""
    value = " ".join(str(text).split())
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for pattern in _FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise Rejected(
            _("cannot read the time {text!r}; write it as 2026-12-05 14:03").format(text=value[:40])
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def clean_text(text: object, limit: int = MAX_TEXT) -> str:
    """A carrier's text as it may be kept and shown: printable, spaces collapsed, bounded."""
    value = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return " ".join(value.split())[:limit]


def order_target(
    current: OrderStatus, parcels: Iterable[Iterable[TrackStatus]]
) -> OrderStatus | None:
    """Where an order goes once the events of each of its parcels say ``parcels`` (one
    collection of statuses per parcel): every parcel signed → delivered; the first sign of
    movement of any parcel (picked up, in transit, out for delivery, signed) → in transit.
    None when it stays (already there, or its lifecycle does not allow it: a cancelled or
    returned order is never moved by a trace). Problem and returned events move nothing:
    the parcel is flagged (:func:`problem`)."""
    seen = [set(statuses) for statuses in parcels]
    if not seen:
        return None
    if all(_T.SIGNED in statuses for statuses in seen) and may_transition(
        current, OrderStatus.DELIVERED
    ):
        return OrderStatus.DELIVERED
    moving = {_T.PICKED_UP, _T.IN_TRANSIT, _T.OUT_FOR_DELIVERY, _T.SIGNED}
    if any(statuses & moving for statuses in seen) and current is OrderStatus.SHIPPED:
        return OrderStatus.IN_TRANSIT
    return None


def problem(events: Iterable[TrackEvent]) -> TrackEvent | None:
    """The event making a parcel a problem parcel (问题件): its latest event when that is a
    problem or a return; None once a later event (signed, moving again) settled it."""
    latest = max(events, key=lambda e: e.at, default=None)
    if latest is not None and latest.status in (_T.PROBLEM, _T.RETURNED):
        return latest
    return None


def label(status: TrackStatus | str) -> str:
    """The translated name of a status (the raw text when it is none)."""
    try:
        return _(LABELS[TrackStatus(status)])
    except ValueError:
        return str(status)
