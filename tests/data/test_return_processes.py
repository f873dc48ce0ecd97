"""A returns bench killed (kill -9) in the middle of receiving, then the same scans submitted
again: every unit is in stock once, and the stock agrees with its ledger."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from data import catalog, orders, returns
from data.stock import stock_check
from data.store import Actor, open_store
from tests.data.builders import (
    ADMIN,
    NOW,
    add_floor_users,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)
from tests.data.floor_rows import ship_order

UNITS = 20
PACKER = Actor("chen.jie", "bench-1")


def _receive_all(path: str) -> None:
    """Receive every unit by its scan id, over and over, until killed."""
    store = open_store(path)
    while True:
        for n in range(UNITS):
            returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1", key=f"u{n}")


def test_a_killed_bench_and_a_resubmitted_receipt_count_every_unit_once(tmp_path: Path) -> None:
    path = tmp_path / "returns.db"
    store = new_store(path)
    add_floor_users(store, "packer", PACKER.user)
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 50, location="A-01")]), "p.csv"
    )
    orders.import_orders(store, ADMIN, orders_csv(order_rows("TB-1", [("SKU-A", UNITS)])), "o.csv")
    ship_order(store, "TB-1", NOW)
    store.close()

    process = multiprocessing.get_context("spawn").Process(target=_receive_all, args=(str(path),))
    process.start()
    watcher = open_store(path)
    deadline = time.monotonic() + 60
    try:
        while watcher.scalar("SELECT count(*) FROM return_units") < UNITS // 2:
            assert time.monotonic() < deadline, "the bench received nothing"
            assert process.is_alive()
            time.sleep(0.01)
    finally:
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
    assert process.exitcode == -signal.SIGKILL

    for n in range(UNITS):
        returns.receive(watcher, PACKER, "SKU-A", 1, "good", order_no="TB-1", key=f"u{n}")
    returned = watcher.scalar("SELECT sum(qty) FROM stock_ledger WHERE kind = 'return'")
    assert returned == UNITS
    assert watcher.scalar("SELECT on_hand FROM products WHERE sku = 'SKU-A'") == 50
    assert stock_check(watcher) == []
