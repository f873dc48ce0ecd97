"""The supervisor's merge and split actions on the order detail, in Chinese at 80x24 and on a
40x16 handheld: a proposed merge accepted or refused, a backordered order split."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from core import i18n
from data import catalog, merging, orders, settings, users, waves
from data.store import open_store
from tests.data.builders import ADMIN, new_store, order_rows, orders_csv, product, products_csv
from tests.tui.conftest import wait_until
from tests.tui.supervision import open_section, read_done, supervisor_app, text_of
from tui.screens.dialogs import ReasonDialog
from tui.screens.orders import OrderDetailScreen

SIZES = [pytest.param((40, 16), id="handheld"), pytest.param((80, 24), id="office")]


@pytest.fixture
def merge_db(tmp_path: Path) -> Path:
    """P-1 and P-2 of one buyer proposed for merging; B-1 backordered, partly in stock."""
    path = tmp_path / "w.db"
    store = new_store(path)
    catalog.import_products(
        store, ADMIN, products_csv([product("SKU-A", 10), product("SKU-B", 1)]), "p.csv"
    )
    with store.write(ADMIN) as write:
        settings.put(write, "merge.mode", "propose")
        settings.put(write, "ui.language", "zh_CN")
    orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows("P-1", [("SKU-A", 1)]),
            order_rows("P-2", [("SKU-A", 2)]),
            order_rows("B-1", [("SKU-A", 1), ("SKU-B", 3)], customer_name="李雷"),
        ),
        "o.csv",
    )
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=4)
    users.add_user(store, ADMIN, "zhao.min", "supervisor", "1234")
    store.close()
    return path


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language(None)


def on_screen(widget: object, size: tuple[int, int]) -> bool:
    region = widget.region  # type: ignore[attr-defined]
    return region.width > 0 and region.right <= size[0] and region.bottom <= size[1]


async def detail_of(pilot, order_no: str) -> OrderDetailScreen:  # noqa: ANN001
    await open_section(pilot, "orders")
    screen = OrderDetailScreen(order_no)
    pilot.app.push_screen(screen)
    await read_done(pilot)
    return screen


async def confirm_reason(pilot, size: tuple[int, int], text: str) -> None:  # noqa: ANN001
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog))
    dialog = pilot.app.screen
    field = dialog.query_one("#reason", Input)
    await wait_until(pilot, lambda: on_screen(field, size))  # laid out, and within the screen
    field.value = text
    field.focus()
    await wait_until(pilot, lambda: field.has_focus)
    await pilot.press("enter")


@pytest.mark.parametrize("size", SIZES)
async def test_a_proposed_merge_is_accepted_from_the_order(
    merge_db: Path, size: tuple[int, int]
) -> None:
    app = supervisor_app(merge_db)
    async with app.run_test(size=size) as pilot:
        screen = await detail_of(pilot, "P-2")
        await wait_until(pilot, lambda: "m" in screen.active_bindings)
        assert "s" not in screen.active_bindings  # not backordered
        assert "P-1" in text_of(screen, "#od-info")
        if size == (80, 24):
            await wait_until(
                pilot,
                lambda: (
                    {"m", "x"} <= {k.key for k in screen.query(FooterKey) if on_screen(k, size)}
                ),
            )
        await pilot.press("m")
        await confirm_reason(pilot, size, "同一地址")
        await wait_until(
            pilot,
            lambda: (
                "P-1" in text_of(screen, "#od-info")
                and screen.detail is not None
                and screen.detail.status.value == "merged"
            ),
        )
    store = open_store(merge_db)
    assert store.scalar("SELECT merged_into FROM orders WHERE order_no = 'P-2'") == "P-1"
    (logged,) = merging.list_merges(store)
    assert (logged["status"], logged["reason"], logged["decided_by"]) == (
        "merged",
        "同一地址",
        "zhao.min",
    )


async def test_a_proposed_merge_is_refused_from_the_order(merge_db: Path) -> None:
    app = supervisor_app(merge_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await detail_of(pilot, "P-1")
        await wait_until(pilot, lambda: "x" in screen.active_bindings)
        await pilot.press("x")
        await confirm_reason(pilot, (80, 24), "两位不同的收件人")
        await wait_until(pilot, lambda: "x" not in screen.active_bindings)
    store = open_store(merge_db)
    (logged,) = merging.list_merges(store)
    assert (logged["status"], logged["reason"]) == ("refused", "两位不同的收件人")
    assert {orders.show_order(store, n)["status"] for n in ("P-1", "P-2")} == {"allocated"}


@pytest.mark.parametrize("size", SIZES)
async def test_a_backordered_order_is_split_from_the_order(
    merge_db: Path, size: tuple[int, int]
) -> None:
    app = supervisor_app(merge_db)
    async with app.run_test(size=size) as pilot:
        screen = await detail_of(pilot, "B-1")
        await wait_until(pilot, lambda: "s" in screen.active_bindings)
        await pilot.press("s")
        await confirm_reason(pilot, size, "先发有货的")
        await wait_until(pilot, lambda: "s" not in screen.active_bindings)
    store = open_store(merge_db)
    assert orders.show_order(store, "B-1")["status"] == "allocated"
    rest = orders.show_order(store, "B-1-2")
    assert rest["status"] == "backordered"
    assert [(line["sku"], line["qty"]) for line in rest["lines"]] == [("SKU-B", 2)]
