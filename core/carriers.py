"""Carriers, their services and prices, zones, and the rules that choose one for a parcel.

Pure: plain dataclasses and functions; the store keeps carrier specs as JSON
(:func:`carrier_to_spec` / :func:`carrier_from_spec`) and site settings fill a
:class:`CarrierPolicy`.

Prices follow Chinese express practice: a first-kilogram price (首重) plus a price for each
further started kilogram (续重), in fen (0.01 CNY), per zone. The zone of a parcel comes from the
warehouse's province and the destination:

``local``          same province
``regional``       same region (华东, 华南, 华北, 华中, 西南, 西北, 东北)
``national``       anywhere else on the mainland
``remote``         a province in the policy's remote list (偏远地区), unless it is local
``international``  outside the mainland; 香港, 澳门 and 台湾 count as international too: they
                   need customs paperwork and only carriers with cross-border service go there
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.errors import NotFound, Rejected
from core.i18n import _, ngettext
from core.model import Priority

LOCAL = "local"
REGIONAL = "regional"
NATIONAL = "national"
REMOTE = "remote"
INTERNATIONAL = "international"
#: Every zone a rate may be given for, nearest first.
ZONES = (LOCAL, REGIONAL, NATIONAL, REMOTE, INTERNATIONAL)

# -- provinces -------------------------------------------------------------------------------------

#: The 31 mainland provinces, autonomous regions and municipalities: key (the short Chinese
#: name), full name, region (七大地理分区) and Latin spellings (letters only, lowercase).
_MAINLAND: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("北京", "北京市", "华北", ("beijing", "peking")),
    ("天津", "天津市", "华北", ("tianjin",)),
    ("河北", "河北省", "华北", ("hebei",)),
    ("山西", "山西省", "华北", ("shanxi",)),
    ("内蒙古", "内蒙古自治区", "华北", ("neimenggu", "innermongolia", "neimongol")),
    ("辽宁", "辽宁省", "东北", ("liaoning",)),
    ("吉林", "吉林省", "东北", ("jilin",)),
    ("黑龙江", "黑龙江省", "东北", ("heilongjiang",)),
    ("上海", "上海市", "华东", ("shanghai",)),
    ("江苏", "江苏省", "华东", ("jiangsu",)),
    ("浙江", "浙江省", "华东", ("zhejiang",)),
    ("安徽", "安徽省", "华东", ("anhui",)),
    ("福建", "福建省", "华东", ("fujian",)),
    ("江西", "江西省", "华东", ("jiangxi",)),
    ("山东", "山东省", "华东", ("shandong",)),
    ("河南", "河南省", "华中", ("henan",)),
    ("湖北", "湖北省", "华中", ("hubei",)),
    ("湖南", "湖南省", "华中", ("hunan",)),
    ("广东", "广东省", "华南", ("guangdong", "canton")),
    ("广西", "广西壮族自治区", "华南", ("guangxi",)),
    ("海南", "海南省", "华南", ("hainan",)),
    ("重庆", "重庆市", "西南", ("chongqing",)),
    ("四川", "四川省", "西南", ("sichuan",)),
    ("贵州", "贵州省", "西南", ("guizhou",)),
    ("云南", "云南省", "西南", ("yunnan",)),
    ("西藏", "西藏自治区", "西南", ("xizang", "tibet")),
    ("陕西", "陕西省", "西北", ("shaanxi",)),
    ("甘肃", "甘肃省", "西北", ("gansu",)),
    ("青海", "青海省", "西北", ("qinghai",)),
    ("宁夏", "宁夏回族自治区", "西北", ("ningxia",)),
    ("新疆", "新疆维吾尔自治区", "西北", ("xinjiang",)),
)
#: Outside the mainland: key, other Chinese spellings, Latin spellings.
_OUTSIDE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("香港", ("香港特别行政区", "香港特別行政區"), ("hongkong", "hk", "hkg", "xianggang")),
    (
        "澳门",
        ("澳门特别行政区", "澳門", "澳門特別行政區"),
        ("macau", "macao", "mo", "mac", "aomen"),
    ),
    ("台湾", ("台湾省", "臺灣", "台灣", "臺灣省", "台灣省"), ("taiwan", "tw", "twn")),
)

#: Mainland province keys in the usual order (north, north-east, east, centre, south, west).
PROVINCES: tuple[str, ...] = tuple(key for key, _full, _region, _latin in _MAINLAND)
#: Region of each mainland province.
REGION: Mapping[str, str] = MappingProxyType(
    {key: region for key, _full, region, _latin in _MAINLAND}
)
#: Keys of the places outside the mainland that a province field may name.
OUTSIDE_MAINLAND: tuple[str, ...] = tuple(key for key, _zh, _latin in _OUTSIDE)

# Suffixes taken off (repeatedly, longest first) before looking a name up.
_ZH_SUFFIXES = (
    "特别行政区",
    "特別行政區",
    "自治区",
    "维吾尔族",
    "维吾尔",
    "壮族",
    "回族",
    "省",
    "市",
)
_LATIN_SUFFIXES = (
    "specialadministrativeregion",
    "autonomousregion",
    "municipality",
    "province",
    "zizhiqu",
    "uyghur",
    "uighur",
    "uygur",
    "zhuang",
    "sheng",
    "city",
    "sar",
    "shi",
    "hui",
)


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, full, _region, latin in _MAINLAND:
        for name in (key, full, *latin):
            aliases[name] = key
    for key, chinese, latin in _OUTSIDE:
        for name in (key, *chinese, *latin):
            aliases[name] = key
    return aliases


_ALIASES = _build_aliases()


def _compact(text: str) -> str:
    """Case-folded, NFKC text with only letters and digits kept (spaces, dots, dashes go)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _lookup(text: str) -> str | None:
    name = _compact(text)
    while name:
        if name in _ALIASES:
            return _ALIASES[name]
        for suffix in (*_ZH_SUFFIXES, *_LATIN_SUFFIXES):
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        else:
            return None
    return None


