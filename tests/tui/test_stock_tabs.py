"""The supervisor's Stock tabs through the real app on a real database file: stock per bin, low
stock and pick faces below their minimum, replenishments waiting, lots near expiry and expired,
count tasks and counted bins awaiting a decision — in Chinese at 40x16 and 80x24, hostile names
drawn as text, and approve / recount from the screen writing what ``counts approve|recount``
write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, TabbedContent

from core import i18n
from core.clock import FixedClock, local_day
from core.stock import LedgerKind, Movement
from data import catalog
from data.receiving import count_bin, create_count, show_count
from data.stock import (
    Document,
    list_bins,
    list_ledger,
    move_stock,
    save_movements,
    set_bin_kind,
    stock_check,
)
from data.stock_reports import set_bin_min
from data.store import Actor, open_store
from tests.data.builders import ADMIN, product, products_csv
from tests.data.floor_rows import NOW, supervised_floor
from tests.tui.conftest import wait_until
from tests.tui.supervision import column, open_section, supervisor_app
from tests.tui.test_zh_snapshots import import_every_screen, speak_chinese
from tui.screens.dialogs import ReasonDialog
from tui.screens.stock import StockScreen

import_every_screen()

HOSTILE_NAME = "[bold red]茶盘[/bold red] \x1b]0;owned\x07托盘 [@click=app.quit]x[/]"
HOSTILE_LOT = "[b]L1\x1b[2J"
FIRST_COUNTER = Actor("li.na", "hh-1")
SECOND_COUNTER = Actor("wang.fang", "hh-2")

PANES = ("st-low", "st-bins", "st-replen", "st-expiry", "st-counts", "st-diffs")


def stock_floor(path: Path) -> int:
    """The supervised floor with stock in reserve, a pick face to replenish, one below its
    minimum with nothing in reserve, a lot-tracked SKU with a near and an expired lot (hostile
    name and lot), and a count with a bin counted twice (by two people) awaiting a decision.
    Returns the count's id."""
    store = supervised_floor(path)
    store.close()
    store = open_store(path, FixedClock(NOW))
    try:
        catalog.import_products(
            store,
            ADMIN,
            products_csv([product("SKU-LOT", 0, name=HOSTILE_NAME, location="D-01")]),
            "lot.csv",
        )
        move_stock(store, ADMIN, "SKU-CUP", "A-10", "R-01", 8, "overflow")
        set_bin_kind(store, ADMIN, "R-01", "reserve")
        set_bin_min(store, ADMIN, "A-10", 15)  # A-10 keeps 12 of SKU-CUP: replenish from R-01
        set_bin_min(store, ADMIN, "C-01", 30)  # SKU-MUG: nothing in reserve to refill from
        today = local_day(NOW)
        with store.write(ADMIN) as write:
            save_movements(
                write,
                [
                    Movement(
                        LedgerKind.RECEIVE,
                        "SKU-LOT",
                        "D-01",
                        HOSTILE_LOT,
                        4,
                        expiry=today + timedelta(days=9),
                    ),
                    Movement(
                        LedgerKind.RECEIVE,
                        "SKU-LOT",
                        "D-02",
                        "L-OLD",
                        2,
                        expiry=today - timedelta(days=3),
                    ),
                ],
                Document("receipt", "R-T", "made by the test"),
            )
            write.audit("test.book", "stock")
        task = create_count(store, ADMIN, bins="B-01:B-01")
        count_id = int(task["count"])
        count_bin(store, FIRST_COUNTER, count_id, "B-01", {("SKU-TEA", ""): 17})
        count_bin(store, SECOND_COUNTER, count_id, "B-01", {("SKU-TEA", ""): 17})
        assert show_count(store, count_id)["bins"][0]["status"] == "counted"
        assert stock_check(store) == []
    finally:
        store.close()
    return count_id


@pytest.fixture
def stock_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    stock_floor(path)
    return path


@pytest.fixture
def chinese(stock_db: Path) -> Iterator[None]:
    speak_chinese(stock_db)
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language(None)


def _table(screen: StockScreen, pane: str) -> DataTable:
    return screen.query_one("#stock-low" if pane == "st-low" else f"#{pane}-table", DataTable)


async def _to_tab(pilot, screen: StockScreen, pane: str) -> None:  # type: ignore[no-untyped-def]
    """Walk the tabs with → until ``pane`` is in front (as an operator does): one key per tab,
    the next once this one's tab is in front with the focus in it (a tab that came back, or a
    key that was lost, fails here)."""

    def focus_in_front() -> bool:
        focused = screen.focused
        return focused is not None and any(node.id == screen.pane for node in focused.ancestors)

    for _step in PANES:
        if screen.pane == pane:
            break
        before = screen.pane
        await pilot.press("right")
        await wait_until(pilot, lambda before=before: screen.pane != before and focus_in_front())
    assert screen.query_one("#st-tabs", TabbedContent).active == pane
    await wait_until(pilot, lambda: _table(screen, pane).region.height > 0)


