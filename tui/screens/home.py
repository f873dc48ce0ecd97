"""Home after login: open work at a glance (kept current while other sessions work), the key to
take the next pick list, and for supervisors the key to their screens."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from core.errors import WaretermError
from core.i18n import _
from core.model import OrderStatus
from core.ports import FloorSummary, PickView, ScanOutcome
from core.roles import Permission, may
from tui.messages import FloorChanged
from tui.screens.base import FloorScreen
from tui.widgets.devicebar import DeviceBar


class HomeScreen(FloorScreen):
    """Start of a shift: resume the list in hand or take the next one."""

    BINDINGS = [
        Binding("n", "next_list", _("Next list")),
        Binding("s", "supervise", _("Supervisor")),
        Binding("r", "refresh", _("Refresh")),
        Binding("l", "logout", _("Log out")),
    ]

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="home"):
            yield Static(
                _("{user} · {role} · {station}").format(
                    user=self.operator.name,
                    role=self.operator.role.value,
                    station=self.operator.station,
                ),
                id="home-title",
            )
            yield Static("", id="home-summary")
            yield Static(_("Press N for the next pick list."), id="home-hint")
            if self.may_supervise:
                yield Static(_("Press S for the supervisor's screens."), id="home-supervise-hint")
        yield Footer()

    @property
    def may_supervise(self) -> bool:
        """Whether to offer the supervisor's screens (the port checks again on every call)."""
        return self.wapp.oversight is not None and may(self.operator.role, Permission.OVERSEE)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pickers and packers are not offered the supervisor's key at all."""
        if action == "supervise":
            return self.wapp.operator is not None and self.may_supervise
        return True

    def action_supervise(self) -> None:
        """Open the supervisor's overview."""
        if self.may_supervise:
            from tui.screens.supervise import section_screen

            self.app.push_screen(section_screen("overview"))

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session changed the floor: redraw the counts (one read at a time; changes
        during a read cause one more)."""
        if self._summary_pending:
            self._summary_stale = True
            return
        self.action_refresh()

    def on_mount(self) -> None:
        self.run_floor(self.floor.current_pick, self.operator, then=self._resume)

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def _resume(self, view: PickView | None) -> None:
        if view is not None:
            self._open(view)
        else:
            self.action_refresh()

    _summary_pending = False
    _summary_stale = False

    def action_refresh(self) -> None:
        self._summary_pending = True
        self.run_floor(self.floor.summary, then=self._show_summary)

    def _show_summary(self, summary: FloorSummary) -> None:
        self._summary_pending = False
        if self._summary_stale:
            self._summary_stale = False
            self.action_refresh()
        counts = summary.by_status
        lines = [
            _("Lists waiting: {n}").format(n=summary.lists_waiting),
            _("Allocated {a} · picking {p} · picked {d}").format(
                a=counts.get(OrderStatus.ALLOCATED.value, 0),
                p=counts.get(OrderStatus.PICKING.value, 0),
                d=counts.get(OrderStatus.PICKED.value, 0),
            ),
            _("On hold {h} · backordered {b} · exceptions {e}").format(
                h=counts.get(OrderStatus.ON_HOLD.value, 0),
                b=counts.get(OrderStatus.BACKORDERED.value, 0),
                e=counts.get(OrderStatus.EXCEPTION.value, 0),
            ),
        ]
        self.query_one("#home-summary", Static).update("\n".join(lines))

    def on_floor_error(self, error: WaretermError) -> None:
        """A refused call: said loudly; a summary read that failed is not waited for."""
        self._summary_pending = False
        super().on_floor_error(error)

    def action_next_list(self) -> None:
        self.run_floor(self.floor.claim_next_pick, self.operator, then=self._claimed)

    def _claimed(self, view: PickView | None) -> None:
        if view is None:
            self.app.bell()
            self._hint(_("No pick list is waiting. Ask a supervisor to release a wave."), False)
            return
        self._open(view)

    def _open(self, view: PickView) -> None:
        from tui.screens.pick import PickScreen

        self.app.push_screen(PickScreen(view))

    def handle_scan(self, raw: str, source: str) -> None:
        """Nothing to pick yet: store the scan and say what to do instead."""
        self.app.bell()
        self._hint(_("Scan ignored: take a list first (press N)."), error=False)
        self.run_floor(self.floor.record_scan, self.operator, raw, source, then=_stored)

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        self._hint("✘ " + outcome.message, error=True)

    def _hint(self, text: str, error: bool) -> None:
        hint = self.query_one("#home-hint", Static)
        hint.update(Text(text))
        hint.set_class(error, "banner-error")

    def action_logout(self) -> None:
        from tui.screens.login import LoginScreen

        self.wapp.end_session()
        self.app.switch_screen(LoginScreen())


def _stored(outcome: ScanOutcome) -> None:
    """The scan is on record; the hint already says what to do."""
