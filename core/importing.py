"""Reading catalog, bin and order files into validated drafts; every refusal names line and reason.

Pure: takes the file's bytes and its name, returns drafts and rejections. Storing is data/'s job.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Generic, TypeVar

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
)

#: China Standard Time, the default for order times written without an offset.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

PRODUCT_COLUMNS = ("sku", "name", "barcodes", "location", "on_hand", "safety_stock", "weight_g")
LOCATION_COLUMNS = ("code", "sequence")
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
_REQUIRED_ORDER_COLUMNS = ("order_no", "placed_at", "sku", "qty")
_MAX_FIELD = 500
_MAX_QTY = 100_000
#: What ``surrogateescape`` turns an undecodable byte into (searched in C, not char by char).
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Record:
    """One input record: the file line it starts on and its fields as text (or JSON values)."""

    line: int
    fields: dict[str, Any]
    #: True when the whole file was UTF-8, so no field can hold undecodable bytes.
    clean: bool = False

    def undecodable(self, values: dict[str, Any] | None = None) -> bool:
        """Whether this record (or ``values`` taken from it) carries undecodable bytes."""
        return not self.clean and undecodable(self.fields if values is None else values)


T = TypeVar("T")
E = TypeVar("E", Priority, PaymentStatus)


@dataclass
class Parsed(Generic[T]):
    """Drafts that passed, rejections that did not."""

    drafts: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def file_format(filename: str) -> str:
    """``csv``, ``json`` or ``jsonl`` from the file name; anything else is refused."""
    lower = filename.lower()
    for ext in ("csv", "jsonl", "json"):
        if lower.endswith("." + ext):
            return ext
    raise Rejected(_("{name}: unknown file type; use .csv, .json or .jsonl").format(name=filename))


def read_records(content: bytes, filename: str, columns: tuple[str, ...]) -> Iterator[Record]:
    """Yield the records of a CSV/JSON/JSONL file. A file that cannot be read at all raises
    :class:`Rejected` naming the line; undecodable bytes inside a record are kept as surrogates
    so that only that record is refused (see :func:`undecodable`)."""
    fmt = file_format(filename)
    text = content.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    clean = _SURROGATE.search(text) is None  # one search, instead of one per field
    if fmt == "csv":
        yield from _csv_records(text, filename, columns, clean)
    elif fmt == "jsonl":
        # JSON strings may hold U+2028 and friends unescaped: records end at \n only.
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                yield Record(number, _json_object(line, number, filename), clean)
    else:
        yield from _json_array_records(text, filename, clean)


def _csv_records(
    text: str, filename: str, columns: tuple[str, ...], clean: bool
) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
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
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                values: dict[str, Any] = dict(zip(header, cells, strict=False))
                if len(row) > len(header):
                    values["__extra__"] = row[len(header) :]
                yield Record(start, values, clean)
            start = reader.line_num + 1
    except csv.Error as error:
        raise Rejected(
            _("{name} line {line}: {error}").format(name=filename, line=start, error=error)
        ) from None


def _required_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    if columns == ORDER_COLUMNS:
        return _REQUIRED_ORDER_COLUMNS
    if columns == PRODUCT_COLUMNS:
        return ("sku", "name", "barcodes", "on_hand")
    return columns


def _json_object(line: str, number: int, filename: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise Rejected(
            _("{name} line {line}: not JSON ({error})").format(
                name=filename, line=number, error=error.msg
            )
        ) from None
    if not isinstance(value, dict):
        raise Rejected(
            _("{name} line {line}: expected an object").format(name=filename, line=number)
        )
    return value


def _json_array_records(text: str, filename: str, clean: bool) -> Iterator[Record]:
    """Walk a top-level JSON array element by element so each record knows its line."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise Rejected(_("{name}: expected a JSON array of records").format(name=filename))
    position = _skip_space(text, position + 1)
    records: list[Record] = []
    try:
        if position < len(text) and text[position] == "]":
            return
        while True:
            line = text.count("\n", 0, position) + 1
            value, position = decoder.raw_decode(text, position)
            if not isinstance(value, dict):
                raise Rejected(
                    _("{name} line {line}: expected an object").format(name=filename, line=line)
                )
            records.append(Record(line, value, clean))
            position = _skip_space(text, position)
            if position < len(text) and text[position] == ",":
                position = _skip_space(text, position + 1)
                continue
            if position < len(text) and text[position] == "]":
                position = _skip_space(text, position + 1)
                if position < len(text):
                    raise json.JSONDecodeError("extra data after the array", text, position)
                break
            raise json.JSONDecodeError("expected ',' or ']'", text, position)
    except json.JSONDecodeError as error:
        raise Rejected(
            _("{name} line {line}: not valid JSON ({error})").format(
                name=filename, line=error.lineno, error=error.msg
            )
        ) from None
    yield from records


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def undecodable(values: dict[str, Any]) -> bool:
    """Whether a record carries bytes that were not UTF-8 (decoded as surrogates)."""
    return any(_has_surrogate(value) for value in values.values())


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(item) for item in value.values())
    return False


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if type(value) is str:  # the common case, first: every CSV cell
        text = value.strip()
    elif isinstance(value, bool | dict | list):
        raise ValueError(_("{field} must be text").format(field=name))
    else:
        text = str(value).strip()
    if len(text) > _MAX_FIELD:
        raise ValueError(
            _("{field} is longer than {n} characters").format(field=name, n=_MAX_FIELD)
        )
    return text


