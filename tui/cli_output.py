"""What the command line prints, one way for every command: plain lines, tables, JSON.

Order numbers, channels, names, addresses, SKUs, carrier names and printer errors come from
files and devices; printed as they are, an ESC or an 8-bit CSI (0x9B) inside one would drive
the admin's terminal (OSC 52 writes the clipboard, ``ESC]0;`` sets the window title,
``ESC[?1049l`` leaves the screen), and U+202E would turn the rest of a line around. Every line
goes through ``echo`` (control and invisible format characters removed, line breaks kept),
every table cell through ``cell`` (one line of plain text), tables and reports through a Rich
console that reads no markup and no emoji codes, and JSON through ``json_text``, which escapes
what ``json.dumps`` leaves raw: C1 controls, DEL, bidi and other format characters, line
separators and lone surrogates. The JSON stays valid and the data in it unchanged.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from core.i18n import N_, _
from core.labels import neutralise, strip_controls, unsafe_character

if TYPE_CHECKING:
    from rich.console import Console


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """Print a line (or several) that may quote data, with no control character in it."""
    click.echo(strip_controls("" if message is None else str(message)), err=err, nl=nl)


def cell(value: Any) -> str:
    """A value as one line of plain text (a list is joined with commas; None is empty)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    return neutralise(str(value))


def json_text(value: Any, indent: int | None = 2) -> str:
    """``value`` as JSON that is safe on a terminal: characters a terminal could act on are
    written as ``\\uXXXX`` escapes (JSON has them only inside strings, so the text stays
    valid and reads back to the same data); other text stays readable (CJK unescaped)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    return "".join(_escaped(ch) if _escaped_in_json(ch) else ch for ch in text)


def emit_json(value: Any) -> None:
    """Print ``value`` as JSON (``--json``)."""
    click.echo(json_text(value))


def console(stderr: bool = False, width: int | None = None) -> Console:
    """A Rich console for tables and reports: it reads no markup and no ``:emoji:`` codes in
    what it prints, so a ``[`` or a ``:`` in data is a character. Cells go through ``cell``."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if width is None and not stream.isatty():
        width = 200
    return Console(
        stderr=stderr,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
        width=width,
    )


#: Column headings of the tables people read, in their language (``--json`` keeps the keys).
COLUMN_WORDS: dict[str, str] = {
    "active": N_("active"),
    "address": N_("address"),
    "algorithm": N_("algorithm"),
    "at": N_("at"),
    "attempts": N_("attempts"),
    "cancel_reason": N_("cancelled because"),
    "carrier": N_("carrier"),
    "channel": N_("channel"),
    "claims": N_("claims"),
    "code": N_("code"),
    "comment": N_("comment"),
    "coverage": N_("coverage"),
    "created_at": N_("created"),
    "created_by": N_("created by"),
    "customer_name": N_("customer"),
    "due_at": N_("due"),
    "exception_reason": N_("exception"),
    "fingerprint": N_("fingerprint"),
    "free": N_("free"),
    "id": N_("id"),
    "kind": N_("kind"),
    "label_width": N_("label width"),
    "language": N_("language"),
    "last_error": N_("last error"),
    "last_used_at": N_("last used"),
    "line_no": N_("line"),
    "lines": N_("lines"),
    "location": N_("bin"),
    "low": N_("low"),
    "name": N_("name"),
    "next_attempt_at": N_("next try"),
    "on_hand": N_("on hand"),
    "order_no": N_("order"),
    "orders": N_("orders"),
    "packages": N_("packages"),
    "packed": N_("packed"),
    "packed_at": N_("packed at"),
    "picked": N_("picked"),
    "picker": N_("picker"),
    "placed_at": N_("placed"),
    "printer_url": N_("printer"),
    "priority": N_("priority"),
    "problem": N_("problem"),
    "problems": N_("problems"),
    "profile": N_("profile"),
    "qty": N_("qty"),
    "raw": N_("scanned"),
    "reprint_of": N_("reprint of"),
    "reserved": N_("reserved"),
    "role": N_("role"),
    "safety_stock": N_("safety stock"),
    "scanner_url": N_("scanner"),
    "sent_at": N_("sent"),
    "seq": N_("seq"),
    "service": N_("service"),
    "services": N_("services"),
    "shipped_at": N_("shipped"),
    "short": N_("short"),
    "sku": N_("SKU"),
    "source": N_("source"),
    "station": N_("station"),
    "status": N_("status"),
    "subject": N_("subject"),
    "tracking": N_("tracking"),
    "units": N_("units"),
    "used": N_("used"),
    "user": N_("user"),
    "users": N_("users"),
    "verdict": N_("verdict"),
    "void": N_("void"),
    "waybills": N_("waybills"),
    "weight_g": N_("weight (g)"),
}


def heading(column: str) -> str:
    """A column's heading in the current language (the key itself when it has none)."""
    return _(COLUMN_WORDS[column]) if column in COLUMN_WORDS else column


def table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Rows as a plain table with the given columns, headed in the reader's language."""
    from rich import box
    from rich.table import Table

    shown = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        shown.add_column(heading(column))
    for row in rows:
        shown.add_row(*(cell(readable(column, row.get(column))) for column in columns))
    console().print(shown)


def listing(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    """A listing command's output: the rows as JSON (``--json``), else as a table."""
    if as_json:
        emit_json(rows)
    else:
        table(rows, columns)


def readable(column: str, value: Any) -> Any:
    """A listing's value as a person reads it: codes as words in their language (statuses,
    priorities, roles, verdicts …), times in site time; ``--json`` keeps the codes and the ISO
    times."""
    from core import timefmt, words

    if value is None or value == "":
        return value
    kind = {
        "status": words.status,
        "label_status": words.print_job,
        "priority": words.priority,
        "role": words.role,
        "verdict": words.verdict,
        "zone": words.zone,
        "payment_status": words.payment,
    }.get(column)
    if kind is not None:
        return kind(value)
    if (column == "at" or column.endswith("_at")) and isinstance(value, str):
        from core.clock import from_iso

        try:
            return timefmt.stamp(from_iso(value))
        except ValueError:
            return value
    return value


class PlainLogFormatter(logging.Formatter):
    """Log lines quote user names, peers, station names and device errors: each line is
    written with its control characters removed (a traceback keeps its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return strip_controls(super().format(record))


def _escaped_in_json(ch: str) -> bool:
    return ch not in "\n\t" and (unsafe_character(ch) or ch in "\u2028\u2029")


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"
