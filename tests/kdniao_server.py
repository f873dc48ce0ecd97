"""A stand-in 快递鸟 e-waybill server on 127.0.0.1, for tests and the documented demo only.

It plays the published protocol: a form-encoded POST of RequestData (JSON), EBusinessID,
RequestType, DataSign and DataType. It checks the signature (base64 of the hex MD5 of
RequestData + AppKey) and the required fields, answers 1007 with a unique LogisticCode and the
routing fields, cancels with 1147, answers 1002 (tracking query) with the State and Traces a
test set, accepts 1008 subscriptions, and can be told to be slow, down, answer an HTTP status (from the Nth request on), or answer
an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    #: LogisticCode → (State, Traces) answered by 1002; tests set them with :meth:`trace`
    traces: dict[str, tuple[str, list[dict[str, str]]]] = field(default_factory=dict)
    subscribed: dict[str, str] = field(default_factory=dict)  # 1008: LogisticCode → Shipper
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
        if one["RequestType"] == "1002":
            return self._track(data, fail)
        if one["RequestType"] == "1008":
            return self._subscribe(data, fail)
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

    def trace(self, number: str, state: str, *traces: tuple[str, str]) -> None:
        """What 1002 answers for ``number``: its State and (AcceptTime, AcceptStation) traces."""
        with self._lock:
            self.traces[number] = (
                state,
                [{"AcceptTime": at, "AcceptStation": text} for at, text in traces],
            )

    def _track(self, data: dict[str, Any], fail: Any) -> dict[str, Any]:
        for name in ("ShipperCode", "LogisticCode"):
            if not data.get(name):
                return fail("101", f"缺少必要参数 {name}")
        number = str(data["LogisticCode"])
        with self._lock:
            state, traces = self.traces.get(number, ("0", []))
        answer: dict[str, Any] = {
            "EBusinessID": "",
            "ShipperCode": data["ShipperCode"],
            "LogisticCode": number,
            "Success": True,
            "State": state,
            "Traces": list(traces),
        }
        if not traces:
            answer["Reason"] = "暂无轨迹信息"
        return answer

    def _subscribe(self, data: dict[str, Any], fail: Any) -> dict[str, Any]:
        for name in ("ShipperCode", "LogisticCode"):
            if not data.get(name):
                return fail("101", f"缺少必要参数 {name}")
        with self._lock:
            self.subscribed[str(data["LogisticCode"])] = str(data["ShipperCode"])
        return {"EBusinessID": "", "Success": True, "UpdateTime": "", "Reason": ""}

    def push_form(self, ebusiness_id: str, *numbers: str) -> dict[str, str]:
        """The form of a push (RequestType 101) of the traces of ``numbers`` as 快递鸟 posts it
        to a subscriber, signed with the account's key."""
        with self._lock:
            items = [
                {
                    "EBusinessID": ebusiness_id,
                    "ShipperCode": self.subscribed.get(number, ""),
                    "LogisticCode": number,
                    "Success": True,
                    "State": self.traces.get(number, ("0", []))[0],
                    "Traces": list(self.traces.get(number, ("0", []))[1]),
                }
                for number in numbers
            ]
        request_data = json.dumps(
            {"EBusinessID": ebusiness_id, "PushTime": "", "Count": len(items), "Data": items},
            ensure_ascii=False,
        )
        digest = hashlib.md5((request_data + self.accounts[ebusiness_id]).encode()).hexdigest()
        return {
            "RequestData": request_data,
            "DataSign": base64.b64encode(digest.encode()).decode(),
            "RequestType": "101",
            "DataType": "2",
        }

    def cancelled(self) -> set[str]:
        with self._lock:
            return {n for n, i in self.issued.items() if i.status == "cancelled"}

    def down(self) -> None:
        """Stop answering: the port is closed, so connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@contextmanager
def kdniao_stand_in(
    accounts: dict[str, str], prefix: str = "KD", port: int = 0
) -> Iterator[KdniaoStandIn]:
    """Run the stand-in on 127.0.0.1 (``port``, or a free one) for the ``with`` block."""
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

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
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


# -- the demo: ``python -m tests.kdniao_server`` ------------------------------------------------

DEMO_ACCOUNT = "DEMO"
DEMO_KEY = "demo-key"


def _wareterm(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The product's own command line, as a user runs it."""
    command = [sys.executable, "-m", "tui.cli", "--db", db, *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)


def configure(db: str, url: str, carriers: list[str] | None = None) -> list[str]:
    """Point ``carriers`` (default: every active one) of the database at the stand-in with
    ``wareterm carriers api``; the sender's city and district the API wants are set when
    missing. Returns the carriers configured; raises SystemExit with the command's words."""
    if carriers is None:
        listed = _wareterm(db, "carriers", "list", "--json")
        if listed.returncode:
            raise SystemExit(listed.stderr.strip() or listed.stdout.strip())
        carriers = [row["code"] for row in json.loads(listed.stdout) if row.get("active", True)]
    settings = json.loads(_wareterm(db, "config", "list", "--json").stdout or "{}")
    for key, value in (("sender.city", "杭州市"), ("sender.district", "余杭区")):
        if not (settings.get(key) if isinstance(settings, dict) else None):
            _wareterm(db, "config", "set", key, value)
    for code in carriers:
        done = _wareterm(
            db, "carriers", "api", code, "--provider", "kdniao", "--url", url,
            "--ebusiness-id", DEMO_ACCOUNT, "--key", "-",
            stdin=DEMO_KEY,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"{code}: {done.stderr.strip()}")
    return carriers


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in until Ctrl-C or SIGTERM, saying where it listens and how to point a
    carrier at it (or, with ``--configure DB``, pointing the database's carriers at it)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(
        prog="python -m tests.kdniao_server",
        description="A stand-in 快递鸟 e-waybill API on 127.0.0.1, for trying e-waybills out.",
    )
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    parser.add_argument("--prefix", default="KD", help="waybill numbers start with this")
    parser.add_argument("--configure", metavar="DB", help="point this database's carriers at it")
    parser.add_argument("--carrier", action="append", help="only these carriers (repeatable)")
    options = parser.parse_args(argv)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with kdniao_stand_in({DEMO_ACCOUNT: DEMO_KEY}, options.prefix, options.port) as server:
        print(f"快递鸟 stand-in on {server.url} (account {DEMO_ACCOUNT}, key {DEMO_KEY})")
        if options.configure:
            done = configure(options.configure, server.url, options.carrier)
            print(f"carriers now taking numbers from it: {' '.join(done)}")
            print(f"back to the pools: wareterm --db {options.configure} carriers api CODE --off")
        else:
            print(
                "point a carrier at it: wareterm carriers api CODE --provider kdniao"
                f" --url {server.url} --ebusiness-id {DEMO_ACCOUNT} --key {DEMO_KEY}"
            )
        print("Ctrl-C stops it (then the API is down: orders wait for their numbers)", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
