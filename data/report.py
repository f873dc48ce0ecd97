"""The daily report read from the raw rows (orders, scans, audit) of one day in China Standard
Time; the arithmetic is core.report's."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from core.clock import from_iso, to_iso
from core.model import ACCEPTED, OrderStatus
from core.oversight import PRIORITIES
from core.report import (
    DIMENSIONS,
    RETURN_WINDOW_DAYS,
    Breakdown,
    CountedBin,
    DailyReport,
    PersonLine,
    ReturnedUnit,
    ReturnsFigures,
    SlaLine,
    StockFigures,
    TrackingFigures,
    active_hours,
    day_bounds,
    stock_figures,
    window_bounds,
)
from core.roles import Permission
from data.schema import AUDIT_INDEXED
from data.store import Actor, Store


def daily_report(
    store: Store, actor: Actor, day: date, return_window: int = RETURN_WINDOW_DAYS
) -> DailyReport:
    """The numbers of ``day`` (midnight to midnight, +08:00). Needs OVERSEE.

    - received: orders imported that day; shipped: orders whose ``shipped_at`` falls in it,
      and for those the minutes from import to ship; cancelled: ``order.cancel`` audit entries;
    - SLA per priority: orders due that day up to now (not cancelled), and how many shipped by
      their due time;
    - picking: scans of task ``pick`` and the refused ones; short picks: ``pick.short`` audit
      entries and the units they left missing;
    - people: per user and task (pick, pack), distinct lines with an accepted scan, accepted
      units, scans, refused scans and the hours worked between scans (breaks left out);
    - stock: the ledger's entries of the day per kind, and the bins counted that day;
    - after-sales: the day's returns, and the return rate over the ``return_window`` days
      ending with ``day`` (units returned / units shipped in those days).
    """
    store.require(actor, Permission.OVERSEE)
    window_start, _window_end = window_bounds(day, return_window)
    now = store.clock.now()
    start, end = day_bounds(day)
    first, after = to_iso(start), to_iso(end)
    due_until = to_iso(min(end, now))
    accepted = {verdict.value for verdict in ACCEPTED}
    with store.read() as conn:
        received = conn.execute(
            "SELECT count(*) FROM orders WHERE imported_at >= ? AND imported_at < ?"
            " AND split_from IS NULL",
            (first, after),
        ).fetchone()[0]
        shipped_rows = conn.execute(
            "SELECT imported_at, shipped_at FROM orders WHERE shipped_at >= ? AND shipped_at < ?",
            (first, after),
        ).fetchall()
        cancelled = conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'order.cancel' AND at >= ? AND at < ?"
            f" AND {AUDIT_INDEXED}",
            (first, after),
        ).fetchone()[0]
        sla_rows = {
            row["priority"]: row
            for row in conn.execute(
                "SELECT priority, count(*) AS due,"
                " coalesce(sum(shipped_at IS NOT NULL AND shipped_at <= due_at), 0) AS hit"
                " FROM orders WHERE due_at >= ? AND due_at < ? AND status != ?"
                " GROUP BY priority",
                (first, due_until, OrderStatus.CANCELLED.value),
            )
        }
        shorts = conn.execute(
            "SELECT detail FROM audit WHERE action = 'pick.short' AND at >= ? AND at < ?"
            f" AND {AUDIT_INDEXED}",
            (first, after),
        ).fetchall()
        scans = conn.execute(
            "SELECT user, task, at, verdict, pick_line_id, order_no, sku FROM scans"
            " WHERE at >= ? AND at < ? ORDER BY at, id",
            (first, after),
        ).fetchall()
        returns = _returns(conn, first, after)
        window = _returns(conn, to_iso(window_start), after)
        tracked = _tracking(conn, first, after)
        stocked = _stock(conn, first, after)
        breakdown = _breakdown(conn, first, after)
    lead = tuple(
        (from_iso(row["shipped_at"]) - from_iso(row["imported_at"])).total_seconds() / 60
        for row in shipped_rows
    )
    sla = tuple(
        SlaLine(
            priority.value,
            sla_rows[priority.value]["due"] if priority.value in sla_rows else 0,
            sla_rows[priority.value]["hit"] if priority.value in sla_rows else 0,
        )
        for priority in PRIORITIES
    )
    short_units = sum(int(json.loads(row["detail"]).get("missing", 0)) for row in shorts)
    pick_scans = [row for row in scans if row["task"] == "pick"]
    return DailyReport(
        day=day,
        start=start,
        end=end,
        generated_at=now,
        received=int(received),
        shipped=len(shipped_rows),
        cancelled=int(cancelled),
        lead_minutes=lead,
        sla=sla,
        pick_scans=len(pick_scans),
        pick_refused=sum(1 for row in pick_scans if row["verdict"] not in accepted),
        short_picks=len(shorts),
        short_units=short_units,
        people=_people(scans, accepted),
        returns=returns,
        tracking=tracked,
        stock=stocked,
        return_window_days=return_window,
        return_window=window,
        breakdown=breakdown,
    )


def _stock(conn: Any, first: str, after: str) -> StockFigures:
    """The window's ledger entries summed per kind (units in, units out), and every bin whose
    latest count was taken in the window with the units its count found over and under the
    books (a bin sent to a recount keeps its first count until it is counted again)."""
    movements = [
        (r[0], int(r[1]), int(r[2]))
        for r in conn.execute(
            "SELECT kind, coalesce(sum(CASE WHEN qty > 0 THEN qty ELSE 0 END), 0),"
            " coalesce(sum(CASE WHEN qty < 0 THEN -qty ELSE 0 END), 0) FROM stock_ledger"
            " WHERE at >= ? AND at < ? GROUP BY kind",
            (first, after),
        )
    ]
    counted = [
        CountedBin(r["count_id"], r["bin"], int(r["up"]), int(r["down"]))
        for r in conn.execute(
            "SELECT b.count_id, b.bin,"
            " coalesce(sum(CASE WHEN r.counted > r.expected THEN r.counted - r.expected"
            " ELSE 0 END), 0) AS up,"
            " coalesce(sum(CASE WHEN r.counted < r.expected THEN r.expected - r.counted"
            " ELSE 0 END), 0) AS down"
            " FROM count_bins b LEFT JOIN count_results r"
            " ON r.count_id = b.count_id AND r.bin = b.bin"
            " WHERE b.counted_at >= ? AND b.counted_at < ?"
            " GROUP BY b.count_id, b.bin ORDER BY b.count_id, b.bin",
            (first, after),
        )
    ]
    return stock_figures(movements, counted)


#: Each dimension's key of an order (``o``) and, for categories, the join to its products.
_KEYS = {
    "channel": ("o.channel || '/' || o.shop", ""),
    "customer_class": ("o.customer_class", ""),
    "category": (
        "coalesce(p.category, '')",
        " JOIN order_lines l ON l.order_no = o.order_no LEFT JOIN products p ON p.sku = l.sku",
    ),
}


def _breakdown(conn: Any, first: str, after: str) -> tuple[Breakdown, ...]:
    """Orders received (imported; parts split off an order are not new orders) and shipped in
    the window, by channel and shop, customer class and product category."""
    lines = []
    for dimension in DIMENSIONS:
        key, join = _KEYS[dimension]
        counts: dict[str, list[int]] = {}
        for column, extra, index in (
            ("imported_at", " AND o.split_from IS NULL", 0),
            ("shipped_at", "", 1),
        ):
            for row in conn.execute(
                f"SELECT {key} AS k, count(DISTINCT o.order_no) AS n FROM orders o{join}"
                f" WHERE o.{column} >= ? AND o.{column} < ?{extra} GROUP BY k ORDER BY k",
                (first, after),
            ):
                counts.setdefault(row["k"], [0, 0])[index] = int(row["n"])
        lines += [Breakdown(dimension, k, r, s) for k, (r, s) in sorted(counts.items())]
    return tuple(lines)


def _tracking(conn: Any, first: str, after: str) -> TrackingFigures:
    """Parcels signed in the window with their ship-to-signed hours, and parcels with a problem
    or return event in the window, per carrier."""
    signed = tuple(
        (
            r["carrier"],
            (from_iso(r["signed_at"]) - from_iso(r["shipped_at"])).total_seconds() / 3600,
        )
        for r in conn.execute(
            "SELECT s.carrier, p.signed_at, coalesce(p.shipped_at, s.shipped_at) AS shipped_at"
            " FROM packages p JOIN shipments s ON s.id = p.shipment_id"
            " WHERE p.signed_at >= ? AND p.signed_at < ? AND p.status = 'shipped'"
            " AND coalesce(p.shipped_at, s.shipped_at) IS NOT NULL ORDER BY p.id",
            (first, after),
        )
    )
    problems = tuple(
        (r[0], int(r[1]))
        for r in conn.execute(
            "SELECT s.carrier, count(DISTINCT e.waybill_no) FROM tracking_events e"
            " JOIN packages p ON p.waybill_no = e.waybill_no"
            " JOIN shipments s ON s.id = p.shipment_id"
            " WHERE e.status IN ('problem', 'returned') AND e.at >= ? AND e.at < ?"
            " GROUP BY s.carrier ORDER BY s.carrier",
            (first, after),
        )
    )
    return TrackingFigures(signed, problems)


def _returns(conn: Any, first: str, after: str) -> ReturnsFigures:
    """Units received back, units shipped (ship ledger entries) and units of parcels written
    off in the window."""
    units = tuple(
        ReturnedUnit(r["return_id"], r["sku"], r["qty"], r["condition"] == "damaged", r["reason"])
        for r in conn.execute(
            "SELECT return_id, sku, qty, condition, reason FROM return_units"
            " WHERE received_at >= ? AND received_at < ? ORDER BY id",
            (first, after),
        )
    )
    shipped = tuple(
        (r[0], -r[1])
        for r in conn.execute(
            "SELECT sku, sum(qty) FROM stock_ledger WHERE kind = 'ship' AND at >= ? AND at < ?"
            " GROUP BY sku ORDER BY sku",
            (first, after),
        )
    )
    written_off = conn.execute(
        "SELECT coalesce(-sum(qty), 0) FROM stock_ledger WHERE kind = 'write_off'"
        " AND doc_type = 'return' AND at >= ? AND at < ?",
        (first, after),
    ).fetchone()[0]
    return ReturnsFigures(units, shipped, int(written_off))


def _people(scans: list, accepted: set[str]) -> tuple[PersonLine, ...]:
    grouped: dict[tuple[str, str], list] = {}
    for row in scans:
        if row["task"] in ("pick", "pack"):
            grouped.setdefault((row["user"], row["task"]), []).append(row)
    people = []
    for (user, task), rows in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0])):
        ok = [row for row in rows if row["verdict"] == "ok"]
        if task == "pick":
            lines = {row["pick_line_id"] for row in ok if row["pick_line_id"] is not None}
        else:
            lines = {(row["order_no"], row["sku"]) for row in ok}
        people.append(
            PersonLine(
                name=user,
                task=task,
                lines=len(lines),
                units=len(ok),
                scans=len(rows),
                refused=sum(1 for row in rows if row["verdict"] not in accepted),
                hours=active_hours(from_iso(row["at"]) for row in rows),
            )
        )
    return tuple(people)
