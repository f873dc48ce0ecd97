"""PINs checked by many processes at once on one file (16 terminals, or two servers): the
lockout still lets no more PINs be checked than its threshold."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from core.throttle import USER_POLICY
from data import logins, users
from data.store import open_store
from tests.data.builders import ADMIN

PROCESSES = 16
ATTEMPTS_EACH = 2


def _guess(path: str, peer: str, start: Any, out: Any) -> None:
    """Wait until every process is ready, then try wrong PINs for the same user."""
    store = open_store(path)
    start.wait()
    reasons = [
        logins.check_password(store, "li.na", "0000", peer).reason for _ in range(ATTEMPTS_EACH)
    ]
    store.close()
    out.put(reasons)


def test_processes_checking_pins_at_once_get_no_more_checks_than_the_lockout_allows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    store = open_store(path)
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    store.close()
    context = multiprocessing.get_context("forkserver")
    start = context.Barrier(PROCESSES)
    out = context.Queue()
    # Each process has its own address, so only the user name's lock can stop them.
    processes = [
        context.Process(target=_guess, args=(str(path), f"10.0.0.{n}", start, out))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        reasons = [reason for _ in processes for reason in out.get(timeout=60)]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    assert len(reasons) == PROCESSES * ATTEMPTS_EACH
    checked = [reason for reason in reasons if reason != "locked"]
    assert set(checked) == {"wrong_password"}
    beyond = len(checked) - USER_POLICY.lock_after
    assert beyond == 0, f"{beyond} PINs were checked beyond the lockout: {reasons}"
    store = open_store(path)
    [count] = [row for row in logins.failure_counts(store) if row["scope"] == "user"]
    assert count["failures"] == USER_POLICY.lock_after
    store.close()
