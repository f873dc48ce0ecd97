"""What a scanned code is: product barcodes (GTIN, GS1 AIs, via biip) and prefixed internal codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from core.errors import InvalidBarcode
from core.i18n import _
from core.model import CodeKind

_GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_DIGITS = re.compile(r"^[0-9]+$")
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# A barcode the catalog may hold besides GTINs: printable, no spaces, reasonable length.
_PLAIN_CODE = re.compile(r"^[!-~]{3,64}$")


@dataclass(frozen=True)
class CodePrefixes:
    """The short prefixes that say what an internal Code 128 is (configurable per site)."""

    location: str = "L:"
    tote: str = "T:"
    picklist: str = "P:"
    order: str = "O:"
    user: str = "U:"
    #: SKU labels (``wareterm labels skus``) for products without a usable barcode: the code
    #: after it is the product's SKU.
    sku: str = "S:"

    def kinds(self) -> list[tuple[str, CodeKind]]:
        """Prefixes with their kinds, longest first so no prefix shadows a longer one."""
        pairs = [
            (self.location, CodeKind.LOCATION),
            (self.tote, CodeKind.TOTE),
            (self.picklist, CodeKind.PICKLIST),
            (self.order, CodeKind.ORDER),
            (self.user, CodeKind.USER),
            (self.sku, CodeKind.PRODUCT),
        ]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


DEFAULT_PREFIXES = CodePrefixes()


@dataclass(frozen=True)
class ScannedCode:
    """A scan understood: its kind, the value to look up, and any GS1 data it carried."""

    kind: CodeKind
    value: str
    raw: str
    symbology: str | None = None
    batch: str | None = None
    expiry: date | None = None
    serial: str | None = None
    problem: str | None = field(default=None, compare=False)
    #: A SKU label: ``value`` is the catalog SKU itself, not a barcode.
    by_sku: bool = False

    @property
    def display(self) -> str:
        """The code as a person should see it (no symbology prefix, no control characters)."""
        return display_code(self.raw)


def display_code(raw: str) -> str:
    """Show a raw scan to a person: drop an AIM symbology prefix, make separators visible."""
    text = _AIM_PREFIX.sub("", raw.strip("\r\n\t"))
    text = text.replace("\x1d", "␝")
    return "".join(ch if ch.isprintable() else "�" for ch in text)


def load_parser() -> None:
    """Load the GS1 parser (biip) now. It takes a few tens of milliseconds, so it is loaded
    when first needed rather than when a terminal starts; a session calls this once its first
    screen is up, so that its first scan does not wait for it."""
    import biip.gs1_messages
    import biip.gtin  # noqa: F401


def normalize_barcode(code: str) -> str:
    """The lookup key of a catalog barcode: GTIN-14 for GTINs, the code itself otherwise.

    UPC-A ``036000291452`` and EAN-13 ``0036000291452`` give the same key. A numeric code of a GTIN
    length with a wrong check digit raises :class:`InvalidBarcode`.
    """
    import biip
    import biip.gtin

    code = code.strip()
    if _DIGITS.match(code) and len(code) in _GTIN_LENGTHS:
        try:
            return biip.gtin.Gtin.parse(code).as_gtin_14()
        except biip.ParseError as error:
            raise InvalidBarcode(
                _("barcode {code}: {error}").format(code=code, error=error)
            ) from None
    if not _PLAIN_CODE.match(code):
        raise InvalidBarcode(
            _("barcode {code!r}: use 3–64 printable characters without spaces").format(code=code)
        )
    return code


#: Codes understood lately, by (raw, prefixes): a picker scans the same few barcodes again
#: and again, and reading a GS1 code is a fifth of what a pick scan costs its session. Only
#: codes without a problem are kept (a problem is said in the language of the moment).
_UNDERSTOOD: dict[tuple[str, CodePrefixes], ScannedCode] = {}
_UNDERSTOOD_MAX = 4096


def parse_scan(raw: str, prefixes: CodePrefixes = DEFAULT_PREFIXES) -> ScannedCode:
    """Understand one scan. Never raises: what cannot be understood is ``CodeKind.UNKNOWN``."""
    key = (raw, prefixes)
    known = _UNDERSTOOD.get(key)
    if known is not None:
        return known
    try:
        code = _parse_scan(raw, prefixes)
    except Exception as error:  # a scan parser must survive any input; say what happened
        return ScannedCode(CodeKind.UNKNOWN, raw, raw, problem=f"unreadable code ({error!r})")
    if code.problem is None:
        if len(_UNDERSTOOD) >= _UNDERSTOOD_MAX:
            _UNDERSTOOD.clear()
        _UNDERSTOOD[key] = code
    return code


def _parse_scan(raw: str, prefixes: CodePrefixes) -> ScannedCode:
    import biip
    import biip.gtin

    text = raw.strip("\r\n\t ")
    symbology = None
    match = _AIM_PREFIX.match(text)
    if match:
        symbology = match.group(0)
        text = text[match.end() :]
    if not text:
        return ScannedCode(CodeKind.UNKNOWN, "", raw, symbology, problem=_("empty scan"))
    upper = text.upper()
    for prefix, kind in prefixes.kinds():
        if prefix and upper.startswith(prefix.upper()):
            value = text[len(prefix) :].strip()
            if not value:
                return ScannedCode(
                    CodeKind.UNKNOWN, text, raw, symbology, problem=_("prefix without a code")
                )
            if kind is CodeKind.PRODUCT:
                return _sku_label(value, text, raw, symbology)
            return ScannedCode(kind, value, raw, symbology)
    if _DIGITS.match(text) and len(text) in _GTIN_LENGTHS:
        try:
            gtin = biip.gtin.Gtin.parse(text).as_gtin_14()
        except biip.ParseError as error:
            return ScannedCode(CodeKind.UNKNOWN, text, raw, symbology, problem=str(error))
        return ScannedCode(CodeKind.PRODUCT, gtin, raw, symbology)
    gs1 = _parse_gs1(text, symbology)
    if gs1 is not None:
        return gs1
    if text.startswith("("):
        return ScannedCode(
            CodeKind.UNKNOWN, text, raw, symbology, problem=_("not a valid GS1 element string")
        )
    if _PLAIN_CODE.match(text):
        return ScannedCode(CodeKind.PRODUCT, text, raw, symbology)
    return ScannedCode(
        CodeKind.UNKNOWN, text, raw, symbology, problem=_("not a barcode this site uses")
    )


def _sku_label(value: str, text: str, raw: str, symbology: str | None) -> ScannedCode:
    """A SKU label's code: what a Code 128 label can carry (printable ASCII), as a SKU."""
    if len(value) > 64 or not all(" " <= ch <= "~" for ch in value):
        return ScannedCode(
            CodeKind.UNKNOWN, text, raw, symbology, problem=_("not a SKU this site prints")
        )
    return ScannedCode(CodeKind.PRODUCT, value, raw, symbology, by_sku=True)


