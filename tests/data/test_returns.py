"""Returns received by scan on a real file: matched by waybill, order or buyer; good units into
the returns bin and damaged ones into a damaged bin, each one ledger entry; units not shipped or
too many refused and recorded; a resubmitted receipt adds nothing; unidentified parcels kept
until linked or written off; the order becomes returned only when everything came back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import NotAllowed, NotFound, Rejected
from core.returns import ReturnRefused
from data import catalog, orders, returns
from data.stock import list_bins, list_ledger, stock_check
from data.store import Actor, Store
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
    status_of,
    stock,
)
from tests.data.floor_rows import ship_order

PACKER = Actor("chen.jie", "bench-1")
PICKER = Actor("li.na", "hh-1")
SUPERVISOR = Actor("boss", "office")


def _store(path: Path) -> Store:
    store = new_store(path)
    add_floor_users(store, "packer", PACKER.user)
    add_floor_users(store, "picker", PICKER.user)
    add_floor_users(store, "supervisor", SUPERVISOR.user)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-A", 10, barcodes=[ean13(1)], location="A-02"),
                product("SKU-B", 10, barcodes=[ean13(2)], location="A-05"),
                product("SKU-C", 10, barcodes=[ean13(3)], location="A-07"),
            ]
        ),
        "p.csv",
    )
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("TB-1", [("SKU-A", 2), ("SKU-B", 1)]),
            order_rows("TB-2", [("SKU-A", 1)], customer_name="李娜", phone="13900139000"),
            order_rows("TB-3", [("SKU-A", 1)], customer_name="李娜", phone="13900139000"),
        ),
        "o.csv",
    )
    ship_order(store, "TB-1", NOW, waybill_no="SF0000000001")
    ship_order(store, "TB-2", NOW, waybill_no="SF0000000002")
    ship_order(store, "TB-3", NOW, waybill_no="SF0000000003")
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return _store(tmp_path / "w.db")


def _bins(store: Store, sku: str) -> dict[str, int]:
    return {r["bin"]: r["on_hand"] for r in list_bins(store, sku) if r["on_hand"]}


def test_a_return_matched_by_waybill_restocks_one_and_keeps_one_damaged(store: Store) -> None:
    assert stock(store, "SKU-A") == (6, 0)
    good = returns.receive(store, PACKER, "SKU-A", 1, "good", waybill="sf0000000001", key="scan-1")
    damaged = returns.receive(
        store, PACKER, "SKU-A", 1, "damaged", "破损", waybill="SF0000000001", key="scan-2"
    )
    assert (good["bin"], damaged["bin"]) == ("RET-01", "DMG-01")
    assert good["return"] == damaged["return"]
    assert _bins(store, "SKU-A") == {"A-02": 6, "RET-01": 1, "DMG-01": 1}
    assert stock(store, "SKU-A") == (8, 0)
    entries = list_ledger(store, doc=f"return:{good['return']}")
    assert sorted((e["kind"], e["bin"], e["qty"]) for e in entries) == [
        ("return", "DMG-01", 1),
        ("return", "RET-01", 1),
    ]
    # a damaged unit is never allocated: the damaged bin counts as unpickable
    assert store.scalar("SELECT unpickable FROM products WHERE sku = 'SKU-A'") >= 1
    assert stock_check(store) == []


def test_a_resubmitted_receipt_adds_nothing(store: Store) -> None:
    first = returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1", key="u-1")
    again = returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1", key="u-1")
    assert (first["repeat"], again["repeat"]) == (False, True)
    assert stock(store, "SKU-A") == (7, 0)
    assert len(list_ledger(store, doc=f"return:{first['return']}")) == 1
    with pytest.raises(Rejected, match="another unit"):
        returns.receive(store, PACKER, "SKU-B", 1, "good", order_no="TB-1", key="u-1")
    assert stock_check(store) == []


def test_units_not_shipped_or_too_many_are_refused_and_recorded(store: Store) -> None:
    with pytest.raises(ReturnRefused, match="not shipped") as not_shipped:
        returns.receive(store, PACKER, "SKU-C", 1, "good", order_no="TB-1")
    assert not_shipped.value.code == "not_shipped"
    returns.receive(store, PACKER, "SKU-A", 2, "good", order_no="TB-1")
    with pytest.raises(ReturnRefused) as too_many:
        returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1")
    assert too_many.value.code == "too_many"
    assert stock(store, "SKU-A") == (8, 0)
    assert stock(store, "SKU-C") == (10, 0)
    refused = store.query("SELECT sku, code FROM return_refusals ORDER BY id")
    assert refused == [
        {"sku": "SKU-C", "code": "not_shipped"},
        {"sku": "SKU-A", "code": "too_many"},
    ]
    shown = returns.show_return(store, returns.list_returns(store)[0]["id"])
    assert [r["code"] for r in shown["refused"]] == ["not_shipped", "too_many"]
    assert stock_check(store) == []


def test_reasons_are_required_for_damage_and_come_from_the_list(store: Store) -> None:
    with pytest.raises(Rejected, match="damaged"):
        returns.receive(store, PACKER, "SKU-A", 1, "damaged", order_no="TB-1")
    with pytest.raises(Rejected, match="not a return reason"):
        returns.receive(store, PACKER, "SKU-A", 1, "damaged", "dropped", order_no="TB-1")
    assert returns.add_reason(store, ADMIN, " 包装 破损 ")[-1] == "包装 破损"
    returns.receive(store, PACKER, "SKU-A", 1, "damaged", "包装 破损", order_no="TB-1")
    assert "七天无理由" in returns.remove_reason(store, ADMIN, "破损")
    assert "破损" not in returns.list_reasons(store)
    with pytest.raises(NotAllowed):
        returns.add_reason(store, PACKER, "x")
    with pytest.raises(Rejected, match="condition"):
        returns.receive(store, PACKER, "SKU-A", 1, "broken", order_no="TB-1")
    with pytest.raises(Rejected, match="picked from"):
        returns.receive(
            store, PACKER, "SKU-A", 1, "damaged", "少件", order_no="TB-1", bin_name="A-02"
        )
    assert stock_check(store) == []


def test_several_orders_of_one_buyer_are_listed_and_pickers_may_not_receive(
    store: Store,
) -> None:
    found = returns.match(store, who="13900139000")
    assert [o["order_no"] for o in found] == ["TB-2", "TB-3"]
    assert found[0]["lines"] == [{"sku": "SKU-A", "shipped": 1, "returned": 0}]
    assert [o["order_no"] for o in returns.match(store, waybill="SF0000000001")] == ["TB-1"]
    with pytest.raises(NotFound, match="unidentified"):
        returns.receive(store, PACKER, "SKU-A", 1, "good", waybill="SF404")
    with pytest.raises(NotAllowed):
        returns.receive(store, PICKER, "SKU-A", 1, "good", order_no="TB-2")


def test_closing_records_lines_and_returns_the_order_only_when_all_came_back(
    store: Store,
) -> None:
    part = returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1")
    closed = returns.close_return(store, PACKER, part["return"])
    assert closed["order_status"] == "shipped"
    lines = orders.show_order(store, "TB-1")["lines"]
    assert [(line["sku"], line["returned"]) for line in lines] == [("SKU-A", 1), ("SKU-B", 0)]
    with pytest.raises(Rejected, match="only an open return"):
        returns.close_return(store, PACKER, part["return"])
    rest = returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1")
    returns.receive(store, PACKER, "SKU-B", 1, "damaged", "质量问题", order_no="TB-1")
    assert rest["return"] != part["return"]
    assert returns.close_return(store, PACKER, rest["return"])["order_status"] == "returned"
    assert status_of(store, "TB-1") == "returned"
    lines = orders.show_order(store, "TB-1")["lines"]
    assert [line["returned"] for line in lines] == [2, 1]
    assert stock_check(store) == []


def test_an_unidentified_parcel_is_kept_then_linked_or_written_off(store: Store) -> None:
    kept = returns.receive_unidentified(
        store, PACKER, "yt123", "SKU-A", 1, carrier="yto", note="no slip", key="p-1"
    )
    again = returns.receive_unidentified(store, PACKER, "YT123", "SKU-A", 1, key="p-1")
    assert again["repeat"] and again["return"] == kept["return"]
    returns.receive_unidentified(store, PACKER, "YT123", "SKU-B", 1)
    assert _bins(store, "SKU-A")["RET-01"] == 1
    with pytest.raises(NotAllowed):
        returns.link(store, PACKER, kept["return"], "TB-1")
    with pytest.raises(ReturnRefused):
        returns.link(store, SUPERVISOR, kept["return"], "TB-2")  # TB-2 shipped no SKU-B
    linked = returns.link(store, SUPERVISOR, kept["return"], "TB-1")
    assert linked["order_no"] == "TB-1"
    assert returns.match(store, order_no="TB-1")[0]["lines"][0]["returned"] == 1

    other = returns.receive_unidentified(store, PACKER, "ZT9", "SKU-C", 2)
    with pytest.raises(NotAllowed):
        returns.write_off(store, PACKER, other["return"], "no owner")
    done = returns.write_off(store, SUPERVISOR, other["return"], "no owner")
    assert done["written_off"] == 2
    assert stock(store, "SKU-C") == (10, 0)
    with pytest.raises(Rejected, match="not unidentified"):
        returns.link(store, SUPERVISOR, other["return"], "TB-1")
    statuses = {r["id"]: r["status"] for r in returns.list_returns(store)}
    assert statuses == {kept["return"]: "open", other["return"]: "written_off"}
    assert stock_check(store) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["TB-1", "TB-2"]),
            st.sampled_from(["SKU-A", "SKU-B", "SKU-C"]),
            st.integers(1, 3),
            st.booleans(),
            st.integers(0, 4),
        ),
        max_size=8,
    )
)
def test_random_returns_never_exceed_what_shipped_nor_break_the_ledger(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str, int, bool, int]]
) -> None:
    store = _store(tmp_path_factory.mktemp("r") / "w.db")
    shipped = {("TB-1", "SKU-A"): 2, ("TB-1", "SKU-B"): 1, ("TB-2", "SKU-A"): 1}
    back: dict[tuple[str, str], int] = {}
    keys: dict[int, tuple[str, str, int, bool]] = {}
    for order_no, sku, qty, damaged, key in steps:
        condition, reason = ("damaged", "破损") if damaged else ("good", "")
        if key in keys and keys[key] != (order_no, sku, qty, damaged):
            continue
        try:
            result = returns.receive(
                store, PACKER, sku, qty, condition, reason, order_no=order_no, key=f"k{key}"
            )
        except ReturnRefused:
            assert back.get((order_no, sku), 0) + qty > shipped.get((order_no, sku), 0)
            continue
        if not result["repeat"]:
            back[(order_no, sku)] = back.get((order_no, sku), 0) + qty
            keys[key] = (order_no, sku, qty, damaged)
        assert back[(order_no, sku)] <= shipped[(order_no, sku)]
    returned = store.scalar("SELECT coalesce(sum(qty), 0) FROM stock_ledger WHERE kind = 'return'")
    assert returned == sum(back.values())
    assert stock_check(store) == []


def test_an_exchange_makes_one_linked_rush_replacement_even_when_resubmitted(
    store: Store,
) -> None:
    received = returns.receive(
        store, PACKER, "SKU-A", 1, "good", "发错货", order_no="TB-1", key="x-1",
        kind="exchange", exchange_sku="SKU-C",
    )  # fmt: skip
    made = received["replacement"]
    assert made == "TB-1-HH1"
    again = returns.receive(
        store, PACKER, "SKU-A", 1, "good", "发错货", order_no="TB-1", key="x-1", kind="exchange"
    )
    assert again["repeat"] and again["replacement"] == made
    assert store.scalar("SELECT count(*) FROM orders WHERE order_no LIKE 'TB-1-%'") == 1
    replacement = orders.show_order(store, made)
    assert replacement["priority"] == "rush"
    assert replacement["status"] == "allocated"
    assert [(line["sku"], line["qty"]) for line in replacement["lines"]] == [("SKU-C", 1)]
    assert store.query("SELECT source_order, kind FROM order_links") == [
        {"source_order": "TB-1", "kind": "exchange"}
    ]
    assert stock_check(store) == []


def test_a_refused_parcel_brings_every_unit_back_once(store: Store) -> None:
    returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1")
    refused = returns.receive_refused(store, PACKER, waybill="SF0000000001")
    assert [(u["sku"], u["qty"]) for u in refused["units"]] == [("SKU-A", 1), ("SKU-B", 1)]
    assert refused["order_status"] == "returned"
    assert store.scalar("SELECT refused_at FROM shipments WHERE order_no = 'TB-1'") is not None
    with pytest.raises(Rejected, match="back already"):
        returns.receive_refused(store, PACKER, order_no="TB-1")
    assert stock(store, "SKU-A") == (8, 0)
    assert stock_check(store) == []


def test_refund_only_moves_nothing_and_a_resend_is_a_linked_order(store: Store) -> None:
    before = stock(store, "SKU-A")
    refund = returns.refund_only(store, SUPERVISOR, "TB-2", "七天无理由")
    assert stock(store, "SKU-A") == before
    assert returns.show_return(store, refund["return"])["kind"] == "refund_only"
    with pytest.raises(NotAllowed):
        returns.resend(store, PACKER, "TB-2", "SKU-A", 1, "少件")
    with pytest.raises(Rejected, match="shipped fewer"):
        returns.resend(store, SUPERVISOR, "TB-2", "SKU-A", 2, "少件")
    sent = returns.resend(store, SUPERVISOR, "TB-2", "SKU-A", 1, "少件", key="r-1")
    assert sent["resend"] == "TB-2-BF1"
    assert returns.resend(store, SUPERVISOR, "TB-2", "SKU-A", 1, "少件", key="r-1")["resend"] == (
        "TB-2-BF1"
    )
    assert status_of(store, "TB-2-BF1") == "allocated"
    assert stock_check(store) == []


def test_the_daily_report_counts_returns_and_the_return_rate(store: Store) -> None:
    from data.report import daily_report

    returns.receive(store, PACKER, "SKU-A", 1, "good", "七天无理由", order_no="TB-1")
    returns.receive(store, PACKER, "SKU-A", 1, "damaged", "破损", order_no="TB-1")
    parcel = returns.receive_unidentified(store, PACKER, "ZT1", "SKU-C", 2)
    returns.write_off(store, SUPERVISOR, parcel["return"], "no owner")
    figures = daily_report(store, SUPERVISOR, date(2026, 11, 21)).as_dict()["returns"]
    assert {k: v for k, v in figures.items() if not isinstance(v, list)} == {
        "received": 2,
        "units_returned": 4,
        "restocked": 3,
        "damaged": 1,
        "written_off": 2,
        "units_shipped": 5,
        "return_rate": 0.8,
    }
    assert figures["by_reason"] == [
        {"reason": "", "units": 2, "rate": 0.4},
        {"reason": "七天无理由", "units": 1, "rate": 0.2},
        {"reason": "破损", "units": 1, "rate": 0.2},
    ]
    assert figures["by_sku"][0] == {"sku": "SKU-A", "returned": 2, "shipped": 4, "rate": 0.5}
    other_day = daily_report(store, SUPERVISOR, date(2026, 11, 22)).as_dict()["returns"]
    assert other_day["units_returned"] == 0 and other_day["return_rate"] is None


def test_hostile_text_is_refused_before_anything_is_kept(store: Store) -> None:
    with pytest.raises(Rejected, match="one line"):
        returns.receive_unidentified(store, PACKER, "YT9", "SKU-A", 1, note="a\x1b[2Jb")
    with pytest.raises(Rejected, match="not a waybill"):
        returns.receive_unidentified(store, PACKER, "YT\x07 9", "SKU-A", 1)
    with pytest.raises(Rejected, match="scan id"):
        returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1", key="k\x1b1")
    with pytest.raises(Rejected, match="short line"):
        returns.add_reason(store, ADMIN, "x\x00y")
    with pytest.raises(Rejected, match="positive"):
        returns.receive(store, PACKER, "SKU-A", 0, "good", order_no="TB-1")
    with pytest.raises(NotFound):
        returns.receive_unidentified(store, PACKER, "YT9", "NO-SUCH", 1)
    assert returns.list_returns(store) == []
    assert stock_check(store) == []
