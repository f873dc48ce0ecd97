"""Times, spans and money as a person on the floor reads them, in the reader's language.

Every time a person reads is site time (the setting ``site.timezone``, Asia/Shanghai unless
changed): screens, CLI tables and messages. Machine output (``--json``) keeps ISO times with
their offset. Countdowns read ``3h05m left`` / ``12m overdue`` (剩 3小时05分 / 超时 12分)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.carriers import yuan
from core.clock import CHINA_TZ, in_zone
from core.i18n import _

DEFAULT_ZONE = "Asia/Shanghai"


def zone_named(name: str) -> tzinfo:
    """The time zone of an IANA name; raises ValueError for an unknown one."""
    if name == DEFAULT_ZONE:
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            return CHINA_TZ  # China has one time zone and no daylight saving: when tzdata is absent
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(name) from error


_site: tzinfo = zone_named(DEFAULT_ZONE)


def set_site_zone(name: str | None) -> None:
    """Use the site's time zone for every time shown from now on (None: Asia/Shanghai)."""
    global _site
    _site = zone_named(name or DEFAULT_ZONE)


def site_zone() -> tzinfo:
    """The time zone people read times in."""
    return _site


def local(moment: datetime) -> datetime:
    """``moment`` in site time (a naive time is taken as UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return in_zone(moment, _site)


def clock(moment: datetime | None, now: datetime | None = None) -> str:
    """``14:05`` (site time) when on the same day as ``now`` or no ``now`` is given,
    ``11-22 08:00`` in the same year, else ``2031-11-22``; ``—`` for none."""
    if moment is None:
        return "—"
    when = local(moment)
    if now is None:
        return when.strftime("%H:%M")
    today = local(now).date()
    if when.date() == today:
        return when.strftime("%H:%M")
    if when.year == today.year:
        return when.strftime("%m-%d %H:%M")
    return f"{when.year:04d}-{when:%m-%d}"


def stamp(moment: datetime | None) -> str:
    """``2026-11-21 14:05`` in site time; ``—`` for none."""
    if moment is None:
        return "—"
    when = local(moment)
    return f"{when.year:04d}-{when:%m-%d %H:%M}"


def span(seconds: float) -> str:
    """A length of time at a glance: ``45s``, ``12m``, ``3h05m``, ``2d03h`` (``12分``,
    ``3小时05分``, ``2天03小时``)."""
    total = int(abs(seconds))
    if total < 60:
        return _("{s}s").format(s=total)
    minutes = total // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("{d}d{h:02d}h").format(d=days, h=hours)
    if hours:
        return _("{h}h{m:02d}m").format(h=hours, m=minutes)
    return _("{m}m").format(m=minutes)


def duration(length: timedelta | None) -> str:
    """:func:`span` of a timedelta; ``—`` for none."""
    return "—" if length is None else span(max(length.total_seconds(), 0))


def overdue(due: datetime, now: datetime) -> bool:
    """Whether ``due`` has passed."""
    return due < now


def remaining(due: datetime, now: datetime) -> str:
    """Time left to ``due``: ``3h05m left`` or ``12m overdue`` (剩 3小时05分 / 超时 12分)."""
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return _("{span} overdue").format(span=span(-seconds))
    return _("{span} left").format(span=span(seconds))


def remaining_short(due: datetime, now: datetime) -> str:
    """The same for a table's "left" column: ``3h05m`` or ``-12m`` (``3小时05分``,
    ``超时12分``)."""
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return _("-{span}").format(span=span(-seconds))
    return span(seconds)


def ago(since: datetime, now: datetime) -> str:
    """How long ago: ``5m`` (``5分``)."""
    return span(max((now - since).total_seconds(), 0))


def money(fen: int) -> str:
    """``2300`` → ``¥23.00``."""
    return yuan(fen)