def _whole_number(values: dict[str, Any], name: str, *, positive: bool, default: int | None) -> int:
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise ValueError(_("{field} is missing").format(field=name))
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            _("{field} must be a whole number, not {value!r}").format(field=name, value=value)
        )
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(
            _("{field} must be a whole number, not {value!r}").format(field=name, value=text)
        )
    number = int(text)
    if positive and number <= 0:
        raise ValueError(_("{field} must be positive, not {value}").format(field=name, value=text))
    if number < 0:
        raise ValueError(_("{field} must not be negative").format(field=name))
    if number > _MAX_QTY * 100:
        raise ValueError(_("{field} is implausibly large: {value}").format(field=name, value=text))
    return number


def parse_instant(text: str, default_tz: tzinfo = CHINA_TZ) -> datetime:
    """An order time: ISO 8601 (``T`` or space), offset optional (then ``default_tz``)."""
    if not text:
        raise ValueError(_("placed_at is missing"))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _("placed_at is not a date and time (use 2026-11-21T14:30:00+08:00): {value!r}").format(
                value=text
            )
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
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
            _("unknown {field} {value!r} (use {allowed})").format(
                field=name, value=text, allowed=allowed
            )
        ) from None


def parse_orders(
    content: bytes, filename: str, default_tz: tzinfo = CHINA_TZ
) -> Parsed[OrderDraft]:
    """Orders from CSV (one row per line) or JSON (orders with nested ``lines``).

    A malformed order is rejected whole: nothing of it is returned as a draft."""
    fmt = file_format(filename)
    result: Parsed[OrderDraft] = Parsed()
    groups: dict[str, list[Record]] = {}
    for record in read_records(content, filename, ORDER_COLUMNS):
        order_no = _safe_key(record.fields, "order_no")
        if not order_no:
            result.rejected.append(Rejection(record.line, "", _("order_no is missing")))
            continue
        groups.setdefault(order_no, []).append(record)
    for order_no, records in groups.items():
        try:
            if fmt == "csv":
                draft = _order_from_rows(order_no, records, default_tz)
            else:
                if len(records) > 1:
                    raise ValueError(
                        _("order number appears {n} times in the file (lines {lines})").format(
                            n=len(records), lines=", ".join(str(r.line) for r in records)
                        )
                    )
                draft = _order_from_object(order_no, records[0], default_tz)
        except ValueError as error:
            result.rejected.append(Rejection(_error_line(error, records), order_no, str(error)))
            continue
        result.drafts.append(draft)
    return result


