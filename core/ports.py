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

from core.model import PickListStatus, Priority, Role, ShortReason, Verdict
from core.scanframe import FramedScan


@dataclass(frozen=True)
class Operator:
    """A logged-in user at the station the session works at (their bound station, if any)."""

    name: str
    role: Role
    station: str


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
    def summary(self) -> FloorSummary:
        """Open work at a glance."""

    @abstractmethod
    def current_pick(self, operator: Operator) -> PickView | None:
        """The list this operator was picking (to resume after a logout or a crash)."""

    @abstractmethod
    def claim_next_pick(self, operator: Operator) -> PickView | None:
        """Claim the most urgent released list (None when there is none). Two sessions never
        get the same list."""

    @abstractmethod
    def pick_scan(self, operator: Operator, picklist_id: int, raw: str, source: str) -> ScanOutcome:
        """Judge and record one scan on a pick list (every scan is stored, refused or not)."""

    @abstractmethod
    def short_pick(
        self, operator: Operator, picklist_id: int, line_id: int, reason: ShortReason
    ) -> PickView:
        """Close a line short: the orders missing units go to exception, the bin gets a count."""

    @abstractmethod
    def expected_code(self, picklist_id: int) -> str | None:
        """A barcode of the item the list needs now (the demo's simulated scanner uses it)."""


ScanCallback = Callable[[FramedScan], None]
LinkCallback = Callable[[ScannerLink], None]


class StationDevices(ABC):
    """A station's serial scanner as the terminal drives it (devices.station in production).

    The app starts it after the session has the scanner's lease and stops it at logout. The
    callbacks are called from the reader's own thread: ``on_scan`` with each scan in the order
    read (bad ones included, with their ``problem``), ``on_state`` with every change of the
    scanner's state. They must be quick and thread-safe (posting a Textual message is both).
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
