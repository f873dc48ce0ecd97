"""The two-part e-waybill (二联单, 100 × 180 mm): the courier's part and the recipient's stub,
each with a Code 128 that reads back as the waybill number at the printer's real width, and the
recipient masked as on the one-part label."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from core.labels import LabelError, LabelShipment, compose_outbound_label
from devices.render import (
    ONE_PART_WIDTH_DOTS,
    TWO_PART_HEIGHT_DOTS,
    TWO_PART_WIDTH_DOTS,
    outbound_label_escpos,
    render_outbound_image,
    save_preview_png,
)
from tests.devices.test_waybill_label import ORDER, SENDER


def two_part(privacy: bool = True, number: str = "JDE0000000001", package_no: int = 1):  # type: ignore[no-untyped-def]
    shipment = LabelShipment(
        "京东物流 JD",
        "标准快递",
        number,
        weight_g=1250,
        package_no=package_no,
        package_count=2,
        mark_destination="粤-深圳 南山 03",
        package_name="深圳集包",
        sorting_code="755-W12",
    )
    return compose_outbound_label(
        ORDER, shipment, SENDER, date(2026, 11, 21), privacy=privacy, layout="100x180"
    )


def _codes(image: Image.Image) -> list[tuple[str, str, int]]:
    return [
        (c.format.name, c.text, c.position.top_left.y)
        for c in zxingcpp.read_barcodes(image.convert("L"))
    ]


def test_both_parts_read_back_the_number_at_100_mm_and_fit_180_mm(tmp_path: Path) -> None:
    assert TWO_PART_WIDTH_DOTS == 792  # 100 mm at 203 dpi, whole bytes
    path = save_preview_png(two_part(), tmp_path / "label.png", TWO_PART_WIDTH_DOTS)
    image = Image.open(path)
    assert image.width == TWO_PART_WIDTH_DOTS
    assert image.height <= TWO_PART_HEIGHT_DOTS, "the label must fit 180 mm"
    barcodes = [(text, y) for kind, text, y in _codes(image) if kind == "Code128"]
    assert [text for text, _ in barcodes] == ["JDE0000000001", "JDE0000000001"]
    upper, lower = sorted(y for _, y in barcodes)
    # one on the courier's part, one on the stub below the perforation
    assert upper < image.height / 2 < lower
    assert any(kind == "QRCode" and "JDE0000000001" in text for kind, text, _ in _codes(image))


def test_the_two_part_layout_is_not_the_one_part_one() -> None:
    one = compose_outbound_label(
        ORDER,
        LabelShipment("京东物流 JD", "标准快递", "JDE0000000001", mark_destination="粤-深圳"),
        SENDER,
        date(2026, 11, 21),
    )
    assert one.layout == "76x130"
    one_image = render_outbound_image(one, TWO_PART_WIDTH_DOTS)
    two_image = render_outbound_image(two_part(), TWO_PART_WIDTH_DOTS)
    one_codes = [c for c in _codes(one_image) if c[0] == "Code128"]
    assert len(one_codes) == 1 and two_image.height > one_image.height


@pytest.mark.parametrize("number", ["JDE0000000001", "SF1234567890123", "YT-7788990011"])
def test_every_number_decodes_at_the_printer_width(number: str) -> None:
    for width in (TWO_PART_WIDTH_DOTS, ONE_PART_WIDTH_DOTS):
        image = render_outbound_image(two_part(number=number), width)
        assert [t for k, t, _ in _codes(image) if k == "Code128"] == [number, number]


def test_the_two_part_label_masks_the_recipient_unless_told_not_to() -> None:
    label = two_part()
    assert label.recipient.phone == "138****5678" and label.recipient.name == "张**"
    assert "13812345678" not in " ".join(label.texts())
    plain = two_part(privacy=False)
    assert plain.recipient.phone == "13812345678" and plain.recipient.name == "张三丰"


def test_printed_as_a_raster_as_wide_as_the_printer() -> None:
    data = outbound_label_escpos(two_part(), width_dots=TWO_PART_WIDTH_DOTS)
    start = data.index(b"\x1dv0")
    assert data[start + 4] == TWO_PART_WIDTH_DOTS // 8 and data[start + 5] == 0


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(LabelError, match="100x180"):
        compose_outbound_label(
            ORDER, LabelShipment("JD", "标准快递", "JDE1"), SENDER, date(2026, 11, 21), layout="A4"
        )


GOLDEN = Path(__file__).parent / "golden" / "ewaybill_sha256.txt"


def _golden_labels() -> dict[str, Image.Image]:
    one = compose_outbound_label(
        ORDER,
        LabelShipment(
            "京东物流 JD", "标准快递", "JDE0000000001", weight_g=1250, mark_destination="粤-深圳"
        ),
        SENDER,
        date(2026, 11, 21),
    )
    return {
        "76x130": render_outbound_image(one, ONE_PART_WIDTH_DOTS),
        "100x180": render_outbound_image(two_part(), TWO_PART_WIDTH_DOTS),
        "100x180 unmasked": render_outbound_image(two_part(privacy=False), TWO_PART_WIDTH_DOTS),
    }


def test_both_layouts_print_the_golden_pixels() -> None:
    """Both e-waybill layouts draw the recipient, sender and order blocks with shared code;
    the pixels stay what they were when the blocks were written out in each layout."""
    found = {
        name: hashlib.sha256(image.tobytes()).hexdigest()
        for name, image in _golden_labels().items()
    }
    if os.environ.get("WARETERM_REGEN_GOLDEN"):
        GOLDEN.write_text(
            "# sha256 of the 1-bit pixels of tests/devices/test_two_part_label.py's labels.\n"
            "# Regenerate: WARETERM_REGEN_GOLDEN=1 .venv/bin/pytest"
            " tests/devices/test_two_part_label.py -k golden\n"
            + "".join(f"{name}\t{digest}\n" for name, digest in found.items())
        )
    expected = dict(
        line.split("\t")
        for line in GOLDEN.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert found == expected
