"""What a scanned code is: GTINs, GS1 element strings, AIM prefixes and prefixed internal codes."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.codes import CodePrefixes, display_code, normalize_barcode, parse_scan
from core.errors import InvalidBarcode
from core.model import CodeKind

GS = "\x1d"


def check_digit(body: str) -> str:
    """The GS1 check digit of a GTIN body (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def with_check(body: str) -> str:
    return body + check_digit(body)


def wrong_check(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


# -- plain GTINs -------------------------------------------------------------------------------


def test_ean13_is_a_product_keyed_by_gtin14() -> None:
    code = parse_scan("4006381333931")
    assert code.kind is CodeKind.PRODUCT
    assert code.value == "04006381333931"
    assert code.problem is None
    assert code.symbology is None


def test_upc_a_and_its_ean13_form_are_the_same_product() -> None:
    upc = parse_scan("036000291452")
    ean = parse_scan("0036000291452")
    gtin14 = parse_scan("00036000291452")
    assert upc.kind is ean.kind is gtin14.kind is CodeKind.PRODUCT
    assert upc.value == ean.value == gtin14.value == "00036000291452"


def test_ean8_is_a_product() -> None:
    code = parse_scan("96385074")
    assert code.kind is CodeKind.PRODUCT
    assert code.value == "00000096385074"


def test_gtin14_keeps_its_indicator_digit() -> None:
    gtin = with_check("1003600029145")
    code = parse_scan(gtin)
    assert code.kind is CodeKind.PRODUCT
    assert code.value == gtin
    # A case GTIN is not the unit it contains.
    assert code.value != parse_scan("036000291452").value


@pytest.mark.parametrize("good", ["4006381333931", "036000291452", "96385074", "00036000291452"])
def test_wrong_check_digit_is_unknown_with_a_problem(good: str) -> None:
    code = parse_scan(wrong_check(good))
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem
    assert "check digit" in code.problem.lower()


def test_surrounding_terminators_and_spaces_are_ignored() -> None:
    code = parse_scan("  4006381333931\r\n")
    assert code.kind is CodeKind.PRODUCT
    assert code.value == "04006381333931"
    assert code.raw == "  4006381333931\r\n"


def test_non_ascii_digits_never_become_a_product_key() -> None:
    # Arabic-Indic digits are str.isdigit(); a lookup key of mixed scripts matches nothing.
    code = parse_scan("٤٠٠٦٣٨١٣٣٣٩٣١")
    assert code.kind is CodeKind.UNKNOWN or code.value.isascii()


# -- AIM symbology identifiers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "value"),
    [
        ("]E04006381333931", "]E0", "04006381333931"),
        ("]E0036000291452", "]E0", "00036000291452"),
        ("]C1" + "0100036000291452", "]C1", "00036000291452"),
        ("]d2" + "0100036000291452", "]d2", "00036000291452"),
    ],
)
def test_aim_prefix_is_kept_as_symbology(raw: str, symbology: str, value: str) -> None:
    code = parse_scan(raw)
    assert code.kind is CodeKind.PRODUCT
    assert code.symbology == symbology
    assert code.value == value


def test_aim_prefix_does_not_change_the_product_key() -> None:
    assert parse_scan("]E04006381333931").value == parse_scan("4006381333931").value


def test_aim_prefix_alone_is_an_empty_unknown_scan() -> None:
    code = parse_scan("]E0")
    assert code.kind is CodeKind.UNKNOWN
    assert code.symbology == "]E0"
    assert code.problem


def test_aim_prefix_before_internal_code_keeps_kind() -> None:
    code = parse_scan("]C0L:A-01-02")
    assert code.kind is CodeKind.LOCATION
    assert code.value == "A-01-02"
    assert code.symbology == "]C0"


# -- GS1 element strings -----------------------------------------------------------------------


GS1_MACHINE = "0100036000291452" + "10ABC123" + GS + "17261130" + "21SER9"
GS1_HUMAN = "(01)00036000291452(10)ABC123(17)261130(21)SER9"


@pytest.mark.parametrize(
    ("raw", "symbology"),
    [
        (GS1_MACHINE, None),
        ("]C1" + GS1_MACHINE, "]C1"),
        ("]d2" + GS1_MACHINE, "]d2"),
        (GS1_HUMAN, None),
    ],
)
def test_gs1_with_batch_expiry_serial(raw: str, symbology: str | None) -> None:
    code = parse_scan(raw)
    assert code.kind is CodeKind.PRODUCT
    assert code.value == "00036000291452"
    assert code.batch == "ABC123"
    assert code.expiry == date(2026, 11, 30)
    assert code.serial == "SER9"
    assert code.symbology == symbology
    assert code.problem is None


def test_gs1_separators_between_every_variable_field() -> None:
    raw = "]C1" + "0100036000291452" + "10LOT-7" + GS + "21S00042" + GS + "17270101"
    code = parse_scan(raw)
    assert code.kind is CodeKind.PRODUCT
    assert (code.batch, code.serial, code.expiry) == ("LOT-7", "S00042", date(2027, 1, 1))


def test_gs1_gtin_only_matches_plain_gtin() -> None:
    assert parse_scan("(01)00036000291452").value == parse_scan("036000291452").value
    code = parse_scan("(01)00036000291452")
    assert (code.batch, code.expiry, code.serial) == (None, None, None)


def test_gs1_with_bad_gtin_check_digit_is_unknown() -> None:
    for raw in ("(01)00036000291453", "0100036000291453" + "10ABC"):
        code = parse_scan(raw)
        assert code.kind is CodeKind.UNKNOWN, raw
        assert code.problem


def test_gs1_human_form_with_impossible_expiry_is_unknown() -> None:
    # 31 November does not exist: the string is clearly GS1 but cannot be understood, so it
    # must not be treated as a catalog code spelled "(01)…(17)261131".
    code = parse_scan("(01)00036000291452(17)261131")
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem


# -- internal prefixed codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("L:A-01-02", CodeKind.LOCATION, "A-01-02"),
        ("T:0042", CodeKind.TOTE, "0042"),
        ("P:PL-2026-0007", CodeKind.PICKLIST, "PL-2026-0007"),
        ("O:SO12345", CodeKind.ORDER, "SO12345"),
        ("U:alice", CodeKind.USER, "alice"),
        ("l:a-01-02", CodeKind.LOCATION, "a-01-02"),
        ("t:0042", CodeKind.TOTE, "0042"),
        ("u:Alice", CodeKind.USER, "Alice"),
        ("L: A-01 ", CodeKind.LOCATION, "A-01"),
        ("O:4006381333931", CodeKind.ORDER, "4006381333931"),
    ],
)
def test_internal_prefixes(raw: str, kind: CodeKind, value: str) -> None:
    code = parse_scan(raw)
    assert code.kind is kind
    assert code.value == value
    assert code.raw == raw


