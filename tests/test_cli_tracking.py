"""``wareterm shipments track``, ``import-tracking``, ``problems`` and ``show --json`` events,
on a real file with the 快递鸟 stand-in on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from data import catalog, orders
from data.store import open_store
from tests.data.builders import ADMIN, NOW, order_rows, orders_csv, product, products_csv
from tests.data.floor_rows import ship_order
from tests.kdniao_server import kdniao_stand_in

Run = Callable[..., Result]


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _json(result: Result) -> Any:
    return json.loads(_ok(result).stdout)


@pytest.fixture(autouse=True)
def shipped(wareterm: Run, db_path: Path) -> None:
    _ok(wareterm("init"))
    store = open_store(db_path)
    try:
        catalog.import_products(store, ADMIN, products_csv([product("SKU-A", 10)]), "p.csv")
        orders.import_orders(
            store,
            ADMIN,
            orders_csv(order_rows("TB-1", [("SKU-A", 1)]), order_rows("TB-2", [("SKU-A", 1)])),
            "o.csv",
        )
        ship_order(store, "TB-1", NOW, waybill_no="ZT0000000001", carrier="ZTO")
        ship_order(store, "TB-2", NOW, waybill_no="SF0000000002", carrier="SF")
    finally:
        store.close()


def _status(wareterm: Run, order_no: str) -> str:
    return str(_json(wareterm("orders", "show", order_no, "--json"))["status"])


def test_track_asks_the_api_stores_events_and_delivers(wareterm: Run) -> None:
    with kdniao_stand_in({"1234567": "KEY"}) as server:
        _ok(
            wareterm(
                "carriers", "api", "ZTO", "--provider", "kdniao", "--url", server.url,
                "--ebusiness-id", "1234567", "--key", "KEY",
            )
        )  # fmt: skip
        server.trace(
            "ZT0000000001",
            "3",
            ("2026-11-21 18:00:00", "【杭州市】快件已揽收"),
            ("2026-11-23 11:00:00", "已签收"),
        )
        done = _json(
            wareterm("shipments", "track", "--waybill", "zt0000000001", "--subscribe", "--json")
        )
        assert done["subscribed"] == 1 and server.subscribed == {"ZT0000000001": "ZTO"}
        assert done["stored"] == 2 and done["moved"] == [
            {"order_no": "TB-1", "status": "delivered"}
        ]
        assert _status(wareterm, "TB-1") == "delivered"
        again = _json(wareterm("shipments", "track", "--waybill", "ZT0000000001", "--json"))
        assert again["stored"] == 0 and again["repeated"] == 2
        # every open parcel: the signed one is done, the SF one (no API) is counted, not asked
        asked = len(server.requests)
        open_ = _json(wareterm("shipments", "track", "--all-open", "--json"))
        assert open_["asked"] == 0 and open_["skipped"] == {"SF": 1} and open_["failed"] == []
        assert len(server.requests) == asked
        # one parcel named whose carrier has no API: said so, exit 1
        result = wareterm("shipments", "track", "--waybill", "SF0000000002")
        assert result.exit_code == 1
        assert "SF0000000002" in result.stderr and "import-tracking" in result.stderr
        assert "Traceback" not in result.output
    shown = _json(wareterm("shipments", "show", "ZT0000000001", "--json"))
    events = shown["packages"][0]["events"]
    assert [(e["status"], e["source"]) for e in events] == [
        ("picked_up", "kdniao"),
        ("signed", "kdniao"),
    ]
    order = _json(wareterm("orders", "show", "TB-1", "--json"))
    assert order["shipment"]["packages"][0]["events"] == events
    text = _ok(wareterm("shipments", "show", "ZT0000000001")).stdout
    assert "已签收" in text and "picked up" in text


def test_track_with_the_api_down_says_so_and_keeps_the_order(wareterm: Run) -> None:
    _ok(
        wareterm(
            "carriers", "api", "ZTO", "--provider", "kdniao",
            "--url", "http://127.0.0.1:9/api/EOrderService", "--ebusiness-id", "1", "--key", "K",
        )
    )  # fmt: skip
    result = wareterm("shipments", "track", "--waybill", "ZT0000000001")
    assert result.exit_code == 1 and "快递鸟" in result.stderr
    assert _status(wareterm, "TB-1") == "shipped"
    result = wareterm("shipments", "track")
    assert result.exit_code != 0 and "--all-open" in result.output


def test_import_tracking_refuses_bad_rows_and_lists_problem_parcels(
    wareterm: Run, write_file: Callable[[str, bytes | str], Path]
) -> None:
    path = write_file(
        "t.csv",
        "SF0000000002,运输中,2026-11-22 08:00,到【深圳】\n"
        "SF0000000002,问题件,2026-11-23 08:00,收件人电话错误\n"
        "SF0000000002,丢了,2026-11-23 08:00,\n"
        "XX1,已签收,2026-11-23 08:00,\n",
    )
    result = _ok(wareterm("shipments", "import-tracking", path))
    assert "2 events stored" in result.stdout and "2 rows refused" in result.stdout
    assert "row 3: unknown tracking status" in result.stderr and "row 4:" in result.stderr
    assert _status(wareterm, "TB-2") == "in_transit"
    problems = _json(wareterm("shipments", "problems", "--json"))
    assert [(p["order_no"], p["carrier"], p["problem"]) for p in problems] == [
        ("TB-2", "SF", "收件人电话错误")
    ]
    again = _json(wareterm("shipments", "import-tracking", path, "--json"))
    assert again["stored"] == 0 and again["repeated"] == 2
