"""Expected returns acting on their kind, and the returns bin put away, on a real file: an
exchange the after-sales export announces makes its replacement of the SKU it names without
being told at the receipt; a parcel expected refused at delivery (拒收) is found as such and
comes back whole through the port; good units in the returns bin go back to their pick face
by put-away, never the units an unidentified parcel keeps there."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Rejected
from core.model import Role
from core.ports import Operator
from data import receiving, returns
from data.returns_desk import SqliteReturnsDesk
from data.stock import list_bins, list_ledger, stock_check
from data.store import Store
from tests.data.builders import ADMIN, status_of
from tests.data.test_returns import PACKER, _store

EXPORT = (
    "after_sales_no,order_no,return_waybill,type,reason,sku,qty,exchange_sku\n"
    "AS-1,TB-1,YT0000000001,exchange,尺码不合适,SKU-A,1,SKU-C\n"
    "AS-2,TB-2,,refused,拒收,SKU-A,1,\n"
    "AS-3,TB-3,YT0000000003,return,七天无理由,SKU-A,1,\n"
)
BENCH = Operator(PACKER.user, Role.PACKER, PACKER.station)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = _store(tmp_path / "w.db")
    done = returns.import_expected(store, ADMIN, EXPORT.encode())
    assert (done["stored"], done["refused"]) == (3, [])
    return store


def _bins(store: Store, sku: str) -> dict[str, int]:
    return {r["bin"]: r["on_hand"] for r in list_bins(store, sku) if r["on_hand"]}


def test_the_expected_kind_is_found_by_the_return_waybill_or_the_order(store: Store) -> None:
    exchange = returns.expectation(store, "TB-1", "yt0000000001")
    assert exchange is not None
    assert (exchange.after_sales_no, exchange.kind, exchange.exchange_sku) == (
        "AS-1",
        "exchange",
        "SKU-C",
    )
    refused = returns.expectation(store, "TB-2", "SF0000000002")  # the original label
    assert refused is not None and refused.kind == "refused"
    assert returns.expectation(store, "TB-3") is not None
    assert [e["exchange_sku"] for e in returns.list_expected(store)] == ["SKU-C", "", ""]


def test_an_expected_exchange_makes_its_replacement_without_being_told(store: Store) -> None:
    unit = returns.receive(
        store, PACKER, "SKU-A", 1, "good", waybill="YT0000000001", key="scan-ex-1"
    )
    assert unit["replacement"] == "TB-1-HH1"
    lines = store.query(
        "SELECT o.priority, l.sku, l.qty FROM orders o JOIN order_lines l"
        " ON l.order_no = o.order_no WHERE o.order_no = 'TB-1-HH1'"
    )
    assert lines == [{"priority": "rush", "sku": "SKU-C", "qty": 1}]
    assert store.scalar("SELECT kind FROM returns WHERE id = ?", (unit["return"],)) == "exchange"
    # the exchange expected is back: the next unit of the order is a return for refund
    assert returns.expectation(store, "TB-1", "YT0000000001") is None
    more = returns.receive(store, PACKER, "SKU-A", 1, "good", order_no="TB-1", key="scan-ex-2")
    assert "replacement" not in more
    assert store.scalar("SELECT kind FROM returns WHERE id = ?", (more["return"],)) == "return"
    # an expected return for refund stays one
    refund = returns.receive(store, PACKER, "SKU-A", 1, "good", waybill="YT0000000003")
    assert "replacement" not in refund
    assert store.scalar("SELECT count(*) FROM order_links") == 1
    assert stock_check(store) == []


def test_a_parcel_expected_refused_is_found_as_such_and_comes_back_whole(store: Store) -> None:
    desk = SqliteReturnsDesk(store)
    (match,) = desk.find(BENCH, "sf0000000002")
    assert (match.order_no, match.expected_kind, match.after_sales_no) == (
        "TB-2",
        "refused",
        "AS-2",
    )
    assert match.waybill == "SF0000000002"
    parcel = desk.receive_refused(BENCH, match.order_no, match.waybill)
    assert (parcel.order_no, parcel.units, parcel.bin, parcel.order_status) == (
        "TB-2",
        1,
        "RET-01",
        "returned",
    )
    assert store.scalar("SELECT refused_at FROM shipments WHERE order_no = 'TB-2'") is not None
    assert store.scalar("SELECT waybill_no FROM returns WHERE kind = 'refused'") == "SF0000000002"
    assert status_of(store, "TB-2") == "returned"
    # nothing is expected any more: found again, it is a plain order with everything back
    (again,) = desk.find(BENCH, "SF0000000002")
    assert again.expected_kind == "" and again.returned == again.shipped == 1
    with pytest.raises(Rejected):
        desk.receive_refused(BENCH, "TB-2")
    assert _bins(store, "SKU-A")["RET-01"] == 1
    assert stock_check(store) == []


def test_good_returned_units_are_put_away_from_the_returns_bin(store: Store) -> None:
    returns.receive(store, PACKER, "SKU-A", 1, "good", waybill="YT0000000003", key="r-1")
    returns.receive(store, PACKER, "SKU-B", 1, "good", order_no="TB-1", key="r-2")
    returns.receive_unidentified(store, PACKER, "YT0000009999", "SKU-A", 1, key="r-3")
    assert _bins(store, "SKU-A") == {"A-02": 6, "RET-01": 2}
    # the dock holds none: the returns bin is where the units come from, the pick face the target
    proposal = receiving.propose_putaway(store, "SKU-A", 1)
    assert (proposal["from"], proposal["waiting"], proposal["proposed"]) == ("RET-01", 1, "A-02")
    done = receiving.put_away(store, PACKER, "SKU-A", 1, "A-02")
    assert (done["from"], done["to"]) == ("RET-01", "A-02")
    entries = list_ledger(store, doc=f"putaway:{done['putaway']}")
    assert sorted((e["kind"], e["bin"], e["qty"]) for e in entries) == [
        ("put_away", "A-02", 1),
        ("put_away", "RET-01", -1),
    ]
    # the unit left in RET-01 is the unidentified parcel's: it waits for a supervisor
    with pytest.raises(Rejected):
        receiving.put_away(store, PACKER, "SKU-A", 1, "A-02", from_bin="RET-01")
    assert _bins(store, "SKU-A") == {"A-02": 7, "RET-01": 1}
    # a pick face is not where put-away takes units from (that is a move)
    with pytest.raises(Rejected, match="A-05"):
        receiving.put_away(store, PACKER, "SKU-B", 1, "A-07", from_bin="A-05")
    # named, the returns bin gives its unit to another bin than proposed (recorded)
    other = receiving.put_away(store, PACKER, "SKU-B", 1, "A-09", from_bin="ret-01")
    assert (other["from"], other["to"], other["proposed"]) == ("RET-01", "A-09", "A-05")
    # the parcel can still be written off from where it waits
    parcel = store.scalar("SELECT id FROM returns WHERE status = 'unidentified'")
    assert returns.write_off(store, ADMIN, parcel, "无法识别")["written_off"] == 1
    assert _bins(store, "SKU-A") == {"A-02": 7}
    assert stock_check(store) == []