def _parse_gs1(text: str, symbology: str | None) -> ScannedCode | None:
    """A GS1 element string (machine form or human ``(01)…`` form) carrying a GTIN."""
    import biip
    import biip.gs1_messages
    import biip.gtin

    message: biip.gs1_messages.GS1Message | None
    try:
        if text.startswith("("):
            message = biip.gs1_messages.GS1Message.parse_hri(text)
        else:
            result = biip.parse(((symbology or "") + text) if symbology else text)
            message = result.gs1_message
    except (biip.ParseError, IndexError, ValueError):
        return None
    if message is None:
        return None
    values: dict[str, str] = {}
    expiry: date | None = None
    for element in message.element_strings:
        values[element.ai.ai] = element.value
        if element.ai.ai == "17" and element.date is not None:
            expiry = element.date
    gtin = values.get("01") or values.get("02")
    if gtin is None:
        return None
    try:
        key = biip.gtin.Gtin.parse(gtin).as_gtin_14()
    except biip.ParseError as error:
        return ScannedCode(CodeKind.UNKNOWN, gtin, text, symbology, problem=str(error))
    return ScannedCode(
        CodeKind.PRODUCT,
        key,
        text if symbology is None else symbology + text,
        symbology,
        batch=values.get("10"),
        expiry=expiry,
        serial=values.get("21"),
    )
