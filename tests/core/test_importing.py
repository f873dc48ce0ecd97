"""Reading order, catalog and bin files: whole records refused with their line and a reason."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Rejected
from core.importing import (
    LOCATION_COLUMNS,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    file_format,
    parse_locations,
    parse_orders,
    parse_products,
)
from core.model import OrderDraft, PaymentStatus, Priority

CST = timezone(timedelta(hours=8))

ORDER = {
    "order_no": "SO1",
    "channel": "tmall",
    "placed_at": "2026-11-21T14:30:00+08:00",
    "priority": "rush",
    "payment_status": "paid",
    "customer_name": "张三",
    "phone": "13800138000",
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "文三路 1 号",
    "postcode": "310000",
    "sku": "SKU-1",
    "qty": "1",
    "note": "",
}


def row(**changes: str) -> dict[str, str]:
    return {**ORDER, **changes}


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = ORDER_COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for values in rows:
        writer.writerow({name: values.get(name, "") for name in columns})
    return buffer.getvalue().encode()


def by_no(drafts: list[OrderDraft]) -> dict[str, OrderDraft]:
    return {draft.order_no: draft for draft in drafts}


def rejected_keys(parsed: object) -> list[str]:
    return [r.key for r in parsed.rejected]  # type: ignore[attr-defined]


# -- file types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("orders.csv", "csv"),
        ("ORDERS.CSV", "csv"),
        ("orders.json", "json"),
        ("orders.jsonl", "jsonl"),
        ("a.b.JSONL", "jsonl"),
    ],
)
def test_file_format_from_name(name: str, fmt: str) -> None:
    assert file_format(name) == fmt


@pytest.mark.parametrize("name", ["orders.txt", "orders", "orders.csv.txt", "orders.xlsx", "csv"])
def test_file_format_refuses_other_types(name: str) -> None:
    with pytest.raises(Rejected, match="unknown file type"):
        file_format(name)


def test_parse_orders_refuses_a_txt_file() -> None:
    with pytest.raises(Rejected):
        parse_orders(to_csv([row()]), "orders.txt")


def test_empty_csv_is_rejected() -> None:
    with pytest.raises(Rejected, match="empty"):
        parse_orders(b"", "orders.csv")


# -- valid orders ------------------------------------------------------------------------------


def test_csv_orders_with_several_lines() -> None:
    content = to_csv(
        [
            row(order_no="SO1", sku="SKU-1", qty="2"),
            row(order_no="SO1", sku="SKU-2", qty="1", note="gift wrap"),
            row(order_no="SO2", sku="SKU-3", qty="5", priority="deferred"),
        ]
    )
    parsed = parse_orders(content, "orders.csv")
    assert parsed.rejected == []
    orders = by_no(parsed.drafts)
    assert list(orders) == ["SO1", "SO2"]
    so1 = orders["SO1"]
    assert [(line.sku, line.qty, line.note) for line in so1.lines] == [
        ("SKU-1", 2, ""),
        ("SKU-2", 1, "gift wrap"),
    ]
    assert so1.priority is Priority.RUSH
    assert so1.payment_status is PaymentStatus.PAID
    assert so1.placed_at == datetime(2026, 11, 21, 14, 30, tzinfo=CST)
    assert (so1.customer_name, so1.province, so1.city, so1.address) == (
        "张三",
        "浙江省",
        "杭州市",
        "文三路 1 号",
    )
    assert so1.source_line == 2
    assert orders["SO2"].source_line == 4
    assert orders["SO2"].priority is Priority.DEFERRED


def test_json_array_orders() -> None:
    records = [
        {
            "order_no": "J1",
            "placed_at": "2026-11-21T09:00:00+08:00",
            "priority": "RUSH",
            "payment_status": "paid",
            "customer_name": "李四",
            "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": "3", "note": "x"}],
        },
        {"order_no": 42, "placed_at": "2026-11-21 10:00", "lines": [{"sku": "C", "qty": 1}]},
    ]
    text = json.dumps(records, ensure_ascii=False, indent=2)
    parsed = parse_orders(text.encode(), "orders.json")
    assert parsed.rejected == []
    orders = by_no(parsed.drafts)
    assert [(line.sku, line.qty, line.note) for line in orders["J1"].lines] == [
        ("A", 2, ""),
        ("B", 3, "x"),
    ]
    assert orders["J1"].priority is Priority.RUSH
    assert orders["J1"].source_line == 2
    assert orders["42"].lines[0].sku == "C"
    lines = text.splitlines()
    assert lines[orders["42"].source_line - 1].strip() == "{"
    assert orders["42"].source_line > orders["J1"].source_line


def test_jsonl_orders_know_their_lines() -> None:
    text = "\n".join(
        [
            json.dumps(
                {
                    "order_no": "L1",
                    "placed_at": "2026-11-21T09:00",
                    "lines": [{"sku": "A", "qty": 1}],
                }
            ),
            "",
            json.dumps(
                {
                    "order_no": "L2",
                    "placed_at": "2026-11-21T09:00",
                    "lines": [{"sku": "B", "qty": 0}],
                }
            ),
        ]
    )
    parsed = parse_orders(text.encode(), "orders.jsonl")
    assert [d.order_no for d in parsed.drafts] == ["L1"]
    assert parsed.drafts[0].source_line == 1
    assert [(r.line, r.key) for r in parsed.rejected] == [(3, "L2")]
    assert "qty" in parsed.rejected[0].reason


def test_jsonl_string_with_unicode_line_separator_is_one_record() -> None:
    # U+2028 / U+0085 may stand unescaped inside a JSON string; they do not end a JSONL line.
    text = "\n".join(
        json.dumps(
            {
                "order_no": f"L{n}",
                "placed_at": "2026-11-21T09:00",
                "lines": [{"sku": "A", "qty": 1, "note": f"leave at door{sep}call first"}],
            },
            ensure_ascii=False,
        )
        for n, sep in enumerate(["\u2028", "\x85"], start=1)
    )
    parsed = parse_orders(text.encode(), "orders.jsonl")
    assert parsed.rejected == []
    assert [d.order_no for d in parsed.drafts] == ["L1", "L2"]
    assert [d.source_line for d in parsed.drafts] == [1, 2]


def test_defaults_priority_payment_country() -> None:
    content = to_csv(
        [row(priority="", payment_status="", country="")],
    )
    draft = parse_orders(content, "orders.csv").drafts[0]
    assert draft.priority is Priority.STANDARD
    assert draft.payment_status is PaymentStatus.PENDING
    assert draft.country == "CN"


def test_defaults_when_optional_columns_are_absent() -> None:
    content = b"order_no,placed_at,sku,qty\nSO1,2026-11-21 14:30,SKU-1,3\n"
    parsed = parse_orders(content, "orders.csv")
    assert parsed.rejected == []
    draft = parsed.drafts[0]
    assert draft.priority is Priority.STANDARD
    assert draft.payment_status is PaymentStatus.PENDING
    assert draft.lines[0].qty == 3
    assert draft.lines[0].note == ""


def test_json_defaults() -> None:
    text = json.dumps(
        [{"order_no": "J", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]}]
    )
    draft = parse_orders(text.encode(), "o.json").drafts[0]
    assert draft.priority is Priority.STANDARD
    assert draft.payment_status is PaymentStatus.PENDING


@pytest.mark.parametrize(
    ("placed_at", "expected"),
    [
        ("2026-11-21T14:30:00", datetime(2026, 11, 21, 14, 30, tzinfo=CST)),
        ("2026-11-21 14:30", datetime(2026, 11, 21, 14, 30, tzinfo=CST)),
        ("2026-11-21T06:30:00Z", datetime(2026, 11, 21, 6, 30, tzinfo=UTC)),
        ("2026-11-21T14:30:00+09:00", datetime(2026, 11, 21, 5, 30, tzinfo=UTC)),
    ],
)
def test_placed_at_naive_gets_china_time(placed_at: str, expected: datetime) -> None:
    draft = parse_orders(to_csv([row(placed_at=placed_at)]), "o.csv").drafts[0]
    assert draft.placed_at == expected
    assert draft.placed_at.utcoffset() is not None


def test_naive_placed_at_is_plus_eight() -> None:
    draft = parse_orders(to_csv([row(placed_at="2026-11-21T14:30:00")]), "o.csv").drafts[0]
    assert draft.placed_at.utcoffset() == timedelta(hours=8)


def test_quoted_notes_with_commas_and_newlines_keep_line_numbers() -> None:
    content = to_csv(
        [
            row(order_no="SO1", note="ring twice, then knock"),
            row(order_no="SO2", note="line one\nline two, with comma\nline three"),
            row(order_no="SO3", qty="0"),
            row(order_no="SO4", note='say "hello"'),
        ]
    )
    parsed = parse_orders(content, "o.csv")
    orders = by_no(parsed.drafts)
    assert orders["SO1"].lines[0].note == "ring twice, then knock"
    assert orders["SO2"].lines[0].note == "line one\nline two, with comma\nline three"
    assert orders["SO4"].lines[0].note == 'say "hello"'
    # header 1, SO1 2, SO2 3..5, SO3 6, SO4 7
    assert orders["SO2"].source_line == 3
    assert [(r.line, r.key) for r in parsed.rejected] == [(6, "SO3")]
    assert orders["SO4"].source_line == 7


def test_crlf_line_endings_and_blank_lines_keep_line_numbers() -> None:
    lines = to_csv([row(order_no="SO1"), row(order_no="SO2", qty="x")]).decode().splitlines()
    content = "\r\n".join([lines[0], lines[1], "", lines[2]]) + "\r\n"
    parsed = parse_orders(content.encode(), "o.csv")
    assert [d.order_no for d in parsed.drafts] == ["SO1"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(4, "SO2")]


def test_byte_order_mark_is_ignored() -> None:
    parsed = parse_orders(b"\xef\xbb\xbf" + to_csv([row()]), "o.csv")
    assert [d.order_no for d in parsed.drafts] == ["SO1"]


def test_header_names_are_case_and_space_insensitive() -> None:
    content = b" Order_No ,PLACED_AT,Sku,QTY\nSO1,2026-11-21 14:30,A,1\n"
    assert [d.order_no for d in parse_orders(content, "o.csv").drafts] == ["SO1"]


def test_rows_agreeing_on_the_same_instant_are_one_order() -> None:
    content = to_csv(
        [
            row(placed_at="2026-11-21T14:30:00+08:00", sku="A", priority="rush"),
            row(placed_at="2026-11-21 14:30", sku="B", priority="RUSH"),
            row(placed_at="2026-11-21T06:30:00Z", sku="C", priority=" rush "),
        ]
    )
    parsed = parse_orders(content, "o.csv")
    assert parsed.rejected == []
    assert [line.sku for line in parsed.drafts[0].lines] == ["A", "B", "C"]


# -- malformed orders: the whole order goes, others stay ---------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("qty", "0", "positive"),
        ("qty", "-1", "positive"),
        ("qty", "1.5", "whole number"),
        ("qty", "abc", "whole number"),
        ("qty", "", "qty"),
        ("qty", "100001", "qty"),
        ("sku", "", "sku"),
        ("placed_at", "yesterday", "placed_at"),
        ("placed_at", "2026-13-40", "placed_at"),
        ("placed_at", "", "placed_at"),
        ("priority", "urgent", "priority"),
        ("payment_status", "refunded", "payment_status"),
    ],
)
def test_bad_field_rejects_the_whole_order_at_its_line(field: str, value: str, words: str) -> None:
    content = to_csv(
        [
            row(order_no="SO0"),
            row(order_no="SO1", sku="A"),
            row(**{"order_no": "SO1", "sku": "B", field: value}),
            row(order_no="SO2"),
        ]
    )
    parsed = parse_orders(content, "o.csv")
    assert sorted(by_no(parsed.drafts)) == ["SO0", "SO2"]
    assert len(parsed.rejected) == 1
    rejection = parsed.rejected[0]
    assert (rejection.line, rejection.key) == (4, "SO1")
    assert words in rejection.reason


def test_bad_field_on_first_row_names_that_row() -> None:
    content = to_csv([row(order_no="SO1", qty="0"), row(order_no="SO1", sku="B")])
    parsed = parse_orders(content, "o.csv")
    assert parsed.drafts == []
    assert [(r.line, r.key) for r in parsed.rejected] == [(2, "SO1")]


def test_missing_order_no() -> None:
    content = to_csv([row(order_no="SO1"), row(order_no="  "), row(order_no="SO2")])
    parsed = parse_orders(content, "o.csv")
    assert sorted(by_no(parsed.drafts)) == ["SO1", "SO2"]
    assert len(parsed.rejected) == 1
    assert parsed.rejected[0].line == 3
    assert "order_no" in parsed.rejected[0].reason


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_name", "王五"),
        ("placed_at", "2026-11-21T15:30:00+08:00"),
        ("priority", "deferred"),
        ("payment_status", "pending"),
        ("address", "另一条路 9 号"),
        ("phone", "13900139000"),
        ("channel", "jd"),
    ],
)
def test_rows_disagreeing_on_a_header_field(field: str, value: str) -> None:
    content = to_csv(
        [
            row(order_no="SO0"),
            row(order_no="SO1", sku="A"),
            row(order_no="SO1", sku="B"),
            row(**{"order_no": "SO1", "sku": "C", field: value}),
            row(order_no="SO2"),
        ]
    )
    parsed = parse_orders(content, "o.csv")
    assert sorted(by_no(parsed.drafts)) == ["SO0", "SO2"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(5, "SO1")]
    assert field in parsed.rejected[0].reason
    assert "line 3" in parsed.rejected[0].reason


def test_undecodable_bytes_reject_only_that_order() -> None:
    good = to_csv([row(order_no="SO1"), row(order_no="SO2"), row(order_no="SO3")])
    content = good.replace(b"SO2,tmall", b"SO2,tm\xffall")
    assert content != good
    parsed = parse_orders(content, "o.csv")
    assert sorted(by_no(parsed.drafts)) == ["SO1", "SO3"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(3, "SO2")]
    assert "UTF-8" in parsed.rejected[0].reason


def test_undecodable_bytes_in_a_note() -> None:
    good = to_csv([row(order_no="SO1", note="NOTE"), row(order_no="SO2")])
    content = good.replace(b"NOTE", b"\xff\xfe")
    parsed = parse_orders(content, "o.csv")
    assert [d.order_no for d in parsed.drafts] == ["SO2"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(2, "SO1")]


def test_undecodable_bytes_in_json_reject_only_that_order() -> None:
    records = [
        {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]},
        {"order_no": "J2", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "BAD", "qty": 1}]},
    ]
    content = json.dumps(records, indent=1).encode().replace(b"BAD", b"B\xffD")
    parsed = parse_orders(content, "o.json")
    assert [d.order_no for d in parsed.drafts] == ["J1"]
    assert rejected_keys(parsed) == ["J2"]


def test_unquoted_comma_gives_too_many_cells() -> None:
    text = to_csv([row(order_no="SO1"), row(order_no="SO2", address="ADDR")]).decode()
    text = text.replace("ADDR", "Road 1, Building 2")
    parsed = parse_orders(text.encode(), "o.csv")
    assert [d.order_no for d in parsed.drafts] == ["SO1"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(3, "SO2")]
    assert "more cells" in parsed.rejected[0].reason


@pytest.mark.parametrize("missing", ["order_no", "placed_at", "sku", "qty"])
def test_csv_missing_required_column_rejects_the_file(missing: str) -> None:
    columns = tuple(name for name in ORDER_COLUMNS if name != missing)
    with pytest.raises(Rejected) as caught:
        parse_orders(to_csv([row()], columns), "orders.csv")
    message = str(caught.value)
    assert missing in message
    assert "line 1" in message
    assert "orders.csv" in message


def test_json_syntax_error_names_the_line() -> None:
    text = '[\n  {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": []},\n  {"order_no": "J2",,}\n]'
    with pytest.raises(Rejected, match="line 3"):
        parse_orders(text.encode(), "orders.json")


def test_jsonl_syntax_error_names_the_line() -> None:
    text = '{"order_no": "A", "lines": []}\n{"order_no": "B", "lines": []}\n{oops}\n'
    with pytest.raises(Rejected, match="line 3"):
        parse_orders(text.encode(), "orders.jsonl")


def test_json_trailing_garbage_is_a_syntax_error() -> None:
    records = [
        {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]}
    ]
    text = json.dumps(records) + "\n]{ truncated"
    with pytest.raises(Rejected):
        parse_orders(text.encode(), "orders.json")


def test_json_not_an_array_is_rejected() -> None:
    with pytest.raises(Rejected, match="array"):
        parse_orders(b'{"order_no": "J1"}', "orders.json")


def test_json_empty_array_gives_nothing() -> None:
    parsed = parse_orders(b"  [ ]  ", "orders.json")
    assert parsed.drafts == [] and parsed.rejected == []


def test_json_record_not_an_object_is_rejected_at_its_line() -> None:
    text = '[\n  {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]},\n  "J2"\n]'
    parsed = parse_orders(text.encode(), "orders.json")
    assert [draft.order_no for draft in parsed.drafts] == ["J1"]
    assert [(r.line, r.reason) for r in parsed.rejected] == [(3, "expected an object")]


def test_jsonl_record_not_an_object_is_rejected_at_its_line() -> None:
    text = '{"order_no": "A", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]}\n[1, 2]\n'
    parsed = parse_orders(text.encode(), "orders.jsonl")
    assert [draft.order_no for draft in parsed.drafts] == ["A"]
    assert [(r.line, r.reason) for r in parsed.rejected] == [(2, "expected an object")]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (None, "lines"),
        ([], "lines"),
        ("A x1", "lines"),
        ([{"sku": "A", "qty": 1}, "B"], "line 2"),
        ([{"sku": "A", "qty": 1.5}], "whole number"),
        ([{"sku": "A", "qty": True}], "whole number"),
        ([{"sku": "A", "qty": 0}], "positive"),
        ([{"sku": "", "qty": 1}], "sku"),
        ([{"qty": 1}], "sku"),
    ],
)
def test_json_order_with_bad_lines(lines: object, words: str) -> None:
    bad: dict[str, object] = {"order_no": "J2", "placed_at": "2026-11-21T09:00"}
    if lines is not None:
        bad["lines"] = lines
    records = [
        {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]},
        bad,
        {"order_no": "J3", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]},
    ]
    text = json.dumps(records, indent=2)
    parsed = parse_orders(text.encode(), "orders.json")
    assert sorted(by_no(parsed.drafts)) == ["J1", "J3"]
    assert rejected_keys(parsed) == ["J2"]
    line = parsed.rejected[0].line
    assert '"J2"' in "\n".join(text.splitlines()[line - 1 : line + 1])
    assert words in parsed.rejected[0].reason


def test_json_duplicate_order_no_is_rejected() -> None:
    record = {"order_no": "J1", "placed_at": "2026-11-21T09:00", "lines": [{"sku": "A", "qty": 1}]}
    text = "\n".join(json.dumps(r) for r in [record, record])
    parsed = parse_orders(text.encode(), "orders.jsonl")
    assert parsed.drafts == []
    assert [(r.line, r.key) for r in parsed.rejected] == [(1, "J1")]
    assert "2" in parsed.rejected[0].reason


def test_json_bad_header_value_rejects_the_order() -> None:
    records = [
        {"order_no": "J1", "placed_at": "soon", "lines": [{"sku": "A", "qty": 1}]},
        {
            "order_no": "J2",
            "placed_at": "2026-11-21T09:00",
            "priority": "now",
            "lines": [{"sku": "A", "qty": 1}],
        },
        {
            "order_no": "J3",
            "placed_at": "2026-11-21T09:00",
            "customer_name": ["x"],
            "lines": [{"sku": "A", "qty": 1}],
        },
    ]
    parsed = parse_orders(json.dumps(records).encode(), "orders.json")
    assert parsed.drafts == []
    assert sorted(rejected_keys(parsed)) == ["J1", "J2", "J3"]


# -- property: every order accounted for once --------------------------------------------------

INVALID = object()
T1 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

FIELD_CHOICES: dict[str, list[tuple[str, object]]] = {
    "order_no": [("A1", "A1"), ("A2", "A2"), (" A2 ", "A2"), ("B3", "B3"), ("", INVALID)],
    "placed_at": [
        ("2026-03-01T10:00:00+08:00", T1),
        ("2026-03-01 10:00", T1),
        ("2026-03-01T02:00:00Z", T1),
        ("2026-03-02T10:00", T2),
        ("not a date", INVALID),
        ("", INVALID),
    ],
    "priority": [
        ("", Priority.STANDARD),
        ("rush", Priority.RUSH),
        ("RUSH", Priority.RUSH),
        ("deferred", Priority.DEFERRED),
        ("urgent", INVALID),
    ],
    "payment_status": [
        ("", PaymentStatus.PENDING),
        ("paid", PaymentStatus.PAID),
        ("Pending", PaymentStatus.PENDING),
        ("refunded", INVALID),
    ],
    "customer_name": [("张三", "张三"), (" 张三 ", "张三"), ("Li, Wei", "Li, Wei")],
    "sku": [("S1", "S1"), ("S-2", "S-2"), ("", INVALID)],
    "qty": [
        ("1", 1),
        ("7", 7),
        (" 3 ", 3),
        ("0", INVALID),
        ("-1", INVALID),
        ("1.5", INVALID),
        ("abc", INVALID),
        ("", INVALID),
    ],
}
HEADER = ("placed_at", "priority", "payment_status", "customer_name")

rows_strategy = st.lists(
    st.tuples(
        st.fixed_dictionaries(
            {name: st.sampled_from(choices) for name, choices in FIELD_CHOICES.items()}
        ),
        st.text(alphabet='ab ,"\n中', max_size=12),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(rows_strategy)
def test_random_order_rows_are_each_drafted_or_rejected(
    rows: list[tuple[dict[str, tuple[str, object]], str]],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    starts: list[int] = []
    for fields, note in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        values = {name: text for name, (text, _) in fields.items()}
        values["note"] = note
        writer.writerow([values.get(name, "") for name in ORDER_COLUMNS])
    parsed = parse_orders(buffer.getvalue().encode(), "random.csv")

    # The model: group rows by order number; an order whose rows are apart (other orders'
    # rows between them) is rejected at its first row; otherwise the first row that is bad or
    # disagrees rejects it; rows of one SKU add up to one line.
    groups: dict[str, list[int]] = {}
    nameless: list[int] = []
    runs: dict[str, int] = {}
    previous = None
    for index, (fields, _note) in enumerate(rows):
        key = fields["order_no"][1]
        if key is INVALID:
            if any(text.strip() for text, _ in fields.values()) or _note.strip():
                nameless.append(starts[index])
        else:
            groups.setdefault(str(key), []).append(index)
            if key != previous:
                runs[str(key)] = runs.get(str(key), 0) + 1
            previous = key
    expected_rejections: dict[str, int] = {}
    expected_lines: dict[str, list[tuple[str, int]]] = {}
    for order_no, indexes in groups.items():
        if runs[order_no] > 1:
            expected_rejections[order_no] = starts[indexes[0]]
            continue
        first_header = None
        for index in indexes:
            fields = rows[index][0]
            if any(canonical is INVALID for _, canonical in fields.values()):
                expected_rejections[order_no] = starts[index]
                break
            header = tuple(fields[name][1] for name in HEADER)
            if first_header is None:
                first_header = header
            elif header != first_header:
                expected_rejections[order_no] = starts[index]
                break
        else:
            merged: dict[str, int] = {}
            for i in indexes:
                sku = str(rows[i][0]["sku"][1])
                merged[sku] = merged.get(sku, 0) + int(str(rows[i][0]["qty"][1]))
            expected_lines[order_no] = list(merged.items())

    drafted = {draft.order_no for draft in parsed.drafts}
    rejected = {r.key for r in parsed.rejected if r.key}
    assert not drafted & rejected
    assert drafted | rejected == set(groups)
    assert len(parsed.drafts) == len(drafted)
    for draft in parsed.drafts:
        assert all(line.qty > 0 for line in draft.lines)
        assert [(line.sku, line.qty) for line in draft.lines] == expected_lines[draft.order_no]
        assert draft.source_line == starts[groups[draft.order_no][0]]
    for rejection in parsed.rejected:
        assert rejection.reason
        if rejection.key:
            assert rejection.line in [starts[i] for i in groups[rejection.key]]
            assert rejection.line == expected_rejections[rejection.key]
        else:
            assert rejection.line in nameless
    assert sorted(r.line for r in parsed.rejected if not r.key) == nameless
    assert drafted == set(expected_lines)


# -- products ----------------------------------------------------------------------------------

PRODUCT = {
    "sku": "SKU-1",
    "name": "Red mug",
    "barcodes": "4006381333931",
    "location": "a-01-02",
    "on_hand": "10",
    "safety_stock": "2",
    "weight_g": "350",
}


def product(**changes: str) -> dict[str, str]:
    return {**PRODUCT, **changes}


def test_products_barcodes_split_normalised_deduplicated() -> None:
    content = to_csv(
        [product(barcodes="036000291452|0036000291452| MUG-RED |00036000291452|MUG-RED")],
        PRODUCT_COLUMNS,
    )
    parsed = parse_products(content, "catalog.csv")
    assert parsed.rejected == []
    draft = parsed.drafts[0]
    assert draft.barcodes == ("00036000291452", "MUG-RED")
    assert draft.location == "A-01-02"
    assert (draft.on_hand, draft.safety_stock, draft.weight_g) == (10, 2, 350)
    assert draft.source_line == 2


def test_products_empty_barcodes_and_defaults() -> None:
    content = to_csv(
        [product(barcodes="", safety_stock="", weight_g="", location="")], PRODUCT_COLUMNS
    )
    draft = parse_products(content, "catalog.csv").drafts[0]
    assert draft.barcodes == ()
    assert (draft.safety_stock, draft.weight_g, draft.location) == (0, 0, "")


def test_product_with_bad_check_digit_is_rejected_alone() -> None:
    content = to_csv(
        [
            product(sku="P1"),
            product(sku="P2", barcodes="MUG-2|4006381333932"),
            product(sku="P3", barcodes="96385074"),
        ],
        PRODUCT_COLUMNS,
    )
    parsed = parse_products(content, "catalog.csv")
    assert [d.sku for d in parsed.drafts] == ["P1", "P3"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(3, "P2")]
    assert "4006381333932" in parsed.rejected[0].reason


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"on_hand": "-1"}, "on_hand"),
        ({"on_hand": ""}, "on_hand"),
        ({"on_hand": "ten"}, "on_hand"),
        ({"safety_stock": "-3"}, "safety_stock"),
        ({"weight_g": "1.5"}, "weight_g"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"barcodes": "has space"}, "barcode"),
    ],
)
def test_bad_product_rows(changes: dict[str, str], words: str) -> None:
    content = to_csv([product(sku="P1"), product(sku="P2", **changes)], PRODUCT_COLUMNS)
    parsed = parse_products(content, "catalog.csv")
    assert [d.sku for d in parsed.drafts] == ["P1"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(3, "P2")]
    assert words in parsed.rejected[0].reason


def test_product_missing_sku() -> None:
    content = to_csv([product(sku=""), product(sku="P2")], PRODUCT_COLUMNS)
    parsed = parse_products(content, "catalog.csv")
    assert [d.sku for d in parsed.drafts] == ["P2"]
    assert [r.line for r in parsed.rejected] == [2]
    assert "sku" in parsed.rejected[0].reason


def test_duplicate_sku_names_the_first_line() -> None:
    content = to_csv(
        [product(sku="P1"), product(sku="P2"), product(sku="P1", name="Other")], PRODUCT_COLUMNS
    )
    parsed = parse_products(content, "catalog.csv")
    assert [(d.sku, d.name) for d in parsed.drafts] == [("P1", "Red mug"), ("P2", "Red mug")]
    assert [(r.line, r.key) for r in parsed.rejected] == [(4, "P1")]
    assert "line 2" in parsed.rejected[0].reason


def test_undecodable_product_row_rejected_alone() -> None:
    content = to_csv([product(sku="P1", name="NAME"), product(sku="P2")], PRODUCT_COLUMNS)
    parsed = parse_products(content.replace(b"NAME", b"N\xffME"), "catalog.csv")
    assert [d.sku for d in parsed.drafts] == ["P2"]
    assert [(r.line, r.key) for r in parsed.rejected] == [(2, "P1")]


def test_products_missing_required_column() -> None:
    columns = tuple(c for c in PRODUCT_COLUMNS if c != "on_hand")
    with pytest.raises(Rejected, match="on_hand"):
        parse_products(to_csv([product()], columns), "catalog.csv")


def test_products_optional_columns_may_be_absent() -> None:
    content = b"sku,name,barcodes,on_hand\nP1,Mug,4006381333931,4\n"
    parsed = parse_products(content, "catalog.csv")
    assert parsed.rejected == []
    assert parsed.drafts[0].barcodes == ("04006381333931",)


def test_products_from_json_with_barcode_list() -> None:
    records = [
        {"sku": "P1", "name": "Mug", "barcodes": ["036000291452", "0036000291452"], "on_hand": 3},
        {"sku": "P2", "name": "Cup", "barcodes": ["4006381333932"], "on_hand": 3},
    ]
    parsed = parse_products(json.dumps(records).encode(), "catalog.json")
    assert [(d.sku, d.barcodes) for d in parsed.drafts] == [("P1", ("00036000291452",))]
    assert rejected_keys(parsed) == ["P2"]


# -- locations ---------------------------------------------------------------------------------


def test_parse_locations() -> None:
    content = b"code,sequence\na-01-01,10\nA-01-02,20\n,5\nB-01,x\nB-02,-1\nC-01,\n"
    parsed = parse_locations(content, "bins.csv")
    assert [(d.code, d.sequence, d.source_line) for d in parsed.drafts] == [
        ("A-01-01", 10, 2),
        ("A-01-02", 20, 3),
    ]
    assert [(r.line, r.key) for r in parsed.rejected] == [
        (4, ""),
        (5, "B-01"),
        (6, "B-02"),
        (7, "C-01"),
    ]
    assert all(r.reason for r in parsed.rejected)


def test_locations_missing_column() -> None:
    with pytest.raises(Rejected, match="sequence"):
        parse_locations(b"code\nA-01\n", "bins.csv")
    assert LOCATION_COLUMNS == ("code", "sequence")


def test_locations_from_jsonl() -> None:
    content = b'{"code": "a-1", "sequence": 3}\n{"code": "a-2", "sequence": "4"}\n'
    parsed = parse_locations(content, "bins.jsonl")
    assert [(d.code, d.sequence) for d in parsed.drafts] == [("A-1", 3), ("A-2", 4)]
