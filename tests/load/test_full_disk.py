"""A real full disk under a running session, an import, the print worker and logins.

The floor's database lives on a small tmpfs the test mounts itself (root only; elsewhere the
test is skipped, loudly), which is then filled to the last byte. The session stays up and
refuses its scans in plain words; nothing it acknowledged is lost; the import reports exactly
what it stored before the disk filled (and exits 1); logins are refused; once space is freed
the same session, the same print worker and a second import carry on by themselves."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.clock import FixedClock
from core.errors import DiskFull, StoreFault, WaretermError
from core.model import Verdict
from data import leases, logins, stations
from data.floor import SqliteFloor
from data.store import Actor, open_existing
from devices.outbox import PrintWorker, WorkerEvent
from tests.tui.conftest import ADMIN, HEADER, NOW, WALK, build_floor, scan, take_list
from tests.tui.conftest import wait_until as _wait_until
from tui.app import WaretermApp

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "13800138000,CN,浙江省,杭州市,西湖区,文三路90号,310000"
ORDERS = 6000


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the test; always unmounted afterwards."""
    where.mkdir()
    why = None
    if os.geteuid() != 0:
        why = "not root"
    else:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            why = mounted.stderr.strip() or f"mount exited {mounted.returncode}"
    if why is not None:
        message = f"FULL-DISK FAULT TEST SKIPPED: cannot mount a tmpfs here ({why})"
        warnings.warn(message, stacklevel=2)
        print(f"\n*** {message} ***", file=sys.stderr)
        pytest.skip(message)
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


async def wait_until(pilot: Pilot[None], predicate: Callable[[], bool]) -> None:
    """Wait for ``predicate`` with room for a machine busy with other work."""
    await _wait_until(pilot, predicate, timeout=20)


def fill(where: Path) -> list[Path]:
    """Fill the filesystem to its last byte with files of 256 KiB; returns them."""
    files: list[Path] = []
    block = b"\0" * 4096
    while True:
        path = where / f"filler-{len(files):04d}"
        files.append(path)
        try:
            with path.open("wb") as file:
                for _ in range(64):
                    file.write(block)
                    file.flush()
        except OSError as error:
            assert error.errno == 28, error  # ENOSPC
            return files


def free(files: list[Path], nbytes: int | None = None) -> None:
    """Delete filler files until ``nbytes`` are free again (None: all of them)."""
    freed = 0
    while files and (nbytes is None or freed < nbytes):
        path = files.pop()
        freed += path.stat().st_size
        path.unlink()


