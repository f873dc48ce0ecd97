"""The supervisor's screens through the real app on a real database file, at 80x24 and 120x40:
what they show, what their keys do, who may open them, and live updates from other sessions."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Sparkline

from core.clock import FixedClock
from core.errors import NotAllowed
from core.model import Role
from core.ports import Operator
from data import orders, waves
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.store import Actor, open_store
from tests.data.builders import ADMIN
from tests.data.floor_rows import NOW, bulk_orders, ship_order, supervised_floor
from tests.tui.conftest import badge_login, pin_login, wait_until
from tests.tui.supervision import (
    SIZES,
    column,
    open_section,
    read_done,
    supervisor_app,
    text_of,
)
from tui.screens.dialogs import ReasonDialog, ReassignDialog
from tui.screens.home import HomeScreen
from tui.screens.orders import OrderDetailScreen, OrdersScreen
from tui.screens.overview import OverviewScreen


@pytest.fixture
def super_db(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    supervised_floor(path).close()
    return path


def _other(path: Path) -> SqliteFloor:
    """Another session's connection to the same file."""
    return SqliteFloor(open_store(path, FixedClock(NOW)))


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["wang.fang", "chen.jie"])
async def test_pickers_and_packers_are_not_offered_the_supervisor_key(
    super_db: Path, who: str
) -> None:
    app = supervisor_app(super_db, station="hh-9")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, who)
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        screen = app.screen
        assert "s" not in screen.active_bindings
        assert not screen.query("#home-supervise-hint")
        await pilot.press("s")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HomeScreen)
        # And the port refuses the session whatever route it takes.
        assert app.oversight is not None and app.operator is not None
        with pytest.raises(NotAllowed):
            await app.backend.submit(app.oversight.overview, app.operator)
        forged = Operator(who, Role.SUPERVISOR, app.operator.station)
        with pytest.raises(NotAllowed):
            await app.backend.submit(app.oversight.cancel_order, forged, "DD-2", "forged")
    assert orders.show_order(open_store(super_db), "DD-2")["status"] == "picking"


async def test_a_terminal_without_the_port_offers_no_supervisor_key(super_db: Path) -> None:
    from tests.tui.conftest import make_app

    app = make_app(super_db, station="office")
    async with app.run_test(size=(80, 24)) as pilot:
        await pin_login(pilot, "zhao.min")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "s" not in app.screen.active_bindings


@pytest.mark.parametrize("size", SIZES)
async def test_the_supervisor_opens_the_overview_from_home(
    super_db: Path, size: tuple[int, int]
) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=size) as pilot:
        await pin_login(pilot, "zhao.min")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.screen.active_bindings["s"].binding.description == "Supervisor"
        screen = await open_section(pilot, "overview")
        assert isinstance(screen, OverviewScreen)
        queues = screen.query_one("#ov-queues", DataTable)
        assert column(queues) == [
            "on hold",
            "backordered",
            "allocated",
            "picking",
            "packing",
            "exception",
        ]
        picking = queues.get_row("picking")
        assert [str(cell) for cell in picking] == ["picking", "1", "1", "0", "2", "-1h00m"]
        due = screen.query_one("#ov-due", DataTable)
        assert column(due) == ["DD-1", "DD-3"]
        assert [str(cell) for cell in due.get_row("DD-1")][-3:] == ["li.na", "13:00", "-1h00m"]
        floor = text_of(screen, "#ov-floor")
        assert "Lists waiting  2" in floor and "Overdue        1" in floor
        stations = screen.query_one("#ov-stations", DataTable)
        assert column(stations) == ["bench-1", "hh-1", "office"]
        assert str(stations.get_row("bench-1")[2]) == "paper out"
        assert str(stations.get_row("hh-1")[1]).startswith("connected · li.na")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_countdowns_run_without_a_read(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "overview")
        reads = screen.reads
        clock = app.floor.store.clock  # type: ignore[attr-defined]
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(minutes=5))
        due = screen.query_one("#ov-due", DataTable)
        await wait_until(pilot, lambda: str(due.get_row("DD-3")[-1]) == "25m", timeout=3)
        assert screen.reads == reads


