"""The handheld's stock screens by scan: receiving (入库), put-away (上架), moves (移库),
replenishment (补货) and counts (盘点), at 40x16 and 80x24 with the site speaking zh_CN,
calling the same services as the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core import i18n
from core.clock import FixedClock
from data import receiving, stock, stock_reports, users
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.stock import stock_check
from data.stockwork import SqliteStockWork
from data.store import open_store
from tests.tui.conftest import (
    ADMIN,
    NOW,
    answer_dialog,
    badge_login,
    build_floor,
    pin_login,
    scan,
    wait_until,
)
from tests.tui.test_zh_snapshots import speak_chinese
from tui.app import WaretermApp
from tui.screens.stockwork import (
    CountScreen,
    MoveScreen,
    PutawayScreen,
    ReceivingScreen,
    ReplenishScreen,
    StockMenuScreen,
    StockScreen,
    TextEntry,
)

SIZES = [(40, 16), (80, 24)]
CUP = "6901234567892"
MUG = "96385074"
TEA = "4006381333931"
TEA_LOT = "(01)04006381333931(10)L7(17)281231"
TEA_EXPIRED = "(01)04006381333931(10)L0(17)261101"
CABLE = "036000291452"
STRANGER = "6909999999996"


def stock_floor(path: Path) -> Path:
    """The pick screens' small warehouse, plus: a reserve bin R-01 holding cups moved out of
    their pick face A-10 (minimum 5, maximum 8: a replenishment waits), tea lot-tracked, an
    open receipt R-1 (2 mugs, 1 tea), and a supervisor."""
    store = build_floor(path)
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    stock.set_bin_kind(store, ADMIN, "R-01", "reserve")
    stock.move_stock(store, ADMIN, "SKU-CUP", "A-10", "R-01", 7, "overflow")
    receiving.set_bin_max(store, ADMIN, "A-10", 8)
    stock_reports.set_bin_min(store, ADMIN, "A-10", 5)
    with store.write(ADMIN) as write:
        write.execute("UPDATE products SET lot_tracked = 1 WHERE sku = 'SKU-TEA'")
        write.audit("product.lot_tracked", "SKU-TEA")
    receipts = path.parent / "receipts.csv"
    receipts.write_text(
        "receipt_no,supplier,sku,qty,lot,expiry\nR-1,杭州茶厂,SKU-MUG,2,,\nR-1,杭州茶厂,SKU-TEA,1,,\n"
    )
    receiving.import_receipts(store, ADMIN, receipts)
    store.close()
    speak_chinese(path)
    return path


@pytest.fixture
def stock_db(tmp_path: Path) -> Iterator[Path]:
    path = stock_floor(tmp_path / "stock.db")
    i18n.set_language("zh_CN")
    try:
        yield path
    finally:
        i18n.set_language(None)


def stock_app(path: Path, station: str = "hh-1") -> WaretermApp:
    store = open_store(path, FixedClock(NOW))
    return WaretermApp(
        SqliteFloor(store),
        station=station,
        oversight=SqliteOversight(store),
        stock=SqliteStockWork(store),
    )


def drawn(app: WaretermApp) -> str:
    """Every line of the screen as the compositor hands it to the terminal."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def fits(pilot: Pilot, *shown: str) -> str:
    """Nothing of the stock screen lies outside the terminal, and ``shown`` is drawn whole."""
    await pilot.pause()
    app = pilot.app
    width, height = app.size
    screen = app.screen
    for widget in screen.query("#stockwork > *"):
        if widget.display and widget.region.height:
            assert widget.region.right <= width, (widget.id, widget.region, app.size)
            assert widget.region.bottom <= height - 1, (widget.id, widget.region, app.size)
    for word in shown:
        try:
            await wait_until(pilot, lambda word=word: word in drawn(app))
        except AssertionError:
            raise AssertionError(f"{word!r} not drawn whole in:\n{drawn(app)}") from None
    return drawn(app)


async def open_work(pilot: Pilot, key: str, kind: type[StockScreen]) -> StockScreen:
    """From home: W (stock work), then the screen's number."""
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, StockMenuScreen))
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    await wait_until(pilot, lambda: screen.is_mounted and bool(screen.query("#sw-step")))
    return screen


async def answer(pilot: Pilot, text: str) -> None:
    """Type into the dialog in front and press Enter."""
    await answer_dialog(pilot, TextEntry, text, "#entry")


async def scanned(pilot: Pilot, screen: StockScreen, code: str, attr: str) -> None:
    """Scan and wait until the screen's ``attr`` changed or its banner did."""
    before = (getattr(screen, attr), str(screen.query_one("#banner").render()))
    await scan(pilot, code)
    await wait_until(
        pilot,
        lambda: (getattr(screen, attr), str(screen.query_one("#banner").render())) != before,
    )


