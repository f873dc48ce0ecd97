"""The pick screen in Chinese at handheld and bench sizes, as the screen tests read it: the bin
in big type, the banner, and whether the parts a picker reads all fit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Footer, Static

from core import i18n
from tests.tui.test_zh_snapshots import _fully_on_screen, speak_chinese
from tui.widgets.bigtext import BigText

SIZES = [pytest.param((40, 16), id="handheld"), pytest.param((80, 24), id="bench")]


@pytest.fixture(autouse=True)
def in_chinese(floor_db: Path) -> Iterator[None]:
    """The site and this process speak Chinese, for every test of a module that imports it."""
    speak_chinese(floor_db)
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language(None)


def shown_bin(app) -> str:  # type: ignore[no-untyped-def]
    """The bin the screen shows in big type ("" when none)."""
    bins = app.screen.query("#bin").results(BigText)
    return next((widget.text for widget in bins), "")


def banner(app) -> str:  # type: ignore[no-untyped-def]
    """The banner's text."""
    return str(app.screen.query_one("#banner", Static).render())


def assert_fits(app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The bin, the count, the banner and the footer are all on the screen."""
    for selector in ("#bin", "#pick-count", "#banner"):
        assert _fully_on_screen(app.screen.query_one(selector), size), selector
    assert _fully_on_screen(app.screen.query_one(Footer), size)