def province_key(text: str) -> str:
    """One key per province, whatever the spelling: ``浙江省``, ``浙江``, ``Zhejiang`` and
    ``"zhejiang province"`` are all ``浙江``. Covers the 31 mainland provinces, autonomous regions
    and municipalities, and 香港/澳门/台湾 (which zones treat as international). Raises
    Rejected for anything else."""
    key = _lookup(text)
    if key is None:
        raise Rejected(
            _("unknown province {text!r}; use a name such as 浙江, 浙江省 or Zhejiang").format(
                text=text.strip()
            )
        )
    return key


def mainland_province(text: str) -> str:
    """:func:`province_key` for a place that must be on the mainland (a warehouse, a remote list,
    a carrier's coverage); raises Rejected for 香港/澳门/台湾."""
    key = province_key(text)
    if key not in REGION:
        raise Rejected(
            _(
                "{place} is outside the mainland (shipped as international), not a province here"
            ).format(place=key)
        )
    return key


def province_list(text: str) -> tuple[str, ...]:
    """Mainland provinces from a list written as ``新疆,西藏`` (also ``，``, ``、``, ``;`` or
    spaces between names): keys in the order given, without repeats."""
    keys: list[str] = []
    for part in re.split(r"[,，、;；\s]+", text.strip()):
        if part:
            key = mainland_province(part)
            if key not in keys:
                keys.append(key)
    return tuple(keys)


