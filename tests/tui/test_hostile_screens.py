"""Every screen and dialog over a floor whose files were written by an attacker
(``tests.data.hostile_floor``): order numbers, channels, customers, addresses, products,
SKUs, bins and carrier names carrying escape sequences, C1 controls, bidi overrides and
Textual markup. No screen crashes, and nothing the app draws holds a control character: what
is checked is every line of the screen as composed for the terminal, dialogs and
notifications (shown in these tests) included. A real ``wareterm tui`` on a pty then shows
that no injected command reaches the terminal's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, TabbedContent

from bench.terminal import PtySession
from core.clock import FixedClock
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.returns_desk import SqliteReturnsDesk
from data.stockwork import SqliteStockWork
from data.store import open_store
from tests.data.hostile_floor import (
    CARRIER_NAME,
    CUP_CODE,
    HOSTILE_SKU_CODE,
    INJECTED,
    NOW,
    ORDER_NO,
    PIN,
    controls,
    hostile_floor,
)
from tests.tui.conftest import pin_login as _pin_login
from tests.tui.conftest import scan, wait_until
from tui.app import WaretermApp
from tui.screens.pack import PackScreen
from tui.screens.supervise import SupervisorScreen


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_floor(tmp_path_factory.mktemp("hostile") / "hostile.db")


@pytest.fixture
def hostile_db(hostile_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the hostile floor for each test (tests change it)."""
    path = tmp_path / "hostile.db"
    source = open_store(hostile_template, FixedClock(NOW))
    source.conn.execute("VACUUM INTO ?", (str(path),))
    source.close()
    return path


def hostile_app(path: Path, station: str) -> WaretermApp:
    store = open_store(path, FixedClock(NOW))
    return WaretermApp(
        SqliteFloor(store),
        station=station,
        oversight=SqliteOversight(store),
        stock=SqliteStockWork(store),
        returns=SqliteReturnsDesk(store),
    )


