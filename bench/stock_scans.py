"""Stock work by scan: receiving, put-away and count scans committed one by one, and a wave
released over stock spread across bins and lots."""

from __future__ import annotations

import io
import statistics
import time
from datetime import timedelta

from bench import warehouse
from bench.harness import Bench
from bench.metrics import measurement
from bench.scanning import _percentile
from core.clock import FixedClock
from data import catalog, orders, receiving, waves
from data.stock import set_bin_kind
from data.store import Store, open_store

#: Scans timed per kind and run.
SCANS = 200
#: Orders in the released wave, lines per order, units per line (more than one lot holds).
WAVE_ORDERS = 20
WAVE_LINES = 3
WAVE_QTY = 6
#: Lots received per SKU of the wave, units per lot.
LOTS = 3
LOT_UNITS = 4


def _timed(call: object, *args: object, **kwargs: object) -> float:
    began = time.perf_counter()
    call(*args, **kwargs)  # type: ignore[operator]
    return (time.perf_counter() - began) * 1000


@measurement("receive_scan_ms_p99", "putaway_scan_ms_p99", "count_scan_ms_p99")
def stock_scans(bench: Bench) -> dict[str, float]:
    """On the generated floor (100,000 products, each in its own bin): a blind receipt takes
    one unit per scan of a product's barcode (``receive_unit``), the receipt is closed, each
    unit is put away to its product's bin by scan (``put_away``), then a count over those
    bins records each bin's units (``count_bin``, as found: approved at once)."""
    count = min(SCANS, bench.settings.commit_scans)
    store = open_store(bench.fresh(bench.floor_db), FixedClock(warehouse.NOW))
    actor = warehouse.ADMIN
    numbers = range(1, count + 1)
    try:
        receiving.open_blind(store, actor, "R-BENCH")
        received = [
            _timed(receiving.receive_unit, store, actor, "R-BENCH", warehouse.ean13(number))
            for number in numbers
        ]
        receiving.close_receipt(store, actor, "R-BENCH")
        put = [
            _timed(
                receiving.put_away,
                store,
                actor,
                warehouse.sku(number),
                1,
                warehouse.bin_code(number),
            )
            for number in numbers
        ]
        bins = [warehouse.bin_code(number) for number in numbers]
        task = receiving.create_count(store, actor, bins=f"{min(bins)}:{max(bins)}")
        counted = []
        for code in sorted(bins):
            found = _bin_contents(store, code)
            counted.append(_timed(receiving.count_bin, store, actor, task["count"], code, found))
    finally:
        store.close()
    bench.note(
        "receive_scan_ms_p99",
        f"{count} scans per kind and run; receive p50 {statistics.median(received):.2f} ms,"
        f" put-away p50 {statistics.median(put):.2f} ms, count p50"
        f" {statistics.median(counted):.2f} ms",
    )
    return {
        "receive_scan_ms_p99": _percentile(received, 0.99),
        "putaway_scan_ms_p99": _percentile(put, 0.99),
        "count_scan_ms_p99": _percentile(counted, 0.99),
    }


def _bin_contents(store: Store, code: str) -> dict[tuple[str, str], int]:
    return {
        (row["sku"], row["lot"]): row["on_hand"]
        for row in store.query(
            "SELECT sku, lot, on_hand FROM stock WHERE bin = ? AND on_hand > 0", (code,)
        )
    }


@measurement("wave_release_ms")
def wave_release(bench: Bench) -> dict[str, float]:
    """``data.waves.release_wave`` of 20 allocated orders (3 lines of 6 units each) whose 60
    lot-tracked SKUs are each held in three lots of 4 units: one in the pick face, two in
    reserve bins, expiring at different dates; every line draws on two lots in two bins."""
    store = open_store(bench.fresh(bench.catalog_db), FixedClock(warehouse.NOW))
    actor = warehouse.ADMIN
    skus = [f"LOT-{n:04d}" for n in range(WAVE_ORDERS * WAVE_LINES)]
    try:
        _stock_in_lots(store, skus)
        report = orders.import_orders(store, actor, _wave_orders(skus), "wave.csv")
        if report.rejected or report.held or len(report.stored) != WAVE_ORDERS:
            raise RuntimeError(f"generated wave orders were refused: {report.rejected[:3]}")
        began = time.perf_counter()
        result = waves.release_wave(store, actor, max_orders=WAVE_ORDERS, orders_per_list=4)
        elapsed = (time.perf_counter() - began) * 1000
        drawn = store.scalar(
            "SELECT count(*) FROM pick_lines l JOIN picklists p ON p.id = l.picklist_id"
            " WHERE l.lot != ''"
        )
    finally:
        store.close()
    bench.note(
        "wave_release_ms",
        f"{WAVE_ORDERS} orders × {WAVE_LINES} lines × {WAVE_QTY} units over {len(skus)} SKUs in"
        f" {LOTS} lots and bins each, beside {bench.sizes.products:,} products;"
        f" {drawn} pick lines drawn from lots ({len(result['picklists'])} lists)",
    )
    return {"wave_release_ms": elapsed}


def _stock_in_lots(store: Store, skus: list[str]) -> None:
    """The SKUs as products without stock, then received in lots and put away: the earliest
    lot to the pick face, the others to two reserve bins."""
    actor = warehouse.ADMIN
    lines = ["sku,name,barcodes,location,on_hand,safety_stock,weight_g"]
    lines += [f"{sku},Lot product {sku},,Z-{n:04d}-PF,0,0,100" for n, sku in enumerate(skus)]
    catalog.import_products(store, actor, "\n".join(lines).encode(), "lots.csv")
    with store.write(actor) as write:
        write.execute(
            f"UPDATE products SET lot_tracked = 1 WHERE sku IN ({','.join('?' * len(skus))})",
            skus,
        )
        write.audit("bench.lots", "products", skus=len(skus))
    for n in range(len(skus)):
        for reserve in (1, 2):
            set_bin_kind(store, actor, f"Z-{n:04d}-R{reserve}", "reserve")
    today = warehouse.NOW.date()
    receiving.open_blind(store, actor, "R-LOTS")
    for sku in skus:
        for lot in range(LOTS):
            receiving.receive_unit(
                store,
                actor,
                "R-LOTS",
                sku,
                LOT_UNITS,
                lot=f"L{lot}",
                expiry=today + timedelta(days=100 + 50 * lot),
            )
    receiving.close_receipt(store, actor, "R-LOTS")
    for n, sku in enumerate(skus):
        for lot, target in enumerate((f"Z-{n:04d}-PF", f"Z-{n:04d}-R1", f"Z-{n:04d}-R2")):
            receiving.put_away(store, actor, sku, LOT_UNITS, target, lot=f"L{lot}")


def _wave_orders(skus: list[str]) -> bytes:
    out = io.StringIO()
    out.write(",".join(warehouse.ORDER_HEADER) + "\n")
    placed = (warehouse.NOW - timedelta(hours=1)).isoformat()
    for number in range(WAVE_ORDERS):
        for line in range(WAVE_LINES):
            sku = skus[number * WAVE_LINES + line]
            out.write(
                f"WV{number:04d},shop,{placed},standard,paid,张伟,13800000000,CN,浙江省,杭州市,"
                f"西湖区,文三路1号,310000,{sku},{WAVE_QTY},\n"
            )
    return out.getvalue().encode()
