"""Customer classes per shop (new, returning, VIP, blacklist) and platform orders withdrawn
after import (closed or refunded: cancelled, or intercepted once picked), on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import local_day
from core.errors import Rejected
from data import customers, merging, orders, platforms, waves
from data.report import daily_report
from data.store import Store
from tests.data.builders import (
    ADMIN,
    NOW,
    pick_everything,
    problems_of,
    set_setting,
    shop_floor,
    shop_store,
    status_of,
)
from tests.data.floor_rows import ship_order
from tests.data.test_merge_split import CHEN_1, CHEN_2, WANG, header, item, taobao

SHOP = "杯子旗舰店"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return shop_store(tmp_path)


def chen(order_no: str, status: str = "买家已付款，等待卖家发货") -> dict:
    row = header(order_no, "tb_chen", "陈静", "浙江省 杭州市 西湖区 文三路 100 号", "13812345678")
    row["订单状态"] = status
    return row


def wang(order_no: str, status: str = "买家已付款，等待卖家发货") -> dict:
    row = header(order_no, "", "王芳", "北京 北京市 朝阳区 建国路 88 号", "13900001111")
    row["订单状态"] = status
    return row


def classes(store: Store) -> dict[str, str]:
    return {
        row["order_no"]: row["customer_class"]
        for row in store.query("SELECT order_no, customer_class FROM orders")
    }


def test_new_returning_vip_and_blacklisted_customers_per_shop(store: Store, tmp_path: Path) -> None:
    customers.add_customer(
        store, ADMIN, "vip", SHOP, buyer="tb_chen", priority="rush", carrier="sf"
    )
    customers.add_customer(store, ADMIN, "blacklist", SHOP, phone="139 0000 1111")
    with pytest.raises(Rejected, match="only a VIP"):
        customers.add_customer(store, ADMIN, "blacklist", SHOP, buyer="x", priority="rush")
    with pytest.raises(Rejected, match="--buyer or by a full --phone"):
        customers.add_customer(store, ADMIN, "vip", SHOP, phone="138****5678")
    first = tmp_path / "first"
    first.mkdir()
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            first,
            [chen(CHEN_1), wang(WANG)],
            [item(CHEN_1, "SKU-CUP", 1), item(WANG, "SKU-CUP", 1)],
        ),
        shop=SHOP,
    )
    # a VIP's order is rush and takes the carrier chosen for them; a blacklisted one is held
    vip = store.query("SELECT * FROM orders WHERE order_no = ?", (CHEN_1,))[0]
    assert (vip["customer_class"], vip["priority"], vip["vip_carrier"]) == ("vip", "rush", "SF")
    assert status_of(store, WANG) == "on_hold" and problems_of(store, WANG) == ["blacklisted"]
    assert classes(store)[WANG] == "blacklist"
    # releasing a blacklisted order is a supervisor's word, as with the other waivable holds
    assert orders.release_order(store, ADMIN, WANG, "known customer, phoned")["status"] == (
        "allocated"
    )

    customers.remove_customer(store, ADMIN, "vip", SHOP, buyer="tb_chen")
    customers.remove_customer(store, ADMIN, "blacklist", SHOP, phone="13900001111")
    assert customers.list_customers(store, "vip") == []
    second = tmp_path / "second"
    second.mkdir()
    # a new order of each: returning now (buyer id for one, phone for the other); in another
    # shop the same buyer is new
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            second,
            [chen(CHEN_2), wang("3012345600000009")],
            [item(CHEN_2, "SKU-CUP", 1), item("3012345600000009", "SKU-CUP", 1)],
        ),
        shop=SHOP,
    )
    third = tmp_path / "third"
    third.mkdir()
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(third, [chen("3012345600000010")], [item("3012345600000010", "SKU-CUP", 1)]),
        shop="另一家店",
    )
    found = classes(store)
    assert found[CHEN_2] == "returning" and found["3012345600000009"] == "returning"
    assert found["3012345600000010"] == "new"


def test_an_order_closed_on_the_platform_is_cancelled_or_intercepted_once_picked(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            first,
            [chen(CHEN_1), wang(WANG)],
            [item(CHEN_1, "SKU-CUP", 1), item(WANG, "SKU-PLATE", 1)],
        ),
        shop=SHOP,
    )
    waves.release_wave(store, ADMIN, max_orders=1, orders_per_list=1)  # the first one only
    picked = store.scalar("SELECT order_no FROM orders WHERE picklist_id IS NOT NULL")
    waiting = WANG if picked == CHEN_1 else CHEN_1
    pick_everything(shop_floor(store))
    assert status_of(store, picked) == "picked"

    later = tmp_path / "later"
    later.mkdir()
    closed = "付款以后用户退款成功，交易自动关闭"
    rows = {CHEN_1: chen(CHEN_1, closed), WANG: wang(WANG, "交易关闭")}
    report = platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            later, list(rows.values()), [item(CHEN_1, "SKU-CUP", 1), item(WANG, "SKU-PLATE", 1)]
        ),
        shop=SHOP,
    )
    reasons = {skip.key: skip.reason for skip in report.skipped}
    assert reasons[waiting].endswith("cancelled") and status_of(store, waiting) == "cancelled"
    assert reasons[picked].endswith("intercepted") and status_of(store, picked) == "cancelled"
    assert store.scalar("SELECT count(*) FROM intercepts WHERE order_no = ?", (picked,)) == 1
    # the same file again changes nothing more
    again = platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            later, list(rows.values()), [item(CHEN_1, "SKU-CUP", 1), item(WANG, "SKU-PLATE", 1)]
        ),
        shop=SHOP,
    )
    assert {skip.key for skip in again.skipped} == {CHEN_1, WANG}
    assert store.scalar("SELECT count(*) FROM intercepts") == 1


def test_a_merged_order_closed_on_the_platform_is_left_to_a_supervisor(
    store: Store, tmp_path: Path
) -> None:
    set_setting(store, "merge.mode", "auto")
    first = tmp_path / "first"
    first.mkdir()
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            first,
            [chen(CHEN_1), chen(CHEN_2)],
            [item(CHEN_1, "SKU-CUP", 1), item(CHEN_2, "SKU-PLATE", 1)],
        ),
        shop=SHOP,
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    assert status_of(store, CHEN_2) == "merged"
    later = tmp_path / "later"
    later.mkdir()
    report = platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(later, [chen(CHEN_2, "交易关闭")], [item(CHEN_2, "SKU-PLATE", 1)]),
        shop=SHOP,
    )
    (skip,) = report.skipped
    assert f"merged into {CHEN_1}" in skip.reason
    assert status_of(store, CHEN_2) == "merged" and status_of(store, CHEN_1) == "allocated"
    assert merging.list_merges(store)[0]["status"] == "merged"


def test_the_daily_report_breaks_orders_down_by_shop_class_and_category(
    store: Store, tmp_path: Path
) -> None:
    customers.add_customer(store, ADMIN, "vip", SHOP, buyer="tb_chen")
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            tmp_path,
            [chen(CHEN_1), wang(WANG)],
            [item(CHEN_1, "SKU-CUP", 1), item(CHEN_1, "SKU-SOFA", 1), item(WANG, "SKU-CUP", 1)],
        ),
        shop=SHOP,
    )
    ship_order(store, CHEN_1, NOW)
    report = daily_report(store, ADMIN, local_day(NOW))
    found = {(b.dimension, b.key): (b.received, b.shipped) for b in report.breakdown}
    assert found == {
        ("channel", f"taobao/{SHOP}"): (2, 1),
        ("customer_class", "vip"): (1, 1),
        ("customer_class", "new"): (1, 0),
        ("category", "日用品"): (2, 1),
        ("category", "家具"): (1, 1),
    }
    data = report.as_dict()["breakdown"]
    assert data["customer_class"] == [
        {"key": "new", "received": 1, "shipped": 0},
        {"key": "vip", "received": 1, "shipped": 1},
    ]
    assert ("by_category", "家具", "shipped", "1") in report.csv_rows()


def test_a_vips_parcel_takes_their_chosen_carrier(store: Store, tmp_path: Path) -> None:
    from data import packing
    from data.carriers import carrier_policy

    policy = carrier_policy(store)
    platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(
            tmp_path,
            [chen(CHEN_1), wang(WANG)],
            [item(CHEN_1, "SKU-CUP", 1), item(WANG, "SKU-CUP", 1)],
        ),
        shop=SHOP,
    )
    usual = packing.propose(store, CHEN_1, 500, policy).choice.carrier.code
    chosen = "EMS" if usual != "EMS" else "SF"
    customers.add_customer(store, ADMIN, "vip", SHOP, buyer="tb_chen", carrier=chosen)
    later = tmp_path / "later"
    later.mkdir()
    platforms.import_platform_orders(
        store, ADMIN, taobao(later, [chen(CHEN_2)], [item(CHEN_2, "SKU-CUP", 1)]), shop=SHOP
    )
    assert packing.propose(store, CHEN_2, 500, policy).choice.carrier.code == chosen
    assert packing.propose(store, CHEN_1, 500, policy).choice.carrier.code == usual


def test_a_split_order_closed_on_the_platform_takes_its_parts_with_it(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    platforms.import_platform_orders(
        store, ADMIN, taobao(first, [wang(WANG)], [item(WANG, "SKU-BOWL", 3)]), shop=SHOP
    )
    part = merging.split_order(store, ADMIN, WANG)["part"]
    later = tmp_path / "later"
    later.mkdir()
    report = platforms.import_platform_orders(
        store,
        ADMIN,
        taobao(later, [wang(WANG, "交易关闭")], [item(WANG, "SKU-BOWL", 3)]),
        shop=SHOP,
    )
    (skip,) = report.skipped
    assert f"{WANG}: cancelled" in skip.reason and f"{part}: cancelled" in skip.reason
    assert status_of(store, WANG) == status_of(store, part) == "cancelled"
    assert store.scalar("SELECT reserved FROM products WHERE sku = 'SKU-BOWL'") == 0
