"""The packing bench (验货): scan a list, tote, order or unit; check every unit; type the weight;
the label prints; scan the label and the parcel has shipped."""

from __future__ import annotations

import functools

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Label, Static

from core.errors import WaretermError
from core.i18n import _
from core.labels import neutralise
from core.packing import MissingReason, parse_weight
from core.ports import CarrierOption, CarrierProposal, PackOrderView, PackOutcome, PackView
from core.sla import countdown
from tui.screens.base import FloorScreen
from tui.screens.modals import ChoiceDialog, CodeEntry, MissingDialog, ReasonEntry
from tui.widgets.devicebar import DeviceBar

#: How often the bench is read again while nothing happens (label jobs print meanwhile).
REFRESH_S = 2.0


class PackScreen(FloorScreen):
    """Check, weigh, label and ship the orders in front of the packer."""

    # Priority bindings: they work while the weight field has focus (a weight never holds
    # these letters), so the packer never has to leave the field first.
    BINDINGS = [
        Binding("m", "missing", _("Missing"), priority=True),
        Binding("o", "override", _("Carrier"), priority=True),
        Binding("v", "void", _("Void label"), priority=True),
        Binding("r", "reprint", _("Reprint"), priority=True),
        Binding("c", "type_code", _("Type code"), priority=True),
        Binding("escape", "leave", _("Leave")),
    ]

    def __init__(self, first_scan: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.view = PackView(station="")
        self.last: PackOutcome | None = None
        self.focus_order: str | None = None
        self.proposal: CarrierProposal | None = None
        self.override: tuple[str, str | None, str] | None = None
        self._first_scan = first_scan

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="pack"):
            with Horizontal(id="pack-top"):
                yield Static("", id="pack-source")
                yield Static("", id="pack-due")
            yield Static("", id="pack-order")
            yield Static("", id="pack-count")
            yield Static(_("Scan a pick list, a tote, an order or a unit."), id="banner")
            with Horizontal(id="pack-close"):
                yield Label(_("Weight kg"), id="weight-label")
                yield Input(placeholder="1.25", id="weight")
                yield Label(_("Parcels"), id="parcels-label")
                yield Input("1", id="parcels", restrict=r"[0-9]*", max_length=2)
            yield Static("", id="pack-carrier")
            yield DataTable(id="pack-lines", cursor_type="none", show_cursor=False)
            yield Static("", id="pack-ship")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pack-lines", DataTable)
        table.add_columns(_("Order"), _("SKU"), _("Name"), _("Qty"), _("Checked"))
        self.query_one("#pack-close").display = False
        self.set_interval(1.0, self._tick)
        self.set_interval(REFRESH_S, self._refresh)
        if self._first_scan is not None:
            raw, source = self._first_scan
            self._first_scan = None
            self.handle_scan(raw, source)
        else:
            self._refresh()

    # -- drawing --------------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.run_floor(self.floor.current_pack, self.operator, then=self.show)

    def _focused(self, view: PackView) -> PackOrderView | None:
        if view.ready is not None:
            return view.ready
        chosen = view.order(self.focus_order) if self.focus_order else None
        if chosen is not None and chosen in view.checking:
            return chosen
        return view.checking[0] if view.checking else None

    def show(self, view: PackView) -> None:
        """Draw the bench as it now stands."""
        self.view = view
        order = self._focused(view)
        source = view.source or (order.picklist_code if order else "") or ""
        self.query_one("#pack-source", Static).update(
            _("{source} · {n} to check · {station}").format(
                source=source or _("bench"), n=len(view.checking), station=view.station
            )
        )
        if order is None:
            self.query_one("#pack-order", Static).update(_("Nothing to check."))
            self.query_one("#pack-count", Static).update("")
        else:
            self.query_one("#pack-order", Static).update(
                Text(
                    f"{order.order_no}  {neutralise(order.customer_name)}  "
                    f"{neutralise(order.city)}  {order.priority.value}"
                )
            )
            self.query_one("#pack-count", Static).update(
                _("{done}/{total} units checked").format(done=order.verified, total=order.units)
            )
        self._fill_table(view, order)
        self._show_to_ship(view)
        self._show_close(view.ready)
        self._tick()

    def _fill_table(self, view: PackView, focus: PackOrderView | None) -> None:
        table = self.query_one("#pack-lines", DataTable)
        table.clear()
        for order in view.checking:
            marker = "▶ " if focus is not None and order.order_no == focus.order_no else "  "
            for number, line in enumerate(order.lines):
                table.add_row(
                    (marker + order.order_no) if number == 0 else "",
                    neutralise(line.sku),
                    neutralise(line.name)[:22],
                    str(line.qty),
                    f"{line.packed}" + ("" if line.missing else " ✔"),
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
        self.query_one("#pack-ship", Static).update(Text(text))

    def _show_close(self, ready: PackOrderView | None) -> None:
        row = self.query_one("#pack-close")
        was_shown = bool(row.display)
        row.display = ready is not None
        if ready is None:
            self.query_one("#pack-carrier", Static).update("")
            self.proposal = None
            return
        if not was_shown:
            weight = self.query_one("#weight", Input)
            weight.value = ""
            self.query_one("#parcels", Input).value = "1"
            self.override = None
            weight.focus()
            self.query_one("#pack-carrier", Static).update(
                _("{order}: type the weight and press Enter.").format(order=ready.order_no)
            )

    def _tick(self) -> None:
        order = self._focused(self.view)
        due = self.query_one("#pack-due", Static)
        if order is None:
            due.update("")
            return
        left = countdown(order.due_at, self.floor.now())
        due.update(_("due {left}").format(left=left))
        due.set_class(left.startswith("-"), "overdue")

    def _banner(self, text: str, kind: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(Text(text))
        for name in ("ok", "error", "info"):
            banner.set_class(name == kind, f"banner-{name}")

    # -- scans ----------------------------------------------------------------------------------

    def handle_scan(self, raw: str, source: str) -> None:
        """Every scan goes to the bench's rules; the verdict comes back in scan order."""
        self.run_floor(self.floor.pack_scan, self.operator, raw, source, then=self._scanned)

    def _scanned(self, outcome: PackOutcome) -> None:
        self.last = outcome
        if outcome.accepted and outcome.order_no:
            self.focus_order = outcome.order_no
        self.show(outcome.view)
        if outcome.accepted:
            self._banner("✔ " + outcome.message, "ok")
        else:
            self.app.bell()
            self._banner(
                _("✘ {verdict}: {code}\n{message}").format(
                    verdict=outcome.verdict.value.replace("_", " ").upper(),
                    code=neutralise(outcome.code),
                    message=outcome.message,
                ),
                "error",
            )

    def show_bad_scan(self, outcome: object) -> None:
        """The same loud banner as a refused scan (the app has rung the bell)."""
        message = getattr(outcome, "message", "")
        self._banner(_("✘ BAD SCAN\n{message}").format(message=message), "error")

    # -- closing an order -----------------------------------------------------------------------

    def _weight_and_parcels(self) -> tuple[int, int] | None:
        try:
            weight = parse_weight(self.query_one("#weight", Input).value)
        except WaretermError as error:
            self.app.bell()
            self.query_one("#pack-carrier", Static).update(Text("✘ " + str(error)))
            return None
        parcels_text = self.query_one("#parcels", Input).value or "1"
        return weight, int(parcels_text)

    def on_input_changed(self, event: Input.Changed) -> None:
        ready = self.view.ready
        if ready is None or event.input.id not in ("weight", "parcels"):
            return
        try:
            weight = parse_weight(self.query_one("#weight", Input).value)
        except WaretermError:
            return
        parcels = int(self.query_one("#parcels", Input).value or "1")
        self.run_floor(
            self.floor.propose_carrier,
            self.operator,
            ready.order_no,
            weight,
            max(parcels, 1),
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
            text = _("{carrier} {service} ¥{cost:.2f} — {reason}").format(
                carrier=proposal.carrier,
                service=proposal.service,
                cost=proposal.cost_fen / 100,
                reason=proposal.reason,
            )
        if proposal.warning:
            text += "\n⚠ " + proposal.warning
        self.query_one("#pack-carrier", Static).update(Text(text + "\n" + _("Enter: close")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "weight" or event.input.id == "parcels":
            self._close()

    def _close(self) -> None:
        ready = self.view.ready
        values = self._weight_and_parcels()
        if ready is None or values is None:
            return
        weight, parcels = values
        carrier, service, reason = self.override or (None, None, None)
        self.run_floor(
            self.floor.finish_pack,
            self.operator,
            ready.order_no,
            weight,
            max(parcels, 1),
            carrier,
            service,
            reason,
            then=self._closed,
        )

    def _closed(self, outcome: PackOutcome) -> None:
        self.override = None
        self.wapp.wake_printer()
        self._scanned(outcome)
        self.set_focus(None)

    # -- exceptions, labels ---------------------------------------------------------------------

    def _focus_or_bell(self) -> PackOrderView | None:
        order = self._focused(self.view)
        if order is None:
            self.app.bell()
            self._banner(_("No order is open at this bench."), "info")
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
            self._banner(_("Check every unit first; then choose the carrier."), "info")
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
                        Text(
                            _("{carrier} {service} — override: {reason}").format(
                                carrier=option.code, service=service or "", reason=reason
                            )
                            + "\n"
                            + _("Type the weight and press Enter.")
                        )
                    )
                    self.query_one("#weight", Input).focus()

            self.app.push_screen(
                ReasonEntry(
                    _("Why {carrier} for {order}?").format(carrier=option.code, order=order_no)
                ),
                reasoned,
            )

        self.app.push_screen(
            ChoiceDialog(
                _("Carrier for {order}").format(order=order_no),
                [f"{o.code}  {o.name}" for o in options],
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
            self._banner(_("No label at this bench to act on."), "info")
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

    def action_leave(self) -> None:
        """Back to home; the bench keeps its orders."""
        self.app.pop_screen()
