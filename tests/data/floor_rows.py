"""Rows the pack-and-ship services will write, made directly with SQL for the supervisor's and
the report's tests (shipments, packages, pack scans, label jobs), and bulk orders by SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import stock as stock_rules
from core.clock import CHINA_TZ, FixedClock, to_iso
from core.model import Role, ShortReason, Verdict
from core.ports import Operator, ScannerLink
from data import catalog, orders, stations, stock, users, waves
from data.floor import SqliteFloor
from data.store import Actor, Store, open_store
from tests.data.builders import ADMIN, ean13, order_rows, orders_csv, product, products_csv
from tests.templates import copy_built

SHIPPER = Actor("test-shipping", "bench-1")


def ship_order(
    store: Store,
    order_no: str,
    at: datetime,
    packer: str = "chen.jie",
    station: str = "bench-1",
    waybill_no: str | None = None,
    carrier: str = "sf",
) -> int:
    """Mark an order packed and shipped at ``at`` as the pack-and-ship flow does: a shipment
    with one package, the order's lines packed, ``orders.shipped_at``, an audit entry.
    Returns the shipment id."""
    when = to_iso(at)
    with store.write(SHIPPER) as write:
        shipment = write.execute(
            "INSERT INTO shipments (order_no, status, carrier, service, choice_reason,"
            " weight_g, weight_source, packages, station, created_by, created_at, packed_by,"
            " packed_at, shipped_by, shipped_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                order_no,
                "shipped",
                carrier,
                "standard",
                "test",
                500,
                "scale",
                1,
                station,
                packer,
                when,
                packer,
                when,
                packer,
                when,
            ),
        ).lastrowid
        assert shipment is not None
        write.execute(
            "INSERT INTO packages (shipment_id, seq, waybill_no, status, shipped_at, shipped_by)"
            " VALUES (?, 1, ?, 'shipped', ?, ?)",
            (shipment, waybill_no or f"SF{shipment:010d}", when, packer),
        )
        lines = write.execute(
            "SELECT l.sku, l.qty, l.reserved, p.location FROM order_lines l"
            " JOIN products p ON p.sku = l.sku WHERE l.order_no = ?",
            (order_no,),
        ).fetchall()
        for line in lines:
            write.execute(
                "UPDATE products SET reserved = reserved - ? WHERE sku = ?",
                (line["reserved"], line["sku"]),
            )
        # the units leave through the stock ledger: from the bins its pick lines drew on, or,
        # for an order made straight into a shipped one, from its SKUs' home bins
        if stock.order_picks(write, order_no, picked_only=False):
            stock.ship_order(write, order_no)
        else:
            rows = {
                row.key: row
                for found in stock.rows_of(write.conn, {line["sku"] for line in lines}).values()
                for row in found
            }
            picks = [((line["sku"], line["location"], ""), line["qty"]) for line in lines]
            stock.save_movements(
                write, stock_rules.ship(rows, picks), stock.Document("order", order_no)
            )
        write.execute(
            "UPDATE order_lines SET packed = qty, reserved = 0 WHERE order_no = ?", (order_no,)
        )
        write.execute(
            "UPDATE orders SET status = 'shipped', shipped_at = ?, packer = ?, pack_station = ?,"
            " updated_at = ? WHERE order_no = ?",
            (when, packer, station, when, order_no),
        )
        write.audit("order.ship", order_no, shipment=shipment)
    return shipment


def start_packing(store: Store, order_no: str, packer: str, station: str = "bench-1") -> None:
    """An order a packer has on the bench (``packing``)."""
    with store.write(SHIPPER) as write:
        write.execute(
            "UPDATE orders SET status = 'packing', packer = ?, pack_station = ? WHERE order_no = ?",
            (packer, station, order_no),
        )
        write.audit("order.packing", order_no, packer=packer)


def pack_scan(
    store: Store,
    user: str,
    order_no: str,
    sku: str | None,
    verdict: str,
    at: datetime,
    station: str = "bench-1",
) -> None:
    """A verification scan at the packing bench (``scans.task = 'pack'``)."""
    with store.write(SHIPPER) as write:
        write.execute(
            "INSERT INTO scans (at, user, station, source, raw, kind, code, sku, verdict,"
            " order_no, message, task) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                to_iso(at),
                user,
                station,
                "serial",
                sku or "?",
                "product",
                sku or "?",
                sku,
                verdict,
                order_no,
                verdict,
                "pack",
            ),
        )
        write.audit(f"pack.{verdict}", order_no)


def label_job(
    store: Store,
    order_no: str,
    status: str,
    station: str = "bench-1",
    error: str = "",
) -> int:
    """An outbound label job of an order in a given status."""
    from data.printing import outbound_content, outbound_label

    content = outbound_content(outbound_label(store, order_no, "sf", "standard", None, 500))
    with store.write(SHIPPER) as write:
        job = write.execute(
            "INSERT INTO print_jobs (station, kind, subject, content, status, attempts,"
            " last_error, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                station,
                "outbound",
                order_no,
                json.dumps(content, ensure_ascii=False, sort_keys=True),
                status,
                1 if status in ("failed", "uncertain") else 0,
                error or None,
                "chen.jie",
                write.now,
                write.now,
            ),
        ).lastrowid
        assert job is not None
        write.audit("print.queue", order_no, job=job)
    return job


def bulk_orders(store: Store, count: int, prefix: str = "BULK") -> None:
    """``count`` allocated-looking orders made by one SQL statement (no lines): due times
    spread over 500 minutes from 2026-11-21 06:00 UTC, many sharing a due time; every 7th is
    rush, every 5th comes from jd, names and phones numbered."""
    with store.write(SHIPPER) as write:
        write.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO orders (order_no, channel, placed_at, priority, payment_status,"
            " customer_name, phone, city, status, due_at, imported_at, updated_at)"
            " SELECT printf('%s-%06d', ?, i), CASE WHEN i % 5 = 0 THEN 'jd' ELSE 'tmall' END,"
            " '2026-11-21T00:00:00+00:00', CASE WHEN i % 7 = 0 THEN 'rush' ELSE 'standard' END,"
            " 'paid', printf('Customer %d', i), printf('138%08d', i), '杭州市',"
            " CASE WHEN i % 3 = 0 THEN 'picking' ELSE 'allocated' END,"
            " strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-11-21 06:00:00',"
            "   printf('+%d minutes', (i * 7919) % 500)),"
            " '2026-11-21T00:00:00+00:00', '2026-11-21T00:00:00+00:00' FROM n",
            (count, prefix),
        )
        write.audit("test.bulk_orders", prefix, count=count)


# --------------------------------------------------------------------------- a supervised floor

#: 2026-11-21 14:00 in Shanghai: the clock of the supervised floor.
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def supervised_floor(path: Path) -> Store:
    """A small warehouse in the middle of a shift (clock fixed at 14:00 Shanghai time).

    - DD-1 (rush, due 13:00: an hour overdue) and DD-2 (standard) on one list, picked in part
      by li.na at hh-1 (one right scan, one wrong item);
    - DD-3 (rush, due 14:30) and DD-4 (deferred) on a second list nobody has claimed;
    - DD-H on hold (unpaid), DD-B backordered (SKU-LOW has 1 free of a safety stock of 3);
    - DD-S shipped at 12:10 by chen.jie; DD-P on chen.jie's bench (packing) with two pack
      scans; DD-X short-picked by wang.fang (exception); a failed label job for DD-S;
    - stations hh-1 (serial scanner held by li.na), bench-1 (printer out of paper), office.

    A copy of the one built first in this process (see tests/templates.py).
    """
    copy_built(_build_supervised_floor, path)
    return open_store(path, FixedClock(NOW))


def _build_supervised_floor(path: Path) -> None:
    store = open_store(path, FixedClock(NOW))
    clock = store.clock
    assert isinstance(clock, FixedClock)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product(
                    "SKU-CUP", 20, name="保温杯 500ml", barcodes=["6901234567892"], location="A-10"
                ),
                product(
                    "SKU-CABLE",
                    20,
                    name="USB-C cable 1m",
                    barcodes=["036000291452"],
                    location="A-2",
                ),
                product(
                    "SKU-TEA", 20, name="铁观音 250g", barcodes=["4006381333931"], location="B-01"
                ),
                product("SKU-MUG", 20, name="Enamel mug", barcodes=["96385074"], location="C-01"),
                product("SKU-LOW", 1, name="Tea tray", location="C-02", safety_stock=3),
            ]
        ),
        "products.csv",
    )
    for name, role, station in (
        ("li.na", "picker", None),
        ("wang.fang", "picker", None),
        ("chen.jie", "packer", None),
        ("zhao.min", "supervisor", None),
    ):
        users.add_user(store, ADMIN, name, role, "1234", station)
    stations.add_station(store, ADMIN, "hh-1", "loop://", "")
    stations.add_station(store, ADMIN, "bench-1", "/dev/ttyUSB0", "tcp://10.0.0.5:9100")
    stations.add_station(store, ADMIN, "office", "", "")

    early = "2026-11-21T07:00:00+08:00"
    floor = SqliteFloor(store)
    # wang.fang takes DD-X's list and closes it short.
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("DD-X", [("SKU-MUG", 2)], placed_at=early, customer_name="王芳")),
        "early.csv",
    )
    waves.release_wave(store, ADMIN)
    wang = floor.login("wang.fang", "1234", "hh-2")
    clock.at = NOW - timedelta(minutes=50)
    view = floor.claim_next_pick(wang)
    assert view is not None and view.current is not None
    floor.short_pick(wang, view.picklist_id, view.current.line_id, ShortReason.NOT_FOUND)
    # li.na takes DD-1 and DD-2: one right scan, one wrong item.
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows(
                "DD-1",
                [("SKU-CUP", 1), ("SKU-CABLE", 1)],
                priority="rush",
                placed_at="2026-11-21T09:00:00+08:00",
                customer_name="张伟",
            ),
            order_rows(
                "DD-2",
                [("SKU-CUP", 1), ("SKU-TEA", 1)],
                placed_at="2026-11-21T08:00:00+08:00",
                customer_name="Anna Müller",
                channel="jd",
            ),
        ),
        "morning.csv",
    )
    waves.release_wave(store, ADMIN)
    li = floor.login("li.na", "1234", "hh-1")
    clock.at = NOW - timedelta(minutes=20)
    view = floor.claim_next_pick(li)
    assert view is not None
    floor.pick_scan(li, view.picklist_id, "036000291452", "serial")
    clock.at = NOW - timedelta(minutes=6)
    floor.pick_scan(li, view.picklist_id, "96385074", "serial")
    clock.at = NOW - timedelta(minutes=5)
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows(
                "DD-3",
                [("SKU-TEA", 1)],
                priority="rush",
                placed_at="2026-11-21T10:30:00+08:00",
                customer_name="李娜",
            ),
            order_rows(
                "DD-4",
                [("SKU-MUG", 1)],
                priority="deferred",
                placed_at="2026-11-21T11:00:00+08:00",
                customer_name="Bob Lee",
                channel="douyin",
            ),
            order_rows(
                "DD-H",
                [("SKU-CUP", 1)],
                payment_status="pending",
                placed_at="2026-11-21T11:30:00+08:00",
                customer_name="赵敏",
            ),
            order_rows(
                "DD-B",
                [("SKU-LOW", 5)],
                placed_at="2026-11-21T12:00:00+08:00",
                customer_name="陈杰",
            ),
            order_rows("DD-S", [("SKU-CABLE", 2)], placed_at=early, customer_name="周杰"),
            order_rows(
                "DD-P",
                [("SKU-CABLE", 1), ("SKU-TEA", 1)],
                placed_at=early,
                customer_name="吴磊",
            ),
        ),
        "noon.csv",
    )
    waves.release_wave(store, ADMIN, priority="rush")
    waves.release_wave(store, ADMIN, priority="deferred")
    # The bench: DD-S shipped, DD-P being checked, a failed label.
    clock.at = NOW - timedelta(minutes=110)
    ship_order(store, "DD-S", clock.at)
    clock.at = NOW - timedelta(minutes=3)
    start_packing(store, "DD-P", "chen.jie")
    pack_scan(store, "chen.jie", "DD-P", "SKU-CABLE", "ok", clock.at)
    pack_scan(store, "chen.jie", "DD-P", "SKU-MUG", "wrong_item", clock.at)
    label_job(store, "DD-S", "failed", error="printer offline: connection refused")
    with store.immediate():
        store.conn.execute(
            "INSERT INTO device_states VALUES ('bench-1', 'printer', 'paper_out', '', ?)",
            (to_iso(clock.at),),
        )
    clock.at = NOW
    floor.claim_scanner(li)
    floor.report_scanner(li, ScannerLink("connected"))
    store.close()


# --------------------------------------------------------------------------- a constructed day

A, B, C, D = (ean13(n) for n in (1, 2, 3, 4))


def cst(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026, China Standard Time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TZ)


def _import(store: Store, clock: FixedClock, at: datetime, *rows: list) -> None:
    clock.at = at
    report = orders.import_orders(store, ADMIN, orders_csv(*rows), "orders.csv")
    assert not report.rejected


def _placed(at: datetime) -> str:
    return at.isoformat()


def constructed_day(path: Path) -> Store:
    """The 21st of November, minute by minute (times in China Standard Time):

    - 20th 23:30 DD-0 imported (standard, placed the 20th 10:00: due the 21st 10:00);
    - 08:00 DD-1 (rush, due 12:00), DD-2 (standard), DD-3 (rush, placed 07:00: due 11:00),
      DD-4 (deferred) imported; 15:00 DD-6 (rush, due 19:00, never shipped);
    - li.na picks the rush list DD-1 + DD-3: scans at 08:21 ok, 08:22 ok, 08:23 wrong item,
      08:25 ok, 08:50 unknown code, 08:51 ok (the 25-minute gap is a break);
    - wang.fang closes DD-2's line short at 09:00;
    - chen.jie checks DD-1 at 10:50, 10:51, 10:52 (ok), 10:53 (wrong item), DD-3 at 11:20;
    - shipped: DD-0 09:30 (on time), DD-1 11:00 (on time), DD-3 11:30 (late);
    - DD-4 cancelled at 12:00; on the 22nd at 00:05 a stray scan and 00:10 DD-5 imported.
    """
    clock = FixedClock(cst(20, 22))
    store = open_store(path, clock)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 50, barcodes=[A], location="A-1"),
                product("SKU-B", 50, barcodes=[B], location="A-2"),
                product("SKU-C", 50, barcodes=[C], location="B-1"),
                product("SKU-D", 50, barcodes=[D], location="C-1"),
            ]
        ),
        "products.csv",
    )
    for name, role in (("li.na", "picker"), ("wang.fang", "picker"), ("chen.jie", "packer")):
        users.add_user(store, ADMIN, name, role, "1234")
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    _import(
        store,
        clock,
        cst(20, 23, 30),
        order_rows("DD-0", [("SKU-C", 1)], placed_at=_placed(cst(20, 10))),
    )
    _import(
        store,
        clock,
        cst(21, 8),
        order_rows(
            "DD-1", [("SKU-A", 2), ("SKU-B", 1)], priority="rush", placed_at=_placed(cst(21, 8))
        ),
        order_rows("DD-2", [("SKU-A", 1)], placed_at=_placed(cst(21, 8))),
        order_rows("DD-3", [("SKU-C", 1)], priority="rush", placed_at=_placed(cst(21, 7))),
        order_rows("DD-4", [("SKU-B", 1)], priority="deferred", placed_at=_placed(cst(21, 8))),
    )
    floor = SqliteFloor(store)
    li = Operator("li.na", Role.PICKER, "hh-1")
    wang = Operator("wang.fang", Role.PICKER, "hh-2")
    clock.at = cst(21, 8, 10)
    waves.release_wave(store, ADMIN, priority="rush")
    clock.at = cst(21, 8, 20)
    rush = floor.claim_next_pick(li)
    assert rush is not None
    for minute, code, verdict in (
        (21, A, Verdict.OK),
        (22, A, Verdict.OK),
        (23, D, Verdict.WRONG_ITEM),
        (25, B, Verdict.OK),
        (50, "999", Verdict.UNKNOWN_CODE),
        (51, C, Verdict.OK),
    ):
        clock.at = cst(21, 8, minute)
        assert floor.pick_scan(li, rush.picklist_id, code, "serial").verdict is verdict
    clock.at = cst(21, 8, 30)
    waves.release_wave(store, ADMIN)
    clock.at = cst(21, 8, 40)
    rest = floor.claim_next_pick(wang)
    assert rest is not None and rest.current is not None and rest.current.sku == "SKU-A"
    clock.at = cst(21, 9)
    floor.short_pick(wang, rest.picklist_id, rest.current.line_id, ShortReason.DAMAGED)
    ship_order(store, "DD-0", cst(21, 9, 30))
    for minute, order_no, sku, verdict in (
        (50, "DD-1", "SKU-A", "ok"),
        (51, "DD-1", "SKU-A", "ok"),
        (52, "DD-1", "SKU-B", "ok"),
        (53, "DD-1", "SKU-D", "wrong_item"),
    ):
        pack_scan(store, "chen.jie", order_no, sku, verdict, cst(21, 10, minute))
    ship_order(store, "DD-1", cst(21, 11))
    pack_scan(store, "chen.jie", "DD-3", "SKU-C", "ok", cst(21, 11, 20))
    ship_order(store, "DD-3", cst(21, 11, 30))
    clock.at = cst(21, 12)
    orders.cancel_order(store, ADMIN, "DD-4", "customer cancelled")
    _import(
        store,
        clock,
        cst(21, 15),
        order_rows("DD-6", [("SKU-D", 1)], priority="rush", placed_at=_placed(cst(21, 15))),
    )
    clock.at = cst(22, 0, 5)
    floor.record_scan(li, "L:A-1", "wedge")
    _import(
        store,
        clock,
        cst(22, 0, 10),
        order_rows("DD-5", [("SKU-A", 1)], placed_at=_placed(cst(22, 0, 10))),
    )
    clock.at = cst(22, 2)
    return store
