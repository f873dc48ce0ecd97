"""The message catalog: every text an operator reads is wrapped for translation, the template
(core/locale/wareterm.pot) is up to date with the code, and the zh_CN catalog translates every
message, none fuzzy, with the same placeholders as the English."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "core" / "locale"
POT = LOCALE / "wareterm.pot"
ZH_PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "wareterm.po"
PACKAGES = ("core", "data", "devices", "tui")
KEYWORDS = ["--no-default-keywords", "-k", "_", "-k", "ngettext:1,2", "-k", "N_"]

needs_zh_catalog = pytest.mark.skipif(
    not ZH_PO.exists(),
    reason=(
        f"NO zh_CN CATALOG YET: {ZH_PO.relative_to(ROOT)} does not exist, so completeness, "
        "fuzziness and placeholders of the Chinese translations are NOT checked"
    ),
)


def _extract(tmp_path: Path) -> Catalog:
    """The template as `make i18n` would write it from the code now."""
    out = tmp_path / "now.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
        + KEYWORDS
        + ["-o", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return _read(out)


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


# -- the template is up to date -------------------------------------------------------------------


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    now = _ids(_extract(tmp_path))
    committed = _ids(_read(POT))
    assert len(now) > 500
    missing, stale = now - committed, committed - now
    assert not missing and not stale, (
        f"core/locale/wareterm.pot is out of date (run `make i18n`): "
        f"{len(missing)} new in the code, e.g. {sorted(map(str, missing))[:5]}; "
        f"{len(stale)} no longer in the code, e.g. {sorted(map(str, stale))[:5]}"
    )


# -- the Chinese catalog --------------------------------------------------------------------------


def _placeholders(text: str) -> list[tuple[str, str, str]]:
    """The ``{name!conv:spec}`` fields of a str.format message, in a canonical order."""
    fields = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.append((name, conversion or "", spec or ""))
    return sorted(fields)


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Messages whose translation's placeholders differ from the English (each plural form
    against the English plural, the singular against the singular)."""
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, translated in enumerate(strings):
            if not translated:
                continue
            english = ids[min(index, len(ids) - 1)]
            # Chinese has one plural form: it answers for the English plural.
            if isinstance(message.id, tuple) and len(strings) == 1:
                english = ids[-1]
            try:
                want, got = _placeholders(english), _placeholders(translated)
            except ValueError as error:
                problems.append(f"{english!r}: translation is not a format string ({error})")
                continue
            if want != got:
                problems.append(f"{english!r} has {want}, {translated!r} has {got}")
    return problems


def untranslated(catalog: Catalog, wanted: set[str | tuple[str, ...]]) -> list[str]:
    """Msgids of ``wanted`` that the catalog lacks, leaves empty or marks fuzzy."""
    found = {message.id: message for message in catalog if message.id}
    missing = []
    for msgid in sorted(wanted, key=str):
        message = found.get(msgid)
        strings = message.string if message is not None else ""
        empty = not all(strings) if isinstance(strings, tuple) else not strings
        if message is None or empty or message.fuzzy:
            missing.append(
                str(msgid) + (" (fuzzy)" if message is not None and message.fuzzy else "")
            )
    return missing


@needs_zh_catalog
def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    missing = untranslated(_read(ZH_PO), _ids(_extract(tmp_path)))
    assert not missing, f"{len(missing)} messages lack a zh_CN translation: {missing[:10]}"


@needs_zh_catalog
def test_chinese_placeholders_match_the_english() -> None:
    problems = placeholder_problems(_read(ZH_PO))
    assert not problems, "\n".join(problems[:20])


def _catalog(entries: list[tuple[object, object, bool]]) -> Catalog:
    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr, fuzzy in entries:
        catalog.add(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())  # type: ignore[arg-type]
    return catalog


def test_the_checks_catch_a_missing_a_fuzzy_and_a_wrong_placeholder() -> None:
    """The catalog checks themselves, on a small catalog with one fault of each kind."""
    catalog = _catalog(
        [
            ("Bin {bin}", "货位 {bin}", False),
            ("Go to {bin}", "去 {bin}", True),
            ("Scan {sku}", "扫描 {sku2}", False),
            (("{n} unit", "{n} units"), ("{n} 件",), False),
            (("{n} box", "{n} boxes"), ("个",), False),
            ("Untranslated", "", False),
        ]
    )
    wanted = {"Bin {bin}", "Go to {bin}", "Scan {sku}", "Untranslated", "Never added"}
    assert untranslated(catalog, wanted) == ["Go to {bin} (fuzzy)", "Never added", "Untranslated"]
    problems = placeholder_problems(catalog)
    assert len(problems) == 2
    assert "Scan {sku}" in problems[0] or "Scan {sku}" in problems[1]
    assert any("{n} boxes" in problem for problem in problems)


# -- nothing shown to operators is left unwrapped ---------------------------------------------------

