"""The pure rules of returns: what may come back, where returned units are recorded per line."""

from __future__ import annotations

import pytest

from core.errors import Rejected
from core.returns import (
    Condition,
    ReturnKind,
    ReturnRefused,
    all_back,
    check_reason,
    check_units,
    per_line,
    read_expected,
    still_out,
)


def test_units_beyond_what_shipped_are_refused_with_a_code() -> None:
    check_units({"A": 2}, {"A": 1}, "A", 1)
    with pytest.raises(ReturnRefused) as too_many:
        check_units({"A": 2}, {"A": 1}, "A", 2)
    assert too_many.value.code == "too_many"
    with pytest.raises(ReturnRefused) as other:
        check_units({"A": 2}, {}, "B", 1)
    assert other.value.code == "not_shipped"


def test_returned_units_fill_lines_of_a_sku_in_turn() -> None:
    lines = [(1, "A", 2), (2, "B", 1), (3, "A", 3)]
    assert per_line(lines, {"A": 4}) == {1: 2, 2: 0, 3: 2}
    assert not all_back({"A": 5, "B": 1}, {"A": 5})
    assert all_back({"A": 5, "B": 1}, {"A": 5, "B": 1})
    assert not all_back({}, {})
    assert still_out({"A": 5, "B": 1}, {"A": 2, "B": 1}) == {"A": 3}


def test_damage_needs_a_known_reason() -> None:
    known = ["破损"]
    assert check_reason("", Condition.GOOD, known) == ""
    with pytest.raises(Rejected):
        check_reason("", Condition.DAMAGED, known)
    with pytest.raises(Rejected):
        check_reason("摔坏", Condition.GOOD, known)


def test_an_after_sales_export_is_read_row_by_row() -> None:
    rows = [
        {"after_sales_no": "AS-1", "order_no": "TB-1", "return_waybill": "yt1", "type": "",
         "reason": "破损", "sku": "A", "qty": "2"},
        {"after_sales_no": "AS-2", "order_no": "", "sku": "A", "qty": "1"},
        {"after_sales_no": "AS-3", "order_no": "TB-3", "sku": "A", "qty": "-1"},
        {"after_sales_no": "AS-4", "order_no": "TB-4", "sku": "A\x1b", "qty": "1"},
    ]  # fmt: skip
    good, refused = read_expected(rows)
    assert [(g.after_sales_no, g.return_waybill, g.kind, g.qty) for g in good] == [
        ("AS-1", "YT1", ReturnKind.RETURN, 2)
    ]
    assert [message.split(":")[0] for message in refused] == ["row 3", "row 4", "row 5"]
