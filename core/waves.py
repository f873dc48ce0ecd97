"""Wave planning: allocated orders, most urgent first, into pick lists in walk order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from core import stock as stock_rules
from core.model import Priority
from core.sla import PRIORITY_RANK
from core.stock import Movement, StockRow


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


@dataclass(frozen=True)
class Unshippable:
    """What an allocated order lacks of one SKU when its pick lines are built: the units it
    needs, the free units a pick line may draw on, and the free units held back because their
    lot is expired or inside the product's do-not-ship window."""

    sku: str
    needed: int
    shippable: int
    too_close: int


@dataclass(frozen=True)
class OrderDraw:
    """Where an allocated order's lines are picked from: the order with its lines placed in
    bins and lots, the reserving movements and the SKUs' rows after them; or, when ``short``
    is not empty, nothing placed and what it lacks (the order goes back to backordered)."""

    order: WaveOrder
    movements: tuple[Movement, ...]
    rows: Mapping[str, Sequence[StockRow]]
    short: tuple[Unshippable, ...] = ()

    @property
    def drawn(self) -> bool:
        """True when every line found its units."""
        return not self.short


def draw_order(
    order: WaveOrder,
    rows: Mapping[str, Sequence[StockRow]],
    walk_key: Callable[[str], Any],
    today: date,
    shelf_days: Mapping[str, int],
) -> OrderDraw:
    """Place an allocated order's lines in the bins and lots a pick may draw on (core.stock's
    pick order; a line one bin cannot fill continues at the next), whatever lot it was
    allocated against: a lot that entered the do-not-ship window since is passed over for
    another shippable lot or bin of the same SKU. When free shippable stock cannot cover
    every line, nothing is placed and the order's shortages say why (it is never picked from a
    lot inside the window, nor left allocated for waves to skip)."""
    # each SKU a line draws on gets a new list; the caller's rows are never changed
    after: dict[str, Sequence[StockRow]] = dict(rows)
    placed: list[WaveLine] = []
    movements: list[Movement] = []
    missing: dict[str, int] = {}
    for line in order.lines:
        drawn, left = stock_rules.draw(
            after.get(line.sku, []), line.qty, walk_key, today, shelf_days.get(line.sku, 0)
        )
        if left:
            missing[line.sku] = missing.get(line.sku, 0) + left
            continue
        if drawn:
            by_key = stock_rules.apply({row.key: row for row in after[line.sku]}, drawn)
            after[line.sku] = list(by_key.values())
        movements += drawn
        placed += [WaveLine(line.order_line_id, line.sku, m.reserved, m.bin, m.lot) for m in drawn]
    if not missing:
        return OrderDraw(replace(order, lines=tuple(placed)), tuple(movements), after)
    short = []
    for sku in sorted(missing):
        held = rows.get(sku, ())
        shelf = shelf_days.get(sku, 0)
        short.append(
            Unshippable(
                sku,
                sum(line.qty for line in order.lines if line.sku == sku),
                sum(row.free for row in held if stock_rules.drawable(row, today, shelf)),
                stock_rules.out_of_date(held, today, shelf),
            )
        )
    return OrderDraw(order, (), rows, tuple(short))


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
