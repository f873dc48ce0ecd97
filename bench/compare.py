"""``python -m bench --compare REF --only METRICS``: before and after in one run.

The named metrics are measured on a detached worktree of the commit ``REF`` (each tree with
its own code, schema and bench) and on the working tree, in alternating rounds, so that both
see the same load on a shared machine. Each round also counts what a pick scan costs in each
tree (``bench/scan_cost.py``: CPU time, statements, WAL frames, the write lock), which moves far
less with the load than wall-clock figures. The worktree is removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import ROOT

#: Short names accepted by --only with --compare (each stands for the metrics it measures).
ALIASES = {
    "scan_commit": [
        "scan_commit_ms_p50",
        "scan_commit_ms_p99",
        "scan_commit_writer_ms_p50",
        "scan_commit_writer_ms_p99",
    ],
    "concurrent": [
        "concurrent_scans_per_s",
        "concurrent_direct_scans_per_s",
        "lost_scans",
        "double_claims",
    ],
}
COST = Path(__file__).resolve().parent / "scan_cost.py"
#: Runs of scan_cost.py per tree and round, alternating with the other tree's.
COST_PAIRS = 3
#: What scan_cost reports, in the order shown.
COST_KEYS = (
    "cpu_ms_per_scan",
    "cpu_ms_in_lock",
    "statements_per_scan",
    "statements_in_lock",
    "wal_frames_per_scan",
    "lock_work_ms_p50",
    "commit_ms_p50",
    "wall_ms_p50",
)


def metric_names(only: list[str] | None) -> list[str]:
    """The metric names ``only`` asks for, short names expanded (default: the scan metrics)."""
    names: list[str] = []
    for name in only or ["scan_commit", "concurrent"]:
        for metric in ALIASES.get(name, [name]):
            if metric not in names:
                names.append(metric)
    return names


def compare(
    ref: str,
    only: list[str] | None,
    runs: int,
    rounds: int,
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> str:
    """Measure ``ref`` and the working tree in alternating rounds; the comparison as text."""
    names = metric_names(only)
    # A terminated comparison still removes its worktree (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix="wareterm-compare-"))
    before = scratch / "before"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(before), ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    trees = {f"{ref}": before, "working tree": ROOT}
    results: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
    loads: list[float] = []
    try:
        for number in range(1, rounds + 1):
            order = list(trees.items())
            if number % 2 == 0:
                order.reverse()  # neither tree always goes first
            for label, tree in order:
                log(f"round {number}/{rounds}: {label}")
                loads.append(os.getloadavg()[0])
                side = "before" if tree == before else "after"
                for name, value in _bench(tree, names, runs, scratch / f"{side}-{number}"):
                    results[label].setdefault(name, []).append(value)
            # The counted costs are short: several back-to-back pairs per round.
            for _pair in range(COST_PAIRS):
                for label, tree in order:
                    side = "before" if tree == before else "after"
                    cost = _scan_cost(tree, scratch / f"cost-{side}")
                    for key in COST_KEYS:
                        results[label].setdefault(key, []).append(cost[key])
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(before)],
            cwd=ROOT,
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)
    return table(results, [*names, *COST_KEYS], loads)


def _environment(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}


def _bench(tree: Path, names: list[str], runs: int, folder: Path) -> list[tuple[str, float]]:
    """One ``python -m bench --only`` in ``tree``: each metric's value (of the metrics that
    tree's bench knows: an older one lacks the newer)."""
    folder.mkdir(parents=True)
    output = folder / "results.json"
    goals = (tree / "bench" / "metrics.py").read_text(encoding="utf-8")
    known = [name for name in names if f'"{name}"' in goals]
    subprocess.run(
        [sys.executable, "-m", "bench", "--only", ",".join(known), "--runs", str(runs)]
        + ["--output", str(output), "--workdir", str(folder / "work")],
        cwd=tree,
        env=_environment(tree),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    report = json.loads(output.read_text())
    shutil.rmtree(folder / "work", ignore_errors=True)
    return [
        (metric["name"], metric["value"])
        for metric in report["metrics"]
        if metric["value"] is not None
    ]


def _scan_cost(tree: Path, folder: Path) -> dict[str, Any]:
    """``bench/scan_cost.py`` of this tree run on ``tree``'s code (its floor kept in
    ``folder`` for the next round)."""
    result = subprocess.run(
        [sys.executable, str(COST), "--workdir", str(folder)],
        cwd=tree,
        env=_environment(tree),
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def table(results: dict[str, dict[str, list[float]]], names: list[str], loads: list[float]) -> str:
    """Per tree the median of its runs; the change is the median of the runs' pairwise
    changes (each run against the other tree's run next to it, under the same load)."""
    labels = list(results)
    rows = [("metric", *labels, "change", "runs")]
    for name in names:
        values = [results[label].get(name, []) for label in labels]
        if not any(values):
            continue
        # A metric only one tree has (a newer one) is shown with "—" for the other.
        medians = [f"{statistics.median(v):.4g}" if v else "—" for v in values]
        pairs = [(a, b) for a, b in zip(*values, strict=False) if a]
        change = f"{statistics.median((b - a) / a for a, b in pairs):+.0%}" if pairs else "—"
        runs = " | ".join(" ".join(f"{x:.3g}" for x in v) for v in values)
        rows.append((name, *medians, change, runs))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        f"{len(loads) // 2} alternating rounds per tree ({COST_PAIRS} scan_cost runs each per"
        f" round); load average (1 min) at the rounds' starts {min(loads):.1f}–{max(loads):.1f}"
        f" on {os.cpu_count()} cores"
    )
    return "\n".join(lines)
