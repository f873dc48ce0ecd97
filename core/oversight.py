"""The supervisor's view of the floor: one port (an ABC), the views it returns, and the pure
arithmetic behind them (hourly series, rates).

The Textual app receives an implementation in its constructor (``data.oversight.SqliteOversight``
in production); the supervisor's screens know only this module. Every method takes the
operator of the session and checks, in the service, the role stored for that user: viewing needs
``Permission.OVERSEE``, each action its own permission, so a picker's session cannot reach any
of it by any route.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.model import OrderStatus, Priority, Problem
from core.ports import Operator

#: Orders still in the building, in the order they move through it (the overview's rows).
OPEN_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus.RECEIVED,
    OrderStatus.REVIEW,
    OrderStatus.ON_HOLD,
    OrderStatus.RELEASED,
    OrderStatus.BACKORDERED,
    OrderStatus.ALLOCATED,
    OrderStatus.PICKING,
    OrderStatus.PICKED,
    OrderStatus.PACKING,
    OrderStatus.PACKED,
    OrderStatus.EXCEPTION,
)

#: Priorities in the order a supervisor reads them.
PRIORITIES: tuple[Priority, ...] = (Priority.RUSH, Priority.STANDARD, Priority.DEFERRED)

#: How far ahead the overview looks for orders about to miss their ship-by time.
DUE_SOON = timedelta(hours=1)
#: Lines of an order read and shown at a time in its detail.
ORDER_LINES_PAGE = 100

#: A picker or packer without a scan for this long counts as idle (highlighted).
IDLE_AFTER = timedelta(minutes=10)


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class QueueRow:
    """One status of the overview: how many orders of each priority, and the oldest due time."""

    status: OrderStatus
    by_priority: Mapping[Priority, int]
    oldest_due: datetime | None

    @property
    def total(self) -> int:
        """Orders in this status, all priorities."""
        return sum(self.by_priority.values())


@dataclass(frozen=True)
class DueOrder:
    """An open order due within the hour or already overdue."""

    order_no: str
    status: OrderStatus
    priority: Priority
    customer_name: str
    due_at: datetime
    picker: str | None = None

    def overdue(self, now: datetime) -> bool:
        """Past its ship-by time."""
        return self.due_at < now


@dataclass(frozen=True)
class StationState:
    """A station's devices as every session reported them.

    ``scanner_status`` / ``printer_status`` are ``none`` when the station has no such device,
    ``unknown`` when nothing was reported yet, else what the holding session (scanner) or the
    print worker (printer) last wrote (``connected``, ``disconnected``, ``ready``,
    ``paper_out`` …). ``scanner_holder`` is the user whose live session holds the scanner
    (None: nobody has it now). The job counts are the station's print queue.
    """

    station: str
    scanner_url: str
    printer_url: str
    scanner_status: str
    scanner_detail: str = ""
    scanner_holder: str | None = None
    scanner_since: datetime | None = None
    printer_status: str = "none"
    printer_detail: str = ""
    printer_updated_at: datetime | None = None
    jobs_waiting: int = 0
    jobs_failed: int = 0
    jobs_uncertain: int = 0


@dataclass(frozen=True)
class Overview:
    """The floor at a glance: queues by status and priority, what is due, the stations."""

    now: datetime
    queues: tuple[QueueRow, ...]
    due_soon: tuple[DueOrder, ...]
    due_soon_total: int
    overdue_total: int
    lists_waiting: int
    lists_picking: int
    stations: tuple[StationState, ...]


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderQuery:
    """A filter over all orders. Empty fields do not filter; ``text`` matches the order number,
    the customer's name or the phone number anywhere (case-insensitive for Latin letters)."""

    status: str | None = None
    priority: str | None = None
    channel: str | None = None
    text: str = ""
    #: The shop (店铺) orders came from (with ``channel``: that platform's shop).
    shop: str | None = None
    #: new, returning, vip or blacklist (core.customers).
    customer_class: str | None = None
    #: Orders with at least one product of this catalog category.
    category: str | None = None


@dataclass(frozen=True)
class OrderGroup:
    """A way to filter the orders besides status and priority: a channel, a channel's shop,
    a customer class or a product category."""

    #: ``channel``, ``shop``, ``customer_class`` or ``category``.
    kind: str
    channel: str = ""
    key: str = ""


@dataclass(frozen=True)
class OrderKey:
    """Where a row sits in the orders' sort order (due time, then order number): the position
    a page starts after or ends before."""

    due_at: datetime
    order_no: str


