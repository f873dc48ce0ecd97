"""ESC/POS printers reached by URL, behind one ``Printer`` interface and one ``PrinterError``.

A station's printer is a URL::

    tcp://10.0.0.5:9100                 raw TCP ("JetDirect"), port 9100 when left out
    serial:///dev/ttyS0?baudrate=19200  also bytesize, parity, stopbits, xonxoff, rtscts, dsrdtr
    usb://04b8:0202                     vendor:product in hex (needs pyusb and libusb)
    file:///dev/usb/lp0                 a device node, or a spool file (bytes are appended)
    dir:///srv/labels                   a folder: one ``.bin`` file per label (demo, archives)
    dummy://                            keeps the bytes in memory (demo and tests)

Every URL also takes ``connect_timeout``, ``write_timeout`` and ``status_timeout`` (seconds) and
``cjk=raster|gb18030|auto``: how labels with Chinese text reach this printer (see
``devices.render.outbound_label_escpos``; ``gb18030`` only for printers with a Chinese mode).

Nothing here does I/O before :meth:`Printer.open`: constructors, attribute reads and garbage
collection never touch the device. python-escpos is imported lazily and only through
:func:`load_escpos`, which keeps its import-time side effects (a root logging handler, a fresh
temporary directory per process) away from the application.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import importlib.util
import logging
import os
import pickle
import select
import socket
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from core.i18n import N_, _
from core.notices import notice

#: How labels with Chinese text reach a printer: as a picture, as GB18030 text, or decided from
#: the printer profile.
CjkMode = Literal["raster", "gb18030", "auto"]

DEFAULT_TCP_PORT = 9100
#: Seconds to wait for a printer to accept a connection or a serial/USB device to open.
CONNECT_TIMEOUT = 3.0
#: Seconds a printer may stop taking data before a job is given up.
WRITE_TIMEOUT = 5.0
#: Seconds to wait for the answer to one real-time status query (DLE EOT n).
STATUS_TIMEOUT = 0.5

# Real-time status queries (ESC/POS DLE EOT n) and what the answer bits mean.
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12  # bits 0,1,4,7 of every answer are 0,1,1,0
_OFFLINE = 0x08  # n=1
_COVER_OPEN = 0x04  # n=2
_STOPPED_PAPER_END = 0x20  # n=2
_ERROR = 0x40  # n=2
_PAPER_NEAR_END = 0x0C  # n=4
_PAPER_END = 0x60  # n=4

_SCHEMES = ("tcp", "serial", "usb", "file", "dir", "dummy")
_URL_HELP = N_(
    "use tcp://HOST:9100, serial:///dev/ttyS0?baudrate=19200, usb://VID:PID (hex, e.g. "
    "usb://04b8:0202), file:///dev/usb/lp0 or file:///PATH/TO/SPOOL, dir:///PATH/TO/FOLDER, "
    "or dummy://"
)


class PrinterStatus(StrEnum):
    """What a printer said about itself when asked (``unknown`` when it did not answer)."""

    READY = "ready"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    PAPER_LOW = "paper_low"
    COVER_OPEN = "cover_open"
    UNKNOWN = "unknown"


class PrinterFault(StrEnum):
    """Why a printer operation failed: the ``reason`` of a :class:`PrinterError`."""

    BAD_URL = "bad_url"
    NOT_FOUND = "not_found"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    BUSY = "busy"
    NO_PERMISSION = "no_permission"
    MISSING_DRIVER = "missing_driver"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    IO_ERROR = "io_error"


class PrinterError(Exception):
    """A printer could not do what was asked. ``reason`` is a :class:`PrinterFault` code for
    programs (retry, mark the job failed, show an icon); the message is for the technician at
    the bench and says what to check."""

    def __init__(self, reason: PrinterFault, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.message))


def _bad_url(url: str, why: str) -> PrinterError:
    return PrinterError(
        PrinterFault.BAD_URL,
        _("printer URL {url!r}: {why} — {help}").format(url=url, why=why, help=_(_URL_HELP)),
    )


@dataclass(frozen=True)
class PrinterConfig:
    """Where a printer is and how to talk to it; build it with :meth:`from_url`."""

    url: str
    scheme: str
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    path: str = ""
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False
    dsrdtr: bool = False
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    profile: str | None = None
    width_dots: int = 576
    connect_timeout: float = CONNECT_TIMEOUT
    write_timeout: float = WRITE_TIMEOUT
    status_timeout: float = STATUS_TIMEOUT
    cjk_mode: CjkMode = "auto"
    dummy_status: PrinterStatus = PrinterStatus.READY

    @classmethod
    def from_url(cls, url: str, profile: str | None = None, width_dots: int = 576) -> PrinterConfig:
        """Parse a printer URL (see the module docstring). ``profile`` is a python-escpos
        printer profile name; ``width_dots`` the printable width (576 for 80 mm at 203 dpi).
        Raises :class:`PrinterError` with reason ``bad_url`` and a message naming the mistake.
        """
        url = url.strip()
        if width_dots <= 0 or width_dots % 8:
            raise _bad_url(
                url,
                _("width {width_dots} dots must be a positive multiple of 8").format(
                    width_dots=width_dots
                ),
            )
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if not scheme or "://" not in url:
            raise _bad_url(url, _("it is not a URL"))
        if scheme not in _SCHEMES:
            raise _bad_url(url, _("unknown kind of printer {scheme!r}").format(scheme=scheme))
        options = _query(url, parts.query)
        base = cls(url=url, scheme=scheme, profile=profile, width_dots=width_dots)
        if scheme == "tcp":
            return _tcp_config(base, parts, options)
        if scheme == "serial":
            return _serial_config(base, parts, options)
        if scheme == "usb":
            return _usb_config(base, parts, options)
        if scheme == "file":
            return _file_config(base, parts, options)
        if scheme == "dir":
            return _dir_config(base, parts, options)
        return _apply_options(base, options, {"status"})

    @property
    def where(self) -> str:
        """The printer as a technician names it in a message."""
        if self.scheme == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return notice("printer.where.tcp", host=host, port=self.port)
        if self.scheme == "serial":
            return notice("printer.where.serial", path=self.path)
        if self.scheme == "usb":
            return notice(
                "printer.where.usb",
                vendor=self.vendor_id,
                product=self.product_id,
            )
        if self.scheme == "file":
            if self.is_device:
                return notice("printer.where.device", path=self.path)
            return notice("printer.where.spool_file", path=self.path)
        if self.scheme == "dir":
            return notice("printer.where.folder", path=self.path)
        return notice("printer.where.simulated")

    @property
    def is_device(self) -> bool:
        """For ``file://``: whether the path is a device node (never created if missing)."""
        return self.path.startswith("/dev/")


