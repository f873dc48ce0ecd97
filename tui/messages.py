"""Messages of the wareterm app (posted up; the app routes scans to the active screen)."""

from __future__ import annotations

from textual.message import Message

from core.ports import ScannerLink


class ScanRead(Message):
    """A complete scan from any source: keyboard wedge, serial scanner, typed, simulated.

    A serial scanner's garbage (bytes that were not a barcode) is a scan too, with ``problem``
    set (``non_printable``, ``too_long``, ``incomplete``, ``undecodable``) and the bytes as read
    in ``raw_bytes``; ``raw`` is then only for showing.
    """

    def __init__(
        self,
        raw: str,
        source: str,
        problem: str | None = None,
        raw_bytes: bytes | None = None,
    ) -> None:
        super().__init__()
        self.raw = raw
        self.source = source
        self.problem = problem
        self.raw_bytes = raw_bytes


class ScannerChanged(Message):
    """The station's serial scanner changed state (posted from its reader thread)."""

    def __init__(self, link: ScannerLink, run: int) -> None:
        super().__init__()
        self.link = link
        self.run = run


class FloorChanged(Message):
    """Another session (or process) committed a change to the floor: the screen in front
    redraws what it shows. Posted straight to that screen; it does not bubble."""

    bubble = False

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version


class LanguageChanged(Message):
    """The session switched language: the screen redraws the texts it drew (key labels in
    the footer follow by themselves). Posted to every screen on the stack; it does not bubble."""

    bubble = False

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
