"""The bulk-ship file (批量发货): one row per waybill under the platform's carrier names,
remembered so the next export adds only new ones; the carrier alias table."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from core.errors import Rejected
from data import bulk_ship, catalog, platforms
from data.store import Store
from tests.data.builders import ADMIN, NOW, new_store, product, products_csv
from tests.data.floor_rows import ship_order
from tests.data.test_platform_import import taobao_pair

PAID = "3012345678901234"


@pytest.fixture
def shipped(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product(f"SKU-{c}", 50, location=f"A-{c}") for c in "ABC"]),
        "p.csv",
    )
    order_file, detail_file = taobao_pair(tmp_path)
    platforms.import_platform_orders(store, ADMIN, [order_file, detail_file])
    ship_order(store, PAID, NOW, waybill_no="SF1000000001", carrier="SF")
    return store


def read_csv(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def test_taobao_file_lists_each_waybill_once(shipped: Store, tmp_path: Path) -> None:
    out = tmp_path / "taobao-ship.csv"
    result = bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out)
    assert (result["rows"], result["unnamed"]) == (1, [])
    assert read_csv(out, "gb18030") == [
        ["订单编号", "物流公司", "运单号"],
        [PAID, "顺丰速运", "SF1000000001"],
    ]
    again = bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out)
    assert again["rows"] == 0 and read_csv(out, "gb18030") == [["订单编号", "物流公司", "运单号"]]
    repeated = bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out, repeat=True)
    assert repeated["rows"] == 1
    # Another platform's file does not carry a Taobao order.
    assert bulk_ship.export_bulk_ship(shipped, ADMIN, "pdd", tmp_path / "pdd.csv")["rows"] == 0


def test_the_alias_table_names_carriers_and_unnamed_ones_wait(
    shipped: Store, tmp_path: Path
) -> None:
    ship_order(
        shipped, "3012345678901237", NOW + timedelta(minutes=5), waybill_no="DB77", carrier="DBL"
    )
    out = tmp_path / "ship.xlsx"
    result = bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out)
    assert (result["rows"], result["unnamed"]) == (1, ["DBL"])
    bulk_ship.set_alias(shipped, ADMIN, "taobao", "dbl", "德邦快递")
    bulk_ship.set_alias(shipped, ADMIN, "taobao", "SF", "顺丰快递")
    later = bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out)
    assert (later["rows"], later["unnamed"]) == (1, [])  # only the one left out before
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["订单编号", "物流公司", "运单号"],
        ["3012345678901237", "德邦快递", "DB77"],
    ]
    everything = bulk_ship.export_bulk_ship(
        shipped, ADMIN, "taobao", tmp_path / "a.csv", repeat=True
    )
    assert everything["rows"] == 2
    assert read_csv(tmp_path / "a.csv", "gb18030")[1][1] == "顺丰快递"


def test_printed_not_yet_shipped_is_listed_unless_shipped_only(
    shipped: Store, tmp_path: Path
) -> None:
    with shipped.write(ADMIN) as write:
        write.execute("UPDATE shipments SET status = 'labelled' WHERE order_no = ?", (PAID,))
        write.audit("test.label_only", PAID)
    out = tmp_path / "ship.csv"
    assert bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out, status="shipped")["rows"] == 0
    assert bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", out, status="printed")["rows"] == 1


def test_bad_requests_are_refused(shipped: Store, tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="amazon"):
        bulk_ship.export_bulk_ship(shipped, ADMIN, "amazon", tmp_path / "x.csv")
    with pytest.raises(Rejected, match=r"\.csv or \.xlsx"):
        bulk_ship.export_bulk_ship(shipped, ADMIN, "taobao", tmp_path / "x.pdf")
    with pytest.raises(Rejected, match="printable"):
        bulk_ship.set_alias(shipped, ADMIN, "taobao", "SF", "\x1b[31m")
    assert not (tmp_path / "x.csv").exists()
