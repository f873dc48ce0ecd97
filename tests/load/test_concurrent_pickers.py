"""Many picker processes scanning flat out on one database file: nothing acknowledged is lost,
no list is claimed twice, no count goes past what was reserved or needed.

The full size (16 processes × 1,000 scans) runs in ``make bench`` (concurrent_scans_per_s);
this test runs the same 16 processes with 250 scans each to keep the suite short."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench import warehouse
from bench.picker import check_floor, run_crowd
from data.store import open_store

PROCESSES = 16
SCANS = 250


@pytest.mark.slow
def test_sixteen_picker_processes_lose_nothing_and_share_no_list(
    floor_copy: Path, tmp_path: Path
) -> None:
    users = warehouse.picker_names(PROCESSES)
    crowd = run_crowd(floor_copy, users, SCANS, tmp_path)

    assert [len(run.acks) for run in crowd.runs] == [SCANS] * PROCESSES
    verdicts = Counter(ack.verdict for run in crowd.runs for ack in run.acks)
    assert verdicts["ok"] > 0.8 * PROCESSES * SCANS
    assert verdicts["wrong_item"] > 0 and verdicts["unknown_code"] > 0
    # Each picker's lists are its own.
    claimed = [picklist for run in crowd.runs for picklist in run.lists]
    assert len(claimed) == len(set(claimed))

    check = check_floor(floor_copy, crowd.acks())
    assert check.problems == []
    assert (check.lost_scans, check.double_claims) == (0, 0)
    assert check.stored_not_acked == {}  # nobody was killed: stored == acknowledged

    store = open_store(floor_copy)
    try:
        # Every scan has its audit entry; every accepted unit counted on one order line.
        scans = store.scalar("SELECT count(*) FROM scans")
        assert scans == crowd.scans
        assert store.scalar("SELECT count(*) FROM audit WHERE action LIKE 'scan.%'") == scans
        ok = store.scalar("SELECT count(*) FROM scans WHERE verdict = 'ok'")
        assert store.scalar("SELECT sum(picked) FROM order_lines") == ok
        assert store.scalar("SELECT sum(picked) FROM pick_lines") == ok
        assert store.scalar("SELECT count(*) FROM products WHERE reserved > on_hand") == 0
        # A list every one of whose units was scanned is finished, with its orders.
        unfinished = store.scalar(
            "SELECT count(*) FROM picklists p WHERE p.status = 'picking' AND NOT EXISTS"
            " (SELECT 1 FROM pick_lines l WHERE l.picklist_id = p.id AND l.picked < l.qty)"
        )
        assert unfinished == 0
        assert store.scalar("PRAGMA integrity_check") == "ok"
    finally:
        store.close()
