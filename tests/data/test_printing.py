"""The print outbox in the database: jobs written with their business change, the queue order,
retries, reprints and the worker's bookkeeping (real SQLite files, no printer)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock, from_iso
from core.errors import NotFound, Rejected
from core.labels import (
    BinLabel,
    LabelOrder,
    LabelShipment,
    OutboundLabel,
    Sender,
    ToteLabel,
    compose_outbound_label,
)
from data import catalog, orders, printing, settings, stations, users
from data.printing import backoff_seconds, enqueue
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    NOW,
    locations_csv,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)

PACKER = Actor("chen.jie", "bench-1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A warehouse with two bins, two products, one order and the station bench-1."""
    store = new_store(tmp_path / "wareterm.db")
    catalog.import_locations(store, ADMIN, locations_csv([("A-01", 1), ("A-02", 2)]), "l.csv")
    catalog.import_products(
        store,
        ADMIN,
        products_csv([product("SKU-MUG", location="A-01"), product("SKU-TEA", location="B-07")]),
        "p.csv",
    )
    orders.import_orders(store, ADMIN, orders_csv(order_rows("SO-1", [("SKU-MUG", 1)])), "o.csv")
    stations.add_station(store, ADMIN, "bench-1", "", "dummy://")
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    return store


def code_job(code: str = "T:0001") -> dict[str, object]:
    return printing.code_content([ToteLabel(code=code, caption="Tote 1")])


def statuses(store: Store) -> list[tuple[int, str]]:
    return [(row["id"], row["status"]) for row in store.query("SELECT * FROM print_jobs")]


def audit(store: Store, prefix: str = "print.") -> list[tuple[str, str, dict[str, object]]]:
    return [
        (row["action"], row["subject"], json.loads(row["detail"]))
        for row in store.query(
            "SELECT * FROM audit WHERE action LIKE ? ORDER BY id", (prefix + "%",)
        )
    ]


# --------------------------------------------------------------------------- enqueue


def test_a_job_is_written_in_the_business_transaction(store: Store) -> None:
    with store.write(PACKER) as write:
        write.execute("UPDATE orders SET status = 'packed' WHERE order_no = 'SO-1'")
        write.audit("order.pack", "SO-1")
        job_id = enqueue(write, "bench-1", "code", "SO-1", code_job())
    job = printing.get_job(store, job_id)
    assert (job.status, job.station, job.kind, job.subject) == ("queued", "bench-1", "code", "SO-1")
    assert (job.attempts, job.created_by, job.reprint_of) == (0, "chen.jie", None)
    assert job.content == code_job()
    assert ("print.queue", "SO-1", {"job": job_id, "station": "bench-1", "kind": "code"}) in audit(
        store
    )


def test_a_failed_transaction_leaves_no_job(store: Store) -> None:
    with pytest.raises(RuntimeError, match="the pack step broke"), store.write(PACKER) as write:
        write.execute("UPDATE orders SET status = 'packed' WHERE order_no = 'SO-1'")
        write.audit("order.pack", "SO-1")
        enqueue(write, "bench-1", "code", "SO-1", code_job())
        raise RuntimeError("the pack step broke")
    assert statuses(store) == []
    assert audit(store) == []
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'SO-1'") != "packed"


@pytest.mark.parametrize(
    ("station", "kind", "content", "says"),
    [
        ("bench 1!", "code", code_job(), "station name"),
        ("bench-1", "poster", code_job(), "unknown kind of print job"),
        ("bench-1", "code", {"labels": []}, "at least one label"),
        ("bench-1", "code", {"labels": [{"code": "条码"}]}, "Code 128"),
        ("bench-1", "outbound", {"order_no": "SO-1"}, "not an outbound label"),
        ("bench-1", "test", {"station": "bench-1", "at": object()}, "cannot print"),
    ],
)
def test_enqueue_rejects_what_cannot_print(
    store: Store, station: str, kind: str, content: dict[str, object], says: str
) -> None:
    with pytest.raises(Rejected, match=says), store.write(PACKER) as write:
        enqueue(write, station, kind, "SO-1", content)
    assert statuses(store) == []


