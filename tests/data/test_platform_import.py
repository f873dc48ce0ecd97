"""Platform exports in: Taobao's two files, JD, Pinduoduo and Douyin, in GBK, UTF-8 with a BOM
and .xlsx, written here the way the platforms write them, imported into a real database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from core.errors import Rejected
from data import catalog, orders, platforms
from data.store import Store
from tests.data.builders import ADMIN, new_store, problems_of, product, products_csv, status_of

TAOBAO_ORDERS = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
    "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
    "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "物流公司",
    "订单备注", "宝贝总数量", "店铺名称",
]  # fmt: skip
TAOBAO_DETAILS = [
    "订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
    "订单状态", "商家编码",
]  # fmt: skip
PDD = [
    "商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "用户实付金额(元)",
    "商品数量(件)", "收货人", "手机", "收货地址", "支付时间", "承诺发货时间", "商品id",
    "商品规格", "商家编码-规格维度", "商家编码-商品维度", "商家备注", "买家留言", "售后状态",
    "快递单号", "快递公司",
]  # fmt: skip
DOUYIN = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码",
    "商品单价", "订单应付金额", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址",
    "买家留言", "订单提交时间", "支付完成时间", "订单状态", "快递信息",
]  # fmt: skip
JD = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
    "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "订单备注", "货号",
]  # fmt: skip


def csv_bytes(header: list[str], rows: list[dict[str, str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode(encoding)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product(f"SKU-{c}", 50, location=f"A-{c}") for c in "ABCD"]),
        "products.csv",
    )
    return store


def order(store: Store, order_no: str) -> dict:
    rows = store.query("SELECT * FROM orders WHERE order_no = ?", (order_no,))
    assert rows, f"order {order_no} not stored"
    return rows[0]


def lines(store: Store, order_no: str) -> list[tuple[str, int]]:
    return [
        (row["sku"], row["qty"])
        for row in store.query(
            "SELECT sku, qty FROM order_lines WHERE order_no = ? ORDER BY line_no", (order_no,)
        )
    ]


def taobao_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A Taobao export as the seller centre writes it: GBK, ="…" around numbers, a phone with
    a leading apostrophe, the address as one string with its postcode."""
    orders = [
        {
            "订单编号": '="3012345678901234"',
            "买家会员名": "tb_buyer1",
            "订单状态": "买家已付款，等待卖家发货",
            "买家留言": "请用顺丰",
            "收货人姓名": "张三",
            "收货地址": "浙江省 杭州市 西湖区 文三路 100 号 2 幢(310012)",
            "联系手机": "'13812345678",
            "订单创建时间": "2026-11-20 09:58:00",
            "订单付款时间": "2026-11-20 10:00:00",
            "宝贝种类": "2",
            "宝贝总数量": "3",
        },
        {
            "订单编号": '="3012345678901235"',
            "订单状态": "等待买家付款",
            "收货人姓名": "李四",
            "收货地址": "北京 北京市 朝阳区 建国路 88 号(100022)",
            "联系手机": "'13900001111",
            "订单创建时间": "2026/11/20 11:00:00",
        },
        {
            "订单编号": '="3012345678901236"',
            "订单状态": "交易关闭",
            "收货人姓名": "王五",
            "收货地址": "广东省 深圳市 南山区 科技园(518000)",
            "联系手机": "'13700002222",
            "订单创建时间": "2026-11-20 12:00:00",
        },
        {
            "订单编号": '="3012345678901237"',
            "订单状态": "买家已付款，等待卖家发货",
            "收货人姓名": "赵六",
            "收货地址": "火星 奥林帕斯山 1 号",
            "联系手机": "'13600003333",
            "订单付款时间": "2026-11-20 13:00:00",
        },
    ]
    details = [
        {"订单编号": '="3012345678901234"', "标题": "杯子", "购买数量": "2", "商家编码": "SKU-A"},
        {"订单编号": '="3012345678901234"', "标题": "盘子", "购买数量": "1", "商家编码": "SKU-B"},
        {"订单编号": '="3012345678901235"', "标题": "杯子", "购买数量": "1", "商家编码": "SKU-A"},
        {"订单编号": '="3012345678901236"', "标题": "碗", "购买数量": "4", "商家编码": "SKU-C"},
        {"订单编号": '="3012345678901237"', "标题": "碗", "购买数量": "1", "商家编码": "SKU-C"},
    ]
    order_file = tmp_path / "ExportOrderList202611201530.csv"
    detail_file = tmp_path / "ExportOrderDetailList202611201530.csv"
    order_file.write_bytes(csv_bytes(TAOBAO_ORDERS, orders, "gbk"))
    detail_file.write_bytes(csv_bytes(TAOBAO_DETAILS, details, "gbk"))
    return order_file, detail_file