@dataclass(frozen=True)
class PageRequest:
    """Which page of orders: the first (nothing set), the rows from ``at`` on (the same page
    again, redrawn), the rows after ``after`` (next page), the rows before ``before``
    (previous page), or the ``last`` page."""

    size: int = 50
    at: OrderKey | None = None
    after: OrderKey | None = None
    before: OrderKey | None = None
    last: bool = False


@dataclass(frozen=True)
class OrderRow:
    """One order in the orders list."""

    order_no: str
    status: OrderStatus
    priority: Priority
    channel: str
    customer_name: str
    phone: str
    city: str
    due_at: datetime
    lines: int
    units: int
    picked: int

    @property
    def key(self) -> OrderKey:
        """This row's place in the sort order."""
        return OrderKey(self.due_at, self.order_no)


@dataclass(frozen=True)
class OrderPage:
    """One page of a filtered order list: the rows, how many rows match in all, and the index
    (from 0) of the first row among them."""

    rows: tuple[OrderRow, ...]
    total: int
    start: int
    size: int

    @property
    def has_previous(self) -> bool:
        """Rows come before this page."""
        return self.start > 0

    @property
    def has_next(self) -> bool:
        """Rows come after this page."""
        return self.start + len(self.rows) < self.total

    @property
    def first_key(self) -> OrderKey | None:
        """The first row's key (None on an empty page)."""
        return self.rows[0].key if self.rows else None

    @property
    def last_key(self) -> OrderKey | None:
        """The last row's key (None on an empty page)."""
        return self.rows[-1].key if self.rows else None


@dataclass(frozen=True)
class OrderLineState:
    """A line of an order with how far it has come."""

    line_no: int
    sku: str
    name: str
    qty: int
    reserved: int
    picked: int
    short: int
    packed: int


@dataclass(frozen=True)
class ScanEntry:
    """A scan in an order's history (its own units, or a refused scan on its pick list)."""

    at: datetime
    user: str
    station: str
    task: str
    source: str
    code: str
    verdict: str
    message: str


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    at: datetime
    user: str
    station: str
    action: str
    subject: str
    detail: str


@dataclass(frozen=True)
class PackageState:
    """One parcel of a shipment: its waybill number and label job."""

    seq: int
    waybill_no: str
    status: str
    print_job_id: int | None
    shipped_at: datetime | None


@dataclass(frozen=True)
class ShipmentState:
    """A shipment of an order with its packages."""

    id: int
    status: str
    carrier: str
    service: str
    weight_g: int
    station: str
    created_by: str
    created_at: datetime
    packed_by: str | None
    shipped_at: datetime | None
    void_reason: str | None
    packages: tuple[PackageState, ...] = ()


@dataclass(frozen=True)
class LabelJob:
    """A print job (a label) as the supervisor sees it."""

    id: int
    station: str
    kind: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_by: str
    created_at: datetime
    reprint_of: int | None = None


#: The most tracking events an order's detail reads.
TRACKING_EVENTS = 200


@dataclass(frozen=True)
class TrackingEntry:
    """One event of a parcel's carrier trace (物流跟踪), as the order detail shows it."""

    waybill_no: str
    at: datetime
    status: str  # a core.tracking.TrackStatus value
    description: str
    source: str


@dataclass(frozen=True)
class OrderDetail:
    """Everything about one order: header, lines, problems, scans, audit trail, shipments and
    label jobs."""

    order_no: str
    status: OrderStatus
    priority: Priority
    channel: str
    placed_at: datetime
    due_at: datetime
    imported_at: datetime
    shipped_at: datetime | None
    customer_name: str
    phone: str
    address: str
    picklist: str | None
    picklist_id: int | None
    picker: str | None
    packer: str | None
    exception_reason: str | None
    cancel_reason: str | None
    problems: tuple[Problem, ...]
    lines: tuple[OrderLineState, ...]
    scans: tuple[ScanEntry, ...]
    audit: tuple[AuditEntry, ...]
    shipments: tuple[ShipmentState, ...]
    labels: tuple[LabelJob, ...]
    #: How many lines the order has; ``lines`` are those from ``lines_from`` (0-based), at
    #: most :data:`ORDER_LINES_PAGE` of them.
    line_count: int = 0
    lines_from: int = 0
    #: The carrier's tracking events of the order's parcels, newest first (at most
    #: :data:`TRACKING_EVENTS` of them).
    events: tuple[TrackingEntry, ...] = ()
    #: A merge (合单) with this order proposed to a supervisor: its id and the other orders.
    merge_proposal: int | None = None
    merge_with: tuple[str, ...] = ()
    #: The order it was merged into, or split from.
    merged_into: str | None = None
    split_from: str | None = None


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class WorkerView:
    """A picker or packer: what they work on, their pace and their mistakes.

    ``lines_last_hour`` are distinct lines with an accepted scan by them in the last hour (pick
    lines for picking, order lines for the pack check), ``units_last_hour`` their accepted unit
    scans. ``scans_today`` / ``refused_today`` count all their scans since midnight (China
    Standard Time) and the refused ones among them.
    """

    name: str
    role: str
    station: str
    working_on: str
    lines_last_hour: int
    units_last_hour: int
    scans_today: int
    refused_today: int
    last_scan_at: datetime | None
    picklist_id: int | None = None

    @property
    def error_rate(self) -> float | None:
        """Refused scans / scans today (None before the first scan)."""
        return rate(self.refused_today, self.scans_today)

    def idle(self, now: datetime) -> timedelta | None:
        """Time since the last scan (None when they never scanned)."""
        return None if self.last_scan_at is None else max(now - self.last_scan_at, timedelta(0))


