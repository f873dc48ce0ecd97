"""Login: user name and PIN, or a badge scan, at a station (prefilled; a bound user's wins)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from core.errors import WaretermError
from core.i18n import _
from core.ports import Operator, ScanOutcome
from tui.screens.base import FloorScreen
from tui.text import shown


class LoginScreen(FloorScreen):
    """Who is working here."""

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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#user", Input).focus()

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
