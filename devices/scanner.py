"""Serial barcode scanners: a station's scanner URL, and a reader thread that survives unplugs.

A scanner is configured as a URL that pyserial's ``serial_for_url`` opens, with wareterm's own
options in the query string::

    /dev/ttyUSB0?baudrate=115200&suffix=CRLF
    /dev/serial/by-id/usb-Honeywell_Scanner-if00?suffix=CR&prefix=%02
    socket://127.0.0.1:4001?suffix=CR
    rfc2217://serial-server:2217?logging=debug&baudrate=19200
    loop://?suffix=CR                       (simulated scanner for the demo and tests)

Our options (removed before the URL reaches pyserial): ``baudrate`` (9600), ``bytesize`` (8),
``parity`` (N, E or O), ``stopbits`` (1, 1.5 or 2), ``suffix`` (CR, LF, CRLF, TAB or ANY),
``prefix`` (percent-encoded bytes, e.g. ``%02`` for STX), ``max_length`` (512 bytes) and
``timeout`` (seconds a scan may wait for its suffix before it counts as incomplete, 0.5). Any other
option is left in the URL for pyserial, such as rfc2217's ``logging`` or ``poll_modem``.

:class:`SerialScanner` owns one daemon thread that opens the port, frames bytes into scans with
:class:`core.scanframe.ScanFramer`, and reopens the port with a short capped backoff after an
unplug, so a scanner plugged back in (same path, as a udev symlink gives) is live again within
about a second. pyserial's exceptions never leave this module: they become :class:`ScannerError`.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import quote_from_bytes, unquote, unquote_to_bytes, urlsplit

import serial

from core.errors import WaretermError
from core.i18n import _
from core.scanframe import FramedScan, ScanFramer, ScanFraming, Suffix

log = logging.getLogger(__name__)

ScannerStatus = Literal["connecting", "connected", "disconnected"]
ScanHandler = Callable[[FramedScan], None]
StateHandler = Callable[["ScannerState"], None]

READ_TIMEOUT_S = 0.1
"""How long one read waits for a byte: bounds how late stop() and partial-scan expiry can be."""
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 1.0
"""Reopen delays double from RETRY_FIRST_S up to RETRY_MAX_S, so a replugged scanner is back
within about a second whatever the length of the outage."""
PATH_CHECK_S = 0.25
"""How often a device path is checked for having disappeared or now naming another device."""

OPTIONS: tuple[str, ...] = (
    "baudrate",
    "bytesize",
    "parity",
    "stopbits",
    "suffix",
    "prefix",
    "max_length",
    "timeout",
)
"""The query options wareterm reads itself; they never reach pyserial."""

# pyserial's own options for the URL handlers we check (pyserial 3.5). Our ``timeout`` shadows
# rfc2217's network timeout option of the same name, so that one cannot be set through the URL.
_PYSERIAL_OPTIONS: dict[str, frozenset[str]] = {
    "loop": frozenset({"logging"}),
    "socket": frozenset({"logging"}),
    "rfc2217": frozenset({"logging", "ign_set_control", "poll_modem"}),
}
_NETWORK_SCHEMES = frozenset({"socket", "rfc2217"})
_PARITIES = ("N", "E", "O")
_BYTESIZES = (5, 6, 7, 8)
_STOPBITS = (1.0, 1.5, 2.0)
_ABSENT_ERRNOS = frozenset({errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO})


class ScannerError(WaretermError):
    """The scanner could not be opened, read or written; the message says what to check."""


class ScannerConfigError(ScannerError):
    """A scanner URL or one of its options is not valid; the message names the option."""


class _PortAbsent(ScannerError):
    """The port is not there (yet): unplugged, or its path names no device."""


@dataclass(frozen=True)
class ScannerState:
    """Whether the scanner is usable, with a sentence for the screen.

    ``status`` is ``connecting`` (first open under way), ``connected`` (scans will arrive) or
    ``disconnected`` (not opened, lost, or stopped; the message says which and what to do).
    """

    status: ScannerStatus
    message: str

    @property
    def connected(self) -> bool:
        """True while scans can arrive."""
        return self.status == "connected"


@dataclass(frozen=True)
class ScannerConfig:
    """Everything needed to open a scanner: pyserial's URL, line settings and scan framing.

    Build it from a station's scanner URL with :meth:`from_url`; :meth:`to_url` gives it back.
    """

    port_url: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1.0
    framing: ScanFraming = field(default_factory=ScanFraming)

    def __post_init__(self) -> None:
        if not self.port_url:
            raise ScannerConfigError(_("the scanner URL is empty"))
        if isinstance(self.baudrate, bool) or not isinstance(self.baudrate, int):
            raise ScannerConfigError(_("baudrate must be a whole number"))
        if self.baudrate <= 0:
            raise ScannerConfigError(_("baudrate must be more than 0"))
        if self.bytesize not in _BYTESIZES:
            raise ScannerConfigError(_("bytesize must be 5, 6, 7 or 8"))
        if self.parity not in _PARITIES:
            raise ScannerConfigError(_("parity must be N, E or O"))
        if self.stopbits not in _STOPBITS:
            raise ScannerConfigError(_("stopbits must be 1, 1.5 or 2"))

    @classmethod
    def from_url(cls, url: str) -> ScannerConfig:
        """Read a station's scanner URL: our options out of the query, the rest for pyserial.

        Raises :class:`ScannerConfigError` for an unknown URL scheme, an option that is not
        understood, or a value out of range. Nothing is opened.
        """
        if not isinstance(url, str) or not url.strip():
            raise ScannerConfigError(_("the scanner URL is empty"))
        base, _sep, query = url.strip().partition("?")
        if not base:
            raise ScannerConfigError(_("the scanner URL {url!r} has no port").format(url=url))
        scheme = _scheme(base)
        ours: dict[str, str] = {}
        raw_prefix: bytes | None = None
        passed: list[str] = []
        for piece in query.split("&"):
            if not piece:
                continue
            key, _eq, value = piece.partition("=")
            name = unquote(key).lower()
            if name not in OPTIONS:
                passed.append(piece)
                continue
            if name in ours:
                raise ScannerConfigError(
                    _("scanner option {name!r} is given twice").format(name=name)
                )
            if name == "prefix":
                raw_prefix = unquote_to_bytes(value)
                ours[name] = value
                continue
            if not value:
                raise ScannerConfigError(
                    _("scanner option {name!r} has no value").format(name=name)
                )
            ours[name] = unquote(value).strip()
        _check_pyserial_options(scheme, base, passed)
        port_url = base + ("?" + "&".join(passed) if passed else "")
        try:
            framing = ScanFraming(
                suffix=cast(Suffix, ours.get("suffix", "ANY").upper()),
                prefix=raw_prefix or None,
                max_length=_whole(ours, "max_length", 512),
                partial_timeout_s=_seconds(ours, "timeout", 0.5),
            )
        except ValueError as err:
            raise ScannerConfigError(
                _("scanner URL {url!r}: {error}").format(url=url, error=err)
            ) from err
        return cls(
            port_url=port_url,
            baudrate=_whole(ours, "baudrate", 9600),
            bytesize=_whole(ours, "bytesize", 8),
            parity=ours.get("parity", "N").upper(),
            stopbits=_stopbits(ours),
            framing=framing,
        )

    def to_url(self) -> str:
        """The scanner URL for this configuration, listing only options that differ from defaults."""
        options: list[str] = []
        defaults = ScannerConfig(port_url=self.port_url)
        if self.baudrate != defaults.baudrate:
            options.append(f"baudrate={self.baudrate}")
        if self.bytesize != defaults.bytesize:
            options.append(f"bytesize={self.bytesize}")
        if self.parity != defaults.parity:
            options.append(f"parity={self.parity}")
        if self.stopbits != defaults.stopbits:
            options.append(f"stopbits={self.stopbits:g}")
        framing, default_framing = self.framing, defaults.framing
        if framing.suffix != default_framing.suffix:
            options.append(f"suffix={framing.suffix}")
        if framing.prefix_bytes:
            options.append(f"prefix={quote_from_bytes(framing.prefix_bytes, safe='')}")
        if framing.max_length != default_framing.max_length:
            options.append(f"max_length={framing.max_length}")
        if framing.partial_timeout_s != default_framing.partial_timeout_s:
            options.append(f"timeout={framing.partial_timeout_s!r}")
        if not options:
            return self.port_url
        joiner = "&" if "?" in self.port_url else "?"
        return self.port_url + joiner + "&".join(options)

    @property
    def scheme(self) -> str:
        """pyserial's URL scheme (``loop``, ``socket``, ``rfc2217`` …), empty for a device path."""
        return _scheme(self.port_url)

    @property
    def name(self) -> str:
        """The port for people: the URL without its query (``/dev/ttyUSB0``, ``socket://h:4001``)."""
        return self.port_url.partition("?")[0]

    @property
    def device_path(self) -> str | None:
        """The local device path, or ``None`` for a URL handler such as ``socket://``."""
        return None if self.scheme else self.name

    @property
    def is_loopback(self) -> bool:
        """True for ``loop://``: a simulated scanner whose scans are written by :meth:`simulate`."""
        return self.scheme == "loop"


