"""Pure arithmetic of the supervisor's screens and the daily report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import local_day
from core.oversight import HourCount, Throughput, hourly_series, rate
from core.report import active_hours, day_bounds, mean, per_hour, percentile

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 90) is None
    assert percentile([7], 90) == 7
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 90) == 9
    assert percentile(values, 91) == 10
    assert percentile(values, 100) == 10
    assert percentile(values, 50) == 5
    assert percentile([600, 180, 210], 90) == 600
    with pytest.raises(ValueError):
        percentile(values, 0)


@given(st.lists(st.integers(-1000, 1000), min_size=1), st.floats(0.1, 100))
def test_percentile_is_a_value_with_enough_below_it(values: list[int], p: float) -> None:
    result = percentile(values, p)
    assert result in values
    at_or_below = sum(1 for value in values if value <= result)
    assert at_or_below / len(values) >= p / 100 - 1e-9
    below = sum(1 for value in values if value < result)
    assert below / len(values) < p / 100 + 1e-9


def test_mean_rate_and_per_hour() -> None:
    assert mean([]) is None and mean([1, 2, 6]) == 3
    assert rate(1, 0) is None and rate(1, 4) == 0.25
    assert per_hour(3, 0) is None and per_hour(3, 0.5) == 6


def test_active_hours_leave_breaks_out() -> None:
    minutes = [0, 1, 2, 4, 29, 30]
    times = [T0 + timedelta(minutes=m) for m in minutes]
    assert active_hours(times) == pytest.approx(5 / 60)
    assert active_hours(reversed(times)) == pytest.approx(5 / 60)  # order does not matter
    assert active_hours(times, break_after=timedelta(hours=1)) == pytest.approx(0.5)
    assert active_hours([T0]) == 0 and active_hours([]) == 0
    # A gap of exactly the break limit still counts as work.
    assert active_hours([T0, T0 + timedelta(minutes=10)]) == pytest.approx(10 / 60)


def test_days_are_china_standard_time() -> None:
    start, end = day_bounds(date(2026, 11, 21))
    assert start == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)
    assert local_day(datetime(2026, 11, 20, 15, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert local_day(datetime(2026, 11, 20, 16, 0, tzinfo=UTC)) == date(2026, 11, 21)


def test_hourly_series_ends_with_the_running_hour() -> None:
    now = T0 + timedelta(minutes=42)
    series = hourly_series(
        {
            T0: 3,
            T0 - timedelta(hours=1, minutes=-5): 2,  # mid-hour key: counts for its hour
            T0 - timedelta(hours=23): 1,
            T0 - timedelta(hours=24): 9,  # outside the window
            T0 + timedelta(hours=1): 9,  # in the future
        },
        now,
    )
    assert len(series.hours) == 24
    assert series.hours[-1] == HourCount(T0, 3)
    assert series.hours[-2] == HourCount(T0 - timedelta(hours=1), 2)
    assert series.hours[0] == HourCount(T0 - timedelta(hours=23), 1)
    assert series.total == 6
    assert series.peak == HourCount(T0, 3)
    assert Throughput(now).peak is None
    assert [h.start for h in hourly_series({}, now, 3).hours] == [
        T0 - timedelta(hours=2),
        T0 - timedelta(hours=1),
        T0,
    ]
