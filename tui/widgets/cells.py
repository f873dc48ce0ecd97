"""Cells for the supervisor's tables: text made safe, times in China Standard Time, durations,
rates; and a table filled in place (only changed cells are redrawn)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from core import timefmt
from core.labels import neutralise

Cell = str | Text
Row = tuple[str, Sequence[Cell]]


def safe(value: object, style: str = "", width: int | None = None) -> Text:
    """Data from outside (names, addresses, reasons) as plain text: no markup, no control
    characters; at most ``width`` columns when given (so one long name cannot push a table's
    other columns off an 80-column screen)."""
    text = neutralise("" if value is None else str(value))
    return Text(text if width is None else fit(text, width), style=style)


def fit(text: str, width: int) -> str:
    """``text`` shortened to ``width`` terminal columns (a Chinese character takes two), with
    ``…`` where it was cut; never half a character."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…"


def short_clock(moment: datetime | None, now: datetime) -> str:
    """``14:05`` when on the same day as ``now`` (site time), else ``11-22 08:00``."""
    return timefmt.clock(moment, now)


def duration(span: timedelta | None) -> str:
    """``45s``, ``12m``, ``1h05m``, ``2d03h`` (in the reader's language); ``—`` for none."""
    return timefmt.duration(span)


def left(due: datetime | None, now: datetime) -> Text:
    """A "left" cell: ``1h05m`` or, red, ``-12m`` (``超时12分``); empty for none."""
    if due is None:
        return Text("—")
    return Text(timefmt.remaining_short(due, now), style="bold red" if due < now else "")


def percent(rate: float | None) -> str:
    """``12.5%``; ``—`` when there is nothing to divide."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def sync_rows(table: DataTable, rows: Sequence[Row]) -> None:
    """Make ``table`` show ``rows`` (key, cells). When the same keys come in the same order,
    only cells whose content changed are updated; otherwise the rows are replaced and the
    cursor stays on the row it was on (by key, else by position)."""
    keys = [key for key, _ in rows]
    current = [row.key.value for row in table.ordered_rows]
    columns = list(table.columns)
    if keys == current:
        for key, cells in rows:
            for column, value in zip(columns, cells, strict=False):
                if table.get_cell(key, column) != value:
                    table.update_cell(key, column, value)
        return
    cursor = table.cursor_row
    on_key = current[cursor] if 0 <= cursor < len(current) else None
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not rows:
        return
    target = keys.index(on_key) if on_key in keys else min(cursor, len(rows) - 1)
    table.move_cursor(row=max(target, 0), animate=False)


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor (None for an empty table)."""
    if not table.row_count:
        return None
    row: RowKey = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    return row.value
