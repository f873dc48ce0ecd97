"""The e-waybill label (一联单, 76 × 130 mm): routing code large at the top, 集包地 and sorting
code, a privacy-masked recipient, and a Code 128 that reads back as the waybill number at the
printer's real width."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from core.labels import (
    LabelOrder,
    LabelShipment,
    Sender,
    compose_outbound_label,
    mask_name,
    mask_phone,
)
from devices.render import (
    ONE_PART_HEIGHT_DOTS,
    ONE_PART_WIDTH_DOTS,
    outbound_label_escpos,
    render_outbound_image,
    save_preview_png,
)

ORDER = LabelOrder(
    order_no="TB-20261121-0001",
    priority="standard",
    customer_name="张三丰",
    phone="13812345678",
    province="广东省",
    city="深圳市",
    district="南山区",
    address="科技南十二路 2 号 金蝶软件园 B10",
    postcode="518057",
)
SENDER = Sender("杭州仓", "0571-88886666", "浙江省杭州市余杭区仓前街道 1 号")


def waybill_label(privacy: bool = True, number: str = "JDE0000000001"):  # type: ignore[no-untyped-def]
    shipment = LabelShipment(
        "京东物流 JD",
        "标准快递",
        number,
        weight_g=1250,
        package_no=1,
        package_count=1,
        mark_destination="粤-深圳 南山 03",
        package_name="深圳集包",
        sorting_code="755-W12",
    )
    return compose_outbound_label(ORDER, shipment, SENDER, date(2026, 11, 21), privacy=privacy)


def test_masking_rules() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "+86****5678"
    assert mask_phone("88886666") == "******66"
    assert mask_phone("") == ""
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李"


def test_the_label_masks_phone_and_name_unless_told_not_to() -> None:
    label = waybill_label()
    assert label.recipient.phone == "138****5678" and label.recipient.name == "张**"
    assert "13812345678" not in " ".join(label.texts())
    plain = waybill_label(privacy=False)
    assert plain.recipient.phone == "13812345678" and plain.recipient.name == "张三丰"


def test_the_76x130_label_reads_back_its_number_and_fits(tmp_path: Path) -> None:
    label = waybill_label()
    assert ONE_PART_WIDTH_DOTS == 600  # 76 mm at 203 dpi, whole bytes
    path = save_preview_png(label, tmp_path / "label.png", ONE_PART_WIDTH_DOTS)
    image = Image.open(path)
    assert image.width == ONE_PART_WIDTH_DOTS
    assert image.height <= ONE_PART_HEIGHT_DOTS, "the label must fit 130 mm"
    found = {c.format.name: c.text for c in zxingcpp.read_barcodes(image.convert("L"))}
    assert found.get("Code128") == "JDE0000000001"
    # the routing code is drawn at the top, above the barcode
    top = image.convert("L").crop((0, 0, image.width, 90))
    assert top.getextrema()[0] == 0
    (code,) = [c for c in zxingcpp.read_barcodes(image.convert("L")) if c.format.name == "Code128"]
    assert code.position.top_left.y > 120


def test_the_printed_bytes_carry_the_same_barcode() -> None:
    data = outbound_label_escpos(waybill_label(), width_dots=ONE_PART_WIDTH_DOTS)
    assert data and b"\x1dv0" in data  # CJK routing text: printed as raster


@pytest.mark.parametrize("number", ["JDE0000000001", "SF1234567890123", "YT-7788990011"])
def test_every_number_decodes_at_the_printer_width(number: str) -> None:
    image = render_outbound_image(waybill_label(number=number), ONE_PART_WIDTH_DOTS)
    found = {c.format.name: c.text for c in zxingcpp.read_barcodes(image.convert("L"))}
    assert found.get("Code128") == number


def test_composing_and_rendering_takes_at_most_150_ms() -> None:
    render_outbound_image(waybill_label(), ONE_PART_WIDTH_DOTS)  # fonts loaded once
    best = min(_timed() for _ in range(3))
    assert best <= 0.150, f"{best * 1000:.0f} ms"


def _timed() -> float:
    started = time.perf_counter()
    render_outbound_image(waybill_label(), ONE_PART_WIDTH_DOTS)
    return time.perf_counter() - started
