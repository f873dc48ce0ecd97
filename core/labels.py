"""What a label says: outbound shipping labels and bin / SKU / tote code labels, as plain data.

Everything here is pure (stdlib only). Rendering to pixels or printer bytes lives in
``devices.render``; this module decides the words, the QR payload and that no text on a label can
carry a printer or terminal command.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from typing import ClassVar

from core.i18n import _

#: Priorities a label knows (the values of ``core.model.Priority``).
PRIORITIES = ("rush", "standard", "deferred")

#: E-waybill layouts a station can print: the one-part 76 × 130 mm (一联单, the default) and the
#: two-part 100 × 180 mm (二联单: the courier's part above the perforation, the recipient's
#: stub below). A label without routing data prints the 80 mm layout whatever is chosen.
LABEL_LAYOUTS = ("76x130", "100x180")

# Control characters that separate words: they become a space instead of gluing words together.
_SPACE_LIKE = frozenset("\t\n\r\v\f\x85\u2028\u2029")
# Format characters that shape some scripts and carry no command meaning.
_KEPT_FORMAT = frozenset("\u200c\u200d")


class LabelError(ValueError):
    """A label cannot be made from these values (the message says which value and why)."""


def neutralise(text: str) -> str:
    """Return ``text`` safe to send to a printer or draw on a terminal.

    C0 and C1 control characters (ESC, GS, DLE, ...), DEL, lone surrogates and invisible format
    characters (bidirectional overrides, zero-width spaces, ...) are removed, so a name such as
    ``"Bob\\x1b@"`` or ``"\\x1b[2J"`` loses its ESC and prints as plain characters. Line breaks,
    tabs and any other space (including the ideographic space U+3000) become one ASCII space;
    runs of spaces collapse and the ends are trimmed. CJK, Latin and other printable text is kept
    (in Unicode NFC form).
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _SPACE_LIKE:
            out.append(" ")
            continue
        if unicodedata.category(ch) in ("Zs", "Zl", "Zp"):
            out.append(" ")
        elif unsafe_character(ch):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def unsafe_character(ch: str) -> bool:
    """True for a character that must never reach a terminal or printer as it is: C0 and C1
    controls (ESC, CSI 0x9B, BEL, ...), DEL, lone surrogates and invisible format characters
    (bidirectional overrides, zero-width spaces, ...), except the joiners some scripts need."""
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEPT_FORMAT)


def strip_controls(text: str) -> str:
    """Return ``text`` with every character ``unsafe_character`` names removed, keeping its
    layout: line breaks (``\\n``) and tabs stay, line and paragraph separators become a line
    break, spacing is not collapsed. For messages and reports that quote data over several
    lines; a single value is better put through ``neutralise``."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch in "\u2028\u2029":
            out.append("\n")
        elif not unsafe_character(ch):
            out.append(ch)
    return "".join(out)


def _is_printable_ascii(text: str) -> bool:
    return all(" " <= ch <= "~" for ch in text)


def _join_address(parts: Iterator[str] | tuple[str, ...]) -> str:
    """Join address parts: no space between two CJK parts (浙江省杭州市), a space otherwise."""
    joined = ""
    for part in parts:
        if not part:
            continue
        if joined and (_is_printable_ascii(joined[-1]) or _is_printable_ascii(part[0])):
            joined += " "
        joined += part
    return joined


def _set_clean_strings(obj: object) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str):
            object.__setattr__(obj, f.name, neutralise(value))


@dataclass(frozen=True)
class Sender:
    """Who ships: the warehouse or the shop, as printed in the "from" block."""

    name: str
    phone: str
    address: str

    def __post_init__(self) -> None:
        _set_clean_strings(self)


@dataclass(frozen=True)
class Recipient:
    """Who receives the parcel, with the address split the way Chinese carriers want it."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    postcode: str = ""

    def __post_init__(self) -> None:
        _set_clean_strings(self)

    @property
    def full_address(self) -> str:
        """Province, city, district and street address on one line (postcode not included)."""
        return _join_address((self.province, self.city, self.district, self.address))


