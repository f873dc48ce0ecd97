"""Waybill numbers (运单号): checking them, reading pool files and ranges, and the port a
shipment takes its numbers through (a local pool today, a carrier's 电子面单 API later)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Party:
    """Sender or recipient of a parcel as a carrier's API wants it (address split into
    province, city, district and the rest). The full data goes to the API; what the label
    shows of it (masked phone and name) is the label's business."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    postcode: str = ""
    company: str = ""


@dataclass(frozen=True)
class Goods:
    """One line of what a parcel holds (the API's commodity list)."""

    name: str
    quantity: int


@dataclass(frozen=True)
class ParcelRequest:
    """What an API source needs to issue one parcel's waybill number.

    ``reference`` is the seller's unique order code for this request (快递鸟 ``OrderCode``):
    the order number, the parcel and the attempt, so a retried or relabelled parcel never
    reuses a code the carrier has seen."""

    reference: str
    order_no: str
    seq: int
    count: int
    weight_g: int
    sender: Party
    recipient: Party
    goods: tuple[Goods, ...] = ()
    service: str = ""


@dataclass(frozen=True)
class Routing:
    """The sorting data a carrier returns with an electronic waybill: 大头笔 (the routing code
    printed large at the top), 集包地 (the consolidation hub's name and code), the sorting
    code and the origin and destination codes. Empty for pool numbers."""

    mark_destination: str = ""
    package_name: str = ""
    package_code: str = ""
    sorting_code: str = ""
    origin_code: str = ""
    origin_name: str = ""
    destination_code: str = ""
    destination_name: str = ""

    def as_dict(self) -> dict[str, str]:
        """The fields by name (``shipments show --json``'s ``routing``)."""
        return {
            "mark_destination": self.mark_destination,
            "package_name": self.package_name,
            "package_code": self.package_code,
            "sorting_code": self.sorting_code,
            "origin_code": self.origin_code,
            "origin_name": self.origin_name,
            "destination_code": self.destination_code,
            "destination_name": self.destination_name,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Routing:
        """Back from :meth:`as_dict` (unknown keys ignored, missing ones empty)."""
        if not data:
            return cls()
        names = cls().as_dict()
        return cls(**{k: str(data.get(k) or "") for k in names})

    def __bool__(self) -> bool:
        return any(self.as_dict().values())


@dataclass(frozen=True)
class IssuedWaybill:
    """One parcel's number as a source issued it, with its routing data and the reference
    the source needs to cancel it (the API's order code; empty for a pool)."""

    number: str
    routing: Routing = field(default_factory=Routing)
    reference: str = ""


class WaybillUnavailable(Rejected):
    """A source could not issue or cancel numbers now, with the provider's reason.

    ``retryable`` is True when trying again later may work (timeout, connection refused, the
    provider's server error) and False when the request itself is refused (bad signature,
    missing field, account without numbers): waiting will not help, a person must."""

    def __init__(self, message: str, *, retryable: bool, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        #: Numbers issued before the failure that could not be cancelled again: the caller
        #: stores them void and cancels them later, so none is lost or used.
        self.stray: tuple[IssuedWaybill, ...] = ()


@dataclass(frozen=True)
class CarrierApi:
    """A carrier's electronic waybill account: which provider module speaks to it, where, and
    the credentials. ``key`` is a secret: it is never shown, logged or audited (``repr`` hides
    it too). ``options`` hold the provider's own fields (快递鸟: customer_name,
    customer_pwd, month_code, template_size, shipper_code). ``fallback`` is what a bench does
    while the API cannot issue: ``pool`` (take offline numbers) or ``wait`` (the order waits
    for its number)."""

    carrier: str
    provider: str
    url: str
    account: str
    key: str = field(repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    fallback: str = "wait"

    def shown(self) -> dict[str, object]:
        """The configuration as it may be shown: every secret replaced by whether it is set."""
        secret = {"customer_pwd"}
        return {
            "carrier": self.carrier,
            "provider": self.provider,
            "url": self.url,
            "account": self.account,
            "key": "(set)" if self.key else "",
            "options": {
                k: ("(set)" if k in secret and v else v) for k, v in sorted(self.options.items())
            },
            "fallback": self.fallback,
        }


FALLBACKS = ("pool", "wait")


class WaybillSource(ABC):
    """Where a shipment's waybill numbers come from.

    Two kinds of source keep the same promises:

    * **A local pool** (``data.carriers.PoolWaybillSource``): number blocks a carrier hands
      out in advance, loaded with ``wareterm carriers pool add``. It takes inside the caller's
      database transaction (:attr:`in_transaction` is True) and hands out bare numbers.
    * **An electronic waybill API** (电子面单: ``devices.kdniao.KdniaoSource`` for 快递鸟; a
      second provider such as 快递100 or a platform's own e-waybill is one more module that
      implements :meth:`issue` and :meth:`cancel`). It needs each parcel's sender, recipient
      and goods (:class:`ParcelRequest`) and returns numbers with their :class:`Routing`. It
      is never called inside a write transaction (:attr:`in_transaction` is False).

    Every source keeps these rules:

    * **All or nothing.** :meth:`take` / :meth:`issue` return exactly one number per parcel, or
      raise :class:`~core.errors.Rejected` (:class:`WaybillUnavailable` for an API that cannot
      answer now) saying why, and hand out none: an API source cancels the ones it had issued
      before a later parcel failed.
    * **Never twice.** A number handed out is never handed out again, to this session or any
      other (two benches taking at the same instant get different numbers).
    * **Failed shipments.** The pool takes inside the caller's database transaction, so a
      transaction that rolls back leaves its numbers free. An API cannot roll back: a source
      backed by one must not be called while the write lock is held (network time would block
      every other bench), so its numbers are issued first and :meth:`cancel` cancels, at the
      carrier, the ones a failed transaction did not store.
    * **Void is final.** A voided number (cancelled shipment, spoilt label) is never reused; for
      an API it is also cancelled at the carrier.
    """

    #: True for a source that works inside the caller's write transaction (a pool); False for
    #: one that does network I/O and must be called before the transaction starts.
    in_transaction: bool = True

    @abstractmethod
    def take(self, carrier: str, count: int) -> WaybillTake:
        """``count`` (≥ 1) new numbers for ``carrier`` (its code), oldest first for a pool."""

    @abstractmethod
    def void(self, number: str) -> None:
        """Make ``number`` unusable for good (it keeps its history)."""

    def issue(self, carrier: str, parcels: Sequence[ParcelRequest]) -> tuple[IssuedWaybill, ...]:
        """One number per parcel, in order, with its routing data. A pool ignores the parcels'
        data and returns bare numbers; an API source sends each parcel to the carrier."""
        taken = self.take(carrier, len(parcels))
        return tuple(IssuedWaybill(number) for number in taken.numbers)

    def cancel(self, waybill: IssuedWaybill) -> None:
        """Cancel an issued number for good (at the carrier, for an API source)."""
        self.void(waybill.number)
