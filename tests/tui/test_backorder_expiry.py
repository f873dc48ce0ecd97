"""A backorder waiting because its SKU's free units are too close to expiry says so on the
supervisor's Stock section, in Chinese, at a handheld's and an office terminal's size."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from core import i18n
from core.stock import LedgerKind, Movement
from data.stock import Document, save_movements
from data.store import open_store
from tests.data.floor_rows import NOW, supervised_floor
from tests.tui.conftest import ADMIN
from tests.tui.supervision import open_section, read_done, supervisor_app
from tests.tui.test_zh_snapshots import speak_chinese


@pytest.fixture
def floor_db(tmp_path: Path) -> Path:
    """The supervised floor, where SKU-LOW (DD-B waits for 5, 1 free) now also holds a lot of
    3 inside its 30-day do-not-ship window, in Chinese."""
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    store = open_store(path)
    with store.write(ADMIN) as write:
        write.execute("UPDATE products SET lot_tracked = 1, shelf_days = 30 WHERE sku = 'SKU-LOW'")
        expiry = (NOW + timedelta(days=10)).date()
        save_movements(
            write,
            [Movement(LedgerKind.RECEIVE, "SKU-LOW", "C-02", "L-NEAR", 3, expiry=expiry)],
            Document("test", "", "a lot close to expiry"),
        )
        write.audit("test.lot", "SKU-LOW")
    store.close()
    speak_chinese(path)
    return path


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_the_backorder_says_how_many_units_are_too_close_to_expiry(
    floor_db: Path, size: tuple[int, int]
) -> None:
    i18n.set_language("zh_CN")
    try:
        app = supervisor_app(floor_db)
        async with app.run_test(size=size) as pilot:
            screen = await open_section(pilot, "stock")
            await read_done(pilot)
            table = screen.query_one("#stock-back", DataTable)
            (order,) = screen.data.view.backorders if screen.data else ()
            assert [(m.sku, m.needed, m.free, m.too_close) for m in order.missing] == [
                ("SKU-LOW", 5, 1, 3)
            ]
            cell = str(table.get_row("DD-B")[-1])
            assert cell.startswith("SKU-LOW ×5") and cell_len(cell) <= 24
            width = sum(column.get_render_width(table) for column in table.columns.values())
            room = table.scrollable_content_region.width or size[0] - 2
            assert width <= room or size[0] < 80, (width, room)
    finally:
        i18n.set_language(None)