def _cells(table: DataTable) -> list[Text]:
    return [cell for row in range(table.row_count) for cell in table.get_row_at(row)]


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_every_tab_in_chinese_at_both_sizes(
    stock_db: Path, chinese: None, size: tuple[int, int]
) -> None:
    app = supervisor_app(stock_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "stock")
        assert isinstance(screen, StockScreen)
        books = {
            (r["bin"], r["sku"], r["lot"]): r
            for r in list_bins(open_store(stock_db, FixedClock(NOW)))
        }
        expected = {
            "st-low": ["SKU-LOW", "SKU-CUP", "SKU-MUG"],
            "st-replen": ["A-10"],
            "st-expiry": ["过期", "临期"],
            "st-counts": [str(next(iter(screen.data.tabs.counts)).id)] if screen.data else [],
            "st-diffs": ["1"],
        }
        for pane in PANES:
            await _to_tab(pilot, screen, pane)
            table = _table(screen, pane)
            # the tab's table sits inside the screen, under the tabs, with its header and a row
            assert table.region.right <= size[0] and table.region.bottom <= size[1] - 1
            assert table.region.height >= 2 and table.region.width >= size[0] - 2
            if pane in expected:
                assert column(table) == expected[pane], pane
            if size[0] == 80:
                width = sum(c.get_render_width(table) for c in table.columns.values())
                assert width <= table.scrollable_content_region.width, (pane, width)
            for cell in _cells(table):
                assert (
                    isinstance(cell, Text) and "\x1b" not in cell.plain and "\x07" not in cell.plain
                )
        # by bin: every row with units, in walk order, on hand / reserved / free as booked
        bins = _table(screen, "st-bins")
        assert bins.row_count == len([r for r in books.values() if r["on_hand"] > 0])
        for (code, sku, lot), row in books.items():
            if row["on_hand"] <= 0:
                continue
            cells = [str(c) for c in bins.get_row(f"{code}\x00{sku}\x00{lot}")]
            assert cells[0] == code and cells[2] == sku
            assert cells[5] == str(row["on_hand"]) and cells[7] == str(row["free"])
        assert column(bins)[:3] == ["A-2", "A-10", "B-01"]
        # the hostile lot is drawn as its text, the escape gone
        assert "[b]L1[2J" in [str(c) for c in _cells(bins)]
        lots = [str(c) for c in bins.get_row(f"D-01\x00SKU-LOT\x00{HOSTILE_LOT}")]
        assert lots[1] == "拣货位" or lots[1] == "pick face"
        # low stock: a pick face below its minimum shows its minimum
        low = [str(c) for c in _table(screen, "st-low").get_row("face\x00C-01\x00SKU-MUG")]
        assert low[2] == "C-01" and low[6].endswith("30")
        assert "C-01" not in column(_table(screen, "st-replen"))  # nothing in reserve
        # replenishment: 12 at the face, min 15, from R-01
        replen = [str(c) for c in _table(screen, "st-replen").get_row("A-10:SKU-CUP")]
        assert replen[:3] == ["A-10", "SKU-CUP", "12"] and replen[5] == "R-01"
        # expiry: the hostile name is not on this tab, the hostile lot is, as text
        expiry = _table(screen, "st-expiry")
        assert [str(c) for c in expiry.get_row_at(0)][4:6] == ["D-02", "L-OLD"]
        assert [str(c) for c in expiry.get_row_at(1)][5] == "[b]L1[2J"
        # differences: one bin, 3 down (17 found of 20 on the books)
        (diff,) = screen.data.tabs.differences if screen.data and screen.data.tabs else ()
        row = [str(c) for c in _table(screen, "st-diffs").get_row(diff.key)]
        assert row[1] == "B-01" and row[5] == f"-{diff.down}" and diff.down > 0


