"""The demo's after-sales (售后): a list picked, packed and shipped by scans before the demo
starts, an after-sales export of returns expected for two of its orders, and one labelled order
refunded and intercepted (拦截), so the returns bench, the Returns tab and the pull at the bench
have something to show. Everything goes through the floor and the returns services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.ports import Operator, PackOutcome
from data import intercepts, printing, returns, stations
from data.floor import SqliteFloor
from data.store import Actor, Store

#: The bench the demo's history was packed at (its dummy printer prints nothing).
HISTORY_BENCH = "demo-history"
#: Waybill numbers on the parcels the buyers send back (the carriers' return labels).
RETURN_WAYBILLS = ("YT8800000001", "YT8800000002")
#: A parcel that comes back with nothing to say whose it is (无信息件).
UNKNOWN_WAYBILL = "YT8899999999"


@dataclass(frozen=True)
class DemoAfterSales:
    """What the demo's after-sales left, for the scan sheet and the instructions."""

    #: Shipped orders: (order number, waybill number, first unit's barcode).
    shipped: tuple[tuple[str, str, str], ...]
    #: Expected returns: (after-sales number, order number, return waybill, kind).
    expected: tuple[tuple[str, str, str, str], ...]
    #: The intercepted order, its voided label and the tote its units wait in ("" if none).
    intercepted: str
    intercepted_label: str
    intercepted_tote: str


def _pick_next(floor: SqliteFloor, picker_name: str, pin: str, station: str, tote: str) -> int:
    """A picker picks the most urgent released list into ``tote``; its id (0: none)."""
    picker = floor.login(picker_name, pin, station)
    view = floor.claim_next_pick(picker)
    if view is None:
        return 0
    floor.pick_scan(picker, view.picklist_id, tote, "simulated")
    while view.current is not None:
        code = floor.expected_code(view.picklist_id)
        outcome = floor.pick_scan(picker, view.picklist_id, code or "", "simulated")
        if code is None or outcome.view is None or not outcome.accepted:
            break
        view = outcome.view
    return view.picklist_id


def _check_and_label(
    floor: SqliteFloor, packer: Operator, opened: PackOutcome
) -> list[tuple[str, str]]:
    """Check every unit of the orders open at the bench and close them (labels queued);
    (order, waybill) of each."""
    for order in opened.view.checking:
        for line in order.lines:
            for _ in range(line.missing):
                floor.pack_scan(packer, line.barcode or line.sku, "simulated")
    labelled = []
    for order in opened.view.checking:
        closed = floor.finish_pack(packer, order.order_no, 800, 1)
        shipment = next(
            (o.shipment for o in closed.view.to_ship if o.order_no == order.order_no), None
        )
        if shipment is not None and shipment.waybills:
            labelled.append((order.order_no, shipment.waybills[0]))
    return labelled