class Scanner(ABC):
    """A barcode scanner the app receives scans from; the port the screens depend on.

    An implementation is built with two callbacks, ``on_scan(FramedScan)`` and
    ``on_state(ScannerState)``, and delivers to them from its own reader thread: scans in the
    order they were read (bad ones included, with their ``problem``), and every change of state.
    Callbacks must be quick and thread-safe (posting a Textual message is both); an exception
    raised by a callback is logged and does not stop the scanner.

    Life cycle: :meth:`start` returns at once and the scanner keeps itself connected, reporting
    ``connecting``, then ``connected`` or ``disconnected``, reopening by itself after an unplug,
    until :meth:`stop`. It can be used as a context manager.
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """The scanner's port as people know it (``/dev/ttyUSB0``, ``socket://host:4001``)."""

    @property
    @abstractmethod
    def state(self) -> ScannerState:
        """The last state reported to ``on_state``."""

    @abstractmethod
    def start(self) -> None:
        """Begin reading in the background; returns at once. Does nothing if already running."""

    @abstractmethod
    def stop(self, timeout: float = 2.0) -> None:
        """Stop reading and close the port, waiting up to ``timeout`` seconds for that to end.

        A partial scan still waiting for its suffix is delivered as ``incomplete`` first, and a
        final ``disconnected`` state is reported.
        """

    @property
    def can_simulate(self) -> bool:
        """True when :meth:`simulate` can feed scans through this scanner (a demo scanner)."""
        return False

    def simulate(self, text: str | bytes) -> None:
        """Inject one scan as if it had been read, through the same framing as real scans.

        Raises :class:`ScannerError` when this scanner cannot simulate scans.
        """
        raise ScannerError(_("scanner {name} cannot simulate scans").format(name=self.name))

    def __enter__(self) -> Scanner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class SerialScanner(Scanner):
    """A scanner on anything pyserial opens: a local serial port, a serial server, ``loop://``.

    One daemon thread opens the port, reads with a short timeout, frames the bytes into scans and
    calls ``on_scan``; when the port is lost (read error, device gone, the device path gone or now
    naming another device) it reports ``disconnected`` at once, delivers any partial scan as
    ``incomplete`` so it is never joined to the next one, and reopens with a capped backoff.
    """

    def __init__(
        self,
        config: ScannerConfig | str,
        on_scan: ScanHandler,
        on_state: StateHandler,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = (
            config if isinstance(config, ScannerConfig) else ScannerConfig.from_url(config)
        )
        self._on_scan = on_scan
        self._on_state = on_state
        self._clock = clock
        self._state = ScannerState(
            "disconnected", _("scanner not started: {name}").format(name=self.name)
        )
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._port_lock = threading.Lock()
        self._port: Any = None
        self._thread: threading.Thread | None = None
        self.bytes_read = 0
        """Bytes received since start, over all connections (for diagnostics)."""

    @property
    def name(self) -> str:
        """The scanner's port as people know it."""
        return self.config.name

    @property
    def state(self) -> ScannerState:
        """The last state reported to ``on_state``."""
        return self._state

    @property
    def is_running(self) -> bool:
        """True while the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def can_simulate(self) -> bool:
        """True for a ``loop://`` scanner."""
        return self.config.is_loopback

    def start(self) -> None:
        """Launch the reader thread (a daemon); returns at once."""
        if self.is_running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """End the reader thread (within one read timeout, about 0.1 s) and close the port.

        Opening a network URL can block for pyserial's connect timeout; if the thread has not
        ended within ``timeout`` it is left to end by itself (it is a daemon).
        """
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("scanner %s: reader thread still busy after stop()", self.name)

    def simulate(self, text: str | bytes, *, wait: float = 2.0) -> None:
        """Write one scan (prefix, text, suffix) into a ``loop://`` port to be read back.

        The bytes go through the same reading and framing as a real scanner's. Waits up to
        ``wait`` seconds for the port to be open. Raises :class:`ScannerError` for any other kind
        of scanner, or when the port is not open.
        """
        if not self.config.is_loopback:
            raise ScannerError(
                _("only a loop:// scanner can simulate scans, not {name}").format(name=self.name)
            )
        body = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        framing = self.config.framing
        payload = framing.prefix_bytes + body + framing.suffix_bytes
        if not self._connected.wait(wait):
            raise ScannerError(_("scanner {name} is not connected").format(name=self.name))
        with self._port_lock:
            port = self._port
            if port is None:
                raise ScannerError(_("scanner {name} is not connected").format(name=self.name))
            try:
                port.write(payload)
            except (serial.SerialException, OSError, ValueError) as err:
                raise ScannerError(
                    _("cannot write to scanner {name}: {error}").format(name=self.name, error=err)
                ) from err

    # -- the reader thread -------------------------------------------------------------------

    def _run(self) -> None:
        self._report("connecting", _("connecting to scanner {name}").format(name=self.name))
        delays = reconnect_delays()
        lost_message: str | None = None
        while not self._stopping.is_set():
            try:
                port = self._open()
            except ScannerConfigError as err:
                log.error("scanner %s: %s", self.name, err)
                self._report("disconnected", str(err))
                return
            except Exception as err:  # ScannerError, or a URL handler's bug: retry, never die
                if not isinstance(err, ScannerError):
                    log.exception("scanner %s: unexpected error while opening", self.name)
                # After an unplug, "still absent" adds nothing to "unplugged — reconnecting".
                if lost_message is None or not isinstance(err, _PortAbsent):
                    self._report("disconnected", str(err))
                self._stopping.wait(next(delays))
                continue
            opened_at = self._clock()
            lost_message = self._session(port)
            if lost_message is None:
                break
            self._report("disconnected", lost_message)
            # A port that keeps failing right after opening must not be reopened in a tight loop.
            if self._clock() - opened_at > 2 * RETRY_MAX_S:
                delays = reconnect_delays()
            self._stopping.wait(next(delays))
        self._report("disconnected", _("scanner stopped: {name}").format(name=self.name))

    def _session(self, port: Any) -> str | None:
        """Read from an open port until stop() (returns None) or the port is lost (returns why)."""
        framer = ScanFramer(self.config.framing)
        with self._port_lock:
            self._port = port
        self._connected.set()
        self._report("connected", _("scanner ready: {name}").format(name=self.name))
        try:
            return self._read_until_lost(port, framer)
        except Exception as err:  # never let a bug end the thread: reopen and go on
            log.exception("scanner %s: unexpected error while reading", self.name)
            return _("scanner error: {name} ({error}) — reconnecting").format(
                name=self.name, error=err
            )
        finally:
            self._connected.clear()
            with self._port_lock:
                self._port = None
                _close_quietly(port)
            self._deliver(framer.flush())

    def _read_until_lost(self, port: Any, framer: ScanFramer) -> str | None:
        path = self.config.device_path
        identity = _open_identity(port) if path else None
        next_check = self._clock() + PATH_CHECK_S
        while not self._stopping.is_set():
            try:
                data = port.read(1)
                if data:
                    waiting = port.in_waiting
                    if waiting:
                        data += port.read(min(waiting, 65536))
            except (serial.SerialException, OSError) as err:
                return self._lost_message(_reason(err))
            now = self._clock()
            if data:
                self.bytes_read += len(data)
                self._deliver(framer.feed(data, now))
            else:
                self._deliver(framer.expire(now))
            if path is not None and now >= next_check:
                next_check = now + PATH_CHECK_S
                gone = _path_changed(path, identity)
                if gone is not None:
                    return self._lost_message(gone)
        return None

    def _open(self) -> Any:
        config = self.config
        try:
            return serial.serial_for_url(
                config.port_url,
                baudrate=config.baudrate,
                bytesize=config.bytesize,
                parity=config.parity,
                stopbits=config.stopbits,
                timeout=READ_TIMEOUT_S,
                # Two programs reading one scanner would each get half the bytes.
                exclusive=True if config.device_path else None,
            )
        except ValueError as err:
            raise ScannerConfigError(
                _(
                    "scanner {name} cannot be set up: {error} — fix the station's scanner URL"
                ).format(name=self.name, error=err)
            ) from err
        except (serial.SerialException, OSError) as err:
            raise _open_error(self.config, err) from err

    def _lost_message(self, reason: str) -> str:
        if self.config.scheme in _NETWORK_SCHEMES:
            text = _("scanner connection lost: {name} ({reason}) — reconnecting")
        else:
            text = _("scanner unplugged: {name} ({reason}) — reconnecting")
        return text.format(name=self.name, reason=reason)

    def _report(self, status: ScannerStatus, message: str) -> None:
        state = ScannerState(status, message)
        if state == self._state:
            return
        self._state = state
        try:
            self._on_state(state)
        except Exception:
            log.exception("scanner %s: on_state failed", self.name)

    def _deliver(self, scans: list[FramedScan]) -> None:
        for scan in scans:
            try:
                self._on_scan(scan)
            except Exception:
                log.exception("scanner %s: on_scan failed", self.name)


# -- helpers ---------------------------------------------------------------------------------


def reconnect_delays() -> Iterator[float]:
    """The waits between attempts to reopen a lost port: doubling from RETRY_FIRST_S, capped at
    RETRY_MAX_S so that a scanner plugged back in is found again within about a second."""
    delay = RETRY_FIRST_S
    while True:
        yield delay
        delay = min(delay * 2, RETRY_MAX_S)


def _scheme(base: str) -> str:
    if "://" not in base:
        return ""
    return base.split("://", 1)[0].lower()


def _check_pyserial_options(scheme: str, base: str, passed: list[str]) -> None:
    """Refuse what pyserial would refuse only when the port is opened, with a clearer message."""
    if not scheme:
        if passed:
            key = unquote(passed[0].partition("=")[0])
            raise ScannerConfigError(
                _("unknown scanner option {key!r}; the options are {options}").format(
                    key=key, options=", ".join(OPTIONS)
                )
            )
        return
    if not _handler_exists(scheme):
        raise ScannerConfigError(
            _(
                "unknown scanner URL scheme {scheme!r}: use a device path, socket://host:port, "
                "rfc2217://host:port or loop://"
            ).format(scheme=scheme)
        )
    if scheme in _NETWORK_SCHEMES:
        try:
            parts = urlsplit(base)
            port = parts.port
        except ValueError as err:
            raise ScannerConfigError(
                _("scanner URL {url!r}: {error}").format(url=base, error=err)
            ) from err
        if not parts.hostname or port is None:
            raise ScannerConfigError(
                _("scanner URL {url!r} needs a host and a port: {scheme}://host:port").format(
                    url=base, scheme=scheme
                )
            )
    known = _PYSERIAL_OPTIONS.get(scheme)
    if known is None:
        return
    for piece in passed:
        key = unquote(piece.partition("=")[0])
        if key not in known:
            allowed = ", ".join(OPTIONS + tuple(sorted(known)))
            raise ScannerConfigError(
                _(
                    "unknown option {key!r} for a {scheme}:// scanner; the options are {allowed}"
                ).format(key=key, scheme=scheme, allowed=allowed)
            )


def _handler_exists(scheme: str) -> bool:
    """Whether pyserial has a URL handler for the scheme (looked up the way pyserial does)."""
    if not scheme.replace("_", "").isalnum():
        return False
    for package in serial.protocol_handler_packages:
        try:
            if importlib.util.find_spec(f"{package}.protocol_{scheme}") is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


def _whole(options: dict[str, str], name: str, default: int) -> int:
    value = options.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ScannerConfigError(
            _("scanner option {name} must be a whole number, not {value!r}").format(
                name=name, value=value
            )
        ) from None


def _seconds(options: dict[str, str], name: str, default: float) -> float:
    value = options.get(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ScannerConfigError(
            _("scanner option {name} must be a number of seconds above 0, not {value!r}").format(
                name=name, value=value
            )
        )
    return seconds


def _stopbits(options: dict[str, str]) -> float:
    value = options.get("stopbits")
    if value is None:
        return 1.0
    try:
        stopbits = float(value)
    except ValueError:
        stopbits = math.nan
    if stopbits not in _STOPBITS:
        raise ScannerConfigError(
            _("scanner option stopbits must be 1, 1.5 or 2, not {value!r}").format(value=value)
        )
    return stopbits


def _errno_of(err: BaseException) -> int | None:
    """The errno behind a pyserial exception, which often keeps it only in its context."""
    seen: BaseException | None = err
    for _depth in range(5):
        if seen is None:
            break
        number = getattr(seen, "errno", None)
        if isinstance(number, int):
            return number
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(err: BaseException) -> str:
    """A short reason for a lost port: ``input/output error``, ``device disconnected`` …"""
    number = _errno_of(err)
    if number is not None:
        return os.strerror(number).lower()
    text = str(err)
    if "socket disconnected" in text:
        return _("connection closed by the other end")
    if "returned no data" in text:
        return _("device disconnected")
    return text or type(err).__name__


def _open_error(config: ScannerConfig, err: BaseException) -> ScannerError:
    number = _errno_of(err)
    name = config.name
    text = str(err)
    if config.device_path is not None:
        if number in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            message = _("no such device {name} — check the cable").format(name=name)
        elif number in (errno.EACCES, errno.EPERM):
            message = _(
                "no permission to open {name} — the user running wareterm needs the dialout group"
            ).format(name=name)
        elif number == errno.EBUSY or "exclusively lock" in text:
            message = _("{name} is in use by another program").format(name=name)
        else:
            message = _("cannot open scanner {name} ({reason})").format(
                name=name, reason=_reason(err)
            )
    else:
        message = _("cannot reach scanner {name} ({reason})").format(name=name, reason=_reason(err))
    return _PortAbsent(message) if number in _ABSENT_ERRNOS else ScannerError(message)


def _open_identity(port: Any) -> tuple[int, int] | None:
    """The device node an open port reads from, to notice its path moving to another device."""
    try:
        info = os.fstat(port.fileno())
    except (OSError, AttributeError, ValueError, serial.SerialException):
        return None
    return (info.st_dev, info.st_ino)


def _path_changed(path: str, identity: tuple[int, int] | None) -> str | None:
    """Why the device path no longer leads to the open port, or None while it still does."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return _("device path disappeared")
    except OSError as err:
        return os.strerror(err.errno).lower() if err.errno else str(err)
    if identity is not None and (info.st_dev, info.st_ino) != identity:
        return _("device path now leads to another device")
    return None


def _close_quietly(port: Any) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError, ValueError):
        log.debug("closing a lost scanner port failed", exc_info=True)