#: Country spellings that mean the mainland (compacted: see ``_compact``).
_DOMESTIC = frozenset(
    {
        "",
        "cn",
        "chn",
        "china",
        "prc",
        "peoplesrepublicofchina",
        "mainlandchina",
        "中国",
        "中华人民共和国",
        "中国大陆",
    }
)


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes, as the order gives it (``country`` ``CN`` or empty: the mainland)."""

    country: str
    province: str
    city: str = ""


@dataclass(frozen=True)
class Place:
    """A destination resolved for the rules: its display name, mainland province key (None when
    it is outside the mainland) and whether only cross-border carriers go there."""

    name: str
    province: str | None

    @property
    def international(self) -> bool:
        """Outside the mainland (another country, or 香港/澳门/台湾)."""
        return self.province is None


def place_of(destination: Destination) -> Place:
    """Resolve a destination; raises Rejected when a mainland province is missing or unknown."""
    country = _compact(destination.country)
    if country not in _DOMESTIC:
        outside = _ALIASES.get(country)
        if outside in OUTSIDE_MAINLAND:
            return Place(outside, None)
        return Place(destination.country.strip().upper(), None)
    if not destination.province.strip():
        raise Rejected(_("the address has no province; a carrier cannot be chosen without one"))
    key = province_key(destination.province)
    if key in OUTSIDE_MAINLAND:
        return Place(key, None)
    return Place(key, key)


# -- prices, services, carriers -------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """The price of one zone: 首重 (the first kilogram) and 续重 (each further started kilogram),
    in fen."""

    first_kg_fen: int
    extra_kg_fen: int

    def cost(self, weight_g: int) -> int:
        """Price in fen of a parcel of ``weight_g`` grams: a parcel under 1 kg pays the first
        kilogram; 1,001 g pays the first kilogram and one extra."""
        kilograms = max(1, -(-weight_g // 1000))
        return self.first_kg_fen + (kilograms - 1) * self.extra_kg_fen


@dataclass(frozen=True)
class Service:
    """A carrier's product (标快, 特惠 …): how many days it takes and its rate per zone. A zone
    without a rate is a zone the service does not serve."""

    code: str
    name: str
    speed_days: float
    rates: Mapping[str, Rate]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

    def serves(self, zone: str) -> bool:
        """Whether the service has a rate for ``zone``."""
        return zone in self.rates

    def cost(self, zone: str, weight_g: int) -> int:
        """Price in fen for a parcel of ``weight_g`` in ``zone`` (KeyError if not served)."""
        return self.rates[zone].cost(weight_g)


@dataclass(frozen=True)
class Carrier:
    """An express company (快递公司) with its services and where it delivers.

    ``coverage`` holds the mainland provinces it delivers to (None: all of them);
    ``international`` says whether it ships outside the mainland (its services then carry an
    ``international`` rate). ``tracking`` and ``claims`` say whether it gives tracking and pays
    claims for lost or damaged parcels."""

    code: str
    name: str
    name_zh: str
    services: tuple[Service, ...]
    coverage: frozenset[str] | None = None
    international: bool = False
    tracking: bool = True
    claims: bool = True
    active: bool = True

    def covers(self, place: Place) -> bool:
        """Whether the carrier delivers to ``place`` (ignores ``active``)."""
        if place.province is None:
            return self.international
        return self.coverage is None or place.province in self.coverage

    def service(self, code: str) -> Service | None:
        """The service with this code (any case), or None."""
        wanted = code.strip().upper()
        return next((s for s in self.services if s.code == wanted), None)

    @property
    def display_name(self) -> str:
        """``顺丰速运 (SF Express)``, or one name when both are the same."""
        if self.name_zh and self.name_zh != self.name:
            return f"{self.name_zh} ({self.name})"
        return self.name


@dataclass(frozen=True)
class CarrierPolicy:
    """Site settings the rules use: where parcels leave from, which provinces are remote (偏远地区)
    and the carrier preferred there."""

    origin_province: str = "浙江"
    remote_provinces: frozenset[str] = field(default_factory=lambda: DEFAULT_REMOTE)
    remote_preferred: str = "EMS"


#: 新疆, 西藏 and 青海 are remote for every carrier. 内蒙古, 甘肃 and 宁夏 are on the list
#: Taobao/Tmall merchants commonly exclude from free shipping (偏远地区): the 通达 carriers charge
#: surcharges and take days longer there, which is what the remote rule is for.
DEFAULT_REMOTE: frozenset[str] = frozenset({"新疆", "西藏", "青海", "内蒙古", "甘肃", "宁夏"})


def zone_of(place: Place, policy: CarrierPolicy) -> str:
    """The pricing zone of a parcel from the warehouse's province to ``place``. A province that
    is both the warehouse's and on the remote list is ``local``."""
    if place.province is None:
        return INTERNATIONAL
    if place.province == policy.origin_province:
        return LOCAL
    if place.province in policy.remote_provinces:
        return REMOTE
    if REGION.get(place.province) == REGION.get(policy.origin_province):
        return REGIONAL
    return NATIONAL


