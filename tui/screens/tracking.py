"""Tracking (物流跟踪) on the supervisor's screens: the order detail's tab of its parcels' events
and the Exceptions tab of problem parcels (问题件), as columns and rows the screens fill."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from core import tracking
from core.i18n import _
from core.oversight import ProblemParcel, TrackingEntry
from tui.text import plain, shown
from tui.widgets.cells import Row, short_clock

#: Statuses drawn as needing attention.
_ALARMING = ("problem", "returned")


def _status(status: str) -> Text:
    return shown(
        tracking.label(status),
        style="bold red" if status in _ALARMING else ("bold" if status == "signed" else ""),
    )


def add_event_columns(table: DataTable) -> None:
    """The order detail's tracking tab: when, which parcel, what, the carrier's words."""
    for label in (_("At"), _("Waybill"), _("Status"), _("Event")):
        table.add_column(label)


def event_rows(events: Sequence[TrackingEntry], now: datetime) -> list[Row]:
    """One row an event, newest first (as read)."""
    return [
        (
            f"{number}",
            [
                short_clock(event.at, now),
                plain(event.waybill_no),
                _status(event.status),
                plain(event.description),
            ],
        )
        for number, event in enumerate(events)
    ]


def add_parcel_columns(table: DataTable) -> None:
    """The Exceptions tab of problem parcels."""
    for label in (_("Order"), _("Waybill"), _("Carrier"), _("Status"), _("At"), _("Event")):
        table.add_column(label)


def parcel_rows(parcels: Sequence[ProblemParcel], now: datetime, cap: int | None) -> list[Row]:
    """One row a problem parcel, keyed by its waybill number; ``cap`` bounds the carrier's
    text (narrow terminals)."""
    return [
        (
            parcel.waybill_no,
            [
                plain(parcel.order_no),
                plain(parcel.waybill_no),
                plain(parcel.carrier),
                _status(parcel.status),
                short_clock(parcel.at, now),
                plain(parcel.description, limit=cap),
            ],
        )
        for parcel in parcels
    ]


def parcel_order(parcels: Sequence[ProblemParcel], waybill_no: str) -> str | None:
    """The order of the problem parcel with this waybill number."""
    return next((p.order_no for p in parcels if p.waybill_no == waybill_no), None)
