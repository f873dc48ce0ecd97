"""A floor whose files were written by an attacker: order numbers, channels, customers,
addresses, products, SKUs, bins, carrier names, scans and printer errors carry terminal
escape sequences (OSC 52 clipboard writes, alternate-screen exit, window titles, clear
screen), 8-bit C1 controls, bidi overrides and Textual markup. Every screen and every command
that prints data is driven over it; none may crash, and no injected command may reach a
terminal."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from pathlib import Path

from core.carriers import PRESETS, carrier_to_spec
from core.clock import FixedClock
from core.model import ShortReason
from data import carriers, catalog, orders, stations, users, waves
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import ADMIN, ean13, order_rows, orders_csv, product, products_csv
from tests.data.floor_rows import NOW, label_job

PIN = "4821"

# Each injected command carries a marker of its own; a terminal may show the marker as text,
# never right after the ESC (or CSI) that would make it a command.
ORDER_NO = "INJ[/bold]-3\x1b]52;c;T1JET1JE\x07\x1b[?1049lALTX"
PICK_ORDER_NO = "INJ-P[@click=app.quit]x[/]\x9b2J\u202e"
HELD_ORDER_NO = "INJ-H\x1b]0;HELDTITLE\x07"
SHORT_ORDER_NO = "INJ-S\x1b[?1049lSHORT"
CHANNEL = "tmall\x1b]0;CHANTITLE\x07[/bold]"
CUSTOMER = "张伟\x1b[2JWIPE[/bold]\u202eevil"
CITY = "杭州市\x1b]52;c;Q0lUWQ==\x07"
STREET = "文三路90号\x1b]0;ADDRTITLE\x07 [@click=app.quit]x[/]\x9b5m"
SKU = "SKU-\x1b[5mBLINK[/]"
NAME = "Mug [/bold] white\x1b]52;c;TkFNRQ==\x07\u202e\x1dV\x00"
BIN = "A-1\x1b]52;c;Ymlu\x1b\\"
CARRIER_NAME = "[/bold] Express"
CARRIER = "HX"
PRINT_ERROR = "printer \x1b]0;ERRTITLE\x07 said [/bold]\x9b1J"
SCAN = "\x1b]52;c;U0NBTg==\x07[/bold]"

HOSTILE_SKU_CODE = ean13(91)
CUP_CODE = ean13(92)

#: What must never reach a terminal: each injected command with its marker.
INJECTED = [
    b"\x1b]52;c;T1JET1JE",
    b"\x1b[?1049lALTX",
    b"\x1b[?1049lSHORT",
    "\x9b2J".encode(),
    b"\x1b]0;HELDTITLE",
    b"\x1b]0;CHANTITLE",
    b"\x1b[2JWIPE",
    b"\x1b]52;c;Q0lUWQ",
    b"\x1b]0;ADDRTITLE",
    "\x9b5m".encode(),
    b"\x1b[5mBLINK",
    b"\x1b]52;c;TkFNRQ",
    b"\x1b]52;c;Ymlu",
    b"\x1b]0;ERRTITLE",
    "\x9b1J".encode(),
    b"\x1b]52;c;U0NBTg",
    "\u202e".encode(),
    b"\x1dV",
]
#: Markers that show the hostile values were drawn (as text) at all.
MARKERS = ["T1JET1JE", "WIPE", "BLINK", "Ymlu", "CHANTITLE"]


def controls(text: str) -> list[str]:
    """The control and invisible format characters in ``text`` (line breaks allowed)."""
    return [ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


def hostile_floor(path: Path) -> Path:
    """The hostile warehouse at 14:00 Shanghai time:

    - ``ORDER_NO`` (hostile channel, customer, city, street; the hostile product and a cup)
      picked by li.na into tote T:0042 and waiting at the bench for chen.jie at bench-1;
    - ``PICK_ORDER_NO`` on a released list nobody has claimed (the hostile product at the
      hostile bin); ``HELD_ORDER_NO`` on hold (unpaid); ``SHORT_ORDER_NO`` short-picked
      (exception); a failed label job with a hostile printer error; a hostile scan stored;
    - the only active carrier is ``CARRIER``, named ``CARRIER_NAME``, with waybill numbers;
    - users li.na (picker), chen.jie (packer), zhao.min (supervisor), all with ``PIN``.
    """
    store = open_store(path, FixedClock(NOW - timedelta(hours=1)))
    clock = store.clock
    assert isinstance(clock, FixedClock)
    report = catalog.import_products(
        store,
        ADMIN,
        products_csv(
            [
                product(SKU, 10, name=NAME, barcodes=[HOSTILE_SKU_CODE], location=BIN),
                product("SKU-CUP", 10, name="Cup", barcodes=[CUP_CODE], location="B-01"),
                product("SKU-LOW", 1, name=NAME + " low", location="C-02", safety_stock=5),
            ]
        ),
        "products.csv",
    )
    assert not report.rejected, report.rejected
    hostile = {"channel": CHANNEL, "customer_name": CUSTOMER, "city": CITY, "address": STREET}
    first = orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows(ORDER_NO, [(SKU, 1), ("SKU-CUP", 1)], priority="rush", **hostile),
            order_rows(SHORT_ORDER_NO, [("SKU-CUP", 1)], **hostile),
        ),
        "first.csv",
    )
    assert not first.rejected, first.rejected
    waves.release_wave(store, ADMIN, max_orders=10, orders_per_list=1)
    for name, role in (("li.na", "picker"), ("chen.jie", "packer"), ("zhao.min", "supervisor")):
        users.add_user(store, ADMIN, name, role, PIN)
    stations.add_station(store, ADMIN, "bench-1", "", "dummy://")
    spec = carrier_to_spec(PRESETS[0])
    spec.update(code=CARRIER, name=CARRIER_NAME, name_zh=CARRIER_NAME)
    carriers.import_carriers(store, ADMIN, _json([spec]))
    for preset in PRESETS:
        carriers.set_active(store, ADMIN, preset.code, False)
    carriers.add_numbers(store, ADMIN, CARRIER, [f"HX{n:010d}" for n in range(1, 21)])

    floor = SqliteFloor(store)
    picker = floor.login("li.na", PIN, "hh-1")
    for _ in range(2):
        view = floor.claim_next_pick(picker)
        assert view is not None
        if view.current is not None and view.current.sku == "SKU-CUP" and len(view.lines) == 1:
            floor.short_pick(picker, view.picklist_id, view.current.line_id, ShortReason.NOT_FOUND)
            continue
        outcome = floor.pick_scan(picker, view.picklist_id, SCAN, "serial")
        assert not outcome.accepted
        outcome = floor.pick_scan(picker, view.picklist_id, "T:0042", "wedge")
        view = outcome.view or view
        while view.current is not None:
            code = HOSTILE_SKU_CODE if view.current.sku == SKU else CUP_CODE
            outcome = floor.pick_scan(picker, view.picklist_id, code, "wedge")
            assert outcome.accepted, outcome.message
            assert outcome.view is not None
            view = outcome.view
    later = orders.import_orders(
        store,
        ADMIN,
        orders_csv(
            order_rows(PICK_ORDER_NO, [(SKU, 2)], **hostile),
            order_rows(HELD_ORDER_NO, [("SKU-CUP", 1)], payment_status="pending", **hostile),
            order_rows("INJ-B", [("SKU-LOW", 3)], **hostile),
        ),
        "later.csv",
    )
    assert not later.rejected, later.rejected
    waves.release_wave(store, ADMIN)
    label_job(store, ORDER_NO, "failed", station="bench-1", error=PRINT_ERROR)
    clock.at = NOW
    store.close()
    return path


def _json(value: object) -> bytes:
    import json

    return json.dumps(value).encode()
