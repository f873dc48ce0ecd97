"""The floor as the terminal sees it: one port (an ABC) and the views it returns.

The Textual app receives an implementation in its constructor (data.floor.SqliteFloor in
production); screens know only this module, never the store or the devices.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from core.model import OrderStatus, PickListStatus, Priority, Role, ShortReason, Verdict
from core.packing import MissingReason
from core.scanframe import FramedScan


@dataclass(frozen=True)
class Operator:
    """A logged-in user at the station the session works at (their bound station, if any)."""

    name: str
    role: Role
    station: str
    #: The language the session speaks for them: their own, else the site's default.
    language: str = "en"


@dataclass(frozen=True)
class StationView:
    """A station as the terminal needs it: where its scanner and printer are (empty: none)."""

    name: str
    scanner_url: str = ""
    printer_url: str = ""

    @property
    def has_scanner(self) -> bool:
        """Whether the station has a serial scanner (else only keyboard-wedge scans)."""
        return bool(self.scanner_url)

    @property
    def has_printer(self) -> bool:
        """Whether the station has a printer."""
        return bool(self.printer_url)


@dataclass(frozen=True)
class DeviceHolder:
    """Another session that holds a station's device: who, on which host, since when."""

    user: str
    host: str
    since: datetime


ScannerStatus = Literal["none", "connecting", "connected", "disconnected", "held"]


@dataclass(frozen=True)
class ScannerLink:
    """The station's serial scanner as the session sees it.

    ``none``: the station has no serial scanner (keyboard-wedge scans only); ``connecting``,
    ``connected``, ``disconnected``: the reader's state, with its sentence in ``message``;
    ``held``: another session holds the scanner (``holder``; ``message`` says who and since
    when).
    """

    status: ScannerStatus
    message: str = ""
    holder: DeviceHolder | None = None


@dataclass(frozen=True)
class PrinterLink:
    """The station's printer as last reported by the print worker (``device_states``).

    ``status`` is ``none`` when the station has no printer, ``unknown`` when nothing was
    reported yet, else what the worker wrote (``ready``, ``offline``, ``paper_out`` …).
    """

    status: str
    detail: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PickLineView:
    """One stop of a pick list as shown to the picker."""

    line_id: int
    seq: int
    sku: str
    name: str
    location: str
    qty: int
    picked: int
    short: int
    barcode: str

    @property
    def done(self) -> bool:
        """Picked in full or closed short."""
        return self.picked + self.short >= self.qty


@dataclass(frozen=True)
class PickView:
    """A pick list with everything the pick screen shows."""

    picklist_id: int
    code: str
    status: PickListStatus
    priority: Priority
    due_at: datetime
    order_count: int
    lines: tuple[PickLineView, ...]
    confirmed_location: str | None = None
    location_first: bool = False
    #: what the list's lots being checked again did when it was taken (a line moved off, or
    #: closed short from, a lot that may no longer ship); empty most days
    notice: str = ""

    @property
    def current(self) -> PickLineView | None:
        """The line to pick now (first unfinished in walk order)."""
        return next((line for line in self.lines if not line.done), None)

    @property
    def units_done(self) -> int:
        """Units picked or closed short."""
        return sum(min(line.picked + line.short, line.qty) for line in self.lines)

    @property
    def units_total(self) -> int:
        """Units on the list."""
        return sum(line.qty for line in self.lines)

    @property
    def lines_done(self) -> int:
        """Lines finished."""
        return sum(1 for line in self.lines if line.done)


@dataclass(frozen=True)
class ScanOutcome:
    """What a scan did: its verdict, the words for the operator, and the list afterwards."""

    verdict: Verdict
    message: str
    code: str
    view: PickView | None = None
    accepted: bool = False


@dataclass(frozen=True)
class PackLineView:
    """An order line at the bench: units expected and units verified."""

    sku: str
    name: str
    qty: int
    packed: int
    barcode: str = ""

    @property
    def missing(self) -> int:
        """Units still to verify."""
        return max(self.qty - self.packed, 0)


@dataclass(frozen=True)
class PackageView:
    """One parcel of a shipment: its waybill number and where its label is."""

    seq: int
    waybill_no: str
    status: str
    label_status: str | None = None


@dataclass(frozen=True)
class ShipmentView:
    """An order's live shipment: carrier and service, why they were chosen, its parcels."""

    shipment_id: int
    status: str
    carrier: str
    service: str
    reason: str
    weight_g: int
    weight_source: str
    packages: tuple[PackageView, ...]

    @property
    def waybills(self) -> tuple[str, ...]:
        """The waybill numbers, parcel 1 first."""
        return tuple(package.waybill_no for package in self.packages)


