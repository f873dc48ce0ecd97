"""Messages of the wareterm app (posted up; the app routes scans to the active screen)."""

from __future__ import annotations

from textual.message import Message


class ScanRead(Message):
    """A complete scan from any source: keyboard wedge, serial scanner, typed, simulated."""

    def __init__(self, raw: str, source: str) -> None:
        super().__init__()
        self.raw = raw
        self.source = source
