"""Stock settings from files on a real database: lot tracking and the do-not-ship window from
the products file (and the wave keeping to that window), bin kinds and a pick face's minimum
and maximum from the locations file, and a picker never sent to an empty pick face while
reserve holds the SKU."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.model import Role
from core.ports import Operator
from data import catalog, orders, receiving, waves
from data.floor import SqliteFloor
from data.oversight import SqliteOversight
from data.stock import list_bins, move_stock, stock_check
from data.stock_reports import replenish_list
from data.store import Actor, Store
from tests.data.builders import (
    ADMIN,
    NOW,
    add_floor_users,
    ean13,
    new_store,
    order_rows,
    orders_csv,
    status_of,
)

PICKER = Actor("li.na", "hh-1")
OPERATOR = Operator("li.na", Role.PICKER, "hh-1")
HEAD = "sku,name,barcodes,location,on_hand,safety_stock,weight_g"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    add_floor_users(store, "picker", PICKER.user)
    return store


def _import_products(store: Store, header: str, *rows: str) -> catalog.ImportReport:
    content = (header + "\n" + "\n".join(rows) + "\n").encode()
    return catalog.import_products(store, ADMIN, content, "p.csv")


def _import_bins(store: Store, *rows: str) -> catalog.ImportReport:
    content = ("code,sequence,kind,min_units,max_units\n" + "\n".join(rows) + "\n").encode()
    return catalog.import_locations(store, ADMIN, content, "bins.csv")


def _product(store: Store, sku: str) -> tuple[int, int]:
    row = store.query("SELECT lot_tracked, shelf_days FROM products WHERE sku = ?", (sku,))[0]
    return row["lot_tracked"], row["shelf_days"]


def _pick_lines(store: Store, picklist_id: int) -> list[tuple[str, str, int]]:
    return [
        (r["location"], r["lot"], r["qty"])
        for r in store.query(
            "SELECT location, lot, qty FROM pick_lines WHERE picklist_id = ? ORDER BY seq",
            (picklist_id,),
        )
    ]


def test_the_products_file_sets_lot_tracking_and_the_window(store: Store) -> None:
    report = _import_products(
        store,
        HEAD + ",lot_tracked,shelf_days",
        "SKU-T,Tea,,A-01,0,0,100,1,30",
        "SKU-C,Cup,,A-02,5,0,100,0,",
        "SKU-X,Bad,,A-03,5,0,100,maybe,30",
    )
    assert report.stored == ["SKU-T", "SKU-C"]
    assert [(r.line, r.key) for r in report.rejected] == [(4, "SKU-X")]
    assert _product(store, "SKU-T") == (1, 30)
    assert _product(store, "SKU-C") == (0, 0)
    # a file without the columns leaves them; one with them changes them
    _import_products(store, HEAD, "SKU-T,Tea,,A-01,0,0,100")
    assert _product(store, "SKU-T") == (1, 30)
    _import_products(store, HEAD + ",shelf_days", "SKU-T,Tea,,A-01,0,0,100,7")
    assert _product(store, "SKU-T") == (1, 7)


def test_a_wave_never_draws_a_lot_inside_the_imported_window(store: Store) -> None:
    _import_products(
        store, HEAD + ",lot_tracked,shelf_days", f"SKU-T,Tea,{ean13(1)},A-01,0,0,100,1,30"
    )
    today = NOW.date()
    receiving.open_blind(store, ADMIN, "R-1")
    # the earlier lot would go first, but it expires inside the 30 days
    for lot, days in (("L-NEAR", 10), ("L-FAR", 100)):
        receiving.receive_unit(
            store, ADMIN, "R-1", ean13(1), 3, lot=lot, expiry=today + timedelta(days=days)
        )
    receiving.close_receipt(store, ADMIN, "R-1")
    for lot in ("L-NEAR", "L-FAR"):
        receiving.put_away(store, ADMIN, "SKU-T", 3, "A-01", lot)
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-T", 2)])), "o.csv")
    released = waves.release_wave(store, ADMIN)
    assert _pick_lines(store, released["picklists"][0]) == [("A-01", "L-FAR", 2)]
    # 4 units are on hand, but only 1 of them may still ship: the order waits for stock
    # instead of being allocated units no wave can draw
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-2", [("SKU-T", 2)])), "o.csv")
    assert status_of(store, "O-2") == "backordered"
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-3", [("SKU-T", 1)])), "o.csv")
    assert status_of(store, "O-3") == "allocated"
    assert _pick_lines(store, waves.release_wave(store, ADMIN)["picklists"][0]) == [
        ("A-01", "L-FAR", 1)
    ]
    assert stock_check(store) == []


def test_the_locations_file_sets_kinds_minima_and_maxima(store: Store) -> None:
    _import_products(store, HEAD, "SKU-A,Cup,,A-01,6,0,100", "SKU-B,Pen,,A-02,4,0,100")
    move_stock(store, ADMIN, "SKU-A", "A-01", "D-01", 2, "crushed")
    report = _import_bins(store, "A-01,1,pick_face,4,10", "R-01,2,reserve,,", "D-01,3,damaged,,")
    assert not report.rejected and report.stored == ["R-01"]
    kinds = {
        r["code"]: (r["kind"], r["min_units"], r["max_units"])
        for r in store.query("SELECT code, kind, min_units, max_units FROM locations")
    }
    assert kinds["A-01"] == ("pick_face", 4, 10)
    assert kinds["R-01"] == ("reserve", None, None)
    assert kinds["D-01"] == ("damaged", None, None)
    # the units in the damaged bin are no longer allocatable
    unpickable = store.query("SELECT unpickable FROM products WHERE sku = 'SKU-A'")[0]
    assert unpickable["unpickable"] == 2
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 5)])), "o.csv")
    assert status_of(store, "O-1") == "backordered"
    assert stock_check(store) == []


def test_a_bin_the_file_cannot_describe_is_refused_at_its_line(store: Store) -> None:
    _import_products(store, HEAD, "SKU-A,Cup,,A-01,3,0,100", "SKU-B,Pen,,A-02,4,0,100")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-A", 3)])), "o.csv")
    waves.release_wave(store, ADMIN)  # A-01's units are on a pick line now
    _import_bins(store, "A-02,2,pick_face,1,8")
    report = _import_bins(
        store,
        "A-01,1,damaged,,",  # units on pick lines there
        "A-02,2,reserve,,",  # fine: its limits go with its pick face
        "R-01,3,reserve,2,",  # a reserve bin is never replenished
        "A-03,4,pick_face,9,5",  # minimum above maximum
        "A-04,5,pick_face,2,5",
    )
    assert sorted((r.line, r.key) for r in report.rejected) == [
        (2, "A-01"),
        (4, "R-01"),
        (5, "A-03"),
    ]
    assert "pick lines" in report.rejected[0].reason
    rows = {
        r["code"]: (r["kind"], r["min_units"], r["max_units"])
        for r in store.query("SELECT code, kind, min_units, max_units FROM locations")
    }
    assert rows["A-01"][0] == "pick_face"
    assert rows["A-02"] == ("reserve", None, None)
    assert rows["A-04"] == ("pick_face", 2, 5)
    assert "R-01" not in rows and "A-03" not in rows
    assert stock_check(store) == []


def test_the_minimum_from_the_file_proposes_a_replenishment(store: Store) -> None:
    _import_products(store, HEAD, "SKU-A,Cup,,A-01,10,0,100")
    move_stock(store, ADMIN, "SKU-A", "A-01", "R-01", 8, "overflow")
    assert replenish_list(store) == []
    _import_bins(store, "A-01,1,pick_face,3,6", "R-01,2,reserve,,")
    (task,) = replenish_list(store)
    assert (task["face"], task["sku"], task["source"], task["qty"]) == ("A-01", "SKU-A", "R-01", 4)


def test_a_picker_is_never_sent_to_an_empty_pick_face_while_reserve_holds_the_sku(
    store: Store,
) -> None:
    _import_products(
        store, HEAD, f"SKU-A,Cup,{ean13(1)},A-01,6,0,100", f"SKU-B,Pen,{ean13(2)},A-02,5,0,100"
    )
    _import_bins(store, "A-01,1,pick_face,,", "A-02,2,pick_face,,", "R-01,9,reserve,,")
    # SKU-A's face is emptied into reserve; SKU-B's face holds 2, promised to a first wave
    move_stock(store, ADMIN, "SKU-A", "A-01", "R-01", 6, "overflow")
    move_stock(store, ADMIN, "SKU-B", "A-02", "R-01", 3, "overflow")
    orders.import_orders(store, ADMIN, orders_csv(order_rows("O-1", [("SKU-B", 2)])), "o.csv")
    first = waves.release_wave(store, ADMIN)
    assert _pick_lines(store, first["picklists"][0]) == [("A-02", "", 2)]
    orders.import_orders(
        store, ADMIN, orders_csv(order_rows("O-2", [("SKU-A", 4), ("SKU-B", 3)])), "o.csv"
    )
    second = waves.release_wave(store, ADMIN)
    # neither face has a free unit: both lines go to reserve, where the units are
    assert _pick_lines(store, second["picklists"][0]) == [("R-01", "", 4), ("R-01", "", 3)]
    faces = {(r["bin"], r["on_hand"], r["reserved"]) for r in list_bins(store)}
    assert faces >= {("A-02", 2, 2)} and not any(face[0] == "A-01" for face in faces)
    # the picker of the second list walks to reserve and picks every unit there
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(OPERATOR)
    assert view is not None and view.picklist_id == first["picklists"][0]
    for _unit in range(2):
        assert floor.pick_scan(OPERATOR, view.picklist_id, ean13(2), "wedge").accepted
    view = floor.claim_next_pick(OPERATOR)
    assert view is not None and view.picklist_id == second["picklists"][0]
    assert {line.location for line in view.lines} == {"R-01"}
    for code, units in ((ean13(1), 4), (ean13(2), 3)):
        for _unit in range(units):
            outcome = floor.pick_scan(OPERATOR, view.picklist_id, code, "wedge")
            assert outcome.accepted, outcome.message
    assert status_of(store, "O-2") == "picked"
    assert stock_check(store) == []


def _receive_lots(store: Store, receipt: str, *lots: tuple[str, int, int]) -> None:
    """Receive and put away at A-01 lots of SKU-T: (lot, units, days to expiry from now)."""
    today = store.clock.now().date()
    receiving.open_blind(store, ADMIN, receipt)
    for lot, units, days in lots:
        receiving.receive_unit(
            store, ADMIN, receipt, ean13(1), units, lot=lot, expiry=today + timedelta(days=days)
        )
    receiving.close_receipt(store, ADMIN, receipt)
    for lot, units, _days in lots:
        receiving.put_away(store, ADMIN, "SKU-T", units, "A-01", lot)


def test_an_order_whose_lot_entered_the_window_after_allocation_is_moved_or_backordered(
    store: Store,
) -> None:
    _import_products(
        store, HEAD + ",lot_tracked,shelf_days", f"SKU-T,Tea,{ean13(1)},A-01,0,0,100,1,30"
    )
    # both lots may ship today: the earlier one (expiring in 40 days) would go first
    _receive_lots(store, "R-1", ("L-SOON", 3, 40), ("L-FAR", 3, 100))
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(order_rows("O-1", [("SKU-T", 3)]), order_rows("O-2", [("SKU-T", 3)])),
        "o.csv",
    )
    assert [status_of(store, o) for o in ("O-1", "O-2")] == ["allocated", "allocated"]
    # the wave is released 15 days later: L-SOON is inside the 30-day window by then
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=15))
    released = waves.release_wave(store, ADMIN)
    # the most urgent order is moved to the lot that may still ship; the other cannot be
    # filled, so it gives its reservation back and waits for stock (never picked from L-SOON,
    # never left allocated for every wave to skip)
    assert released["orders"] == 1
    assert _pick_lines(store, released["picklists"][0]) == [("A-01", "L-FAR", 3)]
    assert status_of(store, "O-2") == "backordered"
    assert store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-T'") == 3
    assert store.scalar("SELECT sum(reserved) FROM order_lines WHERE order_no = 'O-2'") == 0
    (detail,) = [
        json.loads(r["detail"])
        for r in store.query("SELECT detail FROM audit WHERE action = 'wave.backorder'")
    ]
    assert detail["short"] == [
        {"sku": "SKU-T", "needed": 3, "shippable": 0, "too_close_to_expiry": 3}
    ]
    # the supervisor sees why it waits: no free unit, three too close to expiry
    add_floor_users(store, "supervisor", "zhao.min")
    boss = Operator("zhao.min", Role.SUPERVISOR, "office")
    (waiting,) = SqliteOversight(store).stock(boss).backorders
    assert waiting.order_no == "O-2"
    assert [(m.sku, m.needed, m.free, m.too_close) for m in waiting.missing] == [("SKU-T", 3, 0, 3)]
    # a new lot put away allocates it again, and its wave draws on the new lot
    _receive_lots(store, "R-2", ("L-NEW", 5, 200))
    assert status_of(store, "O-2") == "allocated"
    again = waves.release_wave(store, ADMIN)
    assert _pick_lines(store, again["picklists"][0]) == [("A-01", "L-NEW", 3)]
    assert stock_check(store) == []
