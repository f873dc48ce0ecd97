"""The floor terminal: scan-to-screen latency in the real app (Textual pilot), and a real
``wareterm tui`` process on a pty for cold start and memory per session."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import fcntl
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import picker
from bench.harness import ROOT, Bench
from bench.metrics import measurement
from core.codes import CodePrefixes
from core.model import Verdict

# --------------------------------------------------------------------------- scan to screen


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class _PaintWatch:
    """Notes when the app hands a new frame to its terminal after a scan's verdict is drawn."""

    def __init__(self, app: Any) -> None:
        self.armed = False
        self.at = 0.0
        self.painted = asyncio.Event()
        display = app._display

        def watched(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if self.armed and renderable is not None:
                self.armed = False
                self.at = time.perf_counter()
                self.painted.set()

        app._display = watched

    def watch(self, screen: Any) -> None:
        """Arm when ``screen`` has drawn the outcome of a scan (its ``_scanned``)."""
        scanned = screen._scanned

        def drawn(outcome: Any) -> None:
            scanned(outcome)
            self.armed = True

        screen._scanned = drawn


def _post_wedge_scan(app: Any, code: str) -> None:
    """A keyboard-wedge burst as one read of the tty delivers it: the keys, then Enter."""
    from textual import events
    from textual.keys import _character_to_key

    for char in code:
        key = char if char.isalnum() else _character_to_key(char)
        app.post_message(events.Key(key, char))
    app.post_message(events.Key("enter", "\r"))


async def _until(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)


async def _scan_to_screen(db: Path, scans: int, size: tuple[int, int]) -> list[float]:
    from data.floor import SqliteFloor
    from data.store import open_store
    from tui.app import WaretermApp
    from tui.screens.home import HomeScreen
    from tui.screens.pick import PickScreen

    store = open_store(db)
    wrong_item, _unknown = picker.wrong_codes(store)
    app = WaretermApp(SqliteFloor(store), station="hh-p01")
    timings: list[float] = []
    async with app.run_test(size=size) as pilot:
        watch = _PaintWatch(app)
        _post_wedge_scan(app, f"{CodePrefixes().user}p01")
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        while len(timings) < scans:
            if not isinstance(app.screen, PickScreen):
                await pilot.press("n")
                await _until(pilot, lambda: isinstance(app.screen, PickScreen))
                await pilot.pause()
            screen = app.screen
            assert isinstance(screen, PickScreen)
            line = screen.view.current
            if line is None:
                await pilot.press("escape")
                await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
                continue
            watch.watch(screen)
            right = (len(timings) + 1) % 10 != 0
            code = picker.printed_code(line.barcode) if right else wrong_item
            before = screen.last
            watch.painted.clear()
            began = time.perf_counter()
            _post_wedge_scan(app, code)
            await asyncio.wait_for(watch.painted.wait(), timeout=30)
            timings.append((watch.at - began) * 1000)
            outcome = screen.last
            assert outcome is not None and outcome is not before
            expected = Verdict.OK if right else Verdict.WRONG_ITEM
            if outcome.verdict is not expected:
                raise RuntimeError(f"scan {code}: {outcome.verdict} ({outcome.message})")
            await pilot.pause()
    store.close()
    return timings


@measurement("scan_to_screen_ms_p95")
def scan_to_screen(bench: Bench) -> dict[str, float]:
    """Wedge keystrokes posted to the real app (Textual pilot, 40x16 handheld) on a real file
    → the pick screen's next frame after the verdict is drawn. The floor call runs on the
    app's database thread as in production; headless, so writing the frame to a terminal is
    the one step not included."""
    db = bench.fresh(bench.floor_db)
    timings = asyncio.run(_scan_to_screen(db, bench.settings.screen_scans, (40, 16)))
    bench.note(
        "scan_to_screen_ms_p95",
        f"{len(timings)} scans per run; p50 {_percentile(timings, 0.5):.1f} ms,"
        f" max {max(timings):.1f} ms (last run)",
    )
    return {"scan_to_screen_ms_p95": _percentile(timings, 0.95)}


# --------------------------------------------------------------------------- a real session


class PtySession:
    """``wareterm tui`` in its own process on a pty of a given size; what it draws is read by a
    thread, so the process never blocks on a full terminal."""

    def __init__(
        self,
        db: Path,
        station: str,
        size: tuple[int, int] = (80, 24),
        args: tuple[str, ...] = (),
    ) -> None:
        self.master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        # As installed, Python modules run from their bytecode caches (see compile_once).
        hidden = ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
        env = {k: v for k, v in os.environ.items() if k not in hidden}
        env.update(TERM="xterm-256color", WARETERM_DB=str(db))
        script = Path(sys.executable).with_name("wareterm")
        command = ([str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]) + [
            "tui",
            "--station",
            station,
            *args,
        ]
        self.output = bytearray()
        self.lock = threading.Lock()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.output += chunk

    def wait_for(self, text: str, since: int = 0, timeout: float = 30.0) -> tuple[float, int]:
        """Wait until ``text`` has been drawn after byte ``since``; returns (seconds since start,
        offset just after it)."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                at = self.output.find(needle, since)
            if at >= 0:
                return time.perf_counter() - self.started, at + len(needle)
            if self.process.poll() is not None or time.monotonic() > deadline:
                with self.lock:
                    tail = bytes(self.output[-400:])
                raise TimeoutError(f"{text!r} never drawn; last output: {tail!r}")
            time.sleep(0.002)

    @property
    def drawn(self) -> int:
        """Bytes drawn so far."""
        with self.lock:
            return len(self.output)

    def type(self, data: bytes) -> None:
        """Bytes as one read of the terminal (a wedge scanner's burst arrives so)."""
        os.write(self.master, data)

    def rss_mib(self) -> tuple[float, float]:
        """Resident and proportional set size of the process, in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        pss = rss
        with contextlib.suppress(OSError, StopIteration):
            rollup = Path(f"/proc/{self.process.pid}/smaps_rollup").read_text()
            pss = next(
                int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
            )
        return rss / 1024, pss / 1024

    def close(self) -> None:
        """Quit (Ctrl+Q), or end the process if it does not."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.type(b"\x11")
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self.reader.join(5)


def _scans_of(db: Path, user: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM scans WHERE user = ?", (user,)).fetchone()[0])
    finally:
        conn.close()


def _list_codes(db: Path, user: str) -> list[str]:
    """The codes of the units on the list ``user`` is picking, in walk order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT l.qty, (SELECT min(code) FROM barcodes b WHERE b.sku = l.sku) FROM pick_lines l"
            " JOIN picklists p ON p.id = l.picklist_id WHERE p.picker = ? AND p.status = 'picking'"
            " ORDER BY l.seq",
            (user,),
        ).fetchall()
    finally:
        conn.close()
    return [picker.printed_code(code) for qty, code in rows for _ in range(qty)]


SESSION_SCANS = 5
_COMPILED: list[bool] = []


def compile_once() -> None:
    """Write the bytecode caches of wareterm's packages, as installing it does (pip compiles
    what it installs); a session then starts from them, not from compiling the sources."""
    if not _COMPILED:
        for package in ("core", "data", "devices", "tui"):
            compileall.compile_dir(ROOT / package, quiet=1)
        _COMPILED.append(True)


@measurement("tui_cold_start_s", "tui_rss_mb", runs=5)
def terminal_session(bench: Bench) -> dict[str, float]:
    """A real ``wareterm tui`` on an 80x24 pty: process start → the login screen drawn on the
    terminal; then a badge login, the next list and five scans typed as wedge bursts, after
    which the process's resident memory is read."""
    compile_once()
    db = bench.fresh(bench.floor_db)
    session = PtySession(db, "hh-p01")
    try:
        cold, offset = session.wait_for("log in")
        session.type(f"{CodePrefixes().user}p01\r".encode())
        _, offset = session.wait_for("Next list", offset)
        session.type(b"n")
        _, offset = session.wait_for("BIN", offset)
        codes = _list_codes(db, "p01")[:SESSION_SCANS]
        for number, code in enumerate(codes, start=1):
            session.type(f"{code}\r".encode())
            deadline = time.monotonic() + 30
            while _scans_of(db, "p01") < number:
                if time.monotonic() > deadline:
                    raise TimeoutError("a scan typed into the session was not stored")
                time.sleep(0.005)
        rss, pss = session.rss_mib()
    finally:
        session.close()
    bench.note(
        "tui_rss_mb",
        f"VmRSS after login and {len(codes)} scans; proportional share (PSS) {pss:.1f} MiB"
        " (last run)",
    )
    return {"tui_cold_start_s": cold, "tui_rss_mb": rss}
