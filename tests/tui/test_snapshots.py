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
