"""Three people on the floor at once over SSH: a picker scans a list while a supervisor watches
it happen within a second, a packer checks and ships what was picked; roles hold whatever a
session types."""

from __future__ import annotations

import time

from data import carriers, stations, users
from data.store import open_store
from tests.e2e.conftest import Floor, audit
from tests.tui.conftest import ADMIN, WALK

SUPERVISOR_PIN = "8642"
PACKER_PIN = "1357"


def _staff(floor: Floor) -> None:
    store = open_store(floor.db)
    users.add_user(store, ADMIN, "zhao.min", "supervisor", SUPERVISOR_PIN)
    stations.add_station(store, ADMIN, "bench-1", "", "dummy://")
    users.add_user(store, ADMIN, "chen.jie", "packer", PACKER_PIN, station="bench-1")
    carriers.add_numbers(store, ADMIN, "JD", [f"JD{n:010d}" for n in range(1, 11)])
    for code in ("SF", "ZTO", "YTO", "STO", "YUNDA", "EMS"):
        carriers.add_numbers(store, ADMIN, code, [f"{code}{n:010d}" for n in range(1, 11)])
    store.close()


def _password_session(floor: Floor, server: object, user: str, pin: str, size: tuple[int, int]):
    pane = floor.pane(floor.ssh_argv(server, user, key=False), *size)  # type: ignore[arg-type]
    pane.wait_for("assword:")
    pane.send(pin, "Enter")
    return pane


def test_a_supervisor_sees_a_pickers_scans_within_a_second_and_a_packer_ships(
    floor: Floor,
) -> None:
    _staff(floor)
    server = floor.serve()
    picker = floor.pane(floor.ssh_argv(server, "li.na"))
    supervisor = _password_session(floor, server, "zhao.min", SUPERVISOR_PIN, (120, 40))
    supervisor.wait_for("zhao.min · supervisor", "Supervisor")
    supervisor.send("s")
    supervisor.wait_for("Lists waiting  1", "Lists picking  0")
    picker.wait_for("li.na · picker · hh-07")
    picker.send("n")
    picker.wait_for("P:000001")
    supervisor.wait_for("Lists picking  1", timeout=1.0)
    expected = ["1/3 lines", "SKU-CUP  1/2", "2/3 lines", "LIST COMPLETE"]
    for code, shows in zip(WALK, expected, strict=True):
        picker.send(code, "Enter")
        picker.wait_for(shows)
    seen = time.monotonic()
    supervisor.wait_for("Lists picking  0", timeout=1.0)
    assert time.monotonic() - seen <= 1.0
    # The packer at bench-1: the list, its four units, a weight, the label, shipped.
    packer = _password_session(floor, server, "chen.jie", PACKER_PIN, (80, 24))
    packer.wait_for("chen.jie · packer · bench-1")
    packer.send("P:000001", "Enter")
    packer.wait_for("2 orders, 4 units")
    for code in WALK:
        packer.send(code, "Enter")
        time.sleep(0.06)  # one scan after the other, as a packer's hand does
    packer.wait_for("Weight")
    for key in "0.5":
        packer.send(key)
        time.sleep(0.08)  # typed by hand: slower than a scanner's burst
    packer.send("Enter")
    packer.wait_for("packed:", "Stick the label")
    store = open_store(floor.db)
    waybill = store.scalar("SELECT waybill_no FROM packages ORDER BY id LIMIT 1")
    store.close()
    packer.wait_for(waybill)  # the bench lists the parcel to ship with its number
    packer.send(waybill, "Enter")
    packer.wait_for("shipped")
    supervisor.send("6")  # throughput: the shipped order counts within a second
    supervisor.wait_for("Shipped in the last 24 hours: 1", timeout=5)
    logins = {(row["user"], row["detail"]["method"]) for row in audit(floor.db, "login")}
    assert logins == {
        ("li.na", "ssh-key"),
        ("zhao.min", "ssh-password"),
        ("chen.jie", "ssh-password"),
    }


def test_a_pickers_session_cannot_reach_the_supervisors_actions(floor: Floor) -> None:
    _staff(floor)
    server = floor.serve()
    picker = floor.pane(floor.ssh_argv(server, "li.na"))
    home = picker.wait_for("li.na · picker · hh-07", "Next list")
    assert "Supervisor" not in home and "Print wave" not in home and "Pack" not in home
    picker.send("s")
    picker.send("b")
    picker.send("p")
    time.sleep(0.3)  # keys a picker has no business pressing: give them time to do nothing
    screen = picker.wait_for("li.na · picker · hh-07", "Next list")
    assert "Lists waiting" in screen and "Due within the hour" not in screen
    # A scan of an order code at the picker's home is stored, not acted on.
    picker.send("O:DD-1", "Enter")
    picker.wait_for("take a list first")
    assert audit(floor.db, "order.cancel") == [] and audit(floor.db, "order.packing") == []
