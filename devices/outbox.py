"""The print worker: one thread per station printer sends the outbox's jobs in order, off the UI
thread, and tells every session how the printer is (``device_states``).

The worker holds the station's printer lease (``data.leases``) while it prints, so two sessions
never drive one printer. Its rules, in order of importance:

* a label is never printed twice by accident: a job is marked ``sending`` and committed before
  the printer is touched, and a job a dead worker left ``sending`` becomes ``uncertain`` for a
  person to decide (retry or reprint);
* jobs print in id order: a failed job is tried again after its backoff (1, 2, 4 … 30 s) and
  later jobs wait behind it;
* nothing lives only in memory: every state is a row, so a restart carries on where it stopped.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from core.clock import Clock
from core.errors import WaretermError
from core.i18n import N_, _, ngettext
from core.labels import OutboundLabel, PickSheet
from core.notices import notice
from data import leases, printing
from data.printing import PrintJob
from data.stations import station_name
from data.store import Actor, Store, open_existing
from devices.printer import (
    DirPrinter,
    Printer,
    PrinterConfig,
    PrinterError,
    PrinterFault,
    PrinterStatus,
    printer_for,
)

#: Seconds between looks at the database for new jobs (``PRAGMA data_version``).
POLL_S = 0.25
#: Seconds between attempts to take a printer another session holds.
LEASE_RETRY_S = 2.0
#: Seconds between status checks of an idle printer, so the screens show paper-out early.
PROBE_S = 30.0

#: What the screens show for a printer fault.
_FAULT_STATE = {
    PrinterFault.PAPER_OUT: "paper_out",
    PrinterFault.COVER_OPEN: "cover_open",
    PrinterFault.OFFLINE: "offline",
    PrinterFault.REFUSED: "offline",
    PrinterFault.UNREACHABLE: "offline",
    PrinterFault.TIMEOUT: "offline",
    PrinterFault.CLOSED: "offline",
    PrinterFault.NOT_FOUND: "offline",
}

T = TypeVar("T")


# --------------------------------------------------------------------------- rendering


def render_job(kind: str, content: dict[str, Any], config: PrinterConfig) -> bytes:
    """The ESC/POS bytes of a job for a printer (its label width, profile and CJK mode).
    Raises LabelError for content that is not a label, ValueError for an unknown profile."""
    # Pillow and the fonts are loaded with the first job, not when a session starts.
    from devices.render import code_label_escpos, outbound_label_escpos, picksheet_escpos

    labels = printing.job_labels(kind, content)
    if isinstance(labels, OutboundLabel):
        return outbound_label_escpos(labels, config.width_dots, config.cjk_mode, config.profile)
    if isinstance(labels, PickSheet):
        return picksheet_escpos(labels, config.width_dots, config.profile)
    return code_label_escpos(labels, config.width_dots, config.cjk_mode, config.profile)


def save_job_preview(
    kind: str, content: dict[str, Any], path: str | os.PathLike[str], width_dots: int
) -> Path:
    """Write what a job prints as a PNG at 203 dpi (several code labels one under the other);
    the file appears whole or not at all."""
    from PIL import Image

    from devices.render import (
        PRINTER_DPI,
        render_code_label_image,
        render_picksheet_image,
        save_preview_png,
    )

    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    labels = printing.job_labels(kind, content)
    try:
        if isinstance(labels, OutboundLabel):
            save_preview_png(labels, partial, width_dots)
        elif isinstance(labels, PickSheet):
            image = render_picksheet_image(labels, width_dots)
            image.save(partial, format="PNG", dpi=(PRINTER_DPI, PRINTER_DPI))
        else:
            images = [render_code_label_image(label, width_dots) for label in labels]
            gap = 24
            sheet = Image.new(
                "1", (width_dots, sum(i.height for i in images) + gap * (len(images) - 1)), 1
            )
            y = 0
            for image in images:
                sheet.paste(image, (0, y))
                y += image.height + gap
            sheet.save(partial, format="PNG", dpi=(PRINTER_DPI, PRINTER_DPI))
        os.replace(partial, target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return target


def job_file_stem(job: PrintJob) -> str:
    """``<job id>-<subject>`` with the subject cut down to safe file-name characters."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", job.subject).strip("._-")[:60]
    return f"{job.id}-{slug or job.kind}"


