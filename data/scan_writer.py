"""Group commit of pick scans: one writer process commits many sessions' scans per sync.

Every scan is a write transaction that ends in an fsync of the WAL, and SQLite lets one
writer in at a time: with many pickers scanning at once, each session waits its turn in
SQLite's busy handler, which sleeps (1, 2, 5 … 100 ms) instead of waking when the lock is
free, and every scan pays a sync of its own. ``wareterm serve`` therefore runs one
:class:`ScanWriter` beside its terminals. A session that finds the write lock taken sends its
pick scans (and list claims) over a Unix socket (:class:`WriterLink`), for a second without
trying the lock first (``SqliteFloor.pick_scan``). The writer takes every request waiting,
stores each in a savepoint of one transaction (:meth:`data.store.Store.group`) with the very
same ``record_pick_scan`` a session would run, commits once and answers each session. Its
own connection's page cache stays warm (every commit of another connection empties a
session's), so the reads a scan is judged against cost it less than they cost a session. A
scan is acknowledged only after that commit; a scan refused inside the group (not allowed, a
bug) is rolled back alone; a commit that fails fails every scan of the group, and none was
stored.

A session without a writer (``wareterm tui`` alone, the CLI, a writer that cannot be reached
when the scan is to be sent) stores the scan itself, as before. A writer that stops after a
scan was sent and before it answered leaves the scan's fate unknown to the session: it says
so (:class:`ScanUnconfirmed`) and the pick screen shows the list as stored, so the picker sees
whether the unit counted.

The socket lives in a folder only the server's user can open, and the writer answers only
peers of its own user (``SO_PEERCRED``): the same people who can write the database file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from core.errors import ScanUnconfirmed, WaretermError
from core.i18n import _
from core.lot_recheck import LotRedraw
from core.ports import ScanOutcome
from data.picking import PreparedScan, record_pick_scan, store_pick_scan
from data.store import Actor, Store
from data.waves import take_next

log = logging.getLogger("wareterm.scan_writer")

#: Where a session finds the writer's socket (set by ``wareterm serve`` for its terminals).
SOCKET_ENV = "WARETERM_SCAN_WRITER"
#: Scans stored in one group at most (the rest wait for the next, a few ms later).
MAX_GROUP = 64
#: Largest request or answer accepted (a scan is a few hundred bytes; a list view a few KB).
MAX_FRAME = 4 * 1024 * 1024
#: How long a session waits for the writer's answer before it calls the scan unconfirmed:
#: longer than SQLite's busy timeout, which a group may wait out before it begins.
ANSWER_TIMEOUT_S = 20.0
#: After the writer could not be reached, sessions store their own scans this long before
#: they try it again.
RETRY_AFTER_S = 2.0
#: After a session found the write lock taken, its writes go to the writer this long before
#: it tries the lock itself again.
CROWDED_S = 1.0
_HEADER = struct.Struct("!I")
#: What a session asks the writer: store a pick scan as read (the writer reads what it is
#: judged against, on its own connection, whose cache is warm), store a scan the session
#: prepared already (it found the lock taken when it tried itself), or claim the next list.
SCAN, PREPARED, CLAIM = "scan", "prepared", "claim"
#: What a claim answers: the list (None: nothing left) and the lot redraws it made.
Claimed = tuple[int | None, tuple[LotRedraw, ...]]


# -- the wire: a 4-byte length, then a pickle ---------------------------------------------------


def _frame(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("the writer closed the connection")
        chunks += chunk
    return bytes(chunks)


def _answer(sock: socket.socket) -> Any:
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
    if size > MAX_FRAME:
        raise ConnectionError("an answer too large to be the writer's")
    return pickle.loads(_read_exactly(sock, size))


def _portable(error: Exception) -> Exception:
    """``error`` as it can travel to the session: itself when it pickles back whole, else a
    WaretermError with its text (what the session's screen would have shown)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return WaretermError(str(error))
    return error


# -- the session's side -------------------------------------------------------------------------


class WriterLink:
    """A session's connection to the scan writer at ``path``; one scan in flight at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._sock: socket.socket | None = None
        self._retry_at = 0.0
        self._crowded_until = 0.0
        self._lock = threading.Lock()
        #: Scans the writer stored and acknowledged, and scans stored by the session itself
        #: because no writer could be reached (for tests and ``serve``'s log).
        self.sent = 0
        self.stored_here = 0

    def crowded(self) -> bool:
        """Whether this session found the write lock taken lately (its writes go to the
        writer without trying the lock first)."""
        return time.monotonic() < self._crowded_until

    def found_lock_taken(self) -> None:
        """The session found the write lock taken: send its writes to the writer for
        :data:`CROWDED_S`."""
        self._crowded_until = time.monotonic() + CROWDED_S

    def pick_scan(
        self, actor: Actor, picklist_id: int, raw: str, source: str
    ) -> ScanOutcome | None:
        """The writer's outcome of the scan; None when no writer took it (it was not sent:
        the caller stores it itself). Raises what storing it raised, or
        :class:`ScanUnconfirmed` when the writer stopped before it answered."""
        outcome = self._call(SCAN, actor, (picklist_id, raw, source))
        assert outcome is None or isinstance(outcome, ScanOutcome)
        return outcome

    def prepared_scan(
        self, actor: Actor, picklist_id: int, prepared: PreparedScan
    ) -> ScanOutcome | None:
        """:meth:`pick_scan` of a scan the session has read what it is judged against for
        already (``data.picking.prepare_pick_scan``)."""
        outcome = self._call(PREPARED, actor, (picklist_id, prepared))
        assert outcome is None or isinstance(outcome, ScanOutcome)
        return outcome

    def claim(self, actor: Actor) -> Claimed | None:
        """The list the writer claimed (or resumed) for ``actor`` and the lot redraws it made
        (``data.waves.take_next``); None when no writer took the request."""
        try:
            claimed = self._call(CLAIM, actor, ())
        except ScanUnconfirmed:
            # A claim made but not answered is resumed by the next one (take_next gives a
            # picker the list they are picking first): the caller claims on its own.
            return None
        return None if claimed is None else cast(Claimed, claimed)

    def _call(self, kind: str, actor: Actor, args: tuple[Any, ...]) -> Any:
        with self._lock:
            sock = self._connected()
            if sock is None:
                self.stored_here += 1
                return None
            try:
                sock.sendall(_frame((kind, actor, args)))
            except OSError:
                # Not all of it left: the writer never read a whole request, so never ran it.
                self._drop()
                self.stored_here += 1
                return None
            try:
                answer, value = _answer(sock)
            except (OSError, ConnectionError, EOFError, pickle.UnpicklingError, ValueError):
                self._drop()
                raise ScanUnconfirmed(
                    _(
                        "the scan was sent but the server's writer stopped before confirming "
                        "it; the list below is as stored: if this unit is not counted there, "
                        "scan it again"
                    )
                ) from None
            self.sent += 1
        if answer == "error":
            raise value
        return value

    def _connected(self) -> socket.socket | None:
        if self._sock is not None:
            return self._sock
        if time.monotonic() < self._retry_at:
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(ANSWER_TIMEOUT_S)
            sock.connect(self.path)
        except OSError:
            sock.close()
            self._retry_at = time.monotonic() + RETRY_AFTER_S
            return None
        self._sock = sock
        return sock

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._retry_at = time.monotonic() + RETRY_AFTER_S

    def close(self) -> None:
        """Hang up (the writer forgets the session)."""
        with self._lock:
            self._drop()


def link_from_env() -> WriterLink | None:
    """The link to the writer ``wareterm serve`` named for this session, if any."""
    path = os.environ.get(SOCKET_ENV, "").strip()
    return WriterLink(path) if path else None


# -- the writer ---------------------------------------------------------------------------------


@dataclass
class _Session:
    sock: socket.socket
    buffer: bytearray = field(default_factory=bytearray)


@dataclass
class WriterStats:
    """What the writer has done (``serve`` logs it; tests and the bench read it)."""

    groups: int = 0
    scans: int = 0
    failed_groups: int = 0
    largest_group: int = 0
    #: Seconds spent storing groups and answering (the rest of the time it waited).
    busy_s: float = 0.0


class ScanWriter:
    """Serves pick scans on the Unix socket ``path`` and stores them in groups on ``store``.
    One thread: :meth:`run` until :meth:`stop` (from any thread or a signal handler)."""

    def __init__(
        self,
        store: Store,
        path: str | Path,
        max_group: int = MAX_GROUP,
        parent: int | None = None,
    ) -> None:
        self.store = store
        self.path = Path(path)
        self.max_group = max_group
        #: Stop when this process (``serve``) is gone, even if it was killed.
        self.parent = parent
        self.stats = WriterStats()
        self._stopping = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self.path.unlink(missing_ok=True)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_mask = os.umask(0o077)
        try:
            self._listener.bind(str(self.path))
        finally:
            os.umask(old_mask)
        self._listener.listen(256)
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")

    def stop(self) -> None:
        """Finish the group being stored, answer it, and return from :meth:`run`."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def run(self) -> None:
        """Take scans and store them in groups until stopped."""
        try:
            while not self._stopping.is_set():
                if self.parent is not None and os.getppid() != self.parent:
                    log.error("scan writer: serve is gone; stopping")
                    return
                waiting: list[tuple[_Session, Any]] = []
                for key, _events in self._selector.select(timeout=1.0):
                    if key.data is None:
                        self._accept()
                    elif key.data == "wake":
                        os.read(self._wake_r, 64)
                    else:
                        waiting += self._requests(key.data)
                while waiting:
                    group, waiting = waiting[: self.max_group], waiting[self.max_group :]
                    self._store(group)
        finally:
            if self.stats.groups:
                log.info("scan writer: %s", self.stats)
            self._close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as error:  # out of descriptors: the session stores its own scans
                log.error("scan writer: cannot take a session: %s", error)
                return
            if not _same_user(sock):
                sock.close()
                continue
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, _Session(sock))

    def _requests(self, session: _Session) -> list[tuple[_Session, Any]]:
        """Whole requests waiting on ``session``'s socket (it is closed when it hung up or
        sent something that is not a request)."""
        try:
            while True:
                chunk = session.sock.recv(65536)
                if not chunk:
                    self._forget(session)
                    return []
                session.buffer += chunk
                if len(chunk) < 65536:
                    break
        except BlockingIOError:
            pass
        except OSError:
            self._forget(session)
            return []
        found = []
        while len(session.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(session.buffer)
            if size > MAX_FRAME:
                self._forget(session)
                return []
            if len(session.buffer) < _HEADER.size + size:
                break
            body = bytes(session.buffer[_HEADER.size : _HEADER.size + size])
            del session.buffer[: _HEADER.size + size]
            try:
                request = pickle.loads(body)
                if not _is_request(request):
                    raise ValueError("not a request")
            except Exception:
                self._forget(session)
                return []
            found.append((session, request))
        return found

    def _store(self, group: list[tuple[_Session, Any]]) -> None:
        """Store ``group`` in one transaction and answer each session once it committed."""
        began = time.perf_counter()
        answers: list[tuple[str, Any]] = []
        try:
            with self.store.group():
                for _session, (kind, actor, args) in group:
                    try:
                        if kind == SCAN:
                            result: Any = record_pick_scan(self.store, actor, *args)
                        elif kind == PREPARED:
                            result = store_pick_scan(self.store, actor, *args)
                        else:
                            result = take_next(self.store, actor)
                    except Exception as error:
                        answers.append(("error", _portable(error)))
                    else:
                        answers.append(("ok", result))
        except Exception as error:  # the commit, or a fault under the group: none is stored
            self.stats.failed_groups += 1
            log.error("scan writer: a group of %d scans was not stored: %s", len(group), error)
            answers = [("error", _portable(error))] * len(group)
        self.stats.groups += 1
        self.stats.scans += len(group)
        self.stats.largest_group = max(self.stats.largest_group, len(group))
        for (session, _request), answer in zip(group, answers, strict=True):
            self._send(session, answer)
        self.stats.busy_s += time.perf_counter() - began

    def _send(self, session: _Session, answer: tuple[str, Any]) -> None:
        try:
            data = _frame(answer)
        except Exception as error:  # an outcome that does not pickle: a bug, said as one
            data = _frame(("error", WaretermError(str(error))))
        try:
            session.sock.setblocking(True)
            session.sock.settimeout(2.0)
            session.sock.sendall(data)
            session.sock.setblocking(False)
        except OSError:
            # The session is gone (killed after sending): its scan is stored, unacknowledged,
            # as a scan whose terminal died before drawing the verdict.
            self._forget(session)

    def _forget(self, session: _Session) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(session.sock)
        session.sock.close()

    def _close(self) -> None:
        for key in list(self._selector.get_map().values()):
            if isinstance(key.data, _Session):
                key.data.sock.close()
        self._selector.close()
        self._listener.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        self.path.unlink(missing_ok=True)


def _is_request(request: Any) -> bool:
    """Whether ``request`` is one the writer serves: ``(SCAN, actor, (list id, raw,
    source))``, ``(PREPARED, actor, (list id, prepared scan))`` or ``(CLAIM, actor, ())``."""
    if not (isinstance(request, tuple) and len(request) == 3):
        return False
    kind, actor, args = request
    if not (isinstance(actor, Actor) and isinstance(args, tuple)):
        return False
    if kind == SCAN:
        return (
            len(args) == 3
            and isinstance(args[0], int)
            and isinstance(args[1], str)
            and isinstance(args[2], str)
        )
    if kind == PREPARED:
        return len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], PreparedScan)
    return kind == CLAIM and args == ()


def _same_user(sock: socket.socket) -> bool:
    """Whether the peer runs as this process's user (Linux ``SO_PEERCRED``; elsewhere the
    socket folder's mode is the only gate)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        credentials = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return False
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()
