"""The daily report's stock and after-sales figures over a scenario built on a real file by the
services (receipts, put-away, counts and approvals, shipments and returns on several days):
every expected number is worked out from the scenario's own inputs, not written down."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock, local_day
from core.errors import Rejected
from core.report import CountedBin, stock_figures
from data import catalog, orders, receiving, returns
from data.report import daily_report
from data.stock import list_bins, stock_check
from data.store import Actor, Store, open_store
from tests.data.builders import (
    ADMIN,
    NOW,
    add_floor_users,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)
from tests.data.floor_rows import ship_order

DAY = local_day(NOW)
RECEIVER = Actor("li.na", "hh-1")
COUNTER = Actor("wang.wei", "hh-2")
SECOND = Actor("zhao.li", "hh-3")
PACKER = Actor("chen.jie", "bench-1")
SUPERVISOR = Actor("boss", "office")

START = {"SKU-A": 100, "SKU-B": 50, "SKU-C": 0}
HOME = {"SKU-A": "A-01", "SKU-B": "B-01", "SKU-C": "C-01"}
#: (order, days before the report's day, lines)
SHIPMENTS = [
    ("O-ANCIENT", 40, [("SKU-A", 5)]),
    ("O-OLD", 10, [("SKU-A", 4), ("SKU-B", 2)]),
    ("O-DAY", 0, [("SKU-A", 6)]),
]
#: (order, days before the report's day, sku, qty, condition, reason)
RETURNS = [
    ("O-ANCIENT", 35, "SKU-A", 1, "good", "质量问题"),
    ("O-OLD", 1, "SKU-A", 1, "good", "七天无理由"),
    ("O-OLD", 0, "SKU-B", 1, "damaged", "破损"),
    ("O-DAY", 0, "SKU-A", 2, "good", "七天无理由"),
]
#: received on the report's day (blind receipt) and how much of it is put away
RECEIVED = {"SKU-C": 12, "SKU-A": 3}
PUT_AWAY = {"SKU-C": 10}
#: what the counters find on the report's day, against the books: bin -> units off
COUNT_OFF = {"A-01": 0, "B-01": -1, "C-01": +1}
#: the bins whose difference is approved (C-01 stays sent to a recount)
APPROVED = ("B-01",)


@dataclass
class Scenario:
    path: Path
    count_id: int


def _at(days_before: int, minutes: int = 0) -> datetime:
    return NOW - timedelta(days=days_before) + timedelta(minutes=minutes)


def _store_at(path: Path, moment: datetime) -> Store:
    return open_store(path, FixedClock(moment))


def _build(path: Path) -> Scenario:
    store = new_store(path)
    add_floor_users(store, "picker", RECEIVER.user, COUNTER.user, SECOND.user)
    add_floor_users(store, "packer", PACKER.user)
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product(sku, START[sku], barcodes=[ean13(n)], location=HOME[sku])
                for n, sku in enumerate(START, start=1)
            ]
        ),
        "p.csv",
    )
    store.close()
    for order_no, before, lines in SHIPMENTS:
        store = _store_at(path, _at(before))
        placed = (_at(before) - timedelta(hours=2)).isoformat()
        done = orders.import_orders(
            store, ADMIN, orders_csv(order_rows(order_no, lines, placed_at=placed)), "o.csv"
        )
        assert done.stored == [order_no], done
        ship_order(store, order_no, _at(before), waybill_no=f"SF-{order_no}")
        store.close()
    for n, (order_no, before, sku, qty, condition, reason) in enumerate(RETURNS):
        store = _store_at(path, _at(before, minutes=1))
        returns.receive(
            store, PACKER, sku, qty, condition, reason, order_no=order_no, key=f"scan-{n}"
        )
        store.close()
    store = _store_at(path, _at(0, minutes=2))
    receiving.open_blind(store, RECEIVER, "R-DAY")
    for sku, qty in RECEIVED.items():
        receiving.receive_unit(store, RECEIVER, "R-DAY", sku, qty)
    receiving.close_receipt(store, RECEIVER, "R-DAY")
    for sku, qty in PUT_AWAY.items():
        receiving.put_away(store, RECEIVER, sku, qty, HOME[sku])
    # a count the day before, to be left out of the day's figures
    yesterday = _store_at(path, _at(1, minutes=3))
    earlier = receiving.create_count(yesterday, SUPERVISOR, bins="A-01:A-01")["count"]
    books = {r["bin"]: r["on_hand"] for r in list_bins(yesterday, "SKU-A")}
    receiving.count_bin(yesterday, COUNTER, earlier, "A-01", {("SKU-A", ""): books["A-01"] + 5})
    yesterday.close()
    count_id = receiving.create_count(store, SUPERVISOR, bins="A-01:C-01")["count"]
    for code, off in COUNT_OFF.items():
        sku = next(s for s, home in HOME.items() if home == code)
        held = sum(r["on_hand"] for r in list_bins(store, sku) if r["bin"] == code)
        found = {(sku, ""): held + off}
        receiving.count_bin(store, COUNTER, count_id, code, found)
        if off and code in APPROVED:  # a difference is recounted by someone else first
            receiving.count_bin(store, SECOND, count_id, code, found)
    for code in APPROVED:
        receiving.approve_count(store, SUPERVISOR, count_id, "found short", code)
    assert stock_check(store) == []
    store.close()
    return Scenario(path, int(count_id))


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    yield _build(tmp_path / "w.db")


def _report(scenario: Scenario, window: int = 30, day: date = DAY) -> dict:
    store = _store_at(scenario.path, NOW)
    try:
        return daily_report(store, SUPERVISOR, day, return_window=window).as_dict()
    finally:
        store.close()


def test_stock_figures_of_the_day(scenario: Scenario) -> None:
    figures = _report(scenario)["stock"]
    counted = len(COUNT_OFF)
    differing = sum(1 for off in COUNT_OFF.values() if off)
    approved = [COUNT_OFF[code] for code in APPROVED]
    assert figures == {
        "received": sum(RECEIVED.values()),
        "put_away": sum(PUT_AWAY.values()),
        "adjusted_up": sum(off for off in approved if off > 0),
        "adjusted_down": -sum(off for off in approved if off < 0),
        "bins_counted": counted,
        "bins_with_difference": differing,
        "count_units_up": sum(off for off in COUNT_OFF.values() if off > 0),
        "count_units_down": -sum(off for off in COUNT_OFF.values() if off < 0),
        "record_accuracy": round((counted - differing) / counted, 4),
    }
    # the day before saw only its own count (one bin, off), and no receipt
    before = _report(scenario, day=DAY - timedelta(days=1))["stock"]
    assert (before["received"], before["bins_counted"], before["bins_with_difference"]) == (
        0,
        1,
        1,
    )
    assert before["record_accuracy"] == 0.0
    empty = _report(scenario, day=DAY - timedelta(days=3))["stock"]
    assert empty["bins_counted"] == 0 and empty["record_accuracy"] is None


def _expected_window(days: int) -> dict:
    shipped: dict[str, int] = {}
    for _order, before, lines in SHIPMENTS:
        if before < days:
            for sku, qty in lines:
                shipped[sku] = shipped.get(sku, 0) + qty
    returned: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for _order, before, sku, qty, _condition, reason in RETURNS:
        if before < days:
            returned[sku] = returned.get(sku, 0) + qty
            reasons[reason] = reasons.get(reason, 0) + qty
    out = sum(shipped.values())
    back = sum(returned.values())
    return {
        "units_returned": back,
        "units_shipped": out,
        "return_rate": round(back / out, 4),
        "by_reason": [
            {"reason": reason, "units": n, "rate": round(n / out, 4)}
            for reason, n in sorted(reasons.items())
        ],
        "by_sku": [
            {
                "sku": sku,
                "returned": returned.get(sku, 0),
                "shipped": shipped.get(sku, 0),
                "rate": round(returned.get(sku, 0) / shipped[sku], 4) if shipped.get(sku) else None,
            }
            for sku in sorted(set(shipped) | set(returned))
        ],
    }


@pytest.mark.parametrize("days", [1, 2, 30, 45])
def test_the_return_rate_over_a_window(scenario: Scenario, days: int) -> None:
    report = _report(scenario, window=days)
    window = report["return_window"]
    assert window["days"] == days
    assert {k: v for k, v in window.items() if k not in ("days", "from", "to")} == (
        _expected_window(days)
    )
    start = datetime.fromisoformat(window["from"])
    assert datetime.fromisoformat(window["to"]) - start == timedelta(days=days)
    # the day's own after-sales figures do not move with the window
    day_returns = [r for r in RETURNS if r[1] == 0]
    assert report["returns"]["received"] == len({r[0] for r in day_returns})
    assert report["returns"]["restocked"] == sum(r[3] for r in day_returns if r[4] == "good")
    assert report["returns"]["damaged"] == sum(r[3] for r in day_returns if r[4] == "damaged")


def test_a_window_outside_its_bounds_is_refused(scenario: Scenario) -> None:
    store = _store_at(scenario.path, NOW)
    for days in (0, -3, 367):
        with pytest.raises(Rejected, match="--return-window"):
            daily_report(store, SUPERVISOR, DAY, return_window=days)
    store.close()


def test_csv_rows_carry_the_stock_and_window_sections(scenario: Scenario) -> None:
    store = _store_at(scenario.path, NOW)
    report = daily_report(store, SUPERVISOR, DAY, return_window=30)
    store.close()
    rows = report.csv_rows()
    data = report.as_dict()
    stock = [(metric, value) for section, _key, metric, value in rows if section == "stock"]
    assert stock == [(metric, str(value)) for metric, value in data["stock"].items()]
    window = {metric: value for section, _k, metric, value in rows if section == "return_window"}
    assert window == {
        "days": "30",
        "units_returned": str(data["return_window"]["units_returned"]),
        "units_shipped": str(data["return_window"]["units_shipped"]),
        "return_rate": str(data["return_window"]["return_rate"]),
    }
    skus = {(key, metric) for section, key, metric, _v in rows if section == "return_window_sku"}
    assert skus == {
        (line["sku"], metric)
        for line in data["return_window"]["by_sku"]
        for metric in ("returned", "shipped", "rate")
    }
    reasons = [
        (key, metric, value)
        for section, key, metric, value in rows
        if section == "return_window_reason"
    ]
    assert ("破损", "units", "1") in reasons


def test_the_arithmetic_of_stock_figures() -> None:
    figures = stock_figures(
        [
            ("receive", 7, 0),
            ("put_away", 5, 5),
            ("adjustment", 2, 3),
            ("import_correction", 1, 0),
            ("ship", 0, 9),
            ("receive", 1, 0),
        ],
        [CountedBin(1, "A", 0, 0), CountedBin(1, "B", 2, 0), CountedBin(2, "A", 0, 0)],
    )
    assert (figures.received, figures.put_away, figures.adjusted_up, figures.adjusted_down) == (
        8,
        5,
        3,
        3,
    )
    assert (figures.bins_counted, figures.bins_with_difference) == (3, 1)
    assert figures.record_accuracy == pytest.approx(2 / 3)
    assert stock_figures([]).record_accuracy is None
