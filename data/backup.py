"""Online backup of the floor's database: a checked copy made while sessions keep working."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.errors import WaretermError
from core.i18n import _
from data.store import Store, file_uri


@dataclass(frozen=True)
class Backup:
    """A finished backup: where it is, its size and its schema version."""

    path: Path
    size: int
    version: int


def backup(store: Store, dest: str | Path) -> Backup:
    """Copy the database to ``dest`` through SQLite's backup API, in one read transaction on a
    connection of its own: in WAL mode readers never block writers, so the floor keeps
    scanning, and the copy is the database as of one commit. The copy is written next to
    ``dest`` first, made a single file (no WAL), checked whole (``PRAGMA quick_check``) and
    synced, and only then renamed to ``dest``; on any failure ``dest`` is not touched. An
    existing ``dest`` is refused (choose a new name: an old backup is never overwritten)."""
    dest = Path(dest)
    if dest.exists():
        raise WaretermError(
            _("{dest} exists already; choose a new name (a backup never overwrites)").format(
                dest=dest
            )
        )
    if not dest.parent.is_dir():
        raise WaretermError(_("there is no directory {dir}").format(dir=dest.parent))
    store.check_file()
    partial = dest.with_name(dest.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        _copy(store, partial)
        version = _checked(partial)
        _sync(partial)
        os.replace(partial, dest)
        _sync(dest.parent)
    except sqlite3.Error as error:
        _discard(partial)
        raise WaretermError(
            _("backup to {dest} failed: {error}; nothing was written there").format(
                dest=dest, error=error
            )
        ) from None
    except OSError as error:
        _discard(partial)
        raise WaretermError(
            _("backup to {dest} failed: {error}; nothing was written there").format(
                dest=dest, error=error.strerror or error
            )
        ) from None
    except BaseException:
        _discard(partial)
        raise
    return Backup(dest, dest.stat().st_size, version)


def _copy(store: Store, partial: Path) -> None:
    source = sqlite3.connect(file_uri(store.path, "ro"), uri=True)
    try:
        target = sqlite3.connect(str(partial))
        try:
            # All pages in one step: a step-wise copy starts again after every commit of
            # another connection, and on a busy floor might never finish.
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # the backup is one file
        finally:
            target.close()
    finally:
        source.close()


def _checked(partial: Path) -> int:
    """The copy's schema version, after ``quick_check`` found every page sound."""
    conn = sqlite3.connect(file_uri(partial, "ro"), uri=True)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise WaretermError(
                _(
                    "the copy failed its check ({problem}); the database itself may be damaged"
                ).format(problem=problems[0] if problems else "?")
            )
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(partial: Path) -> None:
    with contextlib.suppress(OSError):
        partial.unlink()
