"""The terminal's language: the login screen's switch key, the session in the user's language,
key labels in the footer that follow a switch, and F5/F6 only where the scanner is simulated.
Every check goes through a real compiled catalog (a .mo written for the test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Footer, Static
from textual.widgets._footer import FooterKey

from core import i18n
from data import settings, stations, users
from data.store import open_store
from tests.test_i18n import write_mo
from tests.tui.conftest import ADMIN, badge_login, make_app, take_list, wait_until
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen

CATALOG = {
    "Log in": "登录",
    "Next list": "下一拣货单",
    "Log out": "退出登录",
    "Sim scan": "模拟扫描",
}


@pytest.fixture
def zh_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A zh_CN catalog of a few messages, as the product's own locale folder."""
    folder = tmp_path / "locale"
    write_mo(folder / "zh_CN" / "LC_MESSAGES" / "wareterm.mo", CATALOG)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    yield folder
    i18n.set_language(None)


def _footer_labels(screen: object) -> dict[str, str]:
    return {key.key: str(key.description) for key in screen.query(FooterKey)}  # type: ignore[attr-defined]


async def test_f2_on_the_login_screen_switches_its_language_at_once(
    floor_db: Path, zh_catalog: Path
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.query(Footer)))
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "中文")
        assert str(app.screen.query_one("#login", Button).label) == "Log in"
        assert str(app.screen.query_one("#login-language", Static).content) == "F2 中文"
        await pilot.click("#user")
        await pilot.press("l", "i")
        await pilot.press("f2")
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "English")
        assert i18n.current_language() == "zh_CN"
        assert str(app.screen.query_one("#login", Button).label) == "登录"
        assert str(app.screen.query_one("#login-language", Static).content) == "F2 English"
        assert app.screen.query_one("#user").value == "li"  # type: ignore[attr-defined]
        await pilot.press("f2")
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "中文")
        assert str(app.screen.query_one("#login", Button).label) == "Log in"


async def test_after_login_the_session_speaks_the_users_language(
    floor_db: Path, zh_catalog: Path
) -> None:
    store = open_store(floor_db)
    users.set_user(store, ADMIN, "li.na", language="zh_CN")
    store.close()
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await badge_login(pilot, "li.na")
        assert isinstance(app.screen, HomeScreen)
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("n") == "下一拣货单")
        assert _footer_labels(app.screen)["l"] == "退出登录"
        # Logging out goes back to the login screen in the site's language (English here).
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "中文")
        assert i18n.current_language() == "en"


async def test_the_footer_follows_a_language_switch_on_a_screen_already_shown(
    floor_db: Path, zh_catalog: Path
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, "li.na")
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("n") == "Next list")
        app.set_language("zh_CN")
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("n") == "下一拣货单")
        app.set_language("en")
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("n") == "Next list")


async def test_the_site_default_language_opens_the_login_screen(
    floor_db: Path, zh_catalog: Path
) -> None:
    store = open_store(floor_db)
    with store.write(ADMIN) as write:
        settings.put(write, "ui.language", "zh_CN")
    store.close()
    from tui.cli import build_app

    app = build_app(open_store(floor_db), "hh-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "English")
        assert str(app.screen.query_one("#login", Button).label) == "登录"


@pytest.mark.parametrize(("scanner", "offered"), [("loop://", True), ("", False)])
async def test_simulated_scans_are_offered_only_with_a_simulated_scanner(
    floor_db: Path, scanner: str, offered: bool
) -> None:
    store = open_store(floor_db)
    stations.add_station(store, ADMIN, "hh-9", scanner, "")
    store.close()
    app = make_app(floor_db, station="hh-9")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, "li.na")
        await wait_until(pilot, lambda: app.station_view is not None)
        screen = await take_list(pilot)
        await wait_until(pilot, lambda: bool(screen.query(FooterKey)))
        await pilot.pause()
        labels = _footer_labels(screen)
        assert ("f5" in labels) is offered
        assert ("f6" in labels) is offered
        assert app.simulated_scanner is offered


async def test_the_demo_opens_in_chinese_with_the_english_switch_named(
    tmp_path: Path, zh_catalog: Path
) -> None:
    from data.demo import build_demo
    from tui.cli import build_app

    result = build_demo(tmp_path / "demo")
    app = build_app(open_store(result.db), "demo-handheld", demo=True)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await wait_until(pilot, lambda: _footer_labels(app.screen).get("f2") == "English")
        assert str(app.screen.query_one("#login", Button).label) == "登录"
        assert str(app.screen.query_one("#login-language", Static).content) == "F2 English"
