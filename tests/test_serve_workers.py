"""``wareterm serve`` runs the e-waybill worker and the 快递鸟 push receiver: started for real as
a process on loopback, with the protocol stand-in as the carrier's API. An order queued while the
API was down gets its number once the API is back and its backoff has passed; a signed push moves
a shipped order to delivered; SIGTERM stops all of it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.data.builders import NOW
from tests.data.floor_rows import ship_order
from tests.data.test_ewaybill_packing import KEY, _bench, _setup
from tests.kdniao_server import KdniaoStandIn, kdniao_stand_in

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 20.0


def _until(what: str, check: Callable[[], Any], deadline_s: float = DEADLINE_S) -> Any:
    """Poll ``check`` until it gives something true (no fixed sleep: a deadline)."""
    end = time.monotonic() + deadline_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _query(db: Path, sql: str, *args: Any) -> Any:
    conn = sqlite3.connect(db, timeout=5)
    try:
        row = conn.execute(sql, args).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


class Serve:
    """``wareterm serve`` on 127.0.0.1 with the given options; its output is collected."""

    def __init__(self, db: Path, tmp_path: Path, *options: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("WARETERM_DB", "WARETERM_USER")}
        env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "--db", str(db), "serve", "--host", "127.0.0.1"]
            + ["--port", "0", "--host-key", str(tmp_path / "host_key"), "--no-print", *options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(r"listening on 127\.0\.0\.1:\d+")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str) -> re.Match[str]:
        def find() -> re.Match[str] | None:
            if self.proc.poll() is not None and not re.search(pattern, self.output()):
                raise AssertionError(f"serve ended: {self.output()}")
            return re.search(pattern, self.output())

        found: re.Match[str] = _until(pattern, find)
        return found

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=DEADLINE_S)


@pytest.fixture
def server() -> Iterator[KdniaoStandIn]:
    with kdniao_stand_in({"E1": KEY}, prefix="JDE") as server:
        yield server


def _post(url: str, form: dict[str, str]) -> dict[str, Any]:
    body = urllib.parse.urlencode(form).encode("ascii")
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def test_serve_gets_a_queued_order_its_number_and_takes_tracking_pushes(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    db = tmp_path / "floor.db"
    store = _setup(db, server)
    floor, packer = _bench(store, db, [])
    server.http_status = 503  # the API is down: the order waits for its number
    assert "waits" in floor.finish_pack(packer, "O-RUSH", 420, 1).message
    ship_order(store, "O-FAR", NOW, waybill_no="JDE9000000001", carrier="JD")
    store.close()

    serve = Serve(db, tmp_path, "--waybill-interval", "0.2", "--push-port", "0")
    try:
        push = serve.wait_for(r"http://(127\.0\.0\.1:\d+)/")
        # still down: the worker tries, and waits longer each time (the row's backoff)
        _until(
            "a retry while the API is down",
            lambda: _query(db, "SELECT attempts FROM waybill_waits") >= 2,
        )
        assert _query(db, "SELECT status FROM orders WHERE order_no = 'O-RUSH'") == "packing"
        later = _query(db, "SELECT next_attempt_at FROM waybill_waits")
        assert later > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        # the API comes back; once the backoff has passed the order gets its number
        server.http_status = None
        conn = sqlite3.connect(db, timeout=5)
        with conn:
            conn.execute("UPDATE waybill_waits SET next_attempt_at = '2026-01-01T00:00:00Z'")
        conn.close()
        _until(
            "O-RUSH packed",
            lambda: _query(db, "SELECT status FROM orders WHERE order_no = 'O-RUSH'") == "packed",
        )
        assert _query(db, "SELECT count(*) FROM waybill_waits WHERE status = 'waiting'") == 0
        serve.wait_for(r"waybill wait O-RUSH: done")  # said in the server's log
        assert _query(
            db,
            "SELECT p.waybill_no FROM packages p JOIN shipments s ON s.id = p.shipment_id"
            " WHERE s.order_no = 'O-RUSH'",
        ).startswith("JDE")
        # 快递鸟 pushes the shipped order's trace: signed, so the order is delivered
        server.trace(
            "JDE9000000001",
            "3",
            ("2026-11-21 18:00:00", "已揽收"),
            ("2026-11-23 11:00:00", "已签收"),
        )
        url = f"http://{push[1]}/"
        form = server.push_form("E1", "JDE9000000001")
        forged = dict(form, RequestData=form["RequestData"].replace("已签收", "问题件"))
        assert _post(url, forged)["Success"] is False
        assert _query(db, "SELECT status FROM orders WHERE order_no = 'O-FAR'") == "shipped"
        assert _post(url, form)["Success"] is True
        assert _query(db, "SELECT status FROM orders WHERE order_no = 'O-FAR'") == "delivered"
    finally:
        code = serve.stop()
    assert code == 0, serve.output()
    assert "Traceback" not in serve.output()
    host, port = push[1].split(":")
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=2):
        pass  # the receiver stopped with serve


def test_serve_without_the_options_takes_no_pushes_and_says_so(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    db = tmp_path / "floor.db"
    _setup(db, server).close()
    serve = Serve(db, tmp_path, "--no-waybill-worker")
    try:
        assert "pushes" not in serve.output()
    finally:
        assert serve.stop() == 0


def test_a_push_port_taken_is_refused_in_one_line(tmp_path: Path, server: KdniaoStandIn) -> None:
    db = tmp_path / "floor.db"
    _setup(db, server).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "WARETERM_DB"}
        env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", "--db", str(db), "serve", "--host", "127.0.0.1"]
            + ["--port", "0", "--host-key", str(tmp_path / "key"), "--no-print"]
            + ["--push-port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            timeout=DEADLINE_S,
        )
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
