"""The shape of the code: the domain is reachable without I/O, screens only see the port."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = ("textual", "sqlite3", "sqlite_utils", "serial", "escpos", "PIL", "barcode")


def test_core_imports_no_io_or_ui_library() -> None:
    modules = sorted(p.stem for p in (ROOT / "core").glob("*.py") if p.stem != "__init__")
    script = (
        "import sys\n"
        + "".join(f"import core.{name}\n" for name in modules)
        + f"bad = [m for m in {FORBIDDEN_IN_CORE!r} if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core pulled in: {result.stdout.strip()}"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_screens_and_widgets_never_import_data_or_devices() -> None:
    files = [*(ROOT / "tui" / "screens").glob("*.py"), *(ROOT / "tui" / "widgets").glob("*.py")]
    files.append(ROOT / "tui" / "app.py")
    assert len(files) > 3
    for path in files:
        for name in _imported_modules(path):
            assert name.split(".")[0] not in ("data", "devices"), f"{path.name} imports {name}"


def test_data_and_core_never_import_the_terminal() -> None:
    for package in ("core", "data"):
        for path in (ROOT / package).glob("*.py"):
            for name in _imported_modules(path):
                assert name.split(".")[0] != "tui", f"{path} imports {name}"


def _calls(path: Path) -> list[tuple[str, ast.Call]]:
    """Every call in a module, with the called name as written (``click.echo``, ``Text``)."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            calls.append((ast.unparse(node.func), node))
    return calls


def test_the_terminal_draws_data_one_way() -> None:
    """Screens, dialogs and widgets make no ``Text`` from a value and no sanitising of their
    own: data is drawn through ``tui.text`` (no markup, no control characters)."""
    files = [*(ROOT / "tui" / "screens").glob("*.py"), *(ROOT / "tui" / "widgets").glob("*.py")]
    files.append(ROOT / "tui" / "app.py")
    for path in files:
        for name, call in _calls(path):
            assert name not in ("neutralise", "strip_controls", "Text.from_markup"), path.name
            if name == "Text":
                constant = all(isinstance(arg, ast.Constant) for arg in call.args)
                assert constant, f"{path.name}:{call.lineno} builds Text from a value"


def test_the_command_line_prints_one_way() -> None:
    """Commands print only through ``tui.cli_output`` (plain lines, tables, JSON)."""
    files = sorted((ROOT / "tui").glob("cli*.py"))
    assert len(files) > 3
    for path in files:
        if path.name == "cli_output.py":
            continue
        for name, call in _calls(path):
            assert name not in (
                "click.echo",
                "click.secho",
                "print",
                "sys.stdout.write",
                "sys.stderr.write",
                "json.dump",
                "Console",
                "neutralise",
            ), f"{path.name}:{call.lineno} prints with {name}"