@pytest.mark.parametrize("raw", ["L:", "T:", "P:", "O:", "U:", "l:", "L:   ", "]C0T:"])
def test_prefix_with_empty_value_is_unknown(raw: str) -> None:
    code = parse_scan(raw)
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem


def test_custom_prefixes() -> None:
    prefixes = CodePrefixes(
        location="LOC-", tote="TOTE-", picklist="PICK-", order="ORD-", user="BADGE-"
    )
    assert parse_scan("LOC-B-03", prefixes).kind is CodeKind.LOCATION
    assert parse_scan("LOC-B-03", prefixes).value == "B-03"
    assert parse_scan("tote-9", prefixes).kind is CodeKind.TOTE
    assert parse_scan("PICK-12", prefixes).kind is CodeKind.PICKLIST
    assert parse_scan("ORD-77", prefixes).kind is CodeKind.ORDER
    assert parse_scan("BADGE-bob", prefixes).value == "bob"
    # The default prefixes mean nothing at this site: "L:A-01" is just a code.
    assert parse_scan("L:A-01", prefixes).kind is CodeKind.PRODUCT
    # GTINs still work with custom prefixes.
    assert parse_scan("4006381333931", prefixes).value == "04006381333931"


def test_longer_prefix_is_not_shadowed_by_a_shorter_one() -> None:
    prefixes = CodePrefixes(location="P", picklist="PL:")
    code = parse_scan("PL:0007", prefixes)
    assert code.kind is CodeKind.PICKLIST
    assert code.value == "0007"
    assert parse_scan("PA-01", prefixes).kind is CodeKind.LOCATION


