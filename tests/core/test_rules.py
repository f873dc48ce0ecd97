"""Review, allocation, SLA, the walk and wave planning: the pure rules between import and picking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.allocation import Stock, allocate
from core.locations import natural_key, walk_key
from core.model import OrderDraft, OrderLineDraft, PaymentStatus, Priority
from core.review import WAIVABLE, ReviewInput, review
from core.sla import SlaPolicy, countdown, due_at
from core.waves import PlannedList, WaveLine, WaveOrder, plan_wave

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)

# -- review ------------------------------------------------------------------------------------

GOOD = ReviewInput(
    payment_status=PaymentStatus.PAID,
    customer_name="张三",
    phone="13800138000",
    country="CN",
    province="浙江省",
    city="杭州市",
    address="文三路 1 号",
    skus=("A", "B"),
)
CATALOG = {"A", "B", "C"}


def known(sku: str) -> bool:
    return sku in CATALOG


def codes(order: ReviewInput, waived: tuple[str, ...] = ()) -> list[str]:
    return [problem.code for problem in review(order, known, waived)]


def test_clean_order_has_no_problems() -> None:
    assert review(GOOD, known) == []


def test_unknown_skus_listed_once_sorted() -> None:
    problems = review(replace(GOOD, skus=("Z", "A", "Y", "Z")), known)
    assert [p.code for p in problems] == ["unknown_sku"]
    assert "Y, Z" in problems[0].detail


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"customer_name": ""}, "recipient name"),
        ({"phone": "  "}, "phone"),
        ({"city": ""}, "city"),
        ({"address": " "}, "street address"),
        ({"province": ""}, "province"),
    ],
)
def test_incomplete_address(changes: dict[str, Any], missing: str) -> None:
    problems = review(replace(GOOD, **changes), known)
    assert [p.code for p in problems] == ["incomplete_address"]
    assert missing in problems[0].detail


def test_province_required_only_in_china() -> None:
    assert codes(replace(GOOD, country="US", province="")) == []
    assert codes(replace(GOOD, country="CN", province="")) == ["incomplete_address"]


def test_all_missing_fields_named_in_one_problem() -> None:
    problems = review(replace(GOOD, city="", province="", phone=""), known)
    assert [p.code for p in problems] == ["incomplete_address"]
    for word in ("phone", "city", "province"):
        assert word in problems[0].detail


@pytest.mark.parametrize("phone", ["abc", "12345", "138-ABCD-8000", "++8613800138000", "1" * 30])
def test_bad_phone(phone: str) -> None:
    problems = review(replace(GOOD, phone=phone), known)
    assert [p.code for p in problems] == ["bad_phone"]


@pytest.mark.parametrize(
    "phone", ["13800138000", "+86 138 0013 8000", "0571 8888-6666", "021-12345678", "123456"]
)
def test_good_phones(phone: str) -> None:
    assert codes(replace(GOOD, phone=phone)) == []


def test_bad_phone_reported_even_when_address_is_incomplete() -> None:
    # Waiving an incomplete address must not also wave through a malformed phone number.
    order = replace(GOOD, city="", phone="call me")
    assert codes(order) == ["incomplete_address", "bad_phone"]
    assert codes(order, waived=("incomplete_address",)) == ["bad_phone"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PaymentStatus.PAID, []),
        (PaymentStatus.PENDING, ["unpaid"]),
        (PaymentStatus.FAILED, ["payment_failed"]),
    ],
)
def test_payment(status: PaymentStatus, expected: list[str]) -> None:
    assert codes(replace(GOOD, payment_status=status)) == expected


def test_problem_order_items_address_payment() -> None:
    order = replace(GOOD, skus=("Q",), city="", payment_status=PaymentStatus.PENDING)
    assert codes(order) == ["unknown_sku", "incomplete_address", "unpaid"]
    order = replace(GOOD, skus=("Q",), phone="x", payment_status=PaymentStatus.FAILED)
    assert codes(order) == ["unknown_sku", "bad_phone", "payment_failed"]


def test_waived_codes_are_removed_and_others_stay() -> None:
    order = replace(GOOD, skus=("Q",), city="", payment_status=PaymentStatus.PENDING)
    assert codes(order, waived=("unpaid",)) == ["unknown_sku", "incomplete_address"]
    assert codes(order, waived=("unpaid", "incomplete_address")) == ["unknown_sku"]
    assert codes(order, waived=tuple(WAIVABLE)) == ["unknown_sku"]
    assert codes(order, waived=("no_such_code",)) == [
        "unknown_sku",
        "incomplete_address",
        "unpaid",
    ]


def test_every_problem_has_a_detail() -> None:
    order = replace(GOOD, skus=("Q",), city="", payment_status=PaymentStatus.FAILED)
    assert all(problem.detail for problem in review(order, known))


def test_review_input_of_draft() -> None:
    draft = OrderDraft(
        order_no="SO1",
        channel="tmall",
        placed_at=T0,
        priority=Priority.RUSH,
        payment_status=PaymentStatus.PAID,
        customer_name="张三",
        phone="13800138000",
        country="CN",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路 1 号",
        postcode="310000",
        lines=(OrderLineDraft("A", 1), OrderLineDraft("B", 2), OrderLineDraft("A", 1)),
    )
    view = ReviewInput.of(draft)
    assert view.skus == ("A", "B", "A")
    assert view == replace(GOOD, skus=("A", "B", "A"))


# -- allocation --------------------------------------------------------------------------------


def test_allocate_all_lines() -> None:
    decision = allocate([("A", 2), ("B", 1)], {"A": Stock(5, 3), "B": Stock(1, 0)})
    assert decision.allocated
    assert decision.reserve == {"A": 2, "B": 1}
    assert decision.shortages == {}


def test_all_or_nothing() -> None:
    decision = allocate([("A", 2), ("B", 2)], {"A": Stock(5, 0), "B": Stock(3, 2)})
    assert not decision.allocated
    assert decision.reserve == {}
    assert decision.shortages == {"B": 1}


def test_same_sku_on_two_lines_is_summed() -> None:
    stock = {"A": Stock(3, 0)}
    decision = allocate([("A", 2), ("A", 2)], stock)
    assert not decision.allocated
    assert decision.shortages == {"A": 1}
    decision = allocate([("A", 1), ("A", 2)], stock)
    assert decision.reserve == {"A": 3}


def test_shortage_amounts() -> None:
    decision = allocate(
        [("A", 10), ("B", 4), ("C", 1)],
        {"A": Stock(10, 4), "B": Stock(4, 0), "C": Stock(0, 0)},
    )
    assert decision.shortages == {"A": 4, "C": 1}
    assert decision.reserve == {}


def test_missing_product_is_a_shortage_of_everything() -> None:
    decision = allocate([("A", 1), ("NOPE", 3)], {"A": Stock(9, 0)})
    assert decision.shortages == {"NOPE": 3}


def test_over_reserved_stock_gives_full_shortage() -> None:
    decision = allocate([("A", 2)], {"A": Stock(1, 3)})
    assert decision.shortages == {"A": 2}


def test_exact_fit() -> None:
    assert allocate([("A", 3)], {"A": Stock(5, 2)}).reserve == {"A": 3}


SKUS = ["A", "B", "C", "D"]


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(st.sampled_from(SKUS[:3]), st.integers(0, 12)),
    st.lists(
        st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 6)), min_size=1, max_size=4),
        max_size=12,
    ),
)
def test_reserved_never_exceeds_on_hand(
    on_hand: dict[str, int], orders: list[list[tuple[str, int]]]
) -> None:
    reserved = dict.fromkeys(on_hand, 0)
    for lines in orders:
        stock = {sku: Stock(on_hand[sku], reserved[sku]) for sku in on_hand}
        decision = allocate(lines, stock)
        wanted: dict[str, int] = {}
        for sku, qty in lines:
            wanted[sku] = wanted.get(sku, 0) + qty
        fits = all(qty <= on_hand.get(sku, 0) - reserved.get(sku, 0) for sku, qty in wanted.items())
        assert decision.allocated is fits
        if decision.allocated:
            assert decision.reserve == wanted
            assert decision.shortages == {}
            for sku, qty in decision.reserve.items():
                reserved[sku] += qty
        else:
            assert decision.reserve == {}
            assert decision.shortages
            for sku, short in decision.shortages.items():
                available = on_hand.get(sku, 0) - reserved.get(sku, 0)
                assert short == wanted[sku] - available > 0
        for sku in on_hand:
            assert 0 <= reserved[sku] <= on_hand[sku]


# -- SLA ---------------------------------------------------------------------------------------


def test_due_at_per_priority() -> None:
    policy = SlaPolicy()
    assert due_at(T0, Priority.RUSH, policy) == T0 + timedelta(hours=4)
    assert due_at(T0, Priority.STANDARD, policy) == T0 + timedelta(hours=24)
    assert due_at(T0, Priority.DEFERRED, policy) == T0 + timedelta(hours=72)


def test_due_at_custom_policy_and_fractional_hours() -> None:
    policy = SlaPolicy(rush_hours=1.5, standard_hours=8, deferred_hours=0)
    assert due_at(T0, Priority.RUSH, policy) == T0 + timedelta(minutes=90)
    assert due_at(T0, Priority.STANDARD, policy) == T0 + timedelta(hours=8)
    assert due_at(T0, Priority.DEFERRED, policy) == T0
    assert policy.hours(Priority.RUSH) == 1.5


def test_due_at_keeps_the_timezone() -> None:
    placed = datetime.fromisoformat("2026-11-21T23:00:00+08:00")
    due = due_at(placed, Priority.RUSH, SlaPolicy())
    assert due.utcoffset() == timedelta(hours=8)
    assert due == placed + timedelta(hours=4)


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (timedelta(minutes=12), "12m"),
        (timedelta(minutes=12, seconds=59), "12m"),
        (timedelta(seconds=30), "0m"),
        (timedelta(0), "0m"),
        (timedelta(hours=1, minutes=23), "1h23m"),
        (timedelta(hours=1, minutes=5), "1h05m"),
        (timedelta(hours=23, minutes=59), "23h59m"),
        (timedelta(hours=24), "1d00h"),
        (timedelta(days=2, hours=3, minutes=40), "2d03h"),
        (timedelta(minutes=-5), "-5m"),
        (timedelta(hours=-1, minutes=-5), "-1h05m"),
        (timedelta(days=-1, hours=-2), "-1d02h"),
    ],
)
def test_countdown(left: timedelta, shown: str) -> None:
    assert countdown(T0 + left, T0) == shown


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 10 * 86400))
def test_countdown_overdue_is_the_mirror_of_time_left(seconds: int) -> None:
    ahead = countdown(T0 + timedelta(seconds=seconds), T0)
    behind = countdown(T0 - timedelta(seconds=seconds), T0)
    assert behind == "-" + ahead
    assert not ahead.startswith("-")


# -- the walk ----------------------------------------------------------------------------------


def test_natural_order_of_bins() -> None:
    bins = ["A-10", "A-2", "B-1", "A-1", "a-3", "A-02-10", "A-02-9"]
    assert sorted(bins, key=natural_key) == [
        "A-1",
        "A-2",
        "A-02-9",
        "A-02-10",
        "a-3",
        "A-10",
        "B-1",
    ]


def test_natural_key_is_case_insensitive() -> None:
    assert natural_key("a-01") == natural_key("A-01")
    assert natural_key("A-2") < natural_key("A-10")
    assert natural_key("A9") < natural_key("A10") < natural_key("B1")


def test_natural_key_compares_mixed_shapes() -> None:
    bins = ["10", "A", "2", "A1", "1A", ""]
    ordered = sorted(bins, key=natural_key)
    assert ordered.index("2") < ordered.index("10")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=6))
@example(["A-1", "²"])  # a whole code of digit-like characters that are not decimal digits
def test_natural_key_sorts_any_codes(codes_: list[str]) -> None:
    sorted(codes_, key=natural_key)


def test_walk_sequenced_bins_first_then_natural_then_empty() -> None:
    sequences = {"C-1": 1, "A-10": 2, "B-5": 3}
    bins = ["", "A-2", "B-5", "A-10", "Z-1", "c-1", "A-1"]
    ordered = sorted(bins, key=lambda code: walk_key(code, sequences))
    assert ordered == ["c-1", "A-10", "B-5", "A-1", "A-2", "Z-1", ""]


def test_walk_sequence_order_not_name_order() -> None:
    sequences = {"A-1": 30, "A-2": 10, "A-3": 20}
    ordered = sorted(["A-1", "A-2", "A-3"], key=lambda code: walk_key(code, sequences))
    assert ordered == ["A-2", "A-3", "A-1"]


def test_walk_without_sequences_is_natural() -> None:
    ordered = sorted(["A-10", "", "A-2"], key=lambda code: walk_key(code, {}))
    assert ordered == ["A-2", "A-10", ""]


# -- wave planning -----------------------------------------------------------------------------

_line_ids = iter(range(1, 1_000_000))


def order(
    order_no: str, due_minutes: int, priority: Priority, *lines: tuple[str, int, str]
) -> WaveOrder:
    return WaveOrder(
        order_no=order_no,
        due_at=T0 + timedelta(minutes=due_minutes),
        priority=priority,
        lines=tuple(WaveLine(next(_line_ids), sku, qty, bin_) for sku, qty, bin_ in lines),
    )


def natural_walk(code: str) -> object:
    return walk_key(code, {})


def plan(orders: list[WaveOrder], max_orders: int = 100, per_list: int = 100) -> list[PlannedList]:
    return plan_wave(orders, natural_walk, max_orders, per_list)


def test_most_urgent_due_first_and_max_orders() -> None:
    orders = [
        order("late", 300, Priority.RUSH, ("A", 1, "A-1")),
        order("soon", 10, Priority.DEFERRED, ("A", 1, "A-1")),
        order("mid", 60, Priority.STANDARD, ("A", 1, "A-1")),
        order("later", 600, Priority.STANDARD, ("A", 1, "A-1")),
    ]
    lists = plan(orders, max_orders=3)
    assert len(lists) == 1
    assert lists[0].order_nos == ("soon", "mid", "late")


def test_ties_on_due_broken_by_priority_then_order_no() -> None:
    orders = [
        order("S2", 60, Priority.STANDARD, ("A", 1, "A-1")),
        order("S1", 60, Priority.STANDARD, ("A", 1, "A-1")),
        order("Z9", 60, Priority.RUSH, ("A", 1, "A-1")),
        order("A0", 60, Priority.DEFERRED, ("A", 1, "A-1")),
    ]
    assert plan(orders)[0].order_nos == ("Z9", "S1", "S2", "A0")


def test_orders_per_list_chunks() -> None:
    orders = [order(f"O{n}", n, Priority.STANDARD, ("A", 1, "A-1")) for n in range(7)]
    lists = plan(orders, max_orders=6, per_list=4)
    assert [pl.order_nos for pl in lists] == [("O0", "O1", "O2", "O3"), ("O4", "O5")]
    assert lists[0].due_at == T0
    assert lists[1].due_at == T0 + timedelta(minutes=4)
    assert [pl.lines[0].qty for pl in lists] == [4, 2]


@pytest.mark.parametrize(("max_orders", "per_list"), [(0, 5), (5, 0), (-1, 5)])
def test_nothing_planned_for_zero_limits(max_orders: int, per_list: int) -> None:
    orders = [order("O1", 1, Priority.RUSH, ("A", 1, "A-1"))]
    assert plan(orders, max_orders, per_list) == []


def test_no_orders_no_lists() -> None:
    assert plan([]) == []


def test_same_sku_and_bin_consolidated_shares_most_urgent_first() -> None:
    late = order("late", 300, Priority.STANDARD, ("A", 2, "A-1"), ("B", 1, "B-1"))
    soon = order("soon", 30, Priority.STANDARD, ("A", 3, "A-1"))
    lists = plan([late, soon])
    assert len(lists) == 1
    by_sku = {line.sku: line for line in lists[0].lines}
    a = by_sku["A"]
    assert a.qty == 5
    assert [(s.order_no, s.qty) for s in a.shares] == [("soon", 3), ("late", 2)]
    assert [s.order_line_id for s in a.shares] == [
        soon.lines[0].order_line_id,
        late.lines[0].order_line_id,
    ]
    assert by_sku["B"].qty == 1


def test_same_sku_in_two_bins_is_two_stops() -> None:
    lists = plan(
        [
            order("O1", 1, Priority.RUSH, ("A", 1, "A-1")),
            order("O2", 2, Priority.RUSH, ("A", 2, "C-1")),
        ]
    )
    assert [(line.sku, line.location, line.qty) for line in lists[0].lines] == [
        ("A", "A-1", 1),
        ("A", "C-1", 2),
    ]


def test_lines_follow_the_walk() -> None:
    sequences = {"Z-9": 1}
    orders = [
        order("O1", 1, Priority.RUSH, ("X", 1, "A-10"), ("Y", 1, ""), ("W", 1, "A-2")),
        order("O2", 2, Priority.RUSH, ("V", 1, "Z-9"), ("U", 1, "A-2")),
    ]
    lists = plan_wave(orders, lambda code: walk_key(code, sequences), 10, 10)
    assert [(line.location, line.sku) for line in lists[0].lines] == [
        ("Z-9", "V"),
        ("A-2", "U"),
        ("A-2", "W"),
        ("A-10", "X"),
        ("", "Y"),
    ]


def test_list_priority_is_the_most_urgent_priority() -> None:
    orders = [
        order("O1", 1, Priority.DEFERRED, ("A", 1, "A-1")),
        order("O2", 2, Priority.RUSH, ("A", 1, "A-1")),
        order("O3", 3, Priority.STANDARD, ("A", 1, "A-1")),
        order("O4", 4, Priority.DEFERRED, ("A", 1, "A-1")),
        order("O5", 5, Priority.STANDARD, ("A", 1, "A-1")),
    ]
    lists = plan(orders, per_list=3)
    assert [pl.priority for pl in lists] == [Priority.RUSH, Priority.STANDARD]
    assert lists[0].due_at == T0 + timedelta(minutes=1)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 500),
            st.sampled_from(list(Priority)),
            st.lists(
                st.tuples(
                    st.sampled_from(["A", "B", "C"]),
                    st.integers(1, 5),
                    st.sampled_from(["A-1", "A-10", "A-2", "B-1", ""]),
                ),
                min_size=1,
                max_size=4,
            ),
        ),
        max_size=10,
    ),
    st.integers(0, 12),
    st.integers(1, 5),
)
def test_plan_wave_keeps_every_unit_of_the_chosen_orders(
    specs: list[tuple[int, Priority, list[tuple[str, int, str]]]], max_orders: int, per_list: int
) -> None:
    orders = [order(f"O{n:02d}", due, pri, *lines) for n, (due, pri, lines) in enumerate(specs)]
    lists = plan(orders, max_orders, per_list)
    chosen = [no for pl in lists for no in pl.order_nos]
    assert len(chosen) == len(set(chosen)) == min(max_orders, len(orders))
    assert all(0 < len(pl.order_nos) <= per_list for pl in lists)
    by_no = {o.order_no: o for o in orders}
    urgency = [(by_no[no].due_at, no) for no in chosen]
    # Every chosen order is at least as urgent as every order left out.
    left_out = [o for o in orders if o.order_no not in chosen]
    for o in left_out:
        assert all(by_no[no].due_at <= o.due_at for no in chosen)
    assert [u[0] for u in urgency] == sorted(u[0] for u in urgency)
    for pl in lists:
        shares = [share for line in pl.lines for share in line.shares]
        expected_ids = sorted(line.order_line_id for no in pl.order_nos for line in by_no[no].lines)
        assert sorted(share.order_line_id for share in shares) == expected_ids
        for line in pl.lines:
            assert line.qty == sum(share.qty for share in line.shares)
            ranks = [pl.order_nos.index(share.order_no) for share in line.shares]
            assert ranks == sorted(ranks)
        keys = [(natural_walk(line.location), line.sku) for line in pl.lines]
        assert keys == sorted(keys)
        assert len({(line.sku, line.location) for line in pl.lines}) == len(pl.lines)
