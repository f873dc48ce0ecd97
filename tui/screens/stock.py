"""The supervisor's Stock section, one tab each: low stock (free below safety stock, pick faces
below their minimum) with the orders waiting for stock, stock per bin, replenishments waiting,
lots near expiry and expired, count tasks (a new one made from the tab), and counted bins whose
differences await a decision (approve with a reason, or send back for a recount)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from core import words
from core.i18n import N_, _, ngettext
from core.oversight import Oversight, StockView
from core.ports import Operator
from core.stock_oversight import CountScope, CreatedCount, StockOversight, StockTabs, split_key
from core.stock_reports import Freshness
from tui.screens.count_dialog import CountTaskDialog
from tui.screens.dialogs import ReasonDialog
from tui.screens.supervise import SupervisorScreen
from tui.text import clean, plain, shown
from tui.widgets.cells import Row, cursor_key, left, short_clock, sync_rows
from tui.widgets.tabs import SteadyTabs

_PANES = ("st-low", "st-bins", "st-replen", "st-expiry", "st-counts", "st-diffs")

#: Which actions each tab offers.
_ACTIONS = {
    "open": ("st-low",),
    "approve": ("st-diffs",),
    "recount": ("st-diffs",),
    "new_count": ("st-counts",),
}


def _bin_kinds() -> dict[str, str]:
    return {
        "pick_face": N_("pick face"),
        "reserve": N_("reserve"),
        "receiving": N_("receiving dock"),
        "returns": N_("returns bin"),
        "damaged": N_("damaged bin"),
    }


def _kind(code: str) -> str:
    msgid = _bin_kinds().get(code)
    return _(msgid) if msgid else code


def _day(day: date | None) -> str:
    return day.strftime("%y-%m-%d") if day else ""


@dataclass(frozen=True)
class StockRead:
    """One read of the section: low stock and backorders, and the other tabs (None when the
    terminal has no stock port)."""

    view: StockView
    tabs: StockTabs | None


def _read(oversight: Oversight, stock: StockOversight | None, operator: Operator) -> StockRead:
    return StockRead(oversight.stock(operator), stock.tabs(operator) if stock is not None else None)


class StockScreen(SupervisorScreen):
    """Six tabs; the actions offered follow the tab."""

    SECTION = "stock"
    #: Stock per bin is a sorted read of every row: at most once a second on a busy floor.
    MIN_RELOAD_S = 1.0
    BINDINGS = [
        Binding("o", "open", N_("Open order")),
        Binding("a", "approve", N_("Approve")),
        Binding("r", "recount", N_("Recount")),
        Binding("n", "new_count", N_("New count")),
        Binding("left", "tab(-1)", N_("Tabs"), priority=True, key_display="←→"),
        Binding("right", "tab(1)", N_("Tab"), priority=True, show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: StockRead | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="stock"), SteadyTabs(id="st-tabs"):
            with TabPane(_("Low stock"), id="st-low"):
                yield Static("", id="stock-low-title", classes="section-title")
                yield DataTable(id="stock-low", cursor_type="row", zebra_stripes=True)
                yield Static("", id="stock-back-title", classes="section-title")
                yield DataTable(id="stock-back", cursor_type="row", zebra_stripes=True)
            for pane, title in (
                ("st-bins", _("By bin")),
                ("st-replen", _("Replenish")),
                ("st-expiry", _("Expiry")),
                ("st-counts", _("Counts")),
                ("st-diffs", _("Differences")),
            ):
                with TabPane(title, id=pane):
                    yield Static("", id=f"{pane}-title", classes="section-title")
                    yield DataTable(id=f"{pane}-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        columns: dict[str, tuple[str, ...]] = {
            "stock-low": (
                _("SKU"),
                _("Name"),
                _("Bin"),
                _("On hand"),
                _("Reserved"),
                _("Free"),
                _("Safety"),
                _("Backordered"),
            ),
            "stock-back": (
                _("Order"),
                _("Priority"),
                _("Due"),
                _("Left"),
                _("Customer"),
                _("Missing"),
            ),
            "st-bins-table": (
                _("Bin"),
                _("Kind"),
                _("SKU"),
                _("Lot"),
                _("Expiry"),
                _("On hand"),
                _("Reserved"),
                _("Free"),
            ),
            "st-replen-table": (
                _("Face"),
                _("SKU"),
                _("Has"),
                _("Min"),
                _("Max"),
                _("From"),
                _("Lot"),
                _("To move"),
            ),
            "st-expiry-table": (
                _("State"),
                _("Expiry"),
                _("Days"),
                _("SKU"),
                _("Bin"),
                _("Lot"),
                _("On hand"),
                _("Reserved"),
            ),
            "st-counts-table": (
                _("Count task"),
                _("Scope"),
                _("Status"),
                _("Bins"),
                _("To count"),
                _("Awaiting"),
                _("Approved"),
                _("Created"),
            ),
            "st-diffs-table": (
                _("Count task"),
                _("Bin"),
                _("Counted by"),
                _("At"),
                _("Up"),
                _("Down"),
                _("Found / books"),
            ),
        }
        for table_id, labels in columns.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for label in labels:
                table.add_column(label)
        self.focus_in_front("st-low", self.query_one("#stock-back", DataTable))

    @property
    def stock_port(self) -> StockOversight | None:
        """The supervisor's stock port (None: only low stock and backorders are shown)."""
        return self.wapp.stock_oversight

    @property
    def pane(self) -> str:
        """The tab on screen."""
        tabs = next(self.query("#st-tabs").results(TabbedContent), None)
        return (tabs.active if tabs is not None else "") or _PANES[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the tab on screen can do, and only with a row to do it to."""
        if action in _ACTIONS:
            if self.pane not in _ACTIONS[action]:
                return False
            if action == "open":
                table = next(self.query("#stock-back").results(DataTable), None)
                return table is not None and cursor_key(table) is not None
            if action == "new_count":
                return self.stock_port is not None
            return self._difference_key() is not None and self.stock_port is not None
        return True

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        if pane != self.pane:
            # A message about a tab no longer in front: focusing its table would bring it back
            # (a pane with focus inside becomes the active one), and two such messages in
            # flight would switch the tabs back and forth for ever.
            self.refresh_bindings()
            return
        table_id = "stock-back" if pane == "st-low" else f"{pane}-table"
        table = next(self.query(f"#{table_id}").results(DataTable), None)
        if table is not None:
            self.focus_in_front(pane, table)
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_tab(self, step: int) -> None:
        """The next or previous tab."""
        tabs = self.query_one("#st-tabs", TabbedContent)
        index = _PANES.index(self.pane) if self.pane in _PANES else 0
        tabs.active = _PANES[(index + step) % len(_PANES)]

    # -- reading --------------------------------------------------------------------------------

    def fetch(self) -> Callable[[], StockRead]:
        oversight, stock, operator = self.oversight, self.stock_port, self.operator
        return lambda: _read(oversight, stock, operator)

    def show(self, data: StockRead) -> None:
        self.data = data
        self._show_low(data.view)
        tabs = data.tabs
        counts = {
            "st-low": len(data.view.low) + (len(tabs.faces_below_min) if tabs else 0),
            "st-bins": tabs.bins_total if tabs else 0,
            "st-replen": len(tabs.replenishments) if tabs else 0,
            "st-expiry": len(tabs.expiring) if tabs else 0,
            "st-counts": sum(1 for c in tabs.counts if c.status == "open") if tabs else 0,
            "st-diffs": len(tabs.differences) if tabs else 0,
        }
        titles = {
            "st-low": _("Low stock"),
            "st-bins": _("By bin"),
            "st-replen": _("Replenish"),
            "st-expiry": _("Expiry"),
            "st-counts": _("Counts"),
            "st-diffs": _("Differences"),
        }
        widget = self.query_one("#st-tabs", TabbedContent)
        for pane, title in titles.items():
            widget.get_tab(pane).label = f"{title} ({counts[pane]})"
        if tabs is None:
            for pane in _PANES[1:]:
                self.query_one(f"#{pane}-title", Static).update(
                    _("This terminal has no stock view.")
                )
            self.refresh_bindings()
            return
        self._show_tabs(tabs)
        self.refresh_bindings()

    def _show_low(self, data: StockView) -> None:
        now = self.floor.now()
        faces = self.data.tabs.faces_below_min if self.data and self.data.tabs else ()
        self.query_one("#stock-low-title", Static).update(
            _("Low stock: free below safety stock ({n})").format(n=len(data.low))
            + (
                " · " + _("pick faces below their minimum ({n})").format(n=len(faces))
                if faces
                else ""
            )
        )
        self.query_one("#stock-back-title", Static).update(
            _("Backorders: waiting for stock ({n})").format(n=len(data.backorders))
        )
        low: list[Row] = [
            (
                product.sku,
                [
                    plain(product.sku),
                    plain(product.name, limit=self.cap(16)),
                    plain(product.location),
                    str(product.on_hand),
                    str(product.reserved),
                    shown(str(product.free), style="bold red" if product.free <= 0 else "bold"),
                    str(product.safety_stock),
                    str(product.waiting) if product.waiting else "",
                ],
            )
            for product in data.low
        ]
        low += [
            (
                f"face\x00{face.face}\x00{face.sku}",
                [
                    plain(face.sku),
                    plain(face.name, limit=self.cap(16)),
                    plain(face.face),
                    shown(str(face.units), style="bold red" if face.units <= 0 else "bold"),
                    "",
                    "",
                    _("min {n}").format(n=face.min_units),
                    "",
                ],
            )
            for face in faces
        ]
        back: list[Row] = []
        for order in data.backorders:
            missing = ", ".join(
                _("{sku} ×{needed} ({free} free, {n} too close to expiry)").format(
                    sku=item.sku, needed=item.needed, free=item.free, n=item.too_close
                )
                if item.too_close
                else _("{sku} ×{needed} ({free} free)").format(
                    sku=item.sku, needed=item.needed, free=item.free
                )
                for item in order.missing
            )
            back.append(
                (
                    order.order_no,
                    [
                        plain(order.order_no),
                        words.priority(order.priority),
                        short_clock(order.due_at, now),
                        left(order.due_at, now),
                        plain(order.customer_name, limit=self.cap(10)),
                        plain(missing or _("stock covers it now"), limit=self.cap(24)),
                    ],
                )
            )
        sync_rows(self.query_one("#stock-low", DataTable), low)
        sync_rows(self.query_one("#stock-back", DataTable), back)

    def _show_tabs(self, tabs: StockTabs) -> None:
        now = self.floor.now()
        shown_bins = len(tabs.bins)
        self.query_one("#st-bins-title", Static).update(
            _("Stock per bin, in walk order ({n})").format(n=tabs.bins_total)
            if shown_bins >= tabs.bins_total
            else _("Stock per bin, in walk order: the first {shown} of {n}").format(
                shown=shown_bins, n=tabs.bins_total
            )
        )
        bins: list[Row] = [
            (
                f"{row.bin}\x00{row.sku}\x00{row.lot}",
                [
                    plain(row.bin, limit=12),
                    _kind(row.kind.value),
                    plain(row.sku, limit=self.cap(14)),
                    plain(row.lot, limit=self.cap(8)),
                    _day(row.expiry),
                    str(row.on_hand),
                    str(row.reserved) if row.reserved else "",
                    shown(str(row.free), style="bold"),
                ],
            )
            for row in tabs.bins
        ]
        self.query_one("#st-replen-title", Static).update(
            _("Pick faces below their minimum with stock in reserve ({n})").format(
                n=len(tabs.replenishments)
            )
        )
        replen: list[Row] = [
            (
                task.id,
                [
                    plain(task.face, limit=12),
                    plain(task.sku, limit=self.cap(14)),
                    shown(str(task.units), style="bold red" if task.units <= 0 else ""),
                    str(task.min_units),
                    "" if task.max_units is None else str(task.max_units),
                    plain(task.source, limit=12),
                    plain(task.lot, limit=self.cap(8)),
                    shown(str(task.qty), style="bold"),
                ],
            )
            for task in tabs.replenishments
        ]
        expired = sum(1 for lot in tabs.expiring if lot.state is Freshness.EXPIRED)
        self.query_one("#st-expiry-title", Static).update(
            _("Near expiry {near} · expired {expired}").format(
                near=len(tabs.expiring) - expired, expired=expired
            )
        )
        expiry: list[Row] = [
            (
                f"{lot.bin}\x00{lot.sku}\x00{lot.lot}",
                [
                    shown(_("expired"), style="bold red")
                    if lot.state is Freshness.EXPIRED
                    else shown(_("near expiry"), style="bold yellow"),
                    _day(lot.expiry),
                    str(lot.days_left),
                    plain(lot.sku, limit=self.cap(14)),
                    plain(lot.bin, limit=12),
                    plain(lot.lot, limit=self.cap(8)),
                    str(lot.on_hand),
                    str(lot.reserved) if lot.reserved else "",
                ],
            )
            for lot in tabs.expiring
        ]
        open_counts = sum(1 for task in tabs.counts if task.status == "open")
        self.query_one("#st-counts-title", Static).update(
            _("Count tasks: {open} open of {n}").format(open=open_counts, n=len(tabs.counts))
        )
        counts: list[Row] = [
            (
                str(task.id),
                [
                    str(task.id),
                    plain(words.count_scope(task.scope), limit=self.cap(14)),
                    _("open") if task.status == "open" else _("closed"),
                    str(task.bins),
                    str(task.to_count) if task.to_count else "",
                    shown(str(task.awaiting), style="bold yellow") if task.awaiting else "",
                    str(task.approved),
                    short_clock(task.created_at, now),
                ],
            )
            for task in tabs.counts
        ]
        self.query_one("#st-diffs-title", Static).update(
            _("Counted bins awaiting a decision ({n})").format(n=len(tabs.differences))
        )
        diffs: list[Row] = [
            (
                place.key,
                [
                    str(place.count_id),
                    plain(place.bin, limit=12),
                    plain(place.counted_by, limit=self.cap(10)),
                    short_clock(place.counted_at, now),
                    shown(f"+{place.up}", style="bold green") if place.up else "",
                    shown(f"-{place.down}", style="bold red") if place.down else "",
                    plain(
                        ", ".join(
                            _("{sku} {counted}/{expected}").format(
                                sku=line.sku + (f"@{line.lot}" if line.lot else ""),
                                counted=line.counted,
                                expected=line.expected,
                            )
                            for line in place.lines
                            if line.difference
                        ),
                        limit=self.cap(22),
                    ),
                ],
            )
            for place in tabs.differences
        ]
        for table_id, rows in (
            ("st-bins-table", bins),
            ("st-replen-table", replen),
            ("st-expiry-table", expiry),
            ("st-counts-table", counts),
            ("st-diffs-table", diffs),
        ):
            sync_rows(self.query_one(f"#{table_id}", DataTable), rows)

    # -- actions --------------------------------------------------------------------------------

    def _difference_key(self) -> str | None:
        table = next(self.query("#st-diffs-table").results(DataTable), None)
        return cursor_key(table) if table is not None else None

    def action_open(self) -> None:
        """Open the backordered order under the cursor."""
        key = cursor_key(self.query_one("#stock-back", DataTable))
        if key is not None:
            from tui.screens.orders import OrderDetailScreen

            self.app.push_screen(OrderDetailScreen(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "stock-back":
            self.action_open()

    def _decide(self, approve: bool) -> None:
        key = self._difference_key()
        port = self.stock_port
        if key is None or port is None or self.pane != "st-diffs":
            return
        count_id, code = split_key(key)
        said = clean(code)
        place = None
        if self.data is not None and self.data.tabs is not None:
            place = next((p for p in self.data.tabs.differences if p.key == key), None)
        up, down = (place.up, place.down) if place is not None else (0, 0)
        if approve:
            title = _("Approve the difference of {bin} in count {count}?").format(
                bin=said, count=count_id
            )
            detail = _(
                "+{up} / -{down} units become adjustment entries in the stock ledger."
            ).format(up=up, down=down)
        else:
            title = _("Count {bin} again (count {count})?").format(bin=said, count=count_id)
            detail = _("Someone other than the last counter counts the bin again.")

        def confirmed(reason: str | None) -> None:
            if not reason:
                return
            if approve:
                self.act(
                    port.approve_count,
                    self.operator,
                    count_id,
                    code,
                    reason,
                    done=_("count {count}: {bin} approved").format(count=count_id, bin=said),
                )
            else:
                self.act(
                    port.recount,
                    self.operator,
                    count_id,
                    code,
                    reason,
                    done=_("count {count}: {bin} goes to a recount").format(
                        count=count_id, bin=said
                    ),
                )

        self.app.push_screen(ReasonDialog(title, detail), confirmed)

    def action_approve(self) -> None:
        """Approve the difference of the counted bin under the cursor, saying why."""
        self._decide(approve=True)

    def action_recount(self) -> None:
        """Send the counted bin under the cursor back for a recount, saying why."""
        self._decide(approve=False)

    def action_new_count(self) -> None:
        """Make a count task: the dialog asks how its bins are chosen, and blind or open."""
        port = self.stock_port
        if port is None or self.pane != "st-counts":
            return
        operator, backend = self.operator, self.wapp.backend

        def create(scope: CountScope, value: str, open_count: bool) -> Awaitable[CreatedCount]:
            return backend.submit(port.create_count, operator, scope, value, open_count)

        def made(task: CreatedCount | None) -> None:
            if task is None:
                return
            self.notify(
                ngettext(
                    "count {count}: {n} bin to count",
                    "count {count}: {n} bins to count",
                    len(task.bins),
                ).format(count=task.id, n=len(task.bins)),
                timeout=5,
                markup=False,
            )
            self.reload()

        self.app.push_screen(CountTaskDialog(create), made)
