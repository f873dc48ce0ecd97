"""The rules of resolving an order in the exception queue (core/resolve.py)."""

from __future__ import annotations

import pytest

from core.errors import Rejected
from core.model import OrderStatus
from core.resolve import (
    ExceptionLine,
    check_resolvable,
    partial_allowed,
    partial_lines,
    repick_units,
)

LINES = [
    ExceptionLine(1, "CUP", qty=3, picked=2),
    ExceptionLine(2, "TEA", qty=1, picked=0),
    ExceptionLine(3, "MUG", qty=2, picked=2),
]


def test_partial_shipment_only_where_the_channel_or_shop_takes_it() -> None:
    assert not partial_allowed("tmall", "", "")
    assert partial_allowed("tmall", "", "jd, TMall")
    assert partial_allowed("tmall", "旗舰店", "旗舰店")
    assert not partial_allowed("tmall", "", "jd")
    assert not partial_allowed("", "", " , ")


def test_only_an_exception_whose_lists_are_finished_is_resolved() -> None:
    check_resolvable("O-1", OrderStatus.EXCEPTION, LINES)
    with pytest.raises(Rejected, match="not in the exception queue"):
        check_resolvable("O-1", OrderStatus.PICKING, LINES)
    with pytest.raises(Rejected, match="still has units on a pick list"):
        check_resolvable("O-1", OrderStatus.EXCEPTION, [ExceptionLine(1, "CUP", 3, 1, open=1)])


def test_a_repick_takes_the_missing_units_of_each_line() -> None:
    assert repick_units("O-1", LINES) == {1: 1, 2: 1}
    with pytest.raises(Rejected, match="lacks no unit"):
        repick_units("O-1", [LINES[2]])


def test_a_partial_release_shrinks_lines_and_drops_the_unpicked() -> None:
    shrink, dropped = partial_lines("O-1", LINES)
    assert shrink == {1: 2}
    assert [line.sku for line in dropped] == ["TEA"]
    with pytest.raises(Rejected, match="cancel it instead"):
        partial_lines("O-1", [LINES[1]])
