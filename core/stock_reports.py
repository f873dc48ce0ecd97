"""What the stock says about buying and shelves: reorder suggestions (补货), lots near or past
their expiry (临期 / 过期), SKUs nothing has shipped of (滞销品) and pick faces to refill from
reserve. Pure arithmetic over figures the data layer reads; no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.errors import Rejected
from core.i18n import _
from core.stock import BinKind, StockRow, drawable


@dataclass(frozen=True)
class Reorder:
    """One SKU's reorder figures: ``shipped`` units over ``days``; ``cover_days`` is how many days
    free stock lasts at that rate (None when nothing shipped: it lasts); ``suggested`` is the
    purchase quantity (补货量) that covers lead time and the window's demand plus safety stock."""

    sku: str
    shipped: int
    days: int
    free: int
    safety_stock: int
    per_day: float
    cover_days: float | None
    suggested: int


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def reorder(
    sku: str, shipped: int, days: int, lead_days: int, free: int, safety_stock: int
) -> Reorder:
    """Reorder figures of a SKU: demand over lead time plus the window, at the window's rate,
    rounded up to whole units, plus safety stock, less free stock; never negative."""
    if days < 1:
        raise Rejected(_("the window must be at least one day"))
    if lead_days < 0:
        raise Rejected(_("lead time cannot be negative"))
    shipped = max(shipped, 0)
    need = _ceil_div(shipped * (lead_days + days), days) + max(safety_stock, 0)
    per_day = shipped / days
    return Reorder(
        sku=sku,
        shipped=shipped,
        days=days,
        free=free,
        safety_stock=safety_stock,
        per_day=round(per_day, 2),
        cover_days=round(max(free, 0) / per_day, 1) if shipped else None,
        suggested=max(need - free, 0),
    )


class Freshness(StrEnum):
    """Where a lot stands against its expiry date."""

    EXPIRED = "expired"
    EXPIRING = "expiring"
    FRESH = "fresh"


def freshness(expiry: date, today: date, days: int) -> Freshness:
    """A lot is expired once its expiry date has passed, expiring (临期) when that date is within
    ``days`` days from today (today included), else fresh."""
    if expiry < today:
        return Freshness.EXPIRED
    if (expiry - today).days <= days:
        return Freshness.EXPIRING
    return Freshness.FRESH


@dataclass(frozen=True)
class Replenishment:
    """A pick face below its minimum and the move that refills it (补货): ``qty`` units of
    ``sku`` (lot ``lot``) from reserve bin ``source`` to ``face``, up to the face's maximum (its
    minimum when it has none). ``id`` names it for ``stock replenish --do``."""

    face: str
    sku: str
    units: int
    min_units: int
    max_units: int | None
    source: str
    lot: str
    qty: int

    @property
    def id(self) -> str:
        """The face and the SKU: one replenishment per SKU at a face at a time."""
        return f"{self.face}:{self.sku}"


def replenishment(
    face: str,
    sku: str,
    units: int,
    min_units: int | None,
    max_units: int | None,
    reserve: Sequence[StockRow],
    today: date | None = None,
    shelf_days: int = 0,
) -> Replenishment | None:
    """The move that refills pick face ``face`` holding ``units`` of ``sku``, or None when it is
    not below its minimum or no reserve bin holds free units a picker could be sent to. The
    source is the first of ``reserve`` (the SKU's reserve rows) in pick order: earliest expiry
    first (never an expired lot nor one inside the do-not-ship window), then walk order as given;
    the quantity fills the face up to its maximum (else its minimum), as far as that bin allows."""
    if min_units is None or units >= min_units:
        return None
    candidates = [
        row
        for row in reserve
        if row.sku == sku
        and row.kind is BinKind.RESERVE
        and row.bin != face
        and drawable(row, today, shelf_days)
    ]
    if not candidates:
        return None
    order = {id(row): n for n, row in enumerate(candidates)}
    source = min(candidates, key=lambda row: (row.expiry or date.max, order[id(row)]))
    target = max_units if max_units is not None and max_units >= min_units else min_units
    qty = min(target - units, source.free)
    return Replenishment(face, sku, units, min_units, max_units, source.bin, source.lot, qty)
