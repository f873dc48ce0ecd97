"""The supervisor's dialogs: confirm an action with a reason; choose a picker and a reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from core.i18n import N_, _
from tui.text import plain, shown


class ReasonDialog(ModalScreen[str | None]):
    """``title`` and what it does, a reason typed (required), Enter to confirm, Esc to go
    back. Dismisses with the reason, or None."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog reason-dialog"):
            yield Static(shown(self.title_text), classes="dialog-title")
            if self.detail:
                yield Static(shown(self.detail), classes="dialog-detail")
            yield Input(placeholder=_("reason (required)"), id="reason")
            yield Static(_("Enter to confirm · Esc to go back"), classes="dialog-hint")
            yield Static("", id="reason-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = " ".join(event.value.split())
        if not reason:
            self.app.bell()
            self.query_one("#reason-error", Static).update(_("A reason is required."))
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReassignDialog(ModalScreen[tuple[str, str] | None]):
    """Give a pick list to another picker: choose them, say why. Dismisses with
    ``(picker, reason)`` or None."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, code: str, current: str | None, pickers: tuple[str, ...]) -> None:
        super().__init__()
        self.code = code
        self.current = current
        self.pickers = tuple(name for name in pickers if name != current)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog reason-dialog"):
            yield Static(
                shown(
                    _("Reassign {code} (now {picker})").format(
                        code=self.code, picker=self.current or _("nobody")
                    )
                ),
                classes="dialog-title",
            )
            yield Select(
                [(plain(name), name) for name in self.pickers],
                prompt=_("to picker"),
                id="picker",
                allow_blank=True,
            )
            yield Input(placeholder=_("reason (required)"), id="reason")
            yield Static(_("Enter to confirm · Esc to go back"), classes="dialog-hint")
            yield Static("", id="reason-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#picker", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        picker = self.query_one("#picker", Select).value
        reason = " ".join(event.value.split())
        error = self.query_one("#reason-error", Static)
        if picker is Select.NULL or not isinstance(picker, str):
            self.app.bell()
            error.update(_("Choose the picker first."))
            return
        if not reason:
            self.app.bell()
            error.update(_("A reason is required."))
            return
        self.dismiss((picker, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
