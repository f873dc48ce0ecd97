"""Orders for the supervisor: filtered and searched, read from the database one page at a time;
and one order in detail (lines, scans, audit trail, shipments, labels) with its actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static, TabbedContent, TabPane

from core import timefmt, words
from core.i18n import N_, _
from core.model import CANCELLABLE, OrderStatus, Priority
from core.oversight import (
    ORDER_LINES_PAGE,
    OrderDetail,
    OrderGroup,
    OrderPage,
    OrderQuery,
    OrderRow,
    PageRequest,
)
from tui.screens import tracking
from tui.screens.dialogs import ReasonDialog, ReassignDialog
from tui.screens.supervise import SupervisorScreen
from tui.text import plain, shown
from tui.widgets.cells import Row, cursor_key, left, short_clock, sync_rows
from tui.widgets.devicebar import DeviceBar
from tui.widgets.tabs import SteadyTabs

#: Orders on one page (the table never holds more).
PAGE_SIZE = 50
#: Typing in the search field waits this long for the next key before it searches.
SEARCH_DELAY_S = 0.3
#: From this terminal width on, the orders table shows channel, phone, city and lines too.
WIDE_COLUMNS = 100


#: Filter fields the channel list sets together (a channel, its shop, a class, a category).
_GROUP_FIELDS = ("channel", "shop", "customer_class", "category")


class OrdersScreen(SupervisorScreen):
    """All orders, most urgent first, 50 at a time."""

    SECTION = "orders"
    #: A filtered page of all orders can take 0.2 s to read beside a long history: on a busy
    #: floor it is read again at most once a second.
    MIN_RELOAD_S = 1.0
    BINDINGS = [
        Binding("slash", "search", N_("Search")),
        Binding("n", "next_page", N_("Next page")),
        Binding("p", "previous_page", N_("Prev page")),
        Binding("g", "first_page", N_("First page"), show=False),
        Binding("G", "last_page", N_("Last page"), show=False),
        Binding("o", "open", N_("Open")),
        Binding("f", "clear_filters", N_("No filter")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order_query = OrderQuery()
        self.request = PageRequest(PAGE_SIZE)
        self.page: OrderPage | None = None
        self._search_timer: Timer | None = None
        self.wide = False
        #: The channel list's values → the filter fields each sets.
        self._group_filters: dict[str, dict[str, str | None]] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="orders"):
            with Horizontal(id="orders-filters"):
                yield Input(placeholder=_("/ order no, name, phone"), id="orders-search")
                yield Select(
                    [(words.order_status(status), status.value) for status in OrderStatus],
                    prompt=_("any status"),
                    id="orders-status",
                )
                yield Select(
                    [(words.priority(priority), priority.value) for priority in Priority],
                    prompt=_("any priority"),
                    id="orders-priority",
                )
                yield Select([], prompt=_("any channel"), id="orders-channel")
            yield DataTable(id="orders-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="orders-pager")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.wide = self.app.size.width >= WIDE_COLUMNS
        table = self.query_one("#orders-table", DataTable)
        columns = [
            ("order", _("Order")),
            ("status", _("Status")),
            ("priority", _("Priority")),
            ("channel", _("Channel")),
            ("customer", _("Customer")),
            ("phone", _("Phone")),
            ("city", _("City")),
            ("due", _("Due")),
            ("left", _("Left")),
            ("lines", _("Lines")),
            ("units", _("Picked")),
        ]
        for key, label in columns:
            if self.wide or key not in ("channel", "phone", "city", "lines"):
                table.add_column(label, key=key)
        table.focus()
        self.run_floor(self.oversight.order_groups, self.operator, then=self._groups)

    def _groups(self, groups: tuple[OrderGroup, ...]) -> None:
        """The channel list filters by channel, a channel's shop, customer class or category."""
        self._group_filters = {}
        options = []
        for number, group in enumerate(groups):
            # a channel's value is its name; the other groups are numbered
            value = group.channel if group.kind == "channel" else f"#{number}"
            self._group_filters[value] = {
                "channel": group.channel or None,
                "shop": group.key if group.kind == "shop" else None,
                "customer_class": group.key if group.kind == "customer_class" else None,
                "category": group.key if group.kind == "category" else None,
            }
            if group.kind == "channel":
                label = plain(group.channel)
            elif group.kind == "shop":
                label = _("{channel} · {shop}").format(
                    channel=plain(group.channel), shop=plain(group.key)
                )
            elif group.kind == "customer_class":
                label = words.customer_class(group.key)
            else:
                label = _("category: {name}").format(name=plain(group.key))
            options.append((label, value))
        self.query_one("#orders-channel", Select).set_options(options)

    # -- reading --------------------------------------------------------------------------------

    def fetch(self) -> Callable[[], tuple[OrderQuery, PageRequest, OrderPage]]:
        query, request, operator = self.order_query, self.request, self.operator
        orders = self.oversight.orders

        def read() -> tuple[OrderQuery, PageRequest, OrderPage]:
            return query, request, orders(operator, query, request)

        return read

    def show(self, data: tuple[OrderQuery, PageRequest, OrderPage]) -> None:
        query, request, page = data
        if query is not self.order_query or request is not self.request:
            return  # the filter or the page changed meanwhile: that read follows
        self.page = page
        # Redrawing after a change reads the same page again: from its first row on.
        self.request = PageRequest(PAGE_SIZE, at=page.first_key)
        sync_rows(self.query_one("#orders-table", DataTable), [self._row(r) for r in page.rows])
        if page.total:
            pager = _("rows {first}–{last} of {total}  ·  page {page} of {pages}").format(
                first=f"{page.start + 1:,}",
                last=f"{page.start + len(page.rows):,}",
                total=f"{page.total:,}",
                page=f"{page.start // PAGE_SIZE + 1:,}",
                pages=f"{(page.total + PAGE_SIZE - 1) // PAGE_SIZE:,}",
            )
        else:
            pager = _("no orders match")
        self.query_one("#orders-pager", Static).update(pager)

    def _row(self, order: OrderRow) -> Row:
        now = self.floor.now()
        open_order = order.status in CANCELLABLE  # not yet left the building
        cells: dict[str, Any] = {
            "order": plain(order.order_no),
            "status": words.order_status(order.status),
            "priority": shown(
                words.priority(order.priority), style="bold" if order.priority == "rush" else ""
            ),
            "channel": plain(order.channel),
            "customer": plain(order.customer_name, limit=self.cap(10)),
            "phone": plain(order.phone),
            "city": plain(order.city, limit=self.cap(8)),
            "due": short_clock(order.due_at, now),
            "left": left(order.due_at, now) if open_order else Text(""),
            "lines": str(order.lines),
            "units": f"{order.picked}/{order.units}",
        }
        table = self.query_one("#orders-table", DataTable)
        return order.order_no, [cells[str(key.value)] for key in table.columns]

    # -- filters --------------------------------------------------------------------------------

    def _apply(self, **changes: Any) -> None:
        values = {
            "status": self.order_query.status,
            "priority": self.order_query.priority,
            "channel": self.order_query.channel,
            "text": self.order_query.text,
            "shop": self.order_query.shop,
            "customer_class": self.order_query.customer_class,
            "category": self.order_query.category,
        }
        values.update(changes)
        self.order_query = OrderQuery(**values)
        self.request = PageRequest(PAGE_SIZE)
        self.reload()

    @on(Select.Changed)
    def _filter_chosen(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        if event.select.id == "orders-channel":
            group = self._group_filters.get(value or "", dict.fromkeys(_GROUP_FIELDS))
            if any(getattr(self.order_query, k) != v for k, v in group.items()):
                self._apply(**group)
            return
        field = {
            "orders-status": "status",
            "orders-priority": "priority",
            "orders-channel": "channel",
        }.get(event.select.id or "")
        if field is not None and getattr(self.order_query, field) != value:
            self._apply(**{field: value})

    @on(Input.Changed, "#orders-search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        text = event.value
        self._search_timer = self.set_timer(SEARCH_DELAY_S, lambda: self._search(text))

    def _search(self, text: str) -> None:
        if text.strip() != self.order_query.text:
            self._apply(text=text.strip())

    @on(Input.Submitted, "#orders-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search(event.value)
        self.query_one("#orders-table", DataTable).focus()

    def action_search(self) -> None:
        """Type a search (order number, name or phone)."""
        self.query_one("#orders-search", Input).focus()

    def action_clear_filters(self) -> None:
        """Show all orders again."""
        self.query_one("#orders-search", Input).value = ""
        for selector in ("#orders-status", "#orders-priority", "#orders-channel"):
            self.query_one(selector, Select).clear()
        self._apply(status=None, priority=None, text="", **dict.fromkeys(_GROUP_FIELDS))

    def action_leave(self) -> None:
        """Esc in a filter goes back to the table; on the table, back home."""
        table = self.query_one("#orders-table", DataTable)
        if self.focused is not table:
            table.focus()
            return
        super().action_leave()

    # -- pages ----------------------------------------------------------------------------------

    def action_next_page(self) -> None:
        """The next 50 orders."""
        if self.page is not None and self.page.has_next:
            self.request = PageRequest(PAGE_SIZE, after=self.page.last_key)
            self.reload()

    def action_previous_page(self) -> None:
        """The 50 orders before."""
        if self.page is not None and self.page.has_previous:
            self.request = PageRequest(PAGE_SIZE, before=self.page.first_key)
            self.reload()

    def action_first_page(self) -> None:
        """The most urgent orders."""
        self.request = PageRequest(PAGE_SIZE)
        self.reload()

    def action_last_page(self) -> None:
        """The least urgent orders."""
        self.request = PageRequest(PAGE_SIZE, last=True)
        self.reload()

    # -- one order ------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#orders-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(OrderDetailScreen(event.row_key.value))

    def action_open(self) -> None:
        """Open the order under the cursor."""
        key = cursor_key(self.query_one("#orders-table", DataTable))
        if key is not None:
            self.app.push_screen(OrderDetailScreen(key))


_TABS = ("od-lines", "od-scans", "od-audit", "od-shipments", "od-tracking", "od-labels")


class OrderDetailScreen(SupervisorScreen):
    """One order: what it is, where it stands, what happened to it; release, cancel,
    reassign its list, reprint or retry its label."""

    SECTION = "orders"
    BINDINGS = [
        Binding("escape", "leave", N_("Back")),
        Binding("r", "release", N_("Release")),
        Binding("c", "cancel_order", N_("Cancel order")),
        Binding("a", "reassign", N_("Reassign list")),
        Binding("p", "reprint", N_("Reprint label")),
        Binding("t", "retry", N_("Retry label")),
        Binding("s", "split", N_("Split")),
        Binding("m", "merge(1)", N_("Merge")),
        Binding("x", "merge(0)", N_("Keep apart")),
        Binding("n", "lines_page(1)", N_("More lines")),
        Binding("b", "lines_page(-1)", N_("Earlier lines")),
        Binding("left", "tab(-1)", N_("Tabs"), priority=True, key_display="←→"),
        Binding("right", "tab(1)", N_("Tab"), priority=True, show=False),
    ]

    def __init__(self, order_no: str) -> None:
        super().__init__()
        self.order_no = order_no
        self.detail: OrderDetail | None = None
        #: The first line shown: a long order's lines are read and drawn a page at a time.
        self.lines_from = 0

    def compose(self) -> ComposeResult:
        yield DeviceBar()
        with Vertical(id="order-detail"):
            yield Static("", id="od-head")
            yield Static("", id="od-info")
            with SteadyTabs(id="od-tabs"):
                with TabPane(_("Lines"), id="od-lines"):
                    yield Static("", id="od-lines-pager")
                    yield DataTable(id="od-lines-table", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Scans"), id="od-scans"):
                    yield DataTable(id="od-scans-table", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Audit"), id="od-audit"):
                    yield DataTable(id="od-audit-table", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Shipments"), id="od-shipments"):
                    yield DataTable(id="od-shipments-table", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Tracking"), id="od-tracking"):
                    yield DataTable(id="od-tracking-table", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Labels"), id="od-labels"):
                    yield DataTable(id="od-labels-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        columns = {
            "od-lines-table": (
                _("#"),
                _("SKU"),
                _("Name"),
                _("Qty"),
                _("Reserved"),
                _("Picked"),
                _("Short"),
                _("Packed"),
            ),
            "od-scans-table": (
                _("At"),
                _("User"),
                _("Station"),
                _("Task"),
                _("Code"),
                _("Verdict"),
                _("Message"),
            ),
            "od-audit-table": (_("At"), _("User"), _("Station"), _("Action"), _("Detail")),
            "od-shipments-table": (
                _("Shipment"),
                _("Status"),
                _("Carrier"),
                _("Pkg"),
                _("Waybill"),
                _("Weight g"),
                _("Packed by"),
                _("Shipped"),
            ),
            "od-labels-table": (
                _("Job"),
                _("Status"),
                _("Station"),
                _("Kind"),
                _("Tries"),
                _("Created"),
                _("By"),
                _("Error"),
            ),
        }
        for table_id, labels in columns.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for label in labels:
                table.add_column(label)
        tracking.add_event_columns(self.query_one("#od-tracking-table", DataTable))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the actions that make sense for this order are offered; sections are not
        switched from here (Esc goes back to the list)."""
        if action == "goto":
            return False
        detail = self.detail
        if action == "lines_page":
            if detail is None:
                return False
            if parameters and parameters[0] == 1:
                return detail.lines_from + ORDER_LINES_PAGE < detail.line_count
            return detail.lines_from > 0
        if action in ("release", "cancel_order", "reassign", "reprint", "retry", "split", "merge"):
            if detail is None:
                return False
            if action == "split":
                return detail.status is OrderStatus.BACKORDERED
            if action == "merge":
                return detail.merge_proposal is not None
            if action == "release":
                return detail.status is OrderStatus.ON_HOLD
            if action == "cancel_order":
                return detail.status in CANCELLABLE
            if action == "reassign":
                return detail.picklist_id is not None and detail.status in (
                    OrderStatus.ALLOCATED,
                    OrderStatus.PICKING,
                )
            if action == "reprint":
                return bool(detail.labels)
            if action == "retry":
                return any(job.status in ("failed", "uncertain") for job in detail.labels)
        return True

    def fetch(self) -> Callable[[], OrderDetail]:
        return partial(self.oversight.order, self.operator, self.order_no, self.lines_from)

    def show(self, data: OrderDetail) -> None:
        self.detail = data
        now = self.floor.now()
        open_order = data.status in CANCELLABLE  # not yet left the building
        left = timefmt.remaining(data.due_at, now) if open_order else ""
        head = Text.assemble(
            plain(data.order_no, "bold"),
            f" · {words.order_status(data.status)} · {words.priority(data.priority)} · ",
            plain(data.channel),
            "   " + _("due {due}").format(due=short_clock(data.due_at, now)),
        )
        if left:
            head.append_text(shown(f" ({left})", "bold red" if data.due_at < now else ""))
        self.query_one("#od-head", Static).update(head)
        info = [
            f"{data.customer_name}  {data.phone}  {data.address}",
            _("placed {placed} · imported {imported} · shipped {shipped}").format(
                placed=short_clock(data.placed_at, now),
                imported=short_clock(data.imported_at, now),
                shipped=short_clock(data.shipped_at, now),
            ),
        ]
        work = []
        if data.picklist:
            work.append(
                _("list {code} ({picker})").format(
                    code=data.picklist, picker=data.picker or _("nobody yet")
                )
            )
        if data.packer:
            work.append(_("packer {packer}").format(packer=data.packer))
        if work:
            info.append(" · ".join(work))
        for problem in data.problems:
            info.append(_("on hold: {detail}").format(detail=problem.detail))
        if data.exception_reason:
            info.append(_("exception: {reason}").format(reason=data.exception_reason))
        if data.cancel_reason:
            info.append(_("cancelled: {reason}").format(reason=data.cancel_reason))
        if data.merged_into:
            info.append(_("merged into {order_no}").format(order_no=data.merged_into))
        if data.split_from:
            info.append(_("part of {order_no}").format(order_no=data.split_from))
        if data.merge_with:
            info.append(
                _("merge proposed with {others}: m merge, x keep apart").format(
                    others=", ".join(data.merge_with)
                )
            )
        self.query_one("#od-info", Static).update(Text("\n").join(plain(line) for line in info))
        self._fill(data)
        self.refresh_bindings()

    def _fill(self, data: OrderDetail) -> None:
        now = self.floor.now()
        pager = self.query_one("#od-lines-pager", Static)
        pager.display = data.line_count > ORDER_LINES_PAGE
        if pager.display:
            pager.update(
                _("lines {first}–{last} of {count} · n more · b earlier").format(
                    first=data.lines_from + 1,
                    last=data.lines_from + len(data.lines),
                    count=data.line_count,
                )
            )
        sync_rows(
            self.query_one("#od-lines-table", DataTable),
            [
                (
                    str(line.line_no),
                    [
                        str(line.line_no),
                        plain(line.sku),
                        plain(line.name),
                        str(line.qty),
                        str(line.reserved),
                        str(line.picked),
                        shown(str(line.short), style="bold red" if line.short else ""),
                        str(line.packed),
                    ],
                )
                for line in data.lines
            ],
        )
        sync_rows(
            self.query_one("#od-scans-table", DataTable),
            [
                (
                    str(number),
                    [
                        short_clock(scan.at, now),
                        plain(scan.user),
                        plain(scan.station),
                        scan.task,
                        plain(scan.code),
                        shown(scan.verdict, style="" if scan.verdict == "ok" else "bold red"),
                        plain(scan.message),
                    ],
                )
                for number, scan in enumerate(data.scans)
            ],
        )
        sync_rows(
            self.query_one("#od-audit-table", DataTable),
            [
                (
                    str(number),
                    [
                        short_clock(entry.at, now),
                        plain(entry.user),
                        plain(entry.station),
                        plain(entry.action),
                        plain(entry.detail if entry.detail != "{}" else ""),
                    ],
                )
                for number, entry in enumerate(data.audit)
            ],
        )
        shipments: list[Row] = []
        for shipment in data.shipments:
            for package in shipment.packages or ():
                shipments.append(
                    (
                        f"{shipment.id}/{package.seq}",
                        [
                            f"{shipment.id}",
                            shipment.status,
                            plain(f"{shipment.carrier} {shipment.service}"),
                            f"{package.seq}/{len(shipment.packages)}",
                            plain(package.waybill_no),
                            str(shipment.weight_g),
                            plain(shipment.packed_by or ""),
                            short_clock(shipment.shipped_at, now),
                        ],
                    )
                )
        sync_rows(self.query_one("#od-shipments-table", DataTable), shipments)
        sync_rows(
            self.query_one("#od-tracking-table", DataTable), tracking.event_rows(data.events, now)
        )
        sync_rows(
            self.query_one("#od-labels-table", DataTable),
            [
                (
                    str(job.id),
                    [
                        str(job.id) + (f" ↺{job.reprint_of}" if job.reprint_of else ""),
                        shown(
                            job.status,
                            style="bold red" if job.status in ("failed", "uncertain") else "",
                        ),
                        plain(job.station),
                        job.kind,
                        str(job.attempts),
                        short_clock(job.created_at, now),
                        plain(job.created_by),
                        plain(job.last_error),
                    ],
                )
                for job in data.labels
            ],
        )

    # -- actions --------------------------------------------------------------------------------

    def action_lines_page(self, step: int) -> None:
        """The next or previous page of the order's lines."""
        if self.detail is None:
            return
        self.lines_from = max(0, self.lines_from + step * ORDER_LINES_PAGE)
        self.reload()

    def action_tab(self, step: int) -> None:
        """The next or previous tab."""
        tabs = self.query_one("#od-tabs", TabbedContent)
        index = _TABS.index(tabs.active) if tabs.active in _TABS else 0
        tabs.active = _TABS[(index + step) % len(_TABS)]

    def action_release(self) -> None:
        """Release the hold, saying why."""

        def confirmed(note: str | None) -> None:
            if note:
                self.act(
                    self.oversight.release_hold,
                    self.operator,
                    self.order_no,
                    note,
                    done=_("{order_no} released").format(order_no=self.order_no),
                )

        self.app.push_screen(
            ReasonDialog(
                _("Release {order_no}?").format(order_no=self.order_no),
                _("Its payment and address problems are accepted; then it is allocated."),
            ),
            confirmed,
        )

    def action_split(self) -> None:
        """Ship what is in stock of a backordered order; the rest waits as an order of its own."""

        def confirmed(reason: str | None) -> None:
            if reason:
                self.act(
                    self.oversight.split_order,
                    self.operator,
                    self.order_no,
                    reason,
                    done=_("{order_no} split: what is in stock ships").format(
                        order_no=self.order_no
                    ),
                )

        self.app.push_screen(
            ReasonDialog(
                _("Split {order_no}?").format(order_no=self.order_no),
                _("What is in stock ships now; the rest waits as an order of its own."),
            ),
            confirmed,
        )

    def action_merge(self, accept: int) -> None:
        """Accept the merge proposed for this order, or keep the orders apart, saying why."""
        detail = self.detail
        if detail is None or detail.merge_proposal is None:
            return
        merge_id, others = detail.merge_proposal, ", ".join(detail.merge_with)

        def confirmed(reason: str | None) -> None:
            if reason:
                self.act(
                    self.oversight.decide_merge,
                    self.operator,
                    merge_id,
                    bool(accept),
                    reason,
                    done=(
                        _("{order_no} merged with {others}")
                        if accept
                        else _("{order_no} ships apart from {others}")
                    ).format(order_no=self.order_no, others=others),
                )

        title = _("Merge {order_no} with {others}?") if accept else _("Keep {order_no} apart?")
        self.app.push_screen(
            ReasonDialog(
                title.format(order_no=self.order_no, others=others),
                _("One parcel and one waybill for the same buyer and address.")
                if accept
                else _("Each order ships in a parcel of its own; it is not proposed again."),
            ),
            confirmed,
        )

    def action_cancel_order(self) -> None:
        """Cancel the order, saying why."""
        cancel_dialog(self, self.order_no)

    def action_reassign(self) -> None:
        """Give the order's pick list to another picker."""
        detail = self.detail
        if detail is not None and detail.picklist_id is not None and detail.picklist:
            reassign_dialog(self, detail.picklist_id, detail.picklist, detail.picker)

    def _label(self) -> int | None:
        """The label job under the cursor on the Labels tab, else the newest one."""
        detail = self.detail
        if detail is None or not detail.labels:
            return None
        tabs = self.query_one("#od-tabs", TabbedContent)
        if tabs.active == "od-labels":
            key = cursor_key(self.query_one("#od-labels-table", DataTable))
            if key is not None:
                return int(key)
        return detail.labels[-1].id

    def action_reprint(self) -> None:
        """Print the label again (a new job), saying why."""
        job = self._label()
        if job is not None:
            reprint_dialog(self, job)

    def action_retry(self) -> None:
        """Send a failed or uncertain label job again."""
        detail = self.detail
        if detail is None:
            return
        job = self._label()
        stuck = [j.id for j in detail.labels if j.status in ("failed", "uncertain")]
        if job not in stuck and stuck:
            job = stuck[-1]
        if job is not None:
            self.act(
                self.oversight.retry_label,
                self.operator,
                job,
                done=_("label job {job} queued again").format(job=job),
            )


# --------------------------------------------------------------------------- shared actions


def cancel_dialog(screen: SupervisorScreen, order_no: str) -> None:
    """Ask why, then cancel the order."""

    def confirmed(reason: str | None) -> None:
        if reason:
            screen.act(
                screen.oversight.cancel_order,
                screen.operator,
                order_no,
                reason,
                done=_("{order_no} cancelled").format(order_no=order_no),
            )

    screen.app.push_screen(
        ReasonDialog(
            _("Cancel {order_no}?").format(order_no=order_no),
            _("Its stock is freed; units already picked get a put-away task."),
        ),
        confirmed,
    )


def reassign_dialog(
    screen: SupervisorScreen, picklist_id: int, code: str, current: str | None
) -> None:
    """Ask to whom and why, then reassign the list."""

    def chosen(choice: tuple[str, str] | None) -> None:
        if choice:
            picker, reason = choice
            screen.act(
                screen.oversight.reassign_list,
                screen.operator,
                picklist_id,
                picker,
                reason,
                done=_("{code} is now {picker}'s").format(code=code, picker=picker),
            )

    def ask(pickers: tuple[str, ...]) -> None:
        screen.app.push_screen(ReassignDialog(code, current, pickers), chosen)

    screen.run_floor(screen.oversight.pickers, screen.operator, then=ask)


def reprint_dialog(screen: SupervisorScreen, job_id: int) -> None:
    """Ask why, then queue the label again as a new job."""

    def confirmed(reason: str | None) -> None:
        if reason:
            screen.act(
                screen.oversight.reprint_label,
                screen.operator,
                job_id,
                reason,
                done=_("label job {job} printed again").format(job=job_id),
            )

    screen.app.push_screen(
        ReasonDialog(
            _("Reprint label job {job}?").format(job=job_id),
            _("A new print job repeats it at the same station."),
        ),
        confirmed,
    )
