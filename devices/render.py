"""Label rendering: outbound and code labels as 1-bit images, PNG/SVG files and ESC/POS bytes.

Chinese text must print on any ESC/POS printer. A label that is plain ASCII goes to the printer
as native text, a native CODE128 and a native QR code (small, fast, crisp). A label with any other
character is drawn here with a CJK font and sent as one raster image, unless the station says
its printer has a GB18030 (Chinese) mode, in which case the text is sent natively in GB18030.

The CJK font comes from the PyPI package ``pylopdf-fonts-zh-cn`` (Noto Sans SC, SIL OFL),
installed with the project; see :func:`find_cjk_font` for the other places it looks.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageFont

from core.i18n import _
from core.labels import CodeLabel, OutboundLabel, PickSheet, Recipient, Sender, needs_cjk
from devices.printer import CjkMode, load_escpos

#: Printable width of an 80 mm thermal printer at 203 dpi.
DEFAULT_WIDTH_DOTS = 576
#: Resolution of the thermal printers the labels are laid out for.
PRINTER_DPI = 203
#: Environment variable naming a font file to use for Chinese text.
FONT_ENV = "WARETERM_CJK_FONT"
#: The PyPI package that ships the default CJK font.
FONT_PACKAGE = "pylopdf-fonts-zh-cn"
#: Fonts from operating-system packages, tried after the environment and the PyPI package.
SYSTEM_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian/Ubuntu fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora / Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

# Anything darker than this (0 black .. 255 white) prints: a little bold suits thermal heads.
_INK_THRESHOLD = 160
# Lines per GS v 0 band: keeps each command small enough for printers with little buffer.
_RASTER_BAND = 480
_QUIET_MODULES = 10


class CjkFontMissing(RuntimeError):
    """No font that can draw Chinese characters was found; the message names the fix."""


# --------------------------------------------------------------------------- fonts

_font_lock = threading.Lock()
_found_font: Path | None = None


def _glyph_bytes(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    canvas = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(canvas).text((16, 8), ch, font=font, fill=255)
    return canvas.tobytes() if canvas.getbbox() else b""


def draws_cjk(path: str | os.PathLike[str]) -> bool:
    """True when the font file at ``path`` has real glyphs for Chinese characters (not the
    empty box a font without them draws)."""
    try:
        font = ImageFont.truetype(os.fspath(path), 32)
    except OSError:
        return False
    missing = _glyph_bytes(font, "\U000f0000")  # private use: no font has it, so "no glyph"
    return all(_glyph_bytes(font, ch) not in (missing, b"") for ch in "中国收件")


def _package_font() -> Path | None:
    if importlib.util.find_spec("pylopdf_fonts_zh_cn") is None:
        return None
    module: Any = importlib.import_module("pylopdf_fonts_zh_cn")
    return Path(module.sans_path())


def find_cjk_font() -> Path:
    """The font file used for every raster label (it has Latin letters too).

    Looked for, in order: the file named by ``$WARETERM_CJK_FONT``; the ``pylopdf-fonts-zh-cn``
    package (Noto Sans SC, a project dependency, so ``make`` installs it); the usual places of
    Debian's ``fonts-wqy-microhei``, ``fonts-wqy-zenhei`` and ``fonts-noto-cjk`` and of macOS and
    Windows fonts. Raises :class:`CjkFontMissing` naming the fix when none can draw Chinese.
    """
    global _found_font
    with _font_lock:
        if _found_font is not None:
            return _found_font
        named = os.environ.get(FONT_ENV)
        if named:
            if not draws_cjk(named):
                raise CjkFontMissing(
                    _(
                        "{FONT_ENV}={named} is not a font file that has Chinese characters — point it at one (e.g. a .ttf/.otf/.ttc), or unset it to use {FONT_PACKAGE}"
                    ).format(FONT_ENV=FONT_ENV, named=named, FONT_PACKAGE=FONT_PACKAGE)
                )
            _found_font = Path(named)
            return _found_font
        candidates = [_package_font(), *(Path(p) for p in SYSTEM_CJK_FONTS)]
        for candidate in candidates:
            if candidate is not None and candidate.is_file() and draws_cjk(candidate):
                _found_font = candidate
                return candidate
        raise CjkFontMissing(
            _(
                "no font that can draw Chinese characters was found, so labels cannot be drawn — install the Python package: pip install {FONT_PACKAGE} (make does it), or the Debian package: apt-get install fonts-wqy-microhei, or set {FONT_ENV}=/path/to/a/cjk-font.ttf"
            ).format(FONT_PACKAGE=FONT_PACKAGE, FONT_ENV=FONT_ENV)
        )


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


# --------------------------------------------------------------------------- drawing


_TOKEN = re.compile(r" +|[!-~]+|.", re.DOTALL)


def wrap_to_width(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` pixels in ``font``: between words
    for Latin text, between any two characters for CJK, inside a word only when it alone is too
    wide."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.startswith(" "):
            if line:
                line += " "
            continue
        if font.getlength(line + token) <= max_width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while font.getlength(token) > max_width and len(token) > 1:
            cut = len(token) - 1
            while cut > 1 and font.getlength(token[:cut]) > max_width:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def code128_values(data: str) -> list[int]:
    """Code 128 symbol values for printable ASCII ``data``: start, data, check digit.

    Runs of four or more digits (a whole even-length numeric code, or inside text) go in code
    set C, two digits a symbol; everything else in code set B. Written here because
    python-barcode 0.16 drops a "99" pair (``Code128("990")`` encodes as "0")."""
    if not data or any(not 32 <= ord(ch) <= 126 for ch in data):
        raise ValueError(f"Code 128 takes printable ASCII, not {data!r}")
    values: list[int] = []
    charset = ""
    position = 0
    while position < len(data):
        run = len(data[position:]) - len(data[position:].lstrip("0123456789"))
        use_c = run >= 4 or (run == len(data) and run % 2 == 0)
        if use_c:
            pairs = run - run % 2
            if charset != "C":
                values.append(105 if not values else 99)
                charset = "C"
            values.extend(int(data[i : i + 2]) for i in range(position, position + pairs, 2))
            position += pairs
            continue
        if charset != "B":
            values.append(104 if not values else 100)
            charset = "B"
        values.append(ord(data[position]) - 32)
        position += 1
    check = (values[0] + sum(index * value for index, value in enumerate(values[1:], 1))) % 103
    return [*values, check]


def code128_modules(data: str) -> str:
    """The Code 128 bar pattern for ``data`` as a string of ``1`` (bar) and ``0`` (space)
    modules, start, check and stop symbols included."""
    from barcode.charsets.code128 import CODES, STOP

    # The stop symbol ends with a two-module termination bar python-barcode keeps apart.
    return "".join(CODES[value] for value in code128_values(data)) + STOP + "11"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules for ``payload`` (error correction M, smallest version, no quiet zone)."""
    import qrcode
    import qrcode.constants

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    return [[bool(cell) for cell in row] for row in qr.get_matrix()]


