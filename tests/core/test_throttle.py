"""Failed-login throttling: free failures, a lock that doubles up to a cap, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.throttle import (
    PEER_POLICY,
    USER_POLICY,
    FailureCount,
    ThrottlePolicy,
    after_failure,
    current,
    lock_seconds,
    locked_until,
)

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(lock_after=3, first_lock_s=10, max_lock_s=900, forget_after_s=900)


def _fail(times: int, start: datetime = T0, every_s: float = 1.0) -> FailureCount | None:
    count = None
    for n in range(times):
        count = after_failure(count, start + timedelta(seconds=n * every_s), POLICY)
    return count


def test_the_first_failures_are_free_then_the_lock_doubles() -> None:
    assert [lock_seconds(n, POLICY) for n in range(1, 10)] == [
        0,
        0,
        10,
        20,
        40,
        80,
        160,
        320,
        640,
    ]
    assert lock_seconds(10, POLICY) == 900  # capped
    assert lock_seconds(10_000, POLICY) == 900  # no overflow however long the attack


def test_the_third_wrong_password_locks_for_ten_seconds() -> None:
    two = _fail(2)
    assert two is not None and locked_until(two, T0 + timedelta(seconds=1)) is None
    three = after_failure(two, T0 + timedelta(seconds=2), POLICY)
    assert three.failures == 3
    assert locked_until(three, T0 + timedelta(seconds=2)) == T0 + timedelta(seconds=12)
    assert locked_until(three, T0 + timedelta(seconds=11.9)) is not None
    assert locked_until(three, T0 + timedelta(seconds=12)) is None  # over at its end


def test_a_quiet_spell_forgets_the_count() -> None:
    three = _fail(3)
    assert three is not None and three.locked_until is not None
    just_before = three.locked_until + timedelta(seconds=POLICY.forget_after_s - 1)
    assert current(three, just_before, POLICY) == three
    assert current(three, just_before + timedelta(seconds=1), POLICY) is None
    # A failure after the count is forgotten starts again at one: no lock.
    again = after_failure(three, just_before + timedelta(seconds=1), POLICY)
    assert (again.failures, again.locked_until) == (1, None)


def test_failures_after_a_lock_keep_counting() -> None:
    three = _fail(3)
    assert three is not None and three.locked_until is not None
    four = after_failure(three, three.locked_until + timedelta(seconds=1), POLICY)
    assert four.failures == 4
    assert four.locked_until == four.last_failed_at + timedelta(seconds=20)


def test_an_address_gets_more_tries_than_a_user_name() -> None:
    assert PEER_POLICY.lock_after > USER_POLICY.lock_after
    assert USER_POLICY.lock_after == 3


@given(st.lists(st.floats(min_value=0, max_value=3000, allow_nan=False), min_size=1, max_size=40))
def test_a_lock_never_exceeds_the_cap_and_never_starts_before_the_free_failures(
    gaps: list[float],
) -> None:
    count: FailureCount | None = None
    now = T0
    for gap in gaps:
        now += timedelta(seconds=gap)
        count = after_failure(count, now, POLICY)
        assert count.last_failed_at == now
        assert count.failures >= 1
        if count.locked_until is None:
            assert count.failures < POLICY.lock_after
        else:
            assert count.failures >= POLICY.lock_after
            assert timedelta(0) < count.locked_until - now <= timedelta(seconds=900)
