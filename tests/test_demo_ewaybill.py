"""The e-waybill demo: ``python -m tests.kdniao_server --configure DB`` (``make demo-ewaybill``)
points a site's carriers at the protocol stand-in through the product's own command line; a
packed order then carries the stand-in's number and routing code on a privacy label."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from core.clock import FixedClock
from data import carriers, settings
from data.floor import SqliteFloor
from data.store import open_store
from devices.waybill_apis import source_for
from tests.data.builders import ADMIN, NOW
from tests.data.test_packing import CABLE, CUP, PIN, build_bench, check_all, first_list

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 20.0


def test_the_demo_points_a_carrier_at_the_stand_in_and_packing_uses_it(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    build_bench(db)
    store = open_store(db)
    with store.write(ADMIN) as write:
        # as the demo's site has them
        settings.put(write, "sender.address", "仓前街道 1 号")
        settings.put(write, "sender.phone", "0571-88886666")
    store.close()
    env = {k: v for k, v in os.environ.items() if k != "WARETERM_DB"}
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    stand_in = subprocess.Popen(
        [sys.executable, "-m", "tests.kdniao_server", "--port", "0", "--configure", str(db)]
        + ["--carrier", "JD", "--prefix", "JDE"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    threading.Thread(
        target=lambda: lines.extend(line.rstrip() for line in stand_in.stdout or ()), daemon=True
    ).start()
    try:
        end = time.monotonic() + DEADLINE_S
        while not any("Ctrl-C" in line for line in lines):
            assert stand_in.poll() is None, lines
            assert time.monotonic() < end, lines
            time.sleep(0.05)
        said = "\n".join(lines)
        assert "carriers now taking numbers from it: JD" in said
        url = re.search(r"on (http://127\.0\.0\.1:\d+/\S*)", said)
        assert url
        store = open_store(db, FixedClock(NOW))
        (api,) = carriers.carrier_apis(store)
        assert (api.carrier, api.provider, api.url) == ("JD", "kdniao", url[1])
        listed = subprocess.run(
            [sys.executable, "-m", "tui.cli", "--db", str(db), "carriers", "list", "--json"],
            cwd=ROOT, capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        assert "demo-key" not in listed.stdout  # the key is never shown
        apis = {row["code"]: row["api"] for row in json.loads(listed.stdout)}
        assert apis["JD"]["url"] == url[1] and apis["JD"]["key"] == "(set)"
        assert apis["SF"] is None  # only the carrier asked for
        floor = SqliteFloor(store, waybill_apis=source_for)
        packer = floor.login("chen.jie", PIN, "bench-1")
        floor.pack_scan(packer, first_list(store), "wedge")
        check_all(floor, packer, CUP, CABLE)
        closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
        assert closed.accepted and "JDE0000000001" in closed.message, closed.message
        job = store.query("SELECT content FROM print_jobs ORDER BY id DESC LIMIT 1")[0]
        content = json.loads(job["content"])
        assert content["waybill_no"] == "JDE0000000001" and content["mark_destination"]
        assert content["recipient"]["phone"].count("*") == 4  # a privacy label
    finally:
        stand_in.send_signal(signal.SIGTERM)
        assert stand_in.wait(timeout=DEADLINE_S) == 0, lines
    assert "Traceback" not in "\n".join(lines)
