"""Picking on the SQLite floor: scans, shares, verdicts, short picks, and resuming a list."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import NotAllowed, Rejected
from core.model import ShortReason, Verdict
from core.ports import Operator, PickView
from data import catalog, orders, settings, users, waves
from data.floor import SqliteFloor
from data.picking import list_scans
from data.store import Store, open_store
from tests.data.builders import (
    ADMIN,
    NOW,
    ean13,
    gtin,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
    stock,
)

CUP = ean13(1)
CABLE = "036000291452"  # UPC-A in the catalog
TEA = ean13(3)
LOOSE = ean13(4)  # in the catalog, on no list
STRANGER = gtin("400000000001")  # a valid GTIN nobody knows

PIN = "4821"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Two orders on one released list: A-2 cable ×1 (rush), A-10 cups ×3 (rush 1, standard 2),
    B-01 tea ×1 (standard)."""
    path = tmp_path / "floor.db"
    store = new_store(path)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", 10, barcodes=[CUP], location="A-10"),
                product("SKU-CABLE", 10, barcodes=[CABLE], location="A-2"),
                product("SKU-TEA", 10, barcodes=[TEA], location="B-01"),
                product("SKU-LOOSE", 10, barcodes=[LOOSE], location="C-01"),
            ]
        ),
        "p.csv",
    )
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            # the standard order is listed first in the file, so file order is not urgency
            order_rows(
                "O-STD", [("SKU-CUP", 2), ("SKU-TEA", 1)], placed_at="2026-11-21T08:00:00+08:00"
            ),
            order_rows(
                "O-RUSH",
                [("SKU-CUP", 1), ("SKU-CABLE", 1)],
                priority="rush",
                placed_at="2026-11-21T09:00:00+08:00",
            ),
        ),
        "o.csv",
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=10)
    users.add_user(store, ADMIN, "li.na", "picker", PIN)
    users.add_user(store, ADMIN, "wang.fang", "picker", PIN)
    store.close()
    return path


@pytest.fixture
def store(path: Path) -> Store:
    return open_store(path, FixedClock(NOW))


@pytest.fixture
def floor(store: Store) -> SqliteFloor:
    return SqliteFloor(store)


@pytest.fixture
def li(floor: SqliteFloor) -> Operator:
    return floor.login("li.na", PIN, "hh-1")


def _claim(floor: SqliteFloor, operator: Operator) -> PickView:
    view = floor.claim_next_pick(operator)
    assert view is not None
    return view


def _line_counts(store: Store) -> list[tuple[str, int, int, int]]:
    return [
        (row["sku"], row["qty"], row["picked"], row["short"])
        for row in store.query("SELECT sku, qty, picked, short FROM pick_lines ORDER BY seq")
    ]


def _order_picked(store: Store, order_no: str) -> dict[str, int]:
    return {
        row["sku"]: row["picked"]
        for row in store.query(
            "SELECT sku, picked FROM order_lines WHERE order_no = ?", (order_no,)
        )
    }


