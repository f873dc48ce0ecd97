"""Low stock counts only units orders may be allocated."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from click.testing import Result

from core.clock import FixedClock
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
