"""The supervisor's port (core.oversight.Oversight) on the SQLite store: paged reads for the
screens, and the actions (release, cancel, reassign, reprint, retry) through the services that
check the role and audit them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from core import stock as stock_rules
from core.clock import from_iso, local_day, to_iso
from core.errors import Rejected
from core.i18n import _
from core.model import ACCEPTED, OrderStatus, PickListStatus, Priority, Problem
from core.notices import from_stored
from core.oversight import (
    DUE_SOON,
    OPEN_STATUSES,
    ORDER_LINES_PAGE,
    PRIORITIES,
    TRACKING_EVENTS,
    AuditEntry,
    Backorder,
    DueOrder,
    ExceptionOrder,
    ExceptionsView,
    HeldOrder,
    LabelJob,
    ListInProgress,
    LowStock,
    OrderDetail,
    OrderGroup,
    OrderKey,
    OrderLineState,
    OrderPage,
    OrderQuery,
    OrderRow,
    Oversight,
    Overview,
    PackageState,
    PageRequest,
    ProblemParcel,
    QueueRow,
    ScanEntry,
    ShipmentState,
    Shortfall,
    StationState,
    StockView,
    Throughput,
    TrackingEntry,
    WorkerView,
    hourly_series,
)
from core.ports import Operator
from core.report import day_bounds
from core.roles import Permission
from core.stock import out_of_date
from data import leases, merging, orders, printing, settings, waves
from data.schema import AUDIT_INDEXED
from data.stock import rows_of
from data.store import Actor, Store

#: At most this many rows in a list that is not paged (holds, exceptions, due soon …).
LIST_CAP = 500
#: Rows of the overview's "due within the hour or overdue" list: the most urgent first; the
#: orders screen pages through all of them. (Drawing 500 rows at every change took ~35 ms.)
DUE_CAP = 100
#: The newest scans and audit entries an order's detail shows.
HISTORY_CAP = 300

_OPEN = tuple(status.value for status in OPEN_STATUSES)
_OPEN_MARKS = ",".join("?" * len(_OPEN))

# The most urgent open orders: the first DUE_CAP of each open status from the (status, due_at)
# index, merged. One IN (…) query over every status would read and sort all the open orders
# due before the hour (after a peak: nearly all of them) to keep the first hundred.
_DUE_SOON_SQL = (
    "SELECT d.order_no, d.status, d.priority, d.customer_name, d.due_at, p.picker FROM ("
    + " UNION ALL ".join(
        "SELECT * FROM (SELECT order_no, status, priority, customer_name, due_at, picklist_id"
        " FROM orders INDEXED BY orders_status_due_no WHERE status = ? AND due_at < ?"
        " ORDER BY due_at, order_no LIMIT ?)"
        for _status in _OPEN
    )
    + ") d LEFT JOIN picklists p ON p.id = d.picklist_id ORDER BY d.due_at, d.order_no LIMIT ?"
)


def _due_parameters(soon: str) -> list[object]:
    parameters: list[object] = []
    for status in _OPEN:
        parameters += [status, soon, DUE_CAP]
    return parameters


_REFUSED_SQL = "verdict NOT IN ({})".format(",".join(f"'{v.value}'" for v in sorted(ACCEPTED)))
_ORDER_COLUMNS = (
    "o.order_no, o.status, o.priority, o.channel, o.customer_name, o.phone, o.city, o.due_at,"
    " (SELECT count(*) FROM order_lines l WHERE l.order_no = o.order_no) AS lines,"
    " (SELECT coalesce(sum(qty), 0) FROM order_lines l WHERE l.order_no = o.order_no) AS units,"
    " (SELECT coalesce(sum(picked), 0) FROM order_lines l WHERE l.order_no = o.order_no)"
    " AS picked"
)


class SqliteOversight(Oversight):
    """The supervisor's port on one session's connection (the same store as its floor).

    Every method first checks OVERSEE for the operator's stored role (this is the
    supervisor's port: a packer who may reprint at the bench still cannot reprint here);
    each action's own permission is checked again inside its write transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _actor(self, operator: Operator) -> Actor:
        return Actor(operator.name, operator.station)

    def _viewer(self, operator: Operator) -> datetime:
        """Refuse anyone who may not oversee; the time to judge due dates by."""
        self.store.require(self._actor(operator), Permission.OVERSEE)
        return self.store.clock.now()

    # -- overview -------------------------------------------------------------------------------

    def overview(self, operator: Operator) -> Overview:
        """Queues, what is due within the hour or overdue, lists, stations."""
        now = self._viewer(operator)
        soon = to_iso(now + DUE_SOON)
        with self.store.read() as conn:
            cells: dict[str, dict[Priority, int]] = {}
            oldest: dict[str, str] = {}
            # Counts from the table the triggers keep; the oldest due time of each queue is
            # one index seek per status and priority.
            for row in conn.execute(
                "SELECT c.status, c.priority, c.n, (SELECT min(o.due_at) FROM orders o"
                "   INDEXED BY orders_status_due_no"
                "   WHERE o.status = c.status AND o.priority = c.priority) AS oldest"
                f" FROM order_counts c WHERE c.status IN ({_OPEN_MARKS}) AND c.n > 0",
                _OPEN,
            ):
                cells.setdefault(row["status"], {})[Priority(row["priority"])] = row["n"]
                if row["status"] not in oldest or row["oldest"] < oldest[row["status"]]:
                    oldest[row["status"]] = row["oldest"]
            due = [
                DueOrder(
                    order_no=row["order_no"],
                    status=OrderStatus(row["status"]),
                    priority=Priority(row["priority"]),
                    customer_name=row["customer_name"],
                    due_at=from_iso(row["due_at"]),
                    picker=row["picker"],
                )
                for row in conn.execute(_DUE_SOON_SQL, [*_due_parameters(soon), DUE_CAP])
            ]
            counts = conn.execute(
                "SELECT count(*) AS soon, coalesce(sum(due_at < ?), 0) AS overdue"
                " FROM orders INDEXED BY orders_status_due_no"
                f" WHERE status IN ({_OPEN_MARKS}) AND due_at < ?",
                (to_iso(now), *_OPEN, soon),
            ).fetchone()
            lists = {
                row["status"]: row["n"]
                for row in conn.execute(
                    "SELECT status, count(*) AS n FROM picklists WHERE status IN (?, ?)"
                    " GROUP BY status",
                    (PickListStatus.RELEASED.value, PickListStatus.PICKING.value),
                )
            }
        queues = tuple(
            QueueRow(
                status,
                {priority: cells.get(status.value, {}).get(priority, 0) for priority in PRIORITIES},
                from_iso(oldest[status.value]) if status.value in oldest else None,
            )
            for status in OPEN_STATUSES
        )
        return Overview(
            now=now,
            queues=queues,
            due_soon=tuple(due),
            due_soon_total=int(counts["soon"]),
            overdue_total=int(counts["overdue"]),
            lists_waiting=lists.get(PickListStatus.RELEASED.value, 0),
            lists_picking=lists.get(PickListStatus.PICKING.value, 0),
            stations=self._stations(),
        )

    def _stations(self) -> tuple[StationState, ...]:
        rows = self.store.query(
            "SELECT s.name, s.scanner_url, s.printer_url,"
            " sc.status AS scanner_status, sc.detail AS scanner_detail,"
            " pr.status AS printer_status, pr.detail AS printer_detail,"
            " pr.updated_at AS printer_updated_at,"
            " (SELECT count(*) FROM print_jobs j WHERE j.station = s.name"
            "   AND j.status IN ('queued', 'sending')) AS waiting,"
            " (SELECT count(*) FROM print_jobs j WHERE j.station = s.name"
            "   AND j.status = 'failed') AS failed,"
            " (SELECT count(*) FROM print_jobs j WHERE j.station = s.name"
            "   AND j.status = 'uncertain') AS uncertain"
            " FROM stations s"
            " LEFT JOIN device_states sc ON sc.station = s.name AND sc.device = 'scanner'"
            " LEFT JOIN device_states pr ON pr.station = s.name AND pr.device = 'printer'"
            " ORDER BY s.name"
        )
        states = []
        for row in rows:
            holder = leases.holder(self.store, row["name"], "scanner")
            has_scanner, has_printer = bool(row["scanner_url"]), bool(row["printer_url"])
            states.append(
                StationState(
                    station=row["name"],
                    scanner_url=row["scanner_url"] or "",
                    printer_url=row["printer_url"] or "",
                    scanner_status=(row["scanner_status"] or "unknown") if has_scanner else "none",
                    scanner_detail=row["scanner_detail"] or "",
                    scanner_holder=holder.user if holder else None,
                    scanner_since=from_iso(holder.acquired_at) if holder else None,
                    printer_status=(row["printer_status"] or "unknown") if has_printer else "none",
                    printer_detail=row["printer_detail"] or "",
                    printer_updated_at=printing.parse_instant(row["printer_updated_at"])
                    if row["printer_updated_at"]
                    else None,
                    jobs_waiting=row["waiting"],
                    jobs_failed=row["failed"],
                    jobs_uncertain=row["uncertain"],
                )
            )
        return tuple(states)

    # -- orders ---------------------------------------------------------------------------------

    def orders(self, operator: Operator, query: OrderQuery, page: PageRequest) -> OrderPage:
        """A page of matching orders by keyset on (due_at, order_no): each page is an index
        range, however deep, and the table is never read whole."""
        self._viewer(operator)
        if page.size < 1:
            raise Rejected(_("a page holds at least one order"))
        where, parameters = _order_filter(query)
        with self.store.read() as conn:
            total = int(
                conn.execute(f"SELECT count(*) FROM orders o WHERE {where}", parameters).fetchone()[
                    0
                ]
            )
            rows = _page_rows(conn, where, parameters, page)
            if not rows and total and not page.last:
                rows = _page_rows(conn, where, parameters, PageRequest(page.size, last=True))
            start = 0
            if rows:
                start = int(
                    conn.execute(
                        f"SELECT count(*) FROM orders o WHERE {where}"
                        " AND (o.due_at, o.order_no) < (?, ?)",
                        [*parameters, rows[0]["due_at"], rows[0]["order_no"]],
                    ).fetchone()[0]
                )
        return OrderPage(tuple(_order_row(row) for row in rows), total, start, page.size)

    def channels(self, operator: Operator) -> tuple[str, ...]:
        """Distinct channels (read from the channel index)."""
        self._viewer(operator)
        return tuple(
            row["channel"]
            for row in self.store.query(
                "SELECT DISTINCT channel FROM orders WHERE channel != '' ORDER BY channel"
            )
        )

    def order_groups(self, operator: Operator) -> tuple[OrderGroup, ...]:
        """Channels and their shops, customer classes and categories orders have."""
        self._viewer(operator)
        groups: list[OrderGroup] = []
        shops = self.store.query(
            "SELECT DISTINCT channel, shop FROM orders WHERE channel != '' ORDER BY channel, shop"
        )
        for channel in dict.fromkeys(row["channel"] for row in shops):
            groups.append(OrderGroup("channel", channel))
            groups += [
                OrderGroup("shop", channel, row["shop"])
                for row in shops
                if row["channel"] == channel and row["shop"]
            ]
        groups += [
            OrderGroup("customer_class", key=row["customer_class"])
            for row in self.store.query(
                "SELECT DISTINCT customer_class FROM orders WHERE customer_class != ''"
                " ORDER BY customer_class"
            )
        ]
        groups += [
            OrderGroup("category", key=row["category"])
            for row in self.store.query(
                "SELECT DISTINCT category FROM products WHERE category != '' ORDER BY category"
            )
        ]
        return tuple(groups)

    def order(self, operator: Operator, order_no: str, lines_from: int = 0) -> OrderDetail:
        """Everything about one order, its lines a page at a time."""
        self._viewer(operator)
        with self.store.read() as conn:
            return _order_detail(conn, self.store, order_no, max(0, lines_from))

    # -- people ---------------------------------------------------------------------------------

    def workers(self, operator: Operator) -> tuple[WorkerView, ...]:
        """Pickers and packers (and anyone holding a list): work, pace, mistakes, idle time."""
        now = self._viewer(operator)
        hour_ago = to_iso(now - timedelta(hours=1))
        today = to_iso(day_bounds(local_day(now))[0])
        prefix = settings.get(self.store, "prefix.picklist")
        with self.store.read() as conn:
            users = conn.execute(
                "SELECT name, role, station FROM users WHERE active = 1 AND (role IN (?, ?)"
                " OR name IN (SELECT picker FROM picklists WHERE status = ?)) ORDER BY name",
                ("picker", "packer", PickListStatus.PICKING.value),
            ).fetchall()
            # The hour's and the day's scans by their time (scans_at), not the whole of
            # scans_user_at, which SQLite would walk for the GROUP BY user otherwise.
            hour = {
                row["user"]: row
                for row in conn.execute(
                    "SELECT user, count(*) AS units, count(DISTINCT CASE WHEN task = 'pick'"
                    " THEN 'l' || pick_line_id ELSE order_no || '|' || sku END) AS lines"
                    " FROM scans INDEXED BY scans_at WHERE at >= ? AND verdict = 'ok' GROUP BY user",
                    (hour_ago,),
                )
            }
            day = {
                row["user"]: row
                for row in conn.execute(
                    f"SELECT user, count(*) AS scans, coalesce(sum({_REFUSED_SQL}), 0)"
                    " AS refused FROM scans INDEXED BY scans_at WHERE at >= ? GROUP BY user",
                    (today,),
                )
            }
            lists = {
                row["picker"]: row
                for row in conn.execute(
                    "SELECT p.id, p.picker, p.station,"
                    " (SELECT coalesce(sum(qty), 0) FROM pick_lines l WHERE l.picklist_id = p.id)"
                    " AS units,"
                    " (SELECT coalesce(sum(picked + short), 0) FROM pick_lines l"
                    "  WHERE l.picklist_id = p.id) AS done"
                    " FROM picklists p WHERE p.status = ? ORDER BY p.claimed_at DESC",
                    (PickListStatus.PICKING.value,),
                )
            }
            packing = {
                row["packer"]: row["order_no"]
                for row in conn.execute(
                    "SELECT packer, order_no FROM orders WHERE status = ? AND packer IS NOT NULL"
                    " ORDER BY updated_at DESC",
                    (OrderStatus.PACKING.value,),
                )
            }
            result = []
            for user in users:
                name = user["name"]
                last = conn.execute(
                    "SELECT at, station FROM scans WHERE user = ? ORDER BY at DESC LIMIT 1",
                    (name,),
                ).fetchone()
                working_on, picklist_id, station = "", None, user["station"] or ""
                if name in lists:
                    row = lists[name]
                    picklist_id = row["id"]
                    working_on = f"{_list_code(prefix, row['id'])} {row['done']}/{row['units']}"
                    station = station or row["station"] or ""
                elif name in packing:
                    working_on = settings.get(self.store, "prefix.order") + packing[name]
                if not station and last is not None:
                    station = last["station"]
                result.append(
                    WorkerView(
                        name=name,
                        role=user["role"],
                        station=station,
                        working_on=working_on,
                        lines_last_hour=hour[name]["lines"] if name in hour else 0,
                        units_last_hour=hour[name]["units"] if name in hour else 0,
                        scans_today=day[name]["scans"] if name in day else 0,
                        refused_today=day[name]["refused"] if name in day else 0,
                        last_scan_at=from_iso(last["at"]) if last is not None else None,
                        picklist_id=picklist_id,
                    )
                )
        # Working people first, then the longest idle first.
        result.sort(
            key=lambda w: (not w.working_on, w.last_scan_at is None, w.last_scan_at or now, w.name)
        )
        return tuple(result)

    def pickers(self, operator: Operator) -> tuple[str, ...]:
        """Active users who may pick."""
        self._viewer(operator)
        from core.roles import ALLOWED

        roles = sorted(role.value for role in ALLOWED[Permission.PICK])
        return tuple(
            row["name"]
            for row in self.store.query(
                f"SELECT name FROM users WHERE active = 1 AND role IN ({','.join('?' * len(roles))})"
                " ORDER BY role = 'picker' DESC, name",
                roles,
            )
        )

    # -- exceptions -----------------------------------------------------------------------------

    def exceptions(self, operator: Operator) -> ExceptionsView:
        """What needs a supervisor's decision."""
        self._viewer(operator)
        prefix = settings.get(self.store, "prefix.picklist")
        with self.store.read() as conn:
            held = conn.execute(
                "SELECT order_no, priority, due_at, customer_name FROM orders"
                " WHERE status = ? ORDER BY due_at, order_no LIMIT ?",
                (OrderStatus.ON_HOLD.value, LIST_CAP),
            ).fetchall()
            problems = _problems(conn, [row["order_no"] for row in held])
            holds = tuple(
                HeldOrder(
                    row["order_no"],
                    Priority(row["priority"]),
                    from_iso(row["due_at"]),
                    row["customer_name"],
                    problems.get(row["order_no"], ()),
                )
                for row in held
            )
            exceptions = tuple(
                ExceptionOrder(
                    row["order_no"],
                    Priority(row["priority"]),
                    from_iso(row["due_at"]),
                    orders.exception_reason(row),
                    _list_code(prefix, row["picklist_id"]) if row["picklist_id"] else None,
                    row["picker"],
                )
                for row in conn.execute(
                    "SELECT o.order_no, o.priority, o.due_at, o.exception_reason,"
                    " o.exception_code, o.exception_params, o.picklist_id,"
                    " p.picker FROM orders o LEFT JOIN picklists p ON p.id = o.picklist_id"
                    " WHERE o.status = ? ORDER BY o.due_at, o.order_no LIMIT ?",
                    (OrderStatus.EXCEPTION.value, LIST_CAP),
                )
            )
            labels = tuple(
                _label_job(row)
                for row in conn.execute(
                    "SELECT * FROM print_jobs WHERE status IN ('failed', 'uncertain')"
                    " ORDER BY id LIMIT ?",
                    (LIST_CAP,),
                )
            )
            lists = tuple(
                ListInProgress(
                    picklist_id=row["id"],
                    code=_list_code(prefix, row["id"]),
                    status=row["status"],
                    priority=Priority(row["priority"]),
                    due_at=from_iso(row["due_at"]),
                    picker=row["picker"],
                    claimed_at=from_iso(row["claimed_at"]) if row["claimed_at"] else None,
                    units=row["units"],
                    picked=row["done"],
                    last_scan_at=from_iso(row["last_scan"]) if row["last_scan"] else None,
                )
                for row in conn.execute(
                    "SELECT p.id, p.status, p.priority, p.due_at, p.picker, p.claimed_at,"
                    " (SELECT coalesce(sum(qty), 0) FROM pick_lines l WHERE l.picklist_id = p.id)"
                    " AS units,"
                    " (SELECT coalesce(sum(picked + short), 0) FROM pick_lines l"
                    "  WHERE l.picklist_id = p.id) AS done,"
                    " (SELECT max(at) FROM scans s WHERE s.picklist_id = p.id) AS last_scan"
                    " FROM picklists p WHERE p.status IN (?, ?)"
                    " ORDER BY p.status = ? DESC, p.due_at, p.id LIMIT ?",
                    (
                        PickListStatus.PICKING.value,
                        PickListStatus.RELEASED.value,
                        PickListStatus.PICKING.value,
                        LIST_CAP,
                    ),
                )
            )
            parcels = tuple(
                ProblemParcel(
                    row["order_no"],
                    row["waybill_no"],
                    row["carrier"],
                    row["track_status"],
                    from_iso(row["track_at"]),
                    row["problem"],
                )
                for row in conn.execute(
                    "SELECT s.order_no, p.waybill_no, s.carrier, p.track_status, p.track_at,"
                    " p.problem FROM packages p JOIN shipments s ON s.id = p.shipment_id"
                    " WHERE p.problem IS NOT NULL AND p.status = 'shipped'"
                    " ORDER BY p.track_at DESC LIMIT ?",
                    (LIST_CAP,),
                )
            )
        return ExceptionsView(holds, exceptions, labels, lists, parcels)

    # -- stock ----------------------------------------------------------------------------------

    def stock(self, operator: Operator) -> StockView:
        """Products below safety stock and orders waiting for stock."""
        now = self._viewer(operator)
        with self.store.read() as conn:
            waiting = {
                row["sku"]: row["units"]
                for row in conn.execute(
                    "SELECT l.sku, sum(l.qty - l.reserved) AS units FROM order_lines l"
                    " JOIN orders o ON o.order_no = l.order_no WHERE o.status = ?"
                    " GROUP BY l.sku",
                    (OrderStatus.BACKORDERED.value,),
                )
            }
            low = tuple(
                LowStock(
                    row["sku"],
                    row["name"],
                    row["location"],
                    row["on_hand"],
                    row["reserved"],
                    row["safety_stock"],
                    waiting.get(row["sku"], 0),
                    row["unpickable"],
                )
                for row in conn.execute(
                    "SELECT sku, name, location, on_hand, reserved, safety_stock, unpickable"
                    " FROM products WHERE on_hand - unpickable - reserved < safety_stock"
                    " ORDER BY on_hand - unpickable - reserved - safety_stock, sku LIMIT ?",
                    (LIST_CAP,),
                )
            )
            ordered = conn.execute(
                "SELECT order_no, priority, due_at, customer_name FROM orders WHERE status = ?"
                " ORDER BY due_at, order_no LIMIT ?",
                (OrderStatus.BACKORDERED.value, LIST_CAP),
            ).fetchall()
            needs = []
            for chunk in _chunks([row["order_no"] for row in ordered]):
                needs += conn.execute(
                    "SELECT l.order_no, l.sku, sum(l.qty) AS needed,"
                    " coalesce(p.on_hand - p.unpickable - p.reserved, 0) AS free,"
                    " coalesce(p.lot_tracked OR p.shelf_days > 0, 0) AS dated,"
                    " coalesce(p.shelf_days, 0) AS shelf_days FROM order_lines l"
                    " LEFT JOIN products p ON p.sku = l.sku"
                    f" WHERE l.order_no IN ({','.join('?' * len(chunk))})"
                    " GROUP BY l.order_no, l.sku ORDER BY l.order_no, l.sku",
                    chunk,
                ).fetchall()
            # free units in lots expired or inside the do-not-ship window are no free stock
            # for an order: a backorder says how many of them there are
            shelf = {row["sku"]: row["shelf_days"] for row in needs if row["dated"]}
            today = stock_rules.expiry_day(now)  # the day the waves judge by
            too_close = {
                sku: out_of_date(rows, today, shelf[sku])
                for sku, rows in rows_of(conn, shelf).items()
            }
            missing: dict[str, list[Shortfall]] = {}
            for row in needs:
                held = too_close.get(row["sku"], 0)
                if row["needed"] > row["free"] - held:
                    missing.setdefault(row["order_no"], []).append(
                        Shortfall(row["sku"], row["needed"], row["free"] - held, held)
                    )
        backorders = tuple(
            Backorder(
                row["order_no"],
                Priority(row["priority"]),
                from_iso(row["due_at"]),
                row["customer_name"],
                tuple(missing.get(row["order_no"], ())),
            )
            for row in ordered
        )
        return StockView(low, backorders)

    # -- throughput -----------------------------------------------------------------------------

    def throughput(self, operator: Operator, hours: int = 24) -> Throughput:
        """Orders shipped per clock hour (from ``orders.shipped_at``)."""
        now = self._viewer(operator)
        if not 1 <= hours <= 24 * 14:
            raise Rejected(_("show between 1 and 336 hours"))
        since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
        rows = self.store.query(
            "SELECT strftime('%Y-%m-%dT%H:00:00+00:00', shipped_at) AS hour, count(*) AS n"
            " FROM orders WHERE shipped_at >= ? AND shipped_at IS NOT NULL GROUP BY hour",
            (to_iso(since),),
        )
        return hourly_series(
            {from_iso(row["hour"]): row["n"] for row in rows if row["hour"]}, now, hours
        )

    # -- actions --------------------------------------------------------------------------------

    def release_hold(self, operator: Operator, order_no: str, note: str) -> OrderStatus:
        """Release a hold (RELEASE_HOLD, checked in the write)."""
        self._viewer(operator)
        if not note.strip():
            raise Rejected(_("say why the hold is released"))
        order = orders.release_order(self.store, self._actor(operator), order_no, note)
        return OrderStatus(order["status"])

    def cancel_order(self, operator: Operator, order_no: str, reason: str) -> None:
        """Cancel an order (CANCEL_ORDER, checked in the write)."""
        self._viewer(operator)
        orders.cancel_order(self.store, self._actor(operator), order_no, reason)

    def resolve_exception(self, operator: Operator, order_no: str, how: str, reason: str) -> str:
        """Resolve an exception (permissions checked in the write)."""
        from data.resolve import resolve_order

        self._viewer(operator)
        return str(
            resolve_order(self.store, self._actor(operator), order_no, how, reason)["status"]
        )

    def split_order(self, operator: Operator, order_no: str, reason: str) -> str:
        """Split a backordered order (RELEASE_HOLD, checked in the write)."""
        self._viewer(operator)
        if not reason.strip():
            raise Rejected(_("say why the order is split"))
        return str(merging.split_order(self.store, self._actor(operator), order_no, reason)["part"])

    def decide_merge(self, operator: Operator, merge_id: int, accept: bool, reason: str) -> None:
        """Accept or refuse a proposed merge (RELEASE_WAVE, checked in the write)."""
        self._viewer(operator)
        if accept:
            merging.accept_merge(self.store, self._actor(operator), merge_id, reason)
        else:
            merging.refuse_merge(self.store, self._actor(operator), merge_id, reason)

    def reassign_list(self, operator: Operator, picklist_id: int, picker: str, reason: str) -> None:
        """Reassign a list (REASSIGN, checked in the write)."""
        self._viewer(operator)
        waves.reassign_picklist(self.store, self._actor(operator), picklist_id, picker, reason)

    def reprint_label(self, operator: Operator, job_id: int, reason: str) -> int:
        """A new job repeating a label (REPRINT, checked in the write)."""
        self._viewer(operator)
        return printing.reprint_job(self.store, self._actor(operator), job_id, reason)

    def retry_label(self, operator: Operator, job_id: int) -> None:
        """Queue a failed or uncertain job again (MANAGE_PRINT, and REPRINT in the write)."""
        self._viewer(operator)
        self.store.require(self._actor(operator), Permission.MANAGE_PRINT)
        printing.retry_job(self.store, self._actor(operator), job_id)