@dataclass(frozen=True)
class NumberWait:
    """An order closed at the bench that waits in the queue for its waybill number: the
    carrier whose API did not answer, why, how often it was asked and when it is asked again
    (by the waybill worker, which then prints the label at this bench)."""

    carrier: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class PackOrderView:
    """An order at the bench, with its lines and (once labelled) its shipment."""

    order_no: str
    status: OrderStatus
    priority: Priority
    due_at: datetime
    customer_name: str
    city: str
    lines: tuple[PackLineView, ...]
    picklist_code: str | None = None
    expected_weight_g: int = 0
    shipment: ShipmentView | None = None
    #: Set while the order, checked and weighed, waits for its number from its carrier's API.
    waiting: NumberWait | None = None

    @property
    def units(self) -> int:
        """Units on the order."""
        return sum(line.qty for line in self.lines)

    @property
    def verified(self) -> int:
        """Units verified."""
        return sum(min(line.packed, line.qty) for line in self.lines)

    @property
    def complete(self) -> bool:
        """Every unit verified."""
        return all(line.missing == 0 for line in self.lines)


@dataclass(frozen=True)
class PackView:
    """A bench: the orders being checked (``checking``, most urgent first) and the packed
    parcels waiting for their label to be scanned (``to_ship``)."""

    station: str
    checking: tuple[PackOrderView, ...] = ()
    to_ship: tuple[PackOrderView, ...] = ()
    source: str = ""

    def order(self, order_no: str) -> PackOrderView | None:
        """An order on the bench by number."""
        return next((o for o in (*self.checking, *self.to_ship) if o.order_no == order_no), None)

    @property
    def ready(self) -> PackOrderView | None:
        """The most urgent order whose every unit is verified and that does not wait for its
        number already: the one to weigh and close."""
        return next(
            (order for order in self.checking if order.complete and order.waiting is None), None
        )

    @property
    def waiting(self) -> tuple[PackOrderView, ...]:
        """Orders closed here that wait for their number from the carrier's API."""
        return tuple(order for order in self.checking if order.waiting is not None)


@dataclass(frozen=True)
class PackOutcome:
    """What a scan or an action at the bench did, the words for the packer, the bench after.
    ``order_no`` is the order it concerned (the one a unit was counted for, say)."""

    verdict: Verdict
    message: str
    code: str
    view: PackView
    accepted: bool = False
    order_no: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class CarrierOption:
    """A carrier the packer may choose instead of the rules' choice."""

    code: str
    name: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class CarrierProposal:
    """What the rules choose for an order at a weight, with the reason; ``warning`` is set
    when the parcel's weight looks wrong or the carrier's waybill numbers run low."""

    carrier: str
    service: str
    reason: str
    cost_fen: int
    warning: str | None = None


@dataclass(frozen=True)
class WaveForPrint:
    """A released wave as the batch-print (打单) screen lists it."""

    wave_id: int
    released_at: datetime
    orders: int
    labelled: int
    lists: int


@dataclass(frozen=True)
class BatchView:
    """A batch print of a wave or list: how many of its jobs printed, failed or wait, and the
    orders that got no label (with the reason)."""

    batch_id: int
    wave_id: int | None
    station: str
    total: int
    done: int
    failed: int
    waiting: int
    uncertain: int
    cancelled: int
    skipped: tuple[tuple[str, str], ...] = ()
    failures: tuple[tuple[str, str], ...] = ()

    @property
    def finished(self) -> bool:
        """Nothing of the batch is queued, being sent or failed-and-retrying: every job is
        printed, cancelled or uncertain (waiting for a person)."""
        return self.waiting == 0 and self.failed == 0


@dataclass(frozen=True)
class FloorSummary:
    """Counts for a home screen: open work by status."""

    by_status: dict[str, int] = field(default_factory=dict)
    lists_waiting: int = 0
    now: datetime | None = None


