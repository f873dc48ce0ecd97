"""``wareterm serve`` end to end: the real OpenSSH client in tmux against the real server, one
floor terminal per session, and what is left afterwards (nothing)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import time
from pathlib import Path

from click.testing import CliRunner

from data.sshlib import asyncssh
from tests.e2e.conftest import (
    DEADLINE_S,
    Floor,
    alive,
    audit,
    command_line,
    poll,
    scan_writers_of,
    terminals_of,
)
from tests.tui.conftest import WALK

HOME = "li.na · picker · hh-07"  # the key is hh-07's: the session works there


def test_key_login_lands_at_home_already_logged_in(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "li.na"))
    screen = pane.wait_for(HOME, "Next list")
    assert "log in" not in screen and "PIN" not in screen
    [login] = audit(floor.db, "login")
    assert (login["user"], login["station"]) == ("li.na", "hh-07")
    assert login["detail"]["method"] == "ssh-key"
    assert login["detail"]["peer"] == "127.0.0.1"
    assert login["detail"]["key"] == floor.fingerprint
    assert login["detail"]["requested_station"] == "ssh"


def test_password_login_at_the_ssh_prompt(floor: Floor) -> None:
    server = floor.serve()
    # The client may name its station (ssh -o SetEnv=WARETERM_STATION=…).
    argv = floor.ssh_argv(server, "wang.fang", "-o", "SetEnv=WARETERM_STATION=Bench-2", key=False)
    pane = floor.pane(argv)
    pane.wait_for("assword:")
    pane.send("1234", "Enter")
    pane.wait_for("wang.fang · picker · bench-2", "Next list")
    [login] = audit(floor.db, "login")
    assert login["detail"]["method"] == "ssh-password"
    assert login["detail"]["peer"] == "127.0.0.1"
    assert login["station"] == "bench-2"
    # Logging out ends the session: no login screen is left for the next person.
    pane.send("l")
    assert pane.exit_status() == 0


def test_wrong_passwords_are_refused_audited_and_lock_the_user(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "zhang.wei", key=False))
    pane.wait_for("assword:")
    answered = []
    for attempt in range(1, 4):
        pane.send(f"000{attempt}", "Enter")
        start = time.monotonic()
        if attempt < 3:
            poll("the next prompt", lambda n=attempt: pane.text().count("assword:") > n)
            answered.append(time.monotonic() - start)
    assert pane.exit_status() == 255
    assert "Permission denied" in pane.text()
    assert min(answered) >= 0.9  # each wrong password is answered only after a pause
    failures = audit(floor.db, "login.failed")
    assert [row["detail"]["reason"] for row in failures] == ["wrong_password"] * 3
    assert {row["detail"]["method"] for row in failures} == {"password"}
    assert {row["detail"]["peer"] for row in failures} == {"127.0.0.1"}
    assert failures[2]["detail"]["locked_until"]  # the third locks the name
    # Now even the right PIN is refused while the lock holds (ssh's askpass types it).
    askpass = floor.tmp / "askpass"
    askpass.write_text("#!/bin/sh\necho 2468\n")
    askpass.chmod(0o700)
    env = {"SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    argv = floor.ssh_argv(server, "zhang.wei", "-o", "NumberOfPasswordPrompts=1", key=False)
    refused = floor.run_ssh(argv, env)
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    assert audit(floor.db, "login.failed")[-1]["detail"]["reason"] == "locked"
    assert audit(floor.db, "login") == []


def test_commands_subsystems_and_forwarding_are_refused(floor: Floor) -> None:
    server = floor.serve()
    command = floor.run_ssh(floor.ssh_argv(server, "li.na", command=("orders", "list")))
    assert command.returncode == 1
    assert command.stderr.strip() == (
        "wareterm: this server runs only the floor terminal, not commands; log in without a command"
    )
    no_pty = floor.run_ssh(floor.ssh_argv(server, "li.na", "-T"))
    assert no_pty.returncode == 1 and "needs a terminal" in no_pty.stderr
    sftp = floor.run_ssh(floor.ssh_argv(server, "li.na", "-s", command=("sftp",)))
    assert sftp.returncode == 255 and "subsystem request failed" in sftp.stderr
    forward = floor.run_ssh(
        floor.ssh_argv(
            server, "li.na", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9"
        )
    )
    assert forward.returncode == 255 and "forwarding failed" in forward.stderr
    assert terminals_of(server.proc.pid) == []  # no terminal was started for any of them
    assert audit(floor.db, "login") == []


def test_a_picker_scans_a_list_through_the_ssh_session(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "li.na"))
    pane.wait_for(HOME)
    pane.send("n")
    pane.wait_for("P:000001", "SKU-CABLE  0/1", "0/3 lines")
    # Each code arrives as one burst ending in Enter: a keyboard-wedge scanner's scan.
    expected = ["1/3 lines", "SKU-CUP  1/2", "2/3 lines", "LIST COMPLETE"]
    for code, shows in zip(WALK, expected, strict=True):
        pane.send(code, "Enter")
        pane.wait_for(shows)
    runner = CliRunner()
    from tui.cli import main

    for order_no in ("DD-1", "DD-2"):
        shown = runner.invoke(main, ["--db", str(floor.db), "orders", "show", order_no, "--json"])
        order = json.loads(shown.stdout)
        assert order["status"] == "picked"
        assert all(line["picked"] == line["qty"] for line in order["lines"])
    listed = runner.invoke(main, ["--db", str(floor.db), "scans", "list", "--json"])
    scans = json.loads(listed.stdout)
    assert [(row["verdict"], row["source"], row["station"]) for row in scans] == [
        ("ok", "wedge", "hh-07")
    ] * 4
    # The terminal was given the server's scan writer, which is running and listening.
    (writer,) = scan_writers_of(server.proc.pid)
    (terminal,) = terminals_of(server.proc.pid)
    socket_path = _environ(terminal)["WARETERM_SCAN_WRITER"]
    assert Path(socket_path).is_socket()
    assert f"--socket {socket_path} " in command_line(writer)


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def test_killing_the_client_leaves_no_terminal_behind(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "li.na"))
    pane.wait_for(HOME)
    terminal = server.terminal_pid("li.na")
    assert alive(terminal) and terminals_of(server.proc.pid) == [terminal]
    assert b"--session-user\x00li.na" in Path(f"/proc/{terminal}/cmdline").read_bytes()
    os.kill(pane.pid, signal.SIGKILL)
    poll("the terminal process to be gone and reaped", lambda: not alive(terminal))
    server.wait_for_line(rf"terminal pid {terminal} exit .*client gone")
    assert terminals_of(server.proc.pid) == []
    assert server.proc.poll() is None  # the server carries on
    again = floor.pane(floor.ssh_argv(server, "li.na"))
    again.wait_for(HOME)


def test_a_killed_server_leaves_no_terminal_behind(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "li.na"))
    pane.wait_for(HOME)
    terminal = server.terminal_pid("li.na")
    (writer,) = scan_writers_of(server.proc.pid)
    server.proc.kill()  # no chance to clean up: the pty's hangup ends the terminal
    server.proc.wait()
    poll("the terminal to end by itself", lambda: not alive(terminal))
    assert pane.exit_status() == 255
    # the scan writer sees its server gone and stops (within its second of waiting)
    poll("the scan writer to stop by itself", lambda: not alive(writer))


def test_resizing_the_window_redraws_the_terminal(floor: Floor) -> None:
    server = floor.serve()
    pane = floor.pane(floor.ssh_argv(server, "li.na"))
    pane.wait_for(HOME, "Next list")
    poll("the footer on the last of 24 rows", lambda: "Next list" in pane.lines()[23])
    pane.resize(100, 30)

    def redrawn() -> bool:
        rows = pane.lines()
        return (
            len(rows) >= 30
            and "Next list" in rows[29]
            and rows[0].rstrip().endswith("no printer")
            and len(rows[0].rstrip()) > 90
        )

    poll("the terminal to be drawn at 100x30", redrawn)


def test_the_host_key_is_kept_and_a_stop_ends_every_session(floor: Floor) -> None:
    first = floor.serve()
    assert stat.S_IMODE(floor.host_key.stat().st_mode) == 0o600
    key_bytes = floor.host_key.read_bytes()
    pane = floor.pane(floor.ssh_argv(first, "li.na"))  # accept-new records the host key
    pane.wait_for(HOME)
    terminal = first.terminal_pid("li.na")
    assert first.stop() == 0
    pane.wait_for("the server is stopping", history=True)
    assert pane.exit_status() == 0
    assert not alive(terminal)

    second = floor.serve()
    assert floor.host_key.read_bytes() == key_bytes
    # The client insists on the key it saw last time: the same key answers.
    same = floor.run_ssh(floor.ssh_argv(second, "li.na", command=("true",), strict=True))
    assert same.returncode == 1 and "not commands" in same.stderr, same.stderr
    assert second.stop() == 0

    floor.host_key.chmod(0o644)
    refused = floor.serve_refused()
    assert refused.returncode == 1
    assert "chmod 600" in refused.stderr and refused.stderr.startswith("error: ")


def test_the_server_survives_garbage_floods_and_huge_windows(floor: Floor) -> None:
    server = floor.serve()
    # Garbage instead of a protocol banner, then garbage after a good banner.
    for junk in (os.urandom(4096), b"SSH-2.0-junk\r\n" + os.urandom(4096)):
        with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE_S) as sock:
            sock.sendall(junk)
            poll("the server to hang up", lambda s=sock: _closed(s))
    # A flood of idle connections from one address does not keep others out.
    flood = []
    for _ in range(30):
        sock = socket.socket()
        sock.bind(("127.0.0.2", 0))
        sock.settimeout(DEADLINE_S)
        sock.connect(("127.0.0.1", server.port))
        flood.append(sock)
    poll("the flood beyond the limit to be turned away", lambda: sum(map(_closed, flood)) >= 20)
    during = floor.run_ssh(floor.ssh_argv(server, "li.na", command=("true",)))
    assert during.returncode == 1 and "not commands" in during.stderr
    for sock in flood:
        sock.close()

    async def huge_window() -> str:
        async with asyncssh.connect(
            "127.0.0.1",
            server.port,
            username="li.na",
            client_keys=[str(floor.key)],
            known_hosts=None,
            agent_path=None,
            config=None,
        ) as conn:
            try:
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 22)
            except asyncssh.ChannelOpenError:
                pass
            else:
                raise AssertionError("port forwarding was allowed")
            chan, session = await conn.create_session(
                _Screen, term_type="xterm", term_size=(2**31, 2**31), encoding=None
            )
            await asyncio.wait_for(session.drawn.wait(), DEADLINE_S)
            chan.change_terminal_size(4_000_000_000, 3)
            chan.write(b"\x00\xff" * 1000)  # and garbage keys
            chan.close()
            await chan.wait_closed()
        return "done"

    assert asyncio.run(huge_window()) == "done"
    server.wait_for_line(r"session of li\.na .*\(1000x500 xterm\)")
    poll("the session's terminal to be gone", lambda: terminals_of(server.proc.pid) == [])
    assert server.proc.poll() is None
    still = floor.run_ssh(floor.ssh_argv(server, "li.na", command=("true",)))
    assert still.returncode == 1 and "not commands" in still.stderr


class _Screen(asyncssh.SSHClientSession[bytes]):
    """A client session that notes when the terminal first draws."""

    def __init__(self) -> None:
        self.drawn = asyncio.Event()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.drawn.set()


def _closed(sock: socket.socket) -> bool:
    """Whether the other side has closed (reads what is pending without waiting)."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
