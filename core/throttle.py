"""Failed logins slow the next ones down: a count per user name and per client address, and a
lock that doubles with each further failure.

Pure rules over a small record; the store keeps the records and passes the time in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, how long the first lock lasts (it doubles with each further
    failure, up to ``max_lock_s``) and after how long a quiet spell the count is forgotten."""

    lock_after: int
    first_lock_s: float
    max_lock_s: float
    forget_after_s: float


#: One user name: the third wrong password in a row locks it for 10 s, then 20 s, 40 s … 15 min.
USER_POLICY = ThrottlePolicy(lock_after=3, first_lock_s=10, max_lock_s=900, forget_after_s=900)
#: One client address: more lenient (an office of supervisors can share one address).
PEER_POLICY = ThrottlePolicy(lock_after=10, first_lock_s=10, max_lock_s=900, forget_after_s=900)


@dataclass(frozen=True)
class FailureCount:
    """Failed logins of one user name or one address, the last one's time, and the lock."""

    failures: int
    last_failed_at: datetime
    locked_until: datetime | None = None


def current(
    count: FailureCount | None, now: datetime, policy: ThrottlePolicy
) -> FailureCount | None:
    """The count as it stands at ``now``: None once a quiet spell of ``forget_after_s`` (after
    the last failure and after the lock ended) has passed."""
    if count is None:
        return None
    quiet_since = max(count.last_failed_at, count.locked_until or count.last_failed_at)
    if now - quiet_since >= timedelta(seconds=policy.forget_after_s):
        return None
    return count


def locked_until(count: FailureCount | None, now: datetime) -> datetime | None:
    """When the lock ends, if one is in force at ``now``."""
    if count is None or count.locked_until is None or count.locked_until <= now:
        return None
    return count.locked_until


def lock_seconds(failures: int, policy: ThrottlePolicy) -> float:
    """How long the ``failures``-th failure in a row locks (0: not yet)."""
    if failures < policy.lock_after:
        return 0.0
    doublings = min(failures - policy.lock_after, 32)
    return float(min(policy.first_lock_s * 2**doublings, policy.max_lock_s))


def after_failure(
    count: FailureCount | None, now: datetime, policy: ThrottlePolicy
) -> FailureCount:
    """The count after one more failure at ``now`` (a forgotten count starts again at one)."""
    previous = current(count, now, policy)
    failures = (previous.failures if previous else 0) + 1
    seconds = lock_seconds(failures, policy)
    until = now + timedelta(seconds=seconds) if seconds else None
    return FailureCount(failures, now, until)