def test_custom_prefix_with_empty_value_is_unknown() -> None:
    prefixes = CodePrefixes(location="LOC:")
    code = parse_scan("LOC:", prefixes)
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem


def test_empty_prefix_is_ignored() -> None:
    prefixes = CodePrefixes(user="")
    assert parse_scan("4006381333931", prefixes).kind is CodeKind.PRODUCT
    assert parse_scan("ABC-1", prefixes).kind is CodeKind.PRODUCT


# -- things that are not barcodes --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "\r\n",
        "   ",
        "\x1b[A",
        "\x1b[2~",
        "\x1bOP",
        "\x00\x01\x02",
        "ab",
        "two words here",
        "é",
        "\x7f\x7f\x7f",
        "(",
        "\udcff\udcfe\udcfd",
    ],
)
def test_garbage_is_unknown_with_a_problem(raw: str) -> None:
    code = parse_scan(raw)
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem


@pytest.mark.parametrize("raw", ["]", " ]", "]\r", "]\t"])
def test_lone_bracket_does_not_raise(raw: str) -> None:
    # "]" starts an AIM identifier but has no symbology letter after it.
    code = parse_scan(raw)
    assert code.kind is CodeKind.UNKNOWN
    assert code.problem


def test_plain_catalog_code_is_a_product() -> None:
    code = parse_scan("SKU-RED-42")
    assert code.kind is CodeKind.PRODUCT
    assert code.value == "SKU-RED-42"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_scan_never_raises_on_any_text(raw: str) -> None:
    code = parse_scan(raw)
    assert code.raw is not None
    if code.kind is CodeKind.UNKNOWN:
        assert code.problem


GS1_ISH = st.lists(
    st.one_of(
        st.sampled_from(["01", "02", "10", "17", "21", "(01)", "(10)", "(17)", "(21)", GS, "]C1"]),
        st.text(alphabet="0123456789", max_size=16),
        st.text(max_size=4),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(GS1_ISH)
def test_parse_scan_never_raises_on_gs1_like_text(raw: str) -> None:
    code = parse_scan(raw)
    if code.kind is CodeKind.PRODUCT:
        assert code.value


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["]E0", "]C1", "]d2", "]Q3", ""]), st.text(max_size=30))
def test_parse_scan_never_raises_after_aim_prefix(prefix: str, rest: str) -> None:
    parse_scan(prefix + rest)


# -- normalize_barcode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("4006381333931", "04006381333931"),
        ("036000291452", "00036000291452"),
        ("0036000291452", "00036000291452"),
        ("00036000291452", "00036000291452"),
        ("96385074", "00000096385074"),
        (" 036000291452 ", "00036000291452"),
    ],
)
def test_normalize_gtins(code: str, key: str) -> None:
    assert normalize_barcode(code) == key


def test_equivalent_forms_normalise_equal() -> None:
    assert (
        normalize_barcode("036000291452")
        == normalize_barcode("0036000291452")
        == normalize_barcode("00036000291452")
    )


def test_normalize_matches_what_a_scan_looks_up() -> None:
    for code in ("036000291452", "4006381333931", "96385074", "SKU-RED-42"):
        assert normalize_barcode(code) == parse_scan(code).value


