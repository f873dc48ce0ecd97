"""The station's devices at a glance: one line on every screen after login.

It shows the app's ``scanner_link`` and ``printer_link`` (attributes the app keeps current from
the scanner's reader thread and the print worker's reports) and redraws when they change.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Static

from core import words
from core.i18n import _
from core.ports import PrinterLink, ScannerLink
from tui.text import shown


def scanner_text(link: ScannerLink) -> tuple[str, str]:
    """The words for the scanner and their tone (``ok``, ``warn``, ``bad``, ``quiet``)."""
    if link.status == "connected":
        return _("scanner ready"), "ok"
    if link.status == "connecting":
        return _("scanner connecting…"), "warn"
    if link.status == "disconnected":
        text = _("scanner DISCONNECTED")
        return (f"{text} — {link.message}" if link.message else text), "bad"
    if link.status == "held":
        user = link.holder.user if link.holder is not None else "?"
        return _("scanner held by {user}").format(user=user), "warn"
    return _("keyboard scanner"), "quiet"


def printer_text(link: PrinterLink) -> tuple[str, str]:
    """The words for the printer and their tone."""
    if link.status == "none":
        return _("no printer"), "quiet"
    texts = {
        "ready": (_("printer ready"), "ok"),
        "unknown": (_("printer ?"), "quiet"),
        "paper_low": (_("printer paper low"), "warn"),
        "paper_out": (_("printer NO PAPER"), "bad"),
        "cover_open": (_("printer COVER OPEN"), "bad"),
        "offline": (_("printer OFFLINE"), "bad"),
    }
    known = texts.get(link.status)
    if known is not None:
        return known
    return _("printer {status}").format(status=words.printer_state(link.status)), "warn"


class DeviceBar(Horizontal):
    """Scanner state on the left, printer state on the right."""

    TONES = ("ok", "warn", "bad", "quiet")

    def compose(self) -> ComposeResult:
        yield Static("", id="bar-scanner")
        yield Static("", id="bar-printer")

    def on_mount(self) -> None:
        self.watch(self.app, "scanner_link", self._show_scanner, init=True)
        self.watch(self.app, "printer_link", self._show_printer, init=True)

    def _show(self, selector: str, text: str, tone: str) -> None:
        try:
            part = self.query_one(selector, Static)
        except NoMatches:
            # The app's link changed while this bar's screen was being taken down (its parts
            # are gone already); the next screen's bar shows the state.
            return
        part.update(shown(text))
        for name in self.TONES:
            part.set_class(name == tone, f"-{name}")

    def _show_scanner(self, link: ScannerLink) -> None:
        self._show("#bar-scanner", *scanner_text(link))

    def _show_printer(self, link: PrinterLink) -> None:
        self._show("#bar-printer", *printer_text(link))
