"""Login: user name and PIN, or a badge scan, at a station (prefilled; a bound user's wins)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from core import i18n
from core.errors import WaretermError
from core.i18n import N_, _
from core.ports import Operator, ScanOutcome
from tui.language import LANGUAGE_NAMES, other_language
from tui.messages import LanguageChanged
from tui.screens.base import FloorScreen
from tui.text import shown


class LoginScreen(FloorScreen):
    """Who is working here. F2 switches the screen to the other language at once (the key is
    named by that language's own name, so someone who reads only it can find it)."""

    BINDINGS = [Binding("f2", "switch_language", N_("Language"), priority=True)]

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static(_("wareterm · log in"), id="login-title")
            with Horizontal(id="station-row"):
                yield Label(_("Station"), id="station-label")
                yield Input(self.wapp.station, placeholder=_("station"), id="station")
            yield Label(_("User"))
            yield Input(placeholder=_("name"), id="user")
            yield Label(_("PIN"))
            yield Input(password=True, id="pin")
            yield Button(_("Log in"), id="login", variant="primary")
            yield Static(_("…or scan your badge"), id="login-hint")
            yield Static("", id="login-error")
            yield Static(self._switch_text(), id="login-language")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#user", Input).focus()
        self._name_switch_key()

    def _switch_text(self) -> Text:
        return shown("F2 " + LANGUAGE_NAMES[other_language(i18n.current_language())])

    def _name_switch_key(self) -> None:
        target = LANGUAGE_NAMES[other_language(i18n.current_language())]
        table = self._bindings.key_to_bindings
        table["f2"] = [replace(binding, description=target) for binding in table.get("f2", [])]
        self.refresh_bindings()

    def action_switch_language(self) -> None:
        """Speak the other language on this screen (until someone logs in)."""
        language = other_language(i18n.current_language())
        self.wapp.login_language = language
        self.wapp.set_language(language)

    async def on_language_changed(self, message: LanguageChanged) -> None:
        """Draw every text again in the new language, keeping what was typed (a login that
        switched the language is leaving this screen: nothing to redraw then)."""
        if not self.is_attached or self.app.screen is not self:
            return
        typed = {box.id: box.value for box in self.query(Input)}
        focused = self.focused.id if self.focused is not None else None
        await self.recompose()
        for box in self.query(Input):
            box.value = typed.get(box.id, box.value)
        for box in self.query(Input):
            if box.id == (focused or "user"):
                box.focus()
        self._name_switch_key()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "station":
            self.query_one("#user", Input).focus()
        elif event.input.id == "user":
            self.query_one("#pin", Input).focus()
        else:
            self._login()

    @property
    def station(self) -> str:
        """The station typed (or prefilled from ``wareterm tui --station``)."""
        return self.query_one("#station", Input).value.strip() or self.wapp.station

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._login()

    def _login(self) -> None:
        name = self.query_one("#user", Input).value
        pin = self.query_one("#pin", Input).value
        if not name or not pin:
            self._error(_("Type your name and PIN, or scan your badge."))
            return
        self.run_floor(self.floor.login, name, pin, self.station, then=self._logged_in)

    def handle_scan(self, raw: str, source: str) -> None:
        """A badge scan logs in; anything else is explained."""
        self.run_floor(self.floor.badge_login, raw, self.station, then=self._logged_in)

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        """Before login there is no one to store it for: only say so (the bell has rung)."""
        self.query_one("#login-error", Static).update(shown(outcome.message))

    def on_floor_error(self, error: WaretermError) -> None:
        self.query_one("#pin", Input).value = ""
        self._error(str(error))

    def _error(self, text: str) -> None:
        self.app.bell()
        self.query_one("#login-error", Static).update(shown(text))

    def _logged_in(self, operator: Operator) -> None:
        from tui.screens.home import HomeScreen

        self.wapp.begin_session(operator)
        self.app.switch_screen(HomeScreen())


__all__ = ["LoginScreen", "Screen"]
