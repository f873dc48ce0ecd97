"""``wareterm serve`` under attack, in this process with asyncssh clients on loopback: a
lockout that holds when the database cannot be written, caps on terminals and on connections
logging in, terminals started by an absolute entry point, a crashed terminal logged as a
crash, and bytes from the client that are not text."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from data import users
from data.sshlib import asyncssh
from data.store import open_store
from tests.e2e.conftest import DEADLINE_S, client_env
from tests.tui.conftest import ADMIN, build_floor
from tui.serve import CODE_ROOT, FloorServer, ServeConfig

#: A stand-in terminal for the tests of the caps: says it is up and waits for its hangup.
STUB_TERMINAL = (
    sys.executable,
    "-I",
    "-c",
    "import sys; sys.stdout.write('up\\n'); sys.stdout.flush(); sys.stdin.read()",
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wareterm.db"
    store = build_floor(path)  # li.na and wang.fang: pickers, PIN 1234
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    store.close()
    return path


@contextlib.asynccontextmanager
async def serving(config: ServeConfig) -> AsyncIterator[tuple[FloorServer, int]]:
    server = FloorServer(config)
    _host, port = await server.start()
    try:
        yield server, port
    finally:
        await server.close()


def _config(db: Path, **changes: object) -> ServeConfig:
    base = ServeConfig(db=db, host="127.0.0.1", port=0, host_key=db.parent / "host_key")
    return replace(base, **changes)  # type: ignore[arg-type]


async def _connect(port: int, user: str, pin: str = "1234") -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username=user,
        password=pin,
        known_hosts=None,
        agent_path=None,
        client_keys=None,
        config=None,
        preferred_auth="password",
    )


class _Probe(asyncssh.SSHClientSession[bytes]):
    """A session that keeps what arrives and notes when the terminal is up or the channel
    closed."""

    def __init__(self, up: bytes = b"up") -> None:
        self.marker = up
        self.out = b""
        self.err = b""
        self.up = asyncio.Event()
        self.closed = asyncio.Event()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            self.err += data
        else:
            self.out += data
            if self.marker in self.out:
                self.up.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def _open(
    conn: asyncssh.SSHClientConnection, up: bytes = b"up"
) -> tuple[asyncssh.SSHClientChannel[bytes], _Probe]:
    chan, probe = await conn.create_session(
        lambda: _Probe(up), term_type="xterm", term_size=(80, 24), encoding=None
    )
    return chan, probe


async def _outcome(probe: _Probe) -> str:
    """``up`` once the terminal runs, else the refusal the client was told."""
    up = asyncio.ensure_future(probe.up.wait())
    closed = asyncio.ensure_future(probe.closed.wait())
    await asyncio.wait({up, closed}, timeout=DEADLINE_S, return_when=asyncio.FIRST_COMPLETED)
    up.cancel()
    closed.cancel()
    if probe.up.is_set():
        return "up"
    assert probe.closed.is_set(), "the session neither started nor was refused"
    return probe.err.decode().strip()


async def _poll(what: str, check: object, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


# -- the lockout holds when the database cannot be written ---------------------------------------


async def test_a_password_attempt_that_cannot_be_recorded_is_refused_after_the_pause(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(_config(db, failure_delay_s=0.5)) as (server, port):
        # The server's own connection can no longer write (SQLite refuses every write).
        await server.gate.ask(lambda store: store.conn.execute("PRAGMA query_only = 1"))
        for _attempt in range(2):
            started = time.monotonic()
            with pytest.raises(asyncssh.PermissionDenied):
                await _connect(port, "li.na", "1234")  # the right PIN
            assert time.monotonic() - started >= 0.5  # the pause is kept
    assert "could not record a password attempt for 'li.na'" in caplog.text
    assert "readonly" in caplog.text


# -- caps on terminals ---------------------------------------------------------------------------


async def test_terminals_are_capped_per_connection_and_user_with_room_for_supervisors(
    db: Path,
) -> None:
    config = _config(
        db,
        terminal=STUB_TERMINAL,
        max_sessions=4,  # one of them kept for supervisors and admins
        max_sessions_per_connection=2,
        max_sessions_per_user=3,
    )
    async with serving(config) as (server, port):
        picker = await _connect(port, "li.na")
        # One picker asks for twelve terminals on one connection.
        opened = await asyncio.gather(*(_open(picker) for _ in range(12)))
        outcomes = await asyncio.gather(*(_outcome(probe) for _chan, probe in opened))
        assert outcomes.count("up") == 2
        assert set(outcomes) - {"up"} == {
            "wareterm: this connection has 2 floor terminals open already; close one first"
        }
        # A second connection of the same picker: one more, up to three for the user.
        again = await _connect(port, "li.na")
        second = [await _outcome((await _open(again))[1]) for _ in range(2)]
        assert second == [
            "up",
            "wareterm: you have 3 floor terminals open already; log out of one first",
        ]
        # The floor's share is taken: a packer is told the server is full ...
        packer = await _connect(port, "chen.jie")
        full = await _outcome((await _open(packer))[1])
        assert full == "wareterm: the server is full; try again in a minute"
        # ... and a supervisor still gets in.
        supervisor = await _connect(port, "zhao.min")
        assert await _outcome((await _open(supervisor))[1]) == "up"
        assert len(server.terminals) == 4
        for conn in (picker, again, packer, supervisor):
            conn.close()
        await _poll("every terminal to end", lambda: not server.terminals)


async def test_half_open_connections_from_many_addresses_keep_nobody_out(db: Path) -> None:
    async with serving(_config(db, terminal=STUB_TERMINAL)) as (server, port):
        flood: list[asyncio.StreamWriter] = []
        try:
            # 26 addresses × 10 connections that never say a word: past the global cap (256).
            for address in range(2, 28):
                for _ in range(10):
                    _reader, writer = await asyncio.open_connection(
                        "127.0.0.1", port, local_addr=(f"127.0.0.{address}", 0)
                    )
                    flood.append(writer)
            await _poll("the flood to reach the door", lambda: server.pending() >= 250)
            assert server.pending() <= server.config.max_pending
            # Someone from an address of their own still logs in and gets a terminal.
            conn = await _connect(port, "li.na")
            assert await _outcome((await _open(conn))[1]) == "up"
            conn.close()
            # An address holding its ten is still turned away at its own cap.
            _reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=("127.0.0.27", 0)
            )
            flood.append(writer)
            # (hung up at once: a connection let in would wait for its login for 30 s)
            said = await asyncio.wait_for(_reader.read(), 10)
            assert said in (b"", b"SSH-2.0-wareterm\r\n")
        finally:
            for writer in flood:
                writer.close()


# -- a crash is logged as one --------------------------------------------------------------------


CRASHING = """\
import sys
sys.path.insert(0, sys.argv.pop(1))
from tui.screens.home import HomeScreen
def on_mount(self):
    raise LookupError("the home screen fell over")
