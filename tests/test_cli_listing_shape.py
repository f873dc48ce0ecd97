"""Every listing command prints through ``cli_output.listing``: no command module keeps its own
copy of the "JSON, else a table of the same rows" branch."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _called(node: ast.stmt) -> tuple[str, str] | None:
    """(function name, first argument's source) of a statement that is one call."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return None
    func = node.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = ast.unparse(node.value.args[0]) if node.value.args else ""
    return name, first


def _copies(tree: ast.AST) -> list[int]:
    """Lines of ``if as_json: emit_json(rows)`` followed (in ``else`` or after a ``return``) by
    a table of the same rows."""
    found = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            if not (
                isinstance(statement, ast.If)
                and ast.unparse(statement.test) == "as_json"
                and statement.body
            ):
                continue
            json_call = _called(statement.body[0])
            if json_call is None or not json_call[0].endswith("emit_json"):
                continue
            if statement.orelse:
                after = statement.orelse[0]
            elif isinstance(statement.body[-1], ast.Return) and index + 1 < len(body):
                after = body[index + 1]
            else:
                continue
            table_call = _called(after)
            if table_call and table_call[0].endswith("table") and table_call[1] == json_call[1]:
                found.append(statement.lineno)
    return found


def test_no_command_module_repeats_the_json_or_table_branch() -> None:
    copies = {
        path.name: lines
        for path in sorted((ROOT / "tui").glob("cli*.py"))
        if path.name != "cli_output.py"
        and (lines := _copies(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert copies == {}, "use cli_output.listing(rows, columns, as_json)"