async def test_a_hostile_product_name_on_the_low_stock_tab_is_text(stock_db: Path) -> None:
    store = open_store(stock_db, FixedClock(NOW))
    set_bin_min(store, ADMIN, "D-01", 50)
    store.close()
    app = supervisor_app(stock_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_section(pilot, "stock")
        table = screen.query_one("#stock-low", DataTable)
        names = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        assert "[bold red]茶盘[/bold red] ]0;owned托盘 [@click=app.quit]x[/]" in names


def _ledger(path: Path, count_id: int) -> list[dict]:
    store = open_store(path, FixedClock(NOW))
    try:
        return list_ledger(store, doc=f"count:{count_id}")
    finally:
        store.close()


async def _type_reason(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    def ready() -> bool:
        dialog = pilot.app.screen
        return isinstance(dialog, ReasonDialog) and any(
            field.has_focus for field in dialog.query("#reason").results(Input)
        )

    await wait_until(pilot, ready)
    field = pilot.app.screen.query_one("#reason", Input)
    field.value = text
    await pilot.press("enter")


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_approve_from_the_screen_writes_the_adjustment(
    stock_db: Path, chinese: None, size: tuple[int, int]
) -> None:
    store = open_store(stock_db, FixedClock(NOW))
    count_id = store.scalar("SELECT max(id) FROM counts")
    (result,) = store.query(
        "SELECT counted, expected FROM count_results WHERE count_id = ? AND bin = 'B-01'",
        (count_id,),
    )
    before = sum(r["on_hand"] for r in list_bins(store, "SKU-TEA") if r["bin"] == "B-01")
    store.close()
    app = supervisor_app(stock_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "stock")
        assert isinstance(screen, StockScreen)
        assert "a" not in screen.active_bindings  # not on the low stock tab
        await _to_tab(pilot, screen, "st-diffs")
        await wait_until(pilot, lambda: "a" in screen.active_bindings)
        # a reason is required: an empty one keeps the dialog and writes nothing
        await pilot.press("a")
        await _type_reason(pilot, "  ")
        assert isinstance(app.screen, ReasonDialog)
        assert _ledger(stock_db, count_id) == []
        await _type_reason(pilot, "三件破损报废")
        diffs = _table(screen, "st-diffs")
        await wait_until(pilot, lambda: diffs.row_count == 0)
        await wait_until(pilot, lambda: "a" not in screen.active_bindings)
    entries = _ledger(stock_db, count_id)
    assert [(e["kind"], e["bin"], e["qty"], e["reason"], e["user"]) for e in entries] == [
        ("adjustment", "B-01", result["counted"] - result["expected"], "三件破损报废", "zhao.min")
    ]
    store = open_store(stock_db, FixedClock(NOW))
    after = sum(r["on_hand"] for r in list_bins(store, "SKU-TEA") if r["bin"] == "B-01")
    assert after - before == result["counted"] - result["expected"]
    assert show_count(store, count_id)["status"] == "closed"
    assert stock_check(store) == []


async def test_recount_from_the_screen_sends_the_bin_back(stock_db: Path) -> None:
    app = supervisor_app(stock_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "stock")
        assert isinstance(screen, StockScreen)
        await _to_tab(pilot, screen, "st-diffs")
        await wait_until(pilot, lambda: "r" in screen.active_bindings)
        await pilot.press("r")
        await _type_reason(pilot, "count it again")
        counts = _table(screen, "st-counts")
        diffs = _table(screen, "st-diffs")
        await wait_until(pilot, lambda: diffs.row_count == 0)
        # the count task now has the bin to count again
        assert [str(c) for c in counts.get_row_at(0)][4] == "1"
    store = open_store(stock_db, FixedClock(NOW))
    (place,) = store.query("SELECT status, reason, decided_by, previous_by FROM count_bins")
    assert (place["status"], place["reason"], place["decided_by"]) == (
        "recount",
        "count it again",
        "zhao.min",
    )
    assert place["previous_by"] == SECOND_COUNTER.user  # the last counter may not recount
    assert list_ledger(store, doc="count:1") == []


async def test_changes_elsewhere_show_on_the_tabs(stock_db: Path) -> None:
    app = supervisor_app(stock_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "stock")
        assert isinstance(screen, StockScreen)
        await _to_tab(pilot, screen, "st-replen")
        replen = _table(screen, "st-replen")
        assert column(replen) == ["A-10"]
        other = open_store(stock_db, FixedClock(NOW))
        # another session refills the face: the replenishment goes, the bins follow
        move_stock(other, ADMIN, "SKU-CUP", "R-01", "A-10", 8, "replenishment")
        await wait_until(pilot, lambda: replen.row_count == 0, timeout=3.0)
        bins = _table(screen, "st-bins")
        await wait_until(pilot, lambda: "R-01" not in column(bins), timeout=3.0)
        task = create_count(other, ADMIN, bins="C-01:C-01")
        count_bin(other, FIRST_COUNTER, task["count"], "C-01", {("SKU-MUG", ""): 1})
        other.close()
        counts = _table(screen, "st-counts")
        await wait_until(pilot, lambda: str(task["count"]) in column(counts), timeout=3.0)


async def test_a_picker_session_cannot_reach_the_stock_port(stock_db: Path) -> None:
    from core.errors import NotAllowed
    from core.model import Role
    from core.ports import Operator
    from data.stock_oversight import SqliteStockOversight

    port = SqliteStockOversight(open_store(stock_db, FixedClock(NOW)))
    picker = Operator("li.na", Role.SUPERVISOR, "hh-1")  # the role claimed is not trusted
    with pytest.raises(NotAllowed):
        port.tabs(picker)
    with pytest.raises(NotAllowed):
        port.approve_count(picker, 1, "B-01", "lost")
    assert list_ledger(port.store, doc="count:1") == []
