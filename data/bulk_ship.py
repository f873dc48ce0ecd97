"""The bulk-ship file (批量发货) a seller uploads to a platform, and the carrier alias table.

One row per waybill: the order number as the platform knows it, the carrier under the
platform's name for it, the waybill number. Waybills already exported for a platform are
remembered, so the next export adds only new ones (``repeat`` lists them all again).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from core.clock import to_iso
from core.errors import Rejected
from core.i18n import _
from core.platforms import Profile, bulk_ship_rows
from core.roles import Permission
from data.merging import platform_orders
from data.platforms import bundled_profiles
from data.store import Actor, Store

#: Which shipments an export takes: printed (labelled, packed or shipped) or shipped only.
STATUSES = {"printed": ("labelled", "packed", "shipped"), "shipped": ("shipped",)}


def _profile(platform: str) -> Profile:
    for profile in bundled_profiles():
        if profile.name == platform and profile.bulk_ship is not None:
            return profile
    known = ", ".join(p.name for p in bundled_profiles() if p.bulk_ship is not None)
    raise Rejected(
        _("no bulk-ship layout for platform {platform}; use one of {known}").format(
            platform=platform, known=known
        )
    )


def set_alias(store: Store, actor: Actor, platform: str, carrier: str, name: str) -> None:
    """Name ``carrier`` (our code) the way ``platform`` does in its bulk-ship file."""
    _profile(platform)
    carrier = carrier.strip().upper()
    if not carrier or len(carrier) > 16 or not carrier.isprintable():
        raise Rejected(_("a carrier code is 1 to 16 printable characters"))
    name = " ".join(name.split())
    if not name or len(name) > 64 or not name.isprintable():
        raise Rejected(_("a carrier name is 1 to 64 printable characters"))
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        write.execute(
            "INSERT INTO carrier_aliases (platform, carrier, name, updated_at) VALUES (?,?,?,?)"
            " ON CONFLICT (platform, carrier) DO UPDATE SET name = excluded.name,"
            " updated_at = excluded.updated_at",
            (platform, carrier, name, write.now),
        )
        write.audit("carrier.alias", carrier, platform=platform, name=name)


def aliases(store: Store, platform: str) -> dict[str, str]:
    """Carrier names an admin set for ``platform`` (over the profile's own), by our code."""
    return {
        row["carrier"]: row["name"]
        for row in store.query(
            "SELECT carrier, name FROM carrier_aliases WHERE platform = ?", (platform,)
        )
    }


def export_bulk_ship(
    store: Store,
    actor: Actor,
    platform: str,
    out: Path,
    shop: str | None = None,
    since: datetime | None = None,
    status: str = "printed",
    repeat: bool = False,
) -> dict[str, Any]:
    """Write the bulk-ship file for ``platform``'s orders to ``out`` (.csv in the platform's
    encoding, or .xlsx) and remember its waybills. Returns what was written and the carriers
    without a name on the platform (their waybills are left out until one is set)."""
    profile = _profile(platform)
    assert profile.bulk_ship is not None
    if status not in STATUSES:
        raise Rejected(
            _("unknown status {status}; use printed or shipped").format(status=repr(status))
        )
    lower = out.name.lower()
    if not lower.endswith((".csv", ".xlsx")):
        raise Rejected(_("{name}: write a .csv or .xlsx file").format(name=out.name))
    states = STATUSES[status]
    where = [
        "o.channel = ?",
        "p.status != 'void'",
        f"s.status IN ({','.join('?' * len(states))})",
    ]
    parameters: list[Any] = [profile.channel, *states]
    if shop is not None:
        where.append("o.shop = ?")
        parameters.append(shop)
    if since is not None:
        where.append("s.created_at >= ?")
        parameters.append(to_iso(since))
    if not repeat:
        where.append(
            "NOT EXISTS (SELECT 1 FROM bulk_ship_exports e WHERE e.package_id = p.id"
            " AND e.platform = ?)"
        )
        parameters.append(platform)
    names = aliases(store, platform)
    with store.write(actor) as write:
        write.require(Permission.OVERSEE)
        rows = write.execute(
            "SELECT p.id AS package_id, s.order_no, s.carrier, p.waybill_no FROM packages p"
            " JOIN shipments s ON s.id = p.shipment_id JOIN orders o ON o.order_no = s.order_no"
            f" WHERE {' AND '.join(where)} ORDER BY s.created_at, s.order_no, p.seq",
            parameters,
        ).fetchall()
        numbers = platform_orders(write, {r["order_no"] for r in rows})
        header, lines, unnamed = bulk_ship_rows(
            profile,
            (
                (number, r["carrier"], r["waybill_no"])
                for r in rows
                for number in numbers[r["order_no"]]
            ),
            names,
        )
        # Inside the transaction: the waybills remembered are exactly those in the file.
        _write(out, header, lines, profile.bulk_ship.encoding)
        write.conn.executemany(
            "INSERT OR IGNORE INTO bulk_ship_exports (package_id, platform, exported_at)"
            " VALUES (?,?,?)",
            [
                (r["package_id"], platform, write.now)
                for r in rows
                if r["carrier"].upper() not in unnamed
            ],
        )
        write.audit("shipments.export", platform, rows=len(lines), file=out.name)
    return {"platform": platform, "file": str(out), "rows": len(lines), "unnamed": unnamed}


def _write(out: Path, header: list[str], lines: list[list[str]], encoding: str) -> None:
    """Write the file whole beside ``out`` and move it into place: never half a file."""
    partial = out.with_name(out.name + ".partial")
    try:
        if out.name.lower().endswith(".xlsx"):
            import openpyxl

            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(header)
            for line in lines:
                sheet.append(line)  # text cells: waybill numbers keep their digits
            book.save(partial)
        else:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(lines)
            partial.write_bytes(text.getvalue().encode(encoding, errors="replace"))
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Rejected(
            _("cannot write {path}: {error}").format(path=out, error=error.strerror)
        ) from None
