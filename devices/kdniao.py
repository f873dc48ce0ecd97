"""快递鸟 (KDNiao) electronic waybills: one API for SF, ZTO, YTO, STO, Yunda, EMS, JD, J&T …

The published protocol (see README "Electronic waybills"): an HTTP POST, form-encoded
(``application/x-www-form-urlencoded;charset=utf-8``), of

* ``RequestData``: the request as JSON (URL-encoded in the form),
* ``EBusinessID``: the seller's 快递鸟 user id,
* ``RequestType``: ``1007`` to order a waybill (电子面单), ``1147`` to cancel one,
* ``DataSign``: base64 of the lower-case hex MD5 of ``RequestData + AppKey`` (the JSON text
  exactly as sent, before URL-encoding), URL-encoded in the form,
* ``DataType``: ``2`` (JSON).

The answer is JSON with ``Success``, ``ResultCode`` (``"100"`` is success) and ``Reason``; an
order's answer carries ``Order.LogisticCode`` (the waybill number) and the routing data
(``MarkDestination`` 大头笔, ``PackageName``/``PackageCode`` 集包地, ``SortingCode``,
``OriginCode``/``OriginName``, ``DestinatioCode``/``DestinatioName`` — spelt so in the
published answer; ``DestinationCode`` is read too).

Every request has a bounded timeout; every failure becomes one
:class:`~core.waybills.WaybillUnavailable` carrying the provider's reason and whether trying
again may help. The AppKey never leaves this module except inside the MD5.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import Rejected
from core.i18n import _
from core.waybills import (
    CarrierApi,
    IssuedWaybill,
    ParcelRequest,
    Party,
    Routing,
    WaybillSource,
    WaybillTake,
    WaybillUnavailable,
    waybill_number,
)

PROVIDER = "kdniao"
ORDER = "1007"
CANCEL = "1147"
TRACK = "1002"

#: Our carrier codes where 快递鸟's ShipperCode differs (others are used as they are).
SHIPPER_CODES = {"YUNDA": "YD", "JT": "JTSD", "GENERIC": ""}

#: Result codes whose request will not succeed by sending it again.
#: (100 is success; 1xx codes other than these are the request's own fault.)
RETRYABLE_CODES = frozenset({"500", "501", "502", "503", "504", "9999"})

#: Longest answer read (an e-waybill answer with a print template is a few tens of KB).
MAX_ANSWER = 1_000_000

_TIMEOUT_S = 8.0


def data_sign(request_data: str, app_key: str) -> str:
    """The ``DataSign`` before form encoding: base64(md5-hex(RequestData + AppKey))."""
    digest = hashlib.md5((request_data + app_key).encode("utf-8")).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def form_body(request_type: str, request_data: str, ebusiness_id: str, app_key: str) -> bytes:
    """The POST body of one request: ``RequestData`` and ``DataSign`` URL-encoded (UTF-8)."""
    return urllib.parse.urlencode(
        {
            "RequestData": request_data,
            "EBusinessID": ebusiness_id,
            "RequestType": request_type,
            "DataSign": data_sign(request_data, app_key),
            "DataType": "2",
        }
    ).encode("ascii")


def _party(party: Party) -> dict[str, str]:
    data = {
        "Name": party.name,
        "Mobile": party.phone,
        "ProvinceName": party.province,
        "CityName": party.city,
        "ExpAreaName": party.district,
        "Address": party.address,
    }
    if party.company:
        data["Company"] = party.company
    if party.postcode:
        data["PostCode"] = party.postcode
    return data


def _clean(text: object, limit: int = 200) -> str:
    """Text from the provider as it may be shown: no control characters, bounded."""
    value = "".join(ch for ch in str(text) if ch.isprintable())
    return value[:limit]


@dataclass(frozen=True)
class KdniaoAccount:
    """A carrier's 快递鸟 account, read from :class:`~core.waybills.CarrierApi`."""

    url: str
    ebusiness_id: str
    app_key: str
    shipper_code: str
    customer_name: str = ""
    customer_pwd: str = ""
    month_code: str = ""
    template_size: str = ""
    pay_type: int = 3  # 1 现付, 2 到付, 3 月结
    exp_type: int = 1

    @classmethod
    def from_api(cls, api: CarrierApi) -> KdniaoAccount:
        options = api.options
        shipper = options.get("shipper_code") or SHIPPER_CODES.get(api.carrier, api.carrier)
        return cls(
            url=api.url,
            ebusiness_id=api.account,
            app_key=api.key,
            shipper_code=shipper,
            customer_name=options.get("customer_name", ""),
            customer_pwd=options.get("customer_pwd", ""),
            month_code=options.get("month_code", ""),
            template_size=options.get("template_size", ""),
        )

    def __repr__(self) -> str:  # never the key or the password
        return f"KdniaoAccount(url={self.url!r}, ebusiness_id={self.ebusiness_id!r})"