def checkpoint(db: Path) -> None:
    """Write the WAL back and truncate it, so the next commit needs new space on the disk
    (a WAL rewound after a checkpoint reuses blocks it already owns)."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        _poll(lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0)
    finally:
        conn.close()


def orders_file(path: Path) -> Path:
    rows = [
        f"FD-{number:05d},tmall,2026-11-21T09:00:00+08:00,standard,paid,张伟,{ADDRESS},SKU-MUG,1,"
        for number in range(1, ORDERS + 1)
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_import(db: Path, file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARETERM_")}
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "--db", str(db), "import", "orders", str(file), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def stored_orders(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [
            row[0]
            for row in conn.execute(
                "SELECT order_no FROM orders WHERE order_no LIKE 'FD-%' ORDER BY order_no"
            )
        ]
    finally:
        conn.close()


def ok_scans(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM scans WHERE verdict = 'ok'").fetchone()[0])
    finally:
        conn.close()


def _banner(app: WaretermApp) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def _poll(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


async def test_a_full_disk_refuses_scans_loses_nothing_and_recovers_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leases, "HEARTBEAT_S", 0.1)  # the print worker renews its lease often
    with small_disk(tmp_path / "disk", "24m") as disk:
        db = disk / "floor.db"
        build_floor(db).close()
        labels = tmp_path / "labels.bin"
        setup = open_existing(db, FixedClock(NOW))
        stations.add_station(setup, ADMIN, "bench-1", "", f"file://{labels}")
        setup.close()

        events: list[WorkerEvent] = []
        worker = PrintWorker(db, "bench-1", on_event=events.append, probe_s=None)
        worker.start()

        floor = SqliteFloor(open_existing(db, FixedClock(NOW)))
        operator = floor.session_login("li.na", "hh-1", "ssh-key", peer="10.0.0.7")
        app = WaretermApp(floor, station="hh-1", operator=operator)
        lease_store = open_existing(db, FixedClock(NOW))
        login_floor = SqliteFloor(open_existing(db, FixedClock(NOW)))
        try:
            async with app.run_test(size=(40, 16)) as pilot:
                screen = await take_list(pilot)
                await scan(pilot, WALK[0])
                await wait_until(pilot, lambda: screen.view.units_done == 1)
                assert (
                    leases.acquire(lease_store, Actor("li.na", "hh-1"), "hh-1", "scanner") is None
                )
                _poll(lambda: worker.holding)

                # -- the disk fills up ---------------------------------------------------------
                checkpoint(db)
                filler = fill(disk)
                await scan(pilot, WALK[1])
                await wait_until(pilot, lambda: "NOT STORED" in _banner(app))
                banner = _banner(app)
                assert "disk full" in banner and "call a supervisor" in banner
                assert "rollback" not in banner
                assert screen.view.units_done == 1
                assert screen.last is not None and screen.last.verdict is Verdict.OK  # earlier

                # The lease heartbeat meets a domain error, not a traceback; the worker lives.
                # (A beat may still fit in WAL space the refused scan left behind.)
                with contextlib.suppress(DiskFull):
                    leases.heartbeat(lease_store, "hh-1", "scanner")
                _poll(lambda: any("disk full" in e.message for e in events if e.kind == "error"))
                assert worker.is_alive()

                # Logins at a terminal: a wrong PIN refused, and the right one too.
                with pytest.raises(WaretermError):
                    login_floor.login("wang.fang", "9999", "hh-2")
                with pytest.raises(WaretermError):
                    login_floor.login("wang.fang", "1234", "hh-2")

                # -- an import while a little space is left: stored up to the fault ------------
                free(filler, 2 * 1024 * 1024)
                file = orders_file(tmp_path / "orders.csv")
                first = run_import(db, file)
                assert first.returncode == 1, first.stderr
                report = json.loads(first.stdout)
                stored = stored_orders(db)
                assert "Traceback" not in first.stderr
                assert report["stopped"]["reason"].startswith("disk full")
                assert 0 < report["stored"] == len(stored) < ORDERS
                assert report["stored"] + report["not_stored"] == ORDERS
                stop = report["stopped"]
                assert stop["key"] == f"FD-{len(stored) + 1:05d}" and stop["key"] not in stored
                assert stop["line"] == len(stored) + 2  # the file's line of that order
                assert stored == [f"FD-{n:05d}" for n in range(1, len(stored) + 1)]

                # The disk is full again, though a scan may fit in WAL space the import's
                # refused chunk left behind: either it is refused loudly or it is stored.
                screen.banner("", "info")
                await scan(pilot, WALK[1])
                await wait_until(
                    pilot, lambda: "disk full" in _banner(app) or screen.view.units_done == 2
                )
                done = screen.view.units_done

                # -- space freed: everything carries on by itself -----------------------------
                free(filler)
                await scan(pilot, WALK[done])
                await wait_until(pilot, lambda: screen.view.units_done == done + 1)
                assert "NOT STORED" not in _banner(app)
                assert leases.heartbeat(lease_store, "hh-1", "scanner") is True
                beat = lease_store.scalar(
                    "SELECT heartbeat_at FROM device_leases WHERE station = 'bench-1'"
                )
                _poll(
                    lambda: (
                        lease_store.scalar(
                            "SELECT heartbeat_at FROM device_leases WHERE station = 'bench-1'"
                        )
                        != beat
                    )
                )
                assert worker.is_alive()
                again = run_import(db, file)
                assert again.returncode == 0, again.stderr
                redo = json.loads(again.stdout)
                assert redo["stored"] == ORDERS - len(stored)
                assert len(redo["skipped"]) == len(stored)
                assert len(stored_orders(db)) == ORDERS
                assert login_floor.login("wang.fang", "1234", "hh-2").name == "wang.fang"
                assert app.is_running
            # Every scan the session acknowledged is stored; none it refused is.
            assert ok_scans(db) == screen.view.units_done == done + 1
        finally:
            worker.stop(timeout=10)
            lease_store.close()
            login_floor.store.close()
            floor.store.close()


def test_ssh_password_checks_are_refused_when_the_failure_cannot_be_recorded(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        db = disk / "floor.db"
        build_floor(db).close()
        store = open_existing(db, FixedClock(NOW))
        try:
            checkpoint(db)
            filler = fill(disk)
            for pin in ("9999", "1234"):  # the server's password check, wrong then right
                try:
                    check = logins.check_password(store, "wang.fang", pin, "10.0.0.9")
                except StoreFault:
                    continue  # refused: the server turns this into a failed password
                assert not check.ok, f"PIN {pin} let in while failures cannot be recorded"
            free(filler)
        finally:
            store.close()
