"""The embedded demo: a fresh database with bundled data, users and released waves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock, SystemClock
from core.i18n import _
from data import catalog, orders, users, waves
from data.demo_data import DEMO_PIN, DEMO_USERS, write_demo_files
from data.store import Actor, open_store


@dataclass(frozen=True)
class DemoResult:
    """Where the demo is and how to use it."""

    db: Path
    directory: Path
    instructions: list[str]


def build_demo(directory: Path, clock: Clock | None = None) -> DemoResult:
    """Write the demo files into ``directory`` and import them into ``directory/demo.db``
    (replacing an earlier demo there), add the demo users and release two waves."""
    clock = clock or SystemClock()
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    files = write_demo_files(directory, clock.now())
    store = open_store(db, clock)
    actor = Actor("admin", "demo")
    for name, role in DEMO_USERS:
        users.add_user(store, actor, name, role, DEMO_PIN)
    catalog.import_locations(store, actor, files.locations.read_bytes(), files.locations.name)
    catalog.import_products(store, actor, files.products.read_bytes(), files.products.name)
    report = orders.import_orders(store, actor, files.orders.read_bytes(), files.orders.name)
    first = waves.release_wave(store, actor, max_orders=12, orders_per_list=3)
    second = waves.release_wave(store, actor, max_orders=12, orders_per_list=2)
    lists = len(first["picklists"]) + len(second["picklists"])
    store.close()
    pickers = [name for name, role in DEMO_USERS if role == "picker"]
    instructions = [
        _("Demo database: {db}").format(db=db),
        _("Imported {orders} orders ({held} on hold), {lists} pick lists released.").format(
            orders=len(report.stored), held=len(report.held), lists=lists
        ),
        _("Log in as a picker: {pickers} — PIN {pin} (or scan a badge U:li.na).").format(
            pickers=", ".join(pickers), pin=DEMO_PIN
        ),
        _("Other users: {others}.").format(
            others=", ".join(f"{name} ({role})" for name, role in DEMO_USERS if role != "picker")
        ),
        _("On the pick screen F5 simulates scanning the right item, F6 a wrong one."),
        _("Example scans to type or paste: {sheet}").format(sheet=files.scan_sheet),
        _("Command line: .venv/bin/wareterm --db {db} orders list").format(db=db),
    ]
    return DemoResult(db, directory, instructions)
