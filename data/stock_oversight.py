"""The supervisor's stock port (core.stock_oversight.StockOversight) on the SQLite store: the
reads of the Stock section's tabs, and count tasks and decisions through the services the
``counts create|approve|recount`` commands call."""

from __future__ import annotations

import sqlite3
from datetime import date

from core.clock import from_iso
from core.errors import Rejected
from core.i18n import _
from core.ports import Operator
from core.receiving import ABC_CLASSES
from core.roles import Permission
from core.stock import BinKind
from core.stock_oversight import (
    EXPIRY_DAYS,
    BinStock,
    CountDifference,
    CountLine,
    CountScope,
    CountTask,
    CreatedCount,
    ExpiringLot,
    FaceBelowMin,
    StockOversight,
    StockTabs,
)
from core.stock_reports import Freshness, Replenishment
from data import receiving, stock_reports
from data.stock import _walk
from data.store import Actor, Store

#: At most this many rows in a tab (stock per bin is read in walk order up to it).
TAB_CAP = 500


def _kind(value: str | None) -> BinKind:
    try:
        return BinKind(value or BinKind.PICK_FACE.value)
    except ValueError:
        return BinKind.PICK_FACE


class SqliteStockOversight(StockOversight):
    """The stock port on one session's connection (the same store as its floor)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _actor(self, operator: Operator) -> Actor:
        return Actor(operator.name, operator.station)

    def tabs(self, operator: Operator, expiry_days: int = EXPIRY_DAYS) -> StockTabs:
        """Every tab's rows; each list read by the service its command uses where there is one."""
        self.store.require(self._actor(operator), Permission.OVERSEE)
        with self.store.read() as conn:
            bins, total = _bins(conn)
            faces = _faces_below_min(conn)
            differences = _differences(conn)
        replenishments = tuple(
            Replenishment(**{k: v for k, v in task.items() if k != "id"})
            for task in stock_reports.replenish_list(self.store)[:TAB_CAP]
        )
        expiring = tuple(
            ExpiringLot(
                sku=row["sku"],
                name=row["name"],
                bin=row["bin"],
                kind=_kind(row["kind"]),
                lot=row["lot"],
                expiry=date.fromisoformat(row["expiry"]),
                on_hand=row["on_hand"],
                reserved=row["reserved"],
                days_left=row["days_left"],
                state=Freshness(row["state"]),
            )
            for row in stock_reports.expiring_report(self.store, expiry_days)[:TAB_CAP]
        )
        counts = tuple(
            CountTask(
                id=row["id"],
                created_at=from_iso(row["created_at"]),
                created_by=row["created_by"],
                scope=row["scope"],
                open_count=bool(row["open"]),
                status=row["status"],
                bins=row["bins"] or 0,
                to_count=row["to_count"] or 0,
                awaiting=row["awaiting"] or 0,
                approved=row["approved"] or 0,
            )
            for row in receiving.list_counts(self.store)[:TAB_CAP]
        )
        return StockTabs(bins, total, faces, replenishments, expiring, counts, differences)

    def create_count(
        self, operator: Operator, scope: CountScope, value: str, open_count: bool = False
    ) -> CreatedCount:
        """``counts create (--bins | --sku | --moved-days | --abc | --flagged) [--open]``; the
        value is read here as the command line's option would be, with the screen's words for
        an empty or malformed one."""
        actor = self._actor(operator)
        self.store.require(actor, Permission.OVERSEE)
        value = " ".join(value.split())
        if scope is not CountScope.FLAGGED and not value:
            raise Rejected(_missing()[scope])
        if scope is CountScope.BINS:
            made = receiving.create_count(self.store, actor, bins=value, open_count=open_count)
        elif scope is CountScope.SKU:
            made = receiving.create_count(self.store, actor, sku=value, open_count=open_count)
        elif scope is CountScope.MOVED:
            days = int(value) if value.isascii() and value.isdigit() else 0
            if days <= 0:
                raise Rejected(_("The days are a whole number above 0, such as 7."))
            made = receiving.create_count(self.store, actor, moved_days=days, open_count=open_count)
        elif scope is CountScope.ABC:
            if value.upper() not in ABC_CLASSES:
                raise Rejected(
                    _("The ABC class is one of {classes}.").format(classes=", ".join(ABC_CLASSES))
                )
            made = receiving.create_count(self.store, actor, abc=value, open_count=open_count)
        else:
            made = receiving.create_count(self.store, actor, flagged=True, open_count=open_count)
        return CreatedCount(
            id=int(made["count"]),
            scope=str(made["scope"]),
            bins=tuple(made["bins"]),
            open_count=bool(made["open"]),
        )

    def approve_count(self, operator: Operator, count_id: int, bin_code: str, reason: str) -> int:
        """``counts approve ID --bin BIN --reason TEXT``."""
        actor = self._actor(operator)
        self.store.require(actor, Permission.OVERSEE)
        done = receiving.approve_count(self.store, actor, count_id, reason, bin_code)
        return len(done["adjusted"])

    def recount(self, operator: Operator, count_id: int, bin_code: str, reason: str) -> None:
        """``counts recount ID --bin BIN --reason TEXT``."""
        actor = self._actor(operator)
        self.store.require(actor, Permission.OVERSEE)
        receiving.recount(self.store, actor, count_id, reason, bin_code)


