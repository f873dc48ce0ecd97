"""A generated warehouse for measurements and load tests: a large catalog, bins in walk order,
order files of any size, and a floor database with released pick lists and pickers.

Deterministic: the same sizes and seed give byte-identical files. Product ``SKU-000000`` is in
the catalog but on no order, so scanning it on any list is a wrong item.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from core.clock import FixedClock
from core.importing import ORDER_COLUMNS, PRODUCT_COLUMNS
from core.model import Role
from data import catalog, orders, users, waves
from data.store import Actor, open_store

#: Orders are placed in the hours before this instant (14:00 in Shanghai); their SLA is counted
#: from it, so every run sees the same due times.
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
ADMIN = Actor("admin", "bench", Role.ADMIN)
PIN = "1234"
#: A product on no order: scanning its barcode on a list is always a wrong item.
WRONG_SKU = "SKU-000000"
#: A well-formed EAN-13 that is in no catalog: an unknown code.
UNKNOWN_CODE = "2000000000008"

# The columns of the files the importers read (one definition: the importer's own).
PRODUCT_HEADER = PRODUCT_COLUMNS
ORDER_HEADER = ORDER_COLUMNS

_ZONES = "ABCDEFGHJKLMNPQRSTUV"
_CN_GOODS = (
    "保温杯",
    "数据线",
    "铁观音",
    "茶杯",
    "雨伞",
    "毛巾",
    "洗发水",
    "笔记本",
    "充电器",
    "袜子",
)
_EN_GOODS = ("Enamel mug", "USB-C cable", "Notebook A5", "Desk lamp", "Tea towel", "Phone case")
_CN_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈杰", "杨静", "赵敏", "黄磊", "周婷", "吴昊")
_LATIN_NAMES = ("Anna Müller", "John Smith", "Maria Garcia", "Kenji Sato", "Olga Petrova")
_CITIES = (
    ("浙江省", "杭州市", "西湖区", "310000"),
    ("广东省", "深圳市", "南山区", "518000"),
    ("上海市", "上海市", "浦东新区", "200120"),
    ("北京市", "北京市", "朝阳区", "100020"),
    ("四川省", "成都市", "武侯区", "610041"),
)
_STREETS = ("文三路", "科技园路", "世纪大道", "建国路", "人民南路")
_CHANNELS = ("tmall", "jd", "douyin", "pdd", "shop")


@dataclass(frozen=True)
class Sizes:
    """How big the generated warehouse is."""

    products: int = 100_000
    #: Rows (order lines) of the order file the import measurement reads.
    import_lines: int = 100_000
    #: Orders released into pick lists on the floor database.
    pick_orders: int = 8_000
    orders_per_list: int = 4
    pickers: int = 16


def ean13(number: int) -> str:
    """A valid EAN-13 for a product number (distinct numbers give distinct codes)."""
    body = f"69{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def sku(number: int) -> str:
    """The SKU of product ``number``."""
    return f"SKU-{number:06d}"


def bin_code(number: int) -> str:
    """The bin of product ``number``: 20 zones × 50 aisles × 5 levels × 20 slots."""
    slot = number % 20
    level = (number // 20) % 5
    aisle = (number // 100) % 50
    zone = _ZONES[(number // 5000) % len(_ZONES)]
    return f"{zone}-{aisle + 1:02d}-{level + 1:02d}-{slot + 1:02d}"


def products_csv(count: int, seed: int = 1) -> bytes:
    """``count`` products, each with an EAN-13 and its own bin, plenty of stock."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PRODUCT_HEADER)
    for number in range(count):
        chinese = number % 3 != 0
        goods = _CN_GOODS if chinese else _EN_GOODS
        name = f"{goods[number % len(goods)]} {number}"
        writer.writerow(
            (
                sku(number),
                name,
                ean13(number),
                bin_code(number),
                rng.randrange(5_000, 10_000),
                rng.randrange(0, 20),
                rng.randrange(20, 3_000),
            )
        )
    return out.getvalue().encode()


