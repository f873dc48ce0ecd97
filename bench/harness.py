"""Running the measurements: the generated warehouse they share, the machine they ran on, the
table and ``results.json``."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import warehouse
from bench.metrics import GOALS, MEASUREMENTS, Measurement, MetricResult, NotMeasurable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


@dataclass(frozen=True)
class Settings:
    """How much to measure: sizes of the warehouse and of each measurement."""

    sizes: warehouse.Sizes = field(default_factory=warehouse.Sizes)
    #: Runs per measurement (None: each measurement's own number).
    runs: int | None = None
    #: Scans timed per run of the single-picker measurement.
    commit_scans: int = 2000
    #: Scans per picker process in the concurrency measurement.
    crowd_scans: int = 1000
    #: Scans through the real app per run of the scan-to-screen measurement.
    screen_scans: int = 60
    #: Labels printed per run of each label measurement.
    labels: int = 20

    @classmethod
    def quick(cls) -> Settings:
        """A small warehouse and one short run each: checks the harness, measures nothing."""
        return cls(
            sizes=warehouse.Sizes(products=2_000, import_lines=2_000, pick_orders=600, pickers=4),
            runs=1,
            commit_scans=100,
            crowd_scans=50,
            screen_scans=5,
            labels=2,
        )


class Bench:
    """What the measurements share: a work folder, the settings, and the generated databases
    (built once, copied for each run so every run starts from the same file)."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.sizes = settings.sizes
        self.workdir = workdir
        self._catalog: Path | None = None
        self._floor: Path | None = None
        self._copies = 0
        self.notes: dict[str, str] = {}

    def note(self, name: str, text: str) -> None:
        """Say how a metric was measured (shown in results.json)."""
        self.notes[name] = text

    @property
    def catalog_db(self) -> Path:
        """A database with the generated catalog and bins only."""
        if self._catalog is None:
            path = self.workdir / "catalog.db"
            warehouse.build_catalog(path, self.sizes)
            self._catalog = path
        return self._catalog

    @property
    def floor_db(self) -> Path:
        """The catalog, orders released into pick lists, and the pickers."""
        if self._floor is None:
            path = self.workdir / "floor.db"
            warehouse.build_floor(path, self.sizes, self.catalog_db)
            self._floor = path
        return self._floor

    def fresh(self, source: Path) -> Path:
        """A new copy of a generated database for one run."""
        self._copies += 1
        target = self.workdir / f"run-{self._copies:03d}.db"
        warehouse.copy_db(source, target)
        return target

    def scratch(self, name: str) -> Path:
        """An empty folder for one run."""
        self._copies += 1
        path = self.workdir / f"{name}-{self._copies:03d}"
        path.mkdir()
        return path


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    commit = _git("rev-parse", "--short", "HEAD")
    if commit:
        info["commit"] = commit + ("+changes" if _git("status", "--porcelain") else "")
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


def run(
    settings: Settings,
    only: Iterable[str] | None = None,
    workdir: Path | None = None,
    log: Any = sys.stderr,
) -> dict[str, Any]:
    """Run the measurements (those measuring any of ``only``, or all) and return the report."""
    # Register every measurement module.
    from bench import (  # noqa: F401
        importing,
        labels,
        scanning,
        ssh,
        stock,
        stock_scans,
        supervision,
        terminal,
    )

    wanted = set(only) if only else set(GOALS)
    unknown = wanted - set(GOALS)
    if unknown:
        raise SystemExit(f"unknown metrics: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    info = machine()
    own = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="wareterm-bench-")) if own else workdir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    bench = Bench(settings, folder)
    values: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    try:
        for item in MEASUREMENTS:
            if not wanted & set(item.names):
                continue
            _measure(bench, item, settings.runs or item.runs, values, notes, log)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
    notes.update({k: v for k, v in bench.notes.items() if k not in notes})
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    info["seconds"] = round(time.monotonic() - started, 1)
    info["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    info["sizes"] = {
        "products": settings.sizes.products,
        "import_lines": settings.sizes.import_lines,
        "pick_orders": settings.sizes.pick_orders,
        "pickers": settings.sizes.pickers,
    }
    metrics = [
        MetricResult.of(goal, values.get(name, []), notes.get(name))
        for name, goal in GOALS.items()
        if name in wanted
    ]
    return {
        "machine": info,
        "ratio": "≤ 1 means the goal is met: value/goal for ceilings, goal/value for floors,"
        " value+1 for goals of zero",
        "metrics": [metric.as_json() for metric in metrics],
    }


def _measure(
    bench: Bench,
    item: Measurement,
    runs: int,
    values: dict[str, list[float]],
    notes: dict[str, str],
    log: Any,
) -> None:
    label = ", ".join(item.names)
    for number in range(1, runs + 1):
        began = time.monotonic()
        try:
            result = item.func(bench)
        except NotMeasurable as reason:
            for name in item.names:
                notes[name] = str(reason)
            print(f"  {label}: not measured ({reason})", file=log)
            return
        except Exception as error:  # report it, keep measuring the others
            traceback.print_exc(file=log)
            for name in item.names:
                notes[name] = f"measurement failed: {type(error).__name__}: {error}"
            return
        for name, value in result.items():
            values.setdefault(name, []).append(float(value))
        shown = ", ".join(f"{name}={value:.4g}" for name, value in result.items())
        print(f"  run {number}/{runs} ({time.monotonic() - began:.1f} s): {shown}", file=log)


def table(report: dict[str, Any]) -> str:
    """The report as a plain-text table, followed by the machine."""
    rows = [("metric", "value", "unit", "goal", "limit", "ratio", "")]
    for metric in report["metrics"]:
        value = metric["value"]
        goal = metric["goal"]
        direction = "≤" if metric["better"] == "lower" else "≥"
        rows.append(
            (
                metric["name"],
                "null" if value is None else f"{value:g}",
                metric["unit"],
                "" if goal is None else f"{direction}{goal:g}",
                "" if metric["limit"] is None else f"{metric['limit']:g}",
                "" if metric["ratio"] is None else f"{metric['ratio']:.2f}",
                _verdict(metric),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    machine_info = report["machine"]
    lines.append("")
    lines.append(
        f"{machine_info['cores']} cores ({machine_info['cpu_model']}),"
        f" {machine_info['memory_gib']} GiB, Python {machine_info['python']},"
        f" SQLite {machine_info['sqlite']}, load {machine_info['load_average_at_start']}"
        f" → {machine_info['load_average_at_end']}, {machine_info['seconds']} s"
    )
    return "\n".join(lines)


def _verdict(metric: dict[str, Any]) -> str:
    if metric["value"] is None:
        return f"null: {metric['note']}"
    if metric["met"] is None:
        return "no goal yet"
    return "met" if metric["met"] else "MISSED"


def write(report: dict[str, Any], path: Path = RESULTS) -> None:
    """Write ``results.json``."""
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