# --------------------------------------------------------------------------- every section


@pytest.mark.parametrize("size", SIZES)
async def test_every_section_by_its_key(super_db: Path, size: tuple[int, int]) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=size) as pilot:
        orders_screen = await open_section(pilot, "orders")
        table = orders_screen.query_one("#orders-table", DataTable)
        assert column(table)[:3] == ["DD-1", "DD-3", "DD-P"]
        assert table.row_count == 9
        assert "rows 1–9 of 9" in text_of(orders_screen, "#orders-pager")
        wide = size[0] >= 100
        assert ("phone" in [str(key.value) for key in table.columns]) is wide

        people = await open_section(pilot, "people")
        table = people.query_one("#people-table", DataTable)
        assert column(table) == ["li.na", "chen.jie", "wang.fang"]
        assert [str(c) for c in table.get_row("li.na")] == [
            "li.na",
            "picker",
            "hh-1",
            "P:000002 1/4",
            "1",
            "1",
            "1/2 50.0%",
            "6m",
        ]

        exceptions = await open_section(pilot, "exceptions")
        for pane, rows in (
            ("ex-holds", ["DD-H"]),
            ("ex-exceptions", ["DD-X"]),
            ("ex-labels", ["1"]),
            ("ex-lists", ["P:000002", "P:000003", "P:000004"]),
        ):
            assert column(exceptions.query_one(f"#{pane}-table", DataTable)) == rows

        stock = await open_section(pilot, "stock")
        assert column(stock.query_one("#stock-low", DataTable)) == ["SKU-LOW"]
        assert column(stock.query_one("#stock-back", DataTable)) == ["DD-B"]
        assert "SKU-LOW ×5 (1 free)" in str(
            stock.query_one("#stock-back", DataTable).get_row("DD-B")[-1]
        )

        throughput = await open_section(pilot, "throughput")
        spark = throughput.query_one("#tp-spark", Sparkline)
        assert spark.data is not None and list(spark.data)[-3:] == [1, 0, 0]  # DD-S at 12:10
        assert "Shipped in the last 24 hours: 1" in text_of(throughput, "#tp-summary")
        hours = text_of(throughput, "#tp-hours")
        assert hours.split()[-1] == "14" and hours.split()[0] == "15"

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert len(app.screen_stack) == 2  # login was replaced; sections replace each other


# --------------------------------------------------------------------------- orders


