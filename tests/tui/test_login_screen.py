"""The login screen: a badge opens floor work only; the PIN field shows nothing until typed."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static

from data import users
from data.store import open_store
from tests.tui.conftest import ADMIN, badge_login, make_app, pin_login, scan, wait_until
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen


def _with_office(path: Path) -> Path:
    store = open_store(path)
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "2468")
    users.add_user(store, ADMIN, "admin", "admin", "1357")
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    store.close()
    return path


def _audit(path: Path, action: str) -> list[dict[str, object]]:
    store = open_store(path)
    rows = store.query("SELECT subject, detail FROM audit WHERE action = ? ORDER BY id", (action,))
    store.close()
    return [{**row, "detail": json.loads(str(row["detail"]))} for row in rows]


def _shown(field: Input) -> str:
    return "".join(field.render_line(y).text for y in range(field.size.height))


async def test_a_badge_does_not_open_a_supervisor_or_admin_session(floor_db: Path) -> None:
    path = _with_office(floor_db)
    app = make_app(path, station="office")
    async with app.run_test(size=(80, 24)) as pilot:
        for name in ("admin", "zhao.min"):
            await scan(pilot, f"U:{name}")  # typed fast, as a scanner would
            error = app.screen.query_one("#login-error", Static)
            await wait_until(pilot, lambda e=error: "PIN" in str(e.render()))
            assert isinstance(app.screen, LoginScreen) and app.operator is None
        assert "Type your name and PIN" in str(error.render())
        # With the PIN the supervisor logs in.
        await pin_login(pilot, "zhao.min", "2468")
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.role.value == "supervisor"
    refused = _audit(path, "login.failed")
    assert [
        (row["subject"], row["detail"]["method"], row["detail"]["reason"]) for row in refused
    ] == [
        ("admin", "badge", "pin_required"),
        ("zhao.min", "badge", "pin_required"),
    ]
    assert [(row["subject"], row["detail"]["method"]) for row in _audit(path, "login")] == [
        ("zhao.min", "pin")
    ]


async def test_a_badge_opens_floor_work(floor_db: Path) -> None:
    path = _with_office(floor_db)
    for name, role in (("li.na", "picker"), ("chen.jie", "packer")):
        app = make_app(path)
        async with app.run_test(size=(40, 16)) as pilot:
            await badge_login(pilot, name)
            assert app.operator is not None and app.operator.role.value == role


async def test_the_pin_field_shows_nothing_until_a_digit_is_typed(floor_db: Path) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.screen.query_one("#pin", Input)
        field.focus()
        await pilot.pause()
        assert "•" not in _shown(field) and field.value == ""
        await pilot.press("4")
        await wait_until(pilot, lambda: field.value == "4")
        await wait_until(pilot, lambda: _shown(field).count("•") == 1)
        assert "4" not in _shown(field)
