"""The daily report's arithmetic: day boundaries in China Standard Time, averages and the 90th
percentile, active hours from scan times, stock movements and count accuracy, the return rate
over a window of days, and the report itself as plain data."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.clock import CHINA_TZ
from core.errors import Rejected
from core.i18n import _
from core.oversight import rate

#: A gap between two scans longer than this is a break, not work (for lines per hour).
BREAK_AFTER = timedelta(minutes=10)
#: Days the return rate is taken over by default (returns come weeks after the shipment).
RETURN_WINDOW_DAYS = 30
#: The longest return window a report takes.
RETURN_WINDOW_MAX = 366


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of ``day`` in China Standard Time, as aware instants."""
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
    return start, start + timedelta(days=1)


def window_bounds(day: date, days: int) -> tuple[datetime, datetime]:
    """The ``days`` days ending with ``day`` (China Standard Time), as aware instants; refuses
    a window shorter than a day or longer than :data:`RETURN_WINDOW_MAX` days."""
    if not 1 <= days <= RETURN_WINDOW_MAX:
        raise Rejected(
            _("--return-window {days}: give a number of days from 1 to {most}").format(
                days=days, most=RETURN_WINDOW_MAX
            )
        )
    start, end = day_bounds(day)
    return start - timedelta(days=days - 1), end


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean (None for no values)."""
    return sum(values) / len(values) if values else None


def percentile(values: Iterable[float], p: float) -> float | None:
    """The ``p``-th percentile by the nearest-rank method: the smallest value with at least
    ``p`` percent of the values at or below it (None for no values)."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} is not in (0, 100]")
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def active_hours(times: Iterable[datetime], break_after: timedelta = BREAK_AFTER) -> float:
    """Hours of work seen in a person's scan times: the sum of the gaps between consecutive
    scans, leaving out gaps longer than ``break_after`` (breaks, other work)."""
    ordered = sorted(times)
    seconds = 0.0
    for before, after in zip(ordered, ordered[1:], strict=False):
        gap = after - before
        if gap <= break_after:
            seconds += gap.total_seconds()
    return seconds / 3600


def per_hour(count: int, hours: float) -> float | None:
    """``count`` per hour of ``hours`` (None when no time was worked)."""
    return count / hours if hours > 0 else None


@dataclass(frozen=True)
class SlaLine:
    """One priority's ship-by record for the day: orders due that day (up to the time of the
    report, cancelled ones left out) and how many shipped by their due time."""

    priority: str
    due: int
    hit: int

    @property
    def missed(self) -> int:
        """Due that day and not shipped by the due time (late or not shipped yet)."""
        return self.due - self.hit

    @property
    def hit_rate(self) -> float | None:
        """Share shipped on time (None when nothing was due)."""
        return rate(self.hit, self.due)


@dataclass(frozen=True)
class PersonLine:
    """One person's day at one task (``pick`` or ``pack``): distinct lines with an accepted
    scan, accepted units, all scans and the refused ones, hours worked (gaps between scans
    up to a break) and lines per hour of those."""

    name: str
    task: str
    lines: int
    units: int
    scans: int
    refused: int
    hours: float

    @property
    def lines_per_hour(self) -> float | None:
        """Lines per hour worked."""
        return per_hour(self.lines, self.hours)

    @property
    def error_rate(self) -> float | None:
        """Refused scans / scans."""
        return rate(self.refused, self.scans)


@dataclass(frozen=True)
class ReturnedUnit:
    """Units received back in one scan (a return line), for the returns figures."""

    return_id: int
    sku: str
    qty: int
    damaged: bool
    reason: str = ""


