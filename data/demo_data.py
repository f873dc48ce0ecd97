"""The demo data set that ``wareterm demo`` imports, generated deterministically.

:func:`write_demo_files` writes a catalog (``products.csv``), the bins with their walk order
(``locations.csv``), a day's worth of channel orders (``orders.csv``) and a sheet of example scans
(``scan_sheet.txt``) in the same formats the importers read. The same seed and the same ``now``
always give byte-identical files; every time in them is relative to ``now``.

What the data set shows a newcomer:

* a catalog of Chinese and English product names with EAN-13, UPC-A and EAN-8 barcodes, a few
  products carrying two barcodes, and lot/expiry-tracked food and cosmetics (scanned as GS1-128);
* a few products out of stock (their orders backorder) and a few below safety stock;
* bins ``A-01-01`` … ``F-12-05`` walked as a serpentine, so walk order is not name order;
* orders from several channels at every priority, some rush orders due within the hour and some
  already overdue, Chinese and Latin customer names, remote provinces and addresses abroad;
* a handful of orders that must go on hold: unpaid (``pending``/``failed``), an incomplete address
  (empty city, address or phone) and an unknown SKU.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.clock import CHINA_TZ

__all__ = [
    "DEMO_PIN",
    "DEMO_USERS",
    "LOCATION_COLUMNS",
    "ORDER_COLUMNS",
    "PRODUCT_COLUMNS",
    "DemoFiles",
    "gtin_check_digit",
    "write_demo_files",
]

#: Demo operators as ``(name, role)``; every one logs in with :data:`DEMO_PIN`.
DEMO_USERS: list[tuple[str, str]] = [
    ("li.na", "picker"),
    ("wang.fang", "picker"),
    ("zhang.wei", "picker"),
    ("chen.jie", "packer"),
    ("zhao.min", "supervisor"),
    ("admin", "admin"),
]

#: The PIN of every demo user.
DEMO_PIN = "1234"

PRODUCT_COLUMNS = (
    *("sku", "name", "barcodes", "location", "on_hand", "safety_stock", "weight_g"),
    *("lot_tracked", "shelf_days"),
)
#: Days before expiry the demo's lot-tracked goods stop shipping.
LOT_SHELF_DAYS = 30
LOCATION_COLUMNS = ("code", "sequence")
ORDER_COLUMNS = (
    "order_no",
    "channel",
    "placed_at",
    "priority",
    "payment_status",
    "customer_name",
    "phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "sku",
    "qty",
    "note",
)

_GS = "\x1d"
_GS_ESCAPED = "\\x1d"

_ZONES = "ABCDEF"
_AISLES = 12
_LEVELS = 5

_ORDER_COUNT = 136
_RUSH_COUNT = 27
_DEFERRED_COUNT = 27
_CHANNELS = ("tmall", "jd", "douyin", "pdd", "shop")
_CHANNEL_WEIGHTS = (30, 25, 18, 15, 12)

# --------------------------------------------------------------------------------------------
# Catalog source: (name, weight in grams, variants). A variant is appended to the name.
# --------------------------------------------------------------------------------------------

_CN_GOODS: list[tuple[str, int, tuple[str, ...]]] = [
    ("保温杯 500ml", 320, ("黑色", "白色", "粉色")),
    ("保温杯 350ml", 260, ("蓝色", "灰色")),
    ("数据线 Type-C 1m", 40, ("",)),
    ("数据线 Type-C 2m", 55, ("",)),
    ("数据线 Lightning 1m", 38, ("",)),
    ("充电头 20W PD", 60, ("白色", "黑色")),
    ("充电头 65W 氮化镓", 120, ("",)),
    ("蓝牙耳机", 55, ("白色", "黑色", "降噪版")),
    ("移动电源 10000mAh", 220, ("黑色", "白色")),
    ("移动电源 20000mAh", 380, ("",)),
    ("手机壳 iPhone 15", 30, ("透明", "黑色", "磨砂")),
    ("钢化膜 iPhone 15 2片装", 25, ("",)),
    ("洗发水 400ml", 460, ("去屑", "控油", "柔顺")),
    ("沐浴露 750ml", 820, ("薰衣草", "玫瑰")),
    ("牙膏 美白 120g", 150, ("",)),
    ("牙刷 软毛 4支装", 80, ("",)),
    ("抽纸 3层", 900, ("6包", "12包")),
    ("洗衣液 2kg", 2150, ("",)),
    ("洗衣液 1kg", 1080, ("",)),
    ("毛巾 纯棉", 120, ("蓝色", "灰色", "白色")),
    ("男士袜子 5双装", 150, ("黑色", "灰色")),
    ("女士船袜 5双装", 110, ("",)),
    ("纯棉T恤 白色", 200, ("S", "M", "L", "XL")),
    ("折叠雨伞", 350, ("黑色", "藏青")),
    ("收纳盒", 300, ("小号", "中号", "大号")),
    ("衣架 10个装", 400, ("",)),
    ("拖鞋", 280, ("40-41", "42-43")),
    ("LED 护眼台灯", 900, ("",)),
    ("无线鼠标", 75, ("黑色", "白色")),
    ("机械键盘 87键", 780, ("青轴", "红轴")),
    ("U盘", 12, ("32GB", "64GB", "128GB")),
    ("内存卡 128GB", 5, ("",)),
    ("插线板 6位 1.8m", 450, ("",)),
    ("合金筷子 10双装", 350, ("",)),
    ("304不锈钢饭盒", 420, ("",)),
    ("玻璃杯 400ml 2只装", 600, ("",)),
    ("竹制菜板", 1100, ("",)),
    ("不粘锅 28cm", 1500, ("",)),
    ("笔记本 A5", 220, ("横线", "方格")),
    ("中性笔 0.5mm 黑色 12支", 140, ("",)),
    ("文件夹 A4 10个装", 300, ("",)),
    ("瑜伽垫 6mm", 900, ("紫色", "蓝色")),
    ("计数跳绳", 200, ("",)),
    ("豆腐猫砂 6L", 2500, ("",)),
    ("猫抓板", 600, ("",)),
    ("狗狗牵引绳", 150, ("",)),
    ("儿童积木 100粒", 800, ("",)),
    ("桌面手机支架", 180, ("",)),
    ("车载充电器", 50, ("",)),
    ("一次性口罩 50只", 180, ("",)),
    ("湿巾 80抽 3包", 1100, ("",)),
    ("电动牙刷", 320, ("",)),
    ("电动牙刷刷头 4支装", 40, ("",)),
    ("螺蛳粉 3袋装", 1000, ("",)),
    ("螺丝刀套装 24件", 420, ("",)),
    ("挂钩 免打孔 10个", 90, ("",)),
    ("床单 1.8m", 980, ("米白", "浅灰")),
    ("枕套 一对", 260, ("",)),
    ("空调被 夏季", 1300, ("",)),
    ("蚊香液 3瓶 1器", 260, ("",)),
    ("晾衣夹 20个", 180, ("",)),
    ("保鲜袋 中号 200只", 330, ("",)),
    ("垃圾袋 加厚 5卷", 520, ("",)),
    ("厨房纸巾 4卷", 620, ("",)),
    ("电热水壶 1.7L", 1250, ("",)),
    ("加湿器 USB", 300, ("",)),
    ("运动水壶 1L", 210, ("黑色", "透明")),
    ("双肩包 15.6寸", 780, ("黑色", "灰色")),
    ("帆布鞋", 620, ("38码", "40码", "42码")),
    ("羽绒服 轻薄款", 450, ("M", "L")),
    ("围巾 羊毛", 180, ("驼色", "酒红")),
    ("儿童水杯 吸管款", 240, ("",)),
    ("宝宝湿巾 80抽", 420, ("",)),
    ("纸尿裤 L码 52片", 1600, ("",)),
    ("洗洁精 1.5kg", 1600, ("",)),
    ("消毒液 1L", 1150, ("",)),
    ("香皂 3块装", 360, ("",)),
    ("护手霜 3支装", 200, ("",)),
    ("电动剃须刀", 280, ("",)),
    ("智能手环", 60, ("黑色", "粉色")),
    ("智能体重秤", 1400, ("",)),
    ("电子体温计", 35, ("",)),
    ("创可贴 100片", 80, ("",)),
    ("乒乓球拍 双拍套装", 520, ("",)),
    ("羽毛球 12只装", 150, ("",)),
    ("保温饭盒 三层", 980, ("",)),
    ("电饭煲 3L", 2900, ("",)),
    ("榨汁杯 便携", 580, ("",)),
    ("硅胶铲 3件套", 260, ("",)),
    ("密封罐 1L 3个", 1300, ("",)),
    ("香薰蜡烛 200g", 420, ("",)),
    ("桌面风扇 USB", 450, ("",)),
    ("夜灯 感应", 90, ("",)),
    ("鼠标垫 大号", 320, ("",)),
    ("笔记本电脑支架", 650, ("",)),
    ("HDMI线 2m", 120, ("",)),
    ("Type-C 扩展坞 7合1", 95, ("",)),
    ("书立 金属 2个", 480, ("",)),
    ("订书机 中号", 260, ("",)),
]

_EN_GOODS: list[tuple[str, int, tuple[str, ...]]] = [
    ("Stainless Steel Water Bottle 750ml", 380, ("Black", "Sage", "Sand")),
    ("USB-C Charger 20W", 60, ("",)),
    ("USB-C to USB-C Cable 2m", 55, ("",)),
    ("Phone Case iPhone 15", 32, ("Clear", "Navy")),
    ("Bamboo Toothbrush 4-pack", 70, ("",)),
    ("Yoga Mat 6mm", 950, ("Purple", "Teal")),
    ("LED Desk Lamp", 880, ("",)),
    ("Ceramic Mug 350ml", 340, ("White", "Navy")),
    ("Cotton Tote Bag", 120, ("Natural", "Black")),
    ("Kitchen Scale 5kg", 600, ("",)),
    ("Scented Candle 200g", 380, ("Lavender", "Vanilla")),
    ("Hair Dryer 1800W", 650, ("",)),
    ("Running Socks 3-pack", 110, ("M", "L")),
    ("Notebook A5, Dotted", 250, ("",)),
    ("Gel Pens 0.5mm 12-pack", 150, ("",)),
    ("Silicone Baking Mat", 150, ("",)),
    ("Bluetooth Speaker Mini", 260, ("",)),
    ("HDMI Cable 2m", 110, ("",)),
    ("Laptop Stand Aluminium", 950, ("",)),
    ("Travel Adapter Universal", 140, ("",)),
    ("Microfiber Cloth 5-pack", 90, ("",)),
    ("Phone Tripod", 300, ("",)),
    ("Jigsaw Puzzle 1000 pcs", 700, ("",)),
    ("Dog Leash 1.5m", 180, ("",)),
    ("Cat Toy Feather Wand", 40, ("",)),
    ("Compact Umbrella", 330, ("Black", "Red")),
    ("Polarized Sunglasses", 45, ("",)),
    ("Water Filter Cartridge 3-pack", 450, ("",)),
    ("High Pressure Shower Head", 400, ("",)),
    ("Wireless Charging Pad", 120, ("",)),
    ("Noise Cancelling Headphones", 280, ("",)),
    ("Smart Plug 2-pack", 190, ("",)),
    ("AA Batteries 8-pack", 190, ("",)),
    ("Reusable Shopping Bag", 60, ("",)),
    ("Insulated Lunch Box", 310, ("",)),
    ("Chef's Knife 20cm", 240, ("",)),
    ("Measuring Cups Set", 160, ("",)),
    ("Resistance Bands Set", 350, ("",)),
    ("Foam Roller 45cm", 400, ("",)),
    ("Bike Light USB Rechargeable", 90, ("",)),
    ("Desk Organizer", 520, ("",)),
    ("Sticky Notes 6-pack", 210, ("",)),
    ("Wall Clock 30cm", 640, ("",)),
    ("Picture Frame 6x8", 380, ("",)),
    ("Board Game Classic Edition", 1200, ("",)),
    ("Baby Bib 3-pack", 90, ("",)),
    ("Pet Bowl Stainless", 230, ("",)),
    ("Car Phone Mount", 130, ("",)),
    ("Screen Cleaning Kit", 150, ("",)),
    ("Tea Infuser", 50, ("",)),
    ("Glass Food Containers 5-pack", 2100, ("",)),
    ("French Press 1L", 720, ("",)),
    ("Cast Iron Skillet 26cm", 2600, ("",)),
    ("Wooden Cutting Board", 980, ("",)),
    ("Beach Towel", 520, ("Blue Stripe", "Yellow")),
    ("Memory Foam Pillow", 1200, ("",)),
    ("Fleece Blanket", 850, ("Grey", "Cream")),
    ("Hiking Backpack 30L", 900, ("",)),
    ("Headlamp LED", 85, ("",)),
    ("Camping Mug Enamel", 210, ("",)),
    ("Kids Watercolor Set", 330, ("",)),
    ("Crayons 24-pack", 190, ("",)),
    ("Hand Cream 75ml", 95, ("",)),
    ("Lip Balm 3-pack", 30, ("",)),
    ("Shampoo Bar", 110, ("",)),
    ("Electric Kettle 1.7L", 1250, ("",)),
    ("Toaster 2-slice", 1700, ("",)),
    ("Wall Hooks Adhesive 8-pack", 80, ("",)),
    ("Door Stopper Rubber", 120, ("",)),
    ("Tape Measure 5m", 210, ("",)),
    ("LED Strip Light 5m", 240, ("",)),
    ("Phone Charging Cable 3-pack", 140, ("",)),
    ("Ice Cube Tray", 130, ("",)),
    ("Dish Brush", 70, ("",)),
]

# Lot/expiry-tracked goods (food, cosmetics): (name, weight, Chinese goods?, batch prefix).
_LOT_GOODS: list[tuple[str, int, bool, str]] = [
    ("茶叶 铁观音 250g", 270, True, "TG"),
    ("奶粉 900g 3段", 1050, True, "MP"),
    ("蜂蜜 槐花蜜 500g", 650, True, "FM"),
    ("补水面膜 10片装", 300, True, "MM"),
    ("精华液 30ml", 150, True, "JH"),
    ("防晒霜 SPF50 50ml", 90, True, "FS"),
    ("每日坚果 750g", 820, True, "JG"),
    ("咖啡豆 中烘 500g", 520, True, "KF"),
    ("Manuka Honey UMF 10+ 250g", 380, False, "MH"),
    ("Vitamin C 1000mg 60 Tablets", 120, False, "VC"),
]

# Company prefixes (7 digits) for generated GTINs.
_CN_COMPANY_PREFIXES = ("690", "691", "692", "693", "694", "695")
_FOREIGN_COMPANY_PREFIXES = (
    "400",  # Germany
    "401",
    "430",
    "490",  # Japan
    "880",  # Korea
    "471",  # Taiwan
    "500",  # United Kingdom
    "301",  # France
    "800",  # Italy
    "841",  # Spain
    "760",  # Switzerland
    "871",  # Netherlands
    "930",  # Australia
    "940",  # New Zealand
)

_UPC_ONLY_COUNT = 15
_SECOND_BARCODE_COUNT = 10
_STOCKOUT_COUNT = 6
_LOW_STOCK_COUNT = 8

# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官")
_GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "子涵",
    "浩然",
    "雨桐",
    "梓萱",
    "一诺",
    "欣怡",
    "宇轩",
    "思远",
    "晓东",
    "建华",
    "丽华",
    "喆",
    "堃",
    "赟",
    "俊杰",
    "佳怡",
)

# (province, city, district, postcode, streets, remote)
_CN_PLACES: list[tuple[str, str, str, str, tuple[str, ...], bool]] = [
    ("浙江省", "杭州市", "西湖区", "310012", ("文三路", "天目山路", "教工路"), False),
    ("浙江省", "杭州市", "余杭区", "311121", ("文一西路", "五常大道"), False),
    ("浙江省", "宁波市", "鄞州区", "315100", ("天童南路", "四明中路"), False),
    ("广东省", "深圳市", "南山区", "518052", ("科技园南路", "深南大道", "南海大道"), False),
    ("广东省", "广州市", "天河区", "510630", ("天河路", "体育西路", "华夏路"), False),
    ("上海市", "上海市", "浦东新区", "200120", ("世纪大道", "张杨路", "陆家嘴环路"), False),
    ("上海市", "上海市", "徐汇区", "200030", ("漕溪北路", "肇嘉浜路"), False),
    ("北京市", "北京市", "朝阳区", "100020", ("建国路", "朝阳北路", "东三环中路"), False),
    ("北京市", "北京市", "海淀区", "100080", ("中关村大街", "学院路"), False),
    ("江苏省", "南京市", "鼓楼区", "210008", ("中山北路", "广州路"), False),
    ("江苏省", "苏州市", "工业园区", "215021", ("星湖街", "现代大道"), False),
    ("四川省", "成都市", "武侯区", "610041", ("天府大道", "人民南路"), False),
    ("湖北省", "武汉市", "洪山区", "430070", ("珞喻路", "光谷大道"), False),
    ("陕西省", "西安市", "雁塔区", "710061", ("长安南路", "小寨东路"), False),
    ("山东省", "青岛市", "市南区", "266071", ("香港中路", "东海西路"), False),
    ("福建省", "厦门市", "思明区", "361001", ("中山路", "湖滨南路"), False),
    ("湖南省", "长沙市", "岳麓区", "410006", ("麓山南路", "桐梓坡路"), False),
    ("河南省", "郑州市", "金水区", "450003", ("花园路", "金水路"), False),
    ("重庆市", "重庆市", "渝中区", "400010", ("民族路", "中山一路"), False),
    ("天津市", "天津市", "和平区", "300041", ("南京路", "滨江道"), False),
    ("辽宁省", "沈阳市", "和平区", "110001", ("太原街", "南京北街"), False),
    ("黑龙江省", "哈尔滨市", "道里区", "150010", ("中央大街", "友谊路"), False),
    ("云南省", "昆明市", "五华区", "650031", ("东风西路", "人民中路"), False),
    ("广西壮族自治区", "南宁市", "青秀区", "530022", ("民族大道", "东葛路"), False),
    ("内蒙古自治区", "呼和浩特市", "赛罕区", "010020", ("大学东街", "新华东街"), False),
    ("海南省", "三亚市", "吉阳区", "572000", ("迎宾路", "河东路"), False),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "830002", ("解放南路", "新华北路"), True),
    ("新疆维吾尔自治区", "喀什地区", "喀什市", "844000", ("人民东路", "解放北路"), True),
    ("西藏自治区", "拉萨市", "城关区", "850000", ("北京中路", "金珠西路"), True),
    ("青海省", "西宁市", "城西区", "810001", ("五四西路", "胜利路"), True),
]
_COMPOUNDS = ("阳光花园", "锦绣苑", "翠苑", "金地名京", "万科城", "华润置地", "绿城桂花园")

_LATIN_IN_CHINA = ("Michael Brown", "Sophie Martin", "David Wilson", "Anna Müller", "Lars Eriksson")

# (name, country, province/state, city, district, address, postcode, phone)
_ABROAD: list[tuple[str, str, str, str, str, str, str, str]] = [
    (
        "Anna Müller",
        "DE",
        "Berlin",
        "Berlin",
        "Mitte",
        "Friedrichstraße 123",
        "10117",
        "+49301234567",
    ),
    (
        "John Smith",
        "US",
        "CA",
        "San Francisco",
        "",
        "500 Market St Apt 12",
        "94105",
        "+14155550132",
    ),
    (
        "Emily Clarke",
        "GB",
        "England",
        "London",
        "Marylebone",
        "221B Baker Street",
        "NW1 6XE",
        "+442079460018",
    ),
    (
        "François Dubois",
        "FR",
        "Île-de-France",
        "Paris",
        "4e arrondissement",
        "12 Rue de Rivoli",
        "75004",
        "+33123456789",
    ),
    (
        "José García",
        "ES",
        "Madrid",
        "Madrid",
        "Centro",
        "Calle Mayor 5, 3º B",
        "28013",
        "+34915550123",
    ),
    ("Liam O'Brien", "AU", "NSW", "Sydney", "", "45 George St", "2000", "+61291234567"),
    (
        "Søren Nielsen",
        "DK",
        "Hovedstaden",
        "København",
        "Nørrebro",
        "Nørrebrogade 20",
        "2200",
        "+4532123456",
    ),
    (
        "Tan Wei Ming",
        "SG",
        "Singapore",
        "Singapore",
        "",
        "10 Anson Road #12-03",
        "079903",
        "+6561234567",
    ),
]

_NOTES = (
    "请尽快发货",
    "送货前请电话联系",
    "不要放快递柜",
    "易碎品 轻拿轻放",
    "周末不在家，请工作日送达",
    "请开发票, 抬头: 杭州云仓科技有限公司",
    "Please ship ASAP, thanks",
    'Gift wrap, card: "生日快乐"',
    "礼品包装",
)

_UNKNOWN_SKUS = ("SKU-09999", "SKU-0412")


@dataclass(frozen=True)
class DemoFiles:
    """Where :func:`write_demo_files` put the demo files."""

    products: Path
    locations: Path
    orders: Path
    scan_sheet: Path


@dataclass
class _Product:
    sku: str
    name: str
    weight_g: int
    chinese: bool
    lot_prefix: str = ""
    barcodes: list[str] = field(default_factory=list)
    location: str = ""
    on_hand: int = 0
    safety_stock: int = 0
    stockout: int | None = None


@dataclass
class _Order:
    placed_at: datetime
    priority: str
    order_no: str = ""
    channel: str = ""
    payment_status: str = "paid"
    customer_name: str = ""
    phone: str = ""
    country: str = "CN"
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    postcode: str = ""
    lines: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""
    special: bool = False
    broken: bool = False


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for ``body``, a GTIN without its check digit (7, 11, 12 or 13 digits).

    Digits are weighted 3, 1, 3, … from the right; the check digit brings the sum to a
    multiple of ten.
    """
    if not body.isdigit():
        raise ValueError(f"GTIN body must be digits, not {body!r}")
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(body[::-1]))
    return (10 - total % 10) % 10


