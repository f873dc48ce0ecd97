"""The order and pick-list lifecycles: exactly the table's transitions are allowed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import words
from core.errors import Rejected
from core.lifecycle import (
    ORDER_TRANSITIONS,
    PICKLIST_TRANSITIONS,
    IllegalTransition,
    cancellable,
    transition,
    transition_list,
)
from core.model import CANCELLABLE, OrderStatus, PickListStatus

S = OrderStatus
#: The flow of an order in DESIGN.md, written out once more by hand.
FLOW = {
    (S.RECEIVED, S.REVIEW),
    (S.RECEIVED, S.ON_HOLD),
    (S.RECEIVED, S.ALLOCATED),
    (S.RECEIVED, S.BACKORDERED),
    (S.REVIEW, S.ON_HOLD),
    (S.REVIEW, S.ALLOCATED),
    (S.REVIEW, S.BACKORDERED),
    (S.ON_HOLD, S.RELEASED),
    (S.ON_HOLD, S.ALLOCATED),
    (S.ON_HOLD, S.BACKORDERED),
    (S.RELEASED, S.ON_HOLD),
    (S.RELEASED, S.ALLOCATED),
    (S.RELEASED, S.BACKORDERED),
    (S.BACKORDERED, S.ALLOCATED),
    (S.ALLOCATED, S.PICKING),
    (S.ALLOCATED, S.MERGED),  # merged (合单) into another order at wave release
    (S.ALLOCATED, S.BACKORDERED),  # its lots entered the do-not-ship window before the wave
    (S.PICKING, S.PICKED),
    (S.PICKING, S.EXCEPTION),
    (S.PICKED, S.PACKING),
    (S.PACKING, S.PICKED),
    (S.PACKING, S.PACKED),
    (S.PACKING, S.EXCEPTION),
    (S.PACKED, S.PACKING),
    (S.PACKED, S.SHIPPED),
    (S.EXCEPTION, S.PICKING),
    (S.EXCEPTION, S.PICKED),
    (S.EXCEPTION, S.PACKING),
    (S.SHIPPED, S.RETURNED),
    (S.SHIPPED, S.IN_TRANSIT),
    (S.SHIPPED, S.DELIVERED),
    (S.IN_TRANSIT, S.DELIVERED),
    (S.IN_TRANSIT, S.RETURNED),
    (S.DELIVERED, S.RETURNED),
} | {(status, S.CANCELLED) for status in CANCELLABLE - {S.CANCELLED}}

L = PickListStatus
LIST_FLOW = {
    (L.RELEASED, L.PICKING),
    (L.RELEASED, L.CANCELLED),
    (L.PICKING, L.PICKED),
    (L.PICKING, L.CANCELLED),
}


def test_every_status_has_a_row() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(PICKLIST_TRANSITIONS) == set(PickListStatus)


@pytest.mark.parametrize(("current", "target"), sorted(FLOW))
def test_every_transition_of_the_flow_is_allowed(current: S, target: S) -> None:
    assert transition(current, target) is target


@given(st.sampled_from(OrderStatus), st.sampled_from(OrderStatus))
def test_every_other_order_transition_is_refused(current: S, target: S) -> None:
    if (current, target) in FLOW:
        assert transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition) as refused:
            transition(current, target, "TB-1")
        assert isinstance(refused.value, Rejected)
        assert "TB-1" in str(refused.value)
        shown = str(refused.value)  # statuses as words (on_hold reads "on hold")
        assert words.status(current) in shown and words.status(target) in shown


@given(st.sampled_from(PickListStatus), st.sampled_from(PickListStatus))
def test_every_other_list_transition_is_refused(current: L, target: L) -> None:
    if (current, target) in LIST_FLOW:
        assert transition_list(current, target) is target
    else:
        with pytest.raises(IllegalTransition):
            transition_list(current, target, "P:000001")


@given(st.sampled_from(OrderStatus))
def test_cancellable_agrees_with_the_table(status: S) -> None:
    assert cancellable(status) == (status in CANCELLABLE - {S.CANCELLED})
