"""The pure rules of receiving, put-away and counting (core/receiving.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import stock as stock_rules
from core.receiving import (
    BinInfo,
    ReceiptDraft,
    abc_classes,
    adjustments,
    bin_range,
    close_receipt,
    judge_unit,
    needs_recount,
    propose_bin,
    put_away,
    read_receipts,
)
from core.stock import BinKind, LedgerKind, StockRefused, StockRow

TODAY = date(2026, 12, 6)


def _judge(sku: str | None = "A", qty: int = 1, lot: str = "", expiry: date | None = None, **kw):  # type: ignore[no-untyped-def]
    defaults = {
        "code": "X",
        "lot_tracked": False,
        "expected": {"A": 3},
        "received": {},
        "today": TODAY,
    }
    return judge_unit(sku, qty, lot, expiry, **{**defaults, **kw})


def test_each_refusal_has_its_code() -> None:
    assert _judge().accepted
    assert _judge(sku=None).code == "unknown"
    assert _judge(sku="B").code == "not_on_receipt"
    assert _judge(qty=2, received={"A": 2}).code == "too_many"
    assert _judge(lot_tracked=True).code == "no_lot"
    assert _judge(lot="L", expiry=TODAY).code == "expired"
    assert _judge(qty=0).code == "bad_qty"
    assert _judge(sku="B", expected=None).accepted  # blind: any product


@given(expected=st.integers(1, 20), scans=st.lists(st.integers(1, 5), max_size=12))
def test_never_more_accepted_than_expected(expected: int, scans: list[int]) -> None:
    received = 0
    for qty in scans:
        verdict = _judge(qty=qty, expected={"A": expected}, received={"A": received})
        if verdict.accepted:
            received += qty
        else:
            assert received + qty > expected
    assert received <= expected


def test_closing_adds_lots_and_reports_short_and_over() -> None:
    movements, outcomes = close_receipt(
        {"A": 5, "B": 2},
        [("A", "L1", date(2030, 1, 1), 2), ("A", "L1", None, 1), ("C", "", None, 1)],
        "DOCK",
    )
    assert [(m.kind, m.sku, m.bin, m.lot, m.qty, m.expiry) for m in movements] == [
        (LedgerKind.RECEIVE, "A", "DOCK", "L1", 3, date(2030, 1, 1)),
        (LedgerKind.RECEIVE, "C", "DOCK", "", 1, None),
    ]
    assert [(o.sku, o.difference) for o in outcomes] == [("A", -2), ("B", -2), ("C", 1)]


def test_the_proposal_order() -> None:
    face = StockRow("A", "F-1", on_hand=4, kind=BinKind.PICK_FACE)
    bins = [
        BinInfo("F-1", BinKind.PICK_FACE, 5, 4),
        BinInfo("R-1", BinKind.RESERVE, None, 3),
        BinInfo("R-2", BinKind.RESERVE, None, 0),
        BinInfo("R-3", BinKind.RESERVE, None, 2),
    ]
    assert propose_bin("A", [face], bins, 1) == "F-1"
    assert propose_bin("A", [face], bins, 2) == "R-2"  # no room, no reserve of A: an empty one
    in_reserve = StockRow("A", "R-3", on_hand=2, kind=BinKind.RESERVE)
    assert propose_bin("A", [face, in_reserve], bins, 2) == "R-3"
    assert propose_bin("A", [face], bins[:2], 2) is None
    # an emptied pick face is still the SKU's home
    assert (
        propose_bin(
            "A", [StockRow("A", "F-1", on_hand=0)], [BinInfo("F-1", BinKind.PICK_FACE, 5, 0)], 5
        )
        == "F-1"
    )


def test_put_away_moves_from_the_dock_only_to_bins_picked_from() -> None:
    dock = StockRow("A", "DOCK", "L", date(2030, 1, 1), on_hand=3, kind=BinKind.RECEIVING)
    moved = put_away(dock, "F-1", BinKind.PICK_FACE, 2)
    after = stock_rules.apply({dock.key: dock}, moved)
    assert after[("A", "F-1", "L")].on_hand == 2 and after[dock.key].on_hand == 1
    assert after[("A", "F-1", "L")].expiry == date(2030, 1, 1)
    for to_kind in (BinKind.DAMAGED, BinKind.RETURNS):
        with pytest.raises(StockRefused):
            put_away(dock, "X", to_kind, 1)
    with pytest.raises(StockRefused):
        put_away(dock, "F-1", BinKind.PICK_FACE, 4)


@given(
    on_hand_at_count=st.integers(0, 10),
    counted=st.integers(0, 10),
    since=st.integers(0, 10),
)
def test_an_approval_counts_every_unit_once(
    on_hand_at_count: int, counted: int, since: int
) -> None:
    """Whatever left the bin after the count (``since``), approval leaves counted − since."""
    since = min(since, on_hand_at_count)
    now = StockRow("A", "B-1", on_hand=on_hand_at_count - since)
    try:
        moves = adjustments(
            "B-1", {("A", ""): counted}, {("A", ""): on_hand_at_count}, {("A", ""): now}
        )
    except StockRefused:
        assert counted < since
        return
    after = stock_rules.apply({now.key: now}, moves)
    assert after[now.key].on_hand == counted - since


def test_recount_only_beyond_the_tolerance_and_once() -> None:
    assert not needs_recount({("A", ""): 5}, {("A", ""): 6}, 1, False)
    assert needs_recount({("A", ""): 4}, {("A", ""): 6}, 1, False)
    assert not needs_recount({("A", ""): 4}, {("A", ""): 6}, 1, True)
    assert needs_recount({("B", ""): 1}, {("A", ""): 1}, 1, False)  # wrong SKU: 2 units apart


def test_bin_ranges_are_natural() -> None:
    known = ["A-01-10", "A-01-2", "A-01-1", "B-01-1", "A-01-9"]
    assert bin_range("A-01-1", "A-01-9", known) == ["A-01-1", "A-01-2", "A-01-9"]
    assert bin_range("A-01-9", "A-01-1", known) == ["A-01-1", "A-01-2", "A-01-9"]


def test_a_receipt_file_rejects_a_receipt_with_a_bad_line_whole() -> None:
    content = (
        b"receipt_no,supplier,sku,qty,lot,expiry\n"
        b"R-1,S,A,2,L,2030-01-01\nR-1,S,A,1,L,\nR-2,S,A,0,,\nR-2,S,B,1,,\nR-3,S,,1,,\n"
    )
    items = list(read_receipts(content, "r.csv"))
    drafts = [i for i in items if isinstance(i, ReceiptDraft)]
    assert [(d.receipt_no, [(x.sku, x.qty, x.lot) for x in d.lines]) for d in drafts] == [
        ("R-1", [("A", 3, "L")])
    ]
    rejected = sorted((i.line, i.key) for i in items if not isinstance(i, ReceiptDraft))
    assert rejected == [(4, "R-2"), (5, "R-2"), (6, "R-3")]


def test_abc_classes_by_units_shipped() -> None:
    shipped = {"A1": 70, "A2": 15, "B1": 10, "C1": 5}
    classes = abc_classes(["A1", "A2", "B1", "C1", "NONE"], shipped)
    # A1 starts at 0 %, A2 at 70 % (< 80 %): A; B1 at 85 %: B; C1 at 95 %: C; nothing shipped: C
    assert classes == {"A1": "A", "A2": "A", "B1": "B", "C1": "C", "NONE": "C"}
    assert abc_classes(["X", "Y"], {}) == {"X": "C", "Y": "C"}


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 50)))
def test_abc_classes_rank_more_shipped_never_lower(shipped: dict[str, int]) -> None:
    classes = abc_classes(shipped, shipped)
    for one in shipped:
        for other in shipped:
            if shipped[one] > shipped[other]:
                assert classes[one] <= classes[other]
    if any(shipped.values()):
        assert "A" in classes.values()
