"""The view a scan returns is the list as stored after it: worked out without reading the list
again inside the write, it must equal a fresh read, whatever the scans."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.model import PickListStatus, Verdict
from data import picking, settings, waves
from data.orders import cancel_order
from data.store import Actor
from tests.tui.conftest import ADMIN, WALK, build_floor

CODES = [*WALK, "96385074", "1234567890", "0036000291452", "L:A-2", "L:A-10", "L:B-01", "T:0001"]


@pytest.mark.parametrize("location_first", [False, True], ids=["items", "location-first"])
@pytest.mark.parametrize("seed", range(6))
def test_the_view_after_a_scan_equals_a_fresh_read(
    tmp_path: Path, location_first: bool, seed: int
) -> None:
    store = build_floor(tmp_path / "floor.db", location_first=location_first)
    picker = Actor("li.na", "hh-1")
    picklist_id = waves.claim_next(store, picker)
    assert picklist_id is not None
    prefixes, pick = settings.prefixes(store), settings.pick_settings(store)
    rng = random.Random(seed)
    verdicts = set()
    for _ in range(40):
        view = picking.read_pick_view(store, picklist_id, pick)
        line = view.current
        if line is not None and rng.random() < 0.6:
            needs_bin = location_first and view.confirmed_location != line.location
            raw = f"L:{line.location}" if needs_bin else line.barcode
        else:
            raw = rng.choice(CODES)
        outcome = picking.record_pick_scan(store, picker, picklist_id, raw, "wedge", prefixes, pick)
        verdicts.add(outcome.verdict)
        assert outcome.view == picking.read_pick_view(store, picklist_id, pick), raw
    assert Verdict.OK in verdicts
    assert picking.read_pick_view(store, picklist_id, pick).status is PickListStatus.PICKED
    if location_first:
        assert Verdict.LOCATION_OK in verdicts


def test_a_scan_on_someone_elses_list_changes_nothing_it_shows(tmp_path: Path) -> None:
    store = build_floor(tmp_path / "floor.db")
    picklist_id = waves.claim_next(store, Actor("li.na", "hh-1"))
    assert picklist_id is not None
    prefixes, pick = settings.prefixes(store), settings.pick_settings(store)
    before = picking.read_pick_view(store, picklist_id, pick)
    outcome = picking.record_pick_scan(
        store, Actor("wang.fang", "hh-2"), picklist_id, WALK[0], "wedge", prefixes, pick
    )
    assert outcome.verdict is Verdict.NOT_EXPECTED
    assert outcome.view == before == picking.read_pick_view(store, picklist_id, pick)


def test_a_scan_reads_what_changes_and_keeps_only_the_lines_products(tmp_path: Path) -> None:
    """The floor's scan reads its settings with the code's SKU, and keeps a list's product names
    and barcodes between scans: the orders' due time is read at every scan, and a list
    with its lines' products kept gives the same view as a fresh read."""
    store = build_floor(tmp_path / "floor.db")
    picker = Actor("li.na", "hh-1")
    picklist_id = waves.claim_next(store, picker)
    assert picklist_id is not None
    pick = settings.pick_settings(store)
    first = picking.record_pick_scan(store, picker, picklist_id, "NO-SUCH-CODE", "wedge")
    assert first.verdict is Verdict.UNKNOWN_CODE
    assert store.shown["pick_lines"][picklist_id]  # kept
    orders = store.query("SELECT order_no FROM orders WHERE picklist_id = ?", (picklist_id,))
    assert len(orders) >= 2
    cancel_order(store, ADMIN, orders[-1]["order_no"], "buyer asked")
    with store.immediate():  # an order's due time moved earlier (as a rush does)
        store.conn.execute(
            "UPDATE orders SET due_at = '2000-01-01T00:00:00+00:00' WHERE order_no = ?",
            (orders[0]["order_no"],),
        )
    fresh = picking.read_pick_view(store, picklist_id, pick)
    assert fresh.due_at < first.view.due_at
    line = fresh.current
    assert line is not None
    second = picking.record_pick_scan(store, picker, picklist_id, line.barcode, "wedge")
    assert second.view.due_at == fresh.due_at
    assert second.view == picking.read_pick_view(store, picklist_id, pick)
    # The settings are read by the scan: another list prefix is in force at once.
    with store.write(ADMIN) as write:
        settings.put(write, "prefix.picklist", "PL-")
    third = picking.record_pick_scan(store, picker, picklist_id, "NO-SUCH-CODE", "wedge")
    assert third.view.code.startswith("PL-")
