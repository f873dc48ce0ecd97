"""What ``wareterm serve`` runs beside the terminals for carriers with an e-waybill API: the
worker that gets waiting orders their numbers and cancels voided ones (with backoff), and the
receiver of 快递鸟's tracking pushes. Each has its own thread and its own database connection,
and stops cleanly when serve stops."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import HTTPServer
from pathlib import Path

from core.model import Role
from data.store import Actor, Store, open_existing

log = logging.getLogger("wareterm.serve")

#: Who the background work is in the audit trail (a worker, not a user of the floor).
WAYBILL_WORKER = Actor("waybill-worker", "serve", Role.ADMIN)
PUSH_RECEIVER = Actor("push-receiver", "serve", Role.ADMIN)


class WaybillWorker:
    """Every ``interval`` seconds, one pass of ``carriers worker``: each waiting order whose
    next try is due is closed at its bench when its carrier's API answers, and each voided
    number due is cancelled at its carrier (the backoff is the queue rows' own: 30 s, doubling,
    at most an hour). A pass that fails (the database busy, a bug) is logged and the next one
    comes; nothing is lost, the rows stay queued."""

    def __init__(self, db_path: str | Path, interval: float = 10.0) -> None:
        self.db_path = Path(db_path)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Passes finished (tests wait on it instead of sleeping).
        self.passes = 0

    def start(self) -> None:
        """Start passing in a background thread."""
        self._thread = threading.Thread(target=self._run, name="waybill-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop after the pass under way (an API call is bounded by its timeout); True when
        the thread ended within ``timeout``."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def run_once(self, store: Store) -> None:
        """One pass on ``store``; each outcome goes to the server's log."""
        from data import ewaybills, packing
        from devices.waybill_apis import source_for

        closed = packing.retry_waits(store, source_for)
        cancelled = ewaybills.cancel_pending(store, WAYBILL_WORKER, source_for)
        for order_no, status in closed.items():
            log.info("waybill wait %s: %s", order_no, status)
        for number, status in cancelled.items():
            log.info("waybill cancel %s: %s", number, status)

    def _run(self) -> None:
        store: Store | None = None
        while not self._stop.is_set():
            try:
                if store is None:
                    store = open_existing(self.db_path)
                self.run_once(store)
            except Exception:  # the pass failed: say so, keep the queue, try again next time
                log.exception("waybill worker pass failed")
                if store is not None:
                    store.close()
                    store = None
            self.passes += 1
            self._stop.wait(self.interval)
        if store is not None:
            store.close()


class PushReceiver:
    """快递鸟's tracking pushes taken on ``host:port`` (``shipments push-receiver`` inside
    serve): each push's signature checked against the keys of the carriers configured for
    快递鸟, its events stored once, orders moved on."""

    def __init__(self, db_path: str | Path, host: str, port: int) -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self._server: HTTPServer | None = None
        self._store: Store | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when 0 was asked for)."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Listen and serve on a background thread; raises OSError when it cannot listen."""
        from data import tracking
        from data.carriers import carrier_apis
        from devices.kdniao import PROVIDER
        from devices.kdniao_push import push_server, serve_in_thread

        store = open_existing(self.db_path)
        lock = threading.Lock()

        def keys() -> dict[str, str]:
            with lock:
                return {a.account: a.key for a in carrier_apis(store) if a.provider == PROVIDER}

        def record(events: object) -> None:
            with lock:
                found = tracking.record(store, PUSH_RECEIVER, events)  # type: ignore[arg-type]
            log.info("tracking push: %s events stored", found.get("stored"))

        try:
            self._server = push_server(self.host, self.port, keys, record)
        except OSError:
            store.close()
            raise
        self._store = store
        self._thread = serve_in_thread(self._server)

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop listening once the push under way is answered, and close the connection."""
        if self._server is None:
            return True
        self._server.shutdown()
        self._server.server_close()
        alive = False
        if self._thread is not None:
            self._thread.join(timeout)
            alive = self._thread.is_alive()
        if self._store is not None and not alive:
            self._store.close()
        return not alive


def start_all(
    db_path: Path,
    waybill_interval: float | None,
    push: tuple[str, int] | None,
    say: Callable[[str], None],
) -> list[WaybillWorker | PushReceiver]:
    """Start the waybill worker (unless ``waybill_interval`` is None) and the push receiver
    (when ``push`` gives where to listen); ``say`` reports where pushes are taken. Raises
    OSError when the receiver cannot listen (what was started is stopped first)."""
    started: list[WaybillWorker | PushReceiver] = []
    if waybill_interval is not None:
        worker = WaybillWorker(db_path, waybill_interval)
        worker.start()
        started.append(worker)
    if push is not None:
        receiver = PushReceiver(db_path, *push)
        try:
            receiver.start()
        except OSError:
            stop_all(started)
            raise
        started.append(receiver)
        host, port = receiver.address
        say(f"{host}:{port}")
    return started


def stop_all(started: list[WaybillWorker | PushReceiver]) -> None:
    """Stop what :func:`start_all` started, the last first."""
    for part in reversed(started):
        part.stop()


class ScanWriterProcess:
    """The scan writer (``data.scan_writer``) as a child process of ``serve``: its own
    interpreter, so storing scans never waits for the server's terminal traffic (one Python
    thread at a time). Started again when it dies; the socket lives in a folder of its own
    that only this user can open."""

    def __init__(self, db_path: str | Path, restart_after: float = 1.0) -> None:
        self.db_path = Path(db_path)
        self.restart_after = restart_after
        self.folder = Path(tempfile.mkdtemp(prefix="wareterm-writer-"))
        self.socket = self.folder / "scans.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Times the writer was started (tests wait on it).
        self.starts = 0

    def command(self) -> list[str]:
        """How the writer is run: ``wareterm scan-writer`` as a terminal is run."""
        from tui.serve import terminal_command

        return [
            *terminal_command(),
            "--db",
            str(self.db_path),
            "scan-writer",
            "--socket",
            str(self.socket),
            "--parent",
            str(os.getpid()),
        ]

    def start(self, ready_timeout: float = 15.0) -> None:
        """Start the writer and wait (at most ``ready_timeout``) until it listens; until it
        does, terminals store their own scans, so a slow start loses nothing."""
        self._spawn()
        deadline = time.monotonic() + ready_timeout
        while not self.socket.exists() and time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if not self.socket.exists():
            log.error("the scan writer did not start; terminals store their own scans")
        self._thread = threading.Thread(target=self._watch, name="scan-writer", daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, close_fds=True)
        self.starts += 1

    def _watch(self) -> None:
        while not self._stop.is_set():
            proc = self.proc
            if proc is None:
                return
            try:
                code = proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            if self._stop.is_set():
                return
            log.error(
                "the scan writer stopped (exit %s); terminals store their own scans until it is "
                "started again",
                code,
            )
            if self._stop.wait(self.restart_after):
                return
            try:
                self._spawn()
            except OSError as error:
                log.error("cannot start the scan writer again: %s", error)

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the writer once the group it is storing is answered; remove its folder."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        proc = self.proc
        stopped = True
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                stopped = False
        shutil.rmtree(self.folder, ignore_errors=True)
        return stopped
