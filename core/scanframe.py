"""Scan framing: turn the byte stream of a serial barcode scanner into whole scans (pure, no I/O).

A scanner sends each barcode as ``[prefix] data suffix``. The suffix (CR, LF, CRLF or TAB) is what
separates one scan from the next; the optional prefix is something configured on the scanner
(often STX) that carries no data. :class:`ScanFramer` cuts the stream at suffixes, whatever the
chunks it arrives in, and classifies each line: a good scan has decoded ``text``; a bad one has a
``problem`` and a human ``detail`` so the screen can say what went wrong.

Decoding: UTF-8 first, then GB18030. Product and internal codes are ASCII, so either works for
them; QR and DataMatrix codes with Chinese text (addresses, waybill data) come out of scanners set
to the Chinese code page as GBK/GB18030 bytes, which are practically never valid UTF-8, while UTF-8
text is almost never mistaken for GB18030 because UTF-8 is tried first and is self-validating.
Bytes that are neither are an ``undecodable`` scan rather than a guess.

Time is passed in (``now``, in seconds from any monotonic clock), so the framer is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Suffix = Literal["CR", "LF", "CRLF", "TAB", "ANY"]
Problem = Literal["non_printable", "too_long", "incomplete", "undecodable"]

SUFFIXES: tuple[str, ...] = ("CR", "LF", "CRLF", "TAB", "ANY")
SUFFIX_BYTES: dict[str, bytes] = {
    "CR": b"\r",
    "LF": b"\n",
    "CRLF": b"\r\n",
    "TAB": b"\t",
    "ANY": b"\r",
}
"""The bytes a scanner (or a simulation) appends to each scan for each suffix setting."""

GROUP_SEPARATOR = "\x1d"
"""GS, the FNC1 field separator of GS1-128 and GS1 DataMatrix: part of the data, never a problem."""

GS_MARKER = "\u241d"  # SYMBOL FOR GROUP SEPARATOR

_TERMINATORS: dict[str, re.Pattern[bytes]] = {
    "CR": re.compile(rb"\r"),
    "LF": re.compile(rb"\n"),
    # A CRLF line ends at LF when the byte before it was CR; a bare LF belongs to the line.
    "CRLF": re.compile(rb"\n"),
    "TAB": re.compile(rb"\t"),
    "ANY": re.compile(rb"[\r\n\t]"),
}
_BLANK = frozenset(b"\r\n\t")
_CR = 0x0D
_LOST = "the connection was lost before the end of the scan"
# An AIM symbology identifier (ISO/IEC 15424): "]", a symbology letter, one modifier character.
_AIM_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class ScanFraming:
    """How a scanner marks its scans: the options of a station's scanner URL that shape framing.

    ``suffix``: what ends a scan: ``CR``, ``LF``, ``CRLF``, ``TAB`` or ``ANY`` (any of CR, LF and
    TAB; a CRLF pair then ends one scan, the empty line after CR being ignored).
    ``prefix``: bytes the scanner puts before every scan, stripped when present.
    ``max_length``: the longest scan accepted, counted in bytes as read (one byte per character
    for the ASCII that barcodes carry; Chinese text takes 2 to 4 bytes a character).
    ``partial_timeout_s``: how long the rest of a scan may keep us waiting; a line without its
    suffix by then is an ``incomplete`` scan, since a scanner sends a whole scan in one burst.
    ``fallback_encoding``: tried when a scan is not valid UTF-8; ``None`` to accept UTF-8 only.
    """

    suffix: Suffix = "ANY"
    prefix: bytes | str | None = None
    max_length: int = 512
    partial_timeout_s: float = 0.5
    fallback_encoding: str | None = "gb18030"

    def __post_init__(self) -> None:
        suffix = str(self.suffix).upper()
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}, not {self.suffix!r}")
        object.__setattr__(self, "suffix", suffix)
        if isinstance(self.prefix, str):
            object.__setattr__(self, "prefix", self.prefix.encode("utf-8"))
        if not self.prefix:
            object.__setattr__(self, "prefix", None)
        if isinstance(self.max_length, bool) or not isinstance(self.max_length, int):
            raise ValueError(f"max_length must be a whole number, not {self.max_length!r}")
        if self.max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {self.max_length}")
        if not self.partial_timeout_s > 0:
            raise ValueError(
                f"partial_timeout_s must be more than 0 seconds, not {self.partial_timeout_s!r}"
            )
        if self.fallback_encoding is not None:
            try:
                b"A".decode(self.fallback_encoding)
            except LookupError as err:
                raise ValueError(f"unknown encoding {self.fallback_encoding!r}") from err

    @property
    def prefix_bytes(self) -> bytes:
        """The prefix as bytes (empty when there is none)."""
        return self.prefix if isinstance(self.prefix, bytes) else b""

    @property
    def suffix_bytes(self) -> bytes:
        """The bytes that end a scan under this setting (CR for ``ANY``)."""
        return SUFFIX_BYTES[self.suffix]


@dataclass(frozen=True)
class FramedScan:
    """One line from a scanner: the bytes as read (without suffix) and what they say.

    ``text`` is the decoded scan with the scanner's prefix removed and any AIM symbology
    identifier (``]E0``, ``]C1``, ``]d2`` …) and GS separators kept, since the barcode parser
    uses them (:func:`display_code` is the form for people). ``problem`` is ``None`` for a good
    scan, otherwise one of ``non_printable``, ``too_long``, ``incomplete`` or ``undecodable``;
    ``detail`` says it in words for the screen and the audit. A bad scan keeps its ``text`` when
    its bytes decode, for showing only; it is ``None`` for ``too_long`` and ``undecodable``.
    ``encoding`` is the one that decoded ``text`` (``utf-8`` or the fallback, ``gb18030``).
    """

    raw: bytes
    text: str | None
    problem: Problem | None = None
    detail: str = ""
    encoding: str | None = "utf-8"

    @property
    def ok(self) -> bool:
        """True for a scan that can be handed to the barcode parser."""
        return self.problem is None and self.text is not None


def display_code(text: str) -> str:
    """Show a scan to a person: drop an AIM symbology identifier, make control characters visible.

    GS becomes ``␝``; other C0 controls their Unicode control pictures, DEL ``␡``, C1 ``\\x85``.
    """
    shown = _AIM_IDENTIFIER.sub("", text, count=1)
    out: list[str] = []
    for char in shown:
        code = ord(char)
        if char == GROUP_SEPARATOR:
            out.append(GS_MARKER)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(char)
    return "".join(out)


class ScanFramer:
    """Cuts a scanner's byte stream into :class:`FramedScan` lines.

    Feed bytes as they arrive with :meth:`feed`, call :meth:`expire` while the port is quiet, and
    :meth:`flush` when the connection is lost. However the stream is split into chunks, the same
    scans come out, in order, and no two lines are ever merged. A line longer than
    ``max_length`` gives one ``too_long`` scan the moment it overflows; the rest of it, up to the
    next suffix (or a pause of ``partial_timeout_s``), is discarded without being kept in memory.
    """

    def __init__(self, framing: ScanFraming | None = None) -> None:
        self.framing = framing or ScanFraming()
        self._terminator = _TERMINATORS[self.framing.suffix]
        self._crlf = self.framing.suffix == "CRLF"
        self._line = bytearray()
        self._discarding = False
        self._last_byte: int | None = None
        self._last_time: float | None = None

    @property
    def pending_bytes(self) -> int:
        """How many bytes of an unfinished line are held (never more than ``max_length + 2``)."""
        return len(self._line)

    @property
    def has_partial(self) -> bool:
        """True while a line has started and its suffix has not come yet."""
        return bool(self._line) or self._discarding

    def feed(self, data: bytes, now: float) -> list[FramedScan]:
        """Take the next bytes read from the scanner at time ``now``; return the scans they end.

        A partial line left over from before a pause longer than ``partial_timeout_s`` is first
        given out as ``incomplete``, so it is never joined to the new bytes.
        """
        scans = self.expire(now)
        if not data:
            return scans
        view = memoryview(data)
        pos, size = 0, len(data)
        while pos < size:
            match = self._terminator.search(data, pos)
            if match is None:
                self._take(view[pos:], scans)
                break
            end = match.start()
            self._take(view[pos:end], scans)
            if self._crlf and self._last_byte != _CR:
                self._take(view[end : end + 1], scans)  # a bare LF inside a CRLF line
            else:
                self._finish_line(scans)
                self._last_byte = data[end]
            pos = end + 1
        self._last_time = now
        return scans

    def expire(self, now: float) -> list[FramedScan]:
        """Give out a partial line as ``incomplete`` once ``partial_timeout_s`` has passed since
        its last byte; also ends the discarding of an over-long line's tail."""
        if self._last_time is None or not self.has_partial:
            return []
        if now - self._last_time < self.framing.partial_timeout_s:
            return []
        timeout = self.framing.partial_timeout_s
        return self._cut(f"no end-of-scan ({self.framing.suffix}) within {timeout:g} s")

    def flush(self, reason: str = _LOST) -> list[FramedScan]:
        """Give out any partial line as ``incomplete`` now (for example when the port is lost)."""
        if not self.has_partial:
            self._last_byte = None
            return []
        return self._cut(reason)

    def _cut(self, reason: str) -> list[FramedScan]:
        raw = bytes(self._line)
        discarding = self._discarding
        self._line.clear()
        self._discarding = False
        self._last_byte = None
        if discarding or _is_blank(raw):
            return []
        if self._crlf and raw.endswith(b"\r"):
            raw = raw[:-1]
        body = self._strip_prefix(raw)
        if _is_blank(body):
            return []
        text, encoding = self._decode_partial(body)
        return [FramedScan(raw, text, "incomplete", reason, encoding)]

    def _take(self, chunk: memoryview, scans: list[FramedScan]) -> None:
        """Add bytes to the current line, never holding more than ``max_length + 2`` of them."""
        if not chunk:
            return
        self._last_byte = chunk[-1]
        if self._discarding:
            return
        limit = self.framing.max_length
        room = limit + 2 - len(self._line)
        self._line += chunk[:room]
        # Under CRLF a trailing CR may yet turn out to be half of the suffix.
        allowed = limit + 1 if self._crlf and self._line.endswith(b"\r") else limit
        if len(self._line) > allowed:
            raw = bytes(self._line[:limit])
            self._line.clear()
            self._discarding = True
            scans.append(
                FramedScan(
                    raw,
                    None,
                    "too_long",
                    f"longer than {limit} bytes; the rest of the line was discarded",
                    None,
                )
            )

    def _finish_line(self, scans: list[FramedScan]) -> None:
        if self._discarding:
            self._discarding = False
            self._line.clear()
            return
        raw = bytes(self._line)
        self._line.clear()
        if self._crlf:
            raw = raw[:-1]  # the CR of the CRLF just seen
        scan = self._classify(raw)
        if scan is not None:
            scans.append(scan)

    def _strip_prefix(self, raw: bytes) -> bytes:
        prefix = self.framing.prefix_bytes
        if prefix and raw.startswith(prefix):
            return raw[len(prefix) :]
        return raw

    def _decode(self, body: bytes) -> tuple[str | None, str | None]:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        fallback = self.framing.fallback_encoding
        if fallback is not None:
            try:
                return body.decode(fallback), fallback
            except UnicodeDecodeError:
                pass
        return None, None

    def _decode_partial(self, body: bytes) -> tuple[str | None, str | None]:
        """Decode a line that was cut short, perhaps inside its last UTF-8 character."""
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as err:
            if err.reason == "unexpected end of data":
                return body[: err.start].decode("utf-8") or None, "utf-8"
        return self._decode(body)

    def _classify(self, raw: bytes) -> FramedScan | None:
        body = self._strip_prefix(raw)
        if _is_blank(body):
            return None
        text, encoding = self._decode(body)
        # C0 and DEL bytes are control characters in UTF-8 and GB18030 alike (neither uses them
        # inside a multibyte character), so they are found even in bytes that do not decode.
        for index, byte in enumerate(body):
            if (byte < 0x20 and byte != 0x1D) or byte == 0x7F:
                detail = f"control character 0x{byte:02x} at byte {index + 1}"
                return FramedScan(raw, text, "non_printable", detail, encoding)
        if text is None:
            return FramedScan(raw, None, "undecodable", f"not {self._encodings()} text", None)
        for index, char in enumerate(text):
            if char != GROUP_SEPARATOR and unicodedata.category(char) == "Cc":
                detail = f"control character U+{ord(char):04X} at character {index + 1}"
                return FramedScan(raw, text, "non_printable", detail, encoding)
        return FramedScan(raw, text, None, "", encoding)

    def _encodings(self) -> str:
        fallback = self.framing.fallback_encoding
        return "UTF-8" if fallback is None else f"UTF-8 or {fallback.upper()}"


def _is_blank(raw: bytes) -> bool:
    """A line of nothing but line-ending bytes carries no scan."""
    return all(byte in _BLANK for byte in raw)
