"""Closing orders with numbers from a carrier's e-waybill API (the 快递鸟 stand-in on loopback):
issued before the write transaction, cancelled at the carrier when it fails or a label is
voided, and a bench that goes on while the API is slow or down."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp

from core.clock import FixedClock, to_iso
from core.errors import Rejected
from core.ports import Operator
from core.waybills import CarrierApi, WaybillSource
from data import carriers, ewaybills, packing, settings
from data.floor import SqliteFloor
from data.printing import outbound_from_content
from data.shipments import show_shipment
from data.store import Store, open_store
from devices.render import ONE_PART_WIDTH_DOTS, render_outbound_image
from devices.waybill_apis import source_for
from tests.data.builders import ADMIN, NOW, ewaybill_site
from tests.data.test_packing import CABLE, CUP, PIN, build_bench, check_all, first_list
from tests.kdniao_server import KdniaoStandIn, kdniao_stand_in

KEY = "kdniao-test-key"


@pytest.fixture
def server() -> Iterator[KdniaoStandIn]:
    with kdniao_stand_in({"E1": KEY}, prefix="JDE") as server:
        yield server


def _setup(
    path: Path, server: KdniaoStandIn, fallback: str = "wait", printer: str = "dummy://"
) -> Store:
    build_bench(path, printer)
    store = open_store(path, FixedClock(NOW))
    ewaybill_site(store, server.url, KEY, fallback)
    return store


def _lock_free(path: Path) -> bool:
    """Whether another connection could take the write lock right now."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


class Watched(WaybillSource):
    """The real 快递鸟 source, noting whether the write lock was free at every API call."""

    def __init__(self, api: CarrierApi, path: Path, seen: list[bool]) -> None:
        self.inner = source_for(api)
        self.path, self.seen = path, seen
        self.in_transaction = False

    def take(self, carrier: str, count: int):  # type: ignore[no-untyped-def]
        raise AssertionError("an API source is asked per parcel")

    def void(self, number: str) -> None:
        raise AssertionError("an API source cancels with its reference")

    def issue(self, carrier, parcels):  # type: ignore[no-untyped-def]
        self.seen.append(_lock_free(self.path))
        return self.inner.issue(carrier, parcels)

    def cancel(self, waybill):  # type: ignore[no-untyped-def]
        self.seen.append(_lock_free(self.path))
        self.inner.cancel(waybill)


def _bench(store: Store, path: Path, seen: list[bool]) -> tuple[SqliteFloor, Operator]:
    floor = SqliteFloor(store, waybill_apis=lambda api: Watched(api, path, seen))
    packer = floor.login("chen.jie", PIN, "bench-1")
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    return floor, packer


