"""Shipments as the command line and reports read them: carrier, service, waybill numbers,
weight, parcels, status, and the state of each label job."""

from __future__ import annotations

import json
from typing import Any

from core.errors import NotFound, Rejected
from core.i18n import _
from core.waybills import Routing
from data.store import Store

STATUSES = ("labelled", "packed", "shipped", "void")


def _packages(conn: Any, shipment_id: int) -> list[dict[str, Any]]:
    packages = []
    for row in conn.execute(
        "SELECT p.seq, p.waybill_no, p.status, p.shipped_at, p.print_job_id AS label_job,"
        " j.status AS label_status, p.routing, coalesce(w.source, 'pool') AS waybill_source"
        " FROM packages p LEFT JOIN print_jobs j ON j.id = p.print_job_id"
        " LEFT JOIN waybill_numbers w ON w.number = p.waybill_no"
        " WHERE p.shipment_id = ? ORDER BY p.seq",
        (shipment_id,),
    ):
        package = dict(row)
        try:
            routing = json.loads(package["routing"]) if package["routing"] else None
        except ValueError:
            routing = None
        package["routing"] = Routing.from_dict(
            routing if isinstance(routing, dict) else None
        ).as_dict()
        packages.append(package)
    return packages


def _shape(conn: Any, row: Any) -> dict[str, Any]:
    shipment = dict(row)
    shipment["packages"] = _packages(conn, row["id"])
    shipment["waybills"] = [p["waybill_no"] for p in shipment["packages"]]
    return shipment


def list_shipments(
    store: Store,
    status: str | None = None,
    order_no: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The newest shipments, optionally of one status or one order."""
    if status is not None and status not in STATUSES:
        raise Rejected(
            _("unknown shipment status {status!r}; use one of {known}").format(
                status=status, known=", ".join(STATUSES)
            )
        )
    clauses, parameters = [], []
    if status:
        clauses.append("status = ?")
        parameters.append(status)
    if order_no:
        clauses.append("order_no = ?")
        parameters.append(order_no)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT * FROM shipments {where} ORDER BY id DESC LIMIT ?", [*parameters, limit]
        ).fetchall()
        return [_shape(conn, row) for row in rows]


def show_shipment(store: Store, key: str) -> dict[str, Any]:
    """One shipment by its id, or the live shipment of an order number, or the shipment of a
    waybill number."""
    with store.read() as conn:
        row = None
        if key.isdigit():
            row = conn.execute("SELECT * FROM shipments WHERE id = ?", (int(key),)).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT * FROM shipments WHERE order_no = ? ORDER BY status = 'void', id DESC"
                " LIMIT 1",
                (key,),
            ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT s.* FROM shipments s JOIN packages p ON p.shipment_id = s.id"
                " WHERE p.waybill_no = ?",
                (key.upper(),),
            ).fetchone()
        if row is None:
            raise NotFound(_("no shipment, order or waybill {key}").format(key=key))
        return _shape(conn, row)


def live_shipment(conn: Any, order_no: str) -> Any:
    """An order's live shipment row (the one not voided; there is at most one), or None."""
    return conn.execute(
        "SELECT * FROM shipments WHERE order_no = ? AND status != 'void'", (order_no,)
    ).fetchone()


def order_shipment(conn: Any, order_no: str) -> dict[str, Any] | None:
    """An order's live shipment (the ``orders show --json`` part), or None."""
    row = live_shipment(conn, order_no)
    if row is None:
        return None
    shape = _shape(conn, row)
    return {
        key: shape[key]
        for key in (
            "id",
            "status",
            "carrier",
            "service",
            "choice_reason",
            "override_reason",
            "weight_g",
            "weight_source",
            "packages",
            "waybills",
            "packed_by",
            "packed_at",
            "shipped_at",
        )
    }
