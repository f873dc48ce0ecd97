"""``wareterm report daily``: the stock figures and the return rate over ``--return-window``
days, in the terminal, as JSON and as CSV columns, over the scenario built by the services."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.data.test_report_stock import COUNT_OFF, RECEIVED, _build, _expected_window

Run = Callable[..., Result]


def test_stock_and_window_as_json_text_and_csv(wareterm: Run, db_path: Path) -> None:
    _build(db_path)
    result = wareterm("report", "daily", "--date", "2026-11-21", "--return-window", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["stock"]["received"] == sum(RECEIVED.values())
    assert data["stock"]["bins_counted"] == len(COUNT_OFF)
    window = _expected_window(2)
    assert data["return_window"]["days"] == 2
    assert data["return_window"]["units_returned"] == window["units_returned"]

    text = wareterm("report", "daily", "--date", "2026-11-21", "--return-window", "2")
    assert text.exit_code == 0, text.output
    assert f"stock: {sum(RECEIVED.values())} units received" in text.stdout
    assert f"counts: {len(COUNT_OFF)} bins counted" in text.stdout
    assert "return rate over 2 days" in text.stdout

    out = wareterm("report", "daily", "--date", "2026-11-21", "--return-window", "2", "--csv", "-")
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert all(len(row) == 4 for row in rows)
    sections = {row[0] for row in rows[1:]}
    assert {"stock", "return_window", "return_window_reason", "return_window_sku"} <= sections
    assert ["stock", "", "put_away", str(data["stock"]["put_away"])] in rows
    assert ["stock", "", "record_accuracy", str(data["stock"]["record_accuracy"])] in rows
    assert ["return_window", "", "days", "2"] in rows
    for line in window["by_sku"]:
        assert ["return_window_sku", line["sku"], "shipped", str(line["shipped"])] in rows


def test_a_bad_window_is_refused_with_what_to_do(wareterm: Run, db_path: Path) -> None:
    _build(db_path)
    result = wareterm("report", "daily", "--return-window", "0")
    assert result.exit_code == 1
    assert "--return-window 0" in result.stderr and "1 to 366" in result.stderr
    assert "Traceback" not in result.output
    usage = wareterm("report", "daily", "--return-window", "a month")
    assert usage.exit_code == 2
