"""Intercepts (拦截) on a real bench file: a labelled order stopped, its number voided, its
picked units given put-away tasks, its label refused at shipping as INTERCEPTED, and the pull
confirmed by a supervisor once."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import NotAllowed, NotFound, Rejected
from core.model import Verdict
from core.ports import Operator
from data import intercepts
from data.floor import SqliteFloor
from data.stock import stock_check
from data.store import Actor, Store, open_store
from tests.data.builders import NOW, add_floor_users, status_of
from tests.data.test_packing import CABLE, CUP, PIN, build_bench, check_all, first_list

SUPERVISOR = Actor("boss", "office")
PACKER = Actor("chen.jie", "bench-1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    build_bench(tmp_path / "floor.db")
    store = open_store(tmp_path / "floor.db", FixedClock(NOW))
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    return store


@pytest.fixture
def floor(store: Store) -> SqliteFloor:
    return SqliteFloor(store)


@pytest.fixture
def packer(floor: SqliteFloor) -> Operator:
    return floor.login("chen.jie", PIN, "bench-1")


def _labelled(store: Store, floor: SqliteFloor, packer: Operator) -> str:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
    shipment = closed.view.to_ship[0].shipment
    assert shipment is not None
    (waybill,) = shipment.waybills
    return waybill


def test_a_labelled_order_is_stopped_refused_at_shipping_and_confirmed_pulled(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    waybill = _labelled(store, floor, packer)
    assert status_of(store, "O-RUSH") == "packed"
    with pytest.raises(NotAllowed):
        intercepts.intercept(store, PACKER, "O-RUSH", "refund")
    done = intercepts.intercept(store, SUPERVISOR, "O-RUSH", "仅退款 refund")
    assert done["voided"] == [waybill] and done["before"] == "packed"
    assert status_of(store, "O-RUSH") == "cancelled"
    assert store.scalar("SELECT status FROM waybill_numbers WHERE number = ?", (waybill,)) == "void"
    tasks = store.query(
        "SELECT sku, qty, reason FROM putaway_tasks WHERE order_no = 'O-RUSH' ORDER BY sku"
    )
    assert tasks == [
        {"sku": "SKU-CABLE", "qty": 1, "reason": "intercepted"},
        {"sku": "SKU-CUP", "qty": 1, "reason": "intercepted"},
    ]
    shipped = floor.pack_scan(packer, waybill, "wedge")
    assert shipped.verdict is Verdict.NOT_EXPECTED and "INTERCEPTED" in shipped.message
    assert status_of(store, "O-RUSH") == "cancelled"
    assert not store.query("SELECT 1 FROM stock_ledger WHERE kind = 'ship'")
    with pytest.raises(Rejected, match="already"):
        intercepts.intercept(store, SUPERVISOR, "O-RUSH", "again")
    assert [r["order_no"] for r in intercepts.list_intercepts(store)] == ["O-RUSH"]
    with pytest.raises(NotAllowed):
        intercepts.confirm(store, PACKER, "O-RUSH")
    intercepts.confirm(store, SUPERVISOR, waybill.lower())  # the pulled parcel's label scanned
    assert intercepts.list_intercepts(store) == []
    assert intercepts.list_intercepts(store, everything=True)[0]["confirmed_by"] == "boss"
    with pytest.raises(Rejected, match="already"):
        intercepts.confirm(store, SUPERVISOR, "O:O-RUSH")
    with pytest.raises(NotFound):
        intercepts.confirm(store, SUPERVISOR, "O-FAR")
    assert stock_check(store) == []


def test_a_picked_order_is_intercepted_without_a_label_and_a_shipped_one_is_refused(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    assert status_of(store, "O-STD") == "picked"
    done = intercepts.intercept(store, SUPERVISOR, "O-STD", "refund")
    assert done["voided"] == []
    # at the bench, its list and its order code tell the packer to pull it
    opened = floor.pack_scan(packer, first_list(store), "wedge")
    assert opened.accepted and "INTERCEPTED: pull O-STD" in opened.message
    by_code = floor.pack_scan(packer, "O:O-STD", "wedge")
    assert by_code.verdict is Verdict.NOT_EXPECTED and "INTERCEPTED" in by_code.message
    assert store.scalar("SELECT sum(qty) FROM putaway_tasks WHERE order_no = 'O-STD'") == 3
    with pytest.raises(Rejected, match="reason"):
        intercepts.intercept(store, SUPERVISOR, "O-FAR", " ")
    floor.pack_scan(packer, _labelled(store, floor, packer), "wedge")
    assert status_of(store, "O-RUSH") == "shipped"
    with pytest.raises(Rejected, match="comes back as a return"):
        intercepts.intercept(store, SUPERVISOR, "O-RUSH", "too late")
    assert stock_check(store) == []
