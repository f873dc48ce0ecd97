"""Home after login: open work at a glance (kept current while other sessions work), the key to
take the next pick list, and for supervisors the key to their screens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from core import words
from core.i18n import N_, _
from core.model import OrderStatus, Role
from core.ports import FloorSummary, PackView, PickView, ScanOutcome
from core.roles import Permission, may
from tui.messages import FloorChanged
from tui.screens.base import FloorScreen
from tui.text import shown
from tui.widgets.devicebar import DeviceBar


class HomeScreen(FloorScreen):
    """Start of a shift: resume the list in hand or take the next one."""

    BINDINGS = [
        Binding("n", "next_list", N_("Next list")),
        Binding("p", "pack", N_("Pack")),
        Binding("b", "batch_print", N_("Print wave")),
        Binding("w", "stock_work", N_("Stock")),
        Binding("t", "returns", N_("Returns")),
        Binding("s", "supervise", N_("Supervisor")),
        Binding("l", "logout", N_("Log out")),
        # Last: the screen reads itself again on every change, so a handheld may lose it.
        Binding("r", "refresh", N_("Refresh")),
    ]

    #: Which roles see which keys (the services check the roles again, whatever the keys).
    ROLE_ACTIONS = {
        "pack": frozenset({Role.PACKER, Role.SUPERVISOR, Role.ADMIN}),
        "batch_print": frozenset({Role.PACKER, Role.SUPERVISOR, Role.ADMIN}),
        # the roles that receive returns (Permission.RECEIVE_RETURN)
        "returns": frozenset({Role.PACKER, Role.SUPERVISOR, Role.ADMIN}),
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer each key only to the roles it is for: the bench keys not to pickers, the
        supervisor's key to supervisors and admins only."""
        if self.wapp.operator is None:
            return action not in (*self.ROLE_ACTIONS, "supervise", "stock_work")
        if action == "supervise":
            return self.may_supervise
        if action == "stock_work":
            return self.may_stock_work
        if action == "returns" and self.wapp.returns is None:
            return False
        roles = self.ROLE_ACTIONS.get(action)
        return roles is None or self.wapp.operator.role in roles

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="home"):
            yield Static(
                shown(
                    _("{user} · {role} · {station}").format(
                        user=self.operator.name,
                        role=words.role(self.operator.role),
                        station=self.operator.station,
                    )
                ),
                id="home-title",
            )
            yield Static("", id="home-summary")
            yield Static(self._start_hint(), id="home-hint")
            if self.may_stock_work:
                yield Static(_("W: stock work (receive, put away, count)."), id="home-stock-hint")
            if self.may_supervise:
                yield Static(_("Press S for the supervisor's screens."), id="home-supervise-hint")
        yield Footer()

    def _start_hint(self) -> str:
        if self.operator.role is Role.PICKER:
            return _("Press N for the next pick list.")
        return _("Scan a pick list, tote or order to pack it (or press P). N: pick a list.")

    @property
    def may_supervise(self) -> bool:
        """Whether to offer the supervisor's screens (the port checks again on every call)."""
        return self.wapp.oversight is not None and may(self.operator.role, Permission.OVERSEE)

    @property
    def may_stock_work(self) -> bool:
        """Whether to offer the stock screens (receiving, put-away, moves, replenishment,
        counts): to a role that may do any of them."""
        from tui.screens.stockwork import StockMenuScreen

        role = self.operator.role
        return self.wapp.stock is not None and any(
            may(role, needed) for needed in StockMenuScreen.NEEDS.values()
        )

    def action_stock_work(self) -> None:
        """Open the stock work menu (入库, 上架, 移库, 补货, 盘点)."""
        if self.may_stock_work:
            from tui.screens.stockwork import StockMenuScreen

            self.app.push_screen(StockMenuScreen())

    def action_supervise(self) -> None:
        """Open the supervisor's overview."""
        if self.may_supervise:
            from tui.screens.supervise import section_screen

            self.app.push_screen(section_screen("overview"))

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session changed the floor: redraw the counts (one read at a time; changes
        during a read cause one more)."""
        self.action_refresh()

    def on_mount(self) -> None:
        self.run_floor(self.floor.current_pick, self.operator, then=self._resume)

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def _resume(self, view: PickView | None) -> None:
        if view is not None:
            self._open(view)
            return
        self.action_refresh()
        if self.check_action("pack", ()):
            self.run_floor(self.floor.current_pack, self.operator, then=self._resume_bench)

    def _resume_bench(self, bench: PackView) -> None:
        """Orders left open at this bench (a logout, a crash): back to them."""
        if (bench.checking or bench.to_ship) and self.is_current:
            self.action_pack()

    def action_refresh(self) -> None:
        self.reread(self.floor.summary, then=self._show_summary)

    def _show_summary(self, summary: FloorSummary) -> None:
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
        self.query_one("#home-summary", Static).update(shown("\n".join(lines)))

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
        """At a bench a scan starts packing; a picker is told to take a list first (the scan
        is stored either way)."""
        if self.check_action("pack", ()):
            self.action_pack(first_scan=(raw, source))
            return
        self.app.bell()
        self._hint(_("Scan ignored: take a list first (press N)."), error=False)
        self.run_floor(self.floor.record_scan, self.operator, raw, source, then=_stored)

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        self._hint("✘ " + outcome.message, error=True)

    def _hint(self, text: str, error: bool) -> None:
        hint = self.query_one("#home-hint", Static)
        hint.update(shown(text))
        hint.set_class(error, "banner-error")

    def action_pack(self, first_scan: tuple[str, str] | None = None) -> None:
        """Open the packing bench (a scan that brought us here is its first scan)."""
        from tui.screens.pack import PackScreen

        self.app.push_screen(PackScreen(first_scan))

    def action_batch_print(self) -> None:
        """Print a released wave's labels and pick sheets in one go (打单)."""
        from tui.screens.batch import BatchPrintScreen

        self.app.push_screen(BatchPrintScreen())

    def action_returns(self) -> None:
        """Open the returns bench (销退扫描入库)."""
        from tui.screens.returns import ReturnsScreen

        self.app.push_screen(ReturnsScreen())

    def action_logout(self) -> None:
        self.wapp.log_out()


def _stored(outcome: ScanOutcome) -> None:
    """The scan is on record; the hint already says what to do."""
