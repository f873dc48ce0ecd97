"""Label rendering: golden ESC/POS bytes, scannable barcodes (decoded with zxing-cpp), real CJK.

The golden file ``golden/outbound_ascii.hex`` holds the bytes for the fixed ASCII label below.
When a deliberate layout change alters them, regenerate and review the diff:

    WARETERM_REGEN_GOLDEN=1 .venv/bin/pytest tests/devices/test_render.py -k golden
"""

from __future__ import annotations

import os
import xml.dom.minidom
from datetime import date
from pathlib import Path

import barcode
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from core.labels import (
    BinLabel,
    CodeLabel,
    LabelOrder,
    LabelShipment,
    OutboundLabel,
    Sender,
    SkuLabel,
    ToteLabel,
    compose_outbound_label,
    neutralise,
    parse_qr_payload,
)
from devices import render
from devices.render import (
    CjkFontMissing,
    code128_values,
    code_label_escpos,
    draws_cjk,
    find_cjk_font,
    native_code128_data,
    outbound_label_escpos,
    render_code_label_image,
    render_outbound_image,
    save_preview_png,
    wrap_columns,
    wrap_to_width,
    write_code_labels,
)

GOLDEN = Path(__file__).parent / "golden" / "outbound_ascii.hex"
# A Latin-only font that ships inside python-barcode: it has no Chinese glyphs.
LATIN_ONLY_FONT = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"


def make_label(
    name: str = "Wang Xiaoming",
    address: str = "100 Wensan Road, Bldg 3, Room 501",
    city: str = "Hangzhou",
    waybill: str | None = "SF1234567890123",
    priority: str = "rush",
    sender_name: str = "WareCo Ltd",
    carrier: str = "SF Express",
    service: str = "Standard",
) -> OutboundLabel:
    order = LabelOrder(
        order_no="SO-20260501-0001",
        priority=priority,
        customer_name=name,
        phone="13800138000",
        province="Zhejiang" if city == "Hangzhou" else "浙江省",
        city=city,
        district="Xihu" if city == "Hangzhou" else "西湖区",
        address=address,
        postcode="310000",
    )
    shipment = LabelShipment(
        carrier, service, waybill, weight_g=1250, package_no=1, package_count=2
    )
    sender = Sender(sender_name, "+86 571 8888 0000", "1 Cangqian Street, Yuhang, Hangzhou")
    return compose_outbound_label(order, shipment, sender, date(2026, 5, 1))


def cjk_label(**changes: str) -> OutboundLabel:
    values = {
        "name": "王小明",
        "address": "文三路 100 号 3 幢 501 室",
        "city": "杭州市",
        "sender_name": "杭州仓 WareCo",
        "carrier": "顺丰速运",
        "service": "标准快递",
        **changes,
    }
    return make_label(**values)


def decode(image: Image.Image) -> dict[str, str]:
    """Every barcode zxing-cpp finds, by format name."""
    found = zxingcpp.read_barcodes(image.convert("L"))
    return {code.format.name: code.text for code in found}


def raster_from_escpos(data: bytes) -> Image.Image:
    """Rebuild the picture the printer would print from the GS v 0 bands in ``data``."""
    bands: list[Image.Image] = []
    at = data.find(b"\x1dv0")
    while at >= 0:
        width_bytes = data[at + 4] | data[at + 5] << 8
        height = data[at + 6] | data[at + 7] << 8
        start = at + 8
        raster = data[start : start + width_bytes * height]
        # ESC/POS raster: 1 = burn a dot; PIL "1" mode: 1 = white.
        inverted = bytes(255 - b for b in raster)
        bands.append(Image.frombytes("1", (width_bytes * 8, height), inverted))
        at = data.find(b"\x1dv0", start + len(raster))
    assert bands, "no raster image in the bytes"
    sheet = Image.new("1", (bands[0].width, sum(b.height for b in bands)), 1)
    y = 0
    for band in bands:
        sheet.paste(band, (0, y))
        y += band.height
    return sheet


# --------------------------------------------------------------------------- ASCII labels


