"""Keyboard input from a terminal nobody vouches for: whatever bytes arrive, the floor
terminal carries on.

Textual's Linux driver decodes its input as strict UTF-8 and hands it to a parser that turns
some escape parameters into Python integers and characters. A handheld set to GBK, a lone
byte such as 0x97 or ``ESC[99999999999~`` then raised UnicodeDecodeError or OverflowError in
the input thread, and the session ended. Here bytes that are not UTF-8 become U+FFFD (so a
scanner burst made of them is a bad scan, see :func:`core.scans.wedge_problem`), a sequence
with an absurd parameter is ignored, and a report of an absurd size or position is dropped.
"""

from __future__ import annotations

import codecs
import logging
import os
import selectors
from collections.abc import Callable, Generator, Iterable

from textual import events
from textual._loop import loop_last
from textual._parser import ParseError, Peek1, Read1
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.keys import Keys
from textual.message import Message

log = logging.getLogger("wareterm.input")

#: Sizes and positions a terminal may report (the SSH server cuts windows to 1000×500 too).
MAX_COLUMNS, MAX_ROWS = 1000, 500


def _sane_position(x: float, y: float) -> bool:
    return 0 <= x < MAX_COLUMNS and 0 <= y < MAX_ROWS


class FloorInputParser(XTermParser):
    """Textual's parser, minus the ways hostile input could make it raise or mislead it."""

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        try:
            keys = list(super()._sequence_to_key_events(sequence, alt))
        except (ValueError, OverflowError):
            # A key number no character has (ESC[99999999999~): understood, and ignored.
            keys = [events.Key(Keys.Ignore, sequence)]
        for key in keys:
            if key.character and any(0xD800 <= ord(char) <= 0xDFFF for char in key.character):
                yield events.Key(Keys.Ignore, sequence)  # half a character is no key
            else:
                yield key

    def parse(
        self, token_callback: Callable[[Message], None]
    ) -> Generator[Read1 | Peek1, str, None]:
        def sane(token: Message) -> None:
            if isinstance(token, events.Resize):
                width, height = token.size
                if not (0 < width <= MAX_COLUMNS and 0 < height <= MAX_ROWS):
                    return
            elif isinstance(token, events.MouseEvent):
                if not _sane_position(token.x, token.y):
                    return
            elif isinstance(token, events.CursorPosition) and not _sane_position(token.x, token.y):
                return
            token_callback(token)

        return super().parse(sane)


class FloorDriver(LinuxDriver):
    """The Linux driver with an input thread that survives any bytes (see the module)."""

    def run_input_thread(self) -> None:
        """Textual's input loop (``LinuxDriver.run_input_thread``), decoding with
        replacement and parsing with :class:`FloorInputParser`. Should the parser still
        fail, the input that made it fail is dropped and a fresh parser carries on."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = FloorInputParser(self._debug)
        decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode

        def process(data: str) -> None:
            nonlocal parser
            try:
                for event in parser.feed(data):
                    self.process_message(event)
            except Exception as error:  # whatever the bytes, the terminal carries on
                log.warning("input dropped: %s", error)
                parser = FloorInputParser(self._debug)

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            nonlocal parser
            for last, (_key, mask) in loop_last(selector_events):
                if mask & selectors.EVENT_READ:
                    text = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not text:
                        break
                    process(text)
            try:
                for event in parser.tick():
                    self.process_message(event)
            except Exception as error:
                log.warning("input dropped: %s", error)
                parser = FloorInputParser(self._debug)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