# --------------------------------------------------------------------------- the worker


@dataclass(frozen=True)
class WorkerEvent:
    """Something the worker did or saw, for a log line or a screen.

    ``kind``: ``holding`` (it took the printer), ``busy`` (another session holds it),
    ``state`` (the printer's status changed), ``sending``, ``done``, ``failed``, ``uncertain``
    (about a job), ``error`` (the database or a file could not be written) or ``stopped``.
    """

    kind: str
    station: str
    message: str
    job_id: int | None = None
    status: str | None = None


class _JobFailure(Exception):
    def __init__(self, reason: str, state: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.state = state
        self.message = message


_registry_lock = threading.Lock()
_registry: dict[tuple[str, str], PrintWorker] = {}


class PrintWorker:
    """Sends one station's print jobs, in a thread that owns its own database connection.

    ``start()`` runs it in a background thread (``run()`` runs it in the calling one);
    ``wake()`` makes it look at the queue now; ``stop()`` ends it promptly (a send in progress
    finishes or times out first). ``on_event`` is called from the worker's thread with a
    :class:`WorkerEvent` for every change; it must not block.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        station: str,
        actor: Actor | None = None,
        on_event: Callable[[WorkerEvent], None] | None = None,
        *,
        poll_s: float = POLL_S,
        lease_retry_s: float = LEASE_RETRY_S,
        probe_s: float | None = PROBE_S,
        backoff: Callable[[int], float] = printing.backoff_seconds,
        clock: Clock | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.station = station_name(station)
        self.actor = actor or Actor("print-worker", self.station)
        self.on_event = on_event
        self.poll_s = poll_s
        self.lease_retry_s = lease_retry_s
        self.probe_s = probe_s
        self.backoff = backoff
        self.clock = clock
        self._key = (os.path.realpath(self.db_path), self.station)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._holding = False
        self._busy_with: str | None = None
        self._last_heartbeat = 0.0
        self._next_probe = 0.0
        self._data_version: int | None = None
        self._status = "unknown"
        self._message = ""
        self._written: tuple[str, str] | None = None
        #: Printer URLs that have answered a status query since this worker started: silence
        #: from one of them means a stalled printer, not one that cannot answer.
        self._answering: set[str] = set()

    # -- control ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the worker in a background thread."""
        if self._thread is not None:
            raise RuntimeError("this print worker was started already")
        self._thread = threading.Thread(
            target=self.run, name=f"print-worker-{self.station}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> bool:
        """Ask the worker to stop and wait for it; True when it has stopped."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def wake(self) -> None:
        """Look at the queue now (a job was just queued)."""
        self._wake.set()

    def is_alive(self) -> bool:
        """Whether the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the background thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def holding(self) -> bool:
        """Whether this worker holds the station's printer."""
        return self._holding

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> None:
        """Print until :meth:`stop` (in the calling thread)."""
        try:
            store = open_existing(self.db_path, self.clock)
        except WaretermError as error:
            self._emit("error", str(error))
            self._emit("stopped", _("print worker stopped"))
            return
        try:
            while not self._stop.is_set():
                try:
                    self._step(store)
                except Exception as error:  # the database was busy, a disk full, a bug: go on
                    self._emit("error", _("print worker: {error}").format(error=_describe(error)))
                    self._idle(store, 1.0)
        finally:
            self._let_go(store)
            store.close()
            self._emit(
                "stopped", _("print worker for {station} stopped").format(station=self.station)
            )

    def _step(self, store: Store) -> None:
        if not self._holding and not self._take(store):
            self._idle(store, self.lease_retry_s)
            return
        if not self._keep(store):
            return
        job = printing.head_job(store, self.station)
        if job is None:
            self._show_queue(store)
            if self.probe_s is not None and time.monotonic() >= self._next_probe:
                self._probe(store)
            self._idle(store, self._quiet_for(probe=True))
            return
        wait = job.wait_seconds(store.clock.now())
        if wait > 0:
            self._show_queue(store)
            self._idle(store, min(wait, self._quiet_for(probe=False)))
            return
        self._send(store, job)

    def _quiet_for(self, probe: bool) -> float:
        """Seconds until the next heartbeat (or, with ``probe``, idle status check) is due."""
        now = time.monotonic()
        until = self._last_heartbeat + leases.HEARTBEAT_S - now
        if probe and self.probe_s is not None:
            until = min(until, self._next_probe - now)
        return max(until, 0.0)

    def _idle(self, store: Store, seconds: float) -> None:
        """Wait up to ``seconds``; return early on wake(), stop() or a change in the database."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(min(self.poll_s, remaining)):
                self._wake.clear()
                return
            version = store.data_version()
            if version != self._data_version:
                self._data_version = version
                return

    # -- the printer lease --------------------------------------------------------------------

    def _take(self, store: Store) -> bool:
        with _registry_lock:
            other = _registry.get(self._key)
            if other is not None and other is not self:
                self._report_busy(_("another print worker in this process"))
                return False
            _registry[self._key] = self
        holder = leases.holder(store, self.station, "printer")
        if holder is not None and (holder.host, holder.pid) != (socket.gethostname(), os.getpid()):
            self._unclaim()
            self._report_busy(_describe_holder(holder))
            return False
        holder = leases.acquire(store, self.actor, self.station, "printer")
        if holder is not None:
            self._unclaim()
            self._report_busy(_describe_holder(holder))
            return False
        self._holding = True
        self._busy_with = None
        self._last_heartbeat = time.monotonic()
        self._next_probe = 0.0
        self._written = None
        self._emit(
            "holding",
            _("printer of station {station}: taken by this print worker").format(
                station=self.station
            ),
        )
        for job_id in printing.mark_uncertain(store, self.actor, self.station):
            job = printing.get_job(store, job_id)
            self._emit(
                "uncertain",
                _(
                    "job {job} {subject}: uncertain (it was being sent when a worker stopped)"
                    " — retry or reprint it"
                ).format(job=job_id, subject=job.subject),
                job_id,
            )
        return True

    def _report_busy(self, who: str) -> None:
        if who != self._busy_with:
            self._busy_with = who
            self._emit(
                "busy",
                _("printer of station {station} is held by {who}; waiting for it").format(
                    station=self.station, who=who
                ),
            )

    def _keep(self, store: Store) -> bool:
        if time.monotonic() - self._last_heartbeat < leases.HEARTBEAT_S:
            return True
        if leases.heartbeat(store, self.station, "printer"):
            self._last_heartbeat = time.monotonic()
            return True
        self._holding = False
        self._unclaim()
        self._report_busy(_("another session (this worker's lease ran out)"))
        return False

    def _unclaim(self) -> None:
        with _registry_lock:
            if _registry.get(self._key) is self:
                del _registry[self._key]

    def _let_go(self, store: Store) -> None:
        if self._holding:
            try:
                printing.record_printer_state(
                    store,
                    self.actor,
                    self.station,
                    "unknown",
                    _("no print worker is running for this station; labels wait in the queue"),
                )
                leases.release(store, self.actor, self.station, "printer")
            except Exception as error:  # stopping anyway; the lease goes stale by itself
                self._emit("error", _describe(error))
            self._holding = False
        self._unclaim()

    # -- one job ------------------------------------------------------------------------------

    def _send(self, store: Store, waiting: PrintJob) -> None:
        job = printing.start_sending(store, self.actor, waiting.id)
        if job is None:
            return
        self._emit(
            "sending",
            _("job {job} {subject}: sending").format(job=job.id, subject=job.subject),
            job.id,
        )
        try:
            seen = self._deliver(store, job)
        except _JobFailure as failure:
            self._failed(store, job, failure)
            return
        if self._persist(lambda: printing.mark_done(store, self.actor, job.id)):
            self._emit(
                "done",
                _("job {job} {subject}: printed").format(job=job.id, subject=job.subject),
                job.id,
            )
        self._set_state(store, *_state_of(seen))

    def _failed(self, store: Store, job: PrintJob, failure: _JobFailure) -> None:
        retry_in = self.backoff(job.attempts + 1)
        recorded = self._persist(
            lambda: printing.mark_failed(
                store, self.actor, job.id, failure.reason, failure.message, retry_in
            )
        )
        self._set_state(store, failure.state, failure.message)
        if recorded is not None:
            self._emit(
                "failed",
                _("job {job} {subject}: failed ({reason}): {message}; next try in {n:g} s").format(
                    job=job.id,
                    subject=job.subject,
                    reason=failure.reason,
                    message=failure.message,
                    n=retry_in,
                ),
                job.id,
                failure.state,
            )

    def _persist(self, write: Callable[[], T]) -> T | None:
        """Record a job's outcome, trying again while the database is busy. If the worker is
        stopped first the job stays ``sending`` and becomes ``uncertain`` at the next start."""
        while True:
            try:
                return write()
            except WaretermError as error:
                self._emit("error", str(error))
                if self._stop.wait(0.5):
                    return None

    def _config(self, store: Store) -> PrinterConfig:
        target = printing.station_printer(store, self.station)
        if target is None:
            raise _JobFailure(
                "no_station",
                "error",
                notice("print.no_station", station=self.station),
            )
        if not target.url:
            raise _JobFailure(
                "no_printer",
                "error",
                notice("print.no_printer", station=self.station),
            )
        try:
            return PrinterConfig.from_url(
                target.url, profile=target.profile, width_dots=target.label_width
            )
        except PrinterError as error:
            raise _JobFailure(error.reason.value, "error", error.message) from None

    def _deliver(self, store: Store, job: PrintJob) -> PrinterStatus:
        config = self._config(store)
        try:
            data = render_job(job.kind, job.content, config)
        except Exception as error:  # bad content, unknown profile, no CJK font
            raise _JobFailure(
                "render", "error", notice("print.cannot_draw", error=str(error))
            ) from None
        printer = printer_for(config)
        stem = job_file_stem(job)
        if isinstance(printer, DirPrinter):
            printer.label_stem = stem
        try:
            printer.open()
            seen = printer.print_job(data, expect_status=config.url in self._answering)
            if seen is not PrinterStatus.UNKNOWN:
                self._answering.add(config.url)
                seen = _confirm(printer)
        except PrinterError as error:
            raise _JobFailure(
                error.reason.value, _FAULT_STATE.get(error.reason, "error"), error.message
            ) from None
        finally:
            printer.close()
        if isinstance(printer, DirPrinter):
            try:
                save_job_preview(
                    job.kind, job.content, printer.path_for(stem, ".png"), config.width_dots
                )
            except Exception as error:  # the bytes are written: the job is done regardless
                self._emit(
                    "error",
                    _("job {job}: no PNG preview: {error}").format(job=job.id, error=error),
                    job.id,
                )
        return seen

    # -- the printer's state ------------------------------------------------------------------

    def _probe(self, store: Store) -> None:
        """Ask an idle printer how it is, so a screen shows paper-out before the next label."""
        if self.probe_s is not None:
            self._next_probe = time.monotonic() + self.probe_s
        try:
            config = self._config(store)
        except _JobFailure as failure:
            self._set_state(store, failure.state, failure.message)
            return
        printer = printer_for(config)
        try:
            printer.open()
            seen = printer.status()
        except PrinterError as error:
            self._set_state(store, _FAULT_STATE.get(error.reason, "error"), error.message)
            return
        finally:
            printer.close()
        if seen is not PrinterStatus.UNKNOWN:
            self._answering.add(config.url)
        self._set_state(store, *_state_of(seen))

    def _show_queue(self, store: Store) -> None:
        self._set_state(store, self._status, self._message)

    def _set_state(self, store: Store, status: str, message: str) -> None:
        self._status, self._message = status, message
        counts = printing.queue_counts(store, self.station)
        detail = _detail(message, counts)
        if (status, detail) == self._written:
            return
        changed = self._written is None or self._written[0] != status
        try:
            printing.record_printer_state(store, self.actor, self.station, status, detail)
        except WaretermError as error:
            self._emit("error", str(error))
            return
        self._written = (status, detail)
        if changed:
            text = _("printer of station {station}: {status}").format(
                station=self.station, status=status
            )
            if message and message != status:
                text = f"{text} ({message})"
            self._emit("state", text, status=status)

    def _emit(
        self, kind: str, message: str, job_id: int | None = None, status: str | None = None
    ) -> None:
        if self.on_event is None:
            return
        with contextlib.suppress(Exception):  # a broken listener must not stop the printing
            self.on_event(WorkerEvent(kind, self.station, message, job_id, status))


def _confirm(printer: Printer) -> PrinterStatus:
    """Ask again after sending: a printer that answered before answers after reading the whole
    label. A connection dropped in between means the label may be cut short."""
    try:
        return printer.status()
    except PrinterError as error:
        raise PrinterError(
            error.reason,
            notice("print.dropped_before_confirm", where=printer.config.where),
        ) from None


_STATUS_TEXT = {
    PrinterStatus.READY: ("ready", N_("ready")),
    PrinterStatus.PAPER_LOW: ("ready", N_("paper low: load a new roll soon")),
    PrinterStatus.PAPER_OUT: ("paper_out", N_("out of paper: load a new roll")),
    PrinterStatus.COVER_OPEN: ("cover_open", N_("cover open: close it")),
    PrinterStatus.OFFLINE: ("offline", N_("offline: check for a paper jam or an error light")),
    PrinterStatus.UNKNOWN: (
        "unknown",
        N_("the printer does not answer status queries; labels are sent anyway"),
    ),
}


def _state_of(seen: PrinterStatus) -> tuple[str, str]:
    status, text = _STATUS_TEXT[seen]
    return status, _(text)


def _detail(message: str, counts: dict[str, int]) -> str:
    parts = [message] if message else []
    waiting = sum(counts.get(status, 0) for status in ("queued", "failed", "sending"))
    parts.append(
        ngettext("{n} job waiting", "{n} jobs waiting", waiting).format(n=waiting)
        if waiting
        else _("no job waiting")
    )
    uncertain = counts.get("uncertain", 0)
    if uncertain:
        parts.append(
            ngettext("{n} uncertain job to check", "{n} uncertain jobs to check", uncertain).format(
                n=uncertain
            )
        )
    return "; ".join(parts)


def _describe_holder(holder: leases.Holder) -> str:
    return _("{user} (process {pid} on {host}, since {since})").format(
        user=holder.user, pid=holder.pid, host=holder.host, since=holder.acquired_at
    )


def _describe(error: BaseException) -> str:
    text = str(error)
    return text if isinstance(error, WaretermError) else f"{type(error).__name__}: {text}"


class PrintService:
    """A print worker for every station with a printer (``wareterm serve`` runs one), so labels
    print whether or not a session is open at the station. Stations added later get a worker
    within ``rescan_s``; a worker whose station lost its printer is stopped. Each worker takes
    its printer's lease, so a terminal session at the station and this service never both
    print: whoever holds the lease prints, the other waits."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        on_event: Callable[[WorkerEvent], None] | None = None,
        rescan_s: float = 10.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.on_event = on_event
        self.rescan_s = rescan_s
        self.workers: dict[str, PrintWorker] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the workers and watch for new stations, in a background thread."""
        self._thread = threading.Thread(target=self._run, name="print-service", daemon=True)
        self._thread.start()

    def _stations(self) -> set[str]:
        store = open_existing(self.db_path)
        try:
            return {
                row["name"]
                for row in store.query("SELECT name FROM stations WHERE printer_url != ''")
            }
        finally:
            store.close()

    def sync(self) -> None:
        """Start workers for stations that have a printer now, stop the others."""
        wanted = self._stations()
        for station in sorted(wanted - set(self.workers)):
            worker = PrintWorker(self.db_path, station, on_event=self.on_event)
            worker.start()
            self.workers[station] = worker
        for station in sorted(set(self.workers) - wanted):
            self.workers.pop(station).stop(timeout=0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as error:  # the database was busy or unreadable: try again later
                if self.on_event is not None:
                    self.on_event(WorkerEvent("error", "*", _describe(error)))
            self._stop.wait(self.rescan_s)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every worker (a label being sent finishes first) and the watch."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for worker in self.workers.values():
            worker.stop(timeout=0)
        for worker in self.workers.values():
            worker.join(timeout)
        self.workers.clear()