def test_taobao_pair_in_gbk_imports_joined_orders(store: Store, tmp_path: Path) -> None:
    order_file, detail_file = taobao_pair(tmp_path)
    # Given in either order; told apart by header and name.
    report = platforms.import_platform_orders(
        store, ADMIN, [detail_file, order_file], shop="杯子旗舰店"
    )
    assert sorted(report.stored) == ["3012345678901234", "3012345678901235", "3012345678901237"]
    assert [s.key for s in report.skipped] == ["3012345678901236"]
    assert "交易关闭" in report.skipped[0].reason
    assert report.rejected == []

    paid = order(store, "3012345678901234")
    assert (paid["channel"], paid["shop"]) == ("taobao", "杯子旗舰店")
    assert (paid["province"], paid["city"], paid["district"]) == ("浙江省", "杭州市", "西湖区")
    assert (paid["address"], paid["postcode"]) == ("文三路 100 号 2 幢", "310012")
    assert (paid["customer_name"], paid["phone"]) == ("张三", "13812345678")
    assert paid["placed_at"].startswith("2026-11-20T02:00:00")  # 10:00 CST, kept in UTC
    assert lines(store, "3012345678901234") == [("SKU-A", 2), ("SKU-B", 1)]
    assert status_of(store, "3012345678901234") == "allocated"

    unpaid = order(store, "3012345678901235")
    assert (unpaid["province"], unpaid["city"], unpaid["district"]) == (
        "北京市",
        "北京市",
        "朝阳区",
    )
    assert status_of(store, "3012345678901235") == "on_hold"
    assert problems_of(store, "3012345678901235") == ["unpaid"]

    assert status_of(store, "3012345678901237") == "on_hold"
    assert problems_of(store, "3012345678901237") == ["incomplete_address"]
    detail = store.scalar(
        "SELECT detail FROM order_problems WHERE order_no = ?", ("3012345678901237",)
    )
    assert "火星 奥林帕斯山 1 号" in detail
    assert not store.query("SELECT 1 FROM orders WHERE order_no = '3012345678901236'")

    again = platforms.import_platform_orders(store, ADMIN, [order_file, detail_file])
    assert again.stored == [] and len(again.skipped) == 4


def test_half_a_taobao_pair_is_refused_naming_the_other_file(store: Store, tmp_path: Path) -> None:
    order_file, detail_file = taobao_pair(tmp_path)
    with pytest.raises(Rejected, match="ExportOrderList") as refused:
        platforms.import_platform_orders(store, ADMIN, [detail_file])
    assert "taobao" in str(refused.value)
    with pytest.raises(Rejected, match="ExportOrderDetailList"):
        platforms.import_platform_orders(store, ADMIN, [order_file])
    assert store.scalar("SELECT count(*) FROM orders") == 0


def test_taobao_detail_without_its_order_and_order_without_items(
    store: Store, tmp_path: Path
) -> None:
    order_file = tmp_path / "ExportOrderList1.csv"
    detail_file = tmp_path / "ExportOrderDetailList1.csv"
    base = {"订单状态": "买家已付款，等待卖家发货", "收货人姓名": "张三", "联系手机": "13812345678"}
    address = {
        "收货地址": "浙江省 杭州市 西湖区 文三路 1 号",
        "订单付款时间": "2026-11-20 10:00:00",
    }
    order_file.write_bytes(
        csv_bytes(
            TAOBAO_ORDERS,
            [{**base, **address, "订单编号": "T1"}, {**base, **address, "订单编号": "T2"}],
            "gbk",
        )
    )
    detail_file.write_bytes(
        csv_bytes(
            TAOBAO_DETAILS,
            [
                {"订单编号": "T1", "购买数量": "1", "商家编码": "SKU-A"},
                {"订单编号": "T9", "购买数量": "1", "商家编码": "SKU-A"},
            ],
            "gbk",
        )
    )
    report = platforms.import_platform_orders(store, ADMIN, [order_file, detail_file])
    assert report.stored == ["T1"]
    reasons = {r.key: r.reason for r in report.rejected}
    assert set(reasons) == {"T2", "T9"}
    assert "no items" in reasons["T2"] and "is not in" in reasons["T9"]


