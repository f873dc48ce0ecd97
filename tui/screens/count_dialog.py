"""Make a count task (盘点单) from the Stock section: how its bins are chosen (a bin range, a
SKU, moved in the last N days, an ABC class, bins flagged by short picks), the value, blind or
open. The task is made by the ``counts create`` service through the stock port; a refusal is
shown in the dialog and nothing is made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from core.errors import WaretermError
from core.i18n import N_, _
from core.stock_oversight import CountScope, CreatedCount
from tui.text import shown

#: Makes the task: scope, value, open count; awaited off the UI thread.
Create = Callable[[CountScope, str, bool], Awaitable[CreatedCount]]


def _scopes() -> tuple[tuple[CountScope, str, str], ...]:
    """Each scope: its words in the list and what the value field asks for."""
    return (
        (CountScope.BINS, N_("Bin range"), N_("FIRST:LAST, such as A-01-01:A-01-09")),
        (CountScope.SKU, N_("SKU"), N_("SKU, such as SKU-00014")),
        (CountScope.MOVED, N_("Moved in the last N days (动碰)"), N_("days, such as 7")),
        (CountScope.ABC, N_("ABC class (units shipped)"), N_("A, B or C")),
        (CountScope.FLAGGED, N_("Bins flagged by short picks"), N_("nothing to type: Enter")),
    )


class CountTaskDialog(ModalScreen[CreatedCount | None]):
    """Choose the scope and type its value, blind or open; Enter in the value field makes the
    task, Esc goes back. Dismisses with the task made, or None."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, create: Create) -> None:
        super().__init__()
        self.create = create
        self.busy = False
        #: What each list holds: a list says it changed when it is first drawn too.
        self.chosen: dict[str, object] = {"count-scope": CountScope.BINS, "count-open": False}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog reason-dialog count-dialog"):
            yield Static(shown(_("New count task")), classes="dialog-title")
            yield Select(
                [(_(label), scope) for scope, label, _hint in _scopes()],
                value=CountScope.BINS,
                allow_blank=False,
                compact=True,
                id="count-scope",
            )
            yield Input(placeholder=_(_scopes()[0][2]), compact=True, id="count-value")
            yield Select(
                [(_("Blind count (盲盘)"), False), (_("Open count: expected shown (明盘)"), True)],
                value=False,
                allow_blank=False,
                compact=True,
                id="count-open",
            )
            yield Static(_("Enter to create · Esc to go back"), classes="dialog-hint")
            yield Static("", id="count-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#count-scope", Select).focus()

    @property
    def scope(self) -> CountScope:
        value = self.query_one("#count-scope", Select).value
        return value if isinstance(value, CountScope) else CountScope.BINS

    def on_select_changed(self, event: Select.Changed) -> None:
        name = event.select.id or ""
        if self.chosen.get(name) == event.value:
            return
        self.chosen[name] = event.value
        if name == "count-scope":
            hint = next(h for scope, _label, h in _scopes() if scope is self.scope)
            self.query_one("#count-value", Input).placeholder = _(hint)
        self.query_one("#count-error", Static).update("")
        self.query_one("#count-value", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        self.busy = True
        scope, value = self.scope, event.value
        open_count = self.query_one("#count-open", Select).value is True

        async def make() -> None:
            try:
                made = await self.create(scope, value, open_count)
            except WaretermError as error:
                self.busy = False
                if self.is_attached:
                    self.app.bell()
                    self.query_one("#count-error", Static).update(shown(str(error)))
                return
            self.dismiss(made)

        self.query_one("#count-error", Static).update("")
        self.run_worker(make(), group="count-create", exit_on_error=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
