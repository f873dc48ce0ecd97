"""Time as a dependency: services take a Clock so rules and tests control 'now'."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Protocol

#: China Standard Time: the site's calendar (China has one time zone and no daylight saving).
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def local_day(moment: datetime) -> date:
    """The calendar day (China Standard Time) an instant falls on."""
    return moment.astimezone(CHINA_TZ).date()


class Clock(Protocol):
    """Something that tells the current time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and reproducible demos."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        """The instant this clock was set to."""
        return self.at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.at += delta


def to_iso(moment: datetime) -> str:
    """Store format for instants: ISO 8601 in UTC with seconds, sortable as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Parse a stored instant."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` on the clocks of ``zone``. At the ends of the calendar (year 1, year 9999),
    where moving to another offset leaves it, the calendar's first or last instant instead: a
    time shown can be off there, a screen never fails."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        edge = datetime.max if moment.year > 1 else datetime.min
        return edge.replace(tzinfo=zone)
