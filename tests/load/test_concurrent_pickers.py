"""Many picker processes scanning flat out on one database file: nothing acknowledged is lost,
no list is claimed twice, no count goes past what was reserved or needed. Each session stores
its own scans (``wareterm tui`` alone), or hands them to the server's scan writer when the lock
is taken (under ``wareterm serve``: group commit); and the writer may be killed mid-run.

The full size (16 processes × 1,000 scans) runs in ``make bench`` (concurrent_scans_per_s);
this test runs the same 16 processes with 250 scans each to keep the suite short."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import warehouse
from bench.picker import CrowdRun, check_floor, run_crowd
from data.store import open_store
from tui.serve_workers import ScanWriterProcess

PROCESSES = 16
SCANS = 250


@pytest.mark.slow
@pytest.mark.parametrize("writer", [False, True], ids=["own-commits", "scan-writer"])
def test_sixteen_picker_processes_lose_nothing_and_share_no_list(
    floor_copy: Path, tmp_path: Path, writer: bool
) -> None:
    users = warehouse.picker_names(PROCESSES)
    if writer:
        process = ScanWriterProcess(floor_copy)
        process.start()
        try:
            crowd = run_crowd(floor_copy, users, SCANS, tmp_path, writer=process.socket)
        finally:
            process.stop()
        # the crowd found the lock taken, and the writer stored their scans
        assert sum(run.via_writer for run in crowd.runs) > PROCESSES * SCANS // 4
    else:
        crowd = run_crowd(floor_copy, users, SCANS, tmp_path)
    _check_crowd(floor_copy, crowd)


@pytest.mark.slow
def test_the_scan_writer_killed_three_times_loses_nothing(floor_copy: Path, tmp_path: Path) -> None:
    """kill -9 of the writer while 16 pickers hand it their scans: serve starts it again;
    meanwhile sessions store their own; a scan it took but never answered is said to be
    unconfirmed (not acknowledged), and whatever it committed is there once."""
    users = warehouse.picker_names(PROCESSES)
    process = ScanWriterProcess(floor_copy, restart_after=0.05)
    process.start()
    done: dict[str, CrowdRun] = {}
    crowd_thread = threading.Thread(
        target=lambda: done.setdefault(
            "crowd", run_crowd(floor_copy, users, SCANS, tmp_path, writer=process.socket)
        )
    )
    crowd_thread.start()
    try:
        for kill in range(1, 4):
            began = _scans(floor_copy)
            _poll(
                lambda began=began: _scans(floor_copy) >= began + 400 or not crowd_thread.is_alive()
            )
            if not crowd_thread.is_alive():
                break
            assert process.proc is not None
            process.proc.send_signal(signal.SIGKILL)
            _poll(lambda kill=kill: process.starts > kill)
        crowd_thread.join(120)
    finally:
        process.stop()
    assert not crowd_thread.is_alive()
    assert process.starts >= 3  # restarted after each kill that came before the end
    crowd = done["crowd"]
    assert sum(run.via_writer for run in crowd.runs) > 0
    _check_crowd(floor_copy, crowd, killed=True)


def _scans(db: Path) -> int:
    store = open_store(db)
    try:
        return int(store.scalar("SELECT count(*) FROM scans"))
    finally:
        store.close()


def _poll(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def _check_crowd(floor_copy: Path, crowd: CrowdRun, killed: bool = False) -> None:
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
    unconfirmed = sum(run.unconfirmed for run in crowd.runs)
    if killed:
        # stored but never confirmed: at most the scans the writer did not answer
        assert sum(check.stored_not_acked.values()) <= unconfirmed
    else:
        assert check.stored_not_acked == {}  # nobody was killed: stored == acknowledged
        assert unconfirmed == 0

    store = open_store(floor_copy)
    try:
        # Every scan has its audit entry; every accepted unit counted on one order line.
        scans = store.scalar("SELECT count(*) FROM scans")
        # every acknowledged scan, and the ones stored but never confirmed (once each)
        assert scans == crowd.scans + sum(check.stored_not_acked.values())
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
