"""Merge (合单) and split (拆单) on a real database file: a buyer's two Taobao orders become one
pick share, one parcel and one waybill; an order half in stock ships its half; oversize
products travel alone; proposals a supervisor accepts or refuses; the merge log and the
bulk-ship file name every platform order."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.errors import Rejected
from core.importing import ORDER_COLUMNS
from data import (
    bulk_ship,
    merging,
    orders,
    platforms,
    waves,
)
from data.floor import SqliteFloor
from data.stock import stock_check
from data.store import Store
from tests.data.builders import (
    ADMIN,
    SHOP_BARCODES,
    SHOP_PIN,
    order_rows,
    orders_csv,
    pick_everything,
    set_setting,
    shop_floor,
    shop_store,
    status_of,
)
from tests.data.test_platform_import import TAOBAO_DETAILS, TAOBAO_ORDERS, csv_bytes

BARCODES, PIN = SHOP_BARCODES, SHOP_PIN
CHEN_1, CHEN_2, WANG = "3012345600000001", "3012345600000002", "3012345600000003"


def taobao(tmp_path: Path, orders: list[dict], details: list[dict]) -> list[Path]:
    order_file = tmp_path / "ExportOrderList202611211000.csv"
    detail_file = tmp_path / "ExportOrderDetailList202611211000.csv"
    order_file.write_bytes(csv_bytes(TAOBAO_ORDERS, orders, "gbk"))
    detail_file.write_bytes(csv_bytes(TAOBAO_DETAILS, details, "gbk"))
    return [order_file, detail_file]


def header(order_no: str, buyer: str, name: str, address: str, phone: str) -> dict:
    return {
        "订单编号": f'="{order_no}"',
        "买家会员名": buyer,
        "订单状态": "买家已付款，等待卖家发货",
        "收货人姓名": name,
        "收货地址": address,
        "联系手机": f"'{phone}",
        "订单付款时间": "2026-11-21 10:00:00",
    }


def item(order_no: str, sku: str, qty: int) -> dict:
    return {"订单编号": f'="{order_no}"', "标题": sku, "购买数量": str(qty), "商家编码": sku}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return shop_store(tmp_path)


def wide_csv(*orders: list[dict]) -> bytes:
    """An orders CSV with our optional columns too (shop, buyer, cod, merge_token)."""
    columns = [*ORDER_COLUMNS, "shop", "buyer", "cod", "merge_token"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: row.get(c, "") for c in columns} for rows in orders for row in rows)
    return out.getvalue().encode()


def lines_of(store: Store, order_no: str) -> list[tuple[str, int, int]]:
    return [
        (row["sku"], row["qty"], row["reserved"])
        for row in store.query(
            "SELECT sku, qty, reserved FROM order_lines WHERE order_no = ? ORDER BY line_no",
            (order_no,),
        )
    ]


def pack_and_ship(store: Store, floor: SqliteFloor, order_no: str) -> list[str]:
    """Check every unit of the order at the bench, close it, scan its labels: its waybills."""
    packer = floor.login("chen.jie", PIN, "bench-1")
    picklist = store.scalar("SELECT picklist_id FROM orders WHERE order_no = ?", (order_no,))
    assert floor.pack_scan(packer, f"P:{picklist:06d}", "wedge").accepted
    for sku, qty, _reserved in lines_of(store, order_no):
        for _unit in range(qty):
            assert floor.pack_scan(packer, BARCODES[sku], "wedge").accepted
    closed = floor.finish_pack(packer, order_no, 900, 1)
    assert closed.accepted, closed.message
    waybills = orders.show_order(store, order_no)["shipment"]["waybills"]
    for waybill in waybills:
        assert floor.pack_scan(packer, waybill, "wedge").accepted
    assert status_of(store, order_no) == "shipped"
    return list(waybills)


def test_a_buyers_two_orders_ship_as_one_parcel_and_an_order_half_in_stock_ships_its_half(
    store: Store, tmp_path: Path
) -> None:
    set_setting(store, "merge.mode", "auto")
    files = taobao(
        tmp_path,
        [
            header(
                CHEN_1,
                "tb_chen",
                "陈静",
                "浙江省 杭州市 西湖区 文三路 100 号(310012)",
                "13812345678",
            ),
            # the same address typed without spaces, a full-width comma, the same phone
            header(
                CHEN_2, "tb_chen", "陈静", "浙江省杭州市西湖区文三路100号(310012)", "13812345678"
            ),
            header(
                WANG, "tb_wang", "王芳", "北京 北京市 朝阳区 建国路 88 号(100022)", "13900001111"
            ),
        ],
        [
            item(CHEN_1, "SKU-CUP", 1),
            item(CHEN_2, "SKU-CUP", 1),
            item(CHEN_2, "SKU-PLATE", 1),
            item(WANG, "SKU-BOWL", 3),
        ],
    )
    report = platforms.import_platform_orders(store, ADMIN, files, shop="杯子旗舰店")
    assert sorted(report.stored) == [CHEN_1, CHEN_2, WANG] and not report.rejected
    assert status_of(store, WANG) == "backordered"  # one bowl of three is in stock

    split = merging.split_order(store, ADMIN, WANG, "ship the bowl we have")
    part = split["part"]
    assert part == f"{WANG}-2"
    assert (status_of(store, WANG), lines_of(store, WANG)) == ("allocated", [("SKU-BOWL", 1, 1)])
    assert (status_of(store, part), lines_of(store, part)) == ("backordered", [("SKU-BOWL", 2, 0)])

    released = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    assert released["orders"] == 2  # the merged pair and the bowl
    assert status_of(store, CHEN_2) == "merged"
    assert store.scalar("SELECT merged_into FROM orders WHERE order_no = ?", (CHEN_2,)) == CHEN_1
    assert lines_of(store, CHEN_1) == [("SKU-CUP", 2, 2), ("SKU-PLATE", 1, 1)]
    # one pick share carries both orders' cups
    assert store.query(
        "SELECT s.order_no, s.qty FROM pick_shares s JOIN pick_lines l ON l.id = s.pick_line_id"
        " WHERE l.sku = 'SKU-CUP'"
    ) == [{"order_no": CHEN_1, "qty": 2}]
    (logged,) = merging.list_merges(store)
    assert logged["status"] == "merged" and logged["lead_order_no"] == CHEN_1
    assert logged["orders"] == [
        {"order_no": CHEN_1, "lines": [{"sku": "SKU-CUP", "qty": 1}]},
        {
            "order_no": CHEN_2,
            "lines": [{"sku": "SKU-CUP", "qty": 1}, {"sku": "SKU-PLATE", "qty": 1}],
        },
    ]

    floor = shop_floor(store)
    pick_everything(floor)
    (chen_waybill,) = pack_and_ship(store, floor, CHEN_1)
    (wang_waybill,) = pack_and_ship(store, floor, WANG)
    assert stock_check(store) == []
    assert status_of(store, part) == "backordered"

    out = tmp_path / "taobao-ship.csv"
    result = bulk_ship.export_bulk_ship(store, ADMIN, "taobao", out)
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("gb18030"))))
    assert rows[0] == ["订单编号", "物流公司", "运单号"] and result["rows"] == 3
    assert sorted((row[0], row[2]) for row in rows[1:]) == [
        (CHEN_1, chen_waybill),
        (CHEN_2, chen_waybill),
        (WANG, wang_waybill),
    ]
    assert all(row[1] for row in rows[1:])


def test_the_rest_of_a_split_order_ships_under_the_platforms_number_once_stock_comes(
    store: Store, tmp_path: Path
) -> None:
    orders.import_orders(store, ADMIN, orders_csv(order_rows("T-9", [("SKU-BOWL", 2)])), "o.csv")
    part = merging.split_order(store, ADMIN, "T-9")["part"]
    with pytest.raises(Rejected, match="not backordered"):
        merging.split_order(store, ADMIN, "T-9")
    with pytest.raises(Rejected, match="nothing of order"):
        merging.split_order(store, ADMIN, part)  # the one bowl is taken by T-9
    assert store.scalar("SELECT split_from FROM orders WHERE order_no = ?", (part,)) == "T-9"


def test_split_backorders_auto_splits_at_import(store: Store) -> None:
    set_setting(store, "split.backorders", "auto")
    orders.import_orders(
        store, ADMIN, orders_csv(order_rows("T-1", [("SKU-CUP", 1), ("SKU-BOWL", 4)])), "o.csv"
    )
    assert status_of(store, "T-1") == "allocated"
    assert lines_of(store, "T-1") == [("SKU-CUP", 1, 1), ("SKU-BOWL", 1, 1)]
    assert lines_of(store, "T-1-2") == [("SKU-BOWL", 3, 0)]
    assert status_of(store, "T-1-2") == "backordered"


def test_an_oversize_product_gets_its_own_parcel_and_waybill(store: Store) -> None:
    orders.import_orders(
        store, ADMIN, orders_csv(order_rows("T-5", [("SKU-CUP", 1), ("SKU-SOFA", 2)])), "o.csv"
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    assert lines_of(store, "T-5") == [("SKU-CUP", 1, 1)]
    assert lines_of(store, "T-5-2") == [("SKU-SOFA", 1, 1)]
    assert lines_of(store, "T-5-3") == [("SKU-SOFA", 1, 1)]
    placed = {
        row["order_no"]
        for row in store.query("SELECT order_no FROM orders WHERE picklist_id IS NOT NULL")
    }
    assert placed == {"T-5", "T-5-2", "T-5-3"}
    assert store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-SOFA'") == 2

    floor = shop_floor(store)
    pick_everything(floor)
    waybills = [pack_and_ship(store, floor, no)[0] for no in ("T-5", "T-5-2", "T-5-3")]
    assert len(set(waybills)) == 3
    assert stock_check(store) == []


def test_proposals_wait_for_a_supervisor_who_accepts_or_refuses(store: Store) -> None:
    set_setting(store, "merge.mode", "propose")
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("P-1", [("SKU-CUP", 1)]),
            order_rows("P-2", [("SKU-PLATE", 1)], phone="+86 138 0013 8000"),
            order_rows("P-3", [("SKU-CUP", 1)], customer_name="李雷"),
            order_rows("P-4", [("SKU-CUP", 1)], customer_name="李雷"),
        ),
        "o.csv",
    )
    first = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    assert first["orders"] == 0  # both pairs wait for a decision
    proposals = merging.list_merges(store, "proposed")
    assert sorted(p["lead_order_no"] for p in proposals) == ["P-1", "P-3"]
    by_lead = {p["lead_order_no"]: p["id"] for p in proposals}

    accepted = merging.accept_merge(store, ADMIN, by_lead["P-1"])
    assert accepted == {"merge_id": by_lead["P-1"], "lead": "P-1", "merged": ["P-2"]}
    with pytest.raises(Rejected, match="say why"):
        merging.refuse_merge(store, ADMIN, by_lead["P-3"], " ")
    merging.refuse_merge(store, ADMIN, by_lead["P-3"], "two flats in one building")
    with pytest.raises(Rejected, match="refused already"):
        merging.accept_merge(store, ADMIN, by_lead["P-3"])

    second = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    assert second["orders"] == 3  # P-1 with P-2's plate, P-3 and P-4 apart
    assert status_of(store, "P-2") == "merged"
    assert {status_of(store, n) for n in ("P-3", "P-4")} == {"allocated"}
    assert merging.list_merges(store, "proposed") == []  # refused ones are not proposed again


def test_orders_that_may_not_merge_stay_apart(store: Store) -> None:
    set_setting(store, "merge.mode", "auto")
    orders.import_orders(
        store,
        ADMIN,
        wide_csv(
            order_rows("A-1", [("SKU-CUP", 1)]),
            order_rows("A-2", [("SKU-CUP", 1)], payment_status="pending"),  # held unpaid
            order_rows("A-3", [("SKU-CUP", 1)], cod="1"),  # cash on delivery
            order_rows("A-4", [("SKU-CUP", 1)], shop="另一家店"),
            order_rows("A-5", [("SKU-CUP", 1)], customer_name="张*", phone="138****8000"),
            order_rows("A-6", [("SKU-CUP", 1)], customer_name="张*", phone="138****8000"),
            order_rows("A-7", [("SKU-CUP", 1)], buyer="tb_other"),
        ),
        "o.csv",
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=10)
    assert merging.list_merges(store) == []
    assert status_of(store, "A-2") == "on_hold"
    assert {status_of(store, n) for n in ("A-1", "A-3", "A-4", "A-7")} == {"allocated"}
