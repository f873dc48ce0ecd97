"""Property: whatever happens on the floor, stock figures and pick counts stay consistent.

A state machine runs random sequences of order imports, cancellations, hold releases, stock
adjustments (product re-imports with --adjust-stock), moves between pick faces, reserve and a
damaged bin, wave releases, claims, scans, short picks, packing and shipping on a real SQLite
file and checks the invariants after every step, `stock check`'s among them: every stock row
equals the sum of its ledger, nothing negative, reservations within pickable stock, nothing in a
damaged bin allocated.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from core.errors import Rejected
from core.model import Role, ShortReason
from core.ports import Operator
from core.stock import StockRefused
from data import carriers, catalog, orders, stations, waves
from data import settings as site_settings
from data.floor import SqliteFloor
from data.picking import close_short, record_pick_scan
from data.stock import list_bins, move_stock, set_bin_kind, stock_check
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    add_floor_users,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    product,
    products_csv,
)

SKUS = ["SKU-A", "SKU-B", "SKU-C"]
PICKERS = [Actor("li.na", "hh-1"), Actor("wang.fang", "hh-2")]
BINS = {"SKU-A": "A-2", "SKU-B": "A-10", "SKU-C": "B-1"}
#: Where stock may be moved: the pick faces, a reserve bin and a damaged bin.
MOVE_TO = [*BINS.values(), "R-1", "D-1"]
PACKER = Operator("chen.jie", Role.PACKER, "bench-1")

order_lines = st.lists(
    st.tuples(st.sampled_from([*SKUS, *SKUS, *SKUS, "SKU-UNKNOWN"]), st.integers(1, 4)),
    min_size=1,
    max_size=3,
)
an_order = st.fixed_dictionaries(
    {
        "lines": order_lines,
        "priority": st.sampled_from(["rush", "standard", "deferred"]),
        "payment": st.sampled_from(["paid", "paid", "paid", "pending"]),
        "reuse": st.booleans(),
    }
)


def check_invariants(store: Store) -> None:
    """Stock figures agree with order lines, counts stay within quantities, the file is sound."""
    for product_row in store.query("SELECT sku, on_hand, reserved FROM products"):
        assert 0 <= product_row["reserved"] <= product_row["on_hand"], product_row
        by_lines = store.scalar(
            "SELECT coalesce(sum(l.reserved), 0) FROM order_lines l JOIN orders o"
            " ON o.order_no = l.order_no WHERE l.sku = ? AND o.status != 'cancelled'",
            (product_row["sku"],),
        )
        assert product_row["reserved"] == by_lines, product_row
    assert (
        store.scalar(
            "SELECT count(*) FROM order_lines l JOIN orders o ON o.order_no = l.order_no"
            " WHERE o.status = 'cancelled' AND l.reserved != 0"
        )
        == 0
    )
    for table in ("order_lines", "pick_lines", "pick_shares"):
        assert store.query(f"SELECT * FROM {table} WHERE picked < 0 OR picked > qty") == [], table
    assert store.query("SELECT * FROM order_lines WHERE picked + short > qty") == []
    # The counts the triggers keep for the overview agree with the orders themselves.
    kept = {
        (row["status"], row["priority"]): row["n"]
        for row in store.query("SELECT * FROM order_counts WHERE n > 0")
    }
    counted = {
        (row["status"], row["priority"]): row["n"]
        for row in store.query(
            "SELECT status, priority, count(*) AS n FROM orders GROUP BY status, priority"
        )
    }
    assert kept == counted
    assert store.query("SELECT * FROM pick_lines WHERE picked + short > qty") == []
    # A whole order is reserved or none of it, until picking starts.
    assert (
        store.query(
            "SELECT l.* FROM order_lines l JOIN orders o ON o.order_no = l.order_no"
            " WHERE (o.status = 'allocated' AND l.reserved != l.qty)"
            " OR (o.status IN ('backordered', 'on_hold') AND l.reserved != 0)"
        )
        == []
    )
    # Picked units on pick lines, shares and order lines agree.
    assert (
        store.query(
            "SELECT l.id FROM pick_lines l WHERE l.picked !="
            " (SELECT coalesce(sum(s.picked), 0) FROM pick_shares s WHERE s.pick_line_id = l.id)"
        )
        == []
    )
    assert (
        store.query(
            "SELECT l.id FROM order_lines l WHERE l.picked !="
            " (SELECT coalesce(sum(s.picked), 0) FROM pick_shares s WHERE s.order_line_id = l.id)"
        )
        == []
    )
    assert store.query("SELECT id FROM picklists WHERE status = 'picking' AND picker IS NULL") == []
    # An order follows its list: claimed lists have no allocated orders left, finished lists
    # no order still waiting for units, and a cancelled list only cancelled orders.
    stuck = store.query(
        "SELECT o.order_no, o.status, p.status AS list_status FROM orders o"
        " JOIN picklists p ON p.id = o.picklist_id"
        " WHERE (p.status = 'picking' AND o.status = 'allocated')"
        " OR (p.status = 'picked' AND o.status NOT IN"
        "   ('picked', 'packing', 'packed', 'shipped', 'exception', 'cancelled'))"
        " OR (p.status = 'cancelled' AND o.status != 'cancelled')"
    )
    assert stuck == [], stuck
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.query("PRAGMA foreign_key_check") == []
    # The stock ledger invariant `stock check` reports: rows equal their ledger, nothing
    # negative, reservations within what pickable bins hold.
    assert stock_check(store) == []
    # Each bin's reservation is exactly what the pick lines of orders still to ship hold there.
    promised = {
        (row["sku"], row["location"], row["lot"]): row["n"]
        for row in store.query(
            "SELECT l.sku, l.location, l.lot, sum(s.qty) AS n FROM pick_shares s"
            " JOIN pick_lines l ON l.id = s.pick_line_id JOIN orders o ON o.order_no = s.order_no"
            " WHERE o.status NOT IN ('shipped', 'cancelled') GROUP BY l.sku, l.location, l.lot"
            " HAVING n > 0"
        )
    }
    held = {
        (row["sku"], row["bin"], row["lot"]): row["reserved"]
        for row in store.query("SELECT sku, bin, lot, reserved FROM stock WHERE reserved > 0")
    }
    assert held == promised


class FloorMachine(RuleBasedStateMachine):
    """One database file and the operations a warehouse day performs on it."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.store = new_store(Path(self.directory.name) / "p.db")
        add_floor_users(self.store, "picker", *(picker.user for picker in PICKERS))
        add_floor_users(self.store, "packer", PACKER.name)
        add_floor_users(self.store, "supervisor", "boss")
        stations.add_station(self.store, ADMIN, "bench-1", "", "dummy://")
        for index, carrier in enumerate(("SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD")):
            first = (index + 1) * 1000
            carriers.add_numbers(
                self.store, ADMIN, carrier, [f"{carrier}{n:010d}" for n in range(first, first + 60)]
            )
        set_bin_kind(self.store, ADMIN, "R-1", "reserve")
        set_bin_kind(self.store, ADMIN, "D-1", "damaged")
        self.order_nos: list[str] = []

    def teardown(self) -> None:
        self.store.close()
        self.directory.cleanup()

    @initialize(initial=st.lists(st.integers(0, 20), min_size=len(SKUS), max_size=len(SKUS)))
    def stock_the_catalog(self, initial: list[int]) -> None:
        rows = [
            product(sku, qty, barcodes=[ean13(n + 1)], location=BINS[sku])
            for n, (sku, qty) in enumerate(zip(SKUS, initial, strict=True))
        ]
        report = catalog.import_products(self.store, ADMIN, products_csv(rows), "p.csv")
        assert not report.rejected

    @rule(drafts=st.lists(an_order, min_size=1, max_size=3))
    def import_orders(self, drafts: list[dict]) -> None:
        rows: list[list[dict]] = []
        fresh: list[str] = []
        for draft in drafts:
            if draft["reuse"] and self.order_nos:
                order_no = self.order_nos[len(rows) % len(self.order_nos)]
            else:
                order_no = f"O-{len(self.order_nos) + len(fresh) + 1:03d}"
                fresh.append(order_no)
            if any(other[0]["order_no"] == order_no for other in rows):
                continue
            rows.append(
                order_rows(
                    order_no,
                    draft["lines"],
                    priority=draft["priority"],
                    payment_status=draft["payment"],
                )
            )
        report = orders.import_orders(self.store, ADMIN, orders_csv(*rows), "o.csv")
        assert not report.rejected
        assert report.stored == fresh
        assert len(report.skipped) == len(rows) - len(fresh)
        self.order_nos.extend(fresh)

    def has_orders(self) -> bool:
        return bool(self.order_nos)

    @precondition(has_orders)
    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        order_no = self.order_nos[index % len(self.order_nos)]
        status = self.store.scalar("SELECT status FROM orders WHERE order_no = ?", (order_no,))
        try:
            orders.cancel_order(self.store, ADMIN, order_no, "property test")
        except Rejected:
            assert status in ("cancelled", "shipped")
        else:
            assert status != "cancelled"

    @precondition(has_orders)
    @rule(index=st.integers(0, 20))
    def release_hold(self, index: int) -> None:
        order_no = self.order_nos[index % len(self.order_nos)]
        with contextlib.suppress(Rejected):  # not on hold, or an unknown SKU
            orders.release_order(self.store, ADMIN, order_no)

    @rule(sku=st.sampled_from(SKUS), on_hand=st.integers(0, 12))
    def change_stock(self, sku: str, on_hand: int) -> None:
        reserved = self.store.scalar("SELECT reserved FROM products WHERE sku = ?", (sku,))
        # The correction sets the file's bin; units the SKU holds in its other pickable bins
        # (moved there) still count against what is reserved.
        elsewhere = sum(
            row["on_hand"]
            for row in list_bins(self.store, sku)
            if row["bin"] != BINS[sku] and row["kind"] in ("pick_face", "reserve")
        )
        # nor may the file's bin keep fewer units than pick lines have reserved in it
        held_here = sum(
            row["reserved"] for row in list_bins(self.store, sku) if row["bin"] == BINS[sku]
        )
        row = product(sku, on_hand, barcodes=[ean13(SKUS.index(sku) + 1)], location=BINS[sku])
        report = catalog.import_products(
            self.store, ADMIN, products_csv([row]), "p.csv", adjust_reason="recount"
        )
        if elsewhere + on_hand < reserved or on_hand < held_here:
            assert [r.key for r in report.rejected] == [sku]
        else:
            assert not report.rejected
            orders.allocate_waiting(self.store, ADMIN)

    @rule(
        sku=st.sampled_from(SKUS),
        source=st.sampled_from(MOVE_TO),
        to_bin=st.sampled_from(MOVE_TO),
        qty=st.integers(1, 6),
    )
    def move(self, sku: str, source: str, to_bin: str, qty: int) -> None:
        held = {row["bin"]: row for row in list_bins(self.store, sku)}
        try:
            move_stock(self.store, ADMIN, sku, source, to_bin, qty, "property test")
        except StockRefused:
            row = held.get(source)
            free = row["free"] if row else 0
            pickable = sum(
                r["on_hand"] for r in held.values() if r["kind"] in ("pick_face", "reserve")
            )
            reserved = self.store.scalar("SELECT reserved FROM products WHERE sku = ?", (sku,))
            assert source == to_bin or qty > free or (to_bin == "D-1" and pickable - qty < reserved)
        except Rejected:
            assert source not in held  # the bin never held the SKU
        else:
            event("moved stock")
            orders.allocate_waiting(self.store, ADMIN)

    def someone_picked(self) -> bool:
        return bool(self.store.scalar("SELECT count(*) FROM orders WHERE status = 'picked'"))

    @precondition(someone_picked)
    @rule(index=st.integers(0, 20))
    def pack_and_ship(self, index: int) -> None:
        picked = [
            row["order_no"]
            for row in self.store.query(
                "SELECT order_no FROM orders WHERE status = 'picked' ORDER BY order_no"
            )
        ]
        order_no = picked[index % len(picked)]
        floor = SqliteFloor(self.store)
        opened = floor.pack_scan(PACKER, f"O:{order_no}", "wedge")
        assert opened.accepted, opened.message
        for line in self.store.query(
            "SELECT sku, qty FROM order_lines WHERE order_no = ?", (order_no,)
        ):
            for _unit in range(line["qty"]):
                code = ean13(SKUS.index(line["sku"]) + 1)
                checked = floor.pack_scan(PACKER, code, "wedge")
                assert checked.accepted, checked.message
        closed = floor.finish_pack(PACKER, order_no, 500, 1)
        shipment = closed.view.order(order_no).shipment
        assert shipment is not None
        for waybill in shipment.waybills:
            assert floor.pack_scan(PACKER, waybill, "wedge").accepted
        event("shipped an order")
        assert (
            self.store.scalar("SELECT status FROM orders WHERE order_no = ?", (order_no,))
            == "shipped"
        )

    @rule(max_orders=st.integers(1, 4), per_list=st.integers(1, 3))
    def release_wave(self, max_orders: int, per_list: int) -> None:
        waves.release_wave(self.store, ADMIN, max_orders, None, per_list)

    def lists_open(self) -> bool:
        return bool(
            self.store.scalar(
                "SELECT count(*) FROM picklists WHERE status IN ('released', 'picking')"
            )
        )

    @precondition(lists_open)
    @rule(picker=st.integers(0, 1))
    def claim(self, picker: int) -> None:
        before = waves.current_list(self.store, PICKERS[picker].user)
        claimed = waves.claim_next(self.store, PICKERS[picker])
        if before is not None:
            assert claimed == before  # a picker already picking gets their own list back

    def someone_picking(self) -> bool:
        return bool(self.store.scalar("SELECT count(*) FROM picklists WHERE status = 'picking'"))

    @precondition(someone_picking)
    @rule(picker=st.integers(0, 1), times=st.integers(1, 6), right=st.booleans())
    def scan(self, picker: int, times: int, right: bool) -> None:
        actor = PICKERS[picker]
        picklist_id = waves.current_list(self.store, actor.user)
        if picklist_id is None:
            return
        floor = SqliteFloor(self.store)
        for _ in range(times):
            code = floor.expected_code(picklist_id) if right else ean13(99)
            record_pick_scan(
                self.store,
                actor,
                picklist_id,
                code or ean13(1),  # the list is done: an extra unit is refused
                "wedge",
                site_settings.prefixes(self.store),
                site_settings.pick_settings(self.store),
            )

    @precondition(lists_open)
    @rule(picker=st.integers(0, 1))
    def pick_whole_list(self, picker: int) -> None:
        actor = PICKERS[picker]
        picklist_id = waves.claim_next(self.store, actor)
        if picklist_id is None:
            return
        floor = SqliteFloor(self.store)
        for _scan in range(60):
            code = floor.expected_code(picklist_id)
            if code is None:
                break
            record_pick_scan(
                self.store,
                actor,
                picklist_id,
                code,
                "wedge",
                site_settings.prefixes(self.store),
                site_settings.pick_settings(self.store),
            )

    @precondition(someone_picking)
    @rule(picker=st.integers(0, 1))
    def short_pick(self, picker: int) -> None:
        actor = PICKERS[picker]
        picklist_id = waves.current_list(self.store, actor.user)
        if picklist_id is None:
            return
        line = self.store.query(
            "SELECT id FROM pick_lines WHERE picklist_id = ? AND picked + short < qty"
            " ORDER BY seq LIMIT 1",
            (picklist_id,),
        )
        if line:
            close_short(self.store, actor, picklist_id, line[0]["id"], ShortReason.NOT_FOUND)

    @invariant()
    def consistent(self) -> None:
        check_invariants(self.store)


TestFloorInvariants = FloorMachine.TestCase
TestFloorInvariants.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