def test_content_is_stored_clean(store: Store) -> None:
    # A caller that hands over raw text with printer commands gets a clean job row.
    label = _label()
    content = printing.outbound_content(label)
    content["recipient"] = {**content["recipient"], "name": "Evil\x1dV\x00Cut\x1b@"}
    with store.write(PACKER) as write:
        job_id = enqueue(write, "bench-1", "outbound", "SO-1\x1b[2J", content)
    job = printing.get_job(store, job_id)
    assert job.content["recipient"]["name"] == "EvilVCut@"
    assert job.subject == "SO-1[2J"
    assert "\x1b" not in json.dumps(job.content, ensure_ascii=False)


def _label() -> OutboundLabel:
    return compose_outbound_label(
        LabelOrder(
            "SO-1", "rush", "王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路1号"
        ),
        LabelShipment("顺丰", "标快", "SF1234567890", weight_g=800, package_no=1, package_count=2),
        Sender("杭州仓", "0571-1", "余杭区仓前街1号"),
        date(2026, 11, 21),
    )


def test_outbound_content_round_trip() -> None:
    label = _label()
    content = json.loads(json.dumps(printing.outbound_content(label)))
    assert printing.outbound_from_content(content) == label
    assert printing.job_labels("outbound", content) == label


def test_code_and_test_content() -> None:
    labels = [BinLabel(code="L:A-01", caption="A-01"), ToteLabel(code="T:0042", caption="Tote")]
    assert printing.code_labels_from_content(printing.code_content(labels)) == labels
    test = printing.content_of_test_label("bench-1", NOW)
    (label,) = printing.labels_of_test_label(test)
    assert label.code == "TEST-bench-1" and "2026-11-21" in label.caption


# --------------------------------------------------------------------------- queueing labels


def test_outbound_label_from_the_order_and_the_sender_settings(store: Store) -> None:
    with store.write(ADMIN) as write:
        settings.put(write, "sender.name", "杭州仓 WareCo")
        settings.put(write, "sender.phone", "0571-8888")
        settings.put(write, "sender.address", "余杭区仓前街1号")
    ids = printing.queue_outbound_labels(
        store, PACKER, "SO-1", "bench-1", "顺丰", "标快", "SF1234567890", 1250, packages=2
    )
    jobs = [printing.get_job(store, job_id) for job_id in ids]
    labels = [printing.outbound_from_content(job.content) for job in jobs]
    assert [label.package_text for label in labels] == ["1/2", "2/2"]
    label = labels[0]
    assert label.sender == Sender("杭州仓 WareCo", "0571-8888", "余杭区仓前街1号")
    assert (label.recipient.name, label.recipient.city) == ("张伟", "杭州市")
    assert (label.order_no, label.waybill_no, label.weight_g) == ("SO-1", "SF1234567890", 1250)
    assert label.printed_on == NOW.date()
    assert all(job.subject == "SO-1" and job.created_by == "chen.jie" for job in jobs)


def test_a_label_before_the_pack_step_has_no_waybill_yet(store: Store) -> None:
    (job_id,) = printing.queue_outbound_labels(store, PACKER, "SO-1", "bench-1")
    label = printing.outbound_from_content(printing.get_job(store, job_id).content)
    assert label.waybill_no is None and label.carrier == ""


def test_queueing_a_label_is_refused_cleanly(store: Store) -> None:
    with pytest.raises(NotFound, match="no order"):
        printing.queue_outbound_labels(store, PACKER, "SO-404", "bench-1")
    with pytest.raises(NotFound, match="no station 'bench-9'"):
        printing.queue_outbound_labels(store, PACKER, "SO-1", "bench-9")
    with pytest.raises(Rejected, match="Code 128"):
        printing.queue_outbound_labels(store, PACKER, "SO-1", "bench-1", waybill_no="运单")
    orders.cancel_order(store, ADMIN, "SO-1", "customer cancelled")
    with pytest.raises(Rejected, match="cancelled"):
        printing.queue_outbound_labels(store, PACKER, "SO-1", "bench-1")
    assert statuses(store) == []


def test_sender_settings_must_be_plain_text(store: Store) -> None:
    with pytest.raises(Rejected, match="plain text"), store.write(ADMIN) as write:
        settings.put(write, "sender.name", "Ware\x1b@Co")
    with pytest.raises(Rejected, match="longer than"), store.write(ADMIN) as write:
        settings.put(write, "sender.address", "x" * 201)
    assert settings.sender(store) == Sender("Warehouse", "", "")


# --------------------------------------------------------------------------- the queue


