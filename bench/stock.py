"""Stock: ``stock check`` (the ledger invariant over the whole file) on a million ledger entries."""

from __future__ import annotations

import random
import time

from bench import warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.clock import FixedClock
from data.stock import stock_check
from data.store import open_store

#: Ledger entries, SKUs and the bins each SKU is spread over.
ENTRIES = 1_000_000
SKUS = 20_000
BINS_PER_SKU = 3
KINDS = ("receive", "move", "ship", "adjustment", "put_away", "return")


@measurement("stock_check_s")
def stock_check_time(bench: Bench) -> dict[str, float]:
    """``data.stock.stock_check`` over a file with 1,000,000 ledger entries spread over
    20,000 SKUs in 60,000 stock rows (every row agrees with its ledger)."""
    # The quick warehouse (``--quick``, the test suite's) fills a hundredth: it checks the
    # measurement runs, not how fast; a million entries took most of the quick bench's time.
    full = bench.settings.sizes.products >= warehouse.Sizes().products
    entries = ENTRIES if full else ENTRIES // 100
    folder = bench.scratch("stock")
    store = open_store(folder / "stock.db", FixedClock(warehouse.NOW))
    try:
        _fill(store, entries)
        began = time.perf_counter()
        problems = stock_check(store)
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    if problems:
        raise RuntimeError(f"the generated stock is not true: {problems[:3]}")
    bench.note(
        "stock_check_s",
        f"{entries:,} ledger entries, {SKUS:,} SKUs × {BINS_PER_SKU} bins; every row summed",
    )
    return {"stock_check_s": elapsed}


def _fill(store: object, entries: int) -> None:
    """Products, stock rows and ledger entries that agree, written straight with SQL."""
    rng = random.Random(15)
    conn = store.conn  # type: ignore[attr-defined]
    now = "2026-11-21T06:00:00+00:00"
    sums: dict[tuple[str, str], int] = {}

    def rows():  # type: ignore[no-untyped-def]
        for n in range(entries):
            sku = f"SKU-{n % SKUS:06d}"
            bin_code = f"A-{n % SKUS % 1000:03d}-{n // SKUS % BINS_PER_SKU}"
            qty = rng.randint(1, 50) if n < SKUS * BINS_PER_SKU else rng.randint(-3, 5) or 1
            key = (sku, bin_code)
            if sums.get(key, 0) + qty < 0:
                qty = -qty
            sums[key] = sums.get(key, 0) + qty
            kind = "opening" if n < SKUS * BINS_PER_SKU else KINDS[n % len(KINDS)]
            yield (now, "bench", "bench", kind, sku, bin_code, qty, "bench", "bench", str(n))

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO stock_ledger (at, user, station, kind, sku, bin, qty, reason, doc_type,"
        " doc_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows(),
    )
    totals: dict[str, int] = {}
    for (sku, _bin), total in sums.items():
        totals[sku] = totals.get(sku, 0) + total
    conn.executemany(
        "INSERT INTO products (sku, name, on_hand, updated_at) VALUES (?, ?, ?, ?)",
        [(sku, f"Product {sku}", total, now) for sku, total in totals.items()],
    )
    conn.executemany(
        "INSERT INTO stock (sku, bin, on_hand, updated_at) VALUES (?,?,?,?)",
        [(sku, bin_code, total, now) for (sku, bin_code), total in sums.items()],
    )
    conn.execute("COMMIT")
