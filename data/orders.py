"""Orders: import with review and allocation, release of holds, cancellation, listings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core import stock as stock_rules
from core import words
from core.allocation import Stock, allocate
from core.clock import from_iso, to_iso
from core.customers import CustomerClass, classify, customer_key
from core.errors import NotFound, Rejected, StoreFault
from core.i18n import _
from core.importing import read_orders
from core.lifecycle import cancellable, transition
from core.model import (
    ImportReport,
    OrderDraft,
    OrderStatus,
    Priority,
    Rejection,
    Skipped,
    Withdrawn,
)
from core.notices import from_stored, stored_parts
from core.review import WAIVABLE, ReviewInput, review
from core.roles import Permission
from core.sla import SlaPolicy, due_at
from data import settings
from data.catalog import Progress, chunks, source_of
from data.shipments import order_shipment
from data.status import set_order_status
from data.stock import release_order as release_stock
from data.stock import rows_of
from data.store import Actor, Store, Write

#: Orders per transaction of an import. Each commit writes back every page the chunk
#: touched (the orders' and lines' indexes, the products reserved), so larger chunks commit
#: less per order; 750 orders stored together hold the write lock about as long as 500 did
#: one by one, which the floor's scans wait for (README "Performance").
ORDER_CHUNK = 750


def import_orders(
    store: Store,
    actor: Actor,
    content: bytes | Path,
    filename: str,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Store the orders of a file (its bytes, or its path: then it is read as a stream, in
    bounded memory). Malformed orders are rejected whole (nothing stored); an order number
    already stored is skipped; orders with business problems are held. Every order of the
    file ends up stored, skipped or rejected in the report. ``shop``: the shop of orders
    that do not name theirs."""
    items = read_orders(source_of(content), filename, now=store.clock.now())
    return store_orders(store, actor, items, filename, progress, shop)


