"""Order import: lines per second for a large CSV into a warehouse with a large catalog."""

from __future__ import annotations

import time

from bench import warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.clock import FixedClock
from data import orders
from data.store import open_store


@measurement("import_order_lines_per_s")
def import_order_lines(bench: Bench) -> dict[str, float]:
    """``data.orders.import_orders`` (parse, review, allocate, store with audit, in chunks)
    on a fresh copy of the catalog; the file is read from memory."""
    lines = bench.sizes.import_lines
    content = warehouse.orders_csv(lines, bench.sizes.products)
    store = open_store(bench.fresh(bench.catalog_db), FixedClock(warehouse.NOW))
    try:
        began = time.perf_counter()
        report = orders.import_orders(store, warehouse.ADMIN, content, "orders.csv")
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    if report.rejected or report.held:
        raise RuntimeError(f"generated orders were refused: {report.rejected[:3]}")
    bench.note(
        "import_order_lines_per_s",
        f"{lines:,} lines ({len(report.stored):,} orders) into {bench.sizes.products:,} products;"
        " every order reviewed and allocated",
    )
    return {"import_order_lines_per_s": lines / elapsed}
