"""The packing bench (验货): scan a list, tote, order or unit; check every unit; type the weight;
the label prints; scan the label and the parcel has shipped."""

from __future__ import annotations

import functools
import re

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

from core import timefmt, words
from core.errors import WaretermError
from core.i18n import N_, _
from core.packing import MissingReason, parse_weight
from core.ports import (
    CarrierOption,
    CarrierProposal,
    PackOrderView,
    PackOutcome,
    PackView,
    ScanOutcome,
)
from tui.messages import FloorChanged
from tui.screens.base import FloorScreen
from tui.screens.modals import ChoiceDialog, CodeEntry, MissingDialog, ReasonEntry
from tui.text import cells, plain, shown
from tui.widgets.devicebar import DeviceBar

#: What a keyboard-wedge scale types: a weight such as ``1.25`` or ``1250g``.
_SCALE_READING = re.compile(r"\d{1,3}(?:[.,]\d{1,3})?\s*(?:kg|g)?", re.IGNORECASE)


class PackScreen(FloorScreen):
    """Check, weigh, label and ship the orders in front of the packer."""

    # The weight is typed on the screen itself (digits, point, backspace, Enter; + and - for
    # parcels), not in an input field, so these letter keys work at every moment.
    # Nothing takes the focus: keys go to the screen (the weight, the bench's keys).
    AUTO_FOCUS = None

    # The footer shows keys in this order and a handheld (40 columns) shows only the first
    # few: typing a code the scanner cannot read and declaring units missing come first.
    BINDINGS = [
        Binding("c", "type_code", N_("Type code")),
        Binding("m", "missing", N_("Missing")),
        Binding("escape", "leave", N_("Leave")),
        Binding("o", "override", N_("Carrier")),
        Binding("v", "void", N_("Void label")),
        Binding("r", "reprint", N_("Reprint")),
        Binding("f5", "simulate_right", N_("Sim scan")),
        Binding("f6", "simulate_wrong", N_("Sim wrong")),
    ]

    def __init__(self, first_scan: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.view = PackView(station="")
        self.last: PackOutcome | None = None
        self.focus_order: str | None = None
        self.proposal: CarrierProposal | None = None
        self.override: tuple[str, str | None, str] | None = None
        self.weight_text = ""
        self.parcels = 1
        self._first_scan = first_scan
        #: Orders seen waiting for their number, to say so when it has come.
        self._waiting_seen: set[str] = set()
        #: An ask for the waiting orders' numbers is under way (one at a time).
        self._asking = False

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="pack"):
            with Horizontal(id="pack-top"):
                yield Static("", id="pack-source")
                yield Static("", id="pack-due")
            yield Static("", id="pack-order")
            yield Static("", id="pack-count")
            yield Static(_("Scan a pick list, a tote, an order or a unit."), id="banner")
            yield Static("", id="pack-close")
            yield Static("", id="pack-carrier")
            yield Static("", id="pack-wait")
            yield DataTable(id="pack-lines", cursor_type="none", show_cursor=False)
            yield Static("", id="pack-ship")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pack-lines", DataTable)
        table.can_focus = False
        self.set_focus(None)
        table.add_columns(_("Order"), _("SKU"), _("Name"), _("Qty"), _("Checked"))
        self.query_one("#pack-close").display = False
        self.query_one("#pack-wait").display = False
        self.set_interval(1.0, self._tick)
        if self._first_scan is not None:
            raw, source = self._first_scan
            self._first_scan = None
            self.handle_scan(raw, source)
        else:
            self._refresh()

    # -- drawing --------------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.reread(self.floor.current_pack, self.operator, then=self.show)

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session or the print worker changed something (a label printed, an order
        cancelled): read the bench again."""
        self._refresh()

    def _focused(self, view: PackView) -> PackOrderView | None:
        if view.ready is not None:
            return view.ready
        chosen = view.order(self.focus_order) if self.focus_order else None
        if chosen is not None and chosen in view.checking and chosen.waiting is None:
            return chosen
        return next((o for o in view.checking if o.waiting is None), None)

    def show(self, view: PackView) -> None:
        """Draw the bench as it now stands."""
        self.view = view
        order = self._focused(view)
        source = view.source or (order.picklist_code if order else "") or ""
        self.query_one("#pack-source", Static).update(
            shown(
                _("{source} · {n} to check · {station}").format(
                    source=source or _("bench"),
                    n=len(view.checking) - len(view.waiting),
                    station=view.station,
                )
            )
        )
        if order is None:
            self.query_one("#pack-order", Static).update(_("Nothing to check."))
            self.query_one("#pack-count", Static).update("")
        else:
            self.query_one("#pack-order", Static).update(
                Text("  ").join(
                    [
                        plain(order.order_no),
                        plain(order.customer_name),
                        plain(order.city),
                        plain(words.priority(order.priority)),
                    ]
                )
            )
            self.query_one("#pack-count", Static).update(
                _("{done}/{total} units checked").format(done=order.verified, total=order.units)
            )
        self._fill_table(view, order)
        self._show_to_ship(view)
        self._show_close(view.ready)
        self._show_waiting(view)
        self._tick()

    def _fill_table(self, view: PackView, focus: PackOrderView | None) -> None:
        table = self.query_one("#pack-lines", DataTable)
        table.clear()
        for order in view.checking:
            marker = "▶ " if focus is not None and order.order_no == focus.order_no else "  "
            if order.waiting is not None:
                marker = "⏳"
            for number, line in enumerate(order.lines):
                table.add_row(
                    *cells(
                        [
                            shown(marker).append_text(plain(order.order_no)) if number == 0 else "",
                            line.sku,
                            plain(line.name, limit=22),
                            line.qty,
                            f"{line.packed}" + ("" if line.missing else " ✔"),
                        ]
                    )
                )

    def _show_to_ship(self, view: PackView) -> None:
        parts = []
        for order in view.to_ship:
            shipment = order.shipment
            if shipment is None:
                continue
            for package in shipment.packages:
                if package.status != "labelled":
                    continue
                label = {
                    "done": _("printed"),
                    "queued": _("printing"),
                    "sending": _("printing"),
                    "failed": _("PRINT FAILED"),
                    "uncertain": _("PRINT UNCERTAIN"),
                }.get(package.label_status or "", package.label_status or "?")
                parts.append(f"{order.order_no} {shipment.carrier} {package.waybill_no} ({label})")
        text = _("To ship — scan the label: ") + "; ".join(parts) if parts else ""
        self.query_one("#pack-ship", Static).update(shown(text))

    def _show_waiting(self, view: PackView) -> None:
        """Orders closed here that wait in the queue for their number from the carrier's API:
        which, why, when the next try is; and, once one has its number, that its label is
        printing."""
        row = self.query_one("#pack-wait", Static)
        waiting = view.waiting
        row.display = bool(waiting)
        lines = []
        for order in waiting:
            wait = order.waiting
            assert wait is not None
            when = (
                timefmt.local(wait.next_attempt_at).strftime("%H:%M:%S")
                if wait.next_attempt_at
                else "—"
            )
            lines.append(
                _(
                    "⏳ {order} waits for its {carrier} number: API down, asked {attempts}×, "
                    "next try {time}. Its label prints here by itself."
                ).format(
                    order=order.order_no,
                    carrier=wait.carrier,
                    attempts=wait.attempts,
                    time=when,
                )
            )
        row.update(shown("\n".join(lines)))
        now_waiting = {order.order_no for order in waiting}
        arrived = [
            order
            for order in view.to_ship
            if order.order_no in self._waiting_seen - now_waiting and order.shipment is not None
        ]
        self._waiting_seen = now_waiting
        for order in arrived:
            assert order.shipment is not None
            self.wapp.wake_printer()
            self.banner(
                _("✔ {order} has its number: {carrier} {waybills}. Its label is printing.").format(
                    order=order.order_no,
                    carrier=order.shipment.carrier,
                    waybills=" ".join(order.shipment.waybills),
                ),
                "ok",
            )

    def _ask_numbers_again(self) -> None:
        """When a waiting order's next try is due, the bench asks the API again itself, aside
        from its scans (the API may take seconds), and draws what came back."""
        now = self.floor.now()
        due = [
            o
            for o in self.view.waiting
            if o.waiting is not None
            and (o.waiting.next_attempt_at is None or o.waiting.next_attempt_at <= now)
        ]
        if not due or self._asking:
            return
        self._asking = True
        future = self.wapp.backend.submit_aside(self.floor.ask_numbers_again, self.operator)

        async def finish() -> None:
            outcome: dict[str, str] = {}
            try:
                outcome = await future
            except WaretermError as error:
                if self.is_attached:
                    self.on_floor_error(error)
            finally:
                self._asking = False
            if not self.is_attached:
                return
            self.wapp.wake_printer()
            refused = [order for order, status in outcome.items() if status == "failed"]
            if refused:
                self.app.bell()
                self.banner(
                    _(
                        "✘ The carrier's API refused the number of {orders} (wareterm carriers "
                        "waits says why): close it again or choose another carrier."
                    ).format(orders=" ".join(refused)),
                    "error",
                )
            self._refresh()

        self.run_worker(finish(), group="numbers", exit_on_error=True)

    def _show_close(self, ready: PackOrderView | None) -> None:
        row = self.query_one("#pack-close", Static)
        was_shown = bool(row.display)
        row.display = ready is not None
        if ready is None:
            self.query_one("#pack-carrier", Static).update("")
            self.proposal = None
            return
        if not was_shown:
            self.weight_text = ""
            self.parcels = 1
            self.override = None
            self.query_one("#pack-carrier", Static).update(
                shown(
                    _("{order}: type the weight in kg and press Enter.").format(
                        order=ready.order_no
                    )
                )
            )
        self._show_weight()

    def _show_weight(self) -> None:
        self.query_one("#pack-close", Static).update(
            shown(
                _("Weight {weight}▏kg   Parcels {parcels} (+/-)").format(
                    weight=self.weight_text or " ", parcels=self.parcels
                )
            )
        )

    def _tick(self) -> None:
        self._ask_numbers_again()
        order = self._focused(self.view)
        due = self.query_one("#pack-due", Static)
        if order is None:
            due.update("")
            return
        now = self.floor.now()
        due.update(timefmt.remaining(order.due_at, now))
        due.set_class(timefmt.overdue(order.due_at, now), "overdue")

    # -- scans ----------------------------------------------------------------------------------

    def handle_scan(self, raw: str, source: str) -> None:
        """Every scan goes to the bench's rules; the verdict comes back in scan order. While
        an order waits for its weight, a short number is a weight (a keyboard-wedge scale types
        it like a scanner); no barcode is that short."""
        if self.view.ready is not None and _SCALE_READING.fullmatch(raw.strip()):
            self.weight_text = raw.strip()
            self._show_weight()
            self._close()
            return
        self.run_floor(self.floor.pack_scan, self.operator, raw, source, then=self._scanned)

    def _scanned(self, outcome: PackOutcome) -> None:
        self.last = outcome
        if outcome.accepted and outcome.order_no:
            self.focus_order = outcome.order_no
        self.show(outcome.view)
        if outcome.accepted:
            self.banner("✔ " + outcome.message, "ok")
        else:
            self.refusal(outcome.verdict.value, outcome.code, outcome.message)

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        """The same loud banner as a refused scan (the app has rung the bell)."""
        self.refusal(outcome.verdict.value, outcome.code, outcome.message, bell=False)

    # -- closing an order -----------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """While an order waits for its weight: digits, point, backspace and Enter type it,
        + and - change the number of parcels."""
        if self.view.ready is None or self.app.screen is not self:
            return
        key = event.key
        if key.isdigit() and len(key) == 1 or key in ("full_stop", "comma"):
            if len(self.weight_text) < 8:
                self.weight_text += key if key.isdigit() else "."
        elif key == "backspace":
            self.weight_text = self.weight_text[:-1]
        elif key in ("plus", "equals_sign"):
            self.parcels = min(self.parcels + 1, 20)
        elif key in ("minus", "hyphen"):
            self.parcels = max(self.parcels - 1, 1)
        elif key == "enter":
            event.stop()
            self._close()
            return
        else:
            return
        event.stop()
        self._show_weight()
        self._propose()

    def _weight(self) -> int | None:
        try:
            return parse_weight(self.weight_text)
        except WaretermError as error:
            self.app.bell()
            self.query_one("#pack-carrier", Static).update(shown("✘ " + str(error)))
            return None

    def _propose(self) -> None:
        ready = self.view.ready
        if ready is None:
            return
        try:
            weight = parse_weight(self.weight_text)
        except WaretermError:
            return
        self.run_floor(
            self.floor.propose_carrier,
            self.operator,
            ready.order_no,
            weight,
            self.parcels,
            then=functools.partial(self._proposed, ready.order_no),
        )

    def _proposed(self, order_no: str, proposal: CarrierProposal) -> None:
        ready = self.view.ready
        if ready is None or ready.order_no != order_no:
            return
        self.proposal = proposal
        if self.override is not None:
            carrier, service, reason = self.override
            text = _("{carrier} {service} — override: {reason}").format(
                carrier=carrier, service=service or "", reason=reason
            )
        else:
            text = proposal.reason
        if proposal.warning:
            text += "\n⚠ " + proposal.warning
        self.query_one("#pack-carrier", Static).update(shown(text + "\n" + _("Enter: close")))

    def _close(self) -> None:
        ready = self.view.ready
        weight = self._weight() if ready is not None else None
        if ready is None or weight is None:
            return
        carrier, service, reason = self.override or (None, None, None)
        self.run_floor(
            self.floor.finish_pack,
            self.operator,
            ready.order_no,
            weight,
            self.parcels,
            carrier,
            service,
            reason,
            then=self._order_closed,
        )

    def _order_closed(self, outcome: PackOutcome) -> None:
        self.override = None
        self.weight_text = ""
        self.wapp.wake_printer()
        self._scanned(outcome)
        closed = outcome.view.order(outcome.order_no or "")
        if closed is not None and closed.waiting is not None:
            # Not an error and not done: it waits in the queue, the packer goes on.
            self.banner("⏳ " + outcome.message, "info")

    # -- exceptions, labels ---------------------------------------------------------------------

    def _focus_or_bell(self) -> PackOrderView | None:
        order = self._focused(self.view)
        if order is None:
            self.app.bell()
            self.banner(_("No order is open at this bench."), "info")
        return order

    def action_missing(self) -> None:
        """Declare the focused order's unchecked units missing (exception queue)."""
        order = self._focus_or_bell()
        if order is None:
            return
        missing = order.units - order.verified

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.run_floor(
                    self.floor.declare_missing,
                    self.operator,
                    order.order_no,
                    MissingReason(reason),
                    "",
                    then=self._scanned,
                )

        self.app.push_screen(MissingDialog(order.order_no, missing), chosen)

    def action_override(self) -> None:
        """Choose another carrier for the order being closed (with a reason)."""
        ready = self.view.ready
        if ready is None:
            self.app.bell()
            self.banner(_("Check every unit first; then choose the carrier."), "info")
            return
        self.run_floor(
            self.floor.carrier_options,
            self.operator,
            ready.order_no,
            then=functools.partial(self._choose_carrier, ready.order_no),
        )

    def _choose_carrier(self, order_no: str, options: list[CarrierOption]) -> None:
        def chosen(index: int | None) -> None:
            if index is None:
                return
            option = options[index]

            def reasoned(reason: str | None) -> None:
                if reason:
                    service = option.services[0] if option.services else None
                    self.override = (option.code, service, reason)
                    self.query_one("#pack-carrier", Static).update(
                        shown(
                            _("{carrier} {service} — override: {reason}").format(
                                carrier=option.code, service=service or "", reason=reason
                            )
                            + "\n"
                            + _("Type the weight and press Enter.")
                        )
                    )

            self.app.push_screen(
                ReasonEntry(
                    _("Why {carrier} for {order}?").format(carrier=option.code, order=order_no)
                ),
                reasoned,
            )

        self.app.push_screen(
            ChoiceDialog(
                _("Carrier for {order}").format(order=order_no),
                [f"{o.code}  {o.name}" for o in options],  # drawn as text by the dialog
            ),
            chosen,
        )

    def _labelled_orders(self) -> list[PackOrderView]:
        return [
            o
            for o in (*self.view.to_ship, *self.view.checking)
            if o.shipment is not None and o.shipment.status != "shipped"
        ]

    def _pick_labelled(self, title: str, then: functools.partial[None]) -> None:
        orders = self._labelled_orders()
        if not orders:
            self.app.bell()
            self.banner(_("No label at this bench to act on."), "info")
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                then(orders[index].order_no)

        if len(orders) == 1:
            then(orders[0].order_no)
            return
        self.app.push_screen(
            ChoiceDialog(
                title,
                [
                    f"{o.order_no}  {o.shipment.carrier if o.shipment else ''} "
                    + " ".join(o.shipment.waybills if o.shipment else ())
                    for o in orders
                ],
            ),
            chosen,
        )

    def _ask_reason(self, question: str, action: str, order_no: str) -> None:
        def reasoned(reason: str | None) -> None:
            if not reason:
                return
            call = self.floor.void_label if action == "void" else self.floor.reprint_label
            self.run_floor(call, self.operator, order_no, reason, then=self._label_done)

        self.app.push_screen(ReasonEntry(question.format(order=order_no)), reasoned)

    def _label_done(self, outcome: PackOutcome) -> None:
        self.wapp.wake_printer()
        self._scanned(outcome)

    def action_void(self) -> None:
        """Void a label before the parcel leaves (its number is never used again)."""
        self._pick_labelled(
            _("Void which label?"),
            functools.partial(self._ask_reason, _("Why void the label of {order}?"), "void"),
        )

    def action_reprint(self) -> None:
        """Print a label again (same waybill number, audited)."""
        self._pick_labelled(
            _("Reprint which label?"),
            functools.partial(self._ask_reason, _("Why reprint the label of {order}?"), "reprint"),
        )

    def action_type_code(self) -> None:
        """Type a code whose barcode will not scan."""

        def typed(code: str | None) -> None:
            if code:
                self.handle_scan(code, "typed")

        self.app.push_screen(CodeEntry(), typed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F5/F6 (simulated scans) exist only where the station's scanner is simulated."""
        if action in ("simulate_right", "simulate_wrong"):
            return self.wapp.simulated_scanner
        return True

    def action_simulate_right(self) -> None:
        """With a simulated (``loop://``) scanner only: the simulated scanner reads the next unit the bench needs, or the label
        of a packed parcel."""
        if not self.wapp.simulated_scanner:
            return
        for order in self.view.checking:
            for line in order.lines:
                if line.missing and line.barcode:
                    self.wapp.simulate_scan(line.barcode)
                    return
        for order in self.view.to_ship:
            if order.shipment is not None:
                for package in order.shipment.packages:
                    if package.status == "labelled":
                        self.wapp.simulate_scan(package.waybill_no)
                        return
        self.banner(_("Demo: nothing to scan here. Scan a picked list (P:…) first."), "info")

    def action_simulate_wrong(self) -> None:
        """With a simulated (``loop://``) scanner only: the simulated scanner reads an item no order here wants."""
        if self.wapp.simulated_scanner:
            self.wapp.simulate_scan("4006381333931")

    def action_leave(self) -> None:
        """Back to home; the bench keeps its orders."""
        self.app.pop_screen()