# --------------------------------------------------------------------------- exceptions


@dataclass(frozen=True)
class HeldOrder:
    """An order on hold with the problems that hold it."""

    order_no: str
    priority: Priority
    due_at: datetime
    customer_name: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ExceptionOrder:
    """An order in ``exception`` (a short pick, damage, a mismatch at packing …)."""

    order_no: str
    priority: Priority
    due_at: datetime
    reason: str
    picklist: str | None
    picker: str | None


@dataclass(frozen=True)
class ListInProgress:
    """A pick list waiting for a picker or being picked (what can be reassigned)."""

    picklist_id: int
    code: str
    status: str
    priority: Priority
    due_at: datetime
    picker: str | None
    claimed_at: datetime | None
    units: int
    picked: int
    last_scan_at: datetime | None


@dataclass(frozen=True)
class ProblemParcel:
    """A shipped parcel whose latest tracking event is a problem or a return (问题件)."""

    order_no: str
    waybill_no: str
    carrier: str
    status: str  # a core.tracking.TrackStatus value
    at: datetime
    description: str


@dataclass(frozen=True)
class ExceptionsView:
    """What needs a supervisor: holds, exceptions, labels that did not print, lists in work,
    and problem parcels (问题件) the carrier's tracking reported after they left."""

    holds: tuple[HeldOrder, ...]
    exceptions: tuple[ExceptionOrder, ...]
    labels: tuple[LabelJob, ...]
    lists: tuple[ListInProgress, ...]
    problem_parcels: tuple[ProblemParcel, ...] = ()


# --------------------------------------------------------------------------- stock


@dataclass(frozen=True)
class LowStock:
    """A product whose free stock (allocatable on hand − reserved: units in damaged, receiving
    and returns bins are not free) is below its safety stock; ``waiting`` is how many units
    backordered orders need of it."""

    sku: str
    name: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    waiting: int
    unpickable: int = 0

    @property
    def free(self) -> int:
        """Units on hand in allocatable bins and not reserved."""
        return self.on_hand - self.unpickable - self.reserved


@dataclass(frozen=True)
class Shortfall:
    """What a backordered order lacks of one SKU: ``free`` counts no unit of a lot that may
    not ship (expired, or inside the product's do-not-ship window); ``too_close`` is how many
    such free units there are."""

    sku: str
    needed: int
    free: int
    too_close: int = 0


@dataclass(frozen=True)
class Backorder:
    """An order waiting for stock."""

    order_no: str
    priority: Priority
    due_at: datetime
    customer_name: str
    missing: tuple[Shortfall, ...]


@dataclass(frozen=True)
class StockView:
    """Low stock and the orders waiting for stock."""

    low: tuple[LowStock, ...]
    backorders: tuple[Backorder, ...]


# --------------------------------------------------------------------------- throughput


@dataclass(frozen=True)
class HourCount:
    """Orders shipped in the hour starting at ``start``."""

    start: datetime
    shipped: int


