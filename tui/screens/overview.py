"""The supervisor's overview: queues by status × priority, what is due within the hour or
overdue (live countdowns), pick lists waiting and in work, every station's scanner and printer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

from core import words
from core.i18n import N_, _
from core.oversight import PRIORITIES, DueOrder, Overview, StationState
from tui.screens.supervise import SupervisorScreen
from tui.text import plain, shown
from tui.widgets.cells import Row, cursor_key, duration, left, short_clock, sync_rows


def scanner_words(state: StationState) -> tuple[str, str]:
    """The station's scanner in words, and a style."""
    if state.scanner_status == "none":
        return _("none"), "dim"
    if state.scanner_holder is None:
        return _("free"), "dim"
    status = words.scanner_state(state.scanner_status)
    style = {"connected": "green", "connecting": "yellow"}.get(state.scanner_status, "bold red")
    return f"{status} · {state.scanner_holder}", style


def printer_words(state: StationState) -> tuple[str, str]:
    """The station's printer in words, and a style."""
    if state.printer_status == "none":
        return _("none"), "dim"
    status = words.printer_state(state.printer_status)
    style = {"ready": "green", "unknown": "dim"}.get(state.printer_status, "bold red")
    return status, style


class OverviewScreen(SupervisorScreen):
    """The floor at a glance."""

    SECTION = "overview"
    BINDINGS = [Binding("o", "open", N_("Open order"))]

    def __init__(self) -> None:
        super().__init__()
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="overview"):
            with Horizontal(id="ov-top"):
                yield DataTable(id="ov-queues", cursor_type="none", zebra_stripes=True)
                yield Static("", id="ov-floor")
            yield Static("", id="ov-due-title", classes="section-title")
            yield DataTable(id="ov-due", cursor_type="row", zebra_stripes=True)
            yield Static(_("Stations"), classes="section-title")
            yield DataTable(id="ov-stations", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        queues = self.query_one("#ov-queues", DataTable)
        queues.add_column(_("Status"), key="status")
        for priority in PRIORITIES:
            queues.add_column(words.priority(priority), key=priority.value)
        queues.add_column(_("all"), key="total")
        queues.add_column(_("oldest due"), key="oldest")
        due = self.query_one("#ov-due", DataTable)
        for key, label in (
            ("order", _("Order")),
            ("status", _("Status")),
            ("priority", _("Priority")),
            ("customer", _("Customer")),
            ("picker", _("Picker")),
            ("due", _("Due")),
            ("left", _("Left")),
        ):
            due.add_column(label, key=key)
        stations = self.query_one("#ov-stations", DataTable)
        for key, label in (
            ("station", _("Station")),
            ("scanner", _("Scanner")),
            ("printer", _("Printer")),
            ("jobs", _("Labels wait/fail/unsure")),
        ):
            stations.add_column(label, key=key)

    def fetch(self) -> Callable[[], Overview]:
        return partial(self.oversight.overview, self.operator)

    def show(self, data: Overview) -> None:
        self.overview = data
        floor = Text()
        floor.append(_("Lists waiting  {n}").format(n=data.lists_waiting) + "\n")
        floor.append(_("Lists picking  {n}").format(n=data.lists_picking) + "\n")
        soon = data.due_soon_total - data.overdue_total
        floor.append(
            _("Due ≤ 1 h      {n}").format(n=soon) + "\n", style="bold yellow" if soon else ""
        )
        floor.append(
            _("Overdue        {n}").format(n=data.overdue_total),
            style="bold reverse red" if data.overdue_total else "",
        )
        self.query_one("#ov-floor", Static).update(floor)
        title = _("Due within the hour or overdue: {n}").format(n=data.due_soon_total)
        if data.due_soon_total > len(data.due_soon):
            title += " " + _("(first {n} shown)").format(n=len(data.due_soon))
        self.query_one("#ov-due-title", Static).update(title)
        sync_rows(self.query_one("#ov-queues", DataTable), self._queue_rows(data))
        sync_rows(self.query_one("#ov-due", DataTable), self._due_rows(data))
        sync_rows(self.query_one("#ov-stations", DataTable), self._station_rows(data))

    def _queue_rows(self, data: Overview) -> list[Row]:
        now = self.floor.now()
        rows: list[Row] = []
        for queue in data.queues:
            if not queue.total:
                continue
            oldest = queue.oldest_due
            rows.append(
                (
                    queue.status.value,
                    [
                        words.order_status(queue.status),
                        *(str(queue.by_priority[p]) for p in PRIORITIES),
                        shown(str(queue.total), style="bold"),
                        left(oldest, now),
                    ],
                )
            )
        if not rows:
            rows.append(("-", [_("no open orders"), "", "", "", "", ""]))
        return rows

    def _left(self, order: DueOrder) -> Text:
        now = self.floor.now()
        text = left(order.due_at, now)
        text.stylize("bold reverse red" if order.overdue(now) else "bold yellow")
        return text

    def _due_rows(self, data: Overview) -> list[Row]:
        now = self.floor.now()
        return [
            (
                order.order_no,
                [
                    plain(order.order_no),
                    words.order_status(order.status),
                    shown(
                        words.priority(order.priority),
                        style="bold" if order.priority == "rush" else "",
                    ),
                    plain(order.customer_name, limit=self.cap(10)),
                    plain(order.picker or "", limit=self.cap(10)),
                    short_clock(order.due_at, now),
                    self._left(order),
                ],
            )
            for order in data.due_soon
        ]

    def _station_rows(self, data: Overview) -> list[Row]:
        now = self.floor.now()
        rows: list[Row] = []
        for state in data.stations:
            scanner, scanner_style = scanner_words(state)
            if state.scanner_since is not None:
                scanner += " " + _("({ago})").format(ago=duration(now - state.scanner_since))
            printer, printer_style = printer_words(state)
            jobs = f"{state.jobs_waiting}/{state.jobs_failed}/{state.jobs_uncertain}"
            trouble = state.jobs_failed or state.jobs_uncertain
            rows.append(
                (
                    state.station,
                    [
                        plain(state.station, limit=self.cap(14)),
                        plain(scanner, scanner_style, limit=self.cap(26)),
                        plain(printer, printer_style, limit=self.cap(12)),
                        shown(jobs, style="bold red" if trouble else ""),
                    ],
                )
            )
        return rows

    def tick(self) -> None:
        """Countdowns move with the clock."""
        if self.overview is None:
            return
        table = self.query_one("#ov-due", DataTable)
        for order in self.overview.due_soon:
            if order.order_no in table.rows:
                table.update_cell(order.order_no, "left", self._left(order))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "ov-due" and event.row_key.value:
            self._open(event.row_key.value)

    def action_open(self) -> None:
        """Open the order under the cursor in the due list."""
        key = cursor_key(self.query_one("#ov-due", DataTable))
        if key is not None:
            self._open(key)

    def _open(self, order_no: str) -> None:
        from tui.screens.orders import OrderDetailScreen

        self.app.push_screen(OrderDetailScreen(order_no))
