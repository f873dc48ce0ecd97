"""Faults of the database file, on real files: missing, deleted or replaced under a running
store, read-only, damaged; each refused in plain words (what happened, what to do), never a
traceback and never an empty database made in its place. Backups are checked copies."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from core.errors import DatabaseCorrupt, DatabaseGone, ReadOnlyStore, StoreFault
from core.model import Role
from core.oversight import OrderQuery, PageRequest
from core.ports import Operator
from data import backup, catalog, users
from data.oversight import SqliteOversight
from data.store import Store, open_existing, open_store
from tests.tui.conftest import ADMIN, build_floor

SUPERVISOR = Operator("chen.jing", Role.SUPERVISOR, "office")


def _cli(db: Path, *args: str | Path) -> Result:
    from tui.cli import main

    return CliRunner().invoke(main, ["--db", str(db), *map(str, args)])


def _add_user(store: Store, name: str) -> None:
    users.add_user(store, ADMIN, name, "picker", "1234")


def _user_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])
    finally:
        conn.close()


# -- a missing file -------------------------------------------------------------------------------


def test_a_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    db = tmp_path / "wareterm.db"
    with pytest.raises(DatabaseGone) as refused:
        open_existing(db)
    assert "restore a backup" in str(refused.value) and "init" in str(refused.value)
    with pytest.raises(DatabaseGone):
        Store(db, create=False)
    assert not db.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["orders", "list"],
        ["users", "list"],
        ["import", "orders", "orders.csv"],
        ["serve", "--port", "0", "--no-print"],
        ["tui"],
        ["backup", "copy.db"],
    ],
)
def test_every_command_but_init_refuses_a_missing_database(
    tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "wareterm.db"
    (tmp_path / "orders.csv").write_text("order_no\n")
    result = _cli(
        db, *[str(tmp_path / part) if part.endswith(".csv") else part for part in command]
    )
    assert result.exit_code == 1, result.output
    assert "there is no database at" in result.stderr
    assert "Traceback" not in result.output
    assert not db.exists()
    made = _cli(db, "init")
    assert made.exit_code == 0 and db.exists()


# -- deleted or replaced under a running store ----------------------------------------------------


def test_a_store_whose_file_was_deleted_acknowledges_nothing(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    store = build_floor(db)
    watch = store.change_watch()
    watch()
    os.remove(db)
    with pytest.raises(DatabaseGone) as refused:
        _add_user(store, "zhao.lei")
    assert "deleted" in str(refused.value)
    with pytest.raises(DatabaseGone):
        store.query("SELECT name FROM users")
    with pytest.raises(DatabaseGone):
        watch()
    assert not db.exists()  # nothing made an empty one in its place
    store.close()


def test_a_store_whose_file_was_replaced_writes_nothing_into_either(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    shutil.copyfile(db, tmp_path / "restored.db")  # copied while no connection is open
    store = open_existing(db)
    before = _user_count(tmp_path / "restored.db")
    os.replace(tmp_path / "restored.db", db)  # a backup put back while the store runs
    with pytest.raises(DatabaseGone) as refused:
        _add_user(store, "zhao.lei")
    assert "replaced" in str(refused.value)
    store.close()
    assert _user_count(db) == before
    fresh = open_existing(db)  # the new file works for whoever opens it now
    _add_user(fresh, "zhao.lei")
    fresh.close()
    assert _user_count(db) == before + 1


READ_AND_CLOSE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("SELECT count(*) FROM users").fetchone()
conn.close()
"""


def test_opening_the_file_again_keeps_this_process_s_locks(tmp_path: Path) -> None:
    """Checking a file before opening it must not open and close it: that drops the POSIX
    locks this process's connections hold, and another process closing its connection would
    then delete the WAL under them (their later commits lost)."""
    db = tmp_path / "floor.db"
    build_floor(db).close()
    store = open_existing(db)
    store.query("SELECT 1")
    open_existing(db, check="full").close()  # a second store in the same process (serve does)
    other = subprocess.run(
        [sys.executable, "-c", READ_AND_CLOSE, str(db)],
        check=True,
    )
    assert other.returncode == 0
    _add_user(store, "zhao.lei")
    assert Path(f"{db}-wal").exists()
    assert _user_count(db) == 3  # the commit is in the file others read
    store.close()


# -- read-only ------------------------------------------------------------------------------------


def _read_only_undo(path: Path) -> Callable[[], object]:
    """How to make ``path`` writable again (safe to call twice)."""
    if os.geteuid() == 0:
        return lambda: subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
    return lambda: path.chmod(0o644)


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """The file made read-only for real: immutable for root (who ignores modes), mode 0444
    for anyone else; made writable again afterwards."""
    if os.geteuid() == 0:
        try:
            made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            why = made.stderr.strip() if made.returncode != 0 else ""
        except FileNotFoundError:
            why = "no chattr on this machine"
        if why:
            message = f"READ-ONLY FILE TEST SKIPPED: cannot make {path} immutable ({why})"
            warnings.warn(message, stacklevel=2)
            pytest.skip(message)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        _read_only_undo(path)()


