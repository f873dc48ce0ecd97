"""The bench when the carrier's e-waybill API is down (the 快递鸟 stand-in on loopback, its port
closed, then open again): the order closed meanwhile is marked as waiting for its number, the
packer goes on with the next order at once, and the label prints at the bench when the number
comes — asked again by the bench itself or by the waybill worker. In Chinese at 40x16 and 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from core import i18n
from core.clock import FixedClock, to_iso
from data import packing
from data.floor import SqliteFloor
from data.store import Store, open_store
from devices.waybill_apis import source_for
from tests.data.builders import ADMIN, NOW, ewaybill_site
from tests.data.test_packing import CABLE, CUP, TEA, build_bench
from tests.kdniao_server import KdniaoStandIn, kdniao_stand_in
from tests.tui.conftest import badge_login, scan, wait_until
from tests.tui.test_zh_snapshots import speak_chinese
from tui.app import WaretermApp
from tui.screens.pack import PackScreen

KEY = "kdniao-bench-key"


@pytest.fixture
def zh() -> Iterator[None]:
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language(None)


def _store(path: Path) -> Store:
    return open_store(path, FixedClock(NOW))


def _setup(path: Path, server: KdniaoStandIn) -> None:
    build_bench(path)
    store = _store(path)
    ewaybill_site(store, server.url, KEY)
    store.close()
    speak_chinese(path)


def _text(screen: PackScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _on_screen(pilot: Pilot, screen: PackScreen, selector: str) -> bool:
    """The widget is drawn inside the terminal, with room for every line of its text."""
    widget = screen.query_one(selector, Static)
    region = widget.region
    width, height = pilot.app.size
    text = widget.render()
    assert isinstance(text, Content)
    lines = text.wrap(widget.content_region.width)
    return (
        0 < len(lines) <= widget.content_region.height
        and region.x >= 0
        and region.y >= 0
        and region.right <= width
        and region.bottom <= height
    )


async def _scan_and_wait(pilot: Pilot, screen: PackScreen, code: str) -> None:
    before = screen.last
    await scan(pilot, code)
    await wait_until(pilot, lambda: screen.last is not before)


@pytest.mark.parametrize(
    ("size", "who_asks"),
    [((80, 24), "bench"), ((40, 16), "worker")],
    ids=["bench-80x24", "handheld-40x16"],
)
async def test_api_down_the_order_waits_marked_the_packer_goes_on_and_it_prints_later(
    tmp_path: Path, zh: None, size: tuple[int, int], who_asks: str
) -> None:
    path = tmp_path / "floor.db"
    with kdniao_stand_in({"E1": KEY}, prefix="JDE") as server:
        port = server.url.split(":")[2].split("/")[0]
        _setup(path, server)
        server.down()  # the carrier's API is down: connections refused
        floor = SqliteFloor(_store(path), waybill_apis=source_for)
        app = WaretermApp(floor, station="bench-1")
        async with app.run_test(size=size) as pilot:
            await badge_login(pilot, "chen.jie")
            plist = _store(path).scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-RUSH'")
            await scan(pilot, f"P:{plist:06d}")
            await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
            screen = app.screen
            assert isinstance(screen, PackScreen)
            await wait_until(pilot, lambda: screen.last is not None)
            for code in (CUP, CABLE):
                await _scan_and_wait(pilot, screen, code)
            await wait_until(pilot, lambda: screen.view.ready is not None)
            assert screen.view.ready is not None and screen.view.ready.order_no == "O-RUSH"
            for key in ["0", "full_stop", "4", "2", "enter"]:  # typed by hand, not a burst
                await pilot.press(key)
                await pilot.pause(0.08)
            store = _store(path)
            await wait_until(
                pilot,
                lambda: (
                    store.scalar("SELECT count(*) FROM waybill_waits WHERE status='waiting'") == 1
                ),
            )
            # The bench says so: which order, which carrier, the next try, where it prints.
            await wait_until(pilot, lambda: bool(screen.query_one("#pack-wait").display))
            waiting = _text(screen, "#pack-wait")
            assert "O-RUSH" in waiting and "JD" in waiting and "14:00:30" in waiting
            assert _on_screen(pilot, screen, "#pack-wait")
            assert "O-RUSH" in _text(screen, "#banner") and "⏳" in _text(screen, "#banner")
            assert store.scalar("SELECT count(*) FROM shipments") == 0
            # ... and goes on at once: the next order is the one in front, not the waiting one.
            assert "O-STD" in _text(screen, "#pack-order")
            assert not screen.query_one("#pack-close").display
            for code in (CUP, CUP, TEA):
                await _scan_and_wait(pilot, screen, code)
            await wait_until(pilot, lambda: bool(screen.query_one("#pack-close").display))
            assert screen.view.ready is not None and screen.view.ready.order_no == "O-STD"
            assert "O-STD" in _text(screen, "#pack-carrier")
            assert "O-RUSH" in _text(screen, "#pack-wait")
            assert _on_screen(pilot, screen, "#pack-wait")
            assert _on_screen(pilot, screen, "#pack-carrier")
            # The API is up again; its next try comes.
            with kdniao_stand_in({"E1": KEY}, prefix="JDE", port=int(port)) as again:
                if who_asks == "worker":
                    # Not due for the bench yet: the queue's own pass (carriers waits --retry,
                    # as serve's worker does when due) on a connection of its own gets it.
                    worker = _store(path)
                    assert packing.retry_waits(worker, source_for, due_only=False) == {
                        "O-RUSH": "done"
                    }
                else:
                    # Its next try is due: the bench asks again by itself.
                    with store.write(ADMIN) as write:
                        write.execute(
                            "UPDATE waybill_waits SET next_attempt_at = ?"
                            " WHERE order_no = 'O-RUSH'",
                            (to_iso(NOW),),
                        )
                        write.audit("test.due", "O-RUSH")
                await wait_until(
                    pilot,
                    lambda: (
                        store.scalar("SELECT status FROM orders WHERE order_no='O-RUSH'")
                        == "packed"
                    ),
                )
                assert len(again.requests) == 1  # asked once, by one of them
                number = store.scalar(
                    "SELECT waybill_no FROM packages p JOIN shipments s ON s.id = p.shipment_id"
                    " WHERE s.order_no = 'O-RUSH'"
                )
                assert number == "JDE0000000001"
                job_station = store.scalar(
                    "SELECT station FROM print_jobs WHERE subject = 'O-RUSH'"
                )
                assert job_station == "bench-1"
                await wait_until(pilot, lambda: number in _text(screen, "#banner"))
                await wait_until(pilot, lambda: not screen.query_one("#pack-wait").display)
                # Its label job is queued at this bench's printer, and it is to ship from here.
                assert store.scalar("SELECT status FROM print_jobs WHERE subject = 'O-RUSH'") in (
                    "queued",
                    "sending",
                    "done",
                )
                await wait_until(pilot, lambda: number in _text(screen, "#pack-ship"))
                # The order being checked stayed in front all along.
                assert screen.view.ready is not None and screen.view.ready.order_no == "O-STD"


@pytest.mark.parametrize("size", [(80, 24), (40, 16)], ids=["bench-80x24", "handheld-40x16"])
async def test_a_batch_reports_the_orders_whose_api_number_it_cannot_have_then_takes_them(
    tmp_path: Path, zh: None, size: tuple[int, int]
) -> None:
    from tui.cli import build_app
    from tui.screens.batch import BatchPrintScreen

    path = tmp_path / "floor.db"
    with kdniao_stand_in({"E1": KEY}, prefix="JDE") as server:
        port = int(server.url.split(":")[2].split("/")[0])
        _setup(path, server)
        server.down()
        store = _store(path)
        app = build_app(_store(path), "bench-1")
        async with app.run_test(size=size) as pilot:
            await badge_login(pilot, "chen.jie")
            await pilot.press("b")
            await wait_until(pilot, lambda: isinstance(app.screen, BatchPrintScreen))
            screen = app.screen
            assert isinstance(screen, BatchPrintScreen)
            await wait_until(pilot, lambda: len(screen.waves) == 1, timeout=10)
            listed = screen.waves
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.current is not None, timeout=20)
            await wait_until(pilot, lambda: screen.waves is not listed, timeout=20)
            assert screen.current is not None
            refused = [subject for subject, why in screen.current.skipped if "JD" in why]
            assert refused
            summary = str(screen.query_one("#batch-summary", Static).render())
            assert refused[0] in summary and "JD" in summary
            assert _on_screen(pilot, screen, "#batch-summary")  # type: ignore[arg-type]
            assert store.scalar("SELECT count(*) FROM shipments WHERE carrier = 'JD'") == 0
            with kdniao_stand_in({"E1": KEY}, prefix="JDE", port=port):
                first = screen.current.batch_id
                await pilot.press("enter")
                await wait_until(
                    pilot,
                    lambda: screen.current is not None and screen.current.batch_id != first,
                    timeout=20,
                )
                assert screen.current.skipped == ()
                for order_no in refused:
                    number = store.scalar(
                        "SELECT waybill_no FROM packages p JOIN shipments s"
                        " ON s.id = p.shipment_id WHERE s.order_no = ?",
                        (order_no,),
                    )
                    assert str(number).startswith("JDE")