def _missing() -> dict[CountScope, str]:
    """What to type, when the value of a count task's scope is empty."""
    return {
        CountScope.BINS: _("Type a bin range FIRST:LAST, such as A-01-01:A-01-09."),
        CountScope.SKU: _("Type the SKU whose bins to count."),
        CountScope.MOVED: _("Type the number of days, such as 7."),
        CountScope.ABC: _("Type the ABC class: A, B or C."),
    }


def _bins(conn: sqlite3.Connection) -> tuple[tuple[BinStock, ...], int]:
    """Stock rows with units in walk order of their bins (then SKU, lot), the first TAB_CAP,
    and how many there are."""
    total = conn.execute("SELECT count(*) FROM stock WHERE on_hand > 0").fetchone()[0]
    records = conn.execute(
        "SELECT s.sku, p.name, s.bin, coalesce(l.kind, 'pick_face') AS kind, s.lot, s.expiry,"
        " s.on_hand, s.reserved FROM stock s JOIN products p ON p.sku = s.sku"
        " LEFT JOIN locations l ON l.code = s.bin WHERE s.on_hand > 0"
        " ORDER BY l.sequence IS NULL, l.sequence, s.bin, s.sku, s.lot LIMIT ?",
        (TAB_CAP,),
    ).fetchall()
    walk = _walk(conn)
    rows = sorted(records, key=lambda r: (walk(r["bin"]), r["sku"], r["lot"]))
    return (
        tuple(
            BinStock(
                sku=r["sku"],
                name=r["name"],
                bin=r["bin"],
                kind=_kind(r["kind"]),
                lot=r["lot"],
                expiry=date.fromisoformat(r["expiry"]) if r["expiry"] else None,
                on_hand=r["on_hand"],
                reserved=r["reserved"],
            )
            for r in rows
        ),
        int(total),
    )


def _faces_below_min(conn: sqlite3.Connection) -> tuple[FaceBelowMin, ...]:
    """Pick faces with a minimum holding fewer units of a SKU (held there, or whose home bin
    it is) than it, in walk order, with the free units reserve bins hold of the SKU."""
    faces = {
        r["code"]: r["min_units"]
        for r in conn.execute(
            "SELECT code, min_units FROM locations WHERE kind = ? AND min_units IS NOT NULL",
            (BinKind.PICK_FACE.value,),
        )
    }
    if not faces:
        return ()
    units: dict[tuple[str, str], int] = {}
    for r in conn.execute(
        "SELECT p.location AS bin, p.sku FROM products p JOIN locations l ON l.code = p.location"
        " WHERE l.kind = ? AND l.min_units IS NOT NULL",
        (BinKind.PICK_FACE.value,),
    ):
        units.setdefault((r["bin"], r["sku"]), 0)
    for r in conn.execute(
        "SELECT s.bin, s.sku, sum(s.on_hand) AS units FROM stock s"
        " JOIN locations l ON l.code = s.bin WHERE l.kind = ? AND l.min_units IS NOT NULL"
        " GROUP BY s.bin, s.sku",
        (BinKind.PICK_FACE.value,),
    ):
        units[(r["bin"], r["sku"])] = r["units"]
    low = {key: held for key, held in units.items() if held < faces[key[0]]}
    if not low:
        return ()
    skus = sorted({sku for _face, sku in low})
    names: dict[str, str] = {}
    reserve: dict[str, int] = {}
    for start in range(0, len(skus), 500):
        chunk = skus[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT sku, name FROM products WHERE sku IN ({marks})", chunk):
            names[r["sku"]] = r["name"]
        for r in conn.execute(
            "SELECT s.sku, sum(s.on_hand - s.reserved) AS free FROM stock s"
            f" JOIN locations l ON l.code = s.bin WHERE l.kind = ? AND s.sku IN ({marks})"
            " GROUP BY s.sku",
            [BinKind.RESERVE.value, *chunk],
        ):
            reserve[r["sku"]] = r["free"]
    walk = _walk(conn)
    ordered = sorted(low.items(), key=lambda item: (walk(item[0][0]), item[0][1]))
    return tuple(
        FaceBelowMin(face, sku, names.get(sku, ""), held, faces[face], reserve.get(sku, 0))
        for (face, sku), held in ordered[:TAB_CAP]
    )


def _differences(conn: sqlite3.Connection) -> tuple[CountDifference, ...]:
    """Counted bins awaiting a decision, oldest count first, with what was found."""
    places = conn.execute(
        "SELECT count_id, bin, counted_by, counted_at FROM count_bins WHERE status = 'counted'"
        " ORDER BY count_id, bin LIMIT ?",
        (TAB_CAP,),
    ).fetchall()
    found = []
    for place in places:
        lines = tuple(
            CountLine(r["sku"], r["lot"], r["counted"], r["expected"])
            for r in conn.execute(
                "SELECT sku, lot, counted, expected FROM count_results"
                " WHERE count_id = ? AND bin = ? ORDER BY sku, lot",
                (place["count_id"], place["bin"]),
            )
        )
        found.append(
            CountDifference(
                count_id=place["count_id"],
                bin=place["bin"],
                counted_by=place["counted_by"] or "",
                counted_at=from_iso(place["counted_at"]) if place["counted_at"] else None,
                lines=lines,
            )
        )
    return tuple(found)
