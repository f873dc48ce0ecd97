"""The words an e-waybill prints around the data (收, 寄, 签收人, 收件联 …) come from the message
catalog in the printing process's language; with the Chinese catalog they print as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core import i18n
from core.labels import LabelOrder, LabelShipment, Sender, compose_outbound_label
from devices import render
from devices.render import ONE_PART_WIDTH_DOTS, TWO_PART_WIDTH_DOTS, render_outbound_image
from tests.test_i18n import write_mo

#: A catalog that says every e-waybill word differently, so a word printed without it shows.
WORDS = {
    "收 {name}  {phone}": "TO {name}  {phone}",
    "收 {name}  {phone}  {address}": "TO {name}  {phone}  {address}",
    "寄 {name}  {phone}": "FROM {name}  {phone}",
    "签收人:": "Signed by:",
    "时间:": "Time:",
    "收件联": "RECIPIENT'S PART",
    "订单 {order}": "Order {order}",
    "重量 {weight}": "Weight {weight}",
    "件数 {packages}": "Parcel {packages}",
    "急 RUSH": "RUSH",
    "集包地 {hub}": "Hub {hub}",
    "分拣 {code}": "Sort {code}",
}

ORDER = LabelOrder(
    order_no="TB-1",
    priority="rush",
    customer_name="Zhang San",
    phone="13812345678",
    province="GD",
    city="Shenzhen",
    district="Nanshan",
    address="2 Keji Road",
    postcode="518057",
)


@pytest.fixture
def other_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    folder = tmp_path / "locale"
    write_mo(folder / "zh_CN" / "LC_MESSAGES" / "wareterm.mo", WORDS)
    i18n.set_language("zh_CN", folder)
    yield
    i18n.set_language(None)


def _printed(label: Any, width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every string drawn on the label."""
    drawn: list[str] = []
    put = render._Sheet.put

    def recording(self: Any, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        drawn.append(text)
        put(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(render._Sheet, "put", recording)
    render_outbound_image(label, width)
    monkeypatch.undo()
    return drawn


@pytest.mark.parametrize(
    ("layout", "width"), [("76x130", ONE_PART_WIDTH_DOTS), ("100x180", TWO_PART_WIDTH_DOTS)]
)
def test_every_word_around_the_data_comes_from_the_catalog(
    other_words: None, monkeypatch: pytest.MonkeyPatch, layout: str, width: int
) -> None:
    shipment = LabelShipment(
        "JD",
        "Std",
        "JDE0000000001",
        weight_g=1250,
        package_no=1,
        package_count=2,
        mark_destination="GD-SZ 03",
        package_name="SZ hub",
        sorting_code="755-W12",
    )
    sender = Sender("HZ warehouse", "0571-88886666", "1 Cangqian Street")
    label = compose_outbound_label(
        ORDER, shipment, sender, date(2026, 11, 21), privacy=False, layout=layout
    )
    drawn = _printed(label, width, monkeypatch)
    # the label's data is ASCII: any Chinese character printed is a word outside the catalog
    assert [text for text in drawn if not text.isascii()] == []
    text = "\n".join(drawn)
    for word in ("TO Zhang San", "FROM HZ warehouse", "Order TB-1", "Parcel 1/2", "RUSH"):
        assert word in text
    assert "Hub SZ hub Sort 755-W12" in text
    if layout == "100x180":
        for word in ("Signed by:", "Time:", "RECIPIENT'S PART", "TO Zhang San 13812345678 GD"):
            assert word in text
