"""Wave planning: allocated orders, most urgent first, into pick lists in walk order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.model import Priority
from core.sla import PRIORITY_RANK


@dataclass(frozen=True)
class WaveLine:
    """An order line waiting to be picked."""

    order_line_id: int
    sku: str
    qty: int
    location: str
    lot: str = ""


@dataclass(frozen=True)
class WaveOrder:
    """An allocated order as wave planning sees it."""

    order_no: str
    due_at: datetime
    priority: Priority
    lines: tuple[WaveLine, ...]


@dataclass(frozen=True)
class Share:
    """How much of a consolidated pick line belongs to one order line."""

    order_line_id: int
    order_no: str
    qty: int


@dataclass(frozen=True)
class PlannedLine:
    """One stop in the walk: a SKU (of one lot) at a bin, the total to pick, and whose units
    they are."""

    sku: str
    location: str
    qty: int
    shares: tuple[Share, ...]
    lot: str = ""


@dataclass(frozen=True)
class PlannedList:
    """A pick list: its orders (most urgent first) and its lines in walk order."""

    order_nos: tuple[str, ...]
    due_at: datetime
    priority: Priority
    lines: tuple[PlannedLine, ...]


def urgency(order: WaveOrder) -> tuple[datetime, int, str]:
    """Most urgent first: earliest due time, then priority, then order number."""
    return (order.due_at, PRIORITY_RANK[order.priority], order.order_no)


def plan_wave(
    orders: Sequence[WaveOrder],
    walk_key: Callable[[str], Any],
    max_orders: int,
    orders_per_list: int,
) -> list[PlannedList]:
    """Choose up to ``max_orders`` orders by urgency and cut them into lists of at most
    ``orders_per_list`` orders. Within a list the same SKU at the same bin is one line, whose
    units are shared out most urgent order first."""
    if max_orders <= 0 or orders_per_list <= 0:
        return []
    chosen = sorted(orders, key=urgency)[:max_orders]
    lists = []
    for start in range(0, len(chosen), orders_per_list):
        group = chosen[start : start + orders_per_list]
        stops: dict[tuple[str, str, str], list[Share]] = {}
        for order in group:
            for line in order.lines:
                stops.setdefault((line.sku, line.location, line.lot), []).append(
                    Share(line.order_line_id, order.order_no, line.qty)
                )
        lines = [
            PlannedLine(sku, location, sum(s.qty for s in shares), tuple(shares), lot)
            for (sku, location, lot), shares in stops.items()
        ]
        lines.sort(key=lambda planned: (walk_key(planned.location), planned.sku, planned.lot))
        lists.append(
            PlannedList(
                order_nos=tuple(order.order_no for order in group),
                due_at=group[0].due_at,
                priority=min((o.priority for o in group), key=PRIORITY_RANK.__getitem__),
                lines=tuple(lines),
            )
        )
    return lists
