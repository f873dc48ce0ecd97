"""Waybill numbers (运单号): checking them, reading pool files and ranges, and the port a
shipment takes its numbers through (a local pool today, a carrier's 电子面单 API later)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from core.errors import Rejected
from core.i18n import _
from core.model import Rejection

#: Characters and length of a waybill number (what Code 128 on the label carries well).
_NUMBER = re.compile(r"^[A-Z0-9-]{6,32}$")
#: Most numbers one file or one range may add (a typo in a range must not add billions).
MAX_NUMBERS = 100_000


def waybill_number(text: str) -> str:
    """A waybill number as stored: trimmed and upper-cased; raises Rejected unless it is 6–32
    characters of A–Z, 0–9 and ``-``."""
    number = text.strip().upper()
    if not _NUMBER.match(number):
        shown = text.strip()
        if len(shown) > 40:
            shown = shown[:40] + "…"
        raise Rejected(
            _("{number!r} is not a waybill number (6–32 characters: A–Z, 0–9, '-')").format(
                number=shown
            )
        )
    return number


def parse_number_file(content: bytes) -> tuple[list[tuple[int, str]], list[Rejection]]:
    """The numbers of a pool file, one per line, with their line numbers; blank lines and lines
    starting with ``#`` are skipped. Lines that are not a waybill number (or not UTF-8) come back
    as rejections by line; repeats are the caller's business (they may repeat stored numbers
    too). UTF-8 with or without a BOM; CRLF line ends are fine."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    numbers: list[tuple[int, str]] = []
    rejected: list[Rejection] = []
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line_no, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            rejected.append(Rejection(line_no, "", _("not UTF-8 text")))
            continue
        if not text or text.startswith("#"):
            continue
        try:
            numbers.append((line_no, waybill_number(text)))
        except Rejected as error:
            rejected.append(Rejection(line_no, text[:40], str(error)))
    if len(numbers) > MAX_NUMBERS:
        raise Rejected(
            _("the file holds {n} numbers; add at most {max} at a time (split the file)").format(
                n=len(numbers), max=MAX_NUMBERS
            )
        )
    return numbers, rejected


_HEAD_DIGITS = re.compile(r"^(.*?)([0-9]+)$")


def number_range(start: str, end: str, prefix: str = "") -> list[str]:
    """Every number from ``start`` to ``end``: ``SF1000000001`` … ``SF1000000500``, or ``0001``
    … ``0500`` with ``prefix="SF"``. Both ends share the letters before their digits; the
    digits keep the width of ``start`` (leading zeros). Raises Rejected for a backward range, one
    of more than :data:`MAX_NUMBERS`, or numbers that are not waybill numbers."""
    first = _HEAD_DIGITS.match(start.strip().upper())
    last = _HEAD_DIGITS.match(end.strip().upper())
    if first is None or last is None:
        raise Rejected(
            _("a range runs between two numbers ending in digits, e.g. SF1000000001 SF1000000500")
        )
    if first.group(1) != last.group(1):
        raise Rejected(
            _("{start} and {end} do not share a prefix ({a!r} vs {b!r})").format(
                start=start.strip(), end=end.strip(), a=first.group(1), b=last.group(1)
            )
        )
    low, high = int(first.group(2)), int(last.group(2))
    if high < low:
        raise Rejected(
            _("the range ends before it starts ({start} > {end})").format(
                start=start.strip(), end=end.strip()
            )
        )
    count = high - low + 1
    if count > MAX_NUMBERS:
        raise Rejected(
            _("the range holds {n} numbers; add at most {max} at a time").format(
                n=count, max=MAX_NUMBERS
            )
        )
    head = prefix.strip().upper() + first.group(1)
    width = len(first.group(2))
    numbers = [f"{head}{n:0{width}d}" for n in range(low, high + 1)]
    waybill_number(numbers[0])
    waybill_number(numbers[-1])
    return numbers


@dataclass(frozen=True)
class WaybillTake:
    """Numbers handed to a shipment: ``remaining`` is how many the source has left (None when it
    cannot tell, as with a carrier's API) and ``low`` says the pool needs topping up."""

    numbers: tuple[str, ...]
    remaining: int | None
    low: bool


class WaybillSource(ABC):
    """Where a shipment's waybill numbers come from.

    The only source today is a local pool: number blocks a carrier hands out in advance, loaded
    with ``wareterm carriers pool add`` (``data.carriers.PoolWaybillSource``). A carrier's
    electronic waybill API (电子面单: Cainiao, SF, JD …) is meant to fit behind the same two
    methods. Every source keeps these rules:

    * **All or nothing.** :meth:`take` returns exactly ``count`` numbers for the carrier, or
      raises :class:`~core.errors.Rejected` saying why (pool empty, API refused) and hands out
      none.
    * **Never twice.** A number handed out is never handed out again, to this session or any
      other (two benches taking at the same instant get different numbers).
    * **Failed shipments.** The pool takes inside the caller's database transaction, so a
      transaction that rolls back leaves its numbers free. An API cannot roll back: a source
      backed by one must not be called while the write lock is held (network time would block
      every other bench), so its numbers are taken first and :meth:`void` cancels, at the
      carrier, the ones a failed transaction did not store.
    * **Void is final.** A voided number (cancelled shipment, spoilt label) is never reused.

    An API source will need the parcel's addresses to issue a number; they will come as an extra
    argument when the first one is built, not guessed at now.
    """

    @abstractmethod
    def take(self, carrier: str, count: int) -> WaybillTake:
        """``count`` (≥ 1) new numbers for ``carrier`` (its code), oldest first for a pool."""

    @abstractmethod
    def void(self, number: str) -> None:
        """Make ``number`` unusable for good (it keeps its history)."""