@dataclass(frozen=True)
class OutboundLabel:
    """Everything an outbound shipping label shows. Text fields are neutralised on creation, so
    a label can never carry a control character, whoever built it."""

    sender: Sender
    recipient: Recipient
    order_no: str
    carrier: str
    service: str
    waybill_no: str | None
    qr_payload: str
    weight_g: int | None
    package_no: int
    package_count: int
    priority: str
    printed_on: date
    #: The carrier's routing data (电子面单): 大头笔, 集包地 and the sorting code; "" for pool
    #: numbers.
    mark_destination: str = ""
    package_name: str = ""
    sorting_code: str = ""
    #: Which e-waybill layout (one of :data:`LABEL_LAYOUTS`) the station prints.
    layout: str = LABEL_LAYOUTS[0]

    def __post_init__(self) -> None:
        _set_clean_strings(self)
        if self.waybill_no is not None:
            object.__setattr__(self, "waybill_no", neutralise(self.waybill_no) or None)
        if self.layout not in LABEL_LAYOUTS:
            raise LabelError(
                _("label layout {layout!r} is not one of {join}").format(
                    layout=self.layout, join=", ".join(LABEL_LAYOUTS)
                )
            )
        if not self.order_no:
            raise LabelError(_("a label needs an order number"))
        if self.priority not in PRIORITIES:
            raise LabelError(
                _("priority {priority!r} is not one of {join}").format(
                    priority=self.priority, join=", ".join(PRIORITIES)
                )
            )
        if not 1 <= self.package_no <= self.package_count:
            raise LabelError(
                _(
                    "package {package_no}/{package_count}: the package number must be between 1 and the package count"
                ).format(package_no=self.package_no, package_count=self.package_count)
            )
        if self.weight_g is not None and self.weight_g < 0:
            raise LabelError(_("weight {weight_g} g is negative").format(weight_g=self.weight_g))
        if self.waybill_no is not None:
            check_code128_text(self.waybill_no, what="waybill number")

    @property
    def is_rush(self) -> bool:
        """Rush labels carry a big inverted mark."""
        return self.priority == "rush"

    @property
    def package_text(self) -> str:
        """``"1/2"``: which package of the shipment this is."""
        return f"{self.package_no}/{self.package_count}"

    @property
    def weight_text(self) -> str:
        """The weight as printed (``"1.25 kg"``, or ``""`` when not weighed)."""
        if self.weight_g is None:
            return ""
        return f"{self.weight_g / 1000:.2f} kg"

    def texts(self) -> Iterator[str]:
        """Every piece of text the label shows (for checks such as :func:`needs_cjk`)."""
        yield from (self.sender.name, self.sender.phone, self.sender.address)
        r = self.recipient
        yield from (r.name, r.phone, r.province, r.city, r.district, r.address, r.postcode)
        yield from (self.order_no, self.carrier, self.service, self.qr_payload)
        yield from (self.mark_destination, self.package_name, self.sorting_code)
        if self.waybill_no is not None:
            yield self.waybill_no


@dataclass(frozen=True)
class LabelOrder:
    """The order side of a label: number, priority and where it goes (as in ``OrderDraft``)."""

    order_no: str
    priority: str
    customer_name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    postcode: str = ""


@dataclass(frozen=True)
class LabelShipment:
    """The shipment side of a label: carrier, service, waybill number, weight, package n/m."""

    carrier: str
    service: str
    waybill_no: str | None = None
    weight_g: int | None = None
    package_no: int = 1
    package_count: int = 1
    mark_destination: str = ""
    package_name: str = ""
    sorting_code: str = ""


def mask_phone(phone: str) -> str:
    """A phone number as a privacy label (隐私面单) prints it: ``138****5678``. The first three
    and last four characters stay; four stars stand for the rest. Numbers of eight characters or
    fewer keep only their last two."""
    text = "".join(phone.split())
    if not text:
        return ""
    if len(text) <= 8:
        return "*" * max(1, len(text) - 2) + text[-2:] if len(text) > 2 else "*" * len(text)
    return f"{text[:3]}****{text[-4:]}"


def mask_name(name: str) -> str:
    """A name as a privacy label prints it: the first character, a star for each other one
    (``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``); a one-character name stays."""
    text = name.strip()
    if len(text) <= 1:
        return text
    return text[0] + "*" * (len(text) - 1)


def qr_payload(order_no: str, waybill_no: str | None, city: str, package: str) -> str:
    """The QR text: compact JSON, ASCII only (CJK as ``\\uXXXX``) so a keyboard-wedge scanner can
    type it, e.g. ``{"order":"SO-1","waybill":"SF1","city":"\\u676d\\u5dde\\u5e02","package":"1/2"}``.
    """
    data = {"order": order_no, "waybill": waybill_no, "city": city, "package": package}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True)


def parse_qr_payload(payload: str) -> dict[str, str | None]:
    """Read a label's QR text back (the inverse of :func:`qr_payload`); raises LabelError."""
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise LabelError(_("not a wareterm label QR: {exc}").format(exc=exc)) from None
    if not isinstance(data, dict) or "order" not in data:
        raise LabelError(_("not a wareterm label QR: no order number in it"))
    return {str(k): (None if v is None else str(v)) for k, v in data.items()}


