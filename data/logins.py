"""Checking an SSH login against the users table: the PIN as password (rate-limited per user
name and per client address, every failure audited) or a registered public key.

The server calls these on its own connection to the database; the session's terminal audits
the successful login itself (``Floor.session_login``), with the station it works at."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core import throttle
from core.auth import hash_secret, verify_secret
from core.clock import from_iso, to_iso
from core.errors import WaretermError
from core.throttle import FailureCount, ThrottlePolicy
from data import keys
from data.store import Actor, Store

#: The station named in the audit of a login that failed (no session, so no station yet).
SSH_STATION = "ssh"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
_dummy_hash: str | None = None


@dataclass(frozen=True)
class LoginCheck:
    """The answer to a password attempt. ``reason`` is empty when it succeeded, else one of
    ``unknown_user``, ``inactive``, ``wrong_password``, ``locked``, ``not_recorded`` (the
    attempt could not be counted, so the PIN was not checked); ``locked_until`` says until
    when a lock (new or already in force) holds; ``role`` is the user's on success; ``error``
    says what the database answered when it could not record the attempt or its audit."""

    ok: bool
    reason: str = ""
    locked_until: datetime | None = None
    role: str = ""
    error: str = ""


@dataclass(frozen=True)
class KeyCheck:
    """The answer to a public key offer: the stored key's fingerprint and station when it is
    one of the user's keys, else ``reason`` (``unknown_user``, ``inactive``, ``unknown_key``)."""

    ok: bool
    reason: str = ""
    fingerprint: str = ""
    station: str | None = None
    role: str = ""


def user_name(name: str) -> str:
    """A login name as stored (trimmed, lowercase); text that cannot be a user name is cut to
    a harmless length for the audit."""
    return name.strip().lower()[:64]


def _user_row(store: Store, name: str) -> dict[str, Any] | None:
    if not _NAME.match(name):
        return None
    rows = store.query("SELECT name, role, pin_hash, active FROM users WHERE name = ?", (name,))
    return rows[0] if rows else None


