"""Tracking kept on a real file: events stored once however often they come, orders moved to
in transit and delivered through the lifecycle, problem parcels listed, a tracking file read
row by row, and the 快递鸟 stand-in answering 1002 on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Rejected
from core.waybills import CarrierApi
from data import catalog, orders, tracking
from data.shipments import show_shipment
from data.store import Store
from devices.kdniao import KdniaoAccount, KdniaoClient, tracker
from tests.data.builders import (
    ADMIN,
    NOW,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
)
from tests.data.floor_rows import ship_order
from tests.kdniao_server import kdniao_stand_in


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(store, ADMIN, products_csv([product("SKU-A", 10)]), "p.csv")
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("TB-1", [("SKU-A", 1)]), order_rows("TB-2", [("SKU-A", 1)])),
        "o.csv",
    )
    ship_order(store, "TB-1", NOW, waybill_no="ZT0000000001", carrier="ZTO")
    ship_order(store, "TB-2", NOW, waybill_no="ZT0000000002", carrier="ZTO")
    return store


FILE = (
    "waybill,status,time,description\n"
    "ZT0000000001,已揽收,2026-11-21 18:00:00,【杭州】已揽收\n"
    "ZT0000000001,运输中,2026-11-22 02:00,到【杭州转运中心】\n"
    "ZT0000000001,已签收,2026-11-23 10:30:00,本人签收\n"
    "NOPE00000001,signed,2026-11-23 10:30:00,\n"
    "ZT0000000002,lost,2026-11-23 10:30:00,\n"
    "ZT0000000002,problem,yesterday,\n"
    "ZT0000000002,问题件,2026-11-23 09:00,地址不详\n"
)


def test_a_file_moves_the_order_to_delivered_and_refuses_bad_rows_by_number(
    store: Store,
) -> None:
    done = tracking.import_tracking(store, ADMIN, FILE.encode())
    assert done["stored"] == 4
    assert [m["order_no"] for m in done["moved"]] == ["TB-1"]
    assert status_of(store, "TB-1") == "delivered"
    assert status_of(store, "TB-2") == "shipped"  # a problem moves nothing
    refused = "\n".join(done["refused"])
    assert len(done["refused"]) == 3
    assert "row 5: no shipped parcel has the waybill NOPE00000001" in refused
    assert "row 6: unknown tracking status 'lost'" in refused
    assert "row 7: cannot read the time" in refused
    events = show_shipment(store, "ZT0000000001")["packages"][0]["events"]
    assert [e["status"] for e in events] == ["picked_up", "in_transit", "signed"]
    assert events[0]["at"] == "2026-11-21T10:00:00+00:00"  # China time kept as UTC
    assert events[2]["description"] == "本人签收"
    history = store.query(
        "SELECT detail FROM audit WHERE subject = 'TB-1' AND action = 'order.tracked'"
    )
    assert [h["detail"] for h in history] == ['{"status": "delivered"}']


def test_the_same_file_twice_stores_nothing_twice(store: Store) -> None:
    tracking.import_tracking(store, ADMIN, FILE.encode())
    before = store.scalar("SELECT count(*) FROM tracking_events")
    again = tracking.import_tracking(store, ADMIN, FILE.encode())
    assert again["stored"] == 0 and again["repeated"] == 4 and again["moved"] == []
    assert store.scalar("SELECT count(*) FROM tracking_events") == before == 4


def test_problem_parcels_are_listed_until_settled(store: Store) -> None:
    tracking.import_tracking(store, ADMIN, FILE.encode())
    problems = tracking.problem_parcels(store)
    assert [(p["order_no"], p["waybill_no"], p["carrier"]) for p in problems] == [
        ("TB-2", "ZT0000000002", "ZTO")
    ]
    assert problems[0]["problem"] == "地址不详"
    tracking.import_tracking(store, ADMIN, b"ZT0000000002,signed,2026-11-24 09:00\n")
    assert tracking.problem_parcels(store) == []
    assert status_of(store, "TB-2") == "delivered"


def test_a_file_that_is_not_utf8_is_refused(store: Store) -> None:
    with pytest.raises(Rejected, match="not UTF-8"):
        tracking.import_tracking(store, ADMIN, "ZT0000000001,已签收,2026-11-23".encode("gbk"))


def test_the_kdniao_trace_moves_the_order_and_a_second_query_adds_nothing(store: Store) -> None:
    with kdniao_stand_in({"1234567": "KEY"}) as server:
        server.trace(
            "ZT0000000001",
            "2",
            ("2026-11-21 18:00:00", "【杭州市】快件已揽收"),
            ("2026-11-22 03:00:00", "到达【杭州转运中心】"),
        )
        api = CarrierApi("ZTO", "kdniao", server.url, "1234567", "KEY", {}, "wait")
        client = tracker(api)
        events = client.track("ZT0000000001")
        assert [e.status.value for e in events] == ["picked_up", "in_transit"]
        assert server.requests[-1] == {
            "type": "1002",
            "data": {"ShipperCode": "ZTO", "LogisticCode": "ZT0000000001"},
        }
        done = tracking.record(store, ADMIN, events)
        assert done["stored"] == 2 and status_of(store, "TB-1") == "in_transit"
        assert tracking.record(store, ADMIN, client.track("ZT0000000001"))["stored"] == 0

        server.trace(
            "ZT0000000001",
            "3",
            ("2026-11-21 18:00:00", "【杭州市】快件已揽收"),
            ("2026-11-22 03:00:00", "到达【杭州转运中心】"),
            ("2026-11-23 11:00:00", "已签收，签收人：本人\x1b[31m"),
        )
        done = tracking.record(store, ADMIN, client.track("ZT0000000001"))
        assert done["stored"] == 1 and done["repeated"] == 2
        assert status_of(store, "TB-1") == "delivered"
        last = show_shipment(store, "TB-1")["packages"][0]
        assert last["signed_at"] == "2026-11-23T03:00:00+00:00"
        assert "\x1b" not in last["events"][-1]["description"]


def test_a_kdniao_refusal_and_a_wrong_key_are_errors_not_events() -> None:
    from core.waybills import WaybillUnavailable

    with kdniao_stand_in({"1234567": "KEY"}) as server:
        wrong = KdniaoClient(KdniaoAccount(server.url, "1234567", "WRONG", "ZTO"))
        with pytest.raises(WaybillUnavailable, match="104"):
            wrong.track("ZT0000000001")
        server.error = "500"
        right = KdniaoClient(KdniaoAccount(server.url, "1234567", "KEY", "ZTO"))
        with pytest.raises(WaybillUnavailable) as caught:
            right.track("ZT0000000001")
        assert caught.value.retryable
        server.error = None
        assert right.track("ZT0000000001") == []  # no trace yet (State 0)


def test_problem_parcels_show_in_the_supervisors_exceptions(store: Store) -> None:
    from core.model import Role
    from core.ports import Operator
    from data.oversight import SqliteOversight
    from tests.data.builders import add_floor_users

    add_floor_users(store, "supervisor", "zhao.min")
    port = SqliteOversight(store)
    boss = Operator("zhao.min", Role.SUPERVISOR, "office")
    assert port.exceptions(boss).problem_parcels == ()
    tracking.import_tracking(store, ADMIN, FILE.encode())
    (parcel,) = port.exceptions(boss).problem_parcels
    assert (parcel.order_no, parcel.waybill_no, parcel.carrier, parcel.status) == (
        "TB-2",
        "ZT0000000002",
        "ZTO",
        "problem",
    )
    assert parcel.description == "地址不详"


def test_the_daily_report_counts_signed_parcels_their_time_and_problems_by_carrier(
    store: Store,
) -> None:
    from datetime import date

    from data.report import daily_report

    tracking.import_tracking(store, ADMIN, FILE.encode())
    report = daily_report(store, ADMIN, date(2026, 11, 23)).as_dict()["tracking"]
    # shipped 2026-11-21 06:00 UTC, signed 2026-11-23 10:30 China time (02:30 UTC)
    assert report == {
        "delivered": 1,
        "ship_to_signed_hours": 44.5,
        "by_carrier": [
            {"carrier": "ZTO", "delivered": 1, "ship_to_signed_hours": 44.5, "problems": 1}
        ],
    }
    before = daily_report(store, ADMIN, date(2026, 11, 22)).as_dict()["tracking"]
    assert before == {"delivered": 0, "ship_to_signed_hours": None, "by_carrier": []}


def test_a_signed_kdniao_push_is_read_and_a_forged_one_refused(store: Store) -> None:
    from devices.kdniao import read_push

    with kdniao_stand_in({"1234567": "KEY"}) as server:
        server.trace(
            "ZT0000000002",
            "3",
            ("2026-11-21 19:00:00", "已揽收"),
            ("2026-11-22 15:00:00", "已签收"),
        )
        form = server.push_form("1234567", "ZT0000000002")
    events = read_push(form, {"1234567": "KEY"})
    assert [(e.waybill_no, e.status.value) for e in events] == [
        ("ZT0000000002", "picked_up"),
        ("ZT0000000002", "signed"),
    ]
    tracking.record(store, ADMIN, events)
    assert status_of(store, "TB-2") == "delivered"
    with pytest.raises(Rejected, match="signature"):
        read_push(form, {"1234567": "OTHER"})
    forged = dict(form, RequestData=form["RequestData"].replace("已签收", "问题件"))
    with pytest.raises(Rejected, match="signature"):
        read_push(forged, {"1234567": "KEY"})
    with pytest.raises(Rejected):
        read_push({"RequestData": "{", "DataSign": "x"}, {"1234567": "KEY"})


def test_the_push_receiver_stores_a_signed_push_and_refuses_a_forged_one(store: Store) -> None:
    import json
    import urllib.parse
    import urllib.request

    from devices.kdniao_push import push_server, serve_in_thread

    server = push_server(
        "127.0.0.1",
        0,
        lambda: {"1234567": "KEY"},
        lambda events: tracking.record(store, ADMIN, events),
    )
    thread = serve_in_thread(server)
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    def post(form: dict[str, str]) -> dict:
        body = urllib.parse.urlencode(form).encode("ascii")
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5) as answer:
            return json.loads(answer.read())

    try:
        with kdniao_stand_in({"1234567": "KEY"}) as kdniao:
            kdniao.trace(
                "ZT0000000001", "3", ("2026-11-21 19:00", "已揽收"), ("2026-11-22 15:00", "签收")
            )
            form = kdniao.push_form("1234567", "ZT0000000001")
        forged = dict(form, RequestData=form["RequestData"].replace("签收", "问题件"))
        refused = post(forged)
        assert refused["Success"] is False and "signature" in refused["Reason"]
        assert status_of(store, "TB-1") == "shipped"
        assert post(form) == {
            "EBusinessID": "1234567",
            "UpdateTime": "",
            "Success": True,
            "Reason": "",
        }
        assert status_of(store, "TB-1") == "delivered"
        assert post(form)["Success"] is True  # the same push again stores nothing twice
        assert store.scalar("SELECT count(*) FROM tracking_events") == 2
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
