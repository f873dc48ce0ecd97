"""Roles are enforced in the services, whatever route a request takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotAllowed
from core.model import Role
from data import catalog, orders, users, waves
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

PICKER = Actor("li.na", "hh-1")
SUPERVISOR = Actor("zhao.min", "office")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(store, ADMIN, products_csv([product("SKU-CUP", 5)]), "p.csv")
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("DD-1", [("SKU-CUP", 1)]),
            order_rows("DD-2", [("SKU-CUP", 1)], payment_status="pending"),
        ),
        "o.csv",
    )
    add_floor_users(store, "picker", "li.na")
    add_floor_users(store, "supervisor", "zhao.min")
    return store


def test_a_picker_cannot_cancel_release_or_release_waves(store: Store) -> None:
    with pytest.raises(NotAllowed, match="may not cancel orders"):
        orders.cancel_order(store, PICKER, "DD-1", "no")
    with pytest.raises(NotAllowed, match="may not release held orders"):
        orders.release_order(store, PICKER, "DD-2")
    with pytest.raises(NotAllowed, match="may not release waves"):
        waves.release_wave(store, PICKER, max_orders=5, orders_per_list=2)
    assert status_of(store, "DD-1") == "allocated"
    assert status_of(store, "DD-2") == "on_hold"
    refused = store.query("SELECT * FROM audit WHERE user = 'li.na'")
    assert refused == []  # nothing was written, not even half an action


def test_the_stored_role_wins_over_a_claimed_one(store: Store) -> None:
    claimed = Actor("li.na", "hh-1", Role.ADMIN)
    with pytest.raises(NotAllowed):
        orders.cancel_order(store, claimed, "DD-1", "no")


def test_a_deactivated_or_unknown_user_may_do_nothing(store: Store) -> None:
    with store.write(ADMIN) as write:
        write.execute("UPDATE users SET active = 0 WHERE name = 'zhao.min'")
        write.audit("test.deactivate", "zhao.min")
    with pytest.raises(NotAllowed, match="not an active user"):
        orders.cancel_order(store, SUPERVISOR, "DD-1", "no")
    with pytest.raises(NotAllowed, match="not an active user"):
        waves.claim_next(store, Actor("ghost", "hh-9"))


def test_a_supervisor_may_and_is_audited_with_station(store: Store) -> None:
    orders.cancel_order(store, SUPERVISOR, "DD-1", "customer cancelled")
    assert status_of(store, "DD-1") == "cancelled"
    row = store.query("SELECT user, station FROM audit WHERE action = 'order.cancel'")
    assert row == [{"user": "zhao.min", "station": "office"}]


def test_only_admins_configure(store: Store) -> None:
    with pytest.raises(NotAllowed, match="may not change the configuration"):
        users.add_user(store, SUPERVISOR, "new.one", "admin", "1234")
