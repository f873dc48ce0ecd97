"""``wareterm import orders`` with platform exports: several files, --platform, --shop, --profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.data.builders import product, products_csv
from tests.data.test_platform_import import PDD, csv_bytes, taobao_pair

Run = Callable[..., Result]


@pytest.fixture
def with_catalog(wareterm: Run, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(products_csv([product(f"SKU-{c}", 50, location=f"A-{c}") for c in "ABCD"]))
    assert wareterm("import", "products", path).exit_code == 0


def test_taobao_pair_from_the_command_line(
    wareterm: Run, tmp_path: Path, with_catalog: None
) -> None:
    order_file, detail_file = taobao_pair(tmp_path)
    result = wareterm("import", "orders", order_file, detail_file, "--shop", "旗舰店", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stored"] == 3
    assert sorted(report["on_hold"]) == ["3012345678901235", "3012345678901237"]
    assert [s["key"] for s in report["skipped"]] == ["3012345678901236"]
    shown = json.loads(wareterm("orders", "show", "3012345678901234", "--json").stdout)
    assert (shown["shop"], shown["city"]) == ("旗舰店", "杭州市")
    assert [(line["sku"], line["qty"]) for line in shown["lines"]] == [("SKU-A", 2), ("SKU-B", 1)]


def test_half_a_pair_is_refused_with_what_is_missing(
    wareterm: Run, tmp_path: Path, with_catalog: None
) -> None:
    _order_file, detail_file = taobao_pair(tmp_path)
    result = wareterm("import", "orders", detail_file)
    assert result.exit_code == 1
    assert "ExportOrderList" in result.stderr and "Traceback" not in result.stderr


def test_unknown_platform_and_bad_profile_are_clear_errors(
    wareterm: Run, tmp_path: Path, with_catalog: None
) -> None:
    path = tmp_path / "pdd.csv"
    path.write_bytes(csv_bytes(PDD, [], "gbk"))
    unknown = wareterm("import", "orders", path, "--platform", "amazon")
    assert unknown.exit_code == 1 and "amazon" in unknown.stderr and "pdd" in unknown.stderr
    profile = tmp_path / "p.json"
    profile.write_text("{not json", encoding="utf-8")
    bad = wareterm("import", "orders", path, "--profile", profile)
    assert bad.exit_code == 1 and "p.json" in bad.stderr and "Traceback" not in bad.stderr


def test_pdd_gbk_export_is_not_refused_as_not_utf8(
    wareterm: Run, tmp_path: Path, with_catalog: None
) -> None:
    row = {
        "订单号": "261120-1",
        "订单状态": "待发货",
        "商品数量(件)": "2",
        "收货人": "周七",
        "手机": "15100001111",
        "收货地址": "江苏省 苏州市 姑苏区 人民路 8 号",
        "支付时间": "2026-11-20 09:00:00",
        "商家编码-规格维度": "SKU-A",
    }
    path = tmp_path / "pdd.csv"
    path.write_bytes(csv_bytes(PDD, [row], "gbk"))
    result = wareterm("import", "orders", path)
    assert result.exit_code == 0, result.stderr
    assert "1 stored" in result.stdout


def test_bulk_ship_file_and_carrier_alias_from_the_command_line(
    wareterm: Run, tmp_path: Path, db_path: Path, with_catalog: None
) -> None:
    from datetime import UTC, datetime

    from data.store import open_store
    from tests.data.floor_rows import ship_order

    order_file, detail_file = taobao_pair(tmp_path)
    assert wareterm("import", "orders", order_file, detail_file).exit_code == 0
    store = open_store(db_path)
    ship_order(store, "3012345678901234", datetime.now(UTC), waybill_no="SF42", carrier="SF")
    store.close()
    alias = wareterm("carriers", "alias", "taobao", "sf", "顺丰快递")
    assert alias.exit_code == 0, alias.stderr
    out = tmp_path / "ship.csv"
    result = wareterm("shipments", "export", "--platform", "taobao", "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 1
    assert out.read_bytes().decode("gb18030").splitlines()[1] == "3012345678901234,顺丰快递,SF42"
    bad = wareterm("shipments", "export", "--platform", "amazon", "--out", out)
    assert bad.exit_code == 1 and "amazon" in bad.stderr


def test_import_addresses_from_the_command_line(
    wareterm: Run, tmp_path: Path, with_catalog: None
) -> None:
    row = {"订单号": "M1", "订单状态": "待发货", "商品数量(件)": "1", "商家编码-规格维度": "SKU-A",
           "收货人": "陈**", "手机": "151****3175", "收货地址": "江苏省苏州市姑苏区****",
           "支付时间": "2026-11-20 10:00"}  # fmt: skip
    export = tmp_path / "pdd.csv"
    export.write_bytes(csv_bytes(PDD, [row], "utf-8"))
    assert wareterm("import", "orders", export).exit_code == 0
    decrypted = tmp_path / "addresses.csv"
    decrypted.write_text(
        "order_no,customer_name,phone,address\nM1,陈小明,15112343175,江苏省苏州市姑苏区人民路 8 号\n",
        encoding="utf-8",
    )
    result = wareterm("import", "addresses", decrypted, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["updated"] == 1
    shown = json.loads(wareterm("orders", "show", "M1", "--json").stdout)
    assert shown["status"] == "allocated" and shown["customer_name"] == "陈小明"