def _queue(store: Store, *codes: str) -> list[int]:
    with store.write(PACKER) as write:
        return [enqueue(write, "bench-1", "code", code, code_job(code)) for code in codes]


def test_the_head_job_is_the_oldest_waiting_and_a_failed_one_blocks(store: Store) -> None:
    first, second, third = _queue(store, "T:1", "T:2", "T:3")
    head = printing.head_job(store, "bench-1")
    assert head is not None and head.id == first
    worker = Actor("print-worker", "bench-1")
    assert printing.start_sending(store, worker, first) is not None
    assert printing.head_job(store, "bench-1").id == second  # type: ignore[union-attr]
    printing.mark_done(store, worker, first)
    printing.start_sending(store, worker, second)
    failed = printing.mark_failed(store, worker, second, "refused", "printer refused", 1.0)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "printer refused")
    # The failed job stays at the head: the third job does not overtake it.
    head = printing.head_job(store, "bench-1")
    assert head is not None and head.id == second
    retry_at = from_iso(failed.next_attempt_at or "")
    assert retry_at == NOW + timedelta(seconds=1)
    assert head.wait_seconds(NOW) == 1.0
    assert head.wait_seconds(NOW + timedelta(seconds=2)) == 0.0
    assert printing.head_job(store, "bench-2") is None
    actions = [action for action, _, _ in audit(store)]
    assert actions == [
        "print.queue",
        "print.queue",
        "print.queue",
        "print.sending",
        "print.done",
        "print.sending",
        "print.failed",
    ]
    assert third > second


