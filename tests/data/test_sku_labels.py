"""A code wareterm prints, wareterm accepts: the code on every SKU label (``labels skus``), read
by the scan parser, resolves to its product, and the pick and pack judges count it as that
product, whatever the SKU looks like (digits of a GTIN's length, another label's prefix,
two characters, a space)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.codes import CodePrefixes, parse_scan
from core.model import CodeKind, Verdict
from core.packing import PackLineState, PackOrderState, judge_pack_scan
from core.picking import PickLineState, PickSettings, judge_pick_scan
from data import catalog, printing
from data import settings as site_settings
from data.store import Store, open_store
from tests.data.builders import ADMIN, ean13, product, products_csv

SKUS = ["SKU-1001", "12345678", "4006381333931", "L:ODD", "AB", "MUG 01", "s:lower", "O:1"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "floor.db")
    rows = [product(sku, 5, name=f"item {n}", barcodes=[]) for n, sku in enumerate(SKUS)]
    # A product whose barcode is another product's SKU: the SKU label still names its own.
    rows.append(product("SKU-OTHER", 5, barcodes=["SKU-1001-X", ean13(7)]))
    report = catalog.import_products(store, ADMIN, products_csv(rows), "p.csv")
    assert report.rejected == []
    return store


def _resolve(store: Store, code: str, prefixes: CodePrefixes) -> str | None:
    scanned = parse_scan(code, prefixes)
    assert scanned.kind is CodeKind.PRODUCT, (code, scanned.problem)
    with store.read() as conn:
        return catalog.sku_for_code(conn, scanned)


def _judged(store: Store, code: str, sku: str, prefixes: CodePrefixes) -> tuple[Verdict, Verdict]:
    scanned = parse_scan(code, prefixes)
    resolved = _resolve(store, code, prefixes)
    pick = judge_pick_scan(
        [PickLineState(1, sku, "item", "A-01", 2, 0)], scanned, resolved, None, PickSettings()
    )
    pack = judge_pack_scan(
        [PackOrderState("SO-1", (), (PackLineState(7, sku, "item", 2, 0),))], scanned, resolved
    )
    return pick.verdict, pack.verdict


def test_every_printed_sku_label_scans_as_its_product(store: Store) -> None:
    labels = printing.sku_labels(store)
    assert labels.skipped == []
    prefixes = site_settings.prefixes(store)
    printed = {label.caption: label.code for label in labels.labels}
    for n, sku in enumerate(SKUS):
        code = printed[f"item {n}"]
        assert _resolve(store, code, prefixes) == sku, code
        assert _judged(store, code, sku, prefixes) == (Verdict.OK, Verdict.OK)
        # A scanner adds its suffix and an AIM prefix; the label still reads the same.
        assert _resolve(store, f"]C0{code}\r", prefixes) == sku


def test_a_site_prefix_is_used_for_printing_and_scanning(store: Store) -> None:
    with store.write(ADMIN) as write:
        site_settings.put(write, "prefix.sku", "#S")
    prefixes = site_settings.prefixes(store)
    codes = [label.code for label in printing.sku_labels(store).labels]
    assert all(code.startswith("#S") for code in codes)
    assert sorted(_resolve(store, code, prefixes) for code in codes) == sorted([*SKUS, "SKU-OTHER"])


def test_labels_printed_before_the_prefix_still_scan(store: Store) -> None:
    prefixes = site_settings.prefixes(store)
    assert _resolve(store, "SKU-1001", prefixes) == "SKU-1001"
    # A barcode wins over a SKU of the same text, as before.
    assert _resolve(store, "SKU-1001-X", prefixes) == "SKU-OTHER"
    assert _resolve(store, "S:NOPE", prefixes) is None


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=46)
)
def test_any_code128_sku_round_trips_through_the_parser(sku: str) -> None:
    sku = sku.strip()
    if not sku:
        return
    scanned = parse_scan(f"S:{sku}\r", CodePrefixes())
    assert (scanned.kind, scanned.value, scanned.by_sku) == (CodeKind.PRODUCT, sku, True)
