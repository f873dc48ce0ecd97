"""The pick screen: the bin in big letters, what to take, progress, and loud verdicts."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, ProgressBar, Static

from core import timefmt, words
from core.errors import ScanUnconfirmed, WaretermError
from core.i18n import N_, _
from core.model import ShortReason, Verdict
from core.ports import PickView, ScanOutcome
from core.stock import expiry_day
from tui.screens.base import FloorScreen
from tui.screens.modals import CodeEntry, ShortPickDialog
from tui.text import plain, shown
from tui.widgets.bigtext import BigText
from tui.widgets.devicebar import DeviceBar


def _barcode_display(code: str) -> str:
    """GTIN-14 back to the digits printed under the bars (EAN-13 / UPC-A)."""
    if len(code) == 14 and code.isdigit():
        return code[1:] if not code.startswith("00") else code[2:]
    return code


class PickScreen(FloorScreen):
    """Walk the list bin by bin; every unit is a scan."""

    BINDINGS = [
        Binding("s", "short", N_("Short")),
        Binding("b", "skip_bin", N_("Skip")),
        Binding("c", "type_code", N_("Type code")),
        Binding("escape", "leave", N_("Leave")),
        Binding("f5", "simulate_right", N_("Sim scan")),
        Binding("f6", "simulate_wrong", N_("Sim wrong")),
    ]

    def __init__(self, view: PickView) -> None:
        super().__init__()
        self.view = view
        self.last: ScanOutcome | None = None

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="pick"):
            with Horizontal(id="pick-top"):
                yield Static("", id="pick-list")
                yield Static("", id="pick-due")
            yield Static(_("BIN"), id="bin-label")
            yield BigText(id="bin")
            yield Static("", id="pick-item")
            yield Static("", id="pick-name")
            with Horizontal(id="pick-progress-row"):
                yield ProgressBar(show_eta=False, show_percentage=False, id="pick-progress")
                yield Static("", id="pick-count")
            yield Static("", id="banner")
            yield DataTable(id="pick-lines", cursor_type="row", show_cursor=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pick-lines", DataTable)
        table.add_columns(_("Bin"), _("SKU"), _("Name"), _("Qty"), _("Done"))
        # the day the list's lots were last checked (at its claim or resume): when the day
        # turns while the list is on screen (midnight, site time), the floor checks them again
        self._lots_checked_on = expiry_day(self.floor.now())
        self.show(self.view)
        if self.view.notice:
            self._lots_moved(self.view)
        self.set_interval(1.0, self._tick)
        if self.wapp.simulated_scanner:
            self.notify(_("Demo: F5 scans the right item, F6 a wrong one."), timeout=6)

    # -- drawing --------------------------------------------------------------------------------

    def show(self, view: PickView) -> None:
        """Draw a list as it now stands."""
        self.view = view
        line = view.current
        self.query_one("#pick-list", Static).update(
            shown(f"{view.code} · {words.priority(view.priority)} · {self.operator.name}")
        )
        bin_widget = self.query_one("#bin", BigText)
        if line is None:
            short = sum(ln.short for ln in view.lines)
            picked = sum(ln.picked for ln in view.lines)
            if picked == 0 and short:
                # every line went short (at the shelf, or its lot may no longer ship)
                bin_widget.text = _("SHORT")
                self.query_one("#bin-label", Static).update(_("NOTHING TO PICK"))
                done = _("Every line went short: there is nothing to take to packing.")
            else:
                bin_widget.text = _("DONE")
                self.query_one("#bin-label", Static).update(_("LIST COMPLETE"))
                done = (
                    _("Picked {n}, short {short}. Take the tote to packing.")
                    if short
                    else _("All {n} units picked. Take the tote to packing.")
                ).format(n=picked, short=short)
            self.query_one("#pick-item", Static).update(done)
            self.query_one("#pick-name", Static).update(_("Press Esc for the next list."))
        else:
            bin_widget.text = line.location or "—"
            needs_bin = view.location_first and (view.confirmed_location or "") != line.location
            self.query_one("#bin-label", Static).update(
                _("BIN — scan its label first") if needs_bin else _("BIN")
            )
            self.query_one("#pick-item", Static).update(
                shown(
                    _("{sku}  {picked}/{qty}  [{barcode}]").format(
                        sku=line.sku,
                        picked=line.picked,
                        qty=line.qty,
                        barcode=_barcode_display(line.barcode),
                    )
                )
            )
            self.query_one("#pick-name", Static).update(plain(line.name))
        progress = self.query_one("#pick-progress", ProgressBar)
        progress.update(total=max(view.units_total, 1), progress=view.units_done)
        self.query_one("#pick-count", Static).update(
            _("{done}/{total} lines").format(done=view.lines_done, total=len(view.lines))
        )
        self._tick()
        self._fill_table(view)

    def _fill_table(self, view: PickView) -> None:
        table = self.query_one("#pick-lines", DataTable)
        table.clear()
        current = view.current
        for line in view.lines:
            marker = "▶ " if current and line.line_id == current.line_id else ""
            done = f"{line.picked}" + (f" -{line.short}" if line.short else "")
            table.add_row(
                plain(marker + (line.location or "—")),
                plain(line.sku),
                plain(line.name, limit=24),
                plain(line.qty),
                plain(done),
            )

    def _tick(self) -> None:
        now = self.floor.now()
        due = self.query_one("#pick-due", Static)
        due.update(timefmt.remaining(self.view.due_at, now))
        due.set_class(timefmt.overdue(self.view.due_at, now), "overdue")
        today = expiry_day(now)
        if today != self._lots_checked_on and self.view.current is not None:
            self._lots_checked_on = today
            self.run_floor(
                self.floor.recheck_pick,
                self.operator,
                self.view.picklist_id,
                then=self._rechecked,
            )

    def _rechecked(self, view: PickView | None) -> None:
        if view is not None:
            self.show(view)
            self._lots_moved(view)

    def _lots_moved(self, view: PickView) -> None:
        """A line moved off, or closed short from, a lot that may no longer ship: say so."""
        self.app.bell()
        self.banner(view.notice, "info")

    # -- scans ----------------------------------------------------------------------------------

    def handle_scan(self, raw: str, source: str) -> None:
        """Send the scan to the floor; the verdict comes back in scan order."""
        self.run_floor(
            self.floor.pick_scan,
            self.operator,
            self.view.picklist_id,
            raw,
            source,
            then=self._scanned,
        )

    def _scanned(self, outcome: ScanOutcome) -> None:
        self.last = outcome
        if outcome.view is not None:
            self.show(outcome.view)
        if outcome.verdict in (Verdict.LOCATION_OK, Verdict.TOTE_OK):
            self.banner("✔ " + outcome.message, "info")
        elif outcome.accepted:
            done = outcome.view is not None and outcome.view.current is None
            self.banner("✔ " + (_("List complete!") if done else outcome.message), "ok")
        else:
            self.refusal(outcome.verdict.value, outcome.code, outcome.message)

    def on_floor_error(self, error: WaretermError) -> None:
        """Say what went wrong; when the server's writer stopped before confirming a scan,
        also draw the list as stored, so the picker sees whether the unit counted."""
        super().on_floor_error(error)
        if isinstance(error, ScanUnconfirmed):
            self.banner(_("? NOT CONFIRMED\n{message}").format(message=str(error)), "error")
            self.run_floor(self.floor.current_pick, self.operator, then=self._as_stored)

    def _as_stored(self, view: PickView | None) -> None:
        if view is not None:
            self.show(view)

    def bad_scan_list(self) -> int | None:
        """A bad scan during picking is stored with the list on screen."""
        return self.view.picklist_id

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        """The same loud banner as a refused scan (the app has rung the bell)."""
        self.last = outcome
        self.refusal(outcome.verdict.value, outcome.code, outcome.message, bell=False)

    # -- actions --------------------------------------------------------------------------------

    def action_short(self) -> None:
        """Close the current line short, with a reason."""
        line = self.view.current
        if line is None:
            return

        def chosen(reason: ShortReason | None) -> None:
            if reason is not None and line is not None:
                self.run_floor(
                    self.floor.short_pick,
                    self.operator,
                    self.view.picklist_id,
                    line.line_id,
                    reason,
                    then=partial(self._shorted, line.sku, line.location),
                )

        self.app.push_screen(
            ShortPickDialog(line.sku, line.location, line.qty - line.picked),
            chosen,
        )

    def _shorted(self, sku: str, location: str, view: PickView) -> None:
        self.show(view)
        elsewhere = next(
            (
                line.location
                for line in view.lines
                if line.sku == sku and line.location != location and not line.done
            ),
            None,
        )
        if elsewhere is not None:
            # another bin holds the SKU: the line continues there before any order goes short
            self.banner(
                _("Take the rest of {sku} from bin {bin}. Bin {short} will be counted.").format(
                    sku=sku, bin=elsewhere, short=location or "—"
                ),
                "info",
            )
        else:
            self.banner(_("Line closed short; the bin will be counted."), "info")

    def action_skip_bin(self) -> None:
        """The current bin is blocked: its lines go to the end of the list and come back."""
        line = self.view.current
        if line is None:
            return
        self.run_floor(
            self.floor.skip_bin,
            self.operator,
            self.view.picklist_id,
            line.line_id,
            then=partial(self._skipped, line.location),
        )

    def _skipped(self, location: str, view: PickView) -> None:
        self.show(view)
        self.banner(
            _("Bin {bin} skipped: it comes back at the end of the list.").format(
                bin=location or "—"
            ),
            "info",
        )

    def action_type_code(self) -> None:
        """Type a code whose barcode will not scan."""

        def typed(code: str | None) -> None:
            if code:
                self.handle_scan(code, "typed")

        self.app.push_screen(CodeEntry(), typed)

    def action_leave(self) -> None:
        """Back to home; the list stays yours and resumes where it stopped."""
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F5/F6 (simulated scans) exist only where the station's scanner is simulated."""
        if action in ("simulate_right", "simulate_wrong"):
            return self.wapp.simulated_scanner
        return True

    def action_simulate_right(self) -> None:
        """With a simulated (``loop://``) scanner only: a simulated scanner reads the item the list needs."""
        if self.wapp.simulated_scanner:
            self.run_floor(self.floor.expected_code, self.view.picklist_id, then=self._simulate)

    def action_simulate_wrong(self) -> None:
        """With a simulated (``loop://``) scanner only: a simulated scanner reads an item that is not on the list."""
        if self.wapp.simulated_scanner:
            self.wapp.simulate_scan("4006381333931")

    def _simulate(self, code: str | None) -> None:
        if code:
            self.wapp.simulate_scan(code)
