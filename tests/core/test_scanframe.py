"""Scan framing: cutting a scanner's byte stream into scans, whatever chunks it arrives in."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core.scanframe
from core.scanframe import SUFFIXES, FramedScan, ScanFramer, ScanFraming, display_code

T0 = 1000.0


def frame(data: bytes, **options: object) -> list[FramedScan]:
    """All scans one feed of ``data`` ends."""
    return ScanFramer(ScanFraming(**options)).feed(data, T0)  # type: ignore[arg-type]


def texts(scans: list[FramedScan]) -> list[str | None]:
    return [scan.text for scan in scans]


# -- suffixes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "stream"),
    [
        ("CR", b"A1\rB2\r"),
        ("LF", b"A1\nB2\n"),
        ("CRLF", b"A1\r\nB2\r\n"),
        ("TAB", b"A1\tB2\t"),
        ("ANY", b"A1\rB2\n"),
        ("ANY", b"A1\r\nB2\t"),
    ],
)
def test_each_suffix_ends_a_scan(suffix: str, stream: bytes) -> None:
    scans = frame(stream, suffix=suffix)
    assert texts(scans) == ["A1", "B2"]
    assert all(scan.ok for scan in scans)


def test_suffix_setting_is_case_insensitive() -> None:
    assert ScanFraming(suffix="crlf").suffix == "CRLF"  # type: ignore[arg-type]


def test_crlf_under_any_gives_no_empty_second_scan() -> None:
    assert texts(frame(b"4006381333931\r\n", suffix="ANY")) == ["4006381333931"]


def test_crlf_split_between_chunks_still_ends_the_scan() -> None:
    framer = ScanFramer(ScanFraming(suffix="CRLF"))
    assert framer.feed(b"T:0042\r", T0) == []
    assert texts(framer.feed(b"\nL:A-01", T0)) == ["T:0042"]
    assert texts(framer.feed(b"-02\r\n", T0)) == ["L:A-01-02"]


def test_bare_lf_inside_a_crlf_line_is_a_control_character() -> None:
    (scan,) = frame(b"AB\nC\r\n", suffix="CRLF")
    assert scan.problem == "non_printable"
    assert scan.raw == b"AB\nC"


def test_empty_lines_are_ignored() -> None:
    assert frame(b"\r\r\n\t\n\r", suffix="ANY") == []
    assert frame(b"\r\n\r\n", suffix="CRLF") == []


def test_a_scan_is_not_given_out_before_its_suffix() -> None:
    framer = ScanFramer()
    assert framer.feed(b"12345", T0) == []
    assert framer.has_partial
    assert texts(framer.feed(b"678\r", T0)) == ["12345678"]
    assert not framer.has_partial


# -- prefix, AIM identifiers, GS ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", [b"\x02", "\x02", "STX:"])
def test_the_scanner_prefix_is_stripped_from_text_but_kept_in_raw(prefix: bytes | str) -> None:
    wire = prefix.encode() if isinstance(prefix, str) else prefix
    (scan,) = frame(wire + b"O:1001\r", prefix=prefix)
    assert scan.ok
    assert scan.text == "O:1001"
    assert scan.raw == wire + b"O:1001"


def test_a_line_without_the_prefix_is_kept_as_it_is() -> None:
    assert texts(frame(b"O:1001\r", prefix=b"\x02")) == ["O:1001"]


def test_a_line_of_only_the_prefix_is_empty() -> None:
    assert frame(b"\x02\r", prefix=b"\x02") == []


def test_aim_identifier_and_gs_separators_are_kept_for_the_parser() -> None:
    gs1 = b"]d2010400638133393117240101\x1d10BATCH7\x1d21SN1\r"
    (scan,) = frame(gs1)
    assert scan.ok
    assert scan.text == "]d2010400638133393117240101\x1d10BATCH7\x1d21SN1"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("]E04006381333931", "4006381333931"),
        ("]C1010400638133393110AB\x1d21X", "010400638133393110AB\u241d21X"),
        ("]d2" + "0104006381333931", "0104006381333931"),
        ("]Q3中文", "中文"),
        ("T:0042", "T:0042"),
        ("A]E0", "A]E0"),
        ("bell\x07del\x7fnel\x85", "bell\u2407del\u2421nel\\x85"),
    ],
)
def test_display_code_is_for_people(text: str, shown: str) -> None:
    assert display_code(text) == shown


# -- bad scans ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"AB\x00C", b"\x07", b"AB\x1bC", b"AB\x7fC", "AB\u0085C".encode(), "\u009b1m".encode()],
)
def test_control_characters_other_than_gs_are_non_printable(body: bytes) -> None:
    (scan,) = frame(body + b"\r")
    assert scan.problem == "non_printable"
    assert not scan.ok
    assert scan.raw == body
    assert "control character" in scan.detail


def test_control_bytes_are_reported_even_when_the_bytes_do_not_decode() -> None:
    (scan,) = frame(b"\x00\x07\xff\xfe\r")
    assert scan.problem == "non_printable"
    assert scan.text is None


def test_bytes_that_are_no_text_are_undecodable() -> None:
    (scan,) = frame(b"\xff\xfe\x80\r")
    assert scan.problem == "undecodable"
    assert scan.text is None
    assert scan.raw == b"\xff\xfe\x80"
    assert "UTF-8" in scan.detail


def test_utf8_text_is_decoded_as_utf8() -> None:
    (scan,) = frame("收件人 张三\r".encode())
    assert scan.ok
    assert scan.text == "收件人 张三"
    assert scan.encoding == "utf-8"


def test_gb18030_from_a_chinese_code_page_scanner_is_decoded() -> None:
    (scan,) = frame("收件人 张三\r".encode("gb18030"))
    assert scan.ok
    assert scan.text == "收件人 张三"
    assert scan.encoding == "gb18030"


def test_the_gb18030_fallback_can_be_turned_off() -> None:
    (scan,) = frame("中文\r".encode("gb18030"), fallback_encoding=None)
    assert scan.problem == "undecodable"
    assert scan.detail == "not UTF-8 text"


def test_a_line_of_max_length_is_fine() -> None:
    (scan,) = frame(b"9" * 20 + b"\r", max_length=20)
    assert scan.ok


@pytest.mark.parametrize("suffix", ["CR", "CRLF"])
def test_a_line_over_max_length_is_one_too_long_scan_and_its_tail_is_dropped(suffix: str) -> None:
    end = b"\r\n" if suffix == "CRLF" else b"\r"
    scans = frame(b"9" * 21 + b"TAIL" + end + b"NEXT" + end, max_length=20, suffix=suffix)
    assert [scan.problem for scan in scans] == ["too_long", None]
    assert scans[0].raw == b"9" * 20
    assert scans[0].text is None
    assert "20 bytes" in scans[0].detail
    assert scans[1].text == "NEXT"


def test_crlf_right_after_max_length_bytes_is_not_too_long() -> None:
    assert texts(frame(b"9" * 20 + b"\r\n", max_length=20, suffix="CRLF")) == ["9" * 20]


def test_a_megabyte_without_a_suffix_is_one_too_long_scan_in_bounded_memory() -> None:
    framer = ScanFramer()
    chunk = b"A" * 4096
    scans: list[FramedScan] = []
    for _index in range(256):
        scans += framer.feed(chunk, T0)
        assert framer.pending_bytes <= framer.framing.max_length + 2
    scans += framer.feed(b"\rNEXT\r", T0)
    assert [scan.problem for scan in scans] == ["too_long", None]
    assert scans[1].text == "NEXT"


def test_a_megabyte_in_one_chunk_is_not_copied_into_the_line() -> None:
    framer = ScanFramer()
    scans = framer.feed(b"B" * 1_000_000, T0)
    assert [scan.problem for scan in scans] == ["too_long"]
    assert framer.pending_bytes == 0


# -- time --------------------------------------------------------------------------------------


def test_a_partial_line_expires_as_incomplete_after_the_timeout() -> None:
    framer = ScanFramer(ScanFraming(partial_timeout_s=0.5))
    assert framer.feed(b"40063", T0) == []
    assert framer.expire(T0 + 0.49) == []
    (scan,) = framer.expire(T0 + 0.5)
    assert scan.problem == "incomplete"
    assert scan.text == "40063"
    assert "0.5 s" in scan.detail
    assert framer.expire(T0 + 5) == []
    assert texts(framer.feed(b"ABC\r", T0 + 6)) == ["ABC"]


def test_the_timeout_counts_from_the_last_byte() -> None:
    framer = ScanFramer(ScanFraming(partial_timeout_s=0.5))
    framer.feed(b"40", T0)
    framer.feed(b"06", T0 + 0.4)
    assert framer.expire(T0 + 0.8) == []
    assert texts(framer.feed(b"\r", T0 + 0.85)) == ["4006"]


def test_bytes_after_a_long_pause_never_join_the_old_partial_line() -> None:
    framer = ScanFramer(ScanFraming(partial_timeout_s=0.5))
    framer.feed(b"OLD", T0)
    scans = framer.feed(b"NEW\r", T0 + 3)
    assert [(scan.text, scan.problem) for scan in scans] == [("OLD", "incomplete"), ("NEW", None)]


def test_a_pause_ends_the_discarding_of_a_too_long_line() -> None:
    framer = ScanFramer(ScanFraming(max_length=4, partial_timeout_s=0.5))
    assert [scan.problem for scan in framer.feed(b"123456", T0)] == ["too_long"]
    assert framer.expire(T0 + 1) == []  # already reported once
    assert texts(framer.feed(b"OK\r", T0 + 2)) == ["OK"]


def test_a_cr_waiting_for_its_lf_expires_without_a_scan_when_nothing_came_before() -> None:
    framer = ScanFramer(ScanFraming(suffix="CRLF"))
    framer.feed(b"\r", T0)
    assert framer.expire(T0 + 1) == []


def test_a_crlf_line_that_lost_its_lf_is_incomplete_without_the_cr() -> None:
    framer = ScanFramer(ScanFraming(suffix="CRLF"))
    framer.feed(b"ABC\r", T0)
    (scan,) = framer.expire(T0 + 1)
    assert (scan.raw, scan.problem) == (b"ABC", "incomplete")


def test_flush_gives_out_the_partial_line_at_once() -> None:
    framer = ScanFramer()
    assert framer.flush() == []
    framer.feed(b"PART", T0)
    (scan,) = framer.flush("scanner unplugged")
    assert (scan.text, scan.problem, scan.detail) == ("PART", "incomplete", "scanner unplugged")
    assert not framer.has_partial
    assert framer.flush() == []


def test_an_incomplete_line_cut_inside_a_character_has_no_text() -> None:
    framer = ScanFramer()
    framer.feed("中".encode()[:2], T0)
    (scan,) = framer.flush()
    assert scan.problem == "incomplete"
    assert scan.text is None


# -- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"suffix": "SEMICOLON"},
        {"max_length": 0},
        {"max_length": 1.5},
        {"max_length": True},
        {"partial_timeout_s": 0},
        {"partial_timeout_s": -1},
        {"partial_timeout_s": float("nan")},
        {"fallback_encoding": "no-such-codec"},
        {"fallback_encoding": "base64"},
    ],
)
def test_invalid_framing_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScanFraming(**options)  # type: ignore[arg-type]


def test_the_framing_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(core.scanframe.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names)


# -- properties --------------------------------------------------------------------------------

PIECES = st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b"\r", b"\n", b"\t", b"\r\n", b"\x1d", b"\x02", b"]C1", "中".encode()]),
)
STREAMS = st.lists(PIECES, max_size=40).map(b"".join)
FRAMINGS = st.builds(
    ScanFraming,
    suffix=st.sampled_from(SUFFIXES),
    prefix=st.sampled_from([None, b"\x02"]),
    max_length=st.integers(min_value=1, max_value=24),
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[start:end] for start, end in zip(edges, edges[1:], strict=False)]


def feed_all(framing: ScanFraming, chunks: list[bytes]) -> tuple[list[FramedScan], ScanFramer]:
    framer = ScanFramer(framing)
    scans: list[FramedScan] = []
    for chunk in chunks:
        scans += framer.feed(chunk, T0)
        assert framer.pending_bytes <= framing.max_length + 2
    return scans + framer.flush(), framer


@settings(max_examples=300, deadline=None)
@given(framing=FRAMINGS, stream=STREAMS, cuts=st.lists(st.integers(0, 500), max_size=30))
def test_any_split_of_the_stream_gives_the_same_scans(
    framing: ScanFraming, stream: bytes, cuts: list[int]
) -> None:
    whole, _framer = feed_all(framing, [stream])
    chunked, _framer = feed_all(framing, split(stream, cuts))
    assert chunked == whole


@settings(max_examples=300, deadline=None)
@given(framing=FRAMINGS, stream=STREAMS, cuts=st.lists(st.integers(0, 500), max_size=30))
def test_no_scan_spans_a_suffix_and_none_outgrows_max_length(
    framing: ScanFraming, stream: bytes, cuts: list[int]
) -> None:
    scans, _framer = feed_all(framing, split(stream, cuts))
    for scan in scans:
        assert scan.raw
        assert len(scan.raw) <= framing.max_length
        if framing.suffix == "CRLF":
            assert b"\r\n" not in scan.raw
        elif framing.suffix == "ANY":
            assert not set(scan.raw) & set(b"\r\n\t")
        else:
            assert framing.suffix_bytes not in scan.raw


LINE_TEXT = st.text(
    alphabet=st.sampled_from("0123456789ABCDEFXYZ:-]\x1d中文"), min_size=1, max_size=30
).filter(lambda text: text.encode() != b"\x02")


@settings(max_examples=300, deadline=None)
@given(
    suffix=st.sampled_from(SUFFIXES),
    lines=st.lists(LINE_TEXT, max_size=25),
    cuts=st.lists(st.integers(0, 2000), max_size=40),
)
def test_good_scans_come_out_whole_and_in_order(
    suffix: str, lines: list[str], cuts: list[int]
) -> None:
    framing = ScanFraming(suffix=suffix, max_length=200)  # type: ignore[arg-type]
    stream = b"".join(line.encode() + framing.suffix_bytes for line in lines)
    scans, _framer = feed_all(framing, split(stream, cuts))
    assert [scan.text for scan in scans] == lines
    assert all(scan.ok for scan in scans)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(LINE_TEXT, min_size=1, max_size=10),
    gaps=st.lists(st.floats(min_value=0.0, max_value=0.4), min_size=1, max_size=10),
)
def test_bytes_spread_over_time_within_the_timeout_make_the_same_scans(
    lines: list[str], gaps: list[float]
) -> None:
    framing = ScanFraming(suffix="CR", partial_timeout_s=0.5)
    stream = b"".join(line.encode() + b"\r" for line in lines)
    framer = ScanFramer(framing)
    now, scans = T0, []
    for index, byte in enumerate(stream):
        now += gaps[index % len(gaps)]
        scans += framer.expire(now)
        scans += framer.feed(bytes([byte]), now)
    assert [scan.text for scan in scans] == lines
