"""Hostile text from imported files on the pick screen: terminal escape sequences (clear screen,
OSC 52 clipboard, window title), C1 controls, bidi overrides, ESC/POS commands and Textual
markup in product names, SKUs and bin codes. They show as plain characters; none reaches the
terminal as a command, none breaks or adds to the screen."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from bench.terminal import PtySession
from core.clock import FixedClock
from core.model import Verdict
from data import catalog, orders, users, waves
from data.store import open_store
from tests.tui.conftest import ADDRESS, ADMIN, HEADER, NOW, badge_login, make_app, scan, take_list
from tui.widgets.bigtext import BigText

NAME = (
    "Mug\x1b[2JWIPE\x1b]52;c;ZXZpbA==\x07\x1b]0;owned\x07\x9b31mC1\u202eevil"
    "\x1dV\x00\x1b@ [/bold] [@click=app.quit]click[/]"
)
SKU = "SKU-\x1b[5mBLINK[/]"
BIN = "A-1\x1b]52;c;Ymlu\x1b\\"
# What must never reach the terminal: each injected command with what follows it.
INJECTED = [
    b"\x1b[2JWIPE",
    b"\x1b]52;c;ZXZpbA",
    b"\x1b]52;C;YMLU",
    b"\x1b]0;owned",
    "\x9b".encode(),
    "\u202e".encode(),
    b"\x1b[5mBLINK",
    b"\x1dV",
    b"\x1b@",
    b"\x00",
]


def hostile_floor(path: Path) -> Path:
    """One list of one order of two units of a product whose name, SKU and bin are hostile."""
    store = open_store(path, FixedClock(NOW))
    products = (
        "sku,name,barcodes,location,on_hand,safety_stock,weight_g\n"
        f'"{SKU}","{NAME}",4006381333931,"{BIN}",10,0,100\n'
        "SKU-MUG,Enamel mug,96385074,C-01,10,0,200\n"
    )
    report = catalog.import_products(store, ADMIN, products.encode(), "products.csv")
    assert report.rejected == []
    rows = f"H-1,tmall,2026-11-21T09:00:00+08:00,rush,paid,张伟,{ADDRESS},{SKU},2,\n"
    assert orders.import_orders(store, ADMIN, (HEADER + rows).encode(), "orders.csv").stored
    waves.release_wave(store, ADMIN)
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    store.close()
    return path


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    return hostile_floor(tmp_path / "hostile.db")


def _controls(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n"]


async def test_hostile_names_show_as_plain_text(hostile_db: Path) -> None:
    app = make_app(hostile_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, "96385074")  # the mug: a wrong item, named in the banner
        await pilot.pause()
        assert screen.last is not None and screen.last.verdict is Verdict.WRONG_ITEM
        shown = [
            str(widget.render())
            for widget in screen.query(Static)
            if widget.id in ("pick-item", "pick-name", "banner")
        ]
        shown.append(str(screen.query_one("#bin", BigText).render()))
        table = screen.query_one("#pick-lines", DataTable)
        shown.extend(str(cell) for row in range(table.row_count) for cell in table.get_row_at(row))
        for text in shown:
            assert _controls(text) == [], text
        name = str(screen.query_one("#pick-name", Static).render())
        # Markup in a name is text: nothing bold closed, no click action made.
        assert "[/bold]" in name and "[@click=app.quit]click[/]" in name
        assert "WIPE" in name and "owned" in name
        assert "BLINK[/]" in str(screen.query_one("#pick-item", Static).render())
        await pilot.click("#pick-name")
        assert app.is_running


@pytest.mark.parametrize("size", [pytest.param((40, 16), id="handheld")])
def test_hostile_names_snapshot(snap_compare, hostile_db: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await badge_login(pilot)
        screen = await take_list(pilot)
        await scan(pilot, "96385074")
        await pilot.pause()
        assert screen.last is not None

    assert snap_compare(make_app(hostile_db), terminal_size=size, run_before=run_before)


def test_nothing_injected_reaches_a_real_terminal(hostile_db: Path) -> None:
    session = PtySession(hostile_db, "hh-1")
    try:
        _, offset = session.wait_for("log in")
        session.type(b"U:li.na\r")
        _, offset = session.wait_for("Next list", offset)
        session.type(b"n")
        _, offset = session.wait_for("WIPE", offset)  # the pick screen with the name drawn
        session.type(b"96385074\r")
        session.wait_for("WRONG ITEM", offset)
        session.type(b"s")  # the short-pick dialog names the SKU and the bin too
        session.wait_for("short by", offset)
    finally:
        session.close()
    drawn = bytes(session.output)
    assert b"WIPE" in drawn and b"BLINK" in drawn and b"YMLU" in drawn
    for sequence in INJECTED:
        assert sequence not in drawn, sequence