# --------------------------------------------------------------------------- helpers


def _list_code(prefix: str, picklist_id: int) -> str:
    """A pick list's code (``P:000012``) with the site's prefix (read once per call)."""
    return f"{prefix}{picklist_id:06d}"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _order_filter(query: OrderQuery) -> tuple[str, list[Any]]:
    """The WHERE clause (over ``orders o``) and its parameters; unknown values are refused."""
    clauses: list[str] = []
    parameters: list[Any] = []
    if query.status:
        if query.status not in {status.value for status in OrderStatus}:
            raise Rejected(_("unknown status {status!r}").format(status=query.status))
        clauses.append("o.status = ?")
        parameters.append(query.status)
    if query.priority:
        if query.priority not in {priority.value for priority in Priority}:
            raise Rejected(_("unknown priority {p!r}").format(p=query.priority))
        clauses.append("o.priority = ?")
        parameters.append(query.priority)
    if query.channel is not None:
        clauses.append("o.channel = ?")
        parameters.append(query.channel)
    if query.shop is not None:
        clauses.append("o.shop = ?")
        parameters.append(query.shop)
    if query.customer_class is not None:
        clauses.append("o.customer_class = ?")
        parameters.append(query.customer_class)
    if query.category is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM order_lines l JOIN products p ON p.sku = l.sku"
            " WHERE l.order_no = o.order_no AND p.category = ?)"
        )
        parameters.append(query.category)
    text = query.text.strip()
    if text:
        pattern = _like(text)
        clauses.append(
            "(o.order_no LIKE ? ESCAPE '\\' OR o.customer_name LIKE ? ESCAPE '\\'"
            " OR o.phone LIKE ? ESCAPE '\\')"
        )
        parameters.extend([pattern, pattern, pattern])
    return (" AND ".join(clauses) or "1"), parameters