async def test_filters_and_search(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_section(pilot, "orders")
        assert isinstance(screen, OrdersScreen)
        table = screen.query_one("#orders-table", DataTable)
        status = screen.query_one("#orders-status", Select)
        status.value = "picking"
        await wait_until(pilot, lambda: column(table) == ["DD-1", "DD-2"])
        screen.query_one("#orders-priority", Select).value = "rush"
        await wait_until(pilot, lambda: column(table) == ["DD-1"])
        await pilot.press("f")
        await wait_until(pilot, lambda: table.row_count == 9)
        channels = screen.query_one("#orders-channel", Select)
        await wait_until(
            pilot,
            lambda: (
                # Channels come from files: the choices are drawn as text.
                [
                    (str(label), value)
                    for label, value in channels._options[1:]  # noqa: SLF001
                    if not str(value).startswith("#")
                ]
                == [("douyin", "douyin"), ("jd", "jd"), ("tmall", "tmall")]
            ),
        )
        # the same list also filters by customer class (the demo's buyers are new or returning)
        labels = {str(label): value for label, value in channels._options[1:]}  # noqa: SLF001
        assert "new customer" in labels
        reader = open_store(super_db, FixedClock(NOW))
        new = {
            row["order_no"]
            for row in reader.query("SELECT order_no FROM orders WHERE customer_class = 'new'")
        }
        reader.close()
        assert 0 < len(new) < 9
        channels.value = labels["new customer"]
        await wait_until(pilot, lambda: set(column(table)) == new)
        await pilot.press("f")
        await wait_until(pilot, lambda: table.row_count == 9)
        channels.value = "jd"
        await wait_until(pilot, lambda: column(table) == ["DD-2"])
        await pilot.press("f")
        await wait_until(pilot, lambda: table.row_count == 9)
        await pilot.press("slash")
        search = screen.query_one("#orders-search", Input)
        await wait_until(pilot, lambda: search.has_focus)
        search.value = "müller"
        await wait_until(pilot, lambda: column(table) == ["DD-2"])
        await pilot.press("escape")  # back to the table, not home
        await wait_until(pilot, lambda: table.has_focus)
        assert isinstance(app.screen, OrdersScreen)
        search.value = "no such order"
        await wait_until(pilot, lambda: "no orders match" in text_of(screen, "#orders-pager"))


@pytest.fixture
def bulk_db(tmp_path: Path) -> Path:
    """20,000 orders made by SQL, and a supervisor."""
    from data import users

    path = tmp_path / "bulk.db"
    store = open_store(path, FixedClock(NOW))
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    bulk_orders(store, 20_000)
    store.close()
    return path


@pytest.mark.parametrize("size", SIZES)
async def test_twenty_thousand_orders_open_a_page_at_a_time(
    bulk_db: Path, size: tuple[int, int]
) -> None:
    every = [
        row["order_no"]
        for row in open_store(bulk_db).query(
            "SELECT order_no FROM orders ORDER BY due_at, order_no"
        )
    ]
    app = supervisor_app(bulk_db)
    async with app.run_test(size=size) as pilot:
        started = time.monotonic()
        screen = await open_section(pilot, "orders")
        opened = time.monotonic() - started
        table = screen.query_one("#orders-table", DataTable)
        assert table.row_count == 50  # one page, never the table
        assert column(table) == every[:50]
        assert "rows 1–50 of 20,000" in text_of(screen, "#orders-pager")
        assert "page 1 of 400" in text_of(screen, "#orders-pager")
        assert opened < 5, f"the orders screen took {opened:.1f} s to open"
        await pilot.press("n")
        await wait_until(pilot, lambda: column(table) == every[50:100])
        assert "rows 51–100 of 20,000" in text_of(screen, "#orders-pager")
        await pilot.press("G")
        await wait_until(pilot, lambda: column(table) == every[-50:])
        assert "page 400 of 400" in text_of(screen, "#orders-pager")
        await pilot.press("p")
        await wait_until(pilot, lambda: column(table) == every[-100:-50])
        await pilot.press("g")
        await wait_until(pilot, lambda: column(table) == every[:50])
        assert table.row_count == 50


async def test_order_detail_and_its_tabs(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "orders")
        await pilot.press("enter")  # the cursor is on DD-1
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        assert "DD-1 · picking · rush · tmall" in text_of(detail, "#od-head")
        assert "list P:000002 (li.na)" in text_of(detail, "#od-info")
        assert column(detail.query_one("#od-lines-table", DataTable), 1) == [
            "SKU-CUP",
            "SKU-CABLE",
        ]
        assert column(detail.query_one("#od-scans-table", DataTable), 5) == ["ok", "wrong_item"]
        assert "order.import" in column(detail.query_one("#od-audit-table", DataTable), 3)
        bindings = detail.active_bindings
        assert "c" in bindings and "a" in bindings and "r" not in bindings  # not on hold
        assert "p" not in bindings  # no label yet
        assert "1" not in bindings  # sections are not switched from a detail
        await pilot.press("left")
        await wait_until(pilot, lambda: detail.query_one("#od-tabs").active == "od-labels")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        # A shipped order: its shipment, its failed label, reprint offered.
        screen.query_one("#orders-search", Input).value = "DD-S"
        table = screen.query_one("#orders-table", DataTable)
        await wait_until(pilot, lambda: column(table) == ["DD-S"])
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        assert isinstance(detail, OrderDetailScreen) and detail.order_no == "DD-S"
        assert column(detail.query_one("#od-shipments-table", DataTable), 4) == ["SF0000000001"]
        assert column(detail.query_one("#od-labels-table", DataTable), 1) == ["failed"]
        assert {"p", "t"} <= set(detail.active_bindings)
        assert "c" not in detail.active_bindings  # shipped: no cancel


# --------------------------------------------------------------------------- actions


async def _reason(pilot, text: str) -> None:
    """Type a reason into the reason dialog (once it is up, its field focused) and confirm."""

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ReasonDialog) and any(
            field.has_focus for field in screen.query("#reason").results(Input)
        )

    await wait_until(pilot, ready)
    reason = pilot.app.screen.query_one("#reason", Input)
    reason.value = text
    reason.focus()
    await wait_until(pilot, lambda: reason.has_focus)
    await pilot.press("enter")


