"""Receiving into a tote and putting the tote away, on a real SQLite file: the tote knows
what it holds at the dock, gives it up SKU by SKU, and a tote picking uses is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import Rejected
from core.model import Role
from core.ports import Operator
from core.totes import ToteLine, putaway_refusal, putaway_take, tote_lines
from data.floor import SqliteFloor
from data.stock import stock_check
from data.stockwork import SqliteStockWork
from data.store import open_store
from tests.tui.conftest import NOW
from tests.tui.test_stock_screens import stock_floor

LI_NA = Operator("li.na", Role.PICKER, "hh-1", "en")
MUG = "96385074"
TEA = "4006381333931"


@pytest.fixture
def work(tmp_path: Path) -> SqliteStockWork:
    return SqliteStockWork(open_store(stock_floor(tmp_path / "stock.db"), FixedClock(NOW)))


def test_what_a_tote_holds_is_received_less_put_away_and_never_more_than_the_dock() -> None:
    received = [("SKU-MUG", "", 2), ("SKU-TEA", "L7", 1), ("SKU-MUG", "", 1)]
    lines = tote_lines(received, [("SKU-MUG", "", 1)], {("SKU-MUG", ""): 5, ("SKU-TEA", "L7"): 0})
    assert lines == (ToteLine("SKU-MUG", "", 2),)  # the tea left the dock another way
    assert putaway_refusal("T:9", None, lines) is None
    assert putaway_refusal("T:9", None, ()) is not None
    assert "P:000001" in (putaway_refusal("T:9", "P:000001", lines) or "")
    assert putaway_take(lines, "SKU-MUG", "", 2) is None
    assert putaway_take(lines, "SKU-MUG", "", 3) is not None


def _receive_into_tote(work: SqliteStockWork, tote: str) -> None:
    shown = work.receiving_tote(LI_NA, tote)
    assert shown == "T:" + tote
    assert work.receive(LI_NA, "R-1", MUG, 2, tote=tote).accepted
    assert work.receive(LI_NA, "R-1", TEA, 1, "L7", date(2028, 12, 31), tote=tote).accepted


def test_a_tote_received_into_is_put_away_sku_by_sku_until_empty(work: SqliteStockWork) -> None:
    _receive_into_tote(work, "0007")
    # Not at the dock until the receipt is closed.
    with pytest.raises(Rejected, match="T:0007"):
        work.load_tote(LI_NA, "0007")
    work.close_receipt(LI_NA, "R-1")

    load = work.load_tote(LI_NA, "0007")
    assert [(sku, lot, n) for sku, _name, lot, n in load.lines] == [
        ("SKU-MUG", "", 2),
        ("SKU-TEA", "L7", 1),
    ]
    assert load.proposal is not None
    assert (load.proposal.sku, load.proposal.at_dock, load.proposal.proposed) == (
        "SKU-MUG",
        2,
        "C-01",
    )
    with pytest.raises(Rejected, match="SKU-MUG"):  # more than the tote holds
        work.put_away(LI_NA, "SKU-MUG", 3, "C-01", "", "DOCK", "0007")
    work.put_away(LI_NA, "SKU-MUG", 2, "C-01", "", "DOCK", "0007")

    load = work.load_tote(LI_NA, "0007")
    assert load.proposal is not None and (load.proposal.sku, load.proposal.lot) == ("SKU-TEA", "L7")
    work.put_away(LI_NA, "SKU-TEA", 1, "B-01", "L7", "DOCK", "0007")

    assert work.load_tote(LI_NA, "0007", refuse_empty=False).lines == ()
    with pytest.raises(Rejected, match="T:0007"):
        work.load_tote(LI_NA, "0007")
    store = work.store
    assert store.scalar("SELECT on_hand FROM stock WHERE bin = 'C-01' AND sku = 'SKU-MUG'") >= 2
    assert store.scalar("SELECT coalesce(sum(on_hand), 0) FROM stock WHERE bin = 'DOCK'") == 0
    assert stock_check(store) == []


def test_a_tote_in_use_for_picking_is_refused_at_receiving_and_put_away(
    work: SqliteStockWork,
) -> None:
    floor = SqliteFloor(work.store)
    li = floor.login("li.na", "1234", "hh-1")
    view = floor.claim_next_pick(li)
    assert view is not None
    assert floor.pick_scan(li, view.picklist_id, "T:0042", "wedge").accepted
    with pytest.raises(Rejected, match="T:0042"):
        work.receiving_tote(LI_NA, "0042")
    refused = work.receive(LI_NA, "R-1", MUG, 1, tote="0042")
    assert not refused.accepted and "T:0042" in refused.message
    with pytest.raises(Rejected, match="P:"):
        work.load_tote(LI_NA, "0042")
    assert work.read_code("T:0042").kind == "tote"