def test_backoff_doubles_up_to_thirty_seconds() -> None:
    assert [backoff_seconds(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff_seconds(1000) == 30


def test_a_cancelled_job_is_not_sent(store: Store) -> None:
    (job_id,) = _queue(store, "T:1")
    printing.cancel_job(store, ADMIN, job_id, "wrong order")
    assert printing.start_sending(store, Actor("print-worker", "bench-1"), job_id) is None
    assert printing.head_job(store, "bench-1") is None
    with pytest.raises(Rejected, match="cannot be cancelled"):
        printing.cancel_job(store, ADMIN, job_id, "again")


def test_jobs_left_sending_become_uncertain(store: Store) -> None:
    first, second = _queue(store, "T:1", "T:2")
    worker = Actor("print-worker", "bench-1")
    printing.start_sending(store, worker, first)
    assert printing.mark_uncertain(store, worker, "bench-1") == [first]
    job = printing.get_job(store, first)
    assert job.status == "uncertain" and "check whether the label came out" in (
        job.last_error or ""
    )
    # Uncertain jobs wait for a person; the queue goes on with the next one.
    assert printing.head_job(store, "bench-1").id == second  # type: ignore[union-attr]
    assert printing.mark_uncertain(store, worker, "bench-1") == []
    assert ("print.uncertain", "T:1", {"job": first, "station": "bench-1"}) in audit(store)


def test_retry_puts_a_failed_or_uncertain_job_back(store: Store) -> None:
    first, second = _queue(store, "T:1", "T:2")
    worker = Actor("print-worker", "bench-1")
    printing.start_sending(store, worker, first)
    printing.mark_uncertain(store, worker, "bench-1")
    printing.start_sending(store, worker, second)
    printing.mark_failed(store, worker, second, "paper_out", "out of paper", 30.0)
    for job_id, was in ((first, "uncertain"), (second, "failed")):
        job = printing.retry_job(store, ADMIN, job_id)
        assert (job.status, job.next_attempt_at) == ("queued", None)
        assert ("print.retry", job.subject, {"job": job_id, "station": "bench-1", "was": was}) in (
            audit(store)
        )
    with pytest.raises(Rejected, match="only a failed or uncertain job"):
        printing.retry_job(store, ADMIN, first)
    with pytest.raises(NotFound):
        printing.retry_job(store, ADMIN, 999)


def test_reprint_is_a_new_audited_job(store: Store) -> None:
    (job_id,) = _queue(store, "T:1")
    worker = Actor("print-worker", "bench-1")
    printing.start_sending(store, worker, job_id)
    printing.mark_done(store, worker, job_id)
    new_id = printing.reprint_job(store, ADMIN, job_id, "label torn")
    new = printing.get_job(store, new_id)
    original = printing.get_job(store, job_id)
    assert new_id != job_id and new.reprint_of == job_id
    assert (new.status, new.content, new.subject) == ("queued", original.content, "T:1")
    assert original.status == "done"
    assert (
        "print.reprint",
        "T:1",
        {"job": new_id, "reprint_of": job_id, "station": "bench-1", "reason": "label torn"},
    ) in audit(store)
    with pytest.raises(Rejected, match="say why"):
        printing.reprint_job(store, ADMIN, job_id, "  ")


def test_list_jobs_filters(store: Store) -> None:
    first, second, third = _queue(store, "T:1", "T:2", "T:3")
    printing.cancel_job(store, ADMIN, second, "duplicate")
    assert [job.id for job in printing.list_jobs(store)] == [first, second, third]
    assert [job.id for job in printing.list_jobs(store, status="queued")] == [first, third]
    assert [job.id for job in printing.list_jobs(store, limit=2)] == [second, third]
    assert printing.list_jobs(store, station="bench-2") == []
    with pytest.raises(Rejected, match="unknown status"):
        printing.list_jobs(store, status="lost")
    assert "content" not in printing.list_jobs(store)[0].as_dict()


def test_printer_state_is_shared_and_status_changes_are_audited(store: Store) -> None:
    worker = Actor("print-worker", "bench-1")
    printing.record_printer_state(store, worker, "bench-1", "ready", "ready; no job waiting")
    printing.record_printer_state(store, worker, "bench-1", "ready", "ready; 2 jobs waiting")
    printing.record_printer_state(store, worker, "bench-1", "paper_out", "out of paper")
    assert stations.printer_state(store, "bench-1").status == "paper_out"
    assert stations.printer_state(store, "bench-1").detail == "out of paper"
    assert [(a, d["status"]) for a, _, d in audit(store, "printer.status")] == [
        ("printer.status", "ready"),
        ("printer.status", "paper_out"),
    ]


def test_queue_counts(store: Store) -> None:
    first, _second = _queue(store, "T:1", "T:2")
    worker = Actor("print-worker", "bench-1")
    printing.start_sending(store, worker, first)
    assert printing.queue_counts(store, "bench-1") == {"queued": 1, "sending": 1}


def test_station_printer(store: Store) -> None:
    target = printing.station_printer(store, "bench-1")
    assert target == printing.StationPrinter("bench-1", "dummy://", None, 576)
    assert printing.station_printer(store, "nowhere") is None


# --------------------------------------------------------------------------- label sets


def test_bin_labels_cover_every_bin_in_walk_order(store: Store) -> None:
    labels = printing.bin_labels(store)
    assert [(label.code, label.caption) for label in labels.labels] == [
        ("L:A-01", "A-01"),
        ("L:A-02", "A-02"),
        ("L:B-07", "B-07"),  # named by a product only
    ]
    assert labels.skipped == []


def test_sku_and_tote_labels(store: Store) -> None:
    skus = printing.sku_labels(store)
    assert [label.code for label in skus.labels] == ["S:SKU-MUG", "S:SKU-TEA"]
    totes = printing.tote_labels(store, 41, 42)
    assert [(label.code, label.caption) for label in totes.labels] == [
        ("T:0041", "Tote 41"),
        ("T:0042", "Tote 42"),
    ]
    with pytest.raises(Rejected):
        printing.tote_labels(store, 5, 4)


def test_codes_that_cannot_be_a_barcode_are_reported(tmp_path: Path) -> None:
    store = new_store(tmp_path / "w.db")
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-1", location="货架-1")]), "p.csv"
    )
    labels = printing.bin_labels(store)
    assert labels.labels == []
    assert labels.skipped[0][0] == "L:货架-1" and "Code 128" in labels.skipped[0][1]


def test_the_clock_decides_retry_times(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    store = new_store(tmp_path / "w.db")
    store.clock = clock
    stations.add_station(store, ADMIN, "bench-1", "", "dummy://")
    (job_id,) = _queue(store, "T:1")
    worker = Actor("print-worker", "bench-1")
    printing.start_sending(store, worker, job_id)
    job = printing.mark_failed(store, worker, job_id, "timeout", "stalled", 2.5)
    assert job.next_attempt_at == "2026-11-21T06:00:02.500+00:00"
    clock.advance(timedelta(seconds=2))
    assert job.wait_seconds(clock.now()) == 0.5
