"""Merge, split and customer lists from the command line, with a WeChat Shop (微信小店) export
in GBK: ``config set merge.mode``, ``orders merges list|accept|refuse``, ``orders split``,
``customers vip|blacklist add|remove|list``, a catalog with categories and oversize flags."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.data.test_platform_import import csv_bytes

Run = Callable[..., Result]

#: The columns of a WeChat Shop back office order export (订单 → 导出), a subset in their order.
WECHAT = [
    "订单号", "订单下单时间", "订单状态", "发货方式", "收件人姓名", "收件人地址", "省", "市", "区",
    "收件人手机", "买家备注", "商家备注", "订单实际支付金额", "支付时间", "物流公司", "快递单号",
    "商品名称", "商品编码(平台)", "商品编码(自定义)", "SKU编码(自定义)", "商品属性", "商品价格(单件)",
    "商品数量", "商品发货", "商品售后",
]  # fmt: skip


def wechat_row(order_no: str, sku: str, qty: int, status: str = "待发货", **extra: str) -> dict:
    return {
        "订单号": f"\t{order_no}",
        "订单下单时间": "2026-11-21 09:58:00",
        "订单状态": status,
        "支付时间": "2026-11-21 10:00:00",
        "SKU编码(自定义)": sku,
        "商品数量": str(qty),
        "收件人姓名": "陈静",
        "收件人手机": "13812345678",
        "省": "浙江省",
        "市": "杭州市",
        "区": "西湖区",
        "收件人地址": "文三路100号",
        **extra,
    }


def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "products.csv"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sku", "name", "barcodes", "location", "on_hand", "category", "ships_alone"])
    writer.writerow(["SKU-A", "杯子", "", "A-01", "10", "日用品", "0"])
    writer.writerow(["SKU-B", "耳机", "", "A-02", "1", "电子产品", "否"])
    writer.writerow(["SKU-S", "沙发", "", "C-01", "5", "家具", "是"])
    path.write_bytes(out.getvalue().encode())
    return path


def test_a_wechat_export_merges_on_a_supervisors_word_and_splits_its_backorder(
    wareterm: Run, tmp_path: Path
) -> None:
    assert wareterm("import", "products", catalog(tmp_path)).exit_code == 0
    shown = json.loads(wareterm("products", "list", "--json").stdout)
    assert [(p["sku"], p["category"], p["ships_alone"]) for p in shown] == [
        ("SKU-A", "日用品", False),
        ("SKU-B", "电子产品", False),
        ("SKU-S", "家具", True),
    ]
    assert wareterm("config", "set", "merge.mode", "sometimes").exit_code == 1
    assert wareterm("config", "set", "merge.mode", "propose").exit_code == 0
    assert wareterm("config", "set", "split.backorders", "auto").exit_code == 0
    export = tmp_path / "微信小店订单.csv"
    export.write_bytes(
        csv_bytes(
            WECHAT,
            [
                wechat_row("3718000000000001", "SKU-A", 1),
                wechat_row("3718000000000002", "SKU-A", 1),
                wechat_row("3718000000000003", "SKU-B", 3, 收件人姓名="王芳"),
                wechat_row("3718000000000004", "SKU-A", 1, status="待付款"),
                wechat_row("3718000000000005", "SKU-A", 1, status="已取消"),
                wechat_row("3718000000000006", "SKU-A", 1, status="已发货"),
            ],
            "gbk",
        )
    )
    result = wareterm("import", "orders", export, "--shop", "微信小店", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stored"] == 4 and report["on_hold"] == ["3718000000000004"]
    assert sorted(s["key"] for s in report["skipped"]) == ["3718000000000005", "3718000000000006"]
    # the backorder split at import: one unit ships now, two wait
    part = json.loads(wareterm("orders", "show", "3718000000000003-2", "--json").stdout)
    assert part["status"] == "backordered"
    assert [(line["sku"], line["qty"]) for line in part["lines"]] == [("SKU-B", 2)]

    assert wareterm("waves", "release").exit_code == 0
    proposals = json.loads(wareterm("orders", "merges", "list", "--json").stdout)
    (proposal,) = proposals
    assert proposal["status"] == "proposed"
    assert [o["order_no"] for o in proposal["orders"]] == ["3718000000000001", "3718000000000002"]
    table = wareterm("orders", "merges", "list")
    assert "3718000000000001 3718000000000002" in table.stdout
    refused = wareterm("orders", "merges", "refuse", str(proposal["id"]))
    assert refused.exit_code == 2  # --reason is required
    accepted = wareterm("orders", "merges", "accept", str(proposal["id"]))
    assert accepted.exit_code == 0 and "merged into 3718000000000001" in accepted.stdout
    again = wareterm("orders", "merges", "accept", str(proposal["id"]))
    assert again.exit_code == 1 and "merged already" in again.stderr
    lead = json.loads(wareterm("orders", "show", "3718000000000001", "--json").stdout)
    assert [(line["sku"], line["qty"]) for line in lead["lines"]] == [("SKU-A", 2)]
    assert wareterm("orders", "split", "3718000000000001").exit_code == 1


def test_vip_and_blacklist_lists(wareterm: Run, tmp_path: Path) -> None:
    assert wareterm("import", "products", catalog(tmp_path)).exit_code == 0
    added = wareterm(
        "customers", "vip", "add", "--shop", "微信小店", "--phone", "13812345678", "--priority",
        "rush", "--carrier", "sf",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    bad = wareterm("customers", "vip", "add", "--shop", "微信小店", "--priority", "rush")
    assert bad.exit_code == 1 and "--buyer" in bad.stderr
    blocked = wareterm(
        "customers", "blacklist", "add", "--shop", "微信小店", "--phone", "13900001111"
    )
    assert blocked.exit_code == 0
    vips = json.loads(wareterm("customers", "vip", "list", "--json").stdout)
    assert [(v["shop"], v["priority"], v["carrier"]) for v in vips] == [("微信小店", "rush", "SF")]
    export = tmp_path / "orders.csv"
    export.write_bytes(
        csv_bytes(
            WECHAT,
            [
                wechat_row("3718000000000011", "SKU-A", 1),
                wechat_row("3718000000000012", "SKU-A", 1, 收件人手机="13900001111"),
            ],
            "gbk",
        )
    )
    assert wareterm("import", "orders", export, "--shop", "微信小店").exit_code == 0
    vip = json.loads(wareterm("orders", "show", "3718000000000011", "--json").stdout)
    assert vip["priority"] == "rush"
    held = json.loads(wareterm("orders", "show", "3718000000000012", "--json").stdout)
    assert held["status"] == "on_hold"
    assert [p["code"] for p in held["problems"]] == ["blacklisted"]
    removed = wareterm("customers", "vip", "remove", "--shop", "微信小店", "--phone", "13812345678")
    assert removed.exit_code == 0
    missing = wareterm("customers", "vip", "remove", "--shop", "微信小店", "--phone", "13812345678")
    assert missing.exit_code == 1 and "not on the vip list" in missing.stderr
