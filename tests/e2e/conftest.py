"""The floor over SSH for real: ``wareterm serve`` as a subprocess on a free port, the OpenSSH
client in a tmux pane of its own tmux server, and helpers that poll with deadlines."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from data import keys, stations, users
from data.store import open_store
from tests.tui.conftest import ADMIN, build_floor

ROOT = Path(__file__).resolve().parents[2]
#: Generous: a loaded CI machine starts Python slowly. Nothing waits this long when all is well.
DEADLINE_S = 20.0
HOST_ALIAS = "wareterm-e2e"


def require_tools() -> None:
    """tmux and the OpenSSH client are needed; CI installs them, so there they must exist."""
    missing = [tool for tool in ("tmux", "ssh", "ssh-keygen") if shutil.which(tool) is None]
    if missing:
        message = f"end-to-end SSH tests need {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs them)")
        pytest.skip(message)


def poll(what: str, check: Callable[[], object], timeout: float = DEADLINE_S) -> object:
    """Call ``check`` until it returns something true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.03)


def client_env() -> dict[str, str]:
    """The environment of tmux and ssh: no agent, no outer tmux, UTF-8 captures."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TMUX", "TMUX_PANE", "SSH_AUTH_SOCK", "WARETERM_DB", "WARETERM_STATION")
    }
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")
    return env


def alive(pid: int) -> bool:
    """Whether the process exists (a zombie too: it is gone only once reaped)."""
    return Path(f"/proc/{pid}").exists()


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> str:
    """A process's command line, words joined by spaces ("" when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def scan_writers_of(pid: int) -> list[int]:
    """The server's scan writer (``wareterm scan-writer``, a child of ``serve``)."""
    return [child for child in children_of(pid) if " scan-writer " in command_line(child)]


def terminals_of(pid: int) -> list[int]:
    """The server's children that are not its scan writer: the sessions' terminals."""
    writers = scan_writers_of(pid)
    return [child for child in children_of(pid) if child not in writers]


class Server:
    """``wareterm serve`` on 127.0.0.1, a free port, the test's database and host key."""

    def __init__(self, db: Path, host_key: Path) -> None:
        self.db = db
        self.host_key = host_key
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui.cli",
                "--db",
                str(db),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--host-key",
                str(host_key),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=client_env(),
        )
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait_for_line(r"listening on 127\.0\.0\.1:(\d+)")
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        """Everything the server said so far."""
        with self._lock:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = DEADLINE_S) -> re.Match[str]:
        """The first line of the server's output matching ``pattern`` (waits for it)."""

        def find() -> re.Match[str] | None:
            with self._lock:
                for line in self.lines:
                    match = re.search(pattern, line)
                    if match:
                        return match
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.output()}")
            return None

        result = poll(f"server line {pattern!r}", find, timeout)
        assert isinstance(result, re.Match)
        return result

    def terminal_pid(self, user: str) -> int:
        """The pid of the terminal the server started for ``user``'s session."""
        return int(self.wait_for_line(rf"session of {re.escape(user)} .*terminal pid (\d+)")[1])

    def stop(self) -> int:
        """SIGTERM, as an init system stops it; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=DEADLINE_S)


class Pane:
    """A tmux server of its own with one 80x24 pane running a command (the ssh client)."""

    def __init__(self, argv: list[str], width: int = 80, height: int = 24) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wt-tmux-"))
        self.socket = str(self.dir / "s")
        # The shell reports the client's exit status on the pane (tmux's own pane_dead_status
        # is not always filled in when the pty closes before the exit is noticed).
        command = " ".join(_quote(arg) for arg in argv) + '; echo "[ssh exit $?]"'

        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            str(width),
            "-y",
            str(height),
            "-s",
            "e2e",
            command,
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
        )

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-S", self.socket, *args],
            capture_output=True,
            text=True,
            env=client_env(),
            timeout=DEADLINE_S,
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {result.stderr}")
        return result.stdout

    def text(self, history: bool = False) -> str:
        """What the pane shows now (with ``history``: and what scrolled off above it)."""
        start = ["-S", "-"] if history else []
        return self.tmux("capture-pane", "-p", *start, "-t", "e2e")

    def lines(self) -> list[str]:
        """The pane's rows."""
        return self.text().split("\n")

    def wait_for(self, *texts: str, timeout: float = DEADLINE_S, history: bool = False) -> str:
        """Wait until every one of ``texts`` is on screen (or in the history); returns it."""
        last = ""

        def shown() -> str | None:
            nonlocal last
            last = self.text(history)
            return last if all(text in last for text in texts) else None

        try:
            result = poll(f"{texts!r} on screen", shown, timeout)
        except AssertionError:
            raise AssertionError(f"gave up waiting for {texts!r}; the screen:\n{last}") from None
        assert isinstance(result, str)
        return result

    def send(self, *keys: str) -> None:
        """Type: each argument is one tmux send-keys word (a string arrives as one burst)."""
        self.tmux("send-keys", "-t", "e2e", *keys)

    @property
    def pid(self) -> int:
        """The ssh client's pid (the pane's shell runs it)."""
        shell = int(self.tmux("display-message", "-p", "-t", "e2e", "#{pane_pid}").strip())
        found = poll("the ssh client to start", lambda: children_of(shell))
        assert isinstance(found, list) and len(found) == 1
        return int(found[0])

    def exit_status(self, timeout: float = DEADLINE_S) -> int:
        """Wait for the client to end; its exit status."""
        try:
            found = poll(
                "the ssh client to end",
                lambda: re.search(r"\[ssh exit (\d+)\]", self.text(history=True)),
                timeout,
            )
        except AssertionError:
            raise AssertionError(
                f"the ssh client did not end; the screen:\n{self.text()}"
            ) from None
        assert isinstance(found, re.Match)
        return int(found[1])

    def resize(self, width: int, height: int) -> None:
        """Resize the window, as a person dragging the terminal's corner."""
        self.tmux("resize-window", "-t", "e2e", "-x", str(width), "-y", str(height))

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"], capture_output=True, env=client_env()
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


