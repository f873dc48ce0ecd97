"""The command line's language: WARETERM_LANG, then LANGUAGE/LANG, then the site's
ui.language; users carry their own (users add|set --lang). Through a real compiled catalog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from core import i18n
from tests.test_i18n import write_mo
from tui.cli import main

CATALOG = {
    "no order {order_no}": "没有订单 {order_no}",
    "error: {error}": "错误：{error}",
    "Cancel an order that has not shipped; frees its stock.": "取消未发货的订单，释放库存。",
}


@pytest.fixture
def zh_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "locale"
    write_mo(folder / "zh_CN" / "LC_MESSAGES" / "wareterm.mo", CATALOG)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    for name in ("WARETERM_LANG", "LANGUAGE", "LANG", "LC_ALL"):
        monkeypatch.delenv(name, raising=False)
    yield folder
    i18n.set_language(None)


def _run(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args], env=env or {})
    return result.exit_code, result.output


def test_the_environment_then_the_site_default_choose_the_language(
    tmp_path: Path, zh_catalog: Path
) -> None:
    db = tmp_path / "w.db"
    assert _run(db, "init")[0] == 0
    code, out = _run(db, "orders", "show", "NOPE", env={"WARETERM_LANG": "zh_CN"})
    assert code == 1 and "错误：没有订单 NOPE" in out
    code, out = _run(db, "orders", "show", "NOPE", env={"LANG": "zh_CN.UTF-8"})
    assert "没有订单 NOPE" in out
    code, out = _run(db, "orders", "show", "NOPE", env={"LANGUAGE": "fr:zh_CN", "LANG": "C"})
    assert "没有订单 NOPE" in out
    code, out = _run(db, "orders", "show", "NOPE")
    assert "error: no order NOPE" in out
    assert _run(db, "config", "set", "ui.language", "zh-cn")[1].strip() == "ui.language = zh_CN"
    code, out = _run(db, "orders", "show", "NOPE")
    assert "没有订单 NOPE" in out
    # WARETERM_LANG wins over the site.
    code, out = _run(db, "orders", "show", "NOPE", env={"WARETERM_LANG": "en"})
    assert "error: no order NOPE" in out
    # --help of a command speaks it too (translated when shown, not at import).
    code, out = _run(db, "orders", "cancel", "--help")
    assert "取消未发货的订单，释放库存。" in out
    code, out = _run(db, "config", "set", "ui.language", "klingon")
    assert code == 1 and "klingon" in out


def test_users_carry_their_own_language(tmp_path: Path, zh_catalog: Path) -> None:
    db = tmp_path / "w.db"
    assert _run(db, "init")[0] == 0
    code, _out = _run(
        db, "users", "add", "li.na", "--role", "picker", "--pin", "1234", "--lang", "zh_CN"
    )
    assert code == 0
    assert _run(db, "users", "add", "tom", "--role", "picker", "--pin", "1234")[0] == 0
    listed = {
        row["name"]: row["language"] for row in json.loads(_run(db, "users", "list", "--json")[1])
    }
    assert listed == {"li.na": "zh_CN", "tom": None}
    assert _run(db, "users", "set", "tom", "--lang", "zh_CN")[0] == 0
    assert _run(db, "users", "set", "li.na", "--lang", "en")[0] == 0
    listed = {
        row["name"]: row["language"] for row in json.loads(_run(db, "users", "list", "--json")[1])
    }
    assert listed == {"li.na": "en", "tom": "zh_CN"}
    code, out = _run(db, "users", "set", "tom", "--lang", "xx")
    assert code == 1
    code, out = _run(db, "users", "set", "nobody", "--lang", "en")
    assert code == 1 and "nobody" in out