def test_a_read_only_database_refuses_writes_in_plain_words_and_recovers(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    with _read_only(db):
        store = open_existing(db)
        assert store.query("SELECT count(*) AS n FROM users")[0]["n"] == 2  # reads work
        for _attempt in range(2):  # the second attempt meets the same fault, not a rollback error
            with pytest.raises(ReadOnlyStore) as refused:
                _add_user(store, "zhao.lei")
            assert "read-only" in str(refused.value)
            assert "cannot rollback" not in str(refused.value)
    _add_user(store, "zhao.lei")  # writable again: the same store carries on by itself
    store.close()
    assert _user_count(db) == 3


# -- a damaged file -------------------------------------------------------------------------------


def _flip(path: Path, offset: int, length: int = 64) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        data = file.read(length)
        file.seek(offset)
        file.write(bytes(byte ^ 0xFF for byte in data))


def _damaged_copy(tmp_path: Path) -> Path:
    """A floor whose pages past the first are damaged (a copy: the original stays sound)."""
    original = tmp_path / "floor.db"
    store = build_floor(original)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    damaged = tmp_path / "damaged.db"
    shutil.copyfile(original, damaged)
    page = int.from_bytes(damaged.read_bytes()[16:18], "big")
    for number in range(1, damaged.stat().st_size // page):
        _flip(damaged, number * page, 16)  # each page's header past the schema's page
    conn = sqlite3.connect(damaged)
    try:  # damaged for sure (else `serve` below would start and run)
        assert conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError:
        pass  # so damaged that the check itself stops
    finally:
        conn.close()
    return damaged


def test_a_damaged_file_is_refused_at_start_with_how_to_recover(tmp_path: Path) -> None:
    damaged = _damaged_copy(tmp_path)
    with pytest.raises(DatabaseCorrupt) as refused:
        open_existing(damaged, check="full")
    message = str(refused.value)
    assert "damaged" in message and ".recover" in message and "backup" in message
    with pytest.raises(DatabaseCorrupt):
        open_existing(damaged, check="session")  # a small file is checked whole by a session


def test_a_file_that_is_no_database_is_refused_by_the_header_check(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    _flip(db, 0, 16)
    with pytest.raises(DatabaseCorrupt):
        open_existing(db)
    result = _cli(db, "orders", "list")
    assert result.exit_code == 1 and "damaged" in result.stderr and "Traceback" not in result.output


def test_damage_met_while_reading_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "floor.db"
    store = build_floor(damaged)
    users.add_user(store, ADMIN, "chen.jing", "supervisor", "1234")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = store.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'orders'")
    page = store.scalar("PRAGMA page_size")
    store.close()
    _flip(damaged, (root - 1) * page, 16)  # only the orders table's page
    store = open_existing(damaged)  # the header and schema are sound: reading orders finds it
    with pytest.raises(StoreFault):
        SqliteOversight(store).orders(SUPERVISOR, OrderQuery(), PageRequest())
    store.close()
    result = _cli(damaged, "orders", "list")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_serve_refuses_a_damaged_file_before_it_listens(tmp_path: Path) -> None:
    damaged = _damaged_copy(tmp_path)
    result = _cli(damaged, "serve", "--port", "0", "--no-print")
    assert result.exit_code == 1
    assert "damaged" in result.stderr and ".recover" in result.stderr
    assert "listening" not in result.output


# -- backups --------------------------------------------------------------------------------------


def test_backup_while_the_floor_writes_is_a_checked_copy_as_of_one_commit(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    writer = open_existing(db)
    stop = threading.Event()
    added: list[str] = []

    def keep_writing() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            name = f"picker{number}"
            _add_user(writer, name)
            added.append(name)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        store = open_existing(db)
        made = backup.backup(store, tmp_path / "copy.db")
        store.close()
    finally:
        stop.set()
        thread.join()
    writer.close()
    assert made.path == tmp_path / "copy.db" and made.size > 0
    assert not (tmp_path / "copy.db.partial").exists()
    copy = sqlite3.connect(made.path)
    assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    names = {row[0] for row in copy.execute("SELECT name FROM users")}
    copy.close()
    # As of one commit: the users added so far, in order, with no gap.
    copied = [name for name in added if name in names]
    assert copied == added[: len(copied)]


def test_backup_never_overwrites_and_the_cli_reports_it(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    done = _cli(db, "backup", tmp_path / "nightly.db")
    assert done.exit_code == 0, done.output
    assert "checked" in done.stdout
    again = _cli(db, "backup", tmp_path / "nightly.db")
    assert again.exit_code == 1 and "exists already" in again.stderr


def test_a_restored_backup_serves_again(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_floor(db).close()
    assert _cli(db, "backup", tmp_path / "nightly.db").exit_code == 0
    store = open_existing(db)
    catalog.import_locations(store, ADMIN, b"code,sequence\nZ-99,1\n", "b.csv")
    store.close()
    # The documented restore: the damaged file and its WAL moved aside, the backup put back.
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            os.replace(f"{db}{suffix}", f"{db}{suffix}.broken")
    shutil.copyfile(tmp_path / "nightly.db", db)
    assert _cli(db, "init").exit_code == 0
    restored = open_existing(db, check="full")
    assert restored.query("SELECT code FROM locations WHERE code = 'Z-99'") == []
    assert len(restored.query("SELECT name FROM users")) == 2
    restored.close()


def test_open_store_still_creates_for_init_and_tests(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    open_store(db).close()
    assert db.exists()
    open_existing(db).close()
