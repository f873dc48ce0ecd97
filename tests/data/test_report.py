"""The daily report on a constructed day: every number against the rows and the audit trail."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.clock import to_iso
from core.errors import NotAllowed
from core.model import OrderStatus, Role
from data.report import daily_report
from data.store import Actor, Store
from tests.data.floor_rows import constructed_day, cst

DAY = date(2026, 11, 21)


@pytest.fixture
def day_store(tmp_path: Path) -> Store:
    return constructed_day(tmp_path / "day.db")


BOSS = Actor("zhao.min", "office")


def _audit_count(store: Store, action: str) -> int:
    start, end = to_iso(cst(21, 0)), to_iso(cst(22, 0))
    return store.scalar(
        "SELECT count(*) FROM audit WHERE action = ? AND at >= ? AND at < ?", (action, start, end)
    )


def test_the_day_in_numbers(day_store: Store) -> None:
    report = daily_report(day_store, BOSS, DAY)
    assert (report.start, report.end) == (cst(21, 0), cst(22, 0))
    assert (report.received, report.shipped, report.cancelled) == (5, 3, 1)
    # Import to ship: DD-0 600 min, DD-1 180, DD-3 210.
    assert sorted(report.lead_minutes) == [180, 210, 600]
    assert report.lead_avg_minutes == 330
    assert report.lead_p90_minutes == 600
    sla = {line.priority: line for line in report.sla}
    # Rush due that day: DD-1 (on time), DD-3 (late), DD-6 (not shipped); standard: DD-0.
    assert (sla["rush"].due, sla["rush"].hit, sla["rush"].missed) == (3, 1, 2)
    assert sla["rush"].hit_rate == pytest.approx(1 / 3)
    assert (sla["standard"].due, sla["standard"].hit, sla["standard"].hit_rate) == (1, 1, 1.0)
    assert (sla["deferred"].due, sla["deferred"].hit_rate) == (0, None)
    assert (report.pick_scans, report.pick_refused) == (6, 2)
    assert report.pick_accuracy == pytest.approx(4 / 6)
    assert (report.short_picks, report.short_units) == (1, 1)
    people = {(p.name, p.task): p for p in report.people}
    assert set(people) == {("li.na", "pick"), ("chen.jie", "pack")}
    li = people["li.na", "pick"]
    assert (li.lines, li.units, li.scans, li.refused) == (3, 4, 6, 2)
    assert li.hours == pytest.approx(5 / 60)  # 1 + 1 + 2 + 1 minutes; the 25 min is a break
    assert li.lines_per_hour == pytest.approx(36.0)
    chen = people["chen.jie", "pack"]
    assert (chen.lines, chen.units, chen.scans, chen.refused) == (3, 4, 5, 1)
    assert chen.lines_per_hour == pytest.approx(60.0)


def test_the_numbers_agree_with_the_audit_trail_and_the_rows(day_store: Store) -> None:
    report = daily_report(day_store, BOSS, DAY)
    assert report.received == _audit_count(day_store, "order.import")
    assert report.shipped == _audit_count(day_store, "order.ship")
    assert report.cancelled == _audit_count(day_store, "order.cancel")
    assert report.short_picks == _audit_count(day_store, "pick.short")
    scan_actions = day_store.query(
        "SELECT action, count(*) AS n FROM audit WHERE action LIKE 'scan.%' AND at >= ?"
        " AND at < ? GROUP BY action",
        (to_iso(cst(21, 0)), to_iso(cst(22, 0))),
    )
    counted = {row["action"]: row["n"] for row in scan_actions}
    assert report.pick_scans == sum(counted.values())
    assert report.pick_refused == sum(n for action, n in counted.items() if action != "scan.ok")
    shipped = day_store.query("SELECT order_no FROM orders WHERE status = ?", ("shipped",))
    assert len(shipped) == report.shipped


def test_other_days_see_their_own_rows(day_store: Store) -> None:
    before = daily_report(day_store, BOSS, date(2026, 11, 20))
    assert (before.received, before.shipped, before.pick_scans, before.people) == (1, 0, 0, ())
    after = daily_report(day_store, BOSS, date(2026, 11, 22))
    assert (after.received, after.shipped, after.pick_scans) == (1, 0, 1)
    # DD-2 (due the 22nd 08:00) is not yet due at 02:00: it is not counted as missed yet.
    assert {line.priority: line.due for line in after.sla}["standard"] == 0


def test_only_supervisors_and_admins_get_the_report(day_store: Store) -> None:
    for name in ("li.na", "chen.jie"):
        with pytest.raises(NotAllowed):
            daily_report(day_store, Actor(name, "office"), DAY)
    assert daily_report(day_store, Actor("cli:root", "cli", Role.ADMIN), DAY).shipped == 3


def test_report_as_data_and_csv_rows(day_store: Store) -> None:
    report = daily_report(day_store, BOSS, DAY)
    data = report.as_dict()
    assert data["date"] == "2026-11-21" and data["from"] == "2026-11-21T00:00:00+08:00"
    assert data["lead_time_minutes"] == {"avg": 330.0, "p90": 600.0, "orders": 3}
    assert data["sla"]["rush"] == {"due": 3, "hit": 1, "missed": 2, "hit_rate": 0.3333}
    assert data["picking"]["accuracy"] == 0.6667
    assert json.loads(json.dumps(data)) == data
    rows = report.csv_rows()
    assert ("sla", "deferred", "hit_rate", "") in rows
    assert ("picker", "li.na", "lines_per_hour", "36.0") in rows
    assert ("packer", "chen.jie", "lines", "3") in rows
    assert all(len(row) == 4 for row in rows)


def test_a_status_of_the_constructed_day_is_what_the_story_says(day_store: Store) -> None:
    """Guards the fixture: the report tests above rely on these states."""
    states = {r["order_no"]: r["status"] for r in day_store.query("SELECT * FROM orders")}
    assert states["DD-2"] == OrderStatus.EXCEPTION.value
    assert states["DD-4"] == OrderStatus.CANCELLED.value
    assert day_store.clock.now() - cst(21, 0) == timedelta(hours=26)
