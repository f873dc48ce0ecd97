"""Orders: import with review and allocation, due times, holds, release and cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.clock import from_iso
from core.errors import NotFound, Rejected
from data import catalog, orders, settings, waves
from data.store import Store
from tests.data.builders import (
    ADMIN,
    DATA_TABLES,
    new_store,
    order_rows,
    orders_csv,
    orders_json,
    problems_of,
    product,
    products_csv,
    status_of,
    stock,
    table_contents,
)

PLACED = "2026-11-21T09:00:00+08:00"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 10, location="A-1"),
                product("SKU-B", 5, location="A-2"),
                product("SKU-C", 0, location="A-3"),
            ]
        ),
        "products.csv",
    )
    return store


def _import(store: Store, *order_sets: list[dict], name: str = "orders.csv"):
    return orders.import_orders(store, ADMIN, orders_csv(*order_sets), name)


def _reserved_by_lines(store: Store, sku: str) -> int:
    return store.scalar(
        "SELECT coalesce(sum(l.reserved), 0) FROM order_lines l JOIN orders o"
        " ON o.order_no = l.order_no WHERE l.sku = ? AND o.status != 'cancelled'",
        (sku,),
    )


# -- import -------------------------------------------------------------------------------------


def test_a_good_order_is_allocated_and_reserves_its_stock(store: Store) -> None:
    report = _import(store, order_rows("O-1", [("SKU-A", 3), ("SKU-B", 2)]))
    assert report.stored == ["O-1"] and not report.rejected and not report.held
    assert status_of(store, "O-1") == "allocated"
    assert stock(store, "SKU-A") == (10, 3)
    assert stock(store, "SKU-B") == (5, 2)
    lines = store.query("SELECT sku, qty, reserved, picked FROM order_lines ORDER BY line_no")
    assert lines == [
        {"sku": "SKU-A", "qty": 3, "reserved": 3, "picked": 0},
        {"sku": "SKU-B", "qty": 2, "reserved": 2, "picked": 0},
    ]
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'order.import'") == 1


def test_not_enough_stock_backorders_without_reserving_anything(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 3), ("SKU-B", 6)]))
    assert status_of(store, "O-1") == "backordered"
    assert stock(store, "SKU-A") == (10, 0)
    assert stock(store, "SKU-B") == (5, 0)
    assert store.scalar("SELECT sum(reserved) FROM order_lines") == 0


def test_two_lines_of_one_sku_are_added_up_before_reserving(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-B", 3), ("SKU-B", 3)]))
    assert status_of(store, "O-1") == "backordered"
    assert stock(store, "SKU-B") == (5, 0)


def test_stock_goes_to_orders_in_file_order_until_it_runs_out(store: Store) -> None:
    _import(
        store,
        order_rows("O-1", [("SKU-B", 3)]),
        order_rows("O-2", [("SKU-B", 3)]),
        order_rows("O-3", [("SKU-B", 2)]),
    )
    assert [status_of(store, n) for n in ("O-1", "O-2", "O-3")] == [
        "allocated",
        "backordered",
        "allocated",
    ]
    assert stock(store, "SKU-B") == (5, 5)


def test_malformed_order_is_rejected_whole(store: Store) -> None:
    bad = order_rows("O-BAD", [("SKU-A", 1), ("SKU-B", 1)])
    bad[1]["qty"] = "two"
    report = _import(
        store, order_rows("O-1", [("SKU-A", 1)]), bad, order_rows("O-2", [("SKU-A", 1)])
    )
    assert report.stored == ["O-1", "O-2"]
    [rejection] = report.rejected
    assert rejection.key == "O-BAD"
    assert rejection.line == 4  # header, O-1, O-BAD's first row, then its bad row
    assert "qty" in rejection.reason
    assert store.scalar("SELECT count(*) FROM orders WHERE order_no = 'O-BAD'") == 0
    assert store.scalar("SELECT count(*) FROM order_lines WHERE order_no = 'O-BAD'") == 0
    assert store.scalar("SELECT count(*) FROM order_problems WHERE order_no = 'O-BAD'") == 0
    assert stock(store, "SKU-A") == (10, 2)  # only O-1 and O-2 reserved


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("placed_at", "yesterday", "placed_at"),
        ("placed_at", "", "placed_at"),
        ("priority", "urgent", "priority"),
        ("payment_status", "maybe", "payment_status"),
        ("qty", "0", "qty"),
        ("qty", "-2", "qty"),
        ("qty", "1.5", "qty"),
        ("sku", "", "sku"),
    ],
)
def test_each_malformed_field_rejects_the_order(
    store: Store, field: str, value: str, words: str
) -> None:
    before = table_contents(store)
    rows = order_rows("O-BAD", [("SKU-A", 1)])
    rows[0][field] = value
    report = _import(store, rows)
    assert [(r.line, r.key) for r in report.rejected] == [(2, "O-BAD")]
    assert words in report.rejected[0].reason
    assert table_contents(store) == before


def test_rows_of_one_order_that_disagree_reject_it(store: Store) -> None:
    rows = order_rows("O-BAD", [("SKU-A", 1), ("SKU-B", 1)])
    rows[1]["city"] = "上海市"
    report = _import(store, rows)
    assert [(r.line, r.key) for r in report.rejected] == [(3, "O-BAD")]
    assert "city" in report.rejected[0].reason
    assert store.scalar("SELECT count(*) FROM orders") == 0


def test_row_without_order_number_is_rejected_with_its_line(store: Store) -> None:
    rows = order_rows("", [("SKU-A", 1)])
    report = _import(store, order_rows("O-1", [("SKU-A", 1)]), rows)
    assert report.stored == ["O-1"]
    assert [(r.line, r.key) for r in report.rejected] == [(3, "")]


def test_reported_lines_are_file_lines(store: Store) -> None:
    """A quoted field spanning two lines, CRLF endings and a BOM do not shift line numbers."""
    bad = order_rows("O-BAD", [("SKU-A", "x")])
    content = orders_csv(order_rows("O-1", [("SKU-A", 1)], address="文三路\n90号"), bad)
    for variant in (content, content.replace(b"\n", b"\r\n"), b"\xef\xbb\xbf" + content):
        report = orders.import_orders(store, ADMIN, variant, "orders.csv")
        assert [(r.line, r.key) for r in report.rejected] == [(4, "O-BAD")]
    assert store.scalar("SELECT address FROM orders WHERE order_no = 'O-1'") == "文三路\n90号"


def test_a_file_that_cannot_be_read_stores_nothing(store: Store) -> None:
    before = table_contents(store)
    with pytest.raises(Rejected, match="missing columns"):
        orders.import_orders(store, ADMIN, b"order_no,sku\nO-1,SKU-A\n", "orders.csv")
    with pytest.raises(Rejected, match="JSON"):
        orders.import_orders(store, ADMIN, b'[{"order_no": "O-1"', "orders.json")
    assert table_contents(store) == before


def test_json_orders_with_nested_lines(store: Store) -> None:
    bad = order_rows("J-BAD", [("SKU-A", 1)])
    bad[0]["qty"] = 0
    content = orders_json(order_rows("J-1", [("SKU-A", 2), ("SKU-B", 1)]), bad)
    report = orders.import_orders(store, ADMIN, content, "orders.json")
    assert report.stored == ["J-1"]
    [rejection] = report.rejected
    assert rejection.key == "J-BAD"
    assert rejection.line > 2  # the line of the second object in the file
    assert status_of(store, "J-1") == "allocated"
    assert store.scalar("SELECT count(*) FROM orders WHERE order_no = 'J-BAD'") == 0


def test_json_order_without_lines_is_rejected(store: Store) -> None:
    content = b'[{"order_no": "J-1", "placed_at": "2026-11-21T09:00:00+08:00", "lines": []}]'
    report = orders.import_orders(store, ADMIN, content, "orders.json")
    assert [r.key for r in report.rejected] == ["J-1"]
    assert store.scalar("SELECT count(*) FROM orders") == 0


def test_reimporting_an_order_number_skips_it(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)]))
    changed = order_rows("O-1", [("SKU-A", 5)])
    report = _import(store, changed, order_rows("O-2", [("SKU-B", 1)]))
    assert report.stored == ["O-2"]
    assert [(s.line, s.key) for s in report.skipped] == [(2, "O-1")]
    assert "skipped" in report.skipped[0].reason
    assert store.scalar("SELECT qty FROM order_lines WHERE order_no = 'O-1'") == 1
    assert stock(store, "SKU-A") == (10, 1)


def test_importing_the_same_file_twice_changes_nothing(store: Store) -> None:
    content = orders_csv(
        order_rows("O-1", [("SKU-A", 2), ("SKU-B", 1)]),
        order_rows("O-2", [("SKU-C", 1)]),
        order_rows("O-3", [("SKU-A", 1)], payment_status="pending"),
        order_rows("O-4", [("NOPE", 1)]),
    )
    first = orders.import_orders(store, ADMIN, content, "orders.csv")
    assert len(first.stored) == 4
    before = table_contents(store, DATA_TABLES)
    second = orders.import_orders(store, ADMIN, content, "orders.csv")
    assert second.stored == [] and len(second.skipped) == 4 and not second.rejected
    assert table_contents(store, DATA_TABLES) == before


# -- review: holds ------------------------------------------------------------------------------


def test_unpaid_order_is_held_without_reserving(store: Store) -> None:
    report = _import(store, order_rows("O-1", [("SKU-A", 1)], payment_status="pending"))
    assert report.held == ["O-1"] and report.stored == ["O-1"]
    assert status_of(store, "O-1") == "on_hold"
    assert problems_of(store, "O-1") == ["unpaid"]
    assert stock(store, "SKU-A") == (10, 0)


def test_failed_payment_is_a_problem(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], payment_status="failed"))
    assert problems_of(store, "O-1") == ["payment_failed"]


def test_unknown_sku_is_a_problem(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1), ("SKU-NEW", 1)]))
    assert status_of(store, "O-1") == "on_hold"
    assert problems_of(store, "O-1") == ["unknown_sku"]
    detail = store.scalar("SELECT detail FROM order_problems WHERE order_no = 'O-1'")
    assert "SKU-NEW" in detail
    assert stock(store, "SKU-A") == (10, 0)


@pytest.mark.parametrize("field", ["customer_name", "phone", "city", "address", "province"])
def test_incomplete_address_is_a_problem(store: Store, field: str) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], **{field: ""}))
    assert status_of(store, "O-1") == "on_hold"
    assert problems_of(store, "O-1") == ["incomplete_address"]


def test_every_problem_is_recorded(store: Store) -> None:
    _import(store, order_rows("O-1", [("NOPE", 1)], payment_status="pending", city=""))
    assert problems_of(store, "O-1") == ["incomplete_address", "unknown_sku", "unpaid"]


def test_an_order_abroad_needs_no_province(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], country="de", province=""))
    assert status_of(store, "O-1") == "allocated"
    assert store.scalar("SELECT country FROM orders") == "DE"


# -- due times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("priority", "hours"), [("rush", 4), ("standard", 24), ("deferred", 72)])
def test_due_time_follows_priority(store: Store, priority: str, hours: int) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], priority=priority))
    row = store.query("SELECT placed_at, due_at FROM orders")[0]
    assert from_iso(row["placed_at"]) == datetime.fromisoformat(PLACED)
    assert from_iso(row["due_at"]) - from_iso(row["placed_at"]) == timedelta(hours=hours)
    assert row["due_at"].endswith("+00:00")  # stored in UTC: sorts as text


def test_missing_priority_is_standard_and_time_without_offset_is_china_time(
    store: Store,
) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], priority="", placed_at="2026-11-21 09:00"))
    row = store.query("SELECT priority, placed_at, due_at FROM orders")[0]
    assert row["priority"] == "standard"
    assert row["placed_at"] == "2026-11-21T01:00:00+00:00"
    assert row["due_at"] == "2026-11-22T01:00:00+00:00"


def test_sla_setting_changes_later_imports_only(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)], priority="rush"))
    with store.write(ADMIN) as write:
        settings.put(write, "sla.rush_hours", "2")
    _import(store, order_rows("O-2", [("SKU-A", 1)], priority="rush"))
    due = {row["order_no"]: row["due_at"] for row in store.query("SELECT * FROM orders")}
    assert due["O-1"] == "2026-11-21T05:00:00+00:00"
    assert due["O-2"] == "2026-11-21T03:00:00+00:00"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("sla.rush_hours", "0"),
        ("sla.rush_hours", "soon"),
        ("no.such", "1"),
        ("wave.max_orders", "-1"),
    ],
)
def test_bad_settings_are_rejected(store: Store, key: str, value: str) -> None:
    with pytest.raises(Rejected), store.write(ADMIN) as write:
        settings.put(write, key, value)
    assert store.scalar("SELECT count(*) FROM settings") == 0


# -- backorders ---------------------------------------------------------------------------------


def test_cancelling_an_allocated_order_lets_a_backordered_one_allocate(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-B", 4)]), order_rows("O-2", [("SKU-B", 3)]))
    assert status_of(store, "O-2") == "backordered"
    orders.cancel_order(store, ADMIN, "O-1", "customer asked")
    assert status_of(store, "O-1") == "cancelled"
    assert status_of(store, "O-2") == "allocated"
    assert stock(store, "SKU-B") == (5, 3)
    assert _reserved_by_lines(store, "SKU-B") == 3


def test_more_stock_allocates_backorders_most_urgent_first(store: Store) -> None:
    _import(
        store,
        order_rows("O-LATE", [("SKU-C", 2)], priority="deferred"),
        order_rows("O-RUSH", [("SKU-C", 2)], priority="rush"),
    )
    assert status_of(store, "O-LATE") == status_of(store, "O-RUSH") == "backordered"
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-C", 3, location="A-3")]),
        "p.csv",
        adjust_reason="delivery",
    )
    assert orders.allocate_waiting(store, ADMIN) == ["O-RUSH"]
    assert status_of(store, "O-RUSH") == "allocated"
    assert status_of(store, "O-LATE") == "backordered"
    assert stock(store, "SKU-C") == (3, 2)
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-C", 4, location="A-3")]),
        "p.csv",
        adjust_reason="delivery",
    )
    assert orders.allocate_waiting(store, ADMIN) == ["O-LATE"]
    assert stock(store, "SKU-C") == (4, 4)


# -- release of holds ---------------------------------------------------------------------------


def test_releasing_an_unpaid_hold_allocates_it(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 2)], payment_status="pending"))
    result = orders.release_order(store, ADMIN, "O-1")
    assert result["status"] == "allocated"
    assert result["problems"] == []
    assert "unpaid" in result["waived"]
    assert stock(store, "SKU-A") == (10, 2)
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'order.release'") == 1


def test_releasing_a_hold_without_stock_backorders_it(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-C", 1)], city=""))
    assert orders.release_order(store, ADMIN, "O-1")["status"] == "backordered"


def test_unknown_sku_hold_is_refused_until_the_product_exists(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-NEW", 2)], payment_status="pending"))
    with pytest.raises(Rejected, match="SKU-NEW"):
        orders.release_order(store, ADMIN, "O-1")
    assert status_of(store, "O-1") == "on_hold"
    assert problems_of(store, "O-1") == ["unknown_sku", "unpaid"]
    assert store.scalar("SELECT waived FROM orders") == ""

    catalog.import_products(store, ADMIN, products_csv([product("SKU-NEW", 5)]), "p.csv")
    result = orders.release_order(store, ADMIN, "O-1")
    assert result["status"] == "allocated"
    assert stock(store, "SKU-NEW") == (5, 2)


def test_only_held_orders_can_be_released(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)]))
    with pytest.raises(Rejected):
        orders.release_order(store, ADMIN, "O-1")
    with pytest.raises(NotFound):
        orders.release_order(store, ADMIN, "NOPE")


# -- cancellation -------------------------------------------------------------------------------


def test_cancel_frees_the_reservation(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 3), ("SKU-B", 2)]))
    result = orders.cancel_order(store, ADMIN, "O-1", "  duplicate order  ")
    assert result["status"] == "cancelled"
    assert result["cancel_reason"] == "duplicate order"
    assert stock(store, "SKU-A") == (10, 0) and stock(store, "SKU-B") == (5, 0)
    assert store.scalar("SELECT sum(reserved) FROM order_lines") == 0
    assert result["putaway"] == []
    audit = store.query("SELECT subject, detail FROM audit WHERE action = 'order.cancel'")
    assert audit[0]["subject"] == "O-1" and "duplicate order" in audit[0]["detail"]


@pytest.mark.parametrize("payment", ["pending", "paid"])
def test_held_and_backordered_orders_can_be_cancelled(store: Store, payment: str) -> None:
    _import(store, order_rows("O-1", [("SKU-C", 1)], payment_status=payment))
    orders.cancel_order(store, ADMIN, "O-1", "no longer wanted")
    assert status_of(store, "O-1") == "cancelled"
    assert stock(store, "SKU-C") == (0, 0)


def test_cancel_needs_a_reason(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)]))
    with pytest.raises(Rejected, match="reason"):
        orders.cancel_order(store, ADMIN, "O-1", "   ")
    assert status_of(store, "O-1") == "allocated"


def test_cancelled_or_shipped_orders_cannot_be_cancelled(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)]), order_rows("O-2", [("SKU-A", 1)]))
    orders.cancel_order(store, ADMIN, "O-1", "first")
    with pytest.raises(Rejected, match="cancelled"):
        orders.cancel_order(store, ADMIN, "O-1", "again")
    with store.write(ADMIN) as write:
        write.execute("UPDATE orders SET status = 'shipped' WHERE order_no = 'O-2'")
        write.audit("test.ship", "O-2")
    before = table_contents(store)
    with pytest.raises(Rejected, match="shipped"):
        orders.cancel_order(store, ADMIN, "O-2", "too late")
    assert table_contents(store) == before
    with pytest.raises(NotFound):
        orders.cancel_order(store, ADMIN, "NOPE", "x")


def test_cancel_after_picking_records_putaway_and_removes_unpicked_units(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 3)]), order_rows("O-2", [("SKU-A", 2)]))
    [picklist_id] = waves.release_wave(store, ADMIN, max_orders=5, orders_per_list=5)["picklists"]
    # Two of O-1's units picked, none of O-2's.
    with store.write(ADMIN) as write:
        write.execute("UPDATE order_lines SET picked = 2 WHERE order_no = 'O-1'")
        write.execute("UPDATE pick_shares SET picked = 2 WHERE order_no = 'O-1'")
        write.execute("UPDATE pick_lines SET picked = 2")
        write.execute("UPDATE picklists SET status = 'picking', picker = 'li.na'")
        write.execute("UPDATE orders SET status = 'picking'")
        write.audit("test.pick", "list")
    result = orders.cancel_order(store, ADMIN, "O-1", "customer cancelled")
    assert result["putaway"] == [{"sku": "SKU-A", "qty": 2, "location": "A-1", "status": "open"}]
    assert stock(store, "SKU-A") == (10, 2)  # only O-2's units stay reserved
    line = store.query("SELECT qty, picked FROM pick_lines WHERE picklist_id = ?", (picklist_id,))
    assert line == [{"qty": 4, "picked": 2}]  # O-1's one unpicked unit is off the list
    shares = store.query("SELECT order_no, qty, picked FROM pick_shares ORDER BY order_no")
    assert shares == [
        {"order_no": "O-1", "qty": 2, "picked": 2},
        {"order_no": "O-2", "qty": 2, "picked": 0},
    ]
    assert store.scalar("SELECT status FROM picklists") == "picking"


def test_cancelling_every_order_of_an_unpicked_list_cancels_the_list(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 1)]))
    [picklist_id] = waves.release_wave(store, ADMIN)["picklists"]
    orders.cancel_order(store, ADMIN, "O-1", "gone")
    assert store.scalar("SELECT status FROM picklists WHERE id = ?", (picklist_id,)) == "cancelled"
    assert waves.claim_next(store, ADMIN) is None


# -- listings -----------------------------------------------------------------------------------


def test_list_orders_most_urgent_first_and_by_status(store: Store) -> None:
    _import(
        store,
        order_rows("O-STD", [("SKU-A", 1)]),
        order_rows("O-RUSH", [("SKU-A", 1)], priority="rush"),
        order_rows("O-HOLD", [("SKU-A", 1)], payment_status="pending", priority="deferred"),
    )
    assert [row["order_no"] for row in orders.list_orders(store)] == ["O-RUSH", "O-STD", "O-HOLD"]
    held = orders.list_orders(store, "on_hold")
    assert [(row["order_no"], row["problems"]) for row in held] == [("O-HOLD", ["unpaid"])]
    assert orders.list_orders(store, "shipped") == []
    with pytest.raises(Rejected):
        orders.list_orders(store, "nonsense")


def test_show_order_shape(store: Store) -> None:
    _import(store, order_rows("O-1", [("SKU-A", 2), ("NOPE", 1)], priority="rush"))
    order = orders.show_order(store, "O-1")
    assert order["order_no"] == "O-1"
    assert order["status"] == "on_hold"
    assert order["priority"] == "rush"
    assert order["due_at"] == "2026-11-21T05:00:00+00:00"
    assert [p["code"] for p in order["problems"]] == ["unknown_sku"]
    assert [
        {k: line[k] for k in ("sku", "qty", "picked", "packed")} for line in order["lines"]
    ] == [
        {"sku": "SKU-A", "qty": 2, "picked": 0, "packed": 0},
        {"sku": "NOPE", "qty": 1, "picked": 0, "packed": 0},
    ]
    with pytest.raises(NotFound):
        orders.show_order(store, "NOPE")