async def test_cancel_from_the_detail_needs_a_reason(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, "orders")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        await pilot.press("c")
        await _reason(pilot, "   ")
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await wait_until(pilot, lambda: "required" in text_of(dialog, "#reason-error"))
        assert app.screen is dialog  # still open
        await _reason(pilot, "customer cancelled by phone")
        await wait_until(pilot, lambda: app.screen is detail)
        await wait_until(pilot, lambda: "cancelled" in text_of(detail, "#od-head"))
        assert "cancelled: customer cancelled by phone" in text_of(detail, "#od-info")
    store = open_store(super_db)
    (entry,) = store.query("SELECT * FROM audit WHERE action = 'order.cancel'")
    assert (entry["user"], entry["station"]) == ("zhao.min", "office")
    assert json.loads(entry["detail"])["reason"] == "customer cancelled by phone"


async def test_escape_leaves_a_dialog_without_doing_anything(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, "exceptions")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ReasonDialog))
    assert orders.show_order(open_store(super_db), "DD-H")["status"] == "on_hold"


async def test_release_a_hold_from_the_exceptions(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_section(pilot, "exceptions")
        assert {"r", "c", "o"} <= set(screen.active_bindings)
        assert "a" not in screen.active_bindings and "p" not in screen.active_bindings
        await pilot.press("r")
        await _reason(pilot, "paid by bank transfer")
        holds = screen.query_one("#ex-holds-table", DataTable)
        await wait_until(pilot, lambda: holds.row_count == 0)
        assert "Holds (0)" in str(screen.query_one("#ex-tabs").get_tab("ex-holds").label)
        await wait_until(pilot, lambda: "r" not in screen.active_bindings)  # none left
    store = open_store(super_db)
    assert orders.show_order(store, "DD-H")["status"] == "allocated"
    (entry,) = store.query("SELECT detail FROM audit WHERE action = 'order.release'")
    assert json.loads(entry["detail"])["note"] == "paid by bank transfer"


async def test_reassign_a_list_to_another_picker(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_section(pilot, "exceptions")
        await pilot.press("right", "right", "right")  # Holds → Exceptions → Labels → Lists
        await wait_until(pilot, lambda: screen.query_one("#ex-tabs").active == "ex-lists")
        await wait_until(pilot, lambda: "a" in screen.active_bindings)
        assert "r" not in screen.active_bindings
        await pilot.press("a")
        dialog = await _reassign_dialog(pilot)
        picker = dialog.query_one("#picker", Select)
        # Pickers first; anyone who may pick can take it; not the one who has it.
        assert [value for _, value in picker._options[1:]] == [  # noqa: SLF001
            "wang.fang",
            "chen.jie",
            "zhao.min",
        ]
        reason = dialog.query_one("#reason", Input)
        reason.value = "li.na went home"
        reason.focus()
        await wait_until(pilot, lambda: reason.has_focus)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Choose the picker" in text_of(dialog, "#reason-error"))
        picker.value = "wang.fang"
        reason.focus()
        await wait_until(pilot, lambda: reason.has_focus)
        await pilot.press("enter")
        lists = screen.query_one("#ex-lists-table", DataTable)
        await wait_until(pilot, lambda: str(lists.get_row("2")[4]) == "wang.fang")
    store = open_store(super_db)
    assert store.scalar("SELECT picker FROM picklists WHERE id = 2") == "wang.fang"
    (entry,) = store.query("SELECT * FROM audit WHERE action = 'picklist.reassign'")
    assert json.loads(entry["detail"])["reason"] == "li.na went home"


async def test_reassign_from_the_people_screen(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "people")
        assert "a" in screen.active_bindings  # li.na (first row) has a list
        await pilot.press("down")
        await wait_until(pilot, lambda: "a" not in screen.active_bindings)  # chen.jie packs
        await pilot.press("up", "a")
        dialog = await _reassign_dialog(pilot)
        dialog.query_one("#picker", Select).value = "wang.fang"
        await _reason_in(pilot, "sick")
        table = screen.query_one("#people-table", DataTable)
        await wait_until(pilot, lambda: str(table.get_row("wang.fang")[3]) == "P:000002 1/4")


async def _reassign_dialog(pilot) -> ReassignDialog:
    """Wait for the reassign dialog to be on screen with its picker list focused."""

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ReassignDialog) and any(
            select.has_focus for select in screen.query("#picker").results(Select)
        )

    await wait_until(pilot, ready)
    dialog = pilot.app.screen
    assert isinstance(dialog, ReassignDialog)
    return dialog


async def _reason_in(pilot, text: str) -> None:
    reason = pilot.app.screen.query_one("#reason", Input)
    reason.value = text
    reason.focus()
    await wait_until(pilot, lambda: reason.has_focus)
    await pilot.press("enter")


async def test_reprint_and_retry_a_label(super_db: Path) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "exceptions")
        await pilot.press("right", "right")
        await wait_until(pilot, lambda: screen.query_one("#ex-tabs").active == "ex-labels")
        await wait_until(pilot, lambda: {"p", "t", "o"} <= set(screen.active_bindings))
        await pilot.press("p")
        await _reason(pilot, "label smudged")
        store = open_store(super_db)
        await wait_until(
            pilot, lambda: store.scalar("SELECT count(*) FROM print_jobs WHERE reprint_of = 1")
        )
        await pilot.press("t")
        labels = screen.query_one("#ex-labels-table", DataTable)
        await wait_until(pilot, lambda: labels.row_count == 0)
    assert store.scalar("SELECT status FROM print_jobs WHERE id = 1") == "queued"
    reprint = store.query("SELECT * FROM print_jobs WHERE reprint_of = 1")[0]
    assert (reprint["created_by"], reprint["status"]) == ("zhao.min", "queued")


