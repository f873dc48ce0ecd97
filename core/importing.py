"""Reading catalog, bin and order files into validated drafts; every refusal names line and reason.

Pure: takes the file (its bytes, or a function that opens it as a binary stream) and its name,
and yields drafts and rejections. Storing is data/'s job.

Files are read as streams, twice: a first pass checks that the whole file can be read (so a file
broken near its end is refused before anything of it is stored) and finds order numbers whose
records are apart in the file (a CSV file's order numbers are all it takes apart); the second
pass yields drafts and rejections one by one. Memory
holds one record (and one order's lines) at a time, plus one small entry per order number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import IO, Any, Generic, TypeVar

from core.clock import CHINA_TZ
from core.codes import normalize_barcode
from core.errors import InvalidBarcode, Rejected
from core.i18n import _
from core.model import (
    OrderDraft,
    OrderLineDraft,
    PaymentStatus,
    Priority,
    ProductDraft,
    Rejection,
    Skipped,
    Withdrawn,
)
from core.stock import BinKind

#: China Standard Time, the default for order times written without an offset.

PRODUCT_COLUMNS = ("sku", "name", "barcodes", "location", "on_hand", "safety_stock", "weight_g")
LOCATION_COLUMNS = ("code", "sequence")
#: Columns a locations file may add: the bin's kind, a pick face's minimum and maximum.
LOCATION_OPTIONAL = ("kind", "min_units", "max_units")
ORDER_COLUMNS = (
    "order_no",
    "channel",
    "placed_at",
    "priority",
    "payment_status",
    "customer_name",
    "phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "sku",
    "qty",
    "note",
)
ORDER_HEADER_FIELDS = ORDER_COLUMNS[:13]
#: Decrypted recipients for orders a platform exported masked (``import addresses``).
ADDRESS_COLUMNS = (
    "order_no",
    "customer_name",
    "phone",
    "province",
    "city",
    "district",
    "address",
    "postcode",
)
_REQUIRED_ORDER_COLUMNS = ("order_no", "placed_at", "sku", "qty")

# -- limits (README "File formats") -------------------------------------------------------------
#: Characters in a text field (names, addresses, notes).
MAX_FIELD = 500
#: Characters in a key: order number, SKU, bin code.
MAX_KEY = 64
#: Different SKUs in one order. Rows of one order with the same SKU are merged into one line.
MAX_ORDER_LINES = 500
#: Units on one order line (after merging the rows of one SKU).
MAX_QTY = 100_000
#: Barcodes of one product.
MAX_BARCODES = 20
#: Levels of nesting in a JSON record (an order, its lines, a line: three).
MAX_DEPTH = 8
#: Characters in one JSON record or JSON Lines line; a longer one refuses the file.
MAX_RECORD = 8_000_000
#: Order times before this are mistakes (placeholders such as 1970-01-01 or 0001-01-01).
EARLIEST_ORDER = datetime(2000, 1, 1, tzinfo=UTC)
#: How far an order time may be ahead of the importing server's clock (clocks and offsets
#: differ a little); later ones are mistakes.
FUTURE_TOLERANCE = timedelta(days=1)
#: Without a clock (a bare parse), order times from this instant on are refused.
LATEST_ORDER = datetime(2100, 1, 1, tzinfo=UTC)

#: Characters read from the file at a time.
_READ = 1 << 18
#: Surrogates: what ``surrogateescape`` turns an undecodable byte into (U+DC80–U+DCFF), and
#: lone surrogates written as JSON escapes (``"\ud800"``), which no encoding can carry.
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SPACE = re.compile(r"[ \t\r\n]*")
#: A JSON string (possibly cut off where reading stopped) or a bracket: enough to find where a
#: value ends when the decoder cannot (nesting deeper than it recurses).
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.S)

#: The file's bytes, or a function that opens it (once per pass) as a binary stream.
Source = bytes | Callable[[], IO[bytes]]


@dataclass(frozen=True)
class Record:
    """One input record: the file line it starts on and its fields as text (or JSON values).
    ``problem`` says why a record that could be delimited could not be read (its fields are
    then empty)."""

    line: int
    fields: dict[str, Any]
    #: False when the record is known to hold no surrogates, so per-field checks are skipped.
    dirty: bool = True
    problem: str | None = None
    #: Why the record's order is left out on purpose (a platform's closed or shipped order):
    #: reported as skipped, not rejected.
    skip: str | None = None
    #: The skipped order is closed or refunded on the platform (an imported one is cancelled).
    withdrawn: bool = False

    def undecodable(self, values: dict[str, Any] | None = None) -> bool:
        """Whether this record (or ``values`` taken from it) carries text that is not text."""
        return self.dirty and undecodable(self.fields if values is None else values)


T = TypeVar("T")
E = TypeVar("E", Priority, PaymentStatus)


@dataclass
class Parsed(Generic[T]):
    """Drafts that passed, rejections that did not."""

    drafts: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, items: Iterable[T | Rejection]) -> Parsed[T]:
        """Collect what a ``read_…`` function yields."""
        for item in items:
            if isinstance(item, Rejection):
                self.rejected.append(item)
            else:
                self.drafts.append(item)
        return self


def file_format(filename: str) -> str:
    """``csv``, ``json`` or ``jsonl`` from the file name; anything else is refused."""
    lower = filename.lower()
    for ext in ("csv", "jsonl", "json"):
        if lower.endswith("." + ext):
            return ext
    raise Rejected(_("{name}: unknown file type; use .csv, .json or .jsonl").format(name=filename))


def _open_text(source: Source, newline: str) -> IO[str]:
    binary = io.BytesIO(source) if isinstance(source, bytes) else source()
    # utf-8-sig drops a BOM; undecodable bytes become surrogates, so only their record is refused.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline=newline)


def read_records(
    source: Source, filename: str, columns: tuple[str, ...], only: str | None = None
) -> Iterator[Record]:
    """Yield the records of a CSV/JSON/JSONL file as it is read. A file that cannot be read at
    all raises :class:`Rejected` naming the line; undecodable bytes inside a record are kept as
    surrogates so that only that record is refused (see :func:`undecodable`). ``only``: a CSV
    record holds that one field (a pass that needs only keys), the rest is not taken apart."""
    fmt = file_format(filename)
    with _open_text(source, "" if fmt == "csv" else "\n") as text:
        if fmt == "csv":
            yield from _csv_records(text, filename, columns, only)
        elif fmt == "jsonl":
            yield from _jsonl_records(text, filename)
        else:
            yield from _json_array_records(text, filename)


def check_readable(source: Source, filename: str, columns: tuple[str, ...]) -> None:
    """Read the whole file once: raises :class:`Rejected` if it cannot be read to its end."""
    for _record in read_records(source, filename, columns):
        pass


def _csv_records(
    text: IO[str], filename: str, columns: tuple[str, ...], only: str | None = None
) -> Iterator[Record]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise Rejected(_("{name}: the file is empty").format(name=filename)) from None
    except csv.Error as error:
        raise Rejected(_("{name} line 1: {error}").format(name=filename, error=error)) from None
    header = [name.strip().lower() for name in header]
    missing = [name for name in columns if name not in header]
    required = [name for name in missing if name in _required_columns(columns)]
    if required:
        raise Rejected(
            _("{name} line 1: missing columns {missing}; expected {expected}").format(
                name=filename, missing=", ".join(required), expected=",".join(columns)
            )
        )
    start = 2
    if only is not None:
        # the last column of that name, as the dict of a full record keeps it
        index = len(header) - 1 - header[::-1].index(only) if only in header else -1
        yield from _csv_keys(reader, filename, only, index)
        return
    try:
        for row in reader:
            cells = list(map(str.strip, row))
            if any(cells):
                values: dict[str, Any] = dict(zip(header, cells, strict=False))
                if len(row) > len(header):
                    values["__extra__"] = row[len(header) :]
                # One search per row instead of one per field.
                yield Record(start, values, _SURROGATE.search("".join(row)) is not None)
            start = reader.line_num + 1
    except csv.Error as error:
        raise Rejected(
            _("{name} line {line}: {error}").format(name=filename, line=start, error=error)
        ) from None


def _csv_keys(reader: Any, filename: str, name: str, index: int) -> Iterator[Record]:
    """The records of :func:`_csv_records` holding only the field at ``index`` (the same
    lines, the same blank rows left out, the same refusals of a file that cannot be read)."""
    start = 2
    try:
        for row in reader:
            if "".join(row).strip():  # a cell that is not blank
                key = row[index].strip() if 0 <= index < len(row) else ""
                yield Record(start, {name: key} if key else {})
            start = reader.line_num + 1
    except csv.Error as error:
        raise Rejected(
            _("{name} line {line}: {error}").format(name=filename, line=start, error=error)
        ) from None


def _required_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    if columns == ADDRESS_COLUMNS:
        return ("order_no", "customer_name", "phone", "address")
    if columns == ORDER_COLUMNS:
        return _REQUIRED_ORDER_COLUMNS
    if columns == PRODUCT_COLUMNS:
        return ("sku", "name", "barcodes", "on_hand")
    return columns


def _parse_int(digits: str) -> int | str:
    # A JSON number of thousands of digits stays text (int() refuses over 4,300 digits, and no
    # field needs more than a few); the field's check then calls it too large.
    return int(digits) if len(digits) <= 30 else digits


_DECODER = json.JSONDecoder(parse_int=_parse_int)


def _too_deep() -> str:
    return _("nested too deeply to be an order or product record")


def _too_large(filename: str, line: int) -> str:
    return _(
        "{name} line {line}: a record longer than {n} characters; no order or product is that "
        "large (is this the right file?)"
    ).format(name=filename, line=line, n=f"{MAX_RECORD:,}")


def _json_record(line: int, value: Any) -> Record:
    if not isinstance(value, dict):
        return Record(line, {}, problem=_("expected an object"))
    # One walk, without recursion (a value may nest as deep as the decoder went): how deep
    # the record goes, and whether any text in it is not text.
    dirty = False
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            dirty = dirty or _SURROGATE.search(item) is not None
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            return Record(line, {}, problem=_too_deep())
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return Record(line, value, dirty)


def _jsonl_records(text: IO[str], filename: str) -> Iterator[Record]:
    """One record per line (JSON strings may hold U+2028 and friends unescaped: records end
    at ``\\n`` only)."""
    number = 0
    while True:
        line = text.readline(MAX_RECORD + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_RECORD:
            raise Rejected(_too_large(filename, number))
        if not line.strip():
            continue
        try:
            value = _DECODER.decode(line)
        except json.JSONDecodeError as error:
            raise Rejected(
                _("{name} line {line}: not JSON ({error})").format(
                    name=filename, line=number, error=error.msg
                )
            ) from None
        except (RecursionError, ValueError):
            yield Record(number, {}, problem=_too_deep())
            continue
        yield _json_record(number, value)


class _Window:
    """The part of a text stream being decoded, and the line number of the read position."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def more(self, size: int = _READ) -> bool:
        """Read on; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.text.read(size)
        if not chunk:
            self.eof = True
            return False
        # What was decoded is dropped as the next part comes in.
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def grow(self) -> bool:
        """Read more of the current record; False at the end of the file or of its size limit."""
        pending = len(self.buf) - self.pos
        # Doubling what is held keeps the decoder's retries few on a large record; a record
        # is never held beyond its limit (and one character to know it is over).
        size = min(max(_READ, pending), MAX_RECORD + 1 - pending)
        return size > 0 and self.more(size)

    def advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            match = _SPACE.match(self.buf, self.pos)
            assert match is not None
            self.advance(match.end())
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def line_of(self, position: int) -> int:
        return self.line + self.buf.count("\n", self.pos, position)


def _json_array_records(text: IO[str], filename: str) -> Iterator[Record]:
    """Walk a top-level JSON array element by element, reading as it goes, so each record
    knows its line and memory holds one record at a time."""
    window = _Window(text)

    def broken(message: str, position: int | None = None) -> Rejected:
        line = window.line if position is None else window.line_of(position)
        return Rejected(
            _("{name} line {line}: not valid JSON ({error})").format(
                name=filename, line=line, error=message
            )
        )

    if window.peek() != "[":
        raise Rejected(_("{name}: expected a JSON array of records").format(name=filename))
    window.advance(window.pos + 1)
    if window.peek() == "]":
        window.advance(window.pos + 1)
        if window.peek():
            raise broken("extra data after the array")
        return
    while True:
        if not window.peek():
            raise broken("expected a value")
        yield _json_element(window, filename, broken)
        following = window.peek()
        if following == ",":
            window.advance(window.pos + 1)
            continue
        if following == "]":
            window.advance(window.pos + 1)
            if window.peek():
                raise broken("extra data after the array")
            return
        raise broken("expected ',' or ']'")


def _json_element(window: _Window, filename: str, broken: Callable[..., Rejected]) -> Record:
    line = window.line
    while True:
        try:
            value, end = _DECODER.raw_decode(window.buf, window.pos)
        except json.JSONDecodeError as error:
            # Where what is read ends (a token or string cut off), the record may go on in
            # what is not read yet; anywhere else the file is broken there.
            cut = error.pos >= len(window.buf) - 8 or error.msg.startswith("Unterminated")
            if cut and window.grow():
                continue
            if cut and not window.eof:
                raise Rejected(_too_large(filename, line)) from None
            raise broken(error.msg, error.pos) from None
        except (RecursionError, ValueError):
            window.advance(_skip_value(window, filename, line))
            return Record(line, {}, problem=_too_deep())
        if end >= len(window.buf) and window.grow():
            continue  # a number may go on in what is not read yet
        window.advance(end)
        return _json_record(line, value)


def _skip_value(window: _Window, filename: str, line: int) -> int:
    """Where the array or object at the read position ends, found by counting brackets."""
    while True:
        depth = 0
        for token in _JSON_TOKEN.finditer(window.buf, window.pos):
            mark = token.group()
            if mark in "[{":
                depth += 1
            elif mark in "]}":
                depth -= 1
                if depth <= 0:
                    return token.end()
        if not window.grow():
            raise Rejected(_too_large(filename, line))


def has_surrogates(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` holds a surrogate (one search over them all)."""
    return _SURROGATE.search("".join(texts)) is not None


