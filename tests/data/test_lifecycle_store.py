"""The data layer asks the lifecycle before it saves a status: an illegal change is refused
and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.lifecycle import IllegalTransition
from core.model import OrderStatus, PickListStatus
from data import catalog, orders, waves
from data.status import set_list_status, set_order_status
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(store, ADMIN, products_csv([product("SKU-A", 5)]), "p.csv")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("TB-1", [("SKU-A", 2)])), "o.csv")
    return store


def test_an_illegal_order_transition_is_refused_and_nothing_saved(store: Store) -> None:
    assert status_of(store, "TB-1") == "allocated"
    with pytest.raises(IllegalTransition, match="TB-1"), store.write(ADMIN) as write:
        set_order_status(write, "TB-1", OrderStatus.SHIPPED, shipped_at=write.now)
        write.audit("test", "TB-1")
    assert status_of(store, "TB-1") == "allocated"
    assert store.scalar("SELECT shipped_at FROM orders WHERE order_no = 'TB-1'") is None


def test_a_stale_status_read_by_the_caller_is_still_checked(store: Store) -> None:
    with pytest.raises(IllegalTransition), store.write(ADMIN) as write:
        set_order_status(write, "TB-1", OrderStatus.PICKED)
        write.audit("test", "TB-1")
    assert status_of(store, "TB-1") == "allocated"


def test_a_cancelled_order_goes_nowhere(store: Store) -> None:
    orders.cancel_order(store, ADMIN, "TB-1", "customer asked")
    for target in OrderStatus:
        if target is OrderStatus.CANCELLED:
            continue
        with pytest.raises(IllegalTransition), store.write(ADMIN) as write:
            set_order_status(write, "TB-1", target)
            write.audit("test", "TB-1")
    assert status_of(store, "TB-1") == "cancelled"


def test_claiming_a_list_moves_list_and_orders_through_the_table(store: Store) -> None:
    add_floor_users(store, "picker", "li.na")
    released = waves.release_wave(store, ADMIN)
    (picklist_id,) = released["picklists"]
    assert waves.claim_next(store, Actor("li.na", "hh-1")) == picklist_id
    assert store.scalar("SELECT status FROM picklists WHERE id = ?", (picklist_id,)) == "picking"
    assert status_of(store, "TB-1") == "picking"
    with pytest.raises(IllegalTransition), store.write(ADMIN) as write:
        set_list_status(write, picklist_id, PickListStatus.RELEASED)
        write.audit("test", "list")
    assert store.scalar("SELECT status FROM picklists WHERE id = ?", (picklist_id,)) == "picking"


def test_no_status_is_written_outside_the_status_module() -> None:
    root = Path(__file__).resolve().parents[2] / "data"
    for path in root.glob("*.py"):
        if path.name == "status.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "UPDATE orders SET status" not in text, path.name
        assert "UPDATE picklists SET status" not in text, path.name
