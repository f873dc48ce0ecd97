"""Times, countdowns and codes as people read them, in English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core import i18n, timefmt, words

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language(None)


@pytest.fixture
def berlin() -> Iterator[None]:
    timefmt.set_site_zone("Europe/Berlin")
    try:
        yield
    finally:
        timefmt.set_site_zone(None)


@pytest.mark.parametrize(
    ("left", "english", "chinese_text"),
    [
        (timedelta(hours=3, minutes=5), "3h05m left", "剩 3小时05分"),
        (timedelta(minutes=-12), "12m overdue", "超时 12分"),
        (timedelta(days=2, hours=3), "2d03h left", "剩 2天03小时"),
        (timedelta(seconds=40), "40s left", "剩 40秒"),
    ],
)
def test_countdowns_read_in_both_languages(
    left: timedelta, english: str, chinese_text: str
) -> None:
    assert timefmt.remaining(T0 + left, T0) == english
    i18n.set_language("zh_CN")
    try:
        assert timefmt.remaining(T0 + left, T0) == chinese_text
    finally:
        i18n.set_language(None)


def test_a_tables_countdown_is_short_and_says_overdue(chinese: None) -> None:
    assert timefmt.remaining_short(T0 + timedelta(hours=1, minutes=2), T0) == "1小时02分"
    assert timefmt.remaining_short(T0 - timedelta(minutes=12), T0) == "超时12分"


def test_times_are_china_time_unless_the_site_says_otherwise() -> None:
    assert timefmt.clock(T0) == "14:00"
    assert timefmt.stamp(T0) == "2026-11-21 14:00"
    assert timefmt.clock(T0 + timedelta(hours=12), T0) == "11-22 02:00"
    assert timefmt.stamp(datetime(2026, 11, 21, 6, 0)) == "2026-11-21 14:00"  # naive is UTC


def test_a_site_elsewhere_reads_its_own_time(berlin: None) -> None:
    assert timefmt.stamp(T0) == "2026-11-21 07:00"


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        timefmt.zone_named("Mars/Olympus_Mons")


def test_money_reads_in_yuan() -> None:
    assert timefmt.money(2300) == "¥23.00"
    assert timefmt.money(5) == "¥0.05"


def test_codes_are_words_in_the_readers_language(chinese: None) -> None:
    assert words.order_status("backordered") == "缺货待发"
    assert words.order_status("on_hold") == "挂起"
    assert words.priority("rush") == "加急"
    assert words.priority("deferred") == "延后"
    assert words.verdict("wrong_item") == "错货"
    assert words.role("packer") == "打包员"
    assert words.problem("unpaid") == "未付款"
    assert words.print_job("done") == "已打印"
    assert words.order_status("something_new") == "something_new"


def test_codes_are_plain_english_words_in_english() -> None:
    assert words.order_status("on_hold") == "on hold"
    assert words.verdict("over_pick") == "over-pick"
    assert words.priority("standard") == "standard"
