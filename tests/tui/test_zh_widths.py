"""Chinese takes two columns a character: names are cut by display width, and the supervisor's
tables keep every column at 80x24 however long the names in them are, in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from core import i18n
from data import stations, users
from data.store import open_store
from tests.data.floor_rows import supervised_floor
from tests.tui.conftest import ADMIN
from tests.tui.supervision import open_section, read_done, supervisor_app
from tests.tui.test_zh_snapshots import import_every_screen, speak_chinese
from tui.widgets.cells import fit

import_every_screen()

LONG_NAME = "浙江省杭州市西湖区文三路90号东部软件园创新大厦A座十二楼全体采购部收" * 2
LONG_PRODUCT = "超大容量不锈钢真空保温杯 配茶隔 滤网 提手 礼盒装 送杯刷 " * 3
LONG_USER = "a" * 32
LONG_STATION = "handheld-" + "9" * 23


def test_fit_cuts_by_display_width_never_half_a_character() -> None:
    assert fit("保温杯 500ml", 40) == "保温杯 500ml"
    cut = fit("一二三四五六七八", 7)
    assert cut == "一二三…" and cell_len(cut) <= 7
    assert cell_len(fit("ab一二三四五", 6)) <= 6
    assert fit("abcdefgh", 5) == "abcd…"


@pytest.fixture
def long_names_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    store = open_store(path)
    stations.add_station(store, ADMIN, LONG_STATION, "", "")
    users.add_user(store, ADMIN, LONG_USER, "picker", "1234", LONG_STATION)
    with store.write(ADMIN) as write:
        write.execute("UPDATE orders SET customer_name = ?", (LONG_NAME,))
        write.execute("UPDATE products SET name = ? WHERE sku = 'SKU-LOW'", (LONG_PRODUCT,))
        write.audit("test.names", "long")
    store.close()
    return path


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, long_names_db: Path) -> Iterator[str]:
    if request.param != "en":
        speak_chinese(long_names_db)  # the supervisor's session speaks the site's language
    i18n.set_language(None if request.param == "en" else request.param)
    try:
        yield request.param
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize("section", ["people", "stock", "exceptions", "overview", "orders"])
async def test_every_column_stays_on_an_office_screen(
    long_names_db: Path, language: str, section: str
) -> None:
    app = supervisor_app(long_names_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, section)
        await read_done(pilot)
        await pilot.pause()
        screen = app.screen
        tables = [table for table in screen.query(DataTable) if table.row_count]
        assert tables
        for table in tables:
            width = sum(column.get_render_width(table) for column in table.columns.values())
            # A table on a tab not shown has no size yet: the tabs' frame leaves it 78.
            room = table.scrollable_content_region.width or 78
            assert room <= 80 and width <= room, (section, table.id, width, room)