def test_pdd_utf8_bom_masked_rows_held_and_promised_time_is_the_due_time(
    store: Store, tmp_path: Path
) -> None:
    rows = [
        {
            "订单号": "\t261120-012345678901234",
            "订单状态": "待发货",
            "商品数量(件)": "3",
            "收货人": "陈**",
            "手机": "151****3175",
            "收货地址": "江苏省苏州市姑苏区****",
            "支付时间": "2026-11-20 08:00:00",
            "承诺发货时间": "2026-11-22 08:00:00",
            "商家编码-规格维度": "SKU-B",
            "商家编码-商品维度": "SPU-B",
        },
        {
            "订单号": "\t261120-012345678909999",
            "订单状态": "待发货",
            "商品数量(件)": "1",
            "收货人": "周七",
            "手机": "15100001111",
            "收货地址": "江苏省 苏州市 姑苏区 人民路 8 号",
            "支付时间": "2026-11-20 09:00:00",
            "承诺发货时间": "2026-11-21 23:59:59",
            "商家编码-规格维度": "SKU-C",
        },
        {
            "订单号": "\t261120-000000000000001",
            "订单状态": "已发货，待收货",
            "商品数量(件)": "1",
            "支付时间": "2026-11-19 09:00:00",
            "商家编码-规格维度": "SKU-C",
        },
    ]
    path = tmp_path / "orders_export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(PDD, rows, "utf-8"))
    report = platforms.import_platform_orders(store, ADMIN, [path], platform="pdd")
    assert report.rejected == []
    assert sorted(report.stored) == ["261120-012345678901234", "261120-012345678909999"]
    assert [s.key for s in report.skipped] == ["261120-000000000000001"]

    masked = order(store, "261120-012345678901234")
    assert masked["channel"] == "pdd"
    assert lines(store, "261120-012345678901234") == [("SKU-B", 3)]
    assert masked["due_at"].startswith("2026-11-22T00:00:00")  # 08:00 CST in UTC
    assert problems_of(store, "261120-012345678901234") == ["masked_recipient"]
    with pytest.raises(Rejected, match="masked"):
        orders.release_order(store, ADMIN, "261120-012345678901234")  # no label with masked text
    plain = order(store, "261120-012345678909999")
    assert (plain["city"], plain["district"], plain["address"]) == (
        "苏州市",
        "姑苏区",
        "人民路 8 号",
    )
    assert plain["due_at"].startswith("2026-11-21T15:59:59")
    assert status_of(store, "261120-012345678909999") == "allocated"


def test_douyin_tab_ids_bom_and_masked_subordersd(store: Store, tmp_path: Path) -> None:
    common = {
        "省": "上海市",
        "市": "上海市",
        "区": "浦东新区",
        "订单提交时间": "2026-11-20 10:00:00",
        "支付完成时间": "2026-11-20 10:01:00",
        "订单状态": "待发货",
    }
    rows = [
        {
            **common,
            "主订单编号": "\t6920000000000000001",
            "子订单编号": "\t6920000000000000002",
            "商品数量": "1",
            "商家编码": "SKU-A",
            "收件人": "刘**",
            "收件人手机号": "$$Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==$$",
            "详细地址": "##5a6B5LiA5Liq5Zyw5Z2A##",
        },
        {
            **common,
            "主订单编号": "\t6920000000000000001",
            "子订单编号": "\t6920000000000000003",
            "商品数量": "2",
            "商家编码": "SKU-D",
            "收件人": "刘**",
            "收件人手机号": "$$Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==$$",
            "详细地址": "##5a6B5LiA5Liq5Zyw5Z2A##",
        },
        {
            **common,
            "主订单编号": "\t6920000000000000010",
            "子订单编号": "\t6920000000000000011",
            "商品数量": "1",
            "商家编码": "SKU-A",
            "收件人": "孙八",
            "收件人手机号": "13512345678",
            "详细地址": "世纪大道 100 号",
            "快递信息": "SF1234567890-顺丰速运",
        },
    ]
    path = tmp_path / "抖店订单.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(DOUYIN, rows, "utf-8"))
    report = platforms.import_platform_orders(store, ADMIN, [path])
    assert sorted(report.stored) == ["6920000000000000001", "6920000000000000010"]
    assert lines(store, "6920000000000000001") == [("SKU-A", 1), ("SKU-D", 2)]
    assert order(store, "6920000000000000001")["channel"] == "douyin"
    assert problems_of(store, "6920000000000000001") == ["masked_recipient"]
    plain = order(store, "6920000000000000010")
    assert (plain["province"], plain["district"], plain["address"]) == (
        "上海市",
        "浦东新区",
        "世纪大道 100 号",
    )
    assert status_of(store, "6920000000000000010") == "allocated"


