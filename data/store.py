"""The SQLite file: connection settings, migrations and audited write transactions."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.clock import Clock, SystemClock, to_iso
from core.errors import (
    DatabaseCorrupt,
    DatabaseGone,
    DiskFull,
    ReadOnlyStore,
    StorageFailed,
    StoreBusy,
    StoreFault,
    WaretermError,
)
from core.i18n import _
from core.model import Role
from core.roles import Permission, require
from data.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000
#: How often a group commit tries for the write lock while another connection holds it.
GROUP_POLL_S = 0.0002
#: Page cache of a connection during a bulk import, in KiB (negative: SQLite's unit is KiB).
BULK_CACHE_KIB = -65536
#: WAL pages between automatic checkpoints during a bulk import (SQLite's default is 1000).
BULK_CHECKPOINT_PAGES = 10000


@dataclass(frozen=True)
class Actor:
    """Who does something and where: every audit row names both.

    ``role`` is only for actors that are not users of the floor (the local command line, which
    has the database file anyway, and background workers): a user's role is always read from
    the users table when a permission is checked, so a session cannot claim a role it lacks.
    """

    user: str
    station: str
    role: Role | None = None


def actor_role(conn: sqlite3.Connection, actor: Actor) -> Role | None:
    """The role an actor acts with: a user's stored role (None when inactive), else the role
    the actor carries (the command line, workers); None for an unknown user."""
    row = conn.execute("SELECT role, active FROM users WHERE name = ?", (actor.user,)).fetchone()
    if row is not None:
        return Role(row["role"]) if row["active"] else None
    return actor.role


class Write:
    """An open write transaction; it must record at least one audit entry before it commits."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.conn = store.conn
        self.now = to_iso(store.clock.now())
        self.audited = 0

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        """Run one statement inside the transaction."""
        return self.conn.execute(sql, parameters)

    def require(self, permission: Permission) -> Role:
        """Refuse (NotAllowed) unless the actor may perform ``permission``; returns the role.

        A user of the floor is judged by the role stored for them (and must be active);
        only an actor that is no user carries its own role (the command line)."""
        return require(self.actor.user, actor_role(self.conn, self.actor), permission)

    def audit(self, action: str, subject: str, **detail: Any) -> None:
        """Record who did what to which thing, in this transaction."""
        self.conn.execute(
            _AUDIT_SQL,
            (self.now, self.actor.user, self.actor.station, action, subject, _detail(detail)),
        )
        self.audited += 1

    def audit_many(self, entries: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Record several (action, subject, detail) entries in one statement, in their order
        (an import's chunk: one entry per order)."""
        user, station = self.actor.user, self.actor.station
        rows = [
            (self.now, user, station, action, subject, _detail(detail))
            for action, subject, detail in entries
        ]
        self.conn.executemany(_AUDIT_SQL, rows)
        self.audited += len(rows)


_AUDIT_SQL = "INSERT INTO audit (at, user, station, action, subject, detail) VALUES (?,?,?,?,?,?)"
#: ``json.dumps(detail, ensure_ascii=False, default=str)`` without making an encoder per entry.
_detail = json.JSONEncoder(ensure_ascii=False, default=str).encode


class LockTaken(Exception):
    """Another connection holds the write lock this moment (``write(wait=False)``); nothing
    was done. Not an error a person sees: the caller hands the work to the scan writer."""


@dataclass
class Group:
    """An open group commit (:meth:`Store.group`)."""

    #: Writes begun in it so far (each one's savepoint is named after its number).
    writes: int = 0
    #: The fault that ended the transaction under the group: nothing in it will be stored.
    broken: WaretermError | None = None


class Store:
    """One wareterm database file. Open one Store per process (or per thread that writes).

    Only ``create=True`` (``wareterm init``, the demo, tests) makes a missing file; everything
    else refuses it (:class:`DatabaseGone`), so a deleted database is never silently replaced
    by an empty one. SQLite's errors for a full disk, a read-only file, an I/O error or a
    damaged file become :class:`StoreFault` s saying what happened and what to do; the failed
    transaction is rolled back (if SQLite has not done so already) and the next one tries
    again, on a fresh connection after a read-only or I/O fault. Before a write is
    acknowledged (committed) the path is checked to still name the file this store opened."""

    def __init__(
        self, path: str | Path, clock: Clock | None = None, *, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._create = create
        self._lock = threading.RLock()
        self._db: Any = None
        self._reconnect = False
        self._in_memory = str(path) == ":memory:"  # tests: no file to check
        if not create and not self.path.exists():
            raise DatabaseGone(_missing_message(self.path))
        self.conn = self._connect(create)
        self._identity = self._file_identity()
        #: What a session shows and may keep between transactions (a list's product names and
        #: barcodes): never read for a decision, only to draw a screen.
        self.shown: dict[str, Any] = {}
        #: The open group commit (:meth:`group`), if any.
        self._group: Group | None = None

    def _connect(self, create: bool) -> sqlite3.Connection:
        """A connection with the floor's settings; ``create``: make the file if missing."""
        self._opened_writable = self._in_memory or not self.path.exists() or _writable(self.path)
        try:
            conn = sqlite3.connect(
                ":memory:" if self._in_memory else file_uri(self.path, "rwc" if create else "rw"),
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error as error:
            raise self._fault(error) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            conn.close()
            raise self._fault(error) from None
        return conn

    def _file_identity(self) -> tuple[int, int]:
        if self._in_memory:
            return 0, 0
        try:
            info = os.stat(self.path)
        except OSError:
            raise DatabaseGone(_missing_message(self.path)) from None
        return info.st_dev, info.st_ino

    def check_file(self) -> None:
        """Refuse (:class:`DatabaseGone`) when the path no longer names the file this store
        opened: it was deleted, or another file (a restored backup, an empty database) was
        put in its place. Costs one ``stat``."""
        if self._in_memory:
            return
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            raise DatabaseGone(
                _(
                    "the database file {path} was deleted — nothing more can be stored; call a "
                    "supervisor (restore a backup, then log in again)"
                ).format(path=self.path)
            ) from None
        except OSError as error:
            raise StorageFailed(_io_message(self.path, error.strerror or str(error))) from None
        if (info.st_dev, info.st_ino) != self._identity:
            raise DatabaseGone(
                _(
                    "the database file {path} was replaced by another file — nothing more is "
                    "stored by this session; log in again"
                ).format(path=self.path)
            )

    def _fault(self, error: sqlite3.Error) -> WaretermError:
        """SQLite's error as a domain error (a fault of the file, the disk or a busy lock); a
        read-only or I/O fault makes the next transaction reconnect first."""
        fault = storage_fault(error, self.path)
        if isinstance(fault, StorageFailed) or (
            # A connection opened while the file could not be written stays read-only; one
            # made read-only on purpose (query_only, mode=ro) is left as it is.
            isinstance(fault, ReadOnlyStore) and not self._opened_writable
        ):
            self._reconnect = True
        return fault

    def _ready(self) -> None:
        """Before a transaction: the file is still ours, and after an I/O fault, or once a
        file that was read-only when opened can be written, a fresh connection."""
        self.check_file()
        if not self._reconnect:
            return
        if not self._opened_writable and not self._in_memory and not _writable(self.path):
            return  # still read-only: the same connection gives the same answer
        fresh = self._connect(create=False)
        self.conn.close()
        self.conn, self._db, self._reconnect = fresh, None, False
        self.check_file()

    def _abort(self) -> None:
        """Roll back what is open. SQLite rolls back by itself after a full disk or an I/O
        error, so a ROLLBACK then would only fail and hide the real error."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                self._reconnect = True

    def quick_check(self) -> None:
        """``PRAGMA quick_check`` of the whole file; :class:`DatabaseCorrupt` with the first
        problem found and how to recover. Reads every page: about a second per GB."""
        with self._lock:
            try:
                problems = [row[0] for row in self.conn.execute("PRAGMA quick_check(5)")]
            except sqlite3.Error as error:
                raise self._fault(error) from None
        if problems != ["ok"]:
            raise DatabaseCorrupt(_corrupt_message(self.path, problems[0] if problems else "?"))

    @property
    def db(self) -> Any:
        """The connection as a ``sqlite_utils.Database`` (its table API), made when first
        used: importing sqlite-utils and its plugins costs a terminal ~80 ms at start."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- schema ---------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """The schema version of the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> list[int]:
        """Bring the file up to this program's schema; returns the versions applied."""
        applied: list[int] = []
        with self._immediate():
            version = self.version
            if version > SCHEMA_VERSION:
                raise WaretermError(
                    _(
                        "{path} was written by a newer wareterm (schema {found}, this one "
                        "knows {known}); upgrade wareterm"
                    ).format(path=self.path, found=version, known=SCHEMA_VERSION)
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    self.conn.execute(statement)
                applied.append(number + 1)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")
        return applied

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def immediate(self) -> Iterator[None]:
        """A bare ``BEGIN IMMEDIATE`` transaction, only for bookkeeping that is not a business
        change (migrations, lease heartbeats). Business writes use :meth:`write`."""
        with self._immediate():
            yield

    @contextmanager
    def _immediate(self, wait: bool = True) -> Iterator[None]:
        if self._group is not None:
            with self._savepoint(self._group):
                yield
            return
        with self._lock:
            self._ready()
            if wait:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as error:
                    raise self._fault(error) from None
            else:
                self._begin_now()
            try:
                yield
            except sqlite3.Error as error:
                self._abort()
                fault = self._fault(error)
                if isinstance(fault, StoreFault | StoreBusy):
                    raise fault from None
                raise
            except BaseException:
                self._abort()
                raise
            self._commit()

    def _commit(self) -> None:
        """COMMIT the open transaction, once the path still names this store's file (never
        acknowledge a write into a file nobody will read); roll back when either fails."""
        try:
            self.check_file()
            self.conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._abort()
            raise self._fault(error) from None
        except WaretermError:
            self._abort()
            raise

    @contextmanager
    def group(self, poll: float = GROUP_POLL_S) -> Iterator[Group]:
        """One transaction for several writes, committed with one sync: the scan writer's
        group commit (``data.scan_writer``). Inside it, :meth:`write` and :meth:`read` work as
        usual but neither begins nor commits: each write is a savepoint, and one that fails is
        rolled back alone while the others stay. None of them is stored until the group's
        COMMIT, which acknowledges them all; when that fails, or a fault ended the
        transaction under them (SQLite rolls back by itself after a full disk or an I/O
        error), the group raises the fault and none was stored. One thread only. While another
        connection holds the write lock, the group tries again every ``poll`` seconds."""
        with self._lock:
            self._ready()
            self._begin_polling(poll)
            group = Group()
            self._group = group
            try:
                yield group
            except BaseException:
                self._group = None
                self._abort()
                raise
            self._group = None
            if group.broken is not None:
                self._abort()
                raise group.broken
            self._commit()

    @contextmanager
    def _savepoint(self, group: Group) -> Iterator[None]:
        """One write inside the open group: a savepoint, released when it succeeds, rolled
        back to when it fails. A fault that ended the whole transaction breaks the group."""
        if group.broken is not None:
            raise group.broken
        group.writes += 1
        name = f"w{group.writes}"
        try:
            self.conn.execute(f"SAVEPOINT {name}")
        except sqlite3.Error as error:
            raise self._broken(group, self._fault(error)) from None
        try:
            yield
        except sqlite3.Error as error:
            fault = self._fault(error)
            self._undo(group, name, fault)
            if isinstance(fault, StoreFault | StoreBusy):
                raise fault from None
            raise
        except BaseException as error:
            self._undo(group, name, error)
            raise
        try:
            self.conn.execute(f"RELEASE {name}")
        except sqlite3.Error as error:
            raise self._broken(group, self._fault(error)) from None

    def _undo(self, group: Group, name: str, error: BaseException) -> None:
        """Roll one failed write of ``group`` back to its savepoint; when SQLite already rolled
        the whole transaction back (or cannot roll back), the group is broken."""
        if not self.conn.in_transaction:
            self._broken(group, error)
            return
        try:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
        except sqlite3.Error as failed:
            self._broken(group, self._fault(failed))

    def _broken(self, group: Group, error: BaseException) -> WaretermError:
        """Mark ``group`` as lost with the fault that ended it (a storage fault as it is,
        anything else as a storage failure), and return that fault."""
        if group.broken is None:
            group.broken = (
                error
                if isinstance(error, StoreFault | StoreBusy)
                else StorageFailed(_io_message(self.path, str(error)))
            )
        return group.broken

    def _begin_now(self) -> None:
        """``BEGIN IMMEDIATE`` without waiting: :class:`LockTaken` when another connection
        holds the write lock this moment."""
        try:
            self.conn.execute("PRAGMA busy_timeout = 0")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            finally:
                self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise LockTaken() from None
            raise self._fault(error) from None
        except sqlite3.Error as error:
            raise self._fault(error) from None

    def _begin_polling(self, interval: float) -> None:
        """``BEGIN IMMEDIATE``, trying again every ``interval`` seconds while the lock is taken
        (instead of SQLite's busy handler, whose sleeps grow to 100 ms), for at most the busy
        timeout; then :class:`StoreBusy`."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._begin_now()
                return
            except LockTaken:
                if time.monotonic() > deadline:
                    raise busy_error() from None
                time.sleep(interval)

    @contextmanager
    def write(self, actor: Actor, wait: bool = True) -> Iterator[Write]:
        """One ``BEGIN IMMEDIATE`` transaction; rolls back on any error and refuses to commit
        a change that wrote no audit entry. ``wait=False``: :class:`LockTaken` at once when
        another connection holds the write lock (nothing was done)."""
        with self._immediate(wait):
            write = Write(self, actor)
            yield write
            if write.audited == 0:
                raise RuntimeError("a write transaction must record an audit entry")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Settings for a large import on this connection while it runs: a page cache that
        holds the catalog, and a WAL checkpoint every ~40 MB instead of every 4 MB (each
        checkpoint writes back every page changed since the last one, so frequent ones write
        the same product pages again and again). Each chunk still commits with a full sync."""
        with self._lock:
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            checkpoint = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            with self._lock:
                self.conn.execute(f"PRAGMA cache_size = {int(cache)}")
                self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries (inside a group: its transaction)."""
        if self._group is not None:
            group = self._group
            if group.broken is not None:
                raise group.broken
            try:
                yield self.conn
            except sqlite3.Error as error:
                fault = self._fault(error)
                if not self.conn.in_transaction:
                    self._broken(group, fault)
                if isinstance(fault, StoreFault | StoreBusy):
                    raise fault from None
                raise
            return
        with self._lock:
            self._ready()
            try:
                self.conn.execute("BEGIN")
            except sqlite3.Error as error:
                raise self._fault(error) from None
            try:
                yield self.conn
            except sqlite3.Error as error:
                self._abort()
                fault = self._fault(error)
                if isinstance(fault, StoreFault | StoreBusy):
                    raise fault from None
                raise
            except BaseException:
                self._abort()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._abort()
                raise self._fault(error) from None

    def query(self, sql: str, parameters: Any = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        with self._lock:
            self._ready()
            try:
                return [dict(row) for row in self.conn.execute(sql, parameters)]
            except sqlite3.Error as error:
                fault = self._fault(error)
                if isinstance(fault, StoreFault | StoreBusy):
                    raise fault from None
                raise

    def scalar(self, sql: str, parameters: Any = ()) -> Any:
        """The first column of the first row (or None)."""
        with self._lock:
            self._ready()
            try:
                row = self.conn.execute(sql, parameters).fetchone()
            except sqlite3.Error as error:
                fault = self._fault(error)
                if isinstance(fault, StoreFault | StoreBusy):
                    raise fault from None
                raise
        return row[0] if row else None

    # -- settings -------------------------------------------------------------------------------

    def require(self, actor: Actor, permission: Permission) -> Role:
        """Refuse (NotAllowed) unless ``actor`` may perform ``permission``, judged as in
        :meth:`Write.require`; for reads, which write no audit entry."""
        with self._lock:
            role = actor_role(self.conn, actor)
        return require(actor.user, role, permission)

    def setting(self, key: str, default: str) -> str:
        """A site setting as text."""
        value = self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else str(value)

    def change_watch(self) -> Callable[[], int]:
        """A function returning ``PRAGMA data_version`` of a connection of its own (opened
        now, never writing): its value moves with every commit of any other connection,
        this store's included. Each call also checks that the path still names this store's
        file (:meth:`check_file`). Safe to call from any one thread; WaretermError on
        failure (a :class:`StoreFault` when the file is gone, replaced or damaged)."""
        try:
            watcher = sqlite3.connect(
                file_uri(self.path, "rw"),
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=0.1,
            )
        except sqlite3.Error as error:
            raise storage_fault(error, self.path) from None

        def version() -> int:
            self.check_file()
            try:
                return int(watcher.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as error:
                raise storage_fault(error, self.path) from None

        return version

    def data_version(self) -> int:
        """Changes by other connections bump this (for live screens)."""
        return int(self.scalar("PRAGMA data_version"))


def storage_fault(error: sqlite3.Error, path: Path) -> WaretermError:
    """SQLite's error in the floor's words: a :class:`StoreFault` for a full disk, a read-only
    file, an I/O error, a missing or damaged file; :class:`StoreBusy` for a lock held too long;
    else a plain WaretermError with SQLite's message."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_FULL:
        return DiskFull(
            _(
                "disk full — nothing was stored; call a supervisor (free space on the server's "
                "disk: work goes on by itself)"
            )
        )
    if primary == sqlite3.SQLITE_READONLY:
        return ReadOnlyStore(
            _(
                "the database {path} is read-only ({detail}) — nothing was stored; call a "
                "supervisor (make the file and its disk writable: work goes on by itself)"
            ).format(path=path, detail=error)
        )
    if primary == sqlite3.SQLITE_IOERR:
        return StorageFailed(_io_message(path, str(error)))
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DatabaseCorrupt(_corrupt_message(path, str(error)))
    if primary == sqlite3.SQLITE_CANTOPEN:
        if not path.exists():
            return DatabaseGone(_missing_message(path))
        return StorageFailed(_io_message(path, str(error)))
    if _is_busy(error):
        return busy_error()
    return WaretermError(str(error))


def _is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds the lock."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    return primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "locked" in str(error) or "busy" in str(error)
    )


def busy_error() -> StoreBusy:
    """The lock stayed taken for the whole busy timeout."""
    return StoreBusy(_("the database is busy (another session holds a long write); try again"))


def _writable(path: Path) -> bool:
    """Whether this process may write the file (its mode, an immutable flag, a read-only
    mount), and so its directory for the WAL."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _missing_message(path: Path) -> str:
    return _(
        "there is no database at {path} — restore a backup there (see README, Reliability) or "
        "make a new one with `wareterm --db {path} init`"
    ).format(path=path)


def _io_message(path: Path, detail: str) -> str:
    return _(
        "the disk failed to read or write the database {path} ({detail}) — nothing was "
        "stored; call a supervisor"
    ).format(path=path, detail=detail)


def _corrupt_message(path: Path, detail: str) -> str:
    return _(
        "the database {path} is damaged ({detail}) — call a supervisor: restore the last "
        "backup, or recover what is readable with `sqlite3 {path} .recover | sqlite3 NEW.db`"
    ).format(path=path, detail=detail)


def file_uri(path: Path, mode: str) -> str:
    """A ``file:`` URI for ``path`` (``mode`` rw: never create the file)."""
    return f"file:{urllib.parse.quote(str(path.absolute()))}?mode={mode}"


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into whole statements (a trigger's body keeps its own
    semicolons: a statement ends where SQLite says it is complete)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
    if pending.strip(" \n;"):
        yield pending


def open_store(path: str | Path, clock: Clock | None = None, *, create: bool = True) -> Store:
    """Open (creating unless ``create`` is false, and upgrading) a database file."""
    store = Store(path, clock, create=create)
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    from data.settings import apply_site_zone  # settings builds on this module

    apply_site_zone(store)
    return store


def check_header(path: str | Path) -> None:
    """The cheap check before opening: the file is there and is not empty (a millisecond).
    SQLite checks the header itself when the file is opened (a file that is no database is
    then :class:`DatabaseCorrupt`); damage further in is found by :meth:`Store.quick_check`.

    Only ``stat``: opening and closing the file here would drop every POSIX lock this process
    holds on it through its SQLite connections (closing any descriptor of a file does), and
    another process could then delete the WAL under them."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DatabaseGone(_missing_message(path)) from None
    except OSError as error:
        raise StorageFailed(_io_message(path, error.strerror or str(error))) from None
    if stat.S_ISDIR(info.st_mode):
        raise WaretermError(
            _("{path} is a directory; name the database file with --db").format(path=path)
        )
    if info.st_size == 0:
        raise DatabaseCorrupt(_corrupt_message(path, _("the file is empty")))


#: A session checks every page of a file up to this size when it starts (``PRAGMA quick_check``
#: reads ~1 GB a second from the page cache: ~60 ms here); a larger file only has its header
#: and schema read, and is checked whole by ``serve`` at its start and by ``backup``.
SESSION_CHECK_MAX_BYTES = 64 * 1024 * 1024


def open_existing(path: str | Path, clock: Clock | None = None, *, check: str = "header") -> Store:
    """Open the floor's database, which must exist: every command but ``init`` and ``demo``,
    the server and each session. Refuses a missing file (:class:`DatabaseGone`, saying to
    restore a backup or run ``init``) and a damaged one (:class:`DatabaseCorrupt`, saying how
    to recover). ``check``: ``header`` reads the header and the schema (a millisecond),
    ``full`` runs ``PRAGMA quick_check`` over the whole file, ``session`` does that for a file
    up to :data:`SESSION_CHECK_MAX_BYTES`."""
    check_header(path)
    store = open_store(path, clock, create=False)
    full = check == "full" or (
        check == "session" and store.path.stat().st_size <= SESSION_CHECK_MAX_BYTES
    )
    if full:
        try:
            store.quick_check()
        except BaseException:
            store.close()
            raise
    return store
