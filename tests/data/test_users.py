"""Users: adding them, PINs stored only as hashes, and checking a login."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.errors import NotAllowed, NotFound, Rejected
from core.model import Role
from data import users
from data.store import Store
from tests.data.builders import ADMIN, new_store

PIN = "97531864"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "w.db")


def test_pin_is_stored_only_as_a_salted_hash(tmp_path: Path, store: Store) -> None:
    users.add_user(store, ADMIN, "li.na", "picker", PIN)
    users.add_user(store, ADMIN, "wang.fang", "picker", PIN)
    hashes = [row["pin_hash"] for row in store.query("SELECT pin_hash FROM users ORDER BY name")]
    assert all(PIN not in value for value in hashes)
    assert hashes[0] != hashes[1]  # salted
    assert all(value.startswith("scrypt$") for value in hashes)
    store.close()
    # Nowhere in the file (or its WAL) is the PIN as text.
    for file in tmp_path.iterdir():
        assert PIN.encode() not in file.read_bytes(), file.name
    conn = sqlite3.connect(tmp_path / "w.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert PIN not in dump


def test_login_checks_the_pin(store: Store) -> None:
    users.add_user(store, ADMIN, "Li.Na", "PICKER", PIN)
    assert users.check_login(store, "li.na", PIN) is Role.PICKER
    assert users.check_login(store, " LI.NA ", PIN) is Role.PICKER
    with pytest.raises(NotAllowed, match="Wrong PIN"):
        users.check_login(store, "li.na", "1234")
    with pytest.raises(NotAllowed, match="Unknown user"):
        users.check_login(store, "nobody", PIN)
    assert users.check_login(store, "li.na", None) is Role.PICKER  # badge: no PIN


def test_adding_again_changes_role_and_pin(store: Store) -> None:
    users.add_user(store, ADMIN, "li.na", "picker", PIN)
    users.add_user(store, ADMIN, "li.na", "supervisor", "2468")
    assert users.role_of(store, "li.na") is Role.SUPERVISOR
    with pytest.raises(NotAllowed):
        users.check_login(store, "li.na", PIN)
    assert users.check_login(store, "li.na", "2468") is Role.SUPERVISOR
    actions = [row["action"] for row in store.query("SELECT action FROM audit ORDER BY id")]
    assert actions == ["user.add", "user.update"]
    assert [row["name"] for row in users.list_users(store)] == ["li.na"]
    assert "pin_hash" not in users.list_users(store)[0]


@pytest.mark.parametrize(
    ("name", "role", "pin"),
    [
        ("li.na", "picker", "123"),
        ("li.na", "picker", "12a4"),
        ("li.na", "picker", "1234567890123"),
        ("li.na", "boss", "1234"),
        ("li na", "picker", "1234"),
        ("", "picker", "1234"),
        ("x" * 40, "picker", "1234"),
    ],
)
def test_bad_user_input_is_rejected(store: Store, name: str, role: str, pin: str) -> None:
    with pytest.raises(Rejected):
        users.add_user(store, ADMIN, name, role, pin)
    assert store.scalar("SELECT count(*) FROM users") == 0
    assert store.scalar("SELECT count(*) FROM audit") == 0


def test_role_of_unknown_user(store: Store) -> None:
    with pytest.raises(NotFound):
        users.role_of(store, "nobody")
