"""Placing an allocated order's lines in bins at wave release: a lot that entered the product's
do-not-ship window since allocation is passed over, or the order says what it lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.model import Priority
from core.stock import BinKind, StockRow
from core.waves import Unshippable, WaveLine, WaveOrder, draw_order

TODAY = date(2026, 12, 6)


def _order(*lines: tuple[str, int]) -> WaveOrder:
    return WaveOrder(
        "O-1",
        datetime(2026, 12, 6, 10, tzinfo=UTC),
        Priority.STANDARD,
        tuple(WaveLine(n, sku, qty, "") for n, (sku, qty) in enumerate(lines, start=1)),
    )


def _lot(bin_code: str, lot: str, days: int, on_hand: int, reserved: int = 0) -> StockRow:
    return StockRow("SKU-T", bin_code, lot, TODAY + timedelta(days=days), on_hand, reserved)


def _walk(code: str) -> str:
    return code


def test_a_lot_inside_the_window_is_passed_over_for_another_bin() -> None:
    rows = {"SKU-T": [_lot("A-01", "L-SOON", 20, 5), _lot("R-01", "L-FAR", 90, 5)]}
    drawn = draw_order(_order(("SKU-T", 4)), rows, _walk, TODAY, {"SKU-T": 30})
    assert drawn.drawn
    assert [(line.location, line.lot, line.qty) for line in drawn.order.lines] == [
        ("R-01", "L-FAR", 4)
    ]
    assert [(m.bin, m.lot, m.reserved) for m in drawn.movements] == [("R-01", "L-FAR", 4)]
    after = {row.lot: row.reserved for row in drawn.rows["SKU-T"]}
    assert after == {"L-SOON": 0, "L-FAR": 4}
    assert [row.reserved for row in rows["SKU-T"]] == [0, 0]  # the caller's rows stay


def test_an_order_no_shippable_lot_covers_says_what_it_lacks_and_places_nothing() -> None:
    rows = {
        "SKU-T": [
            _lot("A-01", "L-SOON", 20, 5),
            _lot("R-01", "L-FAR", 90, 5, reserved=3),
            StockRow("SKU-T", "D-01", "L-FAR", TODAY + timedelta(days=90), 4, 0, BinKind.DAMAGED),
        ]
    }
    drawn = draw_order(_order(("SKU-T", 2), ("SKU-T", 1)), rows, _walk, TODAY, {"SKU-T": 30})
    assert not drawn.drawn
    assert drawn.movements == () and drawn.rows is rows
    assert drawn.short == (Unshippable("SKU-T", 3, 2, 5),)


@given(
    st.lists(
        st.tuples(st.integers(-5, 60), st.integers(0, 6), st.integers(0, 6)),
        min_size=1,
        max_size=5,
    ),
    st.integers(1, 12),
    st.integers(0, 40),
)
def test_never_a_unit_from_a_lot_inside_the_window(
    lots: list[tuple[int, int, int]], qty: int, shelf: int
) -> None:
    rows = {
        "SKU-T": [
            _lot(f"A-{n:02d}", f"L{n}", days, on_hand + reserved, reserved)
            for n, (days, on_hand, reserved) in enumerate(lots)
        ]
    }
    shippable = sum(
        row.free for row in rows["SKU-T"] if row.expiry and row.expiry > TODAY + timedelta(shelf)
    )
    drawn = draw_order(_order(("SKU-T", qty)), rows, _walk, TODAY, {"SKU-T": shelf})
    assert drawn.drawn == (qty <= shippable)
    expiry = {row.lot: row.expiry for row in rows["SKU-T"]}
    for line in drawn.order.lines if drawn.drawn else ():
        assert expiry[line.lot] > TODAY + timedelta(days=shelf)
    if drawn.drawn:
        assert sum(line.qty for line in drawn.order.lines) == qty
    else:
        assert drawn.short[0].shippable == shippable
