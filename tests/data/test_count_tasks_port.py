"""Count tasks made through the supervisor's stock port (the Stock section's Counts tab): the
``counts create`` service behind a supervisor check, each way of choosing bins, and every
refusal making nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import i18n
from core.errors import NotAllowed, NotFound, Rejected
from core.model import Role
from core.ports import Operator
from core.stock_oversight import CountScope
from data import catalog
from data.receiving import show_count
from data.stock_oversight import SqliteStockOversight
from data.store import Store
from tests.data.builders import ADMIN, add_floor_users, new_store, product, products_csv

BOSS = Operator("boss", Role.SUPERVISOR, "office")
PICKER = Operator("li.na", Role.SUPERVISOR, "hh-1")  # the role claimed is not trusted


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    add_floor_users(store, "supervisor", BOSS.name)
    add_floor_users(store, "picker", PICKER.name)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 6, location="A-01-01"),
                product("SKU-B", 4, location="A-01-02"),
                product("SKU-C", 3, location="A-01-10"),
                product("SKU-D", 2, location="B-01-01"),
            ]
        ),
        "p.csv",
    )
    return store


def _bins_of(store: Store, count_id: int) -> list[str]:
    return [r["bin"] for r in show_count(store, count_id)["bins"]]


def _counts(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM counts"))


def test_each_scope_makes_the_task_the_command_would(store: Store) -> None:
    port = SqliteStockOversight(store)
    by_range = port.create_count(BOSS, CountScope.BINS, " a-01-01:A-01-09 ")
    assert by_range.bins == ("A-01-01", "A-01-02") and not by_range.open_count
    assert _bins_of(store, by_range.id) == ["A-01-01", "A-01-02"]
    by_sku = port.create_count(BOSS, CountScope.SKU, "SKU-D", open_count=True)
    assert _bins_of(store, by_sku.id) == ["B-01-01"]
    assert show_count(store, by_sku.id)["open"]
    moved = port.create_count(BOSS, CountScope.MOVED, "1")
    assert set(_bins_of(store, moved.id)) == {"A-01-01", "A-01-02", "A-01-10", "B-01-01"}
    abc = port.create_count(BOSS, CountScope.ABC, "c")  # nothing shipped: every SKU is C
    assert abc.scope.startswith("abc C") and len(abc.bins) == 4
    with store.write(ADMIN) as write:  # as a short pick at A-01-10 leaves it
        write.execute(
            "INSERT INTO locations (code, needs_count) VALUES ('A-01-10', 1)"
            " ON CONFLICT (code) DO UPDATE SET needs_count = 1"
        )
        write.audit("test.flag", "A-01-10")
    flagged = port.create_count(BOSS, CountScope.FLAGGED, "ignored")
    assert _bins_of(store, flagged.id) == ["A-01-10"]
    created_by = {r["created_by"] for r in store.query("SELECT created_by FROM counts")}
    assert created_by == {BOSS.name}


@pytest.mark.parametrize(
    ("scope", "value", "error", "words"),
    [
        (CountScope.BINS, "  ", Rejected, "FIRST:LAST"),
        (CountScope.SKU, "", Rejected, "SKU"),
        (CountScope.MOVED, "", Rejected, "days"),
        (CountScope.MOVED, "seven", Rejected, "whole number"),
        (CountScope.MOVED, "0", Rejected, "whole number"),
        (CountScope.ABC, "", Rejected, "ABC class"),
        (CountScope.ABC, "D", Rejected, "A, B, C"),
        (CountScope.SKU, "SKU-NOPE", NotFound, "SKU-NOPE"),
        (CountScope.BINS, "Z-01:Z-09", Rejected, "nothing to count"),
        (CountScope.FLAGGED, "", Rejected, "nothing to count"),
    ],
)
def test_bad_input_is_refused_and_makes_nothing(
    store: Store, scope: CountScope, value: str, error: type[Exception], words: str
) -> None:
    port = SqliteStockOversight(store)
    i18n.set_language(None)
    with pytest.raises(error, match=words):
        port.create_count(BOSS, scope, value)
    assert _counts(store) == 0


def test_only_a_supervisor_makes_a_count_task(store: Store) -> None:
    port = SqliteStockOversight(store)
    with pytest.raises(NotAllowed):
        port.create_count(PICKER, CountScope.SKU, "SKU-A")
    assert _counts(store) == 0