# -- the choice ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierChoice:
    """The carrier and service a parcel ships with, why, what it costs and how long it takes."""

    carrier: Carrier
    service: Service
    reason: str
    cost_fen: int
    speed_days: float
    zone: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data (the ``--json`` shape)."""
        return {
            "carrier": self.carrier.code,
            "carrier_name": self.carrier.name,
            "carrier_name_zh": self.carrier.name_zh,
            "service": self.service.code,
            "service_name": self.service.name,
            "zone": self.zone,
            "cost_fen": self.cost_fen,
            "cost": yuan(self.cost_fen),
            "speed_days": self.speed_days,
            "reason": self.reason,
        }


def yuan(fen: int) -> str:
    """``2300`` → ``¥23.00``."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"


def days(speed: float) -> str:
    """``1`` → ``1 day``, ``2.5`` → ``2.5 days``."""
    whole = float(speed).is_integer()
    number = f"{int(speed)}" if whole else f"{speed:g}"
    return ngettext("{n} day", "{n} days", int(speed) if whole else 2).format(n=number)


@dataclass(frozen=True)
class _Option:
    carrier: Carrier
    service: Service
    cost: int

    def cheapest_key(self) -> tuple[int, float, str, str]:
        return (self.cost, self.service.speed_days, self.carrier.code, self.service.code)

    def fastest_key(self) -> tuple[float, int, str, str]:
        return (self.service.speed_days, self.cost, self.carrier.code, self.service.code)

    def describe(self) -> str:
        return _("{carrier} {service} {days}, {cost}").format(
            carrier=self.carrier.code,
            service=self.service.name,
            days=days(self.service.speed_days),
            cost=yuan(self.cost),
        )


def _check_weight(weight_g: int) -> None:
    if isinstance(weight_g, bool) or not isinstance(weight_g, int) or weight_g < 0:
        raise Rejected(_("weight must be a whole number of grams, 0 or more"))


def _options(
    carriers: Iterable[Carrier], place: Place, zone: str, weight_g: int
) -> tuple[list[_Option], dict[str, str]]:
    """Every (carrier, service) that may take the parcel, and why each other carrier may not."""
    options: list[_Option] = []
    refused: dict[str, str] = {}
    for carrier in carriers:
        if not carrier.active:
            refused[carrier.code] = _("is inactive")
        elif not carrier.covers(place):
            refused[carrier.code] = _("does not deliver there")
        else:
            served = [s for s in carrier.services if s.serves(zone)]
            if not served:
                refused[carrier.code] = _("has no service for {zone} parcels").format(zone=zone)
            options.extend(_Option(carrier, s, s.cost(zone, weight_g)) for s in served)
    return options, refused


def _nobody(place: Place, zone: str, refused: Mapping[str, str]) -> Rejected:
    if not refused:
        return Rejected(_("no carriers are configured"))
    by_reason: dict[str, list[str]] = {}
    for code, why in refused.items():
        by_reason.setdefault(why, []).append(code)
    details = "; ".join(f"{', '.join(codes)}: {why}" for why, codes in by_reason.items())
    return Rejected(
        _("no active carrier delivers to {place} ({zone}) — {details}").format(
            place=place.name, zone=zone, details=details
        )
    )


def _priority(priority: Priority | str) -> Priority:
    try:
        return Priority(str(priority).strip().lower())
    except ValueError:
        raise Rejected(
            _("unknown priority {priority!r} (use rush|standard|deferred)").format(
                priority=priority
            )
        ) from None