HomeScreen.on_mount = on_mount
from tui.cli import main
main()
"""


async def test_a_crashed_terminal_is_logged_as_a_crash_with_its_status_and_location(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = tmp_path / "crashing_terminal.py"
    script.write_text(CRASHING)
    caplog.set_level(logging.INFO, "wareterm.serve")
    config = _config(db, terminal=(sys.executable, "-I", str(script), str(CODE_ROOT)))
    async with serving(config) as (_server, port):
        conn = await _connect(port, "li.na")
        chan, probe = await _open(conn)
        await asyncio.wait_for(probe.closed.wait(), DEADLINE_S)
        assert chan.get_exit_status() == 1
        conn.close()
    [crash] = [r.getMessage() for r in caplog.records if "CRASHED" in r.getMessage()]
    assert re.search(r"session of li\.na CRASHED: terminal pid \d+ exit 1: LookupError at ", crash)
    assert f"{script}:5: the home screen fell over" in crash
    assert not [r for r in caplog.records if re.search(r"session of li\.na ended", r.getMessage())]


# -- bytes from the client that are not text ------------------------------------------------------


async def test_bytes_that_are_not_text_end_no_session_and_make_a_bad_scan(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "wareterm.serve")
    async with serving(_config(db)) as (_server, port):
        conn = await _connect(port, "li.na")
        chan, probe = await _open(conn, up=b"li.na")
        await asyncio.wait_for(probe.up.wait(), DEADLINE_S)
        # A handheld set to GBK scans 中文 (one burst ending in Enter), a lone 0x97 is typed,
        # and the client claims a key number no character has.
        chan.write("中文".encode("gbk") + b"\r")
        chan.write(b"\x97")
        chan.write(b"\x1b[99999999999~")
        chan.write(b"\x1b[1114112u\x1b[48;99999999;99999999;1;1t")
        bad = await _wait_for_scans(db, 1)
        assert bad == [("bad_scan", "wedge", "\ufffd" * 4)]
        # The session carries on: another scan is judged, and logging out ends it normally.
        chan.write(b"\xb2\xe2\xca\xd4\r")
        assert len(await _wait_for_scans(db, 2)) == 2
        assert not probe.closed.is_set()
        chan.write(b"l")
        await asyncio.wait_for(probe.closed.wait(), DEADLINE_S)
        assert chan.get_exit_status() == 0
        conn.close()
    assert "CRASHED" not in caplog.text
    assert re.search(r"session of li\.na ended: terminal pid \d+ exit 0", caplog.text)


async def _wait_for_scans(db: Path, count: int) -> list[tuple[str, str, str]]:
    def scans() -> list[tuple[str, str, str]]:
        store = open_store(db)
        try:
            rows = store.query("SELECT verdict, source, raw FROM scans ORDER BY id")
        finally:
            store.close()
        return [(row["verdict"], row["source"], row["raw"]) for row in rows]

    found: list[tuple[str, str, str]] = []

    def enough() -> bool:
        nonlocal found
        found = scans()
        return len(found) >= count

    await _poll(f"{count} scans stored", enough)
    return found


# -- terminals never run code from the working directory ------------------------------------------


def test_serve_started_in_a_booby_trapped_directory_never_runs_its_code(
    db: Path, tmp_path: Path
) -> None:
    trap = tmp_path / "trap"
    marker = tmp_path / "marker"
    (trap / "tui").mkdir(parents=True)
    for name in ("__init__.py", "cli.py"):
        (trap / "tui" / name).write_text(f"open({str(marker)!r}, 'a').write('ran {name}\\n')\n")
    console_script = Path(sys.executable).with_name("wareterm")
    assert console_script.exists(), "the project is installed (make .venv/.installed)"
    server = subprocess.Popen(
        [str(console_script), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", "0"]
        + ["--host-key", str(tmp_path / "host_key"), "--no-print"],
        cwd=trap,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=client_env(),
    )
    try:
        assert server.stdout is not None
        said = ""
        found = None
        while found is None and len(said) < 10_000:  # the first lines; it says this at once
            line = server.stdout.readline()
            assert line, f"serve ended: {said}"
            said += line
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert found, said
        port = int(found[1])

        async def session() -> tuple[bool, int | None]:
            conn = await _connect(port, "li.na")
            chan, probe = await _open(conn, up=b"li.na")
            up = await _outcome(probe) == "up"
            with contextlib.suppress(OSError, asyncssh.Error):
                chan.write(b"l")  # log out
            await asyncio.wait_for(probe.closed.wait(), DEADLINE_S)
            conn.close()
            return up, chan.get_exit_status()

        outcome = asyncio.run(session())
        assert not marker.exists(), marker.read_text()
        assert outcome == (True, 0)
    finally:
        server.terminate()
        server.wait(timeout=DEADLINE_S)
    assert not marker.exists()