def _with_check(body: str) -> str:
    return body + str(gtin_check_digit(body))


def _gtin14(code: str) -> str:
    return code.rjust(14, "0")


def write_demo_files(directory: Path, now: datetime, seed: int = 7) -> DemoFiles:
    """Write the demo catalog, bins, orders and scan sheet into ``directory``.

    ``now`` must be timezone-aware; order times, SLA states and expiry dates are computed from
    it. The same ``seed`` and ``now`` always give byte-identical files.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)

    products = _make_products(rng)
    bins = _assign_bins(rng, products)
    orders = _make_orders(rng, products, now)
    _set_stock(rng, products, orders)

    files = DemoFiles(
        products=directory / "products.csv",
        locations=directory / "locations.csv",
        orders=directory / "orders.csv",
        scan_sheet=directory / "scan_sheet.txt",
    )
    _write_csv(
        files.products,
        PRODUCT_COLUMNS,
        (
            [
                p.sku,
                p.name,
                "|".join(p.barcodes),
                p.location,
                str(p.on_hand),
                str(p.safety_stock),
                str(p.weight_g),
                "1" if p.lot_prefix else "0",
                str(LOT_SHELF_DAYS if p.lot_prefix else 0),
            ]
            for p in products
        ),
    )
    _write_csv(
        files.locations,
        LOCATION_COLUMNS,
        ([code, str(sequence)] for code, sequence in bins),
    )
    _write_csv(files.orders, ORDER_COLUMNS, _order_rows(orders))
    files.scan_sheet.write_text(
        _scan_sheet(rng, products, bins, orders, now), encoding="utf-8", newline="\n"
    )
    return files


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


class _GtinMaker:
    """Hands out unique GTINs from a few made-up companies per country."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        self.cn = [
            p + f"{rng.randrange(1000, 10000)}" for p in _CN_COMPANY_PREFIXES for _ in (0, 1)
        ]
        self.foreign = [p + f"{rng.randrange(1000, 10000)}" for p in _FOREIGN_COMPANY_PREFIXES]
        self.upc_companies = [f"0{rng.randrange(10000, 100000)}" for _ in range(4)]
        self.next_item: dict[str, int] = {}

    def _unique(self, body: str) -> str | None:
        code = _with_check(body)
        if _gtin14(code) in self.seen:
            return None
        self.seen.add(_gtin14(code))
        return code

    def _item(self, company: str, width: int) -> str:
        start = self.next_item.get(company, self.rng.randrange(10, 10 ** (width - 1)))
        self.next_item[company] = start + self.rng.randrange(1, 40)
        return f"{start % 10**width:0{width}d}"

    def ean13(self, chinese: bool) -> str:
        """A GTIN-13 from a Chinese company, or a foreign one (sometimes Chinese) otherwise."""
        while True:
            pool = self.cn if chinese or self.rng.random() < 0.4 else self.foreign
            company = self.rng.choice(pool)
            code = self._unique(company + self._item(company, 5))
            if code:
                return code

    def upca(self) -> str:
        """A UPC-A (12 digits) from a US company."""
        while True:
            company = self.rng.choice(self.upc_companies)
            code = self._unique(company + self._item(company, 5))
            if code:
                return code

    def ean8(self) -> str:
        """An EAN-8 for small packs (GS1 China prefix)."""
        while True:
            code = self._unique(f"69{self.rng.randrange(10000, 100000)}")
            if code:
                return code