def compose_outbound_label(
    order: LabelOrder,
    shipment: LabelShipment,
    sender: Sender,
    printed_on: date,
    privacy: bool = False,
    layout: str = LABEL_LAYOUTS[0],
) -> OutboundLabel:
    """Build the outbound label for one package of an order's shipment.

    All text is neutralised; the QR payload is built from the cleaned order number, waybill
    number, recipient city and package n/m. With ``privacy`` the recipient's phone and name are
    masked on the label (``138****5678``, ``张*``); the carrier's API still gets them whole.
    ``layout`` is the station's e-waybill layout (:data:`LABEL_LAYOUTS`). Raises
    :class:`LabelError` on impossible values.
    """
    recipient = Recipient(
        name=mask_name(neutralise(order.customer_name)) if privacy else order.customer_name,
        phone=mask_phone(neutralise(order.phone)) if privacy else order.phone,
        province=order.province,
        city=order.city,
        district=order.district,
        address=order.address,
        postcode=order.postcode,
    )
    order_no = neutralise(order.order_no)
    waybill = neutralise(shipment.waybill_no or "") or None
    package = f"{shipment.package_no}/{shipment.package_count}"
    return OutboundLabel(
        sender=sender,
        recipient=recipient,
        order_no=order_no,
        carrier=shipment.carrier,
        service=shipment.service,
        waybill_no=waybill,
        qr_payload=qr_payload(order_no, waybill, recipient.city, package),
        weight_g=shipment.weight_g,
        package_no=shipment.package_no,
        package_count=shipment.package_count,
        priority=str(order.priority),
        printed_on=printed_on,
        mark_destination=shipment.mark_destination,
        package_name=shipment.package_name,
        sorting_code=shipment.sorting_code,
        layout=layout,
    )


def needs_cjk(label: OutboundLabel | CodeLabel) -> bool:
    """True when any text on the label is outside printable ASCII, so a printer without a
    Chinese (GB18030) mode must get the label as an image."""
    return not all(_is_printable_ascii(text) for text in label.texts())


def check_code128_text(code: str, what: str = "code") -> None:
    """Raise LabelError unless ``code`` can be a Code 128 barcode on a label (1-48 printable
    ASCII characters)."""
    if not code:
        raise LabelError(_("the {what} is empty").format(what=what))
    if not _is_printable_ascii(code):
        raise LabelError(
            _(
                "the {what} {code!r} has characters a Code 128 barcode cannot carry (only printable ASCII)"
            ).format(what=what, code=code)
        )
    if len(code) > 48:
        raise LabelError(
            _("the {what} {code!r} is too long for a barcode ({len} > 48)").format(
                what=what, code=code, len=len(code)
            )
        )


@dataclass(frozen=True)
class CodeLabel:
    """A small label with one Code 128 barcode (``code``) and the words under it (``caption``)."""

    kind: ClassVar[str] = "code"

    code: str
    caption: str = ""

    def __post_init__(self) -> None:
        _set_clean_strings(self)
        check_code128_text(self.code, what=f"{self.kind} code")

    def texts(self) -> Iterator[str]:
        """Every piece of text the label shows."""
        yield self.code
        yield self.caption


@dataclass(frozen=True)
class BinLabel(CodeLabel):
    """A location (bin) label, e.g. code ``L:A-01-02``, caption ``A-01-02``."""

    kind: ClassVar[str] = "bin"


@dataclass(frozen=True)
class SkuLabel(CodeLabel):
    """A product label for items without a usable barcode, e.g. code ``S:SKU-1001``, caption the
    product name."""

    kind: ClassVar[str] = "sku"


@dataclass(frozen=True)
class ToteLabel(CodeLabel):
    """A tote label, e.g. code ``T:0042``, caption ``Tote 42``."""

    kind: ClassVar[str] = "tote"


@dataclass(frozen=True)
class PickSheetLine:
    """One stop on a printed pick list: bin, SKU, name, units."""

    location: str
    sku: str
    name: str
    qty: int

    def __post_init__(self) -> None:
        _set_clean_strings(self)


@dataclass(frozen=True)
class PickSheetOrder:
    """An order of a printed pick list, with the waybill its label was printed with."""

    order_no: str
    carrier: str
    waybill_no: str

    def __post_init__(self) -> None:
        _set_clean_strings(self)


@dataclass(frozen=True)
class PickSheet:
    """A pick list on paper (label-first 打单): its code as a barcode, its stops in bin walk
    order, and the orders whose labels were printed with it."""

    code: str
    title: str
    lines: tuple[PickSheetLine, ...]
    orders: tuple[PickSheetOrder, ...]
    printed_on: date

    def __post_init__(self) -> None:
        _set_clean_strings(self)
        check_code128_text(self.code, what="pick list code")
        if not self.lines:
            raise LabelError(_("a pick sheet needs at least one line"))
