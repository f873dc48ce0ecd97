"""Generated bad input: scan text of every kind through the scan parser, and order and product
files from random bytes up to almost-valid records. The parser never raises; a file is either
refused whole with the line where reading failed, or each record is drafted or refused with
its line and a reason. (The row-by-row model of a CSV order file is in test_importing.py.)"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.codes import CodePrefixes, parse_scan
from core.errors import Rejected
from core.importing import ORDER_COLUMNS, PRODUCT_COLUMNS, parse_orders, parse_products
from core.model import CodeKind, Rejection

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- scans -------------------------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, categories=None)
AIM = st.sampled_from(["", "]E0", "]C1", "]d2", "]Q3", "]e0", "]"])
DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=20)
GS1_AI = st.sampled_from(["01", "02", "10", "17", "21", "11", "15", "310", "3103", "00", "99"])


@st.composite
def gs1_like(draw: st.DrawFn) -> str:
    """Element strings: AIs with values that are right, short, long or not digits, with and
    without group separators and in the (human) bracket form."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        ai = draw(GS1_AI)
        value = draw(st.one_of(DIGITS, st.text(max_size=12)))
        if draw(st.booleans()):
            parts.append(f"({ai}){value}")
        else:
            parts.append(ai + value + draw(st.sampled_from(["", "\x1d"])))
    return draw(AIM) + "".join(parts)


SCAN_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=80),
    st.binary(max_size=80).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.builds(lambda aim, body: aim + body, AIM, DIGITS),
    gs1_like(),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(["L:", "T:", "P:", "O:", "U:", "S:", "l:", "s:", "P:P:", ":"]),
        st.text(ANY_CHAR, max_size=30),
    ),
    st.text(alphabet="0123456789\r\n\t ", min_size=0, max_size=4000),
)
PREFIXES = st.sampled_from(
    [CodePrefixes(), CodePrefixes(location="LOC", tote="#", picklist="PL-", order="O:", user="")]
)


@settings(FAST, max_examples=3000)
@given(SCAN_TEXT, PREFIXES)
def test_the_scan_parser_never_raises_and_says_what_it_found(
    raw: str, prefixes: CodePrefixes
) -> None:
    code = parse_scan(raw, prefixes)
    assert code.kind in CodeKind
    assert code.raw is not None
    if code.kind is CodeKind.UNKNOWN:
        assert code.problem, "an unknown code says why"
    if code.kind is CodeKind.PRODUCT:
        # A catalog key is plain printable ASCII whatever came in (a SKU may hold spaces).
        lowest = " " if code.by_sku else "!"
        assert code.value and all(lowest <= ch <= "~" for ch in code.value), code.value
        assert code.value == code.value.strip()
    shown = code.display
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in shown)


# -- files -------------------------------------------------------------------------------------

FILE_NAMES = st.sampled_from(["o.csv", "o.json", "o.jsonl"])
LINE_NAMED = re.compile(r" line \d+: ")
WHOLE_FILE = ("the file is empty", "expected a JSON array of records")


def _refusal_names_a_line(error: Rejected, name: str) -> None:
    message = str(error)
    assert message.startswith(name)
    assert LINE_NAMED.search(message) or any(reason in message for reason in WHOLE_FILE), message


def _explained(rejections: list[Rejection]) -> None:
    for rejection in rejections:
        assert rejection.line >= 1 and rejection.reason.strip(), rejection


