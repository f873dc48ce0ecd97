"""Label-first batch printing (打单): pick a released wave, print all its labels and a pick
sheet per list in one go, watch the progress, send only the failed ones again."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, ProgressBar, Static

from core import timefmt
from core.i18n import N_, _
from core.ports import BatchView, WaveForPrint
from tui.screens.base import FloorScreen
from tui.text import cells, shown
from tui.widgets.devicebar import DeviceBar

#: How often a running batch's progress is read.
PROGRESS_S = 0.5


class BatchPrintScreen(FloorScreen):
    """Released waves; Enter prints the chosen one at this station."""

    BINDINGS = [
        Binding("enter", "print_wave", N_("Print wave"), priority=True),
        Binding("f", "retry_failed", N_("Reprint failed")),
        Binding("escape", "leave", N_("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.waves: list[WaveForPrint] = []
        self.current: BatchView | None = None

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="batch"):
            yield Static(_("Print a wave's labels and pick sheets (打单)"), id="batch-title")
            yield DataTable(id="batch-waves", cursor_type="row")
            yield ProgressBar(show_eta=False, id="batch-progress")
            yield Static("", id="batch-summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#batch-waves", DataTable)
        table.add_columns(_("Wave"), _("Released"), _("Lists"), _("Orders"), _("Labelled"))
        table.focus()
        self.set_interval(PROGRESS_S, self._poll)
        self.run_floor(self.floor.waves_for_print, self.operator, then=self._show_waves)

    def _show_waves(self, waves: list[WaveForPrint]) -> None:
        self.waves = waves
        table = self.query_one("#batch-waves", DataTable)
        table.clear()
        for wave in waves:
            table.add_row(
                *cells(
                    [
                        wave.wave_id,
                        timefmt.local(wave.released_at).strftime("%m-%d %H:%M"),
                        wave.lists,
                        wave.orders,
                        wave.labelled,
                    ]
                )
            )
        if not waves:
            self._summary(_("No released wave has orders left to ship."))

    def _summary(self, text: str) -> None:
        self.query_one("#batch-summary", Static).update(shown(text))

    def action_print_wave(self) -> None:
        """Print the wave under the cursor."""
        table = self.query_one("#batch-waves", DataTable)
        if not self.waves or table.cursor_row is None or table.cursor_row >= len(self.waves):
            self.app.bell()
            return
        wave = self.waves[table.cursor_row]
        self._summary(_("Wave {wave}: taking waybill numbers…").format(wave=wave.wave_id))
        self.run_floor(self.floor.print_wave, self.operator, wave.wave_id, then=self._started)

    def _started(self, batch: BatchView) -> None:
        self.wapp.wake_printer()
        self._show_batch(batch)
        self.run_floor(self.floor.waves_for_print, self.operator, then=self._show_waves)

    def _poll(self) -> None:
        if self.current is not None and not self.current.finished:
            self.run_floor(
                self.floor.batch_progress,
                self.operator,
                self.current.batch_id,
                then=self._show_progress,
            )

    def _show_progress(self, batch: BatchView) -> None:
        """A poll's answer, unless another batch was started while it was asked (an answer
        about the old batch would put it back in front, and it would stay there)."""
        if self.current is not None and self.current.batch_id == batch.batch_id:
            self._show_batch(batch)

    def _show_batch(self, batch: BatchView) -> None:
        self.current = batch
        progress = self.query_one("#batch-progress", ProgressBar)
        settled = batch.done + batch.failed + batch.uncertain + batch.cancelled
        progress.update(total=max(batch.total, 1), progress=settled)
        lines = [
            _(
                "Batch {batch}: {done} printed, {failed} failed, {waiting} waiting of {total}"
            ).format(
                batch=batch.batch_id,
                done=batch.done,
                failed=batch.failed + batch.uncertain,
                waiting=batch.waiting,
                total=batch.total,
            )
        ]
        for subject, why in batch.failures[:4]:
            lines.append(_("✘ {subject}: {why}").format(subject=subject, why=why))
        for subject, why in batch.skipped[:4]:
            lines.append(_("no label for {subject}: {why}").format(subject=subject, why=why))
        if batch.finished and (batch.failed or batch.uncertain):
            lines.append(_("Press F to print the failed ones again."))
        self._summary("\n".join(lines))

    def action_retry_failed(self) -> None:
        """Send the batch's failed labels again (only those)."""
        if self.current is None or not (self.current.failed or self.current.uncertain):
            self.app.bell()
            return
        self.run_floor(
            self.floor.retry_batch, self.operator, self.current.batch_id, then=self._started
        )

    def handle_scan(self, raw: str, source: str) -> None:
        """No scans here: say where they go."""
        self.app.bell()
        self._summary(_("Scans are checked on the pack screen (Esc, then P)."))

    def action_leave(self) -> None:
        """Back to home."""
        self.app.pop_screen()
