"""The demo's stock work: reserve bins beside pick faces, lot-tracked goods with lots and
expiry in reserve, a pick face waiting for a replenishment, an open receipt and a count task.
Made through the same services the floor and the CLI use, so the ledger explains every unit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.clock import local_day
from data import receiving, stock, stock_reports
from data.store import Actor, Store

#: The receipt the demo leaves open for the handheld (its code: ``R:`` and the number).
OPEN_RECEIPT = "R-DEMO-1"
#: Reserve bins (存储位) the demo fills.
RESERVE = ("R-01-01", "R-01-02", "R-01-03", "R-02-01")


def _gtin(store: Store, sku: str) -> str:
    code = store.scalar("SELECT code FROM barcodes WHERE sku = ? ORDER BY code LIMIT 1", (sku,))
    return str(code or sku)


def _gs1(gtin: str, lot: str, expiry: str) -> str:
    return f"(01){gtin.zfill(14)}(10){lot}(17){expiry[2:4]}{expiry[5:7]}{expiry[8:10]}"


def add_stock_work(store: Store, actor: Actor, directory: Path) -> list[tuple[str, str]]:
    """Set the demo's stock scene up; returns scan-sheet lines (code, note) for it."""
    today = local_day(store.clock.now())
    # the products file marked them lot-tracked, with their do-not-ship window
    lot_skus = [
        r["sku"] for r in store.query("SELECT sku FROM products WHERE lot_tracked = 1 ORDER BY sku")
    ]
    for code in RESERVE:
        stock.set_bin_kind(store, actor, code, "reserve")

    # three SKUs keep half their free units in reserve; the first one's pick face is set
    # below its minimum, so a replenishment waits
    faces = store.query(
        "SELECT sku, location, on_hand - unpickable - reserved AS free FROM products"
        " WHERE on_hand - unpickable - reserved >= 8 AND lot_tracked = 0 AND location != ''"
        " AND location IN (SELECT location FROM products GROUP BY location HAVING count(*) = 1)"
        " ORDER BY sku LIMIT 3"
    )
    for row, reserve in zip(faces, RESERVE, strict=False):
        stock.move_stock(
            store, actor, row["sku"], row["location"], reserve, row["free"] // 2, "overflow"
        )
    first = faces[0]
    held = store.scalar(
        "SELECT sum(on_hand) FROM stock WHERE bin = ? AND sku = ?",
        (first["location"], first["sku"]),
    )
    receiving.set_bin_max(store, actor, first["location"], int(held) * 2)
    stock_reports.set_bin_min(store, actor, first["location"], int(held) + 1)

    # lot-tracked goods with lots and expiry, received and put away into reserve
    lots = []
    for n, sku in enumerate(lot_skus[:2]):
        expiry = (today + timedelta(days=200 + 150 * n)).isoformat()
        lots.append((sku, f"L{today:%y%m}{n + 1}", expiry))
    receiving.open_blind(store, actor, "R-DEMO-0", "demo")
    for sku, lot, expiry in lots:
        receiving.receive_unit(store, actor, "R-DEMO-0", _gs1(_gtin(store, sku), lot, expiry), 6)
    receiving.close_receipt(store, actor, "R-DEMO-0")
    for sku, lot, _expiry in lots:
        receiving.put_away(store, actor, sku, 6, RESERVE[3], lot)

    # an open receipt for the handheld: a plain product and a lot-tracked one
    plain = faces[1]["sku"]
    lot_sku = lot_skus[2]
    receipts = directory / "receipts.csv"
    receipts.write_text(
        "receipt_no,supplier,sku,qty,lot,expiry\n"
        f"{OPEN_RECEIPT},杭州演示供应商,{plain},4,,\n"
        f"{OPEN_RECEIPT},杭州演示供应商,{lot_sku},3,,\n",
        encoding="utf-8",
    )
    receiving.import_receipts(store, actor, receipts)

    # a blind count over the reserve bins
    count = receiving.create_count(store, actor, bins=f"{RESERVE[0]}:{RESERVE[-1]}")
    incoming = (today + timedelta(days=365)).isoformat()
    return [
        (f"R:{OPEN_RECEIPT}", f"open receipt: 4 × {plain}, 3 × {lot_sku} (lot-tracked)"),
        (_gtin(store, plain), f"{plain} (on receipt {OPEN_RECEIPT})"),
        (
            _gs1(_gtin(store, lot_sku), f"L{today:%y%m}9", incoming),
            f"{lot_sku} with lot and expiry",
        ),
        (_gtin(store, lot_sku), f"{lot_sku} without a lot: the screen asks for it"),
        (f"L:{first['location']}", f"pick face of {first['sku']}, below its minimum (补货)"),
        (f"L:{RESERVE[0]}", f"reserve bin of {first['sku']}; count {count['count']} counts R-*"),
    ]