def _page_rows(
    conn: sqlite3.Connection, where: str, parameters: list[Any], page: PageRequest
) -> list[sqlite3.Row]:
    forward = "ORDER BY o.due_at, o.order_no"
    backward = "ORDER BY o.due_at DESC, o.order_no DESC"
    select = f"SELECT {_ORDER_COLUMNS} FROM orders o WHERE {where}"
    if page.last:
        rows = conn.execute(f"{select} {backward} LIMIT ?", [*parameters, page.size]).fetchall()
        return rows[::-1]
    if page.before is not None:
        rows = conn.execute(
            f"{select} AND (o.due_at, o.order_no) < (?, ?) {backward} LIMIT ?",
            [*parameters, *_key(page.before), page.size],
        ).fetchall()
        if len(rows) == page.size:
            return rows[::-1]
        # Fewer than a page before it: show the first page (a full one) instead.
        return conn.execute(f"{select} {forward} LIMIT ?", [*parameters, page.size]).fetchall()
    if page.after is not None or page.at is not None:
        key, compare = (page.after, ">") if page.after is not None else (page.at, ">=")
        assert key is not None
        return conn.execute(
            f"{select} AND (o.due_at, o.order_no) {compare} (?, ?) {forward} LIMIT ?",
            [*parameters, *_key(key), page.size],
        ).fetchall()
    return conn.execute(f"{select} {forward} LIMIT ?", [*parameters, page.size]).fetchall()


