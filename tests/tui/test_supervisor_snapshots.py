"""The supervisor's screens pinned at an office terminal (80x24) and a large one (120x40)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.data.floor_rows import supervised_floor
from tests.tui.conftest import screen_in_front, wait_until
from tests.tui.supervision import open_section, read_done, supervisor_app
from tui.screens.dialogs import ReasonDialog, ReassignDialog
from tui.screens.orders import OrderDetailScreen

SIZES = [pytest.param((80, 24), id="office"), pytest.param((120, 40), id="large")]
SECTIONS = ["overview", "orders", "people", "exceptions", "stock", "throughput"]


@pytest.fixture
def super_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    return path


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("section", SECTIONS)
def test_section(snap_compare, super_db: Path, section: str, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, section)
        await settled(pilot)

    assert snap_compare(supervisor_app(super_db), terminal_size=size, run_before=run_before)


async def settled(pilot: Pilot) -> None:
    """Let the tables finish their layout (column widths are worked out after the rows
    arrive, on a later refresh; a busy machine can take a few frames)."""
    from textual.widgets import DataTable

    def laid_out() -> bool:
        return not any(
            table._require_update_dimensions for table in pilot.app.screen.query(DataTable)
        )

    await wait_until(pilot, laid_out)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_order_detail(snap_compare, super_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, "orders")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await read_done(pilot)
        await pilot.press("right")  # the scans
        await pilot.pause()

    assert snap_compare(supervisor_app(super_db), terminal_size=size, run_before=run_before)


def test_cancel_asks_for_a_reason(snap_compare, super_db: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, "exceptions")
        await pilot.press("c")
        dialog = await screen_in_front(pilot, ReasonDialog, "#reason")
        dialog.query_one("#reason", Input).value = "customer asked by phone"
        await pilot.pause()

    assert snap_compare(supervisor_app(super_db), terminal_size=(80, 24), run_before=run_before)


def test_reassign_asks_whom_and_why(snap_compare, super_db: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_section(pilot, "people")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReassignDialog))
        await pilot.pause()

    assert snap_compare(supervisor_app(super_db), terminal_size=(80, 24), run_before=run_before)
