"""The embedded demo: a fresh database with bundled data, users and released waves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.clock import Clock, SystemClock
from core.i18n import _
from core.model import Role
from core.waybills import number_range
from data import carriers, catalog, orders, settings, stations, users, waves
from data.demo_data import DEMO_PIN, DEMO_USERS, write_demo_files
from data.store import Actor, Store, open_store

#: The demo's packing bench: a simulated scanner, labels written as files under the demo folder.
DEMO_BENCH = "demo-bench"
#: The demo pickers' handheld: a simulated serial scanner, no printer.
DEMO_HANDHELD = "demo-handheld"
#: Which demo station each role works at (supervisors and admins choose at login).
DEMO_STATIONS = {"picker": DEMO_HANDHELD, "packer": DEMO_BENCH}


@dataclass(frozen=True)
class DemoResult:
    """Where the demo is and how to use it."""

    db: Path
    directory: Path
    instructions: list[str]


#: Checks a station's scanner URL and printer URL, raising a WaretermError when one is wrong.
StationCheck = Callable[[str, str], None]


def build_demo(
    directory: Path, clock: Clock | None = None, check_station: StationCheck | None = None
) -> DemoResult:
    """Write the demo files into ``directory`` and import them into ``directory/demo.db``
    (replacing an earlier demo there), add the demo stations and users, release two waves.

    Both stations have a ``loop://`` scanner (scans simulated through the serial path); the
    bench prints to ``dir://<directory>/labels``, one file per label. ``check_station`` (the
    device layer's URL check, passed in by the CLI) is asked about each station first."""
    clock = clock or SystemClock()
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    files = write_demo_files(directory, clock.now())
    store = open_store(db, clock)
    actor = Actor("admin", "demo", Role.ADMIN)
    labels = (directory / "labels").resolve()
    for name, scanner_url, printer_url in (
        (DEMO_BENCH, "loop://", "dir://" + quote(str(labels), safe="/")),
        (DEMO_HANDHELD, "loop://", ""),
    ):
        if check_station is not None:
            check_station(scanner_url, printer_url)
        stations.add_station(store, actor, name, scanner_url, printer_url)
    for name, role in DEMO_USERS:
        users.add_user(store, actor, name, role, DEMO_PIN, DEMO_STATIONS.get(role, ""))
    catalog.import_locations(store, actor, files.locations.read_bytes(), files.locations.name)
    catalog.import_products(store, actor, files.products.read_bytes(), files.products.name)
    report = orders.import_orders(store, actor, files.orders.read_bytes(), files.orders.name)
    first = waves.release_wave(store, actor, max_orders=12, orders_per_list=3)
    second = waves.release_wave(store, actor, max_orders=12, orders_per_list=2)
    lists = len(first["picklists"]) + len(second["picklists"])
    with store.write(actor) as write:
        settings.put(write, "sender.name", "杭州演示仓 wareterm demo")
        settings.put(write, "sender.phone", "0571-88886666")
        settings.put(write, "sender.address", "浙江省杭州市余杭区仓前街道文一西路1号")
        # The floor reads Chinese; English is one key away on the login screen (F2).
        settings.put(write, "ui.language", "zh_CN")
    for code in DEMO_POOLS:
        carriers.add_numbers(
            store, actor, code, number_range(f"{code}1000000001", f"{code}1000000500")
        )
    picked = _pick_one_list(store)
    from data.demo_stock import add_stock_work

    stock_scans = add_stock_work(store, actor, directory)
    with files.scan_sheet.open("a", encoding="utf-8", newline="\n") as sheet:
        sheet.write("\n# -- stock work (W at home): receiving, replenishment, counting --\n")
        sheet.writelines(f"{code.ljust(44)}  # {note}\n" for code, note in stock_scans)
    from data.demo_after_sales import build_after_sales, scan_sheet_lines

    after_sales = build_after_sales(store, actor, directory, "wang.fang", "zhao.min", DEMO_PIN)
    with files.scan_sheet.open("a", encoding="utf-8", newline="\n") as sheet:
        sheet.write("\n".join(scan_sheet_lines(after_sales)) + "\n")
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
        _(
            "Stations: pickers work at {handheld}, the packer at {bench}; both have a "
            "simulated serial scanner (loop://)."
        ).format(handheld=DEMO_HANDHELD, bench=DEMO_BENCH),
        _(
            "On the pick screen F5 simulates scanning the right item, F6 a wrong one; the "
            "scans travel the serial scanner's path."
        ),
        _("Labels printed at {bench} land in {labels}/ (one file per label).").format(
            bench=DEMO_BENCH, labels=labels
        ),
        _(
            "List {code} is picked already (tote T:0001): log in as chen.jie at {bench} and "
            "scan it to pack; there F5 scans the next unit or label, F6 a wrong one."
        ).format(code=picked, bench=DEMO_BENCH),
        _("The terminal starts in Chinese; F2 on the login screen switches to English.")
        + " (F2 English)",
        _(
            "After-sales: {n} orders shipped, returns expected for {m} of them "
            "(after_sales.csv), order {order} intercepted; T at home opens the returns bench."
        ).format(
            n=len(after_sales.shipped),
            m=len(after_sales.expected),
            order=after_sales.intercepted or "—",
        ),
        _("Example scans to type or paste: {sheet}").format(sheet=files.scan_sheet),
        _("Command line: .venv/bin/wareterm --db {db} orders list").format(db=db),
    ]
    return DemoResult(db, directory, instructions)


#: Carriers the demo has waybill numbers for (500 each).
DEMO_POOLS = ("SF", "ZTO", "YTO", "STO", "YUNDA", "EMS", "JD")


def _pick_one_list(store: Store) -> str:
    """A demo picker picks the most urgent list into tote T:0001, so the bench has work."""
    from data.floor import SqliteFloor

    floor = SqliteFloor(store)
    picker = floor.login("zhang.wei", DEMO_PIN, DEMO_HANDHELD)
    view = floor.claim_next_pick(picker)
    if view is None:
        return ""
    floor.pick_scan(picker, view.picklist_id, "T:0001", "simulated")
    while view.current is not None:
        code = floor.expected_code(view.picklist_id)
        if code is None:
            break
        outcome = floor.pick_scan(picker, view.picklist_id, code, "simulated")
        if outcome.view is None:
            break
        view = outcome.view
    return view.code
