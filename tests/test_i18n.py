"""Operator text goes through one gettext function, so a catalog changes it without code."""

from __future__ import annotations

import struct
from pathlib import Path

from core import i18n
from core.codes import parse_scan
from core.picking import PickLineState, PickSettings, judge_pick_scan


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU .mo catalog (the format msgfmt writes), with its UTF-8 header entry."""
    messages = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(messages)
    ids = b"".join(key.encode() + b"\0" for key in keys)
    strs = b"".join(messages[key].encode() + b"\0" for key in keys)
    count = len(keys)
    header = 7 * 4
    table = header + count * 16
    offsets_ids, offsets_strs, position = [], [], 0
    for key in keys:
        offsets_ids.append((len(key.encode()), table + position))
        position += len(key.encode()) + 1
    position = 0
    for key in keys:
        offsets_strs.append((len(messages[key].encode()), table + len(ids) + position))
        position += len(messages[key].encode()) + 1
    data = struct.pack("<7I", 0x950412DE, 0, count, header, header + count * 8, 0, 0)
    data += b"".join(struct.pack("<2I", *pair) for pair in offsets_ids)
    data += b"".join(struct.pack("<2I", *pair) for pair in offsets_strs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data + ids + strs)


def test_a_catalog_translates_the_pickers_messages(tmp_path: Path) -> None:
    write_mo(
        tmp_path / "zh_CN" / "LC_MESSAGES" / "wareterm.mo",
        {"Wrong bin {scanned}. Go to bin {bin}.": "库位错误 {scanned}。请去库位 {bin}。"},
    )
    line = PickLineState(1, "SKU-1", "杯子", "A-01", 2, 0)
    try:
        i18n.set_language("zh_CN", tmp_path)
        decision = judge_pick_scan([line], parse_scan("L:B-02"), None, None, PickSettings())
        assert decision.message == "库位错误 B-02。请去库位 A-01。"
    finally:
        i18n.set_language(None)
    decision = judge_pick_scan([line], parse_scan("L:B-02"), None, None, PickSettings())
    assert decision.message == "Wrong bin B-02. Go to bin A-01."


def _write_po(path: Path, messages: dict[str, str]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog)


def test_a_po_without_its_compiled_catalog_or_newer_than_it_is_used(tmp_path: Path) -> None:
    """A fresh clone has no .mo yet, and a .mo older than its .po is stale: the .po is
    compiled in memory either way."""
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    _write_po(folder / "wareterm.po", {"Log in": "登录"})
    try:
        assert i18n.translation("zh_CN", tmp_path).gettext("Log in") == "登录"
        write_mo(folder / "wareterm.mo", {"Log in": "旧的"})
        import os

        os.utime(folder / "wareterm.mo", (1, 1))  # older than the .po
        i18n._catalog.cache_clear()
        assert i18n.translation("zh_CN", tmp_path).gettext("Log in") == "登录"
        os.utime(folder / "wareterm.po", (1, 1))
        os.utime(folder / "wareterm.mo", None)  # built after the .po: used as it is
        i18n._catalog.cache_clear()
        assert i18n.translation("zh_CN", tmp_path).gettext("Log in") == "旧的"
    finally:
        i18n._catalog.cache_clear()


def test_language_names_from_the_environment() -> None:
    assert i18n.environment_language({"WARETERM_LANG": "zh_CN", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert i18n.environment_language({"LANGUAGE": "fr:zh_CN.UTF-8", "LANG": "C"}) == "zh_CN"
    assert i18n.environment_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.environment_language({"LANG": "en_GB.UTF-8"}) == "en"
    assert i18n.environment_language({"LANG": "C.UTF-8"}) is None
    assert i18n.choose_language(None, "de_DE", "zh-cn") == "zh_CN"
    assert i18n.choose_language(None) == "en"
