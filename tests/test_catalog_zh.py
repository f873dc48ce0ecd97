"""The Chinese catalog is complete and correct for the code as it stands: every message in
core, data, devices and tui has a zh_CN translation, none fuzzy, with the same placeholders;
the compiled .mo holds what the .po says."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "core" / "locale" / "zh_CN" / "LC_MESSAGES" / "wareterm.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def code_messages() -> set[str | tuple[str, str]]:
    """The msgids the code uses (what `pybabel extract -k _ -k ngettext:1,2` finds)."""
    found: set[str | tuple[str, str]] = set()
    for package in ("core", "data", "devices", "tui"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def fields(text: str) -> list[str]:
    """The placeholders of a message, as written (name, conversion and format spec)."""
    out = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            out.append(f"{name}!{conversion or ''}:{spec or ''}")
    return sorted(out)


def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_message_of_the_code_has_a_chinese_translation() -> None:
    translated = {
        (m.id if isinstance(m.id, str) else tuple(m.id))
        for m in catalog()
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(map(str, code_messages() - translated))
    assert not missing, f"{len(missing)} messages without zh_CN: {missing[:20]}"


def test_no_translation_is_fuzzy_and_plurals_have_one_form() -> None:
    po = catalog()
    assert not po.fuzzy
    assert po.plural_forms == "nplurals=1; plural=0;"
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not fuzzy, fuzzy


def test_placeholders_are_the_same_in_english_and_chinese() -> None:
    wrong = []
    for m in catalog():
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for text in strings:
            if fields(text) != fields(ids[-1]) and fields(text) != fields(ids[0]):
                wrong.append((ids[0], text))
    assert not wrong, wrong


def _key(message_id: object) -> str:
    return message_id if isinstance(message_id, str) else "\0".join(message_id)  # type: ignore[arg-type]


def _text(message_string: object) -> tuple[str, ...]:
    if isinstance(message_string, str):
        return (message_string,)
    return tuple(message_string)  # type: ignore[arg-type]


def test_the_compiled_catalog_holds_what_the_po_says() -> None:
    with MO.open("rb") as handle:
        compiled = {_key(m.id): _text(m.string) for m in read_mo(handle) if m.id}
    source = {_key(m.id): _text(m.string) for m in catalog() if m.id}
    assert compiled == source, "run: pybabel compile -d core/locale -D wareterm -l zh_CN"
