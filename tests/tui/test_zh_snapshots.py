"""Every screen in Chinese at the sizes people use: a handheld (40x16), a bench or office
terminal (80x24) and a large supervisor's screen (120x40). Chinese characters take two
columns, so these are the layouts that cut words first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from core import i18n
from tests.data.floor_rows import supervised_floor
from tests.data.test_packing import CABLE, CUP, LOOSE
from tests.tui.conftest import WALK, badge_login, make_app, scan, take_list, wait_until
from tests.tui.supervision import open_section, read_done, supervisor_app
from tests.tui.test_pack_flow import _bench, _first_list, _scan_and_wait, bench_db  # noqa: F401
from tui.screens.orders import OrderDetailScreen
from tui.screens.pack import PackScreen
from tui.screens.pick import PickScreen


def import_every_screen() -> None:
    """Key labels are read when a screen's module is imported: import them all (in English)
    before any test switches the language, so the order tests run in cannot change them."""
    import importlib
    import pkgutil

    import tui.app
    import tui.screens
    import tui.widgets

    for package in (tui.screens, tui.widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    assert tui.app


import_every_screen()

FLOOR_SIZES = [pytest.param((40, 16), id="handheld"), pytest.param((80, 24), id="bench")]
OFFICE_SIZES = [pytest.param((80, 24), id="office"), pytest.param((120, 40), id="large")]
SECTIONS = ["overview", "orders", "people", "exceptions", "stock", "throughput"]


def speak_chinese(path: Path) -> None:
    """The site speaks zh_CN (``ui.language``): every session, its login screen and the
    language a user without their own gets after logging in."""
    from data import settings
    from data.store import open_store
    from tests.tui.conftest import ADMIN

    store = open_store(path)
    with store.write(ADMIN) as write:
        settings.put(write, "ui.language", "zh_CN")
    store.close()


@pytest.fixture(autouse=True)
def chinese(request: pytest.FixtureRequest) -> Iterator[None]:
    """The floor of the test speaks zh_CN, with the catalog in the package; English again
    afterwards."""
    for name in ("floor_db", "bench_db", "super_db", "long_names_db"):
        if name in request.fixturenames:
            speak_chinese(request.getfixturevalue(name))
    i18n.set_language("zh_CN")
    assert i18n._("Next list") != "Next list", "the zh_CN catalog is not compiled"
    try:
        yield
    finally:
        i18n.set_language(None)


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_login(snap_compare: Any, floor_db: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(floor_db), terminal_size=size)


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_home_of_a_picker(snap_compare: Any, floor_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        await pilot.pause()

    assert snap_compare(make_app(floor_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_pick_after_a_scan(snap_compare: Any, floor_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.units_done == 1)

    assert snap_compare(make_app(floor_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_pick_wrong_item(snap_compare: Any, floor_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, "96385074")
        await wait_until(pilot, lambda: screen.last is not None)

    assert snap_compare(make_app(floor_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_home_of_a_packer(snap_compare: Any, bench_db: Path, size: tuple[int, int]) -> None:  # noqa: F811
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot, "chen.jie")
        await pilot.pause()

    assert snap_compare(
        make_app(bench_db, station="bench-1"), terminal_size=size, run_before=run_before
    )


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_pack_waiting_for_the_weight(
    snap_compare: Any,
    bench_db: Path,  # noqa: F811
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await _bench(pilot, bench_db, _first_list(bench_db))
        for code in (CUP, CABLE, LOOSE):
            await _scan_and_wait(pilot, screen, code)
        for key in ("1", "full_stop", "2"):
            await pilot.press(key)
            await pilot.pause(0.08)
        await wait_until(pilot, lambda: screen.proposal is not None)

    assert snap_compare(
        make_app(bench_db, station="bench-1"), terminal_size=size, run_before=run_before
    )


@pytest.mark.parametrize("size", FLOOR_SIZES)
def test_batch_print(snap_compare: Any, bench_db: Path, size: tuple[int, int]) -> None:  # noqa: F811
    from tui.screens.batch import BatchPrintScreen

    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot, "chen.jie")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BatchPrintScreen))
        screen = pilot.app.screen
        assert isinstance(screen, BatchPrintScreen)
        await wait_until(pilot, lambda: len(screen.waves) == 1, timeout=10)
        pilot.app.animation_level = "none"  # the idle progress bar stands still
        await pilot.pause()

    assert snap_compare(
        make_app(bench_db, station="bench-1"), terminal_size=size, run_before=run_before
    )


@pytest.fixture
def super_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    return path


async def _settled(pilot: Pilot) -> None:
    from textual.widgets import DataTable

    def laid_out() -> bool:
        return not any(
            table._require_update_dimensions for table in pilot.app.screen.query(DataTable)
        )

    await wait_until(pilot, laid_out)
    await pilot.pause()


@pytest.mark.parametrize("size", OFFICE_SIZES)
@pytest.mark.parametrize("section", SECTIONS)
def test_supervisor_section(
    snap_compare: Any, super_db: Path, section: str, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, section)
        await _settled(pilot)

    assert snap_compare(supervisor_app(super_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", OFFICE_SIZES)
def test_order_detail(snap_compare: Any, super_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, "orders")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await read_done(pilot)
        await _settled(pilot)

    assert snap_compare(supervisor_app(super_db), terminal_size=size, run_before=run_before)


# -- what a handheld must always show ---------------------------------------------------------


def _fully_on_screen(widget: Widget, size: tuple[int, int]) -> bool:
    region = widget.region
    width, height = size
    return (
        widget.display
        and region.width > 0
        and region.height > 0
        and region.x >= 0
        and region.y >= 0
        and region.right <= width
        and region.bottom <= height
    )


async def test_the_pick_screen_keeps_bin_count_and_banner_on_a_handheld(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, "96385074")  # a wrong item: the banner speaks
        await wait_until(pilot, lambda: screen.last is not None)
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        banner = screen.query_one("#banner")
        assert "✘ 错货" in str(banner.render())
        for selector in ("#bin", "#pick-count", "#banner"):
            widget = screen.query_one(selector)
            assert _fully_on_screen(widget, (40, 16)), selector
        assert "行" in str(screen.query_one("#pick-count").render())
        assert screen.query_one("#bin").size.height >= 3  # the bin in big letters


async def test_the_pack_screen_keeps_count_and_banner_on_a_handheld(bench_db: Path) -> None:  # noqa: F811
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await _bench(pilot, bench_db, _first_list(bench_db))
        await _scan_and_wait(pilot, screen, "96385074")
        await pilot.pause()
        assert isinstance(app.screen, PackScreen)
        for selector in ("#pack-count", "#banner"):
            widget = screen.query_one(selector)
            assert _fully_on_screen(widget, (40, 16)), selector
        assert "件" in str(screen.query_one("#pack-count").render())
        # The footer keeps the keys a packer needs even 40 columns wide.
        from textual.widgets._footer import FooterKey

        shown = {key.key for key in screen.query(FooterKey) if _fully_on_screen(key, (40, 16))}
        assert {"c", "m", "escape"} <= shown, shown
