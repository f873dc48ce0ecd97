"""Hostile order and product files: times out of any sane window, JSON that breaks decoders
(lone surrogates, numbers of thousands of digits, deep nesting), huge orders and fields. Every
record is drafted or rejected with its line and a reason; a file is read in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Rejected
from core.importing import (
    MAX_KEY,
    MAX_ORDER_LINES,
    MAX_QTY,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    order_time_window,
    parse_orders,
    parse_products,
)
from core.model import OrderDraft

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def order(order_no: str = "J1", **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "order_no": order_no,
        "placed_at": "2026-11-21T09:00:00+08:00",
        "customer_name": "张三",
        "lines": [{"sku": "SKU-1", "qty": 1}],
    }
    record.update(changes)
    return record


def rows_csv(rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in ORDER_COLUMNS])
    return out.getvalue().encode()


def row(order_no: str = "C1", **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "order_no": order_no,
        "placed_at": "2026-11-21T09:00:00+08:00",
        "sku": "SKU-1",
        "qty": "1",
    }
    values.update(changes)
    return values


def by_key(drafts: list[OrderDraft]) -> dict[str, OrderDraft]:
    return {draft.order_no: draft for draft in drafts}


# -- times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placed_at", "words"),
    [
        ("0001-01-01T00:00:00+08:00", "before 2000-01-01"),
        ("0001-01-01T00:30:00+14:00", "before 2000-01-01"),
        ("1970-01-01T00:00:00Z", "before 2000-01-01"),
        ("1999-12-31T23:59:59Z", "before 2000-01-01"),
        ("9999-12-31T23:00:00-08:00", "in the future"),
        ("9999-12-31T15:00Z", "in the future"),
        ("9999-12-31T23:59:59", "in the future"),
        ("2026-11-22T06:00:01Z", "in the future"),  # a day and a second after NOW
        ("2027-01-01T00:00:00+08:00", "in the future"),
    ],
)
@pytest.mark.parametrize("name", ["o.csv", "o.json", "o.jsonl"])
def test_order_times_outside_the_window_reject_the_order(
    placed_at: str, words: str, name: str
) -> None:
    good = order("GOOD")
    bad = order("BAD", placed_at=placed_at)
    if name == "o.csv":
        content = rows_csv([row("GOOD"), row("BAD", placed_at=placed_at)])
    elif name == "o.json":
        content = json.dumps([good, bad], indent=1).encode()
    else:
        content = "\n".join(json.dumps(record) for record in (good, bad)).encode()
    parsed = parse_orders(content, name, now=NOW)
    assert list(by_key(parsed.drafts)) == ["GOOD"]
    [rejection] = parsed.rejected
    assert rejection.key == "BAD" and words in rejection.reason and "placed_at" in rejection.reason
    if name != "o.json":
        assert rejection.line == (3 if name == "o.csv" else 2)


def test_times_inside_the_window_are_kept() -> None:
    content = rows_csv(
        [
            row("OLD", placed_at="2000-01-01T00:00:00Z"),
            row("SOON", placed_at="2026-11-22T05:59:00Z"),  # clock skew: a day ahead at most
            row("LOCAL", placed_at="2026-11-21 23:00"),
        ]
    )
    parsed = parse_orders(content, "o.csv", now=NOW)
    assert parsed.rejected == []
    assert by_key(parsed.drafts)["OLD"].placed_at == datetime(2000, 1, 1, tzinfo=UTC)


def test_without_a_clock_the_window_still_ends() -> None:
    earliest, latest = order_time_window(None)
    assert earliest.year == 2000 and latest.year == 2100
    parsed = parse_orders(rows_csv([row(placed_at="9999-12-31T15:00Z")]), "o.csv")
    assert parsed.drafts == [] and "in the future" in parsed.rejected[0].reason


OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.one_of(st.none(), OFFSETS)), st.sampled_from(["T", " "]))
def test_any_time_is_drafted_inside_the_window_or_rejected(moment: datetime, sep: str) -> None:
    text = moment.isoformat(sep=sep)
    parsed = parse_orders(rows_csv([row(placed_at=text)]), "o.csv", now=NOW)
    earliest, latest = order_time_window(NOW)
    if parsed.drafts:
        placed = parsed.drafts[0].placed_at
        assert earliest <= placed < latest
        # What the store does with it works: UTC text and the SLA's ship-by time.
        assert placed.astimezone(UTC) + timedelta(days=60)
    else:
        [rejection] = parsed.rejected
        assert rejection.line == 2 and "placed_at" in rejection.reason


# -- JSON that breaks decoders ------------------------------------------------------------------


def _json_file(records: list[str], name: str) -> bytes:
    if name.endswith(".jsonl"):
        return "\n".join(records).encode()
    return ("[\n" + ",\n".join(records) + "\n]").encode()


HOSTILE_RECORDS = {
    "surrogate name": '{"order_no": "X", "placed_at": "2026-11-21T09:00", "customer_name":'
    ' "\\ud800", "lines": [{"sku": "A", "qty": 1}]}',
    "surrogate sku": '{"order_no": "X", "placed_at": "2026-11-21T09:00",'
    ' "lines": [{"sku": "A\\udfff", "qty": 1}]}',
    "huge qty": '{"order_no": "X", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A",'
    ' "qty": ' + "9" * 5001 + "}]}",
    "huge phone": '{"order_no": "X", "placed_at": "2026-11-21T09:00", "phone": '
    + "1" * 5001
    + ', "lines": [{"sku": "A", "qty": 1}]}',
    "huge order number": '{"order_no": ' + "7" * 5001 + ', "placed_at": "2026-11-21T09:00",'
    ' "lines": [{"sku": "A", "qty": 1}]}',
    "deep field": '{"order_no": "X", "placed_at": "2026-11-21T09:00", "note": '
    + "[" * 100_000
    + "]" * 100_000
    + ', "lines": [{"sku": "A", "qty": 1}]}',
    "deep record": "[" * 100_000 + "]" * 100_000,
    "deep object": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "not an object": '"X"',
}


@pytest.mark.parametrize("what", list(HOSTILE_RECORDS))
@pytest.mark.parametrize("name", ["o.json", "o.jsonl"])
def test_hostile_json_rejects_only_its_record(what: str, name: str) -> None:
    good = json.dumps(order("GOOD-1"))
    after = json.dumps(order("GOOD-2"))
    parsed = parse_orders(_json_file([good, HOSTILE_RECORDS[what], after], name), name)
    assert sorted(by_key(parsed.drafts)) == ["GOOD-1", "GOOD-2"]
    [rejection] = parsed.rejected
    assert rejection.line == (3 if name == "o.json" else 2) and rejection.reason
    assert len(rejection.key) <= MAX_KEY and len(rejection.reason) < 300


def test_a_deep_string_with_brackets_is_only_text() -> None:
    note = "[[[{{{" * 1000 + '"]]'
    tricky = order("T", customer_name='a\\"]}', lines=[{"sku": "A", "qty": 1, "note": note}])
    parsed = parse_orders(json.dumps([tricky, order("U")]).encode(), "o.json")
    assert "U" in by_key(parsed.drafts)
    assert [r.key for r in parsed.rejected] == ["T"]  # the note is too long, nothing else


def test_a_broken_json_file_is_refused_whole_naming_the_line() -> None:
    records = [json.dumps(order(f"J{n}")) for n in range(5)]
    text = "[\n" + ",\n".join(records) + ",\n{broken\n]"
    with pytest.raises(Rejected, match="line 7"):
        parse_orders(text.encode(), "o.json")


# The same kinds, nested just past what the decoder recurses into (quicker to generate).
LIGHTER = [
    text.replace("[" * 100_000, "[" * 3000)
    .replace("]" * 100_000, "]" * 3000)
    .replace('{"a":' * 50_000, '{"a":' * 3000)
    .replace("}" * 50_000, "}" * 3000)
    for text in HOSTILE_RECORDS.values()
]


def _order_no(text: str) -> str | None:
    try:
        value = json.loads(text, parse_int=str)
    except (RecursionError, ValueError):
        return None
    key = value.get("order_no") if isinstance(value, dict) else None
    return key if isinstance(key, str) else None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.builds(lambda n: json.dumps(order(f"OK{n}")), st.integers(0, 10**6)),
            st.sampled_from(LIGHTER),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["o.json", "o.jsonl"]),
)
def test_every_json_record_is_drafted_or_rejected(records: list[str], name: str) -> None:
    parsed = parse_orders(_json_file(records, name), name)
    lines = {draft.source_line for draft in parsed.drafts} | {r.line for r in parsed.rejected}
    first_lines = [index + (2 if name == "o.json" else 1) for index in range(len(records))]
    keys = [_order_no(text) for text in records]
    repeated = {key for key in keys if key is not None and keys.count(key) > 1}
    for index, key in enumerate(keys):
        if key in repeated and keys.index(key) != index:
            continue  # one rejection names every line of a repeated order number
        assert first_lines[index] in lines, (index, records[index][:60])


# -- sizes -----------------------------------------------------------------------------------------


def test_identical_rows_merge_into_one_line() -> None:
    rows = [row("BIG", sku="SKU-1", qty="2")] * 600 + [row("BIG", sku="SKU-2", note="gift")]
    rows += [row("BIG", sku="SKU-1", qty="1", note="fragile")]
    parsed = parse_orders(rows_csv(rows), "o.csv")
    [draft] = parsed.drafts
    assert [(line.sku, line.qty, line.note) for line in draft.lines] == [
        ("SKU-1", 1201, "fragile"),
        ("SKU-2", 1, "gift"),
    ]


def test_two_hundred_thousand_identical_lines_are_one_line_over_the_unit_limit() -> None:
    lines = [{"sku": "SKU-1", "qty": 1}] * 200_000
    parsed = parse_orders(json.dumps([order("HUGE", lines=lines), order("OK")]).encode(), "o.json")
    assert list(by_key(parsed.drafts)) == ["OK"]
    [rejection] = parsed.rejected
    assert rejection.key == "HUGE" and str(MAX_QTY) in rejection.reason


def test_lines_per_order_are_limited() -> None:
    most = [row("MOST", sku=f"S-{n}") for n in range(MAX_ORDER_LINES)]
    many = [row("MANY", sku=f"S-{n}") for n in range(MAX_ORDER_LINES + 1)]
    parsed = parse_orders(rows_csv(most + many), "o.csv")
    assert len(by_key(parsed.drafts)["MOST"].lines) == MAX_ORDER_LINES
    [rejection] = parsed.rejected
    assert rejection.key == "MANY" and f"more than {MAX_ORDER_LINES}" in rejection.reason
    assert rejection.line == 2 + MAX_ORDER_LINES + MAX_ORDER_LINES  # the 501st SKU's row


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"order_no": "O" * (MAX_KEY + 1)}, "order_no is longer"),
        ({"sku": "S" * (MAX_KEY + 1)}, "sku is longer"),
        ({"address": "路" * 501}, "address is longer"),
        ({"qty": str(MAX_QTY + 1)}, "more than"),
    ],
)
def test_field_limits(changes: dict[str, str], words: str) -> None:
    parsed = parse_orders(rows_csv([row("A"), {**row("B"), **changes}]), "o.csv")
    assert list(by_key(parsed.drafts)) == ["A"]
    assert words in parsed.rejected[0].reason


def test_rows_of_an_order_apart_in_the_file_reject_it_whole() -> None:
    parsed = parse_orders(rows_csv([row("A"), row("B"), row("A", sku="SKU-2")]), "o.csv")
    assert list(by_key(parsed.drafts)) == ["B"]
    [rejection] = parsed.rejected
    assert (rejection.line, rejection.key) == (2, "A") and "2, 4" in rejection.reason


def test_product_limits() -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PRODUCT_COLUMNS)
    writer.writerow(["OK", "Mug", "MUG-1", "A-01", "1", "0", "0"])
    writer.writerow(["S" * (MAX_KEY + 1), "Mug", "", "", "1", "0", "0"])
    writer.writerow(["BARS", "Mug", "|".join(f"CODE-{n}" for n in range(21)), "", "1", "0", "0"])
    writer.writerow(["BIN", "Mug", "", "A" * (MAX_KEY + 1), "1", "0", "0"])
    writer.writerow(["NUM", "Mug", "", "", "9" * 5001, "0", "0"])
    parsed = parse_products(out.getvalue().encode(), "p.csv")
    assert [draft.sku for draft in parsed.drafts] == ["OK"]
    assert [r.line for r in parsed.rejected] == [3, 4, 5, 6]
    assert all(len(r.reason) < 200 for r in parsed.rejected)


@pytest.mark.parametrize("what", ["surrogate", "deep", "huge number"])
def test_hostile_json_products_reject_only_their_record(what: str) -> None:
    value = {
        "surrogate": '"\\ud800"',
        "deep": "[" * 100_000 + "]" * 100_000,
        "huge number": "9" * 5001,
    }[what]
    good = '{"sku": "OK", "name": "Mug", "barcodes": [], "on_hand": 1}'
    bad = '{"sku": "BAD", "name": ' + value + ', "barcodes": [], "on_hand": 1}'
    parsed = parse_products(f"[{good},\n{bad}]".encode(), "p.json")
    assert [draft.sku for draft in parsed.drafts] == ["OK"]
    [rejection] = parsed.rejected
    assert rejection.line == 2 and rejection.key in ("BAD", "")  # too deep to read its SKU


# -- streaming -------------------------------------------------------------------------------------


def _write_orders(path: Path, orders: int, name: str) -> None:
    note = "文三路 1 号 " * 30
    with path.open("w", encoding="utf-8", newline="") as file:
        if name.endswith(".csv"):
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(ORDER_COLUMNS)
            for n in range(orders):
                for sku in ("SKU-1", "SKU-2", "SKU-3"):
                    values = row(f"SO{n:07d}", sku=sku, note=note)
                    writer.writerow([values.get(column, "") for column in ORDER_COLUMNS])
        else:
            file.write("[\n")
            for n in range(orders):
                lines = [{"sku": f"SKU-{k}", "qty": 1, "note": note} for k in range(3)]
                record = order(f"SO{n:07d}", lines=lines)
                file.write(("" if n == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
            file.write("\n]\n")


def _peak_while_reading(path: Path) -> tuple[int, int]:
    """Peak traced memory while every draft of ``path`` is read (and dropped), and how many."""
    from core.importing import read_orders

    tracemalloc.start()
    try:
        count = 0
        for item in read_orders(lambda: path.open("rb"), path.name):
            count += 1
            del item
        return tracemalloc.get_traced_memory()[1], count
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["orders.csv", "orders.json"])
def test_memory_does_not_grow_with_the_file(tmp_path: Path, name: str) -> None:
    small, large = tmp_path / f"small-{name}", tmp_path / f"large-{name}"
    _write_orders(small, 800, name)
    _write_orders(large, 3_200, name)
    assert large.stat().st_size > 5_000_000
    small_peak, small_count = _peak_while_reading(small)
    large_peak, large_count = _peak_while_reading(large)
    assert (small_count, large_count) == (800, 3_200)
    # Four times the file: the peak grows by at most one read window (while the first reads
    # settle) and the order numbers kept to find repeats (about 100-170 bytes each), not with
    # the file, which was read whole (and held about 15 times over) before.
    growth = large_peak - small_peak
    assert growth < 1_000_000 + 200 * (3_200 - 800), (small_peak, large_peak)
    assert large_peak < large.stat().st_size, (large_peak, large.stat().st_size)


def test_a_record_over_the_size_limit_refuses_the_file_naming_its_line() -> None:
    from core.importing import MAX_RECORD

    huge = '{"order_no": "H", "note": "' + "x" * (MAX_RECORD + 10) + '"}'
    content = ("[\n" + json.dumps(order("A")) + ",\n" + huge + "\n]").encode()
    with pytest.raises(Rejected, match=r"o\.json line 3: a record longer than"):
        parse_orders(content, "o.json")
    with pytest.raises(Rejected, match=r"o\.jsonl line 2: a record longer than"):
        parse_orders((json.dumps(order("A")) + "\n" + huge + "\n").encode(), "o.jsonl")


def test_a_syntax_error_is_named_at_once_in_a_large_file() -> None:
    records = [json.dumps(order(f"J{n}")) for n in range(20_000)]
    content = ('[\n{"order_no": "A", x},\n' + ",\n".join(records) + "\n]").encode()
    with pytest.raises(Rejected, match="line 2: not valid JSON"):
        parse_orders(content, "o.json")


@pytest.mark.parametrize("depth", [9, 400, 700, 960, 990])
def test_nesting_at_any_depth_below_the_decoders_rejects_only_its_record(depth: int) -> None:
    # Deep enough to matter to any code that walks the record recursively, shallow enough for
    # the decoder: the check must not recurse itself.
    junk = "[" * depth + "]" * depth
    record = (
        '{"order_no": "X", "placed_at": "2026-11-21T09:00", "junk": '
        + junk
        + ', "lines": [{"sku": "A", "qty": 1}]}'
    )
    for name in ("o.json", "o.jsonl"):
        text = (
            f"[{json.dumps(order('OK'))},\n{record}]"
            if name == "o.json"
            else (json.dumps(order("OK")) + "\n" + record)
        )
        parsed = parse_orders(text.encode(), name)
        assert list(by_key(parsed.drafts)) == ["OK"]
        assert [r.line for r in parsed.rejected] == [2]
    product_record = '{"sku": "P", "name": "n", "on_hand": 1, "junk": ' + junk + "}"
    parsed_products = parse_products(f"[{product_record}]".encode(), "p.json")
    assert parsed_products.drafts == [] and len(parsed_products.rejected) == 1
