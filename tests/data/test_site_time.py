"""Times people read are site time: the shipped-already message, the setting that moves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core import i18n, timefmt
from core.clock import FixedClock
from core.errors import Rejected
from core.model import Verdict
from data import settings
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import ADMIN, NOW
from tests.data.test_packing import CABLE, CUP, PIN, build_bench, first_list


@pytest.fixture(autouse=True)
def china_again() -> Iterator[None]:
    yield
    timefmt.set_site_zone(None)
    i18n.set_language(None)


def _ship_twice(path: Path) -> str:
    store = open_store(path, FixedClock(NOW))
    floor = SqliteFloor(store)
    packer = floor.login("chen.jie", PIN, "bench-1")
    floor.pack_scan(packer, first_list(store), "wedge")
    for code in (CUP, CABLE):
        floor.pack_scan(packer, code, "wedge")
    shipment = floor.finish_pack(packer, "O-RUSH", 420, 1).view.to_ship[0].shipment
    assert shipment is not None
    (waybill,) = shipment.waybills
    floor.pack_scan(packer, waybill, "wedge")
    again = floor.pack_scan(packer, waybill, "wedge")
    assert again.verdict is Verdict.NOT_EXPECTED
    store.close()
    return again.message


def test_shipped_already_says_when_in_china_time(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    build_bench(path)
    i18n.set_language("zh_CN")
    message = _ship_twice(path)
    assert "2026-11-21 14:00" in message  # NOW is 06:00 UTC
    assert "已于" in message and "发货" in message


def test_the_site_time_zone_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    build_bench(path)
    store = open_store(path)
    with pytest.raises(Rejected), store.write(ADMIN) as write:
        settings.put(write, "site.timezone", "Mars/Olympus_Mons")
    with store.write(ADMIN) as write:
        settings.put(write, "site.timezone", "Europe/Berlin")
    store.close()
    assert "2026-11-21 07:00" in _ship_twice(path)
