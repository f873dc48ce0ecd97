"""The pick screen when the server's scan writer stops after a scan was sent and before it
answered: the picker is told the scan is not confirmed and sees the list as stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from core import i18n
from core.clock import FixedClock
from data.floor import SqliteFloor
from data.scan_writer import WriterLink
from data.store import open_store
from tests.scan_writer_parts import hang_up_once, short_socket_path
from tests.tui.conftest import NOW, WALK, badge_login, build_floor, scan, take_list, wait_until
from tests.tui.pick_screen import assert_fits
from tests.tui.test_zh_snapshots import speak_chinese
from tui.app import WaretermApp


@pytest.fixture
def hangs_up() -> Iterator[Path]:
    """A stand-in for a writer killed mid-group: it takes one request and hangs up."""
    with short_socket_path() as path:
        stand_in = hang_up_once(path)
        yield path
        stand_in.join(5)


@pytest.mark.parametrize(("language", "size"), [("zh_CN", (40, 16)), ("en", (80, 24))])
async def test_an_unconfirmed_scan_is_said_and_the_list_shown_as_stored(
    tmp_path: Path, hangs_up: Path, language: str, size: tuple[int, int]
) -> None:
    path = tmp_path / "floor.db"
    build_floor(path).close()
    if language == "zh_CN":
        speak_chinese(path)
    link = WriterLink(hangs_up)
    app = WaretermApp(SqliteFloor(open_store(path, FixedClock(NOW)), writer=link), station="hh-1")
    i18n.set_language(language)
    try:
        async with app.run_test(size=size) as pilot:
            await badge_login(pilot)
            screen = await take_list(pilot)
            link.found_lock_taken()  # another session holds the lock: the writer takes it
            await scan(pilot, WALK[0])
            banner = screen.query_one("#banner", Static)
            await wait_until(pilot, lambda: banner.has_class("banner-error"))
            said = str(banner.render())
            assert ("未确认" if language == "zh_CN" else "NOT CONFIRMED") in said, said
            assert screen.view.units_done == 0  # drawn as stored: the unit did not count
            assert_fits(app, size)
            # the picker scans it again; no writer now: the session stores it
            link.found_lock_taken()
            await scan(pilot, WALK[0])
            await wait_until(pilot, lambda: screen.view.units_done == 1)
            assert banner.has_class("banner-ok")
    finally:
        i18n.set_language(None)
    store = open_store(path)
    try:
        assert [r["verdict"] for r in store.query("SELECT verdict FROM scans")] == ["ok"]
    finally:
        store.close()