def test_a_closed_order_carries_the_api_number_and_routing(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    seen: list[bool] = []
    floor, packer = _bench(store, path, seen)
    closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert closed.accepted and "JDE0000000001" in closed.message
    assert seen == [True]  # the API was called with the write lock free
    shipment = show_shipment(store, "O-RUSH")
    assert shipment["carrier"] == "JD" and shipment["waybills"] == ["JDE0000000001"]
    package = shipment["packages"][0]
    assert package["waybill_source"] == "kdniao"
    assert package["routing"]["mark_destination"] and package["routing"]["sorting_code"]
    assert package["routing"]["package_name"].endswith("集包")
    sent = server.requests[0]["data"]
    assert sent["ShipperCode"] == "JD" and sent["MonthCode"] == "M1"
    assert sent["Sender"]["CityName"] == "杭州市"
    assert sent["Commodity"] and sent["OrderCode"].startswith("O-RUSH-1-")
    job = store.query("SELECT content FROM print_jobs ORDER BY id DESC LIMIT 1")[0]
    content = json.loads(job["content"])
    assert content["waybill_no"] == "JDE0000000001"
    assert content["mark_destination"] == package["routing"]["mark_destination"]
    assert content["sorting_code"] == package["routing"]["sorting_code"]
    # a privacy label by default: masked on paper, whole in the API's data
    assert content["recipient"]["phone"] == "138****8000"
    assert content["recipient"]["name"] == "张*"
    assert sent["Receiver"]["Mobile"] == "13800138000" and sent["Receiver"]["Name"] == "张伟"
    # the label as the printer draws it reads back as the API's number
    image = render_outbound_image(outbound_from_content(content), ONE_PART_WIDTH_DOTS)
    found = {c.format.name: c.text for c in zxingcpp.read_barcodes(image.convert("L"))}
    assert found["Code128"] == "JDE0000000001"
    row = store.query("SELECT * FROM waybill_numbers WHERE number = 'JDE0000000001'")[0]
    assert row["status"] == "used" and row["source"] == "kdniao" and row["package_id"]
    assert carriers.free_numbers(store, "JD") == 20  # the pool was not touched


def test_a_failed_transaction_cancels_its_numbers_at_the_carrier(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server, printer="")  # no printer: the transaction refuses
    seen: list[bool] = []
    floor, packer = _bench(store, path, seen)
    with pytest.raises(Rejected, match="no printer"):
        floor.finish_pack(packer, "O-RUSH", 420, 2)
    assert set(server.issued) == {"JDE0000000001", "JDE0000000002"}
    assert server.cancelled() == set(server.issued)
    assert seen == [True, True, True]  # issue, then two cancels, none under the lock
    assert store.scalar("SELECT count(*) FROM shipments") == 0
    assert store.scalar("SELECT count(*) FROM waybill_numbers WHERE source != 'pool'") == 0


def test_voiding_a_label_cancels_its_number_at_the_carrier(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    seen: list[bool] = []
    floor, packer = _bench(store, path, seen)
    floor.finish_pack(packer, "O-RUSH", 420, 1)
    voided = floor.void_label(packer, "O-RUSH", "wrong weight")
    assert voided.accepted and voided.warning is None
    assert server.cancelled() == {"JDE0000000001"}
    assert seen == [True, True]
    row = store.query("SELECT * FROM waybill_cancels")[0]
    assert row["status"] == "done" and row["attempts"] == 1
    assert (
        store.scalar("SELECT status FROM waybill_numbers WHERE number = 'JDE0000000001'") == "void"
    )
    again = floor.finish_pack(packer, "O-RUSH", 420, 1)  # a new number, never the void one
    assert "JDE0000000002" in again.message


def test_a_void_the_api_cannot_take_now_waits_and_is_retried_with_backoff(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor, packer = _bench(store, path, [])
    floor.finish_pack(packer, "O-RUSH", 420, 1)
    server.http_status = 503
    voided = floor.void_label(packer, "O-RUSH", "wrong weight")
    assert voided.accepted and voided.warning and "JDE0000000001" in voided.warning
    row = store.query("SELECT * FROM waybill_cancels")[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and "503" in row["last_error"]
    assert row["next_attempt_at"] == to_iso(NOW.replace(second=30))
    assert ewaybills.cancel_pending(store, ADMIN, source_for) == {}  # not due yet
    server.http_status = None
    assert ewaybills.cancel_pending(store, ADMIN, source_for, due_only=False) == {
        "JDE0000000001": "done"
    }
    assert server.cancelled() == {"JDE0000000001"}
    assert ewaybills.pending_cancels(store) == []


def test_api_down_the_order_waits_in_the_queue_and_the_bench_goes_on(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor, packer = _bench(store, path, [])
    server.http_status = 503
    waiting = floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert waiting.accepted and "waits for its JD waybill number" in waiting.message
    assert waiting.warning and "503" in waiting.warning
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'O-RUSH'") == "packing"
    assert store.scalar("SELECT count(*) FROM shipments") == 0
    row = packing.waiting_orders(store)[0]
    assert (row["order_no"], row["station"], row["status"]) == ("O-RUSH", "bench-1", "waiting")
    assert row["next_attempt_at"] == to_iso(NOW.replace(second=30))
    audit = store.query("SELECT * FROM audit WHERE action = 'waybill.api_unavailable'")
    assert audit and KEY not in audit[0]["detail"]
    # the bench goes on: opening the other list parks O-STD, not the waiting order
    far = store.scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-FAR'")
    floor.pack_scan(packer, f"P:{far:06d}", "wedge")
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'O-STD'") == "picked"
    assert store.scalar("SELECT pack_station FROM orders WHERE order_no = 'O-RUSH'") == "bench-1"
    # the worker: not due yet; still down (backoff doubles); then the number comes
    assert packing.retry_waits(store, source_for) == {}
    assert packing.retry_waits(store, source_for, due_only=False) == {"O-RUSH": "waiting"}
    row = packing.waiting_orders(store)[0]
    assert row["attempts"] == 2 and row["next_attempt_at"] == to_iso(NOW.replace(minute=1))
    server.http_status = None
    assert packing.retry_waits(store, source_for, due_only=False) == {"O-RUSH": "done"}
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'O-RUSH'") == "packed"
    shipment = show_shipment(store, "O-RUSH")
    assert shipment["waybills"] == ["JDE0000000001"] and shipment["station"] == "bench-1"
    assert shipment["packed_by"] == "chen.jie"
    assert packing.waiting_orders(store) == []


def test_the_bench_and_the_worker_never_ask_for_the_same_waiting_order_at_once(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor, packer = _bench(store, path, [])
    server.down()
    assert floor.finish_pack(packer, "O-RUSH", 420, 1).accepted
    with kdniao_stand_in({"E1": KEY}, prefix="JDE") as again:
        carriers.set_api(store, ADMIN, "JD", "kdniao", again.url, "E1", KEY)
        meanwhile: list[dict[str, str]] = []

        class WorkerToo(WaybillSource):
            """While the bench waits on the API, the serve worker's pass (its own connection)
            comes by."""

            def __init__(self, api: CarrierApi) -> None:
                self.inner = source_for(api)

            def take(self, carrier: str, count: int):  # type: ignore[no-untyped-def]
                raise AssertionError("an API source is asked per parcel")

            def void(self, number: str) -> None:
                raise AssertionError("an API source cancels with its reference")

            def issue(self, carrier, parcels):  # type: ignore[no-untyped-def]
                worker = open_store(path, FixedClock(NOW))
                meanwhile.append(packing.retry_waits(worker, source_for))
                worker.close()
                return self.inner.issue(carrier, parcels)

            def cancel(self, waybill):  # type: ignore[no-untyped-def]
                self.inner.cancel(waybill)

        bench = SqliteFloor(store, waybill_apis=WorkerToo)
        with store.write(ADMIN) as write:
            write.execute("UPDATE waybill_waits SET next_attempt_at = ?", (to_iso(NOW),))
            write.audit("test.due", "O-RUSH")
        assert bench.ask_numbers_again(packer) == {"O-RUSH": "done"}
        assert meanwhile == [{}]  # the worker found it taken and left it
        assert [r["type"] for r in again.requests] == ["1007"]
        assert again.cancelled() == set()
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'O-RUSH'") == "packed"


def test_a_waiting_order_the_api_then_refuses_is_failed_for_a_person(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor, packer = _bench(store, path, [])
    server.down()
    assert floor.finish_pack(packer, "O-RUSH", 420, 1).accepted
    with kdniao_stand_in({"E1": "another-key"}) as other:
        carriers.set_api(store, ADMIN, "JD", "kdniao", other.url, "E1", KEY)
        assert packing.retry_waits(store, source_for, due_only=False) == {"O-RUSH": "failed"}
    row = packing.waiting_orders(store)[0]
    assert row["status"] == "failed" and "DataSign" in row["last_error"]


def test_an_order_not_fully_checked_never_reaches_the_api(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor = SqliteFloor(store, waybill_apis=source_for)
    packer = floor.login("chen.jie", PIN, "bench-1")
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP)
    with pytest.raises(Rejected, match="not checked"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert server.requests == []


def test_api_refusing_is_said_with_its_reason(tmp_path: Path, server: KdniaoStandIn) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server, fallback="pool")
    floor, packer = _bench(store, path, [])
    server.error = "106"
    with pytest.raises(Rejected, match="refused.*单号不足"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)  # not retryable: no silent pool number
    assert store.scalar("SELECT count(*) FROM shipments") == 0


def test_api_down_with_pool_fallback_takes_a_pool_number_and_says_so(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server, fallback="pool")
    floor, packer = _bench(store, path, [])
    server.down()
    closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert closed.accepted and closed.warning and "pool number" in closed.warning
    assert show_shipment(store, "O-RUSH")["packages"][0]["waybill_source"] == "pool"
    assert carriers.free_numbers(store, "JD") == 19


def test_without_an_api_wired_the_carrier_refuses_rather_than_use_the_pool(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor = SqliteFloor(store)
    packer = floor.login("chen.jie", PIN, "bench-1")
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    with pytest.raises(Rejected, match="cannot reach"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert carriers.free_numbers(store, "JD") == 20


def test_batch_labels_take_api_numbers_outside_the_lock_and_report_what_they_cannot_have(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    seen: list[bool] = []
    floor = SqliteFloor(store, waybill_apis=lambda api: Watched(api, path, seen))
    packer = floor.login("chen.jie", PIN, "bench-1")
    wave = store.scalar("SELECT min(id) FROM waves")
    # The API answers 503: its orders are reported with the reason and keep no label.
    server.http_status = 503
    first = floor.print_wave(packer, wave)
    refused = {subject for subject, why in first.skipped if "JD" in why and "503" in why}
    assert refused and all(seen)
    assert store.scalar("SELECT count(*) FROM shipments WHERE carrier = 'JD'") == 0
    assert store.scalar("SELECT count(*) FROM shipments") >= 1  # the others were labelled
    assert carriers.free_numbers(store, "JD") == 20  # no pool number taken instead
    # It answers again: printing the wave again takes their numbers from it.
    server.http_status = None
    seen.clear()
    again = floor.print_wave(packer, wave)
    assert again.skipped == () and seen == [True] * len(refused)
    for order_no in refused:
        shipment = show_shipment(store, order_no)
        assert shipment["carrier"] == "JD" and shipment["status"] == "labelled"
        package = shipment["packages"][0]
        assert package["waybill_no"].startswith("JDE") and package["waybill_source"] == "kdniao"
        assert package["routing"]["mark_destination"]
        job = store.query(
            "SELECT batch_id, station FROM print_jobs WHERE subject = ? AND kind = 'outbound'",
            (order_no,),
        )
        assert job == [{"batch_id": again.batch_id, "station": "bench-1"}]
    assert len([r for r in server.requests if r["type"] == "1007"]) == len(refused)


def test_a_batch_number_whose_transaction_fails_is_cancelled_at_the_carrier(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor = SqliteFloor(store, waybill_apis=source_for)
    packer = floor.login("chen.jie", PIN, "bench-1")
    wave = store.scalar("SELECT min(id) FROM waves")
    # The number is issued, then the station's printer is gone: the transaction refuses.
    with store.write(ADMIN) as write:
        write.execute("UPDATE stations SET printer_url = '' WHERE name = 'bench-1'")
        write.audit("test.printer_gone", "bench-1")
    with pytest.raises(Rejected, match="no printer"):
        floor.print_wave(packer, wave)
    assert server.cancelled() == set() and server.requests == []
    # A printer, but the order's transaction fails after the number came: cancelled there.
    with store.write(ADMIN) as write:
        write.execute("UPDATE stations SET printer_url = 'dummy://' WHERE name = 'bench-1'")
        write.audit("test.printer_back", "bench-1")
    with store.write(ADMIN) as write:
        write.execute(
            "CREATE TRIGGER no_jd BEFORE INSERT ON shipments WHEN NEW.carrier = 'JD'"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        write.audit("test.trigger", "shipments")
    with pytest.raises(sqlite3.IntegrityError):
        floor.print_wave(packer, wave)
    issued = {n for n in server.issued}
    assert issued and server.cancelled() == issued
    assert store.scalar("SELECT count(*) FROM shipments WHERE carrier = 'JD'") == 0


def test_a_site_can_print_the_full_phone_and_name(tmp_path: Path, server: KdniaoStandIn) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    with store.write(ADMIN) as write:
        settings.put(write, "label.privacy", "false")
    floor, packer = _bench(store, path, [])
    floor.finish_pack(packer, "O-RUSH", 420, 1)
    job = store.query("SELECT content FROM print_jobs ORDER BY id DESC LIMIT 1")[0]
    recipient = json.loads(job["content"])["recipient"]
    assert (recipient["phone"], recipient["name"]) == ("13800138000", "张伟")


def test_numbers_the_api_issued_before_failing_and_could_not_cancel_are_kept_void(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    path = tmp_path / "floor.db"
    store = _setup(path, server)
    floor, packer = _bench(store, path, [])
    server.fail_after = 1  # parcel 1 issued; parcel 2 and the cancel of parcel 1 get HTTP 503
    waiting = floor.finish_pack(packer, "O-RUSH", 420, 2)
    assert waiting.accepted and "waits" in waiting.message
    assert set(server.issued) == {"JDE0000000001"} and server.cancelled() == set()
    row = store.query("SELECT * FROM waybill_numbers WHERE number = 'JDE0000000001'")[0]
    assert row["status"] == "void" and row["source"] == "kdniao"
    assert [r["number"] for r in ewaybills.pending_cancels(store)] == ["JDE0000000001"]
    server.fail_after = None
    assert ewaybills.cancel_pending(store, ADMIN, source_for, due_only=False) == {
        "JDE0000000001": "done"
    }
    assert server.cancelled() == {"JDE0000000001"}


def test_a_station_set_to_the_two_part_layout_prints_it_at_its_printer_width(
    tmp_path: Path, server: KdniaoStandIn
) -> None:
    from data import stations
    from devices.outbox import render_job
    from devices.printer import PrinterConfig
    from devices.render import TWO_PART_WIDTH_DOTS

    path = tmp_path / "floor.db"
    store = _setup(path, server)
    bench = stations.add_station(
        store, ADMIN, "bench-1", label_width=TWO_PART_WIDTH_DOTS, label_layout="100x180"
    )
    assert bench["label_layout"] == "100x180"
    with pytest.raises(Rejected, match="100x180"):
        stations.add_station(store, ADMIN, "bench-1", label_layout="A4")
    floor, packer = _bench(store, path, [])
    assert floor.finish_pack(packer, "O-RUSH", 420, 1).accepted
    job = store.query("SELECT content FROM print_jobs ORDER BY id DESC LIMIT 1")[0]
    content = json.loads(job["content"])
    assert content["layout"] == "100x180" and content["recipient"]["phone"] == "138****8000"
    label = outbound_from_content(content)
    image = render_outbound_image(label, bench["label_width"])
    found = [c.text for c in zxingcpp.read_barcodes(image.convert("L"))]
    assert found.count("JDE0000000001") == 2  # the courier's part and the recipient's stub
    config = PrinterConfig.from_url("dummy://", width_dots=bench["label_width"])
    data = render_job("outbound", content, config)
    start = data.index(b"\x1dv0")
    assert data[start + 4] + 256 * data[start + 5] == TWO_PART_WIDTH_DOTS // 8
    # a station left alone keeps the one-part layout
    assert stations.get_station(store, "bench-1") is not None
    other = stations.add_station(store, ADMIN, "bench-9")
    assert other["label_layout"] == "76x130"
