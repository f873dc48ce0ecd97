"""``stock reorder|expiring|slow``, and low stock counting only units orders may be allocated."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from core.clock import FixedClock, local_day
from core.oversight import Operator
from core.roles import Role
from core.stock import LedgerKind, Movement
from data.oversight import SqliteOversight
from data.stock import Document, save_movements
from data.store import open_store
from tests.data.builders import ADMIN, product, products_csv

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _import(wareterm: Run, write_file: Write, *rows: dict) -> None:
    done = wareterm("import", "products", write_file("p.csv", products_csv(rows)))
    assert done.exit_code == 0, done.output


def _book(db_path: Path, at: datetime, movements: Sequence[Movement]) -> None:
    """Ledger entries made through the one writer, dated ``at``."""
    store = open_store(db_path, FixedClock(at))
    try:
        with store.write(ADMIN) as write:
            save_movements(write, movements, Document("test", "", "made by the test"))
            write.audit("test.book", "stock")
    finally:
        store.close()


def _ship(sku: str, bin_code: str, qty: int) -> Movement:
    return Movement(LedgerKind.SHIP, sku, bin_code, "", -qty)


def _rows(result: Result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_low_stock_counts_only_units_in_allocatable_bins(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _import(wareterm, write_file, product("SKU-A", 6, location="A-01", safety_stock=3))
    assert _rows(wareterm("products", "list", "--low", "--json")) == []
    moved = wareterm(
        "stock", "move", "SKU-A", "--from", "A-01", "--to", "D-01", "--qty", "4", "--reason", "x"
    )
    assert moved.exit_code == 0, moved.output
    assert _rows(wareterm("products", "list", "--low", "--json")) == []  # D-01 is a pick face
    assert wareterm("stock", "bin-kind", "D-01", "damaged").exit_code == 0
    (low,) = _rows(wareterm("products", "list", "--low", "--json"))
    assert (low["sku"], low["on_hand"], low["free"], low["low"]) == ("SKU-A", 6, 2, True)
    table = wareterm("products", "list", "--low")
    assert table.exit_code == 0 and "SKU-A" in table.stdout
    boss = wareterm("users", "add", "zhao.min", "--role", "supervisor", "--pin", "2580")
    assert boss.exit_code == 0, boss.output
    store = open_store(db_path)
    try:
        view = SqliteOversight(store).stock(Operator("zhao.min", Role.SUPERVISOR, "office"))
    finally:
        store.close()
    assert [(item.sku, item.on_hand, item.free) for item in view.low] == [("SKU-A", 6, 2)]


def test_reorder_from_shipments_in_the_window(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _import(
        wareterm,
        write_file,
        product("SKU-A", 110, location="A-01", safety_stock=5),
        product("SKU-B", 4, location="A-02"),
        product("SKU-C", 2, location="A-03", safety_stock=10),
        product("=SKU-D", 1, location="A-04", safety_stock=1),
    )
    now = datetime.now(UTC)
    _book(db_path, now - timedelta(days=40), [_ship("SKU-A", "A-01", 60)])  # outside the window
    _book(db_path, now - timedelta(days=5), [_ship("SKU-A", "A-01", 30)])
    rows = {r["sku"]: r for r in _rows(wareterm("stock", "reorder", "--json"))}
    assert set(rows) == {"SKU-A", "SKU-C", "=SKU-D"}  # SKU-B: no sales, no safety stock
    a = rows["SKU-A"]
    # 30 shipped in 30 days: 1 a day; lead 7 + window 30 = 37 units, + 5 safety, − 20 free
    assert (a["shipped"], a["per_day"], a["free"], a["cover_days"]) == (30, 1.0, 20, 20.0)
    assert a["suggested"] == 37 + 5 - 20
    c = rows["SKU-C"]
    assert (c["shipped"], c["cover_days"], c["suggested"]) == (0, None, 10 - 2)
    longer = {r["sku"]: r for r in _rows(wareterm("stock", "reorder", "--days", "60", "--json"))}
    # 90 shipped in 60 days: 1.5 a day over 7 + 60 days = 100.5, rounded up
    assert longer["SKU-A"]["shipped"] == 90 and longer["SKU-A"]["suggested"] == 101 + 5 - 20
    lead = {r["sku"]: r for r in _rows(wareterm("stock", "reorder", "--lead-days", "0", "--json"))}
    assert lead["SKU-A"]["suggested"] == 30 + 5 - 20
    as_csv = wareterm("stock", "reorder", "--csv")
    assert as_csv.exit_code == 0, as_csv.output
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["sku"]: r["suggested"] for r in table} == {
        "SKU-A": "22",
        "SKU-C": "8",
        "'=SKU-D": "0",
    }
    assert wareterm("stock", "reorder").exit_code == 0
    assert wareterm("stock", "reorder", "--days", "0").exit_code == 2
    assert wareterm("stock", "reorder", "--lead-days", "-1").exit_code == 2


def test_expiring_lists_lots_near_and_past_expiry(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _import(wareterm, write_file, product("SKU-L", 0, location="A-01"))
    now = datetime.now(UTC)
    today = local_day(now)

    def lot(bin_code: str, name: str, qty: int, expiry: date) -> Movement:
        return Movement(LedgerKind.RECEIVE, "SKU-L", bin_code, name, qty, expiry=expiry)

    _book(
        db_path,
        now,
        [
            lot("A-01", "L-OLD", 3, today - timedelta(days=2)),
            lot("R-01", "L-SOON", 5, today + timedelta(days=10)),
            lot("R-02", "L-LATE", 7, today + timedelta(days=100)),
            lot("R-03", "L-GONE", 1, today - timedelta(days=1)),
        ],
    )
    _book(db_path, now, [Movement(LedgerKind.WRITE_OFF, "SKU-L", "R-03", "L-GONE", -1)])
    rows = _rows(wareterm("stock", "expiring", "--json"))
    assert [(r["lot"], r["bin"], r["on_hand"], r["state"], r["days_left"]) for r in rows] == [
        ("L-OLD", "A-01", 3, "expired", -2),
        ("L-SOON", "R-01", 5, "expiring", 10),
    ]
    near = _rows(wareterm("stock", "expiring", "--days", "5", "--json"))
    assert [r["lot"] for r in near] == ["L-OLD"]
    far = _rows(wareterm("stock", "expiring", "--days", "120", "--json"))
    assert [r["lot"] for r in far] == ["L-OLD", "L-SOON", "L-LATE"]
    table = wareterm("stock", "expiring")
    assert table.exit_code == 0 and "L-SOON" in table.stdout and "expired" in table.stdout


def test_slow_lists_stock_nothing_shipped_of(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _import(
        wareterm,
        write_file,
        product("SKU-A", 10, location="A-01"),
        product("SKU-B", 4, location="A-02"),
        product("SKU-C", 0, location="A-03"),
    )
    _book(db_path, datetime.now(UTC) - timedelta(days=5), [_ship("SKU-A", "A-01", 2)])
    rows = _rows(wareterm("stock", "slow", "--json"))
    assert [(r["sku"], r["on_hand"], r["last_shipped"]) for r in rows] == [("SKU-B", 4, None)]
    recent = _rows(wareterm("stock", "slow", "--days", "3", "--json"))
    assert [r["sku"] for r in recent] == ["SKU-A", "SKU-B"]
    assert recent[0]["last_shipped"] is not None
    table = wareterm("stock", "slow")
    assert table.exit_code == 0 and "SKU-B" in table.stdout and "never" in table.stdout


def test_replenish_lists_pick_faces_below_minimum_and_moves_from_reserve(
    wareterm: Run, write_file: Write
) -> None:
    _import(
        wareterm,
        write_file,
        product("SKU-A", 40, location="A-01"),
        product("SKU-B", 2, location="A-02"),
    )

    def run(*args: str) -> Result:
        result = wareterm(*args)
        assert result.exit_code == 0, result.output
        return result

    for target, qty in (("R-01", "25"), ("R-02", "10")):
        run("stock", "move", "SKU-A", "--from", "A-01", "--to", target, "--qty", qty,
            "--reason", "overflow")  # fmt: skip
        run("stock", "bin-kind", target, "reserve")
    run("stock", "bin-max", "A-01", "20")
    assert _rows(wareterm("stock", "replenish", "--json")) == []  # no minimum yet
    run("stock", "bin-min", "a-01", "8")
    run("stock", "bin-min", "A-02", "5")  # below it, but no reserve holds SKU-B
    (task,) = _rows(wareterm("stock", "replenish", "--json"))
    assert (task["id"], task["face"], task["units"], task["source"], task["qty"]) == (
        "A-01:SKU-A",
        "A-01",
        5,
        "R-01",
        20 - 5,
    )
    assert "A-01:SKU-A" in run("stock", "replenish").stdout
    done = json.loads(run("stock", "replenish", "--do", "A-01:SKU-A", "--json").stdout)
    ledger = _rows(wareterm("stock", "ledger", "--doc", f"move:{done['move']}", "--json"))
    assert sorted((e["kind"], e["bin"], e["qty"], e["reason"]) for e in ledger) == [
        ("move", "A-01", 15, "replenishment"),
        ("move", "R-01", -15, "replenishment"),
    ]
    bins = {b["bin"]: b["on_hand"] for b in _rows(wareterm("stock", "bins", "SKU-A", "--json"))}
    assert bins == {"A-01": 20, "R-01": 10, "R-02": 10}
    assert _rows(wareterm("stock", "replenish", "--json")) == []
    again = wareterm("stock", "replenish", "--do", "A-01:SKU-A")
    assert again.exit_code == 1 and "A-01:SKU-A" in again.stderr
    assert wareterm("stock", "check").exit_code == 0
    run("stock", "bin-min", "A-01")  # no minimum
    assert "—" in run("stock", "bin-min", "A-02").stdout


def test_bin_min_and_bin_max_refuse_the_limits_the_locations_file_refuses(
    wareterm: Run, write_file: Write, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = wareterm(
        "import",
        "locations",
        "--json",
        write_file(
            "bins.csv",
            "code,sequence,kind,min_units,max_units\n"
            "A-01,1,pick_face,,5\nR-01,2,reserve,,\nA-01,1,pick_face,9,5\nR-01,2,reserve,3,\n",
        ),
    )
    assert refused.exit_code == 1
    reasons = [r["reason"] for r in json.loads(refused.stdout)["rejected"]]
    assert len(reasons) == 2
    # the same refusals, word for word, from the command line: exit 1, nothing changed
    for args, reason in (
        (("stock", "bin-min", "A-01", "9"), reasons[0]),
        (("stock", "bin-min", "R-01", "3"), reasons[1]),
        (("stock", "bin-max", "R-01", "3"), reasons[1]),
    ):
        result = wareterm(*args)
        assert (result.exit_code, result.stderr.strip()) == (1, f"error: {reason}"), args
    assert wareterm("stock", "bin-min", "A-01", "4").exit_code == 0
    lower = wareterm("stock", "bin-max", "a-01", "3")
    assert (lower.exit_code, lower.stderr.strip()) == (
        1,
        "error: bin A-01: the minimum 4 is above the maximum 3",
    )
    for command in ("bin-min", "bin-max"):
        for number in ("-1", "10000001"):
            result = wareterm("stock", command, "A-01", number)
            assert result.exit_code == 1, result.output
            assert "from 0 to 10000000" in result.stderr and "Traceback" not in result.output
        assert wareterm("stock", command, "A-01", "many").exit_code == 2  # a usage error
    store = open_store(db_path)
    try:
        limits = store.query("SELECT code, kind, min_units, max_units FROM locations ORDER BY code")
    finally:
        store.close()
    assert [tuple(row.values()) for row in limits] == [
        ("A-01", "pick_face", 4, 5),
        ("R-01", "reserve", None, None),
    ]
    # in Chinese too
    monkeypatch.setenv("WARETERM_LANG", "zh_CN")
    result = wareterm("stock", "bin-max", "A-01", "3")
    assert (result.exit_code, result.stderr.strip()) == (1, "错误：货位 A-01：下限 4 高于上限 3")
