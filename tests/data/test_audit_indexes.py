"""The audit's indexes leave scans out (every scan writes an audit row; nothing looks it up by
subject or time): the queries that read the audit by subject or time still use them, an older
file migrates, and a scan no longer writes the audit's index pages."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from core.model import Role
from core.ports import Operator
from data import schema
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.report import daily_report
from data.store import Actor, Store, open_store
from tests.data.floor_rows import constructed_day, supervised_floor

BOSS = Operator("zhao.min", Role.SUPERVISOR, "office")
DAY = date(2026, 11, 21)  # the constructed day (tests/data/test_report.py)


def _audit_reads(store: Store, read: object) -> list[str]:
    """The statements ``read()`` runs against the audit table."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        read()  # type: ignore[operator]
    finally:
        store.conn.set_trace_callback(None)
    return [sql for sql in seen if "FROM audit" in sql]


def _plan(store: Store, sql: str) -> str:
    return " / ".join(row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_order_detail_reads_its_audit_through_the_subject_index(tmp_path: Path) -> None:
    store = supervised_floor(tmp_path / "floor.db")
    port = SqliteOversight(store)
    detail = port.order(BOSS, "DD-1")
    assert [entry.action for entry in detail.audit][:1] == ["order.import"]
    reads = _audit_reads(store, lambda: port.order(BOSS, "DD-1"))
    assert reads
    for sql in reads:
        assert "USING INDEX audit_subject" in _plan(store, sql), sql


def test_the_daily_report_reads_the_audit_through_the_time_index(tmp_path: Path) -> None:
    store = constructed_day(tmp_path / "day.db")
    actor = Actor("zhao.min", "office")
    reads = _audit_reads(store, lambda: daily_report(store, actor, DAY))
    indexed = [sql for sql in reads if "at >=" in sql]
    assert len(indexed) == 2  # cancelled orders, short picks
    for sql in indexed:
        assert "USING INDEX audit_at" in _plan(store, sql), sql


def _entries(store: Store, index: str) -> int:
    """Entries an index holds, counted in its pages (dbstat), not through a query."""
    return int(store.scalar("SELECT sum(ncell) FROM dbstat WHERE name = ?", (index,)))


def test_a_scan_writes_its_audit_row_but_not_into_the_audit_indexes(tmp_path: Path) -> None:
    store = supervised_floor(tmp_path / "floor.db")
    floor = SqliteFloor(store)
    li = Operator("li.na", Role.PICKER, "hh-1")
    view = floor.claim_next_pick(li)
    assert view is not None
    before = store.scalar("SELECT count(*) FROM audit")
    floor.pick_scan(li, view.picklist_id, "NO-SUCH-CODE", "wedge")
    floor.pick_scan(li, view.picklist_id, view.current.barcode, "wedge")
    assert store.scalar("SELECT count(*) FROM audit") > before + 1
    scans = store.scalar("SELECT count(*) FROM audit WHERE action GLOB 'scan.*'")
    others = store.scalar(f"SELECT count(*) FROM audit WHERE {schema.AUDIT_INDEXED}")
    assert scans >= 2
    for index in ("audit_subject", "audit_at"):
        assert _entries(store, index) == others  # every other row, no scan's
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_a_file_before_the_change_migrates_with_its_audit_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import data.store

    path = tmp_path / "old.db"
    earlier = schema.MIGRATIONS[:-1]
    monkeypatch.setattr(data.store, "MIGRATIONS", earlier)
    monkeypatch.setattr(data.store, "SCHEMA_VERSION", len(earlier))
    store = open_store(path)
    with store.write(Actor("admin", "console", Role.ADMIN)) as write:
        write.audit("order.cancel", "DD-9", reason="test")
        write.audit("scan.ok", "P:000001", code="x")
    store.close()
    monkeypatch.undo()

    store = open_store(path)
    try:
        assert store.version == schema.SCHEMA_VERSION
        assert store.scalar("PRAGMA integrity_check") == "ok"
        assert [row["action"] for row in store.query("SELECT action FROM audit")] == [
            "order.cancel",
            "scan.ok",
        ]
        sql = {
            row["name"]: row["sql"]
            for row in store.query("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'audit'")
        }
        assert schema.AUDIT_INDEXED in sql["audit_subject"]
        assert schema.AUDIT_INDEXED in sql["audit_at"]
        assert (
            store.scalar(
                f"SELECT subject FROM audit INDEXED BY audit_subject WHERE subject = 'DD-9'"
                f" AND {schema.AUDIT_INDEXED}"
            )
            == "DD-9"
        )
    finally:
        store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()


def test_the_people_screen_reads_the_hour_and_the_day_by_the_scans_time_index(
    tmp_path: Path,
) -> None:
    """The hour's and the day's scans per person are a range of scans_at; walking the whole of
    scans_user_at for the GROUP BY would read 90 days of scans on every refresh."""
    store = supervised_floor(tmp_path / "floor.db")
    port = SqliteOversight(store)
    assert port.workers(BOSS)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        port.workers(BOSS)
    finally:
        store.conn.set_trace_callback(None)
    grouped = [sql for sql in seen if "FROM scans" in sql and "GROUP BY user" in sql]
    assert len(grouped) == 2  # the last hour, today
    for sql in grouped:
        plan = _plan(store, sql)
        assert "SEARCH scans USING INDEX scans_at" in plan, plan
