"""The stock port on a real SQLite file: what a scan is, receiving that asks for a lot, a
replenishment of fewer units than proposed, counts that hide what a blind count expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import NotAllowed, Rejected
from core.model import Role
from core.ports import Operator
from core.stockwork import receipt_number
from data import receiving, stock, stock_reports
from data.stock import stock_check
from data.stockwork import SqliteStockWork
from data.store import open_store
from tests.tui.conftest import ADMIN, NOW
from tests.tui.test_stock_screens import stock_floor

LI_NA = Operator("li.na", Role.PICKER, "hh-1", "en")
ZHAO = Operator("zhao.min", Role.SUPERVISOR, "office", "en")


@pytest.fixture
def work(tmp_path: Path) -> SqliteStockWork:
    return SqliteStockWork(open_store(stock_floor(tmp_path / "stock.db"), FixedClock(NOW)))


def test_a_receipt_code_names_its_number() -> None:
    assert receipt_number("r:R-1 ") == "R-1"
    assert receipt_number("R:  ") is None
    assert receipt_number("L:A-01") is None


def test_what_a_scan_is(work: SqliteStockWork) -> None:
    assert work.read_code("R:R-1").kind == "receipt"
    bin_read = work.read_code("L:a-10")
    assert (bin_read.kind, bin_read.value) == ("bin", "A-10")
    unit = work.read_code("(01)04006381333931(10)L7(17)281231").unit
    assert unit is not None and (unit.sku, unit.lot, str(unit.expiry)) == (
        "SKU-TEA",
        "L7",
        "2028-12-31",
    )
    assert unit.lot_tracked
    assert work.read_code("6909999999996").kind == "unknown"


def test_a_lot_tracked_unit_without_a_lot_is_asked_for_not_refused(
    work: SqliteStockWork,
) -> None:
    asked = work.receive(LI_NA, "R-1", "4006381333931")
    assert asked.needs_lot and not asked.accepted
    assert receiving.show_receipt(work.store, "R-1")["units"] == []  # nothing recorded yet
    refused = work.receive(LI_NA, "R-1", "96385074", qty=3)
    assert not refused.accepted and not refused.needs_lot and refused.view.refused == 1
    done = work.receive(LI_NA, "R-1", "4006381333931", 1, "L7", NOW.date().replace(year=2028))
    assert done.accepted and done.view.received == 1


def test_a_replenishment_takes_at_most_what_was_proposed(work: SqliteStockWork) -> None:
    (task,) = work.replenishments(LI_NA)
    with pytest.raises(Rejected, match="1 to 5"):
        work.replenish(LI_NA, task.id, 6)
    done = work.replenish(LI_NA, task.id, 3)
    assert (done.qty, done.source, done.target) == (3, "R-01", "A-10")
    assert stock_check(work.store) == []


def test_a_picker_may_not_move_freely(work: SqliteStockWork) -> None:
    with pytest.raises(NotAllowed):
        work.bin_units(LI_NA, "A-2")
    with pytest.raises(NotAllowed):
        work.move(LI_NA, "SKU-CABLE", "A-2", "R-01", 1, "")
    assert work.bin_units(ZHAO, "A-2")[0].free == 9  # one is on a pick line


def test_a_blind_count_hides_what_the_books_expect(work: SqliteStockWork) -> None:
    blind = receiving.create_count(work.store, ADMIN, bins="C-01:C-01")["count"]
    shown = receiving.create_count(work.store, ADMIN, bins="A-2:A-2", open_count=True)["count"]
    tasks = {task.id: task for task in work.count_tasks(LI_NA)}
    assert tasks[blind].bins[0].expected is None
    assert tasks[shown].bins[0].expected == (("SKU-CABLE", "", 10),)
    result = work.count_bin(LI_NA, blind, "C-01", {("SKU-MUG", ""): 10})
    assert result.status == "approved" and not result.task.to_count
    assert stock.list_bins(work.store, "SKU-MUG")[0]["on_hand"] == 10
    assert stock_reports.replenish_list(work.store)  # untouched by the count