class _LineError(ValueError):
    """A validation error that knows which of an order's rows it is about."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _error_line(error: ValueError, records: list[Record]) -> int:
    return error.line if isinstance(error, _LineError) else records[0].line


def _safe_key(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )


def _header(values: dict[str, Any], default_tz: tzinfo, record: Record) -> dict[str, Any]:
    if record.undecodable(values):
        raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
    header: dict[str, Any] = {name: _text(values, name) for name in ORDER_HEADER_FIELDS}
    header["placed_at"] = parse_instant(header["placed_at"], default_tz)
    header["priority"] = _choice(Priority, values, "priority", Priority.STANDARD)
    header["payment_status"] = _choice(
        PaymentStatus, values, "payment_status", PaymentStatus.PENDING
    )
    header["country"] = header["country"].upper() or "CN"
    return header


def _line(values: dict[str, Any]) -> OrderLineDraft:
    sku = _text(values, "sku")
    if not sku:
        raise ValueError(_("sku is missing"))
    qty = _whole_number(values, "qty", positive=True, default=None)
    if qty > _MAX_QTY:
        raise ValueError(_("qty {qty} is more than {max}").format(qty=qty, max=_MAX_QTY))
    return OrderLineDraft(sku=sku, qty=qty, note=_text(values, "note"))


def _order_from_rows(order_no: str, records: list[Record], default_tz: tzinfo) -> OrderDraft:
    first: dict[str, Any] | None = None
    first_raw: tuple[Any, ...] = ()
    lines: list[OrderLineDraft] = []
    for record in records:
        raw = tuple(record.fields.get(name) for name in ORDER_HEADER_FIELDS)
        try:
            if "__extra__" in record.fields:
                raise ValueError(_("more cells than columns (an unquoted comma?)"))
            if first is not None and raw == first_raw:
                # The same header text as the first row reads the same: only the bytes of the
                # line's own fields are left to check.
                if record.undecodable():
                    raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
                lines.append(_line(record.fields))
                continue
            header = _header(record.fields, default_tz, record)
            lines.append(_line(record.fields))
        except ValueError as error:
            raise _LineError(record.line, str(error)) from None
        if first is None:
            first, first_raw = header, raw
            continue
        for name in ORDER_HEADER_FIELDS:
            if header[name] != first[name]:
                raise _LineError(
                    record.line,
                    _("{field} {value!r} disagrees with line {first_line} ({first!r})").format(
                        field=name,
                        value=str(header[name]),
                        first_line=records[0].line,
                        first=str(first[name]),
                    ),
                )
    assert first is not None
    return _draft(order_no, first, lines, records[0].line)


def _order_from_object(order_no: str, record: Record, default_tz: tzinfo) -> OrderDraft:
    header = _header({k: v for k, v in record.fields.items() if k != "lines"}, default_tz, record)
    raw_lines = record.fields.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise ValueError(_("lines is missing or empty"))
    lines = []
    for index, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            raise ValueError(_("line {n} is not an object").format(n=index))
        if record.undecodable(raw):
            raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
        try:
            lines.append(_line(raw))
        except ValueError as error:
            raise ValueError(_("line {n}: {error}").format(n=index, error=error)) from None
    return _draft(order_no, header, lines, record.line)


def _draft(
    order_no: str, header: dict[str, Any], lines: list[OrderLineDraft], line: int
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
        lines=tuple(lines),
        source_line=line,
    )


def parse_products(content: bytes, filename: str) -> Parsed[ProductDraft]:
    """Products from CSV or JSON; a product with a bad barcode or number is rejected whole."""
    result: Parsed[ProductDraft] = Parsed()
    seen: dict[str, int] = {}
    for record in read_records(content, filename, PRODUCT_COLUMNS):
        values = record.fields
        sku = _safe_key(values, "sku")
        try:
            if not sku:
                raise ValueError(_("sku is missing"))
            if record.undecodable():
                raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
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
                location=_text(values, "location").upper(),
                on_hand=_whole_number(values, "on_hand", positive=False, default=None),
                safety_stock=_whole_number(values, "safety_stock", positive=False, default=0),
                weight_g=_whole_number(values, "weight_g", positive=False, default=0),
                source_line=record.line,
            )
        except (ValueError, InvalidBarcode) as error:
            result.rejected.append(Rejection(record.line, sku, str(error)))
            if sku:
                seen.setdefault(sku, record.line)
            continue
        seen[sku] = record.line
        result.drafts.append(draft)
    return result


def _barcodes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split("|")
    codes: list[str] = []
    for item in items:
        text = str(item).strip()
        if text:
            code = normalize_barcode(text)
            if code not in codes:
                codes.append(code)
    return tuple(codes)


@dataclass(frozen=True)
class LocationDraft:
    """A bin and its place in the walk."""

    code: str
    sequence: int
    source_line: int = 0


def parse_locations(content: bytes, filename: str) -> Parsed[LocationDraft]:
    """Bins with their walk sequence (``code,sequence``)."""
    result: Parsed[LocationDraft] = Parsed()
    for record in read_records(content, filename, LOCATION_COLUMNS):
        code = _safe_key(record.fields, "code").upper()
        try:
            if not code:
                raise ValueError(_("code is missing"))
            if record.undecodable():
                raise ValueError(_("undecodable bytes (the file must be UTF-8)"))
            sequence = _whole_number(record.fields, "sequence", positive=False, default=None)
        except ValueError as error:
            result.rejected.append(Rejection(record.line, code, str(error)))
            continue
        result.drafts.append(LocationDraft(code, sequence, record.line))
    return result