def undecodable(values: dict[str, Any]) -> bool:
    """Whether a record carries bytes that were not UTF-8 (decoded as surrogates) or lone
    surrogates from JSON escapes: text that no database or terminal can hold."""
    return any(_has_surrogate(value) for value in values.values())


def _has_surrogate(value: Any, pattern: re.Pattern[str] = _SURROGATE) -> bool:
    pending = [value]
    while pending:  # without recursion: JSON values may nest deep
        item = pending.pop()
        if isinstance(item, str):
            if pattern.search(item) is not None:
                return True
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return False


def _check_text(record: Record, values: dict[str, Any] | None = None) -> None:
    """Refuse a record (or the part ``values``) holding undecodable bytes or lone surrogates."""
    if not record.undecodable(values):
        return
    checked = record.fields if values is None else values
    if any(_has_surrogate(value, _UNDECODABLE) for value in checked.values()):
        raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
    raise ValueError(_("a lone surrogate such as \\ud800 is not text (the file must be UTF-8)"))


def _shown(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut short: a file may hold megabytes in one field."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(text: str) -> str:
    """A key as a report shows it: cut short when it is too long to be one."""
    return text if len(text) <= MAX_KEY else text[: MAX_KEY - 1] + "…"


# -- fields ----------------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str, limit: int = MAX_FIELD) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if type(value) is str:  # the common case, first: every CSV cell
        text = value.strip()
    elif isinstance(value, bool | dict | list):
        raise ValueError(_("{field} must be text").format(field=name))
    else:
        text = str(value).strip()
    if len(text) > limit:
        raise ValueError(_("{field} is longer than {n} characters").format(field=name, n=limit))
    return text


def _texts(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """``{name: _text(values, name)}`` for ``names``, the common case (text cells) inline."""
    texts: dict[str, Any] = {}
    for name in names:
        value = values.get(name)
        if type(value) is str:
            text = value.strip()
            if len(text) <= MAX_FIELD:
                texts[name] = text
                continue
        texts[name] = _text(values, name)
    return texts


_WHOLE = re.compile(r"-?[0-9]+")


def _whole_number(values: dict[str, Any], name: str, *, positive: bool, default: int | None) -> int:
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise ValueError(_("{field} is missing").format(field=name))
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            _("{field} must be a whole number, not {value}").format(field=name, value=_shown(value))
        )
    text = str(value).strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(
            _("{field} must be a whole number, not {value}").format(field=name, value=_shown(text))
        )
    if len(text) > 12:
        raise ValueError(
            _("{field} is implausibly large: {value}").format(field=name, value=_shown(text))
        )
    number = int(text)
    if positive and number <= 0:
        raise ValueError(_("{field} must be positive, not {value}").format(field=name, value=text))
    if number < 0:
        raise ValueError(_("{field} must not be negative").format(field=name))
    if number > MAX_QTY * 100:
        raise ValueError(_("{field} is implausibly large: {value}").format(field=name, value=text))
    return number


def parse_instant(text: str, default_tz: tzinfo = CHINA_TZ, name: str = "placed_at") -> datetime:
    """An order time: ISO 8601 (``T`` or space), offset optional (then ``default_tz``)."""
    if not text:
        raise ValueError(_("{field} is missing").format(field=name))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        if name == "placed_at":
            message = _("placed_at is not a date and time (use 2026-11-21T14:30:00+08:00): {value}")
        else:
            message = _("{field} is not a date and time (use 2026-11-21 14:30:00): {value}")
        raise ValueError(message.format(field=name, value=_shown(text))) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def order_time_window(now: datetime | None) -> tuple[datetime, datetime]:
    """The order times an import accepts: from 2000-01-01 up to a day after ``now`` (before
    2100 without a clock). Earlier or later times are typing or export mistakes, and the
    extremes (year 1, year 9999) cannot even be moved to another time zone."""
    latest = LATEST_ORDER if now is None else min(LATEST_ORDER, now + FUTURE_TOLERANCE)
    return EARLIEST_ORDER, latest


def check_order_time(moment: datetime, window: tuple[datetime, datetime]) -> datetime:
    """``moment`` if it lies in ``window``; otherwise a ValueError saying which way it is off."""
    earliest, latest = window
    # Aware datetimes compare without converting, so year 1 and year 9999 are safe here.
    if moment < earliest:
        raise ValueError(
            _("placed_at {value} is before {earliest}; check the date").format(
                value=_shown(moment.isoformat()), earliest=earliest.date().isoformat()
            )
        )
    if moment >= latest:
        raise ValueError(
            _(
                "placed_at {value} is in the future (after {latest}); check the date and the "
                "server's clock"
            ).format(value=_shown(moment.isoformat()), latest=latest.isoformat(timespec="minutes"))
        )
    return moment


def _choice(kind: type[E], values: dict[str, Any], name: str, default: E) -> E:
    text = _text(values, name).lower()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        allowed = "|".join(member.value for member in kind)
        raise ValueError(
            _("unknown {field} {value} (use {allowed})").format(
                field=name, value=_shown(text), allowed=allowed
            )
        ) from None


def _safe_key(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )


# -- orders ----------------------------------------------------------------------------------------


def parse_orders(
    content: Source, filename: str, default_tz: tzinfo = CHINA_TZ, now: datetime | None = None
) -> Parsed[OrderDraft]:
    """All drafts and rejections of an order file (see :func:`read_orders`)."""
    return Parsed[OrderDraft]().add(read_orders(content, filename, default_tz, now))


def read_orders(
    source: Source,
    filename: str,
    default_tz: tzinfo = CHINA_TZ,
    now: datetime | None = None,
    records: Callable[[], Iterator[Record]] | None = None,
    keys: Callable[[], Iterator[Record]] | None = None,
) -> Iterator[OrderDraft | Rejection]:
    """Orders from CSV (one row per line) or JSON (orders with nested ``lines``), one by one as
    the file is read. Every record ends up in a draft or in a rejection.

    A malformed order is rejected whole: nothing of it is yielded as a draft. The rows of one
    order in a CSV file must follow each other; an order number that comes back later in the
    file (or twice in a JSON file) rejects that order. A file that cannot be read to its end
    raises :class:`Rejected` before the first draft is yielded. ``now`` (the importing
    server's clock) bounds ``placed_at``: see :func:`order_time_window`.

    ``records`` (a platform export mapped to our columns, see ``core.platforms``) replaces
    reading ``source`` as our own format; it is read like a CSV file, once per pass. Its
    records may be ``skip``: they yield :class:`~core.model.Skipped`. ``keys``: the same
    records for the first pass, right in what it looks at (order number, problem, skip) and
    cheaper to make (a CSV file's order numbers only; an export's records without their
    addresses split)."""
    if records is None:
        fmt = file_format(filename)

        def records() -> Iterator[Record]:
            return read_records(source, filename, ORDER_COLUMNS)

        if fmt == "csv" and keys is None:
            keys = partial(read_records, source, filename, ORDER_COLUMNS, "order_no")
    else:
        fmt = "csv"
    apart = _orders_apart(keys or records, fmt == "csv")
    window = order_time_window(now)
    reported: set[str] = set()
    current: _RowsOfOrder | None = None
    for record in records():
        order_no = _safe_key(record.fields, "order_no")
        if record.problem is not None:
            yield Rejection(record.line, _key(order_no), record.problem)
            continue
        if record.skip is not None:
            kind = Withdrawn if record.withdrawn else Skipped
            yield kind(record.line, _key(order_no), record.skip)
            continue
        if not order_no:
            yield Rejection(record.line, "", _("order_no is missing"))
            continue
        if len(order_no) > MAX_KEY:
            yield Rejection(
                record.line,
                _key(order_no),
                _("order_no is longer than {n} characters").format(n=MAX_KEY),
            )
            continue
        if order_no in apart:
            if order_no not in reported:
                reported.add(order_no)
                yield Rejection(apart[order_no][0], order_no, _apart_reason(apart[order_no], fmt))
            continue
        if fmt != "csv":
            yield _order_from_object(order_no, record, default_tz, window)
            continue
        if current is not None and current.order_no != order_no:
            yield current.result()
            current = None
        if current is None:
            current = _RowsOfOrder(order_no, record.line, default_tz, window)
        current.add(record)
    if current is not None:
        yield current.result()


def _orders_apart(records: Callable[[], Iterator[Record]], grouped: bool) -> dict[str, list[int]]:
    """The first pass: read the whole file (refusing it if it cannot be read) and find order
    numbers whose records are apart: the lines where each of their groups of rows starts."""
    first: dict[str, int] = {}
    apart: dict[str, list[int]] = {}
    previous = None
    for record in records():
        order_no = _safe_key(record.fields, "order_no")
        if record.problem or record.skip or not order_no or len(order_no) > MAX_KEY:
            continue
        if grouped and order_no == previous:
            continue
        previous = order_no
        if order_no in first:
            starts = apart.setdefault(order_no, [first[order_no]])
            if len(starts) < 6:
                starts.append(record.line)
            else:
                starts[-1] = -1  # more than shown
        else:
            first[order_no] = record.line
    return apart


def _apart_reason(starts: list[int], fmt: str) -> str:
    lines = ", ".join(str(line) for line in starts if line > 0) + (", …" if starts[-1] < 0 else "")
    if fmt == "csv":
        return _(
            "the rows of this order are apart in the file (from lines {lines}); put an "
            "order's rows one after another"
        ).format(lines=lines)
    return _("order number appears {n} times in the file (lines {lines})").format(
        n=len(starts) if starts[-1] > 0 else f"{len(starts)}+", lines=lines
    )


class _LineError(ValueError):
    """A validation error that knows which of an order's rows it is about."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _header(
    values: dict[str, Any],
    default_tz: tzinfo,
    record: Record,
    window: tuple[datetime, datetime],
) -> dict[str, Any]:
    _check_text(record, values)
    header = _texts(values, ORDER_HEADER_FIELDS)
    header["placed_at"] = check_order_time(parse_instant(header["placed_at"], default_tz), window)
    header["priority"] = _choice(Priority, values, "priority", Priority.STANDARD)
    header["payment_status"] = _choice(
        PaymentStatus, values, "payment_status", PaymentStatus.PENDING
    )
    header["country"] = header["country"].upper() or "CN"
    header["shop"] = _text(values, "shop", MAX_KEY)
    header["buyer"] = _text(values, "buyer", MAX_KEY)
    header["merge_token"] = _text(values, "merge_token", MAX_FIELD)
    header["cod"] = _text(values, "cod").lower() in ("1", "true", "yes", "cod")
    due = _text(values, "due_at")
    header["due_at"] = (
        check_order_time(parse_instant(due, default_tz, "due_at"), window) if due else None
    )
    return header


def _line(values: dict[str, Any]) -> OrderLineDraft:
    sku = _text(values, "sku", MAX_KEY)
    if not sku:
        raise ValueError(_("sku is missing"))
    qty = _whole_number(values, "qty", positive=True, default=None)
    if qty > MAX_QTY:
        raise ValueError(_("qty {qty} is more than {max}").format(qty=qty, max=MAX_QTY))
    return OrderLineDraft(sku=sku, qty=qty, note=_text(values, "note"))


class _Lines:
    """An order's lines as its rows come: rows of the same SKU merge into one line (quantities
    added, notes joined), within the limits of lines per order and units per line."""

    def __init__(self) -> None:
        self.by_sku: dict[str, tuple[int, list[str]]] = {}

    def add(self, line: OrderLineDraft) -> None:
        qty, notes = self.by_sku.get(line.sku, (0, []))
        if not qty and len(self.by_sku) >= MAX_ORDER_LINES:
            raise ValueError(
                _("more than {n} different SKUs in one order; split the order").format(
                    n=MAX_ORDER_LINES
                )
            )
        qty += line.qty
        if qty > MAX_QTY:
            raise ValueError(
                _("the rows of SKU {sku} add up to {qty} units, more than {max}").format(
                    sku=line.sku, qty=qty, max=MAX_QTY
                )
            )
        if line.note and line.note not in notes:
            notes = [*notes, line.note]
            if len("; ".join(notes)) > MAX_FIELD:
                raise ValueError(
                    _("the notes of SKU {sku} together are longer than {n} characters").format(
                        sku=line.sku, n=MAX_FIELD
                    )
                )
        self.by_sku[line.sku] = (qty, notes)

    def drafts(self) -> tuple[OrderLineDraft, ...]:
        return tuple(
            OrderLineDraft(sku=sku, qty=qty, note="; ".join(notes))
            for sku, (qty, notes) in self.by_sku.items()
        )


class _RowsOfOrder:
    """One CSV order built row by row; the first bad row rejects it whole."""

    def __init__(
        self, order_no: str, line: int, default_tz: tzinfo, window: tuple[datetime, datetime]
    ) -> None:
        self.order_no = order_no
        self.line = line
        self.default_tz = default_tz
        self.window = window
        self.first: dict[str, Any] | None = None
        self.first_raw: tuple[Any, ...] = ()
        self.lines = _Lines()
        self.error: Rejection | None = None

    def add(self, record: Record) -> None:
        """Take one more row (ignored once the order is refused)."""
        if self.error is None:
            try:
                self._add(record)
            except ValueError as error:
                self.error = Rejection(record.line, self.order_no, str(error))

    def _add(self, record: Record) -> None:
        raw = tuple(map(record.fields.get, ORDER_HEADER_FIELDS))
        if "__extra__" in record.fields:
            raise ValueError(_("more cells than columns (an unquoted comma?)"))
        if self.first is not None and raw == self.first_raw:
            # The same header text as the first row reads the same: only the bytes of the
            # line's own fields are left to check.
            _check_text(record)
            self.lines.add(_line(record.fields))
            return
        header = _header(record.fields, self.default_tz, record, self.window)
        self.lines.add(_line(record.fields))
        if self.first is None:
            self.first, self.first_raw = header, raw
            return
        for name in ORDER_HEADER_FIELDS:
            if header[name] != self.first[name]:
                raise ValueError(
                    _("{field} {value} disagrees with line {first_line} ({first})").format(
                        field=name,
                        value=_shown(str(header[name])),
                        first_line=self.line,
                        first=_shown(str(self.first[name])),
                    )
                )

    def result(self) -> OrderDraft | Rejection:
        """The draft, or the rejection naming the first bad row."""
        if self.error is not None:
            return self.error
        assert self.first is not None
        return _draft(self.order_no, self.first, self.lines.drafts(), self.line)


def _order_from_object(
    order_no: str, record: Record, default_tz: tzinfo, window: tuple[datetime, datetime]
) -> OrderDraft | Rejection:
    try:
        header = _header(
            {k: v for k, v in record.fields.items() if k != "lines"}, default_tz, record, window
        )
        raw_lines = record.fields.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ValueError(_("lines is missing or empty"))
        lines = _Lines()
        for index, raw in enumerate(raw_lines, start=1):
            if not isinstance(raw, dict):
                raise ValueError(_("line {n} is not an object").format(n=index))
            try:
                _check_text(record, raw)
                lines.add(_line(raw))
            except ValueError as error:
                raise ValueError(_("line {n}: {error}").format(n=index, error=error)) from None
    except ValueError as error:
        return Rejection(record.line, order_no, str(error))
    return _draft(order_no, header, lines.drafts(), record.line)


def _draft(
    order_no: str, header: dict[str, Any], lines: tuple[OrderLineDraft, ...], line: int
) -> OrderDraft:
    return OrderDraft(
        order_no=order_no,
        channel=header["channel"],
        placed_at=header["placed_at"],
        priority=header["priority"],
        payment_status=header["payment_status"],
        customer_name=header["customer_name"],
        phone=header["phone"],
        country=header["country"],
        province=header["province"],
        city=header["city"],
        district=header["district"],
        address=header["address"],
        postcode=header["postcode"],
        lines=lines,
        source_line=line,
        shop=header["shop"],
        due_at=header["due_at"],
        buyer=header["buyer"],
        cod=header["cod"],
        merge_token=header["merge_token"],
    )


# -- products and bins -----------------------------------------------------------------------------


def parse_products(content: Source, filename: str) -> Parsed[ProductDraft]:
    """All drafts and rejections of a product file (see :func:`read_products`)."""
    return Parsed[ProductDraft]().add(read_products(content, filename))


def read_products(source: Source, filename: str) -> Iterator[ProductDraft | Rejection]:
    """Products from CSV or JSON, one by one as the file is read; a product with a bad barcode
    or number is rejected whole, a SKU seen before in the file is rejected as a duplicate. A
    file that cannot be read to its end raises :class:`Rejected` before the first draft."""
    check_readable(source, filename, PRODUCT_COLUMNS)
    seen: dict[str, int] = {}
    for record in read_records(source, filename, PRODUCT_COLUMNS):
        values = record.fields
        sku = _safe_key(values, "sku")
        try:
            if record.problem is not None:
                raise ValueError(record.problem)
            if not sku:
                raise ValueError(_("sku is missing"))
            if len(sku) > MAX_KEY:
                raise ValueError(_("sku is longer than {n} characters").format(n=MAX_KEY))
            _check_text(record)
            if "__extra__" in values:
                raise ValueError(_("more cells than columns (an unquoted comma?)"))
            if sku in seen:
                raise ValueError(_("duplicate of line {line}").format(line=seen[sku]))
            name = _text(values, "name")
            if not name:
                raise ValueError(_("name is missing"))
            draft = ProductDraft(
                sku=sku,
                name=name,
                barcodes=_barcodes(values.get("barcodes")),
                location=_text(values, "location", MAX_KEY).upper(),
                on_hand=_whole_number(values, "on_hand", positive=False, default=None),
                safety_stock=_whole_number(values, "safety_stock", positive=False, default=0),
                weight_g=_whole_number(values, "weight_g", positive=False, default=0),
                source_line=record.line,
                category=_text(values, "category", MAX_KEY) if "category" in values else None,
                ships_alone=_flag(values, "ships_alone") if "ships_alone" in values else None,
                lot_tracked=_flag(values, "lot_tracked") if "lot_tracked" in values else None,
                shelf_days=_shelf_days(values) if "shelf_days" in values else None,
            )
        except (ValueError, InvalidBarcode) as error:
            yield Rejection(record.line, _key(sku), str(error))
            if sku and len(sku) <= MAX_KEY:
                seen.setdefault(sku, record.line)
            continue
        seen[sku] = record.line
        yield draft


#: How a products file may say yes or no in a flag column (``ships_alone``).
_YES = ("1", "true", "yes", "y", "是")
_NO = ("", "0", "false", "no", "n", "否")


def _flag(values: dict[str, Any], name: str) -> bool:
    value = values.get(name)
    if isinstance(value, bool):
        return value
    text = _text(values, name).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(_("{field} must be 1 or 0 (yes or no)").format(field=name))


#: The longest do-not-ship window before expiry a product may have (ten years): more is a typo.
MAX_SHELF_DAYS = 3650


def _given(values: dict[str, Any], name: str) -> bool:
    """True when an optional column has a value on this record (an empty cell leaves the stored
    value as it was)."""
    value = values.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _shelf_days(values: dict[str, Any]) -> int:
    days = _whole_number(values, "shelf_days", positive=False, default=0)
    if days > MAX_SHELF_DAYS:
        raise ValueError(
            _("shelf_days is at most {n} (days before expiry a lot stops shipping)").format(
                n=MAX_SHELF_DAYS
            )
        )
    return days


def _barcodes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, dict) or (isinstance(value, str) and len(value) > MAX_FIELD * 4):
        raise ValueError(_("barcodes must be codes separated by |"))
    items = value if isinstance(value, list) else str(value).split("|")
    codes: list[str] = []
    for item in items:
        if isinstance(item, dict | list):
            raise ValueError(_("barcodes must be codes separated by |"))
        text = str(item).strip()
        if text:
            code = normalize_barcode(text)
            if code not in codes:
                codes.append(code)
            if len(codes) > MAX_BARCODES:
                raise ValueError(_("more than {n} barcodes for one product").format(n=MAX_BARCODES))
    return tuple(codes)


@dataclass(frozen=True)
class LocationDraft:
    """A bin and its place in the walk; optionally its kind (None: the stored kind stays) and,
    for a pick face, its minimum and maximum (None: none), each set only when named in
    ``given`` (the file has the column)."""

    code: str
    sequence: int
    source_line: int = 0
    kind: BinKind | None = None
    min_units: int | None = None
    max_units: int | None = None
    given: frozenset[str] = frozenset()


#: How a locations file may name a bin kind besides its value (``pick_face`` …).
BIN_KIND_WORDS = {
    "pick face": BinKind.PICK_FACE,
    "pick-face": BinKind.PICK_FACE,
    "拣货位": BinKind.PICK_FACE,
    "存储位": BinKind.RESERVE,
    "收货区": BinKind.RECEIVING,
    "退货区": BinKind.RETURNS,
    "次品区": BinKind.DAMAGED,
}


def _bin_kind(values: dict[str, Any]) -> BinKind | None:
    if not _given(values, "kind"):
        return None
    value = values["kind"]
    text = " ".join(str(value).split()).lower() if isinstance(value, str) else ""
    if text in BIN_KIND_WORDS:
        return BIN_KIND_WORDS[text]
    try:
        return BinKind(text)
    except ValueError:
        raise ValueError(
            _("kind must be one of {known}, not {value}").format(
                known=", ".join(k.value for k in BinKind), value=_shown(value)
            )
        ) from None


def parse_locations(content: Source, filename: str) -> Parsed[LocationDraft]:
    """Bins with their walk sequence (``code,sequence``), and where the file has them their kind
    (``kind``) and a pick face's minimum and maximum (``min_units``, ``max_units``)."""
    result: Parsed[LocationDraft] = Parsed()
    for record in read_records(content, filename, LOCATION_COLUMNS):
        code = _safe_key(record.fields, "code").upper()
        try:
            if record.problem is not None:
                raise ValueError(record.problem)
            if not code:
                raise ValueError(_("code is missing"))
            if len(code) > MAX_KEY:
                raise ValueError(_("code is longer than {n} characters").format(n=MAX_KEY))
            _check_text(record)
            values = record.fields
            sequence = _whole_number(values, "sequence", positive=False, default=None)
            kind = _bin_kind(values)
            min_units, max_units = (
                _whole_number(values, name, positive=False, default=0)
                if _given(values, name)
                else None
                for name in ("min_units", "max_units")
            )
            given = frozenset(name for name in LOCATION_OPTIONAL if name in values)
        except ValueError as error:
            result.rejected.append(Rejection(record.line, _key(code), str(error)))
            continue
        result.drafts.append(
            LocationDraft(code, sequence, record.line, kind, min_units, max_units, given)
        )
    return result
