"""The packing bench on a real SQLite file: opening lists, totes and orders; checking units;
closing an order with carrier, waybill and label in one transaction; shipping by scanning the
label; missing units, voids, reprints; label-first batch printing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import NotAllowed, Rejected
from core.model import Verdict
from core.packing import MissingReason
from core.ports import Operator, PackOutcome
from data import carriers, catalog, orders, stations, users, waves
from data.floor import SqliteFloor
from data.stock import stock_check
from data.store import Store, open_store
from tests.data.builders import (
    ADMIN,
    NOW,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
    status_of,
    stock,
)

CUP, CABLE, TEA, LOOSE = ean13(1), ean13(2), ean13(3), ean13(4)
PIN = "4821"
XINJIANG = {
    "province": "新疆维吾尔自治区",
    "city": "乌鲁木齐市",
    "district": "天山区",
    "address": "解放北路1号",
    "postcode": "830000",
}


CARRIERS = ["SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD"]


def pool(carrier: str, first: int, count: int = 20) -> list[str]:
    return [f"{carrier}{number:010d}" for number in range(first, first + count)]


def number(carrier: str, nth: int = 0) -> str:
    """The ``nth`` waybill number of a carrier's pool in this warehouse."""
    return pool(carrier, (CARRIERS.index(carrier) + 1) * 1000)[nth]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    build_bench(path)
    return path


def build_bench(path: Path, printer: str = "dummy://") -> None:
    """Two picked lists: one with a rush order (cup ×1, cable ×1) and a standard order (cup ×2,
    tea ×1) in tote T:0042, one with an order to Xinjiang (tea ×1) in tote T:0007; packers at
    bench-1 and bench-2 (``printer``), waybill numbers for every carrier."""
    store = new_store(path)
    catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product("SKU-CUP", 10, barcodes=[CUP], location="A-10", weight_g=300),
                product("SKU-CABLE", 10, barcodes=[CABLE], location="A-2", weight_g=50),
                product("SKU-TEA", 10, barcodes=[TEA], location="B-01", weight_g=250),
                product("SKU-LOOSE", 10, barcodes=[LOOSE], location="C-01"),
            ]
        ),
        "p.csv",
    )
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("O-STD", [("SKU-CUP", 2), ("SKU-TEA", 1)]),
            order_rows(
                "O-RUSH",
                [("SKU-CUP", 1), ("SKU-CABLE", 1)],
                priority="rush",
                placed_at="2026-11-21T12:00:00+08:00",
            ),
            order_rows(
                "O-FAR", [("SKU-TEA", 1)], placed_at="2026-11-21T10:00:00+08:00", **XINJIANG
            ),
        ),
        "o.csv",
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=2)
    stations.add_station(store, ADMIN, "bench-1", "", printer)
    stations.add_station(store, ADMIN, "bench-2", "", printer)
    users.add_user(store, ADMIN, "li.na", "picker", PIN)
    users.add_user(store, ADMIN, "chen.jie", "packer", PIN)
    users.add_user(store, ADMIN, "zhou.li", "packer", PIN)
    for index, code in enumerate(CARRIERS, start=1):
        carriers.add_numbers(store, ADMIN, code, pool(code, index * 1000))
    floor = SqliteFloor(store)
    picker = floor.login("li.na", PIN, "hh-1")
    for _ in range(2):
        view = floor.claim_next_pick(picker)
        assert view is not None
        floor.pick_scan(
            picker, view.picklist_id, "T:0042" if view.order_count == 2 else "T:0007", "wedge"
        )
        while view.current is not None:
            barcode = {"SKU-CUP": CUP, "SKU-CABLE": CABLE, "SKU-TEA": TEA}[view.current.sku]
            outcome = floor.pick_scan(picker, view.picklist_id, barcode, "wedge")
            assert outcome.accepted, outcome.message
            assert outcome.view is not None
            view = outcome.view
    store.close()


