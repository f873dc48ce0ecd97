"""``wareterm serve``: the floor over SSH (asyncssh).

Operators log in with their PIN as the SSH password or with a public key registered by
``wareterm users add-key``. Each session runs its own floor terminal (``wareterm tui``, already
logged in) on its own pty, in its own process session; when the client goes away the terminal's
process group is hung up, killed after a short grace if it lingers, and reaped. Nothing else is
offered: no shell, no commands, no port, agent or X11 forwarding, no SFTP or other subsystems.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from core import i18n
from core.admission import (
    SessionLimits,
    SessionRefusal,
    Waiting,
    admit_connection,
    reserved_for,
    session_refusal,
)
from core.errors import WaretermError
from core.i18n import N_, _
from core.labels import neutralise
from core.model import Role
from data import keys, logins, users
from data.scan_writer import SOCKET_ENV
from data.sshlib import asyncssh
from data.store import Store, open_existing

T = TypeVar("T")

log = logging.getLogger("wareterm.serve")

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 2222
#: The host key's file name next to the database when ``--host-key`` is not given.
HOST_KEY_NAME = "ssh_host_ed25519_key"
#: A wrong password is answered only after this pause (on top of the lockouts).
FAILURE_DELAY_S = 1.0
#: A terminal gets this long to quit after a hangup before its process group is killed.
GRACE_S = 2.0
#: Connections still logging in at once, in all and from one address. More from one address
#: are turned away at the door; past the global cap a new connection pushes out the oldest one
#: of the address holding the most (see core.admission), so a flood cannot keep others out.
MAX_PENDING, MAX_PENDING_PER_PEER = 256, 10
#: Terminals running at once (the last tenth kept for supervisors and admins), on one
#: connection, and of one user.
MAX_SESSIONS = 100
MAX_SESSIONS_PER_CONNECTION, MAX_SESSIONS_PER_USER = 2, 3
#: Seconds a client has to log in (a person typing a PIN needs a few; a half-open connection
#: holds its place no longer than this).
LOGIN_TIMEOUT_S = 30
#: The most of a crashed terminal's report that is read (its location and traceback).
MAX_CRASH_REPORT = 16 * 1024
#: The directory holding the packages this server runs: terminals run the same code, found by
#: this absolute path, never through the working directory or PYTHONPATH.
CODE_ROOT = Path(__file__).resolve().parents[1]
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from tui.cli import main; main(prog_name='wareterm')"
)
#: Keepalives: a client that answers none for 4 × 15 s is gone.
KEEPALIVE_S, KEEPALIVE_COUNT = 15, 4
#: Window sizes are clamped to this (a client may claim anything up to 2**32).
MAX_COLUMNS, MAX_ROWS = 1000, 500
#: Input held for a terminal that is not reading; past it the client is paused.
MAX_HELD_INPUT = 64 * 1024
#: The station a session works at when the client names none (and the user and key have none).
DEFAULT_STATION = "ssh"
_STATION = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
_TERM = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
#: The server's environment that a session's terminal must not inherit: its size and terminal
#: type come from the client, its database and station from the command line.
_NOT_INHERITED = (
    "COLUMNS",
    "LINES",
    "TERM",
    "COLORTERM",
    "TERM_PROGRAM",
    "TMUX",
    "TMUX_PANE",
    "WARETERM_DB",
    "WARETERM_STATION",
    "WARETERM_USER",
    "WARETERM_LANG",
    "LANGUAGE",
    "SSH_AUTH_SOCK",
    "SSH_CLIENT",
    "SSH_CONNECTION",
    "SSH_TTY",
)


class ServeError(WaretermError):
    """The server cannot start (host key, address in use …)."""


@dataclass(frozen=True)
class ServeConfig:
    """Where to listen, which database and host key, and the limits."""

    db: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    host_key: Path | None = None
    max_sessions: int = MAX_SESSIONS
    #: Terminals only supervisors and admins may use (None: a tenth of ``max_sessions``).
    reserved_sessions: int | None = None
    max_sessions_per_connection: int = MAX_SESSIONS_PER_CONNECTION
    max_sessions_per_user: int = MAX_SESSIONS_PER_USER
    max_pending: int = MAX_PENDING
    max_pending_per_peer: int = MAX_PENDING_PER_PEER
    failure_delay_s: float = FAILURE_DELAY_S
    grace_s: float = GRACE_S
    login_timeout_s: float = LOGIN_TIMEOUT_S
    #: How a terminal is started (the session's options follow); None: :func:`terminal_command`.
    terminal: tuple[str, ...] | None = None
    #: The scan writer's socket, given to every terminal (None: terminals store their own).
    scan_writer: Path | None = None

    @property
    def host_key_path(self) -> Path:
        """The host key file (default: next to the database)."""
        return self.host_key or self.db.resolve().parent / HOST_KEY_NAME

    @property
    def session_limits(self) -> SessionLimits:
        """The caps on terminals."""
        reserved = (
            reserved_for(self.max_sessions)
            if self.reserved_sessions is None
            else self.reserved_sessions
        )
        return SessionLimits(
            total=self.max_sessions,
            reserved=min(reserved, self.max_sessions),
            per_connection=self.max_sessions_per_connection,
            per_user=self.max_sessions_per_user,
        )


def terminal_command() -> tuple[str, ...]:
    """``wareterm`` as a session's terminal runs it: this interpreter, isolated (``-I``: no
    working directory, PYTHONPATH or user site on its path), importing the code from
    :data:`CODE_ROOT`. A ``tui/cli.py`` in the directory ``serve`` was started from is never
    run."""
    return (sys.executable, "-I", "-c", _BOOT, str(CODE_ROOT))


# -- the host key ---------------------------------------------------------------------------------


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's private host key. Made on first start (ed25519, mode 0600, with its public
    half in ``PATH.pub``); refused when the file can be read by others or cannot be read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return _create_host_key(path)
    except OSError as error:
        raise ServeError(
            _("cannot use host key {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise ServeError(_("host key {path} is not a file").format(path=path))
    if info.st_mode & 0o077:
        raise ServeError(
            _(
                "host key {path} is open to other users (mode {mode:o}); it must be readable "
                "by this user only: chmod 600 {path}"
            ).format(path=path, mode=stat.S_IMODE(info.st_mode))
        )
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ServeError(
            _("cannot read host key {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    try:
        return asyncssh.import_private_key(content)
    except (asyncssh.KeyImportError, ValueError):
        raise ServeError(
            _("{path} is not an SSH private key (move it away and a new key is made)").format(
                path=path
            )
        ) from None


def _create_host_key(path: Path) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="wareterm host key")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two servers starting at once never overwrite each other's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_host_key(path)
    except OSError as error:
        raise ServeError(
            _("cannot create host key {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    with contextlib.suppress(OSError):
        Path(f"{path}.pub").write_bytes(key.export_public_key())
    log.info("made a new host key %s", path)
    return key


# -- questions to the users table -----------------------------------------------------------------


class Gate:
    """The server's own connection to the database, used from one worker thread: a PIN check
    (scrypt) or a busy database never stalls the connections being served, and attempts are
    checked and counted one at a time."""

    def __init__(self, db: Path) -> None:
        self.store: Store = open_existing(db)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssh-auth")

    async def ask(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(store, *args)`` on the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, self.store, *args))

    def close(self) -> None:
        """Finish what was asked and close the connection."""
        self._pool.shutdown(wait=True)
        self.store.close()


# -- one client connection ------------------------------------------------------------------------


class _Connection(asyncssh.SSHServer):
    """Authentication of one client connection against the users table."""

    def __init__(self, server: FloorServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.user = ""
        self.method = ""
        self.key: str | None = None
        self.authenticated = False
        self.key_refusal = ""
        self.passwords_tried = 0
        self.had_session = False
        self.role: Role | None = None
        self.since = 0.0
        #: Terminals running on this connection.
        self.sessions = 0
        #: The language messages to this client are in: the user's, once they logged in.
        self.language = "en"

    def say(self, message: str) -> str:
        """``message`` (a msgid) in this client's language: the server speaks to many people
        at once, so it never switches the process's language."""
        return i18n.translation(self.language).gettext(message)

    async def _learn_language(self, username: str) -> None:
        try:
            self.language = await self.server.gate.ask(users.language_of, username)
        except WaretermError as error:
            log.error("could not read the language of %r: %s", username[:64], error)

    # connection life

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peername = conn.get_extra_info("peername")
        self.peer = str(peername[0]) if peername else "?"
        loop = asyncio.get_running_loop()
        self.since = loop.time()
        config = self.server.config
        waiting = {id(c): c for c in self.server.connections if not c.authenticated}
        admission = admit_connection(
            [Waiting(key, c.peer, c.since) for key, c in waiting.items()],
            self.peer,
            config.max_pending_per_peer,
            config.max_pending,
        )
        if not admission.admit:
            log.warning("too many connections logging in from %s; turned it away", self.peer)
            loop.call_soon(conn.abort)
            return
        self.server.connections.add(self)
        if admission.evict is not None:
            evicted = waiting[admission.evict]
            log.warning("too many connections logging in; dropped the oldest from %s", evicted.peer)
            self.server.connections.discard(evicted)
            if evicted.conn is not None:
                loop.call_soon(evicted.conn.abort)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        if not self.authenticated and self.key_refusal and not self.passwords_tried:
            # Keys were offered and none matched (a password failure is audited already).
            self.server.audit_refusal(self.user, self.peer, "publickey", self.key_refusal)

    # authentication

    def begin_auth(self, username: str) -> bool:
        self.user = logins.user_name(username)
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        openssh = keys.key_of_blob(key.algorithm, key.public_data)
        try:
            check = await self.server.gate.ask(logins.check_key, username, openssh)
        except Exception as error:  # whatever went wrong, a key not checked is refused
            log.error("could not check a key for %r: %s", username[:64], error)
            return False
        if not check.ok:
            self.key_refusal = check.reason
            return False
        self.method, self.key, self.role = "ssh-key", check.fingerprint, _role(check.role)
        await self._learn_language(username)
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        self.passwords_tried += 1
        try:
            check = await self.server.gate.ask(logins.check_password, username, password, self.peer)
        except Exception as error:
            # Whatever went wrong, a password that was not checked and counted is refused,
            # after the same pause as a wrong one: the lockout never switches off.
            check = logins.LoginCheck(False, "not_checked", error=str(error))
        if check.ok:
            self.method, self.key, self.role = "ssh-password", None, _role(check.role)
            await self._learn_language(username)
            return True
        if check.error:
            log.error(
                "could not record a password attempt for %r from %s: %s",
                username[:64],
                self.peer,
                check.error,
            )
        log.warning(
            "password refused for %r from %s: %s%s",
            username[:64],
            self.peer,
            check.reason,
            f" (locked until {check.locked_until:%H:%M:%S})" if check.locked_until else "",
        )
        await asyncio.sleep(self.server.config.failure_delay_s)
        return False

    def auth_completed(self) -> None:
        self.authenticated = True
        log.info("%s logged in from %s (%s)", self.user, self.peer, self.method)

    # what an authenticated client may open: sessions, nothing else

    def session_requested(self) -> asyncssh.SSHServerSession[bytes]:
        return _Terminal(self)

    def connection_requested(self, dest_host: str, dest_port: int, *args: Any) -> bool:
        log.warning("refused port forwarding to %s:%s for %s", dest_host, dest_port, self.user)
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log.warning("refused remote forwarding %s:%s for %s", listen_host, listen_port, self.user)
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        log.warning("refused socket forwarding for %s", self.user)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        log.warning("refused socket forwarding for %s", self.user)
        return False


