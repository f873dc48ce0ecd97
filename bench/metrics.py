"""The metrics ``make bench`` reports, their goals and limits, and the registry of measurements.

A measurement is one function that takes the :class:`Bench` and returns values for one or more
metrics; the harness runs it several times and reports the median. A metric that cannot be
measured yet has a measurement that raises :class:`NotMeasurable` with the reason: it is reported
with value ``null`` and that reason, never left out. Adding a metric is one function::

    @measurement("dashboard_refresh_ms")
    def dashboard_refresh(bench: Bench) -> dict[str, float]:
        ...
        return {"dashboard_refresh_ms": elapsed_ms}

``ratio`` says how far a value is from its goal, so that **ratio ≤ 1 means the goal is met**:
``value / goal`` for goals that are a ceiling (latencies, memory), ``goal / value`` for goals that
are a floor (throughputs), and ``value + 1`` for goals of zero (lost scans, double claims: 1.0
when none, 2.0 for one).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bench.harness import Bench

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Goal:
    """A metric's unit, goal and the limit it is compared with (what the floor needs)."""

    name: str
    unit: str
    #: None: the goal belongs to work not done yet (the metric is reported without one).
    goal: float | None
    better: Better
    limit: float | None
    limit_note: str
    #: How the runs are combined: the median, or the worst run for counts that must be zero.
    combine: Literal["median", "worst"] = "median"

    def ratio(self, value: float) -> float | None:
        """How far ``value`` is from the goal; ≤ 1 means the goal is met."""
        if self.goal is None:
            return None
        if self.goal == 0:
            return value + 1.0
        if self.better == "lower":
            return value / self.goal
        return self.goal / value if value else float("inf")

    def met(self, value: float) -> bool | None:
        """Whether ``value`` meets the goal (None without a goal)."""
        if self.goal is None:
            return None
        return value <= self.goal if self.better == "lower" else value >= self.goal


_SCAN_LIMIT = "one EAN-13 + CR(LF) takes 15.6 ms on the wire of a 9600 baud scanner"
GOALS: dict[str, Goal] = {
    goal.name: goal
    for goal in (
        Goal("scan_commit_ms_p50", "ms", 1, "lower", 15.6, _SCAN_LIMIT),
        Goal("scan_commit_ms_p99", "ms", 5, "lower", 15.6, _SCAN_LIMIT),
        Goal("scan_commit_writer_ms_p50", "ms", 1, "lower", 15.6, _SCAN_LIMIT),
        Goal("scan_commit_writer_ms_p99", "ms", 5, "lower", 15.6, _SCAN_LIMIT),
        Goal(
            "scan_to_screen_ms_p95",
            "ms",
            50,
            "lower",
            100,
            "a picker perceives more than 100 ms between beep and screen as lag",
        ),
        Goal(
            "concurrent_scans_per_s",
            "scans/s",
            2000,
            "higher",
            200,
            "200 pickers scanning one unit a second each",
        ),
        Goal(
            "concurrent_direct_scans_per_s",
            "scans/s",
            2000,
            "higher",
            200,
            "200 pickers scanning one unit a second each",
        ),
        Goal("lost_scans", "scans", 0, "lower", 0, "an acknowledged scan is never lost", "worst"),
        Goal(
            "double_claims",
            "lists",
            0,
            "lower",
            0,
            "a pick list is never given to two pickers",
            "worst",
        ),
        Goal("dashboard_first_paint_s", "s", 0.5, "lower", None, ""),
        Goal("dashboard_refresh_ms", "ms", 100, "lower", None, ""),
        Goal("tui_cold_start_s", "s", 0.8, "lower", None, ""),
        Goal(
            "tui_rss_mb",
            "MiB",
            80,
            "lower",
            16 * 1024 / 200,
            "200 sessions on a 16 GiB server: 81.9 MiB each",
        ),
        Goal("label_native_ms", "ms", 50, "lower", 1000, "a label printer takes ~1 s per label"),
        Goal("label_cjk_ms", "ms", 150, "lower", 1000, "a label printer takes ~1 s per label"),
        Goal("label_ewaybill_ms", "ms", 150, "lower", 1000, "a label printer takes ~1 s per label"),
        Goal("import_order_lines_per_s", "lines/s", 10_000, "higher", None, ""),
        Goal("import_taobao_lines_per_s", "lines/s", 10_000, "higher", None, ""),
        Goal("stock_check_s", "s", 2, "lower", None, ""),
        Goal("receive_scan_ms_p99", "ms", 5, "lower", 15.6, _SCAN_LIMIT),
        Goal("putaway_scan_ms_p99", "ms", 5, "lower", 15.6, _SCAN_LIMIT),
        Goal("count_scan_ms_p99", "ms", 5, "lower", 15.6, _SCAN_LIMIT),
        Goal("wave_release_ms", "ms", 50, "lower", None, ""),
        Goal("ssh_session_start_s", "s", 1.5, "lower", None, ""),
    )
}


class NotMeasurable(Exception):
    """This metric cannot be measured yet; the message says why (it becomes the note)."""


@dataclass(frozen=True)
class Measurement:
    """A function that measures some metrics once; the harness runs it ``runs`` times."""

    names: tuple[str, ...]
    func: Callable[[Bench], dict[str, float]]
    runs: int


MEASUREMENTS: list[Measurement] = []


def measurement(
    *names: str, runs: int = 3
) -> Callable[[Callable[[Bench], dict[str, float]]], Callable[[Bench], dict[str, float]]]:
    """Register a function that measures the named metrics (each must be in :data:`GOALS`)."""
    unknown = [name for name in names if name not in GOALS]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; add them to GOALS first")

    def register(
        func: Callable[[Bench], dict[str, float]],
    ) -> Callable[[Bench], dict[str, float]]:
        MEASUREMENTS.append(Measurement(tuple(names), func, runs))
        return func

    return register


@dataclass
class MetricResult:
    """One line of the report (one entry of ``results.json``'s ``metrics``)."""

    name: str
    value: float | None
    unit: str
    goal: float | None
    limit: float | None
    ratio: float | None
    note: str | None = None
    better: Better = "lower"
    met: bool | None = None
    runs: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, goal: Goal, runs: list[float], note: str | None) -> MetricResult:
        """Combine a metric's runs (median, or the worst for counts that must be zero)."""
        if not runs:
            return cls(goal.name, None, goal.unit, goal.goal, goal.limit, None, note, goal.better)
        if goal.combine == "worst":
            value = max(runs) if goal.better == "lower" else min(runs)
        else:
            value = statistics.median(runs)
        value = round(value, 4 if abs(value) < 10 else 1)
        ratio = goal.ratio(value)
        return cls(
            goal.name,
            value,
            goal.unit,
            goal.goal,
            goal.limit,
            None if ratio is None else round(ratio, 3),
            note,
            goal.better,
            goal.met(value),
            [round(run, 4) for run in runs],
        )

    def as_json(self) -> dict[str, Any]:
        """The entry as written to ``results.json``."""
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "goal": self.goal,
            "limit": None if self.limit is None else round(self.limit, 2),
            "ratio": self.ratio,
            "better": self.better,
            "met": self.met,
            "runs": self.runs,
            "note": self.note,
        }
