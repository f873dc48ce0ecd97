"""Carriers as stored (presets until changed, import, active flag), the carrier settings, and the
waybill number pools: adding, taking inside a shipment's transaction, voiding, attaching."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.carriers import PRESET_CODES, PRESETS, CarrierPolicy, carrier_to_spec
from core.errors import NotAllowed, NotFound, Rejected
from core.model import Role
from core.waybills import WaybillSource
from data import carriers, settings
from data.carriers import (
    PoolWaybillSource,
    add_numbers,
    attach,
    carrier_policy,
    import_carriers,
    load_carriers,
    pool_status,
    set_active,
    take_waybills,
    void_waybill,
)
from data.store import Actor, Store
from tests.data.builders import ADMIN, add_floor_users, new_store

PACKER = Actor("bench", "bench-1", Role.PACKER)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "w.db")


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    rows = store.query("SELECT * FROM audit WHERE action = ? ORDER BY id", (action,))
    return [{**row, "detail": json.loads(str(row["detail"]))} for row in rows]


def _statuses(store: Store) -> dict[str, str]:
    return {
        row["number"]: row["status"]
        for row in store.query("SELECT number, status FROM waybill_numbers ORDER BY rowid")
    }


def _numbers(prefix: str, first: int, count: int) -> list[str]:
    return [f"{prefix}{n:010d}" for n in range(first, first + count)]


# -- carriers ----------------------------------------------------------------------------------


def test_the_presets_until_something_is_stored(store: Store) -> None:
    assert load_carriers(store) == list(PRESETS)
    assert store.scalar("SELECT count(*) FROM carriers") == 0
    assert [row["code"] for row in carriers.list_carriers(store)] == list(PRESET_CODES)
    assert not carriers.list_carriers(store)[0]["stored"]


def test_set_active_stores_the_presets_then_changes_one(store: Store) -> None:
    changed = set_active(store, ADMIN, " zto ", False)
    assert changed.code == "ZTO" and not changed.active
    loaded = {c.code: c for c in load_carriers(store)}
    assert [c.code for c in load_carriers(store)] == list(PRESET_CODES)  # order kept
    assert not loaded["ZTO"].active and loaded["SF"].active
    assert loaded["SF"] == PRESETS[0]
    set_active(store, ADMIN, "generic", True)
    assert {c.code: c.active for c in load_carriers(store)}["GENERIC"]
    assert [a["action"] for a in store.query("SELECT action FROM audit ORDER BY id")] == [
        "carrier.presets",
        "carrier.active",
        "carrier.active",
    ]
    assert _audit(store, "carrier.active")[0]["detail"] == {"active": False, "was": True}


def test_set_active_refuses_unknown_carriers_and_non_admins(store: Store) -> None:
    with pytest.raises(Rejected, match="unknown carrier 'DHL'; known carriers: SF, ZTO"):
        set_active(store, ADMIN, "DHL", True)
    add_floor_users(store, "supervisor", "zhao.min")
    with pytest.raises(NotAllowed):
        set_active(store, Actor("zhao.min", "office"), "SF", False)
    assert store.scalar("SELECT count(*) FROM carriers") == 0


JT = {
    "code": "JT",
    "name": "J&T Express",
    "name_zh": "极兔速递",
    "services": [
        {
            "code": "STANDARD",
            "name": "标准快递",
            "speed_days": 3,
            "rates": {
                "local": {"first_kg_fen": 250, "extra_kg_fen": 100},
                "regional": {"first_kg_fen": 350, "extra_kg_fen": 150},
                "national": {"first_kg_fen": 450, "extra_kg_fen": 300},
            },
        }
    ],
    "coverage": ["浙江", "江苏", "上海", "广东"],
    "tracking": True,
}


def test_import_adds_and_replaces_and_keeps_the_rest(store: Store) -> None:
    cheaper_sf = carrier_to_spec(PRESETS[0])
    cheaper_sf["services"][0]["rates"]["local"]["first_kg_fen"] = 900
    del cheaper_sf["active"]
    set_active(store, ADMIN, "SF", False)
    result = import_carriers(
        store, ADMIN, json.dumps([JT, cheaper_sf], ensure_ascii=False).encode()
    )
    assert result == {"added": ["JT"], "replaced": ["SF"]}
    loaded = {c.code: c for c in load_carriers(store)}
    assert list(loaded) == [*PRESET_CODES, "JT"]
    assert loaded["SF"].services[0].rates["local"].first_kg_fen == 900
    assert not loaded["SF"].active, "a spec without 'active' keeps the carrier's state"
    assert loaded["JT"].coverage == frozenset({"浙江", "江苏", "上海", "广东"})
    assert loaded["ZTO"] == PRESETS[1]
    imported = _audit(store, "carrier.import")
    assert [row["subject"] for row in imported] == ["JT", "SF"]
    assert imported[0]["detail"]["spec"]["name_zh"] == "极兔速递"
    # The new carrier takes part in the rules and is accepted wherever a carrier is named.
    assert carriers.carrier_codes(store)[-1] == "JT"
    add_numbers(store, ADMIN, "jt", ["JT00000001"])


def test_import_accepts_one_object_or_a_carriers_key(store: Store) -> None:
    assert import_carriers(store, ADMIN, json.dumps(JT).encode())["added"] == ["JT"]
    wrapped = {"carriers": [{**JT, "active": False}]}
    assert import_carriers(store, ADMIN, json.dumps(wrapped).encode())["replaced"] == ["JT"]
    assert not {c.code: c for c in load_carriers(store)}["JT"].active


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[", "not valid JSON"),
        (b"\xff[]", "not UTF-8"),
        (b"[]", "must hold a JSON array"),
        (b'"SF"', "must hold a JSON array"),
        (json.dumps([JT, {**JT, "code": "SF", "coverage": ["Narnia"]}]).encode(), "carrier #2"),
        (json.dumps([JT, {**JT, "code": "jt"}]).encode(), "carrier JT is in the file twice"),
    ],
)
def test_a_bad_import_changes_nothing(store: Store, content: bytes, message: str) -> None:
    with pytest.raises(Rejected, match=message):
        import_carriers(store, ADMIN, content)
    assert store.scalar("SELECT count(*) FROM carriers") == 0
    assert store.scalar("SELECT count(*) FROM audit") == 0


def test_import_needs_the_configure_permission(store: Store) -> None:
    add_floor_users(store, "packer", "chen.jie")
    with pytest.raises(NotAllowed):
        import_carriers(store, Actor("chen.jie", "bench-1"), json.dumps(JT).encode())


def test_a_damaged_stored_spec_is_a_clear_error(store: Store) -> None:
    set_active(store, ADMIN, "SF", True)
    store.conn.execute("UPDATE carriers SET spec = '{' WHERE code = 'YTO'")
    with pytest.raises(Rejected, match="carrier YTO: the stored spec is not JSON"):
        load_carriers(store)


# -- settings ----------------------------------------------------------------------------------


def test_the_default_policy(store: Store) -> None:
    assert carrier_policy(store) == CarrierPolicy(
        "浙江", frozenset({"新疆", "西藏", "青海", "内蒙古", "甘肃", "宁夏"}), "EMS"
    )
    assert carriers.low_warning(store) == 50


def test_policy_settings_are_checked_and_normalised(store: Store) -> None:
    with store.write(ADMIN) as write:
        assert settings.put(write, "warehouse.province", "Guangdong Province") == "广东"
        assert settings.put(write, "carrier.remote_provinces", "Xinjiang，西藏、 海南") == (
            "新疆,西藏,海南"
        )
        assert settings.put(write, "carrier.remote_preferred", " sf ") == "SF"
        assert settings.put(write, "pool.low_warning", "200") == "200"
    policy = carrier_policy(store)
    assert policy == CarrierPolicy("广东", frozenset({"新疆", "西藏", "海南"}), "SF")
    assert carriers.low_warning(store) == 200
    with store.write(ADMIN) as write:
        assert settings.put(write, "carrier.remote_provinces", "") == ""
    assert carrier_policy(store).remote_provinces == frozenset()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("warehouse.province", "Gotham", "warehouse.province: unknown province 'Gotham'"),
        ("warehouse.province", "香港", "outside the mainland"),
        ("carrier.remote_provinces", "新疆,Atlantis", "unknown province 'Atlantis'"),
        ("carrier.remote_preferred", "顺丰", "carrier code '顺丰'"),
        ("carrier.remote_preferred", "DHL", "unknown carrier 'DHL'; known carriers: SF"),
        ("pool.low_warning", "-1", "positive whole number"),
    ],
)
def test_bad_policy_settings_are_refused(store: Store, key: str, value: str, message: str) -> None:
    with pytest.raises(Rejected, match=message), store.write(ADMIN) as write:
        settings.put(write, key, value)


def test_the_preferred_carrier_may_be_an_imported_one(store: Store) -> None:
    import_carriers(store, ADMIN, json.dumps(JT).encode())
    with store.write(ADMIN) as write:
        assert settings.put(write, "carrier.remote_preferred", "jt") == "JT"


# -- pools: adding -----------------------------------------------------------------------------


def test_add_from_a_file_reports_bad_lines_and_repeats(store: Store) -> None:
    add_numbers(store, ADMIN, "YTO", ["YT0000000009"])
    content = (
        b"# block 1\n"
        b"SF1000000001\n"
        b"\n"
        b"SF1000000002\n"
        b"SF 100\n"  # line 5: bad
        b"SF1000000001\n"  # line 6: repeats line 2
        b"yt0000000009\n"  # line 7: already stored, for another carrier
        b"SF1000000003\n"
    )
    report = add_numbers(store, ADMIN, " sf ", content)
    assert report.stored == ["SF1000000001", "SF1000000002", "SF1000000003"]
    assert [(r.line, r.key, r.reason) for r in report.skipped] == [
        (6, "SF1000000001", "repeats line 2"),
        (7, "YT0000000009", "already in the YTO pool (free)"),
    ]
    assert [(r.line, r.key) for r in report.rejected] == [(5, "SF 100")]
    assert _statuses(store) == {
        "YT0000000009": "free",
        "SF1000000001": "free",
        "SF1000000002": "free",
        "SF1000000003": "free",
    }
    assert _audit(store, "waybill.add")[-1]["detail"] == {
        "added": 3,
        "first": "SF1000000001",
        "last": "SF1000000003",
        "skipped": 2,
        "rejected": 1,
    }


def test_adding_the_same_numbers_twice_stores_them_once(store: Store) -> None:
    numbers = _numbers("SF", 1, 100)
    assert len(add_numbers(store, ADMIN, "SF", numbers).stored) == 100
    again = add_numbers(store, ADMIN, "SF", numbers + _numbers("SF", 101, 5))
    assert len(again.stored) == 5 and len(again.skipped) == 100
    assert store.scalar("SELECT count(*) FROM waybill_numbers") == 105
    # Another carrier cannot claim them either, used or not.
    with store.write(PACKER) as write:
        take_waybills(write, "SF", 1)
    other = add_numbers(store, ADMIN, "EMS", numbers[:1])
    assert other.stored == [] and other.skipped[0].reason == "already in the SF pool (used)"


def test_add_refuses_unknown_carriers_and_non_admins(store: Store) -> None:
    with pytest.raises(Rejected, match="unknown carrier 'DHL'"):
        add_numbers(store, ADMIN, "DHL", ["DHL0000001"])
    add_floor_users(store, "packer", "chen.jie")
    with pytest.raises(NotAllowed):
        add_numbers(store, Actor("chen.jie", "bench-1"), "SF", ["SF0000000001"])
    assert store.scalar("SELECT count(*) FROM waybill_numbers") == 0


def test_large_adds_are_one_transaction_past_the_parameter_limit(store: Store) -> None:
    numbers = _numbers("SF", 1, 3000)
    add_numbers(store, ADMIN, "SF", numbers[:1500])
    report = add_numbers(store, ADMIN, "SF", numbers)
    assert (len(report.stored), len(report.skipped)) == (1500, 1500)
    assert store.scalar("SELECT count(*) FROM waybill_numbers WHERE status = 'free'") == 3000


# -- pools: taking -----------------------------------------------------------------------------


def test_take_the_oldest_free_numbers(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 500, 3))
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 3))  # added later, lower numbers
    add_numbers(store, ADMIN, "EMS", _numbers("EM", 1, 3))
    with store.write(PACKER) as write:
        first = take_waybills(write, "sf", 2)
        write.audit("test.shipment", "SO-1")
    assert first.numbers == ("SF0000000500", "SF0000000501")
    assert first.remaining == 4 and first.low  # 4 < 50
    with store.write(PACKER) as write:
        second = take_waybills(write, "SF", 2)
    assert second.numbers == ("SF0000000502", "SF0000000001")
    taken = store.query(
        "SELECT number, status, taken_at FROM waybill_numbers WHERE status = 'used' ORDER BY rowid"
    )
    assert [row["number"] for row in taken] == list(first.numbers + second.numbers)
    assert all(row["taken_at"] for row in taken)
    assert _audit(store, "waybill.take")[0]["detail"] == {
        "numbers": ["SF0000000500", "SF0000000501"],
        "remaining": 4,
    }


def test_a_failed_transaction_leaves_the_numbers_free(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 3))
    with pytest.raises(RuntimeError, match="label job failed"), store.write(PACKER) as write:
        take = take_waybills(write, "SF", 2)
        assert take.numbers == ("SF0000000001", "SF0000000002")
        raise RuntimeError("label job failed")
    assert set(_statuses(store).values()) == {"free"}
    with store.write(PACKER) as write:
        assert take_waybills(write, "SF", 2).numbers == ("SF0000000001", "SF0000000002")


def test_running_out_is_a_clear_stop_that_takes_nothing(store: Store) -> None:
    with pytest.raises(Rejected) as error, store.write(PACKER) as write:
        take_waybills(write, "SF", 1)
    assert str(error.value) == (
        "no waybill numbers left for SF; add some with: wareterm carriers pool add SF FILE"
    )
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 2))
    with store.write(PACKER) as write:
        with pytest.raises(Rejected, match="only 2 waybill number"):
            take_waybills(write, "SF", 3)
        # Even when the caller catches the error and commits, nothing was taken.
        write.audit("test.shipment", "SO-1")
    assert set(_statuses(store).values()) == {"free"}


def test_the_low_flag_follows_the_setting(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 12))
    with store.write(ADMIN) as write:
        settings.put(write, "pool.low_warning", "10")
    with store.write(PACKER) as write:
        assert not take_waybills(write, "SF", 2).low  # 10 left
        take = take_waybills(write, "SF", 1)
    assert (take.remaining, take.low) == (9, True)


def test_take_is_for_the_bench(store: Store) -> None:
    add_floor_users(store, "picker", "li.na")
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 2))
    with pytest.raises(NotAllowed), store.write(Actor("li.na", "hh-1")) as write:
        take_waybills(write, "SF", 1)
    with pytest.raises(Rejected, match="at least one"), store.write(PACKER) as write:
        take_waybills(write, "SF", 0)


# -- void, attach, status, the port ------------------------------------------------------------


def test_a_void_number_is_never_handed_out_again(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 3))
    with store.write(PACKER) as write:
        assert void_waybill(write, "sf0000000001") == "free"  # a spoilt pre-printed label
        take = take_waybills(write, "SF", 1)
        assert void_waybill(write, take.numbers[0]) == "used"  # a cancelled shipment
        assert void_waybill(write, take.numbers[0]) == "void"  # again: no change
    assert take.numbers == ("SF0000000002",)
    with store.write(PACKER) as write:
        assert take_waybills(write, "SF", 1).numbers == ("SF0000000003",)
    with pytest.raises(Rejected, match="no waybill numbers left"), store.write(PACKER) as write:
        take_waybills(write, "SF", 1)
    # Adding a void number again does not bring it back.
    report = add_numbers(store, ADMIN, "SF", ["SF0000000001"])
    assert report.skipped[0].reason == "already in the SF pool (void)"
    assert len(_audit(store, "waybill.void")) == 2
    with pytest.raises(NotFound), store.write(PACKER) as write:
        void_waybill(write, "XX0000000000")


def test_attach_a_taken_number_to_its_package(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 2))
    with store.write(PACKER) as write:
        number = take_waybills(write, "SF", 1).numbers[0]
        attach(write, number, 7)
        attach(write, number, 7)  # repeating is harmless
        with pytest.raises(Rejected, match="already on package 7"):
            attach(write, number, 8)
        with pytest.raises(Rejected, match="is free, not taken"):
            attach(write, "SF0000000002", 8)
        with pytest.raises(NotFound):
            attach(write, "XX0000000000", 8)
    assert store.scalar("SELECT package_id FROM waybill_numbers WHERE number = ?", (number,)) == 7


def test_pool_status(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 60))
    add_numbers(store, ADMIN, "EMS", _numbers("EM", 1, 3))
    with store.write(PACKER) as write:
        take_waybills(write, "SF", 5)
        void_waybill(write, "EM0000000001")
    set_active(store, ADMIN, "YTO", False)
    rows = {row["carrier"]: row for row in pool_status(store)}
    assert list(rows) == ["SF", "ZTO", "STO", "YUNDA", "EMS", "JD"]  # active ones
    assert rows["SF"] == {
        "carrier": "SF",
        "name": "顺丰速运",
        "active": True,
        "free": 55,
        "used": 5,
        "void": 0,
        "low": False,
        "low_warning": 50,
    }
    assert (rows["EMS"]["free"], rows["EMS"]["void"], rows["EMS"]["low"]) == (2, 1, True)
    assert rows["ZTO"]["free"] == 0 and rows["ZTO"]["low"]
    # An inactive carrier with numbers is listed, never as low.
    add_numbers(store, ADMIN, "YTO", ["YT0000000001"])
    yto = {row["carrier"]: row for row in pool_status(store)}["YTO"]
    assert (yto["active"], yto["free"], yto["low"]) == (False, 1, False)


def test_the_pool_is_a_waybill_source(store: Store) -> None:
    add_numbers(store, ADMIN, "SF", _numbers("SF", 1, 3))
    with store.write(PACKER) as write:
        source: WaybillSource = PoolWaybillSource(write)
        take = source.take("SF", 2)
        source.void(take.numbers[1])
    assert _statuses(store) == {
        "SF0000000001": "used",
        "SF0000000002": "void",
        "SF0000000003": "free",
    }