def choose_carrier(
    carriers: Sequence[Carrier],
    destination: Destination,
    priority: Priority | str,
    weight_g: int,
    policy: CarrierPolicy,
) -> CarrierChoice:
    """The carrier and service for a parcel, by the site's rules:

    1. only active carriers that deliver to the destination, with a service for its zone (outside
       the mainland: only ``international`` carriers);
    2. ``rush``: the fastest such service (equal speed: the cheaper);
    3. a remote province: the policy's preferred carrier when it may take the parcel (its
       cheapest service), else the cheapest of the others;
    4. otherwise the cheapest (equal price: the faster).

    Remaining ties go to the carrier code, then the service code, so the choice never depends on
    the order carriers are listed in. Raises Rejected when no carrier may take the parcel."""
    wanted = _priority(priority)
    _check_weight(weight_g)
    place = place_of(destination)
    zone = zone_of(place, policy)
    options, refused = _options(carriers, place, zone, weight_g)
    if not options:
        raise _nobody(place, zone, refused)
    if wanted is Priority.RUSH:
        best = min(options, key=_Option.fastest_key)
        reason = _("rush: fastest covering {place} — {option}").format(
            place=place.name, option=best.describe()
        )
    elif zone == REMOTE:
        preferred = [o for o in options if o.carrier.code == policy.remote_preferred]
        if preferred:
            best = min(preferred, key=_Option.cheapest_key)
            reason = _("remote {place}: preferred remote carrier — {option}").format(
                place=place.name, option=best.describe()
            )
        else:
            best = min(options, key=_Option.cheapest_key)
            why = refused.get(policy.remote_preferred, _("is not configured"))
            reason = _(
                "remote {place}: preferred {preferred} {why}, so cheapest covering — {option}"
            ).format(
                place=place.name,
                preferred=policy.remote_preferred,
                why=why,
                option=best.describe(),
            )
    else:
        best = min(options, key=_Option.cheapest_key)
        reason = _("cheapest covering {place} — {option}").format(
            place=place.name, option=best.describe()
        )
    return CarrierChoice(
        best.carrier, best.service, reason, best.cost, best.service.speed_days, zone
    )


def check_override(
    carriers: Sequence[Carrier],
    destination: Destination,
    carrier: str,
    service: str | None,
    weight_g: int,
    policy: CarrierPolicy,
) -> CarrierChoice:
    """A packer's choice instead of the rules': the carrier must be configured, active and
    deliver to the destination, and the service (by default its cheapest for the zone) must
    serve the zone. Raises Rejected (NotFound for a service the carrier does not have)."""
    code = carrier_code(carrier, [c.code for c in carriers])
    _check_weight(weight_g)
    chosen = next(c for c in carriers if c.code == code)
    if not chosen.active:
        raise Rejected(
            _(
                "{carrier} is inactive; turn it on first with: wareterm carriers set {carrier} "
                "--active"
            ).format(carrier=code)
        )
    place = place_of(destination)
    zone = zone_of(place, policy)
    if not chosen.covers(place):
        raise Rejected(
            _("{carrier} does not deliver to {place}").format(carrier=code, place=place.name)
        )
    if service is not None:
        found = chosen.service(service)
        if found is None:
            raise NotFound(
                _("{carrier} has no service {service!r}; its services: {services}").format(
                    carrier=code,
                    service=service.strip(),
                    services=", ".join(s.code for s in chosen.services),
                )
            )
        if not found.serves(zone):
            raise Rejected(
                _("{carrier} {service} does not serve {zone} parcels ({place})").format(
                    carrier=code, service=found.code, zone=zone, place=place.name
                )
            )
        option = _Option(chosen, found, found.cost(zone, weight_g))
    else:
        served = [
            _Option(chosen, s, s.cost(zone, weight_g)) for s in chosen.services if s.serves(zone)
        ]
        if not served:
            raise Rejected(
                _("{carrier} has no service for {zone} parcels ({place})").format(
                    carrier=code, zone=zone, place=place.name
                )
            )
        option = min(served, key=_Option.cheapest_key)
    reason = _("override: {option} to {place}").format(option=option.describe(), place=place.name)
    return CarrierChoice(
        option.carrier, option.service, reason, option.cost, option.service.speed_days, zone
    )


# -- codes -----------------------------------------------------------------------------------------

_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{0,15}$")
_SERVICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")


def carrier_code(text: str, known: Iterable[str] | None = None) -> str:
    """A carrier code as stored (``" sf "`` → ``SF``); raises Rejected listing the known codes
    (``known``: the configured carriers; by default the presets') when it is not one of them."""
    codes = list(known) if known is not None else [c.code for c in PRESETS]
    code = text.strip().upper()
    if code not in codes:
        raise Rejected(
            _("unknown carrier {text!r}; known carriers: {codes}").format(
                text=text.strip(), codes=", ".join(codes) or _("none")
            )
        )
    return code


