"""The packing bench driven through the app with a Pilot at 80x24 and 40x16: scan a list,
check units (wrong, extra, missing), type the weight, the label is queued, scan it to ship."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from core.clock import FixedClock
from core.model import Verdict
from data.store import Store, open_store
from tests.data.test_packing import CABLE, CUP, LOOSE, TEA, build_bench
from tests.tui.conftest import ADMIN, NOW, badge_login, make_app, scan, wait_until
from tui.app import WaretermApp
from tui.screens.pack import PackScreen


@pytest.fixture
def bench_db(tmp_path: Path) -> Path:
    path = tmp_path / "bench.db"
    build_bench(path)
    return path


def _store(path: Path) -> Store:
    return open_store(path, FixedClock(NOW))


def _status(path: Path, order_no: str) -> str:
    return str(_store(path).scalar("SELECT status FROM orders WHERE order_no = ?", (order_no,)))


def _banner(app: WaretermApp) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def _first_list(path: Path) -> str:
    picklist = _store(path).scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-RUSH'")
    return f"P:{picklist:06d}"


async def _bench(pilot: Pilot, path: Path, code: str) -> PackScreen:
    """Log in the packer by badge and open ``code`` by scanning it on the home screen."""
    await badge_login(pilot, "chen.jie")
    await scan(pilot, code)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PackScreen))
    screen = pilot.app.screen
    assert isinstance(screen, PackScreen)
    await wait_until(pilot, lambda: screen.last is not None)
    return screen


async def _scan_and_wait(pilot: Pilot, screen: PackScreen, code: str) -> Any:
    before = screen.last
    await scan(pilot, code)
    await wait_until(pilot, lambda: screen.last is not before)
    return screen.last


async def _type_weight(pilot: Pilot, screen: PackScreen, weight: str) -> None:
    """The packer types the weight by hand: slower than a scanner's burst, then Enter."""
    await wait_until(pilot, lambda: bool(screen.query_one("#pack-close").display))
    for key in [*weight, "enter"]:
        await pilot.press({".": "full_stop"}.get(key, key))
        await pilot.pause(0.08)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["bench", "office"])
async def test_check_weigh_label_and_ship_with_scans_and_the_weight_only(
    bench_db: Path, size: tuple[int, int]
) -> None:
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=size) as pilot:
        screen = await _bench(pilot, bench_db, _first_list(bench_db))
        assert screen.last is not None and screen.last.accepted
        assert "2 orders" in _banner(app)
        wrong = await _scan_and_wait(pilot, screen, LOOSE)
        assert wrong.verdict is Verdict.WRONG_ITEM and "WRONG ITEM" in _banner(app)
        await _scan_and_wait(pilot, screen, CUP)
        done = await _scan_and_wait(pilot, screen, CABLE)
        assert done.order_no == "O-RUSH" and "weight" in done.message
        extra = await _scan_and_wait(pilot, screen, CABLE)
        assert extra.verdict is Verdict.EXTRA_UNIT and "EXTRA UNIT" in _banner(app)
        await _type_weight(pilot, screen, "0.42")
        await wait_until(pilot, lambda: _status(bench_db, "O-RUSH") == "packed")
        await wait_until(pilot, lambda: "packed" in _banner(app))
        shipment = json.loads(
            _store(bench_db).scalar(
                "SELECT content FROM print_jobs WHERE subject = 'O-RUSH' AND kind = 'outbound'"
            )
        )
        assert shipment["weight_g"] == 420
        waybill = shipment["waybill_no"]
        assert waybill in str(screen.query_one("#pack-ship", Static).render())
        shipped = await _scan_and_wait(pilot, screen, waybill)
        assert shipped.accepted and _status(bench_db, "O-RUSH") == "shipped"
    keys = [
        row["verdict"]
        for row in _store(bench_db).query("SELECT verdict FROM scans WHERE task != 'pick'")
    ]
    assert keys == ["ok", "wrong_item", "ok", "ok", "extra_unit", "ok"]


