"""What a scan means on a pick list, and which order a picked unit belongs to."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.codes import ScannedCode, parse_scan
from core.errors import Rejected
from core.model import ACCEPTED, CodeKind, Verdict
from core.picking import (
    PickLineState,
    PickSettings,
    ShareState,
    current_line,
    fill_lines,
    judge_pick_scan,
    lines_to_skip,
    reroute_short,
    share_for_unit,
    shares_left_short,
)

PLAIN = PickSettings()
LOCATION_FIRST = PickSettings(location_first=True)


def line(
    line_id: int, sku: str, location: str, qty: int = 2, picked: int = 0, short: int = 0
) -> PickLineState:
    return PickLineState(line_id, sku, f"name of {sku}", location, qty, picked, short)


LINES = (
    line(1, "MUG", "A-01-01", qty=2, picked=2),  # done
    line(2, "CUP", "A-01-05", qty=3, picked=1),  # current
    line(3, "PLATE", "B-02-01", qty=1),
    line(4, "BOWL", "", qty=1),
)


def product(value: str = "04006381333931") -> ScannedCode:
    return ScannedCode(CodeKind.PRODUCT, value, value)


def judge(
    scanned: ScannedCode,
    sku: str | None,
    lines: tuple[PickLineState, ...] = LINES,
    confirmed: str | None = None,
    settings_: PickSettings = PLAIN,
):
    return judge_pick_scan(lines, scanned, sku, confirmed, settings_)


def test_current_line_is_first_unfinished() -> None:
    assert current_line(LINES) == LINES[1]
    assert current_line(()) is None
    done = tuple(line(n, "X", "A", qty=1, picked=1) for n in range(3))
    assert current_line(done) is None


def test_line_done_counts_short() -> None:
    closed = line(1, "X", "A", qty=3, picked=1, short=2)
    assert closed.done
    assert closed.remaining == 0
    assert line(1, "X", "A", qty=3, picked=1).remaining == 2
    assert line(1, "X", "A", qty=3, picked=5).remaining == 0


# -- verdicts ----------------------------------------------------------------------------------


def test_ok_on_current_line() -> None:
    decision = judge(product(), "CUP")
    assert decision.verdict is Verdict.OK
    assert decision.line_id == 2
    assert "CUP" in decision.message
    assert "2/3" in decision.message


def test_a_unit_of_a_later_line_counts_on_that_line() -> None:
    decision = judge(product(), "PLATE")
    assert decision.verdict is Verdict.OK
    assert decision.line_id == 3
    assert "PLATE" in decision.message and "1/1" in decision.message
    assert "B-02-01" in decision.message


def test_a_later_line_with_its_bin_required_asks_for_that_bin() -> None:
    decision = judge(product(), "PLATE", settings_=LOCATION_FIRST)
    assert decision.verdict is Verdict.LOCATION_REQUIRED
    assert "B-02-01" in decision.message
    confirmed = judge(product(), "PLATE", confirmed="B-02-01", settings_=LOCATION_FIRST)
    assert (confirmed.verdict, confirmed.line_id) == (Verdict.OK, 3)


def test_the_bin_label_of_any_open_line_is_confirmed() -> None:
    decision = judge(parse_scan("L:B-02-01"), None)
    assert decision.verdict is Verdict.LOCATION_OK
    assert decision.confirms_location == "B-02-01"
    # a done line's bin, or one not on the list, is still a wrong bin
    assert judge(parse_scan("L:A-01-01"), None).verdict is Verdict.WRONG_LOCATION
    assert judge(parse_scan("L:Z-99-99"), None).verdict is Verdict.WRONG_LOCATION


def test_product_not_on_list_is_wrong_item() -> None:
    decision = judge(product(), "SPOON")
    assert decision.verdict is Verdict.WRONG_ITEM
    assert decision.line_id is None
    assert "SPOON" in decision.message
    assert "CUP" in decision.message


def test_product_of_done_line_is_over_pick() -> None:
    decision = judge(product(), "MUG")
    assert decision.verdict is Verdict.OVER_PICK
    assert decision.line_id is None
    assert "MUG" in decision.message
    assert "A-01-01" in decision.message


def test_sku_on_a_done_line_and_a_later_open_line_counts_on_the_open_one() -> None:
    # The same SKU may be a stop twice (two bins); a unit is over-picked only if all are done.
    lines = (
        line(1, "MUG", "A-01-01", qty=1, picked=1),
        line(2, "CUP", "A-01-05", qty=1),
        line(3, "MUG", "C-09-09", qty=1),
    )
    decision = judge(product(), "MUG", lines)
    assert (decision.verdict, decision.line_id) == (Verdict.OK, 3)
    assert "C-09-09" in decision.message


def test_a_sku_at_two_open_bins_counts_at_the_bin_confirmed() -> None:
    lines = (
        line(1, "CUP", "A-01-05", qty=1),
        line(2, "MUG", "B-01-01", qty=1),
        line(3, "MUG", "C-09-09", qty=1),
    )
    assert judge(product(), "MUG", lines).line_id == 2
    assert judge(product(), "MUG", lines, confirmed="C-09-09").line_id == 3
    # the current line's SKU always counts on the current line
    assert judge(product(), "CUP", lines, confirmed="C-09-09").line_id == 1


def test_unknown_kind_is_unknown_code() -> None:
    code = parse_scan("\x1b[A")
    assert code.kind is CodeKind.UNKNOWN
    decision = judge(code, None)
    assert decision.verdict is Verdict.UNKNOWN_CODE
    assert decision.message
    assert "\x1b" not in decision.message


def test_empty_scan_is_unknown_code_with_a_message() -> None:
    decision = judge(parse_scan(""), None)
    assert decision.verdict is Verdict.UNKNOWN_CODE
    assert "(empty)" in decision.message


def test_product_code_not_in_catalog_is_unknown_code() -> None:
    decision = judge(product("SOMETHING-ELSE"), None)
    assert decision.verdict is Verdict.UNKNOWN_CODE
    assert "SOMETHING-ELSE" in decision.message
    assert "CUP" in decision.message and "A-01-05" in decision.message


def test_a_tote_scan_binds_the_tote_to_the_list_even_when_it_is_finished() -> None:
    decision = judge(parse_scan("T:0042"), None)
    assert decision.verdict is Verdict.TOTE_OK and decision.binds_tote == "0042"
    done = tuple(line(n, "CUP", "A-01-05", qty=1, picked=1) for n in range(2))
    assert judge(parse_scan("t:0042"), None, done).binds_tote == "0042"


@pytest.mark.parametrize("raw", ["O:SO1", "U:alice", "P:PL-1"])
def test_order_user_list_codes_are_not_expected(raw: str) -> None:
    decision = judge(parse_scan(raw), None)
    assert decision.verdict is Verdict.NOT_EXPECTED
    assert "A-01-05" in decision.message


@pytest.mark.parametrize("raw", ["4006381333931", "L:A-01-05", "O:SO1"])
def test_finished_list_expects_nothing(raw: str) -> None:
    done = tuple(line(n, "CUP", "A-01-05", qty=1, picked=1) for n in range(2))
    decision = judge(parse_scan(raw), "CUP", done)
    assert decision.verdict is Verdict.NOT_EXPECTED
    assert decision.line_id is None
    assert decision.message


def test_empty_list_expects_nothing() -> None:
    assert judge(product(), "CUP", ()).verdict is Verdict.NOT_EXPECTED


def test_bin_scan_of_current_bin() -> None:
    decision = judge(parse_scan("L:a-01-05"), None)
    assert decision.verdict is Verdict.LOCATION_OK
    assert decision.confirms_location == "A-01-05"
    assert "CUP" in decision.message


def test_bin_scan_of_a_bin_no_open_line_needs() -> None:
    decision = judge(parse_scan("L:Z-09-09"), None)
    assert decision.verdict is Verdict.WRONG_LOCATION
    assert decision.confirms_location is None
    assert "Z-09-09" in decision.message
    assert "A-01-05" in decision.message


def test_location_first_requires_the_bin_before_the_item() -> None:
    decision = judge(product(), "CUP", settings_=LOCATION_FIRST)
    assert decision.verdict is Verdict.LOCATION_REQUIRED
    assert decision.line_id is None
    assert "A-01-05" in decision.message

    confirm = judge(parse_scan("L:A-01-05"), None, settings_=LOCATION_FIRST)
    assert confirm.verdict is Verdict.LOCATION_OK

    after = judge(product(), "CUP", confirmed=confirm.confirms_location, settings_=LOCATION_FIRST)
    assert after.verdict is Verdict.OK
    assert after.line_id == 2


def test_location_first_confirmation_is_case_insensitive() -> None:
    decision = judge(product(), "CUP", confirmed="a-01-05", settings_=LOCATION_FIRST)
    assert decision.verdict is Verdict.OK


def test_location_first_old_bin_does_not_count() -> None:
    decision = judge(product(), "CUP", confirmed="A-01-01", settings_=LOCATION_FIRST)
    assert decision.verdict is Verdict.LOCATION_REQUIRED


def test_location_first_skips_lines_without_a_bin() -> None:
    lines = (line(1, "BOWL", "", qty=1),)
    assert judge(product(), "BOWL", lines, settings_=LOCATION_FIRST).verdict is Verdict.OK


def test_confirmed_bin_ignored_without_location_first() -> None:
    assert judge(product(), "CUP", confirmed="Z-9").verdict is Verdict.OK


# -- shares ------------------------------------------------------------------------------------


def share(share_id: int, order_no: str, urgency: int, qty: int, picked: int) -> ShareState:
    return ShareState(share_id, order_no, (urgency, order_no), qty, picked)


def test_share_for_unit_most_urgent_open() -> None:
    shares = [
        share(1, "late", 30, 2, 0),
        share(2, "soon", 10, 1, 1),  # full
        share(3, "mid", 20, 3, 1),
    ]
    chosen = share_for_unit(shares)
    assert chosen is not None
    assert chosen.share_id == 3


def test_share_for_unit_none_when_all_full() -> None:
    assert share_for_unit([share(1, "a", 1, 1, 1), share(2, "b", 2, 2, 2)]) is None
    assert share_for_unit([]) is None


def test_units_fill_shares_in_urgency_order() -> None:
    shares = [share(1, "late", 30, 2, 0), share(2, "soon", 10, 1, 0), share(3, "mid", 20, 2, 0)]
    filled: list[str] = []
    while (chosen := share_for_unit(shares)) is not None:
        filled.append(chosen.order_no)
        shares = [
            ShareState(s.share_id, s.order_no, s.urgency, s.qty, s.picked + 1) if s is chosen else s
            for s in shares
        ]
    assert filled == ["soon", "mid", "mid", "late", "late"]


def test_shares_left_short() -> None:
    shares = [share(1, "a", 1, 2, 2), share(2, "b", 2, 3, 1), share(3, "c", 3, 1, 0)]
    assert [s.order_no for s in shares_left_short(shares)] == ["b", "c"]
    assert shares_left_short([share(1, "a", 1, 1, 1)]) == []
    assert shares[1].open == 2


# -- property ----------------------------------------------------------------------------------

SKUS = ["S1", "S2", "S3", "S4"]
BINS = ["A-1", "A-2", "B-1", ""]


@st.composite
def pick_lines(draw: st.DrawFn) -> tuple[PickLineState, ...]:
    count = draw(st.integers(0, 5))
    lines = []
    for n in range(count):
        qty = draw(st.integers(1, 3))
        picked = draw(st.integers(0, qty))
        short = draw(st.integers(0, qty - picked))
        lines.append(
            line(
                n + 1, draw(st.sampled_from(SKUS)), draw(st.sampled_from(BINS)), qty, picked, short
            )
        )
    return tuple(lines)


scans = st.builds(
    lambda kind, value: ScannedCode(kind, value, value),
    st.sampled_from(list(CodeKind)),
    st.sampled_from(["A-1", "a-2", "B-1", "0042", "04006381333931", "X", ""]),
)


@settings(max_examples=200, deadline=None)
@given(
    pick_lines(),
    scans,
    st.sampled_from([*SKUS, "ZZ", None]),
    st.sampled_from([None, *BINS, "a-1"]),
    st.booleans(),
)
def test_verdicts_never_accept_the_wrong_thing(
    lines: tuple[PickLineState, ...],
    code: ScannedCode,
    sku: str | None,
    confirmed: str | None,
    location_first: bool,
) -> None:
    decision = judge_pick_scan(lines, code, sku, confirmed, PickSettings(location_first))
    now = current_line(lines)
    assert decision.message.strip()
    if decision.verdict is Verdict.OK:
        # any open line of the scanned SKU, the current one first when it is that SKU's
        assert now is not None
        assert code.kind is CodeKind.PRODUCT
        target = next(c for c in lines if c.line_id == decision.line_id)
        assert sku == target.sku and not target.done
        if now.sku == sku:
            assert target is now
        if location_first and target.location:
            assert (confirmed or "").upper() == target.location.upper()
    else:
        assert decision.line_id is None
    if decision.verdict is Verdict.OVER_PICK:
        assert all(c.done for c in lines if c.sku == sku)
    if decision.verdict is Verdict.LOCATION_OK:
        assert now is not None
        assert code.kind is CodeKind.LOCATION
        assert decision.confirms_location is not None
        assert code.value.upper() == decision.confirms_location.upper()
        assert any(not c.done and c.location == decision.confirms_location for c in lines)
    if now is None:
        assert decision.verdict not in ACCEPTED or decision.verdict is Verdict.TOTE_OK
    if decision.verdict is Verdict.TOTE_OK:
        assert code.kind is CodeKind.TOTE and decision.binds_tote == code.value
    if decision.verdict is Verdict.OVER_PICK:
        assert all(candidate.done for candidate in lines if candidate.sku == sku)
    if code.kind is CodeKind.UNKNOWN:
        assert decision.verdict is Verdict.UNKNOWN_CODE


def test_reroute_short_gives_the_other_bins_units_to_the_most_urgent_orders() -> None:
    shares = [share(1, "late", 30, 2, 0), share(2, "soon", 10, 2, 1), share(3, "done", 5, 1, 1)]
    plan = reroute_short(shares, 2)
    assert [(s.share_id, n) for s, n in plan] == [(2, 1), (1, 1)]
    assert [(s.share_id, n) for s, n in reroute_short(shares, 0)] == [(2, 0), (1, 0)]
    assert [(s.share_id, n) for s, n in reroute_short(shares, 9)] == [(2, 1), (1, 2)]


def test_fill_lines_pours_portions_into_lines_in_order() -> None:
    assert fill_lines([(1, 2), (2, 3)], [1, 4]) == [[(1, 1)], [(1, 1), (2, 3)]]
    assert fill_lines([(1, 0), (2, 2)], [2]) == [[(2, 2)]]
    assert fill_lines([], []) == []


@given(st.lists(st.integers(0, 4), max_size=5), st.data())
def test_fill_lines_carries_every_unit_once(amounts: list[int], data: st.DataObject) -> None:
    total = sum(amounts)
    cuts = sorted(data.draw(st.lists(st.integers(0, total), max_size=3)))
    capacities = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    lines = fill_lines(list(enumerate(amounts)), capacities)
    assert [sum(n for _k, n in line) for line in lines] == capacities
    carried: dict[int, int] = {}
    for line_ in lines:
        for key, n in line_:
            carried[key] = carried.get(key, 0) + n
    assert carried == {k: n for k, n in enumerate(amounts) if n}


def test_lines_to_skip_are_the_open_lines_at_the_bin_unless_it_is_the_last_stop() -> None:
    lines = (
        line(1, "CUP", "A-01", qty=1),
        line(2, "MUG", "a-01", qty=1),
        line(3, "TEA", "B-01", qty=1),
        line(4, "PLATE", "A-01", qty=1, picked=1),
    )
    assert lines_to_skip(lines, "A-01") == [1, 2]
    with pytest.raises(Rejected, match="last stop"):
        lines_to_skip((lines[0], lines[3]), "A-01")
    with pytest.raises(Rejected, match="nothing is left"):
        lines_to_skip(lines, "C-09")
