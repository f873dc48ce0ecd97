"""What the scan writer's tests share: a short socket path, and a stand-in for a writer killed
mid-group (it takes one request and hangs up without answering)."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def short_socket_path() -> Iterator[Path]:
    """A socket path in a private folder of its own under /tmp: a Unix socket's name has room
    for about 100 bytes, more than pytest's tmp_path leaves."""
    folder = Path(tempfile.mkdtemp(prefix="wt-sw-", dir="/tmp"))
    try:
        yield folder / "s.sock"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def hang_up_once(path: Path) -> threading.Thread:
    """Listen at ``path``, take one request and hang up; then the socket is gone, so the next
    scans find no writer. Returns the stand-in's thread (join it at the end)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def take_and_hang_up() -> None:
        try:
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.close()
        finally:
            listener.close()
            path.unlink(missing_ok=True)

    thread = threading.Thread(target=take_and_hang_up, daemon=True)
    thread.start()
    return thread
