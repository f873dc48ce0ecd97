"""Scan messages and exception reasons are stored as a code and parameters and said in the
reader's language: a supervisor reading Chinese sees Chinese for a scan made in English, and
the reverse; rows stored as plain text before show that text. Through a real compiled catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core import i18n
from core.model import Role
from core.notices import NOTICES, from_stored, notice, stored_parts
from core.ports import Operator
from data.oversight import SqliteOversight
from data.store import Store
from tests.data.builders import ADMIN
from tests.data.floor_rows import supervised_floor
from tests.test_i18n import write_mo

BOSS = Operator("zhao.min", Role.SUPERVISOR, "office")
WRONG_ITEM = NOTICES["pick.wrong_item"]
SHORT = NOTICES["exception.short_pick"]
ZH = {
    WRONG_ITEM: "错货：{scanned} 不在此拣货单上。放回；从 {bin} 拣 {sku}。",
    SHORT: "缺拣：{sku} ×{n}（{reason}）货位 {bin}",
}


@pytest.fixture
def zh_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "locale"
    write_mo(folder / "zh_CN" / "LC_MESSAGES" / "wareterm.mo", ZH)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    yield folder
    i18n.set_language(None)


def _wrong_item(port: SqliteOversight) -> str:
    scans = port.order(BOSS, "DD-1").scans
    return next(scan.message for scan in scans if scan.verdict == "wrong_item")


def _short_reason(port: SqliteOversight) -> str:
    return next(o.reason for o in port.exceptions(BOSS).exceptions if o.order_no == "DD-X")


def test_a_scan_made_in_english_reads_in_chinese_and_back(tmp_path: Path, zh_catalog: Path) -> None:
    store = supervised_floor(tmp_path / "floor.db")  # the picker worked in English
    port = SqliteOversight(store)
    english = _wrong_item(port)
    assert english.startswith("Wrong item: ")
    i18n.set_language("zh_CN")
    chinese = _wrong_item(port)
    assert chinese.startswith("错货：") and "SKU-" in chinese
    assert _short_reason(port).startswith("缺拣：SKU-MUG ×")
    i18n.set_language("en")
    assert _wrong_item(port) == english
    assert _short_reason(port).startswith("short pick: SKU-MUG ×")
    # The table keeps the English text beside the code for tools that read it.
    row = store.query("SELECT message, message_code FROM scans WHERE verdict = 'wrong_item'")[0]
    assert (row["message"], row["message_code"]) == (english, "pick.wrong_item")


def test_a_scan_made_in_chinese_reads_in_english(tmp_path: Path, zh_catalog: Path) -> None:
    i18n.set_language("zh_CN")  # the picker's session speaks Chinese while the floor is built
    store = supervised_floor(tmp_path / "floor.db")
    port = SqliteOversight(store)
    assert _wrong_item(port).startswith("错货：")
    i18n.set_language("en")
    assert _wrong_item(port).startswith("Wrong item: ")
    assert _short_reason(port).startswith("short pick: ")


def test_rows_stored_as_text_show_their_text(tmp_path: Path, zh_catalog: Path) -> None:
    store: Store = supervised_floor(tmp_path / "floor.db")
    with store.write(ADMIN) as write:
        write.execute(
            "UPDATE scans SET message = 'Wrong item (an old row)', message_code = NULL,"
            " message_params = NULL WHERE verdict = 'wrong_item'"
        )
        write.audit("test.legacy", "scans")
    i18n.set_language("zh_CN")
    assert _wrong_item(SqliteOversight(store)) == "Wrong item (an old row)"


def test_a_notice_keeps_its_code_and_parameters_and_free_text_stays_as_typed(
    zh_catalog: Path,
) -> None:
    said = notice("exception.pack_missing_note", what="SKU-1 ×1", reason="missing", note="盒子破了")
    english, code, params = stored_parts(said)
    assert english == "pack check: SKU-1 ×1 missing (missing) — 盒子破了"
    assert code == "exception.pack_missing_note"
    assert from_stored(english, code, params) == english
    assert stored_parts("typed by a person") == ("typed by a person", None, None)
    # Parameters that do not fit the message (a row written by another version): the text.
    assert from_stored("as stored", "pick.wrong_bin", '{"bin": "A-1"}') == "as stored"
    assert from_stored("as stored", "no.such.code", "{}") == "as stored"


def test_every_scan_the_floor_stores_keeps_its_code(tmp_path: Path, zh_catalog: Path) -> None:
    """Picking, packing and loose scans all store a code, so each reads in the reader's
    language (a scan stored as text alone would read in the writer's)."""
    from data.floor import SqliteFloor

    store = supervised_floor(tmp_path / "floor.db")
    before = store.scalar("SELECT max(id) FROM scans")
    floor = SqliteFloor(store)
    packer = Operator("chen.jie", Role.PACKER, "bench-1")
    for raw in ("P:000009", "O:DD-NOPE", "6901234567892", "garbage!", "L:A-10"):
        floor.pack_scan(packer, raw, "wedge")
    rows = store.query(
        "SELECT message, message_code, message_params FROM scans WHERE id > ?", (before,)
    )
    assert len(rows) == 5
    assert all(row["message_code"] in NOTICES for row in rows), rows
    i18n.set_language("zh_CN")
    # Said again from the code: the same text as the English when the catalog has no entry.
    assert [from_stored(r["message"], r["message_code"], r["message_params"]) for r in rows] == [
        r["message"] for r in rows
    ]
