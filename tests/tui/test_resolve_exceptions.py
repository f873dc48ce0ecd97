"""The supervisor resolves a short-picked order from the Exceptions tab, in Chinese at 80x24 and
40x16: picking its missing units again, or being told why it cannot ship partly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, TabbedContent

from core import i18n
from data import orders
from data.stock import move_stock, set_bin_kind
from data.store import open_store
from tests.data.floor_rows import supervised_floor
from tests.tui.conftest import ADMIN, wait_until
from tests.tui.supervision import open_section, supervisor_app
from tests.tui.test_zh_snapshots import _fully_on_screen, speak_chinese
from tui.screens.dialogs import ReasonDialog

SIZES = [pytest.param((80, 24), id="office"), pytest.param((40, 16), id="handheld")]


@pytest.fixture
def super_db(tmp_path: Path) -> Iterator[Path]:
    """The supervised floor (DD-X short-picked at C-01), with two mugs in a reserve bin."""
    path = tmp_path / "floor.db"
    store = supervised_floor(path)
    set_bin_kind(store, ADMIN, "R-05", "reserve")
    move_stock(store, ADMIN, "SKU-MUG", "C-01", "R-05", 2, "overflow")
    store.close()
    speak_chinese(path)
    i18n.set_language("zh_CN")
    try:
        yield path
    finally:
        i18n.set_language(None)


async def _reason(pilot, text: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ReasonDialog) and any(
            field.has_focus for field in screen.query("#reason").results(Input)
        )

    await wait_until(pilot, ready)
    reason = pilot.app.screen.query_one("#reason", Input)
    await wait_until(pilot, lambda: _fully_on_screen(reason, size))
    reason.value = text
    await pilot.press("enter")


async def _on_exceptions_tab(pilot, screen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("right")
    await wait_until(pilot, lambda: screen.query_one("#ex-tabs").active == "ex-exceptions")
    await wait_until(pilot, lambda: {"k", "w", "c"} <= set(screen.active_bindings))


@pytest.mark.parametrize("size", SIZES)
async def test_pick_the_missing_units_again(super_db: Path, size: tuple[int, int]) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "exceptions")
        assert "k" not in screen.active_bindings  # the Holds tab cannot pick again
        await _on_exceptions_tab(pilot, screen)
        table = screen.query_one("#ex-exceptions-table", DataTable)
        assert _fully_on_screen(table, size)
        await pilot.press("k")
        await _reason(pilot, "客户在等", size)
        await wait_until(pilot, lambda: table.row_count == 0)
    store = open_store(super_db)
    assert orders.show_order(store, "DD-X")["status"] == "picking"
    lines = store.query(
        "SELECT l.location, l.qty FROM pick_lines l JOIN picklists p ON p.id = l.picklist_id"
        " WHERE p.id = (SELECT picklist_id FROM orders WHERE order_no = 'DD-X')"
    )
    assert [(r["location"], r["qty"]) for r in lines] == [("R-05", 2)]


@pytest.mark.parametrize("size", SIZES)
async def test_a_partial_release_the_channel_does_not_take_is_refused_loudly(
    super_db: Path, size: tuple[int, int]
) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "exceptions")
        await _on_exceptions_tab(pilot, screen)
        await pilot.press("w")
        await _reason(pilot, "先发有货的", size)
        await wait_until(pilot, lambda: any("DD-X" in str(n.message) for n in app._notifications))
        assert screen.query_one("#ex-exceptions-table", DataTable).row_count == 1
    assert orders.show_order(open_store(super_db), "DD-X")["status"] == "exception"


async def test_a_focus_given_before_the_key_does_not_bring_the_old_tab_back(
    super_db: Path,
) -> None:
    """The Holds table gets the focus (as the screen gives it while it comes up) and → comes
    before that news has gone round the tabs, as on a busy terminal: the Exceptions tab the key
    chose stays in front and its table gets the focus."""
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "exceptions")
        tabs = screen.query_one("#ex-tabs", TabbedContent)
        holds = screen.query_one("#ex-holds-table", DataTable)
        exceptions = screen.query_one("#ex-exceptions-table", DataTable)
        screen.set_focus(None)
        await pilot.pause()
        screen.set_focus(holds)
        screen.action_tab(1)  # what → runs, before the Holds table's Focus is handled
        await wait_until(pilot, lambda: screen.focused is exceptions)
        await pilot.pause()
        assert tabs.active == "ex-exceptions"
        assert screen.focused is exceptions
