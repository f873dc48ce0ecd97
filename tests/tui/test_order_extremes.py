"""Orders a database may hold from before imports had limits: times at the ends of the calendar
(an import took 9999-12-31T15:00Z) and an order of thousands of lines. The supervisor's screens
show them; the order detail reads and draws its lines a page at a time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input

from core.oversight import ORDER_LINES_PAGE
from data.store import open_store
from tests.data.builders import ADMIN
from tests.data.floor_rows import supervised_floor
from tests.tui.conftest import wait_until
from tests.tui.supervision import column, open_section, read_done, supervisor_app, text_of
from tui.screens.orders import OrderDetailScreen

LINES = 2_000


@pytest.fixture
def extreme_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    store = open_store(path)
    with store.write(ADMIN) as write:
        write.audit("test.rows", "orders from before the import limits")
        for order_no, placed, due in (
            ("FAR-1", "9999-12-31T15:00:00+00:00", "9999-12-31T23:59:59+00:00"),
            ("EARLY-1", "0001-01-01T00:00:00+00:00", "0001-01-01T08:00:00+00:00"),
            ("LONG-1", "2026-11-21T01:00:00+00:00", "2026-11-22T01:00:00+00:00"),
        ):
            write.execute(
                "INSERT INTO orders (order_no, channel, placed_at, priority, payment_status,"
                " customer_name, phone, country, province, city, district, address, postcode,"
                " status, due_at, imported_at, updated_at)"
                " VALUES (?, 'tmall', ?, 'standard', 'paid', '张三', '13800000000', 'CN',"
                " '浙江省', '杭州市', '', '文三路', '', 'received', ?, ?, ?)",
                (order_no, placed, due, placed, placed),
            )
            write.conn.executemany(
                "INSERT INTO order_lines (order_no, line_no, sku, qty, note) VALUES (?,?,?,?,'')",
                [
                    (order_no, n, f"SKU-{n:05d}", 1)
                    for n in range(1, (LINES if order_no == "LONG-1" else 1) + 1)
                ],
            )
    store.close()
    return path


async def _open(pilot: Pilot, screen: Screen, order_no: str) -> OrderDetailScreen:
    screen.query_one("#orders-search", Input).value = order_no
    table = screen.query_one("#orders-table", DataTable)
    await wait_until(pilot, lambda: column(table) == [order_no])
    await pilot.press("o")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
    detail = await read_done(pilot)
    assert isinstance(detail, OrderDetailScreen) and detail.order_no == order_no
    return detail


async def test_times_at_the_ends_of_the_calendar_show(extreme_db: Path) -> None:
    app = supervisor_app(extreme_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_section(pilot, "orders")
        for order_no, year in (("FAR-1", "9999"), ("EARLY-1", "0001")):
            detail = await _open(pilot, screen, order_no)
            assert f"due {year}-" in text_of(detail, "#od-head")
            assert f"placed {year}-" in text_of(detail, "#od-info")
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen)
        screen.query_one("#orders-search", Input).value = "-1"
        table = screen.query_one("#orders-table", DataTable)
        await wait_until(pilot, lambda: "FAR-1" in column(table) and "EARLY-1" in column(table))


async def test_a_long_order_is_shown_a_page_of_lines_at_a_time(extreme_db: Path) -> None:
    app = supervisor_app(extreme_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "orders")
        started = time.monotonic()
        detail = await _open(pilot, screen, "LONG-1")
        assert time.monotonic() - started < 5
        table = detail.query_one("#od-lines-table", DataTable)
        assert table.row_count == ORDER_LINES_PAGE
        assert column(table, 1)[0] == "SKU-00001"
        assert f"lines 1–{ORDER_LINES_PAGE} of {LINES}" in text_of(detail, "#od-lines-pager")
        assert "n" in detail.active_bindings and "b" not in detail.active_bindings
        await pilot.press("n")
        await wait_until(pilot, lambda: column(table, 1)[0] == f"SKU-{ORDER_LINES_PAGE + 1:05d}")
        assert table.row_count == ORDER_LINES_PAGE
        assert "b" in detail.active_bindings
        await pilot.press("b")
        await wait_until(pilot, lambda: column(table, 1)[0] == "SKU-00001")
        # The last page, and no further.
        for _ in range(LINES // ORDER_LINES_PAGE - 1):
            await pilot.press("n")
        await wait_until(pilot, lambda: column(table, 1)[-1] == f"SKU-{LINES:05d}")
        assert "n" not in detail.active_bindings


async def test_a_short_order_has_no_pager(extreme_db: Path) -> None:
    app = supervisor_app(extreme_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "orders")
        detail = await _open(pilot, screen, "FAR-1")
        assert not detail.query_one("#od-lines-pager").display
        assert "n" not in detail.active_bindings
