"""A pick list's lots checked again when a picker takes it: a line whose lot expired or entered
the product's do-not-ship window since the list was released is drawn again from another
shippable lot or bin of the same SKU, or goes short with the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core import stock as stock_rules
from core import words
from core.i18n import _, ngettext
from core.model import ShortReason
from core.stock import LedgerKind, Movement, StockRow


@dataclass(frozen=True)
class OpenPickLine:
    """A pick line with units still to pick, and the stock row (SKU, bin, lot) they are
    reserved in."""

    line_id: int
    sku: str
    location: str
    lot: str
    open: int


@dataclass(frozen=True)
class LotRedraw:
    """What becomes of one line whose lot may no longer ship: its open units' reservation is
    given back at that lot (``release``), ``drawn`` reserves them at the lots and bins the line
    moves to (in pick order), and ``short`` units found none; ``reason`` says why."""

    line_id: int
    sku: str
    location: str
    lot: str
    reason: ShortReason
    release: Movement
    drawn: tuple[Movement, ...]
    short: int

    @property
    def moved(self) -> int:
        """Units the line now takes from other lots or bins."""
        return sum(m.reserved for m in self.drawn)

    @property
    def movements(self) -> tuple[Movement, ...]:
        """Every reservation change, in the order to save them."""
        return (self.release, *self.drawn)


def unshippable_reason(row: StockRow, today: date, shelf_days: int = 0) -> ShortReason | None:
    """Why units of ``row`` may no longer ship (``expired``, or ``too_close_to_expiry`` inside
    the product's do-not-ship window), or None when they may (or the lot has no expiry).
    The same limit as :func:`core.stock.drawable`."""
    if row.expiry is None:
        return None
    if row.expiry <= today:
        return ShortReason.EXPIRED
    if row.expiry <= today + timedelta(days=shelf_days):
        return ShortReason.TOO_CLOSE_TO_EXPIRY
    return None


def recheck_lots(
    lines: Sequence[OpenPickLine],
    rows: Mapping[str, Sequence[StockRow]],
    walk_key: Callable[[str], Any],
    today: date,
    shelf_days: Mapping[str, int],
) -> list[LotRedraw]:
    """For each open line (in walk order) whose lot may no longer ship (see
    :func:`unshippable_reason`), the movements that take it elsewhere: its reservation given
    back, and its open units drawn from the SKU's shippable stock in pick order
    (:func:`core.stock.draw`, which never draws on a lot inside the window); what no lot can
    give goes short. A later line sees the stock the earlier ones took. Lines whose lot still
    ships are left alone (not in the result). ``rows``: every stock row of the lines' SKUs."""
    after: dict[str, list[StockRow]] = {sku: list(held) for sku, held in rows.items()}
    redraws = []
    for line in lines:
        if line.open <= 0:
            continue
        held = after.get(line.sku, [])
        row = next((r for r in held if r.key == (line.sku, line.location, line.lot)), None)
        shelf = shelf_days.get(line.sku, 0)
        reason = None if row is None else unshippable_reason(row, today, shelf)
        if row is None or reason is None:
            continue
        release = Movement(
            LedgerKind.PICK,
            line.sku,
            line.location,
            line.lot,
            0,
            -min(line.open, row.reserved),
            row.expiry,
        )
        by_key = stock_rules.apply({r.key: r for r in held}, [release])
        drawn, left = stock_rules.draw(by_key.values(), line.open, walk_key, today, shelf)
        by_key = stock_rules.apply(by_key, drawn)
        after[line.sku] = list(by_key.values())
        redraws.append(
            LotRedraw(
                line.line_id,
                line.sku,
                line.location,
                line.lot,
                reason,
                release,
                tuple(drawn),
                left,
            )
        )
    return redraws


def redraw_notice(redraws: Sequence[LotRedraw]) -> str:
    """What the picker is told when lines moved or went short because of their lot (empty
    when none did): one line's bin and reason, or how many lines."""
    if not redraws:
        return ""
    if len(redraws) > 1:
        return ngettext(
            "{n} line was moved or closed short: its lot may no longer ship.",
            "{n} lines were moved or closed short: their lots may no longer ship.",
            len(redraws),
        ).format(n=len(redraws))
    redraw = redraws[0]
    reason = words.reason(redraw.reason.value)
    if redraw.short:
        return _("{sku} ×{n} closed short: {reason}.").format(
            sku=redraw.sku, n=redraw.short, reason=reason
        )
    return _("A line was moved to bin {bin}: {reason}.").format(
        bin=redraw.drawn[0].bin or "—", reason=reason
    )
