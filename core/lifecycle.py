"""Lifecycles of an order and of a pick list: one transition table each and one checked step.

The tables follow the flow of an order in DESIGN.md. Every status change in the data layer asks
:func:`transition` (or :func:`transition_list`) first, so an illegal change is refused by this
rule and never by whichever query happened to check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core import words
from core.errors import Rejected
from core.i18n import _
from core.model import OrderStatus, PickListStatus

_O = OrderStatus

#: Where an order may go from each status. Before it ships an order can always be cancelled
#: (its reservation is freed, picked units go back by a put-away task).
ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    _O.RECEIVED: frozenset({_O.REVIEW, _O.ON_HOLD, _O.ALLOCATED, _O.BACKORDERED, _O.CANCELLED}),
    _O.REVIEW: frozenset({_O.ON_HOLD, _O.ALLOCATED, _O.BACKORDERED, _O.CANCELLED}),
    _O.ON_HOLD: frozenset({_O.RELEASED, _O.ALLOCATED, _O.BACKORDERED, _O.CANCELLED}),
    _O.RELEASED: frozenset({_O.ON_HOLD, _O.ALLOCATED, _O.BACKORDERED, _O.CANCELLED}),
    _O.BACKORDERED: frozenset({_O.ALLOCATED, _O.CANCELLED}),
    # merged (合单) at wave release: its lines now belong to the order it merged into;
    # backordered at wave release when no shippable lot can fill it any longer (its lots
    # entered the do-not-ship window after it was allocated)
    _O.ALLOCATED: frozenset({_O.PICKING, _O.CANCELLED, _O.MERGED, _O.BACKORDERED}),
    _O.PICKING: frozenset({_O.PICKED, _O.EXCEPTION, _O.CANCELLED}),
    _O.PICKED: frozenset({_O.PACKING, _O.CANCELLED}),
    _O.PACKING: frozenset({_O.PICKED, _O.PACKED, _O.EXCEPTION, _O.CANCELLED}),
    _O.PACKED: frozenset({_O.PACKING, _O.SHIPPED, _O.CANCELLED}),
    # exception: re-pick, release to packing with what it has (picked: ready for any bench),
    # or cancel
    _O.EXCEPTION: frozenset({_O.PICKING, _O.PICKED, _O.PACKING, _O.CANCELLED}),
    # after it left: the carrier's tracking moves it on (core.tracking); it may still come back
    _O.SHIPPED: frozenset({_O.IN_TRANSIT, _O.DELIVERED, _O.RETURNED}),
    _O.IN_TRANSIT: frozenset({_O.DELIVERED, _O.RETURNED}),
    _O.DELIVERED: frozenset({_O.RETURNED}),
    _O.CANCELLED: frozenset(),
    _O.RETURNED: frozenset(),
    _O.MERGED: frozenset(),
}

_L = PickListStatus

#: Where a pick list may go: claimed by a picker, finished, or cancelled when nothing is left.
PICKLIST_TRANSITIONS: Mapping[PickListStatus, frozenset[PickListStatus]] = {
    _L.RELEASED: frozenset({_L.PICKING, _L.CANCELLED}),
    _L.PICKING: frozenset({_L.PICKED, _L.CANCELLED}),
    _L.PICKED: frozenset(),
    _L.CANCELLED: frozenset(),
}


class IllegalTransition(Rejected):
    """A status change the lifecycle does not allow."""

    def __init__(self, what: str, current: str, target: str) -> None:
        super().__init__(
            _("{what} is {current}; it cannot become {target}").format(
                what=what, current=words.status(current), target=words.status(target)
            )
        )
        self.current = current
        self.target = target


def may_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True when an order in ``current`` may become ``target``."""
    return target in ORDER_TRANSITIONS[current]


def transition(current: OrderStatus, target: OrderStatus, what: str = "") -> OrderStatus:
    """The order's new status, or IllegalTransition; ``what`` names the order in the message."""
    if not may_transition(current, target):
        raise IllegalTransition(what or _("the order"), current.value, target.value)
    return target


def check_transitions(changes: Iterable[tuple[OrderStatus, OrderStatus, str]]) -> None:
    """Check several orders' changes at once, each (current, target, order): IllegalTransition
    for the first the lifecycle does not allow; staying in the same status is no change."""
    for current, target, what in changes:
        if current is not target:
            transition(current, target, what)


def transition_list(
    current: PickListStatus, target: PickListStatus, what: str = ""
) -> PickListStatus:
    """The pick list's new status, or IllegalTransition; ``what`` names the list."""
    if target not in PICKLIST_TRANSITIONS[current]:
        raise IllegalTransition(what or _("the pick list"), current.value, target.value)
    return target


def cancellable(current: OrderStatus) -> bool:
    """True while an order may still be cancelled (before it leaves the building)."""
    return may_transition(current, OrderStatus.CANCELLED)