def _make_products(rng: random.Random) -> list[_Product]:
    items: list[_Product] = []
    for goods, chinese in ((_CN_GOODS, True), (_EN_GOODS, False)):
        for base, weight, variants in goods:
            for variant in variants:
                name = f"{base} {variant}" if variant else base
                items.append(_Product("", name, weight, chinese))
    for name, weight, chinese, lot_prefix in _LOT_GOODS:
        items.append(_Product("", name, weight, chinese, lot_prefix))
    rng.shuffle(items)
    for number, product in enumerate(items, start=1):
        product.sku = f"SKU-{number:05d}"
        # Same goods differ a little in weight between variants and packaging runs.
        product.weight_g = max(1, round(product.weight_g * rng.uniform(0.95, 1.05)))

    maker = _GtinMaker(rng)
    plain = [p for p in items if not p.lot_prefix]
    upc_only = rng.sample([p for p in plain if not p.chinese], _UPC_ONLY_COUNT)
    upc_ids = {id(p) for p in upc_only}
    two_codes = rng.sample([p for p in plain if id(p) not in upc_ids], _SECOND_BARCODE_COUNT)
    two_ids = {id(p): index for index, p in enumerate(two_codes)}
    for product in items:
        if id(product) in upc_ids:
            product.barcodes = [maker.upca()]
            continue
        product.barcodes = [maker.ean13(product.chinese)]
        index = two_ids.get(id(product))
        if index is None:
            continue
        if index < 4:
            product.barcodes.append(maker.upca())  # also sold in the US
        elif index < 7:
            product.barcodes.append(maker.ean8())  # small-pack code
        else:
            product.barcodes.append(maker.ean13(True))  # relabelled by the distributor
    return items