def store_orders(
    store: Store,
    actor: Actor,
    items: Iterable[OrderDraft | Rejection],
    filename: str,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Store what an order reader yields (see :func:`core.importing.read_orders`), in chunks:
    drafts stored or held, skipped ones and rejections reported."""
    report = ImportReport("orders")
    policy = settings.sla_policy(store)
    split_backorders = settings.get(store, "split.backorders") == "auto"
    # most sites keep no VIP list or blacklist: then no order asks for its customer's entry
    lists = bool(store.scalar("SELECT EXISTS (SELECT 1 FROM customer_lists)"))

    withdrawn: list[Withdrawn] = []

    def divert(items: Iterable[OrderDraft | Rejection]) -> Iterator[OrderDraft | Rejection]:
        for item in items:
            if isinstance(item, Withdrawn):
                withdrawn.append(item)
            elif isinstance(item, Skipped):
                report.skipped.append(item)
            elif shop and isinstance(item, OrderDraft) and not item.shop:
                yield replace(item, shop=shop)
            else:
                yield item

    items = divert(items)
    with store.bulk():
        batches = chunks(items, report.rejected, ORDER_CHUNK)
        for chunk in batches:
            mark = report.mark()
            try:
                with store.write(actor) as write:
                    write.require(Permission.IMPORT)
                    batch = _Batch.of(write, chunk, lists)
                    for draft in chunk:
                        _store_order(batch, draft, policy, report, split_backorders)
                    batch.flush()
                    if not write.audited:
                        write.audit("import.orders", filename, stored=0)
            except StoreFault as fault:
                # The chunk was rolled back: the report keeps exactly what was committed. The
                # rest of the file is still read, so its bad records are reported too.
                first = chunk[0]
                report.stop(
                    mark, Rejection(first.source_line, first.order_no, str(fault)), len(chunk)
                )
                report.not_stored += sum(len(more) for more in batches)
                break
            if progress:
                progress(sum(len(draft.lines) for draft in chunk))
    report.skipped += [withdraw(store, actor, item) for item in withdrawn]
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def withdraw(store: Store, actor: Actor, item: Withdrawn) -> Rejection:
    """An order the platform now reports closed or refunded: cancelled when it was imported
    and not yet picked, intercepted when it was (data.intercepts), and so is every part split
    off it; the report's line says which. An order merged into another is left to a
    supervisor: the parcel is shared."""
    rows = store.query(
        "SELECT order_no, status, merged_into FROM orders WHERE order_no = ?"
        " UNION ALL SELECT order_no, status, merged_into FROM orders WHERE split_from = ?",
        (item.key, item.key),
    )
    if not rows:
        return item
    outcomes = [_withdraw_one(store, actor, row) for row in rows]
    outcome = (
        outcomes[0]
        if len(outcomes) == 1
        else "; ".join(
            f"{row['order_no']}: {text}" for row, text in zip(rows, outcomes, strict=True)
        )
    )
    return Withdrawn(
        item.line, item.key, _("{reason}; {outcome}").format(reason=item.reason, outcome=outcome)
    )


def _withdraw_one(store: Store, actor: Actor, row: Mapping[str, Any]) -> str:
    from data.intercepts import INTERCEPTABLE, intercept  # intercepts build on this module

    order_no, status = row["order_no"], OrderStatus(row["status"])
    reason = _("closed or refunded on the platform")
    try:
        if status is OrderStatus.MERGED:
            with store.write(actor) as write:
                write.audit("order.withdrawn", order_no, merged_into=row["merged_into"])
            return _(
                "merged into {lead}, which ships it: intercept {lead} if it must not leave"
            ).format(lead=row["merged_into"])
        if status in INTERCEPTABLE:
            intercept(store, actor, order_no, reason)
            return _("intercepted")
        if cancellable(status):
            cancel_order(store, actor, order_no, reason)
            return _("cancelled")
        return _("left {status}").format(status=words.order_status(status))
    except Rejected as error:
        return str(error)


#: Keys per ``IN (…)`` query (SQLite's limit on parameters is far above it).
_IN = 500


def _in_parts(keys: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """Sorted ``keys`` in parts of :data:`_IN`, each with its ``?,?,…`` placeholders."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _IN):
        part = ordered[start : start + _IN]
        yield part, ",".join("?" * len(part))


@dataclass
class _Customers:
    """What a chunk of orders needs to class its customers, read in one query or two: the
    (shop, customer) pairs with an order already stored, and the shops' list entries."""

    seen: set[tuple[str, str]]
    entries: dict[tuple[str, str], Any]
    #: Each order's customer key (core.customers.customer_key), worked out once.
    keys: dict[str, str]

    @classmethod
    def of(cls, write: Write, drafts: Iterable[OrderDraft], lists: bool = True) -> _Customers:
        """The customers of ``drafts`` (``lists``: whether any shop keeps a list at all)."""
        wanted: dict[str, set[str]] = {}
        keys: dict[str, str] = {}
        for draft in drafts:
            key = keys[draft.order_no] = customer_key(draft.buyer, draft.phone)
            if key:
                wanted.setdefault(draft.shop, set()).add(key)
        found = cls(set(), {}, keys)
        for shop, shop_keys in wanted.items():
            for part, marks in _in_parts(shop_keys):
                found.seen.update(
                    (shop, row[0])
                    for row in write.execute(
                        "SELECT DISTINCT customer_key FROM orders"
                        f" WHERE shop = ? AND customer_key IN ({marks})",
                        [shop, *part],
                    )
                )
                if lists:
                    found.entries.update(
                        ((shop, row["customer_key"]), row)
                        for row in write.execute(
                            "SELECT customer_key, kind, priority, carrier FROM customer_lists"
                            f" WHERE shop = ? AND customer_key IN ({marks})",
                            [shop, *part],
                        )
                    )
        return found


_INSERT_ORDER = (
    "INSERT INTO orders (order_no, channel, shop, placed_at, priority, payment_status,"
    " customer_name, phone, country, province, city, district, address, postcode, status,"
    " due_at, imported_at, updated_at, buyer, cod, merge_token, customer_key,"
    " customer_class, vip_carrier)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_PRODUCT_KEYS = (
    "sku",
    "on_hand",
    "reserved",
    "unpickable",
    "safety_stock",
    "lot_tracked",
    "shelf_days",
)


@dataclass
class _Batch:
    """A chunk of imported orders as it is stored, in one transaction. What its orders look
    at is read once for the chunk (the order numbers already stored, the products' stock
    rows, the customers); what they write is gathered and written together before the
    commit, one statement per table, in the order the orders came. Reservations are kept on
    the products read, so each order allocates from what the orders before it left."""

    write: Write
    customers: _Customers
    #: Order numbers stored before or earlier in this chunk.
    stored: set[str]
    #: Stock rows by SKU (as :func:`_products` reads them, as dicts), reservations included.
    products: dict[str, dict[str, Any]]
    #: SKUs looked up (found or not).
    looked_up: set[str] = field(default_factory=set)
    #: The products' rowids, by SKU.
    rowids: dict[str, int] = field(default_factory=dict)
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    #: Units reserved per SKU, not yet written.
    reserved: dict[str, int] = field(default_factory=dict)
    audits: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def of(cls, write: Write, drafts: list[OrderDraft], lists: bool = True) -> _Batch:
        """What storing ``drafts`` reads first (``lists``: whether any shop keeps a list)."""
        stored: set[str] = set()
        for part, marks in _in_parts(draft.order_no for draft in drafts):
            stored.update(
                row[0]
                for row in write.execute(
                    f"SELECT order_no FROM orders WHERE order_no IN ({marks})", part
                )
            )
        batch = cls(write, _Customers.of(write, drafts, lists), stored, {})
        batch.products_of({line.sku for draft in drafts for line in draft.lines})
        return batch

    def products_of(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stock rows of the catalog products among ``skus`` (read once per chunk)."""
        products = self.products
        new = {sku for sku in skus if sku not in products and sku not in self.looked_up}
        if new:
            cursor = self.write.conn.cursor()
            cursor.row_factory = None  # plain tuples, made into dicts by name below
            for part, marks in _in_parts(new):
                for rowid, *values in cursor.execute(
                    f"SELECT rowid, {', '.join(_PRODUCT_KEYS)} FROM products"
                    f" WHERE sku IN ({marks})",
                    part,
                ):
                    products[values[0]] = dict(zip(_PRODUCT_KEYS, values, strict=True))
                    self.rowids[values[0]] = rowid
            self.looked_up |= new
        return {sku: products[sku] for sku in skus if sku in products}

    def reserve(self, sku: str, qty: int) -> None:
        self.products[sku]["reserved"] += qty
        self.reserved[sku] = self.reserved.get(sku, 0) + qty

    def forget(self, skus: Iterable[str]) -> None:
        """Read these products again when next needed (changed in the database directly)."""
        for sku in skus:
            self.products.pop(sku, None)
            self.looked_up.discard(sku)

    def flush(self) -> None:
        """Write what the orders so far gathered."""
        conn = self.write.conn
        if self.orders:
            conn.executemany(_INSERT_ORDER, self.orders)
        if self.lines:
            conn.executemany(
                "INSERT INTO order_lines (order_no, line_no, sku, qty, note, reserved)"
                " VALUES (?,?,?,?,?,?)",
                self.lines,
            )
        if self.problems:
            conn.executemany(
                "INSERT INTO order_problems (order_no, code, detail) VALUES (?,?,?)",
                self.problems,
            )
        if self.reserved:
            rowids = self.rowids  # as read in this transaction: one lookup less per row
            conn.executemany(
                "UPDATE products SET reserved = reserved + ? WHERE rowid = ?",
                [(qty, rowids[sku]) for sku, qty in self.reserved.items()],
            )
        if self.audits:
            self.write.audit_many(self.audits)
        self.orders, self.lines, self.problems, self.audits = [], [], [], []
        self.reserved = {}


def _store_order(
    batch: _Batch,
    draft: OrderDraft,
    policy: SlaPolicy,
    report: ImportReport,
    split_backorders: bool = False,
) -> None:
    write = batch.write
    if draft.order_no in batch.stored:
        report.skipped.append(
            Rejection(draft.source_line, draft.order_no, _("already imported; skipped"))
        )
        return
    customers = batch.customers
    key = customers.keys.get(draft.order_no) or customer_key(draft.buyer, draft.phone)
    entry = None
    listed = None
    seen_before = False
    if key:
        entry = customers.entries.get((draft.shop, key))
        if entry is not None:
            listed = entry["kind"]
            if entry["priority"]:
                draft = replace(draft, priority=Priority(entry["priority"]))
        seen_before = (draft.shop, key) in customers.seen
        customers.seen.add((draft.shop, key))
    klass = classify(listed, seen_before) if key else None
    vip_carrier = entry["carrier"] if key and entry is not None and listed == "vip" else ""
    # Reviewed and allocated before it is written: the order and its lines are written once,
    # in the status the lifecycle allows it to take from received (as review_and_allocate
    # decides for an order already stored).
    order = ReviewInput.of(draft, blacklisted=klass is CustomerClass.BLACKLIST)
    products = batch.products_of(order.skus)
    problems = review(order, products.__contains__, ())
    wanted = [(line.sku, line.qty) for line in draft.lines]
    stock = {} if problems else _allocatable(write, products, {sku for sku, _qty in wanted})
    decision = None if problems else allocate(wanted, stock)
    if decision is None:
        status = OrderStatus.ON_HOLD
    else:
        status = OrderStatus.ALLOCATED if decision.allocated else OrderStatus.BACKORDERED
    transition(OrderStatus.RECEIVED, status, draft.order_no)
    batch.orders.append(
        (
            draft.order_no,
            draft.channel,
            draft.shop,
            to_iso(draft.placed_at),
            draft.priority.value,
            draft.payment_status.value,
            draft.customer_name,
            draft.phone,
            draft.country,
            draft.province,
            draft.city,
            draft.district,
            draft.address,
            draft.postcode,
            status.value,
            to_iso(draft.due_at or due_at(draft.placed_at, draft.priority, policy)),
            write.now,
            write.now,
            draft.buyer,
            int(draft.cod),
            draft.merge_token,
            key,
            klass.value if klass else "",
            vip_carrier,
        )
    )
    batch.stored.add(draft.order_no)
    allocated = status is OrderStatus.ALLOCATED
    batch.lines += [
        (draft.order_no, number, line.sku, line.qty, line.note, line.qty if allocated else 0)
        for number, line in enumerate(draft.lines, start=1)
    ]
    if problems:
        batch.problems += [(draft.order_no, problem.code, problem.detail) for problem in problems]
    if decision is not None and allocated:
        for sku, qty in decision.reserve.items():
            after = stock[sku]
            if (
                after.on_hand - after.reserved - qty
                < products[sku]["safety_stock"]
                <= after.available
            ):
                batch.audits.append(("stock.low", sku, {"available": after.available - qty}))
            batch.reserve(sku, qty)
    if status is OrderStatus.BACKORDERED and split_backorders:
        from data.merging import split_in  # merging builds on this module

        batch.flush()  # the split reads the order, its lines and the products stored
        if split_in(write, draft.order_no) is not None:
            status = OrderStatus.ALLOCATED
        batch.forget(order.skus)
    batch.audits.append(
        ("order.import", draft.order_no, {"status": status.value, "lines": len(draft.lines)})
    )
    report.stored.append(draft.order_no)
    if status is OrderStatus.ON_HOLD:
        report.held.append(draft.order_no)


def store_made_order(write: Write, draft: OrderDraft, policy: SlaPolicy) -> OrderStatus:
    """Store one order the warehouse makes itself (a replacement or a re-send), reviewed and
    allocated as an imported one, in the caller's write; refused when its number exists."""
    report = ImportReport("orders")
    batch = _Batch.of(write, [draft])
    _store_order(batch, draft, policy, report)
    batch.flush()
    if not report.stored:
        raise Rejected(_("order {order_no} exists already").format(order_no=draft.order_no))
    return OrderStatus(
        write.execute("SELECT status FROM orders WHERE order_no = ?", (draft.order_no,)).fetchone()[
            0
        ]
    )


def _sku_known(write: Write) -> Any:
    return lambda sku: (
        write.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is not None
    )


def review_and_allocate(
    write: Write,
    order_no: str,
    order: ReviewInput,
    waived: tuple[str, ...],
    current: OrderStatus | None = None,
) -> OrderStatus:
    """Review an order; hold it with its problems, or reserve its stock (or backorder it).
    ``current``: the order's status as the caller read it in this transaction."""
    products = _products(write, order.skus)
    problems = review(order, products.__contains__, waived)
    write.execute("DELETE FROM order_problems WHERE order_no = ?", (order_no,))
    if problems:
        write.conn.executemany(
            "INSERT INTO order_problems (order_no, code, detail) VALUES (?,?,?)",
            [(order_no, problem.code, problem.detail) for problem in problems],
        )
        return _set_status(write, order_no, OrderStatus.ON_HOLD, current)
    return try_allocate(write, order_no, products, current)


def _products(write: Write, skus: Iterable[str]) -> dict[str, Any]:
    """Stock rows (on hand, reserved, safety stock) of the catalog products among ``skus``."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    return {
        row["sku"]: row
        for row in write.execute(
            "SELECT sku, on_hand, reserved, unpickable, safety_stock, lot_tracked, shelf_days"
            " FROM products"
            f" WHERE sku IN ({','.join('?' * len(wanted))})",
            wanted,
        )
    }


def try_allocate(
    write: Write,
    order_no: str,
    products: dict[str, Any] | None = None,
    current: OrderStatus | None = None,
) -> OrderStatus:
    """Reserve all lines of an order now, or mark it backordered. Runs inside the caller's
    ``BEGIN IMMEDIATE`` transaction, so nothing else reserves between the check and the update.
    ``products``: stock rows the caller read in this transaction (see :func:`_products`)."""
    lines = write.execute(
        "SELECT id, sku, qty FROM order_lines WHERE order_no = ?", (order_no,)
    ).fetchall()
    skus = {line["sku"] for line in lines}
    products = dict(products or {})
    missing = skus - products.keys()
    if missing:
        products.update(_products(write, missing))
    stock = _allocatable(write, products, skus)
    decision = allocate([(line["sku"], line["qty"]) for line in lines], stock)
    if not decision.allocated:
        return _set_status(write, order_no, OrderStatus.BACKORDERED, current)
    _reserve(write, decision.reserve, stock, products)
    write.execute("UPDATE order_lines SET reserved = qty WHERE order_no = ?", (order_no,))
    return _set_status(write, order_no, OrderStatus.ALLOCATED, current)


def _allocatable(write: Write, products: dict[str, Any], skus: Iterable[str]) -> dict[str, Stock]:
    """Stock the SKUs may be allocated from: only units in bins that may be picked count,
    never a damaged bin's, nor a lot that may no longer ship (expired, or inside the product's
    do-not-ship window)."""
    skus = set(skus)
    held_back = _out_of_date(write, [p for sku, p in products.items() if sku in skus])
    return {
        sku: Stock(
            products[sku]["on_hand"] - products[sku]["unpickable"] - held_back.get(sku, 0),
            products[sku]["reserved"],
        )
        for sku in skus
        if sku in products
    }


def _reserve(
    write: Write, reserve: Mapping[str, int], stock: dict[str, Stock], products: dict[str, Any]
) -> None:
    """Reserve what an allocation decided on the products; a product that drops below its
    safety stock by it is audited as low."""
    for sku, qty in reserve.items():
        write.execute("UPDATE products SET reserved = reserved + ? WHERE sku = ?", (qty, sku))
        after = stock[sku]
        if after.on_hand - after.reserved - qty < products[sku]["safety_stock"] <= after.available:
            write.audit("stock.low", sku, available=after.available - qty)


def _out_of_date(write: Write, products: Iterable[Any]) -> dict[str, int]:
    """Free units per SKU in lots a wave may not draw on, for the lot-tracked products or those
    with a do-not-ship window (only they read their stock rows: most orders need no query)."""
    dated = {p["sku"]: p["shelf_days"] for p in products if p["lot_tracked"] or p["shelf_days"]}
    if not dated:
        return {}
    today = stock_rules.expiry_day(write.now)
    return {
        sku: stock_rules.out_of_date(rows, today, dated[sku])
        for sku, rows in rows_of(write.conn, dated).items()
    }


def _set_status(
    write: Write, order_no: str, status: OrderStatus, current: OrderStatus | None
) -> OrderStatus:
    set_order_status(write, order_no, status, current=current)
    return status


def retry_backorders(write: Write) -> list[str]:
    """Try to allocate waiting orders, most urgent first; returns those now allocated."""
    allocated = []
    for row in write.execute(
        "SELECT order_no FROM orders WHERE status = ? ORDER BY due_at, order_no",
        (OrderStatus.BACKORDERED.value,),
    ).fetchall():
        allocated_now = try_allocate(write, row["order_no"], current=OrderStatus.BACKORDERED)
        if allocated_now is OrderStatus.ALLOCATED:
            write.audit("order.allocate", row["order_no"], after="backordered")
            allocated.append(row["order_no"])
    return allocated


def allocate_waiting(store: Store, actor: Actor) -> list[str]:
    """Allocate backordered orders that stock now covers (after a stock import)."""
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        allocated = retry_backorders(write)
        write.audit("backorders.retry", "orders", allocated=len(allocated))
    return allocated


def _order_row(write: Write, order_no: str) -> Any:
    row = write.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if row is None:
        raise NotFound(_("no order {order_no}").format(order_no=order_no))
    return row


def cancel_order(store: Store, actor: Actor, order_no: str, reason: str) -> dict[str, Any]:
    """Cancel an order that has not shipped: frees its reservation, takes its unpicked units off
    pick lists, and records put-away tasks for units already picked."""
    reason = reason.strip()
    if not reason:
        raise Rejected(_("a reason is required to cancel an order"))
    with store.write(actor) as write:
        write.require(Permission.CANCEL_ORDER)
        order = _order_row(write, order_no)
        status = OrderStatus(order["status"])
        if not cancellable(status):
            raise Rejected(
                _("order {order_no} is {status}; it can no longer be cancelled").format(
                    order_no=order_no, status=words.order_status(status)
                )
            )
        cancel_in(write, order_no, status, reason)
        write.audit("order.cancel", order_no, before=status.value, reason=reason)
        retry_backorders(write)
    return show_order(store, order_no)


def cancel_in(
    write: Write,
    order_no: str,
    status: OrderStatus,
    reason: str,
    putaway_reason: str = "cancelled",
) -> None:
    """Cancel an order inside the caller's write (see :func:`cancel_order`, and intercepts):
    its reservation freed, its unpicked units taken off pick lists, put-away tasks for units
    already picked (``putaway_reason``)."""
    release_stock(write, order_no)
    for line in write.execute(
        "SELECT id, sku, reserved, picked FROM order_lines WHERE order_no = ?", (order_no,)
    ).fetchall():
        if line["reserved"]:
            write.execute(
                "UPDATE products SET reserved = reserved - ? WHERE sku = ?",
                (line["reserved"], line["sku"]),
            )
        if line["picked"]:
            write.conn.executemany(
                "INSERT INTO putaway_tasks (created_at, order_no, sku, qty, location, reason)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (write.now, order_no, line["sku"], qty, location, putaway_reason)
                    for location, qty in _picked_from(
                        write, line["id"], line["sku"], line["picked"]
                    )
                ],
            )
    write.execute("UPDATE order_lines SET reserved = 0 WHERE order_no = ?", (order_no,))
    _take_off_pick_lists(write, order_no)
    set_order_status(write, order_no, OrderStatus.CANCELLED, current=status, cancel_reason=reason)


def _picked_from(write: Write, line_id: int, sku: str, picked: int) -> list[tuple[str, int]]:
    """The bins an order line's picked units came from (where they go back), by its pick
    lines; units no pick line accounts for go to the SKU's home bin."""
    bins = [
        (row["location"], row["n"])
        for row in write.execute(
            "SELECT l.location, sum(s.picked) AS n FROM pick_shares s"
            " JOIN pick_lines l ON l.id = s.pick_line_id WHERE s.order_line_id = ? AND s.picked > 0"
            " GROUP BY l.location ORDER BY min(l.seq)",
            (line_id,),
        )
    ]
    rest = picked - sum(n for _bin, n in bins)
    if rest > 0:
        home = write.execute("SELECT location FROM products WHERE sku = ?", (sku,)).fetchone()
        bins.append((home["location"] if home else "", rest))
    return bins


def _take_off_pick_lists(write: Write, order_no: str) -> None:
    """Remove an order's unpicked units from its pick list; finish or cancel the list if that
    leaves nothing to pick."""
    shares = write.execute(
        "SELECT s.id, s.pick_line_id, s.qty, s.picked, l.picklist_id FROM pick_shares s"
        " JOIN pick_lines l ON l.id = s.pick_line_id WHERE s.order_no = ?",
        (order_no,),
    ).fetchall()
    lists = set()
    for share in shares:
        unpicked = share["qty"] - share["picked"]
        if unpicked:
            write.execute(
                "UPDATE pick_lines SET qty = qty - ?,"
                " short = MIN(short, qty - ? - picked) WHERE id = ?",
                (unpicked, unpicked, share["pick_line_id"]),
            )
            write.execute("UPDATE pick_shares SET qty = picked WHERE id = ?", (share["id"],))
        lists.add(share["picklist_id"])
    from data.picking import settle_list

    for picklist_id in lists:
        settle_list(write, picklist_id)


def release_order(store: Store, actor: Actor, order_no: str, note: str = "") -> dict[str, Any]:
    """Release a held order: the supervisor accepts its waivable problems (payment, address);
    facts such as unknown SKUs must be fixed first. Then it is allocated or backordered.
    ``note`` (why it was released) goes into the audit entry."""
    note = " ".join(note.split())
    with store.write(actor) as write:
        write.require(Permission.RELEASE_HOLD)
        order = _order_row(write, order_no)
        if order["status"] != OrderStatus.ON_HOLD.value:
            raise Rejected(
                _("order {order_no} is {status}, not on hold").format(
                    order_no=order_no, status=words.order_status(order["status"])
                )
            )
        current = [
            row["code"]
            for row in write.execute(
                "SELECT code FROM order_problems WHERE order_no = ?", (order_no,)
            )
        ]
        waived = tuple(sorted(set(order["waived"].split()) | (set(current) & WAIVABLE)))
        review_input = _review_input(write, order)
        blocking = review(review_input, _sku_known(write), waived)
        if blocking:
            raise Rejected(
                _("order {order_no} cannot be released: {problems}").format(
                    order_no=order_no, problems="; ".join(p.detail for p in blocking)
                )
            )
        write.execute(
            "UPDATE orders SET waived = ? WHERE order_no = ?", (" ".join(waived), order_no)
        )
        status = review_and_allocate(
            write, order_no, review_input, waived, current=OrderStatus.ON_HOLD
        )
        detail: dict[str, Any] = {"waived": list(waived), "status": status.value}
        if note:
            detail["note"] = note
        write.audit("order.release", order_no, **detail)
    return show_order(store, order_no)


def re_review(write: Write, order_no: str) -> OrderStatus:
    """Review a held order again after its data changed (a decrypted address): it stays held
    with what is still wrong, or goes on to allocation. Other orders keep their status."""
    order = _order_row(write, order_no)
    if order["status"] != OrderStatus.ON_HOLD.value:
        return OrderStatus(order["status"])
    waived = tuple(order["waived"].split())
    return review_and_allocate(
        write, order_no, _review_input(write, order), waived, current=OrderStatus.ON_HOLD
    )


def _review_input(write: Write, order: Any) -> ReviewInput:
    from core.model import PaymentStatus

    skus = tuple(
        row["sku"]
        for row in write.execute(
            "SELECT sku FROM order_lines WHERE order_no = ?", (order["order_no"],)
        )
    )
    return ReviewInput(
        payment_status=PaymentStatus(order["payment_status"]),
        customer_name=order["customer_name"],
        phone=order["phone"],
        country=order["country"],
        province=order["province"],
        city=order["city"],
        address=order["address"],
        skus=skus,
        blacklisted=order["customer_class"] == CustomerClass.BLACKLIST.value,
    )


def list_orders(
    store: Store, status: str | None = None, limit: int = 1000, offset: int = 0
) -> list[dict[str, Any]]:
    """Orders, most urgent first, optionally of one status."""
    if status is not None and status not in {s.value for s in OrderStatus}:
        raise Rejected(
            _("unknown status {status!r}; use one of {known}").format(
                status=status, known=", ".join(s.value for s in OrderStatus)
            )
        )
    where, parameters = ("WHERE o.status = ?", [status]) if status else ("", [])
    rows = store.query(
        "SELECT o.order_no, o.status, o.priority, o.due_at, o.placed_at, o.channel,"
        " o.customer_name, o.city,"
        " (SELECT count(*) FROM order_lines l WHERE l.order_no = o.order_no) AS lines,"
        " (SELECT sum(qty) FROM order_lines l WHERE l.order_no = o.order_no) AS units,"
        " (SELECT group_concat(code, ',') FROM order_problems p"
        "   WHERE p.order_no = o.order_no) AS problems"
        f" FROM orders o {where} ORDER BY o.due_at, o.order_no LIMIT ? OFFSET ?",
        [*parameters, limit, offset],
    )
    for row in rows:
        row["problems"] = row["problems"].split(",") if row["problems"] else []
    return rows


def exception_reason(row: Mapping[str, Any]) -> str:
    """An order row's exception reason for the person reading it, in their language (a reason
    stored as text before codes were kept is shown as it is)."""
    keys = row.keys() if hasattr(row, "keys") else ()
    code = row["exception_code"] if "exception_code" in keys else None
    params = row["exception_params"] if "exception_params" in keys else None
    return from_stored(row["exception_reason"], code, params)


def set_exception(write: Write, order_no: str, reason: str) -> None:
    """Put an order in the exception queue with ``reason`` (a notice keeps its code)."""
    english, code, params = stored_parts(reason)
    set_order_status(
        write,
        order_no,
        OrderStatus.EXCEPTION,
        exception_reason=english,
        exception_code=code,
        exception_params=params,
    )


def show_order(store: Store, order_no: str) -> dict[str, Any]:
    """One order with its problems and lines (the ``orders show --json`` shape)."""
    with store.read() as conn:
        order = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if order is None:
            raise NotFound(_("no order {order_no}").format(order_no=order_no))
        problems = [
            {"code": row["code"], "detail": row["detail"]}
            for row in conn.execute(
                "SELECT code, detail FROM order_problems WHERE order_no = ? ORDER BY code",
                (order_no,),
            )
        ]
        lines = [
            dict(row)
            for row in conn.execute(
                "SELECT line_no, sku, qty, reserved, picked, short, packed, returned, note"
                " FROM order_lines WHERE order_no = ? ORDER BY line_no",
                (order_no,),
            )
        ]
        putaway = [
            dict(row)
            for row in conn.execute(
                "SELECT sku, qty, location, status FROM putaway_tasks WHERE order_no = ?",
                (order_no,),
            )
        ]
        shipment = order_shipment(conn, order_no)
    result = dict(order)
    result.pop("waived", None)
    result["waived"] = order["waived"].split()
    result["problems"] = problems
    result["lines"] = lines
    result["putaway"] = putaway
    result["shipment"] = shipment
    return result


def overdue(order: dict[str, Any], now: Any) -> bool:
    """Whether an open order is past its ship-by time."""
    return from_iso(order["due_at"]) < now and order["status"] not in (
        OrderStatus.SHIPPED.value,
        OrderStatus.IN_TRANSIT.value,
        OrderStatus.DELIVERED.value,
        OrderStatus.CANCELLED.value,
        OrderStatus.RETURNED.value,
    )
