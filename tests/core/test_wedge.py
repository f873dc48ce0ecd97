"""Keyboard-wedge detection by timing, with synthetic clocks (no sleeping)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from core.wedge import BURST_GAP_S, MIN_SCAN_LENGTH, WedgeDetector

ENTER = "\r"
TAB = "\t"
ESC = "\x1b"


@dataclass(frozen=True)
class Key:
    """A key event as the terminal layer would pass it: its index in the stream and name."""

    index: int
    name: str


class Feeder:
    """Feeds named keys at given millisecond times and records everything that comes out."""

    def __init__(self, detector: WedgeDetector[Key] | None = None) -> None:
        self.detector: WedgeDetector[Key] = detector or WedgeDetector()
        self.replayed: list[Key] = []
        self.scans: list[str] = []
        self.count = 0

    def key(self, name: str, at_ms: float) -> None:
        key = Key(self.count, name)
        self.count += 1
        terminator = name in (ENTER, TAB)
        # Single-character keys carry their character, control ones too (ESC is "\x1b"): the
        # detector itself must tell printable from not.
        char = name if len(name) == 1 else None
        out = self.detector.feed(key, char, terminator, at_ms / 1000)
        self.replayed.extend(out.replay)
        if out.scan is not None:
            self.scans.append(out.scan)

    def keys(self, text: str, start_ms: float, step_ms: float) -> float:
        at = start_ms
        for name in text:
            self.key(name, at)
            at += step_ms
        return at - step_ms

    @property
    def typed(self) -> str:
        return "".join(key.name for key in self.replayed)


def test_defaults() -> None:
    assert BURST_GAP_S == 0.05
    assert MIN_SCAN_LENGTH == 3


def test_fast_burst_ending_in_enter_is_one_scan() -> None:
    feeder = Feeder()
    last = feeder.keys("4006381333931", 1000, 8)
    assert feeder.detector.holding
    feeder.key(ENTER, last + 8)
    assert feeder.scans == ["4006381333931"]
    assert feeder.replayed == []
    assert not feeder.detector.holding
    assert feeder.detector.deadline() is None


def test_burst_just_under_fifty_ms_apart_is_a_scan() -> None:
    feeder = Feeder()
    for n, name in enumerate("L:A-01-02"):
        feeder.key(name, 1000 + 49 * n)
    feeder.key(ENTER, 1000 + 49 * 9)
    assert feeder.scans == ["L:A-01-02"]
    assert feeder.replayed == []


def test_tab_ends_a_scan_too() -> None:
    feeder = Feeder()
    last = feeder.keys("T:0042", 0, 5)
    feeder.key(TAB, last + 5)
    assert feeder.scans == ["T:0042"]
    assert feeder.replayed == []


def test_two_scans_in_a_row() -> None:
    feeder = Feeder()
    last = feeder.keys("ABC", 0, 5)
    feeder.key(ENTER, last + 5)
    last = feeder.keys("DEFG", last + 6, 5)
    feeder.key(ENTER, last + 5)
    assert feeder.scans == ["ABC", "DEFG"]
    assert feeder.replayed == []


def test_slow_typing_is_replayed_in_order_with_enter() -> None:
    feeder = Feeder()
    last = feeder.keys("12", 1000, 180)
    feeder.key(ENTER, last + 200)
    assert feeder.scans == []
    assert feeder.typed == "12" + ENTER


def test_slow_typing_then_quick_enter() -> None:
    feeder = Feeder()
    last = feeder.keys("hello", 0, 120)
    feeder.key(ENTER, last + 20)
    assert feeder.scans == []
    assert feeder.typed == "hello" + ENTER
    assert [key.index for key in feeder.replayed] == list(range(6))


def test_keys_handed_back_when_the_next_key_is_late() -> None:
    feeder = Feeder()
    feeder.key("a", 0)
    feeder.key("b", 10)
    assert feeder.replayed == []
    feeder.key("c", 100)
    assert feeder.typed == "ab"
    assert feeder.detector.holding


def test_short_burst_then_enter_is_typing() -> None:
    feeder = Feeder()
    feeder.keys("42", 0, 5)
    feeder.key(ENTER, 10)
    assert feeder.scans == []
    assert feeder.typed == "42" + ENTER


def test_min_length_is_configurable() -> None:
    feeder = Feeder(WedgeDetector(min_length=6))
    feeder.keys("ABCDE", 0, 5)
    feeder.key(ENTER, 25)
    assert feeder.scans == []
    assert feeder.typed == "ABCDE" + ENTER


def test_enter_alone_passes_through() -> None:
    feeder = Feeder()
    feeder.key(ENTER, 0)
    assert feeder.scans == []
    assert feeder.typed == ENTER


def test_non_printable_key_in_a_burst_flushes_then_passes_itself() -> None:
    feeder = Feeder()
    feeder.keys("AB", 0, 5)
    feeder.key("up", 10)
    feeder.key(ESC, 12)
    feeder.keys("CD", 14, 5)
    assert feeder.typed == "AB" + "up" + ESC
    assert [key.index for key in feeder.replayed] == [0, 1, 2, 3]
    feeder.key(ENTER, 24)
    assert feeder.scans == []
    assert feeder.typed.endswith("CD" + ENTER)
    assert [key.index for key in feeder.replayed] == list(range(7))


def test_expire_after_the_gap_returns_held_keys() -> None:
    detector: WedgeDetector[Key] = WedgeDetector()
    feeder = Feeder(detector)
    feeder.keys("xyz", 0, 10)
    assert detector.expire(0.030) == []  # 10 ms after the last key
    assert detector.holding
    held = detector.expire(0.020 + BURST_GAP_S + 0.001)
    assert [key.name for key in held] == ["x", "y", "z"]
    assert not detector.holding
    assert detector.expire(10.0) == []


def test_expire_before_the_gap_keeps_them() -> None:
    detector: WedgeDetector[Key] = WedgeDetector()
    feeder = Feeder(detector)
    feeder.keys("ABCD", 1000, 10)
    assert detector.expire(1.030 + 0.049) == []
    feeder.key(ENTER, 1030 + 49)
    assert feeder.scans == ["ABCD"]


def test_expire_with_nothing_held() -> None:
    assert WedgeDetector().expire(123.0) == []


def test_deadline() -> None:
    detector: WedgeDetector[Key] = WedgeDetector()
    assert detector.deadline() is None
    feeder = Feeder(detector)
    feeder.key("a", 2000)
    deadline = detector.deadline()
    assert deadline is not None
    assert abs(deadline - (2.0 + BURST_GAP_S)) < 1e-9
    feeder.key("b", 2030)
    deadline = detector.deadline()
    assert deadline is not None
    assert abs(deadline - (2.03 + BURST_GAP_S)) < 1e-9
    assert detector.expire(deadline + 0.001) != []
    assert detector.deadline() is None


def test_custom_gap() -> None:
    feeder = Feeder(WedgeDetector(gap_s=0.2))
    feeder.keys("SLOWSCAN", 0, 150)
    feeder.key(ENTER, 7 * 150 + 150)
    assert feeder.scans == ["SLOWSCAN"]


# -- property: no key lost or duplicated -------------------------------------------------------

EVENT_NAMES = ["a", "B", "7", ":", "中", " ", ENTER, TAB, ESC, "f1"]
GAPS_MS = [1, 10, 30, 49, 51, 80, 400]


def expected(
    events: list[tuple[str, int]], gap_ms: float, min_length: int
) -> tuple[list[str], list[int]]:
    """A reference model: scans, and the indexes of keys handed back as typing."""
    scans: list[str] = []
    replayed: list[int] = []
    held: list[int] = []
    last = None
    at = 0
    for index, (name, gap) in enumerate(events):
        at += gap
        if held and last is not None and at - last > gap_ms:
            replayed.extend(held)
            held = []
        if name in (ENTER, TAB):
            if len(held) >= min_length:
                scans.append("".join(events[i][0] for i in held))
            else:
                replayed.extend(held)
                replayed.append(index)
            held = []
        elif len(name) == 1 and name.isprintable():
            held.append(index)
            last = at
        else:
            replayed.extend(held)
            replayed.append(index)
            held = []
    replayed.extend(held)
    return scans, replayed


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(EVENT_NAMES), st.sampled_from(GAPS_MS)), max_size=40),
    st.integers(1, 4),
)
def test_every_key_replayed_once_or_part_of_one_scan(
    events: list[tuple[str, int]], min_length: int
) -> None:
    feeder = Feeder(WedgeDetector(min_length=min_length))
    at = 0
    for name, gap in events:
        at += gap
        feeder.key(name, at)
    feeder.replayed.extend(feeder.detector.expire(at / 1000 + 1.0))
    assert not feeder.detector.holding

    replayed = [key.index for key in feeder.replayed]
    assert replayed == sorted(set(replayed)), "replayed out of order or twice"

    # Keys not handed back, in order, must be exactly the scans, each closed by its terminator.
    consumed = [index for index in range(len(events)) if index not in set(replayed)]
    groups: list[list[int]] = [[]]
    for index in consumed:
        groups[-1].append(index)
        if events[index][0] in (ENTER, TAB):
            groups.append([])
    assert groups[-1] == [], "keys swallowed without a scan"
    groups.pop()
    assert len(groups) == len(feeder.scans)
    for group, scan in zip(groups, feeder.scans, strict=True):
        assert group == list(range(group[0], group[-1] + 1)), "a scan must be one contiguous burst"
        assert "".join(events[i][0] for i in group[:-1]) == scan
        assert len(scan) >= min_length

    scans, expected_replay = expected(events, BURST_GAP_S * 1000, min_length)
    assert feeder.scans == scans
    assert replayed == expected_replay
