"""The merge, split and customer-class rules: pure functions over plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.customers import CustomerClass, classify, customer_key
from core.merging import (
    MergeCandidate,
    PartLine,
    merge_groups,
    merge_key,
    normalised,
    normalised_phone,
    parcels,
    split_available,
)
from core.model import Priority

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def order(order_no: str, **changes: object) -> MergeCandidate:
    base = MergeCandidate(
        order_no=order_no,
        shop="杯子旗舰店",
        buyer="tb_chen",
        customer_name="陈静",
        phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号2幢",
        due_at=T0,
        priority=Priority.STANDARD,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_same_buyer_and_address_written_differently_merge() -> None:
    a = order("A", due_at=T0 + timedelta(hours=2))
    b = order(
        "B", address=" 文三路 100 号，2幢 ", phone="+86 138-1234-5678", priority=Priority.RUSH
    )
    (group,) = merge_groups([a, b])
    # the most urgent order leads; the merged order takes the most urgent priority
    assert (group.lead, group.others, group.priority) == ("B", ("A",), Priority.RUSH)
    assert normalised("文三路 100 号，2幢") == normalised("文三路100号2幢")
    assert normalised_phone("0086 13812345678") == "13812345678"


def test_what_keeps_orders_apart() -> None:
    a = order("A")
    apart = [
        order("B", shop="另一家店"),
        order("C", buyer="tb_other"),
        order("D", customer_name="陈晶"),
        order("E", phone="13812345679"),
        order("F", district="上城区"),
        order("G", address="文三路102号"),
    ]
    assert merge_groups([a, *apart]) == []
    for reason in (
        {"paid": False},
        {"cod": True},
        {"held": True},
        {"in_wave": True},
        {"refused": True},
    ):
        assert merge_key(order("X", **reason)) is None, reason
        assert merge_groups([a, order("X", **reason)]) == []


def test_masked_recipients_merge_on_the_token_never_on_the_text() -> None:
    masked = {"customer_name": "陈**", "phone": "138****5678", "address": "文三路****"}
    # the same masked text without a token: never merged
    assert merge_groups([order("A", **masked), order("B", **masked)]) == []
    # the platform's token merges them (the masked text plays no part)
    with_token = [
        order("A", merge_token="oaid-1", **masked),
        order("B", merge_token="oaid-1", **dict(masked, address="$$xyz$$")),
        order("C", merge_token="oaid-2", **masked),
    ]
    (group,) = merge_groups(with_token)
    assert set(group.order_nos) == {"A", "B"}


@given(st.lists(st.sampled_from(["A", "B", "C"]), min_size=0, max_size=12))
def test_every_order_is_in_at_most_one_group_and_groups_have_two_or_more(
    buyers: list[str],
) -> None:
    orders = [order(f"O{n}", buyer=buyer) for n, buyer in enumerate(buyers)]
    groups = merge_groups(orders)
    numbers = [no for group in groups for no in group.order_nos]
    assert len(numbers) == len(set(numbers))
    assert all(len(group.order_nos) >= 2 for group in groups)
    for buyer in "ABC":
        count = buyers.count(buyer)
        in_groups = sum(1 for n, b in enumerate(buyers) if b == buyer and f"O{n}" in numbers)
        assert in_groups == (count if count >= 2 else 0)


def test_a_backorder_splits_what_stock_covers() -> None:
    lines = [("CUP", 2), ("BOWL", 3), ("CUP", 2)]
    assert split_available(lines, {"CUP": 3, "BOWL": 1}) == [(2, 0), (1, 2), (1, 1)]
    assert split_available(lines, {}) is None  # nothing to ship now
    assert split_available(lines, {"CUP": 9, "BOWL": 9}) is None  # nothing left waiting


@given(
    st.lists(st.tuples(st.sampled_from("ABC"), st.integers(1, 9)), min_size=1, max_size=6),
    st.dictionaries(st.sampled_from("ABC"), st.integers(-3, 20)),
)
def test_a_split_keeps_every_unit_and_never_takes_more_than_is_free(
    lines: list[tuple[str, int]], free: dict[str, int]
) -> None:
    parts = split_available(lines, free)
    if parts is None:
        return
    assert [now + later for now, later in parts] == [qty for _sku, qty in lines]
    for sku in "ABC":
        taken = sum(now for (s, _q), (now, _l) in zip(lines, parts, strict=True) if s == sku)
        assert taken <= max(0, free.get(sku, 0))


def test_oversize_units_travel_alone() -> None:
    assert parcels([("CUP", 2), ("SOFA", 2)], {"SOFA"}) == [
        [PartLine("CUP", 2)],
        [PartLine("SOFA", 1)],
        [PartLine("SOFA", 1)],
    ]
    assert parcels([("SOFA", 1)], {"SOFA"}) == [[PartLine("SOFA", 1)]]
    assert parcels([("CUP", 1), ("PLATE", 4)], set()) == [
        [PartLine("CUP", 1), PartLine("PLATE", 4)]
    ]


def test_customer_keys_and_classes() -> None:
    assert customer_key("tb_Chen ", "") == customer_key("TB_CHEN", "13800000000") == "b:tb_chen"
    by_phone = customer_key("", "+86 138 1234 5678")
    assert by_phone.startswith("p:") and "13812345678" not in by_phone
    assert by_phone == customer_key("", "13812345678")
    assert customer_key("", "138****5678") == "" and customer_key("陈**", "") == ""
    assert classify(None, False) is CustomerClass.NEW
    assert classify(None, True) is CustomerClass.RETURNING
    assert classify("vip", False) is CustomerClass.VIP
    assert classify("blacklist", True) is CustomerClass.BLACKLIST
