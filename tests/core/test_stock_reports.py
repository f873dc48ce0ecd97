"""The pure arithmetic of reorder suggestions and expiry states."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Rejected
from core.stock import BinKind, StockRow
from core.stock_reports import Freshness, freshness, reorder, replenishment

units = st.integers(min_value=0, max_value=100_000)


@given(
    shipped=units,
    days=st.integers(min_value=1, max_value=365),
    lead=st.integers(min_value=0, max_value=120),
    free=units,
    safety=st.integers(min_value=0, max_value=10_000),
)
def test_the_suggestion_is_the_least_that_covers_lead_time_window_and_safety(
    shipped: int, days: int, lead: int, free: int, safety: int
) -> None:
    line = reorder("S", shipped, days, lead, free, safety)
    assert line.suggested >= 0
    demand = shipped * (lead + days) / days  # units expected to leave until the next window ends
    after = free + line.suggested
    assert after >= demand + safety
    if line.suggested > 0:
        # one unit less would not cover it: the suggestion buys nothing extra
        assert after - 1 < demand + safety


@given(
    shipped=st.integers(min_value=1, max_value=100_000),
    days=st.integers(min_value=1, max_value=365),
    free=units,
)
def test_days_of_cover_is_free_stock_over_the_daily_rate(shipped: int, days: int, free: int):
    line = reorder("S", shipped, days, 7, free, 0)
    assert line.cover_days == pytest.approx(free / (shipped / days), abs=0.05 + 1e-9)
    assert line.per_day == pytest.approx(shipped / days, abs=0.005 + 1e-9)


def test_nothing_shipped_lasts_and_buys_only_up_to_safety_stock() -> None:
    line = reorder("S", 0, 30, 7, 3, 10)
    assert (line.cover_days, line.per_day, line.suggested) == (None, 0.0, 7)
    assert reorder("S", 0, 30, 7, 30, 10).suggested == 0


def test_a_window_or_lead_time_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(Rejected):
        reorder("S", 1, 0, 7, 0, 0)
    with pytest.raises(Rejected):
        reorder("S", 1, 30, -1, 0, 0)


@given(offset=st.integers(min_value=-1000, max_value=1000), days=st.integers(1, 400))
def test_freshness_against_today(offset: int, days: int) -> None:
    today = date(2026, 12, 6)
    state = freshness(today + timedelta(days=offset), today, days)
    if offset < 0:
        assert state is Freshness.EXPIRED
    elif offset <= days:
        assert state is Freshness.EXPIRING
    else:
        assert state is Freshness.FRESH


def _reserve(bin_code: str, on_hand: int, lot: str = "", expiry: date | None = None, **kw):
    return StockRow("S", bin_code, lot, expiry, on_hand, kind=BinKind.RESERVE, **kw)


@given(
    units=st.integers(0, 200),
    low=st.integers(0, 200),
    high=st.one_of(st.none(), st.integers(0, 400)),
    held=st.lists(st.integers(0, 300), max_size=4),
)
def test_a_replenishment_only_below_the_minimum_and_never_past_the_maximum(
    units: int, low: int, high: int | None, held: list[int]
) -> None:
    reserve = [_reserve(f"R-{n}", qty) for n, qty in enumerate(held)]
    task = replenishment("A-01", "S", units, low, high, reserve)
    if units >= low or not any(held):
        assert task is None
        return
    assert task is not None
    top = high if high is not None and high >= low else low
    source = next(row for row in reserve if row.on_hand > 0)  # the first in walk order
    assert task.source == source.bin
    assert task.qty == min(top - units, source.on_hand) > 0
    assert units + task.qty <= top


def test_a_replenishment_takes_the_earliest_good_lot_and_never_an_expired_one() -> None:
    today = date(2026, 12, 6)
    reserve = [
        _reserve("R-01", 9, "OLD", today - timedelta(days=1)),
        _reserve("R-02", 9, "NEAR", today + timedelta(days=3)),
        _reserve("R-03", 9, "LATE", today + timedelta(days=90)),
        _reserve("R-04", 9, "SOON", today + timedelta(days=20)),
        StockRow("S", "D-01", "", None, 50, kind=BinKind.DAMAGED),
    ]
    task = replenishment("A-01", "S", 0, 4, 6, reserve, today, shelf_days=7)
    assert task is not None and (task.source, task.lot, task.qty) == ("R-04", "SOON", 6)
    busy = [_reserve("R-01", 5, reserved=5)]
    assert replenishment("A-01", "S", 0, 4, 6, busy, today) is None
    assert replenishment("A-01", "S", 0, None, 6, reserve, today) is None