async def test_a_refused_action_is_said_loudly(super_db: Path) -> None:
    """While the reason is typed another session ships the order: the service refuses and the
    screen says why (and offers no cancel any more)."""
    app = supervisor_app(super_db)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, "orders")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = await read_done(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonDialog))
        ship_order(open_store(super_db, FixedClock(NOW)), "DD-1", NOW)
        await _reason(pilot, "too late")
        await wait_until(pilot, lambda: bool(bells))
        assert any("can no longer be cancelled" in str(n.message) for n in app._notifications)
        await wait_until(pilot, lambda: "c" not in detail.active_bindings)


# --------------------------------------------------------------------------- live updates


@pytest.mark.parametrize("size", SIZES)
async def test_a_change_in_another_session_shows_within_a_second(
    super_db: Path, size: tuple[int, int]
) -> None:
    app = supervisor_app(super_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_section(pilot, "overview")
        due = screen.query_one("#ov-due", DataTable)
        assert column(due) == ["DD-1", "DD-3"]
        other = open_store(super_db, FixedClock(NOW))
        orders.cancel_order(other, ADMIN, "DD-3", "customer cancelled")
        await wait_until(pilot, lambda: column(due) == ["DD-1"], timeout=1.0)

        orders_screen = await open_section(pilot, "orders")
        table = orders_screen.query_one("#orders-table", DataTable)
        assert str(table.get_row("DD-2")[1]) == "picking"
        orders.cancel_order(other, ADMIN, "DD-2", "duplicate")
        await wait_until(pilot, lambda: str(table.get_row("DD-2")[1]) == "cancelled", 1.0)

        people = await open_section(pilot, "people")
        table = people.query_one("#people-table", DataTable)
        li = Operator("li.na", Role.PICKER, "hh-1")
        outcome = SqliteFloor(other).pick_scan(li, 2, "6901234567892", "wedge")
        assert outcome.accepted
        await wait_until(pilot, lambda: str(table.get_row("li.na")[5]) == "2", timeout=1.0)

        throughput = await open_section(pilot, "throughput")
        spark = throughput.query_one("#tp-spark", Sparkline)
        ship_order(other, "DD-P", NOW)
        await wait_until(pilot, lambda: list(spark.data or [])[-1] == 1, timeout=1.0)


async def test_only_the_page_on_screen_is_read_again(bulk_db: Path) -> None:
    """A change elsewhere re-reads the page on screen (50 rows), keeps the cursor, and a burst
    of changes costs a read or two, not one per change."""
    app = supervisor_app(bulk_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_section(pilot, "orders")
        await pilot.press("n")
        table = screen.query_one("#orders-table", DataTable)
        await wait_until(pilot, lambda: "rows 51–100" in text_of(screen, "#orders-pager"))
        await pilot.press("down", "down", "down")
        on_row = column(table)[3]
        reads = screen.reads
        other = open_store(bulk_db, FixedClock(NOW))
        for _ in range(20):
            with other.write(Actor("test", "x", Role.ADMIN)) as write:
                write.execute("UPDATE orders SET status = 'packing' WHERE order_no = ?", (on_row,))
                write.audit("test.touch", on_row)
        await wait_until(pilot, lambda: str(table.get_row(on_row)[1]) == "packing", 1.0)
        await pilot.pause(0.7)
        assert table.row_count == 50
        assert "rows 51–100" in text_of(screen, "#orders-pager")
        assert column(table)[table.cursor_row] == on_row
        assert screen.reads - reads <= 4


async def test_the_pickers_home_counts_follow_other_sessions(super_db: Path) -> None:
    app = supervisor_app(super_db, station="hh-9")
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "wang.fang")
        summary = lambda: text_of(app.screen, "#home-summary")  # noqa: E731
        await wait_until(pilot, lambda: "Lists waiting: 2" in summary())
        other = open_store(super_db, FixedClock(NOW))
        orders.release_order(other, ADMIN, "DD-H", "paid")
        waves.release_wave(other, ADMIN)
        await wait_until(pilot, lambda: "Lists waiting: 3" in summary(), timeout=1.0)
        assert "On hold 0" in summary()


async def test_two_terminals_on_one_file(super_db: Path) -> None:
    """A picker scans on one terminal; the supervisor's people screen on another shows it."""
    picker_app = supervisor_app(super_db, station="hh-9")
    boss_app = supervisor_app(super_db)
    async with boss_app.run_test(size=(120, 40)) as boss:
        people = await open_section(boss, "people")
        table = people.query_one("#people-table", DataTable)
        assert str(table.get_row("li.na")[5]) == "1"
        async with picker_app.run_test(size=(40, 16)) as picker:
            from tests.tui.conftest import scan, take_list

            await badge_login(picker, "li.na")
            screen = await take_list(picker, key=None)
            await scan(picker, "6901234567892")
            await wait_until(picker, lambda: screen.view.units_done == 2)
            started = time.monotonic()
            while str(table.get_row("li.na")[5]) != "2":
                assert time.monotonic() - started < 1.0, "not shown within a second"
                await boss.pause(0.02)
                await picker.pause(0.0)


async def test_the_port_is_called_off_the_ui_thread(super_db: Path) -> None:
    import threading

    app = supervisor_app(super_db)
    threads: set[str] = set()
    port = app.oversight
    assert isinstance(port, SqliteOversight)
    real = port.overview

    def spy(operator):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return real(operator)

    port.overview = spy  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, "overview")
    assert threads and all(name.startswith("floor") for name in threads)


