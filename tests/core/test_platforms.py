"""Platform profiles, pure: header matching, quirks, status words, address splitting, masks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Rejected
from core.model import PaymentStatus
from core.platforms import (
    FileMapping,
    choose,
    clean_cell,
    divisions_from_codes,
    export_records,
    profile_from_dict,
    split_address,
    unknown_layout,
)
from core.review import WAIVABLE, ReviewInput, masked, review

DIVISIONS = divisions_from_codes(
    (line.split(",")[0], line.split(",")[1])
    for line in (Path(__file__).parents[2] / "data" / "platforms" / "divisions.csv")
    .read_text("utf-8")
    .splitlines()[1:]
)

PROFILE = profile_from_dict(
    {
        "name": "shop",
        "quirks": ["excel_text", "leading_apostrophe", "leading_tab"],
        "address_one_string": True,
        "files": [
            {
                "role": "lines",
                "required": ["order_no", "sku", "qty"],
                "columns": {
                    "order_no": ["订单号", "订单编号"],
                    "sku": "商家编码",
                    "qty": "数量",
                    "status": "订单状态",
                    "address": "收货地址",
                    "placed_at": ["付款时间", "创建时间"],
                },
            }
        ],
        "statuses": {"待发货": "import", "待付款": "unpaid", "已关闭": "skip"},
    },
    "test",
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('="3012345678901234"', "3012345678901234"),
        ("'13812345678", "13812345678"),
        ("\t6920000000000000001", "6920000000000000001"),
        (" plain ", "plain"),
        ('="', '="'),
    ],
)
def test_cells_lose_the_platforms_wrapping(raw: str, clean: str) -> None:
    assert clean_cell(raw, PROFILE.quirks) == clean


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浙江省 杭州市 西湖区 文三路 1 号(310012)", ("浙江省", "杭州市", "西湖区", "文三路 1 号", "310012")),
        ("广东深圳南山区科技园", ("广东省", "深圳市", "南山区", "科技园", "")),
        ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号", "")),
        ("重庆 重庆市 巫山县 广东路", ("重庆市", "重庆市", "巫山县", "广东路", "")),
        ("新疆 乌鲁木齐市 天山区 x 路", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "x 路", "")),
        ("河南省 济源市 天坛路", ("河南省", "济源市", "", "天坛路", "")),
        ("广东省 东莞市 长安镇 1 号", ("广东省", "东莞市", "", "长安镇 1 号", "")),
    ],
)  # fmt: skip
def test_one_string_addresses_split_into_divisions(text: str, expected: tuple) -> None:
    split = split_address(text, DIVISIONS)
    assert split is not None
    assert (split.province, split.city, split.district, split.street, split.postcode) == expected


@pytest.mark.parametrize("text", ["火星 奥林帕斯山", "广东省 南山区 科技园", "", "浙江"])
def test_what_cannot_be_split_is_none(text: str) -> None:
    assert split_address(text, DIVISIONS) is None


@given(st.text(max_size=40))
def test_splitting_never_fails_on_any_text(text: str) -> None:
    split_address(text, DIVISIONS)


@pytest.mark.parametrize(
    "text",
    ["陈**", "151****3175", "****", "##5a6B5LiA5Liq##", "$$Zm9vYmFy$$", "$Zm9vYmFyYmF6cXV4$"],
)
def test_masked_recipients_are_recognised(text: str) -> None:
    assert masked(text)


@pytest.mark.parametrize("text", ["陈小明", "15112343175", "文三路 1 号 #3", "$5 路", ""])
def test_real_recipients_are_not_masked(text: str) -> None:
    assert not masked(text)


def test_a_masked_order_is_held_masked_recipient_and_not_bad_phone() -> None:
    order = ReviewInput(
        PaymentStatus.PAID, "陈**", "151****3175", "CN", "江苏省", "苏州市", "****", ("A",)
    )
    problems = review(order, lambda sku: True)
    assert [p.code for p in problems] == ["masked_recipient"]
    # Releasing the hold cannot waive it: the label would print masked text.
    assert "masked_recipient" not in WAIVABLE


def _rows(*rows: list[str]):
    return lambda: iter(enumerate(rows, start=2))


def test_rows_become_our_records_with_status_actions() -> None:
    header = ["订单号", "商家编码", "数量", "订单状态", "收货地址", "付款时间", "创建时间"]
    best = choose([PROFILE], [("x.csv", header)])
    assert best.complete
    mapping = FileMapping(PROFILE, best.assigned[0][1], "x.csv")
    records = list(
        export_records(
            PROFILE,
            mapping,
            _rows(
                ['="1"', "A", "2", "待发货", "浙江省杭州市西湖区文三路", "2026/11/20 10:00", ""],
                ['="2"', "A", "1", "待付款", "", "", "2026-11-20 09:00"],
                ['="3"', "A", "1", "已关闭", "", "", "2026-11-20 09:00"],
                ['="3"', "B", "1", "已关闭", "", "", "2026-11-20 09:00"],
                ['="4"', "A", "1", "什么", "", "", "2026-11-20 09:00"],
            ),
            divisions=DIVISIONS,
        )
    )
    first = records[0].fields
    assert (first["order_no"], first["payment_status"], first["placed_at"]) == (
        "1",
        "paid",
        "2026-11-20 10:00",
    )
    assert (first["province"], first["city"], first["district"], first["address"]) == (
        "浙江省",
        "杭州市",
        "西湖区",
        "文三路",
    )
    assert records[1].fields["payment_status"] == "pending"
    assert records[1].fields["placed_at"] == "2026-11-20 09:00"  # the next synonym
    assert records[2].skip and len(records) == 4  # one record for the skipped order
    assert records[3].problem and "什么" in records[3].problem


def test_unknown_layout_names_the_guess_and_what_it_expected() -> None:
    files = [("a.csv", ["订单号", "备注"])]
    best = choose([PROFILE], files)
    assert not best.complete
    message = unknown_layout(best, files)
    assert "shop" in message and "商家编码" in message and "数量" in message


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"name": "Bad Name", "files": []},
        {"name": "x", "files": [{"role": "lines", "columns": {"sku": "a"}}]},
        {"name": "x", "files": [{"role": "lines", "columns": {"sku": "a", "qty": "b", "zz": "c"}}]},
        {"name": "x", "files": [{"role": "lines", "columns": {"sku": "a", "qty": "b"}}],
         "statuses": {"x": "burn"}},
        {"name": "x", "files": [{"role": "orders", "columns": {"order_no": "a"}}]},
    ],
)  # fmt: skip
def test_malformed_profiles_are_refused(data: object) -> None:
    with pytest.raises(Rejected, match="not a platform profile"):
        profile_from_dict(data, "p.json")


def test_the_rows_of_one_order_read_as_each_row_alone_would() -> None:
    header = ["订单号", "商家编码", "数量", "订单状态", "收货地址", "付款时间", "创建时间"]
    mapping = FileMapping(PROFILE, choose([PROFILE], [("x.csv", header)]).assigned[0][1], "x.csv")
    address = "浙江省杭州市西湖区文三路(310012)"
    rows = [
        ['="5"', "A", "2", "待发货", address, "2026/11/20 10:00", ""],
        ['="5"', "B", "1", "待发货", address, "2026/11/20 10:00", ""],  # the same order fields
        ['="5"', "C", "3", "待付款", address, "2026/11/20 10:00", ""],  # another status
        ['="5"', "D", "1", "待付款", "北京市朝阳区建国路88号", "2026/11/20 10:00", ""],
        ['="6"', "A", "1", "待发货", address, "2026/11/20 10:00", ""],
    ]
    together = list(export_records(PROFILE, mapping, _rows(*rows), divisions=DIVISIONS))
    alone = [
        next(export_records(PROFILE, mapping, _rows(row), divisions=DIVISIONS)) for row in rows
    ]
    assert [r.fields for r in together] == [r.fields for r in alone]
    assert [(r.fields["sku"], r.fields["qty"]) for r in together] == [
        ("A", "2"),
        ("B", "1"),
        ("C", "3"),
        ("D", "1"),
        ("A", "1"),
    ]
    statuses = [r.fields["payment_status"] for r in together]
    assert statuses == ["paid", "paid", "pending", "pending", "paid"]
    assert together[3].fields["city"] == "北京市" and together[2].fields["city"] == "杭州市"


TWO_FILES = profile_from_dict(
    {
        "name": "two",
        "quirks": ["excel_text"],
        "files": [
            {
                "role": "orders",
                "required": ["order_no", "status"],
                "columns": {
                    "order_no": "订单编号",
                    "status": "订单状态",
                    "customer_name": "收货人",
                },
            },
            {
                "role": "lines",
                "required": ["order_no", "sku", "qty"],
                "columns": {"order_no": "订单编号", "sku": "商家编码", "qty": "数量"},
            },
        ],
        "statuses": {"待发货": "import", "已关闭": "skip"},
    },
    "test",
)


def test_an_order_file_read_by_the_first_pass_is_not_read_again() -> None:
    files = [
        ("o.csv", ["订单编号", "订单状态", "收货人"]),
        ("d.csv", ["订单编号", "商家编码", "数量"]),
    ]
    best = choose([TWO_FILES], files)
    assert best.complete
    maps = {role: FileMapping(TWO_FILES, found, "f") for role, found in best.assigned.values()}
    reads: list[int] = []

    def order_rows():
        reads.append(1)
        return _rows(['="1"', "待发货", "陈"], ['="2"', "已关闭", "王"], ['="3"', "待发货", "李"])()

    lines = _rows(['="1"', "A", "1"], ['="2"', "B", "1"], ['="1"', "C", "2"], ['="9"', "A", "1"])

    def records(keys_only: bool, read: dict | None) -> list:
        return list(
            export_records(
                TWO_FILES,
                maps["lines"],
                lines,
                orders_file=maps["orders"],
                orders_rows=order_rows,
                keys_only=keys_only,
                orders_read=read,
            )
        )

    plain = (records(True, None), records(False, None))
    assert len(reads) == 2
    read: dict = {}
    shared = (records(True, read), records(False, read))
    assert len(reads) == 3  # the second pass took the headers the first one read
    for mine, theirs in zip(shared, plain, strict=True):
        assert [(r.line, r.fields, r.problem, r.skip) for r in mine] == [
            (r.line, r.fields, r.problem, r.skip) for r in theirs
        ]
    assert [r.fields.get("customer_name") for r in shared[1]] == ["陈", "王", "陈", None, None]