@dataclass(frozen=True)
class ReturnsFigures:
    """After-sales (售后) over the report's window: returns received, units restocked (good),
    kept as damaged (次品) and written off, and the return rate (units returned / units
    shipped) by reason and by SKU."""

    units: tuple[ReturnedUnit, ...] = ()
    shipped_by_sku: tuple[tuple[str, int], ...] = ()
    written_off: int = 0

    @property
    def received(self) -> int:
        """Returns (and parcels) that units came back in."""
        return len({unit.return_id for unit in self.units})

    @property
    def returned(self) -> int:
        """Units that came back."""
        return sum(unit.qty for unit in self.units)

    @property
    def restocked(self) -> int:
        """Units back in good condition."""
        return sum(unit.qty for unit in self.units if not unit.damaged)

    @property
    def damaged(self) -> int:
        """Units back damaged (never allocated)."""
        return sum(unit.qty for unit in self.units if unit.damaged)

    @property
    def shipped(self) -> int:
        """Units shipped in the window."""
        return sum(qty for _sku, qty in self.shipped_by_sku)

    @property
    def return_rate(self) -> float | None:
        """Units returned / units shipped."""
        return rate(self.returned, self.shipped)

    def by_reason(self) -> list[tuple[str, int, float | None]]:
        """Per reason (``''``: none given): units returned and their share of units shipped."""
        units: dict[str, int] = {}
        for unit in self.units:
            units[unit.reason] = units.get(unit.reason, 0) + unit.qty
        return [(reason, n, rate(n, self.shipped)) for reason, n in sorted(units.items())]

    def by_sku(self) -> list[tuple[str, int, int, float | None]]:
        """Per SKU: units returned, units shipped and the SKU's return rate."""
        shipped = dict(self.shipped_by_sku)
        units: dict[str, int] = {}
        for unit in self.units:
            units[unit.sku] = units.get(unit.sku, 0) + unit.qty
        return [
            (
                sku,
                units.get(sku, 0),
                shipped.get(sku, 0),
                rate(units.get(sku, 0), shipped.get(sku, 0)),
            )
            for sku in sorted(set(units) | set(shipped))
        ]


@dataclass(frozen=True)
class CountedBin:
    """A bin counted in the window (its latest count): units found beyond the books and units
    the books had that were not found."""

    count_id: int
    bin: str
    up: int = 0
    down: int = 0

    @property
    def differs(self) -> bool:
        """The count did not agree with the books."""
        return bool(self.up or self.down)


@dataclass(frozen=True)
class StockFigures:
    """Stock over the report's window, from the stock ledger and the counts: units received
    (into the receiving dock), put away (into their bins), adjusted up and down (count
    approvals and corrections by import), and count accuracy — bins counted, bins whose count
    differed from the books, the units of those differences, and the inventory record accuracy
    (bins that agreed / bins counted)."""

    received: int = 0
    put_away: int = 0
    adjusted_up: int = 0
    adjusted_down: int = 0
    counted: tuple[CountedBin, ...] = ()

    @property
    def bins_counted(self) -> int:
        """Bins counted in the window."""
        return len(self.counted)

    @property
    def bins_with_difference(self) -> int:
        """Bins whose count did not agree with the books."""
        return sum(1 for place in self.counted if place.differs)

    @property
    def count_units_up(self) -> int:
        """Units counts found beyond the books."""
        return sum(place.up for place in self.counted)

    @property
    def count_units_down(self) -> int:
        """Units the books had and counts did not find."""
        return sum(place.down for place in self.counted)

    @property
    def record_accuracy(self) -> float | None:
        """Inventory record accuracy: bins whose count agreed with the books / bins counted."""
        return rate(self.bins_counted - self.bins_with_difference, self.bins_counted)


#: Ledger kinds whose entries are adjustments of the books (up or down).
ADJUSTING_KINDS = ("adjustment", "import_correction")


def stock_figures(
    movements: Iterable[tuple[str, int, int]], counted: Iterable[CountedBin] = ()
) -> StockFigures:
    """The stock figures from the window's ledger totals per kind — ``(kind, units in, units
    out)`` — and the bins counted in it. A put-away is two entries (out of the dock, into the
    bin): its units are those that went in."""
    totals: dict[str, tuple[int, int]] = {}
    for kind, units_in, units_out in movements:
        before_in, before_out = totals.get(kind, (0, 0))
        totals[kind] = (before_in + units_in, before_out + units_out)
    return StockFigures(
        received=totals.get("receive", (0, 0))[0],
        put_away=totals.get("put_away", (0, 0))[0],
        adjusted_up=sum(totals.get(kind, (0, 0))[0] for kind in ADJUSTING_KINDS),
        adjusted_down=sum(totals.get(kind, (0, 0))[1] for kind in ADJUSTING_KINDS),
        counted=tuple(counted),
    )


@dataclass(frozen=True)
class TrackingFigures:
    """What the carriers' tracking said in the window: each parcel signed (its carrier and
    the hours from shipping to signing) and the problem parcels (问题件) reported, per carrier —
    the numbers a seller compares carriers by."""

    signed: tuple[tuple[str, float], ...] = ()
    problems: tuple[tuple[str, int], ...] = ()

    @property
    def delivered(self) -> int:
        """Parcels signed in the window."""
        return len(self.signed)

    @property
    def avg_hours(self) -> float | None:
        """Average hours from shipping to signing of the parcels signed in the window."""
        return mean([hours for _carrier, hours in self.signed])

    def by_carrier(self) -> list[tuple[str, int, float | None, int]]:
        """(carrier, parcels signed, their average ship-to-signed hours, problem parcels)."""
        problems = dict(self.problems)
        carriers = sorted({c for c, _h in self.signed} | set(problems))
        return [
            (
                carrier,
                sum(1 for c, _h in self.signed if c == carrier),
                mean([h for c, h in self.signed if c == carrier]),
                problems.get(carrier, 0),
            )
            for carrier in carriers
        ]