def drawn(app: WaretermApp) -> str:
    """Every line of the screen in front as the compositor hands it to the terminal (the
    screens below a dialog, the dialog, notifications)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def clean(pilot: Pilot, *expected: str) -> str:
    """Let the app settle, then check what it draws: no control character, and ``expected``
    shown (as text)."""
    await pilot.pause()
    if expected:
        try:
            await wait_until(pilot, lambda: all(word in drawn(pilot.app) for word in expected))
        except AssertionError:
            raise AssertionError(f"{expected} not drawn in:\n{drawn(pilot.app)}") from None
    text = drawn(pilot.app)
    assert controls(text) == [], (controls(text), text)
    assert pilot.app.is_running
    return text


async def pin_login(pilot: Pilot, name: str) -> None:
    """Type the name and the PIN on the login screen (supervisors must)."""
    await _pin_login(pilot, name, PIN)


async def test_login_and_home(hostile_db: Path) -> None:
    app = hostile_app(hostile_db, "hh-1")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await clean(pilot, "log in")
        await scan(pilot, "U:INJ[/bold]x[@click=app.quit]y[/]")
        text = await clean(pilot, "[/bold]")
        assert "[@click=app.quit]" in text
        await pin_login(pilot, "li.na")
        await clean(pilot, "li.na")


async def test_pick_screen_and_short_dialog(hostile_db: Path) -> None:
    app = hostile_app(hostile_db, "hh-1")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await pin_login(pilot, "li.na")
        await pilot.press("n")
        text = await clean(pilot, "BLINK")
        assert "YMLU" in text and "BLINK[/]" in text
        await scan(pilot, CUP_CODE)  # not on this list: the banner names it
        await clean(pilot, "WRONG ITEM")
        await pilot.press("s")
        await clean(pilot, "short by")
        await pilot.press("escape")
        await clean(pilot)


async def test_pack_bench_dialogs_and_carrier_choice(hostile_db: Path) -> None:
    """The bench that crashed in a loop: the table, the missing-units dialog, the carrier
    choice, the reason entry, the proposal, the label to ship, the void dialog."""
    app = hostile_app(hostile_db, "bench-1")
    async with app.run_test(notifications=True, size=(100, 30)) as pilot:
        await pin_login(pilot, "chen.jie")
        await scan(pilot, "T:0042")
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
        screen = app.screen
        assert isinstance(screen, PackScreen)
        await wait_until(pilot, lambda: screen.last is not None)
        text = await clean(pilot, "T1JET1JE", "WIPE")
        assert "INJ[/bold]-3" in text and "Mug [/bold] white" in text
        await scan(pilot, "X[/bold]Y")
        await clean(pilot, "UNKNOWN")
        await pilot.press("m")
        await clean(pilot, "units missing")
        await pilot.press("escape")
        for code in (HOSTILE_SKU_CODE, CUP_CODE):
            before = screen.last
            await scan(pilot, code)
            await wait_until(pilot, lambda before=before: screen.last is not before)
        await wait_until(pilot, lambda: screen.view.ready is not None)
        for key in ("0", "full_stop", "5"):
            await pilot.press(key)
        await clean(pilot, "Enter: close")
        await pilot.press("o")
        await clean(pilot, CARRIER_NAME)
        await pilot.press("1")
        await clean(pilot, "Why HX for", "INJ[/bold]-3")
        app.screen.query_one("#reason", Input).value = "why[/bold]"
        await pilot.press("enter")
        await clean(pilot, "override: why[/bold]")
        await pilot.press("enter")
        await clean(pilot, "To ship")
        await pilot.press("v")
        await clean(pilot, "Why void the label", "INJ[/bold]-3")
        await pilot.press("escape")
        await clean(pilot)


async def test_a_new_login_resumes_the_hostile_bench(hostile_db: Path) -> None:
    """The crash came back at every login, since a login resumes the bench: it must not."""
    store = open_store(hostile_db, FixedClock(NOW))
    floor = SqliteFloor(store)
    assert floor.pack_scan(floor.login("chen.jie", PIN, "bench-1"), "T:0042", "serial").accepted
    store.close()
    for _login in range(2):
        app = hostile_app(hostile_db, "bench-1")
        async with app.run_test(notifications=True, size=(80, 24)) as pilot:
            await pin_login(pilot, "chen.jie")
            await wait_until(pilot, lambda app=app: isinstance(app.screen, PackScreen))
            await clean(pilot, "T1JET1JE", "WIPE")


async def test_batch_print(hostile_db: Path) -> None:
    app = hostile_app(hostile_db, "bench-1")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await pin_login(pilot, "chen.jie")
        await pilot.press("b")
        await clean(pilot, "Print a wave")
        await pilot.press("enter")
        await clean(pilot)


async def test_stock_screens(hostile_db: Path) -> None:
    """Receiving (a blind receipt whose number is markup), put-away, moves and an open count
    over the product whose SKU, name and bin carry escapes and markup."""
    from data import receiving
    from data.store import Actor
    from tui.screens.stockwork import CountScreen, MoveScreen, PutawayScreen, ReceivingScreen

    store = open_store(hostile_db, FixedClock(NOW))
    receiving.create_count(store, Actor("zhao.min", "office"), sku="SKU-CUP", open_count=True)
    store.close()
    app = hostile_app(hostile_db, "hh-1")
    async with app.run_test(notifications=True, size=(80, 24)) as pilot:
        await pin_login(pilot, "zhao.min")
        await pilot.press("w", "1")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ReceivingScreen) and app.screen.is_mounted
        )
        receiving_screen = app.screen
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(app.screen.query("#entry")))
        app.screen.query_one("#entry", Input).value = "B[/bold]x[@click=app.quit]y"
        await pilot.press("enter")
        await clean(pilot, "B[/bold]x[@click=app.quit]y")
        await scan(pilot, HOSTILE_SKU_CODE)
        await clean(pilot, "BLINK[/]")
        await scan(pilot, "X[/bold]Y")
        await clean(pilot, "X[/bold]Y")
        await pilot.press("x", "x")
        await wait_until(pilot, lambda: receiving_screen.closed is not None)  # type: ignore[attr-defined]
        await clean(pilot, "DOCK")
        await pilot.press("escape", "3")
        await wait_until(
            pilot, lambda: isinstance(app.screen, MoveScreen) and app.screen.is_mounted
        )
        await scan(pilot, "L:DOCK")
        await clean(pilot, "BLINK[/]", "Mug [/bold] white")
        await pilot.press("escape", "2")
        await wait_until(
            pilot, lambda: isinstance(app.screen, PutawayScreen) and app.screen.is_mounted
        )
        await scan(pilot, HOSTILE_SKU_CODE)
        await clean(pilot, "Mug [/bold] white", "YMLU")
        await pilot.press("escape", "5")
        await wait_until(
            pilot, lambda: isinstance(app.screen, CountScreen) and app.screen.is_mounted
        )
        await clean(pilot, "B-01", "SKU-CUP")
        await scan(pilot, "L:B-01")
        await scan(pilot, HOSTILE_SKU_CODE)
        await clean(pilot, "BLINK[/]")
        await pilot.press("escape")
        await clean(pilot)


async def _section(pilot: Pilot, key: str, section: str) -> SupervisorScreen:
    await pilot.press(key)

    def read() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, SupervisorScreen) and section == screen.SECTION and screen.reads > 0
        )

    await wait_until(pilot, read)
    screen = pilot.app.screen
    assert isinstance(screen, SupervisorScreen)
    return screen


async def _detail(pilot: Pilot, table: DataTable, order_no: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(order_no))
    await pilot.press("o")
    await wait_until(pilot, lambda: "due" in drawn(pilot.app) and "Lines" in drawn(pilot.app))


async def dialog(pilot: Pilot, key: str, required: bool = True) -> None:
    """Press ``key``; check the dialog it opens, then close it with Esc."""
    await pilot.press(key)
    try:
        await wait_until(pilot, lambda: pilot.app.screen.is_modal, timeout=5 if required else 0.5)
    except AssertionError:
        if required:
            raise AssertionError(f"{key} opened no dialog:\n{drawn(pilot.app)}") from None
        await clean(pilot)
        return
    await clean(pilot)
    await pilot.press("escape")
    await wait_until(pilot, lambda: not pilot.app.screen.is_modal)
    await clean(pilot)


async def test_every_supervisor_section_order_detail_and_dialogs(hostile_db: Path) -> None:
    app = hostile_app(hostile_db, "office")
    async with app.run_test(notifications=True, size=(140, 40)) as pilot:
        await pin_login(pilot, "zhao.min")
        await pilot.press("s")
        for key, section in (
            ("1", "overview"),
            ("3", "people"),
            ("5", "stock"),
            ("6", "throughput"),
            ("2", "orders"),
        ):
            await _section(pilot, key, section)
            await clean(pilot)
        orders = app.screen.query_one("#orders-table", DataTable)
        await wait_until(pilot, lambda: orders.row_count >= 4)
        text = await clean(pilot, "CHANTITLE", "WIPE")
        assert "[/bold]" in text
        channels = app.screen.query_one("#orders-channel", Select)
        channels.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: channels.expanded)
        await clean(pilot, "CHANTITLE")
        await pilot.press("escape")
        await _detail(pilot, orders, ORDER_NO)
        text = await clean(pilot, "T1JET1JE", "CHANTITLE", "ADDRTITLE")
        assert "INJ[/bold]-3" in text
        for _tab in range(6):
            await pilot.press("right")
            await clean(pilot)
        for key in ("c", "p"):  # its list is done: nothing to reassign
            await dialog(pilot, key)
        await pilot.press("escape")
        await _section(pilot, "4", "exceptions")
        seen = ""
        offered = {
            "holds": ("r", "c"),
            "exceptions": ("c",),
            "labels": ("p",),
            "lists": (),
            "parcels": (),
            "returns": (),
        }
        tabs = app.screen.query_one("#ex-tabs", TabbedContent)
        for pane, keys in offered.items():  # each tab, with the dialogs of its actions
            await wait_until(pilot, lambda pane=pane: tabs.active == f"ex-{pane}")
            seen += await clean(pilot)
            for key in ("r", "c", "a", "p"):
                await dialog(pilot, key, required=key in keys)
            await pilot.press("right")
        for marker in ("HELDTITLE", "SHORT", "ERRTITLE"):
            assert marker in seen
        # Back on the holds: release the held order; the notification names it.
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen.is_modal)
        app.screen.query_one("#reason", Input).value = "paid [/bold] by phone"
        await pilot.press("enter")
        await clean(pilot, "HELDTITLE released")


def test_nothing_injected_reaches_a_real_terminal(hostile_db: Path) -> None:
    """``wareterm tui`` on a pty: the bench with the hostile order, then the supervisor's
    order detail; the bytes it writes hold the markers but none of the commands."""
    bench = PtySession(hostile_db, "bench-1", size=(100, 30))
    try:
        _, offset = bench.wait_for("log in")
        bench.type(b"U:chen.jie\r")
        _, offset = bench.wait_for("Log out", offset)
        bench.type(b"T:0042\r")
        bench.wait_for("WIPE", offset)
        bench.wait_for("BLINK", offset)
    finally:
        bench.close()
    # The supervisor's session as serve starts it after an SSH login (a badge cannot open it).
    office = PtySession(
        hostile_db,
        "office",
        size=(140, 40),
        args=("--session-user", "zhao.min", "--session-method", "ssh-password"),
    )
    try:
        _, offset = office.wait_for("Supervisor")
        office.type(b"s")
        _, offset = office.wait_for("Due within", offset)
        office.type(b"2")
        _, offset = office.wait_for("CHANTITLE", offset)
        office.type(b"/INJ[/bold]-3\r")
        _, offset = office.wait_for("1 of 1", offset)
        office.type(b"o")
        office.wait_for("ADDRTITLE", offset)
    finally:
        office.close()
    for output in (bytes(bench.output), bytes(office.output)):
        assert b"T1JET1JE" in output
        for sequence in INJECTED:
            assert sequence not in output, sequence
