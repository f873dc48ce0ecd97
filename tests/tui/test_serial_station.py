"""A station with a serial scanner on a real pty, driven through the app as `wareterm tui`
builds it: serial scans count exactly as wedge scans, garbage is a loud bad scan, an unplug
shows within a second and a replug comes back by itself; one session at a time holds the
scanner, and the others are told who has it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.clock import FixedClock, to_iso
from core.model import Verdict
from data import leases, stations, users
from data.store import Store, open_store
from tests.devices.test_scanner_station import SerialPty
from tests.tui.conftest import (
    ADMIN,
    NOW,
    WALK,
    badge_login,
    build_floor,
    make_app,
    scan,
    screen_in_front,
    take_list,
    wait_until,
)
from tui.app import WaretermApp
from tui.cli import build_app
from tui.messages import ScanRead
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.pick import PickScreen

ROOT = Path(__file__).resolve().parents[2]

# Refused, accepted, refused again: a wrong item, the list in walk order, an over-pick, an
# unknown code and a bin label that is not expected.
SEQUENCE = ["96385074", *WALK[:2], "0036000291452", "1234567890", "L:C-01", *WALK[2:]]


def _bar(app: WaretermApp) -> str:
    return " ".join(
        str(widget.render()) for widget in app.screen.query("DeviceBar Static").results(Static)
    )


def _banner(app: WaretermApp) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def _open(path: Path) -> Store:
    return open_store(path, FixedClock(NOW))


def _station(path: Path, name: str, scanner_url: str, printer_url: str = "") -> None:
    store = _open(path)
    stations.add_station(store, ADMIN, name, scanner_url, printer_url)
    store.close()


def _scans(path: Path) -> list[dict[str, object]]:
    return _open(path).query("SELECT * FROM scans ORDER BY id")


async def _connected(pilot: Pilot, app: WaretermApp) -> None:
    await wait_until(pilot, lambda: app.scanner_link.status == "connected")
    await wait_until(pilot, lambda: "scanner ready" in _bar(app))


@pytest.fixture
def pty() -> SerialPty:
    port = SerialPty()
    yield port
    port.unplug()


async def test_serial_scans_count_exactly_as_wedge_scans(tmp_path: Path, pty: SerialPty) -> None:
    wedge_db, serial_db = tmp_path / "wedge.db", tmp_path / "serial.db"
    build_floor(wedge_db).close()
    build_floor(serial_db).close()
    _station(serial_db, "hh-1", f"{pty.path}?suffix=CR")

    app = make_app(wedge_db)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        screen = await take_list(pilot)
        for number, code in enumerate(SEQUENCE, start=1):
            await scan(pilot, code)
            await wait_until(pilot, lambda n=number: len(_scans(wedge_db)) == n)

    app = build_app(_open(serial_db), "hh-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        await _connected(pilot, app)
        screen = await take_list(pilot)
        pty.send(SEQUENCE[0].encode() + b"\r")
        await wait_until(pilot, lambda: screen.last is not None)
        assert screen.last.verdict is Verdict.WRONG_ITEM
        assert "WRONG ITEM" in _banner(app)
        # The rest in one burst: handled in the order read.
        pty.send(b"".join(code.encode() + b"\r" for code in SEQUENCE[1:]))
        await wait_until(pilot, lambda: len(_scans(serial_db)) == len(SEQUENCE))
        await wait_until(pilot, lambda: screen.view.current is None)

    wedge, serial = _scans(wedge_db), _scans(serial_db)
    assert {row["source"] for row in wedge} == {"wedge"}
    assert {row["source"] for row in serial} == {"serial"}
    fields = ("raw", "kind", "code", "sku", "verdict", "order_no", "message")
    assert [[row[f] for f in fields] for row in serial] == [
        [row[f] for f in fields] for row in wedge
    ]
    assert [row["verdict"] for row in serial] == [
        "wrong_item", "ok", "ok", "over_pick", "unknown_code", "wrong_location", "ok", "ok",
    ]  # fmt: skip


async def test_garbage_unplug_and_replug_behind_a_moved_symlink(
    tmp_path: Path, floor_db: Path, pty: SerialPty
) -> None:
    link = tmp_path / "usb-scanner"  # as /dev/serial/by-id/… names a USB scanner
    link.symlink_to(pty.path)
    _station(floor_db, "bench-1", f"{link}?suffix=CR")
    app = build_app(_open(floor_db), "bench-1")
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot)
        await _connected(pilot, app)
        screen = await take_list(pilot)

        pty.send(b"\x00\x07\xff\x1b[2J\r")
        await wait_until(pilot, lambda: screen.last is not None)
        assert screen.last.verdict is Verdict.BAD_SCAN
        assert bells
        banner = _banner(app)
        assert "BAD SCAN" in banner and "control characters" in banner
        assert screen.query_one("#banner").has_class("banner-error")
        assert "\x1b" not in banner and "\x00" not in banner
        [bad] = _scans(floor_db)
        assert (bad["verdict"], bad["source"], bad["raw_hex"]) == (
            "bad_scan",
            "serial",
            "0007ff1b5b324a",
        )
        assert bad["raw"] == "␀␇�␛[2J" and bad["picklist_id"] == screen.view.picklist_id
        assert screen.view.units_done == 0

        pty.unplug()
        started = time.monotonic()
        await wait_until(pilot, lambda: "DISCONNECTED" in _bar(app), timeout=1.0)
        assert time.monotonic() - started < 1.0
        assert "unplugged" in app.scanner_link.message
        assert screen.query_one("#bar-scanner").has_class("-bad")

        replugged = SerialPty()
        try:
            moved = tmp_path / "usb-scanner.new"
            moved.symlink_to(replugged.path)
            os.replace(moved, link)
            await wait_until(pilot, lambda: "scanner ready" in _bar(app), timeout=3.0)
            replugged.send(WALK[0].encode() + b"\r")
            await wait_until(pilot, lambda: screen.view.units_done == 1)
            assert screen.last.verdict is Verdict.OK
        finally:
            replugged.unplug()
    assert [row["source"] for row in _scans(floor_db)] == ["serial", "serial"]
    # The session let go of the scanner when the app ended.
    assert leases.holder(_open(floor_db), "bench-1", "scanner") is None


async def test_a_second_session_is_told_who_holds_the_scanner(
    tmp_path: Path, floor_db: Path, pty: SerialPty
) -> None:
    _station(floor_db, "bench-1", f"{pty.path}?suffix=CR")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_SCANNER, str(floor_db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        app = build_app(_open(floor_db), "bench-1")
        notes: list[str] = []
        notify = app.notify

        def noted(message: str, **options: Any) -> None:
            notes.append(message)
            notify(message, **options)

        app.notify = noted  # type: ignore[method-assign]
        app.heartbeat_s = 0.2
        async with app.run_test(size=(40, 16)) as pilot:
            await badge_login(pilot)
            await wait_until(pilot, lambda: app.scanner_link.status == "held")
            assert "held by wang.fang" in _bar(app)
            [note] = [text for text in notes if "wang.fang" in text]
            assert "since" in note and socket.gethostname() in note
            # The session goes on with a keyboard scanner, counted as usual.
            screen = await take_list(pilot)
            await scan(pilot, WALK[0])
            await wait_until(pilot, lambda: screen.view.units_done == 1)

            holder.stdin.close()  # type: ignore[union-attr]  # the other session ends
            holder.wait(timeout=10)
            await wait_until(pilot, lambda: app.scanner_link.status == "connected", timeout=5)
            pty.send(WALK[1].encode() + b"\r")
            await wait_until(pilot, lambda: screen.view.units_done == 2)
    finally:
        holder.kill()
        holder.wait()
    assert [row["source"] for row in _scans(floor_db)] == ["wedge", "serial"]


_HOLD_SCANNER = """
import sys
from data import leases
from data.store import Actor, open_store
store = open_store(sys.argv[1])
assert leases.acquire(store, Actor("wang.fang", "bench-1"), "bench-1", "scanner") is None
print("held", flush=True)
sys.stdin.read()
leases.release(store, Actor("wang.fang", "bench-1"), "bench-1", "scanner")
"""


async def test_logout_gives_the_scanner_back(floor_db: Path, pty: SerialPty) -> None:
    _station(floor_db, "bench-1", f"{pty.path}?suffix=CR")
    app = build_app(_open(floor_db), "bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot)
        await _connected(pilot, app)
        assert leases.holder(_open(floor_db), "bench-1", "scanner") is not None
        await pilot.press("l")
        await wait_until(
            pilot, lambda: leases.holder(_open(floor_db), "bench-1", "scanner") is None
        )
        assert app.scanner_link.status == "none"
        # the login screen is up before the app is taken down
        await screen_in_front(pilot, LoginScreen, "#user")
    actions = [row["action"] for row in _open(floor_db).query("SELECT action FROM audit")]
    assert actions[-2:] == ["scanner.acquire", "scanner.release"]


async def test_login_takes_the_bound_station(floor_db: Path) -> None:
    store = _open(floor_db)
    stations.add_station(store, ADMIN, "hh-07", "", "")
    users.add_user(store, ADMIN, "li.na", "picker", "1234", station="hh-07")
    store.close()
    app = make_app(floor_db, station="console")
    async with app.run_test(size=(40, 16)) as pilot:
        assert app.screen.query_one("#station").value == "console"
        await badge_login(pilot)
        assert app.operator is not None and app.operator.station == "hh-07"
        await wait_until(
            pilot, lambda: "hh-07" in str(app.screen.query_one("#home-title").render())
        )
        assert "keyboard scanner" in _bar(app) and "no printer" in _bar(app)
        await scan(pilot, WALK[0])  # nothing takes scans at home: stored all the same
        await wait_until(pilot, lambda: len(_scans(floor_db)) == 1)
        # Garbage from a serial scanner at home: loud, and stored.
        app.post_message(ScanRead("␀", "serial", "non_printable", b"\x00"))
        await wait_until(pilot, lambda: len(_scans(floor_db)) == 2)
        hint = app.screen.query_one("#home-hint", Static)
        await wait_until(pilot, lambda: hint.has_class("banner-error"))
        assert "Bad scan" in str(hint.render())
    rows = _scans(floor_db)
    assert [(row["verdict"], row["station"], row["source"]) for row in rows] == [
        ("not_expected", "hh-07", "wedge"),
        ("bad_scan", "hh-07", "serial"),
    ]
    assert rows[1]["raw_hex"] == "00"


async def test_a_typed_station_is_used_by_an_unbound_user(floor_db: Path) -> None:
    from textual.widgets import Input

    app = make_app(floor_db, station="hh-1")
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#station", Input).value = "hh-9"
        app.screen.query_one("#user", Input).value = "wang.fang"
        app.screen.query_one("#pin", Input).value = "1234"
        await pilot.click("#login")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.operator is not None and app.operator.station == "hh-9"


async def test_printer_state_is_shown_from_the_print_workers_reports(floor_db: Path) -> None:
    _station(floor_db, "bench-1", "", "tcp://10.0.0.5:9100")
    app = make_app(floor_db, station="bench-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        await wait_until(pilot, lambda: "printer ?" in _bar(app))
        store = _open(floor_db)
        with store.immediate():
            store.conn.execute(
                "INSERT INTO device_states VALUES ('bench-1', 'printer', 'paper_out', '', ?)",
                (to_iso(NOW),),
            )
        await wait_until(pilot, lambda: "NO PAPER" in _bar(app), timeout=3)
        await take_list(pilot)
        assert "NO PAPER" in _bar(app)  # on every screen


async def test_demo_simulated_scans_travel_the_serial_path(floor_db: Path) -> None:
    _station(floor_db, "demo-handheld", "loop://")
    app = build_app(_open(floor_db), "demo-handheld", demo=True)
    async with app.run_test(size=(40, 16)) as pilot:
        await badge_login(pilot)
        await _connected(pilot, app)
        screen = await take_list(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: screen.last is not None)
        # the "wrong" code is the tea of the list's last line: picked ahead, it counts there
        assert screen.last.verdict is Verdict.OK and screen.view.units_done == 1
        for count in range(2, 5):
            await pilot.press("f5")
            await wait_until(pilot, lambda c=count: screen.view.units_done == c)
        assert isinstance(app.screen, PickScreen) and screen.view.current is None
    assert {row["source"] for row in _scans(floor_db)} == {"serial"}


@pytest.fixture
def network_printer() -> Any:
    from tests.devices.fakes import network_printers

    yield from network_printers()


async def test_a_session_at_a_bench_prints_its_jobs_and_gives_the_printer_back(
    floor_db: Path, network_printer: Any
) -> None:
    from data import printing
    from tests.devices.fakes import url_for

    printer = network_printer()
    _station(floor_db, "bench-1", "", url_for(printer.port))
    store = _open(floor_db)
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    first = printing.queue_test_label(store, ADMIN, "bench-1")  # queued before anyone is there

    def status(job_id: int) -> str:
        return str(store.scalar("SELECT status FROM print_jobs WHERE id = ?", (job_id,)))

    app = build_app(_open(floor_db), "bench-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot, "chen.jie")
        await wait_until(pilot, lambda: status(first) == "done", timeout=10)
        await wait_until(pilot, lambda: "printer ready" in _bar(app), timeout=5)
        second = printing.queue_test_label(store, ADMIN, "bench-1")
        app.wake_printer()
        await wait_until(pilot, lambda: status(second) == "done", timeout=10)
        assert printer.protocol.job_bytes().count(b"\x1dV") == 2  # two labels, two cuts
        assert leases.holder(store, "bench-1", "printer") is not None
        await pilot.press("l")  # log out: the worker stops and gives the printer back
        await wait_until(
            pilot, lambda: leases.holder(store, "bench-1", "printer") is None, timeout=10
        )
    third = printing.queue_test_label(store, ADMIN, "bench-1")
    assert status(third) == "queued"  # nobody at the bench: it waits, nothing is lost
    done = store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'done'")
    assert done == 2


async def test_two_sessions_at_one_bench_print_each_job_once(
    floor_db: Path, network_printer: Any
) -> None:
    from data import printing
    from tests.devices.fakes import url_for

    printer = network_printer()
    _station(floor_db, "bench-1", "", url_for(printer.port))
    store = _open(floor_db)
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    one, two = build_app(_open(floor_db), "bench-1"), build_app(_open(floor_db), "bench-1")
    async with one.run_test(size=(80, 24)) as pilot_one, two.run_test(size=(80, 24)) as pilot:
        await badge_login(pilot_one, "chen.jie")
        await badge_login(pilot, "li.na")
        jobs = [printing.queue_test_label(store, ADMIN, "bench-1") for _ in range(3)]
        await wait_until(
            pilot,
            lambda: (
                store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'done'") == len(jobs)
            ),
            timeout=15,
        )
    assert printer.protocol.job_bytes().count(b"\x1dV") == 3  # each label once
