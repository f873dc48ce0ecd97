"""``make bench`` itself: on a small generated warehouse (``--quick``) it measures every metric
it can, reports the others as null with the reason, and writes results.json in its format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.metrics import GOALS, Goal

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "scan_commit_ms_p50",
    "scan_commit_ms_p99",
    "scan_commit_writer_ms_p50",
    "scan_commit_writer_ms_p99",
    "scan_to_screen_ms_p95",
    "concurrent_scans_per_s",
    "concurrent_direct_scans_per_s",
    "lost_scans",
    "double_claims",
    "dashboard_first_paint_s",
    "dashboard_refresh_ms",
    "tui_cold_start_s",
    "tui_rss_mb",
    "label_native_ms",
    "label_cjk_ms",
    "label_ewaybill_ms",
    "import_order_lines_per_s",
    "import_taobao_lines_per_s",
    "stock_check_s",
    "receive_scan_ms_p99",
    "putaway_scan_ms_p99",
    "count_scan_ms_p99",
    "wave_release_ms",
    "ssh_session_start_s",
]


@pytest.mark.slow
def test_quick_bench_reports_every_metric(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(output.read_text())
    assert {"cores", "cpu_model", "memory_gib", "python", "sqlite"} <= set(report["machine"])
    metrics = {metric["name"]: metric for metric in report["metrics"]}
    assert list(metrics) == NAMES
    for name, metric in metrics.items():
        assert {"name", "value", "unit", "goal", "limit", "ratio"} <= set(metric)
        assert isinstance(metric["value"], int | float), (name, metric)
        assert metric["ratio"] is not None and metric["met"] == (metric["ratio"] <= 1)
    assert metrics["lost_scans"]["value"] == 0
    assert metrics["double_claims"]["value"] == 0
    assert "scan_commit_ms_p50" in result.stdout  # the table


def test_ratio_is_at_most_one_when_the_goal_is_met() -> None:
    ceiling = Goal("x", "ms", 50, "lower", None, "")
    floor = Goal("y", "scans/s", 2000, "higher", None, "")
    zero = Goal("z", "scans", 0, "lower", 0, "")
    assert ceiling.ratio(25) == 0.5 and ceiling.met(25)
    assert ceiling.ratio(100) == 2 and not ceiling.met(100)
    assert floor.ratio(4000) == 0.5 and floor.met(4000)
    assert floor.ratio(1000) == 2 and not floor.met(1000)
    assert zero.ratio(0) == 1 and zero.met(0)
    assert zero.ratio(1) == 2 and not zero.met(1)
    assert set(GOALS) == set(NAMES)


def test_scan_cost_counts_what_a_pick_scan_costs(tmp_path: Path) -> None:
    from bench import scan_cost

    cost = scan_cost.measure(tmp_path, 40, {"products": 300, "pick_orders": 60, "pickers": 2})
    assert cost["scans"] == 40
    assert cost["cpu_ms_per_scan"] > cost["cpu_ms_in_lock"] > 0
    # Some statements run before the write lock (settings, the catalog read), the rest inside.
    assert cost["statements_per_scan"] > cost["statements_in_lock"] > 3
    assert cost["wal_frames_per_scan"] >= 3  # the scans row, the audit row, the pick line
    assert cost["commit_ms_p50"] > 0 and cost["lock_work_ms_p50"] > 0


def test_compare_reads_short_names_and_pairs_the_runs() -> None:
    from bench.compare import metric_names, table

    assert metric_names(["scan_commit", "concurrent"]) == [
        "scan_commit_ms_p50",
        "scan_commit_ms_p99",
        "scan_commit_writer_ms_p50",
        "scan_commit_writer_ms_p99",
        "concurrent_scans_per_s",
        "concurrent_direct_scans_per_s",
        "lost_scans",
        "double_claims",
    ]
    assert metric_names(["wave_release_ms"]) == ["wave_release_ms"]
    text = table({"abc1234": {"x": [1.0, 4.0]}, "working tree": {"x": [2.0, 2.0]}}, ["x"], [1, 2])
    # Paired changes +100% and -50%: their median, not the change of the medians (-20%).
    assert "+25%" in text.splitlines()[2]
    # A metric only the newer tree measures is shown, with "—" for the older one.
    text = table({"abc1234": {}, "working tree": {"y": [3.0]}}, ["y"], [1, 2])
    assert text.splitlines()[2].split()[:4] == ["y", "—", "3", "—"]
