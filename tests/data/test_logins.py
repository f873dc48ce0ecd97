"""SSH logins against the users table: the PIN as password, rate limiting per user name and
per client address (kept in the database), audit of every failure, and public keys."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.throttle import PEER_POLICY, USER_POLICY
from data import keys, logins, users
from data.store import Store
from tests.data.builders import ADMIN, NOW, new_store
from tests.data.test_keys import make_key, public_file

PEER = "10.0.0.7"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    users.add_user(store, ADMIN, "wang.fang", "picker", "5678")
    return store


def _clock(store: Store) -> FixedClock:
    assert isinstance(store.clock, FixedClock)
    return store.clock


def _failures(store: Store) -> list[dict[str, object]]:
    rows = store.query(
        "SELECT user, station, subject, detail FROM audit WHERE action = 'login.failed' ORDER BY id"
    )
    return [{**row, "detail": json.loads(str(row["detail"]))} for row in rows]


def test_the_pin_is_the_password(store: Store) -> None:
    assert logins.check_password(store, "li.na", "1234", PEER) == logins.LoginCheck(
        True, role="picker"
    )
    assert logins.check_password(store, " LI.NA ", "1234", PEER).ok
    # Success is not audited here: the session's terminal audits the login with its station.
    assert store.query("SELECT * FROM audit WHERE action LIKE 'login%'") == []


@pytest.mark.parametrize(
    ("name", "secret", "reason"),
    [
        ("li.na", "9999", "wrong_password"),
        ("nobody", "1234", "unknown_user"),
        ("'; DROP TABLE users; --", "1234", "unknown_user"),
        ("x" * 500, "1234", "unknown_user"),
    ],
)
def test_a_failed_password_is_refused_and_audited_with_method_reason_and_peer(
    store: Store, name: str, secret: str, reason: str
) -> None:
    check = logins.check_password(store, name, secret, PEER)
    assert (check.ok, check.reason, check.locked_until) == (False, reason, None)
    [failure] = _failures(store)
    assert failure["subject"] == name.strip().lower()[:64]
    assert failure["station"] == "ssh"
    assert failure["detail"] == {
        "method": "password",
        "reason": reason,
        "peer": PEER,
        "locked_until": None,
    }
    assert users.list_users(store)  # the users table is still there


def test_an_inactive_user_is_refused_even_with_the_right_pin(store: Store) -> None:
    store.conn.execute("UPDATE users SET active = 0 WHERE name = 'li.na'")
    check = logins.check_password(store, "li.na", "1234", PEER)
    assert (check.ok, check.reason) == (False, "inactive")


def test_the_third_wrong_password_locks_the_user_and_the_lock_doubles(store: Store) -> None:
    clock = _clock(store)
    assert logins.check_password(store, "li.na", "0000", PEER).locked_until is None
    assert logins.check_password(store, "li.na", "0001", PEER).locked_until is None
    third = logins.check_password(store, "li.na", "0002", PEER)
    assert third.locked_until == NOW + timedelta(seconds=USER_POLICY.first_lock_s)
    # While locked, even the right PIN is refused, without being checked, and audited.
    clock.advance(timedelta(seconds=5))
    locked = logins.check_password(store, "li.na", "1234", PEER)
    assert (locked.ok, locked.reason, locked.locked_until) == (False, "locked", third.locked_until)
    assert _failures(store)[-1]["detail"]["reason"] == "locked"
    # Attempts during the lock do not lengthen it.
    counts = {row["scope"]: row["failures"] for row in logins.failure_counts(store)}
    assert counts == {"user": 3, "peer": 3}
    # Another user is not affected by li.na's lock.
    assert logins.check_password(store, "wang.fang", "5678", PEER).ok
    # After the lock the PIN works, and success forgets the count.
    clock.advance(timedelta(seconds=5))
    assert logins.check_password(store, "li.na", "1234", PEER).ok
    assert logins.failure_counts(store) == []


def test_failures_after_a_lock_lock_longer(store: Store) -> None:
    clock = _clock(store)
    for _ in range(3):
        logins.check_password(store, "li.na", "0000", PEER)
    clock.advance(timedelta(seconds=USER_POLICY.first_lock_s))
    fourth = logins.check_password(store, "li.na", "0000", PEER)
    assert fourth.reason == "wrong_password"
    assert fourth.locked_until == clock.now() + timedelta(seconds=2 * USER_POLICY.first_lock_s)


def test_a_quiet_quarter_hour_forgets_failures(store: Store) -> None:
    clock = _clock(store)
    logins.check_password(store, "li.na", "0000", PEER)
    logins.check_password(store, "li.na", "0000", PEER)
    clock.advance(timedelta(seconds=USER_POLICY.forget_after_s))
    third = logins.check_password(store, "li.na", "0000", PEER)
    assert third.locked_until is None  # counted as the first again


def test_one_address_guessing_many_names_is_locked_out(store: Store) -> None:
    for n in range(PEER_POLICY.lock_after):
        logins.check_password(store, f"guess{n}", "1234", PEER)
    # The address is locked, for every name, even a real user with the right PIN ...
    check = logins.check_password(store, "wang.fang", "5678", PEER)
    assert (check.ok, check.reason) == (False, "locked")
    assert logins.lock_in_force(store, "anyone", PEER) is not None
    # ... while the same user from another address logs in.
    assert logins.check_password(store, "wang.fang", "5678", "10.0.0.8").ok


def test_counters_live_in_the_database(store: Store, tmp_path: Path) -> None:
    for _ in range(3):
        logins.check_password(store, "li.na", "0000", PEER)
    store.close()
    again = new_store(tmp_path / "w.db")  # a restarted server
    assert logins.check_password(again, "li.na", "1234", PEER).reason == "locked"


def test_old_counters_are_dropped(store: Store) -> None:
    clock = _clock(store)
    logins.check_password(store, "guess", "1234", "10.9.9.9")
    clock.advance(timedelta(hours=2))
    logins.check_password(store, "li.na", "0000", PEER)
    subjects = {(row["scope"], row["subject"]) for row in logins.failure_counts(store)}
    assert subjects == {("user", "li.na"), ("peer", PEER)}


# -- keys ---------------------------------------------------------------------------------------


def test_a_registered_key_of_an_active_user_is_accepted(store: Store) -> None:
    key = make_key()
    stored = keys.add_key(store, ADMIN, "li.na", public_file(key))
    offered = keys.key_of_blob(key.algorithm, key.public_data)
    check = logins.check_key(store, "li.na", offered)
    assert (check.ok, check.fingerprint, check.station) == (True, stored["fingerprint"], None)
    # Not for another user, not an unknown key, not for an inactive user.
    assert logins.check_key(store, "wang.fang", offered).reason == "unknown_key"
    other = make_key()
    unknown = keys.key_of_blob(other.algorithm, other.public_data)
    assert logins.check_key(store, "li.na", unknown).reason == "unknown_key"
    assert logins.check_key(store, "nobody", offered).reason == "unknown_user"
    store.conn.execute("UPDATE users SET active = 0 WHERE name = 'li.na'")
    assert logins.check_key(store, "li.na", offered).reason == "inactive"


def test_a_locked_user_still_logs_in_with_a_key(store: Store) -> None:
    key = make_key()
    keys.add_key(store, ADMIN, "li.na", public_file(key))
    for _ in range(3):
        logins.check_password(store, "li.na", "0000", PEER)
    assert logins.lock_in_force(store, "li.na", PEER) is not None
    assert logins.check_key(store, "li.na", keys.key_of_blob(key.algorithm, key.public_data)).ok


def test_a_refused_connection_is_audited(store: Store) -> None:
    logins.record_refused(store, "Wang.Fang", PEER, "publickey", "unknown_key")
    [failure] = _failures(store)
    assert failure["subject"] == "wang.fang"
    assert failure["detail"] == {"method": "publickey", "reason": "unknown_key", "peer": PEER}


# -- the lockout holds when the database cannot be written ------------------------------------


def _read_only_copy(store: Store) -> Store:
    """The same file on a connection SQLite opened read-only (``mode=ro``): every write fails
    in SQLite itself, as on a file the server may not write."""
    import sqlite3

    ro = Store.__new__(Store)
    ro.__dict__.update(store.__dict__)
    ro.conn = sqlite3.connect(
        f"file:{store.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    ro.conn.row_factory = sqlite3.Row
    return ro


@pytest.mark.parametrize("how", ["query_only", "mode_ro"])
def test_an_attempt_that_cannot_be_counted_is_refused_unchecked(store: Store, how: str) -> None:
    if how == "query_only":
        store.conn.execute("PRAGMA query_only = 1")
        target = store
    else:
        target = _read_only_copy(store)
    # The right PIN: refused, because the attempt could not be counted.
    check = logins.check_password(target, "li.na", "1234", PEER)
    assert (check.ok, check.reason) == (False, "not_recorded")
    assert "readonly" in check.error
    for _ in range(5):
        assert logins.check_password(target, "li.na", "0000", PEER).reason == "not_recorded"
    store.conn.execute("PRAGMA query_only = 0")
    assert logins.failure_counts(store) == [] and _failures(store) == []
    # Writable again: counting and checking resume.
    assert logins.check_password(store, "li.na", "1234", PEER).ok


def test_the_login_screen_refuses_a_login_it_cannot_record(store: Store) -> None:
    from core.errors import NotAllowed
    from data.floor import SqliteFloor

    store.conn.execute("PRAGMA query_only = 1")
    with pytest.raises(NotAllowed, match="could not be recorded.*readonly.*supervisor"):
        SqliteFloor(store).login("li.na", "1234", "bench-1")


def test_a_failure_counted_but_not_audited_is_still_refused(store: Store) -> None:
    # The audit table refuses writes (a trigger stands in for the disk filling up between the
    # count and the audit): the attempt is counted and refused, and says why it went unaudited.
    store.conn.execute(
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN"
        " SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    check = logins.check_password(store, "li.na", "0000", PEER)
    assert (check.ok, check.reason, check.error) == (
        False,
        "wrong_password",
        "database or disk is full",
    )
    counts = {row["scope"]: row["failures"] for row in logins.failure_counts(store)}
    assert counts == {"user": 1, "peer": 1}
