"""Real stand-ins for devices: an ESC/POS printer on a loopback TCP port, served by a thread."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

# Answers to DLE EOT 1, 2 and 4 as a real Epson-compatible printer gives them.
READY = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}
COVER_OPEN = {1: 0x1A, 2: 0x16, 4: 0x12}
PAPER_LOW = {1: 0x12, 2: 0x12, 4: 0x1E}

STATUS_QUERIES = tuple(bytes((0x10, 0x04, n)) for n in (1, 2, 4))


def wait_for(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Poll until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.005)


def without_status_queries(data: bytes) -> bytes:
    """``data`` without the real-time status queries (DLE EOT 1, 2, 4) sent between jobs."""
    for query in STATUS_QUERIES:
        data = data.replace(query, b"")
    return data


class PrinterProtocol:
    """The printer side of the conversation: records bytes, answers DLE EOT n queries.

    ``answers`` may be changed while the printer runs (paper loaded again, say)."""

    def __init__(self, answers: dict[int, int] | None) -> None:
        self.answers = answers
        self.received = bytearray()
        self._scanned = 0
        self.lock = threading.Lock()

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return the bytes the printer answers."""
        reply = bytearray()
        with self.lock:
            self.received += data
            while True:
                at = self.received.find(b"\x10\x04", self._scanned)
                if at < 0 or at + 2 >= len(self.received):
                    self._scanned = max(self._scanned, len(self.received) - 2, 0)
                    break
                n = self.received[at + 2]
                answers = self.answers
                if answers is not None and n in answers:
                    reply.append(answers[n])
                self._scanned = at + 3
        return bytes(reply)

    def job_bytes(self) -> bytes:
        """What was received, without the status queries."""
        with self.lock:
            data = bytes(self.received)
        return without_status_queries(data)

    def copies(self, job: bytes) -> int:
        """How many whole copies of ``job`` (as rendered) arrived."""
        return self.job_bytes().count(without_status_queries(job))


class FakeNetworkPrinter:
    """A printer on 127.0.0.1 with a real listening socket, served by a thread, one connection
    at a time.

    ``answers``: status bytes per DLE EOT n (None: never answers). ``close_after``: reset a
    connection once that many bytes arrived on it. ``read``: False while the printer takes no
    data (a stalled printer; set it back to True to resume). ``hang_up``: close each
    connection as soon as it is accepted. ``port``: listen on this port (0: any free one).
    ``close_after``, ``read`` and ``protocol.answers`` may be changed while it runs.
    """

    def __init__(
        self,
        answers: dict[int, int] | None = READY,
        close_after: int | None = None,
        read: bool = True,
        hang_up: bool = False,
        port: int = 0,
    ) -> None:
        self.protocol = PrinterProtocol(answers)
        self.close_after = close_after
        self.read = read
        self.hang_up = hang_up
        self.connections = 0
        #: Where each connection's bytes begin in ``protocol.received``.
        self.starts: list[int] = []
        self.closed = threading.Event()
        self._stop = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(4)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return url_for(self.port)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with self.protocol.lock:
                self.starts.append(len(self.protocol.received))
            with conn:
                self._handle(conn)
            self.closed.set()

    def _handle(self, conn: socket.socket) -> None:
        if self.hang_up:
            return
        conn.settimeout(0.05)
        arrived = 0
        while not self._stop.is_set():
            if not self.read:
                self._stop.wait(0.02)
                continue
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            close_after = self.close_after
            if close_after is not None:
                data = data[: max(close_after - arrived, 0)]  # switched off: the rest is lost
            arrived += len(data)
            reply = self.protocol.feed(data)
            if reply:
                conn.sendall(reply)
            if close_after is not None and arrived >= close_after:
                # Linger 0: the close sends a reset, as a printer being switched off mid-job.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return

    def whole_jobs(self) -> Counter[bytes]:
        """The bytes of each connection without status queries, counted. The print worker
        opens one connection per job, so this counts the copies of each job that arrived
        whole (a job cut off by a fault is a shorter, different entry)."""
        with self.protocol.lock:
            data = bytes(self.protocol.received)
            starts = [*self.starts, len(data)]
        return Counter(
            without_status_queries(data[begin:end])
            for begin, end in zip(starts, starts[1:], strict=False)
            if end > begin
        )

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


def url_for(port: int, **options: str) -> str:
    """The URL of a loopback printer with short timeouts, as tests want them."""
    query = {"write_timeout": "0.5", "status_timeout": "0.2", **options}
    return f"tcp://127.0.0.1:{port}?" + "&".join(f"{k}={v}" for k, v in query.items())


#: Sockets holding the ports free_port() gave out, for as long as the test process runs.
_HELD: list[socket.socket] = []


def free_port() -> int:
    """A loopback port nothing listens on, and nothing else can take: a socket stays bound
    to it without listening (so a connection is refused), with SO_REUSEADDR so that a test's
    own fake printer (which sets it too) can still listen there later, as a printer switched
    on again. A port probed and let go could be taken by another test meanwhile."""
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", 0))
    _HELD.append(held)
    return int(held.getsockname()[1])


def network_printers() -> Iterator[Callable[..., FakeNetworkPrinter]]:
    """The body of a ``network_printer`` fixture: ``yield from network_printers()`` gives a
    function that starts fake printers (keyword arguments as FakeNetworkPrinter); all are
    stopped after the test."""
    servers: list[FakeNetworkPrinter] = []

    def start(**kwargs: object) -> FakeNetworkPrinter:
        server = FakeNetworkPrinter(**kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
