"""Platform order exports in: profiles loaded, encodings detected, CSV and .xlsx read as rows.

The mapping is core's (``core.platforms``); this module reads bytes: it detects each file's
encoding with charset-normalizer (GBK/GB18030, UTF-8, UTF-8 with a BOM), reads CSV as a text
stream and .xlsx with openpyxl in read-only mode (row by row), and hands the rows to the order
import, which stores them as it stores our own files (limits, per-line reasons, idempotency).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Generator, Iterator
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

from core.errors import Rejected
from core.i18n import _
from core.importing import ADDRESS_COLUMNS, read_orders, read_records
from core.model import ImportReport, OrderStatus, Rejection
from core.platforms import (
    Divisions,
    FileMapping,
    Guess,
    OrderHeaders,
    Profile,
    Row,
    choose,
    divisions_from_codes,
    export_records,
    profile_from_dict,
    recipient,
    unknown_layout,
)
from core.roles import Permission
from data.catalog import Progress
from data.orders import import_orders, re_review, store_orders
from data.shipments import live_shipment
from data.store import Actor, Store

#: Bytes of a file looked at to tell its encoding.
_SAMPLE = 1 << 18
#: Names the CLI accepts besides the bundled profiles' own.
AUTO, GENERIC = "auto", "generic"


def _bundled() -> Any:
    return resources.files("data") / "platforms"


@cache
def bundled_profiles() -> tuple[Profile, ...]:
    """The profiles shipped with wareterm (data/platforms/*.json), by name."""
    profiles = []
    for entry in sorted(_bundled().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            profiles.append(profile_from_dict(json.loads(entry.read_text("utf-8")), entry.name))
    return tuple(profiles)


def platform_names() -> list[str]:
    """What ``--platform`` accepts."""
    return [AUTO, *(p.name for p in bundled_profiles()), GENERIC]


def load_profile(path: Path) -> Profile:
    """A custom profile from a JSON file (same shape as the bundled ones)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise Rejected(
            _("cannot read {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected(
            _("{path}: not a JSON profile ({error})").format(path=path, error=error)
        ) from None
    return profile_from_dict(data, path.name)


@cache
def divisions() -> Divisions:
    """China's divisions (data/platforms/divisions.csv: code,name), for splitting addresses."""
    text = (_bundled() / "divisions.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return divisions_from_codes((row[0], row[1]) for row in reader if len(row) >= 2)


# -- encodings -----------------------------------------------------------------------------------


def detect_encoding(sample: bytes, hints: tuple[str, ...], name: str) -> str:
    """The encoding of a file from its first bytes, found by charset-normalizer among the
    encodings the platforms write (``hints``). A BOM wins; plain ASCII reads as UTF-8."""
    import charset_normalizer

    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if len(sample) >= _SAMPLE and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # never cut a character in two
    if not sample.strip():
        return "utf-8"
    candidates = sorted({"utf_8", *(codecs.lookup(h).name.replace("-", "_") for h in hints)})
    best = charset_normalizer.from_bytes(sample, cp_isolation=candidates).best()
    if best is None:
        # Nothing it trusts (a short sample, control characters): the first of the encodings
        # the platforms write that reads the whole sample as text.
        for encoding in ("utf-8", *hints):
            try:
                sample.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
            found = codecs.lookup(encoding).name
            return "gb18030" if found in ("gbk", "gb2312") else found
        raise Rejected(
            _(
                "{name}: cannot tell the file's encoding (tried {encodings}); save it as UTF-8"
            ).format(name=name, encodings=", ".join(candidates))
        )
    found = codecs.lookup(best.encoding).name
    if found in ("ascii", "utf-8"):
        return "utf-8"
    # GB18030 reads every GBK and GB2312 file, and the characters they lack.
    return "gb18030" if found in ("gbk", "gb2312", "gb18030") else found


def _sample(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(_SAMPLE)


class _Recoded(io.RawIOBase):
    """A file in another encoding read as UTF-8 bytes; undecodable bytes stay undecodable, so
    the import refuses only the records that hold them."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        super().__init__()
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._text.read(1 << 16)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8", "surrogateescape")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._text.close()
        super().close()


def utf8_source(path: Path, hints: tuple[str, ...] = ("gb18030",)) -> Callable[[], IO[bytes]]:
    """A function opening ``path`` as UTF-8 bytes whatever encoding it was written in."""
    encoding = detect_encoding(_sample(path), hints, path.name)

    def open_file() -> IO[bytes]:
        raw = path.open("rb")
        if encoding in ("utf-8", "utf-8-sig"):
            return raw
        return io.BufferedReader(_Recoded(raw, encoding))

    return open_file


# -- rows ----------------------------------------------------------------------------------------


class ExportFile:
    """One file of an export: its name, header and rows (CSV in its encoding, or .xlsx)."""

    def __init__(self, path: Path, hints: tuple[str, ...]) -> None:
        self.path = path
        self.name = path.name
        lower = self.name.lower()
        if lower.endswith(".xls"):
            raise Rejected(
                _("{name}: old Excel .xls files are not read; save it as .xlsx or .csv").format(
                    name=self.name
                )
            )
        self.xlsx = lower.endswith((".xlsx", ".xlsm"))
        if not self.xlsx and not lower.endswith((".csv", ".txt")):
            raise Rejected(
                _("{name}: unknown file type; use .csv, .json, .jsonl or .xlsx").format(
                    name=self.name
                )
            )
        self.encoding = "" if self.xlsx else detect_encoding(_sample(path), hints, self.name)
        reading = self._read()
        try:
            self.header = next(reading, (1, []))[1]
        finally:
            reading.close()  # an .xlsx workbook is closed at once
        if not any(cell.strip() for cell in self.header):
            raise Rejected(_("{name}: the file is empty").format(name=self.name))

    def rows(self) -> Iterator[Row]:
        """The rows after the header, with their line (or sheet row) numbers; blank rows left out."""
        reading = self._read()
        next(reading, None)
        for line, cells in reading:
            if "".join(cells).strip():  # a cell that is not blank
                yield line, cells

    def _read(self) -> Generator[Row, None, None]:
        return self._xlsx_rows() if self.xlsx else self._csv_rows()

    def _csv_rows(self) -> Generator[Row, None, None]:
        with self.path.open(encoding=self.encoding, errors="surrogateescape", newline="") as text:
            reader = csv.reader(text)
            start = 1
            try:
                for row in reader:
                    yield start, row
                    start = reader.line_num + 1
            except csv.Error as error:
                raise Rejected(
                    _("{name} line {line}: {error}").format(name=self.name, line=start, error=error)
                ) from None

    def _xlsx_rows(self) -> Generator[Row, None, None]:
        import openpyxl

        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a file that is not a sheet
            raise Rejected(
                _("{name}: not a readable .xlsx file ({error})").format(name=self.name, error=error)
            ) from None
        try:
            sheet = book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(value) for value in values]
        finally:
            book.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # order numbers and quantities typed as numbers
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# -- import --------------------------------------------------------------------------------------


def _is_generic(path: Path) -> bool:
    lower = path.name.lower()
    if lower.endswith((".json", ".jsonl")):
        return True
    if not lower.endswith(".csv"):
        return False
    first = _sample(path).split(b"\n", 1)[0].lstrip(codecs.BOM_UTF8)
    return b"order_no" in first.lower()


def import_platform_orders(
    store: Store,
    actor: Actor,
    paths: list[Path],
    platform: str = AUTO,
    shop: str = "",
    profile: Profile | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a platform's order export (one file, or Taobao's two) or our own format.

    ``platform`` names a bundled profile, ``auto`` (told from the headers and file names) or
    ``generic``; ``profile`` (a custom one) overrides it. An export no profile fits, or half of
    a two-file export, is refused naming what was expected."""
    if profile is None and (
        platform == GENERIC or (platform == AUTO and len(paths) == 1 and _is_generic(paths[0]))
    ):
        if len(paths) != 1:
            raise Rejected(_("our own order format comes as one file"))
        path = paths[0]
        if not path.name.lower().endswith(".csv") or _plain_utf8(path):
            return import_orders(store, actor, path, path.name, progress, shop=shop)
        # Our own CSV written by a spreadsheet in GBK: read as UTF-8, stored the same way.
        items = read_orders(utf8_source(path), path.name, now=store.clock.now())
        return store_orders(store, actor, items, path.name, progress, shop)
    profiles = (profile,) if profile else _profiles_for(platform)
    hints = tuple(dict.fromkeys(h for p in profiles for h in p.encodings))
    files = [ExportFile(path, hints) for path in paths]
    seen = [(f.name, f.header) for f in files]
    best = choose(profiles, seen)
    if not best.complete:
        raise Rejected(unknown_layout(best, seen))
    return _import_export(store, actor, best, files, shop, progress)


def _plain_utf8(path: Path) -> bool:
    sample = _sample(path)
    return detect_encoding(sample, ("gb18030",), path.name) in ("utf-8", "utf-8-sig")


def _profiles_for(platform: str) -> tuple[Profile, ...]:
    profiles = bundled_profiles()
    if platform == AUTO:
        return profiles
    chosen = tuple(p for p in profiles if p.name == platform)
    if not chosen:
        raise Rejected(
            _("no profile for platform {platform}; use one of {known}, or --profile FILE").format(
                platform=platform, known=", ".join(platform_names())
            )
        )
    return chosen


def _import_export(
    store: Store,
    actor: Actor,
    best: Guess,
    files: list[ExportFile],
    shop: str,
    progress: Progress | None,
) -> ImportReport:
    profile = best.profile
    by_role: dict[str, tuple[ExportFile, FileMapping]] = {}
    for index, (role, positions) in best.assigned.items():
        by_role[role] = (files[index], FileMapping(profile, positions, files[index].name))
    lines_file, lines_map = by_role["lines"]
    orders_file, orders_map = by_role.get("orders", (None, None))
    table = divisions() if profile.address_one_string else None
    # the first pass reads the order file whole, the second takes its headers from there
    headers: OrderHeaders = {}

    def records(keys_only: bool = False) -> Iterator[Any]:
        return export_records(
            profile,
            lines_map,
            lines_file.rows,
            shop=shop,
            divisions=table,
            orders_file=orders_map,
            orders_rows=orders_file.rows if orders_file else None,
            keys_only=keys_only,
            orders_read=headers,
        )

    name = lines_file.name
    # The first pass looks at order numbers, problems and skips only.
    items = read_orders(
        b"", name, now=store.clock.now(), records=records, keys=lambda: records(True)
    )
    return store_orders(store, actor, items, name, progress)


# -- decrypted addresses -------------------------------------------------------------------------

#: Orders whose recipient may still change: nothing printed for them yet.
_ADDRESSABLE = {
    OrderStatus.RECEIVED,
    OrderStatus.ON_HOLD,
    OrderStatus.ALLOCATED,
    OrderStatus.BACKORDERED,
    OrderStatus.PICKING,
    OrderStatus.PICKED,
    OrderStatus.PACKING,
    OrderStatus.EXCEPTION,
}


def import_addresses(store: Store, actor: Actor, path: Path) -> ImportReport:
    """Set the recipients of orders a platform exported masked, from a file of decrypted ones
    (``order_no,customer_name,phone,province,city,district,address,postcode``; the address may
    be one string). A held order is reviewed again: without masked text it is released to
    allocation. An order with a label printed, or gone, is rejected with the reason."""
    report = ImportReport("addresses")
    source = utf8_source(path) if path.name.lower().endswith(".csv") else _opener(path)
    table = divisions()
    for record in read_records(source, path.name, ADDRESS_COLUMNS):
        order_no = str(record.fields.get("order_no", "")).strip()
        try:
            if record.problem is not None:
                raise ValueError(record.problem)
            if record.undecodable():
                raise ValueError(_("undecodable bytes"))
            found = recipient(record.fields, table)
        except ValueError as error:
            report.rejected.append(Rejection(record.line, order_no[:64], str(error)))
            continue
        with store.write(actor) as write:
            write.require(Permission.RELEASE_HOLD)
            row = write.execute(
                "SELECT status FROM orders WHERE order_no = ?", (found.order_no,)
            ).fetchone()
            reason = None
            if row is None:
                reason = _("no such order")
            elif OrderStatus(row["status"]) not in _ADDRESSABLE:
                reason = _("order is {status}; its recipient can no longer change").format(
                    status=row["status"]
                )
            elif live_shipment(write.conn, found.order_no) is not None:
                reason = _("a label is printed for it; void the shipment first")
            if reason is not None:
                report.rejected.append(Rejection(record.line, found.order_no, reason))
                write.audit("order.address", found.order_no, rejected=reason)
                continue
            write.execute(
                "UPDATE orders SET customer_name = ?, phone = ?, province = ?, city = ?,"
                " district = ?, address = ?, postcode = ?, updated_at = ? WHERE order_no = ?",
                (
                    found.customer_name,
                    found.phone,
                    found.province,
                    found.city,
                    found.district,
                    found.address,
                    found.postcode,
                    write.now,
                    found.order_no,
                ),
            )
            status = re_review(write, found.order_no)
            write.audit("order.address", found.order_no, status=status.value)
            report.updated.append(found.order_no)
            if status is OrderStatus.ON_HOLD:
                report.held.append(found.order_no)
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    def open_file() -> IO[bytes]:
        return path.open("rb")

    return open_file
