"""Tracking on the supervisor's screens: an order's detail has a tab of its parcels' events, the
Exceptions have a tab of problem parcels (问题件) that opens the order; both at 40x16 and 80x24,
in English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, TabbedContent

from core import i18n
from core.tracking import TrackEvent, TrackStatus
from data import tracking
from data.store import open_store
from tests.data.builders import ADMIN
from tests.data.floor_rows import NOW, supervised_floor
from tests.tui.conftest import wait_until
from tests.tui.supervision import column, open_section, read_done, supervisor_app
from tests.tui.test_zh_snapshots import import_every_screen, speak_chinese
from tui.screens.orders import OrderDetailScreen

import_every_screen()

WAYBILL = "SF0000000001"  # DD-S's parcel, shipped at 12:10


@pytest.fixture
def tracked_db(tmp_path: Path) -> Path:
    """The supervised floor, DD-S's parcel picked up, moving, then reported a problem."""
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    store = open_store(path)
    tracking.record(
        store,
        ADMIN,
        [
            TrackEvent(WAYBILL, NOW - timedelta(hours=1), TrackStatus.PICKED_UP, "【杭州】已揽收"),
            TrackEvent(WAYBILL, NOW - timedelta(minutes=30), TrackStatus.IN_TRANSIT, "离开杭州"),
            TrackEvent(WAYBILL, NOW, TrackStatus.PROBLEM, "地址不详，\x1b[2J联系不上收件人"),
        ],
    )
    store.close()
    return path


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, tracked_db: Path) -> Iterator[str]:
    if request.param != "en":
        speak_chinese(tracked_db)
    i18n.set_language(None if request.param == "en" else request.param)
    try:
        yield request.param
    finally:
        i18n.set_language(None)


def _fits(table: DataTable, width: int) -> None:
    assert table.region.width <= width and table.region.right <= width
    for row in range(table.row_count):
        for cell in table.get_row_at(row):
            assert "\x1b" not in str(cell)


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_the_order_detail_shows_its_parcels_events(
    tracked_db: Path, language: str, size: tuple[int, int]
) -> None:
    app = supervisor_app(tracked_db)
    async with app.run_test(size=size) as pilot:
        await open_section(pilot, "orders")
        app.push_screen(OrderDetailScreen("DD-S"))
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        tabs = detail.query_one("#od-tabs", TabbedContent)
        for _ in range(4):  # Lines → Scans → Audit → Shipments → Tracking
            await pilot.press("right")
        await wait_until(pilot, lambda: tabs.active == "od-tracking")
        await pilot.pause()
        table = detail.query_one("#od-tracking-table", DataTable)
        assert column(table, 1) == [WAYBILL] * 3
        statuses = column(table, 2)
        if language == "en":
            assert statuses == ["problem parcel", "in transit", "picked up"]  # newest first
        else:
            assert statuses[0] == "问题件" and statuses[-1] == "已揽收"
        assert column(table, 3)[0] == "地址不详，[2J联系不上收件人"  # no ESC reaches the screen
        _fits(table, size[0])
        if size == (80, 24):
            width = sum(c.get_render_width(table) for c in table.columns.values())
            assert width <= table.scrollable_content_region.width, (width, language)


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_problem_parcels_have_a_tab_in_the_exceptions_that_opens_the_order(
    tracked_db: Path, language: str, size: tuple[int, int]
) -> None:
    app = supervisor_app(tracked_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "exceptions")
        tabs = screen.query_one("#ex-tabs", TabbedContent)
        await pilot.press("left")  # the last tab: Returns
        await wait_until(pilot, lambda: tabs.active == "ex-returns")
        await pilot.press("left")  # the one before it: Parcels
        await wait_until(pilot, lambda: tabs.active == "ex-parcels")
        await pilot.pause()
        table = screen.query_one("#ex-parcels-table", DataTable)
        assert column(table) == ["DD-S"] and column(table, 1) == [WAYBILL]
        assert column(table, 3) == ["problem parcel" if language == "en" else "问题件"]
        assert "(1)" in str(tabs.get_tab("ex-parcels").label)
        _fits(table, size[0])
        assert "o" in screen.active_bindings
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        assert isinstance(detail, OrderDetailScreen) and detail.order_no == "DD-S"


async def test_a_parcel_settled_by_a_later_event_leaves_the_tab(tracked_db: Path) -> None:
    store = open_store(tracked_db)
    tracking.record(
        store, ADMIN, [TrackEvent(WAYBILL, NOW + timedelta(hours=1), TrackStatus.SIGNED, "签收")]
    )
    store.close()
    app = supervisor_app(tracked_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "exceptions")
        await pilot.pause()
        assert screen.query_one("#ex-parcels-table", DataTable).row_count == 0
        assert "(0)" in str(screen.query_one("#ex-tabs", TabbedContent).get_tab("ex-parcels").label)