class Floor:
    """A small warehouse database, a client key pair, a known_hosts file, and the ways to
    reach the server with the real OpenSSH client."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "wareterm.db"
        self.host_key = tmp / "host_key"
        self.known_hosts = tmp / "known_hosts"
        self.key = tmp / "id_ed25519"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hh-07", "-f", str(self.key)],
            check=True,
        )
        store = build_floor(self.db)
        stations.add_station(store, ADMIN, "hh-07")
        users.add_user(store, ADMIN, "zhang.wei", "picker", "2468")
        added = keys.add_key(
            store, ADMIN, "li.na", Path(f"{self.key}.pub").read_bytes(), station="hh-07"
        )
        self.fingerprint = str(added["fingerprint"])
        store.close()
        self.servers: list[Server] = []
        self.panes: list[Pane] = []

    def serve(self) -> Server:
        server = Server(self.db, self.host_key)
        self.servers.append(server)
        return server

    def serve_refused(self) -> subprocess.CompletedProcess[str]:
        """Start the server expecting it to refuse to start; its exit status and output."""
        return subprocess.run(
            [sys.executable, "-m", "tui.cli", "--db", str(self.db), "serve", "--host"]
            + ["127.0.0.1", "--port", "0", "--host-key", str(self.host_key)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=client_env(),
            timeout=DEADLINE_S,
        )

    def ssh_argv(
        self,
        server: Server,
        user: str,
        *options: str,
        command: tuple[str, ...] = (),
        key: bool = True,
        strict: bool = False,
    ) -> list[str]:
        """The ssh command line (``options`` before the destination, ``command`` after it):
        this test's known_hosts only, and either the test's key or passwords only."""
        argv = [
            "ssh",
            "-F",
            "/dev/null",
            "-p",
            str(server.port),
            "-o",
            f"StrictHostKeyChecking={'yes' if strict else 'accept-new'}",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            f"HostKeyAlias={HOST_ALIAS}",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=10",
        ]
        if key:
            argv += ["-o", "IdentitiesOnly=yes", "-i", str(self.key), "-o", "BatchMode=yes"]
        else:
            # The server offers the password as keyboard-interactive and as password; one
            # method keeps the count of prompts simple.
            argv += ["-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=3"]
            argv += ["-o", "PreferredAuthentications=keyboard-interactive"]
        return [*argv, *options, f"{user}@127.0.0.1", *command]

    def pane(self, argv: list[str], width: int = 80, height: int = 24) -> Pane:
        pane = Pane(argv, width, height)
        self.panes.append(pane)
        return pane

    def run_ssh(
        self, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ssh without a terminal (for commands and refusals); ``env`` adds variables."""
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**client_env(), **(env or {})},
            timeout=DEADLINE_S,
        )

    def close(self) -> None:
        """Stop clients and servers; every terminal a server started must be gone then."""
        for pane in self.panes:
            pane.close()
        for server in self.servers:
            if server.proc.poll() is None:
                try:
                    server.stop()
                except subprocess.TimeoutExpired:
                    server.proc.kill()
                    server.proc.wait()
        started = [
            int(pid)
            for server in self.servers
            for pid in re.findall(r"terminal pid (\d+)", server.output())
        ]
        left = [pid for pid in started if alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"terminals left running: {left}"


@pytest.fixture
def floor(tmp_path: Path) -> Iterator[Floor]:
    """The test's warehouse; every server and pane it started is gone afterwards."""
    require_tools()
    floor = Floor(tmp_path)
    try:
        yield floor
    finally:
        floor.close()


def audit(db: Path, action: str) -> list[dict[str, object]]:
    """Audit rows of one action, oldest first, with their detail decoded."""
    import json

    store = open_store(db)
    try:
        rows = store.query(
            "SELECT user, station, subject, detail FROM audit WHERE action = ? ORDER BY id",
            (action,),
        )
    finally:
        store.close()
    return [{**row, "detail": json.loads(str(row["detail"]))} for row in rows]
