"""Domain vocabulary: statuses, priorities, verdicts and the plain records the rules work on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class OrderStatus(StrEnum):
    """Where an order stands. These names are part of the interface (CLI --json, reports)."""

    RECEIVED = "received"
    REVIEW = "review"
    ON_HOLD = "on_hold"
    RELEASED = "released"
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PICKING = "picking"
    PICKED = "picked"
    PACKING = "packing"
    PACKED = "packed"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    EXCEPTION = "exception"
    #: Merged (合单) into another order of the same buyer, which ships its lines.
    MERGED = "merged"


#: States from which an order may still be cancelled (anything before it leaves the building).
CANCELLABLE = frozenset(OrderStatus) - {
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
    OrderStatus.RETURNED,
    OrderStatus.MERGED,
}


class Priority(StrEnum):
    """How urgent an order is; each priority has an SLA (ship-by time)."""

    RUSH = "rush"
    STANDARD = "standard"
    DEFERRED = "deferred"


class PaymentStatus(StrEnum):
    """Payment state reported by the sales channel."""

    PAID = "paid"
    PENDING = "pending"
    FAILED = "failed"


class Role(StrEnum):
    """What a user is on the floor."""

    PICKER = "picker"
    PACKER = "packer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class PickListStatus(StrEnum):
    """Life of a pick list: released with its wave, claimed by a picker, finished."""

    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    CANCELLED = "cancelled"


class Verdict(StrEnum):
    """What a scan meant for the task at hand."""

    OK = "ok"
    LOCATION_OK = "location_ok"
    TOTE_OK = "tote_ok"
    WRONG_ITEM = "wrong_item"
    OVER_PICK = "over_pick"
    EXTRA_UNIT = "extra_unit"
    UNKNOWN_CODE = "unknown_code"
    NOT_EXPECTED = "not_expected"
    WRONG_LOCATION = "wrong_location"
    LOCATION_REQUIRED = "location_required"
    BAD_SCAN = "bad_scan"


#: Verdicts that count as accepted; everything else is refused loudly.
ACCEPTED = frozenset({Verdict.OK, Verdict.LOCATION_OK, Verdict.TOTE_OK})


class ShortReason(StrEnum):
    """Why a pick line was closed short."""

    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    SHORT_STOCK = "short_stock"
    #: the line's lot entered the product's do-not-ship window after the list was released
    TOO_CLOSE_TO_EXPIRY = "too_close_to_expiry"
    #: the line's lot expired after the list was released
    EXPIRED = "expired"


class CodeKind(StrEnum):
    """What a scanned code identifies."""

    PRODUCT = "product"
    LOCATION = "location"
    TOTE = "tote"
    PICKLIST = "picklist"
    ORDER = "order"
    USER = "user"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Problem:
    """Why an order is on hold: a machine code and the detail a person reads."""

    code: str
    detail: str


@dataclass(frozen=True)
class OrderLineDraft:
    """One line of an order as imported."""

    sku: str
    qty: int
    note: str = ""


@dataclass(frozen=True)
class OrderDraft:
    """An order as it arrives from a channel file, validated for shape but not yet reviewed."""

    order_no: str
    channel: str
    placed_at: datetime
    priority: Priority
    payment_status: PaymentStatus
    customer_name: str
    phone: str
    country: str
    province: str
    city: str
    district: str
    address: str
    postcode: str
    lines: tuple[OrderLineDraft, ...]
    source_line: int = 0
    #: The shop (店铺) the order came from, when several feed one warehouse.
    shop: str = ""
    #: The ship-by time the channel promised (Pinduoduo's 承诺发货时间); else from the SLA.
    due_at: datetime | None = None
    #: The platform's buyer id (买家会员名), when the export carries one.
    buyer: str = ""
    #: Cash on delivery (货到付款): never merged with another order.
    cod: bool = False
    #: The platform's token for "same buyer and address" when the recipient is masked.
    merge_token: str = ""


@dataclass(frozen=True)
class ProductDraft:
    """A product row as imported: barcodes already normalised."""

    sku: str
    name: str
    barcodes: tuple[str, ...]
    location: str
    on_hand: int
    safety_stock: int
    weight_g: int
    source_line: int = 0
    #: The catalog's product category (电子产品, 服装, 日用品 …); None: the file has no column.
    category: str | None = None
    #: Oversize: always a parcel of its own; None: the file has no column.
    ships_alone: bool | None = None
    #: Received with a lot (and expiry); None: the file has no column (or the cell is empty).
    lot_tracked: bool | None = None
    #: Do not ship a lot within this many days of its expiry; None: no column (or empty cell).
    shelf_days: int | None = None


@dataclass(frozen=True)
class Rejection:
    """An input record refused whole, with where it was and why."""

    line: int
    key: str
    reason: str


class Skipped(Rejection):
    """An input record left out on purpose (a closed or shipped platform order)."""


class Withdrawn(Skipped):
    """A platform order the platform now reports closed or refunded: not imported, and if it
    was imported before, cancelled (or intercepted when already picked)."""


@dataclass
class ImportReport:
    """What an import did: counts and every rejection or skip, for people and for --json."""

    kind: str
    stored: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    #: known SKUs whose on-hand in the file differs and was left alone (no --adjust-stock)
    stock_kept: list[str] = field(default_factory=list)
    #: Set when a fault of the database (a full disk, say) stopped the import: the record it
    #: stopped at and why. Everything counted above was stored; ``not_stored`` records from
    #: that one on were not.
    stopped: Rejection | None = None
    not_stored: int = 0

    def mark(self) -> tuple[int, ...]:
        """Where the report stands now, to return to with :meth:`stop`."""
        return tuple(len(part) for part in self._parts())

    def stop(self, mark: tuple[int, ...], at: Rejection, not_stored: int) -> None:
        """A chunk was rolled back by a fault: forget what it counted since ``mark`` and
        record where the import stopped (``at``: the chunk's first record and the reason)."""
        for part, length in zip(self._parts(), mark, strict=True):
            del part[length:]
        self.stopped = at
        self.not_stored = not_stored

    def _parts(self) -> tuple[list[Any], ...]:
        return (self.stored, self.updated, self.skipped, self.rejected, self.held, self.stock_kept)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (the --json shape)."""
        shape: dict[str, object] = {
            "kind": self.kind,
            "stored": len(self.stored),
            "updated": len(self.updated),
            "on_hold": self.held,
            "skipped": [r.__dict__ for r in self.skipped],
            "rejected": [r.__dict__ for r in self.rejected],
        }
        if self.kind == "products":  # only a product file carries stock
            shape["stock_kept"] = self.stock_kept
        if self.stopped is not None:
            shape["stopped"] = self.stopped.__dict__
            shape["not_stored"] = self.not_stored
        return shape
