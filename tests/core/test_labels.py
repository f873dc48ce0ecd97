"""What labels say: neutralised text, the outbound label's fields and QR payload, code labels."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.labels import (
    BinLabel,
    CodeLabel,
    LabelError,
    LabelOrder,
    LabelShipment,
    OutboundLabel,
    Recipient,
    Sender,
    SkuLabel,
    ToteLabel,
    compose_outbound_label,
    needs_cjk,
    neutralise,
    parse_qr_payload,
    qr_payload,
)

SENDER = Sender("WareCo 杭州仓", "0571-88880000", "浙江省杭州市余杭区仓前街道 1 号")


def order(**changes: str) -> LabelOrder:
    values = {
        "order_no": "SO-1001",
        "priority": "standard",
        "customer_name": "王小明",
        "phone": "13800138000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路 100 号",
        "postcode": "310000",
        **changes,
    }
    return LabelOrder(**values)


def shipment(**changes: object) -> LabelShipment:
    values: dict[str, object] = {
        "carrier": "SF",
        "service": "标快",
        "waybill_no": "SF1234567890123",
        "weight_g": 1250,
        "package_no": 1,
        "package_count": 2,
        **changes,
    }
    return LabelShipment(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("王小明", "王小明"),
        ("Bob\x1b@Smith", "Bob@Smith"),
        ("\x1b[2J\x1b[1;1HHello", "[2J[1;1HHello"),
        ("cut\x1dV\x00here", "cutVhere"),
        ("line one\nline two\r\nthree", "line one line two three"),
        ("tab\there", "tab here"),
        ("  spaced   out  ", "spaced out"),
        ("full\u3000width\u00a0space", "full width space"),
        ("del\x7fc1\x9b[31m", "delc1[31m"),
        ("bidi\u202egnirts\u202c", "bidignirts"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("para\u2028graph\u2029end", "para graph end"),
        ("e\u0301", "\u00e9"),  # NFC
        ("", ""),
        ("\x00\x01\x02", ""),
    ],
)
def test_neutralise(raw: str, clean: str) -> None:
    assert neutralise(raw) == clean


@given(st.text())
def test_neutralised_text_has_no_control_characters(text: str) -> None:
    clean = neutralise(text)
    for ch in clean:
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Cs", "Zl", "Zp"), repr(ch)
        assert category != "Cf" or ch in "\u200c\u200d", repr(ch)
        assert ch == " " or not ch.isspace(), repr(ch)
    assert "  " not in clean
    assert clean == clean.strip()
    assert neutralise(clean) == clean


@given(st.text(alphabet=st.characters(categories=["Lo", "Lu", "Ll", "Nd", "P"])))
def test_neutralise_keeps_ordinary_text(text: str) -> None:
    assert neutralise(text) == unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- outbound labels


def test_compose_outbound_label() -> None:
    label = compose_outbound_label(order(), shipment(), SENDER, date(2026, 5, 1))
    assert label.recipient == Recipient(
        "王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 100 号", "310000"
    )
    assert label.recipient.full_address == "浙江省杭州市西湖区文三路 100 号"
    assert label.sender == SENDER
    assert (label.order_no, label.carrier, label.service) == ("SO-1001", "SF", "标快")
    assert label.waybill_no == "SF1234567890123"
    assert (label.package_no, label.package_count, label.package_text) == (1, 2, "1/2")
    assert (label.weight_g, label.weight_text) == (1250, "1.25 kg")
    assert label.priority == "standard" and not label.is_rush
    assert label.printed_on == date(2026, 5, 1)
    assert label.qr_payload.isascii()
    assert parse_qr_payload(label.qr_payload) == {
        "order": "SO-1001",
        "waybill": "SF1234567890123",
        "city": "杭州市",
        "package": "1/2",
    }


def test_qr_payload_is_compact_ascii_json() -> None:
    payload = qr_payload("SO-1", "SF1", "杭州市", "1/2")
    assert payload == (
        '{"order":"SO-1","waybill":"SF1","city":"\\u676d\\u5dde\\u5e02","package":"1/2"}'
    )


def test_every_text_field_is_neutralised() -> None:
    dirty = order(
        order_no="SO-1\x1b@",
        customer_name="王\x1b[2J小明",
        phone="138\n0013\x1dV8000",
        city="杭州\x00市",
        address="文三路\r\n100 号\x7f",
    )
    sender = Sender("Ware\x1bCo", "0571\x10\x04\x01", "line\nbreak")
    label = compose_outbound_label(
        dirty, shipment(carrier="SF\x1b!0", service="标快\u202e"), sender, date(2026, 5, 1)
    )
    for text in label.texts():
        assert text == neutralise(text)
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text)
    assert label.recipient.name == "王[2J小明"
    assert label.recipient.phone == "138 0013V8000"
    assert parse_qr_payload(label.qr_payload)["city"] == "杭州市"
    assert label.order_no == "SO-1@"
    assert label.sender.address == "line break"


def test_labels_built_directly_are_neutralised_too() -> None:
    recipient = Recipient("A\x1bB", "1", "P", "C", "D", "Addr\n2")
    label = OutboundLabel(
        sender=SENDER,
        recipient=recipient,
        order_no="SO\x1b1",
        carrier="C",
        service="S",
        waybill_no="W\x1b1",
        qr_payload="{}",
        weight_g=None,
        package_no=1,
        package_count=1,
        priority="rush",
        printed_on=date(2026, 5, 1),
    )
    assert (label.recipient.name, label.recipient.address) == ("AB", "Addr 2")
    assert (label.order_no, label.waybill_no) == ("SO1", "W1")
    assert label.is_rush and label.weight_text == ""


def test_label_before_a_waybill_exists() -> None:
    label = compose_outbound_label(order(), shipment(waybill_no=None), SENDER, date(2026, 5, 1))
    assert label.waybill_no is None
    assert parse_qr_payload(label.qr_payload)["waybill"] is None
    blank = compose_outbound_label(order(), shipment(waybill_no="\x1b"), SENDER, date(2026, 5, 1))
    assert blank.waybill_no is None


@pytest.mark.parametrize(
    ("order_changes", "shipment_changes", "says"),
    [
        ({"priority": "urgent"}, {}, "priority 'urgent'"),
        ({"order_no": "\x1b"}, {}, "order number"),
        ({}, {"package_no": 3, "package_count": 2}, "package 3/2"),
        ({}, {"package_no": 0}, "package 0/2"),
        ({}, {"weight_g": -5}, "negative"),
        ({}, {"waybill_no": "顺丰123"}, "Code 128"),
        ({}, {"waybill_no": "X" * 49}, "too long"),
    ],
)
def test_impossible_labels_are_refused(
    order_changes: dict[str, str], shipment_changes: dict[str, object], says: str
) -> None:
    with pytest.raises(LabelError, match=says):
        compose_outbound_label(
            order(**order_changes), shipment(**shipment_changes), SENDER, date(2026, 5, 1)
        )


def test_priority_enum_values_are_accepted() -> None:
    from core.model import Priority

    label = compose_outbound_label(
        order(priority=Priority.RUSH), shipment(), SENDER, date(2026, 5, 1)
    )
    assert label.priority == "rush" and type(label.priority) is str


def test_full_address_spacing() -> None:
    latin = Recipient("Bob", "1", "Zhejiang", "Hangzhou", "Xihu", "100 Wensan Rd")
    assert latin.full_address == "Zhejiang Hangzhou Xihu 100 Wensan Rd"
    mixed = Recipient("王", "1", "浙江省", "杭州市", "", "Block B 501")
    assert mixed.full_address == "浙江省杭州市 Block B 501"


def test_needs_cjk() -> None:
    latin_order = order(
        customer_name="Bob", province="ZJ", city="HZ", district="XH", address="1 Rd"
    )
    latin_sender = Sender("WareCo", "0571", "1 Street")
    ascii_label = compose_outbound_label(
        latin_order, shipment(service="Std"), latin_sender, date(2026, 5, 1)
    )
    assert not needs_cjk(ascii_label)
    assert needs_cjk(compose_outbound_label(order(), shipment(), SENDER, date(2026, 5, 1)))
    accented = compose_outbound_label(
        latin_order, shipment(service="Exprès"), latin_sender, date(2026, 5, 1)
    )
    assert needs_cjk(accented)  # not printable ASCII: the printer's code page is not trusted


def test_parse_qr_payload_rejects_other_codes() -> None:
    with pytest.raises(LabelError):
        parse_qr_payload("https://example.com")
    with pytest.raises(LabelError):
        parse_qr_payload('{"waybill": "x"}')


# --------------------------------------------------------------------------- code labels


def test_code_labels() -> None:
    assert (BinLabel.kind, SkuLabel.kind, ToteLabel.kind) == ("bin", "sku", "tote")
    label = SkuLabel("SKU-1001", "蓝色\n保温杯\x1b@")
    assert (label.code, label.caption) == ("SKU-1001", "蓝色 保温杯@")
    assert needs_cjk(label) and not needs_cjk(ToteLabel("T:0042", "Tote 42"))
    assert CodeLabel("L:A-01-02").caption == ""


@pytest.mark.parametrize(
    ("code", "says"), [("", "empty"), ("库位1", "Code 128"), ("x" * 49, "long")]
)
def test_bad_codes_are_refused(code: str, says: str) -> None:
    with pytest.raises(LabelError, match=says):
        BinLabel(code)


def test_labels_module_is_pure() -> None:
    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys, core.labels\n"
        "banned = ('PIL', 'escpos', 'serial', 'barcode', 'qrcode', 'textual', 'sqlite3')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in banned]\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60)