async def test_a_stations_scanner_as_its_session_reports_it(super_db: Path) -> None:
    """A picker's terminal reads a serial scanner on a real pty; the supervisor's overview on
    another terminal shows it connected, then unplugged."""
    from data import stations
    from tests.devices.test_scanner_station import SerialPty
    from tui.cli import build_app

    port = SerialPty()
    try:
        store = open_store(super_db, FixedClock(NOW))
        stations.add_station(store, ADMIN, "hh-5", f"{port.path}?suffix=CR", "")
        picker_app = build_app(open_store(super_db, FixedClock(NOW)), "hh-5")
        boss_app = supervisor_app(super_db)
        async with boss_app.run_test(size=(120, 40)) as boss:
            screen = await open_section(boss, "overview")
            table = screen.query_one("#ov-stations", DataTable)
            assert str(table.get_row("hh-5")[1]) == "free"
            async with picker_app.run_test(size=(40, 16)) as picker:
                await badge_login(picker, "wang.fang")
                await wait_until(picker, lambda: picker_app.scanner_link.status == "connected")
                await wait_until(
                    boss,
                    lambda: str(table.get_row("hh-5")[1]).startswith("connected · wang.fang"),
                    timeout=2.0,
                )
                port.unplug()
                await wait_until(
                    boss,
                    lambda: str(table.get_row("hh-5")[1]).startswith("disconnected · wang.fang"),
                    timeout=3.0,
                )
    finally:
        port.unplug()