def _walk_order() -> list[str]:
    """Every possible bin in serpentine walk order: aisles alternate up and down."""
    codes: list[str] = []
    turn = 0
    for zone in _ZONES:
        for aisle in range(1, _AISLES + 1):
            levels = range(1, _LEVELS + 1)
            ordered = levels if turn % 2 == 0 else reversed(levels)
            codes.extend(f"{zone}-{aisle:02d}-{level:02d}" for level in ordered)
            turn += 1
    return codes


def _assign_bins(rng: random.Random, products: list[_Product]) -> list[tuple[str, int]]:
    walk = _walk_order()
    chosen = rng.sample(walk, len(products))
    for product, code in zip(products, chosen, strict=True):
        product.location = code
    used = set(chosen)
    return [(code, (index + 1) * 10) for index, code in enumerate(c for c in walk if c in used)]


def _set_stock(rng: random.Random, products: list[_Product], orders: list[_Order]) -> None:
    demand: dict[str, int] = {}
    for order in orders:
        for sku, qty in order.lines:
            demand[sku] = demand.get(sku, 0) + qty
    for product in products:
        wanted = demand.get(product.sku, 0)
        if product.stockout is not None:  # chosen while making orders
            product.on_hand = product.stockout
            product.safety_stock = rng.choice((5, 10, 20))
            continue
        product.safety_stock = rng.choice((0, 5, 5, 10, 10, 20))
        product.on_hand = max(rng.randint(5, 200), wanted + rng.randint(5, 30))
        product.on_hand = max(product.on_hand, product.safety_stock + 5)
    candidates = [
        p for p in products if p.stockout is None and demand.get(p.sku, 0) < 10 and not p.lot_prefix
    ]
    for product in rng.sample(candidates, _LOW_STOCK_COUNT):
        wanted = demand.get(product.sku, 0)
        product.on_hand = max(wanted + 1, rng.randint(2, 8))
        product.safety_stock = product.on_hand + rng.randint(5, 20)


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


