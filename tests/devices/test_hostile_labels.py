"""Hostile text from imported files on labels, through the print worker to a loopback printer:
product names on SKU labels and customer names and addresses on outbound labels carry terminal
escapes, OSC 52, C1 controls and ESC/POS commands. The printer receives only the commands the
app sends: one reset per job, one cut per label, no other escape. (The renderer on its own:
test_render.py; an outbound label with ESC/POS bytes: test_outbox.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from core.labels import SkuLabel
from data import catalog, printing
from data.store import Actor
from devices.outbox import PrintWorker
from devices.render import code_label_escpos
from tests.data.builders import ADMIN, product, products_csv
from tests.devices import test_outbox
from tests.devices.fakes import FakeNetworkPrinter, wait_for, without_status_queries
from tests.devices.test_outbox import STATION, Floor, Recorder

start_worker = test_outbox.start_worker  # the fixture: a print worker stopped after the test
network_printer = test_outbox.network_printer  # the fixture: loopback printers, stopped after

HOSTILE = [
    "Cup\x1b[2J\x1b]52;c;ZXZpbA==\x07 blue",
    "Lamp\x9b2J\x1b]0;owned\x1b\\",
    "Towel\x1dV\x00\x1b@\x1bp\x00\x19d",  # cut, reset, open the cash drawer
    "Tea\x10\x04\x01\x1b!\x30 big",  # a status query, double size
]
#: ESC, GS, FS and DLE sequences a label printer acts on, as the renderer writes them.
COMMAND = re.compile(rb"\x1b.|\x1d.|\x1c.|\x10\x04.", re.S)


def test_hostile_product_names_on_sku_labels_send_no_command(
    tmp_path: Path,
    network_printer: Callable[..., FakeNetworkPrinter],
    start_worker: Callable[..., tuple[PrintWorker, Recorder]],
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    rows = [product(f"SKU-H{n}", name=name) for n, name in enumerate(HOSTILE)]
    assert catalog.import_products(floor.store, ADMIN, products_csv(rows), "p.csv").rejected == []
    labels = [label for label in printing.sku_labels(floor.store).labels if "H" in label.code]
    assert len(labels) == len(HOSTILE)
    job = printing.queue_code_labels(floor.store, Actor("chen.jie", STATION), STATION, labels, "x")
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job))

    data = server.protocol.job_bytes()
    assert data == without_status_queries(floor.bytes_of(job))
    assert b"Cup" in data and b"Lamp" in data and b"Towel" in data and b"Tea" in data
    for injected in (b"\x1b[", b"\x1b]", b"\x07", b"\x00\x1b@", b"\x1bp", b"\x1b!0 big", b"\x9b"):
        assert injected not in data, injected
    assert data.count(b"\x1b@") == 1  # the reset at the start of the job
    assert data.count(b"\x1dV") == len(labels)  # a cut after each label
    # Every command in the job is one the renderer writes for the same labels named plainly.
    plain = code_label_escpos([SkuLabel(code=label.code, caption="Plain") for label in labels])
    assert _commands(data) <= _commands(plain)


def _commands(data: bytes) -> set[bytes]:
    return {match.group() for match in COMMAND.finditer(data)}


def test_hostile_customer_text_on_an_outbound_label_sends_no_command(
    tmp_path: Path,
    network_printer: Callable[..., FakeNetworkPrinter],
    start_worker: Callable[..., tuple[PrintWorker, Recorder]],
) -> None:
    server = network_printer()
    floor = Floor(tmp_path / "w.db", server.url)
    with floor.store.write(ADMIN) as write:
        write.execute(
            "UPDATE orders SET customer_name = ?, address = ?, city = ? WHERE order_no = 'SO-2'",
            (HOSTILE[0], HOSTILE[1] + " " + HOSTILE[3], HOSTILE[2]),
        )
        write.audit("test.edit", "SO-2")
    job = floor.queue_label("SO-2", waybill="SF\x1b@1")
    start_worker(floor.db)
    wait_for(lambda: floor.printed(job))
    data = server.protocol.job_bytes()
    assert b"Cup" in data and b"Lamp" in data and b"Tea" in data  # printed as text
    for injected in (b"\x1b[", b"\x1b]", b"\x07", b"\x1bp", b"\x1b!0 big", b"\x9b", b"\x10\x04"):
        assert injected not in data, injected
    assert data.count(b"\x1b@") == 1
    assert data.count(b"\x1dV") == 1
