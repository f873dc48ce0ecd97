"""Labels: an outbound label composed from the order, rendered to ESC/POS and handed to a printer
on a loopback TCP port (the fake printer of the device tests, which reads and answers status)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench import warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.clock import FixedClock
from core.labels import LabelShipment, compose_outbound_label
from data import orders, printing, settings
from data.store import open_store
from devices.outbox import render_job
from devices.printer import PrinterConfig, printer_for
from devices.render import ONE_PART_WIDTH_DOTS, outbound_label_escpos
from tests.devices.fakes import FakeNetworkPrinter

#: One all-Latin order (printed as native text) and one Chinese order (printed as a raster).
LABEL_ORDERS = (
    "order_no,channel,placed_at,priority,payment_status,customer_name,phone,country,province,"
    "city,district,address,postcode,sku,qty,note\n"
    "LB-NATIVE,shop,2026-11-21T10:00:00+08:00,rush,paid,John Smith,13800138000,CN,Zhejiang,"
    "Hangzhou,Xihu,90 Wensan Road Building 3 Room 1201,310000,SKU-000001,1,\n"
    "LB-CJK,tmall,2026-11-21T10:00:00+08:00,rush,paid,王小明,13800138000,CN,浙江省,杭州市,"
    "西湖区,文三路90号东部软件园3号楼1201室,310000,SKU-000001,1,\n"
)


#: The first label of each kind in this process (fonts and printer profiles are loaded then).
_COLD: dict[str, float] = {}


def _print_once(db: Path, order_no: str, config: PrinterConfig) -> float:
    """Compose (from the order in the database), render and send one label; milliseconds."""
    store = open_store(db, FixedClock(warehouse.NOW))
    try:
        began = time.perf_counter()
        label = printing.outbound_label(
            store, order_no, "SF Express", "Standard", "SF1234567890123", 1250
        )
        data = render_job("outbound", printing.outbound_content(label), config)
        printer = printer_for(config)
        printer.open()
        try:
            printer.print_job(data)
            printer.status()  # as the print worker does: the printer has read the whole label
        finally:
            printer.close()
        return (time.perf_counter() - began) * 1000
    finally:
        store.close()


@measurement("label_native_ms", "label_cjk_ms")
def outbound_labels(bench: Bench) -> dict[str, float]:
    """Median of several labels per run, each on a fresh connection (as a print job is)."""
    db = bench.fresh(bench.floor_db)
    store = open_store(db, FixedClock(warehouse.NOW))
    try:
        orders.import_orders(store, warehouse.ADMIN, LABEL_ORDERS.encode(), "labels.csv")
    finally:
        store.close()
    server = FakeNetworkPrinter()
    try:
        config = PrinterConfig.from_url(server.url)
        result = {}
        for name, order_no in (("label_native_ms", "LB-NATIVE"), ("label_cjk_ms", "LB-CJK")):
            times = [_print_once(db, order_no, config) for _ in range(bench.settings.labels)]
            result[name] = statistics.median(times)
            _COLD.setdefault(name, times[0])
            bench.note(
                name,
                f"median of {len(times)} labels per run, each on a new connection; the first"
                f" label in the process took {_COLD[name]:.0f} ms (loading fonts and profiles)",
            )
    finally:
        server.stop()
    return result


def _ewaybill_once(db: Path, order_no: str) -> float:
    """Compose an e-waybill label (一联单) from the order in the database with the routing data
    an API returns, masked, and render it to ESC/POS at 76 mm (600 dots); milliseconds."""
    store = open_store(db, FixedClock(warehouse.NOW))
    try:
        began = time.perf_counter()
        order = store.query("SELECT * FROM orders WHERE order_no = ?", (order_no,))[0]
        label = compose_outbound_label(
            printing.label_order(order),
            LabelShipment(
                "京东物流 JD",
                "标准快递",
                "JDE0000000001",
                weight_g=1250,
                mark_destination="浙-杭州 西湖 03",
                package_name="杭州集包",
                sorting_code="571-W12",
            ),
            settings.sender(store),
            warehouse.NOW.date(),
            privacy=True,
        )
        data = outbound_label_escpos(label, ONE_PART_WIDTH_DOTS, "raster")
        assert data
        return (time.perf_counter() - began) * 1000
    finally:
        store.close()


@measurement("label_ewaybill_ms")
def ewaybill_label(bench: Bench) -> dict[str, float]:
    """The 76×130 mm e-waybill: composed and drawn; median of several, each on a new
    connection (as a print job is)."""
    db = bench.fresh(bench.floor_db)
    store = open_store(db, FixedClock(warehouse.NOW))
    try:
        orders.import_orders(store, warehouse.ADMIN, LABEL_ORDERS.encode(), "labels.csv")
    finally:
        store.close()
    times = [_ewaybill_once(db, "LB-CJK") for _ in range(bench.settings.labels)]
    name = "label_ewaybill_ms"
    _COLD.setdefault(name, times[0])
    bench.note(
        name,
        f"median of {len(times)} labels (76x130, raster at 600 dots), each on a new"
        f" connection; the first in the process took {_COLD[name]:.0f} ms (loading fonts)",
    )
    return {name: statistics.median(times)}
