"""A stand-in 快递鸟 e-waybill server on 127.0.0.1, for tests and the documented demo only.

It plays the published protocol: a form-encoded POST of RequestData (JSON), EBusinessID,
RequestType, DataSign and DataType. It checks the signature (base64 of the hex MD5 of
RequestData + AppKey) and the required fields, answers 1007 with a unique LogisticCode and the
routing fields, cancels with 1147, and can be told to be slow, down, answer an HTTP status (from the Nth request on), or answer
an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The result codes the stand-in answers (the 1007/1147 answer's ResultCode and a Reason).
ERRORS = {
    "101": "缺少必要参数",
    "102": "校验问题",
    "103": "格式问题",
    "104": "用户问题",
    "105": "该订单号已下单成功",
    "106": "单号不足",
    "500": "系统错误",
}

_PARTY = ("Name", "ProvinceName", "CityName", "ExpAreaName", "Address")


@dataclass
class Issued:
    order_code: str
    shipper: str
    status: str = "issued"  # or "cancelled"


@dataclass
class KdniaoStandIn:
    """The server's state; tests change ``delay_s``, ``error``, ``http_status``."""

    accounts: dict[str, str]
    prefix: str = "KD"
    delay_s: float = 0.0
    error: str | None = None  # a key of ERRORS: every business request answers it
    http_status: int | None = None  # answer this HTTP status instead
    fail_after: int | None = None  # answer HTTP 503 once this many requests were answered
    answered: int = 0
    issued: dict[str, Issued] = field(default_factory=dict)
    order_codes: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/EOrderService"

    def answer(self, form: dict[str, list[str]]) -> dict[str, Any]:
        def fail(code: str, reason: str = "") -> dict[str, Any]:
            return {"Success": False, "ResultCode": code, "Reason": reason or ERRORS[code]}

        one = {k: v[0] for k, v in form.items() if len(v) == 1}
        for name in ("RequestData", "EBusinessID", "RequestType", "DataSign", "DataType"):
            if not one.get(name):
                return fail("101", f"缺少必要参数 {name}")
        if one["DataType"] != "2":
            return fail("103", "DataType 只支持 2 (JSON)")
        key = self.accounts.get(one["EBusinessID"])
        if key is None:
            return fail("104", "EBusinessID 不存在")
        digest = hashlib.md5((one["RequestData"] + key).encode("utf-8")).hexdigest()
        if one["DataSign"] != base64.b64encode(digest.encode()).decode():
            return fail("104", "数据签名错误 DataSign")
        try:
            data = json.loads(one["RequestData"])
        except ValueError:
            return fail("103", "RequestData 不是 JSON")
        if not isinstance(data, dict):
            return fail("103", "RequestData 不是 JSON 对象")
        with self._lock:
            self.requests.append({"type": one["RequestType"], "data": data})
        if self.error:
            return fail(self.error)
        if one["RequestType"] == "1007":
            return self._order(data, fail)
        if one["RequestType"] == "1147":
            return self._cancel(data, fail)
        return fail("102", f"RequestType {one['RequestType']} 不支持")

    def _order(self, data: dict[str, Any], fail: Any) -> dict[str, Any]:
        for name in ("OrderCode", "ShipperCode", "PayType", "ExpType"):
            if data.get(name) in (None, ""):
                return fail("101", f"缺少必要参数 {name}")
        for side in ("Sender", "Receiver"):
            party = data.get(side)
            if not isinstance(party, dict):
                return fail("101", f"缺少必要参数 {side}")
            for name in _PARTY:
                if not party.get(name):
                    return fail("101", f"缺少必要参数 {side}.{name}")
            if not (party.get("Mobile") or party.get("Tel")):
                return fail("101", f"缺少必要参数 {side}.Mobile/Tel")
        goods = data.get("Commodity")
        if (
            not isinstance(goods, list)
            or not goods
            or not all(isinstance(g, dict) and g.get("GoodsName") for g in goods)
        ):
            return fail("101", "缺少必要参数 Commodity.GoodsName")
        code = str(data["OrderCode"])
        with self._lock:
            if code in self.order_codes:
                return fail("105")
            self._counter += 1
            number = f"{self.prefix}{self._counter:010d}"
            self.order_codes[code] = number
            self.issued[number] = Issued(code, str(data["ShipperCode"]))
        province = str(data["Receiver"]["ProvinceName"])
        city = str(data["Receiver"]["CityName"])
        return {
            "EBusinessID": "",
            "Success": True,
            "ResultCode": "100",
            "Reason": "成功",
            "UniquerRequestNumber": f"u-{self._counter}",
            "Order": {
                "OrderCode": code,
                "ShipperCode": data["ShipperCode"],
                "LogisticCode": number,
                "MarkDestination": f"{province[:2]}-{city[:2]} 0{self._counter % 9 + 1}",
                "OriginCode": "571",
                "OriginName": "杭州转运中心",
                "DestinatioCode": "755",
                "DestinatioName": f"{city}转运中心",
                "SortingCode": f"{700 + self._counter % 100}",
                "PackageCode": "755W",
                "PackageName": f"{city[:2]}集包",
            },
        }

    def _cancel(self, data: dict[str, Any], fail: Any) -> dict[str, Any]:
        for name in ("ShipperCode", "OrderCode", "ExpNo"):
            if not data.get(name):
                return fail("101", f"缺少必要参数 {name}")
        with self._lock:
            issued = self.issued.get(str(data["ExpNo"]))
            if issued is None or issued.order_code != data["OrderCode"]:
                return fail("102", "订单不存在")
            if issued.status == "cancelled":
                return fail("102", "订单已取消")
            issued.status = "cancelled"
        return {"EBusinessID": "", "Success": True, "ResultCode": "100", "Reason": "成功"}

    def cancelled(self) -> set[str]:
        with self._lock:
            return {n for n, i in self.issued.items() if i.status == "cancelled"}

    def down(self) -> None:
        """Stop answering: the port is closed, so connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@contextmanager
def kdniao_stand_in(accounts: dict[str, str], prefix: str = "KD") -> Iterator[KdniaoStandIn]:
    """Run the stand-in on 127.0.0.1 (a free port) for the ``with`` block."""
    state = KdniaoStandIn(accounts=accounts, prefix=prefix)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            if state.delay_s:
                state._stop.wait(state.delay_s)
            length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
            raw = self.rfile.read(length)
            with state._lock:
                state.answered += 1
                over = state.fail_after is not None and state.answered > state.fail_after
            status = 503 if over else state.http_status
            if status:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("application/x-www-form-urlencoded"):
                body = {"Success": False, "ResultCode": "103", "Reason": "Content-Type"}
            else:
                try:
                    form = urllib.parse.parse_qs(raw.decode("ascii"), keep_blank_values=True)
                except UnicodeDecodeError:
                    form = {}
                body = state.answer(form)
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.server = server
    thread = threading.Thread(target=server.serve_forever, name="kdniao-stand-in", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state._stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