def locations_csv(count: int) -> bytes:
    """The bins of ``count`` products in a serpentine walk (odd aisles walked backwards)."""
    codes = sorted({bin_code(number) for number in range(count)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("code", "sequence"))
    for sequence, code in enumerate(_serpentine(codes), start=1):
        writer.writerow((code, sequence * 10))
    return out.getvalue().encode()


def _serpentine(codes: list[str]) -> list[str]:
    aisles: dict[str, list[str]] = {}
    for code in codes:
        aisles.setdefault(code[:4], []).append(code)
    walk: list[str] = []
    for turn, aisle in enumerate(sorted(aisles)):
        walk.extend(aisles[aisle] if turn % 2 == 0 else reversed(aisles[aisle]))
    return walk


def orders_csv(
    lines: int, products: int, seed: int = 2, prefix: str = "BN", latin_share: float = 0.2
) -> bytes:
    """About ``lines`` order lines (1–3 per order, 1–2 units each) over products 1…n-1,
    paid, with complete Chinese or Latin addresses, placed in the six hours before NOW."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_HEADER)
    written = 0
    number = 0
    while written < lines:
        number += 1
        count = min(rng.choice((1, 1, 2, 2, 3)), lines - written)
        placed = NOW - timedelta(seconds=rng.randrange(0, 6 * 3600))
        latin = rng.random() < latin_share
        province, city, district, postcode = rng.choice(_CITIES)
        header = (
            f"{prefix}{number:07d}",
            rng.choice(_CHANNELS),
            placed.astimezone(UTC).isoformat(),
            rng.choice(("rush", "standard", "standard", "deferred")),
            "paid",
            rng.choice(_LATIN_NAMES if latin else _CN_NAMES),
            f"138{rng.randrange(10**7, 10**8)}",
            "CN",
            province,
            city,
            district,
            f"{rng.choice(_STREETS)}{rng.randrange(1, 999)}号",
            postcode,
        )
        skus = rng.sample(range(1, products), count)
        for product in skus:
            writer.writerow((*header, sku(product), rng.choice((1, 1, 2)), ""))
        written += count
    return out.getvalue().encode()


#: The columns of a Taobao seller centre export (ExportOrderList, ExportOrderDetailList).
TAOBAO_ORDER_HEADER = (
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
    "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
    "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "物流公司",
    "订单备注", "宝贝总数量", "店铺名称",
)  # fmt: skip
TAOBAO_DETAIL_HEADER = (
    "订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
    "订单状态", "商家编码",
)  # fmt: skip
_TAOBAO_PAID = "买家已付款，等待卖家发货"


def taobao_pair(lines: int, products: int, seed: int = 4) -> tuple[bytes, bytes]:
    """A Taobao export of about ``lines`` item rows, as the seller centre writes it: GBK,
    order numbers wrapped as ``="…"``, phones with a leading apostrophe, the address as one
    string with its postcode. Returns (ExportOrderList, ExportOrderDetailList); every order
    paid and waiting to ship, 1–3 items of 1–2 units each, placed in the six hours before NOW."""
    rng = random.Random(seed)
    order_out, detail_out = io.StringIO(), io.StringIO()
    order_writer = csv.writer(order_out, lineterminator="\r\n")
    detail_writer = csv.writer(detail_out, lineterminator="\r\n")
    order_writer.writerow(TAOBAO_ORDER_HEADER)
    detail_writer.writerow(TAOBAO_DETAIL_HEADER)
    written = 0
    number = 0
    while written < lines:
        number += 1
        count = min(rng.choice((1, 1, 2, 2, 3)), lines - written)
        placed = (NOW - timedelta(seconds=rng.randrange(0, 6 * 3600))).astimezone(
            timezone(timedelta(hours=8))
        )
        province, city, district, postcode = rng.choice(_CITIES)
        order_no = f"30{number:014d}"
        items = [
            (product, rng.choice((1, 1, 2))) for product in rng.sample(range(1, products), count)
        ]
        goods = [_CN_GOODS[product % len(_CN_GOODS)] for product, _qty in items]
        order_writer.writerow(
            (
                f'="{order_no}"',
                f"tb_{rng.randrange(10**6, 10**7)}",
                "",
                "59.00",
                "0.00",
                "59.00",
                "59.00",
                _TAOBAO_PAID,
                rng.choice(("", "", "请尽快发货")),
                rng.choice(_CN_NAMES),
                f"{province} {city} {district} {rng.choice(_STREETS)}{rng.randrange(1, 999)}号"
                f"({postcode})",
                "快递",
                "",
                f"'138{rng.randrange(10**7, 10**8)}",
                placed.strftime("%Y-%m-%d %H:%M:%S"),
                placed.strftime("%Y-%m-%d %H:%M:%S"),
                "，".join(goods),
                str(count),
                "",
                "",
                "",
                str(sum(qty for _product, qty in items)),
                "杯子旗舰店",
            )
        )
        for (product, qty), name in zip(items, goods, strict=True):
            detail_writer.writerow(
                (
                    f'="{order_no}"',
                    f"{name} {product}",
                    "19.90",
                    str(qty),
                    "",
                    "颜色分类:默认",
                    "",
                    "",
                    _TAOBAO_PAID,
                    sku(product),
                )
            )
        written += count
    return order_out.getvalue().encode("gbk"), detail_out.getvalue().encode("gbk")


def picker_names(count: int) -> list[str]:
    """The pickers of a generated floor: ``p01`` … ``p16``."""
    return [f"p{number:02d}" for number in range(1, count + 1)]


def build_catalog(path: Path, sizes: Sizes) -> None:
    """A database file holding the catalog and bins only (where an order import starts)."""
    store = open_store(path, FixedClock(NOW))
    try:
        catalog.import_locations(store, ADMIN, locations_csv(sizes.products), "locations.csv")
        report = catalog.import_products(store, ADMIN, products_csv(sizes.products), "products.csv")
        if report.rejected:
            raise RuntimeError(f"generated products rejected: {report.rejected[:3]}")
    finally:
        store.close()


def build_floor(path: Path, sizes: Sizes, catalog_db: Path | None = None) -> None:
    """A floor database: the catalog, ``pick_orders`` orders released into pick lists, and
    the pickers (PIN 1234). Starts from a copy of ``catalog_db`` when given."""
    if catalog_db is not None:
        copy_db(catalog_db, path)
    else:
        build_catalog(path, sizes)
    store = open_store(path, FixedClock(NOW))
    try:
        lines = sizes.pick_orders * 2  # about two lines per order
        report = orders.import_orders(
            store, ADMIN, orders_csv(lines, sizes.products, seed=3, prefix="PK"), "pick.csv"
        )
        if report.rejected or report.held:
            raise RuntimeError("generated pick orders were rejected or held")
        waves.release_wave(
            store,
            ADMIN,
            max_orders=len(report.stored),
            orders_per_list=sizes.orders_per_list,
        )
        for name in picker_names(sizes.pickers):
            users.add_user(store, ADMIN, name, "picker", PIN)
    finally:
        store.close()


def copy_db(source: Path, target: Path) -> None:
    """Copy a closed database file (its WAL folded in first) to ``target``."""
    conn = sqlite3.connect(source)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
