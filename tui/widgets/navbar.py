"""The supervisor's sections in one line: each with its key, the one on screen marked."""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Static

from core.i18n import _


def sections() -> list[tuple[str, str, str]]:
    """(name, key, label) of every supervisor section, in key order."""
    return [
        ("overview", "1", _("Overview")),
        ("orders", "2", _("Orders")),
        ("people", "3", _("People")),
        ("exceptions", "4", _("Exceptions")),
        ("stock", "5", _("Stock")),
        ("throughput", "6", _("Throughput")),
    ]


class NavBar(Static):
    """``1 Overview  2 Orders …`` with the current section highlighted; a click switches."""

    def __init__(self, current: str) -> None:
        super().__init__(self._markup(current))
        self.current = current

    @staticmethod
    def _markup(current: str) -> str:
        parts = []
        for name, key, label in sections():
            text = f"{key} {escape(label)}"
            if name == current:
                parts.append(f"[reverse bold] {text} [/]")
            else:
                parts.append(f"[@click=screen.goto('{name}')] {text} [/]")
        return "".join(parts)