@pytest.mark.parametrize(
    "code", ["4006381333932", "036000291453", "0036000291453", "96385075", "00036000291453"]
)
def test_normalize_rejects_bad_check_digit(code: str) -> None:
    with pytest.raises(InvalidBarcode):
        normalize_barcode(code)


@pytest.mark.parametrize("code", ["SKU-1", "ABC", "X" * 64, "12345", "1234567890", "A1:B2"])
def test_normalize_accepts_plain_codes(code: str) -> None:
    assert normalize_barcode(code) == code


@pytest.mark.parametrize(
    "code", ["", "AB", "X" * 65, "ABC 1", "AB\tC", "A\x00BC", "AB\x1dCD", "ABC\x7f", "中文码", "  "]
)
def test_normalize_rejects_spaces_control_chars_and_bad_lengths(code: str) -> None:
    with pytest.raises(InvalidBarcode):
        normalize_barcode(code)


def test_normalize_never_yields_a_non_ascii_key() -> None:
    try:
        key = normalize_barcode("٤٠٠٦٣٨١٣٣٣٩٣١")
    except InvalidBarcode:
        return
    assert key.isascii()


@st.composite
def gtin_bodies(draw: st.DrawFn) -> str:
    """A UPC-A (11-digit body) with its correct check digit."""
    body = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    return with_check(body)


@settings(max_examples=200, deadline=None)
@given(gtin_bodies())
def test_padding_forms_of_a_gtin_normalise_to_one_key(upc: str) -> None:
    forms = [upc, "0" + upc, "00" + upc]
    keys = {normalize_barcode(form) for form in forms}
    assert keys == {"00" + upc}
    scanned = {parse_scan(form).value for form in forms}
    assert scanned == keys
    assert {parse_scan("]E0" + form).value for form in forms[:2]} == keys


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_ean13_and_its_gtin14_form_are_one_key(body: str) -> None:
    ean = with_check(body)
    assert normalize_barcode(ean) == normalize_barcode("0" + ean) == "0" + ean
    assert parse_scan(ean).kind is CodeKind.PRODUCT


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=7, max_size=13), st.integers(1, 9))
def test_any_wrong_check_digit_is_refused(body: str, delta: int) -> None:
    good = with_check(body)
    if len(good) not in (8, 12, 13, 14):
        return
    bad = good[:-1] + str((int(good[-1]) + delta) % 10)
    with pytest.raises(InvalidBarcode):
        normalize_barcode(bad)
    assert parse_scan(bad).kind is CodeKind.UNKNOWN


# -- display -----------------------------------------------------------------------------------


def test_display_hides_aim_prefix() -> None:
    assert display_code("]E04006381333931") == "4006381333931"
    assert display_code("]C1L:A-01") == "L:A-01"
    assert parse_scan("]E04006381333931").display == "4006381333931"


def test_display_shows_no_control_characters() -> None:
    shown = display_code("]C1" + GS1_MACHINE)
    assert not shown.startswith("]C1")
    assert not has_control(shown)
    assert "ABC123" in shown
    assert GS not in shown
    # The separator stays visible as its control picture, so fields do not run together.
    assert shown == GS1_MACHINE.replace(GS, "␝")


@pytest.mark.parametrize("raw", ["\x1b[A", "A\x00B", "AB\x7f", "A\x85B", "\x1b]0;x\x07"])
def test_display_of_escape_sequences_has_no_control_characters(raw: str) -> None:
    assert not has_control(display_code(raw))
    assert not has_control(parse_scan(raw).display)


def test_display_of_plain_codes_is_unchanged() -> None:
    assert display_code("L:A-01-02") == "L:A-01-02"
    assert display_code("货架A") == "货架A"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_display_never_contains_control_characters(raw: str) -> None:
    assert not has_control(display_code(raw))
