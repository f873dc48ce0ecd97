"""The terminal's input parser with hostile sequences: nothing raises, nothing absurd passes.
(The whole path, bytes over SSH into a running terminal, is in tests/e2e/test_serve_hardening.py.)"""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from core.scans import wedge_problem
from tui.driver import FloorInputParser

ABSURD = [
    "\x1b[99999999999~",
    "\x1b[99999999999;5~",
    "\x1b[999999999999999999999u",
    "\x1b[1114112u",  # one past the last character
    "\x1b[97;5:99999999999u",
    "\x1b[55296u",  # half a character (a lone surrogate)
    "\x1b[48;99999999;99999999;1;1t",  # a window of 10^8 × 10^8
    "\x1b[<0;99999999;5M",  # a click far off any screen
    "\x1b[99999999999;99999999999R",
]


@pytest.mark.parametrize("sequence", ABSURD)
def test_an_absurd_sequence_is_ignored_and_typing_goes_on(sequence: str) -> None:
    parser = FloorInputParser()
    got = [*parser.feed("ab" + sequence + "cd\r"), *parser.tick()]
    assert [event.key for event in got if isinstance(event, events.Key)] == [
        "a",
        "b",
        "c",
        "d",
        "enter",
    ]
    assert not [event for event in got if not isinstance(event, events.Key)]


def test_textual_alone_raises_on_them() -> None:
    # What the floor's parser exists for (if Textual stops raising, it can go).
    failures = 0
    for sequence in ABSURD:
        try:
            list(XTermParser().feed(sequence))
        except (ValueError, OverflowError):
            failures += 1
    assert failures >= 4


def test_sane_sequences_still_work() -> None:
    parser = FloorInputParser()
    got = [
        *parser.feed("\x1b[A\x1b[3~\x1b[97;5u\x1b[48;24;80;480;800t\x1b[<0;10;5M"),
        *parser.tick(),
    ]
    keys = [event.key for event in got if isinstance(event, events.Key)]
    assert keys == ["up", "delete", "ctrl+a"]
    assert [type(event) for event in got if not isinstance(event, events.Key)] == [
        events.Resize,
        events.MouseDown,
    ]


def test_a_wedge_burst_with_undecodable_bytes_is_a_bad_scan() -> None:
    assert wedge_problem("\ufffd\ufffd\ufffd") == "undecodable"
    assert wedge_problem("P:000001") is None
    assert wedge_problem("订单-0001") is None
