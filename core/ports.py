"""The floor as the terminal sees it: one port (an ABC) and the views it returns.

The Textual app receives an implementation in its constructor (data.floor.SqliteFloor in
production); screens know only this module, never the store or the devices.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from core.model import PickListStatus, Priority, Role, ShortReason, Verdict


@dataclass(frozen=True)
class Operator:
    """A logged-in user at a station."""

    name: str
    role: Role
    station: str


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
        """Check a user's PIN; raises NotAllowed with a reason a person understands."""

    @abstractmethod
    def badge_login(self, badge: str, station: str) -> Operator:
        """Log in by a scanned user badge (``U:name``); raises NotAllowed if unknown/inactive."""

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