_COMMON_OPTIONS = {"connect_timeout", "write_timeout", "status_timeout", "cjk"}
_SERIAL_OPTIONS = {"baudrate", "bytesize", "parity", "stopbits", "xonxoff", "rtscts", "dsrdtr"}


def _query(url: str, query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _bad_url(url, _("cannot read the options {query!r}").format(query=query)) from None
    for key, value in pairs:
        key = key.lower()
        if key in options:
            raise _bad_url(url, _("option {key!r} is given twice").format(key=key))
        options[key] = value
    return options


def _apply_options(
    config: PrinterConfig, options: dict[str, str], allowed: set[str]
) -> PrinterConfig:
    url = config.url
    changes: dict[str, Any] = {}
    for key, value in options.items():
        if key == "cjk":
            if value.lower() not in ("raster", "gb18030", "auto"):
                raise _bad_url(
                    url, _("cjk={value} must be raster, gb18030 or auto").format(value=value)
                )
            changes["cjk_mode"] = cast(CjkMode, value.lower())
        elif key in _COMMON_OPTIONS:
            seconds = _number(url, key, value, float)
            if not 0 < seconds <= 600:
                raise _bad_url(
                    url,
                    _("{key}={value} must be between 0 and 600 seconds").format(
                        key=key, value=value
                    ),
                )
            changes[key] = seconds
        elif key not in allowed:
            known = sorted(allowed | _COMMON_OPTIONS)
            raise _bad_url(
                url,
                _("unknown option {key!r} for {scheme}:// (known: {join})").format(
                    key=key, scheme=config.scheme, join=", ".join(known)
                ),
            )
        elif key == "baudrate":
            changes[key] = _number(url, key, value, int)
            if changes[key] <= 0:
                raise _bad_url(url, _("baudrate={value} must be positive").format(value=value))
        elif key == "bytesize":
            changes[key] = _number(url, key, value, int)
            if changes[key] not in (5, 6, 7, 8):
                raise _bad_url(url, _("bytesize={value} must be 5, 6, 7 or 8").format(value=value))
        elif key == "parity":
            parity = value.upper()[:1]
            if parity not in ("N", "E", "O", "M", "S"):
                raise _bad_url(url, _("parity={value} must be N, E, O, M or S").format(value=value))
            changes[key] = parity
        elif key == "stopbits":
            stopbits = _number(url, key, value, float)
            if stopbits not in (1, 1.5, 2):
                raise _bad_url(url, _("stopbits={value} must be 1, 1.5 or 2").format(value=value))
            changes[key] = stopbits
        elif key in ("xonxoff", "rtscts", "dsrdtr"):
            flag = value.lower()
            if flag not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise _bad_url(
                    url, _("{key}={value} must be on or off").format(key=key, value=value)
                )
            changes[key] = flag in ("1", "true", "yes", "on")
        elif key in ("in_ep", "out_ep"):
            changes[key] = _number(url, key, value, lambda v: int(v, 0))
        elif key == "status":
            try:
                changes["dummy_status"] = PrinterStatus(value.lower())
            except ValueError:
                choices = ", ".join(s.value for s in PrinterStatus)
                raise _bad_url(
                    url,
                    _("status={value} must be one of {choices}").format(
                        value=value, choices=choices
                    ),
                ) from None
    return replace(config, **changes)


def _number(url: str, key: str, value: str, kind: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise _bad_url(
            url, _("{key}={value!r} is not a number").format(key=key, value=value)
        ) from None


def _tcp_config(base: PrinterConfig, parts: Any, options: dict[str, str]) -> PrinterConfig:
    url = base.url
    if parts.username or parts.password:
        raise _bad_url(url, _("a printer URL has no user name or password"))
    if parts.path not in ("", "/"):
        raise _bad_url(url, _("a tcp:// printer has no path ({path!r})").format(path=parts.path))
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _bad_url(url, _("the port must be a number between 1 and 65535")) from None
    if not host:
        raise _bad_url(url, _("the printer's host name or IP address is missing"))
    if port == 0:
        raise _bad_url(url, _("the port must be a number between 1 and 65535"))
    config = replace(base, host=host, port=port or DEFAULT_TCP_PORT)
    return _apply_options(config, options, set())


def _serial_config(base: PrinterConfig, parts: Any, options: dict[str, str]) -> PrinterConfig:
    path = unquote(parts.path)
    if parts.netloc or not path.startswith("/"):
        raise _bad_url(base.url, _("a serial port is an absolute path: serial:///dev/ttyS0"))
    return _apply_options(replace(base, path=path), options, _SERIAL_OPTIONS)


def _usb_config(base: PrinterConfig, parts: Any, options: dict[str, str]) -> PrinterConfig:
    ids = parts.netloc.split(":")
    if len(ids) != 2 or parts.path not in ("", "/"):
        raise _bad_url(base.url, _("a USB printer is usb://VENDOR:PRODUCT, e.g. usb://04b8:0202"))
    try:
        vendor, product = (int(part, 16) for part in ids)
    except ValueError:
        raise _bad_url(
            base.url, _("vendor and product ids are hexadecimal, e.g. 04b8:0202")
        ) from None
    if not (0 < vendor <= 0xFFFF and 0 < product <= 0xFFFF):
        raise _bad_url(base.url, _("vendor and product ids are four hex digits each"))
    config = replace(base, vendor_id=vendor, product_id=product)
    return _apply_options(config, options, {"in_ep", "out_ep"})


def _file_config(base: PrinterConfig, parts: Any, options: dict[str, str]) -> PrinterConfig:
    path = unquote(parts.path)
    if parts.netloc not in ("", "localhost") or not path.startswith("/"):
        raise _bad_url(base.url, _("a file printer is an absolute path: file:///dev/usb/lp0"))
    if path.endswith("/"):
        raise _bad_url(
            base.url, _("{path} is a directory, not a file or a device").format(path=path)
        )
    return _apply_options(replace(base, path=path), options, set())


def _dir_config(base: PrinterConfig, parts: Any, options: dict[str, str]) -> PrinterConfig:
    path = unquote(parts.path)
    if parts.netloc not in ("", "localhost") or not path.startswith("/"):
        raise _bad_url(base.url, _("a label folder is an absolute path: dir:///srv/labels"))
    path = path.rstrip("/") or "/"
    return _apply_options(replace(base, path=path), options, set())


# --------------------------------------------------------------------------- python-escpos


_escpos_lock = threading.Lock()


@contextlib.contextmanager
def quiet_root_logging() -> Iterator[None]:
    """Keep third-party code from configuring the root logger while inside the block.

    python-escpos calls ``logging.basicConfig()`` at import and uses ``logging.info(...)``, which
    would attach a stderr handler that draws over a terminal UI. A NullHandler on the root logger
    makes those calls no-ops; it is removed again afterwards, so the application's own logging
    setup is untouched.
    """
    root = logging.getLogger()
    guard = None
    if not root.handlers:
        guard = logging.NullHandler()
        root.addHandler(guard)
    try:
        yield
    finally:
        if guard is not None:
            root.removeHandler(guard)


def _escpos_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for candidate in (
        os.path.join(base, "wareterm", "escpos"),
        os.path.join(tempfile.gettempdir(), f"wareterm-escpos-{os.getuid()}"),
    ):
        try:
            os.makedirs(candidate, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    return tempfile.gettempdir()


@contextlib.contextmanager
def _cache_turn(cache: str) -> Iterator[None]:
    """One process at a time imports python-escpos with this cache: it creates its pickle
    empty, then fills it, so another process starting at that moment would read an empty file
    (seen with two terminals started together)."""
    try:
        fd = os.open(os.path.join(cache, "import.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def load_escpos() -> None:
    """Import python-escpos once, without its import-time side effects.

    Its capabilities cache goes to a stable directory (``~/.cache/wareterm/escpos``) instead of
    a new temporary directory per process, and its ``logging.basicConfig()`` is neutralised.
    Call this before any ``import escpos...`` in a function body.
    """
    with _escpos_lock:
        if "escpos.printer" in sys.modules:
            return
        key = "ESCPOS_CAPABILITIES_PICKLE_DIR"
        cache = _escpos_cache_dir()
        previous = os.environ.get(key)
        if previous is None:
            os.environ[key] = cache
        # escpos.capabilities calls mkdtemp() even when the variable is set (it is the default
        # argument of environ.get), so for the import the temporary directory is a scratch
        # folder in our cache, emptied again afterwards.
        scratch = os.path.join(cache, "scratch")
        saved_tempdir = tempfile.tempdir
        with contextlib.suppress(OSError):
            os.makedirs(scratch, exist_ok=True)
            tempfile.tempdir = scratch
        try:
            with quiet_root_logging(), _cache_turn(cache):
                try:
                    import escpos.escpos  # noqa: F401
                except (EOFError, pickle.UnpicklingError):
                    # A cache left half written (a process killed while writing it): read the
                    # printer database again, which writes the cache anew.
                    for stale in Path(cache).glob("*.capabilities.pickle"):
                        with contextlib.suppress(OSError):
                            stale.unlink()
                    import escpos.escpos  # noqa: F401
                import escpos.printer  # noqa: F401
        finally:
            tempfile.tempdir = saved_tempdir
            if previous is None:
                os.environ.pop(key, None)
            with contextlib.suppress(OSError):
                for entry in os.scandir(scratch):
                    with contextlib.suppress(OSError):
                        os.rmdir(entry.path)  # only ever removes empty directories


# --------------------------------------------------------------------------- printers


class Printer(ABC):
    """One ESC/POS printer. Use it from one thread at a time.

    The life of a printer object: ``open()`` explicitly (nothing connects before), ``send()``
    label bytes any number of times, ask ``status()`` when useful, ``close()``. It is also a
    context manager that opens and closes. Every failure is a :class:`PrinterError`; after a
    ``timeout`` or ``closed`` error while sending, the connection is closed (the printer may
    have printed part of a label) and must be opened again.
    """

    def __init__(self, config: PrinterConfig) -> None:
        """Remember the configuration; no I/O happens here."""
        self.config = config

    @property
    @abstractmethod
    def is_open(self) -> bool:
        """Whether :meth:`open` succeeded and :meth:`close` has not been called since."""

    @abstractmethod
    def open(self) -> None:
        """Connect to the printer (a no-op when already open).

        Waits at most ``config.connect_timeout`` seconds (3 s unless the URL says otherwise).
        Raises :class:`PrinterError`: ``refused``, ``timeout``, ``not_found``, ``unreachable``,
        ``busy``, ``no_permission``, ``missing_driver``, ``offline`` or ``io_error``.
        """

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Send raw ESC/POS bytes (a whole label, normally).

        Returns when every byte has been handed to the connection. Raises :class:`PrinterError`:
        ``not_open``; ``timeout`` when the printer stops taking data for
        ``config.write_timeout`` seconds (5 s by default); ``closed`` when the printer drops the
        connection mid-job; ``io_error`` for anything else. After ``timeout`` or ``closed`` the
        printer object is closed.
        """

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer how it is, with ESC/POS real-time queries (DLE EOT 1, 2 and 4).

        Each query waits ``config.status_timeout`` seconds (0.5 s) for its answer; a printer
        that does not answer is ``unknown`` (never assumed ready). File and dummy printers
        cannot answer and report ``ready``. Raises :class:`PrinterError` (``not_open``,
        ``closed``) when the connection itself is gone.
        """

    @abstractmethod
    def close(self) -> None:
        """Release the connection; safe to call more than once, never raises."""

    def print_job(self, data: bytes, expect_status: bool = False) -> PrinterStatus:
        """Send one job to an open printer after checking it can print.

        Raises :class:`PrinterError` with reason ``paper_out``, ``cover_open`` or ``offline``
        (nothing is sent) when the printer says so; an ``unknown`` status does not stop the job,
        unless ``expect_status`` says this printer has answered status queries before: then
        silence means it is jammed or stalled, and the job is not sent (reason ``timeout``),
        since what a stalled printer was sent waits in buffers that are lost when it is
        switched off and on. Returns the status seen before sending.
        """
        seen = self.status()
        if seen is PrinterStatus.UNKNOWN and expect_status:
            raise PrinterError(
                PrinterFault.TIMEOUT,
                notice("printer.stopped_answering", where=self.config.where),
            )
        refusal = {
            PrinterStatus.PAPER_OUT: (
                PrinterFault.PAPER_OUT,
                notice("printer.state.paper_out"),
            ),
            PrinterStatus.COVER_OPEN: (
                PrinterFault.COVER_OPEN,
                notice("printer.state.cover_open"),
            ),
            PrinterStatus.OFFLINE: (
                PrinterFault.OFFLINE,
                notice("printer.state.offline"),
            ),
        }.get(seen)
        if refusal is not None:
            reason, what = refusal
            raise PrinterError(
                reason,
                notice("printer.refused_state", where=self.config.where, what=what),
            )
        self.send(data)
        return seen

    def __enter__(self) -> Printer:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.url!r})"

    def _not_open(self) -> PrinterError:
        return PrinterError(
            PrinterFault.NOT_OPEN,
            notice("printer.not_open", where=self.config.where),
        )


def interpret_status(printer: int | None, cause: int | None, paper: int | None) -> PrinterStatus:
    """Turn the answers to DLE EOT 1, 2 and 4 (one byte each, None when unanswered or
    malformed) into a :class:`PrinterStatus`."""

    def valid(answer: int | None) -> int | None:
        return answer if answer is not None and answer & _FIXED_MASK == _FIXED_BITS else None

    printer, cause, paper = valid(printer), valid(cause), valid(paper)
    if printer is None:
        return PrinterStatus.UNKNOWN
    if cause is not None and cause & _COVER_OPEN:
        return PrinterStatus.COVER_OPEN
    if (paper is not None and paper & _PAPER_END) or (
        cause is not None and cause & _STOPPED_PAPER_END
    ):
        return PrinterStatus.PAPER_OUT
    if printer & _OFFLINE or (cause is not None and cause & _ERROR):
        return PrinterStatus.OFFLINE
    if paper is not None and paper & _PAPER_NEAR_END:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.READY


class _TwoWayPrinter(Printer):
    """A printer on a two-way link (TCP, serial, USB): status comes from DLE EOT queries."""

    @abstractmethod
    def _discard_input(self) -> None:
        """Drop bytes already received (late answers to earlier queries)."""

    @abstractmethod
    def _query(self, query: bytes, timeout: float) -> int | None:
        """Send a real-time query and return the first byte of the answer, or None."""

    def status(self) -> PrinterStatus:
        if not self.is_open:
            raise self._not_open()
        timeout = self.config.status_timeout
        self._discard_input()
        printer = self._query(DLE_EOT_PRINTER, timeout)
        if printer is None:
            return PrinterStatus.UNKNOWN
        cause = self._query(DLE_EOT_OFFLINE_CAUSE, timeout)
        paper = self._query(DLE_EOT_PAPER, timeout)
        return interpret_status(printer, cause, paper)


def _os_error(config: PrinterConfig, exc: OSError, doing: str) -> PrinterError:
    """Translate an OS-level error into a PrinterError a technician can act on."""
    where = config.where
    code = exc.errno
    if isinstance(exc, socket.gaierror):
        return PrinterError(
            PrinterFault.NOT_FOUND,
            notice("printer.unknown_host", host=config.host),
        )
    if isinstance(exc, ConnectionRefusedError):
        return PrinterError(
            PrinterFault.REFUSED,
            notice("printer.refused", where=where, port=config.port),
        )
    if isinstance(exc, TimeoutError) and doing == "connect":
        return PrinterError(
            PrinterFault.TIMEOUT,
            notice(
                "printer.connect_timeout",
                where=where,
                connect_timeout=config.connect_timeout,
            ),
        )
    if isinstance(exc, TimeoutError):
        return PrinterError(
            PrinterFault.TIMEOUT,
            notice(
                "printer.write_timeout",
                where=where,
                write_timeout=config.write_timeout,
            ),
        )
    if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)) or code in (
        errno.EPIPE,
        errno.ECONNRESET,
    ):
        return PrinterError(
            PrinterFault.CLOSED,
            notice(
                "printer.closed",
                where=where,
                doing_text=doing_text(doing),
            ),
        )
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN):
        return PrinterError(
            PrinterFault.UNREACHABLE,
            notice(
                "printer.unreachable",
                where=where,
                strerror=exc.strerror,
            ),
        )
    if code in (errno.ENOENT, errno.ENODEV) and doing == "connect":
        return PrinterError(
            PrinterFault.NOT_FOUND,
            notice("printer.not_found", where=where),
        )
    if code in (errno.EIO, errno.ENODEV, errno.ENXIO):
        if doing == "connect":
            return PrinterError(
                PrinterFault.OFFLINE,
                notice(
                    "printer.not_answering",
                    where=where,
                    strerror=exc.strerror,
                ),
            )
        return PrinterError(
            PrinterFault.CLOSED,
            notice(
                "printer.gone",
                where=where,
                doing_text=doing_text(doing),
                strerror=exc.strerror,
            ),
        )
    if code in (errno.EACCES, errno.EPERM):
        return PrinterError(
            PrinterFault.NO_PERMISSION,
            notice("printer.no_permission", where=where),
        )
    if code in (errno.EBUSY, errno.EAGAIN):
        return PrinterError(
            PrinterFault.BUSY,
            notice("printer.busy", where=where),
        )
    if code == errno.ENOSPC:
        return PrinterError(PrinterFault.IO_ERROR, notice("printer.disk_full", where=where))
    reason = exc.strerror or str(exc) or type(exc).__name__
    return PrinterError(PrinterFault.IO_ERROR, f"{where}: {reason} {doing_text(doing)}")


