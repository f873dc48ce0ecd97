"""What one pick scan costs, counted rather than timed: CPU time, SQL statements and WAL frames
per scan, and how long the write lock is held (the work inside it, and the commit).

Wall-clock figures on a shared machine move by ±20% when it is quiet and two to four times
under load; CPU time moves much less, and counts not at all. ``bench --compare`` runs this
file with another commit's code on ``sys.path`` (it uses only what every version since the
pick scan went through the floor port has: ``SqliteFloor``, ``bench.warehouse``,
``bench.picker``), so it must not import anything newer::

    PYTHONPATH=TREE python bench/scan_cost.py --workdir DIR [--scans 1500]

prints one JSON object. One picker scans through the floor port (settings, parse, judge, store,
commit) as in ``scan_commit``, on a smaller warehouse (20,000 products): the cost of a scan
hardly depends on the size of the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

SIZES = {"products": 20_000, "pick_orders": 2_000}


def measure(workdir: Path, scans: int, sizes: dict[str, int] | None = None) -> dict[str, Any]:
    """Build (once per folder) a floor of ``sizes`` (default :data:`SIZES`) and scan ``scans``
    times on a fresh copy of it."""
    from bench import picker, warehouse
    from core.model import Role
    from core.ports import Operator
    from data.floor import SqliteFloor
    from data.store import open_store

    workdir.mkdir(parents=True, exist_ok=True)
    floor_db = workdir / "floor.db"
    if not floor_db.exists():
        warehouse.build_floor(floor_db, warehouse.Sizes(**(sizes or SIZES)))
    db = workdir / "scan-cost.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    warehouse.copy_db(floor_db, db)

    floor = SqliteFloor(open_store(db))
    conn = floor.store.conn
    # No automatic checkpoint while counting, so the WAL's growth is the frames written.
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    frame = conn.execute("PRAGMA page_size").fetchone()[0] + 24
    wal = Path(f"{db}-wal")
    operator = Operator("p01", Role.PICKER, "hh-p01")
    wrong_item, unknown = picker.wrong_codes(floor.store)
    statements: list[str] = []
    marks: dict[str, float] = {}

    def trace(sql: str) -> None:
        statements.append(sql)
        if sql.startswith("BEGIN IMMEDIATE"):
            marks["locked"] = time.perf_counter()
            marks["locked_cpu"] = time.process_time()
        elif sql == "COMMIT" and "locked" in marks:
            marks["commit"] = time.perf_counter()
            marks["commit_cpu"] = time.process_time()

    cpu: list[float] = []
    wall: list[float] = []
    work: list[float] = []
    work_cpu: list[float] = []
    commit: list[float] = []
    counted: list[int] = []
    locked: list[int] = []
    frames: list[float] = []
    view = None
    done = 0
    try:
        while done < scans:
            if view is None or view.current is None:
                view = floor.claim_next_pick(operator)
                if view is None:
                    raise RuntimeError("the generated floor ran out of pick lists")
                continue
            done += 1
            if done % 10 == 0:
                raw = wrong_item if done % 20 else unknown
            else:
                raw = picker.printed_code(view.current.barcode)
            statements.clear()
            marks.clear()
            size = wal.stat().st_size if wal.exists() else 0
            conn.set_trace_callback(trace)
            began_cpu, began = time.process_time(), time.perf_counter()
            outcome = floor.pick_scan(operator, view.picklist_id, raw, "wedge")
            ended_cpu, ended = time.process_time(), time.perf_counter()
            conn.set_trace_callback(None)
            cpu.append((ended_cpu - began_cpu) * 1000)
            wall.append((ended - began) * 1000)
            work.append((marks["commit"] - marks["locked"]) * 1000)
            work_cpu.append((marks["commit_cpu"] - marks["locked_cpu"]) * 1000)
            commit.append((ended - marks["commit"]) * 1000)
            # Statements run by the program (a trigger's statements are traced too: left out).
            ran = [sql for sql in statements if not sql.startswith("--")]
            counted.append(len(_distinct_runs(ran)))
            begin = next(i for i, sql in enumerate(ran) if sql.startswith("BEGIN IMMEDIATE"))
            locked.append(len(_distinct_runs(ran[begin:])))
            frames.append((wal.stat().st_size - size) / frame)
            view = outcome.view or view
    finally:
        conn.set_trace_callback(None)
        floor.store.close()
    return {
        "scans": scans,
        "cpu_ms_per_scan": statistics.mean(cpu),
        "cpu_ms_in_lock": statistics.mean(work_cpu),
        "wall_ms_p50": statistics.median(wall),
        "lock_work_ms_p50": statistics.median(work),
        "commit_ms_p50": statistics.median(commit),
        "statements_per_scan": statistics.mean(counted),
        "statements_in_lock": statistics.mean(locked),
        "wal_frames_per_scan": statistics.mean(frames),
        "load": round(os.getloadavg()[0], 2),
    }


def _distinct_runs(statements: list[str]) -> list[str]:
    """The statements with a trigger's repeats of its statement's text folded: SQLite traces
    each statement a trigger runs with the text of the statement that fired it."""
    folded: list[str] = []
    for sql in statements:
        if not folded or sql != folded[-1] or not sql.startswith("UPDATE"):
            folded.append(sql)
    return folded


def main(argv: list[str] | None = None) -> int:
    """Measure and print one JSON object."""
    parser = argparse.ArgumentParser(prog="bench/scan_cost.py", description=__doc__)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--scans", type=int, default=1500)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.workdir, args.scans)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