def _waste_time(secret: str) -> None:
    """Check against a throwaway hash so an unknown user answers as slowly as a known one."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_secret("not a pin")
    verify_secret(secret, _dummy_hash)


def _load(conn: Any, scope: str, subject: str) -> FailureCount | None:
    row = conn.execute(
        "SELECT failures, last_failed_at, locked_until FROM login_failures"
        " WHERE scope = ? AND subject = ?",
        (scope, subject),
    ).fetchone()
    if row is None:
        return None
    until = from_iso(row["locked_until"]) if row["locked_until"] else None
    return FailureCount(row["failures"], from_iso(row["last_failed_at"]), until)


def _subjects(name: str, peer: str) -> list[tuple[str, str, ThrottlePolicy]]:
    """The counters a password attempt touches: the user name (if it can be one) and the
    client address."""
    subjects = [("peer", peer or "?", throttle.PEER_POLICY)]
    if _NAME.match(name):
        subjects.insert(0, ("user", name, throttle.USER_POLICY))
    return subjects


def lock_in_force(store: Store, name: str, peer: str) -> datetime | None:
    """Until when password logins for ``name`` or from ``peer`` are locked (None: not)."""
    now = store.clock.now()
    with store.read() as conn:
        ends = [
            throttle.locked_until(throttle.current(_load(conn, scope, subject), now, policy), now)
            for scope, subject, policy in _subjects(user_name(name), peer)
        ]
    return max((end for end in ends if end is not None), default=None)


def check_password(
    store: Store,
    name: str,
    secret: str,
    peer: str,
    *,
    method: str = "password",
    station: str = SSH_STATION,
) -> LoginCheck:
    """Check the user's PIN given as the SSH password (or typed at a terminal's login screen:
    ``method`` ``pin``, ``peer`` the terminal, ``station`` where it stands).

    The attempt is counted against the user name and the address *before* the PIN is
    checked, in the same ``BEGIN IMMEDIATE`` transaction that reads the counts and decides
    whether a lock is in force: processes checking PINs at once take turns there, so no more
    PINs are checked than the lockout lets through. While a lock is in force the PIN is not
    checked. An attempt that cannot be counted (a full disk, a read-only file) is refused
    unchecked (``not_recorded``): the lockout never switches off. A failure is audited
    (``login.failed`` with method, reason and peer address); success clears the counts."""
    name = user_name(name)
    try:
        locked = _take_attempt(store, name, peer)
    except (sqlite3.Error, WaretermError) as error:
        return LoginCheck(False, "not_recorded", error=str(error))
    if locked is not None and locked.in_force:
        audited = _try_audit(
            store, name, peer, method, "locked", station, locked_until=to_iso(locked.until)
        )
        return LoginCheck(False, "locked", locked.until, error=audited)
    row = _user_row(store, name)
    if row is None:
        _waste_time(secret)
        reason = "unknown_user"
    elif not row["active"]:
        _waste_time(secret)
        reason = "inactive"
    elif not verify_secret(secret, row["pin_hash"]):
        reason = "wrong_password"
    else:
        # If this fails the attempt stays counted: one failure too many, never one too few.
        with contextlib.suppress(sqlite3.Error, WaretermError):
            _clear(store, name, peer)
        return LoginCheck(True, role=row["role"])
    until = locked.until if locked is not None else None
    audited = _try_audit(
        store, name, peer, method, reason, station, locked_until=to_iso(until) if until else None
    )
    return LoginCheck(False, reason, until, error=audited)


@dataclass(frozen=True)
class _Lock:
    """A lock on password logins: ``in_force`` when it held before this attempt (the PIN is
    then not checked), else it was started by counting this attempt."""

    until: datetime
    in_force: bool


def _take_attempt(store: Store, name: str, peer: str) -> _Lock | None:
    """In one transaction: the lock in force, if any (then nothing is counted: attempts
    during a lock do not lengthen it); else count the attempt as a failure (a good PIN clears
    it afterwards) and return the lock that count starts, if any."""
    now = store.clock.now()
    with store.immediate():
        conn = store.conn
        subjects = _subjects(name, peer)
        counts = [_load(conn, scope, subject) for scope, subject, _policy in subjects]
        ends = [
            throttle.locked_until(throttle.current(count, now, policy), now)
            for count, (_scope, _subject, policy) in zip(counts, subjects, strict=True)
        ]
        in_force = max((end for end in ends if end is not None), default=None)
        if in_force is not None:
            return _Lock(in_force, in_force=True)
        locks: list[datetime] = []
        for count, (scope, subject, policy) in zip(counts, subjects, strict=True):
            after = throttle.after_failure(count, now, policy)
            conn.execute(
                "INSERT INTO login_failures (scope, subject, failures, last_failed_at,"
                " locked_until) VALUES (?,?,?,?,?) ON CONFLICT (scope, subject) DO UPDATE SET"
                " failures = excluded.failures, last_failed_at = excluded.last_failed_at,"
                " locked_until = excluded.locked_until",
                (
                    scope,
                    subject,
                    after.failures,
                    to_iso(after.last_failed_at),
                    to_iso(after.locked_until) if after.locked_until else None,
                ),
            )
            if after.locked_until is not None:
                locks.append(after.locked_until)
        # Counters nobody failed on for long are dropped, so guessed names do not pile up.
        forget = max(throttle.USER_POLICY.forget_after_s, throttle.PEER_POLICY.forget_after_s)
        horizon = to_iso(now - timedelta(seconds=forget + throttle.USER_POLICY.max_lock_s))
        conn.execute("DELETE FROM login_failures WHERE last_failed_at < ?", (horizon,))
    started = max(locks, default=None)
    return _Lock(started, in_force=False) if started is not None else None


def _try_audit(
    store: Store, name: str, peer: str, method: str, reason: str, station: str, **detail: Any
) -> str:
    """Audit a refused attempt; what went wrong when it could not be (the attempt is counted
    and refused either way), else ""."""
    try:
        _audit_failure(store, name, peer, method, reason, station=station, **detail)
    except (sqlite3.Error, WaretermError) as error:
        return str(error)
    return ""


def _clear(store: Store, name: str, peer: str) -> None:
    """A good password forgets the failures of the name and the address (bookkeeping, not
    audited: the login itself is)."""
    where = "(scope = 'user' AND subject = ?) OR (scope = 'peer' AND subject = ?)"
    with store.immediate():
        store.conn.execute(f"DELETE FROM login_failures WHERE {where}", (name, peer or "?"))


def check_key(store: Store, name: str, openssh: str) -> KeyCheck:
    """Whether the key (``algorithm base64``) is one of the active user's keys. Not audited and
    not counted: clients offer every key they hold, and a key cannot be guessed. The server
    audits a connection that ends without logging in (:func:`record_refused`)."""
    name = user_name(name)
    row = _user_row(store, name)
    if row is None:
        return KeyCheck(False, "unknown_user")
    if not row["active"]:
        return KeyCheck(False, "inactive")
    found = keys.find_key(store, name, openssh)
    if found is None:
        return KeyCheck(False, "unknown_key")
    return KeyCheck(
        True, fingerprint=found["fingerprint"], station=found["station"], role=row["role"]
    )


def record_refused(
    store: Store, name: str, peer: str, method: str, reason: str, **detail: Any
) -> None:
    """Audit a login refused for a reason the password check did not record (a key nobody
    registered, a user who is unknown or inactive)."""
    _audit_failure(store, user_name(name), peer, method, reason, **detail)


def _audit_failure(
    store: Store,
    name: str,
    peer: str,
    method: str,
    reason: str,
    station: str = SSH_STATION,
    **detail: Any,
) -> None:
    with store.write(Actor(name or "?", station)) as write:
        write.audit("login.failed", name or "?", method=method, reason=reason, peer=peer, **detail)


def failure_counts(store: Store) -> list[dict[str, Any]]:
    """The failure counters as stored (for the audit and for tests)."""
    return store.query(
        "SELECT scope, subject, failures, last_failed_at, locked_until FROM login_failures"
        " ORDER BY scope, subject"
    )