def doing_text(doing: str) -> str:
    """A few words for an error message: what the printer was doing when it failed."""
    return {
        "connect": notice("printer.doing.connect"),
        "send": notice("printer.doing.send"),
        "status": notice("printer.doing.status"),
    }.get(doing, notice("printer.doing.other", doing=doing))


class TcpPrinter(_TwoWayPrinter):
    """A network printer on a raw TCP port (9100)."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._sock: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        if self._sock is not None:
            return
        cfg = self.config
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        except OSError as exc:
            raise _os_error(cfg, exc, "connect") from exc
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock = sock

    def send(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise self._not_open()
        try:
            if self._peer_has_closed(sock):
                raise ConnectionResetError(errno.ECONNRESET, "closed by the printer")
            sock.settimeout(self.config.write_timeout)
            # Since Python 3.5 the timeout bounds the whole sendall, not each chunk.
            sock.sendall(data)
        except OSError as exc:
            self.close()
            raise _os_error(self.config, exc, "send") from exc

    @staticmethod
    def _peer_has_closed(sock: socket.socket) -> bool:
        """True when the printer already closed its side: sending now would lose the job."""
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        sock.settimeout(0)
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False

    def _discard_input(self) -> None:
        sock = self._sock
        assert sock is not None
        sock.settimeout(0)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self.close()
            raise _os_error(self.config, exc, "status") from exc

    def _query(self, query: bytes, timeout: float) -> int | None:
        sock = self._sock
        assert sock is not None
        try:
            sock.settimeout(timeout)
            sock.sendall(query)
            answer = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            self.close()
            raise _os_error(self.config, exc, "status") from exc
        if not answer:
            self.close()
            raise PrinterError(
                PrinterFault.CLOSED,
                notice("printer.closed_during_status", where=self.config.where),
            )
        return answer[0]

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


class SerialPrinter(_TwoWayPrinter):
    """A printer on an RS-232 (or USB-serial) port, through pyserial."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._port: Any = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        if self._port is not None:
            return
        import serial

        cfg = self.config
        try:
            self._port = serial.Serial(
                port=cfg.path,
                baudrate=cfg.baudrate,
                bytesize=cfg.bytesize,
                parity=cfg.parity,
                stopbits=cfg.stopbits,
                xonxoff=cfg.xonxoff,
                rtscts=cfg.rtscts,
                dsrdtr=cfg.dsrdtr,
                timeout=cfg.status_timeout,
                write_timeout=cfg.write_timeout,
                exclusive=True,
            )
        except serial.SerialException as exc:
            raise self._serial_error(exc, "connect") from exc
        except (OSError, ValueError) as exc:
            raise PrinterError(PrinterFault.IO_ERROR, f"{cfg.where}: {exc}") from exc

    def _serial_error(self, exc: Exception, doing: str) -> PrinterError:
        import serial

        cfg = self.config
        if isinstance(exc, serial.SerialTimeoutException):
            return _os_error(cfg, TimeoutError(str(exc)), doing)
        if isinstance(exc, OSError) and exc.errno is not None:
            return _os_error(cfg, exc, doing)
        if doing == "connect":
            return PrinterError(
                PrinterFault.IO_ERROR,
                notice("printer.cannot_open", where=cfg.where, exc=str(exc)),
            )
        return PrinterError(
            PrinterFault.CLOSED,
            notice(
                "printer.serial_gone",
                where=cfg.where,
                doing_text=doing_text(doing),
                exc=str(exc),
            ),
        )

    def send(self, data: bytes) -> None:
        import serial

        port = self._port
        if port is None:
            raise self._not_open()
        try:
            port.write(data)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise self._serial_error(exc, "send") from exc

    def _discard_input(self) -> None:
        import serial

        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise self._serial_error(exc, "status") from exc

    def _query(self, query: bytes, timeout: float) -> int | None:
        import serial

        # The port was opened with timeout=status_timeout, which is what ``timeout`` is.
        port = self._port
        try:
            port.write(query)
            answer = port.read(1)
        except serial.SerialTimeoutException:
            return None
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise self._serial_error(exc, "status") from exc
        return answer[0] if answer else None

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()