class Floor(ABC):
    """Everything an operator's session may do. Implementations check roles and write each
    action in one transaction with its audit entry; they raise core.errors exceptions only."""

    @abstractmethod
    def now(self) -> datetime:
        """The floor's clock (for countdowns)."""

    @abstractmethod
    def login(self, name: str, pin: str, station: str) -> Operator:
        """Check a user's PIN; raises NotAllowed with a reason a person understands.

        ``station`` is where the operator says they are; a user bound to a station works there
        whatever was typed. The operator carries the station used, and the audit names it."""

    @abstractmethod
    def badge_login(self, badge: str, station: str) -> Operator:
        """Log in by a scanned user badge (``U:name``); raises NotAllowed if unknown/inactive.
        The station is chosen as for :meth:`login`."""

    @abstractmethod
    def session_login(
        self, name: str, station: str, method: str, *, peer: str = "", key: str | None = None
    ) -> Operator:
        """Log in a user whom the SSH server has already authenticated (no PIN is asked);
        raises NotAllowed if the user is unknown or inactive. ``method`` says how the server
        checked them (``ssh-key``, ``ssh-password``), ``peer`` the client address, ``key`` the
        fingerprint of the key used. The station is the key's station if it has one, else as
        for :meth:`login`. The audit names method, station and peer."""

    def site_language(self) -> str:
        """The language of screens for no one in particular (the login screen): the site's
        ``ui.language``."""
        return "en"

    @abstractmethod
    def station(self, name: str) -> StationView | None:
        """A station's devices (None for a name that is not a configured station)."""

    @abstractmethod
    def claim_scanner(self, operator: Operator) -> DeviceHolder | None:
        """Take the operator's station's serial scanner for this session. None when it is ours
        now; else the other live session that keeps it (nothing is taken from it)."""

    @abstractmethod
    def renew_scanner(self, operator: Operator) -> bool:
        """Heartbeat of a held scanner; False when this session no longer holds it."""

    @abstractmethod
    def release_scanner(self, operator: Operator) -> None:
        """Give the station's scanner back (if this session holds it)."""

    @abstractmethod
    def printer_state(self, station: str) -> PrinterLink:
        """The station's printer as the print worker last reported it."""

    @abstractmethod
    def record_scan(
        self,
        operator: Operator,
        raw: str,
        source: str,
        *,
        picklist_id: int | None = None,
        problem: str | None = None,
        raw_bytes: bytes | None = None,
    ) -> ScanOutcome:
        """Store a scan that no pick list takes (every scan is stored): garbage from a serial
        scanner (``problem`` set; verdict ``bad_scan``, its bytes kept in hex) or a scan on a
        screen where none is expected (``not_expected``). ``picklist_id`` names the list on
        screen when a bad scan arrived during picking; it is not changed."""

    @abstractmethod
    def report_scanner(self, operator: Operator, link: ScannerLink) -> None:
        """Tell every session how this session's serial scanner is (``connecting``,
        ``connected``, ``disconnected`` with its message): the supervisor's overview shows it."""

    @abstractmethod
    def data_version(self) -> int:
        """A number that changes whenever another session (or process) commits a change to
        the floor; live screens poll it and redraw only when it moved."""

    @abstractmethod
    def change_watch(self) -> Callable[[], int]:
        """A function to ask, many times a second and from the UI thread, whether anything
        committed a change to the floor since it was last asked (its number moves). It costs
        microseconds and never waits for this session's own queued calls; it may move for
        this session's own changes too. It raises WaretermError only."""

    @abstractmethod
    def summary(self) -> FloorSummary:
        """Open work at a glance."""

    @abstractmethod
    def current_pick(self, operator: Operator) -> PickView | None:
        """The list this operator was picking (to resume after a logout or a crash)."""

    @abstractmethod
    def claim_next_pick(self, operator: Operator) -> PickView | None:
        """Claim the most urgent released list (None when there is none). Two sessions never
        get the same list."""

    def recheck_pick(self, operator: Operator, picklist_id: int) -> PickView | None:
        """Check the lots of the operator's list again (the pick screen asks when the day
        turns): the list afterwards, its ``notice`` saying what moved; None when nothing did."""
        return None

    @abstractmethod
    def pick_scan(self, operator: Operator, picklist_id: int, raw: str, source: str) -> ScanOutcome:
        """Judge and record one scan on a pick list (every scan is stored, refused or not)."""

    @abstractmethod
    def short_pick(
        self, operator: Operator, picklist_id: int, line_id: int, reason: ShortReason
    ) -> PickView:
        """Close a line short: the orders missing units go to exception, the bin gets a count."""

    @abstractmethod
    def skip_bin(self, operator: Operator, picklist_id: int, line_id: int) -> PickView:
        """A line's bin is blocked: its open lines go to the end of the list and come back."""

    @abstractmethod
    def expected_code(self, picklist_id: int) -> str | None:
        """A barcode of the item the list needs now (the demo's simulated scanner uses it)."""

    # -- the packing bench (验货, weigh, label, ship) ----------------------------------------

    @abstractmethod
    def current_pack(self, operator: Operator) -> PackView:
        """The operator's bench as it stands (to resume after a logout or a crash)."""

    @abstractmethod
    def pack_scan(self, operator: Operator, raw: str, source: str) -> PackOutcome:
        """Judge and record one scan at the bench: a pick list, tote or order code opens it; a
        unit is checked against the open orders (the most urgent order missing it gets it); a
        waybill label confirms that parcel left the bench (ship)."""

    @abstractmethod
    def propose_carrier(
        self, operator: Operator, order_no: str, weight_g: int, packages: int
    ) -> CarrierProposal:
        """What the carrier rules choose for an order at this weight (nothing is written)."""

    @abstractmethod
    def carrier_options(self, operator: Operator, order_no: str) -> list[CarrierOption]:
        """The carriers that can take the order (for an override)."""

    @abstractmethod
    def finish_pack(
        self,
        operator: Operator,
        order_no: str,
        weight_g: int,
        packages: int,
        carrier: str | None = None,
        service: str | None = None,
        override_reason: str | None = None,
    ) -> PackOutcome:
        """Close a fully verified order: carrier by the rules (or the packer's override, with a
        reason), waybill numbers taken, labels queued at the bench's printer and the order
        ``packed`` — all in one transaction."""

    def ask_numbers_again(self, operator: Operator) -> dict[str, str]:
        """Orders waiting at the operator's bench for their number from the carrier's API whose
        next try is due: ask the API again and close each that gets it (its label printing at
        this bench). This waits on the API: call it aside, never on the screen thread nor
        ahead of the bench's scans. Returns each order tried: ``done``, ``waiting`` or
        ``failed``."""
        return {}

    @abstractmethod
    def declare_missing(
        self, operator: Operator, order_no: str, reason: MissingReason, note: str = ""
    ) -> PackOutcome:
        """Units that are not there: the order leaves the bench for the exception queue."""

    @abstractmethod
    def void_label(self, operator: Operator, order_no: str, reason: str) -> PackOutcome:
        """Void an order's labels before it ships (their numbers are never used again); a
        packed order goes back to checking at this bench to be labelled anew."""

    @abstractmethod
    def reprint_label(self, operator: Operator, order_no: str, reason: str) -> PackOutcome:
        """Print an order's labels again at this bench (same waybill numbers; audited)."""

    # -- label-first batch printing (打单) -----------------------------------------------------

    @abstractmethod
    def waves_for_print(self, operator: Operator) -> list[WaveForPrint]:
        """Released waves with orders still to ship, newest first."""

    @abstractmethod
    def print_wave(self, operator: Operator, wave_id: int) -> BatchView:
        """Take carriers and waybill numbers for every order of the wave that has no label yet,
        queue their labels and a pick sheet per list at the operator's station."""

    @abstractmethod
    def batch_progress(self, operator: Operator, batch_id: int) -> BatchView:
        """How far a batch has printed."""

    @abstractmethod
    def retry_batch(self, operator: Operator, batch_id: int) -> BatchView:
        """Send the failed (and uncertain) jobs of a batch again: only those."""