# -- one session: a floor terminal on its own pty -------------------------------------------------


class _Terminal(asyncssh.SSHServerSession[bytes]):
    """A session channel: refuses commands and subsystems; for a shell request on a pty, runs
    ``wareterm tui`` for the authenticated operator and copies bytes both ways."""

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        self.server = connection.server
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.term_type: str | None = None
        self.size = (80, 24)
        self.command: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.master = -1
        self.held = bytearray()
        self.reading = False
        self.client_paused = False
        self.client_gone = False
        self.notice = ""
        self.watch: asyncio.Task[None] | None = None
        self.crash_pipe = -1
        self.stopped_by = 0

    # requests from the client

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self.term_type = term_type if _TERM.match(term_type or "") else "xterm"
        self.size = _clamp(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True  # answered in session_started with a refusal and an exit status

    def subsystem_requested(self, subsystem: str) -> bool:
        log.warning("refused subsystem %r for %s", subsystem[:40], self.connection.user)
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def signal_received(self, signal: str) -> None:
        """Clients may not signal the terminal."""

    def eof_received(self) -> bool:
        return True  # a terminal has no end of input; the session lasts until it quits

    def session_started(self) -> None:
        if self.command is not None:
            log.warning(
                "refused command %r for %s from %s",
                self.command[:60],
                self.connection.user,
                self.connection.peer,
            )
            self._refuse(
                N_(
                    "wareterm: this server runs only the floor terminal, not commands; "
                    "log in without a command"
                )
            )
        elif self.term_type is None:
            self._refuse(
                N_(
                    "wareterm: the floor terminal needs a terminal; connect from a terminal "
                    "(or with ssh -t)"
                )
            )
        else:
            refusal = self.server.session_refusal(self.connection)
            if refusal is None:
                self._start()
                return
            log.warning(
                "refused a terminal for %s from %s: %s limit",
                self.connection.user,
                self.connection.peer,
                refusal.value,
            )
            self._refuse(*_refusal_words(refusal, self.server.config.session_limits))

    def _refuse(self, message: str, params: Mapping[str, object] | None = None) -> None:
        """Say ``message`` (a msgid with its ``params``, said in the user's language) and end
        the session."""
        assert self.chan is not None
        ending = "\r\n" if self.term_type is not None else "\n"
        said = self.connection.say(message).format(**(params or {}))
        with contextlib.suppress(OSError, asyncssh.Error):
            self.chan.write_stderr((said + ending).encode())
            self.chan.exit(1)

    # the terminal process

    def _start(self) -> None:
        connection, chan = self.connection, self.chan
        assert chan is not None and self.term_type is not None
        client_env = chan.get_environment()
        station = client_env.get("WARETERM_STATION", "").strip().lower()
        if not _STATION.match(station):
            station = DEFAULT_STATION
        argv = [
            *(self.server.config.terminal or terminal_command()),
            "--db",
            str(self.server.config.db),
            "tui",
            "--station",
            station,
            "--session-user",
            connection.user,
            "--session-method",
            connection.method,
            "--session-peer",
            connection.peer,
        ]
        if connection.key:
            argv += ["--session-key", connection.key]
        opened: list[int] = []
        try:  # out of ptys or descriptors: refused like a terminal that cannot start
            master, slave = os.openpty()
            opened += (master, slave)
            # The terminal writes where it crashed on this pipe (tui.session.report_crash).
            self.crash_pipe, crash_end = os.pipe()
        except OSError as error:
            for fd in opened:
                os.close(fd)
            log.error("could not start a terminal for %s: %s", connection.user, error)
            self._refuse(N_("wareterm: the floor terminal could not be started"))
            return
        os.set_blocking(self.crash_pipe, False)
        argv += ["--session-crash-fd", str(crash_end)]
        try:
            _set_window(master, *self.size)
            self.proc = subprocess.Popen(
                argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=_child_env(self.term_type, connection.language, self.server.config.scan_writer),
                start_new_session=True,
                close_fds=True,
                pass_fds=(crash_end,),
            )
        except OSError as error:
            os.close(master)
            os.close(self.crash_pipe)
            self.crash_pipe = -1
            log.error("could not start a terminal for %s: %s", connection.user, error)
            self._refuse(N_("wareterm: the floor terminal could not be started"))
            return
        finally:
            os.close(slave)
            os.close(crash_end)
        self.master = master
        connection.had_session = True
        connection.sessions += 1
        os.set_blocking(master, False)
        self.server.terminals.add(self)
        self._read_terminal(True)
        self.watch = asyncio.get_running_loop().create_task(self._watch())
        log.info(
            "session of %s from %s: terminal pid %d, station asked for %s (%dx%d %s)",
            connection.user,
            connection.peer,
            self.proc.pid,
            station,
            *self.size,
            self.term_type,
        )

    def _read_terminal(self, on: bool) -> None:
        if self.master < 0 or on == self.reading:
            return
        loop = asyncio.get_running_loop()
        if on:
            loop.add_reader(self.master, self._terminal_output)
        else:
            loop.remove_reader(self.master)
        self.reading = on

    def _terminal_output(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # EIO: the terminal closed its side; _watch sees the process end
        if not data:
            self._read_terminal(False)
            return
        self._to_client(data)

    def _to_client(self, data: bytes) -> None:
        if self.chan is None or self.client_gone:
            return
        with contextlib.suppress(OSError, asyncssh.Error):
            self.chan.write(data)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if self.master < 0:
            return
        self.held += data
        self._flush_input()

    def _flush_input(self) -> None:
        loop = asyncio.get_running_loop()
        while self.held and self.master >= 0:
            try:
                written = os.write(self.master, self.held)
            except BlockingIOError:
                break
            except OSError:
                self.held.clear()
                break
            del self.held[:written]
        if self.held and self.master >= 0:
            loop.add_writer(self.master, self._flush_input)
            if len(self.held) > MAX_HELD_INPUT and not self.client_paused and self.chan:
                self.chan.pause_reading()
                self.client_paused = True
        else:
            if self.master >= 0:
                loop.remove_writer(self.master)
            if self.client_paused and self.chan:
                self.chan.resume_reading()
                self.client_paused = False

    def pause_writing(self) -> None:
        self._read_terminal(False)

    def resume_writing(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self._read_terminal(True)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = _clamp(width, height)
        if self.master < 0 or self.proc is None:
            return
        _set_window(self.master, *self.size)
        _signal_group(self.proc.pid, signal.SIGWINCH)

    # the end of a session

    def connection_lost(self, exc: Exception | None) -> None:
        self.client_gone = True
        if self.proc is not None and self.proc.returncode is None:
            self.server.spawn(self.stop(signal.SIGHUP))

    async def stop(self, signum: int, notice: str = "") -> None:
        """End the terminal: ``signum`` to its process group (SIGHUP: the client is gone;
        SIGTERM: the server stops), SIGKILL after the grace period; returns once reaped.
        ``notice`` (a msgid) is said to the client in its language after the terminal's last
        output."""
        if self.proc is None or self.watch is None or self.watch.done():
            return  # never signal a process group whose leader is reaped: its id may be reused
        self.notice = notice
        self.stopped_by = signum
        _signal_group(self.proc.pid, signum)
        try:
            await asyncio.wait_for(asyncio.shield(self.watch), self.server.config.grace_s)
        except TimeoutError:
            log.warning("terminal pid %d did not quit; killing it", self.proc.pid)
            _signal_group(self.proc.pid, signal.SIGKILL)
            await self.watch

    async def _watch(self) -> None:
        """Wait for the terminal process to end (the operator quit, or it was stopped), then
        kill what is left of its group, reap it, pass on its last output and its exit status."""
        proc = self.proc
        assert proc is not None
        try:
            await _exited(proc)
        finally:
            _signal_group(proc.pid, signal.SIGKILL)  # nothing of the session outlives it
            code = proc.wait()
            self._drain()
            self._read_terminal(False)
            if self.master >= 0:
                asyncio.get_running_loop().remove_writer(self.master)
                os.close(self.master)
                self.master = -1
            self.server.terminals.discard(self)
            self.connection.sessions -= 1
        self._log_end(proc.pid, code)
        if not self.client_gone and self.chan is not None:
            # The notice goes with the terminal's output: written on stderr the client could
            # show it before the terminal's last output leaves the alternate screen, wiping it.
            if self.notice:
                self._to_client((self.connection.say(self.notice) + "\r\n").encode())
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.exit(code if code >= 0 else 128 - code)

    def _log_end(self, pid: int, code: int) -> None:
        """One line on how the session ended: a crash (the terminal reported an exception, or
        ended by a signal or with a failure status nobody asked for) with the exit status and
        where it happened, else a normal end."""
        report = self._crash_report()
        user = self.connection.user
        gone = " (client gone)" if self.client_gone else ""
        asked = self.client_gone or self.stopped_by != 0
        if report:
            where, _sep, trace = report.partition("\n")
            log.error(
                "session of %s CRASHED: terminal pid %d exit %s%s: %s",
                user,
                pid,
                code,
                gone,
                neutralise(where),
            )
            for line in trace.splitlines():
                log.error("  terminal pid %d | %s", pid, neutralise(line))
        elif code < 0 and not asked:
            log.error(
                "session of %s CRASHED: terminal pid %d killed by signal %s%s",
                user,
                pid,
                _signal_name(-code),
                gone,
            )
        elif code != 0 and not asked:
            log.warning("session of %s ended: terminal pid %d exit %s (failed)", user, pid, code)
        else:
            log.info("session of %s ended: terminal pid %d exit %s%s", user, pid, code, gone)

    def _crash_report(self) -> str:
        """What the terminal wrote on its crash pipe (nothing unless it crashed)."""
        if self.crash_pipe < 0:
            return ""
        data = b""
        try:
            while len(data) < MAX_CRASH_REPORT:
                chunk = os.read(self.crash_pipe, MAX_CRASH_REPORT - len(data))
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass  # BlockingIOError: a child of the terminal still holds the pipe open
        finally:
            os.close(self.crash_pipe)
            self.crash_pipe = -1
        return data.decode("utf-8", "replace").strip()

    def _drain(self) -> None:
        """What the terminal wrote before it ended (its goodbye: leaving the alternate screen)."""
        if self.master < 0:
            return
        for _round in range(64):
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._to_client(data)


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _refusal_words(refusal: SessionRefusal, limits: SessionLimits) -> tuple[str, dict[str, object]]:
    """What a client is told when its terminal is not started: the msgid (said in the
    client's language by :meth:`_Terminal._refuse`) and its parameters."""
    if refusal is SessionRefusal.CONNECTION:
        return N_(
            "wareterm: this connection has {count} floor terminals open already; close one first"
        ), {"count": limits.per_connection}
    if refusal is SessionRefusal.USER:
        return N_(
            "wareterm: you have {count} floor terminals open already; log out of one first"
        ), {"count": limits.per_user}
    return N_("wareterm: the server is full; try again in a minute"), {}


def _clamp(width: int, height: int) -> tuple[int, int]:
    """A window size the terminal can draw: 0 means unknown (80x24); anything huge is cut."""
    columns = min(width, MAX_COLUMNS) if width > 0 else 80
    rows = min(height, MAX_ROWS) if height > 0 else 24
    return max(columns, 10), max(rows, 4)


def _set_window(fd: int, columns: int, rows: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _signal_group(pgid: int, signum: int) -> None:
    """Signal a terminal's process group (it leads its own session; pgid = its pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


async def _exited(proc: subprocess.Popen[bytes]) -> None:
    """Return once ``proc`` has ended (without reaping it)."""
    loop = asyncio.get_running_loop()
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        # No pidfd (old kernel): ask now and then, without reaping (WNOWAIT), so the process
        # group cannot be reused before its last members are killed.
        while True:
            try:
                if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                    return
            except ChildProcessError:
                return
            await asyncio.sleep(0.05)
    try:
        ended: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ended.done():
                ended.set_result(None)

        loop.add_reader(pidfd, readable)
        try:
            await ended
        finally:
            loop.remove_reader(pidfd)
    finally:
        os.close(pidfd)


def _child_env(term: str, language: str, scan_writer: Path | None = None) -> dict[str, str]:
    """The terminal's environment: the server's, less what belongs to the client, with the
    client's terminal type, the user's language (their own, else the site's) and the scan
    writer's socket."""
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env["TERM"] = term
    env["WARETERM_LANG"] = language
    env.pop(SOCKET_ENV, None)
    if scan_writer is not None:
        env[SOCKET_ENV] = str(scan_writer)
    return env


# -- the server -----------------------------------------------------------------------------------


class FloorServer:
    """The listening SSH server and its live connections and terminals."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.gate = Gate(config.db)
        self.connections: set[_Connection] = set()
        self.terminals: set[_Terminal] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self.host_key: asyncssh.SSHKey | None = None

    def pending(self, peer: str | None = None) -> int:
        """Connections that have not logged in yet (from ``peer``, if given)."""
        return sum(
            1
            for connection in self.connections
            if not connection.authenticated and (peer is None or connection.peer == peer)
        )

    def session_refusal(self, connection: _Connection) -> SessionRefusal | None:
        """Why ``connection`` may not start another terminal now (None: it may)."""
        of_user = sum(c.sessions for c in self.connections if c.user == connection.user)
        return session_refusal(
            connection.role,
            len(self.terminals),
            connection.sessions,
            of_user,
            self.config.session_limits,
        )

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a task the server keeps track of (finished before it stops)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def audit_refusal(self, user: str, peer: str, method: str, reason: str) -> None:
        """Audit a connection that ended without logging in."""

        async def record() -> None:
            try:
                await self.gate.ask(logins.record_refused, user or "?", peer, method, reason)
            except Exception as error:  # RuntimeError: shutting down; sqlite3: a full disk
                log.error("could not audit a refused login: %s", error)

        self.spawn(record())

    async def start(self) -> tuple[str, int]:
        """Load (or make) the host key and listen; returns the address and port bound."""
        self.host_key = load_host_key(self.config.host_key_path)
        try:
            self._acceptor = await asyncssh.listen(
                self.config.host,
                self.config.port,
                server_factory=lambda: _Connection(self),
                server_host_keys=[self.host_key],
                config=None,
                encoding=None,
                line_editor=False,
                agent_forwarding=False,
                x11_forwarding=False,
                gss_host=None,
                login_timeout=self.config.login_timeout_s,
                keepalive_interval=KEEPALIVE_S,
                keepalive_count_max=KEEPALIVE_COUNT,
                server_version="wareterm",
                reuse_address=True,
            )
        except OSError as error:
            raise ServeError(
                _("cannot listen on {host}:{port}: {error}").format(
                    host=self.config.host, port=self.config.port, error=error.strerror or error
                )
            ) from None
        return self.config.host, self._acceptor.get_port()

    async def close(self) -> None:
        """Stop listening, end every terminal (SIGTERM, then SIGKILL), close every connection."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        notice = N_("wareterm: the server is stopping; log in again in a minute")
        await asyncio.gather(
            *(terminal.stop(signal.SIGTERM, notice) for terminal in list(self.terminals))
        )
        # A client whose session has ended hangs up by itself once it has read the last words;
        # closing first would reset the connection and lose them.
        ended = [c.conn for c in self.connections if c.conn is not None and c.had_session]
        await _closed(ended, self.config.grace_s)
        rest = [c.conn for c in self.connections if c.conn is not None]
        for conn in rest:
            conn.close()
        await _closed(rest, self.config.grace_s)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self.gate.close)


async def _closed(conns: list[asyncssh.SSHServerConnection], timeout: float) -> None:
    """Wait (at most ``timeout``) until the connections are closed."""
    if conns:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(c.wait_closed() for c in conns)), timeout)


def fingerprint(key: asyncssh.SSHKey) -> str:
    """A host key's SHA256 fingerprint as ssh prints it."""
    return str(key.get_fingerprint("sha256"))


async def serve(config: ServeConfig, ready: Callable[[str, int, str], None]) -> None:
    """Run the server until SIGTERM or SIGINT; ``ready(host, port, host key fingerprint)`` is
    called once it listens."""
    server = FloorServer(config)
    try:
        host, port = await server.start()
    except BaseException:
        server.gate.close()
        raise
    assert server.host_key is not None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, stopping.set)
    ready(host, port, fingerprint(server.host_key))
    try:
        await stopping.wait()
        log.info("stopping: ending %d sessions", len(server.terminals))
    finally:
        await server.close()