#: Calls whose first argument an operator reads.
SHOWN_FIRST = {
    "Static",
    "Label",
    "Button",
    "notify",
    "echo",
    "secho",
    "banner",
    "refusal",
    "_refuse",
    "_error",
    "update",
    "add_column",
    "ClickException",
    "UsageError",
    "BadParameter",
    "Abort",
    "TabPane",
    "Tab",
    "Rule",
}
#: Keyword arguments an operator reads, in any call.
SHOWN_KEYWORDS = {
    "help",
    "title",
    "description",
    "placeholder",
    "tooltip",
    "label",
    "message",
    "subtitle",
    "prompt",
    "confirmation_prompt",
    "border_title",
}
#: Attributes an operator reads when a string is assigned to them.
SHOWN_ATTRIBUTES = {"title", "sub_title", "border_title", "border_subtitle", "TITLE", "SUB_TITLE"}
#: Exceptions (core.errors, the device and server errors) and their helpers: every argument
#: is read by an operator.
DOMAIN_ERRORS = {
    "WaretermError",
    "NotFound",
    "Rejected",
    "NotAllowed",
    "InvalidBarcode",
    "StoreBusy",
    "ServeError",
    "PrinterError",
    "ScannerError",
    "StationError",
    "_bad_url",
    "LabelError",
    "CjkFontMissing",
    "ScannerConfigError",
    "_PortAbsent",
}
#: Literals that are not text: the product's name, ids, codes and markup-free symbols.
ALLOWED = {"wareterm", "OK", "ok", "error", "info", "warning", "n/a"}
TRANSLATORS = {"_", "ngettext", "N_"}
#: Calls whose keywords look like text but are not shown (a warning filter's pattern).
NOT_SHOWN = {"filterwarnings", "simplefilter", "catch_warnings"}
_LETTER = re.compile(r"[^\W\d_]")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _bare_texts(node: ast.expr | None) -> Iterator[ast.expr]:
    """String literals with letters in ``node`` that reach the screen untranslated (a literal,
    an f-string's text, either side of ``+``, the format string of ``.format``/``%``)."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _LETTER.search(node.value) and node.value.strip() not in ALLOWED:
            yield node
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and _LETTER.search(str(part.value)):
                yield node
                return
    elif isinstance(node, ast.BinOp):
        yield from _bare_texts(node.left)
        if not isinstance(node.op, ast.Mod):
            yield from _bare_texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _bare_texts(node.body)
        yield from _bare_texts(node.orelse)
    elif isinstance(node, ast.Call):
        if _name(node.func) in TRANSLATORS:
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
            yield from _bare_texts(node.func.value)
        if _name(node.func) in ("Text", "str"):
            for arg in node.args[:1]:
                yield from _bare_texts(arg)


def _is_click_command(decorator: ast.expr) -> bool:
    call = decorator if isinstance(decorator, ast.Call) else None
    func = call.func if call else decorator
    return isinstance(func, ast.Attribute) and func.attr in ("command", "group")


def unwrapped(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each operator-facing literal in ``path`` not passed through ``_()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) not in NOT_SHOWN:
            name = _name(node.func)
            if name in SHOWN_FIRST and node.args:
                found.extend(_bare_texts(node.args[0]))
            if name == "Binding" and len(node.args) >= 3:
                found.extend(_bare_texts(node.args[2]))
            if name in DOMAIN_ERRORS or name == "add_columns":
                for arg in node.args:
                    found.extend(_bare_texts(arg))
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS:
                    found.extend(_bare_texts(keyword.value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                attr = target.attr if isinstance(target, ast.Attribute) else None
                name = target.id if isinstance(target, ast.Name) else None
                if attr in SHOWN_ATTRIBUTES or name in SHOWN_ATTRIBUTES:
                    found.extend(_bare_texts(node.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # A click command's docstring is its --help text, never translated: the help
            # goes in the decorator as help=N_(...).
            for decorator in node.decorator_list:
                if _is_click_command(decorator) and not (
                    isinstance(decorator, ast.Call)
                    and any(k.arg == "help" for k in decorator.keywords)
                ):
                    found.append(ast.Constant(value=f"--help of {node.name}", lineno=node.lineno))
    for literal in sorted(found, key=lambda node: node.lineno):
        text = literal.value if isinstance(literal, ast.Constant) else ast.unparse(literal)
        yield literal.lineno, str(text)


def _source_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return [path for path in files if "locale" not in path.parts]


def test_every_text_shown_to_operators_is_wrapped() -> None:
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in _source_files()
        for line, text in unwrapped(path)
    ]
    assert not problems, f"{len(problems)} texts not wrapped in _():\n" + "\n".join(problems)


def test_the_scan_finds_an_unwrapped_label_a_binding_an_error_and_a_command(
    tmp_path: Path,
) -> None:
    source = tmp_path / "screen.py"
    source.write_text(
        "yield Label('Bin')\n"
        "yield Label(_('Bin'))\n"
        "Binding('f1', 'help', 'Help')\n"
        "Binding('f1', 'help', _('Help'))\n"
        "raise Rejected(f'no order {order}')\n"
        "raise Rejected(_('no order {order}').format(order=order))\n"
        "self.notify('Saved ' + name)\n"
        "yield Static('', id='banner')\n"
        "@main.command()\n"
        "def ship():\n"
        "    '''Ship an order.'''\n"
        "@main.command(help=N_('Ship an order.'))\n"
        "def ship_again():\n"
        "    pass\n",
        encoding="utf-8",
    )
    assert [line for line, _text in unwrapped(source)] == [1, 3, 5, 7, 10]