def check_code(text: str) -> str:
    """A code a new carrier may have (1–16 of A–Z, 0–9, ``_``, ``-``, starting with a letter),
    upper-cased; raises Rejected otherwise."""
    code = text.strip().upper()
    if not _CODE.match(code):
        raise Rejected(
            _(
                "carrier code {text!r}: use 1–16 letters, digits, '_' or '-', starting with a "
                "letter"
            ).format(text=text)
        )
    return code


# -- presets ---------------------------------------------------------------------------------------


def _rates(**zones: tuple[int, int]) -> dict[str, Rate]:
    return {zone: Rate(first, extra) for zone, (first, extra) in zones.items()}


_TONGDA_COVERAGE = frozenset(PROVINCES) - {"新疆", "西藏", "青海"}

#: The carriers a new site starts with (used as long as the carriers table is empty). Prices
#: are plausible e-commerce contract rates for a mid-sized shipper, not list prices: change them
#: with ``wareterm carriers import``. The 通达 carriers (ZTO, YTO, STO, Yunda) leave out 新疆,
#: 西藏 and 青海 and charge a remote rate in the other remote provinces; China Post/EMS delivers
#: everywhere, abroad included; GENERIC is a template for a local carrier and starts inactive.
PRESETS: tuple[Carrier, ...] = (
    Carrier(
        "SF",
        "SF Express",
        "顺丰速运",
        (
            Service(
                "STANDARD",
                "标快",
                1.0,
                _rates(
                    local=(1200, 200),
                    regional=(1500, 500),
                    national=(1800, 1000),
                    remote=(2300, 1800),
                ),
            ),
            Service(
                "ECONOMY",
                "特惠",
                2.0,
                _rates(
                    local=(1000, 200),
                    regional=(1200, 400),
                    national=(1400, 700),
                    remote=(1900, 1200),
                ),
            ),
            Service("INTL", "国际标快", 5.0, _rates(international=(12000, 4000))),
        ),
        coverage=None,
        international=True,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "ZTO",
        "ZTO Express",
        "中通快递",
        (
            Service(
                "STANDARD",
                "标准快递",
                3.0,
                _rates(
                    local=(300, 100), regional=(400, 200), national=(550, 400), remote=(1000, 800)
                ),
            ),
        ),
        coverage=_TONGDA_COVERAGE,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "YTO",
        "YTO Express",
        "圆通速递",
        (
            Service(
                "STANDARD",
                "标准快递",
                3.0,
                _rates(
                    local=(310, 100), regional=(410, 200), national=(560, 380), remote=(1050, 800)
                ),
            ),
        ),
        coverage=_TONGDA_COVERAGE,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "STO",
        "STO Express",
        "申通快递",
        (
            Service(
                "STANDARD",
                "标准快递",
                3.5,
                _rates(
                    local=(280, 100), regional=(420, 220), national=(580, 420), remote=(1100, 850)
                ),
            ),
        ),
        coverage=_TONGDA_COVERAGE,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "YUNDA",
        "Yunda Express",
        "韵达快递",
        (
            Service(
                "STANDARD",
                "标准快递",
                3.0,
                _rates(
                    local=(290, 120), regional=(390, 210), national=(570, 390), remote=(1020, 850)
                ),
            ),
        ),
        coverage=_TONGDA_COVERAGE,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "EMS",
        "China Post EMS",
        "中国邮政 EMS",
        (
            Service(
                "EMS",
                "EMS标准快递",
                3.0,
                _rates(
                    local=(800, 300),
                    regional=(1000, 500),
                    national=(1200, 800),
                    remote=(1500, 1000),
                ),
            ),
            Service(
                "PARCEL",
                "快递包裹",
                5.0,
                _rates(
                    local=(500, 200), regional=(600, 300), national=(800, 500), remote=(1100, 700)
                ),
            ),
            Service("INTL", "国际EMS", 7.0, _rates(international=(9000, 3000))),
        ),
        coverage=None,
        international=True,
        tracking=True,
        claims=True,
    ),
    Carrier(
        "JD",
        "JD Logistics",
        "京东物流",
        (
            Service(
                "EXPRESS",
                "特快送",
                1.0,
                _rates(
                    local=(1100, 200),
                    regional=(1600, 600),
                    national=(2000, 1200),
                    remote=(2800, 2000),
                ),
            ),
            Service(
                "STANDARD",
                "标准快递",
                2.0,
                _rates(
                    local=(800, 200),
                    regional=(1000, 400),
                    national=(1300, 800),
                    remote=(2000, 1400),
                ),
            ),
        ),
        coverage=frozenset(PROVINCES) - {"西藏"},
        tracking=True,
        claims=True,
    ),
    Carrier(
        "GENERIC",
        "Generic carrier",
        "其他快递",
        (
            Service(
                "STANDARD",
                "标准",
                4.0,
                _rates(
                    local=(500, 200), regional=(600, 300), national=(800, 500), remote=(1500, 1000)
                ),
            ),
        ),
        coverage=None,
        tracking=False,
        claims=False,
        active=False,
    ),
)

