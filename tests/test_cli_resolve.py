"""``wareterm orders resolve``: an order in the exception queue picked again, released with
what it has, or cancelled, from a script's view (exit codes, --json, refusals on stderr)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from core.model import Role, ShortReason
from core.ports import Operator
from data import catalog, orders, waves
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    ean13,
    order_rows,
    orders_csv,
    product,
    products_csv,
)

Run = Callable[..., Result]
PICKER = Operator("li.na", Role.PICKER, "hh-1")


def _exceptions(db_path: Path) -> None:
    """Two orders of a cup and a tea each, on one list; the tea bin is found short."""
    store = open_store(db_path)
    add_floor_users(store, "picker", PICKER.name)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", 5, barcodes=[ean13(1)], location="A-01"),
                product("SKU-TEA", 5, barcodes=[ean13(2)], location="B-01"),
            ]
        ),
        "p.csv",
    )
    rows = order_rows("O-1", [("SKU-CUP", 1), ("SKU-TEA", 1)])
    rows += order_rows("O-2", [("SKU-CUP", 1), ("SKU-TEA", 1)], channel="jd")
    orders.import_orders(store, ADMIN, orders_csv(rows), "o.csv")
    waves.release_wave(store, ADMIN, orders_per_list=2)
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    for _unit in range(2):
        assert floor.pick_scan(PICKER, view.picklist_id, ean13(1), "wedge").accepted
    tea = next(line for line in view.lines if line.sku == "SKU-TEA")
    floor.short_pick(PICKER, view.picklist_id, tea.line_id, ShortReason.NOT_FOUND)
    store.close()


def test_resolve_by_release_partial_and_cancel(wareterm: Run, db_path: Path) -> None:
    wareterm("orders", "list")  # makes the file
    _exceptions(db_path)
    nothing = wareterm("orders", "resolve", "O-1", "--reason", "x")
    assert nothing.exit_code == 2 and "--repick" in nothing.stderr
    refused = wareterm("orders", "resolve", "O-1", "--release-partial", "--reason", "cups")
    assert refused.exit_code == 1 and "partial shipments" in refused.stderr
    assert wareterm("config", "set", "ship.partial_channels", "jd").exit_code == 0
    released = wareterm(
        "orders", "resolve", "O-2", "--release-partial", "--reason", "cups", "--json"
    )
    assert released.exit_code == 0, released.output
    assert json.loads(released.stdout)["status"] == "picked"
    flagged = wareterm("orders", "resolve", "O-1", "--repick", "--reason", "again")
    assert flagged.exit_code == 1 and "flagged" in flagged.stderr
    cancelled = wareterm("orders", "resolve", "O-1", "--cancel", "--reason", "gave up")
    assert cancelled.exit_code == 0 and "O-1" in cancelled.stdout
    again = wareterm("orders", "resolve", "O-1", "--cancel", "--reason", "gave up")
    assert again.exit_code == 1 and "exception queue" in again.stderr
    assert wareterm("stock", "check").exit_code == 0