@dataclass(frozen=True)
class Throughput:
    """Orders shipped per hour over the last hours, oldest first (the last hour is the one
    running now)."""

    now: datetime
    hours: tuple[HourCount, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """Orders shipped in the whole window."""
        return sum(hour.shipped for hour in self.hours)

    @property
    def peak(self) -> HourCount | None:
        """The busiest hour (the latest of equals); None when the window is empty."""
        best: HourCount | None = None
        for hour in self.hours:
            if best is None or hour.shipped >= best.shipped:
                best = hour
        return best


def hour_start(moment: datetime) -> datetime:
    """The start of the clock hour holding ``moment`` (China Standard Time hours coincide with
    UTC hours: the offset is whole hours)."""
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_series(counts: Mapping[datetime, int], now: datetime, hours: int = 24) -> Throughput:
    """The last ``hours`` clock hours up to the one holding ``now``, each with its count from
    ``counts`` (keyed by hour start; hours without an entry count 0, entries outside the
    window are ignored)."""
    current = hour_start(now)
    starts = [current - timedelta(hours=back) for back in range(hours - 1, -1, -1)]
    normalised: dict[datetime, int] = {}
    for start, count in counts.items():
        key = hour_start(start)
        normalised[key] = normalised.get(key, 0) + count
    return Throughput(now, tuple(HourCount(start, normalised.get(start, 0)) for start in starts))


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide."""
    return part / whole if whole else None


# --------------------------------------------------------------------------- the port


class Oversight(ABC):
    """What a supervisor's session may see and do. Every method, actions included, first
    checks OVERSEE against the operator's stored role (the role the session claims is not
    trusted) and raises NotAllowed otherwise; each action also checks its own permission
    inside the one transaction that writes it with its audit entry. Implementations raise
    core.errors exceptions only."""

    @abstractmethod
    def overview(self, operator: Operator) -> Overview:
        """Queues by status × priority with the oldest due time, orders due within the hour or
        overdue, lists waiting and being picked, every station's scanner and printer."""

    @abstractmethod
    def orders(self, operator: Operator, query: OrderQuery, page: PageRequest) -> OrderPage:
        """One page of the orders matching ``query``, most urgent first, read from the
        database page by page (never the whole table)."""

    @abstractmethod
    def channels(self, operator: Operator) -> tuple[str, ...]:
        """The sales channels orders came from (for the filter)."""

    def order_groups(self, operator: Operator) -> tuple[OrderGroup, ...]:
        """Channels, their shops, customer classes and product categories orders have (for
        the filter); without more, the channels."""
        return tuple(OrderGroup("channel", channel) for channel in self.channels(operator))

    @abstractmethod
    def order(self, operator: Operator, order_no: str, lines_from: int = 0) -> OrderDetail:
        """One order with its problems, scans, audit trail, shipments and labels, and one page
        of its lines (:data:`ORDER_LINES_PAGE` from ``lines_from``); raises NotFound."""

    @abstractmethod
    def workers(self, operator: Operator) -> tuple[WorkerView, ...]:
        """Active pickers and packers: current work, lines per hour, error rate, idle time."""

    @abstractmethod
    def exceptions(self, operator: Operator) -> ExceptionsView:
        """Holds, exceptions, labels that failed or may not have printed, lists in work."""

    @abstractmethod
    def stock(self, operator: Operator) -> StockView:
        """Products below safety stock and backordered orders."""

    @abstractmethod
    def throughput(self, operator: Operator, hours: int = 24) -> Throughput:
        """Orders shipped per hour over the last ``hours`` hours."""

    @abstractmethod
    def pickers(self, operator: Operator) -> tuple[str, ...]:
        """Active users who may pick (whom a list can be reassigned to)."""

    @abstractmethod
    def release_hold(self, operator: Operator, order_no: str, note: str) -> OrderStatus:
        """Release a held order, accepting its payment/address problems (``note`` says why;
        required); returns its status afterwards (allocated or backordered). Needs
        RELEASE_HOLD."""

    @abstractmethod
    def cancel_order(self, operator: Operator, order_no: str, reason: str) -> None:
        """Cancel an order that has not shipped (reason required). Needs CANCEL_ORDER."""

    @abstractmethod
    def resolve_exception(self, operator: Operator, order_no: str, how: str, reason: str) -> str:
        """Resolve an order in the exception queue ``how`` (repick, release_partial, cancel;
        reason required); returns the order's new status."""

    @abstractmethod
    def split_order(self, operator: Operator, order_no: str, reason: str) -> str:
        """Ship what is in stock of a backordered order now (reason required); returns the
        new order holding the rest. Needs RELEASE_HOLD."""

    @abstractmethod
    def decide_merge(self, operator: Operator, merge_id: int, accept: bool, reason: str) -> None:
        """Accept a proposed merge, or refuse it (reason required). Needs RELEASE_WAVE."""

    @abstractmethod
    def reassign_list(self, operator: Operator, picklist_id: int, picker: str, reason: str) -> None:
        """Give a waiting or half-picked list to another picker (reason required). Needs
        REASSIGN."""

    @abstractmethod
    def reprint_label(self, operator: Operator, job_id: int, reason: str) -> int:
        """Print a label again as a new job (reason required); returns the new job's id.
        Needs REPRINT."""

    @abstractmethod
    def retry_label(self, operator: Operator, job_id: int) -> None:
        """Send a failed or uncertain label job again. Needs MANAGE_PRINT."""
