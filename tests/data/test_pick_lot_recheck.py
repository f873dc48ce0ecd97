"""A pick list released while its lot could still ship is checked again when a picker claims or
resumes it: a line whose lot entered the do-not-ship window (or expired) since moves to another
shippable lot, or goes short with the reason; on a real file, with the stock kept true."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.model import Role, Verdict
from core.ports import Operator, PickView
from core.stock import LedgerKind, Movement
from data import orders, waves
from data.floor import SqliteFloor
from data.stock import Document, list_bins, save_movements, set_bin_kind, stock_check
from data.store import Store
from tests.data.builders import (
    ADMIN,
    CUP_BARCODE,
    NOW,
    add_floor_users,
    cup_and_tea_store,
    order_rows,
    orders_csv,
    status_of,
)

PICKER = Operator("li.na", Role.PICKER, "hh-1")
#: SKU-CUP ships no lot within 30 days of its expiry; L-OLD has 40 days left, L-NEW 200.
OLD_EXPIRY = (NOW + timedelta(days=40)).date()
NEW_EXPIRY = (NOW + timedelta(days=200)).date()


def _store(tmp_path: Path, new_lot: int) -> Store:
    """Cups lot L-OLD: 4 in pick face A-01; lot L-NEW: ``new_lot`` in reserve R-01."""
    store = cup_and_tea_store(tmp_path / "w.db", cups=0)
    add_floor_users(store, "picker", PICKER.name)
    set_bin_kind(store, ADMIN, "R-01", "reserve")
    movements = [Movement(LedgerKind.RECEIVE, "SKU-CUP", "A-01", "L-OLD", 4, expiry=OLD_EXPIRY)]
    if new_lot:
        movements.append(
            Movement(LedgerKind.RECEIVE, "SKU-CUP", "R-01", "L-NEW", new_lot, expiry=NEW_EXPIRY)
        )
    with store.write(ADMIN) as write:
        write.execute("UPDATE products SET lot_tracked = 1, shelf_days = 30 WHERE sku = 'SKU-CUP'")
        save_movements(write, movements, Document("receipt", "R-1"))
        write.audit("test.lots", "SKU-CUP")
    return store


def _release(store: Store, cups: int = 2) -> None:
    orders.import_orders(
        store, ADMIN, orders_csv(order_rows("O-1", [("SKU-CUP", cups), ("SKU-TEA", 1)])), "o.csv"
    )
    waves.release_wave(store, ADMIN)
    line = store.query("SELECT location, lot FROM pick_lines WHERE sku = 'SKU-CUP'")
    assert [(r["location"], r["lot"]) for r in line] == [("A-01", "L-OLD")]


def _later(store: Store, days: int) -> None:
    assert isinstance(store.clock, FixedClock)
    store.clock.advance(timedelta(days=days))


def _open_lines(view: PickView) -> list[tuple[str, str, int, int]]:
    return [(ln.location, ln.sku, ln.qty, ln.short) for ln in view.lines]


def _reserved(store: Store) -> dict[tuple[str, str], int]:
    return {(r["bin"], r["lot"]): r["reserved"] for r in list_bins(store, "SKU-CUP")}


def test_a_lot_that_entered_the_window_overnight_moves_to_a_lot_that_may_ship(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, new_lot=4)
    floor = SqliteFloor(store)
    _release(store)
    _later(store, 15)  # L-OLD now has 25 days left: inside the 30-day window
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    assert _open_lines(view) == [("R-01", "SKU-CUP", 2, 0), ("B-01", "SKU-TEA", 1, 0)]
    assert "R-01" in view.notice and "lot too close to expiry" in view.notice
    assert store.query("SELECT lot FROM pick_lines WHERE location = 'R-01'")[0]["lot"] == "L-NEW"
    assert _reserved(store) == {("A-01", "L-OLD"): 0, ("R-01", "L-NEW"): 2}
    assert stock_check(store) == []
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'pick.lot_redraw'") == 1
    for code in (CUP_BARCODE, CUP_BARCODE):
        assert floor.pick_scan(PICKER, view.picklist_id, code, "wedge").verdict is Verdict.OK
    assert status_of(store, "O-1") == "picking"  # the tea is still to pick
    # resuming the list the next day finds nothing more to move
    _later(store, 1)
    again = floor.current_pick(PICKER)
    assert again is not None and again.notice == ""
    assert stock_check(store) == []


@pytest.mark.parametrize(
    ("days", "reason"), [(15, "too_close_to_expiry"), (41, "expired")], ids=["window", "expired"]
)
def test_with_no_other_lot_the_line_goes_short_with_the_reason(
    tmp_path: Path, days: int, reason: str
) -> None:
    store = _store(tmp_path, new_lot=0)
    floor = SqliteFloor(store)
    _release(store)
    _later(store, days)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    assert _open_lines(view) == [("A-01", "SKU-CUP", 2, 2), ("B-01", "SKU-TEA", 1, 0)]
    assert view.current is not None and view.current.sku == "SKU-TEA"
    assert "SKU-CUP ×2" in view.notice
    line = store.query("SELECT short, short_reason FROM pick_lines WHERE sku = 'SKU-CUP'")[0]
    assert (line["short"], line["short_reason"]) == (2, reason)
    assert status_of(store, "O-1") == "exception"
    exception = store.query("SELECT exception_code, exception_params FROM orders")[0]
    assert exception["exception_code"] == "exception.short_pick"
    assert reason in exception["exception_params"]
    assert _reserved(store) == {("A-01", "L-OLD"): 0}
    assert store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-CUP'") == 0
    assert store.scalar("SELECT short FROM order_lines WHERE sku = 'SKU-CUP'") == 2
    assert stock_check(store) == []


def test_a_list_resumed_after_the_lot_entered_the_window_is_checked_again(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, new_lot=4)
    floor = SqliteFloor(store)
    _release(store, cups=3)
    view = floor.claim_next_pick(PICKER)
    assert view is not None and view.notice == ""
    assert floor.pick_scan(PICKER, view.picklist_id, CUP_BARCODE, "wedge").accepted
    _later(store, 15)
    # the pick screen asks again when the day turns; logging in again resumes the same way
    after = floor.recheck_pick(PICKER, view.picklist_id)
    assert after is not None and "R-01" in after.notice
    assert _open_lines(after) == [
        ("A-01", "SKU-CUP", 1, 0),
        ("R-01", "SKU-CUP", 2, 0),
        ("B-01", "SKU-TEA", 1, 0),
    ]
    # the cup already in the tote stays counted where it was picked
    assert _reserved(store) == {("A-01", "L-OLD"): 1, ("R-01", "L-NEW"): 2}
    assert floor.recheck_pick(PICKER, view.picklist_id) is None
    resumed = floor.current_pick(PICKER)
    assert resumed is not None and resumed.notice == ""
    for code in (CUP_BARCODE, CUP_BARCODE):
        assert floor.pick_scan(PICKER, view.picklist_id, code, "wedge").verdict is Verdict.OK
    assert stock_check(store) == []


def test_resuming_after_logging_in_again_moves_the_line(tmp_path: Path) -> None:
    store = _store(tmp_path, new_lot=4)
    floor = SqliteFloor(store)
    _release(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    _later(store, 15)
    resumed = floor.current_pick(PICKER)
    assert resumed is not None and "R-01" in resumed.notice
    assert resumed.current is not None and resumed.current.location == "R-01"
    assert stock_check(store) == []


@pytest.mark.parametrize(
    ("hours", "moved"), [(9.5, False), (10.5, True)], ids=["23:30 in Shanghai", "00:30"]
)
def test_the_day_of_the_window_turns_at_midnight_site_time(
    tmp_path: Path, hours: float, moved: bool
) -> None:
    """L-OLD enters its 30-day window on the day 10 days from now. Nine days and 10.5 hours
    on it is 00:30 of that day in Shanghai (16:30 UTC of the day before): the lot may no
    longer ship. An hour earlier it still may."""
    store = _store(tmp_path, new_lot=4)
    floor = SqliteFloor(store)
    _release(store)
    assert isinstance(store.clock, FixedClock)
    store.clock.advance(timedelta(days=9, hours=hours))
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    cups = [ln.location for ln in view.lines if ln.sku == "SKU-CUP"]
    assert cups == (["R-01"] if moved else ["A-01"])  # L-NEW's bin, or L-OLD's
    assert ("lot too close to expiry" in view.notice) is moved
    assert stock_check(store) == []