def test_golden_bytes_for_an_ascii_label() -> None:
    data = outbound_label_escpos(make_label(), width_dots=576, cjk_mode="raster")
    if os.environ.get("WARETERM_REGEN_GOLDEN"):
        lines = [data[i : i + 32].hex() for i in range(0, len(data), 32)]
        header = (
            "# ESC/POS bytes of tests/devices/test_render.py make_label(), 576 dots, hex.\n"
            "# Regenerate: WARETERM_REGEN_GOLDEN=1 .venv/bin/pytest tests/devices/test_render.py"
            " -k golden\n"
        )
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(header + "\n".join(lines) + "\n")
    expected = bytes.fromhex(
        "".join(line for line in GOLDEN.read_text().splitlines() if not line.startswith("#"))
    )
    assert data == expected


def test_ascii_label_is_native_text_barcode_and_qr() -> None:
    label = make_label()
    data = outbound_label_escpos(label)
    assert data.startswith(b"\x1b@")
    assert b"\x1dv0" not in data  # no raster image
    waybill = b"{BSF1234567890123"
    assert b"\x1dkI" + bytes([len(waybill)]) + waybill in data  # native CODE128, code set B
    payload = label.qr_payload.encode()
    assert b"\x1d(k" + (len(payload) + 3).to_bytes(2, "little") + b"1P0" + payload in data
    assert b"Wang Xiaoming" in data and b"SO-20260501-0001" in data
    assert b"RUSH" in data
    assert data.endswith(b"\x1dV\x00")  # cut
    assert data == outbound_label_escpos(make_label())  # deterministic


def test_native_code128_data() -> None:
    assert native_code128_data("SF123") == "{BSF123"
    assert native_code128_data("A{B") == "{BA{{B"
    assert native_code128_data("123456") == "{C\x0c\x22\x38"
    assert native_code128_data("12345") == "{B12345"


def test_numeric_waybill_uses_code_set_c() -> None:
    data = outbound_label_escpos(make_label(waybill="773012345678"))
    packed = b"{C" + bytes([77, 30, 12, 34, 56, 78])
    assert b"\x1dkI" + bytes([len(packed)]) + packed in data


def test_label_without_waybill_yet() -> None:
    label = make_label(waybill=None)
    data = outbound_label_escpos(label)
    assert b"WAYBILL PENDING" in data and b"\x1dkI" not in data
    assert parse_qr_payload(label.qr_payload)["waybill"] is None
    assert "Code128" not in decode(render_outbound_image(label))


def test_standard_and_deferred_labels_have_no_rush_mark() -> None:
    assert b"RUSH" not in outbound_label_escpos(make_label(priority="standard"))
    assert b"DEFERRED" in outbound_label_escpos(make_label(priority="deferred"))


# --------------------------------------------------------------------------- images and scans


def test_rendered_label_scans() -> None:
    label = cjk_label()
    image = render_outbound_image(label)
    assert image.mode == "1" and image.width == 576
    assert 700 < image.height < 1600
    codes = decode(image)
    assert codes["Code128"] == "SF1234567890123"
    assert codes["QRCode"] == label.qr_payload
    data = parse_qr_payload(codes["QRCode"])
    assert data == {
        "order": "SO-20260501-0001",
        "waybill": "SF1234567890123",
        "city": "杭州市",
        "package": "1/2",
    }


def test_preview_png_scans(tmp_path: Path) -> None:
    label = cjk_label()
    path = save_preview_png(label, tmp_path / "label.png")
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert round(png.info["dpi"][0]) == 203
        codes = decode(png)
    assert codes["Code128"] == label.waybill_no
    assert codes["QRCode"] == label.qr_payload


def test_cjk_label_goes_to_the_printer_as_a_raster_that_scans() -> None:
    label = cjk_label()
    data = outbound_label_escpos(label, cjk_mode="raster")
    assert data.startswith(b"\x1b@\x1dv0")
    assert data.endswith(b"\x1dV\x00")
    assert "王小明".encode("gb18030") not in data and "王小明".encode() not in data
    printed = raster_from_escpos(data)
    assert printed.size == render_outbound_image(label).size
    codes = decode(printed)
    assert codes["Code128"] == "SF1234567890123"
    assert codes["QRCode"] == label.qr_payload
    assert data == outbound_label_escpos(cjk_label(), cjk_mode="raster")  # deterministic