def banner(screen: StockScreen) -> str:
    return str(screen.query_one("#banner").render())


def refused(screen: StockScreen) -> bool:
    return screen.query_one("#banner").has_class("banner-error")


async def receive_and_put_away(pilot: Pilot) -> None:
    screen = await open_work(pilot, "1", ReceivingScreen)
    assert isinstance(screen, ReceivingScreen)
    await fits(pilot, "R:")
    await scanned(pilot, screen, "R:R-1", "view")
    await fits(pilot, "R-1", "SKU-MUG", "0/3")
    await scanned(pilot, screen, MUG, "last")
    await scanned(pilot, screen, MUG, "last")
    assert screen.last is not None and screen.last.accepted
    await scanned(pilot, screen, MUG, "last")  # a third: too many
    assert refused(screen) and "SKU-MUG" in banner(screen)
    await scanned(pilot, screen, CUP, "last")  # not on the receipt
    assert refused(screen) and "SKU-CUP" in banner(screen)
    await scanned(pilot, screen, STRANGER, "last")  # no product has it
    assert refused(screen) and STRANGER in banner(screen)
    await scanned(pilot, screen, TEA_EXPIRED, "last")  # its expiry is past
    assert refused(screen) and "2026-11-01" in banner(screen)
    await fits(pilot, "2026-11-01")
    await scan(pilot, TEA)  # lot-tracked, no lot in the code: asked
    await answer(pilot, "L7")
    await answer(pilot, "2028-12-31")
    await wait_until(pilot, lambda: screen.view is not None and screen.view.received == 3)
    assert screen.view is not None and screen.view.refused == 4
    await pilot.press("x")  # once: asks
    await wait_until(pilot, lambda: "X" in banner(screen))
    assert screen.closed is None and screen.view is not None
    await pilot.press("x")
    await wait_until(pilot, lambda: screen.closed is not None)
    await fits(pilot, "DOCK")
    await pilot.press("escape")

    putaway = await open_work(pilot, "2", PutawayScreen)
    assert isinstance(putaway, PutawayScreen)
    await scanned(pilot, putaway, MUG, "proposal")
    await fits(pilot, "C-01")
    assert putaway.proposal is not None and putaway.proposal.proposed == "C-01"
    await scanned(pilot, putaway, CABLE, "qty")  # another item while mugs are in hand
    assert refused(putaway)
    await scanned(pilot, putaway, MUG, "qty")
    assert putaway.qty == 2
    await scanned(pilot, putaway, "L:C-01", "done")
    assert putaway.done is not None and putaway.done.target == "C-01"
    await scanned(pilot, putaway, TEA, "proposal")
    assert putaway.proposal is not None and putaway.proposal.lot == "L7"
    await scanned(pilot, putaway, "L:B-01", "done")
    await fits(pilot, "B-01")
    await pilot.press("escape", "escape")


async def replenish(pilot: Pilot) -> None:
    screen = await open_work(pilot, "4", ReplenishScreen)
    assert isinstance(screen, ReplenishScreen)
    await wait_until(pilot, lambda: screen.reads > 0)
    assert screen.task is not None and screen.task.id == "A-10:SKU-CUP" and screen.task.qty == 5
    await fits(pilot, "R-01")
    await scanned(pilot, screen, "L:A-10", "at_source")  # the face first: wrong bin
    assert refused(screen)
    await scanned(pilot, screen, "L:R-01", "at_source")
    await scanned(pilot, screen, MUG, "qty")  # wrong item
    assert refused(screen)
    for n in range(1, 6):
        await scanned(pilot, screen, CUP, "qty")
        assert screen.qty == n
    await scanned(pilot, screen, CUP, "qty")  # a sixth: more than the task takes
    assert refused(screen) and screen.qty == 5
    await scanned(pilot, screen, "L:A-10", "done")
    await wait_until(pilot, lambda: screen.reads > 1)
    assert screen.done is not None and screen.done.qty == 5 and screen.task is None
    await fits(pilot)
    await pilot.press("escape", "escape")


