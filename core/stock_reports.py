"""What the stock says about buying and shelves: reorder suggestions (补货), lots near or past
their expiry (临期 / 过期) and SKUs nothing has shipped of (滞销品). Pure arithmetic over figures
the data layer reads; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.errors import Rejected
from core.i18n import _


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