def test_auto_mode_rasters_on_stock_profiles() -> None:
    label = cjk_label()
    assert outbound_label_escpos(label, cjk_mode="auto") == outbound_label_escpos(
        label, cjk_mode="raster"
    )
    assert render.speaks_gb18030(None) is False
    assert render.speaks_gb18030("TM-T88V") is False


def test_gb18030_mode_sends_chinese_text() -> None:
    label = cjk_label()
    data = outbound_label_escpos(label, cjk_mode="gb18030")
    assert b"\x1dv0" not in data
    assert data.startswith(b"\x1b@\x1c&")  # reset, then Chinese character mode
    assert "王小明".encode("gb18030") in data
    assert "浙江省杭州市西湖区文三路 100 号 3 幢 501 室".encode("gb18030") in data
    assert " 急 RUSH ".encode("gb18030") in data
    assert b"\x1c.\x1bd\x06\x1dV\x00" in data


def test_narrow_printer() -> None:
    label = cjk_label()
    image = render_outbound_image(label, width_dots=384)
    assert image.width == 384
    assert decode(image)["Code128"] == "SF1234567890123"
    data = outbound_label_escpos(make_label(), width_dots=384)
    assert b"\x1dw\x02" in data
    with pytest.raises(ValueError, match="multiple of 8"):
        render_outbound_image(label, width_dots=300)


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown printer profile 'NoSuchPrinter'"):
        outbound_label_escpos(make_label(), profile="NoSuchPrinter")


# --------------------------------------------------------------------------- CJK font


def test_the_cjk_font_draws_chinese() -> None:
    font_path = find_cjk_font()
    assert draws_cjk(font_path)
    assert not draws_cjk(LATIN_ONLY_FONT)