async def count(pilot: Pilot, bins: list[tuple[str, list[tuple[str, int]]]]) -> CountScreen:
    screen = await open_work(pilot, "5", CountScreen)
    assert isinstance(screen, CountScreen)
    await wait_until(pilot, lambda: screen.reads > 0)
    for code, units in bins:
        await scanned(pilot, screen, f"L:{code}", "bin")
        for unit, qty in units:
            await scanned(pilot, screen, unit, "last_key")
            if qty > 1:
                await pilot.press("q")
                await answer(pilot, str(qty))
        before = screen.result
        await pilot.press("d")
        await wait_until(
            pilot, lambda before=before: screen.result is not before or refused(screen)
        )
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_a_receiver_receives_and_puts_away_by_scans(
    stock_db: Path, size: tuple[int, int]
) -> None:
    app = stock_app(stock_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot, "li.na")
        await receive_and_put_away(pilot)
    store = open_store(stock_db, FixedClock(NOW))
    shown = receiving.show_receipt(store, "R-1")
    reasons = sorted(u["reason"] for u in shown["units"] if u["verdict"] == "refused")
    assert reasons == ["expired", "not_on_receipt", "too_many", "unknown"]
    # a scan refused on a screen no service kept is stored like any loose scan
    loose = store.query("SELECT raw, verdict FROM scans WHERE user = 'li.na'")
    assert {"raw": CABLE, "verdict": "not_expected"} in loose
    kinds = [(e["kind"], e["bin"], e["qty"]) for e in stock.list_ledger(store, sku="SKU-MUG")]
    assert ("receive", "DOCK", 2) in kinds and ("put_away", "C-01", 2) in kinds
    tea = [r for r in stock.list_bins(store, "SKU-TEA") if r["bin"] == "B-01" and r["lot"] == "L7"]
    assert tea and tea[0]["on_hand"] == 1 and tea[0]["expiry"] == "2028-12-31"
    assert stock_check(store) == []


@pytest.mark.parametrize("size", SIZES)
async def test_a_replenishment_is_done_by_scans(stock_db: Path, size: tuple[int, int]) -> None:
    app = stock_app(stock_db)
    async with app.run_test(size=size) as pilot:
        await badge_login(pilot, "li.na")
        await replenish(pilot)
    store = open_store(stock_db, FixedClock(NOW))
    moves = [e for e in stock.list_ledger(store, sku="SKU-CUP") if e["reason"] == "replenishment"]
    assert sorted((e["bin"], e["qty"]) for e in moves) == [("A-10", 5), ("R-01", -5)]
    assert stock_reports.replenish_list(store) == []


@pytest.mark.parametrize("size", SIZES)
async def test_a_supervisor_moves_one_unit_and_a_typed_quantity(
    stock_db: Path, size: tuple[int, int]
) -> None:
    app = stock_app(stock_db)
    async with app.run_test(size=size) as pilot:
        await pin_login(pilot, "zhao.min")
        screen = await open_work(pilot, "3", MoveScreen)
        assert isinstance(screen, MoveScreen)
        await scanned(pilot, screen, "L:A-2", "source")
        await fits(pilot, "SKU-CABLE")
        await scanned(pilot, screen, CUP, "qty")  # not in A-2
        assert refused(screen)
        await scanned(pilot, screen, CABLE, "qty")
        await pilot.press("q")
        await answer(pilot, "4")
        await scanned(pilot, screen, "L:R-02", "done")
        await fits(pilot, "R-02")
        assert screen.done is not None and screen.done.qty == 4
    store = open_store(stock_db, FixedClock(NOW))
    rows = {r["bin"]: r["on_hand"] for r in stock.list_bins(store, "SKU-CABLE")}
    assert rows == {"A-2": 6, "R-02": 4}


async def test_a_picker_is_offered_no_move(stock_db: Path) -> None:
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        await pilot.press("w")
        await wait_until(
            pilot, lambda: isinstance(app.screen, StockMenuScreen) and app.screen.is_mounted
        )
        menu = app.screen
        assert menu.check_action("open", ("move",)) is False
        assert menu.check_action("open", ("count",)) is True
        assert len(menu.query(".sw-menu")) == 4  # receive, put away, replenish, count
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, StockMenuScreen)
        await scan(pilot, "R:R-1")  # a receipt scanned here opens receiving with it
        await wait_until(
            pilot, lambda: isinstance(app.screen, ReceivingScreen) and app.screen.is_mounted
        )
        receiving_screen = app.screen
        assert isinstance(receiving_screen, ReceivingScreen)
        await wait_until(pilot, lambda: receiving_screen.view is not None)


async def test_an_open_count_shows_what_is_expected_a_blind_one_does_not(
    stock_db: Path,
) -> None:
    store = open_store(stock_db, FixedClock(NOW))
    receiving.create_count(store, ADMIN, bins="C-01:C-01", open_count=True)
    receiving.create_count(store, ADMIN, bins="A-2:A-2")
    store.close()
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        screen = await open_work(pilot, "5", CountScreen)
        assert isinstance(screen, CountScreen)
        await wait_until(pilot, lambda: screen.reads > 0)
        await fits(pilot, "C-01", "SKU-MUG×10")
        await pilot.press("n")
        text = await fits(pilot, "A-2")
        assert "SKU-CABLE" not in text and "×10" not in text
        await scanned(pilot, screen, "L:C-01", "bin")  # not in this (blind) task
        assert refused(screen)
        await scanned(pilot, screen, "L:A-2", "bin")
        await pilot.press("e")  # units are there: the service keeps the difference
        await wait_until(pilot, lambda: screen.result is not None)
        assert screen.result is not None and screen.result.status == "recount"


