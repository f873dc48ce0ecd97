"""``wareterm returns receive|find|close|list|show|link|write-off|reasons`` on a real file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from core.errors import NotFound
from core.model import Role
from core.ports import Operator
from data.returns_desk import SqliteReturnsDesk
from data.store import open_store
from tests.data.builders import (
    NOW,
    add_floor_users,
    ean13,
    order_rows,
    orders_csv,
    product,
    products_csv,
    table_contents,
)
from tests.data.floor_rows import ship_order

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _shipped(wareterm: Run, write_file: Write, db_path: Path) -> None:
    products = products_csv(
        [
            product("SKU-A", 5, barcodes=[ean13(1)], location="A-01"),
            product("SKU-B", 5, barcodes=[ean13(2)], location="A-02"),
        ]
    )
    assert wareterm("import", "products", write_file("p.csv", products)).exit_code == 0
    placed = orders_csv(order_rows("TB-1", [("SKU-A", 2), ("SKU-B", 1)]))
    assert wareterm("import", "orders", write_file("o.csv", placed)).exit_code == 0
    store = open_store(db_path)
    try:
        ship_order(store, "TB-1", NOW, waybill_no="SF0000000001")
    finally:
        store.close()


def test_receive_by_waybill_twice_with_one_key_then_close(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    found = wareterm("returns", "find", "SF0000000001", "--json")
    assert [o["order_no"] for o in json.loads(found.stdout)] == ["TB-1"]
    args = ["returns", "receive", "--waybill", "SF0000000001", "--sku", "SKU-A", "--qty", "1"]
    first = wareterm(*args, "--key", "s1")
    assert first.exit_code == 0, first.output
    assert "RET-01" in first.stdout
    again = wareterm(*args, "--key", "s1")
    assert again.exit_code == 0 and "already received" in again.stdout
    damaged = wareterm(
        "returns", "receive", "--order", "TB-1", "--sku", "SKU-A", "--condition", "damaged",
        "--reason", "破损", "--json",
    )  # fmt: skip
    assert json.loads(damaged.stdout)["bin"] == "DMG-01"
    refused = wareterm("returns", "receive", "--order", "TB-1", "--sku", "SKU-A")
    assert refused.exit_code == 1 and "already back" in refused.stderr
    assert "Traceback" not in refused.output
    listed = json.loads(wareterm("returns", "list", "--json").stdout)
    assert [(r["order_no"], r["units"], r["damaged"]) for r in listed] == [("TB-1", 2, 1)]
    shown = json.loads(wareterm("returns", "show", str(listed[0]["id"]), "--json").stdout)
    assert [r["code"] for r in shown["refused"]] == ["too_many"]
    closed = wareterm("returns", "close", str(listed[0]["id"]))
    assert closed.exit_code == 0 and "shipped" in closed.stdout
    order = json.loads(wareterm("orders", "show", "TB-1", "--json").stdout)
    assert [line["returned"] for line in order["lines"]] == [2, 0]
    report = wareterm("report", "daily", "--csv", "-")
    assert "returns,,units_returned,2" in report.stdout
    assert "return_sku,SKU-A,rate,1.0" in report.stdout
    assert "Returns by SKU" in wareterm("report", "daily").stdout
    assert wareterm("stock", "check").exit_code == 0


def test_an_unidentified_parcel_then_write_off_and_reasons(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    kept = wareterm(
        "returns", "receive", "--unidentified", "--waybill", "YT1", "--carrier", "yto",
        "--sku", "SKU-B", "--qty", "2", "--json",
    )  # fmt: skip
    assert kept.exit_code == 0, kept.output
    parcel = json.loads(kept.stdout)["return"]
    assert wareterm("returns", "link", str(parcel), "--order", "TB-1").exit_code == 1
    done = wareterm("returns", "write-off", str(parcel), "--reason", "no owner")
    assert done.exit_code == 0 and "2" in done.stdout
    assert wareterm("returns", "receive", "--sku", "SKU-B").exit_code == 2
    assert "七天无理由" in wareterm("returns", "reasons", "list").stdout
    assert "换季" in wareterm("returns", "reasons", "add", "换季").stdout
    assert "换季" not in wareterm("returns", "reasons", "remove", "换季").stdout
    assert wareterm("stock", "check").exit_code == 0


def test_intercept_commands_refuse_a_shipped_order_and_list_none(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    refused = wareterm("orders", "intercept", "TB-1", "--reason", "refund")
    assert refused.exit_code == 1 and "return" in refused.stderr
    assert "Traceback" not in refused.output
    assert json.loads(wareterm("orders", "intercepts", "--json").stdout) == []
    assert wareterm("orders", "intercept-confirm", "TB-1").exit_code == 1


def test_exchange_refused_refund_and_resend_commands(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    exchanged = wareterm(
        "returns", "receive", "--order", "TB-1", "--sku", "SKU-A", "--kind", "exchange",
        "--exchange-sku", "SKU-B", "--reason", "发错货",
    )  # fmt: skip
    assert exchanged.exit_code == 0, exchanged.output
    assert "TB-1-HH1" in exchanged.stdout
    resent = wareterm("returns", "resend", "TB-1", "--sku", "SKU-B", "--reason", "少件")
    assert resent.exit_code == 0 and "TB-1-BF1" in resent.stdout
    assert wareterm("returns", "refund", "TB-1", "--reason", "质量问题").exit_code == 0
    refused = json.loads(wareterm("returns", "refused", "--order", "TB-1", "--json").stdout)
    assert refused["order_status"] == "returned"
    assert [(u["sku"], u["qty"]) for u in refused["units"]] == [("SKU-A", 1), ("SKU-B", 1)]
    assert wareterm("returns", "refused", "--order", "TB-1").exit_code == 1
    assert wareterm("stock", "check").exit_code == 0


def test_an_after_sales_export_makes_expected_returns_matched_by_return_waybill(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    export = write_file(
        "as.csv",
        "after_sales_no,order_no,return_waybill,type,reason,sku,qty\n"
        "AS-1,TB-1,yt777,return,七天无理由,SKU-A,1\n"
        "AS-2,TB-404,YT778,return,质量问题,SKU-A,1\n"
        "AS-3,TB-1,YT779,swap,质量问题,SKU-A,1\n",
    )
    first = json.loads(wareterm("returns", "import", export, "--json").stdout)
    assert (first["stored"], first["already"], len(first["refused"])) == (1, 0, 2)
    again = json.loads(wareterm("returns", "import", export, "--json").stdout)
    assert (again["stored"], again["already"]) == (0, 1)
    received = wareterm(
        "returns", "receive", "--waybill", "YT777", "--sku", "SKU-A", "--reason", "七天无理由"
    )
    assert received.exit_code == 0, received.output
    expected = json.loads(wareterm("returns", "expected", "--json").stdout)
    assert [(e["after_sales_no"], e["qty"], e["received"]) for e in expected] == [("AS-1", 1, 1)]
    assert wareterm("stock", "check").exit_code == 0


def test_receive_into_a_bin_nobody_knows_is_refused_as_at_the_bench(
    wareterm: Run, write_file: Write, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shipped(wareterm, write_file, db_path)
    store = open_store(db_path)
    try:
        # the returns bench refuses a scanned bin it does not know
        add_floor_users(store, "packer", "wang.fang")
        desk = SqliteReturnsDesk(store)
        bench = Operator("wang.fang", Role.PACKER, "bench-1")
        with pytest.raises(NotFound) as at_the_bench:
            desk.receive_unit(bench, "TB-1", "L:R-99", "k1")
        before = table_contents(store, ("locations", "returns", "stock"))
    finally:
        store.close()
    args = ["returns", "receive", "--order", "TB-1", "--sku", "SKU-A"]
    for condition in ("good", "damaged"):
        refused = wareterm(*args, "--condition", condition, "--reason", "破损", "--bin", "r-99")
        assert refused.exit_code == 1, refused.output
        assert refused.stderr.strip() == f"error: {at_the_bench.value}"
        assert "Traceback" not in refused.output
    assert table_contents(db_path, ("locations", "returns", "stock")) == before
    # in Chinese, in the same words as the bench's
    monkeypatch.setenv("WARETERM_LANG", "zh_CN")
    refused = wareterm(*args, "--bin", "R-99")
    assert refused.stderr.strip() == "错误：没有货位 R-99；请扫描已有的货位"
    monkeypatch.delenv("WARETERM_LANG")
    # a bin the warehouse knows is taken
    wareterm("stock", "bin-kind", "R-99", "returns")
    taken = wareterm(*args, "--bin", "R-99", "--json")
    assert taken.exit_code == 0, taken.output
    assert json.loads(taken.stdout)["bin"] == "R-99"
