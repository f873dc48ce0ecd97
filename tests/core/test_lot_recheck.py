"""The rule that checks a pick list's lots again when it is taken: a line whose lot expired or
entered the do-not-ship window moves to a lot that may ship, or goes short with the reason."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core import stock as stock_rules
from core.lot_recheck import OpenPickLine, recheck_lots, redraw_notice, unshippable_reason
from core.model import ShortReason
from core.stock import BinKind, StockRow

TODAY = date(2026, 12, 6)
SHELF = {"S": 30}


def walk(code: str) -> str:
    return code


def _row(bin_code: str, lot: str, days: int | None, on_hand: int, reserved: int = 0) -> StockRow:
    expiry = None if days is None else TODAY + timedelta(days=days)
    kind = BinKind.RESERVE if bin_code.startswith("R") else BinKind.PICK_FACE
    return StockRow("S", bin_code, lot, expiry, on_hand, reserved, kind)


def test_a_line_inside_the_window_moves_to_the_lot_that_may_ship() -> None:
    rows = {"S": [_row("A-01", "OLD", 25, 4, 2), _row("R-01", "NEW", 200, 4)]}
    (redraw,) = recheck_lots([OpenPickLine(7, "S", "A-01", "OLD", 2)], rows, walk, TODAY, SHELF)
    assert redraw.reason is ShortReason.TOO_CLOSE_TO_EXPIRY
    assert redraw.release.reserved == -2
    assert [(m.bin, m.lot, m.reserved) for m in redraw.drawn] == [("R-01", "NEW", 2)]
    assert redraw.short == 0
    assert redraw_notice([redraw]) == "A line was moved to bin R-01: lot too close to expiry."


def test_an_expired_lot_with_nothing_else_goes_short() -> None:
    rows = {"S": [_row("A-01", "OLD", 0, 4, 3), _row("A-02", "NEAR", 10, 5)]}
    (redraw,) = recheck_lots([OpenPickLine(7, "S", "A-01", "OLD", 3)], rows, walk, TODAY, SHELF)
    assert redraw.reason is ShortReason.EXPIRED
    assert (redraw.drawn, redraw.short) == ((), 3)
    assert redraw_notice([redraw]) == "S ×3 closed short: expired."


def test_a_lot_that_may_still_ship_is_left_alone() -> None:
    rows = {"S": [_row("A-01", "OLD", 31, 4, 2), _row("B-01", "", None, 4, 1)]}
    lines = [OpenPickLine(1, "S", "A-01", "OLD", 2), OpenPickLine(2, "S", "B-01", "", 1)]
    assert recheck_lots(lines, rows, walk, TODAY, SHELF) == []
    assert redraw_notice([]) == ""


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["A-01", "A-02", "R-01", "R-02"]),
        st.one_of(st.none(), st.integers(-5, 60)),
        st.integers(0, 6),
        st.integers(0, 6),
    ),
    min_size=1,
    max_size=8,
)


@given(rows_strategy, st.integers(0, 40))
def test_never_draws_on_a_lot_inside_the_window_and_keeps_every_unit(
    specs: list[tuple[str, int | None, int, int]], shelf: int
) -> None:
    rows = [
        _row(bin_code, f"L{index}", days, on_hand, min(reserved, on_hand))
        for index, (bin_code, days, on_hand, reserved) in enumerate(specs)
    ]
    lines = [
        OpenPickLine(index, "S", row.bin, row.lot, row.reserved)
        for index, row in enumerate(rows)
        if row.reserved
    ]
    redraws = recheck_lots(lines, {"S": rows}, walk, TODAY, {"S": shelf})
    by_key = {row.key: row for row in rows}
    limit = TODAY + timedelta(days=shelf)
    redrawn = {redraw.line_id for redraw in redraws}
    for line in lines:
        row = by_key[("S", line.location, line.lot)]
        stale = row.expiry is not None and row.expiry <= limit
        assert (line.line_id in redrawn) == stale
    for redraw in redraws:
        assert redraw.reason is unshippable_reason(by_key[redraw.release.key], TODAY, shelf)
        assert redraw.moved + redraw.short == -redraw.release.reserved
        for movement in redraw.drawn:
            drawn_from = by_key[movement.key]
            assert drawn_from.kind in stock_rules.ALLOCATABLE
            assert drawn_from.expiry is None or drawn_from.expiry > limit
            assert movement.qty == 0 and movement.reserved > 0
    # every movement together keeps every row within its stock (StockRefused otherwise), and
    after = stock_rules.apply(by_key, [m for redraw in redraws for m in redraw.movements])
    # every line's units were promised in its row: nothing stays promised in a stale lot
    assert all(row.reserved == 0 for row in after.values() if row.expiry and row.expiry <= limit)