async def test_the_stock_floor_by_scans(stock_db: Path) -> None:
    """Done when: a receiver receives and puts away; a replenishment is done; a counter counts
    three bins blind, one difference goes to a recount by a second person, a supervisor
    approves it; the ledger holds every step and ``stock check`` passes."""
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        await receive_and_put_away(pilot)
        await replenish(pilot)
    store = open_store(stock_db, FixedClock(NOW))
    task = receiving.create_count(store, ADMIN, bins="A-10:C-01")["count"]
    assert receiving.show_count(store, task)["bins"][0]["bin"] == "A-10"
    store.close()
    counted = [
        ("A-10", [(CUP, 8)]),
        ("B-01", [(TEA, 10), (TEA_LOT, 1)]),
        ("C-01", [(MUG, 11)]),  # one mug is missing
    ]
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        screen = await count(pilot, counted)
        assert screen.result is not None and screen.result.status == "recount"
        await fits(pilot, "C-01")
        # the same person may not count it again
        await scanned(pilot, screen, "L:C-01", "bin")
        await scanned(pilot, screen, MUG, "last_key")
        await pilot.press("d")
        await wait_until(pilot, lambda: refused(screen))
        assert "li.na" in banner(screen)
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "wang.fang")
        screen = await count(pilot, [("C-01", [(MUG, 11)])])
        assert screen.result is not None and screen.result.status == "counted"
    store = open_store(stock_db, FixedClock(NOW))
    supervisor = ADMIN.__class__("zhao.min", "office")
    receiving.approve_count(store, supervisor, task, "one mug broken, binned")
    kinds = {e["kind"] for e in stock.list_ledger(store, limit=1000)}
    assert {"receive", "put_away", "move", "adjustment"} <= kinds
    mugs = {r["bin"]: r["on_hand"] for r in stock.list_bins(store, "SKU-MUG")}
    assert mugs["C-01"] == 11
    assert receiving.show_count(store, task)["status"] == "closed"
    assert stock_check(store) == []


async def test_no_stock_key_without_the_stock_port(tmp_path: Path) -> None:
    path = stock_floor(tmp_path / "plain.db")
    store = open_store(path, FixedClock(NOW))
    app = WaretermApp(SqliteFloor(store), station="hh-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, StockMenuScreen)


def test_a_fresh_demo_has_stock_work_to_do(tmp_path: Path) -> None:
    """Pick faces and reserve, lot-tracked goods with expiry, an open receipt on the scan
    sheet, a replenishment waiting and a count task; the ledger explains every unit."""
    from data.demo import build_demo
    from data.demo_stock import OPEN_RECEIPT

    result = build_demo(tmp_path / "demo")
    store = open_store(result.db)
    kinds = {row["kind"] for row in stock.list_bins(store)}
    assert {"pick_face", "reserve"} <= kinds
    lots = [r for r in stock.list_bins(store) if r["lot"] and r["expiry"]]
    assert lots and all(r["kind"] == "reserve" for r in lots)
    open_receipts = [r for r in receiving.list_receipts(store) if r["status"] == "open"]
    assert [r["receipt_no"] for r in open_receipts] == [OPEN_RECEIPT]
    assert f"R:{OPEN_RECEIPT}" in (result.directory / "scan_sheet.txt").read_text()
    assert stock_reports.replenish_list(store)
    assert [c["to_count"] for c in receiving.list_counts(store) if c["status"] == "open"]
    assert stock_check(store) == []


async def test_a_count_task_made_elsewhere_appears_and_a_refused_scan_is_stored(
    stock_db: Path,
) -> None:
    app = stock_app(stock_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot, "li.na")
        screen = await open_work(pilot, "5", CountScreen)
        assert isinstance(screen, CountScreen)
        await wait_until(pilot, lambda: screen.reads > 0)
        assert screen.task is None
        other = open_store(stock_db, FixedClock(NOW))
        made = receiving.create_count(other, ADMIN, bins="B-01:B-01")["count"]
        other.close()
        await wait_until(pilot, lambda: screen.task is not None and screen.task.id == made)
        await fits(pilot, "B-01")
        await pilot.press("escape")
        putaway = await open_work(pilot, "2", PutawayScreen)
        await scanned(pilot, putaway, CABLE, "proposal")  # none at the dock: the service says so
        assert refused(putaway) and "SKU-CABLE" in banner(putaway)
        store = open_store(stock_db, FixedClock(NOW))
        await wait_until(
            pilot,
            lambda: bool(store.query("SELECT 1 FROM scans WHERE raw = ?", (CABLE,))),
        )
