"""The receiver of 快递鸟's tracking pushes (RequestType 101, sent for waybills subscribed with
1008): an HTTP endpoint that checks each push's signature, hands its events to a callback and
answers as documented (``Success`` false makes 快递鸟 push again later)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from core.errors import WaretermError
from core.tracking import TrackEvent
from devices.kdniao import push_answer, read_push

#: Largest push body read (a push carries at most a few hundred traces).
MAX_BODY = 2_000_000


def push_server(
    host: str,
    port: int,
    keys: Callable[[], Mapping[str, str]],
    on_events: Callable[[Sequence[TrackEvent]], None],
) -> HTTPServer:
    """A server (not yet serving: call ``serve_forever``) taking pushes on ``host:port``, one
    at a time (the store's connection is used by one thread; pushes are few).
    ``keys`` gives the accounts' EBusinessID → AppKey at each push; ``on_events`` stores the
    events (an error there answers ``Success`` false, so the push comes again)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a client that stalls is dropped, not waited for

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, push_answer("", False, "too large"))
                return
            raw = self.rfile.read(length)
            try:
                form = {
                    k: v[0]
                    for k, v in urllib.parse.parse_qs(
                        raw.decode("utf-8"), keep_blank_values=True
                    ).items()
                }
            except UnicodeDecodeError:
                self._answer(400, push_answer("", False, "not UTF-8"))
                return
            ebusiness_id = _ebusiness_id(form)
            try:
                events = read_push(form, keys())
                on_events(events)
            except WaretermError as error:
                self._answer(200, push_answer(ebusiness_id, False, str(error)[:200]))
                return
            self._answer(200, push_answer(ebusiness_id, True))

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return HTTPServer((host, port), Handler)


def _ebusiness_id(form: Mapping[str, str]) -> str:
    try:
        data = json.loads(form.get("RequestData") or "{}")
    except ValueError:
        return ""
    value = data.get("EBusinessID") if isinstance(data, dict) else ""
    return "".join(ch for ch in str(value or "") if ch.isprintable())[:40]


def serve_in_thread(server: HTTPServer) -> threading.Thread:
    """Run ``server`` on a daemon thread (stop it with ``server.shutdown()``)."""
    thread = threading.Thread(target=server.serve_forever, name="kdniao-push", daemon=True)
    thread.start()
    return thread
