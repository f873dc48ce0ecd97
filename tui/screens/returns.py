"""The returns bench (销退扫描入库), at a bench or on a handheld: scan the parcel's waybill or
order code (or type a phone or a name) to find its order, scan every unit (good back to stock,
damaged with a reason), close the return; a parcel no order matches is kept as an unidentified
parcel (无信息件). Every scan goes through the app's backend to the returns port."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from core import words
from core.errors import WaretermError
from core.i18n import N_, _, ngettext
from core.returns_desk import (
    BIN,
    ClosedReturn,
    RefusedParcel,
    ReturnMatch,
    ReturnOutcome,
    ReturnsDesk,
)
from tui.screens.base import FloorScreen
from tui.screens.modals import ChoiceDialog, CodeEntry
from tui.text import plain, shown
from tui.widgets.devicebar import DeviceBar


def _refusal_word(verdict: str) -> str:
    return {
        "not_shipped": _("NOT SHIPPED"),
        "too_many": _("TOO MANY"),
        "unknown_code": _("UNKNOWN CODE"),
        "no_match": _("NO ORDER"),
    }.get(verdict, _("REFUSED"))


class TextEntry(ModalScreen[str | None]):
    """Ask for one optional line (a carrier, a note): Enter keeps what is typed (maybe
    nothing), Esc goes back."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.question), classes="dialog-title")
            yield Input(id="text-entry")

    def on_mount(self) -> None:
        self.query_one("#text-entry", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(" ".join(event.value.split()))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def handle_scan(self, raw: str, source: str) -> None:
        """A scan answers the question (a label, an order code)."""
        self.dismiss(" ".join(raw.split()))


class ReturnsScreen(FloorScreen):
    """Receive one parcel at a time: find its order, scan its units, close it."""

    AUTO_FOCUS = None

    # A handheld's footer shows the first few keys: typing a code (a phone, a name) and the
    # condition of the next unit come first.
    BINDINGS = [
        Binding("c", "type_code", N_("Type")),
        Binding("d", "damaged", N_("Damaged")),
        Binding("g", "good", N_("Good")),
        Binding("f", "finish", N_("Close")),
        Binding("x", "exchange", N_("Exchange")),
        Binding("r", "refused", N_("Refused parcel")),
        Binding("u", "unidentified", N_("No match")),
        Binding("escape", "leave", N_("Leave")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order: ReturnMatch | None = None
        #: An unidentified parcel being received: (waybill, carrier, note).
        self.parcel: tuple[str, str, str] | None = None
        self.parcel_id: int | None = None
        self.parcel_units = 0
        #: The last code that matched no order (offered as an unidentified parcel's waybill).
        self.unmatched: str | None = None
        self.return_ids: set[int] = set()
        self.damaged_reason: str | None = None
        self.bin: str | None = None
        self.exchange = False
        self.exchange_sku: str | None = None
        self.awaiting_replacement = False
        #: The waybill number the open order's parcel was found by ("" otherwise).
        self.waybill = ""
        #: R pressed once: the next R receives the parcel as refused at delivery (拒收).
        self.confirm_refused = False
        #: The exchange is the one the after-sales export announced: the service sends each
        #: returned SKU's own replacement (``exchange_sku`` shows the first).
        self.exchange_as_expected = False
        self.last: ReturnOutcome | None = None

    @property
    def desk(self) -> ReturnsDesk:
        """The returns port (the home screen offers this screen only when there is one)."""
        desk = self.wapp.returns
        assert desk is not None
        return desk

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="returns"):
            yield Static("", id="ret-title")
            yield Static("", id="ret-mode")
            yield Static("", id="banner")
            yield Static("", id="ret-lines")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(None)
        self._draw()
        self.banner(self._start_hint(), "info")

    def _start_hint(self) -> str:
        return _("Scan the parcel's waybill or order code, or press C to type a phone or name.")

    # -- drawing --------------------------------------------------------------------------------

    def _draw(self) -> None:
        title = self.query_one("#ret-title", Static)
        if self.order is not None:
            title.update(
                shown(_("Return · "))
                .append_text(plain(self.order.order_no))
                .append("  ")
                .append_text(plain(self.order.customer_name, limit=12))
            )
        elif self.parcel is not None:
            title.update(
                shown(_("Unidentified parcel · "))
                .append_text(plain(self.parcel[0]))
                .append("  ")
                .append_text(
                    shown(
                        ngettext("{n} unit", "{n} units", self.parcel_units).format(
                            n=self.parcel_units
                        )
                    )
                )
            )
        else:
            title.update(_("Returns · scan a parcel"))
        self._draw_mode()
        self._draw_lines()

    def _draw_mode(self) -> None:
        mode = self.query_one("#ret-mode", Static)
        if self.order is None and self.parcel is None:
            mode.update("")
            mode.set_class(False, "ret-damaged")
            return
        if self.parcel is not None:
            text = shown(_("Units are kept in the returns bin until a supervisor links them."))
        elif self.damaged_reason is not None:
            text = shown(_("DAMAGED · {reason} → damaged bin").format(reason=self.damaged_reason))
        else:
            text = shown(_("GOOD → {bin}").format(bin=self.bin or _("returns bin")))
        if self.order is not None and self.exchange:
            text.append("  ")
            if self.awaiting_replacement:
                text.append_text(shown(_("· exchange: scan the replacement (X: same SKU)")))
            else:
                text.append_text(
                    shown(_("· exchange for {sku}").format(sku=self.exchange_sku or _("same SKU")))
                )
        mode.update(text)
        mode.set_class(self.damaged_reason is not None and self.parcel is None, "ret-damaged")

    def _draw_lines(self) -> None:
        box = self.query_one("#ret-lines", Static)
        order = self.order
        if order is None:
            box.update("")
            return
        narrow = self.size.width < 60
        rows = [shown(_("SKU · shipped · back"), style="bold")]
        for line in order.lines:
            row = plain(line.sku, limit=16 if narrow else 20)
            row.append(f"  {line.shipped}  ")
            row.append_text(
                shown(f"{line.returned}" + (" ✔" if line.returned >= line.shipped else ""))
            )
            if not narrow and line.name:
                row.append("  ").append_text(plain(line.name, limit=24))
            rows.append(row)
        box.update(Text("\n").join(rows))

    # -- scans ----------------------------------------------------------------------------------

    def _key(self) -> str:
        """A new id for one scan: the service adds a unit once per id, whatever is resent."""
        return f"rb-{uuid.uuid4().hex}"

    def handle_scan(self, raw: str, source: str) -> None:
        """A scan (or a typed code) goes where the screen stands: the replacement of an
        exchange, a unit of the open order or parcel, else the code of a new parcel."""
        self.confirm_refused = False
        if self.awaiting_replacement and self.order is not None:
            self.run_floor(self.desk.product, self.operator, raw, then=self._replacement)
        elif self.order is not None:
            self.run_floor(
                self.desk.receive_unit,
                self.operator,
                self.order.order_no,
                raw,
                self._key(),
                self.damaged_reason,
                self.bin,
                self.exchange,
                None if self.exchange_as_expected else self.exchange_sku,
                then=self._received,
            )
        elif self.parcel is not None:
            waybill, carrier, note = self.parcel
            self.run_floor(
                self.desk.receive_parcel_unit,
                self.operator,
                waybill,
                carrier,
                note,
                raw,
                self._key(),
                then=self._received,
            )
        else:
            self.run_floor(
                self.desk.find, self.operator, raw, then=lambda found: self._found(raw, found)
            )

    def _found(self, text: str, matches: list[ReturnMatch]) -> None:
        if not matches:
            self.unmatched = " ".join(text.split())
            self._loud(
                "no_match",
                text,
                _("No shipped order matches. U: keep it as an unidentified parcel."),
            )
            self.refresh_bindings()
            return
        if len(matches) == 1:
            self._open(matches[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self._open(matches[index])

        self.app.push_screen(
            ChoiceDialog(
                _("{n} orders match; which one?").format(n=len(matches)),
                [
                    f"{m.order_no} {m.customer_name} {m.phone} ({m.returned}/{m.shipped})"
                    for m in matches
                ],
            ),
            chosen,
        )

    def _open(self, order: ReturnMatch) -> None:
        """The parcel's order, taken as its after-sales export says: an exchange starts in
        exchange mode with the replacement named; a parcel refused at delivery comes back
        whole at once; anything else is a return for refund."""
        self._reset()
        self.order = order
        self.waybill = order.waybill
        if order.expected_kind == "refused":
            self._draw()
            self.refresh_bindings()
            self.banner(
                _("{after_sales}: refused at delivery (拒收); receiving the whole parcel…").format(
                    after_sales=order.after_sales_no
                ),
                "info",
            )
            self._receive_refused()
            return
        if order.expected_kind == "exchange":
            self.exchange, self.exchange_sku = True, order.exchange_sku or None
            self.exchange_as_expected = True
        self._draw()
        if order.expected_kind == "exchange":
            self.banner(
                _(
                    "{after_sales}: an exchange for {sku}; scan each returned unit"
                    " (X: return for refund). F: close."
                ).format(
                    after_sales=order.after_sales_no, sku=order.exchange_sku or _("the same SKU")
                ),
                "info",
            )
        else:
            self.banner(
                _("{order}: scan each unit ({back}/{shipped} back). F: close.").format(
                    order=order.order_no, back=order.returned, shipped=order.shipped
                ),
                "info",
            )
        self.refresh_bindings()

    def _receive_refused(self) -> None:
        order = self.order
        if order is not None:
            self.run_floor(
                self.desk.receive_refused,
                self.operator,
                order.order_no,
                self.waybill,
                then=self._refused,
            )

    def _refused(self, parcel: RefusedParcel) -> None:
        self._reset()
        self.order = parcel.order
        self._draw_lines()
        self.order = None
        self.query_one("#ret-title", Static).update(
            shown(_("Refused · ")).append_text(plain(parcel.order_no))
        )
        self._draw_mode()
        self.banner(
            ngettext(
                "✔ {order} refused at delivery: {n} unit into {bin}; order {status}.",
                "✔ {order} refused at delivery: {n} units into {bin}; order {status}.",
                parcel.units,
            ).format(
                order=parcel.order_no,
                n=parcel.units,
                bin=parcel.bin,
                status=words.order_status(parcel.order_status),
            ),
            "ok",
        )
        self.refresh_bindings()

    def _received(self, outcome: ReturnOutcome) -> None:
        self.last = outcome
        if outcome.order is not None and self.order is not None:
            self.order = outcome.order
        if outcome.return_id is not None:
            self.return_ids.add(outcome.return_id)
        if outcome.parcel is not None:
            self.parcel_id = outcome.parcel
            self.parcel_units = outcome.parcel_units
        if outcome.verdict == BIN:
            self.bin = outcome.bin
            self.damaged_reason = None
        self._draw()
        if outcome.accepted:
            self.banner("✔ " + outcome.message, "ok")
        else:
            self._loud(outcome.verdict, outcome.code, outcome.message)

    def _loud(self, verdict: str, code: str, message: str) -> None:
        self.app.bell()
        self.banner(
            _("✘ {verdict}: {code}\n{message}").format(
                verdict=_refusal_word(verdict), code=plain(code).plain, message=message
            ),
            "error",
        )

    def _replacement(self, product: tuple[str, str]) -> None:
        self.exchange_sku, _name = product
        self.awaiting_replacement = False
        self._draw()
        self.banner(
            _("Exchange for {sku}: scan the returned units.").format(sku=self.exchange_sku),
            "info",
        )

    def on_floor_error(self, error: WaretermError) -> None:
        """A refusal of the service (a reason missing, a bin of the wrong kind, no right):
        loud, in the banner where the scan's verdict goes."""
        self.app.bell()
        self.banner("✘ " + str(error), "error")

    # -- keys -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a parcel only while one is open; "no match" only after a code
        matched nothing."""
        if action in ("damaged", "good", "exchange", "refused"):
            return self.order is not None
        if action == "finish":
            return self.order is not None or self.parcel is not None
        if action == "unidentified":
            return self.order is None and self.parcel is None and self.unmatched is not None
        return True

    def action_type_code(self) -> None:
        """Type a code that will not scan, a phone number or a buyer's name."""

        def typed(code: str | None) -> None:
            if code:
                self.handle_scan(code, "typed")

        if self.order is None and self.parcel is None:
            question = _("The parcel's waybill, order number, phone or buyer's name?")
            self.app.push_screen(TextEntry(question), typed)
        else:
            self.app.push_screen(CodeEntry(), typed)

    def action_damaged(self) -> None:
        """The next units are damaged (次品): choose why."""
        self.confirm_refused = False
        self.run_floor(self.desk.reasons, self.operator, then=self._choose_reason)

    def _choose_reason(self, reasons: tuple[str, ...]) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                self.damaged_reason = reasons[index]
                self._draw_mode()
                self.banner(
                    _("Damaged ({reason}): scan the damaged units. G: good again.").format(
                        reason=reasons[index]
                    ),
                    "info",
                )

        self.app.push_screen(ChoiceDialog(_("Why damaged?"), list(reasons)), chosen)

    def action_good(self) -> None:
        """The next units are good, back to the returns bin (scan a bin to send them there)."""
        self.confirm_refused = False
        self.damaged_reason = None
        self.bin = None
        self._draw_mode()
        self.banner(_("Good units go to the returns bin; scan a bin to send them there."), "info")

    def action_exchange(self) -> None:
        """换货: on, then the replacement is scanned or typed (X again: the same SKU); once
        chosen, X turns the exchange off."""
        self.confirm_refused = False
        self.exchange_as_expected = False
        if not self.exchange:
            self.exchange, self.exchange_sku, self.awaiting_replacement = True, None, True
            self.banner(
                _("Exchange: scan or type (C) the replacement unit; X: the same SKU."), "info"
            )
        elif self.awaiting_replacement:
            self.awaiting_replacement = False
            self.banner(_("Exchange for the same SKU: scan the returned units."), "info")
        else:
            self.exchange, self.exchange_sku = False, None
            self.banner(_("Return for refund: scan the returned units."), "info")
        self._draw_mode()

    def action_refused(self) -> None:
        """拒收: the parcel was refused at delivery and comes back whole. R once asks, R again
        receives every unit not back yet into the returns bin and marks the shipment refused."""
        order = self.order
        if order is None:
            return
        if not self.confirm_refused:
            self.confirm_refused = True
            self.banner(
                _(
                    "Refused at delivery (拒收)? Every unit of {order} not back yet goes to the"
                    " returns bin. R again: yes."
                ).format(order=order.order_no),
                "info",
            )
            return
        self.confirm_refused = False
        self._receive_refused()

    def action_unidentified(self) -> None:
        """Keep a parcel no order matches: its carrier and a note, then its units."""
        waybill = self.unmatched
        if waybill is None:
            return

        def noted(carrier: str, note: str | None) -> None:
            if note is None:
                return
            self._reset()
            self.parcel = (waybill, carrier, note)
            self._draw()
            self.banner(_("Scan each unit of the parcel. F: done."), "info")
            self.refresh_bindings()

        def carried(carrier: str | None) -> None:
            if carrier is not None:
                self.app.push_screen(
                    TextEntry(_("A note (what is on or in the parcel)?")),
                    lambda note: noted(carrier, note),
                )

        self.app.push_screen(
            TextEntry(_("Carrier of parcel {waybill}?").format(waybill=waybill)), carried
        )

    def action_finish(self) -> None:
        """Close the parcel: a return's lines record what came back."""
        self.confirm_refused = False
        if self.parcel is not None:
            units, parcel = self.parcel_units, self.parcel_id
            self._reset()
            self._draw()
            self.banner(
                ngettext(
                    "Parcel {parcel} kept: {n} unit waits for a supervisor.",
                    "Parcel {parcel} kept: {n} units wait for a supervisor.",
                    units,
                ).format(parcel=parcel if parcel is not None else "—", n=units)
                if units
                else _("Nothing received from that parcel."),
                "ok" if units else "info",
            )
            self.refresh_bindings()
            return
        order = self.order
        if order is None:
            return
        if not self.return_ids:
            self._reset()
            self._draw()
            self.banner(_("Nothing received for {order}.").format(order=order.order_no), "info")
            self.refresh_bindings()
            return
        self.run_floor(
            self.desk.close,
            self.operator,
            order.order_no,
            tuple(self.return_ids),
            then=self._return_closed,
        )

    def _return_closed(self, closed: ClosedReturn) -> None:
        self._reset()
        self.order = closed.order
        self._draw_lines()
        self.order = None
        self.query_one("#ret-title", Static).update(
            shown(_("Closed · ")).append_text(plain(closed.order_no))
        )
        self._draw_mode()
        self.banner(
            _("✔ {order} closed: {status}. Scan the next parcel.").format(
                order=closed.order_no, status=words.order_status(closed.order_status)
            ),
            "ok",
        )
        self.refresh_bindings()

    def _reset(self) -> None:
        self.order = None
        self.parcel = None
        self.parcel_id = None
        self.parcel_units = 0
        self.unmatched = None
        self.return_ids = set()
        self.damaged_reason = None
        self.bin = None
        self.exchange = False
        self.exchange_sku = None
        self.awaiting_replacement = False
        self.waybill = ""
        self.confirm_refused = False
        self.exchange_as_expected = False

    def action_leave(self) -> None:
        """Back to home (an open return stays open; its units are on the books already)."""
        self.app.pop_screen()