class _Sheet:
    """A label being drawn top to bottom on a greyscale canvas, then cut to length and turned
    into 1-bit ink."""

    def __init__(self, width: int, font_path: Path, max_height: int = 4000) -> None:
        self.width = width
        self.scale = width / DEFAULT_WIDTH_DOTS
        self.margin = max(8, round(12 * self.scale))
        self.font_path = str(font_path)
        self.image = Image.new("L", (width, max_height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin

    @property
    def inner(self) -> int:
        return self.width - 2 * self.margin

    def font(self, size: float) -> ImageFont.FreeTypeFont:
        return _font(self.font_path, max(8, round(size * self.scale)))

    def gap(self, dots: float) -> None:
        self.y += round(dots * self.scale)

    def line_height(self, font: ImageFont.FreeTypeFont) -> int:
        ascent, descent = font.getmetrics()
        return int(ascent + descent)

    def put(
        self,
        x: float,
        y: float,
        text: str,
        font: ImageFont.FreeTypeFont,
        bold: bool = False,
        fill: int = 0,
    ) -> None:
        stroke = round(font.size) // 28 if bold else 0
        self.draw.text(
            (x, y), text, font=font, fill=fill, anchor="la", stroke_width=stroke, stroke_fill=fill
        )

    def text(
        self,
        text: str,
        size: float,
        bold: bool = False,
        align: Literal["left", "center", "right"] = "left",
        indent: int = 0,
        width: int | None = None,
    ) -> None:
        """Draw ``text`` wrapped to the sheet (or to ``width`` from ``indent``)."""
        font = self.font(size)
        avail = width if width is not None else self.inner - indent
        for line in wrap_to_width(text, font, avail):
            x = self.margin + indent
            if align != "left":
                spare = avail - font.getlength(line)
                x += round(spare if align == "right" else spare / 2)
            self.put(x, self.y, line, font, bold)
            self.y += self.line_height(font)

    def columns(self, left: str, right: str, size_left: float, size_right: float) -> None:
        """One row: ``left`` in bold at the left edge, ``right`` at the right edge."""
        font_l, font_r = self.font(size_left), self.font(size_right)
        right_w = font_r.getlength(right)
        left_lines = wrap_to_width(left, font_l, self.inner - right_w - self.margin)
        height = self.line_height(font_l)
        self.put(self.width - self.margin - right_w, self.y, right, font_r)
        for line in left_lines:
            self.put(self.margin, self.y, line, font_l, bold=True)
            self.y += height

    def rule(self, thickness: int = 3) -> None:
        self.gap(6)
        self.draw.rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + thickness - 1), fill=0
        )
        self.y += thickness
        self.gap(8)

    def band(self, text: str, size: float) -> None:
        """A full-width black band with ``text`` in white, centred (the rush mark)."""
        font = self.font(size)
        pad = round(10 * self.scale)
        height = self.line_height(font) + 2 * pad
        self.draw.rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + height - 1), fill=0
        )
        x = self.margin + (self.inner - font.getlength(text)) / 2
        self.put(round(x), self.y + pad, text, font, bold=True, fill=255)
        self.y += height

    def code128(self, data: str, height: float, text_size: float) -> None:
        """A Code 128 barcode, centred, with the code in words under it. Modules are whole dots
        (3, 2 or 1 wide, the widest that fits with its quiet zones) so scanners read it."""
        modules = code128_modules(data)
        module = next(
            (m for m in (3, 2) if (len(modules) + 2 * _QUIET_MODULES) * m <= self.inner), 1
        )
        x = self.margin + (self.inner - len(modules) * module) // 2
        bar_height = round(height * self.scale)
        top = self.y
        for match in re.finditer("1+", modules):
            left = x + match.start() * module
            right = x + match.end() * module - 1
            self.draw.rectangle((left, top, right, top + bar_height - 1), fill=0)
        self.y += bar_height + round(4 * self.scale)
        self.text(data, text_size, bold=True, align="center")

    def qr(self, payload: str, x: int, y: int, side: int) -> int:
        """Draw a QR code about ``side`` dots wide at (x, y); returns its real side."""
        matrix = qr_matrix(payload)
        box = max(2, side // len(matrix))
        for row_no, row in enumerate(matrix):
            for col_no, dark in enumerate(row):
                if dark:
                    left, top = x + col_no * box, y + row_no * box
                    self.draw.rectangle((left, top, left + box - 1, top + box - 1), fill=0)
        return box * len(matrix)

    def finish(self) -> Image.Image:
        """The label as a 1-bit image, cut just below the last thing drawn."""
        height = min(self.y + self.margin, self.image.height)
        cropped = self.image.crop((0, 0, self.width, height))
        table = [0 if value < _INK_THRESHOLD else 255 for value in range(256)]
        return cropped.point(table).convert("1", dither=Image.Dither.NONE)


def _check_width(width_dots: int) -> None:
    if width_dots < 256 or width_dots % 8:
        raise ValueError(f"label width {width_dots} dots must be a multiple of 8, at least 256")


# --------------------------------------------------------------------------- outbound labels


#: The standard one-part e-waybill (一联单), 76 × 130 mm, in printer dots at 203 dpi (the
#: width rounded down to a whole byte of dots).
ONE_PART_WIDTH_DOTS = 76 * PRINTER_DPI * 10 // 254 // 8 * 8
ONE_PART_HEIGHT_DOTS = 130 * PRINTER_DPI * 10 // 254
#: The two-part e-waybill (二联单), 100 × 180 mm, in printer dots at 203 dpi.
TWO_PART_WIDTH_DOTS = 100 * PRINTER_DPI * 10 // 254 // 8 * 8
TWO_PART_HEIGHT_DOTS = 180 * PRINTER_DPI * 10 // 254


def _hub_line(label: OutboundLabel, gb18030: bool) -> str:
    """集包地 and sorting code on one line (``集包地 深圳集包  分拣 755``); in plain ASCII for a
    printer without Chinese."""
    hub = sort = ""
    if label.package_name:
        # e-waybill caption: the hub the parcel is bagged for (集包地)
        hub = (_("集包地 {hub}") if gb18030 else "Hub {hub}").format(hub=label.package_name)
    if label.sorting_code:
        # e-waybill caption: the depot's sorting code (分拣码)
        sort = (_("分拣 {code}") if gb18030 else "Sort {code}").format(code=label.sorting_code)
    return "  ".join(part for part in (hub, sort) if part)


def render_outbound_image(
    label: OutboundLabel, width_dots: int = DEFAULT_WIDTH_DOTS
) -> Image.Image:
    """Draw the outbound label for an 80 mm (576-dot) or narrower thermal printer, 1-bit.

    Top to bottom: the carrier's routing code (大头笔) large with 集包地 and sorting code under
    it when the number came from an e-waybill API, carrier and service, the rush mark (an inverted "急 RUSH" band) or a deferred
    note, the waybill number as a Code 128 barcode, the recipient (big name, phone, full
    address wrapped to width, postcode), the sender, then the QR code beside the order number,
    weight, "package n/m" and date. Raises :class:`CjkFontMissing` when no CJK font is found.
    """
    _check_width(width_dots)
    if label.mark_destination:
        if label.layout == "100x180":
            return _render_two_part(label, width_dots)
        return _render_one_part(label, width_dots)
    sheet = _Sheet(width_dots, find_cjk_font())
    sheet.columns(label.carrier, label.service, 40, 30)
    if label.is_rush:
        sheet.gap(6)
        # Raster labels draw any script: the captions follow the printing process's language.
        sheet.band(_("急 RUSH"), 64)
    elif label.priority == "deferred":
        sheet.text(_("缓发 DEFERRED"), 26, bold=True, align="right")
    sheet.rule()
    if label.waybill_no:
        sheet.gap(4)
        sheet.code128(label.waybill_no, height=112, text_size=30)
    else:
        sheet.text(_("运单号待分配 WAYBILL PENDING"), 28, bold=True, align="center")
    sheet.rule()

    r = label.recipient
    sheet.text(_("收 TO"), 24, bold=True)
    sheet.text(r.name, 52, bold=True)
    sheet.text(r.phone, 36, bold=True)
    sheet.text(r.full_address, 30)
    if r.postcode:
        sheet.text(_("邮编 {postcode}").format(postcode=r.postcode), 24)
    sheet.rule()

    s = label.sender
    sheet.text(_("寄 FROM"), 22, bold=True)
    sheet.text(f"{s.name}  {s.phone}", 24)
    sheet.text(s.address, 22)
    sheet.rule()

    top = sheet.y
    qr_side = sheet.qr(label.qr_payload, sheet.margin, top, round(200 * sheet.scale))
    # The QR needs a quiet zone: the text column starts a few modules to its right.
    column = qr_side + round(28 * sheet.scale)
    width = sheet.inner - column
    sheet.text(_("订单 ORDER"), 20, bold=True, indent=column, width=width)
    sheet.text(label.order_no, 28, bold=True, indent=column, width=width)
    if label.weight_text:
        sheet.text(
            _("重量 {weight}").format(weight=label.weight_text), 24, indent=column, width=width
        )
    sheet.text(
        _("件数 {packages}").format(packages=label.package_text),
        44,
        bold=True,
        indent=column,
        width=width,
    )
    sheet.text(label.printed_on.isoformat(), 22, indent=column, width=width)
    sheet.y = max(sheet.y, top + qr_side)
    return sheet.finish()


def _recipient_line(r: Recipient, with_address: bool = False) -> str:
    """An e-waybill's recipient on one line: 收 (the recipient, 收件人), name and phone, and on
    the stub of a two-part waybill the full address too."""
    if with_address:
        return _("收 {name}  {phone}  {address}").format(
            name=r.name, phone=r.phone, address=r.full_address
        )
    return _("收 {name}  {phone}").format(name=r.name, phone=r.phone)


def _sender_line(s: Sender) -> str:
    """An e-waybill's sender on one line: 寄 (the sender, 寄件人), name and phone."""
    return _("寄 {name}  {phone}").format(name=s.name, phone=s.phone)


def _parties(
    sheet: _Sheet, label: OutboundLabel, name_size: float, address_size: float, sender_size: float
) -> None:
    """The recipient and sender block of both e-waybill layouts, each closed by a rule: 收
    with name and phone in bold, the full address; 寄 with name and phone, the address. The
    layouts differ only in the sizes."""
    r = label.recipient
    sheet.text(_recipient_line(r), name_size, bold=True)
    sheet.text(r.full_address, address_size)
    sheet.rule(thickness=2)
    s = label.sender
    sheet.text(_sender_line(s), sender_size)
    sheet.text(s.address, sender_size)
    sheet.rule(thickness=2)


def _order_block(
    sheet: _Sheet,
    label: OutboundLabel,
    qr: float,
    gap: float,
    order_size: float,
    details_size: float,
    parcel_size: float,
) -> None:
    """The foot of both e-waybill layouts: the QR code, and beside it (after a quiet zone of
    ``gap``) the order number, weight and date, and parcel n/m. The layouts differ only in
    the sizes."""
    top = sheet.y
    qr_side = sheet.qr(label.qr_payload, sheet.margin, top, round(qr * sheet.scale))
    column = qr_side + round(gap * sheet.scale)
    width = sheet.inner - column
    sheet.text(
        _("订单 {order}").format(order=label.order_no),
        order_size,
        bold=True,
        indent=column,
        width=width,
    )
    details = "  ".join(
        part
        for part in (
            _("重量 {weight}").format(weight=label.weight_text) if label.weight_text else "",
            label.printed_on.isoformat(),
        )
        if part
    )
    sheet.text(details, details_size, indent=column, width=width)
    sheet.text(
        _("件数 {packages}").format(packages=label.package_text),
        parcel_size,
        bold=True,
        indent=column,
        width=width,
    )
    sheet.y = max(sheet.y, top + qr_side)


def _render_one_part(label: OutboundLabel, width_dots: int) -> Image.Image:
    """The e-waybill layout (一联单, sized for 76 × 130 mm): 大头笔 first and largest — the
    depot sorts by it before reading anything else — then 集包地 and sorting code, carrier and
    service, the waybill's Code 128, recipient, sender, and the QR beside order, weight,
    parcel n/m and date, in sizes that fit 130 mm."""
    sheet = _Sheet(width_dots, find_cjk_font())
    sheet.text(label.mark_destination, 76, bold=True, align="center")
    hub = _hub_line(label, gb18030=True)
    if hub:
        sheet.text(hub, 28, bold=True, align="center")
    sheet.rule(thickness=3)
    sheet.columns(label.carrier, label.service, 28, 24)
    if label.is_rush:
        sheet.gap(4)
        sheet.band(_("急 RUSH"), 36)
    sheet.gap(6)
    if label.waybill_no:
        sheet.code128(label.waybill_no, height=96, text_size=26)
    sheet.rule(thickness=2)
    _parties(sheet, label, name_size=34, address_size=24, sender_size=20)
    _order_block(sheet, label, qr=150, gap=24, order_size=22, details_size=20, parcel_size=34)
    return sheet.finish()


def _render_two_part(label: OutboundLabel, width_dots: int) -> Image.Image:
    """The two-part e-waybill (二联单, sized for 100 × 180 mm). The courier's part (派件联) on
    top: 大头笔, 集包地 and sorting code, carrier and service, the waybill's Code 128, recipient,
    sender and a box to sign. Under the perforation the recipient's stub (收件联): the waybill
    again as Code 128, recipient and sender on a line each, and the QR beside order, weight,
    parcel n/m and date."""
    sheet = _Sheet(width_dots, find_cjk_font())
    sheet.text(label.mark_destination, 64, bold=True, align="center")
    hub = _hub_line(label, gb18030=True)
    if hub:
        sheet.text(hub, 24, bold=True, align="center")
    sheet.rule(thickness=3)
    sheet.columns(label.carrier, label.service, 24, 20)
    if label.is_rush:
        sheet.gap(2)
        sheet.band(_("急 RUSH"), 26)
    sheet.gap(4)
    if label.waybill_no:
        sheet.code128(label.waybill_no, height=80, text_size=22)
    sheet.rule(thickness=2)
    _parties(sheet, label, name_size=28, address_size=20, sender_size=17)
    sign = sheet.font(17)
    # e-waybill: the box the receiver signs (签收人) and the time they signed
    sheet.put(sheet.margin, sheet.y, _("签收人:"), sign)
    sheet.put(sheet.margin + sheet.inner // 2, sheet.y, _("时间:"), sign)
    sheet.y += sheet.line_height(sign)
    sheet.gap(30)
    # The perforation: a dashed line the full width, the stub below it.
    dash = round(12 * sheet.scale)
    for x in range(0, sheet.width, 2 * dash):
        sheet.draw.rectangle((x, sheet.y, x + dash - 1, sheet.y + 1), fill=0)
    sheet.gap(16)
    # e-waybill: the recipient's stub of a two-part waybill (收件联)
    sheet.columns(label.carrier, _("收件联"), 20, 17)
    if label.waybill_no:
        sheet.code128(label.waybill_no, height=56, text_size=18)
    sheet.gap(2)
    sheet.text(_recipient_line(label.recipient, with_address=True), 17)
    sheet.text(_sender_line(label.sender), 15)
    sheet.gap(4)
    _order_block(sheet, label, qr=104, gap=20, order_size=18, details_size=16, parcel_size=26)
    return sheet.finish()


def save_preview_png(
    label: OutboundLabel, path: str | os.PathLike[str], width_dots: int = DEFAULT_WIDTH_DOTS
) -> Path:
    """Write the label as the printer draws it in raster mode to a PNG at 203 dpi; returns the
    path. (A plain-ASCII label printed natively has the same content in the printer's font.)"""
    target = Path(path)
    image = render_outbound_image(label, width_dots)
    image.save(target, format="PNG", dpi=(PRINTER_DPI, PRINTER_DPI))
    return target


def _escpos_printer(profile: str | None, width_dots: int) -> Any:
    """A python-escpos ``Dummy`` that collects bytes, with the media width set to ours."""
    load_escpos()
    from escpos.capabilities import NotSupported
    from escpos.printer import Dummy

    try:
        printer = Dummy(profile=profile)
    except (NotSupported, KeyError):
        raise ValueError(
            f"unknown printer profile {profile!r} (see `python-escpos`'s list)"
        ) from None
    # A private copy: python-escpos shares (and itself edits) one dict per profile.
    data = copy.deepcopy(printer.profile.profile_data)
    data["media"] = {
        "dpi": PRINTER_DPI,
        "width": {"mm": round(width_dots * 25.4 / PRINTER_DPI), "pixels": width_dots},
    }
    printer.profile.profile_data = data
    return printer


def speaks_gb18030(profile: str | None) -> bool:
    """Whether a python-escpos profile says the printer has a GB18030 (Chinese) text mode: a
    ``gb18030`` feature or a GB18030/GBK/CP936 code page in a custom capabilities file. No
    profile shipped with python-escpos says so."""
    printer = _escpos_printer(profile, DEFAULT_WIDTH_DOTS)
    data = printer.profile.profile_data
    if data.get("features", {}).get("gb18030"):
        return True
    pages = " ".join(str(v) for v in data.get("codePages", {}).values()).upper()
    return any(name in pages for name in ("GB18030", "GBK", "CP936"))


def _resolve_mode(cjk_mode: CjkMode, profile: str | None) -> Literal["raster", "gb18030"]:
    if cjk_mode not in ("raster", "gb18030", "auto"):
        raise ValueError(f"cjk_mode {cjk_mode!r} must be raster, gb18030 or auto")
    if cjk_mode == "auto":
        return "gb18030" if speaks_gb18030(profile) else "raster"
    return cjk_mode


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` printer columns (CJK characters take
    two), between words where possible."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.startswith(" "):
            if line:
                line += " "
            continue
        if _display_width(line + token) <= columns:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while _display_width(token) > columns and len(token) > 1:
            cut = len(token) - 1
            while cut > 1 and _display_width(token[:cut]) > columns:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class _NativeText:
    """Writes styled lines of printer-font text: ASCII through python-escpos, or GB18030 raw
    bytes in the printer's Chinese mode."""

    def __init__(self, printer: Any, gb18030: bool, width_dots: int) -> None:
        self.printer = printer
        self.gb18030 = gb18030
        self.columns = width_dots // 12  # font A is 12 dots wide

    def line(
        self,
        text: str = "",
        double: bool = False,
        bold: bool = False,
        invert: bool = False,
        align: str = "left",
    ) -> None:
        p = self.printer
        p.set(
            align=align,
            bold=bold,
            invert=invert,
            normal_textsize=not double,
            double_width=double,
            double_height=double,
        )
        columns = self.columns // 2 if double else self.columns
        # A line that fits is sent as it is (the padded rush mark, aligned captions).
        parts = [text] if _display_width(text) <= columns else wrap_columns(text, columns)
        for part in parts:
            if self.gb18030:
                p._raw(part.encode("gb18030") + b"\n")
            else:
                p.text(part + "\n")

    def rule(self) -> None:
        self.line("-" * self.columns)


def native_code128_data(code: str) -> str:
    """``code`` as ESC/POS CODE128 data: ``{C`` with packed digit pairs for an even run of
    digits (half as wide), else ``{B`` with every ``{`` doubled."""
    if code.isdigit() and len(code) % 2 == 0 and len(code) >= 4:
        return "{C" + "".join(chr(int(code[i : i + 2])) for i in range(0, len(code), 2))
    return "{B" + code.replace("{", "{{")


def _native_barcode(printer: Any, code: str, width_dots: int, height: int) -> None:
    data = native_code128_data(code)
    symbols = len(data) - 2 + 3  # data, start, check and stop (11 modules each, stop 13)
    modules = symbols * 11 + 2 + 2 * _QUIET_MODULES
    width = next((w for w in (3, 2) if modules * w <= width_dots), 2)
    # _hw_barcode, not barcode(): the public method prints a line to stdout on every call.
    printer._hw_barcode(
        data,
        "CODE128",
        height=height,
        width=width,
        pos="BELOW",
        font="A",
        align_ct=True,
        function_type="B",
        check=True,
    )


def _native_outbound(printer: Any, label: OutboundLabel, width_dots: int, gb18030: bool) -> None:
    from escpos.constants import QR_ECLEVEL_M

    out = _NativeText(printer, gb18030, width_dots)
    if gb18030:
        printer._raw(b"\x1c&")  # FS &: Chinese character mode on
    if label.mark_destination:
        out.line(label.mark_destination, double=True, bold=True, align="center")
        hub = _hub_line(label, gb18030)
        if hub:
            out.line(hub, bold=True, align="center")
        out.rule()
    if label.is_rush:
        out.line(
            f" {_('急 RUSH')} " if gb18030 else " RUSH ",
            double=True,
            bold=True,
            invert=True,
            align="center",
        )
    elif label.priority == "deferred":
        out.line(_("缓发 DEFERRED") if gb18030 else "DEFERRED", bold=True, align="right")
    out.line(label.carrier, double=True, bold=True)
    out.line(label.service)
    out.rule()
    if label.waybill_no:
        _native_barcode(printer, label.waybill_no, width_dots, height=100)
        out.line()
    else:
        out.line(
            _("运单号待分配 WAYBILL PENDING") if gb18030 else "WAYBILL PENDING",
            bold=True,
            align="center",
        )
    out.rule()
    r = label.recipient
    out.line(_("收 TO") if gb18030 else "TO", bold=True)
    out.line(r.name, double=True, bold=True)
    out.line(r.phone, bold=True)
    out.line(r.full_address)
    if r.postcode:
        out.line(
            (_("邮编 {postcode}") if gb18030 else "Postcode {postcode}").format(postcode=r.postcode)
        )
    out.rule()
    s = label.sender
    out.line(_("寄 FROM") if gb18030 else "FROM", bold=True)
    out.line(f"{s.name}  {s.phone}")
    out.line(s.address)
    out.rule()
    out.line(f"Order   {label.order_no}", bold=True)
    if label.weight_text:
        out.line(f"Weight  {label.weight_text}")
    out.line(f"Package {label.package_text}", double=True, bold=True)
    out.line(f"Date    {label.printed_on.isoformat()}")
    printer.set(align="center", normal_textsize=True, bold=False)
    qr_size = max(3, min(8, width_dots // 96))
    printer.qr(label.qr_payload, ec=QR_ECLEVEL_M, size=qr_size, native=True)
    printer.set(align="left")
    if gb18030:
        printer._raw(b"\x1c.")  # FS .: Chinese character mode off


def _raster(printer: Any, image: Image.Image) -> None:
    printer.image(image, impl="bitImageRaster", fragment_height=_RASTER_BAND, center=False)


def outbound_label_escpos(
    label: OutboundLabel,
    width_dots: int = DEFAULT_WIDTH_DOTS,
    cjk_mode: CjkMode = "auto",
    profile: str | None = None,
) -> bytes:
    """The ESC/POS bytes that print ``label`` and cut it; the same label always gives the
    same bytes.

    A plain-ASCII label is native text, a native CODE128 (``{B``/``{C``) and a native QR code.
    A label with other characters is one raster image (GS v 0) in ``raster`` mode; in
    ``gb18030`` mode it is native text in the printer's Chinese mode. ``auto`` picks
    ``gb18030`` only when the python-escpos ``profile`` says the printer has it
    (:func:`speaks_gb18030`), else ``raster``.
    """
    _check_width(width_dots)
    mode = _resolve_mode(cjk_mode, profile)
    printer = _escpos_printer(profile, width_dots)
    printer.hw("INIT")
    if not needs_cjk(label):
        _native_outbound(printer, label, width_dots, gb18030=False)
    elif mode == "gb18030":
        _native_outbound(printer, label, width_dots, gb18030=True)
    else:
        _raster(printer, render_outbound_image(label, width_dots))
    printer.cut()
    return bytes(printer.output)


# --------------------------------------------------------------------------- code labels


def render_code_label_image(label: CodeLabel, width_dots: int = DEFAULT_WIDTH_DOTS) -> Image.Image:
    """Draw a bin / SKU / tote label, 1-bit: the caption big, the Code 128 under it, then the
    code in words."""
    _check_width(width_dots)
    sheet = _Sheet(width_dots, find_cjk_font())
    if label.caption:
        sheet.text(label.caption, 44, bold=True, align="center")
        sheet.gap(10)
    sheet.code128(label.code, height=120, text_size=28)
    return sheet.finish()


def _file_stem(label: CodeLabel, taken: set[str]) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", label.code).strip("_.") or "label"
    stem = f"{label.kind}-{slug}"
    number = 2
    while stem in taken:
        stem = f"{label.kind}-{slug}-{number}"
        number += 1
    taken.add(stem)
    return stem


def write_code_labels(
    labels: Iterable[CodeLabel],
    out_dir: str | os.PathLike[str],
    fmt: Literal["png", "svg"] = "png",
) -> list[Path]:
    """Write each label as a Code 128 image file drawn by python-barcode (the code and the
    caption under the bars), named ``<kind>-<code>.<fmt>`` in ``out_dir`` (created if needed).
    PNG files are 300 dpi with 4-pixel modules; captions with Chinese use the CJK font.
    Returns the paths written, in order."""
    from barcode.writer import ImageWriter, SVGWriter

    if fmt not in ("png", "svg"):
        raise ValueError(f"format {fmt!r} must be png or svg")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    module_mm = 4 * 25.4 / 300
    for label in labels:
        writer: Any
        options = {
            "module_width": module_mm,
            "module_height": 15.0,
            "quiet_zone": 6.5,
            "font_size": 12,
            "text_distance": 6.0,
            "text_line_distance": 2.5,
        }
        if fmt == "svg":
            writer = SVGWriter()
        else:
            writer = ImageWriter(format="PNG", mode="L", dpi=300)
            if needs_cjk(label):
                writer.font_path = str(find_cjk_font())
                # Text hangs above its anchor by the font's full height, and a CJK font is
                # taller than python-barcode's own: move the lines down to clear the bars.
                options["text_distance"] = 7.5
                options["text_line_distance"] = 3.0
        text = f"{label.code}\n{label.caption}" if label.caption else label.code
        path = directory / f"{_file_stem(label, taken)}.{fmt}"
        buffer = io.BytesIO()
        _Code128(label.code, writer=writer).write(buffer, options=options, text=text)
        path.write_bytes(buffer.getvalue())
        written.append(path)
    return written


def _code128_class() -> Any:
    import barcode

    class Code128(barcode.Code128):
        """python-barcode's Code 128 drawn with our encoding (it loses "99" pairs)."""

        def build(self) -> list[str]:
            return [code128_modules(self.code)]

    return Code128


def _Code128(code: str, writer: Any) -> Any:
    return _code128_class()(code, writer=writer)


def code_label_escpos(
    labels: Sequence[CodeLabel],
    width_dots: int = DEFAULT_WIDTH_DOTS,
    cjk_mode: CjkMode = "auto",
    profile: str | None = None,
) -> bytes:
    """The ESC/POS bytes that print each label and cut after it: native caption and CODE128
    for ASCII labels; raster (or GB18030 text, see :func:`outbound_label_escpos`) otherwise."""
    _check_width(width_dots)
    mode = _resolve_mode(cjk_mode, profile)
    printer = _escpos_printer(profile, width_dots)
    printer.hw("INIT")
    for label in labels:
        if needs_cjk(label) and mode == "raster":
            _raster(printer, render_code_label_image(label, width_dots))
        else:
            gb18030 = needs_cjk(label)
            out = _NativeText(printer, gb18030, width_dots)
            if gb18030:
                printer._raw(b"\x1c&")
            if label.caption:
                out.line(label.caption, double=True, bold=True, align="center")
            _native_barcode(printer, label.code, width_dots, height=120)
            out.line()
            if gb18030:
                printer._raw(b"\x1c.")
        printer.cut()
    return bytes(printer.output)


# --------------------------------------------------------------------------- pick sheets


def render_picksheet_image(sheet: PickSheet, width_dots: int = DEFAULT_WIDTH_DOTS) -> Image.Image:
    """Draw a pick list on paper, 1-bit: the list code as Code 128, then each stop (bin in
    bold, units, SKU and name) in walk order, then the orders with their waybill numbers."""
    _check_width(width_dots)
    page = _Sheet(width_dots, find_cjk_font(), max_height=16000)
    page.text(sheet.title, 36, bold=True, align="center")
    page.text(sheet.printed_on.isoformat(), 22, align="center")
    page.gap(6)
    page.code128(sheet.code, height=96, text_size=26)
    page.rule()
    for line in sheet.lines:
        if page.y > page.image.height - 400:
            page.text("…", 30, bold=True)
            break
        page.columns(line.location or "—", f"× {line.qty}", 34, 34)
        page.text(f"{line.sku}  {line.name}", 24, indent=round(24 * page.scale))
        page.gap(6)
    page.rule()
    for order in sheet.orders:
        if page.y > page.image.height - 120:
            break
        page.text(f"{order.order_no}  {order.carrier} {order.waybill_no}", 22)
    return page.finish()


def picksheet_escpos(
    sheet: PickSheet, width_dots: int = DEFAULT_WIDTH_DOTS, profile: str | None = None
) -> bytes:
    """The ESC/POS bytes of a pick sheet: one raster image (it has names in any script), cut."""
    printer = _escpos_printer(profile, width_dots)
    printer.hw("INIT")
    _raster(printer, render_picksheet_image(sheet, width_dots))
    printer.cut()
    return bytes(printer.output)
