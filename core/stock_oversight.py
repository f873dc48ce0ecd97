"""The supervisor's view of stock (the Stock section's tabs): one port (an ABC) and the views
it returns — stock per SKU × bin × lot, pick faces below their minimum, replenishments waiting,
lots near expiry or expired, count tasks and the counted bins whose differences await a
decision — with what a supervisor does about counts: make a count task, approve a counted
bin's difference, or have it counted again.

The screens know only this module; ``data.stock_oversight`` implements it with the services the
``stock`` and ``counts`` commands call, so the screen and the command line do the same thing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from core.ports import Operator
from core.stock import BinKind
from core.stock_reports import Freshness, Replenishment

#: Lots whose expiry is this many days away or nearer count as near expiry (临期) on the screen.
EXPIRY_DAYS = 30


@dataclass(frozen=True)
class BinStock:
    """What one bin holds of one SKU and lot: on hand, reserved by pick lines, and free."""

    sku: str
    name: str
    bin: str
    kind: BinKind
    lot: str
    expiry: date | None
    on_hand: int
    reserved: int

    @property
    def free(self) -> int:
        """Units in the bin not promised to a pick line."""
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class FaceBelowMin:
    """A pick face holding fewer units of a SKU than its minimum; ``reserve`` is what reserve
    bins hold of the SKU free (0: nothing to replenish from, the SKU needs buying)."""

    face: str
    sku: str
    name: str
    units: int
    min_units: int
    reserve: int


@dataclass(frozen=True)
class ExpiringLot:
    """A lot with units in a bin whose expiry is near (临期) or past (过期)."""

    sku: str
    name: str
    bin: str
    kind: BinKind
    lot: str
    expiry: date
    on_hand: int
    reserved: int
    days_left: int
    state: Freshness


@dataclass(frozen=True)
class CountTask:
    """A count task (盘点) and how far it is: bins still to count (or to recount), counted and
    awaiting a decision, approved."""

    id: int
    created_at: datetime
    created_by: str
    scope: str
    open_count: bool
    status: str
    bins: int
    to_count: int
    awaiting: int
    approved: int


@dataclass(frozen=True)
class CountLine:
    """What a counter found of one SKU and lot in a bin, against the books at that moment."""

    sku: str
    lot: str
    counted: int
    expected: int

    @property
    def difference(self) -> int:
        """Counted minus expected (+ more found than the books say)."""
        return self.counted - self.expected


@dataclass(frozen=True)
class CountDifference:
    """A counted bin whose difference awaits a supervisor: approve it (it becomes adjustment
    entries) or send it back for a recount by someone else."""

    count_id: int
    bin: str
    counted_by: str
    counted_at: datetime | None
    lines: tuple[CountLine, ...]

    @property
    def key(self) -> str:
        """Count and bin, as one key (``3:A-01-01``)."""
        return f"{self.count_id}:{self.bin}"

    @property
    def up(self) -> int:
        """Units found beyond the books."""
        return sum(line.difference for line in self.lines if line.difference > 0)

    @property
    def down(self) -> int:
        """Units the books have and the counter did not find."""
        return -sum(line.difference for line in self.lines if line.difference < 0)


@dataclass(frozen=True)
class StockTabs:
    """Everything the Stock section's tabs show besides low stock and backorders.
    ``bins_total`` is how many stock rows hold units (``bins`` may be the first of them)."""

    bins: tuple[BinStock, ...]
    bins_total: int
    faces_below_min: tuple[FaceBelowMin, ...]
    replenishments: tuple[Replenishment, ...]
    expiring: tuple[ExpiringLot, ...]
    counts: tuple[CountTask, ...]
    differences: tuple[CountDifference, ...]


class CountScope(StrEnum):
    """How a new count task chooses its bins, as ``counts create`` does: a bin range
    (``--bins``), every bin holding a SKU (``--sku``), bins moved in the last N days
    (``--moved-days``, 动碰), bins holding SKUs of an ABC class (``--abc``), or bins flagged by
    short picks (``--flagged``, no value)."""

    BINS = "bins"
    SKU = "sku"
    MOVED = "moved"
    ABC = "abc"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class CreatedCount:
    """A count task just made: its id, scope as the list shows it, and its bins in walk order."""

    id: int
    scope: str
    bins: tuple[str, ...]
    open_count: bool


def split_key(key: str) -> tuple[int, str]:
    """``3:A-01-01`` back into count 3 and bin A-01-01 (bins hold no ``:`` before the first)."""
    count, _sep, code = key.partition(":")
    return int(count), code


class StockOversight(ABC):
    """What a supervisor's session may see and decide of stock. Every method first checks
    OVERSEE against the operator's stored role and raises NotAllowed otherwise; a decision on a
    count also checks its own permission inside the transaction that writes it.
    Implementations raise core.errors exceptions only."""

    @abstractmethod
    def tabs(self, operator: Operator, expiry_days: int = EXPIRY_DAYS) -> StockTabs:
        """Stock per bin (in walk order, capped), pick faces below their minimum,
        replenishments waiting, lots near expiry (within ``expiry_days``) or expired, count
        tasks (newest first) and counted bins awaiting a decision."""

    @abstractmethod
    def create_count(
        self, operator: Operator, scope: CountScope, value: str, open_count: bool = False
    ) -> CreatedCount:
        """A count task over the bins ``scope`` and ``value`` choose (``value`` is ignored for
        flagged bins), blind unless ``open_count``. The ``counts create`` service; refuses
        (Rejected / NotFound, nothing made) an empty value, a value of the wrong form, an
        unknown SKU, or a choice no bin matches."""

    @abstractmethod
    def approve_count(self, operator: Operator, count_id: int, bin_code: str, reason: str) -> int:
        """Approve a counted bin's difference (reason required): adjustment entries of counted
        minus what the bin held when it was counted; returns the number of entries. The
        ``counts approve`` service."""

    @abstractmethod
    def recount(self, operator: Operator, count_id: int, bin_code: str, reason: str) -> None:
        """Send a counted bin back to be counted again by someone else (reason required). The
        ``counts recount`` service."""
