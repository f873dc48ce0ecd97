"""The picker's day through the real app on a real database, at handheld and bench sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from core.model import OrderStatus, Verdict
from data import orders, picking
from data.store import open_store
from tests.tui.conftest import (
    WALK,
    badge_login,
    make_app,
    scan,
    screen_in_front,
    take_list,
    wait_until,
)
from tests.tui.pick_screen import assert_fits
from tests.tui.test_zh_snapshots import speak_chinese
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.modals import ShortPickDialog
from tui.widgets.bigtext import BigText


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_picker_finishes_a_list_with_scans_only(
    floor_db: Path, size: tuple[int, int]
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        assert screen.query_one("#bin", BigText).text == "A-2"  # natural order: A-2 before A-10
        for number, code in enumerate(WALK, start=1):
            await scan(pilot, code)
            await wait_until(pilot, lambda n=number: screen.view.units_done == n)
            assert screen.last is not None and screen.last.verdict is Verdict.OK
            if number == 1:
                assert screen.query_one("#bin", BigText).text == "A-10"  # advanced by itself
        assert screen.view.current is None
        assert "LIST COMPLETE" in _text(app, "#bin-label")
    store = open_store(floor_db)
    for order_no in ("DD-1", "DD-2"):
        order = orders.show_order(store, order_no)
        assert order["status"] == OrderStatus.PICKED.value
        assert all(line["picked"] == line["qty"] for line in order["lines"])
    scans = picking.list_scans(store)
    assert [row["verdict"] for row in scans] == ["ok"] * 4
    assert {row["source"] for row in scans} == {"wedge"}
    assert {row["station"] for row in scans} == {"hh-1"}


@pytest.mark.parametrize("picked", [0, 1], ids=["all-short", "one-picked"])
@pytest.mark.parametrize("zh", [False, True], ids=["en", "zh_CN"])
async def test_a_list_ending_short_says_what_was_picked_and_what_went_short(
    floor_db: Path, picked: int, zh: bool
) -> None:
    """Every line short: nothing to take to packing (not "DONE, all 0 units picked"); some
    short: how many of each. In Chinese on a handheld too."""
    if zh:
        speak_chinese(floor_db)
    app = make_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        if picked:
            await scan(pilot, WALK[0])
            await wait_until(pilot, lambda: screen.view.units_done == 1)
        while screen.view.current is not None:
            line = screen.view.current.line_id
            await pilot.press("s")
            await screen_in_front(pilot, ShortPickDialog, "Static")
            await pilot.press("1")  # not found
            await wait_until(
                pilot,
                lambda line=line: (
                    screen.view.current is None or screen.view.current.line_id != line
                ),
            )
        item = _text(app, "#pick-item")
        shown = screen.query_one("#bin", BigText).text
        if picked:
            assert shown == ("完成" if zh else "DONE")
            assert ("已拣 1 件，缺拣 3 件" if zh else "Picked 1, short 3") in item, item
        else:
            assert shown == ("缺拣" if zh else "SHORT")
            assert ("没有可拣的" if zh else "NOTHING TO PICK") in _text(app, "#bin-label")
            assert ("没有要送去打包" if zh else "nothing to take to packing") in item, item
        assert_fits(app, (40, 16))


async def test_wrong_unknown_and_over_pick_are_refused_loudly_and_recorded(floor_db: Path) -> None:
    app = make_app(floor_db)
    bells = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)

        await scan(pilot, "96385074")  # the mug: not on this list
        await wait_until(pilot, lambda: screen.last is not None)
        assert screen.last.verdict is Verdict.WRONG_ITEM
        banner = _text(app, "#banner")
        assert "WRONG ITEM" in banner and "SKU-CABLE" in banner and "A-2" in banner
        assert screen.query_one("#banner").has_class("banner-error")
        assert bells

        await scan(pilot, "036000291452")  # the cable, right
        await wait_until(pilot, lambda: screen.view.units_done == 1)
        await scan(pilot, "0036000291452")  # the cable again, as EAN-13: over-pick
        await wait_until(pilot, lambda: screen.last.verdict is not Verdict.OK)
        assert screen.last.verdict is Verdict.OVER_PICK
        await scan(pilot, "1234567890")  # not in the catalog
        await wait_until(pilot, lambda: screen.last.verdict is Verdict.UNKNOWN_CODE)
        assert screen.view.units_done == 1
    verdicts = [row["verdict"] for row in picking.list_scans(open_store(floor_db))]
    assert verdicts == ["unknown_code", "over_pick", "ok", "wrong_item"]


async def test_wedge_scan_never_lands_in_a_focused_field(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        user = app.screen.query_one("#user", Input)
        assert user.has_focus
        await scan(pilot, "U:li.na")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert user.value == ""


async def test_slow_typing_still_reaches_the_field(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        user = app.screen.query_one("#user", Input)
        # A person types with gaps longer than a scanner burst.
        await pilot.press("l", "wait:80", "i", "wait:80", "enter", "wait:80")
        await wait_until(pilot, lambda: user.value == "li")
        assert app.screen.query_one("#pin", Input).has_focus


async def test_pin_login_and_wrong_pin(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = app.screen
        screen.query_one("#user", Input).value = "li.na"
        screen.query_one("#pin", Input).value = "9999"
        await pilot.click("#login")
        await wait_until(pilot, lambda: "Wrong PIN" in _text(app, "#login-error"))
        assert isinstance(app.screen, LoginScreen)
        pin = screen.query_one("#pin", Input)
        assert pin.value == ""  # a wrong PIN is cleared for the next try
        pin.value = "1234"
        pin.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.operator is not None and app.operator.name == "li.na"


async def test_leaving_and_logging_in_again_resumes_the_same_list(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        first = (await take_list(pilot)).view.picklist_id
        await scan(pilot, WALK[0])
        await scan(pilot, WALK[1])
        await wait_until(pilot, lambda: app.screen.view.units_done == 2)
    # A new process (a new app on a new connection), as after a crash or a logout.
    again = make_app(floor_db)
    async with again.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        await take_list(pilot, key=None)
        assert again.screen.view.picklist_id == first
        assert again.screen.view.units_done == 2
        assert again.screen.query_one("#bin", BigText).text == "A-10"


async def test_short_pick_with_a_reason(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.units_done == 1)
        await pilot.press("s")
        await pilot.press("1")  # not found
        await wait_until(
            pilot, lambda: screen.view.current is not None and screen.view.current.sku == "SKU-TEA"
        )
        assert "short" in _text(app, "#banner")
    store = open_store(floor_db)
    # Both cups were short: both orders miss a unit and go to exception with the reason.
    for order_no in ("DD-1", "DD-2"):
        order = orders.show_order(store, order_no)
        assert order["status"] == OrderStatus.EXCEPTION.value
        assert "(not found)" in order["exception_reason"]  # the reason code as a word
    assert store.scalar("SELECT needs_count FROM locations WHERE code = 'A-10'") == 1


async def test_location_first_requires_the_bin_label(tmp_path: Path) -> None:
    from tests.tui.conftest import build_floor

    path = tmp_path / "lf.db"
    build_floor(path, location_first=True).close()
    app = make_app(path)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.last is not None)
        assert screen.last.verdict is Verdict.LOCATION_REQUIRED
        await scan(pilot, "L:A-2")
        await wait_until(pilot, lambda: screen.last.verdict is Verdict.LOCATION_OK)
        await scan(pilot, WALK[0])
        await wait_until(pilot, lambda: screen.view.units_done == 1)


async def test_demo_simulated_scanner_scans_the_needed_item(floor_db: Path) -> None:
    from data import stations
    from tests.tui.conftest import ADMIN

    store = open_store(floor_db)
    stations.add_station(store, ADMIN, "hh-1", "loop://", "")  # F5/F6 need a simulated scanner
    store.close()
    app = make_app(floor_db, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot)
        await take_list(pilot)
        for count in range(1, 5):
            await pilot.press("f5")
            await wait_until(pilot, lambda c=count: app.screen.view.units_done == c)
        assert app.screen.view.current is None


async def test_no_list_waiting_says_what_to_do(tmp_path: Path) -> None:
    from core.clock import FixedClock
    from data import users
    from tests.tui.conftest import ADMIN, NOW

    path = tmp_path / "empty.db"
    store = open_store(path, FixedClock(NOW))
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    store.close()
    app = make_app(path)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: "No pick list" in _text(app, "#home-hint"))
