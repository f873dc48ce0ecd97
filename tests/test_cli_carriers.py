"""``wareterm carriers …``: list, set, import, choose and the waybill pools (exit 0 ok, 1 rejected
with the reason on stderr, 2 usage; every listing has --json)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _json(result: Result) -> Any:
    return json.loads(_ok(result).stdout)


def _rejected(result: Result, *words: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture(autouse=True)
def initialised(wareterm: Run) -> None:
    _ok(wareterm("init"))


# -- carriers list / set / import --------------------------------------------------------------


def test_list_shows_the_presets(wareterm: Run) -> None:
    text = _ok(wareterm("carriers", "list")).stdout
    for word in ("SF", "顺丰速运", "标快 1 day", "ZTO", "mainland except 西藏, 青海, 新疆"):
        assert word in text
    rows = _json(wareterm("carriers", "list", "--json"))
    assert [row["code"] for row in rows] == [
        "SF",
        "ZTO",
        "YTO",
        "STO",
        "YUNDA",
        "EMS",
        "JD",
        "GENERIC",
    ]
    sf = rows[0]
    assert set(sf) == {
        "code",
        "name",
        "name_zh",
        "services",
        "coverage",
        "coverage_summary",
        "international",
        "tracking",
        "claims",
        "active",
        "stored",
        "api",
    }
    assert sf["services"][0] == {
        "code": "STANDARD",
        "name": "标快",
        "speed_days": 1.0,
        "rates": {
            "local": {"first_kg_fen": 1200, "extra_kg_fen": 200},
            "regional": {"first_kg_fen": 1500, "extra_kg_fen": 500},
            "national": {"first_kg_fen": 1800, "extra_kg_fen": 1000},
            "remote": {"first_kg_fen": 2300, "extra_kg_fen": 1800},
        },
    }
    assert (sf["coverage"], sf["international"], sf["tracking"], sf["claims"]) == (
        None,
        True,
        True,
        True,
    )
    assert rows[-1]["active"] is False


def test_set_turns_a_carrier_off_and_on(wareterm: Run) -> None:
    assert _ok(wareterm("carriers", "set", " zto ", "--inactive")).stdout == "ZTO: inactive\n"
    rows = {row["code"]: row for row in _json(wareterm("carriers", "list", "--json"))}
    assert rows["ZTO"]["active"] is False and rows["ZTO"]["stored"]
    shown = _json(wareterm("carriers", "set", "generic", "--active", "--json"))
    assert (shown["code"], shown["active"]) == ("GENERIC", True)


def test_set_usage_and_rejections(wareterm: Run) -> None:
    assert wareterm("carriers", "set", "SF").exit_code == 2  # neither --active nor --inactive
    assert wareterm("carriers", "set").exit_code == 2
    _rejected(wareterm("carriers", "set", "DHL", "--active"), "unknown carrier 'DHL'", "SF, ZTO")


JT = {
    "code": "JT",
    "name": "J&T Express",
    "name_zh": "极兔速递",
    "services": [
        {
            "code": "STANDARD",
            "name": "标准快递",
            "speed_days": 3,
            "rates": {"national": {"first_kg_fen": 200, "extra_kg_fen": 100}},
        }
    ],
    "tracking": True,
}


def test_import_then_the_rules_use_the_new_carrier(wareterm: Run, write_file: Write) -> None:
    path = write_file("carriers.json", json.dumps([JT], ensure_ascii=False))
    assert _ok(wareterm("carriers", "import", path)).stdout == "carriers: JT added, 0 replaced\n"
    assert _json(wareterm("carriers", "import", path, "--json")) == {
        "added": [],
        "replaced": ["JT"],
    }
    choice = _json(wareterm("carriers", "choose", "--province", "广东", "--json"))
    assert choice["carrier"] == "JT" and choice["cost"] == "¥2.00"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[{", ["not valid JSON"]),
        (json.dumps([{**JT, "services": []}]), ["carrier #1", "carrier JT", "services"]),
        (json.dumps([{**JT, "coverage": ["Narnia"]}]), ["unknown province 'Narnia'"]),
    ],
)
def test_a_bad_import_exits_1_and_changes_nothing(
    wareterm: Run, write_file: Write, content: str, words: list[str]
) -> None:
    _rejected(wareterm("carriers", "import", write_file("c.json", content)), *words)
    assert not _json(wareterm("carriers", "list", "--json"))[0]["stored"]


def test_import_of_a_missing_file(wareterm: Run, tmp_path: Path) -> None:
    _rejected(wareterm("carriers", "import", tmp_path / "nope.json"), "cannot read")
    assert wareterm("carriers", "import").exit_code == 2


# -- carriers choose ---------------------------------------------------------------------------


def test_choose_says_what_and_why(wareterm: Run) -> None:
    result = _ok(
        wareterm("carriers", "choose", "--province", "xinjiang", "--priority", "rush")
    ).stdout
    assert result == (
        "SF STANDARD (顺丰速运 标快)\nrush: fastest covering 新疆 — SF 标快 1 day, ¥23.00\n"
    )
    remote = _json(wareterm("carriers", "choose", "--province", "新疆维吾尔自治区", "--json"))
    assert remote == {
        "carrier": "EMS",
        "carrier_name": "China Post EMS",
        "carrier_name_zh": "中国邮政 EMS",
        "service": "PARCEL",
        "service_name": "快递包裹",
        "zone": "remote",
        "cost_fen": 1100,
        "cost": "¥11.00",
        "speed_days": 5.0,
        "reason": "remote 新疆: preferred remote carrier — EMS 快递包裹 5 days, ¥11.00",
    }
    heavy = _json(
        wareterm("carriers", "choose", "--province", "广东省", "--weight", "1500", "--json")
    )
    assert (heavy["carrier"], heavy["zone"], heavy["cost_fen"]) == ("YTO", "national", 940)
    abroad = _json(wareterm("carriers", "choose", "--country", "US", "--json"))
    assert (abroad["carrier"], abroad["zone"]) == ("EMS", "international")


def test_choose_follows_the_settings_and_the_active_flags(wareterm: Run) -> None:
    _ok(wareterm("config", "set", "warehouse.province", "Guangdong"))
    local = _json(wareterm("carriers", "choose", "--province", "广东", "--json"))
    assert local["zone"] == "local"
    _ok(wareterm("config", "set", "carrier.remote_preferred", "sf"))
    assert _json(wareterm("carriers", "choose", "--province", "西藏", "--json"))["carrier"] == "SF"
    _ok(wareterm("carriers", "set", "SF", "--inactive"))
    _ok(wareterm("carriers", "set", "EMS", "--inactive"))
    fallback = _json(wareterm("carriers", "choose", "--province", "新疆", "--json"))
    assert fallback["reason"] == (
        "remote 新疆: preferred SF is inactive, so cheapest covering — JD 标准快递 2 days, ¥20.00"
    )
    _rejected(
        wareterm("carriers", "choose", "--province", "西藏"),
        "no active carrier delivers to 西藏 (remote)",
        "SF, EMS, GENERIC: is inactive",
    )
    _rejected(
        wareterm("carriers", "choose", "--province", "香港"), "no active carrier delivers to 香港"
    )
    listed = _json(wareterm("config", "list", "--json"))
    assert listed["warehouse.province"] == "广东" and listed["pool.low_warning"] == "50"


def test_choose_checks_an_override(wareterm: Run) -> None:
    choice = _json(
        wareterm("carriers", "choose", "--province", "广东", "--carrier", "sf", "--json")
    )
    assert (choice["carrier"], choice["service"]) == ("SF", "ECONOMY")
    assert choice["reason"].startswith("override: SF 特惠")
    _rejected(
        wareterm("carriers", "choose", "--province", "新疆", "--carrier", "zto"),
        "ZTO does not deliver to 新疆",
    )
    _rejected(
        wareterm("carriers", "choose", "--province", "广东", "--carrier", "sf", "--service", "x"),
        "SF has no service 'x'",
    )


def test_choose_usage_and_rejections(wareterm: Run) -> None:
    _rejected(wareterm("carriers", "choose"), "the address has no province")
    assert wareterm("carriers", "choose", "--province", "浙江", "--priority", "now").exit_code == 2
    assert wareterm("carriers", "choose", "--province", "浙江", "--weight", "-1").exit_code == 2
    assert wareterm("carriers", "choose", "--province", "浙江", "--service", "X").exit_code == 2
    _rejected(wareterm("carriers", "choose", "--province", "Gotham"), "unknown province 'Gotham'")


# -- carriers pool -----------------------------------------------------------------------------


def test_pool_add_from_a_file(wareterm: Run, write_file: Write) -> None:
    path = write_file("sf.txt", "# block 1\nSF1000000001\n\nSF1000000002\nSF1000000001\n")
    result = _ok(wareterm("carriers", "pool", "add", "sf", path))
    assert result.stdout.splitlines() == [
        "SF: 2 added, 1 skipped, 0 rejected; 2 free",
        "line 5: SF1000000001: repeats line 2",
    ]
    assert "warning: SF has only 2 free waybill numbers" in result.stderr
    again = _json(wareterm("carriers", "pool", "add", "SF", path, "--json"))
    assert again == {
        "kind": "waybill numbers",
        "stored": 0,
        "updated": 0,
        "on_hold": [],
        "skipped": [
            {"line": 2, "key": "SF1000000001", "reason": "already in the SF pool (free)"},
            {"line": 4, "key": "SF1000000002", "reason": "already in the SF pool (free)"},
            {"line": 5, "key": "SF1000000001", "reason": "repeats line 2"},
        ],
        "rejected": [],
        "carrier": "SF",
        "free": 2,
    }


def test_pool_add_reports_bad_lines_and_exits_1(wareterm: Run, write_file: Write) -> None:
    path = write_file("sf.txt", "SF1000000001\nnot a number\nSF1000000002\n")
    result = wareterm("carriers", "pool", "add", "SF", path)
    _rejected(result, "line 2: rejected: 'not a number' is not a waybill number")
    assert "SF: 2 added, 0 skipped, 1 rejected; 2 free" in result.stdout
    assert _json(wareterm("carriers", "pool", "status", "--json"))[0]["free"] == 2


def test_pool_add_a_range(wareterm: Run) -> None:
    result = _ok(
        wareterm("carriers", "pool", "add", "SF", "--range", "SF1000000001", "SF1000000500")
    )
    assert result.stdout == "SF: 500 added, 0 skipped, 0 rejected; 500 free\n"
    assert result.stderr == ""
    prefixed = _json(
        wareterm(
            "carriers", "pool", "add", "yto", "--range", "0001", "0060", "--prefix", "YT", "--json"
        )  # fmt: skip
    )
    assert (prefixed["stored"], prefixed["free"]) == (60, 60)
    _rejected(
        wareterm("carriers", "pool", "add", "SF", "--range", "SF1", "SF9999999"), "at most 100000"
    )
    _rejected(
        wareterm("carriers", "pool", "add", "SF", "--range", "SF500000", "SF100000"),
        "ends before it starts",
    )


def test_pool_add_usage_and_rejections(wareterm: Run, write_file: Write) -> None:
    path = write_file("sf.txt", "SF1000000001\n")
    assert wareterm("carriers", "pool", "add", "SF").exit_code == 2  # neither FILE nor --range
    assert (
        wareterm("carriers", "pool", "add", "SF", path, "--range", "SF000001", "SF000002")
    ).exit_code == 2
    assert wareterm("carriers", "pool", "add", "SF", path, "--prefix", "X").exit_code == 2
    assert wareterm("carriers", "pool", "add", "SF", "--range", "SF000001").exit_code == 2
    _rejected(wareterm("carriers", "pool", "add", "DHL", path), "unknown carrier 'DHL'")
    _rejected(wareterm("carriers", "pool", "add", "SF", path.with_name("x.txt")), "cannot read")


def test_pool_status_warns_about_low_pools(wareterm: Run) -> None:
    _ok(wareterm("config", "set", "pool.low_warning", "5"))
    for code, start in (("SF", "SF000001"), ("ZTO", "ZT000001"), ("YTO", "YT000001")):
        end = start[:2] + "000010"
        _ok(wareterm("carriers", "pool", "add", code, "--range", start, end))
    for code in ("STO", "YUNDA", "EMS", "JD"):
        _ok(wareterm("carriers", "pool", "add", code, "--range", f"{code[:2]}000001",
                     f"{code[:2]}000003"))  # fmt: skip
    result = _ok(wareterm("carriers", "pool", "status"))
    assert "SF" in result.stdout and "LOW" in result.stdout
    assert result.stderr.count("warning:") == 4  # STO, YUNDA, EMS, JD hold 3 < 5
    assert "warning: EMS has only 3 free waybill numbers (warning below 5)" in result.stderr
    rows = _json(wareterm("carriers", "pool", "status", "--json"))
    assert rows[0] == {
        "carrier": "SF",
        "name": "顺丰速运",
        "active": True,
        "free": 10,
        "used": 0,
        "void": 0,
        "low": False,
        "low_warning": 5,
    }
    assert [row["carrier"] for row in rows if row["low"]] == ["STO", "YUNDA", "EMS", "JD"]


def test_pool_commands_need_a_configuring_user(
    wareterm: Run, write_file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(wareterm("users", "add", "chen.jie", "--role", "packer", "--pin", "1234"))
    monkeypatch.setenv("WARETERM_USER", "chen.jie")
    _rejected(
        wareterm("carriers", "pool", "add", "SF", write_file("sf.txt", "SF1000000001\n")),
        "may not change the configuration",
    )
    _rejected(wareterm("carriers", "set", "SF", "--inactive"), "may not change the configuration")
    # Looking is allowed.
    _ok(wareterm("carriers", "pool", "status"))
    _ok(wareterm("carriers", "choose", "--province", "浙江"))
