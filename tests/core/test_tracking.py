"""The pure tracking rules: status words (English and the carriers' Chinese), 快递鸟 codes,
times, and where an order goes once its parcels' events are known."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import Rejected
from core.model import OrderStatus
from core.tracking import (
    TrackEvent,
    TrackStatus,
    event_time,
    kdniao_status,
    order_target,
    problem,
    status_word,
)

T = TrackStatus
O = OrderStatus  # noqa: E741


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("signed", T.SIGNED),
        ("已签收", T.SIGNED),
        (" 运输中 ", T.IN_TRANSIT),
        ("已揽收", T.PICKED_UP),
        ("派送中", T.OUT_FOR_DELIVERY),
        ("问题件", T.PROBLEM),
        ("退回", T.RETURNED),
        ("Out For Delivery", T.OUT_FOR_DELIVERY),
    ],
)
def test_status_words_in_both_languages(word: str, status: TrackStatus) -> None:
    assert status_word(word) is status


def test_an_unknown_word_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(Rejected, match="unknown tracking status 'lost'.*signed"):
        status_word("lost")


def test_kdniao_codes() -> None:
    assert kdniao_status("1") is T.PICKED_UP
    assert kdniao_status(2) is T.IN_TRANSIT
    assert kdniao_status("202") is T.OUT_FOR_DELIVERY
    assert kdniao_status("301") is T.SIGNED
    assert kdniao_status("4") is T.PROBLEM
    assert kdniao_status("412") is T.PROBLEM  # any other 4xx is a problem
    assert kdniao_status("404") is T.RETURNED
    assert kdniao_status("0") is None and kdniao_status(None) is None


def test_times_without_an_offset_are_china_time() -> None:
    assert event_time("2026-12-05 14:03:00") == datetime(2026, 12, 5, 6, 3, tzinfo=UTC)
    assert event_time("2026/12/05 14:03") == datetime(2026, 12, 5, 6, 3, tzinfo=UTC)
    assert event_time("2026-12-05T14:03:00+00:00") == datetime(2026, 12, 5, 14, 3, tzinfo=UTC)
    with pytest.raises(Rejected, match="cannot read the time"):
        event_time("yesterday")


def test_the_first_movement_is_in_transit_and_every_parcel_signed_is_delivered() -> None:
    assert order_target(O.SHIPPED, [{T.PICKED_UP}]) is O.IN_TRANSIT
    assert order_target(O.IN_TRANSIT, [{T.IN_TRANSIT}]) is None  # already there
    assert order_target(O.IN_TRANSIT, [{T.IN_TRANSIT, T.SIGNED}]) is O.DELIVERED
    assert order_target(O.SHIPPED, [{T.SIGNED}]) is O.DELIVERED
    # two parcels, one signed: not delivered yet
    assert order_target(O.IN_TRANSIT, [{T.SIGNED}, {T.IN_TRANSIT}]) is None
    assert order_target(O.SHIPPED, [{T.SIGNED}, {T.IN_TRANSIT}]) is O.IN_TRANSIT
    # problems move nothing; closed orders are never moved by a trace
    assert order_target(O.SHIPPED, [{T.PROBLEM}]) is None
    assert order_target(O.RETURNED, [{T.SIGNED}]) is None
    assert order_target(O.CANCELLED, [{T.PICKED_UP}]) is None
    assert order_target(O.DELIVERED, [{T.SIGNED}]) is None
    assert order_target(O.SHIPPED, []) is None


def test_a_parcel_is_a_problem_until_a_later_event_settles_it() -> None:
    def at(hour: int, status: TrackStatus) -> TrackEvent:
        return TrackEvent("ZT1", datetime(2026, 12, 5, hour, tzinfo=UTC), status)

    flagged = problem([at(1, T.PICKED_UP), at(3, T.PROBLEM)])
    assert flagged is not None and flagged.status is T.PROBLEM
    assert problem([at(1, T.PICKED_UP), at(3, T.PROBLEM), at(5, T.SIGNED)]) is None
    assert problem([at(1, T.RETURNED)]) is not None
    assert problem([]) is None
