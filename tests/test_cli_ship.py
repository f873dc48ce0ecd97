"""`wareterm shipments` and what `orders show --json` says of an order packed and shipped."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from core.clock import FixedClock
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import NOW
from tests.data.test_packing import CABLE, CUP, PIN, build_bench

Run = Callable[..., Result]


def _json(result: Result) -> object:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _pack_and_ship_the_rush_order(db: Path) -> str:
    floor = SqliteFloor(open_store(db, FixedClock(NOW)))
    packer = floor.login("chen.jie", PIN, "bench-1")
    picklist = floor.store.scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-RUSH'")
    floor.pack_scan(packer, f"P:{picklist:06d}", "wedge")
    floor.pack_scan(packer, CUP, "wedge")
    floor.pack_scan(packer, CABLE, "wedge")
    closed = floor.finish_pack(packer, "O-RUSH", 1250, 2)
    shipment = closed.view.to_ship[0].shipment
    assert shipment is not None
    floor.pack_scan(packer, shipment.waybills[0], "wedge")
    return shipment.waybills[1]


def test_shipments_list_show_and_the_order_after_packing_and_shipping(
    wareterm: Run, db_path: Path
) -> None:
    build_bench(db_path)
    last_parcel = _pack_and_ship_the_rush_order(db_path)
    order = _json(wareterm("orders", "show", "O-RUSH", "--json"))
    assert isinstance(order, dict)
    assert order["status"] == "packed"  # one of its two parcels is still at the bench
    assert [(line["picked"], line["packed"]) for line in order["lines"]] == [(1, 1), (1, 1)]
    shipment = order["shipment"]
    assert shipment["weight_g"] == 1250 and len(shipment["waybills"]) == 2
    assert [p["status"] for p in shipment["packages"]] == ["shipped", "labelled"]
    assert [p["label_status"] for p in shipment["packages"]] == ["queued", "queued"]
    listed = _json(wareterm("shipments", "list", "--status", "packed", "--json"))
    assert [row["order_no"] for row in listed] == ["O-RUSH"]  # type: ignore[index]
    by_waybill = _json(wareterm("shipments", "show", last_parcel, "--json"))
    assert by_waybill["order_no"] == "O-RUSH"  # type: ignore[index]
    _pack = SqliteFloor(open_store(db_path, FixedClock(NOW)))
    _pack.pack_scan(_pack.login("chen.jie", PIN, "bench-1"), last_parcel, "wedge")
    order = _json(wareterm("orders", "show", "O-RUSH", "--json"))
    assert order["status"] == "shipped" and order["shipped_at"]  # type: ignore[index]
    assert order["shipment"]["status"] == "shipped"  # type: ignore[index]
    text = wareterm("shipments", "show", "O-RUSH")
    assert text.exit_code == 0 and last_parcel in text.stdout


def test_unknown_shipments_and_statuses_are_refused(wareterm: Run, db_path: Path) -> None:
    build_bench(db_path)
    missing = wareterm("shipments", "show", "NOPE-1")
    assert missing.exit_code == 1 and "NOPE-1" in missing.stderr
    assert wareterm("shipments", "list", "--status", "lost").exit_code == 2
    assert _json(wareterm("shipments", "list", "--json")) == []
