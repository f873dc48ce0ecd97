"""Processes the kill -9 tests start and kill: each works in a loop and writes one JSON line on
its standard output for everything it has done (after the commit), so the test knows exactly
what was acknowledged when it pulled the plug.

They run in processes forked from a server that has imported this module already (the
``forkserver`` start method), so fifty lives take seconds, not the half second each a fresh
interpreter needs to import wareterm.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from bench import picker
from core.codes import load_parser
from core.labels import ToteLabel
from data import printing
from data.store import Actor, open_store
from devices.outbox import PrintWorker
from devices.render import code_label_escpos

# Loaded once in the server the processes are forked from, so that a process is at work
# within milliseconds (a new print worker otherwise spends its first second on fonts).
load_parser()
code_label_escpos([ToteLabel(code="T:0", caption="周转箱 0")], 576, "raster", None)
code_label_escpos([ToteLabel(code="T:0", caption="Tote 0")], 576, "auto", None)

PRINTER_STATION = "bench-1"
#: The bench of the packing loop (its printer is a dummy: the print loop proves printing).
PACKING_STATION = "bench-2"
PACKER = Actor("chen.jie", PRINTER_STATION)


def _stdout_to(out: Connection) -> None:
    """Standard output is the pipe to the test (what a parent reading a child's stdout sees)."""
    os.dup2(out.fileno(), 1)
    out.close()


def _say(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def picking(db: str, user: str, out: Connection) -> None:
    """``python -m bench.picker`` for one picker, scanning until killed."""
    _stdout_to(out)
    picker.main(["--db", db, "--user", user, "--scans", "1000000", "--wrong-every", "7"])


def printing_station(db: str, outbound_every: int, seed: int, out: Connection) -> None:
    """A packing bench's print side: queues labels (a tote label each time, an outbound label
    for the next order every ``outbound_every``-th time) while its print worker sends them."""
    _stdout_to(out)
    rng = random.Random(seed)
    worker = PrintWorker(
        db,
        PRINTER_STATION,
        Actor("print-worker", PRINTER_STATION),
        poll_s=0.01,
        lease_retry_s=0.05,
        probe_s=None,
        backoff=lambda attempts: 0.05,
    )
    worker.start()
    store = open_store(db)
    number = int(store.scalar("SELECT count(*) FROM print_jobs")) + 1
    orders = [
        row["order_no"]
        for row in store.query("SELECT order_no FROM orders ORDER BY order_no LIMIT 2000")
    ]
    while True:
        if number % outbound_every == 0:
            order_no = orders[number // outbound_every]
            (job_id,) = printing.queue_outbound_labels(
                store, PACKER, order_no, PRINTER_STATION, "SF Express", "Standard", f"SF{number}"
            )
        else:
            code = f"T:{number:05d}"
            job_id = printing.queue_code_labels(
                store, PACKER, PRINTER_STATION, [ToteLabel(code=code, caption=code)], code
            )
        _say({"queued": job_id})
        number += 1
        time.sleep(rng.uniform(0.002, 0.02))


def packing(db: str, out: Connection) -> None:
    """A packer at bench-1 working through the picked lists until killed: opens a list, checks
    each unit, closes each order with a weight (its label queued in the same transaction),
    scans each label to ship. Every step is reported after its commit; a new process carries
    on with whatever the bench holds."""
    from data.floor import SqliteFloor

    _stdout_to(out)
    floor = SqliteFloor(open_store(db))
    packer = floor.login(PACKER.user, "1234", PACKING_STATION)
    seq = 0
    while True:
        bench = floor.current_pack(packer)
        _say({"bench": [o.order_no for o in bench.checking], "to_ship": len(bench.to_ship)})
        if bench.to_ship:
            order = bench.to_ship[0]
            assert order.shipment is not None
            package = next(p for p in order.shipment.packages if p.status == "labelled")
            outcome = floor.pack_scan(packer, package.waybill_no, "serial")
            seq += 1
            _say({"seq": seq, "shipped": package.waybill_no, "verdict": outcome.verdict.value})
        elif bench.ready is not None:
            closed = floor.finish_pack(packer, bench.ready.order_no, 500 + seq % 900, 1 + seq % 2)
            _say({"packed": closed.order_no})
        elif bench.checking:
            line = next(line for order in bench.checking for line in order.lines if line.missing)
            outcome = floor.pack_scan(packer, picker.printed_code(line.barcode), "serial")
            seq += 1
            _say(
                {
                    "seq": seq,
                    "unit": line.sku,
                    "order": outcome.order_no,
                    "verdict": outcome.verdict.value,
                }
            )
        else:
            store = floor.store
            picklist = store.scalar("SELECT min(picklist_id) FROM orders WHERE status = 'picked'")
            if picklist is None:
                _say({"done": True})
                time.sleep(3600)
            outcome = floor.pack_scan(packer, f"P:{picklist:06d}", "serial")
            seq += 1
            _say({"seq": seq, "opened": picklist, "verdict": outcome.verdict.value})
