"""Waves and pick lists: which orders go out first, line order, consolidation and claiming."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotFound, Rejected
from data import catalog, orders, settings, waves
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    locations_csv,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
)

LI = Actor("li.na", "hh-1")
WANG = Actor("wang.fang", "hh-2")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", 50, location="A-10"),
                product("SKU-CABLE", 50, location="A-2"),
                product("SKU-TEA", 50, location="B-01"),
            ]
        ),
        "p.csv",
    )
    add_floor_users(store, "picker", "li.na", "wang.fang", "zhang.wei")
    return store


def _import(store: Store, *order_sets: list[dict]) -> None:
    report = orders.import_orders(store, ADMIN, orders_csv(*order_sets), "o.csv")
    assert not report.rejected


def _orders_of(store: Store, picklist_id: int) -> list[str]:
    return waves.show_picklist(store, picklist_id)["order_nos"]


def test_most_urgent_due_time_goes_first(store: Store) -> None:
    _import(
        store,
        # placed earliest but deferred: due last
        order_rows(
            "O-DEF", [("SKU-CUP", 1)], priority="deferred", placed_at="2026-11-20T08:00:00+08:00"
        ),
        order_rows(
            "O-STD", [("SKU-CUP", 1)], priority="standard", placed_at="2026-11-21T08:00:00+08:00"
        ),
        # placed last but rush: due first
        order_rows(
            "O-RUSH", [("SKU-CUP", 1)], priority="rush", placed_at="2026-11-21T10:00:00+08:00"
        ),
    )
    first = waves.release_wave(store, ADMIN, max_orders=1)
    assert first["orders"] == 1
    assert _orders_of(store, first["picklists"][0]) == ["O-RUSH"]
    second = waves.release_wave(store, ADMIN, max_orders=1)
    assert _orders_of(store, second["picklists"][0]) == ["O-STD"]
    third = waves.release_wave(store, ADMIN, max_orders=5)
    assert _orders_of(store, third["picklists"][0]) == ["O-DEF"]
    assert waves.release_wave(store, ADMIN) == {"wave_id": None, "picklists": [], "orders": 0}
    assert store.scalar("SELECT count(*) FROM waves") == 3


def test_orders_are_cut_into_lists_in_urgency_order(store: Store) -> None:
    _import(
        store,
        *[
            order_rows(f"O-{n}", [("SKU-TEA", 1)], placed_at=f"2026-11-21T0{n}:00:00+08:00")
            for n in range(1, 6)
        ],
    )
    result = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=2)
    assert result["orders"] == 5
    assert [_orders_of(store, pid) for pid in result["picklists"]] == [
        ["O-1", "O-2"],
        ["O-3", "O-4"],
        ["O-5"],
    ]
    listed = waves.list_picklists(store)
    assert [row["id"] for row in listed] == result["picklists"]  # most urgent first
    assert all(row["status"] == "released" for row in listed)


def test_priority_filter(store: Store) -> None:
    _import(
        store,
        order_rows("O-STD", [("SKU-CUP", 1)]),
        order_rows("O-RUSH", [("SKU-CUP", 1)], priority="rush"),
    )
    result = waves.release_wave(store, ADMIN, priority="STANDARD")
    assert _orders_of(store, result["picklists"][0]) == ["O-STD"]
    assert store.scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-RUSH'") is None
    with pytest.raises(Rejected):
        waves.release_wave(store, ADMIN, priority="urgent")


def test_default_wave_size_comes_from_settings(store: Store) -> None:
    _import(store, *[order_rows(f"O-{n}", [("SKU-TEA", 1)]) for n in range(5)])
    with store.write(ADMIN) as write:
        settings.put(write, "wave.max_orders", "3")
        settings.put(write, "wave.orders_per_list", "2")
    result = waves.release_wave(store, ADMIN)
    assert result["orders"] == 3 and len(result["picklists"]) == 2


def test_only_allocated_orders_are_released(store: Store) -> None:
    _import(
        store,
        order_rows("O-OK", [("SKU-CUP", 1)]),
        order_rows("O-HOLD", [("SKU-CUP", 1)], payment_status="pending"),
        order_rows("O-BACK", [("SKU-CUP", 500)]),
        order_rows("O-GONE", [("SKU-CUP", 1)]),
    )
    orders.cancel_order(store, ADMIN, "O-GONE", "x")
    result = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=10)
    assert _orders_of(store, result["picklists"][0]) == ["O-OK"]


def test_lines_follow_the_walk_and_one_sku_is_one_line(store: Store) -> None:
    _import(
        store,
        order_rows("O-1", [("SKU-TEA", 1), ("SKU-CUP", 2)], priority="standard"),
        order_rows("O-2", [("SKU-CUP", 1), ("SKU-CABLE", 3)], priority="rush"),
        order_rows("O-3", [("SKU-CUP", 4)], priority="deferred"),
    )
    [picklist_id] = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=10)["picklists"]
    shown = waves.show_picklist(store, picklist_id)
    assert shown["order_nos"] == ["O-2", "O-1", "O-3"]
    assert shown["priority"] == "rush"
    lines = [(line["location"], line["sku"], line["qty"]) for line in shown["lines"]]
    assert lines == [("A-2", "SKU-CABLE", 3), ("A-10", "SKU-CUP", 7), ("B-01", "SKU-TEA", 1)]
    cup = shown["lines"][1]
    assert [(s["order_no"], s["qty"]) for s in cup["orders"]] == [
        ("O-2", 1),
        ("O-1", 2),
        ("O-3", 4),
    ]
    assert [line["seq"] for line in shown["lines"]] == [1, 2, 3]
    assert shown["units"] == 11 and shown["orders"] == 3 and shown["code"] == "P:000001"


def test_walk_sequence_overrides_bin_names(store: Store) -> None:
    catalog.import_locations(
        store, ADMIN, locations_csv([("B-01", 10), ("A-10", 20), ("A-2", 30)]), "l.csv"
    )
    _import(store, order_rows("O-1", [("SKU-CUP", 1), ("SKU-CABLE", 1), ("SKU-TEA", 1)]))
    [picklist_id] = waves.release_wave(store, ADMIN)["picklists"]
    assert [line["location"] for line in waves.show_picklist(store, picklist_id)["lines"]] == [
        "B-01",
        "A-10",
        "A-2",
    ]


def test_show_unknown_picklist(store: Store) -> None:
    with pytest.raises(NotFound):
        waves.show_picklist(store, 99)


# -- claiming -----------------------------------------------------------------------------------


@pytest.fixture
def two_lists(store: Store) -> tuple[int, int]:
    _import(
        store,
        order_rows("O-STD", [("SKU-CUP", 1)], priority="standard"),
        order_rows("O-RUSH", [("SKU-TEA", 1)], priority="rush"),
    )
    result = waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=1)
    rush, standard = result["picklists"]
    assert _orders_of(store, rush) == ["O-RUSH"]
    return rush, standard


def test_claim_gives_the_most_urgent_list_and_marks_its_orders_picking(
    store: Store, two_lists: tuple[int, int]
) -> None:
    rush, standard = two_lists
    assert waves.claim_next(store, LI) == rush
    row = store.query(
        "SELECT status, picker, station, claimed_at FROM picklists WHERE id = ?", (rush,)
    )
    assert row == [
        {
            "status": "picking",
            "picker": "li.na",
            "station": "hh-1",
            "claimed_at": "2026-11-21T06:00:00+00:00",
        }
    ]
    assert status_of(store, "O-RUSH") == "picking"
    assert status_of(store, "O-STD") == "allocated"
    assert waves.claim_next(store, WANG) == standard
    assert waves.claim_next(store, Actor("zhang.wei", "hh-3")) is None


def test_a_picker_gets_their_own_list_back(store: Store, two_lists: tuple[int, int]) -> None:
    rush, standard = two_lists
    assert waves.claim_next(store, LI) == rush
    assert waves.claim_next(store, LI) == rush
    assert waves.current_list(store, "li.na") == rush
    assert waves.current_list(store, "wang.fang") is None
    assert store.scalar("SELECT status FROM picklists WHERE id = ?", (standard,)) == "released"
    actions = [
        row["action"]
        for row in store.query("SELECT action FROM audit WHERE action LIKE 'picklist.%'")
    ]
    assert actions[-2:] == ["picklist.claim", "picklist.resume"]
