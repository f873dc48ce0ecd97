"""Cells for the supervisor's tables: times in site time (China Standard Time unless set),
durations and countdowns in the reader's language, rates, names cut by display width; and a
table filled in place (only changed cells are redrawn)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from core import timefmt
from tui.text import cells as drawn
from tui.text import fit as fit
from tui.text import shown

Cell = str | Text
Row = tuple[str, Sequence[Cell]]


def short_clock(moment: datetime | None, now: datetime) -> str:
    """``14:05`` when on the same day as ``now`` (site time), ``11-22 08:00`` in the same
    year, else ``2031-11-22``."""
    return timefmt.clock(moment, now)


def duration(span: timedelta | None) -> str:
    """``45s``, ``12m``, ``1h05m``, ``2d03h`` (in the reader's language); ``—`` for none."""
    return timefmt.duration(span)


def left(due: datetime | None, now: datetime) -> Text:
    """A "left" cell: ``1h05m`` or, red, ``-12m`` (``超时12分``); ``—`` for none."""
    if due is None:
        return Text("—")
    return shown(timefmt.remaining_short(due, now), style="bold red" if due < now else "")


def percent(rate: float | None) -> str:
    """``12.5%``; ``—`` when there is nothing to divide."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def sync_rows(table: DataTable, rows: Sequence[Row]) -> None:
    """Make ``table`` show ``rows`` (key, cells), every cell drawn as text (``tui.text``).
    When the same keys come in the same order, only cells whose content changed are updated;
    otherwise the rows are replaced and the cursor stays on the row it was on (by key, else by
    position)."""
    shown: list[tuple[str, list[Text]]] = [(key, drawn(list(cells))) for key, cells in rows]
    keys = [key for key, _ in shown]
    current = [row.key.value for row in table.ordered_rows]
    columns = list(table.columns)
    if keys == current:
        for key, cells in shown:
            for column, value in zip(columns, cells, strict=False):
                if not _same(table.get_cell(key, column), value):
                    table.update_cell(key, column, value)
        return
    cursor = table.cursor_row
    on_key = current[cursor] if 0 <= cursor < len(current) else None
    table.clear()
    for key, cells in shown:
        table.add_row(*cells, key=key)
    _fit_columns(table, shown)
    if not shown:
        return
    target = keys.index(on_key) if on_key in keys else min(cursor, len(rows) - 1)
    table.move_cursor(row=max(target, 0), animate=False)


def _fit_columns(table: DataTable, shown: Sequence[tuple[str, list[Text]]]) -> None:
    """Each auto-sized column at least as wide as its widest new cell, set as the rows go in.
    The table measures new rows later, when idle; a table refilled on a busy screen was seen
    to keep its headers' widths and cut every cell (the Exceptions tab, the stock screens)."""
    for index, column in enumerate(table.ordered_columns):
        if not column.auto_width:
            continue
        widest = max((cells[index].cell_len for _, cells in shown if index < len(cells)), default=0)
        column.content_width = max(column.content_width, widest)


def _same(old: object, new: Text) -> bool:
    # Text equality ignores the style: a countdown turning red must still be redrawn.
    return (
        isinstance(old, Text)
        and old.plain == new.plain
        and old.style == new.style
        and old.spans == new.spans
    )


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor (None for an empty table)."""
    if not table.row_count:
        return None
    row: RowKey = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    return row.value
