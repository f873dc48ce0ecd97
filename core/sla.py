"""Service levels: when an order must ship, from its priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.model import Priority

PRIORITY_RANK = {Priority.RUSH: 0, Priority.STANDARD: 1, Priority.DEFERRED: 2}


@dataclass(frozen=True)
class SlaPolicy:
    """Hours from placing to ship-by, per priority (site configuration)."""

    rush_hours: float = 4
    standard_hours: float = 24
    deferred_hours: float = 72

    def hours(self, priority: Priority) -> float:
        """The SLA of a priority in hours."""
        return {
            Priority.RUSH: self.rush_hours,
            Priority.STANDARD: self.standard_hours,
            Priority.DEFERRED: self.deferred_hours,
        }[priority]


def due_at(placed_at: datetime, priority: Priority, policy: SlaPolicy) -> datetime:
    """The ship-by time of an order."""
    return placed_at + timedelta(hours=policy.hours(priority))


def countdown(due: datetime, now: datetime) -> str:
    """A short countdown a picker reads at a glance: ``1h23m``, ``12m``, ``-5m`` when overdue."""
    seconds = int((due - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d{hours:02d}h"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{minutes}m"