class FilePrinter(Printer):
    """A printer device node (``/dev/usb/lp0``) or a spool file the bytes are appended to.

    Writes are non-blocking with a deadline, so a device that stops taking data (printer off,
    paper jam) raises ``timeout`` instead of hanging the print worker. Device paths under
    ``/dev/`` are never created; a missing spool file is.
    """

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> None:
        if self._fd is not None:
            return
        cfg = self.config
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC
        if not cfg.is_device:
            flags |= os.O_CREAT
        try:
            self._fd = os.open(cfg.path, flags, 0o644)
        except IsADirectoryError as exc:
            raise PrinterError(
                PrinterFault.BAD_URL,
                notice("printer.path_is_folder", path=cfg.path),
            ) from exc
        except FileNotFoundError as exc:
            if cfg.is_device:
                raise _os_error(cfg, exc, "connect") from exc
            raise PrinterError(
                PrinterFault.NOT_FOUND,
                notice(
                    "printer.no_folder",
                    where=cfg.where,
                    dirname=os.path.dirname(cfg.path),
                ),
            ) from exc
        except OSError as exc:
            raise _os_error(cfg, exc, "connect") from exc

    def send(self, data: bytes) -> None:
        fd = self._fd
        if fd is None:
            raise self._not_open()
        view = memoryview(data)
        deadline = time.monotonic() + self.config.write_timeout
        try:
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(errno.ETIMEDOUT, "write timed out")
                _, writable, _ = select.select([], [fd], [], remaining)
                if not writable:
                    continue
                try:
                    written = os.write(fd, view)
                except BlockingIOError:
                    continue
                view = view[written:]
        except OSError as exc:
            self.close()
            raise _os_error(self.config, exc, "send") from exc

    def status(self) -> PrinterStatus:
        if self._fd is None:
            raise self._not_open()
        return PrinterStatus.READY

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