@pytest.fixture
def store(path: Path) -> Store:
    return open_store(path, FixedClock(NOW))


@pytest.fixture
def floor(store: Store) -> SqliteFloor:
    return SqliteFloor(store)


@pytest.fixture
def packer(floor: SqliteFloor) -> Operator:
    return floor.login("chen.jie", PIN, "bench-1")


def first_list(store: Store) -> str:
    """The code of the list holding the rush and the standard order."""
    picklist = store.scalar("SELECT picklist_id FROM orders WHERE order_no = 'O-RUSH'")
    return f"P:{picklist:06d}"


def check_all(floor: SqliteFloor, packer: Operator, *codes: str) -> list[PackOutcome]:
    return [floor.pack_scan(packer, code, "wedge") for code in codes]


def scans(store: Store, task: str = "pack") -> list[tuple[str, str | None]]:
    return [
        (row["verdict"], row["order_no"])
        for row in store.query("SELECT * FROM scans WHERE task = ? ORDER BY id", (task,))
    ]


def test_a_list_opens_and_units_go_to_the_most_urgent_order_missing_them(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    opened = floor.pack_scan(packer, first_list(store), "wedge")
    assert opened.accepted and "2 orders, 5 units" in opened.message
    assert [o.order_no for o in opened.view.checking] == ["O-RUSH", "O-STD"]
    assert {status_of(store, n) for n in ("O-RUSH", "O-STD")} == {"packing"}
    first, second = check_all(floor, packer, CUP, CUP)
    assert (first.order_no, second.order_no) == ("O-RUSH", "O-STD")  # rush first, then standard
    rush = first.view.order("O-RUSH")
    assert rush is not None and rush.verified == 1
    assert scans(store)[1:] == [("ok", "O-RUSH"), ("ok", "O-STD")]


def test_wrong_unknown_and_extra_units_are_refused_loudly_and_recorded(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    outcomes = check_all(floor, packer, LOOSE, "9999999999994", CABLE, CABLE, "L:A-10")
    assert [o.verdict for o in outcomes] == [
        Verdict.WRONG_ITEM,
        Verdict.UNKNOWN_CODE,
        Verdict.OK,
        Verdict.EXTRA_UNIT,
        Verdict.NOT_EXPECTED,
    ]
    assert not any(o.accepted for o in outcomes if o.verdict is not Verdict.OK)
    assert "Set it aside" in outcomes[3].message
    assert [v for v, _ in scans(store)] == [
        "ok",
        "wrong_item",
        "unknown_code",
        "ok",
        "extra_unit",
        "not_expected",
    ]
    packed = store.scalar("SELECT sum(packed) FROM order_lines")
    assert packed == 1


def test_closing_writes_shipment_waybill_and_label_in_one_transaction(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    last = check_all(floor, packer, CUP, CABLE)[-1]
    assert last.view.ready is not None and last.view.ready.order_no == "O-RUSH"
    assert "type the weight" in last.message
    proposal = floor.propose_carrier(packer, "O-RUSH", 420, 1)
    assert proposal.reason.startswith("rush: fastest")
    rush = proposal.carrier
    closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert closed.accepted and status_of(store, "O-RUSH") == "packed"
    order = orders.show_order(store, "O-RUSH")
    shipment = order["shipment"]
    assert shipment["carrier"] == rush and shipment["weight_g"] == 420
    assert shipment["choice_reason"] == proposal.reason
    assert shipment["waybills"] == [number(rush)]
    assert [line["packed"] for line in order["lines"]] == [1, 1]
    job = store.query(
        "SELECT * FROM print_jobs WHERE id = ?", (shipment["packages"][0]["label_job"],)
    )
    assert job[0]["status"] == "queued" and job[0]["station"] == "bench-1"
    content = json.loads(job[0]["content"])
    assert content["waybill_no"] == number(rush) and content["weight_g"] == 420
    assert rush in content["carrier"]
    taken = store.query("SELECT * FROM waybill_numbers WHERE number = ?", (number(rush),))[0]
    assert taken["status"] == "used"
    assert closed.view.to_ship[0].order_no == "O-RUSH"


def test_an_order_cannot_close_before_every_unit_is_checked(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP)
    with pytest.raises(Rejected, match="1 units of O-RUSH are not checked"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert store.query("SELECT * FROM shipments") == []
    assert store.query("SELECT * FROM print_jobs") == []
    assert store.scalar("SELECT count(*) FROM waybill_numbers WHERE status = 'used'") == 0


def test_an_empty_pool_stops_clearly_and_takes_nothing(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    rush = floor.propose_carrier(packer, "O-RUSH", 420, 1).carrier
    with store.write(ADMIN) as write:
        write.execute("UPDATE waybill_numbers SET status = 'void' WHERE carrier = ?", (rush,))
        write.audit("test.empty_pool", rush)
    warning = floor.propose_carrier(packer, "O-RUSH", 420, 1).warning
    assert warning is not None and rush in warning
    with pytest.raises(Rejected, match=f"no waybill numbers left for {rush}"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)
    assert status_of(store, "O-RUSH") == "packing"
    assert store.query("SELECT * FROM shipments") == []


def test_scanning_the_label_ships_the_order_and_its_stock_leaves(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    before = stock(store, "SKU-CUP")
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    closed = floor.finish_pack(packer, "O-RUSH", 420, 1)
    shipment = closed.view.to_ship[0].shipment
    assert shipment is not None
    (waybill,) = shipment.waybills
    shipped = floor.pack_scan(packer, waybill, "wedge")
    assert shipped.accepted and "shipped" in shipped.message
    assert status_of(store, "O-RUSH") == "shipped"
    assert stock(store, "SKU-CUP") == (before[0] - 1, before[1] - 1)
    # the units left the bins their pick lines drew on, as ship entries of the order
    assert store.query(
        "SELECT kind, sku, bin, qty, user, station FROM stock_ledger"
        " WHERE doc_type = 'order' AND doc_id = 'O-RUSH' ORDER BY sku"
    ) == [
        {
            "kind": "ship",
            "sku": "SKU-CABLE",
            "bin": "A-2",
            "qty": -1,
            "user": "chen.jie",
            "station": "bench-1",
        },
        {
            "kind": "ship",
            "sku": "SKU-CUP",
            "bin": "A-10",
            "qty": -1,
            "user": "chen.jie",
            "station": "bench-1",
        },
    ]
    assert stock_check(store) == []
    again = floor.pack_scan(packer, waybill.lower(), "wedge")
    assert again.verdict is Verdict.NOT_EXPECTED and "shipped already" in again.message
    assert scans(store, "ship") == [("ok", "O-RUSH"), ("not_expected", "O-RUSH")]
    assert orders.show_order(store, "O-RUSH")["shipped_at"] is not None


def test_a_parcel_cannot_ship_before_its_order_is_checked(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    wave = store.scalar("SELECT min(id) FROM waves")
    floor.print_wave(packer, wave)
    waybill = store.scalar(
        "SELECT waybill_no FROM packages p JOIN shipments s ON s.id = p.shipment_id"
        " WHERE s.order_no = 'O-STD'"
    )
    refused = floor.pack_scan(packer, waybill, "wedge")
    assert refused.verdict is Verdict.NOT_EXPECTED and "not packed yet" in refused.message
    assert status_of(store, "O-STD") == "picked"


def test_a_carrier_override_needs_a_reason_and_is_kept(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    with pytest.raises(Rejected, match="why"):
        floor.finish_pack(packer, "O-RUSH", 420, 1, carrier="jd")
    floor.finish_pack(packer, "O-RUSH", 420, 2, carrier="jd", override_reason="customer asked")
    shipment = orders.show_order(store, "O-RUSH")["shipment"]
    assert shipment["carrier"] == "JD" and shipment["override_reason"] == "customer asked"
    assert len(shipment["waybills"]) == 2
    labels = [json.loads(row["content"]) for row in store.query("SELECT content FROM print_jobs")]
    assert [(c["package_no"], c["package_count"]) for c in labels] == [(1, 2), (2, 2)]


def test_remote_provinces_go_by_the_remote_carrier(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, "O:O-FAR", "wedge")
    check_all(floor, packer, TEA)
    floor.finish_pack(packer, "O-FAR", 300, 1)
    shipment = orders.show_order(store, "O-FAR")["shipment"]
    assert shipment["carrier"] == "EMS"


def test_missing_units_send_the_order_to_the_exception_queue(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CUP, CABLE)
    outcome = floor.declare_missing(packer, "O-STD", MissingReason.DAMAGED, "crushed box")
    assert status_of(store, "O-STD") == "exception"
    reason = orders.show_order(store, "O-STD")["exception_reason"]
    assert "SKU-CUP ×1" in reason and "SKU-TEA ×1" in reason and "damaged" in reason
    assert "crushed box" in reason
    assert [o.order_no for o in outcome.view.checking] == ["O-RUSH"]


def test_void_never_reuses_the_number_and_reprint_is_a_new_audited_job(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    rush = floor.finish_pack(packer, "O-RUSH", 420, 1).view.to_ship[0].shipment
    assert rush is not None
    first_job = store.scalar("SELECT max(id) FROM print_jobs")
    floor.reprint_label(packer, "O-RUSH", "smudged")
    reprint = store.query("SELECT * FROM print_jobs ORDER BY id DESC LIMIT 1")[0]
    assert reprint["reprint_of"] == first_job
    assert json.loads(reprint["content"])["waybill_no"] == number(rush.carrier)
    with pytest.raises(Rejected, match="why"):
        floor.void_label(packer, "O-RUSH", " ")
    voided = floor.void_label(packer, "O-RUSH", "wrong weight")
    assert status_of(store, "O-RUSH") == "packing"
    assert [o.order_no for o in voided.view.checking][0] == "O-RUSH"
    voided_number = number(rush.carrier)
    assert (
        store.scalar("SELECT status FROM waybill_numbers WHERE number = ?", (voided_number,))
        == "void"
    )
    assert (
        store.scalar("SELECT status FROM print_jobs WHERE id = ?", (reprint["id"],)) == "cancelled"
    )
    refused = floor.pack_scan(packer, number(rush.carrier), "wedge")
    assert "VOID" in refused.message
    floor.finish_pack(packer, "O-RUSH", 400, 1)
    assert orders.show_order(store, "O-RUSH")["shipment"]["waybills"] == [number(rush.carrier, 1)]
    actions = [
        row["action"] for row in store.query("SELECT action FROM audit WHERE subject = 'O-RUSH'")
    ]
    assert "print.reprint" in actions and "shipment.void" in actions


def test_a_tote_opens_its_list_and_a_unit_opens_the_most_urgent_list(
    store: Store, floor: SqliteFloor, packer: Operator, path: Path
) -> None:
    opened = floor.pack_scan(packer, "T:0042", "wedge")
    assert opened.accepted and {o.order_no for o in opened.view.checking} == {"O-RUSH", "O-STD"}
    other = floor.login("zhou.li", PIN, "bench-2")
    counted = floor.pack_scan(other, TEA, "wedge")  # bench-2 is empty: O-FAR's list opens
    assert counted.accepted and counted.order_no == "O-FAR"
    assert "opened" in counted.message


def test_opening_another_order_parks_the_open_ones_with_their_counts(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP)
    floor.pack_scan(packer, "O:O-FAR", "wedge")
    assert status_of(store, "O-RUSH") == status_of(store, "O-STD") == "picked"
    back = floor.pack_scan(packer, first_list(store), "wedge")
    rush = back.view.order("O-RUSH")
    assert rush is not None and rush.verified == 1


def test_a_list_still_being_picked_is_refused(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    with store.write(ADMIN) as write:
        write.execute("UPDATE picklists SET status = 'picking', picker = 'li.na'")
        write.audit("test.reopen", "lists")
    outcome = floor.pack_scan(packer, first_list(store), "wedge")
    assert outcome.verdict is Verdict.NOT_EXPECTED and "li.na" in outcome.message


def test_pickers_cannot_pack(store: Store, floor: SqliteFloor) -> None:
    picker = floor.login("li.na", PIN, "bench-1")
    with pytest.raises(NotAllowed, match="may not pack"):
        floor.pack_scan(picker, first_list(store), "wedge")


def test_a_bench_without_a_printer_cannot_close_an_order(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    stations.add_station(store, ADMIN, "bench-1", "", "")
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    with pytest.raises(Rejected, match="no printer"):
        floor.finish_pack(packer, "O-RUSH", 420, 1)


def test_batch_labels_are_kept_when_the_order_is_packed(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    wave = store.scalar("SELECT min(id) FROM waves")
    batch = floor.print_wave(packer, wave)
    assert batch.total == 3 + 2  # three labels and two pick sheets
    kinds = [row["kind"] for row in store.query("SELECT kind FROM print_jobs ORDER BY id")]
    assert kinds.count("outbound") == 3 and kinds.count("picksheet") == 2
    estimated = orders.show_order(store, "O-RUSH")["shipment"]
    assert estimated["status"] == "labelled" and estimated["weight_source"] == "estimated"
    again = floor.print_wave(packer, wave)
    assert again.total == 2  # only the pick sheets: every order has its label
    floor.pack_scan(packer, first_list(store), "wedge")
    check_all(floor, packer, CUP, CABLE)
    floor.finish_pack(packer, "O-RUSH", 450, 1)
    packed = orders.show_order(store, "O-RUSH")["shipment"]
    assert packed["waybills"] == estimated["waybills"]
    assert packed["status"] == "packed" and packed["weight_g"] == 450
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE kind = 'outbound'") == 3
    floor.pack_scan(packer, packed["waybills"][0], "wedge")
    assert status_of(store, "O-RUSH") == "shipped"


def test_batch_retry_sends_only_the_failed_jobs(
    store: Store, floor: SqliteFloor, packer: Operator
) -> None:
    wave = store.scalar("SELECT min(id) FROM waves")
    batch = floor.print_wave(packer, wave)
    with store.write(ADMIN) as write:
        write.execute("UPDATE print_jobs SET status = 'done'")
        write.execute(
            "UPDATE print_jobs SET status = 'failed', last_error = 'paper out'"
            " WHERE id = (SELECT min(id) + 1 FROM print_jobs)"
        )
        write.audit("test.print", "batch")
    progress = floor.batch_progress(packer, batch.batch_id)
    assert (progress.done, progress.failed) == (4, 1)
    assert progress.failures[0][1] == "paper out"
    retried = floor.retry_batch(packer, batch.batch_id)
    assert (retried.done, retried.waiting, retried.failed) == (4, 1, 0)


@pytest.mark.parametrize(
    ("utc", "printed"),
    [("2026-11-21T15:59:00+00:00", "2026-11-21"), ("2026-11-21T16:30:00+00:00", "2026-11-22")],
    ids=["23:59 in China", "00:30 the next day"],
)
def test_the_label_date_is_the_day_in_china(tmp_path: Path, utc: str, printed: str) -> None:
    from datetime import date, datetime

    from data.packing import bench_context

    store = open_store(tmp_path / "w.db", FixedClock(datetime.fromisoformat(utc)))
    try:
        assert bench_context(store).today == date.fromisoformat(printed)
    finally:
        store.close()
