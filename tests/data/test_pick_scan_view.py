"""The view a scan returns is the list as stored after it: worked out without reading the list
again inside the write, it must equal a fresh read, whatever the scans."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.model import PickListStatus, Verdict
from data import picking, settings, waves
from data.store import Actor
from tests.tui.conftest import WALK, build_floor

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
