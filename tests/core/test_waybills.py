"""Waybill numbers: what a number may be, pool files read line by line, ranges, the port."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Rejected
from core.waybills import (
    MAX_NUMBERS,
    WaybillSource,
    WaybillTake,
    number_range,
    parse_number_file,
    waybill_number,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("SF1234567890", "SF1234567890"),
        ("  sf1234567890\r", "SF1234567890"),
        ("773012345678", "773012345678"),
        ("JT-0001-23", "JT-0001-23"),
        ("A" * 32, "A" * 32),
        ("123456", "123456"),
    ],
)
def test_good_numbers(text: str, number: str) -> None:
    assert waybill_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["", "12345", "A" * 33, "SF 123456", "SF_123456", "运单1234567", "SF123456\x1b", "SF/1234"],
)
def test_bad_numbers(text: str) -> None:
    with pytest.raises(Rejected, match="is not a waybill number"):
        waybill_number(text)


def test_a_pool_file_is_read_by_line() -> None:
    content = (
        b"\xef\xbb\xbf# SF numbers, block 7\r\n"
        b"SF1000000001\r\n"
        b"\r\n"
        b"  sf1000000002  \n"
        b"SF 1000000003\n"
        b"\xff\xfe\n"
        b"   # indented comment\n"
        b"SF1000000001\n"
        b"SF1000000004"
    )
    numbers, rejected = parse_number_file(content)
    assert numbers == [
        (2, "SF1000000001"),
        (4, "SF1000000002"),
        (8, "SF1000000001"),  # repeats are for the pool to report
        (9, "SF1000000004"),
    ]
    assert [(r.line, r.key) for r in rejected] == [(5, "SF 1000000003"), (6, "")]
    assert "not a waybill number" in rejected[0].reason and rejected[1].reason == "not UTF-8 text"


def test_an_empty_file_has_no_numbers() -> None:
    assert parse_number_file(b"") == ([], [])
    assert parse_number_file(b"# nothing yet\n\n") == ([], [])


def test_a_file_over_the_cap_is_refused_whole() -> None:
    content = "".join(f"SF{n:010d}\n" for n in range(MAX_NUMBERS + 1)).encode()
    with pytest.raises(Rejected, match="at most 100000"):
        parse_number_file(content)


@pytest.mark.parametrize(
    ("start", "end", "prefix", "first", "last", "count"),
    [
        ("SF1000000001", "SF1000000500", "", "SF1000000001", "SF1000000500", 500),
        ("sf1000000001", "SF1000000001", "", "SF1000000001", "SF1000000001", 1),
        ("000001", "000100", "YT", "YT000001", "YT000100", 100),
        ("773000000001", "773000000010", "", "773000000001", "773000000010", 10),
        ("JT-0098", "JT-0102", "", "JT-0098", "JT-0102", 5),
        ("SF000999", "SF1001", "", "SF000999", "SF001001", 3),  # the width of START
    ],
)
def test_ranges(start: str, end: str, prefix: str, first: str, last: str, count: int) -> None:
    numbers = number_range(start, end, prefix)
    assert (numbers[0], numbers[-1], len(numbers)) == (first, last, count)
    assert len(set(numbers)) == count


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("SF10", "SF", "ending in digits"),
        ("SF1000000001", "YT1000000009", "do not share a prefix"),
        ("SF1000000500", "SF1000000001", "ends before it starts"),
        ("SF1000000001", "SF1000200001", "at most 100000"),
        ("1", "9", "is not a waybill number"),  # too short
    ],
)
def test_bad_ranges(start: str, end: str, message: str) -> None:
    with pytest.raises(Rejected, match=message):
        number_range(start, end)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=300))
def test_a_range_holds_every_number_once_in_order(low: int, size: int) -> None:
    numbers = number_range(f"SF{low:010d}", f"SF{low + size:010d}")
    assert len(numbers) == size + 1
    assert numbers == sorted(set(numbers))
    assert all(waybill_number(n) == n for n in (numbers[0], numbers[-1]))


def test_the_source_port_is_abstract() -> None:
    with pytest.raises(TypeError):
        WaybillSource()  # type: ignore[abstract]

    class Fixed(WaybillSource):
        def take(self, carrier: str, count: int) -> WaybillTake:
            return WaybillTake(tuple(f"{carrier}{n:08d}" for n in range(count)), None, False)

        def void(self, number: str) -> None:
            pass

    assert Fixed().take("SF", 2).numbers == ("SF00000000", "SF00000001")


def test_a_pool_like_source_issues_bare_numbers_and_cancel_voids() -> None:
    from core.waybills import IssuedWaybill, ParcelRequest, Party, Routing

    voided: list[str] = []

    class Pool(WaybillSource):
        def take(self, carrier: str, count: int) -> WaybillTake:
            return WaybillTake(tuple(f"{carrier}{n:08d}" for n in range(count)), 5, False)

        def void(self, number: str) -> None:
            voided.append(number)

    party = Party("张三", "13812345678", "广东", "深圳市", "南山区", "科技路 1 号")
    parcels = [ParcelRequest(f"R{n}", "SO-1", n, 2, 500, party, party) for n in (1, 2)]
    source = Pool()
    assert source.in_transaction
    issued = source.issue("SF", parcels)
    assert issued == (IssuedWaybill("SF00000000"), IssuedWaybill("SF00000001"))
    assert not issued[0].routing
    source.cancel(issued[1])
    assert voided == ["SF00000001"]
    routing = Routing(mark_destination="粤-深圳 01", sorting_code="755")
    assert Routing.from_dict(routing.as_dict()) == routing and routing
    assert Routing.from_dict(None) == Routing()