def _glyph(font_path: Path, ch: str) -> bytes:
    font = ImageFont.truetype(str(font_path), 48)
    canvas = Image.new("L", (64, 64), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(canvas).text((8, 4), ch, font=font, fill=0)
    return canvas.tobytes()


def test_name_characters_are_real_glyphs_not_boxes() -> None:
    # A font without Chinese draws every character as the same "missing" box (tofu).
    name = "王小明张伟"
    tofu = {_glyph(LATIN_ONLY_FONT, ch) for ch in name}
    assert len(tofu) == 1
    glyphs = {_glyph(find_cjk_font(), ch) for ch in name}
    assert len(glyphs) == len(name)
    assert not glyphs & tofu


def test_the_name_is_drawn_on_the_label() -> None:
    first = render_outbound_image(cjk_label(name="王小明"))
    second = render_outbound_image(cjk_label(name="张大伟"))
    assert first.size == second.size
    diff = [
        y
        for y in range(first.height)
        if first.crop((0, y, first.width, y + 1)).tobytes()
        != second.crop((0, y, second.width, y + 1)).tobytes()
    ]
    assert diff, "changing the name changed nothing on the label"
    # The changed rows are one band (the name line), with ink in both pictures.
    assert max(diff) - min(diff) < 90
    band = (0, min(diff), first.width, max(diff) + 1)
    for image in (first, second):
        assert image.crop(band).convert("L").getextrema()[0] == 0


def test_missing_font_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_found_font", None)
    monkeypatch.setattr(render, "_package_font", lambda: None)
    monkeypatch.setattr(render, "SYSTEM_CJK_FONTS", ())
    monkeypatch.delenv(render.FONT_ENV, raising=False)
    with pytest.raises(CjkFontMissing) as caught:
        find_cjk_font()
    message = str(caught.value)
    assert "pip install pylopdf-fonts-zh-cn" in message
    assert "apt-get install fonts-wqy-microhei" in message
    assert "WARETERM_CJK_FONT" in message
    # An ASCII label prints natively, so it still prints without the font.
    assert outbound_label_escpos(make_label()).endswith(b"\x1dV\x00")


def test_font_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_found_font", None)
    monkeypatch.setenv(render.FONT_ENV, str(LATIN_ONLY_FONT))
    with pytest.raises(CjkFontMissing, match="WARETERM_CJK_FONT=.*has Chinese characters"):
        find_cjk_font()
    real = render._package_font() or next(
        Path(p) for p in render.SYSTEM_CJK_FONTS if Path(p).is_file()
    )
    monkeypatch.setattr(render, "_found_font", None)
    monkeypatch.setenv(render.FONT_ENV, str(real))
    assert find_cjk_font() == real


# --------------------------------------------------------------------------- injected control bytes


DIRTY = {
    "name": "Bob\x1b@ Smith\x1dV\x00",
    "address": "1 Main St\r\n\x1b[2J\x10\x04\x01Flat 2\x7f\x9b",
    "sender_name": "Ware\x1b!\x30Co\u202e",
}
CLEANED = {
    "name": "Bob@ SmithV",
    "address": "1 Main St [2JFlat 2",
    "sender_name": "Ware!0Co",
}


def test_control_bytes_in_text_never_reach_the_printer() -> None:
    dirty = make_label(**DIRTY)
    clean = make_label(**CLEANED)
    assert dirty == clean
    data = outbound_label_escpos(dirty)
    assert data == outbound_label_escpos(clean)
    assert data.count(b"\x1b@") == 1  # only our own reset at the start
    for injected in (b"\x1b[2J", b"\x10\x04\x01", b"\x1b!0Co", b"\x7f", b"\x9b"):
        assert injected not in data


def test_control_bytes_in_chinese_labels_never_reach_the_printer() -> None:
    dirty = cjk_label(name="王\x1b@小明\x1dV\x00", address="文三路\x1b[2J\n100 号")
    clean = cjk_label(name="王@小明V", address="文三路[2J 100 号")
    for mode in ("gb18030", "raster"):
        assert outbound_label_escpos(dirty, cjk_mode=mode) == outbound_label_escpos(
            clean, cjk_mode=mode
        )


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_any_text_prints_like_its_neutralised_form(name: str, address: str) -> None:
    dirty = make_label(name=name, address=address)
    clean = make_label(name=neutralise(name), address=neutralise(address))
    assert outbound_label_escpos(dirty, cjk_mode="gb18030") == outbound_label_escpos(
        clean, cjk_mode="gb18030"
    )


# --------------------------------------------------------------------------- wrapping


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="ab cd 中文地址路号 123-", max_size=80), st.integers(60, 400))
def test_wrap_to_width_keeps_every_character(text: str, width: int) -> None:
    font = ImageFont.truetype(str(find_cjk_font()), 24)
    lines = wrap_to_width(text, font, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert font.getlength(line) <= width or len(line) == 1


def test_wrap_columns_counts_cjk_as_two() -> None:
    assert wrap_columns("浙江省杭州市西湖区", 8) == ["浙江省杭", "州市西湖", "区"]
    assert wrap_columns("100 Wensan Road", 9) == ["100", "Wensan", "Road"]


# --------------------------------------------------------------------------- code labels


CODE_LABELS = [
    BinLabel("L:A-01-02", "A-01-02"),
    SkuLabel("SKU-1001", "蓝色保温杯 500ml"),
    ToteLabel("T:0042", "Tote 42"),
]


@pytest.mark.parametrize("label", CODE_LABELS, ids=lambda label: label.code)
def test_code_label_image_scans(label: CodeLabel) -> None:
    image = render_code_label_image(label)
    assert image.mode == "1"
    assert decode(image) == {"Code128": label.code}


@settings(max_examples=25, deadline=None)
# Codes the catalog can hold are 3-64 characters (core.codes.normalize_barcode); zxing does not
# report a shorter Code 128 symbol.
@given(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=3, max_size=64)
)
def test_any_printable_code_draws_a_readable_code128(code: str) -> None:
    label = CodeLabel(code[:24])
    if not label.code:  # all spaces: neutralised away and refused by the label itself
        return
    image = render_code_label_image(label)
    assert decode(image).get("Code128") == label.code


