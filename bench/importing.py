"""Order import: lines per second for a large CSV into a warehouse with a large catalog."""

from __future__ import annotations

import time

from bench import warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.clock import FixedClock
from data import orders, platforms
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


@measurement("import_taobao_lines_per_s")
def import_taobao_lines(bench: Bench) -> dict[str, float]:
    """``data.platforms.import_platform_orders`` of a Taobao export pair (ExportOrderList and
    ExportOrderDetailList, GBK) with as many item rows as the generic import reads: encoding
    detected, files joined on 订单编号, addresses split, then stored as the generic import."""
    lines = bench.sizes.import_lines
    order_bytes, detail_bytes = warehouse.taobao_pair(lines, bench.sizes.products)
    folder = bench.scratch("taobao")
    order_file = folder / "ExportOrderList202611211400.csv"
    detail_file = folder / "ExportOrderDetailList202611211400.csv"
    order_file.write_bytes(order_bytes)
    detail_file.write_bytes(detail_bytes)
    store = open_store(bench.fresh(bench.catalog_db), FixedClock(warehouse.NOW))
    try:
        began = time.perf_counter()
        report = platforms.import_platform_orders(
            store, warehouse.ADMIN, [order_file, detail_file], platform="auto"
        )
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    if report.rejected or report.held or report.skipped:
        raise RuntimeError(f"generated Taobao orders were refused: {report.rejected[:3]}")
    bench.note(
        "import_taobao_lines_per_s",
        f"{lines:,} item rows ({len(report.stored):,} orders), GBK, platform told from the"
        f" headers, into {bench.sizes.products:,} products; every order reviewed and allocated",
    )
    return {"import_taobao_lines_per_s": lines / elapsed}
