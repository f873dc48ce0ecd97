"""``wareterm stock check|ledger|bins|move|bin-kind`` and ``import products --adjust-stock``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.data.builders import ean13, product, products_csv

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _stocked(wareterm: Run, write_file: Write) -> None:
    path = write_file(
        "p.csv",
        products_csv(
            [
                product("SKU-A", 6, barcodes=[ean13(1)], location="A-01"),
                product("SKU-B", 2, barcodes=[ean13(2)], location="A-02"),
            ]
        ),
    )
    assert wareterm("import", "products", path).exit_code == 0


def test_move_then_bins_ledger_and_check(wareterm: Run, write_file: Write) -> None:
    _stocked(wareterm, write_file)
    moved = wareterm(
        "stock",
        "move",
        "SKU-A",
        "--from",
        "A-01",
        "--to",
        "R-01",
        "--qty",
        "4",
        "--reason",
        "overflow",
        "--json",
    )
    assert moved.exit_code == 0, moved.output
    move_id = json.loads(moved.stdout)["move"]
    bins = json.loads(wareterm("stock", "bins", "SKU-A", "--json").stdout)
    assert [(b["bin"], b["on_hand"], b["free"]) for b in bins] == [("A-01", 2, 2), ("R-01", 4, 4)]
    ledger = json.loads(wareterm("stock", "ledger", "--doc", f"move:{move_id}", "--json").stdout)
    assert sorted((e["bin"], e["qty"], e["user"], e["station"]) for e in ledger) == [
        ("A-01", -4, "admin", "office"),
        ("R-01", 4, "admin", "office"),
    ]
    by_bin = json.loads(wareterm("stock", "ledger", "--bin", "r-01", "--json").stdout)
    assert [e["kind"] for e in by_bin] == ["move"]
    by_sku = json.loads(wareterm("stock", "ledger", "--sku", "SKU-B", "--json").stdout)
    assert [(e["kind"], e["qty"]) for e in by_sku] == [("opening", 2)]
    table = wareterm("stock", "ledger")
    assert table.exit_code == 0 and "overflow" in table.stdout
    checked = wareterm("stock", "check")
    assert checked.exit_code == 0 and "agrees" in checked.stdout


def test_a_refused_move_says_why_and_exits_1(wareterm: Run, write_file: Write) -> None:
    _stocked(wareterm, write_file)
    refused = wareterm(
        "stock",
        "move",
        "SKU-B",
        "--from",
        "A-02",
        "--to",
        "R-01",
        "--qty",
        "3",
        "--reason",
        "x",
    )
    assert refused.exit_code == 1
    assert "A-02" in refused.stderr and "2" in refused.stderr
    usage = wareterm("stock", "move", "SKU-B", "--from", "A-02", "--to", "R-01", "--qty", "1")
    assert usage.exit_code == 2


def test_check_reports_a_row_changed_behind_the_ledger(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _stocked(wareterm, write_file)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE stock SET on_hand = 9 WHERE sku = 'SKU-B'")
    conn.commit()
    conn.close()
    checked = wareterm("stock", "check")
    assert checked.exit_code == 1
    assert "SKU-B @ A-02" in checked.stderr and "ledger" in checked.stderr
    as_json = json.loads(wareterm("stock", "check", "--json").stdout)
    assert as_json["ok"] is False
    assert {p["code"] for p in as_json["problems"]} == {"ledger_mismatch", "product_total"}


def test_known_skus_change_stock_only_with_adjust_stock(wareterm: Run, write_file: Write) -> None:
    _stocked(wareterm, write_file)
    again = write_file(
        "p2.csv", products_csv([product("SKU-A", 1, barcodes=[ean13(1)], location="A-01")])
    )
    kept = wareterm("import", "products", again)
    assert kept.exit_code == 0 and "--adjust-stock" in kept.stdout
    bins = json.loads(wareterm("stock", "bins", "SKU-A", "--json").stdout)
    assert bins[0]["on_hand"] == 6
    assert wareterm("import", "products", again, "--adjust-stock").exit_code == 2
    adjusted = wareterm("import", "products", again, "--adjust-stock", "--reason", "recount")
    assert adjusted.exit_code == 0, adjusted.output
    entries = json.loads(wareterm("stock", "ledger", "--sku", "SKU-A", "--json").stdout)
    assert (entries[0]["kind"], entries[0]["qty"], entries[0]["reason"]) == (
        "import_correction",
        -5,
        "recount",
    )
    assert wareterm("stock", "check").exit_code == 0


def test_bin_kind(wareterm: Run, write_file: Write) -> None:
    _stocked(wareterm, write_file)
    changed = wareterm("stock", "bin-kind", "a-02", "damaged")
    assert changed.exit_code == 0 and "damaged" in changed.stdout
    bins = json.loads(wareterm("stock", "bins", "SKU-B", "--json").stdout)
    assert bins[0]["kind"] == "damaged"
    assert wareterm("stock", "bin-kind", "A-02", "attic").exit_code == 2


def test_control_characters_never_reach_the_terminal(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _stocked(wareterm, write_file)
    refused = wareterm(
        "stock",
        "move",
        "SKU-A",
        "--from",
        "A-01",
        "--to",
        "R\x1b[2J-01",
        "--qty",
        "1",
        "--reason",
        "x",
    )
    assert refused.exit_code == 1 and "not a bin code" in refused.stderr
    assert "\x1b" not in refused.stderr
    assert wareterm("stock", "bin-kind", "A 01", "reserve").exit_code == 1
    # a bin written behind the floor's back is still drawn as plain text
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE stock SET bin = 'A\x1b[2J-01', on_hand = 9 WHERE sku = 'SKU-A'")
    conn.commit()
    conn.close()
    checked = wareterm("stock", "check")
    assert checked.exit_code == 1 and "\x1b" not in checked.stderr
    assert "\x1b" not in wareterm("stock", "bins").stdout
