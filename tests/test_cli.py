"""The ``wareterm`` command: exit 0 on success, 1 when input is rejected (reason on stderr),
2 on usage errors; every listing has ``--json``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from core.clock import FixedClock
from data import schema
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import (
    NOW,
    bad_check_digit,
    ean13,
    gtin14,
    locations_csv,
    order_rows,
    orders_csv,
    orders_json,
    product,
    products_csv,
    table_contents,
)
from tui.cli import main

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]

WARETERM = Path(sys.executable).with_name("wareterm")

CUP, CABLE, TEA = ean13(1), ean13(2), ean13(3)
CATALOG = products_csv(
    [
        product("SKU-CUP", 10, barcodes=[CUP], location="A-10"),
        product("SKU-CABLE", 10, barcodes=[CABLE], location="A-2"),
        product("SKU-TEA", 3, barcodes=[TEA], location="B-01"),
    ]
)


def _json(result: Result) -> object:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


@pytest.fixture
def with_catalog(wareterm: Run, write_file: Write) -> None:
    """An initialised database with three products in stock."""
    _ok(wareterm("init"))
    _ok(wareterm("import", "products", write_file("products.csv", CATALOG)))


def _stock(wareterm: Run) -> dict[str, tuple[int, int]]:
    return {
        row["sku"]: (row["on_hand"], row["reserved"])
        for row in _json(wareterm("products", "list", "--json"))
    }


def _order(wareterm: Run, order_no: str) -> dict:
    return _json(wareterm("orders", "show", order_no, "--json"))


# -- init and the schema ------------------------------------------------------------------------


def test_init_creates_the_file_and_is_idempotent(wareterm: Run, db_path: Path) -> None:
    first = _ok(wareterm("init"))
    assert f"schema version {schema.SCHEMA_VERSION}" in first.stdout
    assert "was 0" in first.stdout
    second = _ok(wareterm("init"))
    assert "applied none" in second.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_init_upgrades_a_version_zero_file(wareterm: Run, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE legacy (x)")
    conn.commit()
    conn.close()
    result = _ok(wareterm("init"))
    assert "was 0" in result.stdout
    _ok(wareterm("init"))
    conn = sqlite3.connect(db_path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"legacy", "orders", "products", "audit"} <= tables


@pytest.mark.parametrize(
    "args",
    [
        ["init"],
        ["orders", "list"],
        ["orders", "show", "O-1"],
        ["waves", "release"],
        ["config", "set", "sla.rush_hours", "2"],
        # Every command refuses such a file with a one-line reason, listings included.
        ["picklists", "list"],
        ["products", "list"],
        ["users", "list"],
        ["scans", "list"],
        ["config", "list"],
    ],
    ids=" ".join,
)
def test_a_newer_file_is_refused(wareterm: Run, db_path: Path, args: list[str]) -> None:
    _ok(wareterm("init"))
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.close()
    result = wareterm(*args)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "newer" in result.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION + 5
    conn.close()


def test_usage_errors_exit_2(wareterm: Run) -> None:
    assert wareterm("no-such-command").exit_code == 2
    assert wareterm("orders", "cancel", "O-1").exit_code == 2  # --reason missing
    assert wareterm("waves", "release", "--max-orders", "0").exit_code == 2
    assert wareterm("users", "add", "li.na", "--role", "boss", "--pin", "1234").exit_code == 2
    assert wareterm("users", "add", "li.na", "--role", "picker").exit_code == 2
    assert wareterm("import", "products").exit_code == 2


# -- import products and locations --------------------------------------------------------------


def test_import_products_reports_bad_barcodes_and_exits_1(wareterm: Run, write_file: Write) -> None:
    _ok(wareterm("init"))
    content = products_csv(
        [
            product("SKU-A", 5, barcodes=[CUP]),
            product("SKU-BAD", 5, barcodes=[bad_check_digit(CABLE)]),
            product("SKU-C", 5, barcodes=[TEA]),
        ]
    )
    result = wareterm("import", "products", write_file("p.csv", content))
    assert result.exit_code == 1
    assert "2 stored" in result.stdout and "1 rejected" in result.stdout
    assert "line 3" in result.stderr and "SKU-BAD" in result.stderr
    assert bad_check_digit(CABLE) in result.stderr
    assert set(_stock(wareterm)) == {"SKU-A", "SKU-C"}


def test_import_products_json_report(wareterm: Run, write_file: Write) -> None:
    _ok(wareterm("init"))
    _ok(
        wareterm(
            "import",
            "products",
            write_file("a.csv", products_csv([product("A", 1, barcodes=[CUP])])),
        )
    )
    content = products_csv([product("A", 2, barcodes=[CUP]), product("B", 1, barcodes=[CUP])])
    result = wareterm("import", "products", "--json", write_file("b.csv", content))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["kind"] == "products"
    assert report["stored"] == 0 and report["updated"] == 1
    assert report["rejected"] == [
        {"line": 3, "key": "B", "reason": f"barcode {gtin14(CUP)} already belongs to A"}
    ]


def test_import_products_from_json_file(wareterm: Run, write_file: Write) -> None:
    _ok(wareterm("init"))
    content = json.dumps([{"sku": "A", "name": "杯", "barcodes": [CUP], "on_hand": 2}]).encode()
    _ok(wareterm("import", "products", write_file("catalog.json", content)))
    [row] = _json(wareterm("products", "list", "--json"))
    assert row["barcodes"] == [gtin14(CUP)] and row["on_hand"] == 2


def test_import_of_a_missing_or_unknown_file_exits_1(
    wareterm: Run, tmp_path: Path, write_file: Write
) -> None:
    _ok(wareterm("init"))
    result = wareterm("import", "products", tmp_path / "nope.csv")
    assert result.exit_code == 1 and "cannot read" in result.stderr
    result = wareterm("import", "orders", write_file("orders.pdf", b"x"))
    assert result.exit_code == 1 and "unknown file type" in result.stderr
    # Platform exports may be .xlsx: one that is not a spreadsheet says so.
    result = wareterm("import", "orders", write_file("orders.xlsx", b"x"))
    assert result.exit_code == 1 and "not a readable .xlsx" in result.stderr


def test_reimported_stock_below_reserved_is_rejected(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import", "orders", write_file("o.csv", orders_csv(order_rows("O-1", [("SKU-TEA", 3)])))
        )
    )
    result = wareterm(
        "import",
        "products",
        write_file("p2.csv", products_csv([product("SKU-TEA", 2, barcodes=[TEA])])),
        "--adjust-stock",
        "--reason",
        "recount",
    )
    assert result.exit_code == 1
    assert "SKU-TEA" in result.stderr and "reserved" in result.stderr
    assert _stock(wareterm)["SKU-TEA"] == (3, 3)


def test_walk_order_from_imported_locations(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(order_rows("O-1", [("SKU-TEA", 1), ("SKU-CUP", 1), ("SKU-CABLE", 1)])),
            ),
        )
    )
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o2.csv",
                orders_csv(order_rows("O-2", [("SKU-TEA", 1), ("SKU-CUP", 1), ("SKU-CABLE", 1)])),
            ),
        )
    )
    _ok(wareterm("waves", "release", "--max-orders", "1"))
    natural = _json(wareterm("picklists", "show", "P:000001", "--json"))
    assert [line["location"] for line in natural["lines"]] == ["A-2", "A-10", "B-01"]
    _ok(
        wareterm(
            "import",
            "locations",
            write_file("l.csv", locations_csv([("B-01", 1), ("A-10", 2), ("A-2", 3)])),
        )
    )
    _ok(wareterm("waves", "release"))
    walked = _json(wareterm("picklists", "show", "2", "--json"))
    assert [line["location"] for line in walked["lines"]] == ["B-01", "A-10", "A-2"]


# -- import orders ------------------------------------------------------------------------------


def test_import_orders_rejects_malformed_orders_whole(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    bad = order_rows("O-BAD", [("SKU-CUP", 1), ("SKU-TEA", 1)])
    bad[1]["placed_at"] = "not a time"
    content = orders_csv(order_rows("O-1", [("SKU-CUP", 2)]), bad)
    result = wareterm("import", "orders", write_file("orders.csv", content))
    assert result.exit_code == 1
    assert "line 4" in result.stderr and "O-BAD" in result.stderr and "placed_at" in result.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM orders WHERE order_no = 'O-BAD'").fetchone()[0] == 0
    assert (
        conn.execute("SELECT count(*) FROM order_lines WHERE order_no = 'O-BAD'").fetchone()[0] == 0
    )
    conn.close()
    assert _order(wareterm, "O-1")["status"] == "allocated"
    assert _stock(wareterm)["SKU-CUP"] == (10, 2)
    assert _stock(wareterm)["SKU-TEA"] == (3, 0)


def test_import_orders_json_report_and_reimport(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    bad = order_rows("O-BAD", [("SKU-CUP", 1)])
    bad[0]["qty"] = "0"
    path = write_file(
        "orders.csv",
        orders_csv(
            order_rows("O-1", [("SKU-CUP", 1)]),
            order_rows("O-HOLD", [("SKU-CUP", 1)], payment_status="pending"),
            order_rows("O-BACK", [("SKU-TEA", 4)]),
            bad,
        ),
    )
    result = wareterm("import", "orders", "--json", path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["kind"] == "orders"
    assert report["stored"] == 3
    assert report["on_hold"] == ["O-HOLD"]
    assert report["skipped"] == []
    assert [(r["line"], r["key"]) for r in report["rejected"]] == [(5, "O-BAD")]
    assert "qty" in report["rejected"][0]["reason"]

    before = table_contents(db_path)
    again = wareterm("import", "orders", path)
    assert again.exit_code == 1  # O-BAD is still malformed
    assert "0 stored" in again.stdout and "3 skipped" in again.stdout
    assert "O-1: already imported; skipped" in again.stdout
    assert table_contents(db_path) == before


def test_reimporting_a_clean_file_exits_0_and_changes_nothing(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    path = write_file(
        "orders.json", orders_json(order_rows("J-1", [("SKU-CUP", 1), ("SKU-TEA", 1)]))
    )
    first = _ok(wareterm("import", "orders", path))
    assert "1 stored" in first.stdout
    before = table_contents(db_path)
    second = _ok(wareterm("import", "orders", path))
    assert "1 skipped" in second.stdout and "J-1" in second.stdout
    assert table_contents(db_path) == before


def test_holds_and_their_problems(wareterm: Run, write_file: Write, with_catalog: None) -> None:
    result = _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(
                    order_rows("O-UNPAID", [("SKU-CUP", 1)], payment_status="pending"),
                    order_rows("O-UNKNOWN", [("SKU-NEW", 1)]),
                    order_rows("O-ADDR", [("SKU-CUP", 1)], address=""),
                    order_rows("O-OK", [("SKU-CUP", 1)]),
                ),
            ),
        )
    )
    assert "on hold: O-UNPAID, O-UNKNOWN, O-ADDR" in result.stdout
    held = _json(wareterm("orders", "list", "--status", "on_hold", "--json"))
    assert {row["order_no"]: row["problems"] for row in held} == {
        "O-UNPAID": ["unpaid"],
        "O-UNKNOWN": ["unknown_sku"],
        "O-ADDR": ["incomplete_address"],
    }
    assert [
        row["order_no"]
        for row in _json(wareterm("orders", "list", "--status", "allocated", "--json"))
    ] == ["O-OK"]
    assert _stock(wareterm)["SKU-CUP"] == (10, 1)
    listing = _ok(wareterm("orders", "list"))
    assert "O-UNPAID" in listing.stdout and "unpaid" in listing.stdout
    bad = wareterm("orders", "list", "--status", "lost")
    assert bad.exit_code == 1 and "lost" in bad.stderr


def test_orders_show_json_shape(wareterm: Run, write_file: Write, with_catalog: None) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(order_rows("O-1", [("SKU-CUP", 2), ("SKU-TEA", 1)], priority="rush")),
            ),
        )
    )
    order = _order(wareterm, "O-1")
    assert order["order_no"] == "O-1"
    assert order["status"] == "allocated"
    assert order["priority"] == "rush"
    assert order["due_at"] == "2026-11-21T05:00:00+00:00"  # 09:00 in Shanghai + 4 h
    assert order["problems"] == []
    assert isinstance(order["lines"], list)
    assert [
        {k: line[k] for k in ("sku", "qty", "picked", "packed")} for line in order["lines"]
    ] == [
        {"sku": "SKU-CUP", "qty": 2, "picked": 0, "packed": 0},
        {"sku": "SKU-TEA", "qty": 1, "picked": 0, "packed": 0},
    ]
    text = _ok(wareterm("orders", "show", "O-1"))
    assert "O-1" in text.stdout and "SKU-CUP" in text.stdout
    missing = wareterm("orders", "show", "O-404", "--json")
    assert missing.exit_code == 1 and "O-404" in missing.stderr and missing.stdout == ""


@pytest.mark.parametrize(("priority", "hours"), [("rush", 4), ("standard", 24), ("deferred", 72)])
def test_due_time_from_priority(
    wareterm: Run, write_file: Write, with_catalog: None, priority: str, hours: int
) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(
                    order_rows(
                        "O-1", [("SKU-CUP", 1)], priority=priority, placed_at="2026-11-21T00:00:00Z"
                    )
                ),
            ),
        )
    )
    assert (
        _order(wareterm, "O-1")["due_at"]
        == f"2026-11-{21 + hours // 24}T{hours % 24:02d}:00:00+00:00"
    )


def test_config_set_changes_the_sla_for_later_imports(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    def rush(order_no: str) -> Path:
        return write_file(
            f"{order_no}.csv",
            orders_csv(
                order_rows(
                    order_no, [("SKU-CUP", 1)], priority="rush", placed_at="2026-11-21T00:00:00Z"
                )
            ),
        )

    _ok(wareterm("import", "orders", rush("O-1")))
    result = _ok(wareterm("config", "set", "sla.rush_hours", "2"))
    assert "sla.rush_hours = 2" in result.stdout
    assert _json(wareterm("config", "list", "--json"))["sla.rush_hours"] == "2"
    _ok(wareterm("import", "orders", rush("O-2")))
    assert _order(wareterm, "O-1")["due_at"] == "2026-11-21T04:00:00+00:00"
    assert _order(wareterm, "O-2")["due_at"] == "2026-11-21T02:00:00+00:00"
    for key, value in (("sla.rush_hours", "never"), ("sla.rush_hours", "0"), ("sla.unknown", "1")):
        bad = wareterm("config", "set", key, value)
        assert bad.exit_code == 1 and key in bad.stderr
    assert _json(wareterm("config", "list", "--json"))["sla.rush_hours"] == "2"


# -- backorders, cancel and release -------------------------------------------------------------


def test_more_stock_allocates_backorders(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import", "orders", write_file("o.csv", orders_csv(order_rows("O-1", [("SKU-TEA", 5)])))
        )
    )
    assert _order(wareterm, "O-1")["status"] == "backordered"
    assert _stock(wareterm)["SKU-TEA"] == (3, 0)
    restock = products_csv([product("SKU-TEA", 8, barcodes=[TEA], location="B-01")])
    _ok(
        wareterm(
            "import",
            "products",
            write_file("restock.csv", restock),
            "--adjust-stock",
            "--reason",
            "delivery",
        )
    )
    assert _order(wareterm, "O-1")["status"] == "allocated"
    assert _stock(wareterm)["SKU-TEA"] == (8, 5)


def test_cancel_frees_stock_for_a_backordered_order(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(
                    order_rows("O-1", [("SKU-TEA", 2)]), order_rows("O-2", [("SKU-TEA", 3)])
                ),
            ),
        )
    )
    assert _order(wareterm, "O-2")["status"] == "backordered"
    result = _ok(wareterm("orders", "cancel", "O-1", "--reason", "customer changed mind"))
    assert "O-1: cancelled" in result.stdout
    cancelled = _order(wareterm, "O-1")
    assert (
        cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "customer changed mind"
    )
    assert _order(wareterm, "O-2")["status"] == "allocated"
    assert _stock(wareterm)["SKU-TEA"] == (3, 3)
    again = wareterm("orders", "cancel", "O-1", "--reason", "again")
    assert again.exit_code == 1 and "cancelled" in again.stderr
    empty = wareterm("orders", "cancel", "O-2", "--reason", " ")
    assert empty.exit_code == 1 and "reason" in empty.stderr
    assert _order(wareterm, "O-2")["status"] == "allocated"


def test_cancel_of_a_shipped_order_exits_1(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import", "orders", write_file("o.csv", orders_csv(order_rows("O-1", [("SKU-CUP", 1)])))
        )
    )
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE orders SET status = 'shipped' WHERE order_no = 'O-1'")
    conn.commit()
    conn.close()
    result = wareterm("orders", "cancel", "O-1", "--reason", "too late")
    assert result.exit_code == 1 and "shipped" in result.stderr
    assert _order(wareterm, "O-1")["status"] == "shipped"
    assert wareterm("orders", "cancel", "O-404", "--reason", "x").exit_code == 1


def test_cancel_after_picking_lists_the_units_to_put_back(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file("o.csv", orders_csv(order_rows("O-1", [("SKU-CUP", 3), ("SKU-TEA", 1)]))),
        )
    )
    _ok(wareterm("users", "add", "li.na", "--role", "picker", "--pin", "2580"))
    _ok(wareterm("waves", "release"))
    store = open_store(db_path, FixedClock(NOW))
    floor = SqliteFloor(store)
    picker = floor.login("li.na", "2580", "hh-1")
    view = floor.claim_next_pick(picker)
    assert view is not None
    for _ in range(2):
        assert floor.pick_scan(picker, view.picklist_id, CUP, "wedge").accepted
    store.close()
    assert _order(wareterm, "O-1")["status"] == "picking"

    result = _ok(wareterm("orders", "cancel", "O-1", "--reason", "fraud"))
    assert "put back 2 × SKU-CUP into bin A-10" in result.stdout
    order = _order(wareterm, "O-1")
    assert order["putaway"] == [{"sku": "SKU-CUP", "qty": 2, "location": "A-10", "status": "open"}]
    assert _stock(wareterm)["SKU-CUP"] == (10, 0)
    assert _stock(wareterm)["SKU-TEA"] == (3, 0)
    as_json = _json(wareterm("picklists", "show", "1", "--json"))
    assert as_json["status"] == "picked"  # nothing left to pick on it


def test_release_of_holds(wareterm: Run, write_file: Write, with_catalog: None) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file(
                "o.csv",
                orders_csv(
                    order_rows("O-UNPAID", [("SKU-CUP", 2)], payment_status="pending"),
                    order_rows("O-UNKNOWN", [("SKU-NEW", 1)]),
                ),
            ),
        )
    )
    released = _json(wareterm("orders", "release", "O-UNPAID", "--json"))
    assert released["status"] == "allocated" and released["problems"] == []
    assert _stock(wareterm)["SKU-CUP"] == (10, 2)
    assert wareterm("orders", "release", "O-UNPAID").exit_code == 1  # not on hold any more

    refused = wareterm("orders", "release", "O-UNKNOWN")
    assert refused.exit_code == 1 and "SKU-NEW" in refused.stderr
    assert _order(wareterm, "O-UNKNOWN")["status"] == "on_hold"
    _ok(
        wareterm("import", "products", write_file("new.csv", products_csv([product("SKU-NEW", 4)])))
    )
    result = _ok(wareterm("orders", "release", "O-UNKNOWN"))
    assert "O-UNKNOWN: allocated" in result.stdout
    assert _stock(wareterm)["SKU-NEW"] == (4, 1)


# -- waves, pick lists, scans -------------------------------------------------------------------


def test_waves_release_most_urgent_first_and_consolidated(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    content = orders_csv(
        order_rows(
            "O-STD", [("SKU-CUP", 1), ("SKU-TEA", 1)], placed_at="2026-11-21T06:00:00+08:00"
        ),
        order_rows(
            "O-RUSH",
            [("SKU-CUP", 2), ("SKU-CABLE", 1)],
            priority="rush",
            placed_at="2026-11-21T09:00:00+08:00",
        ),
        order_rows("O-DEF", [("SKU-CUP", 1)], priority="deferred"),
    )
    _ok(wareterm("import", "orders", write_file("o.csv", content)))
    rush_only = _json(wareterm("waves", "release", "--priority", "rush", "--json"))
    assert rush_only["orders"] == 1 and len(rush_only["picklists"]) == 1
    result = _json(wareterm("waves", "release", "--max-orders", "1", "--json"))
    assert result["orders"] == 1
    assert _json(wareterm("picklists", "show", str(result["picklists"][0]), "--json"))[
        "order_nos"
    ] == ["O-STD"]
    nothing = _ok(wareterm("waves", "release", "--priority", "rush"))
    assert "no allocated orders" in nothing.stdout
    bad = wareterm("waves", "release", "--priority", "urgent")
    assert bad.exit_code == 1 and "urgent" in bad.stderr

    _ok(
        wareterm(
            "import",
            "orders",
            write_file("o2.csv", orders_csv(order_rows("O-STD2", [("SKU-CUP", 4)]))),
        )
    )
    both = _json(wareterm("waves", "release", "--json"))
    shown = _json(wareterm("picklists", "show", f"P:{both['picklists'][0]:06d}", "--json"))
    assert shown["order_nos"] == ["O-STD2", "O-DEF"]
    [cup] = shown["lines"]
    assert (cup["sku"], cup["qty"]) == ("SKU-CUP", 5)
    assert [(s["order_no"], s["qty"]) for s in cup["orders"]] == [("O-STD2", 4), ("O-DEF", 1)]

    listed = _json(wareterm("picklists", "list", "--json"))
    assert [row["code"] for row in listed] == ["P:000001", "P:000002", "P:000003"]
    assert all(row["status"] == "released" for row in listed)
    assert _json(wareterm("picklists", "list", "--status", "picking", "--json")) == []
    assert wareterm("picklists", "show", "P:000099").exit_code == 1
    assert wareterm("picklists", "show", "nonsense").exit_code == 1


def test_scans_list_and_picked_quantities(
    wareterm: Run, write_file: Write, db_path: Path, with_catalog: None
) -> None:
    _ok(
        wareterm(
            "import",
            "orders",
            write_file("o.csv", orders_csv(order_rows("O-1", [("SKU-CUP", 1), ("SKU-CABLE", 1)]))),
        )
    )
    _ok(wareterm("users", "add", "li.na", "--role", "picker", "--pin", "2580"))
    _ok(wareterm("waves", "release"))
    store = open_store(db_path, FixedClock(NOW))
    floor = SqliteFloor(store)
    picker = floor.login("li.na", "2580", "hh-1")
    view = floor.claim_next_pick(picker)
    assert view is not None
    for code in (CABLE, "BOGUS-1", CABLE, CUP, CUP):
        floor.pick_scan(picker, view.picklist_id, code, "wedge")
    store.close()

    scans = _json(wareterm("scans", "list", "--json"))
    assert [(s["raw"], s["verdict"]) for s in reversed(scans)] == [
        (CABLE, "ok"),
        ("BOGUS-1", "unknown_code"),
        (CABLE, "over_pick"),
        (CUP, "ok"),
        (CUP, "not_expected"),  # the list is finished
    ]
    assert {s["user"] for s in scans} == {"li.na"}
    assert len(_json(wareterm("scans", "list", "--verdict", "ok", "--json"))) == 2
    order = _order(wareterm, "O-1")
    assert order["status"] == "picked"
    assert [(line["sku"], line["picked"]) for line in order["lines"]] == [
        ("SKU-CUP", 1),
        ("SKU-CABLE", 1),
    ]
    [picklist] = _json(wareterm("picklists", "list", "--json"))
    assert (picklist["status"], picklist["picked"], picklist["picker"]) == ("picked", 2, "li.na")


# -- users --------------------------------------------------------------------------------------


def test_users_add_and_list(wareterm: Run, db_path: Path) -> None:
    result = _ok(wareterm("users", "add", "Li.Na", "--role", "picker", "--pin", "864213"))
    assert "li.na" in result.stdout
    assert [(u["name"], u["role"]) for u in _json(wareterm("users", "list", "--json"))] == [
        ("li.na", "picker")
    ]
    conn = sqlite3.connect(db_path)
    [pin_hash] = conn.execute("SELECT pin_hash FROM users").fetchone()
    conn.close()
    assert "864213" not in pin_hash
    bad = wareterm("users", "add", "wang", "--role", "picker", "--pin", "12")
    assert bad.exit_code == 1 and "PIN" in bad.stderr
    floor = SqliteFloor(open_store(db_path))
    assert floor.login("li.na", "864213", "hh").role.value == "picker"
    assert floor.badge_login("U:li.na", "hh").name == "li.na"


# -- demo ---------------------------------------------------------------------------------------


def test_demo_builds_a_database_to_play_with(wareterm: Run, tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    result = _ok(wareterm("demo", "--dir", directory))
    assert "Demo database" in result.stdout
    db = directory / "demo.db"
    assert db.exists()
    listing = CliRunner().invoke(main, ["--db", str(db), "orders", "list", "--json"])
    statuses = {row["status"] for row in json.loads(listing.stdout)}
    assert {"allocated", "on_hold", "backordered"} <= statuses
    lists = CliRunner().invoke(
        main, ["--db", str(db), "picklists", "list", "--status", "released", "--json"]
    )
    assert json.loads(lists.stdout)


# -- a real process -----------------------------------------------------------------------------


def _process(args: list[str], cwd: Path, env: dict[str, str | None]) -> subprocess.CompletedProcess:
    """Run the installed ``wareterm`` script; ``None`` in ``env`` removes that variable."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [str(WARETERM), *args],
        cwd=cwd,
        env={key: value for key, value in environment.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_environment_names_the_database(tmp_path: Path) -> None:
    assert WARETERM.exists()
    db = tmp_path / "from-env.db"
    env = {"WARETERM_DB": str(db)}
    result = _process(["init"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert db.exists() and not (tmp_path / "wareterm.db").exists()
    # --db wins over the environment.
    other = tmp_path / "other.db"
    assert _process(["--db", str(other), "init"], tmp_path, env).returncode == 0
    assert other.exists()
    # Neither: wareterm.db in the working directory.
    assert _process(["init"], tmp_path, {"WARETERM_DB": None}).returncode == 0
    assert (tmp_path / "wareterm.db").exists()


def test_exit_codes_of_the_real_command(tmp_path: Path) -> None:
    env = {"WARETERM_DB": str(tmp_path / "w.db")}
    assert _process(["init"], tmp_path, env).returncode == 0
    missing = _process(["orders", "show", "O-404"], tmp_path, env)
    assert missing.returncode == 1
    assert "O-404" in missing.stderr and missing.stdout == ""
    usage = _process(["orders", "cancel", "O-404"], tmp_path, env)
    assert usage.returncode == 2 and "--reason" in usage.stderr
    (tmp_path / "p.csv").write_bytes(
        products_csv([product("A", 1, barcodes=[bad_check_digit(CUP)])])
    )
    rejected = _process(["import", "products", "p.csv"], tmp_path, env)
    assert rejected.returncode == 1
    assert "line 2" in rejected.stderr and "A" in rejected.stderr
    listing = _process(["orders", "list", "--json"], tmp_path, env)
    assert listing.returncode == 0 and json.loads(listing.stdout) == []


def test_the_biggest_allowed_order_imports_and_shows_whole_and_a_bigger_one_is_refused(
    wareterm: Run, write_file: Write, with_catalog: None
) -> None:
    from core.importing import MAX_ORDER_LINES

    skus = [(f"SKU-{n:03d}", 1) for n in range(MAX_ORDER_LINES + 1)]
    content = orders_csv(
        order_rows("O-MAX", skus[:MAX_ORDER_LINES]),
        order_rows("O-TOO-MANY", skus),
        order_rows("O-SAME", [("SKU-CUP", 1)] * 2_000),
    )
    result = wareterm("import", "orders", write_file("orders.csv", content))
    assert result.exit_code == 1
    assert "O-TOO-MANY" in result.stderr and f"more than {MAX_ORDER_LINES}" in result.stderr
    assert "2 stored" in result.output
    shown = _json(_ok(wareterm("orders", "show", "O-MAX", "--json")))
    assert isinstance(shown, dict) and len(shown["lines"]) == MAX_ORDER_LINES
    table = _ok(wareterm("orders", "show", "O-MAX")).output
    assert f"SKU-{MAX_ORDER_LINES - 1:03d}" in table
    same = _json(_ok(wareterm("orders", "show", "O-SAME", "--json")))
    assert isinstance(same, dict)
    assert [(line["sku"], line["qty"]) for line in same["lines"]] == [("SKU-CUP", 2_000)]