@settings(FAST, max_examples=1000)
@given(st.binary(max_size=600), FILE_NAMES)
def test_random_bytes_as_an_order_file(content: bytes, name: str) -> None:
    try:
        parsed = parse_orders(content, name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        return
    _explained(parsed.rejected)
    for draft in parsed.drafts:
        assert draft.order_no and draft.lines
        assert all(line.sku and line.qty > 0 for line in draft.lines)


@settings(FAST, max_examples=800)
@given(st.binary(max_size=600), FILE_NAMES)
def test_random_bytes_as_a_product_file(content: bytes, name: str) -> None:
    try:
        parsed = parse_products(content, name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        return
    _explained(parsed.rejected)
    skus = [draft.sku for draft in parsed.drafts]
    assert len(skus) == len(set(skus))
    for draft in parsed.drafts:
        assert draft.name and draft.on_hand >= 0


# Almost-valid records: every field drawn from good values, bad values and hostile text.
HOSTILE = st.sampled_from(
    [
        "\x1b[2J",
        "\x1b]52;c;ZXZpbA==\x07",
        "\x1b]0;owned\x07",
        "\x1dV\x00",
        "\x1b@",
        "\x9b31m",
        "\u202eevil",
        "\x00",
        "a" * 600,
        '"quoted, comma"',
        "line\nbreak",
        "\ufeff",
    ]
)
FIELD_VALUES: dict[str, st.SearchStrategy[object]] = {
    "order_no": st.sampled_from(["A1", "A2", "A3", " A3 ", "", "A\x1b[2J"]),
    "channel": st.one_of(st.sampled_from(["tmall", ""]), HOSTILE),
    "placed_at": st.sampled_from(
        ["2026-11-21T09:00:00+08:00", "2026-11-21 09:00", "2026-02-30T09:00", "yesterday", ""]
    ),
    "priority": st.sampled_from(["rush", "standard", "DEFERRED", "", "urgent", "\x1b[2J"]),
    "payment_status": st.sampled_from(["paid", "pending", "failed", "", "refunded"]),
    "customer_name": st.one_of(st.sampled_from(["张伟", "Anna Müller", ""]), HOSTILE),
    "phone": st.sampled_from(["13800138000", "+86 138 0013 8000", "call me", ""]),
    "country": st.sampled_from(["CN", "cn", "DE", ""]),
    "province": st.one_of(st.sampled_from(["浙江省", ""]), HOSTILE),
    "city": st.sampled_from(["杭州市", ""]),
    "district": st.sampled_from(["西湖区", ""]),
    "address": st.one_of(st.sampled_from(["文三路90号", ""]), HOSTILE),
    "postcode": st.sampled_from(["310000", ""]),
    "sku": st.one_of(st.sampled_from(["SKU-1", "SKU-2", "", "SKU-\x00"]), HOSTILE),
    "qty": st.one_of(
        st.sampled_from(["1", "2", "0", "-1", "1.5", "", "999999999999", "١"]),
        st.integers(-5, 200_000),
        st.booleans(),
        st.none(),
    ),
    "note": st.one_of(st.text(max_size=10), HOSTILE),
}
ROWS = st.lists(st.fixed_dictionaries(FIELD_VALUES), min_size=1, max_size=10)


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _order_file(rows: list[dict[str, object]], name: str) -> bytes:
    if name.endswith(".csv"):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(ORDER_COLUMNS)
        for row in rows:
            writer.writerow(
                [_cell(row[c]) if row[c] is None else str(row[c]) for c in ORDER_COLUMNS]
            )
        return ("\ufeff" + out.getvalue()).encode("utf-8", "surrogatepass")
    records = []
    for row in rows:
        header = {k: v for k, v in row.items() if k not in ("sku", "qty", "note")}
        header["lines"] = [{"sku": row["sku"], "qty": row["qty"], "note": row["note"]}]
        records.append(header)
    if name.endswith(".jsonl"):
        text = "\n".join(json.dumps(record) for record in records)
    else:
        text = json.dumps(records, indent=1)
    return text.encode()


@settings(FAST, max_examples=800)
@given(ROWS, FILE_NAMES)
def test_every_order_of_an_almost_valid_file_is_drafted_or_refused_once(
    rows: list[dict[str, object]], name: str
) -> None:
    content = _order_file(rows, name)
    try:
        parsed = parse_orders(content, name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        return
    _explained(parsed.rejected)
    numbers = {str(row["order_no"]).strip() for row in rows} - {""}
    drafted = [draft.order_no for draft in parsed.drafts]
    refused = [rejection.key for rejection in parsed.rejected if rejection.key]
    assert len(drafted) == len(set(drafted))
    assert not set(drafted) & set(refused)
    assert set(drafted) | set(refused) == numbers, "an order number went missing"
    nameless = [row for row in rows if not str(row["order_no"]).strip()]
    if name.endswith(".csv"):  # a CSV row with nothing in it is no record
        nameless = [row for row in nameless if any(_cell(value) for value in row.values())]
    assert sum(1 for rejection in parsed.rejected if not rejection.key) == len(nameless)
    for draft in parsed.drafts:
        wanted = [row for row in rows if str(row["order_no"]).strip() == draft.order_no]
        # Rows of one order with the same SKU are one line (their quantities added).
        skus = {line.sku for line in draft.lines}
        assert len(skus) == len(draft.lines), "one SKU on two lines of an order"
        assert skus == {str(row["sku"]).strip() for row in wanted}, (
            "an order was drafted without all its lines"
        )


PRODUCT_VALUES: dict[str, st.SearchStrategy[object]] = {
    "sku": st.sampled_from(["P1", "P2", "P3", "", " P3 "]),
    "name": st.one_of(st.sampled_from(["Mug", "保温杯", ""]), HOSTILE),
    "barcodes": st.one_of(
        st.sampled_from(
            ["4006381333931", "4006381333932", "036000291452|0036000291452", "MUG-1", "a b", ""]
        ),
        st.lists(st.sampled_from(["96385074", "x", "4006381333931"]), max_size=3),
    ),
    "location": st.one_of(st.sampled_from(["A-01", ""]), HOSTILE),
    "on_hand": st.sampled_from(["10", "0", "-1", "ten", "", "1e3"]),
    "safety_stock": st.sampled_from(["2", "", "-2"]),
    "weight_g": st.sampled_from(["350", "", "heavy"]),
}


@settings(FAST, max_examples=600)
@given(st.lists(st.fixed_dictionaries(PRODUCT_VALUES), min_size=1, max_size=8), FILE_NAMES)
def test_every_product_of_an_almost_valid_file_is_drafted_or_refused(
    rows: list[dict[str, object]], name: str
) -> None:
    written: list[list[str]] = []
    if name.endswith(".csv"):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(PRODUCT_COLUMNS)
        for row in rows:
            barcodes = row["barcodes"]
            cells = {
                **row,
                "barcodes": "|".join(barcodes) if isinstance(barcodes, list) else barcodes,
            }
            written.append([str(cells[c]) for c in PRODUCT_COLUMNS])
            writer.writerow(written[-1])
        content = out.getvalue().encode("utf-8", "surrogatepass")
    elif name.endswith(".jsonl"):
        content = "\n".join(json.dumps(row) for row in rows).encode()
    else:
        content = json.dumps(rows).encode()
    try:
        parsed = parse_products(content, name)
    except Rejected as error:
        _refusal_names_a_line(error, name)
        return
    _explained(parsed.rejected)
    records = len(rows)
    if name.endswith(".csv"):  # a CSV row with nothing in it is no record
        records = sum(1 for cells in written if any(cell.strip() for cell in cells))
    assert len(parsed.drafts) + len(parsed.rejected) == records
