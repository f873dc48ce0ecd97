"""Low stock (free stock below safety stock) and the orders waiting for stock."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from core import words
from core.i18n import N_, _
from core.oversight import StockView
from tui.screens.supervise import SupervisorScreen
from tui.text import plain, shown
from tui.widgets.cells import Row, cursor_key, left, short_clock, sync_rows


class StockScreen(SupervisorScreen):
    """Two lists: products to replenish, orders they hold up."""

    SECTION = "stock"
    BINDINGS = [Binding("o", "open", N_("Open order"))]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="stock"):
            yield Static("", id="stock-low-title", classes="section-title")
            yield DataTable(id="stock-low", cursor_type="row", zebra_stripes=True)
            yield Static("", id="stock-back-title", classes="section-title")
            yield DataTable(id="stock-back", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        low = self.query_one("#stock-low", DataTable)
        for label in (
            _("SKU"),
            _("Name"),
            _("Bin"),
            _("On hand"),
            _("Reserved"),
            _("Free"),
            _("Safety"),
            _("Backordered"),
        ):
            low.add_column(label)
        back = self.query_one("#stock-back", DataTable)
        for label in (_("Order"), _("Priority"), _("Due"), _("Left"), _("Customer"), _("Missing")):
            back.add_column(label)
        self.query_one("#stock-back", DataTable).focus()

    def fetch(self) -> Callable[[], StockView]:
        return partial(self.oversight.stock, self.operator)

    def show(self, data: StockView) -> None:
        now = self.floor.now()
        self.query_one("#stock-low-title", Static).update(
            _("Low stock: free below safety stock ({n})").format(n=len(data.low))
        )
        self.query_one("#stock-back-title", Static).update(
            _("Backorders: waiting for stock ({n})").format(n=len(data.backorders))
        )
        low: list[Row] = [
            (
                product.sku,
                [
                    plain(product.sku),
                    plain(product.name, limit=self.cap(16)),
                    plain(product.location),
                    str(product.on_hand),
                    str(product.reserved),
                    shown(str(product.free), style="bold red" if product.free <= 0 else "bold"),
                    str(product.safety_stock),
                    str(product.waiting) if product.waiting else "",
                ],
            )
            for product in data.low
        ]
        back: list[Row] = []
        for order in data.backorders:
            missing = ", ".join(
                _("{sku} ×{needed} ({free} free)").format(
                    sku=item.sku, needed=item.needed, free=item.free
                )
                for item in order.missing
            )
            back.append(
                (
                    order.order_no,
                    [
                        plain(order.order_no),
                        words.priority(order.priority),
                        short_clock(order.due_at, now),
                        left(order.due_at, now),
                        plain(order.customer_name, limit=self.cap(10)),
                        plain(missing or _("stock covers it now"), limit=self.cap(24)),
                    ],
                )
            )
        sync_rows(self.query_one("#stock-low", DataTable), low)
        sync_rows(self.query_one("#stock-back", DataTable), back)

    def action_open(self) -> None:
        """Open the backordered order under the cursor."""
        key = cursor_key(self.query_one("#stock-back", DataTable))
        if key is not None:
            from tui.screens.orders import OrderDetailScreen

            self.app.push_screen(OrderDetailScreen(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "stock-back":
            self.action_open()