class KdniaoClient:
    """The 快递鸟 HTTP client: :meth:`order` (1007), :meth:`cancel` (1147)."""

    def __init__(self, account: KdniaoAccount, timeout_s: float = _TIMEOUT_S) -> None:
        if not account.url.startswith(("http://", "https://")):
            raise WaybillUnavailable(
                _("the 快递鸟 URL must start with http:// or https://"), retryable=False
            )
        self.account = account
        self.timeout_s = max(0.1, min(float(timeout_s), 60.0))

    def call(self, request_type: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request; the answer's JSON when ``Success`` is true and ``ResultCode`` is
        100. Raises WaybillUnavailable otherwise (with the provider's reason)."""
        request_data = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
        body = form_body(
            request_type, request_data, self.account.ebusiness_id, self.account.app_key
        )
        http_request = urllib.request.Request(
            self.account.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout_s) as response:  # noqa: S310
                raw = response.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as error:
            retry = error.code >= 500 or error.code in (408, 429)
            raise WaybillUnavailable(
                _("快递鸟 answered HTTP {status}").format(status=error.code),
                retryable=retry,
                code=f"HTTP {error.code}",
            ) from None
        except TimeoutError:
            raise WaybillUnavailable(
                _("快递鸟 did not answer within {s:g} s").format(s=self.timeout_s),
                retryable=True,
                code="timeout",
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise WaybillUnavailable(
                    _("快递鸟 did not answer within {s:g} s").format(s=self.timeout_s),
                    retryable=True,
                    code="timeout",
                ) from None
            raise WaybillUnavailable(
                _("cannot reach 快递鸟: {reason}").format(reason=_clean(reason)),
                retryable=True,
                code="unreachable",
            ) from None
        if len(raw) > MAX_ANSWER:
            raise WaybillUnavailable(
                _("快递鸟 sent an answer too large to read"), retryable=True, code="too large"
            )
        try:
            answer = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise WaybillUnavailable(
                _("快递鸟 sent an answer that is not JSON"), retryable=True, code="not JSON"
            ) from None
        if not isinstance(answer, dict):
            raise WaybillUnavailable(
                _("快递鸟 sent an answer that is not a JSON object"), retryable=True
            )
        code = _clean(answer.get("ResultCode", ""), 16)
        if answer.get("Success") is not True or code != "100":
            reason = _clean(answer.get("Reason") or "") or _("no reason given")
            raise WaybillUnavailable(
                _("快递鸟 refused ({code}): {reason}").format(code=code or "?", reason=reason),
                retryable=code in RETRYABLE_CODES,
                code=code,
            )
        return answer

    def order_request(self, parcel: ParcelRequest) -> dict[str, Any]:
        """The 1007 request of one parcel."""
        account = self.account
        request: dict[str, Any] = {
            "OrderCode": parcel.reference,
            "ShipperCode": account.shipper_code,
            "PayType": account.pay_type,
            "ExpType": account.exp_type,
            "Sender": _party(parcel.sender),
            "Receiver": _party(parcel.recipient),
            "Commodity": [{"GoodsName": g.name, "Goodsquantity": g.quantity} for g in parcel.goods]
            or [{"GoodsName": parcel.order_no}],
            "Weight": round(parcel.weight_g / 1000, 3),
            "Quantity": 1,
            "IsReturnPrintTemplate": 0,
            "Remark": f"{parcel.order_no} {parcel.seq}/{parcel.count}",
        }
        for field_name, value in (
            ("CustomerName", account.customer_name),
            ("CustomerPwd", account.customer_pwd),
            ("MonthCode", account.month_code),
            ("TemplateSize", account.template_size),
        ):
            if value:
                request[field_name] = value
        return request

    def order(self, parcel: ParcelRequest) -> IssuedWaybill:
        """Order one parcel's waybill (1007): its number and routing data."""
        answer = self.call(ORDER, self.order_request(parcel))
        order = answer.get("Order")
        if not isinstance(order, dict):
            raise WaybillUnavailable(
                _("快递鸟 answered success without an Order"), retryable=True, code="no Order"
            )
        try:
            number = waybill_number(str(order.get("LogisticCode") or ""))
        except Rejected:
            raise WaybillUnavailable(
                _("快递鸟 answered a waybill number that cannot be printed: {number!r}").format(
                    number=_clean(order.get("LogisticCode"), 40)
                ),
                retryable=False,
                code="bad LogisticCode",
            ) from None
        routing = Routing(
            mark_destination=_clean(order.get("MarkDestination") or "", 40),
            package_name=_clean(order.get("PackageName") or "", 40),
            package_code=_clean(order.get("PackageCode") or "", 40),
            sorting_code=_clean(order.get("SortingCode") or "", 40),
            origin_code=_clean(order.get("OriginCode") or "", 40),
            origin_name=_clean(order.get("OriginName") or "", 40),
            destination_code=_clean(
                order.get("DestinatioCode") or order.get("DestinationCode") or "", 40
            ),
            destination_name=_clean(
                order.get("DestinatioName") or order.get("DestinationName") or "", 40
            ),
        )
        return IssuedWaybill(number, routing, parcel.reference)

    def cancel(self, number: str, reference: str) -> None:
        """Cancel an ordered waybill at the carrier (1147)."""
        account = self.account
        request: dict[str, Any] = {
            "ShipperCode": account.shipper_code,
            "OrderCode": reference,
            "ExpNo": number,
        }
        if account.customer_name:
            request["CustomerName"] = account.customer_name
        if account.customer_pwd:
            request["CustomerPwd"] = account.customer_pwd
        self.call(CANCEL, request)


class KdniaoSource(WaybillSource):
    """A carrier's 快递鸟 account as a :class:`~core.waybills.WaybillSource`: never called
    inside a write transaction; :meth:`issue` is all or nothing (the numbers issued before a
    later parcel failed are cancelled again)."""

    in_transaction = False

    def __init__(self, api: CarrierApi, timeout_s: float = _TIMEOUT_S) -> None:
        self.api = api
        self.client = KdniaoClient(KdniaoAccount.from_api(api), timeout_s)

    def take(self, carrier: str, count: int) -> WaybillTake:
        raise WaybillUnavailable(
            _("快递鸟 issues numbers per parcel: it needs each parcel's addresses"),
            retryable=False,
        )

    def void(self, number: str) -> None:
        raise WaybillUnavailable(
            _("快递鸟 cancels a number with the order code it was issued for"),
            retryable=False,
        )

    def issue(self, carrier: str, parcels: Sequence[ParcelRequest]) -> tuple[IssuedWaybill, ...]:
        issued: list[IssuedWaybill] = []
        try:
            for parcel in parcels:
                issued.append(self.client.order(parcel))
        except WaybillUnavailable as error:
            stray = []
            for waybill in issued:
                try:
                    self.cancel(waybill)
                except WaybillUnavailable:
                    stray.append(waybill)
            error.stray = tuple(stray)  # the caller keeps them void and cancels them later
            raise
        return tuple(issued)

    def cancel(self, waybill: IssuedWaybill) -> None:
        self.client.cancel(waybill.number, waybill.reference)


def source(api: CarrierApi, timeout_s: float = _TIMEOUT_S) -> KdniaoSource:
    """The provider module's entry point (see ``devices.waybill_apis``)."""
    return KdniaoSource(api, timeout_s)
