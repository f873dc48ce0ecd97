"""Resolving an order in the exception queue (短拣, a short pick): pick its missing units again,
release it to packing with what it has (only where its channel or shop takes partial
shipments), or cancel it. Pure decisions; data/resolve.py loads and saves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core import words
from core.errors import Rejected
from core.i18n import _
from core.model import OrderStatus


class Resolution(StrEnum):
    """What a supervisor does with an order in the exception queue."""

    REPICK = "repick"
    RELEASE_PARTIAL = "release_partial"
    CANCEL = "cancel"


@dataclass(frozen=True)
class ExceptionLine:
    """An order line as resolving sees it: ``open`` is units still waiting on a pick list."""

    line_id: int
    sku: str
    qty: int
    picked: int
    open: int = 0

    @property
    def missing(self) -> int:
        """Units the line still lacks (ordered, not picked)."""
        return max(self.qty - self.picked, 0)


def partial_allowed(channel: str, shop: str, allowed: str) -> bool:
    """True when the order's channel or shop is one of ``allowed`` (the comma-separated
    setting ``ship.partial_channels``; empty: no channel takes partial shipments)."""
    names = {name.strip().casefold() for name in allowed.split(",") if name.strip()}
    return bool(names) and bool(
        channel.strip().casefold() in names or (shop.strip() and shop.strip().casefold() in names)
    )


def check_resolvable(order_no: str, status: OrderStatus, lines: Sequence[ExceptionLine]) -> None:
    """Refuse (Rejected) resolving an order not in the exception queue, or one whose units
    still wait on a pick list being picked (resolve it when that list is finished)."""
    if status is not OrderStatus.EXCEPTION:
        raise Rejected(
            _("order {order_no} is {status}, not in the exception queue").format(
                order_no=order_no, status=words.order_status(status)
            )
        )
    if any(line.open for line in lines):
        raise Rejected(
            _(
                "order {order_no} still has units on a pick list being picked; resolve it"
                " when the list is finished"
            ).format(order_no=order_no)
        )


def repick_units(order_no: str, lines: Sequence[ExceptionLine]) -> dict[int, int]:
    """The units to pick again, per order line (the lines that lack any)."""
    missing = {line.line_id: line.missing for line in lines if line.missing}
    if not missing:
        raise Rejected(
            _("order {order_no} lacks no unit; release it to packing").format(order_no=order_no)
        )
    return missing


def partial_lines(
    order_no: str, lines: Sequence[ExceptionLine]
) -> tuple[dict[int, int], list[ExceptionLine]]:
    """What an order shipped with what it has becomes: the new quantity of each line picked in
    part, and the lines with nothing picked, which leave the order. Refused when nothing at all
    was picked (cancel the order instead)."""
    if not any(line.picked for line in lines):
        raise Rejected(
            _("nothing of order {order_no} was picked; cancel it instead").format(order_no=order_no)
        )
    shrink = {line.line_id: line.picked for line in lines if 0 < line.picked < line.qty}
    dropped = [line for line in lines if line.picked == 0]
    return shrink, dropped
