"""The handheld's stock screens: receiving (入库), put-away (上架), moves (移库), replenishment
(补货) and counts (盘点), by scan. Each asks the stock port (the services the CLI calls) on the
ordered backend, so a scan never waits on SQLite in the UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from core import words
from core.errors import WaretermError
from core.i18n import N_, _
from core.roles import Permission, may
from core.stockwork import (
    BinUnits,
    ClosedReceipt,
    CodeRead,
    CountedBin,
    CountTaskView,
    PutawayProposal,
    ReceiptView,
    ReceiveOutcome,
    ReplenishTask,
    StockDone,
    StockWork,
    ToteLoad,
    UnitRead,
    receipt_number,
)
from tui.messages import FloorChanged
from tui.screens.base import FloorScreen
from tui.screens.modals import CodeEntry
from tui.text import plain, shown
from tui.widgets.devicebar import DeviceBar

CSS_PATH = "../stockwork.tcss"

T = TypeVar("T")


# -- dialogs ------------------------------------------------------------------------------------


class TextEntry(ModalScreen[str | None]):
    """Ask for one line of text (a number, a lot): Enter takes it, Esc goes back."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"))]

    def __init__(self, question: str, check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.question = question
        #: Returns what is wrong with a value (None: it is fine).
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.question), classes="dialog-title")
            yield Input(id="entry")
            yield Static("", id="entry-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#entry", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = " ".join(event.value.split())
        problem = (
            _("type a value, or Esc to go back")
            if not value
            else (self.check(value) if self.check else None)
        )
        if problem:
            self.app.bell()
            self.query_one("#entry-error", Static).update(shown(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _quantity_problem(most: int | None) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.isdigit() or int(value) <= 0:
            return _("a quantity is a whole number above 0")
        if most is not None and int(value) > most:
            return _("at most {n}").format(n=most)
        return None

    return check


def _expiry_problem(value: str) -> str | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        return _("an expiry is a date such as 2027-03-31")
    return None


# -- the shared frame ---------------------------------------------------------------------------

#: Every stock screen's keys, after its own (so a 40-column footer shows the screen's first).
_COMMON = [
    Binding("c", "type_code", N_("Type code")),
    Binding("escape", "leave", N_("Leave")),
]


class StockScreen(FloorScreen):
    """A title, what to scan next, what is in hand, the loud banner and a table."""

    CSS_PATH = CSS_PATH
    TITLE_TEXT = ""

    def __init__(self) -> None:
        super().__init__()
        #: The scan being judged (stored if the screen refuses it).
        self._scan: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="stockwork"):
            yield Static("", id="sw-title")
            yield Static("", id="sw-step")
            yield Static("", id="sw-detail")
            yield Static("", id="banner")
            yield DataTable(id="sw-lines", cursor_type="row", show_cursor=False)
        yield Footer()

    @property
    def stock(self) -> StockWork:
        """The stock port."""
        assert self.wapp.stock is not None
        return self.wapp.stock

    def show_title(self) -> None:
        """The screen's first line: what it is, and for whom."""
        self.query_one("#sw-title", Static).update(
            shown(_("{screen} · {user}").format(screen=_(self.TITLE_TEXT), user=self.operator.name))
        )

    def step(self, text: str) -> None:
        """What to scan next, in bold."""
        self.query_one("#sw-step", Static).update(shown(text))

    def detail(self, text: str) -> None:
        """What is in hand."""
        self.query_one("#sw-detail", Static).update(shown(text))

    def table(self, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
        """Fill the table (every cell drawn as text)."""
        table = self.query_one("#sw-lines", DataTable)
        table.clear(columns=True)
        drawn = [[plain(cell, limit=20) for cell in row] for row in rows]
        # each column as wide as its widest cell, set here: the table's own sizing runs later,
        # and a table filled again before it ran kept its header's widths
        for index, label in enumerate(columns):
            widths = [plain(label).cell_len] + [row[index].cell_len for row in drawn]
            table.add_column(label, width=max(widths))
        for row in drawn:
            table.add_row(*row)

    def refuse(self, code: str, message: str, record: bool = True) -> None:
        """A refused scan, loud: the bell and the red banner. The scan is stored (verdict
        ``not_expected``) unless a service kept it already (``record`` False)."""
        scan, self._scan = self._scan, None
        if record and scan is not None:
            self.run_floor(self.floor.record_scan, self.operator, *scan, then=_stored)
        self.app.bell()
        self.banner(
            _("✘ REFUSED: {code}\n{message}").format(code=plain(code).plain, message=message),
            "error",
        )

    def on_floor_error(self, error: WaretermError) -> None:
        """A refusal by the service is loud: the bell, a notice, and the red banner."""
        super().on_floor_error(error)
        self.banner(_("✘ REFUSED\n{message}").format(message=str(error)), "error")

    def scan_floor(self, fn: Callable[..., T], *args: Any, then: Callable[[T], None]) -> None:
        """A floor call a scan asked for: refused, it is loud and the scan is stored."""
        scan, self._scan = self._scan, None

        def refused(error: WaretermError) -> None:
            self.on_floor_error(error)
            if scan is not None:
                self.run_floor(self.floor.record_scan, self.operator, *scan, then=_stored)

        self._call(fn, args, then, refused)

    def read(self, raw: str, then: Callable[[CodeRead], None]) -> None:
        """What a scan is (on the backend: the catalog is asked)."""
        self.run_floor(self.stock.read_code, raw, then=then)

    def handle_scan(self, raw: str, source: str) -> None:
        """Every stock screen reads the code first, then decides."""
        self._scan = (raw, source)
        self.read(raw, self.scanned)

    def scanned(self, read: CodeRead) -> None:
        """A scan understood (each screen decides)."""

    def ask_quantity(self, question: str, most: int | None, then: Callable[[int], None]) -> None:
        """A typed quantity (one unit scanned and a count)."""

        def typed(value: str | None) -> None:
            if value:
                then(int(value))

        self.app.push_screen(TextEntry(question, _quantity_problem(most)), typed)

    def action_type_code(self) -> None:
        """Type a code whose barcode will not scan."""

        def typed(code: str | None) -> None:
            if code:
                self.handle_scan(code, "typed")

        self.app.push_screen(CodeEntry(), typed)

    def action_leave(self) -> None:
        """Back to the stock menu."""
        self.app.pop_screen()


def _unit_text(unit: UnitRead) -> str:
    lot = _(" lot {lot}").format(lot=unit.lot) if unit.lot else ""
    expiry = _(" exp {expiry}").format(expiry=unit.expiry.isoformat()) if unit.expiry else ""
    return f"{unit.sku}{lot}{expiry}"


# -- the menu -----------------------------------------------------------------------------------


class StockMenuScreen(FloorScreen):
    """The stock work a role may do, one key each."""

    CSS_PATH = CSS_PATH

    BINDINGS = [
        Binding("1", "open('receive')", N_("Receive")),
        Binding("2", "open('putaway')", N_("Put away")),
        Binding("3", "open('move')", N_("Move")),
        Binding("4", "open('replenish')", N_("Replenish")),
        Binding("5", "open('count')", N_("Count")),
        Binding("escape", "leave", N_("Leave")),
    ]

    #: What each screen needs (the services check again on every call).
    NEEDS = {
        "receive": Permission.RECEIVE,
        "putaway": Permission.RECEIVE,
        "move": Permission.MOVE_STOCK,
        "replenish": Permission.REPLENISH,
        "count": Permission.COUNT,
    }
    WORDS = {
        "receive": N_("1  receive (入库)"),
        "putaway": N_("2  put away (上架)"),
        "move": N_("3  move (移库)"),
        "replenish": N_("4  replenish (补货)"),
        "count": N_("5  count (盘点)"),
    }

    def allowed(self, name: str) -> bool:
        """Whether the operator's role may do this work."""
        return may(self.operator.role, self.NEEDS[name])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only the work the role may do."""
        if action == "open" and parameters:
            return self.allowed(str(parameters[0]))
        return True

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="stockwork"):
            yield Static(
                shown(_("Stock work · {user}").format(user=self.operator.name)), id="sw-title"
            )
            for name, words in self.WORDS.items():
                if self.allowed(name):
                    yield Static(_(words), classes="sw-menu")
        yield Footer()

    def action_open(self, name: str) -> None:
        """Open one of the stock screens."""
        if not self.allowed(name):
            return
        screen: StockScreen = {
            "receive": ReceivingScreen,
            "putaway": PutawayScreen,
            "move": MoveScreen,
            "replenish": ReplenishScreen,
            "count": CountScreen,
        }[name]()
        self.app.push_screen(screen)

    def handle_scan(self, raw: str, source: str) -> None:
        """A receipt scanned here opens receiving with it."""
        if receipt_number(raw) is not None and self.allowed("receive"):
            screen = ReceivingScreen()
            self.app.push_screen(screen)
            screen.call_after_refresh(screen.handle_scan, raw, source)
            return
        self.app.bell()
        self.notify(_("Choose the work first (1 to 5)."), severity="warning", markup=False)

    def action_leave(self) -> None:
        """Back home."""
        self.app.pop_screen()


# -- receiving (入库) ----------------------------------------------------------------------------


class ReceivingScreen(StockScreen):
    """Scan a receipt (``R:…``) or open a blind one, then scan every unit; X closes it."""

    TITLE_TEXT = N_("Receiving")
    BINDINGS = [
        Binding("b", "blind", N_("Blind")),
        Binding("q", "quantity", N_("Qty")),
        Binding("x", "close", N_("Close")),
        *_COMMON,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: ReceiptView | None = None
        self.closed: ClosedReceipt | None = None
        self.last: ReceiveOutcome | None = None
        #: Units the next scan stands for (a typed quantity), then 1 again.
        self.next_qty = 1
        #: X was pressed once: the next X closes the receipt.
        self.closing = False
        #: The tote the units go into (its value; '' : none) and as printed on it.
        self.tote = ""
        self.tote_shown = ""

    def on_key(self, event: object) -> None:
        """Any key but X after the first X: the receipt stays open."""
        if getattr(event, "key", None) != "x":
            self.closing = False

    def handle_scan(self, raw: str, source: str) -> None:
        """A scan after the first X: the receipt stays open."""
        self.closing = False
        super().handle_scan(raw, source)

    def on_mount(self) -> None:
        self.show_title()
        self.step(_("Scan a receipt (R:…) or press B for a blind receipt"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Quantity and closing once a receipt is open."""
        if action in ("quantity", "close"):
            return self.view is not None
        return True

    def show(self, view: ReceiptView) -> None:
        """Draw the receipt as it now stands."""
        self.view = view
        self.refresh_bindings()
        kind = _("blind") if view.blind else view.supplier
        self.show_title()
        self.step(
            _("Scan the units of {receipt} into {tote}").format(
                receipt=view.receipt_no, tote=self.tote_shown
            )
            if self.tote
            else _("Scan the units of {receipt}").format(receipt=view.receipt_no)
        )
        self.detail(
            _("{kind} · received {received}/{expected} · refused {refused}").format(
                kind=kind, received=view.received, expected=view.expected, refused=view.refused
            )
            if not view.blind
            else _("{kind} · received {received} · refused {refused}").format(
                kind=kind, received=view.received, refused=view.refused
            )
        )
        self.table(
            (_("SKU"), _("Exp."), _("Recv."), _("Name")),
            [
                (line.sku, line.expected if not view.blind else "—", line.received, line.name)
                for line in view.lines
            ],
        )

    def scanned(self, read: CodeRead) -> None:
        if read.kind == "receipt":
            self.scan_floor(self.stock.receipt, self.operator, read.value, then=self._opened)
            return
        if self.view is None:
            self.refuse(read.code, _("Scan a receipt (R:…) first, or press B for a blind one."))
            return
        if read.kind == "bin":
            self.refuse(read.code, _("a bin: scan the units of the receipt"))
            return
        if read.kind == "tote":
            value = read.value
            self.scan_floor(
                self.stock.receiving_tote,
                self.operator,
                value,
                then=lambda shown: self._into_tote(value, shown),
            )
            return
        # a unit, or a code no product has: the receipt keeps either, refused or not
        assert self._scan is not None
        self._receive(self._scan[0], "", None)

    def _receive(self, code: str, lot: str, expiry: date | None) -> None:
        assert self.view is not None
        qty, self.next_qty = self.next_qty, 1
        self.run_floor(
            self.stock.receive,
            self.operator,
            self.view.receipt_no,
            code,
            qty,
            lot,
            expiry,
            self.tote,
            then=lambda outcome: self._received(outcome, code, qty),
        )

    def _into_tote(self, value: str, shown: str) -> None:
        self.tote, self.tote_shown = value, shown
        if self.view is not None:
            self.show(self.view)
        self.banner(_("Units now go into tote {tote}").format(tote=shown), "info")

    def _opened(self, view: ReceiptView) -> None:
        self.closed = None
        self.tote = self.tote_shown = ""
        self.show(view)
        self.banner(_("Receipt {receipt} open").format(receipt=view.receipt_no), "info")

    def _received(self, outcome: ReceiveOutcome, code: str, qty: int) -> None:
        self.last = outcome
        self.show(outcome.view)
        if outcome.accepted:
            self.banner("✔ " + outcome.message, "ok")
        elif outcome.needs_lot and outcome.unit is not None:
            self.next_qty = qty
            self.banner(outcome.message, "info")
            self._ask_lot(outcome.unit, code)
        else:
            self.refuse(code, outcome.message, record=False)

    def _ask_lot(self, unit: UnitRead, code: str) -> None:
        def lot_given(lot: str | None) -> None:
            if not lot:
                self.next_qty = 1
                return

            def expiry_given(expiry: str | None) -> None:
                if expiry:
                    self._receive(code, lot, date.fromisoformat(expiry))
                else:
                    self.next_qty = 1

            self.app.push_screen(
                TextEntry(
                    _("Expiry of {sku} lot {lot} (2027-03-31)").format(sku=unit.sku, lot=lot),
                    _expiry_problem,
                ),
                expiry_given,
            )

        self.app.push_screen(
            TextEntry(_("Lot of {sku} (printed on the carton)").format(sku=unit.sku)), lot_given
        )

    def action_blind(self) -> None:
        """Open a blind receipt: its number is typed (as on the delivery note)."""

        def typed(number: str | None) -> None:
            if number:
                self.run_floor(self.stock.open_blind, self.operator, number, then=self._opened)

        self.app.push_screen(TextEntry(_("Number of the blind receipt (delivery note)")), typed)

    def action_quantity(self) -> None:
        """The next unit scanned stands for a typed number of units."""

        def given(qty: int) -> None:
            self.next_qty = qty
            self.banner(_("Next scan counts {n} units").format(n=qty), "info")

        self.ask_quantity(_("How many units does the next scan stand for?"), 9999, given)

    def action_close(self) -> None:
        """Close the receipt (X twice): units to the receiving dock, short and over per SKU."""
        if self.view is None:
            return
        if not self.closing:
            self.closing = True
            self.app.bell()
            self.banner(
                _("Press X again to close {receipt}; any other key goes on receiving").format(
                    receipt=self.view.receipt_no
                ),
                "info",
            )
            return
        self.closing = False
        if self.view is not None:
            self.run_floor(
                self.stock.close_receipt,
                self.operator,
                self.view.receipt_no,
                then=self._receipt_closed,
            )

    def _receipt_closed(self, closed: ClosedReceipt) -> None:
        self.closed = closed
        self.view = None
        self.tote = self.tote_shown = ""
        self.refresh_bindings()
        short = sum(line.short for line in closed.lines)
        over = sum(line.over for line in closed.lines)
        self.step(_("Scan a receipt (R:…) or press B for a blind receipt"))
        self.detail(
            _("{receipt} closed: units at {dock}").format(
                receipt=closed.receipt_no, dock=closed.dock
            )
        )
        self.table(
            (_("SKU"), _("Exp."), _("Recv."), _("Short"), _("Over")),
            [
                (line.sku, line.expected, line.received, line.short, line.over)
                for line in closed.lines
            ],
        )
        self.banner(
            _("✔ Closed · short {short} · over {over}").format(short=short, over=over),
            "ok" if not short and not over else "info",
        )


# -- put-away (上架) -----------------------------------------------------------------------------


class PutawayScreen(StockScreen):
    """Scan a unit at the dock (or in a returns bin), or a tote filled at receiving: the
    proposed bin shows; scan it (or another bin) to put away. A tote's SKUs come one after
    the other until it is empty. A bin scanned with nothing in hand names where the units come
    from: the returns bin whose good returned units go back to their pick faces (销退上架)."""

    TITLE_TEXT = N_("Put-away")
    BINDINGS = [
        Binding("q", "quantity", N_("Qty")),
        Binding("a", "all", N_("All")),
        *_COMMON,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.proposal: PutawayProposal | None = None
        self.qty = 0
        self.done: StockDone | None = None
        #: The bin units are taken from, when one was scanned first (None: the dock, then
        #: the returns bins).
        self.source: str | None = None
        #: The tote being put away (what it still holds), None without one.
        self.tote: ToteLoad | None = None
        self.tote_value = ""

    def on_mount(self) -> None:
        self.show_title()
        self._ready()

    def _ready(self) -> None:
        self.proposal, self.qty = None, 0
        self.tote, self.tote_value = None, ""
        self.refresh_bindings()
        if self.source is None:
            self.step(_("Scan a unit or a tote at the dock (or a returns bin first)"))
        else:
            self.step(_("Scan a unit from {bin}").format(bin=self.source))
        self.detail("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quantity", "all"):
            return self.proposal is not None
        return True

    def _draw(self) -> None:
        p = self.proposal
        if p is None:
            return
        self.refresh_bindings()
        self.step(
            _("Scan bin {bin} to put away").format(bin=p.proposed)
            if p.proposed
            else _("No bin proposed: scan the bin you put them in")
        )
        lot = _(" lot {lot}").format(lot=p.lot) if p.lot else ""
        if self.tote is not None:
            self.detail(
                _("{tote}: {sku}{lot} · {qty} of {held} · {skus} SKUs\n{name}").format(
                    tote=self.tote.tote,
                    sku=p.sku,
                    lot=lot,
                    qty=self.qty,
                    held=p.at_dock,
                    skus=len(self.tote.lines),
                    name=p.name,
                )
            )
            return
        self.detail(
            _("{sku}{lot} · {qty} of {dock} at {dock_code}\n{name}").format(
                sku=p.sku, lot=lot, qty=self.qty, dock=p.at_dock, dock_code=p.dock, name=p.name
            )
        )

    def scanned(self, read: CodeRead) -> None:
        if read.kind == "tote":
            if self.proposal is not None:
                self.refuse(
                    read.code,
                    _("{sku} is in hand: put it away (scan a bin) before another item").format(
                        sku=self.proposal.sku
                    ),
                )
                return
            value = read.value
            self.scan_floor(
                self.stock.load_tote,
                self.operator,
                value,
                then=lambda load: self._tote_loaded(value, load),
            )
            return
        if read.kind == "unit" and read.unit is not None and self.tote is not None:
            self.refuse(read.code, _("a tote is in hand: scan the bin proposed, or another bin"))
            return
        if read.kind == "unit" and read.unit is not None:
            unit = read.unit
            p = self.proposal
            if p is None:
                self.scan_floor(
                    self.stock.propose_putaway,
                    self.operator,
                    unit.sku,
                    unit.lot or None,
                    self.source,
                    then=self._proposed,
                )
            elif unit.sku != p.sku or (unit.lot and unit.lot != p.lot):
                self.refuse(
                    read.code,
                    _("{sku} is in hand: put it away (scan a bin) before another item").format(
                        sku=p.sku
                    ),
                )
            elif self.qty >= p.at_dock:
                self.refuse(read.code, _("only {n} at {bin}").format(n=p.at_dock, bin=p.dock))
            else:
                self.qty += 1
                self._draw()
                self.banner("✔ " + _("{sku} · {n}").format(sku=p.sku, n=self.qty), "ok")
            return
        if read.kind == "bin":
            if self.proposal is None:
                # nothing in hand: the bin the next units come from (a returns bin)
                self.source = read.value
                self._ready()
                self.banner(
                    _("Units from {bin}: scan one, then the bin it goes to.").format(
                        bin=read.value
                    ),
                    "info",
                )
                return
            p = self.proposal
            self.scan_floor(
                self.stock.put_away,
                self.operator,
                p.sku,
                self.qty,
                read.value,
                p.lot,
                p.dock,
                self.tote_value,
                then=self._put,
            )
            return
        self.refuse(read.code, read.problem or _("scan a unit or a bin"))

    def _proposed(self, proposal: PutawayProposal) -> None:
        self.proposal, self.qty = proposal, 1
        self._draw()
        self.banner("✔ " + _("{sku} · {n}").format(sku=proposal.sku, n=1), "ok")

    def _tote_loaded(self, value: str, load: ToteLoad) -> None:
        if load.proposal is None:
            self._ready()
            self.banner(_("✔ Tote {tote} is empty").format(tote=load.tote), "ok")
            return
        self.tote, self.tote_value = load, value
        self.proposal, self.qty = load.proposal, load.proposal.at_dock
        self._draw()

    def _put(self, done: StockDone) -> None:
        self.done = done
        tote = self.tote_value
        self._ready()
        text = _("✔ {qty} × {sku} → {bin}").format(qty=done.qty, sku=done.sku, bin=done.target)
        if done.proposed and done.proposed != done.target:
            text += "\n" + _("(proposed {bin}; recorded)").format(bin=done.proposed)
        self.banner(text, "ok")
        if tote:
            # the tote's next SKU, until it is empty
            self.run_floor(
                self.stock.load_tote,
                self.operator,
                tote,
                False,
                then=lambda load: self._next_in_tote(tote, load, text),
            )

    def _next_in_tote(self, value: str, load: ToteLoad, text: str) -> None:
        if load.proposal is None:
            self.banner(text + "\n" + _("Tote {tote} is empty").format(tote=load.tote), "ok")
            return
        self._tote_loaded(value, load)

    def action_quantity(self) -> None:
        """A typed count of the units in hand (one scanned)."""
        p = self.proposal
        if p is None:
            return

        def given(qty: int) -> None:
            self.qty = qty
            self._draw()

        self.ask_quantity(_("How many {sku} in hand?").format(sku=p.sku), p.at_dock, given)

    def action_all(self) -> None:
        """Everything of this SKU at the dock."""
        if self.proposal is not None:
            self.qty = self.proposal.at_dock
            self._draw()


# -- moves (移库) --------------------------------------------------------------------------------


class MoveScreen(StockScreen):
    """From-bin, units (or one unit and a typed quantity), to-bin."""

    TITLE_TEXT = N_("Move")
    BINDINGS = [Binding("q", "quantity", N_("Qty")), *_COMMON]

    def __init__(self) -> None:
        super().__init__()
        self.source: str | None = None
        self.held: list[BinUnits] = []
        self.unit: BinUnits | None = None
        self.qty = 0
        self.done: StockDone | None = None

    def on_mount(self) -> None:
        self.show_title()
        self._ready()

    def _ready(self) -> None:
        self.source, self.held, self.unit, self.qty = None, [], None, 0
        self.refresh_bindings()
        self.step(_("Scan the bin to move from"))
        self.detail("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quantity":
            return self.unit is not None
        return True

    def scanned(self, read: CodeRead) -> None:
        if read.kind == "bin":
            if self.source is None:
                self.scan_floor(
                    self.stock.bin_units,
                    self.operator,
                    read.value,
                    then=lambda held: self._source(read.value, held),
                )
            elif self.unit is None:
                self.refuse(read.code, _("Scan the units to move first."))
            else:
                self.scan_floor(
                    self.stock.move,
                    self.operator,
                    self.unit.sku,
                    self.source,
                    read.value,
                    self.qty,
                    self.unit.lot,
                    then=self._moved,
                )
            return
        if read.kind == "unit" and read.unit is not None:
            self._unit(read.code, read.unit)
            return
        self.refuse(read.code, read.problem or _("scan a unit or a bin"))

    def _source(self, code: str, held: list[BinUnits]) -> None:
        if not held:
            self.refuse(code, _("bin {bin} holds nothing").format(bin=code))
            return
        self.source, self.held = code, held
        self.step(_("Scan the units to move from {bin}").format(bin=code))
        self.table(
            (_("SKU"), _("Lot"), _("Free"), _("Name")),
            [(u.sku, u.lot or "—", u.free, u.name) for u in held],
        )

    def _unit(self, code: str, unit: UnitRead) -> None:
        if self.source is None:
            self.refuse(code, _("Scan the bin to move from first."))
            return
        rows = [h for h in self.held if h.sku == unit.sku and (not unit.lot or h.lot == unit.lot)]
        if self.unit is not None and (self.unit.sku, self.unit.lot) not in {
            (h.sku, h.lot) for h in rows
        }:
            self.refuse(
                code, _("one item per move: scan the bin to put {sku} in").format(sku=self.unit.sku)
            )
            return
        if self.unit is None:
            if not rows:
                self.refuse(code, _("{sku} is not in {bin}").format(sku=unit.sku, bin=self.source))
                return
            if len(rows) > 1:
                self.refuse(
                    code, _("{sku} is here in several lots: scan its GS1 code").format(sku=unit.sku)
                )
                return
            self.unit = rows[0]
        if self.qty >= self.unit.free:
            self.refuse(code, _("only {n} free in {bin}").format(n=self.unit.free, bin=self.source))
            return
        self.qty += 1
        self._draw()

    def _draw(self) -> None:
        assert self.unit is not None
        self.refresh_bindings()
        self.step(_("Scan more units, or the bin to move them to"))
        self.detail(
            _("{qty} × {sku} from {bin}").format(qty=self.qty, sku=self.unit.sku, bin=self.source)
        )

    def _moved(self, done: StockDone) -> None:
        self.done = done
        self._ready()
        self.banner(
            _("✔ {qty} × {sku}: {source} → {target}").format(
                qty=done.qty, sku=done.sku, source=done.source, target=done.target
            ),
            "ok",
        )

    def action_quantity(self) -> None:
        """A typed count of the units in hand (one scanned)."""
        unit = self.unit
        if unit is None:
            return

        def given(qty: int) -> None:
            self.qty = qty
            self._draw()

        self.ask_quantity(_("How many {sku} in hand?").format(sku=unit.sku), unit.free, given)


# -- replenishment (补货) ------------------------------------------------------------------------


class ReplenishScreen(StockScreen):
    """The replenishment tasks; the first is done by scan: its reserve bin, the units, the face."""

    TITLE_TEXT = N_("Replenish")
    BINDINGS = [
        Binding("q", "quantity", N_("Qty")),
        Binding("n", "skip", N_("Next task")),
        *_COMMON,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[ReplenishTask] = []
        self.index = 0
        self.at_source = False
        self.qty = 0
        self.done: StockDone | None = None
        self.reads = 0

    @property
    def task(self) -> ReplenishTask | None:
        """The task in hand."""
        return self.tasks[self.index] if self.index < len(self.tasks) else None

    def on_mount(self) -> None:
        self.show_title()
        self._load()

    def _load(self) -> None:
        self.run_floor(self.stock.replenishments, self.operator, then=self._listed)

    def _listed(self, tasks: list[ReplenishTask]) -> None:
        self.reads += 1
        if self.at_source:
            return  # a task in hand stays; the list is read again when it is done
        current = self.task.id if self.task is not None else None
        ids = [task.id for task in tasks]
        self.tasks, self.qty = tasks, 0
        self.index = ids.index(current) if current in ids else 0
        self.table(
            (_("Face"), _("SKU"), _("From"), _("Qty")),
            [(t.face, t.sku, t.source, t.qty) for t in tasks],
        )
        self._draw()

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session changed the floor: read the tasks again, unless one is in hand."""
        if not self.at_source:
            self.reread(self.stock.replenishments, self.operator, then=self._listed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quantity":
            return self.at_source
        if action == "skip":
            return len(self.tasks) > 1
        return True

    def _draw(self) -> None:
        self.refresh_bindings()
        task = self.task
        if task is None:
            self.step(_("No replenishment is waiting."))
            self.detail("")
            return
        lot = _(" lot {lot}").format(lot=task.lot) if task.lot else ""
        self.detail(
            _("{face}: {sku} {units} left · take {qty}{lot} from {source}\n{name}").format(
                face=task.face,
                sku=task.sku,
                units=task.units,
                qty=task.qty,
                lot=lot,
                source=task.source,
                name=task.name,
            )
        )
        if not self.at_source:
            self.step(_("Go to {bin} and scan the bin").format(bin=task.source))
        elif self.qty == 0:
            self.step(_("Scan {qty} × {sku}").format(qty=task.qty, sku=task.sku))
        else:
            self.step(
                _("{n}/{qty} · scan more, or the pick face {face}").format(
                    n=self.qty, qty=task.qty, face=task.face
                )
            )

    def scanned(self, read: CodeRead) -> None:
        task = self.task
        if task is None:
            self.refuse(read.code, _("No replenishment is waiting."))
            return
        if read.kind == "bin":
            if not self.at_source:
                if read.value != task.source:
                    self.refuse(read.code, _("wrong bin: take from {bin}").format(bin=task.source))
                    return
                self.at_source = True
                self.banner("✔ " + read.value, "info")
            elif self.qty == 0:
                self.refuse(read.code, _("Scan the units first."))
                return
            elif read.value != task.face:
                self.refuse(read.code, _("wrong bin: this goes to {bin}").format(bin=task.face))
                return
            else:
                self.scan_floor(
                    self.stock.replenish, self.operator, task.id, self.qty, then=self._done
                )
                return
            self._draw()
            return
        if read.kind == "unit" and read.unit is not None:
            if not self.at_source:
                self.refuse(read.code, _("Scan the bin {bin} first.").format(bin=task.source))
            elif read.unit.sku != task.sku:
                self.refuse(read.code, _("wrong item: take {sku}").format(sku=task.sku))
            elif self.qty >= task.qty:
                self.refuse(read.code, _("{qty} is all this task takes").format(qty=task.qty))
            else:
                self.qty += 1
                self.banner("✔ " + _("{sku} · {n}").format(sku=task.sku, n=self.qty), "ok")
                self._draw()
            return
        self.refuse(read.code, read.problem or _("scan a bin or a unit"))

    def _done(self, done: StockDone) -> None:
        self.done = done
        self.banner(
            _("✔ {qty} × {sku}: {source} → {target}").format(
                qty=done.qty, sku=done.sku, source=done.source, target=done.target
            ),
            "ok",
        )
        self.at_source, self.qty = False, 0
        self._load()

    def action_quantity(self) -> None:
        """A typed count of the units taken (one scanned)."""
        task = self.task
        if task is None:
            return

        def given(qty: int) -> None:
            self.qty = qty
            self._draw()

        self.ask_quantity(_("How many {sku} taken?").format(sku=task.sku), task.qty, given)

    def action_skip(self) -> None:
        """The next task (this one stays on the list)."""
        if self.tasks:
            self.index = (self.index + 1) % len(self.tasks)
            self.at_source, self.qty = False, 0
            self._draw()


# -- counts (盘点) -------------------------------------------------------------------------------


class CountScreen(StockScreen):
    """Scan a bin of the count, every unit in it (or one and a typed quantity), D when done,
    E for an empty bin. Blind unless the task is an open count."""

    TITLE_TEXT = N_("Count")
    BINDINGS = [
        Binding("q", "quantity", N_("Qty")),
        Binding("d", "done", N_("Bin done")),
        Binding("e", "empty", N_("Empty")),
        Binding("n", "skip", N_("Next task")),
        *_COMMON,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[CountTaskView] = []
        self.index = 0
        self.bin: str | None = None
        self.counted: dict[tuple[str, str], int] = {}
        self.last_key: tuple[str, str] | None = None
        self.result: CountedBin | None = None
        self.reads = 0

    @property
    def task(self) -> CountTaskView | None:
        """The count task in hand."""
        return self.tasks[self.index] if self.index < len(self.tasks) else None

    def on_mount(self) -> None:
        self.show_title()
        self.run_floor(self.stock.count_tasks, self.operator, then=self._listed)

    def _listed(self, tasks: list[CountTaskView]) -> None:
        self.reads += 1
        if self.bin is not None:
            return  # a bin in hand keeps its task; the list is read again when it is done
        current = self.task.id if self.task is not None else None
        self.tasks = tasks
        ids = [task.id for task in tasks]
        self.index = ids.index(current) if current in ids else 0
        self._draw()

    def on_floor_changed(self, message: FloorChanged) -> None:
        """Another session changed the floor: read the tasks again (a bin in hand stays)."""
        if self.bin is None:
            self.reread(self.stock.count_tasks, self.operator, then=self._listed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quantity",):
            return self.last_key is not None
        if action in ("done", "empty"):
            return self.bin is not None
        if action == "skip":
            return self.bin is None and len(self.tasks) > 1
        return True

    def _draw(self) -> None:
        self.refresh_bindings()
        task = self.task
        if task is None:
            self.step(_("No count is waiting."))
            self.detail("")
            self.table((_("Bin"),), [])
            return
        kind = _("open count") if task.open else _("blind count")
        if self.bin is None:
            self.step(_("Scan a bin of count {id}").format(id=task.id))
            self.detail(
                _("{kind} · {scope} · {n} bins to count").format(
                    kind=kind, scope=words.count_scope(task.scope), n=len(task.to_count)
                )
            )
        else:
            units = sum(self.counted.values())
            self.step(_("Scan every unit in {bin}; D done, E empty").format(bin=self.bin))
            self.detail(_("{kind} · {n} units scanned").format(kind=kind, n=units))
        rows: list[tuple[object, ...]] = []
        for place in task.to_count:
            if task.open and place.expected is not None:
                expected = ", ".join(f"{sku}×{n}" for sku, _lot, n in place.expected) or "0"
            else:
                expected = "—"
            status = _("recount") if place.status == "recount" else _("to count")
            rows.append((place.bin, status, expected))
        self.table((_("Bin"), _("Status"), _("Expected")), rows)

    def scanned(self, read: CodeRead) -> None:
        task = self.task
        if task is None:
            self.refuse(read.code, _("No count is waiting."))
            return
        if read.kind == "bin":
            if self.bin is not None and read.value != self.bin:
                self.refuse(
                    read.code,
                    _("finish {bin} first (D done, E empty)").format(bin=self.bin),
                )
                return
            if read.value not in {place.bin for place in task.to_count}:
                self.refuse(
                    read.code, _("{bin} is not to count in this task").format(bin=read.value)
                )
                return
            self.bin, self.counted, self.last_key = read.value, {}, None
            self.banner("✔ " + read.value, "info")
            self._draw()
            return
        if read.kind == "unit" and read.unit is not None:
            if self.bin is None:
                self.refuse(read.code, _("Scan the bin first."))
                return
            key = (read.unit.sku, read.unit.lot)
            self.counted[key] = self.counted.get(key, 0) + 1
            self.last_key = key
            self.banner("✔ " + _("{sku} · {n}").format(sku=key[0], n=self.counted[key]), "ok")
            self._draw()
            return
        self.refuse(read.code, read.problem or _("scan a bin or a unit"))

    def _record(self, empty: bool) -> None:
        task = self.task
        if task is None or self.bin is None:
            return
        self.run_floor(
            self.stock.count_bin,
            self.operator,
            task.id,
            self.bin,
            dict(self.counted),
            empty,
            then=self._recorded,
        )

    def _recorded(self, result: CountedBin) -> None:
        self.result = result
        self.bin, self.counted, self.last_key = None, {}, None
        message = {
            "approved": _("✔ {bin} counted: no difference"),
            "counted": _("✔ {bin} counted: awaits a supervisor"),
            "recount": _("{bin} counted: a difference; another person counts it again"),
        }.get(result.status, _("✔ {bin} counted")).format(bin=result.bin)
        self.banner(message, "ok" if result.status != "recount" else "info")
        if result.task.to_count:
            self.tasks[self.index] = result.task
        else:
            del self.tasks[self.index]
            self.index = 0
        self._draw()

    def action_done(self) -> None:
        """The bin is counted: record what was scanned."""
        if self.bin is not None and not self.counted:
            self.refuse(
                self.bin, _("nothing scanned: scan the units, or E for an empty bin"), False
            )
            return
        self._record(False)

    def action_empty(self) -> None:
        """Confirm the bin holds nothing."""
        if self.counted:
            self.refuse(self.bin or "", _("units were scanned: D records them"), False)
            return
        self._record(True)

    def action_quantity(self) -> None:
        """The last item scanned: type how many there are in all."""
        key = self.last_key
        if key is None:
            return

        def given(qty: int) -> None:
            self.counted[key] = qty
            self._draw()

        self.ask_quantity(_("How many {sku} in the bin in all?").format(sku=key[0]), 99999, given)

    def action_skip(self) -> None:
        """The next count task."""
        if self.tasks and self.bin is None:
            self.index = (self.index + 1) % len(self.tasks)
            self._draw()


def _stored(_outcome: object) -> None:
    """The refused scan is on record; the banner says what to do."""
