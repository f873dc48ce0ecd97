"""What needs a supervisor: held orders with their problems, exceptions (short picks …), labels
that failed or may not have printed, and pick lists in work — with the actions that resolve
them, each asking for a reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, TabbedContent, TabPane

from core import words
from core.i18n import N_, _
from core.oversight import IDLE_AFTER, ExceptionsView
from tui.screens import tracking
from tui.screens.dialogs import ReasonDialog
from tui.screens.orders import (
    OrderDetailScreen,
    cancel_dialog,
    reassign_dialog,
    reprint_dialog,
)
from tui.screens.returns_tab import ReturnsPane
from tui.screens.supervise import SupervisorScreen
from tui.text import plain, shown
from tui.widgets.cells import Row, cursor_key, duration, left, short_clock, sync_rows
from tui.widgets.tabs import SteadyTabs

_PANES = ("ex-holds", "ex-exceptions", "ex-labels", "ex-lists", "ex-parcels", "ex-returns")

#: Which actions each pane offers.
_ACTIONS = {
    "release": ("ex-holds",),
    "cancel_order": ("ex-holds", "ex-exceptions"),
    "repick": ("ex-exceptions",),
    "release_partial": ("ex-exceptions",),
    "open": ("ex-holds", "ex-exceptions", "ex-labels", "ex-parcels"),
    "reassign": ("ex-lists",),
    "reprint": ("ex-labels",),
    "retry": ("ex-labels",),
}


class ExceptionsScreen(SupervisorScreen):
    """Five lists, one tab each (problem parcels last); the actions offered follow the tab."""

    SECTION = "exceptions"
    BINDINGS = [
        Binding("r", "release", N_("Release")),
        Binding("c", "cancel_order", N_("Cancel")),
        Binding("k", "repick", N_("Pick again")),
        Binding("w", "release_partial", N_("Ship partly")),
        Binding("a", "reassign", N_("Reassign")),
        Binding("p", "reprint", N_("Reprint")),
        Binding("t", "retry", N_("Retry")),
        Binding("o", "open", N_("Open")),
        Binding("left", "tab(-1)", N_("Tabs"), priority=True, key_display="←→"),
        Binding("right", "tab(1)", N_("Tab"), priority=True, show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: ExceptionsView | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="exceptions"), SteadyTabs(id="ex-tabs"):
            for pane, title in (
                ("ex-holds", _("Holds")),
                ("ex-exceptions", _("Exceptions")),
                ("ex-labels", _("Labels")),
                ("ex-lists", _("Lists")),
                ("ex-parcels", _("Parcels")),
            ):
                with TabPane(title, id=pane):
                    yield DataTable(id=f"{pane}-table", cursor_type="row", zebra_stripes=True)
            yield ReturnsPane()
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        columns = {
            "ex-holds": (
                _("Order"),
                _("Priority"),
                _("Due"),
                _("Left"),
                _("Customer"),
                _("Problems"),
            ),
            "ex-exceptions": (
                _("Order"),
                _("Priority"),
                _("Due"),
                _("Left"),
                _("List"),
                _("Picker"),
                _("Reason"),
            ),
            "ex-labels": (
                _("Job"),
                _("Status"),
                _("Order"),
                _("Station"),
                _("Tries"),
                _("Created"),
                _("Error"),
            ),
            "ex-lists": (
                _("List"),
                _("Status"),
                _("Priority"),
                _("Due"),
                _("Picker"),
                _("Done"),
                _("Last scan"),
            ),
        }
        for pane, labels in columns.items():
            table = self.query_one(f"#{pane}-table", DataTable)
            for label in labels:
                table.add_column(label)
        tracking.add_parcel_columns(self.query_one("#ex-parcels-table", DataTable))
        self.focus_in_front("ex-holds", self.query_one("#ex-holds-table", DataTable))

    @property
    def pane(self) -> str:
        """The tab on screen."""
        return self.query_one("#ex-tabs", TabbedContent).active or _PANES[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the tab on screen can do, and only with a row to do it to."""
        if action in _ACTIONS:
            tabs = next(self.query("#ex-tabs").results(TabbedContent), None)
            if tabs is None or (tabs.active or _PANES[0]) not in _ACTIONS[action]:
                return False
            return self._key() is not None
        return True

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        table = next(self.query(f"#{pane}-table").results(DataTable), None)
        if table is not None and pane == self.pane:
            self.focus_in_front(pane, table)
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_tab(self, step: int) -> None:
        """The next or previous tab."""
        tabs = self.query_one("#ex-tabs", TabbedContent)
        index = _PANES.index(self.pane) if self.pane in _PANES else 0
        tabs.active = _PANES[(index + step) % len(_PANES)]

    # -- reading --------------------------------------------------------------------------------

    def fetch(self) -> Callable[[], ExceptionsView]:
        return partial(self.oversight.exceptions, self.operator)

    def show(self, data: ExceptionsView) -> None:
        self.view = data
        now = self.floor.now()
        tabs = self.query_one("#ex-tabs", TabbedContent)
        for pane, title, count in (
            ("ex-holds", _("Holds"), len(data.holds)),
            ("ex-exceptions", _("Exceptions"), len(data.exceptions)),
            ("ex-labels", _("Labels"), len(data.labels)),
            ("ex-lists", _("Lists"), len(data.lists)),
            ("ex-parcels", _("Parcels"), len(data.problem_parcels)),
        ):
            tabs.get_tab(pane).label = f"{title} ({count})"

        holds: list[Row] = [
            (
                order.order_no,
                [
                    plain(order.order_no),
                    words.priority(order.priority),
                    short_clock(order.due_at, now),
                    left(order.due_at, now),
                    plain(order.customer_name, limit=self.cap(10)),
                    plain(
                        "; ".join(words.problem(problem.code) for problem in order.problems),
                        limit=self.cap(24),
                    ),
                ],
            )
            for order in data.holds
        ]
        exceptions: list[Row] = [
            (
                order.order_no,
                [
                    plain(order.order_no),
                    words.priority(order.priority),
                    short_clock(order.due_at, now),
                    left(order.due_at, now),
                    plain(order.picklist or ""),
                    plain(order.picker or "", limit=self.cap(8)),
                    plain(order.reason, limit=self.cap(16)),
                ],
            )
            for order in data.exceptions
        ]
        labels: list[Row] = [
            (
                str(job.id),
                [
                    str(job.id),
                    shown(words.print_job(job.status), style="bold red"),
                    plain(job.subject, limit=self.cap(16)),
                    plain(job.station),
                    str(job.attempts),
                    short_clock(job.created_at, now),
                    plain(job.last_error, limit=self.cap(24)),
                ],
            )
            for job in data.labels
        ]
        lists: list[Row] = []
        for item in data.lists:
            idle = None if item.last_scan_at is None else now - item.last_scan_at
            stalled = item.status == "picking" and (idle is None or idle >= IDLE_AFTER)
            lists.append(
                (
                    str(item.picklist_id),
                    [
                        plain(item.code),
                        words.pick_list(item.status),
                        words.priority(item.priority),
                        short_clock(item.due_at, now),
                        plain(item.picker or "—"),
                        f"{item.picked}/{item.units}",
                        shown(
                            duration(idle) if idle is not None else "—",
                            style="bold reverse yellow" if stalled else "",
                        ),
                    ],
                )
            )
        for pane, rows in (
            ("ex-holds", holds),
            ("ex-exceptions", exceptions),
            ("ex-labels", labels),
            ("ex-lists", lists),
            ("ex-parcels", tracking.parcel_rows(data.problem_parcels, now, self.cap(16))),
        ):
            sync_rows(self.query_one(f"#{pane}-table", DataTable), rows)
        self.query_one(ReturnsPane).reload()
        self.refresh_bindings()

    # -- actions --------------------------------------------------------------------------------

    def _key(self) -> str | None:
        table = next(self.query(f"#{self.pane}-table").results(DataTable), None)
        return cursor_key(table) if table is not None else None

    def action_open(self) -> None:
        """Open the order of the row."""
        key = self._key()
        if key is None or self.view is None:
            return
        if self.pane == "ex-labels":
            job = next((j for j in self.view.labels if str(j.id) == key), None)
            key = job.subject if job is not None else None
        elif self.pane == "ex-parcels":
            key = tracking.parcel_order(self.view.problem_parcels, key)
        if key:
            self.app.push_screen(OrderDetailScreen(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.check_action("open", ()):
            self.action_open()

    def action_release(self) -> None:
        """Release the held order, saying why."""
        order_no = self._key()
        if order_no is None:
            return

        def confirmed(note: str | None) -> None:
            if note:
                self.act(
                    self.oversight.release_hold,
                    self.operator,
                    order_no,
                    note,
                    done=_("{order_no} released").format(order_no=order_no),
                )

        self.app.push_screen(
            ReasonDialog(
                _("Release {order_no}?").format(order_no=order_no),
                _("Its payment and address problems are accepted; then it is allocated."),
            ),
            confirmed,
        )

    def action_cancel_order(self) -> None:
        """Cancel the order of the row, saying why."""
        order_no = self._key()
        if order_no is not None:
            cancel_dialog(self, order_no)

    def action_repick(self) -> None:
        """Pick the missing units of the exception of the row again, saying why."""
        self._resolve(
            "repick",
            _("Pick the missing units of {order_no} again?"),
            _("They go on a new pick list; bins flagged for a count are left out."),
        )

    def action_release_partial(self) -> None:
        """Send the exception of the row to packing with what it has, saying why."""
        self._resolve(
            "release_partial",
            _("Ship {order_no} with what it has?"),
            _("Only where its channel or shop takes partial shipments."),
        )

    def _resolve(self, how: str, title: str, explanation: str) -> None:
        order_no = self._key()
        if order_no is None:
            return

        def confirmed(reason: str | None) -> None:
            if reason:
                self.act(
                    self.oversight.resolve_exception,
                    self.operator,
                    order_no,
                    how,
                    reason,
                    done=_("{order_no} resolved").format(order_no=order_no),
                )

        self.app.push_screen(ReasonDialog(title.format(order_no=order_no), explanation), confirmed)

    def action_reassign(self) -> None:
        """Give the list of the row to another picker."""
        key = self._key()
        if key is None or self.view is None:
            return
        item = next((i for i in self.view.lists if str(i.picklist_id) == key), None)
        if item is not None:
            reassign_dialog(self, item.picklist_id, item.code, item.picker)

    def action_reprint(self) -> None:
        """Print the label of the row again, saying why."""
        key = self._key()
        if key is not None:
            reprint_dialog(self, int(key))

    def action_retry(self) -> None:
        """Send the label job of the row again."""
        key = self._key()
        if key is not None:
            self.act(
                self.oversight.retry_label,
                self.operator,
                int(key),
                done=_("label job {job} queued again").format(job=key),
            )
