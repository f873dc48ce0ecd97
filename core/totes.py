"""Totes at receiving and put-away (入库周转箱): the units a receiver puts in a tote are put
away by scanning the tote. Pure rules: what a tote still holds at the dock, and when a tote
may not be used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.i18n import _


@dataclass(frozen=True)
class ToteLine:
    """Units of one SKU × lot in a tote, still at the receiving dock."""

    sku: str
    lot: str
    qty: int


def tote_lines(
    received: Iterable[tuple[str, str, int]],
    put_away: Iterable[tuple[str, str, int]],
    at_dock: Mapping[tuple[str, str], int],
) -> tuple[ToteLine, ...]:
    """What a tote holds, per SKU × lot in SKU order: units received into it on closed
    receipts, less those put away from it, and never more than the dock still holds free
    (units of it put away one by one, or moved, have left the tote too)."""
    held: dict[tuple[str, str], int] = {}
    for sku, lot, qty in received:
        held[(sku, lot)] = held.get((sku, lot), 0) + qty
    for sku, lot, qty in put_away:
        held[(sku, lot)] = held.get((sku, lot), 0) - qty
    lines = []
    for (sku, lot), qty in sorted(held.items()):
        left = min(qty, at_dock.get((sku, lot), 0))
        if left > 0:
            lines.append(ToteLine(sku, lot, left))
    return tuple(lines)


def receiving_refusal(tote: str, picking_list: str | None) -> str | None:
    """Why units may not be received into ``tote`` (None: they may). A tote that holds a
    pick list's units belongs to picking until its orders are packed."""
    if picking_list is not None:
        return _("Tote {tote} is in use for picking (list {list}). Take another tote.").format(
            tote=tote, list=picking_list
        )
    return None


def putaway_refusal(tote: str, picking_list: str | None, lines: tuple[ToteLine, ...]) -> str | None:
    """Why ``tote`` cannot be put away (None: its first SKU can)."""
    if picking_list is not None:
        return _("Tote {tote} is in use for picking (list {list}), not for put-away.").format(
            tote=tote, list=picking_list
        )
    if not lines:
        return _("Tote {tote} holds nothing at the dock. Scan a unit or another tote.").format(
            tote=tote
        )
    return None


def putaway_take(lines: tuple[ToteLine, ...], sku: str, lot: str, qty: int) -> str | None:
    """Why ``qty`` of ``sku`` lot ``lot`` cannot be put away from the tote holding ``lines``."""
    held = sum(line.qty for line in lines if line.sku == sku and line.lot == lot)
    if qty > held:
        return _("The tote holds {n} of {sku}, not {qty}.").format(n=held, sku=sku, qty=qty)
    return None
