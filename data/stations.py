"""Stations: a bench or a handheld with its scanner URL and printer URL, and who is bound to it.

The URLs are stored as given; checking that a URL makes sense for a scanner or a printer is the
device layer's job (the ``wareterm stations add`` command asks it before storing).
"""

from __future__ import annotations

import re
from typing import Any

from core.clock import from_iso, to_iso
from core.errors import NotFound, Rejected
from core.i18n import _
from core.labels import LABEL_LAYOUTS
from core.ports import PrinterLink, StationView
from core.roles import Permission
from data.store import Actor, Store

DEFAULT_LABEL_WIDTH = 576
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


def station_name(name: str) -> str:
    """A station name as stored: trimmed and lowercase; raises Rejected when it is not a name
    (1–32 letters, digits, ``.``, ``_`` or ``-``)."""
    clean = name.strip().lower()
    if not _NAME.match(clean):
        raise Rejected(
            _("station name {name!r}: use 1–32 letters, digits, '.', '_' or '-'").format(name=name)
        )
    return clean


def add_station(
    store: Store,
    actor: Actor,
    name: str,
    scanner_url: str | None = None,
    printer_url: str | None = None,
    profile: str | None = None,
    label_width: int | None = None,
    label_layout: str | None = None,
) -> dict[str, Any]:
    """Create a station, or change the settings given (``None`` keeps what is stored; an empty
    URL means the station has no such device). ``label_layout`` is the e-waybill layout its
    printer takes (``76x130`` or ``100x180``). Returns the station as stored."""
    name = station_name(name)
    if label_layout is not None and label_layout not in LABEL_LAYOUTS:
        raise Rejected(
            _("label layout {layout!r}: give one of {layouts}").format(
                layout=label_layout, layouts=", ".join(LABEL_LAYOUTS)
            )
        )
    if label_width is not None and (label_width <= 0 or label_width % 8):
        raise Rejected(
            _(
                "label width {width}: give the printable width in dots, a multiple of 8 (576 for "
                "80 mm paper, 384 for 58 mm)"
            ).format(width=label_width)
        )
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        row = write.execute("SELECT * FROM stations WHERE name = ?", (name,)).fetchone()
        old: dict[str, Any] = dict(row) if row else {}
        values = {
            "scanner_url": _pick(scanner_url, old.get("scanner_url"), ""),
            "printer_url": _pick(printer_url, old.get("printer_url"), ""),
            "profile": _pick(profile, old.get("profile"), None) or None,
            "label_width": _pick(label_width, old.get("label_width"), DEFAULT_LABEL_WIDTH),
            "label_layout": _pick(label_layout, old.get("label_layout"), LABEL_LAYOUTS[0]),
        }
        write.execute(
            "INSERT INTO stations (name, scanner_url, printer_url, profile, label_width,"
            " label_layout, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET"
            " scanner_url = excluded.scanner_url, printer_url = excluded.printer_url,"
            " profile = excluded.profile, label_width = excluded.label_width,"
            " label_layout = excluded.label_layout",
            (
                name,
                values["scanner_url"],
                values["printer_url"],
                values["profile"],
                values["label_width"],
                values["label_layout"],
                write.now,
            ),
        )
        changed = {key: value for key, value in values.items() if old.get(key) != value}
        write.audit("station.update" if row else "station.add", name, **changed)
    station = get_station(store, name)
    assert station is not None
    return station


def _pick(given: Any, stored: Any, default: Any) -> Any:
    if given is not None:
        return given.strip() if isinstance(given, str) else given
    return stored if stored is not None else default


def get_station(store: Store, name: str) -> dict[str, Any] | None:
    """One station with the users bound to it (None when there is no such station)."""
    rows = list_stations(store, name.strip().lower())
    return rows[0] if rows else None


def list_stations(store: Store, name: str | None = None) -> list[dict[str, Any]]:
    """Stations by name, each with ``users``: the names of the users bound to it."""
    where, parameters = ("WHERE name = ?", (name,)) if name is not None else ("", ())
    with store.read() as conn:
        rows = [
            dict(row)
            for row in conn.execute(
                "SELECT name, scanner_url, printer_url, profile, label_width, label_layout,"
                f" created_at FROM stations {where} ORDER BY name",
                parameters,
            )
        ]
        bound: dict[str, list[str]] = {}
        for user in conn.execute(
            "SELECT name, station FROM users WHERE station IS NOT NULL ORDER BY name"
        ):
            bound.setdefault(user["station"], []).append(user["name"])
    for row in rows:
        row["users"] = bound.get(row["name"], [])
    return rows


def label_layout(conn: Any, station: str) -> str:
    """The e-waybill layout the station's printer takes (the one-part 76x130 when unknown)."""
    row = conn.execute("SELECT label_layout FROM stations WHERE name = ?", (station,)).fetchone()
    return str(row["label_layout"]) if row is not None else LABEL_LAYOUTS[0]


def remove_station(store: Store, actor: Actor, name: str) -> list[str]:
    """Delete a station; users and SSH keys bound to it are unbound (they pick a station at
    login again). Returns those users."""
    name = name.strip().lower()
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        if write.execute("SELECT 1 FROM stations WHERE name = ?", (name,)).fetchone() is None:
            raise NotFound(_("no station {name!r}").format(name=name))
        bound = [
            row["name"]
            for row in write.execute(
                "SELECT name FROM users WHERE station = ? ORDER BY name", (name,)
            )
        ]
        write.execute("UPDATE users SET station = NULL WHERE station = ?", (name,))
        keys_unbound = write.execute(
            "UPDATE user_keys SET station = NULL WHERE station = ?", (name,)
        ).rowcount
        write.execute("DELETE FROM stations WHERE name = ?", (name,))
        write.audit("station.remove", name, unbound=bound, keys_unbound=keys_unbound)
    return bound


def station_view(store: Store, name: str) -> StationView | None:
    """A station's devices as the terminal needs them."""
    rows = store.query(
        "SELECT name, scanner_url, printer_url FROM stations WHERE name = ?",
        (name.strip().lower(),),
    )
    if not rows:
        return None
    row = rows[0]
    return StationView(row["name"], row["scanner_url"] or "", row["printer_url"] or "")


def printer_state(store: Store, station: str) -> PrinterLink:
    """The station's printer as the print worker last reported it in ``device_states``."""
    view = station_view(store, station)
    if view is None or not view.has_printer:
        return PrinterLink("none")
    rows = store.query(
        "SELECT status, detail, updated_at FROM device_states"
        " WHERE station = ? AND device = 'printer'",
        (view.name,),
    )
    if not rows:
        return PrinterLink("unknown")
    row = rows[0]
    return PrinterLink(row["status"], row["detail"] or "", from_iso(row["updated_at"]))


def record_scanner_state(store: Store, station: str, status: str, detail: str) -> None:
    """Write how the session holding the station's scanner sees it into ``device_states``, for
    the supervisor's overview. Bookkeeping, like the lease's heartbeat: not audited (the
    lease's acquire and release are)."""
    with store.immediate():
        store.conn.execute(
            "INSERT INTO device_states (station, device, status, detail, updated_at)"
            " VALUES (?, 'scanner', ?, ?, ?) ON CONFLICT (station, device) DO UPDATE SET"
            " status = excluded.status, detail = excluded.detail,"
            " updated_at = excluded.updated_at",
            (station.strip().lower(), status, detail, to_iso(store.clock.now())),
        )
