"""The returns bench (销退扫描入库) and the supervisor's returns as the terminal sees them: one
small port (an ABC) and the views it returns. data.returns_desk.SqliteReturnsDesk implements it
over the same services as ``wareterm returns``; screens know only this module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from core.ports import Operator

#: What a scan at the returns bench came to (``ReturnOutcome.verdict``).
RECEIVED = "ok"
BIN = "bin"
REPEAT = "repeat"
UNKNOWN_CODE = "unknown_code"
NOT_SHIPPED = "not_shipped"
TOO_MANY = "too_many"
REFUSED = "refused"


@dataclass(frozen=True)
class ReturnLineView:
    """One SKU of a shipped order: units shipped and units already back."""

    sku: str
    name: str
    shipped: int
    returned: int


@dataclass(frozen=True)
class ReturnMatch:
    """A shipped order a parcel may have come from, with what it shipped and what came back."""

    order_no: str
    customer_name: str
    phone: str
    status: str
    lines: tuple[ReturnLineView, ...] = ()
    #: What the after-sales export (returns import) says of the parcel, when a return of the
    #: order is still expected: its kind (``return``, ``exchange``, ``refused``,
    #: ``refund_only``; "" when none is expected), its after-sales number and, for an
    #: exchange, the SKU the replacement sends ("" the same).
    expected_kind: str = ""
    after_sales_no: str = ""
    exchange_sku: str = ""
    #: The waybill number the parcel was found by ("" when found otherwise).
    waybill: str = ""

    @property
    def shipped(self) -> int:
        """Units shipped in the order."""
        return sum(line.shipped for line in self.lines)

    @property
    def returned(self) -> int:
        """Units of the order back already."""
        return sum(line.returned for line in self.lines)


@dataclass(frozen=True)
class ReturnOutcome:
    """What one scan at the returns bench did. ``accepted`` False: nothing moved (a refusal
    of the service is recorded by it). ``verdict``: one of the constants above."""

    accepted: bool
    verdict: str
    message: str
    code: str = ""
    sku: str = ""
    bin: str = ""
    return_id: int | None = None
    replacement: str | None = None
    #: The order as it stands after the scan (None for an unidentified parcel).
    order: ReturnMatch | None = None
    #: An unidentified parcel's number and its units so far.
    parcel: int | None = None
    parcel_units: int = 0


@dataclass(frozen=True)
class ClosedReturn:
    """A return closed: the order's status and its lines with what came back."""

    order_no: str
    order_status: str
    returns: tuple[int, ...]
    order: ReturnMatch | None


@dataclass(frozen=True)
class RefusedParcel:
    """A parcel refused at delivery (拒收) received whole: the units back into the returns
    bin, the order's status after it."""

    order_no: str
    units: int
    bin: str
    order_status: str
    order: ReturnMatch | None


@dataclass(frozen=True)
class ExpectedRow:
    """A return a platform's after-sales export says is coming (returns import)."""

    after_sales_no: str
    order_no: str
    return_waybill: str
    kind: str
    reason: str
    sku: str
    qty: int
    received: int


@dataclass(frozen=True)
class ReceivedRow:
    """A return received today (open or closed)."""

    return_id: int
    order_no: str
    kind: str
    status: str
    waybill: str
    units: int
    damaged: int


@dataclass(frozen=True)
class ParcelRow:
    """An unidentified parcel (无信息件) waiting for a supervisor."""

    parcel_id: int
    waybill: str
    carrier: str
    note: str
    units: int
    skus: str


@dataclass(frozen=True)
class InterceptRow:
    """An intercepted order (拦截) not yet confirmed pulled."""

    order_no: str
    reason: str
    status_before: str
    waybills: str
    created_by: str


@dataclass(frozen=True)
class ReturnsBoard:
    """The supervisor's Returns tab: what is coming, what came today, what waits for them."""

    expected: tuple[ExpectedRow, ...] = ()
    received_today: tuple[ReceivedRow, ...] = ()
    parcels: tuple[ParcelRow, ...] = ()
    intercepts: tuple[InterceptRow, ...] = field(default=())


class ReturnsDesk(ABC):
    """After-sales at the terminal. Every call checks the operator's permission in the
    service (receiving returns is bench work; linking, writing off and confirming a pull are
    the office's); refusals are raised as WaretermError unless a view says otherwise."""

    @abstractmethod
    def find(self, operator: Operator, text: str) -> list[ReturnMatch]:
        """Shipped orders a parcel may come from: ``text`` is a scanned or typed waybill
        number (the original label or a return waybill), an order code or number, a phone
        number or a buyer's name."""

    @abstractmethod
    def reasons(self, operator: Operator) -> tuple[str, ...]:
        """The site's return reasons, in their order."""

    @abstractmethod
    def product(self, operator: Operator, raw: str) -> tuple[str, str]:
        """The SKU and name a scanned or typed product code refers to (NotFound otherwise)."""

    @abstractmethod
    def receive_unit(
        self,
        operator: Operator,
        order_no: str,
        raw: str,
        key: str,
        damaged_reason: str | None = None,
        bin_code: str | None = None,
        exchange: bool = False,
        exchange_sku: str | None = None,
    ) -> ReturnOutcome:
        """One scan at the bench for an order's parcel: a unit (good into the returns bin or
        ``bin_code``; damaged, with its reason, into the damaged bin; as an exchange it makes
        the replacement order, of ``exchange_sku`` or the same SKU) or a bin (``verdict``
        ``bin``: good units go there from now on). ``key`` makes a resubmitted scan add
        nothing. A unit the order did not ship, or one too many, is refused and recorded."""

    @abstractmethod
    def receive_refused(
        self, operator: Operator, order_no: str, waybill: str = ""
    ) -> RefusedParcel:
        """The order's parcel came back refused at delivery (拒收): every shipped unit not back
        yet goes good into the returns bin, once; the shipment is marked refused and the order
        returned (the service of ``wareterm returns refused``)."""

    @abstractmethod
    def receive_parcel_unit(
        self, operator: Operator, waybill: str, carrier: str, note: str, raw: str, key: str
    ) -> ReturnOutcome:
        """One unit of a parcel no order matches (无信息件), kept in the returns bin."""

    @abstractmethod
    def close(self, operator: Operator, order_no: str, return_ids: tuple[int, ...]) -> ClosedReturn:
        """Close the order's returns received at this bench: its lines record what came back."""

    @abstractmethod
    def board(self, operator: Operator) -> ReturnsBoard:
        """The supervisor's view of after-sales."""

    @abstractmethod
    def link(self, operator: Operator, parcel: int, order: str) -> str:
        """Link an unidentified parcel to the order (a number or code) it came from; the
        order's number."""

    @abstractmethod
    def write_off(self, operator: Operator, parcel: int, reason: str) -> int:
        """Write off an unidentified parcel's units; how many."""

    @abstractmethod
    def confirm_pull(self, operator: Operator, scanned: str, order_no: str | None = None) -> str:
        """Confirm an intercepted parcel pulled (拦截验核) by its label, order code or
        number; the order's number. With ``order_no``, a code of another order is refused."""
