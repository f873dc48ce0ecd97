"""The supervisor's port on a real database file: what it reads, what it refuses, what it does."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import NotAllowed, NotFound, Rejected
from core.model import OrderStatus, Priority, Role, Verdict
from core.oversight import OPEN_STATUSES, OrderQuery, PageRequest
from core.ports import Operator, ScannerLink
from data import users
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.store import Store, open_store
from tests.data.builders import ADMIN
from tests.data.floor_rows import NOW, bulk_orders, label_job, ship_order, supervised_floor

BOSS = Operator("zhao.min", Role.SUPERVISOR, "office")
LI = Operator("li.na", Role.PICKER, "hh-1")
WANG = Operator("wang.fang", Role.PICKER, "hh-2")
PACKER = Operator("chen.jie", Role.PACKER, "bench-1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return supervised_floor(tmp_path / "floor.db")


@pytest.fixture
def port(store: Store) -> SqliteOversight:
    return SqliteOversight(store)


def _audit(store: Store, action: str) -> list[dict]:
    return store.query("SELECT * FROM audit WHERE action = ? ORDER BY id", (action,))


# --------------------------------------------------------------------------- roles


def _every_call(port: SqliteOversight, operator: Operator) -> list:
    return [
        lambda: port.overview(operator),
        lambda: port.orders(operator, OrderQuery(), PageRequest()),
        lambda: port.channels(operator),
        lambda: port.order(operator, "DD-1"),
        lambda: port.workers(operator),
        lambda: port.exceptions(operator),
        lambda: port.stock(operator),
        lambda: port.throughput(operator),
        lambda: port.pickers(operator),
        lambda: port.release_hold(operator, "DD-H", "paid by bank transfer"),
        lambda: port.cancel_order(operator, "DD-2", "customer cancelled"),
        lambda: port.reassign_list(operator, 2, "wang.fang", "li.na went home"),
        lambda: port.reprint_label(operator, 1, "smudged"),
        lambda: port.retry_label(operator, 1),
    ]


@pytest.mark.parametrize("who", ["li.na", "chen.jie"])
def test_pickers_and_packers_reach_nothing_through_the_port(
    store: Store, port: SqliteOversight, who: str
) -> None:
    before = store.query("SELECT order_no, status FROM orders ORDER BY order_no")
    jobs = store.scalar("SELECT count(*) FROM print_jobs")
    for role in (Role.PICKER, Role.PACKER, Role.SUPERVISOR, Role.ADMIN):
        # The role the session claims does not matter: the stored one is judged.
        operator = Operator(who, role, "hh-1")
        for call in _every_call(port, operator):
            with pytest.raises(NotAllowed):
                call()
    assert store.query("SELECT order_no, status FROM orders ORDER BY order_no") == before
    assert store.scalar("SELECT count(*) FROM print_jobs") == jobs
    assert store.scalar("SELECT picker FROM picklists WHERE id = 2") == "li.na"


def test_an_unknown_or_deactivated_user_reaches_nothing(store: Store, port: SqliteOversight):
    with pytest.raises(NotAllowed):
        port.overview(Operator("nobody", Role.ADMIN, "office"))
    with store.write(ADMIN) as write:
        write.execute("UPDATE users SET active = 0 WHERE name = 'zhao.min'")
        write.audit("user.deactivate", "zhao.min")
    with pytest.raises(NotAllowed):
        port.overview(BOSS)


def test_a_supervisor_and_an_admin_see_everything(store: Store, port: SqliteOversight) -> None:
    users.add_user(store, ADMIN, "boss", "admin", "1234")
    for operator in (BOSS, Operator("boss", Role.ADMIN, "office")):
        for call in _every_call(port, operator)[:9]:
            call()


# --------------------------------------------------------------------------- overview


def test_overview_counts_match_the_orders_table(store: Store, port: SqliteOversight) -> None:
    view = port.overview(BOSS)
    assert [row.status for row in view.queues] == list(OPEN_STATUSES)
    expected = {
        (row["status"], row["priority"]): row["n"]
        for row in store.query(
            "SELECT status, priority, count(*) AS n FROM orders GROUP BY status, priority"
        )
    }
    for row in view.queues:
        for priority, count in row.by_priority.items():
            assert count == expected.get((row.status.value, priority.value), 0)
    picking = next(row for row in view.queues if row.status is OrderStatus.PICKING)
    assert picking.by_priority == {Priority.RUSH: 1, Priority.STANDARD: 1, Priority.DEFERRED: 0}
    assert picking.total == 2
    assert picking.oldest_due == NOW - timedelta(hours=1)  # DD-1, rush, due 13:00
    shipped = sum(row.total for row in view.queues)
    assert shipped == store.scalar("SELECT count(*) FROM orders WHERE status != 'shipped'")
    assert (view.lists_waiting, view.lists_picking) == (2, 1)


def test_overview_lists_orders_due_within_the_hour_and_overdue(
    store: Store, port: SqliteOversight
) -> None:
    view = port.overview(BOSS)
    assert [order.order_no for order in view.due_soon] == ["DD-1", "DD-3"]
    assert view.due_soon[0].overdue(view.now) and not view.due_soon[1].overdue(view.now)
    assert view.due_soon[0].picker == "li.na"
    assert (view.due_soon_total, view.overdue_total) == (2, 1)
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=10))  # 00:00: DD-X, DD-P due 07:00 are not yet within it
    later = port.overview(BOSS)
    assert later.overdue_total == 2
    clock.advance(timedelta(hours=6, minutes=30))  # 06:30: DD-X, DD-P (07:00) are due soon
    assert {o.order_no for o in port.overview(BOSS).due_soon} >= {"DD-X", "DD-P"}


def test_overview_shows_every_stations_devices(store: Store, port: SqliteOversight) -> None:
    stations = {state.station: state for state in port.overview(BOSS).stations}
    assert set(stations) == {"bench-1", "hh-1", "office"}
    hh = stations["hh-1"]
    assert (hh.scanner_status, hh.scanner_holder, hh.printer_status) == (
        "connected",
        "li.na",
        "none",
    )
    bench = stations["bench-1"]
    assert (bench.scanner_status, bench.scanner_holder) == ("unknown", None)
    assert (bench.printer_status, bench.jobs_failed) == ("paper_out", 1)
    assert (stations["office"].scanner_status, stations["office"].printer_status) == (
        "none",
        "none",
    )
    # A scanner that drops out is shown by its holder's session.
    SqliteFloor(store).report_scanner(LI, ScannerLink("disconnected", "unplugged"))
    hh = next(s for s in port.overview(BOSS).stations if s.station == "hh-1")
    assert (hh.scanner_status, hh.scanner_detail) == ("disconnected", "unplugged")
    # A session without the scanner ("held": someone else reads it) reports nothing.
    SqliteFloor(store).report_scanner(WANG, ScannerLink("held", "li.na has it"))
    assert store.scalar("SELECT count(*) FROM device_states WHERE device = 'scanner'") == 1


# --------------------------------------------------------------------------- orders, paged


@pytest.fixture
def bulk(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "bulk.db", FixedClock(NOW))
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    bulk_orders(store, 20_000)
    return store


def _all_pages(port: SqliteOversight, query: OrderQuery, size: int) -> list[str]:
    seen: list[str] = []
    page = port.orders(BOSS, query, PageRequest(size))
    while True:
        assert page.start == len(seen)
        assert len(page.rows) <= size
        seen.extend(row.order_no for row in page.rows)
        if not page.has_next:
            return seen
        page = port.orders(BOSS, query, PageRequest(size, after=page.last_key))


@pytest.mark.parametrize(
    "query, where, parameters",
    [
        (OrderQuery(), "1", []),
        (OrderQuery(status="picking"), "status = ?", ["picking"]),
        (OrderQuery(priority="rush", channel="jd"), "priority = ? AND channel = ?", ["rush", "jd"]),
        (OrderQuery(text="0199"), "(order_no LIKE ? OR phone LIKE ?)", ["%0199%", "%0199%"]),
    ],
)
def test_pages_walk_every_matching_order_once_in_due_order(
    bulk: Store, query: OrderQuery, where: str, parameters: list
) -> None:
    port = SqliteOversight(bulk)
    expected = [
        row["order_no"]
        for row in bulk.query(
            f"SELECT order_no FROM orders WHERE {where} ORDER BY due_at, order_no", parameters
        )
    ]
    assert expected
    size = 997 if len(expected) > 5000 else 7
    assert _all_pages(port, query, size) == expected
    first = port.orders(BOSS, query, PageRequest(size))
    assert first.total == len(expected)


def test_previous_last_and_same_page_again(bulk: Store) -> None:
    port = SqliteOversight(bulk)
    every = [
        r["order_no"] for r in bulk.query("SELECT order_no FROM orders ORDER BY due_at, order_no")
    ]
    first = port.orders(BOSS, OrderQuery(), PageRequest(50))
    second = port.orders(BOSS, OrderQuery(), PageRequest(50, after=first.last_key))
    assert [r.order_no for r in second.rows] == every[50:100] and second.start == 50
    back = port.orders(BOSS, OrderQuery(), PageRequest(50, before=second.first_key))
    assert back.rows == first.rows and back.start == 0 and not back.has_previous
    last = port.orders(BOSS, OrderQuery(), PageRequest(50, last=True))
    assert [r.order_no for r in last.rows] == every[-50:]
    assert last.start == 19_950 and not last.has_next
    # The page after the last one is empty: the last page is shown instead.
    beyond = port.orders(BOSS, OrderQuery(), PageRequest(50, after=last.last_key))
    assert beyond.rows == last.rows
    # Close to the start, "previous" gives a whole first page.
    near = port.orders(BOSS, OrderQuery(), PageRequest(50, after=first.rows[9].key))
    assert near.start == 10
    assert port.orders(BOSS, OrderQuery(), PageRequest(50, before=near.first_key)) == first
    # Refreshing a page: the rows from its first key on.
    again = port.orders(BOSS, OrderQuery(), PageRequest(50, at=second.first_key))
    assert again == second


def test_paging_reads_index_ranges_not_the_whole_table(bulk: Store) -> None:
    """The page queries walk an index in sort order: no sort of all rows, however deep."""
    from data.oversight import _order_filter

    for query in (
        OrderQuery(),
        OrderQuery(status="allocated"),
        OrderQuery(priority="rush"),
        OrderQuery(channel="jd"),
    ):
        where, parameters = _order_filter(query)
        plan = " | ".join(
            row["detail"]
            for row in bulk.query(
                f"EXPLAIN QUERY PLAN SELECT order_no FROM orders o WHERE {where}"
                " AND (o.due_at, o.order_no) > (?, ?) ORDER BY o.due_at, o.order_no LIMIT 50",
                [*parameters, "2026-11-21T08:00:00+00:00", "BULK-010000"],
            )
        )
        assert "INDEX orders_" in plan and "TEMP B-TREE" not in plan, plan


def test_text_search_matches_name_phone_and_order_no_literally(store: Store, port) -> None:
    def found(text: str) -> list[str]:
        return [r.order_no for r in port.orders(BOSS, OrderQuery(text=text), PageRequest()).rows]

    assert found("müller") == ["DD-2"]
    assert found("张") == ["DD-1"]
    assert found("dd-h") == ["DD-H"]
    assert found("13800138000") == found("")  # every order has this phone
    assert found("%") == [] and found("_") == []  # LIKE wildcards are plain characters
    with pytest.raises(Rejected):
        port.orders(BOSS, OrderQuery(status="lost"), PageRequest())


def test_channels_are_the_distinct_ones(port: SqliteOversight) -> None:
    assert port.channels(BOSS) == ("douyin", "jd", "tmall")


# --------------------------------------------------------------------------- order detail


def test_order_detail_gathers_lines_scans_audit_and_labels(store: Store, port) -> None:
    detail = port.order(BOSS, "DD-1")
    assert (detail.status, detail.picklist, detail.picker) == (
        OrderStatus.PICKING,
        "P:000002",
        "li.na",
    )
    assert [(line.sku, line.qty, line.picked) for line in detail.lines] == [
        ("SKU-CUP", 1, 0),
        ("SKU-CABLE", 1, 1),
    ]
    # Its own unit, and the wrong item scanned on its list.
    assert [scan.verdict for scan in detail.scans] == ["ok", "wrong_item"]
    assert [entry.action for entry in detail.audit][:1] == ["order.import"]
    assert "scan.ok" not in [entry.action for entry in detail.audit]  # scans are on the list
    shipped = port.order(BOSS, "DD-S")
    assert shipped.shipped_at is not None
    assert [(s.status, s.carrier, len(s.packages)) for s in shipped.shipments] == [
        ("shipped", "sf", 1)
    ]
    assert [(job.kind, job.status) for job in shipped.labels] == [("outbound", "failed")]
    held = port.order(BOSS, "DD-H")
    assert [problem.code for problem in held.problems] == ["unpaid"]
    with pytest.raises(NotFound):
        port.order(BOSS, "DD-404")


# --------------------------------------------------------------------------- people


def test_workers_show_work_pace_mistakes_and_idle_time(store: Store, port) -> None:
    workers = {worker.name: worker for worker in port.workers(BOSS)}
    assert set(workers) == {"li.na", "wang.fang", "chen.jie"}
    li = workers["li.na"]
    assert li.working_on == "P:000002 1/4"
    assert (li.lines_last_hour, li.units_last_hour) == (1, 1)
    assert (li.scans_today, li.refused_today, li.error_rate) == (2, 1, 0.5)
    assert li.idle(NOW) == timedelta(minutes=6)
    assert li.station == "hh-1"
    chen = workers["chen.jie"]
    assert chen.working_on == "O:DD-P"
    assert (chen.lines_last_hour, chen.scans_today, chen.refused_today) == (1, 2, 1)
    wang = workers["wang.fang"]
    assert (wang.working_on, wang.scans_today, wang.last_scan_at, wang.error_rate) == (
        "",
        0,
        None,
        None,
    )
    # An hour later the pace is gone, the day's mistakes stay.
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=1))
    li = next(w for w in port.workers(BOSS) if w.name == "li.na")
    assert (li.lines_last_hour, li.scans_today) == (0, 2)


# --------------------------------------------------------------------------- exceptions


def test_exceptions_list_holds_exceptions_labels_and_lists(port: SqliteOversight) -> None:
    view = port.exceptions(BOSS)
    assert [(h.order_no, [p.code for p in h.problems]) for h in view.holds] == [
        ("DD-H", ["unpaid"])
    ]
    assert [(e.order_no, e.picker) for e in view.exceptions] == [("DD-X", "wang.fang")]
    assert "(not found)" in view.exceptions[0].reason  # the reason code as a word
    assert [(job.subject, job.status) for job in view.labels] == [("DD-S", "failed")]
    assert [(lst.code, lst.status, lst.picker, lst.picked, lst.units) for lst in view.lists] == [
        ("P:000002", "picking", "li.na", 1, 4),
        ("P:000003", "released", None, 0, 1),
        ("P:000004", "released", None, 0, 1),
    ]


def test_release_a_hold_with_a_note(store: Store, port: SqliteOversight) -> None:
    with pytest.raises(Rejected):
        port.release_hold(BOSS, "DD-H", "  ")
    assert port.release_hold(BOSS, "DD-H", "paid by bank transfer") is OrderStatus.ALLOCATED
    (entry,) = _audit(store, "order.release")
    assert entry["user"] == "zhao.min" and entry["station"] == "office"
    assert json.loads(entry["detail"])["note"] == "paid by bank transfer"
    assert port.exceptions(BOSS).holds == ()


def test_cancel_needs_a_reason_and_frees_the_stock(store: Store, port) -> None:
    with pytest.raises(Rejected):
        port.cancel_order(BOSS, "DD-3", "")
    reserved = store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-TEA'")
    port.cancel_order(BOSS, "DD-3", "customer cancelled")
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'DD-3'") == "cancelled"
    assert store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-TEA'") == reserved - 1
    (entry,) = _audit(store, "order.cancel")
    assert (entry["user"], json.loads(entry["detail"])["reason"]) == (
        "zhao.min",
        "customer cancelled",
    )
    with pytest.raises(Rejected):
        port.cancel_order(BOSS, "DD-S", "too late")  # shipped


def test_reassign_a_list_in_work(store: Store, port: SqliteOversight) -> None:
    floor = SqliteFloor(store)
    with pytest.raises(Rejected):
        port.reassign_list(BOSS, 2, "wang.fang", " ")
    with pytest.raises(Rejected):
        port.reassign_list(BOSS, 2, "chen.jie-typo", "sick")
    with pytest.raises(Rejected):
        port.reassign_list(BOSS, 2, "li.na", "sick")  # already hers
    with pytest.raises(Rejected):
        port.reassign_list(BOSS, 1, "li.na", "sick")  # finished (picked short)
    port.reassign_list(BOSS, 2, "wang.fang", "li.na went home")
    (entry,) = _audit(store, "picklist.reassign")
    assert entry["subject"] == "P:000002" and entry["user"] == "zhao.min"
    assert json.loads(entry["detail"]) == {
        "before": "li.na",
        "after": "wang.fang",
        "was": "picking",
        "reason": "li.na went home",
    }
    # The new picker resumes it where it stands; the old picker's scans no longer count.
    view = floor.claim_next_pick(WANG)
    assert view is not None and view.picklist_id == 2 and view.units_done == 1
    outcome = floor.pick_scan(LI, 2, "6901234567892", "serial")
    assert outcome.verdict is Verdict.NOT_EXPECTED
    assert floor.pick_scan(WANG, 2, "6901234567892", "serial").accepted


def test_reassign_a_waiting_list_hands_it_over_claimed(store: Store, port) -> None:
    port.reassign_list(BOSS, 3, "wang.fang", "rush: closest to bay 3")
    row = store.query("SELECT status, picker, claimed_at FROM picklists WHERE id = 3")[0]
    assert (row["status"], row["picker"]) == ("picking", "wang.fang")
    assert store.scalar("SELECT status FROM orders WHERE order_no = 'DD-3'") == "picking"


def test_reprint_and_retry_a_label(store: Store, port: SqliteOversight) -> None:
    job = store.scalar("SELECT id FROM print_jobs WHERE subject = 'DD-S'")
    with pytest.raises(Rejected):
        port.reprint_label(BOSS, job, "")
    new = port.reprint_label(BOSS, job, "label smudged")
    row = store.query("SELECT * FROM print_jobs WHERE id = ?", (new,))[0]
    assert (row["status"], row["reprint_of"], row["created_by"]) == ("queued", job, "zhao.min")
    assert json.loads(_audit(store, "print.reprint")[0]["detail"])["reason"] == "label smudged"
    port.retry_label(BOSS, job)
    assert store.scalar("SELECT status FROM print_jobs WHERE id = ?", (job,)) == "queued"
    with pytest.raises(Rejected):
        port.retry_label(BOSS, job)  # queued: nothing to retry


# --------------------------------------------------------------------------- stock, throughput


def test_low_stock_and_backorders(store: Store, port: SqliteOversight) -> None:
    view = port.stock(BOSS)
    assert [(p.sku, p.free, p.safety_stock, p.waiting) for p in view.low] == [("SKU-LOW", 1, 3, 5)]
    (order,) = view.backorders
    assert order.order_no == "DD-B"
    assert [(m.sku, m.needed, m.free) for m in order.missing] == [("SKU-LOW", 5, 1)]


def test_throughput_counts_orders_shipped_per_hour(store: Store, port) -> None:
    job = label_job(store, "DD-P", "done")
    assert job
    ship_order(store, "DD-P", NOW - timedelta(minutes=1))  # 13:59, the hour before now
    ship_order(store, "DD-4", NOW)  # 14:00: the current hour
    ship_order(store, "DD-3", NOW - timedelta(hours=30))  # outside the window
    view = port.throughput(BOSS)
    assert len(view.hours) == 24
    assert view.hours[-1].start == NOW and view.hours[-1].shipped == 1
    # DD-S shipped at 12:10, DD-P at 13:59.
    assert [h.shipped for h in view.hours[-3:]] == [1, 1, 1]
    assert view.total == 3
    assert sum(h.shipped for h in port.throughput(BOSS, 3).hours) == 3


def test_the_overview_reads_open_orders_by_index_beside_a_long_history(bulk: Store) -> None:
    """With 19,600 shipped orders and the planner's statistics, the overview still reads only
    the open orders, through the status indexes."""
    with bulk.write(ADMIN) as write:
        write.execute(
            "UPDATE orders SET status = 'shipped', due_at = '2026-10-01T00:00:00+00:00'"
            " WHERE rowid % 50 != 0"
        )
        write.audit("test.history", "orders")
    bulk.conn.execute("ANALYZE")
    statements: list[str] = []
    bulk.conn.set_trace_callback(statements.append)
    view = SqliteOversight(bulk).overview(BOSS)
    bulk.conn.set_trace_callback(None)
    assert sum(row.total for row in view.queues) == 400
    checked = 0
    for sql in statements:
        if "FROM order" in sql and ("status IN" in sql or "status = '" in sql):
            plan = " ".join(r["detail"] for r in bulk.query(f"EXPLAIN QUERY PLAN {sql}"))
            assert "orders_status_" in plan or "order_counts" in plan, plan
            assert "orders_due " not in plan and "SCAN orders" not in plan, plan
            checked += 1
    assert checked == 3  # queues (kept counts), due soon (per status), their counts
