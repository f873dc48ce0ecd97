"""The SQLite file: connection settings, versioned migrations and audited write transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.errors import StoreBusy, WaretermError
from data import schema
from data.store import Actor, Store, open_store
from tests.data.builders import ADMIN, new_store

TABLES = {
    "settings",
    "users",
    "locations",
    "products",
    "barcodes",
    "waves",
    "picklists",
    "orders",
    "order_lines",
    "order_problems",
    "pick_lines",
    "pick_shares",
    "scans",
    "audit",
    "putaway_tasks",
}


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_connection_pragmas(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    try:
        assert store.scalar("PRAGMA journal_mode") == "wal"
        assert store.scalar("PRAGMA foreign_keys") == 1
        assert store.scalar("PRAGMA busy_timeout") >= 1000
        assert store.scalar("PRAGMA synchronous") == 2  # FULL
    finally:
        store.close()
    # WAL is a property of the file: a plain connection sees it too.
    conn = sqlite3.connect(tmp_path / "w.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    with pytest.raises(sqlite3.IntegrityError), store.write(ADMIN) as write:
        write.execute("INSERT INTO barcodes (code, sku) VALUES ('X1', 'NO-SUCH-SKU')")
        write.audit("test", "x")
    assert store.scalar("SELECT count(*) FROM barcodes") == 0


def test_new_file_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = Store(path)
    assert store.version == 0
    assert store.migrate() == list(range(1, schema.SCHEMA_VERSION + 1))
    assert store.version == schema.SCHEMA_VERSION
    assert store.migrate() == []  # idempotent
    store.close()
    assert _tables(path) >= TABLES
    assert _user_version(path) == schema.SCHEMA_VERSION


def test_existing_version_zero_file_is_upgraded_keeping_its_contents(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('kept')")
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()

    store = open_store(path)
    assert store.version == schema.SCHEMA_VERSION
    assert store.scalar("SELECT text FROM notes") == "kept"
    store.close()
    assert _tables(path) >= TABLES


def test_an_older_schema_is_upgraded_by_the_next_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.db"
    store = new_store(path)
    with store.write(ADMIN) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('sla.rush_hours', '3')")
        write.audit("config.set", "sla.rush_hours")
    store.close()

    import data.store

    later = [*schema.MIGRATIONS, "ALTER TABLE settings ADD COLUMN note TEXT DEFAULT 'new'"]
    monkeypatch.setattr(data.store, "MIGRATIONS", later)
    monkeypatch.setattr(data.store, "SCHEMA_VERSION", len(later))
    store = Store(path)
    assert store.migrate() == [len(later)]
    assert store.version == len(later)
    assert store.query("SELECT key, value, note FROM settings") == [
        {"key": "sla.rush_hours", "value": "3", "note": "new"}
    ]
    assert store.migrate() == []
    store.close()


def test_a_failed_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.db"
    new_store(path).close()

    import data.store

    broken = [*schema.MIGRATIONS, "CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table"]
    monkeypatch.setattr(data.store, "MIGRATIONS", broken)
    monkeypatch.setattr(data.store, "SCHEMA_VERSION", len(broken))
    store = Store(path)
    with pytest.raises(sqlite3.OperationalError):
        store.migrate()
    store.close()
    assert _user_version(path) == schema.SCHEMA_VERSION
    assert "extra" not in _tables(path)


def test_a_file_from_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    new_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(WaretermError, match="newer"):
        open_store(path)
    assert _user_version(path) == schema.SCHEMA_VERSION + 1


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(WaretermError):
        open_store(path)


def test_write_commits_its_change_with_the_audit_row(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    with store.write(Actor("li.na", "hh-1")) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
        write.audit("config.set", "k", value="v")
    other = new_store(tmp_path / "w.db")
    assert other.scalar("SELECT value FROM settings WHERE key = 'k'") == "v"
    audit = other.query("SELECT user, station, action, subject, detail, at FROM audit")
    assert audit == [
        {
            "user": "li.na",
            "station": "hh-1",
            "action": "config.set",
            "subject": "k",
            "detail": '{"value": "v"}',
            "at": "2026-11-21T06:00:00+00:00",
        }
    ]


def test_write_without_an_audit_row_is_refused_and_rolled_back(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    with pytest.raises(RuntimeError, match="audit"), store.write(ADMIN) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
    assert store.scalar("SELECT count(*) FROM settings") == 0
    assert not store.conn.in_transaction
    # The connection is usable afterwards.
    with store.write(ADMIN) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('k', 'w')")
        write.audit("config.set", "k")
    assert store.scalar("SELECT value FROM settings") == "w"


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = new_store(path)
    with pytest.raises(ValueError, match="boom"), store.write(ADMIN) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
        write.audit("config.set", "k")
        raise ValueError("boom")
    assert not store.conn.in_transaction
    assert store.scalar("SELECT count(*) FROM settings") == 0
    assert store.scalar("SELECT count(*) FROM audit") == 0
    other = new_store(path)
    assert other.scalar("SELECT count(*) FROM audit") == 0


def test_a_constraint_error_rolls_back_earlier_statements(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    with pytest.raises(sqlite3.IntegrityError), store.write(ADMIN) as write:
        write.execute(
            "INSERT INTO products (sku, name, on_hand, updated_at) VALUES ('A', 'a', 1, 'x')"
        )
        write.audit("product.add", "A")
        write.execute("UPDATE products SET reserved = 5 WHERE sku = 'A'")  # > on_hand
    assert store.scalar("SELECT count(*) FROM products") == 0
    assert store.scalar("SELECT count(*) FROM audit") == 0


def test_write_holds_the_write_lock_from_its_first_statement(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: the lock is taken at BEGIN, before anything is read or written."""
    path = tmp_path / "w.db"
    store = new_store(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with store.write(ADMIN) as write:
            assert store.conn.in_transaction
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            write.audit("test", "lock")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_write_blocked_by_another_session_reports_busy(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = new_store(path)
    store.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy), store.write(ADMIN) as write:
            write.audit("test", "never")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not store.conn.in_transaction
    with store.write(ADMIN) as write:
        write.audit("test", "after")
    assert store.scalar("SELECT count(*) FROM audit") == 1


def test_read_sees_a_consistent_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = new_store(path)
    writer = new_store(path)
    with store.read() as conn:
        before = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        with writer.write(ADMIN) as write:
            write.audit("test", "concurrent")
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert store.scalar("SELECT count(*) FROM audit") == before + 1


def test_data_version_moves_when_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = new_store(path)
    writer = new_store(path)
    seen = store.data_version()
    with writer.write(ADMIN) as write:
        write.audit("test", "bump")
    assert store.data_version() != seen
