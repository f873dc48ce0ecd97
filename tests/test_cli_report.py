"""``wareterm report daily``: text, JSON and CSV from the same numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.data.floor_rows import constructed_day


def test_report_daily_json(wareterm: Callable[..., Result], db_path: Path) -> None:
    constructed_day(db_path).close()
    result = wareterm("report", "daily", "--date", "2026-11-21", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["date"], data["received"], data["shipped"], data["cancelled"]) == (
        "2026-11-21",
        5,
        3,
        1,
    )
    assert data["lead_time_minutes"] == {"avg": 330.0, "p90": 600.0, "orders": 3}
    assert data["picking"]["scans"] == 6 and data["picking"]["refused"] == 2
    assert [(p["name"], p["task"], p["lines_per_hour"]) for p in data["people"]] == [
        ("chen.jie", "pack", 60.0),
        ("li.na", "pick", 36.0),
    ]


def test_report_daily_text_and_csv_file(
    wareterm: Callable[..., Result], db_path: Path, tmp_path: Path
) -> None:
    constructed_day(db_path).close()
    out = tmp_path / "day.csv"
    result = wareterm("report", "daily", "--date", "2026-11-21", "--csv", out)
    assert result.exit_code == 0, result.output
    assert "Daily report 2026-11-21" in result.stdout
    assert "received 5 · shipped 3 · cancelled 1" in result.stdout
    assert "average 5h30m, 90th percentile 10h00m (3 orders)" in result.stdout
    assert "li.na" in result.stdout and "36.0" in result.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["day", "", "shipped", "3"] in rows
    assert ["picker", "li.na", "lines", "3"] in rows
    assert ["picking", "", "short_units", "1"] in rows


def test_report_daily_csv_to_stdout(wareterm: Callable[..., Result], db_path: Path) -> None:
    constructed_day(db_path).close()
    result = wareterm("report", "daily", "--date", "2026-11-21", "--csv", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("section,key,metric,value\n")
    assert "Daily report" not in result.stdout


def test_report_daily_refuses_a_bad_date_and_a_picker(
    wareterm: Callable[..., Result], db_path: Path, monkeypatch
) -> None:
    constructed_day(db_path).close()
    result = wareterm("report", "daily", "--date", "21/11/2026")
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.stderr
    monkeypatch.setenv("WARETERM_USER", "li.na")
    result = wareterm("report", "daily", "--date", "2026-11-21")
    assert result.exit_code == 1 and "may not" in result.stderr


def test_report_daily_defaults_to_today(wareterm: Callable[..., Result], db_path: Path) -> None:
    from datetime import datetime

    from core.clock import local_day

    result = wareterm("report", "daily", "--json")
    assert result.exit_code == 0, result.output
    from datetime import UTC

    assert json.loads(result.stdout)["date"] == local_day(datetime.now(UTC)).isoformat()
    assert (
        json.loads(wareterm("report", "daily", "--date", "yesterday", "--json").stdout)["received"]
        == 0
    )
