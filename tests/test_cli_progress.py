"""A large import shows a progress bar on a terminal, and none when output is not a terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from data.store import open_store

HEADER = (
    "order_no,channel,placed_at,priority,payment_status,customer_name,phone,country,"
    "province,city,district,address,postcode,sku,qty,note\n"
)


def _big_orders(path: Path, orders: int) -> None:
    rows = [
        f"BIG-{n:05d},shop,2026-11-21T10:00:00+08:00,standard,paid,王芳,13800138000,CN,"
        f"浙江省,杭州市,西湖区,文三路90号,310000,SKU-X,1,"
        for n in range(orders)
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


def _run_on_pty(args: list[str], timeout: float = 60.0) -> tuple[int, bytes]:
    """Run a command whose stderr is a real terminal; collect everything it drew there."""
    master, slave = os.openpty()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    drawn = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=timeout)
    os.close(master)
    return process.returncode, drawn


def test_large_import_draws_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    _big_orders(orders, 3000)
    db = tmp_path / "w.db"
    open_store(db).close()
    wareterm = [sys.executable, "-m", "tui.cli", "--db", str(db)]
    code, drawn = _run_on_pty([*wareterm, "import", "orders", str(orders)])
    assert code == 0
    assert b"importing orders.csv" in drawn
    assert "━".encode() in drawn  # the bar itself


def test_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    _big_orders(orders, 3000)
    open_store(tmp_path / "w.db").close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "--db",
            str(tmp_path / "w.db"),
            "import",
            "orders",
            str(orders),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "importing" not in result.stderr
    assert "3000 stored" in result.stdout
