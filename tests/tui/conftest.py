"""A small real warehouse on a SQLite file, and helpers to drive the app with a Pilot."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from core.clock import FixedClock
from core.model import Role
from data import catalog, orders, users, waves
from data.floor import SqliteFloor
from data.store import Actor, Store, open_store
from tests.templates import copy_built
from tui.app import WaretermApp
from tui.screens.pick import PickScreen
from tui.widgets.bigtext import BigText

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
ADMIN = Actor("admin", "test", Role.ADMIN)

PRODUCTS = """sku,name,barcodes,location,on_hand,safety_stock,weight_g
SKU-CUP,保温杯 500ml,6901234567892,A-10,10,2,300
SKU-CABLE,USB-C cable 1m,036000291452,A-2,10,0,50
SKU-TEA,铁观音 250g,4006381333931,B-01,10,0,250
SKU-MUG,Enamel mug,96385074,C-01,10,0,200
"""

HEADER = (
    "order_no,channel,placed_at,priority,payment_status,customer_name,phone,country,"
    "province,city,district,address,postcode,sku,qty,note\n"
)
ADDRESS = "13800138000,CN,浙江省,杭州市,西湖区,文三路90号,310000"
ORDERS = (
    HEADER
    + "\n".join(
        [
            f"DD-1,tmall,2026-11-21T09:00:00+08:00,rush,paid,张伟,{ADDRESS},SKU-CUP,1,",
            f"DD-1,tmall,2026-11-21T09:00:00+08:00,rush,paid,张伟,{ADDRESS},SKU-CABLE,1,",
            f"DD-2,jd,2026-11-21T08:00:00+08:00,standard,paid,Anna Müller,{ADDRESS},SKU-CUP,1,",
            f"DD-2,jd,2026-11-21T08:00:00+08:00,standard,paid,Anna Müller,{ADDRESS},SKU-TEA,1,",
        ]
    )
    + "\n"
)

# The units of the list above in walk order: A-2 cable, A-10 cups (x2), B-01 tea.
WALK = ["036000291452", "6901234567892", "6901234567892", "4006381333931"]


def build_floor(path: Path, location_first: bool = False) -> Store:
    """Catalog, two orders on one released list, and a picker (a copy of the one built first
    in this process, see tests/templates.py)."""
    copy_built(_build_floor, path, location_first)
    return open_store(path, FixedClock(NOW))


def _build_floor(path: Path, location_first: bool = False) -> None:
    store = open_store(path, FixedClock(NOW))
    catalog.import_products(store, ADMIN, PRODUCTS.encode(), "products.csv")
    orders.import_orders(store, ADMIN, ORDERS.encode(), "orders.csv")
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    users.add_user(store, ADMIN, "wang.fang", "picker", "1234")
    if location_first:
        from data import settings

        with store.write(ADMIN) as write:
            settings.put(write, "pick.location_first", "true")
    store.close()


@pytest.fixture
def floor_db(tmp_path: Path) -> Path:
    """Path of a database holding the small warehouse."""
    path = tmp_path / "floor.db"
    build_floor(path).close()
    return path


def make_app(path: Path, station: str = "hh-1", demo: bool = False) -> WaretermApp:
    """The app on its own connection, as `wareterm tui` builds it."""
    return WaretermApp(SqliteFloor(open_store(path, FixedClock(NOW))), station=station, demo=demo)


async def wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until ``predicate`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.01)


async def screen_in_front(
    pilot: Pilot, kind: type[Screen[Any]], selector: str = "Input"
) -> Screen[Any]:
    """Wait until a ``kind`` dialog is in front with ``selector`` composed, and return it: a
    dialog just pushed is the screen before its widgets are mounted."""
    await wait_until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, kind)
            and pilot.app.screen.is_mounted
            and bool(pilot.app.screen.query(selector))
        ),
    )
    return pilot.app.screen


async def answer_dialog(
    pilot: Pilot, kind: type[Screen[Any]], text: str, selector: str = "Input"
) -> None:
    """Type ``text`` into the ``kind`` dialog in front, press Enter and wait until it is gone
    (a second dialog of the same kind is a new screen)."""
    dialog = await screen_in_front(pilot, kind, selector)
    dialog.query_one(selector, Input).value = text
    await pilot.press("enter")
    await wait_until(pilot, lambda: pilot.app.screen is not dialog)


async def scan(pilot: Pilot, code: str, terminator: str = "enter") -> None:
    """A keyboard-wedge scan as the terminal driver delivers it: the burst's key events are
    posted together (one read of the tty), then the terminator."""
    for char in code:
        key = char if char.isalnum() else _character_to_key(char)
        pilot.app.post_message(events.Key(key, char))
    pilot.app.post_message(events.Key(terminator, "\r" if terminator == "enter" else "\t"))
    await pilot.pause()


async def pin_login(pilot: Pilot, name: str, pin: str = "1234") -> None:
    """Log in with name and PIN at the login screen (supervisors and admins must) and wait
    until the login screen is gone."""
    from textual.widgets import Input

    from tui.screens.login import LoginScreen

    screen = pilot.app.screen
    screen.query_one("#user", Input).value = name
    field = screen.query_one("#pin", Input)
    field.value = pin
    field.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, LoginScreen))


async def badge_login(pilot: Pilot, name: str = "li.na") -> None:
    """Log in with a badge scan and wait until the login screen is gone."""
    from tui.screens.login import LoginScreen

    await scan(pilot, f"U:{name}")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, LoginScreen))


async def take_list(pilot: Pilot, key: str | None = "n") -> PickScreen:
    """Press Next list (or not, when resuming) and wait for the pick screen to be drawn."""
    if key:
        await pilot.press(key)

    def drawn() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, PickScreen):
            return False
        bins = screen.query("#bin").results(BigText)
        return any(widget.text for widget in bins)

    await wait_until(pilot, drawn)
    screen = pilot.app.screen
    assert isinstance(screen, PickScreen)
    return screen
