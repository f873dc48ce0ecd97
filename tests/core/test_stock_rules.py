"""Stock rules: which bins a pick line draws on, moves, adjustments and the ledger invariant."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.locations import natural_key
from core.stock import (
    ALLOCATABLE,
    BinKind,
    LedgerKind,
    Movement,
    SkuTotals,
    StockRefused,
    StockRow,
    apply,
    check,
    draw,
    move,
    opening,
    release,
    set_on_hand,
    ship,
)

TODAY = date(2026, 11, 21)


def walk(code: str) -> object:
    return natural_key(code)


def row(bin_code: str, on_hand: int, kind: BinKind = BinKind.PICK_FACE, **more: object) -> StockRow:
    return StockRow("SKU-A", bin_code, on_hand=on_hand, kind=kind, **more)  # type: ignore[arg-type]


def drawn(movements: list[Movement]) -> list[tuple[str, str, int]]:
    return [(m.bin, m.lot, m.reserved) for m in movements]


def test_a_line_draws_on_the_pick_face_before_reserve_then_walk_order() -> None:
    rows = [row("R-01", 50, BinKind.RESERVE), row("A-10", 5), row("A-2", 5)]
    movements, left = draw(rows, 4, walk)
    assert (drawn(movements), left) == ([("A-2", "", 4)], 0)
    assert all(m.qty == 0 for m in movements)  # a reservation moves nothing


def test_a_line_one_bin_cannot_fill_continues_at_the_next() -> None:
    rows = [row("R-01", 50, BinKind.RESERVE), row("A-2", 3, reserved=1), row("A-10", 2)]
    movements, left = draw(rows, 6, walk)
    assert (drawn(movements), left) == ([("A-2", "", 2), ("A-10", "", 2), ("R-01", "", 2)], 0)
    movements, left = draw([row("A-2", 3, reserved=1), row("A-10", 2)], 6, walk)
    assert (drawn(movements), left) == ([("A-2", "", 2), ("A-10", "", 2)], 2)


def test_lots_earliest_expiry_first_never_expired_nor_inside_the_window() -> None:
    rows = [
        row("A-1", 5, lot="L3", expiry=date(2027, 6, 1)),
        row("A-1", 5, lot="L2", expiry=date(2026, 12, 1)),
        row("A-1", 5, lot="L1", expiry=date(2026, 11, 20)),  # expired
    ]
    movements, _left = draw(rows, 2, walk, TODAY)
    assert drawn(movements) == [("A-1", "L2", 2)]
    movements, _left = draw(rows, 2, walk, TODAY, shelf_days=30)  # L2 ships too close
    assert drawn(movements) == [("A-1", "L3", 2)]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A-1", "A-2", "R-1", "X-1"]),
            st.sampled_from(list(BinKind)),
            st.integers(0, 9),
            st.integers(0, 9),
        ),
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.integers(1, 30),
)
def test_draw_never_takes_from_damaged_bins_nor_more_than_is_free(
    spec: list[tuple[str, BinKind, int, int]], qty: int
) -> None:
    rows = [row(b, n + r, kind, reserved=r) for b, kind, n, r in spec]
    movements, left = draw(rows, qty, walk)
    by_bin = {r.bin: r for r in rows}
    assert sum(m.reserved for m in movements) + left == qty
    for m in movements:
        assert by_bin[m.bin].kind in ALLOCATABLE and by_bin[m.bin].kind is not BinKind.DAMAGED
        assert 0 < m.reserved <= by_bin[m.bin].free
    free = sum(r.free for r in rows if r.kind in ALLOCATABLE)
    assert left == max(0, qty - free)
    apply({r.key: r for r in rows}, movements)  # never breaks a row


def test_negative_stock_and_over_reservation_are_refused() -> None:
    rows = {r.key: r for r in [row("A-1", 2, reserved=1)]}
    with pytest.raises(StockRefused):
        apply(rows, [Movement(LedgerKind.ADJUSTMENT, "SKU-A", "A-1", qty=-3)])
    with pytest.raises(StockRefused):
        apply(rows, [Movement(LedgerKind.ADJUSTMENT, "SKU-A", "A-1", qty=-2)])  # 1 reserved
    with pytest.raises(StockRefused):
        apply(rows, [Movement(LedgerKind.PICK, "SKU-A", "A-1", reserved=2)])
    assert opening("SKU-A", "A-1", 0) == []
    assert [m.reserved for m in release(rows, [(("SKU-A", "A-1", ""), 4)])] == [-1]
    with pytest.raises(StockRefused):
        set_on_hand(row("A-1", 5, reserved=3), 2)


def test_shipping_takes_units_from_the_line_bins_with_their_reservation() -> None:
    key = ("SKU-A", "A-1", "")
    rows = {r.key: r for r in [row("A-1", 5, reserved=3), row("R-1", 4, BinKind.RESERVE)]}
    movements = ship(rows, [(key, 2)], [(key, 3)])  # one unit of the line was short
    assert [(m.kind, m.bin, m.qty, m.reserved) for m in movements] == [
        (LedgerKind.SHIP, "A-1", -2, -3)
    ]
    assert apply(rows, movements)[key] == row("A-1", 3)


def test_units_shipped_from_a_bin_the_books_say_is_short_leave_other_free_units() -> None:
    key = ("SKU-A", "A-1", "")
    rows = {
        r.key: r
        for r in [
            row("A-1", 1, reserved=1),
            row("R-1", 4, BinKind.RESERVE, reserved=3),
            row("B-1", 2),
        ]
    }
    movements = ship(rows, [(key, 3)], [(key, 3)])
    assert [(m.bin, m.qty, m.reserved) for m in movements] == [
        ("A-1", -1, -1),
        ("B-1", -2, 0),  # the most free units; R-1's reserved units are another line's
    ]
    with pytest.raises(StockRefused):
        ship(rows, [(key, 5)], [(key, 5)])


def test_moves_take_only_free_units_and_keep_allocations_pickable() -> None:
    face, reserve = row("A-1", 5, reserved=2), row("R-1", 4, BinKind.RESERVE)
    movements = move([face, reserve], reserve, "A-1", BinKind.PICK_FACE, 4, sku_reserved=2)
    assert [(m.kind, m.bin, m.qty) for m in movements] == [
        (LedgerKind.MOVE, "R-1", -4),
        (LedgerKind.MOVE, "A-1", 4),
    ]
    with pytest.raises(StockRefused):  # 2 of the 5 are on a pick line
        move([face, reserve], face, "R-1", BinKind.RESERVE, 4, sku_reserved=2)
    with pytest.raises(StockRefused):  # orders are allocated 7 of the 9 pickable units
        move([face, reserve], reserve, "D-1", BinKind.DAMAGED, 4, sku_reserved=7)
    assert move([face, reserve], reserve, "D-1", BinKind.DAMAGED, 2, sku_reserved=7)
    with pytest.raises(StockRefused):
        move([face], face, "A-1", BinKind.PICK_FACE, 1, sku_reserved=0)
    with pytest.raises(StockRefused):
        move([face], face, "B-1", BinKind.PICK_FACE, 0, sku_reserved=0)


def test_check_says_what_is_wrong() -> None:
    good = [row("A-1", 5, reserved=2), row("D-1", 1, BinKind.DAMAGED)]
    ledger = {("SKU-A", "A-1", ""): 5, ("SKU-A", "D-1", ""): 1}
    assert check(good, ledger, {"SKU-A": SkuTotals(6, 2, unpickable=1)}) == []
    problems = check(
        [row("A-1", 5, reserved=2), row("D-1", 1, BinKind.DAMAGED, reserved=1)],
        {("SKU-A", "A-1", ""): 4, ("SKU-A", "X-9", ""): 3},
        {"SKU-A": SkuTotals(7, 6)},
    )
    assert {p.code for p in problems} == {
        "ledger_mismatch",
        "reserved_in_unpickable_bin",
        "ledger_without_stock",
        "product_total",
        "product_unpickable",
        "over_allocated",
    }
    assert any("A-1" in p.subject and "4" in p.detail for p in problems)
    lines = check(
        [row("A-1", 5, reserved=3)], {("SKU-A", "A-1", ""): 5}, {"SKU-A": SkuTotals(5, 2)}
    )
    assert [p.code for p in lines] == ["lines_over_allocation"]
