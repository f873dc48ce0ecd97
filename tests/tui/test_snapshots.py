"""Layouts pinned at the sizes people use: a handheld (40x16) and a bench terminal (80x24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import WALK, badge_login, make_app, scan, take_list, wait_until

SIZES = [pytest.param((40, 16), id="handheld"), pytest.param((80, 24), id="bench")]


@pytest.mark.parametrize("size", SIZES)
def test_login(snap_compare, floor_db: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(floor_db), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_pick_screen_after_a_scan(snap_compare, floor_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.units_done == 1)

    assert snap_compare(make_app(floor_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_pick_screen_wrong_item(snap_compare, floor_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, "96385074")
        await wait_until(pilot, lambda: screen.last is not None)

    assert snap_compare(make_app(floor_db), terminal_size=size, run_before=run_before)


def test_short_pick_dialog(snap_compare, floor_db: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        await take_list(pilot)
        await pilot.press("s")

    assert snap_compare(make_app(floor_db), terminal_size=(40, 16), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_pick_screen_with_device_trouble(
    snap_compare, floor_db: Path, size: tuple[int, int]
) -> None:
    """The device bar: an unplugged scanner and a printer out of paper, on the pick screen."""
    from core.clock import to_iso
    from core.ports import ScannerLink
    from data import stations
    from data.store import open_store
    from tests.tui.conftest import ADMIN, NOW

    store = open_store(floor_db)
    stations.add_station(store, ADMIN, "bench-1", "", "tcp://10.0.0.5:9100")
    with store.immediate():
        store.conn.execute(
            "INSERT INTO device_states VALUES ('bench-1', 'printer', 'paper_out', '', ?)",
            (to_iso(NOW),),
        )
    store.close()

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await badge_login(pilot)
        await take_list(pilot)
        await wait_until(pilot, lambda: app.printer_link.status == "paper_out")
        app.scanner_link = ScannerLink(
            "disconnected", "scanner unplugged: /dev/ttyUSB0 (input/output error) — reconnecting"
        )
        await pilot.pause()

    app = make_app(floor_db, station="bench-1")
    assert snap_compare(app, terminal_size=size, run_before=run_before)
