"""The floor port (core.ports.Floor) implemented on the SQLite store."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from core import timefmt, words
from core.clock import from_iso
from core.codes import parse_scan
from core.errors import NotAllowed, WaretermError
from core.i18n import _
from core.lot_recheck import redraw_notice
from core.model import CodeKind, PickListStatus, Role, ShortReason
from core.oversight import OPEN_STATUSES
from core.packing import MissingReason, weight_warning
from core.ports import (
    BatchView,
    CarrierOption,
    CarrierProposal,
    DeviceHolder,
    Floor,
    FloorSummary,
    Operator,
    PackOutcome,
    PackView,
    PickView,
    PrinterLink,
    ScannerLink,
    ScanOutcome,
    StationView,
    WaveForPrint,
)
from core.roles import badge_may_open
from data import batches, carriers, keys, leases, logins, packing, settings, stations, users
from data.ewaybills import WaybillApis
from data.picking import (
    close_short,
    prepare_pick_scan,
    read_pick_view,
    record_pick_scan,
    skip_bin,
    store_pick_scan,
)
from data.scan_writer import WriterLink
from data.scans import record_loose_scan
from data.store import Actor, LockTaken, Store
from data.waves import current_list, recheck_list, take_next


class SqliteFloor(Floor):
    """One session's view of the floor, on its own connection to the shared database."""

    def __init__(
        self,
        store: Store,
        waybill_apis: WaybillApis | None = None,
        writer: WriterLink | None = None,
    ) -> None:
        self.store = store
        #: Builds the source for a carrier's e-waybill API (the composition root gives it).
        self.waybill_apis = waybill_apis
        #: The server's scan writer, which stores pick scans in group commits (under
        #: ``wareterm serve``); without one, or while it cannot be reached, scans are stored
        #: on this session's own connection.
        self.writer = writer

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
        return Operator(name, role, station, users.language_of(self.store, name))

    def site_language(self) -> str:
        """The site's default language (``ui.language``)."""
        return settings.get(self.store, "ui.language")

    def login(self, name: str, pin: str, station: str) -> Operator:
        """PIN login at the login screen: audited, success or not, with the station used, and
        rate-limited like SSH passwords (per user name and per terminal station)."""
        name = name.strip().lower()
        where = station.strip().lower() or "console"
        check = logins.check_password(
            self.store, name, pin, f"terminal:{where}", method="pin", station=where
        )
        if check.reason == "locked" and check.locked_until is not None:
            raise NotAllowed(
                _(
                    "Too many wrong PINs for {name}. Try again after {time}, or ask a supervisor."
                ).format(name=name, time=timefmt.local(check.locked_until).strftime("%H:%M:%S"))
            )
        if check.reason == "not_recorded":
            raise NotAllowed(
                _(
                    "The login could not be recorded ({error}), so the PIN was not checked. "
                    "Call a supervisor."
                ).format(error=check.error)
            )
        if check.reason in ("unknown_user", "inactive"):
            raise NotAllowed(_("Unknown user {name!r}. Ask a supervisor.").format(name=name))
        if not check.ok:
            raise NotAllowed(_("Wrong PIN for {name}. Try again.").format(name=name))
        role = users.role_of(self.store, name)
        return self._logged_in(name, role, station, "pin")

    def badge_login(self, badge: str, station: str) -> Operator:
        """Login by a scanned badge ``U:name`` (allowed when ``login.badge_only`` is true), for
        floor roles only (:func:`core.roles.badge_may_open`): a supervisor's or admin's badge
        is refused and audited (``login.failed``, reason ``pin_required``)."""
        code = parse_scan(badge, settings.prefixes(self.store))
        if code.kind is not CodeKind.USER:
            raise NotAllowed(_("That is not a user badge. Scan your badge or type name and PIN."))
        if settings.get(self.store, "login.badge_only") != "true":
            raise NotAllowed(_("Badge login is switched off here. Type your name and PIN."))
        name = code.value.strip().lower()
        role = users.check_login(self.store, name, None)
        if not badge_may_open(role):
            where = station.strip().lower() or "console"
            # Refused whether or not the refusal can be recorded (a full disk, say).
            with contextlib.suppress(sqlite3.Error, WaretermError):
                logins.record_refused(
                    self.store, name, f"terminal:{where}", "badge", "pin_required", station=where
                )
            raise NotAllowed(
                _("A badge does not open a {role}'s session. Type your name and PIN.").format(
                    role=words.role(role)
                )
            )
        return self._logged_in(name, role, station, "badge")

    def session_login(
        self, name: str, station: str, method: str, *, peer: str = "", key: str | None = None
    ) -> Operator:
        """Log in a user the SSH server authenticated. The key's station wins, then the
        user's bound station, then ``station``; the key's last use is stamped with the login."""
        name = name.strip().lower()
        role = users.check_login(self.store, name, None)
        used = (keys.key_station(self.store, name, key) if key else None) or self._station_for(
            name, station
        )
        with self.store.write(Actor(name, used)) as write:
            if key:
                keys.mark_used(write, name, key)
            write.audit(
                "login",
                name,
                method=method,
                role=role.value,
                station=used,
                requested_station=station,
                peer=peer,
                key=key,
            )
        return Operator(name, role, used, users.language_of(self.store, name))

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

    def change_watch(self) -> Callable[[], int]:
        """``PRAGMA data_version`` on a connection of its own, which never writes: it moves
        for every commit by any other connection, this session's included, and asking it
        never queues behind this session's own transactions."""
        return self.store.change_watch()

    def summary(self) -> FloorSummary:
        """Open orders by status and released lists waiting for a picker. Read on every
        change another session makes, so it reads the counts the triggers keep (a few rows),
        never the orders themselves."""
        open_statuses = [status.value for status in OPEN_STATUSES]
        rows = self.store.query(
            "SELECT status, sum(n) AS n FROM order_counts"
            f" WHERE status IN ({','.join('?' * len(open_statuses))}) GROUP BY status"
            " HAVING sum(n) > 0",
            open_statuses,
        )
        waiting = self.store.scalar(
            "SELECT count(*) FROM picklists WHERE status = ?", (PickListStatus.RELEASED.value,)
        )
        return FloorSummary({row["status"]: row["n"] for row in rows}, int(waiting), self.now())

    def _view(self, picklist_id: int) -> PickView:
        return read_pick_view(self.store, picklist_id, settings.pick_settings(self.store))

    def current_pick(self, operator: Operator) -> PickView | None:
        """The list this operator was picking, its lots checked again."""
        picklist_id = current_list(self.store, operator.name)
        if picklist_id is None:
            return None
        redraws = recheck_list(self.store, self._actor(operator), picklist_id)
        return replace(self._view(picklist_id), notice=redraw_notice(redraws))

    def claim_next_pick(self, operator: Operator) -> PickView | None:
        """Claim (or resume) a list, its lots checked again (by the scan writer when another
        session holds the write lock; see :meth:`pick_scan`)."""
        actor = self._actor(operator)
        claimed = None
        if self.writer is not None:
            if self.writer.crowded():
                claimed = self.writer.claim(actor)
            else:
                try:
                    claimed = take_next(self.store, actor, wait=False)
                except LockTaken:
                    self.writer.found_lock_taken()
                    claimed = self.writer.claim(actor)
        picklist_id, redraws = take_next(self.store, actor) if claimed is None else claimed
        if picklist_id is None:
            return None
        return replace(self._view(picklist_id), notice=redraw_notice(redraws))

    def recheck_pick(self, operator: Operator, picklist_id: int) -> PickView | None:
        """Check the lots of the operator's list again; the list when a line moved."""
        redraws = recheck_list(self.store, self._actor(operator), picklist_id)
        if not redraws:
            return None
        return replace(self._view(picklist_id), notice=redraw_notice(redraws))

    def pick_scan(self, operator: Operator, picklist_id: int, raw: str, source: str) -> ScanOutcome:
        """Record one scan on the operator's list.

        With the server's scan writer (``data.scan_writer``): the scan is stored on this
        session's connection when the write lock is free this moment, and handed to the
        writer, which stores the scans waiting in one group commit, when another session holds
        it; after that, the session's scans go straight to the writer for a while
        (:meth:`WriterLink.crowded`), which also reads what they are judged against (on its
        connection, whose cache the other sessions' commits do not empty). So a lone picker
        pays no hand-over, and a crowd shares syncs and never sleeps in SQLite's busy handler.
        Without a writer (or while it cannot be reached) the session waits for the lock
        itself."""
        actor = self._actor(operator)
        if self.writer is None:
            return record_pick_scan(self.store, actor, picklist_id, raw, source)
        if self.writer.crowded():
            outcome = self.writer.pick_scan(actor, picklist_id, raw, source)
            if outcome is None:  # no writer to reach: wait for the lock here
                return record_pick_scan(self.store, actor, picklist_id, raw, source)
            return outcome
        prepared = prepare_pick_scan(self.store, picklist_id, raw, source)
        try:
            return store_pick_scan(self.store, actor, picklist_id, prepared, wait=False)
        except LockTaken:
            self.writer.found_lock_taken()
        outcome = self.writer.prepared_scan(actor, picklist_id, prepared)
        if outcome is not None:
            return outcome
        return store_pick_scan(self.store, actor, picklist_id, prepared)

    def short_pick(
        self, operator: Operator, picklist_id: int, line_id: int, reason: ShortReason
    ) -> PickView:
        """Close a line short."""
        close_short(self.store, self._actor(operator), picklist_id, line_id, reason)
        return self._view(picklist_id)

    def skip_bin(self, operator: Operator, picklist_id: int, line_id: int) -> PickView:
        """Send a blocked bin's lines to the end of the list."""
        skip_bin(self.store, self._actor(operator), picklist_id, line_id)
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

    # -- the packing bench ----------------------------------------------------------------------

    def current_pack(self, operator: Operator) -> PackView:
        """The operator's bench."""
        return packing.read_bench(self.store, operator.station)

    def pack_scan(self, operator: Operator, raw: str, source: str) -> PackOutcome:
        """One scan at the bench."""
        return packing.pack_scan(
            self.store, self._actor(operator), raw, source, settings.prefixes(self.store)
        )

    def propose_carrier(
        self, operator: Operator, order_no: str, weight_g: int, packages: int
    ) -> CarrierProposal:
        """The rules' carrier, with a warning for an odd weight or a pool running low."""
        proposal = packing.propose(
            self.store, order_no, weight_g, carriers.carrier_policy(self.store)
        )
        choice, free = proposal.choice, proposal.free_numbers
        warnings = []
        odd = weight_warning(weight_g, proposal.items_weight_g)
        if odd:
            warnings.append(odd)
        if free < packages:
            warnings.append(
                _("{carrier} has {n} waybill numbers left: add some before closing.").format(
                    carrier=choice.carrier.code, n=free
                )
            )
        elif free - packages < carriers.low_warning(self.store):
            warnings.append(
                _("{carrier} waybill numbers are running low ({n} left).").format(
                    carrier=choice.carrier.code, n=free - packages
                )
            )
        return CarrierProposal(
            carrier=choice.carrier.code,
            service=choice.service.name,
            reason=choice.reason,
            cost_fen=choice.cost_fen,
            warning=" ".join(warnings) or None,
        )

    def carrier_options(self, operator: Operator, order_no: str) -> list[CarrierOption]:
        """Active carriers with their services."""
        with self.store.read() as conn:
            known = carriers.load_carriers(conn)
        return [
            CarrierOption(c.code, c.name, tuple(s.code for s in c.services))
            for c in known
            if c.active
        ]

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
        """Close an order: shipment, waybills and labels in one transaction."""
        return packing.finish_pack(
            self.store,
            self._actor(operator),
            order_no,
            weight_g,
            packages,
            packing.bench_context(self.store),
            carrier=carrier,
            service=service,
            override_reason=override_reason,
            apis=self.waybill_apis,
        )

    def ask_numbers_again(self, operator: Operator) -> dict[str, str]:
        """The bench's waiting orders whose next try is due, tried again (outside any lock)."""
        return packing.retry_waits(
            self.store,
            self.waybill_apis,
            packing.bench_context(self.store),
            station=self._actor(operator).station,
        )

    def declare_missing(
        self, operator: Operator, order_no: str, reason: MissingReason, note: str = ""
    ) -> PackOutcome:
        """Missing units: the order goes to exception."""
        return packing.declare_missing(
            self.store,
            self._actor(operator),
            order_no,
            reason,
            note,
            settings.prefixes(self.store),
        )

    def void_label(self, operator: Operator, order_no: str, reason: str) -> PackOutcome:
        """Void an order's labels."""
        return packing.void_label(
            self.store,
            self._actor(operator),
            order_no,
            reason,
            settings.prefixes(self.store),
            apis=self.waybill_apis,
        )

    def reprint_label(self, operator: Operator, order_no: str, reason: str) -> PackOutcome:
        """Print an order's labels again at this bench."""
        return packing.reprint_label(
            self.store, self._actor(operator), order_no, reason, settings.prefixes(self.store)
        )

    # -- batch printing -------------------------------------------------------------------------

    def waves_for_print(self, operator: Operator) -> list[WaveForPrint]:
        """Released waves with orders still to ship."""
        return batches.waves_for_print(self.store)

    def print_wave(self, operator: Operator, wave_id: int) -> BatchView:
        """Queue a wave's labels and pick sheets at the operator's station."""
        return batches.print_wave(
            self.store,
            self._actor(operator),
            wave_id,
            packing.bench_context(self.store),
            apis=self.waybill_apis,
        )

    def batch_progress(self, operator: Operator, batch_id: int) -> BatchView:
        """A batch's progress."""
        return batches.batch_view(self.store, batch_id)

    def retry_batch(self, operator: Operator, batch_id: int) -> BatchView:
        """Send a batch's failed jobs again."""
        return batches.retry_failed(self.store, self._actor(operator), batch_id)
