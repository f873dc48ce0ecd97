"""Who holds a station's scanner or printer: one session at a time, told who has it otherwise.

A lease is a row renewed by its holder's heartbeat. It is free when released, when its heartbeat
is older than ``STALE_AFTER_S``, or when its holder was a process on this host that no longer
exists (a killed session frees its devices at once, not after a timeout)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.clock import Clock, from_iso, to_iso
from data.store import Actor, Store

STALE_AFTER_S = 15.0
HEARTBEAT_S = 5.0


@dataclass(frozen=True)
class Holder:
    """Who holds a device."""

    user: str
    host: str
    pid: int
    acquired_at: str


def _this_process() -> tuple[str, int]:
    return socket.gethostname(), os.getpid()


def _alive(host: str, pid: int) -> bool:
    if host != socket.gethostname():
        return True  # cannot tell for another host; the heartbeat decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _current(conn: Any, clock: Clock, station: str, device: str) -> Holder | None:
    row = conn.execute(
        "SELECT user, host, pid, acquired_at, heartbeat_at FROM device_leases"
        " WHERE station = ? AND device = ?",
        (station, device),
    ).fetchone()
    if row is None:
        return None
    stale = from_iso(row["heartbeat_at"]) < clock.now() - timedelta(seconds=STALE_AFTER_S)
    if stale or not _alive(row["host"], row["pid"]):
        return None
    return Holder(row["user"], row["host"], row["pid"], row["acquired_at"])


def acquire(store: Store, actor: Actor, station: str, device: str) -> Holder | None:
    """Take the device for this process. Returns None when taken (or already ours), else the
    holder that keeps it."""
    host, pid = _this_process()
    with store.write(actor) as write:
        holder = _current(write.conn, store.clock, station, device)
        if holder is not None and (holder.host, holder.pid) != (host, pid):
            write.audit(f"{device}.busy", station, holder=holder.user)
            return holder
        write.execute(
            "INSERT INTO device_leases (station, device, user, host, pid, acquired_at,"
            " heartbeat_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (station, device) DO UPDATE SET"
            " user = excluded.user, host = excluded.host, pid = excluded.pid,"
            " acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at",
            (station, device, actor.user, host, pid, write.now, write.now),
        )
        write.audit(f"{device}.acquire", station)
    return None


def heartbeat(store: Store, station: str, device: str) -> bool:
    """Renew this process's lease; False if it is no longer ours. Not audited: it changes no
    business state, only the liveness stamp (written in its own short transaction)."""
    host, pid = _this_process()
    with store.immediate():
        changed = store.conn.execute(
            "UPDATE device_leases SET heartbeat_at = ? WHERE station = ? AND device = ?"
            " AND host = ? AND pid = ?",
            (_now(store), station, device, host, pid),
        ).rowcount
    return changed == 1


def release(store: Store, actor: Actor, station: str, device: str) -> None:
    """Give the device back (only if this process holds it)."""
    host, pid = _this_process()
    with store.write(actor) as write:
        write.execute(
            "DELETE FROM device_leases WHERE station = ? AND device = ? AND host = ? AND pid = ?",
            (station, device, host, pid),
        )
        write.audit(f"{device}.release", station)


def holder(store: Store, station: str, device: str) -> Holder | None:
    """Who holds the device now, if anyone."""
    with store.read() as conn:
        return _current(conn, store.clock, station, device)


def _now(store: Store) -> str:
    return to_iso(store.clock.now())