def _ages(rng: random.Random) -> list[tuple[str, timedelta, bool]]:
    """(priority, age at ``now``, special) for every order; special ones show an SLA state."""

    def minutes(low: float, high: float) -> timedelta:
        return timedelta(seconds=round(rng.uniform(low, high) * 60))

    hours = timedelta(hours=1)
    ages: list[tuple[str, timedelta, bool]] = []
    standard_count = _ORDER_COUNT - _RUSH_COUNT - _DEFERRED_COUNT
    for index in range(_RUSH_COUNT):
        if index < 3:  # due within the hour
            ages.append(("rush", 4 * hours - minutes(10, 50), True))
        elif index < 6:  # overdue
            ages.append(("rush", 4 * hours + minutes(5, 180), True))
        else:
            ages.append(("rush", minutes(2, 180), False))
    for index in range(standard_count):
        if index < 3:
            ages.append(("standard", 24 * hours - minutes(10, 50), True))
        elif index < 7:
            ages.append(("standard", 24 * hours + minutes(10, 480), True))
        else:
            ages.append(("standard", minutes(5, 23 * 60), False))
    for index in range(_DEFERRED_COUNT):
        if index < 2:
            ages.append(("deferred", 72 * hours - minutes(20, 240), True))
        else:
            ages.append(("deferred", minutes(60, 70 * 60), False))
    return ages


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('358')}{rng.randrange(10**9):09d}"