def build_after_sales(
    store: Store, actor: Actor, directory: Path, picker: str, packer: str, pin: str
) -> DemoAfterSales:
    """Ship one list, import the returns expected for two of its orders (the file is kept as
    ``after_sales.csv``), label one more order and intercept it. ``packer`` works at the
    history bench: someone not bound to another station (a supervisor packs there)."""
    stations.add_station(store, actor, HISTORY_BENCH, "", "dummy://")
    floor = SqliteFloor(store)
    bench = floor.login(packer, pin, HISTORY_BENCH)
    shipped: list[tuple[str, str, str]] = []
    shipped_list = _pick_next(floor, picker, pin, "demo-handheld", "T:0002")
    if shipped_list:
        opened = floor.pack_scan(bench, f"P:{shipped_list:06d}", "simulated")
        barcodes = {
            order.order_no: (order.lines[0].barcode or order.lines[0].sku)
            for order in opened.view.checking
        }
        for order_no, waybill in _check_and_label(floor, bench, opened):
            _forget_labels(store, actor, order_no)
            if floor.pack_scan(bench, waybill, "simulated").accepted:
                shipped.append((order_no, waybill, barcodes[order_no]))
    expected: list[tuple[str, str, str, str]] = []
    rows = ["after_sales_no,order_no,return_waybill,type,reason,sku,qty"]
    for number, ((order_no, _waybill, _code), return_waybill, kind) in enumerate(
        zip(shipped, RETURN_WAYBILLS, ("return", "exchange"), strict=False), start=1
    ):
        lines = store.query(
            "SELECT sku, packed FROM order_lines WHERE order_no = ? ORDER BY line_no LIMIT 1",
            (order_no,),
        )
        after_sales_no = f"SH{number:04d}"
        reason = "七天无理由" if kind == "return" else "质量问题"
        rows.append(
            f"{after_sales_no},{order_no},{return_waybill},{kind},{reason},"
            f"{lines[0]['sku']},{lines[0]['packed']}"
        )
        expected.append((after_sales_no, order_no, return_waybill, kind))
    export = directory / "after_sales.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8", newline="")
    returns.import_expected(store, actor, export.read_bytes())
    intercepted = label = tote = ""
    held_list = _pick_next(floor, picker, pin, "demo-handheld", "T:0003")
    order_nos = [
        row["order_no"]
        for row in store.query(
            "SELECT order_no FROM orders WHERE picklist_id = ? AND status = 'picked'"
            " ORDER BY due_at, order_no",
            (held_list,),
        )
    ]
    if order_nos:
        opened = floor.pack_scan(bench, f"O:{order_nos[0]}", "simulated")
        labelled = _check_and_label(floor, bench, opened)
        if labelled:
            intercepted, label = labelled[0]
            _forget_labels(store, actor, intercepted)
            intercepts.intercept(store, actor, intercepted, "仅退款 买家已退款 refund")
            tote = "T:0003"
    return DemoAfterSales(tuple(shipped), tuple(expected), intercepted, label, tote)


def _forget_labels(store: Store, actor: Actor, order_no: str) -> None:
    """The history bench's labels are never sent anywhere: their jobs are cancelled, saying
    so, rather than left waiting for a printer nobody runs."""
    for job in printing.list_jobs(store, station=HISTORY_BENCH):
        if job.subject == order_no and job.status in ("queued", "failed", "uncertain"):
            printing.cancel_job(store, actor, job.id, "demo history: shipped before the demo")


def _entry(scan: str, note: str) -> str:
    """A line of the scan sheet, as the rest of it is written."""
    return f"{scan.ljust(44)}  # {note}"


def scan_sheet_lines(after_sales: DemoAfterSales) -> list[str]:
    """The scan sheet's after-sales section."""
    entry = _entry
    lines = ["", "# -- after-sales (售后): T at home opens the returns bench --"]
    for after_sales_no, order_no, waybill, kind in after_sales.expected:
        lines.append(entry(waybill, f"return waybill of {after_sales_no} ({kind}, {order_no})"))
    for order_no, waybill, code in after_sales.shipped:
        lines.append(entry(waybill, f"original label of shipped order {order_no}"))
        lines.append(entry(code, f"a unit of {order_no}"))
    if after_sales.shipped:
        lines.append(entry(f"O:{after_sales.shipped[-1][0]}", "a shipped order's code"))
    lines.append(entry(UNKNOWN_WAYBILL, "a parcel no order matches (无信息件): U keeps it"))
    if after_sales.intercepted:
        order = after_sales.intercepted
        lines += [
            "",
            "# -- an intercepted order (拦截): refunded after its label was printed --",
            entry(after_sales.intercepted_tote, f"its tote at the bench: pull {order}"),
            entry(after_sales.intercepted_label, "its label: refused at shipping as INTERCEPTED"),
            entry(f"O:{order}", "its order code: confirm the pull on the Returns tab (Y)"),
        ]
    return lines
