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
