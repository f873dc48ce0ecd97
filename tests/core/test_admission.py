"""Who gets in when the SSH server is busy: connections logging in, and terminals."""

from __future__ import annotations

from core.admission import (
    Admission,
    SessionLimits,
    SessionRefusal,
    Waiting,
    admit_connection,
    reserved_for,
    session_refusal,
)
from core.model import Role


def _flood(addresses: int, each: int) -> list[Waiting]:
    return [
        Waiting(key=a * 100 + n, peer=f"127.0.0.{a + 2}", since=float(n * addresses + a))
        for a in range(addresses)
        for n in range(each)
    ]


def test_an_address_at_its_cap_is_turned_away() -> None:
    waiting = _flood(1, 10)
    assert admit_connection(waiting, "127.0.0.2", per_peer=10, total=256) == Admission(False)
    assert admit_connection(waiting, "127.0.0.1", per_peer=10, total=256) == Admission(True)


def test_a_full_door_drops_the_oldest_of_the_address_holding_most() -> None:
    waiting = _flood(26, 10)[:255] + [Waiting(9999, "10.0.0.9", 0.0)]
    decision = admit_connection(waiting, "10.0.0.1", per_peer=10, total=256)
    assert decision.admit and decision.evict is not None
    evicted = next(entry for entry in waiting if entry.key == decision.evict)
    # Not the lone (older) connection of 10.0.0.9: one of an address holding ten.
    assert evicted.peer != "10.0.0.9"
    holders = [entry for entry in waiting if entry.peer == evicted.peer]
    assert len(holders) == 10 and evicted.since == min(entry.since for entry in holders)


def test_nobody_is_starved_however_many_addresses_flood() -> None:
    waiting = _flood(26, 10)[:256]
    for newcomer in ("10.0.0.1", "10.0.0.2", "127.0.0.2"):
        decision = admit_connection(waiting, newcomer, per_peer=10, total=256)
        if newcomer == "127.0.0.2":
            assert not decision.admit  # the flooding address itself is at its cap
        else:
            assert decision.admit and decision.evict is not None


def test_terminal_caps_per_connection_per_user_and_the_reserved_slots() -> None:
    limits = SessionLimits(total=10, reserved=2, per_connection=2, per_user=3)
    assert session_refusal(Role.PICKER, 0, 0, 0, limits) is None
    assert session_refusal(Role.PICKER, 1, 2, 2, limits) is SessionRefusal.CONNECTION
    assert session_refusal(Role.PICKER, 5, 0, 3, limits) is SessionRefusal.USER
    # The last two are kept for those who oversee the floor.
    assert session_refusal(Role.PICKER, 8, 0, 0, limits) is SessionRefusal.FULL
    assert session_refusal(Role.PACKER, 8, 0, 0, limits) is SessionRefusal.FULL
    assert session_refusal(None, 8, 0, 0, limits) is SessionRefusal.FULL
    assert session_refusal(Role.SUPERVISOR, 8, 0, 0, limits) is None
    assert session_refusal(Role.ADMIN, 9, 0, 0, limits) is None
    assert session_refusal(Role.ADMIN, 10, 0, 0, limits) is SessionRefusal.FULL


def test_a_tenth_is_reserved_by_default() -> None:
    assert [reserved_for(n) for n in (1, 2, 10, 19, 100)] == [0, 1, 1, 1, 10]
