"""Orders shipped per hour over the last 24 hours, as a sparkline with the hours and the counts
under it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Sparkline, Static

from core import timefmt
from core.i18n import _
from core.oversight import Throughput
from tui.screens.supervise import SupervisorScreen

HOURS = 24


def axis(throughput: Throughput, cell: int) -> tuple[str, str]:
    """Two lines under the sparkline: the hour each column starts (China Standard Time) and
    the orders shipped in it, ``cell`` characters per hour."""
    hours = "".join(f"{timefmt.local(hour.start):%H}".ljust(cell) for hour in throughput.hours)
    counts = "".join(str(hour.shipped).ljust(cell) for hour in throughput.hours)
    return hours, counts


class ThroughputScreen(SupervisorScreen):
    """Shipped per hour."""

    SECTION = "throughput"

    def __init__(self) -> None:
        super().__init__()
        self.throughput: Throughput | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="throughput"):
            yield Static("", id="tp-summary")
            yield Sparkline([], id="tp-spark")
            yield Static("", id="tp-hours")
            yield Static("", id="tp-counts")
        yield Footer()

    def fetch(self) -> Callable[[], Throughput]:
        return partial(self.oversight.throughput, self.operator, HOURS)

    def show(self, data: Throughput) -> None:
        self.throughput = data
        peak = data.peak
        current = data.hours[-1].shipped if data.hours else 0
        summary = _("Shipped in the last {hours} hours: {total}").format(
            hours=len(data.hours), total=data.total
        )
        if peak is not None and peak.shipped:
            summary += "  ·  " + _("peak {hour}:00 ({n})").format(
                hour=f"{timefmt.local(peak.start):%H}", n=peak.shipped
            )
        summary += "  ·  " + _("this hour {n}").format(n=current)
        self.query_one("#tp-summary", Static).update(summary)
        self._draw()

    def _draw(self) -> None:
        data = self.throughput
        if data is None or not data.hours:
            return
        width = self.query_one("#throughput", Vertical).content_size.width or self.size.width
        cell = max(2, min(6, width // len(data.hours)))
        spark = self.query_one("#tp-spark", Sparkline)
        spark.styles.width = cell * len(data.hours)
        spark.data = [hour.shipped for hour in data.hours]
        hours, counts = axis(data, cell)
        self.query_one("#tp-hours", Static).update(hours)
        self.query_one("#tp-counts", Static).update(counts)

    def on_resize(self) -> None:
        self._draw()