class DirPrinter(Printer):
    """A folder that collects labels as files (``dir:///srv/labels``): each job becomes
    ``<stem>.bin`` holding its ESC/POS bytes, for the demo and for label archives.

    Set :attr:`label_stem` before sending to name the next file (the print worker uses
    ``<job id>-<subject>``; sending the same stem again replaces that file); without it a file
    is named from the time. A file appears whole or not at all (written aside, then renamed).
    The folder is created on :meth:`open` if missing. Status is always ``ready``.
    """

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._open = False
        self._counter = 0
        #: The name (without ``.bin``) of the next file :meth:`send` writes; cleared after it.
        self.label_stem: str | None = None
        #: The file the last :meth:`send` wrote.
        self.last_path: Path | None = None

    @property
    def folder(self) -> Path:
        """Where the label files go."""
        return Path(self.config.path)

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        if self._open:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise PrinterError(
                PrinterFault.BAD_URL,
                notice("printer.path_is_file", path=self.config.path),
            ) from exc
        except OSError as exc:
            raise _os_error(self.config, exc, "connect") from exc
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise _os_error(self.config, PermissionError(errno.EACCES, "not writable"), "connect")
        self._open = True

    def path_for(self, stem: str, suffix: str) -> Path:
        """The file in the folder for ``stem`` with ``suffix`` (``".bin"``, ``".png"``)."""
        return self.folder / f"{stem}{suffix}"

    def send(self, data: bytes) -> None:
        if not self._open:
            raise self._not_open()
        stem, self.label_stem = self.label_stem, None
        if stem is None:
            stem = self._fresh_stem()
        target = self.path_for(stem, ".bin")
        try:
            write_file_whole(target, data)
        except OSError as exc:
            raise _os_error(self.config, exc, "send") from exc
        self.last_path = target

    def _fresh_stem(self) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        while True:
            self._counter += 1
            stem = f"label-{stamp}-{self._counter}"
            if not self.path_for(stem, ".bin").exists():
                return stem

    def status(self) -> PrinterStatus:
        if not self._open:
            raise self._not_open()
        return PrinterStatus.READY

    def close(self) -> None:
        self._open = False


