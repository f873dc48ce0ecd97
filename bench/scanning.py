"""Scans: one picker's commit latency, and many pickers in many processes on one file."""

from __future__ import annotations

import statistics
import time

from bench import picker, warehouse
from bench.harness import Bench
from bench.metrics import measurement
from core.ports import PickView
from data import settings
from data.picking import read_pick_view, record_pick_scan
from data.store import Actor, open_store
from data.waves import claim_next


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@measurement("scan_commit_ms_p50", "scan_commit_ms_p99")
def scan_commit(bench: Bench) -> dict[str, float]:
    """``data.picking.record_pick_scan`` on a real file (WAL, synchronous=FULL): parse, verify
    against the list, store the scan and its audit entry, commit. One picker walks lists;
    every tenth scan is a wrong item or an unknown code."""
    count = bench.settings.commit_scans
    store = open_store(bench.fresh(bench.floor_db))
    actor = Actor("p01", "hh-p01")
    prefixes = settings.prefixes(store)
    pick = settings.pick_settings(store)
    floor_codes = picker.wrong_codes(store)
    timings: list[float] = []
    view: PickView | None = None
    try:
        while len(timings) < count:
            if view is None or view.current is None:
                picklist_id = claim_next(store, actor)
                if picklist_id is None:
                    raise RuntimeError("the generated floor ran out of pick lists")
                view = read_pick_view(store, picklist_id, pick)
                continue
            number = len(timings) + 1
            if number % 10 == 0:
                raw = floor_codes[number % 20 == 0]
            else:
                raw = picker.printed_code(view.current.barcode)
            began = time.perf_counter()
            outcome = record_pick_scan(store, actor, view.picklist_id, raw, "wedge", prefixes, pick)
            timings.append((time.perf_counter() - began) * 1000)
            view = outcome.view or view
    finally:
        store.close()
    bench.note(
        "scan_commit_ms_p50",
        f"{count} scans per run, 90% right item, 10% wrong or unknown",
    )
    return {
        "scan_commit_ms_p50": statistics.median(timings),
        "scan_commit_ms_p99": _percentile(timings, 0.99),
    }


@measurement("concurrent_scans_per_s", "lost_scans", "double_claims")
def concurrent_scans(bench: Bench) -> dict[str, float]:
    """16 picker processes (fresh interpreters) scan flat out on one file through the floor
    port, as sessions do; timed from the moment all have opened the database to the last
    scan. Then every acknowledged scan is looked up and the claims audited."""
    db = bench.fresh(bench.floor_db)
    users = warehouse.picker_names(bench.sizes.pickers)
    crowd = picker.run_crowd(db, users, bench.settings.crowd_scans, bench.scratch("crowd"))
    check = picker.check_floor(db, crowd.acks())
    if check.problems:
        bench.note("lost_scans", "; ".join(check.problems[:5]))
    latencies = [ack.seconds * 1000 for run in crowd.runs for ack in run.acks]
    bench.note(
        "concurrent_scans_per_s",
        f"{len(users)} processes × {bench.settings.crowd_scans} scans; floor call p50"
        f" {statistics.median(latencies):.2f} ms, p99 {_percentile(latencies, 0.99):.1f} ms,"
        f" max {max(latencies):.0f} ms; {crowd.busy} refused as busy (last run)",
    )
    return {
        "concurrent_scans_per_s": crowd.scans_per_s,
        "lost_scans": check.lost_scans,
        "double_claims": check.double_claims,
    }