async def test_a_table_is_updated_cell_by_cell_when_its_rows_stay() -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.cells import sync_rows

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row")

    app = One()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        table.add_columns("order", "status")
        sync_rows(table, [("A", ["A", "picking"]), ("B", ["B", "allocated"]), ("C", ["C", "x"])])
        table.move_cursor(row=2)
        cleared: list[int] = []
        real_clear = table.clear
        table.clear = lambda *a, **k: (cleared.append(1), real_clear(*a, **k))[1]  # type: ignore[method-assign]
        sync_rows(table, [("A", ["A", "picked"]), ("B", ["B", "allocated"]), ("C", ["C", "x"])])
        await pilot.pause()
        assert not cleared and str(table.get_row("A")[1]) == "picked"
        assert table.cursor_row == 2
        # Other rows: replaced, and the cursor follows its row by key.
        sync_rows(table, [("Z", ["Z", "new"]), ("C", ["C", "x"])])
        await pilot.pause()
        assert cleared and column(table) == ["Z", "C"] and table.cursor_row == 1


async def test_a_refilled_table_is_as_wide_as_its_cells_before_it_measures_them() -> None:
    """The columns take their cells' widths as the rows go in, not when the table is next idle:
    a busy screen refilling a table could otherwise draw it at its headers' widths."""
    from textual.app import App, ComposeResult

    from tui.widgets.cells import sync_rows

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row")

    app = One()
    async with app.run_test():
        table = app.query_one(DataTable)
        table.add_columns("订单", "截止")
        sync_rows(table, [("A", ["DD-20261122-0001", "11-22 11:30"])])
        # No pause: the table has not been idle since the rows went in.
        widths = [column.content_width for column in table.ordered_columns]
        assert widths == [len("DD-20261122-0001"), len("11-22 11:30")]
        sync_rows(table, [("B", ["DD-1", "—"]), ("C", ["超长的订单号码", "11:30"])])
        assert table.ordered_columns[0].content_width >= 14  # 超长的订单号码: 7 wide characters
