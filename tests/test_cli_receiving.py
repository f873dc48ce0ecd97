"""``wareterm receipts …``, ``stock putaway|bin-max`` and ``counts …`` from a script's view:
exit codes, --json, refusals on stderr, and ``stock check`` passing after each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.data.builders import ean13, product, products_csv

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _stocked(wareterm: Run, write_file: Write) -> None:
    path = write_file(
        "p.csv",
        products_csv(
            [
                product("SKU-A", 2, barcodes=[ean13(1)], location="A-01"),
                product("SKU-B", 0, barcodes=[ean13(2)], location="A-02"),
            ]
        ),
    )
    assert wareterm("import", "products", path).exit_code == 0


def _checked(wareterm: Run) -> None:
    checked = wareterm("stock", "check")
    assert checked.exit_code == 0, checked.output


def test_receipt_import_receive_close_and_put_away(wareterm: Run, write_file: Write) -> None:
    _stocked(wareterm, write_file)
    path = write_file(
        "r.csv",
        "receipt_no,supplier,sku,qty,lot,expiry\nR-1,Acme,SKU-A,3,,\nR-1,Acme,SKU-B,2,,\n"
        "R-2,Acme,SKU-B,-1,,\n",
    )
    imported = wareterm("receipts", "import", path)
    assert imported.exit_code == 1  # R-2 rejected
    assert "1 stored" in imported.stdout and "R-2" in imported.stderr
    again = json.loads(wareterm("receipts", "import", path, "--json").stdout)
    assert again["stored"] == 0 and [s["key"] for s in again["skipped"]] == ["R-1"]
    assert wareterm("receipts", "receive", "R-1", "--code", ean13(1), "--qty", "3").exit_code == 0
    refused = wareterm("receipts", "receive", "R-1", "--code", ean13(1))
    assert refused.exit_code == 1 and "too many" in refused.stderr
    assert wareterm("receipts", "receive", "R-1", "--code", "SKU-B").exit_code == 0
    bad_date = wareterm("receipts", "receive", "R-1", "--code", "SKU-B", "--expiry", "soon")
    assert bad_date.exit_code == 1 and "2027-03-31" in bad_date.stderr
    shown = json.loads(wareterm("receipts", "show", "R-1", "--json").stdout)
    assert [u["verdict"] for u in shown["units"]] == ["accepted", "refused", "accepted"]
    closed = json.loads(wareterm("receipts", "close", "R-1", "--json").stdout)
    assert [(line["sku"], line["short"]) for line in closed["lines"]] == [
        ("SKU-A", 0),
        ("SKU-B", 1),
    ]
    listed = json.loads(wareterm("receipts", "list", "--json").stdout)
    assert [(r["receipt_no"], r["status"], r["received"]) for r in listed] == [("R-1", "closed", 4)]
    assert "SKU-B" in wareterm("receipts", "show", "R-1").stdout
    assert wareterm("stock", "bin-max", "A-01", "4").exit_code == 0
    assert wareterm("stock", "bin-kind", "R-09", "reserve").exit_code == 0
    proposed = wareterm("stock", "putaway", "SKU-A", "--qty", "3")
    assert proposed.exit_code == 0 and "R-09" in proposed.stdout  # A-01 holds 2 of 4
    done = json.loads(
        wareterm("stock", "putaway", "SKU-A", "--qty", "2", "--to", "A-01", "--json").stdout
    )
    assert (done["from"], done["to"], done["proposed"]) == ("DOCK", "A-01", "A-01")
    ledger = json.loads(wareterm("stock", "ledger", "--sku", "SKU-A", "--json").stdout)
    assert [(e["kind"], e["bin"], e["qty"]) for e in ledger[:3]] == [
        ("put_away", "A-01", 2),
        ("put_away", "DOCK", -2),
        ("receive", "DOCK", 3),
    ]
    _checked(wareterm)


def test_count_recount_by_another_user_and_approve(
    wareterm: Run, write_file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stocked(wareterm, write_file)
    made = json.loads(wareterm("counts", "create", "--sku", "SKU-A", "--json").stdout)
    count_id = str(made["count"])
    assert made["bins"] == ["A-01"]
    bad = wareterm("counts", "count", count_id, "A-01", "SKU-A")
    assert bad.exit_code == 1 and "SKU=QTY" in bad.stderr
    first = wareterm("counts", "count", count_id, "A-01", "SKU-A=1")
    assert first.exit_code == 0 and "another person" in first.stdout
    same = wareterm("counts", "count", count_id, "A-01", "SKU-A=1")
    assert same.exit_code == 1 and "different person" in same.stderr
    monkeypatch.setenv("WARETERM_USER", "second")
    assert wareterm("counts", "count", count_id, "A-01", "SKU-A=1").exit_code == 0
    listed = json.loads(wareterm("counts", "list", "--json").stdout)
    assert (listed[0]["awaiting"], listed[0]["approved"]) == (1, 0)
    shown = json.loads(wareterm("counts", "show", count_id, "--json").stdout)
    assert shown["bins"][0]["results"][0]["difference"] == -1
    assert "A-01" in wareterm("counts", "show", count_id).stdout
    assert wareterm("counts", "approve", count_id).exit_code == 2  # --reason is required
    approved = wareterm("counts", "approve", count_id, "--reason", "lost one")
    assert approved.exit_code == 0 and "1 adjustment" in approved.stdout
    ledger = json.loads(wareterm("stock", "ledger", "--doc", f"count:{count_id}", "--json").stdout)
    assert [(e["kind"], e["qty"], e["reason"]) for e in ledger] == [("adjustment", -1, "lost one")]
    nothing = wareterm("counts", "recount", count_id, "--reason", "again")
    assert nothing.exit_code == 1
    _checked(wareterm)
    by_class = wareterm("counts", "create", "--abc", "C", "--abc-days", "30", "--json")
    assert json.loads(by_class.stdout)["bins"] == ["A-01"]  # nothing shipped: all C
    wrong = wareterm("counts", "create", "--abc", "Z")
    assert wrong.exit_code == 1 and "A, B, C" in wrong.stderr


def test_hostile_text_in_a_receipt_file_never_reaches_the_terminal(
    wareterm: Run, write_file: Write
) -> None:
    _stocked(wareterm, write_file)
    path = write_file(
        "r.csv",
        "receipt_no,supplier,sku,qty,lot,expiry\nR-\x1b[2J1,\x1b]0;owned\x07Acme\x9b,SKU-A,1,,\n",
    )
    imported = wareterm("receipts", "import", path)
    assert imported.exit_code == 0, imported.output
    for args in (("receipts", "list"), ("receipts", "show", "R-\x1b[2J1")):
        shown = wareterm(*args)
        assert shown.exit_code == 0, shown.output
        assert "Acme" in shown.stdout
        assert not any(ch in shown.output for ch in "\x1b\x07\x9b")
    refused = wareterm("receipts", "receive", "R-\x1b[2J1", "--code", "\x1b[31mSKU-Z")
    assert refused.exit_code == 1 and "\x1b" not in refused.output
