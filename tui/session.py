"""The terminal's side of an SSH session: who the server authenticated, and the pty it runs on.

``wareterm serve`` starts ``wareterm tui`` with hidden ``--session-*`` options on a fresh pty in
a new process session. The terminal then starts logged in as that operator (no login screen),
takes the pty as its controlling terminal (so a hangup reaches it even if the server itself
dies) and quits cleanly on SIGHUP or SIGTERM."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class SessionLogin:
    """An operator the SSH server authenticated: ``method`` (``ssh-key``, ``ssh-password``),
    the client address and the fingerprint of the key used (if any)."""

    user: str
    method: str
    peer: str = ""
    key: str | None = None


def take_controlling_terminal() -> None:
    """Make the pty on stdin this process's controlling terminal. The server starts us as a
    session leader without one; with it, closing the pty's other side hangs us up."""
    import fcntl
    import termios

    if not os.isatty(sys.stdin.fileno()):
        return
    with contextlib.suppress(OSError):
        fcntl.ioctl(sys.stdin.fileno(), termios.TIOCSCTTY, 0)


#: A crash report never fills the pipe the server reads only once the terminal has ended.
MAX_CRASH_REPORT = 8 * 1024


def crash_location(error: BaseException) -> str:
    """Where ``error`` was raised: ``file:line`` of the innermost frame of its traceback."""
    tb = error.__traceback__
    if tb is None:
        return "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def report_crash(fd: int | None, error: BaseException) -> None:
    """Tell the server on ``fd`` (its crash pipe) that this terminal crashed: one line with
    the exception and where it was raised, then the traceback. Never blocks, never raises."""
    if fd is None:
        return
    import traceback

    summary = f"{type(error).__name__} at {crash_location(error)}: {error}"
    text = summary.replace("\n", " ") + "\n" + "".join(traceback.format_exception(error))
    data = text.encode("utf-8", "replace")[:MAX_CRASH_REPORT]
    with contextlib.suppress(OSError):
        os.set_blocking(fd, False)
        os.write(fd, data)