#: The preset codes, in the order above.
PRESET_CODES: tuple[str, ...] = tuple(c.code for c in PRESETS)

# -- JSON specs ------------------------------------------------------------------------------------

_CARRIER_KEYS = {
    "code",
    "name",
    "name_zh",
    "services",
    "coverage",
    "international",
    "tracking",
    "claims",
    "active",
}
_SERVICE_KEYS = {"code", "name", "speed_days", "rates"}
_RATE_KEYS = {"first_kg_fen", "extra_kg_fen"}
#: Largest price accepted for one rate field (¥100,000): catches yuan typed as fen × 100 twice.
MAX_FEN = 10_000_000
MAX_DAYS = 60

#: Makes the Rejected for a message about one carrier (or one of its services).
_Bad = Callable[[str], Rejected]


def carrier_to_spec(carrier: Carrier) -> dict[str, Any]:
    """A carrier as plain JSON data (what ``carriers import`` reads and the store keeps)."""
    return {
        "code": carrier.code,
        "name": carrier.name,
        "name_zh": carrier.name_zh,
        "services": [
            {
                "code": service.code,
                "name": service.name,
                "speed_days": service.speed_days,
                "rates": {
                    zone: {"first_kg_fen": rate.first_kg_fen, "extra_kg_fen": rate.extra_kg_fen}
                    for zone, rate in sorted(
                        service.rates.items(), key=lambda item: ZONES.index(item[0])
                    )
                },
            }
            for service in carrier.services
        ],
        "coverage": None
        if carrier.coverage is None
        else [key for key in PROVINCES if key in carrier.coverage],
        "international": carrier.international,
        "tracking": carrier.tracking,
        "claims": carrier.claims,
        "active": carrier.active,
    }


def carrier_from_spec(spec: object) -> Carrier:
    """A carrier from JSON data; raises Rejected naming the carrier, the field and what is
    allowed. Required: ``code``, ``name``, ``services``; the rest has defaults (``name_zh`` =
    name, ``coverage`` null = the whole mainland, ``international``/``tracking``/``claims`` false,
    ``active`` true)."""
    if not isinstance(spec, dict):
        raise Rejected(_("a carrier must be a JSON object"))
    raw_code = spec.get("code")
    if not isinstance(raw_code, str):
        raise Rejected(_('a carrier needs a "code" (text such as "SF")'))
    code = check_code(raw_code)

    def bad(message: str) -> Rejected:
        return Rejected(_("carrier {code}: {message}").format(code=code, message=message))

    unknown = sorted(set(spec) - _CARRIER_KEYS)
    if unknown:
        raise bad(
            _("unknown field(s) {fields}; allowed: {allowed}").format(
                fields=", ".join(unknown), allowed=", ".join(sorted(_CARRIER_KEYS))
            )
        )
    name = _text(spec.get("name"), "name", 60, bad)
    name_zh = _text(spec.get("name_zh", name), "name_zh", 60, bad)
    flags = {
        key: _flag(spec.get(key, default), key, bad)
        for key, default in (
            ("international", False),
            ("tracking", False),
            ("claims", False),
            ("active", True),
        )
    }
    coverage_raw = spec.get("coverage")
    coverage: frozenset[str] | None
    if coverage_raw is None:
        coverage = None
    elif isinstance(coverage_raw, list) and all(isinstance(p, str) for p in coverage_raw):
        try:
            coverage = frozenset(mainland_province(p) for p in coverage_raw)
        except Rejected as error:
            raise bad(_("coverage: {error}").format(error=error)) from None
    else:
        raise bad(_("coverage must be null (the whole mainland) or a list of provinces"))
    services_raw = spec.get("services")
    if not isinstance(services_raw, list) or not services_raw:
        raise bad(_("services must be a non-empty list"))
    services = tuple(_service(item, flags["international"], bad) for item in services_raw)
    codes = [s.code for s in services]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise bad(_("service code(s) listed twice: {codes}").format(codes=", ".join(repeated)))
    if flags["international"] and not any(s.serves(INTERNATIONAL) for s in services):
        raise bad(_("an international carrier needs a service with an international rate"))
    return Carrier(
        code=code,
        name=name,
        name_zh=name_zh,
        services=services,
        coverage=coverage,
        international=flags["international"],
        tracking=flags["tracking"],
        claims=flags["claims"],
        active=flags["active"],
    )