def _key(key: OrderKey) -> tuple[str, str]:
    return to_iso(key.due_at), key.order_no


def _order_row(row: sqlite3.Row) -> OrderRow:
    return OrderRow(
        order_no=row["order_no"],
        status=OrderStatus(row["status"]),
        priority=Priority(row["priority"]),
        channel=row["channel"],
        customer_name=row["customer_name"],
        phone=row["phone"],
        city=row["city"],
        due_at=from_iso(row["due_at"]),
        lines=row["lines"],
        units=row["units"],
        picked=row["picked"],
    )


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _problems(conn: sqlite3.Connection, order_nos: list[str]) -> dict[str, tuple[Problem, ...]]:
    found: dict[str, list[Problem]] = {}
    for chunk in _chunks(order_nos):
        for row in conn.execute(
            "SELECT order_no, code, detail FROM order_problems"
            f" WHERE order_no IN ({','.join('?' * len(chunk))}) ORDER BY order_no, code",
            chunk,
        ):
            found.setdefault(row["order_no"], []).append(Problem(row["code"], row["detail"]))
    return {order_no: tuple(problems) for order_no, problems in found.items()}


def _label_job(row: sqlite3.Row) -> LabelJob:
    return LabelJob(
        id=row["id"],
        station=row["station"],
        kind=row["kind"],
        subject=row["subject"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=printing.job_error(row),
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        reprint_of=row["reprint_of"],
    )


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _order_detail(
    conn: sqlite3.Connection, store: Store, order_no: str, lines_from: int = 0
) -> OrderDetail:
    from core.errors import NotFound

    prefix = settings.get(store, "prefix.picklist")
    order = conn.execute(
        "SELECT o.*, p.picker FROM orders o LEFT JOIN picklists p ON p.id = o.picklist_id"
        " WHERE o.order_no = ?",
        (order_no,),
    ).fetchone()
    if order is None:
        raise NotFound(_("no order {order_no}").format(order_no=order_no))
    lines = tuple(
        OrderLineState(
            row["line_no"],
            row["sku"],
            row["name"] or "",
            row["qty"],
            row["reserved"],
            row["picked"],
            row["short"],
            row["packed"],
        )
        for row in conn.execute(
            "SELECT l.line_no, l.sku, p.name, l.qty, l.reserved, l.picked, l.short, l.packed"
            " FROM order_lines l LEFT JOIN products p ON p.sku = l.sku"
            " WHERE l.order_no = ? ORDER BY l.line_no LIMIT ? OFFSET ?",
            (order_no, ORDER_LINES_PAGE, lines_from),
        )
    )
    line_count = conn.execute(
        "SELECT count(*) FROM order_lines WHERE order_no = ?", (order_no,)
    ).fetchone()[0]
    scans = tuple(
        ScanEntry(
            from_iso(row["at"]),
            row["user"],
            row["station"],
            row["task"],
            row["source"],
            row["code"],
            row["verdict"],
            # Said again in the reader's language (a row with only text shows that text).
            from_stored(row["message"], row["message_code"], row["message_params"]),
        )
        for row in reversed(
            conn.execute(
                "SELECT * FROM scans WHERE order_no = ?"
                " OR (picklist_id = ? AND order_no IS NULL AND verdict != 'ok')"
                " ORDER BY id DESC LIMIT ?",
                (order_no, order["picklist_id"] or -1, HISTORY_CAP),
            ).fetchall()
        )
    )
    audit = tuple(
        AuditEntry(
            from_iso(row["at"]),
            row["user"],
            row["station"],
            row["action"],
            row["subject"],
            row["detail"],
        )
        for row in reversed(
            conn.execute(
                f"SELECT * FROM audit WHERE subject = ? AND {AUDIT_INDEXED}"
                " ORDER BY id DESC LIMIT ?",
                (order_no, HISTORY_CAP),
            ).fetchall()
        )
    )
    packages: dict[int, list[PackageState]] = {}
    for row in conn.execute(
        "SELECT k.* FROM packages k JOIN shipments s ON s.id = k.shipment_id"
        " WHERE s.order_no = ? ORDER BY k.shipment_id, k.seq",
        (order_no,),
    ):
        packages.setdefault(row["shipment_id"], []).append(
            PackageState(
                row["seq"],
                row["waybill_no"],
                row["status"],
                row["print_job_id"],
                _when(row["shipped_at"]),
            )
        )
    shipments = tuple(
        ShipmentState(
            id=row["id"],
            status=row["status"],
            carrier=row["carrier"],
            service=row["service"],
            weight_g=row["weight_g"],
            station=row["station"],
            created_by=row["created_by"],
            created_at=from_iso(row["created_at"]),
            packed_by=row["packed_by"],
            shipped_at=_when(row["shipped_at"]),
            void_reason=row["void_reason"],
            packages=tuple(packages.get(row["id"], ())),
        )
        for row in conn.execute(
            "SELECT * FROM shipments WHERE order_no = ? ORDER BY id", (order_no,)
        )
    )
    labels = tuple(
        _label_job(row)
        for row in conn.execute(
            "SELECT * FROM print_jobs WHERE subject = ? ORDER BY id", (order_no,)
        )
    )
    proposal = conn.execute(
        "SELECT mo.merge_id, mo.order_no FROM merge_orders mo JOIN merges m ON m.id = mo.merge_id"
        " WHERE m.status = 'proposed' AND mo.merge_id = (SELECT max(merge_id) FROM merge_orders"
        " WHERE order_no = ?) ORDER BY mo.rowid",
        (order_no,),
    ).fetchall()
    events = tuple(
        TrackingEntry(
            row["waybill_no"], from_iso(row["at"]), row["status"], row["description"], row["source"]
        )
        for row in conn.execute(
            "SELECT e.waybill_no, e.at, e.status, e.description, e.source"
            " FROM tracking_events e JOIN packages k ON k.waybill_no = e.waybill_no"
            " JOIN shipments s ON s.id = k.shipment_id WHERE s.order_no = ?"
            " ORDER BY e.at DESC, e.id DESC LIMIT ?",
            (order_no, TRACKING_EVENTS),
        )
    )
    address = " ".join(
        part
        for part in (
            order["province"],
            order["city"],
            order["district"],
            order["address"],
            order["postcode"],
        )
        if part
    )
    return OrderDetail(
        order_no=order["order_no"],
        status=OrderStatus(order["status"]),
        priority=Priority(order["priority"]),
        channel=order["channel"],
        placed_at=from_iso(order["placed_at"]),
        due_at=from_iso(order["due_at"]),
        imported_at=from_iso(order["imported_at"]),
        shipped_at=_when(order["shipped_at"]),
        customer_name=order["customer_name"],
        phone=order["phone"],
        address=address,
        picklist=_list_code(prefix, order["picklist_id"]) if order["picklist_id"] else None,
        picklist_id=order["picklist_id"],
        picker=order["picker"],
        packer=order["packer"],
        exception_reason=orders.exception_reason(order) or None,
        cancel_reason=order["cancel_reason"],
        problems=tuple(
            Problem(row["code"], row["detail"])
            for row in conn.execute(
                "SELECT code, detail FROM order_problems WHERE order_no = ? ORDER BY code",
                (order_no,),
            )
        ),
        lines=lines,
        scans=scans,
        audit=audit,
        shipments=shipments,
        labels=labels,
        line_count=line_count,
        lines_from=lines_from,
        merge_proposal=proposal[0]["merge_id"] if proposal else None,
        merge_with=tuple(r["order_no"] for r in proposal if r["order_no"] != order_no),
        merged_into=order["merged_into"],
        split_from=order["split_from"],
        events=events,
    )
