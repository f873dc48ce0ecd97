"""Carriers: provinces and zones, prices, the rules that choose a carrier, overrides, codes, the
presets and their JSON specs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.carriers import (
    DEFAULT_REMOTE,
    INTERNATIONAL,
    LOCAL,
    NATIONAL,
    OUTSIDE_MAINLAND,
    PRESET_CODES,
    PRESETS,
    PROVINCES,
    REGION,
    REGIONAL,
    REMOTE,
    Carrier,
    CarrierPolicy,
    Destination,
    Rate,
    Service,
    carrier_code,
    carrier_from_spec,
    carrier_to_spec,
    check_override,
    choose_carrier,
    days,
    place_of,
    province_key,
    province_list,
    yuan,
    zone_of,
)
from core.errors import NotFound, Rejected
from core.model import Priority

POLICY = CarrierPolicy()  # from 浙江; remote 新疆 西藏 青海 内蒙古 甘肃 宁夏; EMS preferred


def cn(province: str) -> Destination:
    return Destination("CN", province, "")


def rates(**zones: tuple[int, int]) -> dict[str, Rate]:
    return {zone: Rate(*pair) for zone, pair in zones.items()}


def carrier(
    code: str,
    *services: Service,
    coverage: frozenset[str] | None = None,
    international: bool = False,
    active: bool = True,
) -> Carrier:
    return Carrier(code, code, code, services, coverage, international, True, True, active)


def service(code: str, speed: float, first: int, extra: int = 100, **only: Any) -> Service:
    """A service with the same rate in every mainland zone (or the zones given)."""
    zones = only.get("zones", (LOCAL, REGIONAL, NATIONAL, REMOTE))
    return Service(code, code.lower(), speed, {zone: Rate(first, extra) for zone in zones})


# -- provinces and zones -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("浙江省", "浙江"),
        ("浙江", "浙江"),
        ("Zhejiang", "浙江"),
        ("zhejiang province", "浙江"),
        ("  ZHEJIANG  ", "浙江"),
        ("Zhejiang Sheng", "浙江"),
        ("ＺＨＥＪＩＡＮＧ", "浙江"),  # full-width letters
        ("北京市", "北京"),
        ("Beijing Shi", "北京"),
        ("Shanghai Municipality", "上海"),
        ("新疆维吾尔自治区", "新疆"),
        ("新疆维吾尔族自治区", "新疆"),
        ("Xinjiang Uyghur Autonomous Region", "新疆"),
        ("xinjiang uygur", "新疆"),
        ("广西壮族自治区", "广西"),
        ("Guangxi Zhuang Autonomous Region", "广西"),
        ("宁夏回族自治区", "宁夏"),
        ("Ningxia Hui", "宁夏"),
        ("内蒙古自治区", "内蒙古"),
        ("Inner Mongolia", "内蒙古"),
        ("Nei Mongol Zizhiqu", "内蒙古"),
        ("西藏自治区", "西藏"),
        ("Tibet", "西藏"),
        ("Xizang", "西藏"),
        ("Shaanxi", "陕西"),
        ("Shanxi", "山西"),
        ("Anhui Province", "安徽"),
        ("Heilongjiang", "黑龙江"),
        ("香港特别行政区", "香港"),
        ("Hong Kong SAR", "香港"),
        ("澳門", "澳门"),
        ("Macao", "澳门"),
        ("臺灣", "台湾"),
        ("Taiwan", "台湾"),
    ],
)
def test_province_spellings_share_one_key(text: str, key: str) -> None:
    assert province_key(text) == key


def test_every_mainland_province_reads_in_all_its_forms() -> None:
    assert len(PROVINCES) == len(set(PROVINCES)) == 31
    assert set(REGION) == set(PROVINCES)
    assert set(REGION.values()) == {"华东", "华南", "华北", "华中", "西南", "西北", "东北"}
    for key in PROVINCES:
        assert province_key(key) == key


@pytest.mark.parametrize("text", ["", "  ", "Atlantis", "杭州", "zhe", "province"])
def test_unknown_province_is_rejected_with_examples(text: str) -> None:
    with pytest.raises(Rejected, match="unknown province"):
        province_key(text)


def test_province_lists_accept_chinese_separators() -> None:
    assert province_list("新疆，西藏、Qinghai; xinjiang") == ("新疆", "西藏", "青海")
    assert province_list("") == ()
    with pytest.raises(Rejected, match="outside the mainland"):
        province_list("新疆,香港")


@pytest.mark.parametrize(
    ("destination", "zone"),
    [
        (cn("浙江省"), LOCAL),
        (cn("上海"), REGIONAL),
        (cn("Jiangsu"), REGIONAL),
        (cn("广东"), NATIONAL),
        (cn("黑龙江"), NATIONAL),
        (cn("新疆"), REMOTE),
        (cn("Tibet"), REMOTE),
        (cn("内蒙古"), REMOTE),
        (cn("香港"), INTERNATIONAL),
        (Destination("HK", "", "Kowloon"), INTERNATIONAL),
        (Destination("US", "California", ""), INTERNATIONAL),
        (Destination("", "浙江", ""), LOCAL),
        (Destination("china", "浙江", ""), LOCAL),
        (Destination("中国", "浙江", ""), LOCAL),
    ],
)
def test_zones_from_the_warehouse_province(destination: Destination, zone: str) -> None:
    assert zone_of(place_of(destination), POLICY) == zone


def test_a_remote_province_is_local_to_a_warehouse_there() -> None:
    policy = CarrierPolicy("新疆", DEFAULT_REMOTE, "EMS")
    assert zone_of(place_of(cn("新疆")), policy) == LOCAL
    assert zone_of(place_of(cn("青海")), policy) == REMOTE
    assert zone_of(place_of(cn("甘肃")), CarrierPolicy("新疆", frozenset(), "EMS")) == REGIONAL


def test_international_places_keep_a_readable_name() -> None:
    assert place_of(Destination("us", "CA", "")).name == "US"
    assert place_of(Destination("Hong Kong", "", "")).name == "香港"
    assert place_of(cn("澳門")).province is None
    assert all(place_of(cn(key)).international for key in OUTSIDE_MAINLAND)


def test_a_mainland_address_needs_a_province() -> None:
    with pytest.raises(Rejected, match="no province"):
        place_of(cn(" "))


# -- prices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight_g", "fen"),
    [(0, 1200), (1, 1200), (999, 1200), (1000, 1200), (1001, 1400), (2000, 1400), (2001, 1600)],
)
def test_first_kilogram_then_each_started_kilogram(weight_g: int, fen: int) -> None:
    assert Rate(1200, 200).cost(weight_g) == fen


@given(st.integers(min_value=0, max_value=200_000))
def test_cost_arithmetic(weight_g: int) -> None:
    rate = Rate(800, 300)
    started = max(1, -(-weight_g // 1000))
    assert rate.cost(weight_g) == 800 + 300 * (started - 1)
    assert rate.cost(weight_g) <= rate.cost(weight_g + 1)


def test_money_and_days_for_people() -> None:
    assert (yuan(2300), yuan(5), yuan(0), yuan(123456)) == ("¥23.00", "¥0.05", "¥0.00", "¥1234.56")
    assert (days(1), days(2), days(1.5), days(0.5)) == ("1 day", "2 days", "1.5 days", "0.5 days")


# -- the rules ---------------------------------------------------------------------------------

FAST = carrier("FAST", service("X", 1, 2000))
CHEAP = carrier("CHEAP", service("S", 3, 500), coverage=frozenset(PROVINCES) - {"新疆", "西藏"})
MIDDLE = carrier("MIDDLE", service("S", 2, 900))
POST = carrier("POST", service("P", 5, 1200), service("I", 7, 9000, zones=(INTERNATIONAL,)),
               international=True)  # fmt: skip
TABLE = [FAST, CHEAP, MIDDLE, POST]
REMOTE_POST = CarrierPolicy("浙江", DEFAULT_REMOTE, "POST")


@pytest.mark.parametrize(
    ("carriers", "destination", "priority", "policy", "expected", "reason"),
    [
        # rush: the fastest covering service, whatever it costs
        (TABLE, cn("广东"), "rush", REMOTE_POST, ("FAST", "X"), "rush: fastest covering 广东"),
        (TABLE, cn("新疆"), "rush", REMOTE_POST, ("FAST", "X"), "rush: fastest covering 新疆"),
        # standard and deferred: the cheapest covering
        (TABLE, cn("广东"), "standard", REMOTE_POST, ("CHEAP", "S"), "cheapest covering 广东"),
        (TABLE, cn("广东"), Priority.DEFERRED, REMOTE_POST, ("CHEAP", "S"), "cheapest covering"),
        # remote: the preferred carrier even when another is cheaper
        (TABLE, cn("青海"), "standard", REMOTE_POST, ("POST", "P"), "remote 青海: preferred"),
        # remote, the preferred carrier inactive: the cheapest that covers, saying why
        (
            [FAST, CHEAP, MIDDLE, replace(POST, active=False)],
            cn("新疆"),
            "standard",
            REMOTE_POST,
            ("MIDDLE", "S"),
            "preferred POST is inactive, so cheapest covering",
        ),
        # remote, the preferred carrier not configured at all
        (
            [FAST, MIDDLE],
            cn("西藏"),
            "standard",
            REMOTE_POST,
            ("MIDDLE", "S"),
            "preferred POST is not configured",
        ),
        # remote, preferred does not cover
        (
            TABLE,
            cn("青海"),
            "standard",
            CarrierPolicy("浙江", DEFAULT_REMOTE, "CHEAP"),
            ("CHEAP", "S"),
            "remote 青海: preferred",
        ),
        (
            TABLE,
            cn("新疆"),
            "standard",
            CarrierPolicy("浙江", DEFAULT_REMOTE, "CHEAP"),
            ("MIDDLE", "S"),
            "preferred CHEAP does not deliver there",
        ),
        # coverage: the cheap carrier does not go to 西藏, so it is never chosen there
        (
            TABLE,
            cn("西藏"),
            "deferred",
            CarrierPolicy("浙江", frozenset(), "POST"),
            ("MIDDLE", "S"),
            "cheapest covering 西藏",
        ),  # fmt: skip
        # inactive carriers are skipped
        (
            [FAST, replace(CHEAP, active=False), MIDDLE],
            cn("广东"),
            "standard",
            REMOTE_POST,
            ("MIDDLE", "S"),
            "cheapest covering",
        ),  # fmt: skip
        # outside the mainland: only international carriers with an international service
        (TABLE, Destination("US", "", ""), "rush", REMOTE_POST, ("POST", "I"), "rush: fastest"),
        (TABLE, cn("香港"), "standard", REMOTE_POST, ("POST", "I"), "cheapest covering 香港"),
    ],
)
def test_rules(
    carriers: list[Carrier],
    destination: Destination,
    priority: str,
    policy: CarrierPolicy,
    expected: tuple[str, str],
    reason: str,
) -> None:
    choice = choose_carrier(carriers, destination, priority, 1500, policy)
    assert (choice.carrier.code, choice.service.code) == expected
    assert reason in choice.reason
    assert choice.cost_fen == choice.service.cost(choice.zone, 1500)
    assert choice.speed_days == choice.service.speed_days
    assert choice.carrier.covers(place_of(destination))


def test_rush_ties_go_to_the_cheaper_and_cheap_ties_to_the_faster() -> None:
    a = carrier("A", service("S", 1, 1500))
    b = carrier("B", service("S", 1, 1400))
    assert choose_carrier([a, b], cn("广东"), "rush", 500, POLICY).carrier.code == "B"
    c = carrier("C", service("S", 4, 500))
    d = carrier("D", service("S", 2, 500))
    assert choose_carrier([c, d], cn("广东"), "standard", 500, POLICY).carrier.code == "D"
    # A full tie goes to the code, so the order carriers are listed in does not matter.
    e, f = carrier("E", service("S", 2, 500)), carrier("F", service("S", 2, 500))
    assert choose_carrier([f, e], cn("广东"), "standard", 500, POLICY).carrier.code == "E"
    assert choose_carrier([e, f], cn("广东"), "standard", 500, POLICY).carrier.code == "E"


def test_the_price_depends_on_weight_so_the_cheapest_may_change() -> None:
    light = carrier("LIGHT", service("S", 3, 400, 1000))  # cheap first kg, dear extra kg
    heavy = carrier("HEAVY", service("S", 3, 800, 100))
    assert choose_carrier([light, heavy], cn("广东"), "standard", 900, POLICY).carrier.code == (
        "LIGHT"
    )
    assert choose_carrier([light, heavy], cn("广东"), "standard", 5000, POLICY).carrier.code == (
        "HEAVY"
    )


def test_the_reason_names_the_rule_and_the_numbers() -> None:
    choice = choose_carrier(PRESETS, cn("新疆"), "rush", 1000, POLICY)
    assert choice.reason == "rush: fastest covering 新疆 — SF 标快 1 day, ¥23.00"
    assert (choice.cost_fen, choice.zone) == (2300, REMOTE)
    assert choice.as_dict() == {
        "carrier": "SF",
        "carrier_name": "SF Express",
        "carrier_name_zh": "顺丰速运",
        "service": "STANDARD",
        "service_name": "标快",
        "zone": "remote",
        "cost_fen": 2300,
        "cost": "¥23.00",
        "speed_days": 1.0,
        "reason": choice.reason,
    }


def test_no_carrier_is_a_clear_rejection() -> None:
    carriers = [CHEAP, replace(MIDDLE, active=False)]
    with pytest.raises(Rejected) as error:
        choose_carrier(carriers, cn("新疆"), "standard", 100, POLICY)
    message = str(error.value)
    assert "no active carrier delivers to 新疆 (remote)" in message
    assert "CHEAP: does not deliver there" in message and "MIDDLE: is inactive" in message
    with pytest.raises(Rejected, match="no carriers are configured"):
        choose_carrier([], cn("广东"), "standard", 100, POLICY)
    with pytest.raises(Rejected, match="delivers to US"):
        choose_carrier([FAST, CHEAP], Destination("US", "", ""), "rush", 100, POLICY)
    # A carrier without a rate for the zone does not serve it.
    local_only = carrier("LOC", service("S", 1, 300, zones=(LOCAL,)))
    with pytest.raises(Rejected, match="LOC: has no service for national parcels"):
        choose_carrier([local_only], cn("广东"), "standard", 100, POLICY)


def test_bad_input_to_the_rules_is_rejected() -> None:
    with pytest.raises(Rejected, match="unknown priority"):
        choose_carrier(PRESETS, cn("广东"), "urgent", 100, POLICY)
    with pytest.raises(Rejected, match="weight"):
        choose_carrier(PRESETS, cn("广东"), "rush", -1, POLICY)
    with pytest.raises(Rejected, match="unknown province"):
        choose_carrier(PRESETS, cn("Gotham"), "rush", 100, POLICY)


@pytest.mark.parametrize(
    ("province", "priority", "expected"),
    [
        ("新疆", "standard", "EMS"),  # remote → EMS
        ("西藏", "deferred", "EMS"),
        ("新疆", "rush", "SF"),  # rush → the fastest (SF 标快 beats JD, which skips 西藏 anyway)
        ("浙江", "standard", "STO"),  # cheapest local
        ("广东", "standard", "YTO"),  # cheapest national at 1.5 kg
        ("浙江", "rush", "JD"),  # 1 day, cheaper than SF locally
    ],
)
def test_the_presets_follow_the_rules(province: str, priority: str, expected: str) -> None:
    assert choose_carrier(PRESETS, cn(province), priority, 1500, POLICY).carrier.code == expected


def test_without_ems_remote_parcels_go_to_the_cheapest_that_covers() -> None:
    no_ems = [replace(c, active=False) if c.code == "EMS" else c for c in PRESETS]
    inner = choose_carrier(no_ems, cn("内蒙古"), "standard", 1000, POLICY)
    assert inner.reason == (
        "remote 内蒙古: preferred EMS is inactive, so cheapest covering — ZTO 标准快递 3 days, "
        "¥10.00"
    )
    # No 通达 carrier goes to 新疆: SF 特惠 is the cheapest left.
    far = choose_carrier(no_ems, cn("新疆"), "standard", 1000, POLICY)
    assert (far.carrier.code, far.service.code, far.cost_fen) == ("SF", "ECONOMY", 1900)


# -- overrides ---------------------------------------------------------------------------------


def test_an_override_is_checked_and_says_so() -> None:
    choice = check_override(PRESETS, cn("广东"), " sf ", None, 1500, POLICY)
    assert (choice.carrier.code, choice.service.code) == ("SF", "ECONOMY")  # its cheapest
    assert choice.reason == "override: SF 特惠 2 days, ¥21.00 to 广东"
    chosen = check_override(PRESETS, cn("广东"), "SF", "standard", 1500, POLICY)
    assert chosen.service.code == "STANDARD" and chosen.reason.startswith("override:")


@pytest.mark.parametrize(
    ("carrier_text", "service_code", "province", "error", "text"),
    [
        ("DHL", None, "广东", Rejected, "unknown carrier 'DHL'; known carriers: SF, ZTO"),
        ("GENERIC", None, "广东", Rejected, "GENERIC is inactive"),
        ("ZTO", None, "新疆", Rejected, "ZTO does not deliver to 新疆"),
        ("SF", "NEXTDAY", "广东", NotFound, "SF has no service 'NEXTDAY'"),
        ("SF", "INTL", "广东", Rejected, "SF INTL does not serve national parcels"),
        ("JD", None, "US", Rejected, "JD does not deliver to US"),
    ],
)
def test_override_refusals(
    carrier_text: str, service_code: str | None, province: str, error: type, text: str
) -> None:
    destination = Destination("US", "", "") if province == "US" else cn(province)
    with pytest.raises(error, match=text):
        check_override(PRESETS, destination, carrier_text, service_code, 1000, POLICY)


def test_an_override_to_a_carrier_without_a_service_for_the_zone() -> None:
    local_only = carrier("LOC", service("S", 1, 300, zones=(LOCAL,)))
    with pytest.raises(Rejected, match="LOC has no service for national parcels"):
        check_override([local_only], cn("广东"), "loc", None, 100, POLICY)


# -- codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["SF", "sf", " Sf ", "yunda", "Ems", "generic", "JD"])
def test_carrier_codes_in_any_case(text: str) -> None:
    assert carrier_code(text) == text.strip().upper()


def test_unknown_carrier_lists_the_known_codes() -> None:
    with pytest.raises(Rejected) as error:
        carrier_code("DHL")
    assert str(error.value) == (
        "unknown carrier 'DHL'; known carriers: SF, ZTO, YTO, STO, YUNDA, EMS, JD, GENERIC"
    )
    assert carrier_code("jt", ["SF", "JT"]) == "JT"
    with pytest.raises(Rejected, match="known carriers: SF$"):
        carrier_code("ZTO", ["SF"])


# -- presets and specs -------------------------------------------------------------------------


def test_presets() -> None:
    assert PRESET_CODES == ("SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD", "GENERIC")
    by_code = {c.code: c for c in PRESETS}
    assert by_code["EMS"].coverage is None and by_code["EMS"].international
    for code in ("ZTO", "YTO", "STO", "YUNDA"):
        assert by_code[code].coverage is not None
        assert not {"新疆", "西藏", "青海"} & by_code[code].coverage
        assert not by_code[code].international
    assert not by_code["GENERIC"].active and not by_code["GENERIC"].tracking
    assert [c.code for c in PRESETS if not c.active] == ["GENERIC"]
    for preset in PRESETS:
        assert preset.name_zh and preset.services
        for item in preset.services:
            assert item.rates and item.speed_days > 0
            assert (INTERNATIONAL in item.rates) <= preset.international
    # Every mainland province has a preset carrier: no parcel is stuck with the defaults.
    for key in PROVINCES:
        choose_carrier(PRESETS, cn(key), "standard", 1000, POLICY)


def test_specs_round_trip_through_json() -> None:
    for preset in PRESETS:
        spec = json.loads(json.dumps(carrier_to_spec(preset), ensure_ascii=False))
        assert carrier_from_spec(spec) == preset


def test_a_minimal_spec_gets_defaults() -> None:
    spec = {
        "code": " jt ",
        "name": "J&T Express",
        "services": [
            {"code": "std", "name": "标准", "speed_days": 3, "rates": {"national": _fen(500, 300)}}
        ],
        "coverage": ["浙江省", "Jiangsu", "上海"],
    }
    parsed = carrier_from_spec(spec)
    assert (parsed.code, parsed.name_zh, parsed.services[0].code) == ("JT", "J&T Express", "STD")
    assert parsed.coverage == frozenset({"浙江", "江苏", "上海"})
    assert (parsed.active, parsed.international, parsed.tracking, parsed.claims) == (
        True,
        False,
        False,
        False,
    )


def _fen(first: int, extra: int) -> dict[str, int]:
    return {"first_kg_fen": first, "extra_kg_fen": extra}


def _spec(**changes: Any) -> dict[str, Any]:
    spec = carrier_to_spec(PRESETS[0])
    spec.update(changes)
    return spec


def _service_spec(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": "S",
        "name": "标快",
        "speed_days": 1,
        "rates": {"local": _fen(1000, 100)},
    }
    item.update(changes)
    return item


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "a carrier must be a JSON object"),
        ({"name": "x"}, 'needs a "code"'),
        (_spec(code="顺丰"), "carrier code '顺丰'"),
        (_spec(colour="red"), "carrier SF: unknown field(s) colour"),
        (_spec(name=""), "carrier SF: name must be non-empty text"),
        (_spec(name="SF\x1b[2J"), "plain text"),
        (_spec(tracking="yes"), "tracking must be true or false"),
        (_spec(coverage="all"), "coverage must be null"),
        (_spec(coverage=["Atlantis"]), "coverage: unknown province 'Atlantis'"),
        (_spec(coverage=["香港"]), "coverage: 香港 is outside the mainland"),
        (_spec(services=[]), "services must be a non-empty list"),
        (_spec(services=["S"]), "each service must be a JSON object"),
        (_spec(services=[_service_spec(code="标")]), "service code '标'"),
        (_spec(services=[_service_spec(), _service_spec()]), "listed twice: S"),
        (_spec(services=[_service_spec(speed_days=0)]), "service S: speed_days must be"),
        (_spec(services=[_service_spec(speed_days=True)]), "speed_days must be"),
        (_spec(services=[_service_spec(rates={})]), "rates must be an object"),
        (_spec(services=[_service_spec(rates={"moon": _fen(1, 1)})]), "unknown zone 'moon'"),
        (_spec(services=[_service_spec(rates={"local": [1000, 100]})]), "rate local must be"),
        (
            _spec(services=[_service_spec(rates={"local": _fen(-1, 100)})]),
            "local.first_kg_fen must be a whole number",
        ),
        (
            _spec(services=[_service_spec(rates={"local": _fen(12.5, 100)})]),
            "local.first_kg_fen must be a whole number",
        ),
        (
            _spec(services=[_service_spec(rates={"local": _fen(1000, 100)})], international=True),
            "an international carrier needs a service with an international rate",
        ),
        (
            _spec(
                services=[_service_spec(rates={"international": _fen(1000, 100)})],
                international=False,
            ),
            "has an international rate but the carrier is not international",
        ),
        (_spec(services=[_service_spec(extra=1)]), "service S: unknown field(s) extra"),
    ],
)
def test_bad_specs_are_rejected_with_the_field(spec: Any, message: str) -> None:
    with pytest.raises(Rejected) as error:
        carrier_from_spec(spec)
    assert message in str(error.value)


# -- properties --------------------------------------------------------------------------------

provinces = st.sampled_from(PROVINCES)


@st.composite
def carriers_strategy(draw: st.DrawFn) -> list[Carrier]:
    result = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        zones = draw(st.sets(st.sampled_from((LOCAL, REGIONAL, NATIONAL, REMOTE)), min_size=1))
        items = tuple(
            Service(
                f"S{n}",
                f"s{n}",
                draw(st.sampled_from((0.5, 1, 1.5, 2, 3, 5))),
                {
                    zone: Rate(
                        draw(st.integers(min_value=0, max_value=3000)),
                        draw(st.integers(min_value=0, max_value=2000)),
                    )
                    for zone in zones
                },
            )
            for n in range(draw(st.integers(min_value=1, max_value=3)))
        )
        coverage = draw(st.none() | st.frozensets(provinces))
        result.append(
            Carrier(
                f"C{index}",
                f"c{index}",
                f"c{index}",
                items,
                coverage,
                False,
                True,
                True,
                draw(st.booleans()),
            )  # fmt: skip
        )
    return result


def _covering(carriers: list[Carrier], destination: Destination, zone: str, weight: int) -> list:
    place = place_of(destination)
    return [
        (c, s, s.cost(zone, weight))
        for c in carriers
        if c.active and c.covers(place)
        for s in c.services
        if s.serves(zone)
    ]


@settings(max_examples=300)
@given(
    carriers=st.one_of(carriers_strategy(), st.just(list(PRESETS))),
    province=provinces,
    priority=st.sampled_from(["rush", "standard", "deferred"]),
    weight=st.integers(min_value=0, max_value=50_000),
    remote=st.frozensets(provinces, max_size=6),
    origin=provinces,
)
def test_the_choice_always_covers_and_is_cheapest_unless_rush_or_remote(
    carriers: list[Carrier],
    province: str,
    priority: str,
    weight: int,
    remote: frozenset[str],
    origin: str,
) -> None:
    policy = CarrierPolicy(origin, remote, "C0")
    destination = cn(province)
    zone = zone_of(place_of(destination), policy)
    options = _covering(carriers, destination, zone, weight)
    if not options:
        with pytest.raises(Rejected):
            choose_carrier(carriers, destination, priority, weight, policy)
        return
    choice = choose_carrier(carriers, destination, priority, weight, policy)
    assert choice.carrier.active and choice.carrier.covers(place_of(destination))
    assert choice.service.serves(zone) and choice.zone == zone
    assert choice.cost_fen == choice.service.cost(zone, weight)
    if priority == "rush":
        assert all(choice.speed_days <= s.speed_days for _c, s, _cost in options)
    elif zone != REMOTE:
        assert all(choice.cost_fen <= cost for _c, _s, cost in options)
    # An override to the chosen carrier and service is always allowed.
    again = check_override(carriers, destination, choice.carrier.code, choice.service.code,
                           weight, policy)  # fmt: skip
    assert again.cost_fen == choice.cost_fen