def _text(value: object, key: str, limit: int, bad: _Bad) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(_("{key} must be non-empty text").format(key=key))
    text = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
        raise bad(_("{key} must be plain text, without control characters").format(key=key))
    if len(text) > limit:
        raise bad(_("{key} is longer than {n} characters").format(key=key, n=limit))
    return text


def _flag(value: object, key: str, bad: _Bad) -> bool:
    if not isinstance(value, bool):
        raise bad(_("{key} must be true or false").format(key=key))
    return value


def _whole(value: object, what: str, limit: int, bad: _Bad) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise bad(
            _("{what} must be a whole number from 0 to {limit}").format(what=what, limit=limit)
        )
    return value


def _service(item: object, international: bool, bad: _Bad) -> Service:
    if not isinstance(item, dict):
        raise bad(_("each service must be a JSON object"))
    raw_code = item.get("code")
    code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
    if not _SERVICE_CODE.match(code):
        raise bad(
            _("service code {code!r}: use 1–16 letters, digits, '_' or '-'").format(code=raw_code)
        )
    where = _("service {code}").format(code=code)

    def bad_service(message: str) -> Rejected:
        return bad(f"{where}: {message}")

    unknown = sorted(set(item) - _SERVICE_KEYS)
    if unknown:
        raise bad_service(
            _("unknown field(s) {fields}; allowed: {allowed}").format(
                fields=", ".join(unknown), allowed=", ".join(sorted(_SERVICE_KEYS))
            )
        )
    name = _text(item.get("name"), "name", 40, bad_service)
    speed = item.get("speed_days")
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= MAX_DAYS:
        raise bad_service(
            _("speed_days must be a number of days above 0, at most {n}").format(n=MAX_DAYS)
        )
    rates_raw = item.get("rates")
    if not isinstance(rates_raw, dict) or not rates_raw:
        raise bad_service(
            _("rates must be an object with a rate per zone ({zones})").format(
                zones=", ".join(ZONES)
            )
        )
    rates: dict[str, Rate] = {}
    for zone, rate in rates_raw.items():
        if zone not in ZONES:
            raise bad_service(
                _("unknown zone {zone!r}; zones: {zones}").format(zone=zone, zones=", ".join(ZONES))
            )
        if zone == INTERNATIONAL and not international:
            raise bad_service(_("has an international rate but the carrier is not international"))
        if not isinstance(rate, dict) or set(rate) != _RATE_KEYS:
            raise bad_service(
                _('rate {zone} must be {{"first_kg_fen": …, "extra_kg_fen": …}}').format(zone=zone)
            )
        rates[zone] = Rate(
            _whole(rate["first_kg_fen"], f"{zone}.first_kg_fen", MAX_FEN, bad_service),
            _whole(rate["extra_kg_fen"], f"{zone}.extra_kg_fen", MAX_FEN, bad_service),
        )
    return Service(code, name, float(speed), rates)