#: How the report breaks the day's orders down: by channel and shop (``channel/shop``), by
#: customer class (new, returning, vip, blacklist) and by product category.
DIMENSIONS = ("channel", "customer_class", "category")


@dataclass(frozen=True)
class Breakdown:
    """Orders received and shipped in the day under one key of a dimension. An order of
    several categories counts once under each."""

    dimension: str
    key: str
    received: int
    shipped: int


@dataclass(frozen=True)
class DailyReport:
    """The day's numbers. Times in minutes; rates as fractions (0.25 = 25 %)."""

    day: date
    start: datetime
    end: datetime
    generated_at: datetime
    received: int
    shipped: int
    cancelled: int
    lead_minutes: tuple[float, ...]
    sla: tuple[SlaLine, ...]
    pick_scans: int
    pick_refused: int
    short_picks: int
    short_units: int
    people: tuple[PersonLine, ...] = field(default_factory=tuple)
    returns: ReturnsFigures = field(default_factory=ReturnsFigures)
    tracking: TrackingFigures = field(default_factory=TrackingFigures)
    stock: StockFigures = field(default_factory=StockFigures)
    #: The return rate over the ``return_window_days`` days ending with the report's day.
    return_window_days: int = RETURN_WINDOW_DAYS
    return_window: ReturnsFigures = field(default_factory=ReturnsFigures)
    breakdown: tuple[Breakdown, ...] = field(default_factory=tuple)

    @property
    def lead_avg_minutes(self) -> float | None:
        """Average time from import to ship of the orders shipped that day."""
        return mean(self.lead_minutes)

    @property
    def lead_p90_minutes(self) -> float | None:
        """90th percentile (nearest rank) of the same."""
        return percentile(self.lead_minutes, 90)

    @property
    def pick_error_rate(self) -> float | None:
        """Refused pick scans / pick scans."""
        return rate(self.pick_refused, self.pick_scans)

    @property
    def pick_accuracy(self) -> float | None:
        """1 − the pick error rate."""
        error = self.pick_error_rate
        return None if error is None else 1 - error

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (the ``--json`` shape)."""
        return {
            "date": self.day.isoformat(),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "received": self.received,
            "shipped": self.shipped,
            "cancelled": self.cancelled,
            "lead_time_minutes": {
                "avg": _round(self.lead_avg_minutes),
                "p90": _round(self.lead_p90_minutes),
                "orders": len(self.lead_minutes),
            },
            "sla": {
                line.priority: {
                    "due": line.due,
                    "hit": line.hit,
                    "missed": line.missed,
                    "hit_rate": _round(line.hit_rate, 4),
                }
                for line in self.sla
            },
            "picking": {
                "scans": self.pick_scans,
                "refused": self.pick_refused,
                "error_rate": _round(self.pick_error_rate, 4),
                "accuracy": _round(self.pick_accuracy, 4),
                "short_picks": self.short_picks,
                "short_units": self.short_units,
            },
            "people": [
                {
                    "name": person.name,
                    "task": person.task,
                    "lines": person.lines,
                    "units": person.units,
                    "scans": person.scans,
                    "refused": person.refused,
                    "hours": _round(person.hours, 3),
                    "lines_per_hour": _round(person.lines_per_hour),
                    "error_rate": _round(person.error_rate, 4),
                }
                for person in self.people
            ],
            "returns": {
                "received": self.returns.received,
                "units_returned": self.returns.returned,
                "restocked": self.returns.restocked,
                "damaged": self.returns.damaged,
                "written_off": self.returns.written_off,
                "units_shipped": self.returns.shipped,
                "return_rate": _round(self.returns.return_rate, 4),
                "by_reason": [
                    {"reason": reason, "units": n, "rate": _round(share, 4)}
                    for reason, n, share in self.returns.by_reason()
                ],
                "by_sku": [
                    {"sku": sku, "returned": n, "shipped": out, "rate": _round(share, 4)}
                    for sku, n, out, share in self.returns.by_sku()
                ],
            },
            "stock": {
                "received": self.stock.received,
                "put_away": self.stock.put_away,
                "adjusted_up": self.stock.adjusted_up,
                "adjusted_down": self.stock.adjusted_down,
                "bins_counted": self.stock.bins_counted,
                "bins_with_difference": self.stock.bins_with_difference,
                "count_units_up": self.stock.count_units_up,
                "count_units_down": self.stock.count_units_down,
                "record_accuracy": _round(self.stock.record_accuracy, 4),
            },
            "return_window": {
                "days": self.return_window_days,
                "from": (self.end - timedelta(days=self.return_window_days)).isoformat(),
                "to": self.end.isoformat(),
                "units_returned": self.return_window.returned,
                "units_shipped": self.return_window.shipped,
                "return_rate": _round(self.return_window.return_rate, 4),
                "by_reason": [
                    {"reason": reason, "units": n, "rate": _round(share, 4)}
                    for reason, n, share in self.return_window.by_reason()
                ],
                "by_sku": [
                    {"sku": sku, "returned": n, "shipped": out, "rate": _round(share, 4)}
                    for sku, n, out, share in self.return_window.by_sku()
                ],
            },
            "tracking": {
                "delivered": self.tracking.delivered,
                "ship_to_signed_hours": _round(self.tracking.avg_hours),
                "by_carrier": [
                    {
                        "carrier": carrier,
                        "delivered": n,
                        "ship_to_signed_hours": _round(hours),
                        "problems": problems,
                    }
                    for carrier, n, hours, problems in self.tracking.by_carrier()
                ],
            },
            "breakdown": {
                dimension: [
                    {"key": line.key, "received": line.received, "shipped": line.shipped}
                    for line in self.breakdown
                    if line.dimension == dimension
                ]
                for dimension in DIMENSIONS
            },
        }

    def csv_rows(self) -> list[tuple[str, str, str, str]]:
        """The report as ``section, key, metric, value`` rows (long format, one number a row;
        empty value where there is nothing to compute)."""
        data = self.as_dict()
        rows: list[tuple[str, str, str, str]] = [
            ("day", "", "date", data["date"]),
            ("day", "", "received", str(self.received)),
            ("day", "", "shipped", str(self.shipped)),
            ("day", "", "cancelled", str(self.cancelled)),
        ]
        for metric, value in data["lead_time_minutes"].items():
            rows.append(("lead_time_minutes", "", metric, _text(value)))
        for priority, values in data["sla"].items():
            rows.extend(("sla", priority, metric, _text(value)) for metric, value in values.items())
        for metric, value in data["picking"].items():
            rows.append(("picking", "", metric, _text(value)))
        for person in data["people"]:
            key = person["name"]
            section = "picker" if person["task"] == "pick" else "packer"
            rows.extend(
                (section, key, metric, _text(value))
                for metric, value in person.items()
                if metric not in ("name", "task")
            )
        for metric, value in data["returns"].items():
            if not isinstance(value, list):
                rows.append(("returns", "", metric, _text(value)))
        for line in data["returns"]["by_reason"]:
            rows.append(("return_reason", line["reason"], "units", str(line["units"])))
            rows.append(("return_reason", line["reason"], "rate", _text(line["rate"])))
        for line in data["returns"]["by_sku"]:
            rows.extend(
                ("return_sku", line["sku"], metric, _text(line[metric]))
                for metric in ("returned", "shipped", "rate")
            )
        for metric, value in data["stock"].items():
            rows.append(("stock", "", metric, _text(value)))
        window = data["return_window"]
        for metric in ("days", "units_returned", "units_shipped", "return_rate"):
            rows.append(("return_window", "", metric, _text(window[metric])))
        for line in window["by_reason"]:
            rows.append(("return_window_reason", line["reason"], "units", str(line["units"])))
            rows.append(("return_window_reason", line["reason"], "rate", _text(line["rate"])))
        for line in window["by_sku"]:
            rows.extend(
                ("return_window_sku", line["sku"], metric, _text(line[metric]))
                for metric in ("returned", "shipped", "rate")
            )
        rows.append(("tracking", "", "delivered", str(self.tracking.delivered)))
        rows.append(
            (
                "tracking",
                "",
                "ship_to_signed_hours",
                _text(data["tracking"]["ship_to_signed_hours"]),
            )
        )
        for line in data["tracking"]["by_carrier"]:
            rows.extend(
                ("carrier", line["carrier"], metric, _text(line[metric]))
                for metric in ("delivered", "ship_to_signed_hours", "problems")
            )
        for line in self.breakdown:
            rows.append((f"by_{line.dimension}", line.key, "received", str(line.received)))
            rows.append((f"by_{line.dimension}", line.key, "shipped", str(line.shipped)))
        return rows


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
