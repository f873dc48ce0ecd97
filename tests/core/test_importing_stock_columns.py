"""The stock columns of catalog and bin files: lot tracking and the do-not-ship window of a
product, the kind and the minimum and maximum of a bin; a bad cell refuses its line only."""

from __future__ import annotations

from core.importing import MAX_SHELF_DAYS, parse_locations, parse_products
from core.stock import BinKind


def _products(rows: list[str], header: str = "lot_tracked,shelf_days") -> bytes:
    head = "sku,name,barcodes,location,on_hand,safety_stock,weight_g," + header
    body = "\n".join(f"SKU-{n},Tea {n},,A-0{n},5,0,100,{row}" for n, row in enumerate(rows, 1))
    return (head + "\n" + body + "\n").encode()


def test_lot_tracking_and_the_window_are_read_per_product() -> None:
    parsed = parse_products(_products(["1,30", "否,", "yes,0", ",7"]), "p.csv")
    assert not parsed.rejected
    assert [(d.sku, d.lot_tracked, d.shelf_days) for d in parsed.drafts] == [
        ("SKU-1", True, 30),
        ("SKU-2", False, 0),
        ("SKU-3", True, 0),
        ("SKU-4", False, 7),
    ]


def test_without_the_columns_the_product_keeps_what_it_had() -> None:
    content = b"sku,name,barcodes,location,on_hand,safety_stock,weight_g\nS,Tea,,A-01,5,0,1\n"
    (draft,) = parse_products(content, "p.csv").drafts
    assert draft.lot_tracked is None and draft.shelf_days is None
    json_file = b'[{"sku": "S", "name": "Tea", "barcodes": [], "on_hand": 1,'
    json_file += b' "lot_tracked": true, "shelf_days": 14}]'
    (draft,) = parse_products(json_file, "p.json").drafts
    assert (draft.lot_tracked, draft.shelf_days) == (True, 14)


def test_a_bad_flag_or_window_refuses_that_line_only() -> None:
    rows = ["maybe,30", "1,-3", "1,thirty", f"1,{MAX_SHELF_DAYS + 1}", "1,30"]
    parsed = parse_products(_products(rows), "p.csv")
    assert [d.sku for d in parsed.drafts] == ["SKU-5"]
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert sorted(reasons) == [2, 3, 4, 5]
    assert "lot_tracked" in reasons[2]
    assert "shelf_days" in reasons[3] and "negative" in reasons[3]
    assert "shelf_days" in reasons[4] and "whole number" in reasons[4]
    assert str(MAX_SHELF_DAYS) in reasons[5]


def test_bins_with_kind_minimum_and_maximum() -> None:
    content = (
        "code,sequence,kind,min_units,max_units\n"
        "a-01,1,pick_face,4,20\n"
        "R-01,2,reserve,,\n"
        "D-01,3,次品区,,\n"
        "A-02,4,Pick Face,3,\n"
        "A-03,5,,,\n"
    ).encode()
    parsed = parse_locations(content, "bins.csv")
    assert not parsed.rejected
    assert [(d.code, d.kind, d.min_units, d.max_units) for d in parsed.drafts] == [
        ("A-01", BinKind.PICK_FACE, 4, 20),
        ("R-01", BinKind.RESERVE, None, None),
        ("D-01", BinKind.DAMAGED, None, None),
        ("A-02", BinKind.PICK_FACE, 3, None),
        ("A-03", None, None, None),
    ]
    assert all(d.given == {"kind", "min_units", "max_units"} for d in parsed.drafts)
    (plain,) = parse_locations(b"code,sequence\nA-01,1\n", "bins.csv").drafts
    assert plain.given == frozenset() and plain.kind is None


def test_a_bad_kind_or_limit_refuses_that_bin_only() -> None:
    content = (
        b"code,sequence,kind,min_units,max_units\n"
        b"A-01,1,shelf,,\n"
        b"A-02,2,pick_face,-1,\n"
        b"A-03,3,pick_face,2,lots\n"
        b"A-04,4,pick_face,2,9\n"
    )
    parsed = parse_locations(content, "bins.csv")
    assert [d.code for d in parsed.drafts] == ["A-04"]
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert sorted(reasons) == [2, 3, 4]
    assert "kind" in reasons[2] and "pick_face" in reasons[2]
    assert "min_units" in reasons[3]
    assert "max_units" in reasons[4]