def _chinese_name(rng: random.Random) -> str:
    surname = rng.choice(_COMPOUND_SURNAMES) if rng.random() < 0.04 else rng.choice(_SURNAMES)
    return surname + rng.choice(_GIVEN_NAMES)


def _street_address(rng: random.Random, streets: tuple[str, ...]) -> str:
    street = f"{rng.choice(streets)} {rng.randint(1, 999)}号"
    style = rng.random()
    if style < 0.45:
        return f"{street} {rng.randint(1, 12)}幢 {rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
    if style < 0.8:
        building = f"{rng.randint(1, 20)}栋 {rng.randint(1, 4)}单元"
        room = f"{rng.randint(1, 30)}{rng.randint(1, 6):02d}室"
        return f"{street} {rng.choice(_COMPOUNDS)} {building} {room}"
    return f"{street} {rng.choice(('创新大厦', '国贸中心', '科技园', '时代广场'))} {rng.randint(2, 28)}楼"


def _set_customer(rng: random.Random, order: _Order, remote: bool) -> None:
    roll = rng.random()
    if not remote and roll < 0.07:
        name, country, province, city, district, address, postcode, phone = rng.choice(_ABROAD)
        order.customer_name, order.country = name, country
        order.province, order.city, order.district = province, city, district
        order.address, order.postcode, order.phone = address, postcode, phone
        order.channel = "shop"
        return
    if remote:
        places = [place for place in _CN_PLACES if place[5]]
    else:
        places = [place for place in _CN_PLACES if not place[5]]
    province, city, district, postcode, streets, _remote = rng.choice(places)
    latin = not remote and roll < 0.15
    order.customer_name = rng.choice(_LATIN_IN_CHINA) if latin else _chinese_name(rng)
    order.country = "CN"
    order.province, order.city, order.district = province, city, district
    order.address = _street_address(rng, streets)
    order.postcode = postcode
    order.phone = _phone(rng)


