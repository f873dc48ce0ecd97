"""Small dialogs: the short-pick reason and typing a code by hand."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.i18n import _
from core.model import ShortReason


class ShortPickDialog(ModalScreen[ShortReason | None]):
    """Why the bin cannot give the units: 1 not found, 2 damaged, 3 short stock."""

    BINDINGS = [
        Binding("1", "reason('not_found')", _("Not found")),
        Binding("2", "reason('damaged')", _("Damaged")),
        Binding("3", "reason('short_stock')", _("Short stock")),
        Binding("escape", "cancel", _("Back")),
    ]

    def __init__(self, sku: str, location: str, missing: int) -> None:
        super().__init__()
        self.sku = sku
        self.location = location
        self.missing = missing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                _("Close {sku} at {bin} short by {n}?").format(
                    sku=self.sku, bin=self.location or "?", n=self.missing
                ),
                classes="dialog-title",
                markup=False,  # the SKU and bin come from imported files
            )
            yield Static(_("1  not found"))
            yield Static(_("2  damaged"))
            yield Static(_("3  short stock"))
            yield Static(_("Esc  back to picking"))

    def action_reason(self, value: str) -> None:
        self.dismiss(ShortReason(value))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def handle_scan(self, raw: str, source: str) -> None:
        """A scan while choosing: close the dialog and give it to the pick screen."""
        self.dismiss(None)
        self.app.call_after_refresh(self.app.post_message, _rescan(raw, source))


class CodeEntry(ModalScreen[str | None]):
    """Type the digits under a barcode that will not scan."""

    BINDINGS = [Binding("escape", "cancel", _("Back"))]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Type the code under the barcode, then Enter"), classes="dialog-title")
            yield Input(id="code")

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def handle_scan(self, raw: str, source: str) -> None:
        """A real scan arrived while typing: use it instead of the field."""
        self.dismiss(None)
        self.app.call_after_refresh(self.app.post_message, _rescan(raw, source))


def _rescan(raw: str, source: str) -> object:
    from tui.messages import ScanRead

    return ScanRead(raw, source)
