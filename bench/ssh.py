"""``wareterm serve`` over loopback: from the SSH connect to the floor terminal's first screen
in the client, with a key login (a handheld's usual way in)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, Bench
from bench.metrics import measurement
from bench.warehouse import ADMIN, copy_db
from data.sshlib import asyncssh

#: Sessions timed per run.
SESSIONS = 5
#: What the home screen shows once it is drawn (the user, role and station line).
HOME = b"p01 \xc2\xb7 picker"


def _start_server(db: Path, workdir: Path) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "-m", "tui.cli", "--db", str(db), "serve"]
    command += ["--host", "127.0.0.1", "--port", "0", "--no-print"]
    command += ["--host-key", str(workdir / "host_key")]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    found = re.search(r"listening on [^:]+:(\d+)", line)
    if found is None:
        server.kill()
        raise RuntimeError(f"wareterm serve did not start: {line!r}")
    return server, int(found[1])


async def _session(port: int, key: asyncssh.SSHKey) -> float:
    began = time.perf_counter()
    async with asyncssh.connect(
        "127.0.0.1", port, username="p01", client_keys=[key], known_hosts=None
    ) as conn:
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(80, 24), encoding=None
        )
        seen = b""
        while HOME not in seen:
            chunk = await asyncio.wait_for(process.stdout.read(65536), timeout=30)
            if not chunk:
                raise RuntimeError("the session ended before its first screen")
            seen += chunk
        elapsed = time.perf_counter() - began
        process.stdin.write(b"\x11")  # ctrl+q: quit the terminal
        process.close()
    return elapsed


@measurement("ssh_session_start_s")
def ssh_session_start(bench: Bench) -> dict[str, float]:
    """A key login to ``wareterm serve`` on 127.0.0.1 (the server already running): SSH connect,
    authentication, the session's terminal process started on its pty and its home screen
    received by the client. Median of a few sessions, one after the other."""
    from data import keys
    from data.store import open_store

    db = bench.workdir / f"ssh-{time.monotonic_ns()}.db"
    copy_db(bench.floor_db, db)
    key = asyncssh.generate_private_key("ssh-ed25519")
    store = open_store(db)
    keys.add_key(store, ADMIN, "p01", key.export_public_key())
    store.close()
    server, port = _start_server(db, bench.workdir)
    try:
        times = [asyncio.run(_session(port, key)) for _ in range(SESSIONS)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    times.sort()
    bench.note(
        "ssh_session_start_s",
        f"median of {SESSIONS} key logins over loopback (asyncssh client, 80x24): connect to "
        f"the home screen in the client; fastest {times[0]:.2f} s, slowest {times[-1]:.2f} s",
    )
    return {"ssh_session_start_s": times[len(times) // 2]}