def _make_orders(rng: random.Random, products: list[_Product], now: datetime) -> list[_Order]:
    orders = [
        _Order(placed_at=now - age, priority=priority, special=special)
        for priority, age, special in _ages(rng)
    ]
    orders.sort(key=lambda order: order.placed_at)
    per_day: dict[str, int] = {}
    for order in orders:
        day = order.placed_at.astimezone(CHINA_TZ).strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        order.order_no = f"DD{day}-{per_day[day]:04d}"

    # Popularity: a long tail, so pick lists share a few busy bins.
    ranked = products[:]
    rng.shuffle(ranked)
    skus = [p.sku for p in ranked]
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(skus))]

    remote_indices = set(rng.sample(range(len(orders)), 5))
    for index, order in enumerate(orders):
        order.channel = rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
        _set_customer(rng, order, index in remote_indices)
        line_count = rng.choices((1, 2, 3, 4, 5), (45, 28, 15, 8, 4))[0]
        chosen: list[str] = []
        while len(chosen) < line_count:
            sku = rng.choices(skus, weights)[0]
            if sku not in chosen:
                chosen.append(sku)
        order.lines = [(sku, rng.choices((1, 2, 3, 4), (60, 28, 8, 4))[0]) for sku in chosen]
        if rng.random() < 0.12:
            order.note = rng.choice(_NOTES)

    _break_some(rng, orders)
    _add_stockouts(rng, products, orders)
    return orders


def _break_some(rng: random.Random, orders: list[_Order]) -> None:
    """Make a dozen well-formed orders that review must put on hold."""
    candidates = [o for o in orders if not o.special and o.country == "CN"]
    broken = rng.sample(candidates, 12)
    for order in broken:
        order.broken = True
    for order in broken[:5]:
        order.payment_status = "pending"
    for order in broken[5:7]:
        order.payment_status = "failed"
    broken[7].city = ""
    broken[8].address = ""
    broken[9].phone = ""
    broken[10].lines = [(_UNKNOWN_SKUS[0], 1)]
    broken[11].lines = [*broken[11].lines[:2], (_UNKNOWN_SKUS[1], 2)]


def _add_stockouts(rng: random.Random, products: list[_Product], orders: list[_Order]) -> None:
    """Give a few rarely ordered products (almost) no stock and make valid orders want more."""
    demand: dict[str, int] = {}
    for order in orders:
        for sku, qty in order.lines:
            demand[sku] = demand.get(sku, 0) + qty
    quiet = [p for p in products if not p.lot_prefix and demand.get(p.sku, 0) <= 2]
    stockouts = rng.sample(quiet, _STOCKOUT_COUNT)
    takers = rng.sample([o for o in orders if not o.broken and not o.special], _STOCKOUT_COUNT)
    for product, order in zip(stockouts, takers, strict=True):
        product.stockout = rng.choice((0, 1))
        others = [(sku, qty) for sku, qty in order.lines if sku != product.sku]
        order.lines = [(product.sku, product.stockout + 1), *others[:4]]


