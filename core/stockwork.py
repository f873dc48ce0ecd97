"""The stock port: what the handheld's stock screens (入库, 上架, 移库, 补货, 盘点) ask of the
floor, and the plain views they draw. The services behind it are the ones the CLI calls."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.ports import Operator

#: A receipt's code on paper and on a label: ``R:`` and the receipt number.
RECEIPT_PREFIX = "R:"


def receipt_number(raw: str) -> str | None:
    """The receipt number a scanned ``R:…`` code names (None: not a receipt code)."""
    text = raw.strip()
    if text[: len(RECEIPT_PREFIX)].upper() != RECEIPT_PREFIX:
        return None
    number = " ".join(text[len(RECEIPT_PREFIX) :].split())
    return number or None


@dataclass(frozen=True)
class UnitRead:
    """A scanned product unit: its SKU and what its barcode carried (lot, expiry)."""

    sku: str
    name: str
    code: str
    lot: str = ""
    expiry: date | None = None
    lot_tracked: bool = False


@dataclass(frozen=True)
class CodeRead:
    """What one scan on a stock screen is: a unit, a bin, a receipt, or nothing known."""

    kind: str  # "unit", "bin", "receipt", "tote", "unknown"
    code: str
    unit: UnitRead | None = None
    value: str = ""
    problem: str = ""


@dataclass(frozen=True)
class ReceiptLineView:
    """One SKU of a receipt: expected (0 on a blind receipt) and accepted so far."""

    sku: str
    name: str
    expected: int
    received: int


@dataclass(frozen=True)
class ReceiptView:
    """A receipt as the receiving screen draws it."""

    receipt_no: str
    supplier: str
    blind: bool
    status: str
    lines: tuple[ReceiptLineView, ...]
    refused: int = 0

    @property
    def expected(self) -> int:
        """Units expected in all."""
        return sum(line.expected for line in self.lines)

    @property
    def received(self) -> int:
        """Units accepted in all."""
        return sum(line.received for line in self.lines)


@dataclass(frozen=True)
class ReceiveOutcome:
    """A unit scanned at receiving: accepted, refused (recorded, with the reason), or held
    back because its lot-tracked product needs a lot and expiry its barcode lacks."""

    accepted: bool
    message: str
    view: ReceiptView
    unit: UnitRead | None = None
    needs_lot: bool = False


@dataclass(frozen=True)
class ClosedLine:
    """One SKU of a closed receipt: expected, received, short, over."""

    sku: str
    expected: int
    received: int
    short: int
    over: int


@dataclass(frozen=True)
class ClosedReceipt:
    """A receipt closed: its units are at ``dock``."""

    receipt_no: str
    dock: str
    lines: tuple[ClosedLine, ...]


@dataclass(frozen=True)
class PutawayProposal:
    """Units of a SKU waiting for put-away at ``dock`` (the receiving dock, or a returns bin
    holding good returned units), and the bin the rules propose for them."""

    sku: str
    name: str
    lot: str
    at_dock: int
    dock: str
    proposed: str | None


@dataclass(frozen=True)
class ToteLoad:
    """A tote scanned at put-away: what it holds at the dock per SKU × lot (``lines``:
    SKU, name, lot, units) and the proposal for its first SKU (None: the tote is empty)."""

    tote: str
    lines: tuple[tuple[str, str, str, int], ...]
    proposal: PutawayProposal | None


@dataclass(frozen=True)
class StockDone:
    """A put-away, move or replenishment saved: ``qty`` of ``sku`` from ``source`` to
    ``target`` (``proposed`` where a bin was proposed)."""

    sku: str
    qty: int
    source: str
    target: str
    lot: str = ""
    proposed: str | None = None
    allocated: int = 0


@dataclass(frozen=True)
class BinUnits:
    """Units of one SKU × lot in a bin and how many of them are free to move."""

    sku: str
    name: str
    lot: str
    on_hand: int
    free: int


@dataclass(frozen=True)
class ReplenishTask:
    """A pick face to refill: ``qty`` of ``sku`` from reserve bin ``source`` to ``face``."""

    id: str
    face: str
    sku: str
    name: str
    source: str
    lot: str
    qty: int
    units: int


@dataclass(frozen=True)
class CountBinView:
    """A bin of a count task. ``expected`` is None on a blind count (hidden from the counter)."""

    bin: str
    status: str
    expected: tuple[tuple[str, str, int], ...] | None = None
    previous_by: str | None = None


@dataclass(frozen=True)
class CountTaskView:
    """A count task as the counter sees it."""

    id: int
    scope: str
    open: bool
    status: str
    bins: tuple[CountBinView, ...]

    @property
    def to_count(self) -> tuple[CountBinView, ...]:
        """Bins still to count (or to count again)."""
        return tuple(b for b in self.bins if b.status in ("to_count", "recount"))


@dataclass(frozen=True)
class CountedBin:
    """A bin counted: its status after (approved, counted, recount) and the difference."""

    bin: str
    status: str
    difference: int
    task: CountTaskView


class StockWork(ABC):
    """Receiving, put-away, moves, replenishment and counts for the floor's screens. Every
    call checks the operator's role again; refusals are WaretermError with words to show."""

    @abstractmethod
    def read_code(self, code: str) -> CodeRead:
        """What a scan is on a stock screen (a unit with its lot and expiry, a bin, a receipt)."""

    @abstractmethod
    def receipt(self, operator: Operator, receipt_no: str) -> ReceiptView:
        """An open receipt to receive against."""

    @abstractmethod
    def open_blind(self, operator: Operator, receipt_no: str) -> ReceiptView:
        """Start a blind receipt (nothing expected)."""

    @abstractmethod
    def receive(
        self,
        operator: Operator,
        receipt_no: str,
        code: str,
        qty: int = 1,
        lot: str = "",
        expiry: date | None = None,
        tote: str = "",
    ) -> ReceiveOutcome:
        """Receive units scanned as ``code`` (into ``tote``, a tote's value, when given); a
        refusal is recorded and returned, not raised."""

    @abstractmethod
    def receiving_tote(self, operator: Operator, tote: str) -> str:
        """A tote scanned at receiving, as printed on it; refused when in use for picking."""

    @abstractmethod
    def load_tote(self, operator: Operator, tote: str, refuse_empty: bool = True) -> ToteLoad:
        """What a tote scanned at put-away holds at the dock, and the bin proposed for its
        first SKU; refused when in use for picking, or empty (``refuse_empty``)."""

    @abstractmethod
    def close_receipt(self, operator: Operator, receipt_no: str) -> ClosedReceipt:
        """Close a receipt: its units go to the receiving dock; short and over per SKU."""

    @abstractmethod
    def propose_putaway(
        self, operator: Operator, sku: str, lot: str | None, from_bin: str | None = None
    ) -> PutawayProposal:
        """Units of ``sku`` waiting for put-away and the bin proposed for them: at the
        receiving dock, or good returned units in a returns bin (``from_bin`` names the bin
        they come from; without it the dock first, then the returns bins)."""

    @abstractmethod
    def put_away(
        self,
        operator: Operator,
        sku: str,
        qty: int,
        to_bin: str,
        lot: str | None,
        from_bin: str | None = None,
        tote: str = "",
    ) -> StockDone:
        """Put units away from the dock (or the returns bin ``from_bin``) into ``to_bin``
        (another bin than proposed is recorded); from the tote ``tote`` when given."""

    @abstractmethod
    def bin_units(self, operator: Operator, bin_code: str) -> list[BinUnits]:
        """What a bin holds, per SKU and lot."""

    @abstractmethod
    def move(
        self, operator: Operator, sku: str, from_bin: str, to_bin: str, qty: int, lot: str
    ) -> StockDone:
        """Move free units between bins."""

    @abstractmethod
    def replenishments(self, operator: Operator) -> list[ReplenishTask]:
        """Pick faces waiting for a replenishment, walk order."""

    @abstractmethod
    def replenish(self, operator: Operator, task_id: str, qty: int) -> StockDone:
        """Do a replenishment with ``qty`` units (at most the task's)."""

    @abstractmethod
    def count_tasks(self, operator: Operator) -> list[CountTaskView]:
        """Open count tasks with bins to count."""

    @abstractmethod
    def count_task(self, operator: Operator, count_id: int) -> CountTaskView:
        """One count task (expected quantities only on an open count)."""

    @abstractmethod
    def count_bin(
        self,
        operator: Operator,
        count_id: int,
        bin_code: str,
        counted: Mapping[tuple[str, str], int],
        empty: bool = False,
    ) -> CountedBin:
        """Record what a bin holds (units per SKU and lot), or that it is empty."""
