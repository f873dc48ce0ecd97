"""``wareterm carriers api``: a carrier's e-waybill account, whose key is never shown."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

Run = Callable[..., Result]
KEY = "KEY-5f3c9e21-never-shown"
PWD = "pwd-also-secret"


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _json(result: Result) -> Any:
    return json.loads(_ok(result).stdout)


@pytest.fixture(autouse=True)
def initialised(wareterm: Run) -> None:
    _ok(wareterm("init"))


def _configure(wareterm: Run, *extra: str) -> Result:
    return wareterm(
        "carriers", "api", "zto", "--provider", "kdniao",
        "--url", "http://127.0.0.1:9/api/EOrderService",
        "--ebusiness-id", "1234567", "--key", KEY,
        "--customer-name", "zto-acct", "--customer-pwd", PWD, "--month-code", "M-1",
        "--template-size", "130", *extra,
    )  # fmt: skip


def test_configure_shows_and_stores_no_key_anywhere_visible(wareterm: Run, db_path: Path) -> None:
    shown = _json(_configure(wareterm, "--json"))
    assert shown["carrier"] == "ZTO" and shown["provider"] == "kdniao"
    assert shown["key"] == "(set)" and shown["options"]["customer_pwd"] == "(set)"
    assert shown["options"]["month_code"] == "M-1" and shown["fallback"] == "wait"
    outputs = [
        _ok(_configure(wareterm)).stdout,
        _ok(wareterm("carriers", "list")).stdout,
        _ok(wareterm("carriers", "list", "--json")).stdout,
        _ok(wareterm("config", "list")).stdout,
    ]
    rows = _json(wareterm("carriers", "list", "--json"))
    assert next(r for r in rows if r["code"] == "ZTO")["api"]["account"] == "1234567"
    assert next(r for r in rows if r["code"] == "SF")["api"] is None
    assert "kdniao" in outputs[1]
    with sqlite3.connect(db_path) as conn:
        audit = [r[0] for r in conn.execute("SELECT detail FROM audit")]
        assert conn.execute("SELECT secret FROM carrier_apis").fetchone()[0] == KEY
    outputs.extend(audit)
    for text in outputs:
        assert KEY not in text and PWD not in text
    assert any('"key": "(set)"' in text for text in audit)


def test_the_key_can_come_from_stdin(wareterm: Run, db_path: Path, monkeypatch: Any) -> None:
    from tui.cli import main

    result = CliRunner().invoke(
        main,
        ["--db", str(db_path), "carriers", "api", "SF", "--provider", "kdniao", "--url",
         "https://api.example.invalid/api/EOrderService", "--ebusiness-id", "1", "--key", "-"],
        input=KEY + "\n",
    )  # fmt: skip
    _ok(result)
    assert KEY not in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT secret FROM carrier_apis").fetchone()[0] == KEY


def test_off_goes_back_to_the_pool(wareterm: Run, db_path: Path) -> None:
    _ok(_configure(wareterm))
    assert "pool" in _ok(wareterm("carriers", "api", "ZTO", "--off")).stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM carrier_apis").fetchone()[0] == 0
    assert _json(wareterm("carriers", "api", "ZTO", "--off", "--json"))["was_set"] is False


def test_bad_configurations_are_refused(wareterm: Run) -> None:
    result = wareterm("carriers", "api", "ZTO", "--provider", "kdniao")
    assert result.exit_code == 2 and "--url" in result.stderr
    result = wareterm(
        "carriers", "api", "ZTO", "--provider", "nope", "--url", "http://x.invalid/",
        "--ebusiness-id", "1", "--key", "k",
    )  # fmt: skip
    assert result.exit_code == 2 and "kdniao" in result.stderr
    result = wareterm(
        "carriers", "api", "ZTO", "--provider", "kdniao", "--url", "ftp://x.invalid/",
        "--ebusiness-id", "1", "--key", "k",
    )  # fmt: skip
    assert result.exit_code == 1 and "http://" in result.stderr
    result = wareterm(
        "carriers", "api", "ZTO", "--provider", "kdniao", "--url",
        "https://user:secret@api.example.invalid/", "--ebusiness-id", "1", "--key", "k",
    )  # fmt: skip
    assert result.exit_code == 1 and "--key" in result.stderr
    result = _configure(wareterm, "--template-size", "big")
    assert result.exit_code == 1 and "130" in result.stderr
    result = wareterm(
        "carriers", "api", "NOPE", "--provider", "kdniao", "--url", "http://x.invalid/",
        "--ebusiness-id", "1", "--key", "k",
    )  # fmt: skip
    assert result.exit_code == 1 and "SF" in result.stderr


def test_waits_cancels_and_one_worker_pass_run_on_an_empty_queue(wareterm: Run) -> None:
    assert _json(wareterm("carriers", "waits", "--json")) == []
    assert _json(wareterm("carriers", "cancels", "--retry", "--json")) == []
    assert _ok(wareterm("carriers", "worker", "--once")).stdout == ""