def _order_rows(orders: list[_Order]) -> list[list[str]]:
    rows: list[list[str]] = []
    for order in orders:
        header = [
            order.order_no,
            order.channel,
            order.placed_at.astimezone(CHINA_TZ).isoformat(timespec="seconds"),
            order.priority,
            order.payment_status,
            order.customer_name,
            order.phone,
            order.country,
            order.province,
            order.city,
            order.district,
            order.address,
            order.postcode,
        ]
        for index, (sku, qty) in enumerate(order.lines):
            rows.append([*header, sku, str(qty), order.note if index == 0 else ""])
    return rows


# --------------------------------------------------------------------------------------------
# Scan sheet
# --------------------------------------------------------------------------------------------


def _gs1_128(gtin: str, batch: str, expiry: date) -> tuple[str, str]:
    """A GS1-128 scan (AIM prefix, GS after the variable-length batch) and its HRI form."""
    gtin14 = _gtin14(gtin)
    yymmdd = expiry.strftime("%y%m%d")
    machine = f"]C101{gtin14}10{batch}{_GS}17{yymmdd}"
    hri = f"(01){gtin14}(10){batch}(17){yymmdd}"
    return machine, hri


def _scan_sheet(
    rng: random.Random,
    products: list[_Product],
    bins: list[tuple[str, int]],
    orders: list[_Order],
    now: datetime,
) -> str:
    width = 44

    def entry(scan: str, note: str) -> str:
        shown = scan.replace(_GS, _GS_ESCAPED)
        return f"{shown.ljust(width)}  # {note}"

    lines = [
        "# wareterm demo scan sheet",
        "#",
        "# Type or paste one line (the part before the two spaces and '#') into any scan field,",
        "# or print it as a Code 128 label. In the GS1-128 lines, \\x1d stands for the GS",
        "# separator (ASCII 29, Ctrl+]); a scanner sends that character itself, the text",
        "# \\x1d is only how it is written here. ]C1 is the AIM prefix a scanner adds for GS1-128.",
        f"# All demo users log in with PIN {DEMO_PIN}.",
        "",
        "# -- user badges --",
    ]
    lines += [entry(f"U:{name}", role) for name, role in DEMO_USERS]

    lines += ["", "# -- totes --"]
    lines += [entry(f"T:{number:04d}", "empty tote") for number in (1, 2, 3)]

    walk = {code: sequence for code, sequence in bins}
    with_ean = [p for p in products if len(p.barcodes[0]) == 13 and not p.lot_prefix]
    walk_examples = sorted(rng.sample(with_ean, 4), key=lambda p: walk[p.location])
    lines += ["", "# -- a short walk: scan the bin label, then the product (EAN-13) --"]
    for product in walk_examples:
        lines.append(entry(f"L:{product.location}", f"bin, walk sequence {walk[product.location]}"))
        lines.append(entry(product.barcodes[0], f"{product.sku} {product.name}"))

    upc = next(p for p in products if len(p.barcodes) == 1 and len(p.barcodes[0]) == 12)
    second = next(p for p in products if len(p.barcodes) > 1)
    lines += ["", "# -- other product barcodes --"]
    lines.append(entry(upc.barcodes[0], f"UPC-A: {upc.sku} {upc.name}"))
    lines.append(entry(second.barcodes[1], f"second barcode of {second.sku} {second.name}"))

    lines += [
        "",
        "# -- GS1-128 with batch and expiry (lot-tracked goods): machine form, then HRI form --",
    ]
    lots = [p for p in products if p.lot_prefix]
    for product in lots[:3]:
        expiry = now.date() + timedelta(days=rng.randint(120, 720))
        made = now.date() - timedelta(days=rng.randint(10, 90))
        batch = f"{product.lot_prefix}{made.strftime('%y%m')}{rng.choice('ABC')}"
        machine, hri = _gs1_128(product.barcodes[0], batch, expiry)
        note = f"{product.sku} {product.name}, batch {batch}, expiry {expiry.isoformat()}"
        lines.append(entry(machine, note))
        lines.append(entry(hri, "same, as printed under the bars"))

    rush = next(o for o in orders if o.priority == "rush" and not o.broken)
    lines += ["", "# -- an order (packing bench) --"]
    lines.append(entry(f"O:{rush.order_no}", f"{rush.priority} order of {rush.customer_name}"))

    bad = next(code for p in products for code in p.barcodes if len(code) == 13)
    wrong_check = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    known = {_gtin14(code) for p in products for code in p.barcodes}
    stranger = next(
        code
        for code in (_with_check(f"6909999{item:05d}") for item in range(99999, 0, -1))
        if _gtin14(code) not in known
    )
    lines += ["", "# -- mistakes to try: each should be refused loudly --"]
    lines.append(entry(wrong_check, "EAN-13 with a wrong check digit"))
    lines.append(entry(stranger, "valid EAN-13, not in the catalog"))
    lines.append(entry("L:G-99-01", "a bin that does not exist"))
    return "\n".join(lines) + "\n"


def lot_goods_names() -> list[str]:
    """Names of the demo's lot/expiry-tracked goods (food, cosmetics)."""
    return [name for name, _weight, _chinese, _prefix in _LOT_GOODS]
