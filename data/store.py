"""The SQLite file: connection settings, migrations and audited write transactions."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.clock import Clock, SystemClock, to_iso
from core.errors import StoreBusy, WaretermError
from core.i18n import _
from core.model import Role
from core.roles import Permission, require
from data.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000
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
            "INSERT INTO audit (at, user, station, action, subject, detail) VALUES (?,?,?,?,?,?)",
            (
                self.now,
                self.actor.user,
                self.actor.station,
                action,
                subject,
                json.dumps(detail, ensure_ascii=False, default=str),
            ),
        )
        self.audited += 1


class Store:
    """One wareterm database file. Open one Store per process (or per thread that writes)."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        try:
            conn = sqlite3.connect(
                str(self.path),
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            raise WaretermError(
                _("cannot open database {path}: {error}").format(path=self.path, error=error)
            ) from None
        self.conn = conn
        self._db: Any = None
        self._lock = threading.RLock()

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
    def _immediate(self) -> Iterator[None]:
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise _busy(error) from None
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as error:
                self.conn.execute("ROLLBACK")
                raise _busy(error) from None

    @contextmanager
    def write(self, actor: Actor) -> Iterator[Write]:
        """One ``BEGIN IMMEDIATE`` transaction; rolls back on any error and refuses to commit
        a change that wrote no audit entry."""
        with self._immediate():
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
        """A consistent snapshot for several queries."""
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    def query(self, sql: str, parameters: Any = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        with self._lock:
            return [dict(row) for row in self.conn.execute(sql, parameters)]

    def scalar(self, sql: str, parameters: Any = ()) -> Any:
        """The first column of the first row (or None)."""
        with self._lock:
            row = self.conn.execute(sql, parameters).fetchone()
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
        this store's included. Safe to call from any one thread; WaretermError on failure."""
        try:
            watcher = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=0.1
            )
        except sqlite3.DatabaseError as error:
            raise WaretermError(str(error)) from None

        def version() -> int:
            try:
                return int(watcher.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as error:
                raise WaretermError(str(error)) from None

        return version

    def data_version(self) -> int:
        """Changes by other connections bump this (for live screens)."""
        return int(self.scalar("PRAGMA data_version"))


def _busy(error: sqlite3.OperationalError) -> WaretermError:
    if "locked" in str(error) or "busy" in str(error):
        return StoreBusy(_("the database is busy (another session holds a long write); try again"))
    return WaretermError(str(error))


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


def open_store(path: str | Path, clock: Clock | None = None) -> Store:
    """Open (creating or upgrading) a database file."""
    store = Store(path, clock)
    store.migrate()
    from data.settings import apply_site_zone  # settings builds on this module

    apply_site_zone(store)
    return store
