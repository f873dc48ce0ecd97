"""Stock moved, allocated and released by several processes at once stays true: every row equals
its ledger, no unit appears or vanishes, nothing goes negative."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

from core.errors import Rejected
from data import catalog, orders, waves
from data.stock import list_bins, move_stock, set_bin_kind, stock_check
from data.store import Actor, open_store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)

BINS = ["A-01", "R-01", "R-02", "D-01"]
ROUNDS = 40


def _mover(path: str, user: str, seed: int, start, out) -> None:  # type: ignore[no-untyped-def]
    """Random moves of SKU-A between the bins, as fast as the file allows."""
    store = open_store(path)
    rng = random.Random(seed)
    done = refused = 0
    start.wait()
    for _ in range(ROUNDS):
        source, target = rng.sample(BINS, 2)
        try:
            move_stock(store, Actor(user, "hh"), "SKU-A", source, target, rng.randint(1, 4), "test")
            done += 1
        except Rejected:  # not enough free units there, or the move would starve allocations
            refused += 1
    store.close()
    out.put((user, done, refused))


def _waver(path: str, start, out) -> None:  # type: ignore[no-untyped-def]
    """Orders for SKU-A imported, released into lists and some cancelled, meanwhile."""
    store = open_store(path)
    start.wait()
    for n in range(ROUNDS // 4):
        csv = orders_csv(order_rows(f"W-{n:03d}", [("SKU-A", 1 + n % 3)]))
        orders.import_orders(store, ADMIN, csv, f"w{n}.csv")
        waves.release_wave(store, ADMIN, max_orders=2)
        if n % 3 == 0:
            orders.cancel_order(store, ADMIN, f"W-{n:03d}", "test")
    store.close()
    out.put(("waves", 0, 0))


def test_concurrent_moves_and_waves_keep_the_stock_true(tmp_path: Path) -> None:
    path = tmp_path / "moves.db"
    store = new_store(path)
    add_floor_users(store, "supervisor", "boss1", "boss2")
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 60, location="A-01")]), "p.csv"
    )
    set_bin_kind(store, ADMIN, "R-01", "reserve")
    set_bin_kind(store, ADMIN, "R-02", "reserve")
    set_bin_kind(store, ADMIN, "D-01", "damaged")
    store.close()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    out = context.Queue()
    workers = [
        context.Process(target=_mover, args=(str(path), user, seed, start, out))
        for seed, user in enumerate(("boss1", "boss2"))
    ]
    workers.append(context.Process(target=_waver, args=(str(path), start, out)))
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    moved = sum(done for user, done, _refused in results if user != "waves")
    assert moved > 0

    store = open_store(path)
    try:
        assert stock_check(store) == []
        assert sum(row["on_hand"] for row in list_bins(store, "SKU-A")) == 60
        assert store.scalar("SELECT count(*) FROM stock_ledger WHERE kind = 'move'") == 2 * moved
        assert (
            store.scalar("SELECT count(*) FROM stock WHERE on_hand < 0 OR reserved > on_hand") == 0
        )
        assert (
            store.scalar(
                "SELECT coalesce(sum(reserved), 0) FROM stock s JOIN locations l ON l.code = s.bin"
                " WHERE l.kind = 'damaged'"
            )
            == 0
        )
    finally:
        store.close()
