"""The floor port (core.ports.Floor) implemented on the SQLite store."""

from __future__ import annotations

from datetime import datetime

from core.clock import from_iso
from core.codes import parse_scan
from core.errors import NotAllowed
from core.i18n import _
from core.model import CodeKind, PickListStatus, Role, ShortReason
from core.oversight import OPEN_STATUSES
from core.ports import (
    DeviceHolder,
    Floor,
    FloorSummary,
    Operator,
    PickView,
    PrinterLink,
    ScannerLink,
    ScanOutcome,
    StationView,
)
from data import leases, settings, stations, users
from data.picking import close_short, read_pick_view, record_pick_scan
from data.scans import record_loose_scan
from data.store import Actor, Store
from data.waves import claim_next, current_list


class SqliteFloor(Floor):
    """One session's view of the floor, on its own connection to the shared database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def now(self) -> datetime:
        """The store's clock."""
        return self.store.clock.now()

    def _actor(self, operator: Operator) -> Actor:
        return Actor(operator.name, operator.station)

    def _station_for(self, name: str, requested: str) -> str:
        """The bound station wins over the one asked for at the login screen."""
        return users.bound_station(self.store, name) or requested.strip().lower() or "console"

    def _logged_in(self, name: str, role: Role, requested: str, method: str) -> Operator:
        station = self._station_for(name, requested)
        with self.store.write(Actor(name, station)) as write:
            write.audit(
                "login",
                name,
                method=method,
                role=role.value,
                station=station,
                requested_station=requested,
            )
        return Operator(name, role, station)

    def login(self, name: str, pin: str, station: str) -> Operator:
        """PIN login (audited, success or not, with the station used)."""
        name = name.strip().lower()
        try:
            role = users.check_login(self.store, name, pin)
        except NotAllowed:
            with self.store.write(Actor(name or "?", station)) as write:
                write.audit("login.failed", name or "?", method="pin")
            raise
        return self._logged_in(name, role, station, "pin")

    def badge_login(self, badge: str, station: str) -> Operator:
        """Login by a scanned badge ``U:name`` (allowed when ``login.badge_only`` is true)."""
        code = parse_scan(badge, settings.prefixes(self.store))
        if code.kind is not CodeKind.USER:
            raise NotAllowed(_("That is not a user badge. Scan your badge or type name and PIN."))
        if settings.get(self.store, "login.badge_only") != "true":
            raise NotAllowed(_("Badge login is switched off here. Type your name and PIN."))
        role = users.check_login(self.store, code.value, None)
        return self._logged_in(code.value.lower(), role, station, "badge")

    def station(self, name: str) -> StationView | None:
        """A configured station's devices."""
        return stations.station_view(self.store, name)

    def claim_scanner(self, operator: Operator) -> DeviceHolder | None:
        """Take the station's scanner lease, or say who keeps it."""
        holder = leases.acquire(self.store, self._actor(operator), operator.station, "scanner")
        if holder is None:
            return None
        return DeviceHolder(holder.user, holder.host, from_iso(holder.acquired_at))

    def renew_scanner(self, operator: Operator) -> bool:
        """Heartbeat of the scanner lease."""
        return leases.heartbeat(self.store, operator.station, "scanner")

    def release_scanner(self, operator: Operator) -> None:
        """Give the scanner lease back."""
        leases.release(self.store, self._actor(operator), operator.station, "scanner")

    def printer_state(self, station: str) -> PrinterLink:
        """The printer's last reported state."""
        return stations.printer_state(self.store, station)

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
        """Store a scan no pick list takes."""
        return record_loose_scan(
            self.store,
            self._actor(operator),
            raw,
            source,
            settings.prefixes(self.store),
            picklist_id=picklist_id,
            problem=problem,
            raw_bytes=raw_bytes,
        )

    def report_scanner(self, operator: Operator, link: ScannerLink) -> None:
        """Record the scanner's state for the overview (only states of a scanner we read)."""
        if link.status in ("connecting", "connected", "disconnected"):
            stations.record_scanner_state(self.store, operator.station, link.status, link.message)

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this session's connection."""
        return self.store.data_version()

    def summary(self) -> FloorSummary:
        """Open orders by status and released lists waiting for a picker. Read on every
        change another session makes, so it counts from the status index: the open statuses
        only, never the shipped history."""
        open_statuses = [status.value for status in OPEN_STATUSES]
        rows = self.store.query(
            "SELECT status, count(*) AS n FROM orders"
            f" WHERE status IN ({','.join('?' * len(open_statuses))}) GROUP BY status",
            open_statuses,
        )
        waiting = self.store.scalar(
            "SELECT count(*) FROM picklists WHERE status = ?", (PickListStatus.RELEASED.value,)
        )
        return FloorSummary({row["status"]: row["n"] for row in rows}, int(waiting), self.now())

    def _view(self, picklist_id: int) -> PickView:
        return read_pick_view(self.store, picklist_id, settings.pick_settings(self.store))

    def current_pick(self, operator: Operator) -> PickView | None:
        """The list this operator was picking."""
        picklist_id = current_list(self.store, operator.name)
        return self._view(picklist_id) if picklist_id is not None else None

    def claim_next_pick(self, operator: Operator) -> PickView | None:
        """Claim (or resume) a list."""
        picklist_id = claim_next(self.store, self._actor(operator))
        return self._view(picklist_id) if picklist_id is not None else None

    def pick_scan(self, operator: Operator, picklist_id: int, raw: str, source: str) -> ScanOutcome:
        """Record one scan on the operator's list."""
        return record_pick_scan(
            self.store,
            self._actor(operator),
            picklist_id,
            raw,
            source,
            settings.prefixes(self.store),
            settings.pick_settings(self.store),
        )

    def short_pick(
        self, operator: Operator, picklist_id: int, line_id: int, reason: ShortReason
    ) -> PickView:
        """Close a line short."""
        close_short(self.store, self._actor(operator), picklist_id, line_id, reason)
        return self._view(picklist_id)

    def expected_code(self, picklist_id: int) -> str | None:
        """A barcode of the item needed now (for the demo's simulated scanner)."""
        view = self._view(picklist_id)
        line = view.current
        if line is None:
            return None
        if view.location_first and (view.confirmed_location or "") != line.location:
            return settings.get(self.store, "prefix.location") + line.location
        return line.barcode or None
