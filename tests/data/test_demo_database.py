"""The demo database: orders in several statuses, holds, released lists, users who can log in."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FixedClock
from core.model import Verdict
from data.demo import build_demo
from data.demo_data import DEMO_PIN, DEMO_USERS, lot_goods_names
from data.floor import SqliteFloor
from data.store import Store, open_store
from tests.data.builders import NOW
from tests.data.test_stock_invariants import check_invariants


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    result = build_demo(directory, FixedClock(NOW))
    assert result.db == directory / "demo.db"
    assert any(str(result.db) in line for line in result.instructions)
    return directory


@pytest.fixture
def store(demo_dir: Path) -> Store:
    store = open_store(demo_dir / "demo.db", FixedClock(NOW))
    yield store
    store.close()


def test_orders_in_several_statuses(store: Store) -> None:
    counts = {
        row["status"]: row["n"]
        for row in store.query("SELECT status, count(*) AS n FROM orders GROUP BY status")
    }
    assert {"allocated", "on_hold", "backordered"} <= set(counts)
    assert counts["allocated"] > 10


def test_holds_show_their_problems(store: Store) -> None:
    held = store.query("SELECT order_no FROM orders WHERE status = 'on_hold'")
    assert held
    problems = store.query(
        "SELECT o.order_no, count(p.code) AS n FROM orders o LEFT JOIN order_problems p"
        " ON p.order_no = o.order_no WHERE o.status = 'on_hold' GROUP BY o.order_no"
    )
    assert all(row["n"] > 0 for row in problems)
    codes = {row["code"] for row in store.query("SELECT DISTINCT code FROM order_problems")}
    assert {"unpaid", "incomplete_address", "unknown_sku"} <= codes


def test_lists_are_released_in_walk_order(store: Store) -> None:
    lists = store.query("SELECT id FROM picklists WHERE status = 'released'")
    assert len(lists) >= 2
    assert store.scalar("SELECT count(DISTINCT wave_id) FROM picklists") == 2
    assert store.scalar("SELECT count(*) FROM pick_lines") > 0
    # Every order on a list is allocated, or picked on the lists the demo picks already,
    # or shipped or intercepted by the demo's after-sales (below).
    assert (
        store.scalar(
            "SELECT count(*) FROM orders WHERE picklist_id IS NOT NULL"
            " AND status NOT IN ('allocated', 'picking', 'picked', 'shipped', 'cancelled')"
        )
        == 0
    )
    picked = store.query("SELECT id, tote FROM picklists WHERE tote = '0001'")
    assert store.scalar(
        "SELECT count(*) FROM orders WHERE status = 'picked' AND picklist_id = ?",
        (picked[0]["id"],),
    ) == store.scalar("SELECT count(*) FROM orders WHERE picklist_id = ?", (picked[0]["id"],))
    used = store.scalar("SELECT count(*) FROM waybill_numbers WHERE status != 'free'")
    labelled = store.scalar("SELECT count(*) FROM packages")
    assert store.scalar("SELECT count(*) FROM waybill_numbers") == 7 * 500
    assert used == labelled
    sequences = {
        row["code"]: row["sequence"]
        for row in store.query("SELECT code, sequence FROM locations WHERE sequence IS NOT NULL")
    }
    assert sequences
    for picklist in lists:
        bins = [
            row["location"]
            for row in store.query(
                "SELECT location FROM pick_lines WHERE picklist_id = ? ORDER BY seq",
                (picklist["id"],),
            )
        ]
        walk = [sequences[b] for b in bins if b in sequences]
        assert walk == sorted(walk)


def test_stock_figures_are_consistent(store: Store) -> None:
    check_invariants(store)


@pytest.mark.parametrize(("name", "role"), DEMO_USERS)
def test_demo_users_log_in(store: Store, name: str, role: str) -> None:
    operator = SqliteFloor(store).login(name, DEMO_PIN, "demo")
    assert operator.role.value == role


def test_a_demo_picker_can_take_a_list_and_pick(store: Store) -> None:
    floor = SqliteFloor(store)
    picker = floor.badge_login("U:li.na", "demo-handheld")
    view = floor.claim_next_pick(picker)
    assert view is not None
    code = floor.expected_code(view.picklist_id)
    assert code is not None
    assert floor.pick_scan(picker, view.picklist_id, code, "wedge").verdict is Verdict.OK


def test_building_again_replaces_the_demo(tmp_path: Path) -> None:
    build_demo(tmp_path, FixedClock(NOW))
    first = open_store(tmp_path / "demo.db")
    count = first.scalar("SELECT count(*) FROM orders")
    first.close()
    build_demo(tmp_path, FixedClock(NOW))
    again = open_store(tmp_path / "demo.db")
    assert again.scalar("SELECT count(*) FROM orders") == count
    assert again.scalar("SELECT count(*) FROM users") == len(DEMO_USERS)
    again.close()


def test_the_demo_speaks_chinese_with_english_one_key_away(demo_dir: Path, store: Store) -> None:
    from data import settings, users
    from data.floor import SqliteFloor

    assert settings.get(store, "ui.language") == "zh_CN"
    assert SqliteFloor(store).site_language() == "zh_CN"
    # Demo users chose no language of their own: their sessions speak the site's.
    assert users.language_of(store, "zhang.wei") == "zh_CN"


def test_the_demo_has_shipped_orders_expected_returns_and_an_intercept(
    demo_dir: Path, store: Store
) -> None:
    from data import intercepts, returns
    from data.demo_after_sales import UNKNOWN_WAYBILL

    shipped = [
        r["order_no"] for r in store.query("SELECT order_no FROM orders WHERE status = 'shipped'")
    ]
    assert len(shipped) >= 2
    expected = returns.list_expected(store)
    assert {e["order_no"] for e in expected} <= set(shipped) and len(expected) == 2
    assert {e["kind"] for e in expected} == {"return", "exchange"}
    for line in expected:  # each return waybill finds its order at the returns bench
        found = returns.match(store, waybill=line["return_waybill"])
        assert [o["order_no"] for o in found] == [line["order_no"]]
    (held,) = intercepts.list_intercepts(store)
    assert held["status_before"] == "packed" and held["waybills"]
    sheet = (demo_dir / "scan_sheet.txt").read_text(encoding="utf-8")
    for code in (
        *(e["return_waybill"] for e in expected),
        held["waybills"],
        f"O:{held['order_no']}",
        UNKNOWN_WAYBILL,
    ):
        assert f"\n{code} " in sheet, code
    assert not returns.match(store, waybill=UNKNOWN_WAYBILL)
    # the demo's history printed nothing anywhere: no label waits for a printer
    assert not store.query("SELECT id FROM print_jobs WHERE status IN ('queued', 'failed')")


def test_the_demo_marks_its_lot_goods_through_the_products_file(store: Store) -> None:
    tracked = store.query("SELECT name, shelf_days FROM products WHERE lot_tracked = 1")
    assert sorted(row["name"] for row in tracked) == sorted(lot_goods_names())
    assert {row["shelf_days"] for row in tracked} == {30}
    # the product import set them (its audit entries), not a write of its own
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'demo.lot_tracked'") == 0
