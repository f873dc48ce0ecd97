"""Stock reservation: an order reserves all its lines or none (reserved never exceeds on hand)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Stock:
    """A product's stock as allocation sees it."""

    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Units not yet promised to an order."""
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Allocation:
    """The decision for one order: reserve these quantities, or wait for these shortages."""

    reserve: dict[str, int]
    shortages: dict[str, int]

    @property
    def allocated(self) -> bool:
        """True when every line can be reserved now."""
        return not self.shortages


def allocate(lines: Iterable[tuple[str, int]], stock: Mapping[str, Stock]) -> Allocation:
    """Decide whether an order's lines (sku, qty) can all be reserved from ``stock``.

    Lines with the same SKU are added up first, so two lines never reserve the same unit twice."""
    wanted: dict[str, int] = {}
    for sku, qty in lines:
        wanted[sku] = wanted.get(sku, 0) + qty
    shortages = {}
    for sku, qty in wanted.items():
        have = stock.get(sku)
        available = have.available if have else 0
        if qty > available:
            shortages[sku] = qty - max(available, 0)
    if shortages:
        return Allocation({}, shortages)
    return Allocation(wanted, {})
