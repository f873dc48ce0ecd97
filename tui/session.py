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
