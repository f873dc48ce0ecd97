"""Small dialogs: the short-pick reason and typing a code by hand."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.i18n import N_, _
from core.model import ShortReason
from tui.text import plain, shown


class ShortPickDialog(ModalScreen[ShortReason | None]):
    """Why the bin cannot give the units: 1 not found, 2 damaged, 3 short stock."""

    BINDINGS = [
        Binding("1", "reason('not_found')", N_("Not found")),
        Binding("2", "reason('damaged')", N_("Damaged")),
        Binding("3", "reason('short_stock')", N_("Short stock")),
        Binding("escape", "cancel", N_("Back")),
    ]

    def __init__(self, sku: str, location: str, missing: int) -> None:
        super().__init__()
        self.sku = sku
        self.location = location
        self.missing = missing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                shown(
                    _("Close {sku} at {bin} short by {n}?").format(
                        sku=plain(self.sku).plain,
                        bin=plain(self.location).plain or "?",
                        n=self.missing,
                    )
                ),
                classes="dialog-title",
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

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

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


class ReasonEntry(ModalScreen[str | None]):
    """Ask why (voiding or reprinting a label, overriding a carrier): the words are kept in
    the audit trail, so an empty reason is not accepted."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.question), classes="dialog-title")
            yield Input(placeholder=_("reason"), id="reason")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)


class MissingDialog(ModalScreen[str | None]):
    """Why units of an order are not there: 1 not in the tote, 2 damaged, 3 mismatch."""

    BINDINGS = [
        Binding("1", "reason('not_in_tote')", N_("Not in tote")),
        Binding("2", "reason('damaged')", N_("Damaged")),
        Binding("3", "reason('mismatch')", N_("Mismatch")),
        Binding("escape", "cancel", N_("Back")),
    ]

    def __init__(self, order_no: str, missing: int) -> None:
        super().__init__()
        self.order_no = order_no
        self.missing = missing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                shown(
                    _("{order}: {n} units missing. Send it to the exception queue?").format(
                        order=plain(self.order_no).plain, n=self.missing
                    )
                ),
                classes="dialog-title",
            )
            yield Static(_("1  not in the tote"))
            yield Static(_("2  damaged"))
            yield Static(_("3  wrong item (mismatch)"))
            yield Static(_("Esc  back to checking"))

    def action_reason(self, value: str) -> None:
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[int | None]):
    """Pick one of up to nine things by its number."""

    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)),
        Binding("escape", "cancel", N_("Back")),
    ]

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options[:9]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.title_text), classes="dialog-title")
            for number, option in enumerate(self.options, start=1):
                yield Static(shown(f"{number}  ").append_text(plain(option)))
            yield Static(_("Esc  back"))

    def action_choose(self, number: int) -> None:
        if 1 <= number <= len(self.options):
            self.dismiss(number - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)