def write_file_whole(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a reader sees the old file or the whole new one,
    never a part (a hidden temporary file in the same folder, then a rename)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class DummyPrinter(Printer):
    """A printer that keeps what it is sent in memory (``received``); its status is the URL's
    ``status`` option (``dummy://?status=paper_out``), ``ready`` by default."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._open = False
        self._received = bytearray()

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def received(self) -> bytes:
        """Every byte sent since this object was made."""
        return bytes(self._received)

    def open(self) -> None:
        self._open = True

    def send(self, data: bytes) -> None:
        if not self._open:
            raise self._not_open()
        self._received += data

    def status(self) -> PrinterStatus:
        if not self._open:
            raise self._not_open()
        return self.config.dummy_status

    def close(self) -> None:
        self._open = False


class UsbPrinter(_TwoWayPrinter):
    """A printer on USB, through python-escpos's ``Usb`` class (pyusb and libusb)."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._usb: Any = None
        self._pending = bytearray()

    @property
    def is_open(self) -> bool:
        return self._usb is not None

    def _missing(self, what: str) -> PrinterError:
        return PrinterError(
            PrinterFault.MISSING_DRIVER,
            notice(
                "printer.usb_missing",
                where=self.config.where,
                what=what,
            ),
        )

    def open(self) -> None:
        if self._usb is not None:
            return
        if importlib.util.find_spec("usb") is None:
            raise self._missing(notice("printer.needs.pyusb"))
        load_escpos()
        import usb.core
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        cfg = self.config
        printer = Usb(
            idVendor=cfg.vendor_id,
            idProduct=cfg.product_id,
            timeout=int(cfg.write_timeout * 1000),
            in_ep=cfg.in_ep,
            out_ep=cfg.out_ep,
        )
        try:
            with quiet_root_logging():
                printer.open(raise_not_found=True)
        except usb.core.NoBackendError as exc:
            raise self._missing(notice("printer.needs.libusb")) from exc
        except DeviceNotFoundError as exc:
            cause = exc.__context__
            if isinstance(cause, usb.core.USBError) and cause.errno is not None:
                raise _os_error(cfg, OSError(cause.errno, str(cause)), "connect") from exc
            raise PrinterError(
                PrinterFault.NOT_FOUND,
                notice("printer.usb_absent", where=cfg.where),
            ) from exc
        except usb.core.USBError as exc:
            raise _os_error(cfg, OSError(exc.errno or errno.EIO, str(exc)), "connect") from exc
        except Exception as exc:
            raise PrinterError(PrinterFault.IO_ERROR, f"{cfg.where}: {exc}") from exc
        self._usb = printer

    def _usb_error(self, exc: Exception, doing: str) -> PrinterError:
        import usb.core

        self.close()
        if isinstance(exc, usb.core.USBTimeoutError):
            return _os_error(self.config, TimeoutError(str(exc)), doing)
        code = getattr(exc, "errno", None) or errno.EIO
        return _os_error(self.config, OSError(code, str(exc)), doing)

    def send(self, data: bytes) -> None:
        if self._usb is None:
            raise self._not_open()
        cfg = self.config
        try:
            self._usb.device.write(cfg.out_ep, data, int(cfg.write_timeout * 1000))
        except Exception as exc:
            raise self._usb_error(exc, "send") from exc

    def _read(self, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self._usb.device.read(self.config.in_ep, 16, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return b""
        except Exception as exc:
            raise self._usb_error(exc, "status") from exc

    def _discard_input(self) -> None:
        self._pending.clear()
        while self._read(0.01):
            pass

    def _query(self, query: bytes, timeout: float) -> int | None:
        cfg = self.config
        try:
            self._usb.device.write(cfg.out_ep, query, int(timeout * 1000))
        except Exception as exc:
            import usb.core

            if isinstance(exc, usb.core.USBTimeoutError):
                return None
            raise self._usb_error(exc, "status") from exc
        if not self._pending:
            self._pending += self._read(timeout)
        if not self._pending:
            return None
        return self._pending.pop(0)

    def close(self) -> None:
        printer, self._usb = self._usb, None
        if printer is not None:
            with contextlib.suppress(Exception), quiet_root_logging():
                printer.close()


_PRINTERS: dict[str, type[Printer]] = {
    "tcp": TcpPrinter,
    "serial": SerialPrinter,
    "usb": UsbPrinter,
    "file": FilePrinter,
    "dir": DirPrinter,
    "dummy": DummyPrinter,
}


def printer_for(config: PrinterConfig) -> Printer:
    """The :class:`Printer` for a configuration (not opened: no I/O happens here)."""
    return _PRINTERS[config.scheme](config)


def printer_from_url(url: str, profile: str | None = None, width_dots: int = 576) -> Printer:
    """Parse ``url`` and return its (unopened) :class:`Printer`; raises PrinterError
    ``bad_url``."""
    return printer_for(PrinterConfig.from_url(url, profile=profile, width_dots=width_dots))
