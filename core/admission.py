"""Who gets in when the server is busy: connections still logging in, and terminals.

Pure rules over counts the SSH server passes in. A flood of connections that never log in, or
one operator opening terminal after terminal, must not keep everyone else out: connections
are capped per address and, when the global cap is reached, the newest connection pushes out
the oldest one of the address holding the most; terminals are capped per connection and per
user, and the last few are kept for the people who run the floor (supervisors, admins).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.model import Role
from core.roles import Permission, may


@dataclass(frozen=True)
class Waiting:
    """A connection that has not logged in yet: which, from where, since when (seconds on a
    monotonic clock)."""

    key: int
    peer: str
    since: float


@dataclass(frozen=True)
class Admission:
    """Whether a new connection may wait to log in, and which waiting one to drop for it."""

    admit: bool
    evict: int | None = None


def admit_connection(waiting: Sequence[Waiting], peer: str, per_peer: int, total: int) -> Admission:
    """The decision on a new connection from ``peer`` while ``waiting`` (not counting it)
    have not logged in. An address already holding ``per_peer`` is turned away. When
    ``total`` are waiting, the new one is let in and the oldest connection of the address
    holding the most is dropped: whoever floods from many addresses loses their own
    connections first, and nobody's connection waits forever behind them."""
    by_peer = Counter(entry.peer for entry in waiting)
    if by_peer[peer] >= per_peer:
        return Admission(False)
    if len(waiting) < total:
        return Admission(True)
    most = max(by_peer.values())
    heaviest = [entry for entry in waiting if by_peer[entry.peer] == most]
    oldest = min(heaviest, key=lambda entry: entry.since)
    return Admission(True, oldest.key)


class SessionRefusal(StrEnum):
    """Why a terminal was not started."""

    CONNECTION = "connection"  # this connection has its share of terminals
    USER = "user"  # this user has their share, over all connections
    FULL = "full"  # every slot this role may use is taken


@dataclass(frozen=True)
class SessionLimits:
    """Terminals at once: in all, kept back for supervisors and admins, on one connection,
    and of one user."""

    total: int
    reserved: int
    per_connection: int
    per_user: int


def reserved_for(total: int) -> int:
    """The default number of terminals kept for supervisors and admins: a tenth, at least one
    (none when there is only one)."""
    return 0 if total < 2 else max(1, total // 10)


def keeps_reserved_slots(role: Role | None) -> bool:
    """Whether ``role`` may use the terminals kept back (those who oversee the floor)."""
    return role is not None and may(role, Permission.OVERSEE)


def session_refusal(
    role: Role | None,
    running: int,
    on_connection: int,
    of_user: int,
    limits: SessionLimits,
) -> SessionRefusal | None:
    """Why a terminal for a user of ``role`` may not start now (None: it may), with
    ``running`` terminals in all, ``on_connection`` on its connection and ``of_user`` of the
    same user."""
    if on_connection >= limits.per_connection:
        return SessionRefusal.CONNECTION
    if of_user >= limits.per_user:
        return SessionRefusal.USER
    room = limits.total if keeps_reserved_slots(role) else limits.total - limits.reserved
    if running >= room:
        return SessionRefusal.FULL
    return None
