"""Pickers and packers: who works on what, their pace over the last hour, their refused scans
today and how long since their last scan."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from core import words
from core.i18n import N_, _
from core.oversight import IDLE_AFTER, WorkerView
from tui.screens.orders import reassign_dialog
from tui.screens.supervise import SupervisorScreen
from tui.text import plain, shown
from tui.widgets.cells import Row, cursor_key, duration, percent, sync_rows


class PeopleScreen(SupervisorScreen):
    """One row per picker and packer."""

    SECTION = "people"
    BINDINGS = [Binding("a", "reassign", N_("Reassign list"))]

    def __init__(self) -> None:
        super().__init__()
        self.people: tuple[WorkerView, ...] = ()

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="people"):
            yield Static(
                _("Lines and units: last hour · refused: today · idle: since the last scan"),
                classes="section-title",
            )
            yield DataTable(id="people-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#people-table", DataTable)
        for key, label in (
            ("name", _("Name")),
            ("role", _("Role")),
            ("station", _("Station")),
            ("work", _("Working on")),
            ("lines", _("Lines/h")),
            ("units", _("Units/h")),
            ("refused", _("Refused")),
            ("idle", _("Idle")),
        ):
            table.add_column(label, key=key)
        table.focus()

    def fetch(self) -> Callable[[], tuple[WorkerView, ...]]:
        return partial(self.oversight.workers, self.operator)

    def show(self, data: tuple[WorkerView, ...]) -> None:
        self.people = data
        sync_rows(self.query_one("#people-table", DataTable), [self._row(w) for w in data])
        self.refresh_bindings()

    def _idle(self, worker: WorkerView) -> Text:
        idle = worker.idle(self.floor.now())
        long = idle is not None and idle >= IDLE_AFTER and bool(worker.working_on)
        return shown(duration(idle), style="bold reverse yellow" if long else "")

    def _row(self, worker: WorkerView) -> Row:
        rate = worker.error_rate
        refused = f"{worker.refused_today}/{worker.scans_today}"
        if rate is not None:
            refused += f" {percent(rate)}"
        return (
            worker.name,
            [
                plain(worker.name, "bold", limit=self.cap(10)),
                words.role(worker.role),
                plain(worker.station, limit=self.cap(9)),
                plain(worker.working_on or "—", limit=self.cap(14)),
                str(worker.lines_last_hour),
                str(worker.units_last_hour),
                shown(refused, style="bold red" if rate and rate >= 0.1 else ""),
                self._idle(worker),
            ],
        )

    def tick(self) -> None:
        """Idle times move with the clock."""
        table = self.query_one("#people-table", DataTable)
        for worker in self.people:
            if worker.name in table.rows:
                table.update_cell(worker.name, "idle", self._idle(worker))

    def _selected(self) -> WorkerView | None:
        tables = self.query("#people-table").results(DataTable)
        table = next(tables, None)
        if table is None:
            return None
        key = cursor_key(table)
        return next((w for w in self.people if w.name == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Reassign is offered on a picker who has a list."""
        if action == "reassign":
            worker = self._selected()
            return worker is not None and worker.picklist_id is not None
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_reassign(self) -> None:
        """Give the selected picker's list to someone else."""
        worker = self._selected()
        if worker is not None and worker.picklist_id is not None:
            code = worker.working_on.split()[0]
            reassign_dialog(self, worker.picklist_id, code, worker.name)
