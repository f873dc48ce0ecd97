"""The demo data set: import formats, counts, valid barcodes, broken orders and determinism."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import biip
import biip.gtin
import pytest

from data.demo_data import (
    DEMO_PIN,
    DEMO_USERS,
    DemoFiles,
    gtin_check_digit,
    write_demo_files,
)

NOW = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)

PRODUCT_HEADER = [
    *("sku", "name", "barcodes", "location", "on_hand", "safety_stock", "weight_g"),
    *("lot_tracked", "shelf_days"),
]
LOCATION_HEADER = ["code", "sequence"]
ORDER_HEADER = [
    "order_no",
    "channel",
    "placed_at",
    "priority",
    "payment_status",
    "customer_name",
    "phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "sku",
    "qty",
    "note",
]
ORDER_HEADER_FIELDS = ORDER_HEADER[:13]
SLA_HOURS = {"rush": 4, "standard": 24, "deferred": 72}
REMOTE = {"新疆维吾尔自治区", "西藏自治区", "青海省"}
HAN = re.compile(r"[\u4e00-\u9fff]")
BIN = re.compile(r"^[A-F]-(0[1-9]|1[0-2])-0[1-5]$")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_files(tmp_path_factory.mktemp("demo"), NOW)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


def orders_by_number(path: Path) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for row in read_rows(path)[1]:
        groups.setdefault(row["order_no"], []).append(row)
    return groups


def scan_lines(path: Path) -> list[str]:
    """The scans of the sheet, with the written ``\\x1d`` turned into the GS character."""
    scans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        scan = line.split("  #", 1)[0].strip()
        scans.append(scan.replace("\\x1d", "\x1d"))
    return scans


def gtin14(code: str) -> str:
    return biip.gtin.Gtin.parse(code).as_gtin_14()


def test_headers_are_exact(files: DemoFiles) -> None:
    assert read_rows(files.products)[0] == PRODUCT_HEADER
    assert read_rows(files.locations)[0] == LOCATION_HEADER
    assert read_rows(files.orders)[0] == ORDER_HEADER


def test_files_are_utf8_with_newline_endings(files: DemoFiles) -> None:
    for path in (files.products, files.locations, files.orders, files.scan_sheet):
        content = path.read_bytes()
        content.decode("utf-8")
        assert b"\r" not in content
        assert not content.startswith(b"\xef\xbb\xbf")


def test_catalog_counts_and_stock(files: DemoFiles) -> None:
    products = read_rows(files.products)[1]
    assert len(products) >= 200
    skus = [p["sku"] for p in products]
    assert len(set(skus)) == len(skus)
    assert all(re.fullmatch(r"SKU-\d{5}", sku) for sku in skus)
    assert any(HAN.search(p["name"]) for p in products)
    assert any(not HAN.search(p["name"]) for p in products)
    assert all(BIN.match(p["location"]) for p in products)
    on_hand = [int(p["on_hand"]) for p in products]
    assert all(n >= 0 for n in on_hand)
    assert 3 <= sum(1 for n in on_hand if n <= 1) <= 10
    low = [p for p in products if 1 < int(p["on_hand"]) < int(p["safety_stock"])]
    assert 3 <= len(low) <= 12
    assert all(0 < int(p["weight_g"]) < 5000 for p in products)


def test_every_barcode_is_a_valid_gtin_and_none_is_shared(files: DemoFiles) -> None:
    owner: dict[str, str] = {}
    lengths: dict[int, int] = {}
    two_codes = 0
    for product in read_rows(files.products)[1]:
        codes = product["barcodes"].split("|")
        assert codes and all(codes)
        two_codes += len(codes) > 1
        for code in codes:
            key = gtin14(code)  # raises biip.ParseError on a bad check digit
            assert key not in owner, f"{code} of {product['sku']} also on {owner.get(key)}"
            owner[key] = product["sku"]
            lengths[len(code)] = lengths.get(len(code), 0) + 1
    assert lengths[13] >= 190
    assert lengths[12] >= 15  # UPC-A
    assert 8 <= two_codes <= 12


@pytest.mark.parametrize(
    "code",
    ["4006381333931", "036000291452", "96385074", "5901234123457", "00012345600012"],
)
def test_check_digit_agrees_with_biip(code: str) -> None:
    assert gtin_check_digit(code[:-1]) == int(code[-1])
    biip.gtin.Gtin.parse(code)


def test_check_digit_of_a_generated_body_parses() -> None:
    for body in ("690123456789", "6901234", "03600029145"):
        biip.gtin.Gtin.parse(body + str(gtin_check_digit(body)))
    with pytest.raises(biip.ParseError):
        body = "690123456789"
        biip.gtin.Gtin.parse(body + str((gtin_check_digit(body) + 1) % 10))


def test_locations_cover_every_bin_with_a_serpentine_walk(files: DemoFiles) -> None:
    products = read_rows(files.products)[1]
    locations = read_rows(files.locations)[1]
    sequence = {row["code"]: int(row["sequence"]) for row in locations}
    assert len(sequence) == len(locations)
    assert {p["location"] for p in products} <= set(sequence)
    assert len(set(sequence.values())) == len(sequence)
    walk = sorted(sequence, key=sequence.__getitem__)
    assert walk != sorted(sequence)
    # Within one aisle the levels run one way, the next aisle the other way.
    directions = {}
    for aisle in {code[:4] for code in walk}:
        levels = [int(code[5:]) for code in walk if code.startswith(aisle)]
        if len(levels) > 1:
            directions[aisle] = levels == sorted(levels)
            assert levels in (sorted(levels), sorted(levels, reverse=True))
    assert set(directions.values()) == {True, False}


def test_order_counts_and_mix(files: DemoFiles) -> None:
    orders = orders_by_number(files.orders)
    assert len(orders) >= 100
    firsts = [rows[0] for rows in orders.values()]
    assert all(re.fullmatch(r"DD\d{8}-\d{4}", number) for number in orders)
    assert all(1 <= len(rows) <= 5 for rows in orders.values())
    priorities = [o["priority"] for o in firsts]
    assert set(priorities) == {"rush", "standard", "deferred"}
    assert 0.1 <= priorities.count("rush") / len(firsts) <= 0.3
    assert 0.1 <= priorities.count("deferred") / len(firsts) <= 0.3
    assert {o["channel"] for o in firsts} == {"tmall", "jd", "douyin", "pdd", "shop"}
    chinese = [o for o in firsts if HAN.search(o["customer_name"])]
    latin = [o for o in firsts if not HAN.search(o["customer_name"])]
    assert chinese and latin
    assert 0.08 <= len(latin) / len(firsts) <= 0.25
    assert any(o["country"] != "CN" for o in latin)
    assert len([o for o in firsts if o["province"] in REMOTE]) >= 3
    domestic = [o for o in firsts if o["country"] == "CN" and o["phone"]]
    assert all(re.fullmatch(r"1[358]\d{9}", o["phone"]) for o in domestic)
    assert all(re.fullmatch(r"\d{6}", o["postcode"]) for o in firsts if o["country"] == "CN")


def test_order_times_and_sla_states(files: DemoFiles) -> None:
    firsts = [rows[0] for rows in orders_by_number(files.orders).values()]
    due_soon = overdue = 0
    for order in firsts:
        placed = datetime.fromisoformat(order["placed_at"])
        assert placed.utcoffset() == timedelta(hours=8)
        assert NOW - timedelta(days=3, hours=12) <= placed < NOW
        left = placed + timedelta(hours=SLA_HOURS[order["priority"]]) - NOW
        if order["priority"] == "rush":
            due_soon += timedelta(0) < left <= timedelta(hours=1)
            overdue += left < timedelta(0)
    assert due_soon >= 2
    assert overdue >= 2


def test_broken_orders_are_present_but_well_formed(files: DemoFiles) -> None:
    products = {p["sku"] for p in read_rows(files.products)[1]}
    firsts = [rows[0] for rows in orders_by_number(files.orders).values()]
    payments = [o["payment_status"] for o in firsts]
    assert set(payments) == {"paid", "pending", "failed"}
    assert 3 <= payments.count("pending") <= 8
    assert 1 <= payments.count("failed") <= 4
    incomplete = [o for o in firsts if not (o["city"] and o["address"] and o["phone"])]
    assert 2 <= len(incomplete) <= 5
    unknown = {row["order_no"] for row in read_rows(files.orders)[1] if row["sku"] not in products}
    assert 1 <= len(unknown) <= 4


def test_rows_of_one_order_agree_and_quantities_are_positive(files: DemoFiles) -> None:
    for rows in orders_by_number(files.orders).values():
        first = {name: rows[0][name] for name in ORDER_HEADER_FIELDS}
        for row in rows:
            assert {name: row[name] for name in ORDER_HEADER_FIELDS} == first
            assert row["qty"].isdigit() and int(row["qty"]) > 0
            assert row["sku"]
        assert len({row["sku"] for row in rows}) == len(rows)


def test_some_orders_cannot_be_filled(files: DemoFiles) -> None:
    stock = {p["sku"]: int(p["on_hand"]) for p in read_rows(files.products)[1]}
    short = [
        row
        for row in read_rows(files.orders)[1]
        if row["sku"] in stock and int(row["qty"]) > stock[row["sku"]]
    ]
    assert len({row["order_no"] for row in short}) >= 3


def test_notes_survive_csv_quoting(files: DemoFiles) -> None:
    notes = [row["note"] for row in read_rows(files.orders)[1] if row["note"]]
    assert notes
    assert any("," in note for note in notes)
    assert any(HAN.search(note) for note in notes)


def test_gs1_128_example_is_a_catalog_product_with_batch_and_expiry(files: DemoFiles) -> None:
    catalog = {
        gtin14(code): p["sku"]
        for p in read_rows(files.products)[1]
        for code in p["barcodes"].split("|")
    }
    scans = scan_lines(files.scan_sheet)
    machine = [scan for scan in scans if scan.startswith("]C1")]
    assert machine
    for scan in machine:
        assert "\x1d" in scan
        result = biip.parse(scan)
        assert result.gs1_message is not None
        elements = {e.ai.ai: e for e in result.gs1_message.element_strings}
        assert elements["01"].value in catalog
        assert elements["10"].value
        expiry = elements["17"].date
        assert expiry is not None and expiry > NOW.date()
        hri = result.gs1_message.as_hri()
        assert hri in scans


def test_scan_sheet_has_the_usual_codes(files: DemoFiles) -> None:
    scans = scan_lines(files.scan_sheet)
    assert 25 <= len(scans) <= 40
    locations = {row["code"] for row in read_rows(files.locations)[1]}
    catalog = {
        gtin14(code) for p in read_rows(files.products)[1] for code in p["barcodes"].split("|")
    }
    bins = [s[2:] for s in scans if s.startswith("L:")]
    assert sum(b in locations for b in bins) >= 3
    assert any(re.fullmatch(r"T:\d{4}", s) for s in scans)
    assert {f"U:{name}" for name, _ in DEMO_USERS} <= set(scans)
    ean13 = [s for s in scans if s.isdigit() and len(s) == 13]
    assert sum(gtin14(s) in catalog for s in ean13 if valid(s)) >= 3
    upca = [s for s in scans if s.isdigit() and len(s) == 12]
    assert any(gtin14(s) in catalog for s in upca)


def valid(code: str) -> bool:
    try:
        biip.gtin.Gtin.parse(code)
    except biip.ParseError:
        return False
    return True


def test_demo_users() -> None:
    assert DEMO_PIN == "1234"
    assert dict(DEMO_USERS) == {
        "li.na": "picker",
        "wang.fang": "picker",
        "zhang.wei": "picker",
        "chen.jie": "packer",
        "zhao.min": "supervisor",
        "admin": "admin",
    }


def test_deterministic_for_seed_and_now(tmp_path: Path) -> None:
    first = write_demo_files(tmp_path / "one", NOW)
    second = write_demo_files(tmp_path / "two", NOW)
    other = write_demo_files(tmp_path / "three", NOW, seed=8)
    for name in ("products", "locations", "orders", "scan_sheet"):
        assert getattr(first, name).read_bytes() == getattr(second, name).read_bytes()
    assert first.orders.read_bytes() != other.orders.read_bytes()


def test_times_follow_now(tmp_path: Path) -> None:
    earlier = write_demo_files(tmp_path / "a", NOW)
    later = write_demo_files(tmp_path / "b", NOW + timedelta(days=30))
    a = [datetime.fromisoformat(r["placed_at"]) for r in read_rows(earlier.orders)[1]]
    b = [datetime.fromisoformat(r["placed_at"]) for r in read_rows(later.orders)[1]]
    assert [t + timedelta(days=30) for t in a] == b
    assert earlier.products.read_bytes() == later.products.read_bytes()


def test_naive_now_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_demo_files(tmp_path, datetime(2026, 11, 22, 6, 30))


@pytest.mark.parametrize("seed", [1, 2, 3, 99])
def test_other_seeds_keep_the_invariants(tmp_path: Path, seed: int) -> None:
    files = write_demo_files(tmp_path, NOW, seed=seed)
    test_every_barcode_is_a_valid_gtin_and_none_is_shared(files)
    test_locations_cover_every_bin_with_a_serpentine_walk(files)
    test_rows_of_one_order_agree_and_quantities_are_positive(files)
    test_broken_orders_are_present_but_well_formed(files)
    test_gs1_128_example_is_a_catalog_product_with_batch_and_expiry(files)
    test_order_times_and_sla_states(files)
