"""A count task's stored scope is read in the reader's language, whatever shape it was stored in."""

from __future__ import annotations

import pytest

from core import i18n, words


@pytest.mark.parametrize(
    ("stored", "english", "chinese"),
    [
        ("bins A-01-01:A-01-09", "bins A-01-01:A-01-09", "货位 A-01-01:A-01-09"),
        ("sku SKU-CUP", "SKU SKU-CUP", "SKU SKU-CUP"),
        ("moved 7d", "moved in 7 days", "7 天内动碰"),
        ("abc A 90d", "class A (90 days shipped)", "A 类（按 90 天出库）"),
        ("flagged", "bins flagged by short picks", "缺拣标记的货位"),
        ("something else", "something else", "something else"),
        ("moved soon", "moved soon", "moved soon"),
    ],
)
def test_a_count_scope_in_both_languages(stored: str, english: str, chinese: str) -> None:
    assert words.count_scope(stored) == english
    i18n.set_language("zh_CN")
    try:
        assert words.count_scope(stored) == chinese
    finally:
        i18n.set_language(None)