def test_jd_xlsx_read_row_by_row(store: Store, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(JD)
    values = {
        "订单状态": "等待出库",
        "客户姓名": "吴九",
        "客户地址": "四川成都市武侯区天府大道 1 号",
        "联系电话": "13012345678",
        "下单时间": "2026-11-20 10:00:00",
    }
    for order_no, sku, qty in ((280000000001, "SKU-A", 2), (280000000001, "SKU-C", 1)):
        row = {**values, "订单号": order_no, "货号": sku, "订购数量": qty}
        sheet.append([row.get(name, "") for name in JD])
    path = tmp_path / "jd_orders.xlsx"
    book.save(path)
    report = platforms.import_platform_orders(store, ADMIN, [path], platform="auto")
    assert report.stored == ["280000000001"] and report.rejected == []
    assert lines(store, "280000000001") == [("SKU-A", 2), ("SKU-C", 1)]
    stored = order(store, "280000000001")
    assert (stored["channel"], stored["province"], stored["city"], stored["district"]) == (
        "jd",
        "四川省",
        "成都市",
        "武侯区",
    )
    assert stored["address"] == "天府大道 1 号"


def test_generic_csv_in_gbk_is_read_not_refused(store: Store, tmp_path: Path) -> None:
    header = "order_no,placed_at,payment_status,customer_name,phone,province,city,address,sku,qty"
    row = "G-1,2026-11-20T10:00:00+08:00,paid,张三,13812345678,浙江省,杭州市,文三路 1 号,SKU-A,2"
    path = tmp_path / "orders.csv"
    path.write_bytes(f"{header}\r\n{row}\r\n".encode("gbk"))
    report = platforms.import_platform_orders(store, ADMIN, [path], shop="小店")
    assert report.stored == ["G-1"] and report.rejected == []
    stored = order(store, "G-1")
    assert (stored["customer_name"], stored["address"], stored["shop"]) == (
        "张三",
        "文三路 1 号",
        "小店",
    )


def test_unknown_layout_names_expected_columns_and_the_guess(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(["订单号", "订单状态", "数量", "备注"], [{"订单号": "1"}], "gbk"))
    with pytest.raises(Rejected) as refused:
        platforms.import_platform_orders(store, ADMIN, [path])
    message = str(refused.value)
    assert "unknown layout" in message and "closest is" in message
    assert "商家编码-规格维度" in message or "货号" in message or "商家编码" in message
    assert store.scalar("SELECT count(*) FROM orders") == 0


def test_unknown_status_word_rejects_that_order_only(store: Store, tmp_path: Path) -> None:
    rows = [
        {"订单号": "P1", "订单状态": "待发货", "商品数量(件)": "1", "商家编码-规格维度": "SKU-A",
         "收货人": "周七", "手机": "15100001111", "收货地址": "江苏省 苏州市 姑苏区 人民路 8 号",
         "支付时间": "2026-11-20 09:00:00"},
        {"订单号": "P2", "订单状态": "火星状态", "商品数量(件)": "1", "商家编码-规格维度": "SKU-A",
         "支付时间": "2026-11-20 09:00:00"},
    ]  # fmt: skip
    path = tmp_path / "pdd.csv"
    path.write_bytes(csv_bytes(PDD, rows, "gbk"))
    report = platforms.import_platform_orders(store, ADMIN, [path], platform="pdd")
    assert report.stored == ["P1"]
    assert [(r.key, "火星状态" in r.reason) for r in report.rejected] == [("P2", True)]


def test_custom_profile_file(store: Store, tmp_path: Path) -> None:
    profile = tmp_path / "erp.json"
    profile.write_text(
        '{"name": "myerp", "channel": "erp", "address_one_string": true,'
        ' "files": [{"role": "lines", "required": ["order_no", "sku", "qty"],'
        ' "columns": {"order_no": "单号", "sku": "编码", "qty": "数量", "customer_name": "姓名",'
        ' "phone": "电话", "address": "地址", "placed_at": "时间", "status": "状态"}}],'
        ' "statuses": {"已付": "import"}}',
        encoding="utf-8",
    )
    path = tmp_path / "erp.csv"
    path.write_bytes(
        csv_bytes(
            ["单号", "编码", "数量", "姓名", "电话", "地址", "时间", "状态"],
            [
                {
                    "单号": "E1",
                    "编码": "SKU-A",
                    "数量": "1",
                    "姓名": "钱十",
                    "电话": "13812345678",
                    "地址": "湖北省 仙桃市 沙嘴街道 1 号",
                    "时间": "2026-11-20 10:00",
                    "状态": "已付",
                },
            ],  # fmt: skip
            "gb18030",
        )
    )
    report = platforms.import_platform_orders(
        store, ADMIN, [path], profile=platforms.load_profile(profile)
    )
    assert report.stored == ["E1"]
    stored = order(store, "E1")
    assert (stored["channel"], stored["province"], stored["city"]) == ("erp", "湖北省", "仙桃市")


def test_a_gbk_file_the_detector_cannot_judge_is_read_if_it_decodes(
    store: Store, tmp_path: Path
) -> None:
    # Escape sequences put charset-normalizer off; the file still decodes as GB18030 strictly.
    row = {"订单号": "P1", "订单状态": "待发货", "商品数量(件)": "1", "商家编码-规格维度": "SKU-A",
           "收货人": "\x1b]0;x\x07张三", "手机": "13812345678",
           "收货地址": "浙江省杭州市西湖区\x1b[2J文三路", "支付时间": "2026-11-20 10:00"}  # fmt: skip
    path = tmp_path / "pdd.csv"
    path.write_bytes(csv_bytes(PDD, [row], "gbk"))
    report = platforms.import_platform_orders(store, ADMIN, [path], platform="pdd")
    assert report.stored == ["P1"]
    assert order(store, "P1")["city"] == "杭州市"


def test_decrypted_addresses_release_a_masked_order(store: Store, tmp_path: Path) -> None:
    rows = [
        {"订单号": "M1", "订单状态": "待发货", "商品数量(件)": "2", "商家编码-规格维度": "SKU-A",
         "收货人": "陈**", "手机": "151****3175", "收货地址": "江苏省苏州市姑苏区****",
         "支付时间": "2026-11-20 10:00"},
        {"订单号": "M2", "订单状态": "待发货", "商品数量(件)": "1", "商家编码-规格维度": "SKU-B",
         "收货人": "刘**", "手机": "152****0000", "收货地址": "江苏省苏州市姑苏区****",
         "支付时间": "2026-11-20 10:00"},
    ]  # fmt: skip
    export = tmp_path / "pdd.csv"
    export.write_bytes(csv_bytes(PDD, rows, "utf-8"))
    platforms.import_platform_orders(store, ADMIN, [export], platform="pdd")
    assert problems_of(store, "M1") == ["masked_recipient"]
    decrypted = tmp_path / "addresses.csv"
    decrypted.write_bytes(
        "order_no,customer_name,phone,address\r\n"
        "M1,陈小明,15112343175,江苏省 苏州市 姑苏区 人民路 8 号(215000)\r\n"
        "M2,刘**,152****0000,江苏省 苏州市 姑苏区 人民路 9 号\r\n"
        "M9,王五,15100000000,江苏省 苏州市 姑苏区 人民路 1 号\r\n".encode("gbk")
    )
    report = platforms.import_addresses(store, ADMIN, decrypted)
    assert report.updated == ["M1"]
    assert {r.key: r.reason for r in report.rejected}.keys() == {"M2", "M9"}
    assert "still masked" in report.rejected[0].reason
    fixed = order(store, "M1")
    assert (fixed["customer_name"], fixed["phone"], fixed["district"], fixed["address"]) == (
        "陈小明",
        "15112343175",
        "姑苏区",
        "人民路 8 号",
    )
    assert fixed["postcode"] == "215000"
    assert status_of(store, "M1") == "allocated" and problems_of(store, "M1") == []
    assert status_of(store, "M2") == "on_hold"
