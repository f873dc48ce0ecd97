"""The 快递鸟 client against the stand-in server over real loopback HTTP."""

from __future__ import annotations

import time

import pytest

from core.waybills import (
    CarrierApi,
    Goods,
    IssuedWaybill,
    ParcelRequest,
    Party,
    WaybillUnavailable,
)
from devices import kdniao
from devices.waybill_apis import source_for
from tests.kdniao_server import ERRORS, kdniao_stand_in

KEY = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
SENDER = Party("杭州仓", "0571-88886666", "浙江", "杭州市", "余杭区", "仓前街道 1 号")
RECIPIENT = Party("张三", "13812345678", "广东", "深圳市", "南山区", "科技南十二路 2 号")


def parcel(reference: str, seq: int = 1, count: int = 1) -> ParcelRequest:
    return ParcelRequest(
        reference=reference,
        order_no="SO-1",
        seq=seq,
        count=count,
        weight_g=1250,
        sender=SENDER,
        recipient=RECIPIENT,
        goods=(Goods("T恤", 2),),
    )


def api(url: str, key: str = KEY, **options: str) -> CarrierApi:
    return CarrierApi("ZTO", "kdniao", url, "1234567", key, options)


def test_the_signature_is_base64_of_the_md5_hex() -> None:
    import base64
    import hashlib

    expected = base64.b64encode(hashlib.md5(b'{"a":1}KEY').hexdigest().encode()).decode()
    assert kdniao.data_sign('{"a":1}', "KEY") == expected
    assert len(expected) == 44  # 32 hex characters in base64
    body = kdniao.form_body("1007", '{"a":"张"}', "E1", "KEY").decode()
    assert "RequestData=%7B%22a%22%3A%22%E5%BC%A0%22%7D" in body
    assert "DataType=2" in body and "RequestType=1007" in body
    assert "KEY" not in body


def test_order_returns_the_number_and_routing_and_cancel_cancels_it() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        source = source_for(api(server.url, customer_name="c1", month_code="m1"))
        assert not source.in_transaction
        issued = source.issue("ZTO", [parcel("SO-1-1-a1"), parcel("SO-1-2-a1", 2, 2)])
        assert [w.number for w in issued] == ["KD0000000001", "KD0000000002"]
        first = issued[0]
        assert first.routing.mark_destination.startswith("广东-深圳")
        assert first.routing.package_name == "深圳集包"
        assert first.routing.sorting_code and first.routing.destination_code == "755"
        assert first.reference == "SO-1-1-a1"
        sent = server.requests[0]["data"]
        assert sent["ShipperCode"] == "ZTO" and sent["CustomerName"] == "c1"
        assert sent["MonthCode"] == "m1"
        assert sent["Receiver"]["Mobile"] == "13812345678"  # the full data goes to the API
        source.cancel(first)
        assert server.cancelled() == {"KD0000000001"}
        with pytest.raises(WaybillUnavailable) as error:
            source.cancel(first)  # cancelled already: the provider's reason comes back
        assert "订单已取消" in str(error.value) and not error.value.retryable


def test_yunda_uses_its_kdniao_shipper_code() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        source = source_for(CarrierApi("YUNDA", "kdniao", server.url, "1234567", KEY))
        source.issue("YUNDA", [parcel("R-1")])
        assert server.requests[0]["data"]["ShipperCode"] == "YD"


def test_a_wrong_key_is_refused_and_not_worth_retrying() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        source = source_for(api(server.url, key="not-the-key"))
        with pytest.raises(WaybillUnavailable) as error:
            source.issue("ZTO", [parcel("R-1")])
        assert "DataSign" in str(error.value) and not error.value.retryable
        assert "not-the-key" not in str(error.value)
        assert server.issued == {}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_each_documented_error_becomes_one_domain_error(code: str) -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        server.error = code
        with pytest.raises(WaybillUnavailable) as error:
            source_for(api(server.url)).issue("ZTO", [parcel("R-1")])
        assert ERRORS[code] in str(error.value) and code in str(error.value)
        assert error.value.code == code
        assert error.value.retryable == (code == "500")


def test_a_missing_field_is_named_by_the_server() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        bad = ParcelRequest("R-1", "SO-1", 1, 1, 100, SENDER, Party("", "", "", "", "", ""))
        with pytest.raises(WaybillUnavailable) as error:
            source_for(api(server.url)).issue("ZTO", [bad])
        assert "Receiver.Name" in str(error.value)


def test_a_repeated_order_code_is_refused() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        source = source_for(api(server.url))
        source.issue("ZTO", [parcel("R-1")])
        with pytest.raises(WaybillUnavailable) as error:
            source.issue("ZTO", [parcel("R-1")])
        assert error.value.code == "105"


def test_all_or_nothing_cancels_what_was_issued_before_a_failure() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        source = source_for(api(server.url))
        source.issue("ZTO", [parcel("R-2")])  # R-2 is taken: the second parcel fails
        with pytest.raises(WaybillUnavailable):
            source.issue("ZTO", [parcel("R-1"), parcel("R-2")])
        assert server.cancelled() == {"KD0000000002"}


def test_slow_is_cut_off_by_the_timeout() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        server.delay_s = 5.0
        source = kdniao.source(api(server.url), timeout_s=0.3)
        started = time.monotonic()
        with pytest.raises(WaybillUnavailable) as error:
            source.issue("ZTO", [parcel("R-1")])
        assert time.monotonic() - started < 3.0
        assert error.value.retryable and error.value.code == "timeout"


def test_down_and_http_errors_are_retryable() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        server.http_status = 503
        with pytest.raises(WaybillUnavailable) as error:
            source_for(api(server.url)).issue("ZTO", [parcel("R-1")])
        assert error.value.retryable and "503" in str(error.value)
        server.down()
        with pytest.raises(WaybillUnavailable) as error:
            source_for(api(server.url)).issue("ZTO", [parcel("R-1")])
        assert error.value.retryable and error.value.code == "unreachable"


def test_an_unknown_provider_or_bad_url_is_refused() -> None:
    with pytest.raises(WaybillUnavailable):
        source_for(CarrierApi("SF", "nope", "http://127.0.0.1:1/", "1", KEY))
    with pytest.raises(WaybillUnavailable):
        source_for(CarrierApi("SF", "kdniao", "file:///etc/passwd", "1", KEY))


def test_the_key_never_shows_in_repr() -> None:
    config = api("http://127.0.0.1:1/", customer_pwd="pw-secret")
    assert KEY not in repr(config)
    assert KEY not in str(config.shown()) and "pw-secret" not in str(config.shown())
    assert KEY not in repr(kdniao.KdniaoAccount.from_api(config))
    assert IssuedWaybill("KD1").routing.as_dict()["mark_destination"] == ""


def test_numbers_that_could_not_be_cancelled_come_back_with_the_error() -> None:
    with kdniao_stand_in({"1234567": KEY}) as server:
        server.fail_after = 1
        with pytest.raises(WaybillUnavailable) as error:
            source_for(api(server.url)).issue("ZTO", [parcel("R-1"), parcel("R-2", 2, 2)])
        assert [w.number for w in error.value.stray] == ["KD0000000001"]
        assert error.value.stray[0].reference == "R-1"
