"""A count task made from the Stock section's Counts tab through the real app on a real
database file: the dialog chooses the bins (a bin range, a SKU), blind or open, the task shows
on the tab and its bins are those ``counts create`` writes; a refused choice (an unknown SKU)
keeps the dialog with the service's words and makes nothing. In Chinese at 40x16 and 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from core import i18n
from core.clock import FixedClock
from core.stock_oversight import CountScope
from data.stock import list_bins
from data.store import open_store
from tests.data.floor_rows import NOW
from tests.tui.conftest import wait_until
from tests.tui.supervision import column, open_section, supervisor_app
from tests.tui.test_stock_tabs import _to_tab, stock_floor
from tests.tui.test_zh_snapshots import import_every_screen, speak_chinese
from tui.screens.count_dialog import CountTaskDialog
from tui.screens.stock import StockScreen

import_every_screen()


@pytest.fixture
def stock_db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "floor.db"
    stock_floor(path)
    speak_chinese(path)
    i18n.set_language("zh_CN")
    try:
        yield path
    finally:
        i18n.set_language(None)


def _tasks(path: Path) -> list[dict]:
    """Every count task with its bins, oldest first."""
    store = open_store(path, FixedClock(NOW))
    try:
        tasks = store.query("SELECT id, scope, open, created_by FROM counts ORDER BY id")
        for task in tasks:
            task["bins"] = [
                r["bin"]
                for r in store.query(
                    "SELECT bin FROM count_bins WHERE count_id = ? ORDER BY rowid", (task["id"],)
                )
            ]
        return tasks
    finally:
        store.close()


async def _dialog(pilot, screen: StockScreen) -> CountTaskDialog:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: "n" in screen.active_bindings)
    await pilot.press("n")

    def ready() -> bool:
        dialog = pilot.app.screen
        return isinstance(dialog, CountTaskDialog) and dialog.query_one("#count-scope").has_focus

    await wait_until(pilot, ready)
    dialog = pilot.app.screen
    assert isinstance(dialog, CountTaskDialog)
    return dialog


async def _type(pilot, field: Input, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into the focused field and press Enter (set at once, as the other dialog tests do:
    keys sent in a burst read as a keyboard scanner)."""
    await wait_until(pilot, lambda: field.has_focus)
    field.value = text
    await pilot.press("enter")


async def _choose(pilot, select: Select, steps: int) -> None:  # type: ignore[no-untyped-def]
    """Open a list with Enter, go ``steps`` down, take it with Enter (as an operator does)."""
    select.focus()
    await wait_until(pilot, lambda: select.has_focus)
    await pilot.press("enter")
    await wait_until(pilot, lambda: select.expanded)
    for _step in range(steps):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_until(pilot, lambda: not select.expanded)


def _fits(dialog: CountTaskDialog, size: tuple[int, int]) -> None:
    box = dialog.query_one(".count-dialog").region
    assert box.x >= 0 and box.y >= 0 and box.right <= size[0] and box.bottom <= size[1]
    for selector in ("#count-scope", "#count-value", "#count-open", ".dialog-hint"):
        part = dialog.query_one(selector).region
        assert part.height >= 1 and part.width >= 10, selector
        assert box.contains_region(part), selector


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_count_tasks_made_from_the_counts_tab(stock_db: Path, size: tuple[int, int]) -> None:
    before = _tasks(stock_db)
    store = open_store(stock_db, FixedClock(NOW))
    cup_bins = [r["bin"] for r in list_bins(store, "SKU-CUP") if r["on_hand"] > 0]
    store.close()
    assert len(cup_bins) == 2  # a pick face and a reserve bin
    app = supervisor_app(stock_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "stock")
        assert isinstance(screen, StockScreen)
        assert "n" not in screen.active_bindings  # only on the Counts tab
        await _to_tab(pilot, screen, "st-counts")
        counts = screen.query_one("#st-counts-table", DataTable)

        # 1. a bin range, blind (the default), typed into the value field
        dialog = await _dialog(pilot, screen)
        _fits(dialog, size)
        assert dialog.scope is CountScope.BINS
        await pilot.press("tab")
        value = dialog.query_one("#count-value", Input)
        await _type(pilot, value, "A-2:A-10")
        await wait_until(pilot, lambda: pilot.app.screen is screen)
        first = _tasks(stock_db)[-1]
        await wait_until(pilot, lambda: str(first["id"]) in column(counts), timeout=3.0)

        # 2. every bin of a SKU, open count, both chosen from their lists
        dialog = await _dialog(pilot, screen)
        await _choose(pilot, dialog.query_one("#count-scope", Select), 1)
        assert dialog.scope is CountScope.SKU
        value = dialog.query_one("#count-value", Input)
        await wait_until(pilot, lambda: value.has_focus)
        await _choose(pilot, dialog.query_one("#count-open", Select), 1)
        assert dialog.query_one("#count-open", Select).value is True
        await wait_until(pilot, lambda: value.has_focus)
        _fits(dialog, size)
        await _type(pilot, value, "SKU-CUP")
        await wait_until(pilot, lambda: pilot.app.screen is screen)
        second = _tasks(stock_db)[-1]
        await wait_until(pilot, lambda: str(second["id"]) in column(counts), timeout=3.0)
        assert column(counts)[:2] == [str(second["id"]), str(first["id"])]  # newest first

        # 3. an unknown SKU: the service's refusal in the dialog, nothing made
        dialog = await _dialog(pilot, screen)
        await _choose(pilot, dialog.query_one("#count-scope", Select), 1)
        value = dialog.query_one("#count-value", Input)
        await _type(pilot, value, "SKU-NOPE")
        error = dialog.query_one("#count-error", Static)
        said = i18n._("no product {sku} in the catalog").format(sku="SKU-NOPE")
        await wait_until(pilot, lambda: str(error.render()) == said)
        assert said != "no product SKU-NOPE in the catalog"  # said in Chinese
        assert pilot.app.screen is dialog
        assert error.region.height >= 1 and error.region.bottom <= size[1]
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is screen)

    made = _tasks(stock_db)[len(before) :]
    assert [(t["scope"], t["open"], t["created_by"]) for t in made] == [
        ("bins A-2:A-10", 0, "zhao.min"),
        ("sku SKU-CUP", 1, "zhao.min"),
    ]
    assert made[0]["bins"] == ["A-2", "A-10"]
    assert sorted(made[1]["bins"]) == sorted(cup_bins)