async def test_missing_units_and_a_carrier_override_with_a_reason(bench_db: Path) -> None:
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _bench(pilot, bench_db, _first_list(bench_db))
        for code in (CUP, CUP, CABLE):
            await _scan_and_wait(pilot, screen, code)
        # O-RUSH is complete and waits for its weight; O-STD misses its tea.
        await pilot.press("o")
        await wait_until(pilot, lambda: "Carrier for O-RUSH" in _dialog_text(app))
        options = _dialog_text(app)
        number = next(
            line.split()[0] for line in options.splitlines() if line.split()[1:2] == ["JD"]
        )
        await pilot.press(number)
        await wait_until(
            pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "reason"
        )
        reason = app.focused
        assert isinstance(reason, Input)
        reason.value = "customer asked for JD"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
        await wait_until(
            pilot, lambda: "override" in str(screen.query_one("#pack-carrier", Static).render())
        )
        await _type_weight(pilot, screen, "0.42")
        await wait_until(pilot, lambda: _status(bench_db, "O-RUSH") == "packed")
        shipment = _store(bench_db).query("SELECT * FROM shipments WHERE order_no = 'O-RUSH'")[0]
        assert shipment["carrier"] == "JD"
        assert shipment["override_reason"] == "customer asked for JD"
        screen.focus_order = "O-STD"
        await pilot.press("m")
        await wait_until(pilot, lambda: "O-STD" in _dialog_text(app))
        await pilot.press("1")
        await wait_until(pilot, lambda: _status(bench_db, "O-STD") == "exception")
        assert "exception queue" in _banner(app)


def _dialog_text(app: WaretermApp) -> str:
    return "\n".join(
        str(widget.render()) for widget in app.screen.query(".dialog Static").results(Static)
    )


async def test_the_check_works_on_a_handheld(bench_db: Path) -> None:
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await _bench(pilot, bench_db, "T:0007")
        assert "O-FAR" in str(screen.query_one("#pack-order", Static).render())
        checked = await _scan_and_wait(pilot, screen, TEA)
        assert checked.accepted and "1/1 units checked" in str(
            screen.query_one("#pack-count", Static).render()
        )
        assert screen.query_one("#pack-close").display
        wrong = await _scan_and_wait(pilot, screen, CUP)
        assert wrong.verdict is Verdict.WRONG_ITEM


async def test_a_packer_comes_back_to_the_open_bench_after_logging_in_again(
    bench_db: Path,
) -> None:
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _bench(pilot, bench_db, _first_list(bench_db))
        await _scan_and_wait(pilot, screen, CUP)
    app = make_app(bench_db, station="bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, "chen.jie")
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
        screen = app.screen
        assert isinstance(screen, PackScreen)
        await wait_until(pilot, lambda: len(screen.view.checking) == 2)
        rush = screen.view.order("O-RUSH")
        assert rush is not None and rush.verified == 1


@pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["handheld", "bench"])
def test_pack_screen_waiting_for_the_weight(
    snap_compare: Any, bench_db: Path, size: tuple[int, int]
) -> None:
    """The bench after a wrong item and a complete order: the weight row is open."""

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


async def test_batch_printing_a_wave_from_the_home_screen(bench_db: Path) -> None:
    from tui.cli import build_app
    from tui.screens.batch import BatchPrintScreen

    app = build_app(_store(bench_db), "bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, "chen.jie")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BatchPrintScreen))
        screen = app.screen
        assert isinstance(screen, BatchPrintScreen)
        await wait_until(pilot, lambda: len(screen.waves) == 1, timeout=10)
        await pilot.press("enter")
        # Five labels rendered (Chinese: rasters) and printed by the session's worker.
        await wait_until(
            pilot, lambda: screen.current is not None and screen.current.finished, timeout=30
        )
        summary = str(screen.query_one("#batch-summary", Static).render())
        assert "5 printed, 0 failed, 0 waiting of 5" in summary
        store = _store(bench_db)
        with store.write(ADMIN) as write:
            # A failed job waits out its back-off before the worker tries it by itself; an hour
            # away, so only F can send it now (with no time set the worker takes it at once, and
            # on a busy machine it got there before the key did).
            write.execute(
                "UPDATE print_jobs SET status = 'failed', last_error = 'cover open',"
                " next_attempt_at = '2999-01-01T00:00:00+00:00'"
                " WHERE id = (SELECT max(id) FROM print_jobs)"
            )
            write.audit("test.print", "fail one")
        assert screen.current is not None
        screen.current = app.floor.batch_progress(app.operator, screen.current.batch_id)
        await pilot.press("f")
        await wait_until(
            pilot,
            lambda: store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'done'") == 5,
            timeout=30,
        )
    sent = store.query("SELECT action FROM audit WHERE action = 'print.retry'")
    assert len(sent) == 1  # only the failed one went again