def test_write_code_labels_png(tmp_path: Path) -> None:
    paths = write_code_labels(CODE_LABELS, tmp_path / "out", fmt="png")
    assert [p.name for p in paths] == ["bin-L_A-01-02.png", "sku-SKU-1001.png", "tote-T_0042.png"]
    for label, path in zip(CODE_LABELS, paths, strict=True):
        with Image.open(path) as png:
            assert decode(png) == {"Code128": label.code}


def test_write_code_labels_svg(tmp_path: Path) -> None:
    paths = write_code_labels(CODE_LABELS, tmp_path, fmt="svg")
    assert [p.suffix for p in paths] == [".svg"] * 3
    for label, path in zip(CODE_LABELS, paths, strict=True):
        document = xml.dom.minidom.parse(str(path))
        texts = [
            node.firstChild.data
            for node in document.getElementsByTagName("text")
            if node.firstChild is not None
        ]
        assert label.code in texts and label.caption in texts
        assert document.getElementsByTagName("rect")


def test_write_code_labels_never_overwrites_a_sibling(tmp_path: Path) -> None:
    paths = write_code_labels([BinLabel("L:A-1"), BinLabel("L_A-1")], tmp_path)
    assert [p.name for p in paths] == ["bin-L_A-1.png", "bin-L_A-1-2.png"]


def test_code_labels_on_the_printer() -> None:
    data = code_label_escpos(CODE_LABELS, cjk_mode="raster")
    assert data.count(b"\x1dV\x00") == 3  # one cut per label
    assert b"\x1dkI\x0b{BL:A-01-02" in data
    assert b"\x1dkI\x08{BT:0042" in data
    # The Chinese caption went as a raster picture; its barcode still scans from the bytes.
    sku_part = data[data.index(b"\x1dv0") : data.index(b"\x1dkI\x08")]
    assert decode(raster_from_escpos(sku_part)) == {"Code128": "SKU-1001"}
    assert data == code_label_escpos(CODE_LABELS, cjk_mode="raster")


def test_code_labels_in_gb18030() -> None:
    data = code_label_escpos([CODE_LABELS[1]], cjk_mode="gb18030")
    assert "蓝色保温杯 500ml".encode("gb18030") in data
    assert b"\x1dkI\x0a{BSKU-1001" in data


def test_rush_band_is_inverted() -> None:
    def black_rows(label: OutboundLabel) -> int:
        # Rows at the top that are almost all black: the "急 RUSH" band (rules are 3 rows).
        image = render_outbound_image(label).convert("L")
        rows = [image.crop((0, y, image.width, y + 1)).histogram()[0] for y in range(250)]
        return sum(1 for black in rows if black > image.width * 0.8)

    assert black_rows(cjk_label(priority="rush")) > 40
    assert black_rows(cjk_label(priority="standard")) < 10


def test_module_has_no_stray_print(capsys: pytest.CaptureFixture[str]) -> None:
    outbound_label_escpos(make_label())
    outbound_label_escpos(cjk_label())
    code_label_escpos(CODE_LABELS)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("code", ["990", "99", "9999", "SF1234567890990", "A-01-02", "12345", "0"])
def test_code128_encoding_keeps_every_character(code: str) -> None:
    """python-barcode 0.16 encodes "990" as "0"; our encoder must not lose a pair."""
    label = CodeLabel(code=code, caption="") if len(code) >= 3 else None
    values = code128_values(code)
    assert values[-1] == (values[0] + sum(i * v for i, v in enumerate(values[1:-1], 1))) % 103
    if label is not None:
        assert decode(render_code_label_image(label)) == {"Code128": code}


@pytest.mark.parametrize("fmt", ["png"])
def test_label_files_keep_numeric_codes(tmp_path: Path, fmt: str) -> None:
    from PIL import Image

    paths = write_code_labels(
        [CodeLabel(code="990", caption=""), CodeLabel("99990", "")], tmp_path, fmt
    )
    assert [decode(Image.open(path)).get("Code128") for path in paths] == ["990", "99990"]