ScanCallback = Callable[[FramedScan], None]
LinkCallback = Callable[[ScannerLink], None]


class StationDevices(ABC):
    """A station's devices as the terminal drives them (devices.station in production): its
    serial scanner and the print worker that sends its print jobs.

    The app starts the scanner after the session has the scanner's lease and stops it at logout.
    The callbacks are called from the reader's own thread: ``on_scan`` with each scan in the
    order read (bad ones included, with their ``problem``), ``on_state`` with every change of the
    scanner's state. They must be quick and thread-safe (posting a Textual message is both).

    The print worker runs while a session is logged in at a station with a printer; it takes
    the printer's lease, so with several sessions at one station only one of them prints and
    another takes over when it leaves. The printer's state reaches every session through the
    floor (``Floor.printer_state``), not through this port.
    """

    @abstractmethod
    def start(self, scanner_url: str, on_scan: ScanCallback, on_state: LinkCallback) -> None:
        """Open the scanner and read in the background; returns at once. A scanner already
        running is stopped first. A bad URL is reported through ``on_state`` as
        ``disconnected`` with the reason."""

    @abstractmethod
    def stop(self) -> None:
        """Stop reading and close the port (a no-op when not started)."""

    @property
    @abstractmethod
    def can_simulate(self) -> bool:
        """True when :meth:`simulate` can feed a scan through the scanner (``loop://``)."""

    @abstractmethod
    def simulate(self, text: str) -> bool:
        """Inject a scan that travels the serial path (demo); False when it cannot."""

    @abstractmethod
    def start_printing(self, station: str) -> None:
        """Run the station's print worker in the background (returns at once; a worker
        already running for another station is stopped first)."""

    @abstractmethod
    def wake_printer(self) -> None:
        """A job was just queued: let the worker look at the queue now."""

    @abstractmethod
    def stop_printing(self) -> None:
        """Stop the print worker and wait for it: a job being sent finishes or times out first,
        so this can take seconds; call it off the UI thread."""