def test_a_whole_list_picked_in_walk_order(store: Store, floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    assert [line.location for line in view.lines] == ["A-2", "A-10", "B-01"]
    assert view.current is not None and view.current.sku == "SKU-CABLE"
    assert view.units_total == 5 and view.units_done == 0

    outcome = floor.pick_scan(li, view.picklist_id, CABLE, "wedge")
    assert outcome.verdict is Verdict.OK and outcome.accepted
    assert outcome.view is not None and outcome.view.current.sku == "SKU-CUP"  # line advanced

    # The first cup goes to the rush order although the standard order came first in the file.
    outcome = floor.pick_scan(li, view.picklist_id, CUP, "wedge")
    assert outcome.verdict is Verdict.OK
    assert store.scalar("SELECT order_no FROM scans ORDER BY id DESC LIMIT 1") == "O-RUSH"
    assert _order_picked(store, "O-RUSH") == {"SKU-CUP": 1, "SKU-CABLE": 1}
    assert _order_picked(store, "O-STD") == {"SKU-CUP": 0, "SKU-TEA": 0}
    assert status_of(store, "O-RUSH") == "picked"
    assert status_of(store, "O-STD") == "picking"

    for code in (CUP, CUP, TEA):
        outcome = floor.pick_scan(li, view.picklist_id, code, "serial")
        assert outcome.verdict is Verdict.OK
    assert outcome.view is not None and outcome.view.current is None
    assert outcome.view.units_done == 5
    assert _line_counts(store) == [
        ("SKU-CABLE", 1, 1, 0),
        ("SKU-CUP", 3, 3, 0),
        ("SKU-TEA", 1, 1, 0),
    ]
    row = store.query("SELECT status, finished_at FROM picklists")[0]
    assert row == {"status": "picked", "finished_at": "2026-11-21T06:00:00+00:00"}
    assert status_of(store, "O-STD") == "picked"
    shown = orders.show_order(store, "O-STD")
    assert [(line["sku"], line["qty"], line["picked"]) for line in shown["lines"]] == [
        ("SKU-CUP", 2, 2),
        ("SKU-TEA", 1, 1),
    ]
    shares = store.query("SELECT order_no, qty, picked FROM pick_shares ORDER BY id")
    assert all(share["picked"] == share["qty"] for share in shares)
    # Picking keeps the units reserved until they ship.
    assert stock(store, "SKU-CUP") == (10, 3)
    assert floor.claim_next_pick(li) is None  # nothing left, and the list is no longer mine


def test_refused_scans_change_no_count_and_are_stored(
    store: Store, floor: SqliteFloor, li: Operator
) -> None:
    view = _claim(floor, li)
    pid = view.picklist_id
    cases = [
        (LOOSE, Verdict.WRONG_ITEM),  # in the catalog, not on the list
        (STRANGER, Verdict.UNKNOWN_CODE),  # valid GTIN, not in the catalog
        (CUP[:-1] + str((int(CUP[-1]) + 1) % 10), Verdict.UNKNOWN_CODE),  # bad check digit
        ("\x01\x02", Verdict.UNKNOWN_CODE),
        ("O:DD-9", Verdict.NOT_EXPECTED),
    ]
    for raw, verdict in cases:
        outcome = floor.pick_scan(li, pid, raw, "wedge")
        assert outcome.verdict is verdict, raw
        assert not outcome.accepted
        assert outcome.message
    assert _line_counts(store) == [
        ("SKU-CABLE", 1, 0, 0),
        ("SKU-CUP", 3, 0, 0),
        ("SKU-TEA", 1, 0, 0),
    ]
    assert floor.pick_scan(li, pid, CABLE, "wedge").verdict is Verdict.OK
    over = floor.pick_scan(li, pid, CABLE, "wedge")
    assert over.verdict is Verdict.OVER_PICK
    assert _line_counts(store)[0] == ("SKU-CABLE", 1, 1, 0)
    assert store.scalar("SELECT sum(picked) FROM order_lines") == 1

    scans = store.query(
        "SELECT raw, verdict, user, station, source, picklist_id FROM scans ORDER BY id"
    )
    assert [(s["raw"], s["verdict"]) for s in scans] == [
        *[(raw, verdict.value) for raw, verdict in cases],
        (CABLE, "ok"),
        (CABLE, "over_pick"),
    ]
    assert {(s["user"], s["station"], s["source"], s["picklist_id"]) for s in scans} == {
        ("li.na", "hh-1", "wedge", pid)
    }
    listed = {row["verdict"] for row in list_scans(store, user="li.na")}
    assert {"wrong_item", "unknown_code", "over_pick", "ok", "not_expected"} <= listed


def test_lines_are_picked_in_any_order(store: Store, floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    pid = view.picklist_id
    # the tea stop comes last in walk order; its unit counts there when picked first
    outcome = floor.pick_scan(li, pid, TEA, "wedge")
    assert outcome.verdict is Verdict.OK and outcome.accepted
    assert "B-01" in outcome.message
    assert outcome.view is not None and outcome.view.current.sku == "SKU-CABLE"
    assert _line_counts(store) == [
        ("SKU-CABLE", 1, 0, 0),
        ("SKU-CUP", 3, 0, 0),
        ("SKU-TEA", 1, 1, 0),
    ]
    assert _order_picked(store, "O-STD") == {"SKU-CUP": 0, "SKU-TEA": 1}
    assert store.scalar("SELECT pick_line_id FROM scans ORDER BY id DESC LIMIT 1") == next(
        line.line_id for line in view.lines if line.sku == "SKU-TEA"
    )
    for code in (CUP, CUP, CABLE, CUP):
        assert floor.pick_scan(li, pid, code, "wedge").verdict is Verdict.OK
    assert store.scalar("SELECT status FROM picklists WHERE id = ?", (pid,)) == "picked"
    assert status_of(store, "O-STD") == "picked"
    assert floor.pick_scan(li, pid, TEA, "wedge").verdict is not Verdict.OK


def test_the_same_gtin_in_another_form_is_the_same_item(floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    # The catalog has UPC-A 036000291452; the EAN-13 spelling and a GS1-128 scan both match.
    assert floor.pick_scan(li, view.picklist_id, "0" + CABLE, "serial").verdict is Verdict.OK
    gs1 = "]C101" + CUP.zfill(14) + "10LOT42"
    assert floor.pick_scan(li, view.picklist_id, gs1, "serial").verdict is Verdict.OK


def test_a_picker_cannot_scan_on_another_pickers_list(
    store: Store, floor: SqliteFloor, li: Operator
) -> None:
    view = _claim(floor, li)
    wang = floor.login("wang.fang", PIN, "hh-2")
    outcome = floor.pick_scan(wang, view.picklist_id, CABLE, "wedge")
    assert outcome.verdict is Verdict.NOT_EXPECTED and not outcome.accepted
    assert store.scalar("SELECT sum(picked) FROM pick_lines") == 0
    scan = store.query("SELECT user, verdict FROM scans")
    assert scan == [{"user": "wang.fang", "verdict": "not_expected"}]
    with pytest.raises(Rejected):
        floor.short_pick(wang, view.picklist_id, view.lines[0].line_id, ShortReason.NOT_FOUND)
    assert store.scalar("SELECT sum(short) FROM pick_lines") == 0


def test_nobody_scans_on_a_list_that_is_not_claimed(
    store: Store, floor: SqliteFloor, li: Operator
) -> None:
    pid = store.scalar("SELECT id FROM picklists")
    outcome = floor.pick_scan(li, pid, CABLE, "wedge")
    assert outcome.verdict is Verdict.NOT_EXPECTED
    assert store.scalar("SELECT sum(picked) FROM pick_lines") == 0


def test_short_pick_after_one_unit(store: Store, floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    pid = view.picklist_id
    floor.pick_scan(li, pid, CABLE, "wedge")
    floor.pick_scan(li, pid, CUP, "wedge")  # the rush order's cup
    assert stock(store, "SKU-CUP") == (10, 3)
    cup_line = next(line for line in view.lines if line.sku == "SKU-CUP")

    after = floor.short_pick(li, pid, cup_line.line_id, ShortReason.NOT_FOUND)

    assert after.current is not None and after.current.sku == "SKU-TEA"  # the line is closed
    assert _line_counts(store)[1] == ("SKU-CUP", 3, 1, 2)
    assert (
        store.scalar("SELECT short_reason FROM pick_lines WHERE id = ?", (cup_line.line_id,))
        == "not_found"
    )
    # The standard order misses its two cups: exception, with a reason that names them.
    assert status_of(store, "O-STD") == "exception"
    reason = store.scalar("SELECT exception_reason FROM orders WHERE order_no = 'O-STD'")
    assert "SKU-CUP" in reason and "(not found)" in reason  # the reason code as a word
    assert status_of(store, "O-RUSH") == "picked"
    # The two short units are no longer reserved; the picked one still is.
    assert stock(store, "SKU-CUP") == (10, 1)
    line = store.query(
        "SELECT reserved, short, picked FROM order_lines WHERE order_no = 'O-STD' AND sku = 'SKU-CUP'"
    )
    assert line == [{"reserved": 0, "short": 2, "picked": 0}]
    # The bin is flagged for a count.
    bin_row = store.query("SELECT needs_count, count_reason FROM locations WHERE code = 'A-10'")[0]
    assert bin_row["needs_count"] == 1 and "SKU-CUP" in bin_row["count_reason"]
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'pick.short'") == 1

    # The list goes on and finishes.
    assert floor.pick_scan(li, pid, TEA, "wedge").verdict is Verdict.OK
    assert store.scalar("SELECT status FROM picklists") == "picked"
    assert status_of(store, "O-STD") == "exception"
    # A closed line cannot be closed again.
    with pytest.raises(Rejected):
        floor.short_pick(li, pid, cup_line.line_id, ShortReason.DAMAGED)


def test_short_pick_before_any_unit_hits_every_order_on_the_line(
    store: Store, floor: SqliteFloor, li: Operator
) -> None:
    view = _claim(floor, li)
    floor.pick_scan(li, view.picklist_id, CABLE, "wedge")
    cup_line = next(line for line in view.lines if line.sku == "SKU-CUP")
    floor.short_pick(li, view.picklist_id, cup_line.line_id, ShortReason.DAMAGED)
    assert status_of(store, "O-STD") == "exception"
    assert status_of(store, "O-RUSH") == "exception"
    assert stock(store, "SKU-CUP") == (10, 0)
    assert stock(store, "SKU-CABLE") == (10, 1)


def test_every_line_short_finishes_the_list(store: Store, floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    for line in view.lines:
        floor.short_pick(li, view.picklist_id, line.line_id, ShortReason.SHORT_STOCK)
    assert store.scalar("SELECT status FROM picklists") == "picked"
    assert store.scalar("SELECT sum(reserved) FROM products") == 0
    assert store.scalar("SELECT count(*) FROM locations WHERE needs_count = 1") == 3


def test_resume_after_the_session_ends(
    path: Path, store: Store, floor: SqliteFloor, li: Operator
) -> None:
    view = _claim(floor, li)
    floor.pick_scan(li, view.picklist_id, CABLE, "wedge")
    floor.pick_scan(li, view.picklist_id, CUP, "wedge")
    store.close()

    again = SqliteFloor(open_store(path, FixedClock(NOW)))
    operator = again.login("li.na", PIN, "hh-1")
    resumed = again.current_pick(operator)
    assert resumed is not None
    assert resumed.picklist_id == view.picklist_id
    assert resumed.units_done == 2
    assert resumed.current is not None and resumed.current.sku == "SKU-CUP"
    assert resumed.current.picked == 1
    claimed = again.claim_next_pick(operator)
    assert claimed is not None and claimed.picklist_id == view.picklist_id
    assert again.pick_scan(operator, view.picklist_id, CUP, "wedge").verdict is Verdict.OK
    assert again.current_pick(again.login("wang.fang", PIN, "hh-2")) is None


def test_location_first_requires_the_bin_label(
    store: Store, floor: SqliteFloor, li: Operator
) -> None:
    with store.write(ADMIN) as write:
        settings.put(write, "pick.location_first", "true")
    view = _claim(floor, li)
    pid = view.picklist_id
    assert floor.pick_scan(li, pid, CABLE, "wedge").verdict is Verdict.LOCATION_REQUIRED
    assert floor.pick_scan(li, pid, "L:Z-99", "wedge").verdict is Verdict.WRONG_LOCATION
    assert floor.pick_scan(li, pid, "L:a-2", "wedge").verdict is Verdict.LOCATION_OK
    assert floor.pick_scan(li, pid, CABLE, "wedge").verdict is Verdict.OK
    assert floor.pick_scan(li, pid, CUP, "wedge").verdict is Verdict.LOCATION_REQUIRED
    assert floor.expected_code(pid) == "L:A-10"
    assert store.scalar("SELECT sum(picked) FROM pick_lines") == 1


def test_expected_code_names_the_item_needed_now(floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    assert floor.expected_code(view.picklist_id) == CABLE.zfill(14)


def test_summary_counts_open_work(floor: SqliteFloor) -> None:
    summary = floor.summary()
    assert summary.by_status == {"allocated": 2}
    assert summary.lists_waiting == 1


# -- login --------------------------------------------------------------------------------------


def test_pin_login(store: Store, floor: SqliteFloor) -> None:
    operator = floor.login(" Li.Na ", PIN, "hh-1")
    assert (operator.name, operator.role.value, operator.station) == ("li.na", "picker", "hh-1")
    with pytest.raises(NotAllowed):
        floor.login("li.na", "0000", "hh-1")
    with pytest.raises(NotAllowed):
        floor.login("nobody", PIN, "hh-1")
    actions = [
        (row["action"], row["subject"])
        for row in store.query("SELECT action, subject FROM audit WHERE action LIKE 'login%'")
    ]
    assert actions == [("login", "li.na"), ("login.failed", "li.na"), ("login.failed", "nobody")]


def test_badge_login(store: Store, floor: SqliteFloor) -> None:
    operator = floor.badge_login("U:li.na", "hh-1")
    assert (operator.name, operator.role.value) == ("li.na", "picker")
    with pytest.raises(NotAllowed):
        floor.badge_login("U:nobody", "hh-1")
    with pytest.raises(NotAllowed):
        floor.badge_login(CUP, "hh-1")
    with store.write(ADMIN) as write:
        settings.put(write, "login.badge_only", "false")
    with pytest.raises(NotAllowed):
        floor.badge_login("U:li.na", "hh-1")


def test_every_change_leaves_its_audit_row(store: Store, floor: SqliteFloor, li: Operator) -> None:
    view = _claim(floor, li)
    floor.pick_scan(li, view.picklist_id, CABLE, "wedge")
    floor.pick_scan(li, view.picklist_id, LOOSE, "wedge")
    cup_line = next(line for line in view.lines if line.sku == "SKU-CUP")
    floor.short_pick(li, view.picklist_id, cup_line.line_id, ShortReason.DAMAGED)
    orders.cancel_order(store, ADMIN, "O-STD", "customer cancelled")
    actions = {row["action"] for row in store.query("SELECT action FROM audit")}
    assert {
        "product.add",
        "order.import",
        "picklist.create",
        "wave.release",
        "user.add",
        "login",
        "picklist.claim",
        "scan.ok",
        "scan.wrong_item",
        "pick.short",
        "order.exception",
        "order.cancel",
    } <= actions
    # Every scan has its audit row, written by the same person at the same station.
    scans = store.scalar("SELECT count(*) FROM scans")
    assert store.scalar("SELECT count(*) FROM audit WHERE action LIKE 'scan.%'") == scans == 2
    assert {
        (row["user"], row["station"])
        for row in store.query("SELECT user, station FROM audit WHERE action LIKE 'scan.%'")
    } == {("li.na", "hh-1")}


def test_a_tote_is_bound_to_one_list_until_that_list_is_packed(path: Path) -> None:
    store = open_store(path, FixedClock(NOW))
    floor = SqliteFloor(store)
    li = floor.login("li.na", PIN, "hh-1")
    view = floor.claim_next_pick(li)
    assert view is not None
    bound = floor.pick_scan(li, view.picklist_id, "T:0042", "wedge")
    assert bound.verdict is Verdict.TOTE_OK and bound.accepted
    assert store.scalar("SELECT tote FROM picklists WHERE id = ?", (view.picklist_id,)) == "0042"
    assert [row["verdict"] for row in list_scans(store)] == ["tote_ok"]
    # A second list may not take a tote that still holds the first one's units.
    with store.write(ADMIN) as write:
        write.execute(
            "INSERT INTO picklists (wave_id, status, priority, due_at, picker, created_at)"
            " SELECT wave_id, 'picking', priority, due_at, 'wang.fang', created_at"
            " FROM picklists WHERE id = ?",
            (view.picklist_id,),
        )
        other = write.execute("SELECT max(id) FROM picklists").fetchone()[0]
        write.audit("test.list", str(other))
    wang = floor.login("wang.fang", PIN, "hh-2")
    refused = floor.pick_scan(wang, other, "t:0042", "wedge")
    assert refused.verdict is Verdict.NOT_EXPECTED and "still holds list" in refused.message
    assert store.scalar("SELECT tote FROM picklists WHERE id = ?", (other,)) is None
