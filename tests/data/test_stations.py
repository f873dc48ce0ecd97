"""Stations: adding, listing and removing them (library and CLI), users bound to a station,
the station a login ends up at, the scanner lease through the floor port, and scans that no
pick list takes."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from core.clock import to_iso
from core.errors import NotFound, Rejected
from core.model import Verdict
from core.ports import PrinterLink, StationView
from data import stations, users
from data.demo_data import DEMO_PIN
from data.floor import SqliteFloor
from data.store import Store, open_store
from tests.data.builders import ADMIN, NOW, new_store

Run = Callable[..., Result]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return new_store(tmp_path / "w.db")


def _audit(store: Store, action: str) -> list[dict[str, object]]:
    rows = store.query("SELECT * FROM audit WHERE action = ? ORDER BY id", (action,))
    return [{**row, "detail": json.loads(str(row["detail"]))} for row in rows]


# -- the library -------------------------------------------------------------------------------


def test_add_update_list_and_remove(store: Store) -> None:
    added = stations.add_station(store, ADMIN, "Bench-1", "/dev/ttyUSB0", "tcp://10.0.0.5:9100")
    assert (added["name"], added["label_width"], added["profile"]) == ("bench-1", 576, None)
    # An update changes only what is given.
    stations.add_station(store, ADMIN, "bench-1", profile="TM-T88V", label_width=384)
    [bench] = stations.list_stations(store)
    assert bench["scanner_url"] == "/dev/ttyUSB0"
    assert (bench["profile"], bench["label_width"]) == ("TM-T88V", 384)
    stations.add_station(store, ADMIN, "bench-1", printer_url="")  # no printer any more
    assert stations.station_view(store, "bench-1") == StationView("bench-1", "/dev/ttyUSB0", "")
    assert [row["action"] for row in store.query("SELECT action FROM audit")] == [
        "station.add",
        "station.update",
        "station.update",
    ]
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234", station="bench-1")
    assert stations.remove_station(store, ADMIN, "bench-1") == ["chen.jie"]
    assert stations.list_stations(store) == []
    assert users.bound_station(store, "chen.jie") is None
    with pytest.raises(NotFound):
        stations.remove_station(store, ADMIN, "bench-1")


def test_bad_names_and_widths_are_refused(store: Store) -> None:
    with pytest.raises(Rejected, match="station name"):
        stations.add_station(store, ADMIN, "bench 1")
    with pytest.raises(Rejected, match="multiple of 8"):
        stations.add_station(store, ADMIN, "bench-1", label_width=500)
    assert stations.list_stations(store) == []


def test_users_are_bound_to_stations_that_exist(store: Store) -> None:
    stations.add_station(store, ADMIN, "hh-07", "loop://", "")
    users.add_user(store, ADMIN, "li.na", "picker", "1234", station="HH-07")
    assert users.bound_station(store, "li.na") == "hh-07"
    users.add_user(store, ADMIN, "li.na", "picker", "5678")  # a new PIN keeps the binding
    assert users.bound_station(store, "li.na") == "hh-07"
    assert stations.get_station(store, "hh-07")["users"] == ["li.na"]  # type: ignore[index]
    with pytest.raises(NotFound, match="no station 'hh-99'"):
        users.add_user(store, ADMIN, "wang.fang", "picker", "1234", station="hh-99")
    users.add_user(store, ADMIN, "li.na", "picker", "5678", station="")  # unbind
    assert users.bound_station(store, "li.na") is None


def test_a_bound_users_station_wins_at_login_and_the_audit_says_which(store: Store) -> None:
    stations.add_station(store, ADMIN, "hh-07", "loop://", "")
    users.add_user(store, ADMIN, "li.na", "picker", "1234", station="hh-07")
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    floor = SqliteFloor(store)
    assert floor.login("li.na", "1234", "bench-2").station == "hh-07"
    assert floor.badge_login("U:li.na", "").station == "hh-07"
    assert floor.login("chen.jie", "1234", "Bench-2").station == "bench-2"  # chooses freely
    logins = _audit(store, "login")
    assert [(row["station"], row["detail"]["requested_station"]) for row in logins] == [
        ("hh-07", "bench-2"),
        ("hh-07", ""),
        ("bench-2", "Bench-2"),
    ]


def test_the_scanner_lease_through_the_floor(store: Store) -> None:
    stations.add_station(store, ADMIN, "bench-1", "/dev/ttyUSB0", "")
    users.add_user(store, ADMIN, "chen.jie", "packer", "1234")
    floor = SqliteFloor(store)
    operator = floor.login("chen.jie", "1234", "bench-1")
    assert floor.claim_scanner(operator) is None
    assert floor.renew_scanner(operator) is True
    floor.release_scanner(operator)
    assert floor.renew_scanner(operator) is False
    # Another live process holds it: the floor says who and since when.
    with store.write(ADMIN) as write:
        write.execute(
            "INSERT INTO device_leases VALUES ('bench-1', 'scanner', 'wang.fang', ?, ?, ?, ?)",
            (socket.gethostname(), os.getppid(), to_iso(NOW), to_iso(NOW)),
        )
        write.audit("test.lease", "bench-1")
    holder = floor.claim_scanner(operator)
    assert holder is not None
    assert (holder.user, holder.host, holder.since) == ("wang.fang", socket.gethostname(), NOW)


def test_printer_state_comes_from_device_states(store: Store) -> None:
    floor = SqliteFloor(store)
    assert floor.printer_state("nowhere") == PrinterLink("none")
    stations.add_station(store, ADMIN, "hh-1", "loop://", "")
    assert floor.printer_state("hh-1") == PrinterLink("none")
    stations.add_station(store, ADMIN, "bench-1", "", "tcp://10.0.0.5:9100")
    assert floor.printer_state("bench-1") == PrinterLink("unknown")
    with store.immediate():
        store.conn.execute(
            "INSERT INTO device_states VALUES ('bench-1', 'printer', 'paper_out', 'load paper', ?)",
            (to_iso(NOW),),
        )
    assert floor.printer_state("bench-1") == PrinterLink("paper_out", "load paper", NOW)


def test_scans_no_list_takes_are_stored(store: Store) -> None:
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    floor = SqliteFloor(store)
    operator = floor.login("li.na", "1234", "hh-1")
    idle = floor.record_scan(operator, "4006381333931", "wedge")
    assert idle.verdict is Verdict.NOT_EXPECTED and not idle.accepted
    bad = floor.record_scan(
        operator, "\x1b[2J\x00", "serial", problem="non_printable", raw_bytes=b"\x1b[2J\x00"
    )
    assert bad.verdict is Verdict.BAD_SCAN
    assert bad.message.startswith("Bad scan")
    rows = store.query("SELECT * FROM scans ORDER BY id")
    assert [(row["verdict"], row["source"], row["station"]) for row in rows] == [
        ("not_expected", "wedge", "hh-1"),
        ("bad_scan", "serial", "hh-1"),
    ]
    assert (rows[0]["kind"], rows[0]["code"], rows[0]["raw_hex"]) == (
        "product",
        "04006381333931",
        None,
    )
    # A bad scan's text is safe to show (no ESC, no NUL); its bytes are kept exactly.
    assert rows[1]["raw"] == "␛[2J␀" and rows[1]["raw_hex"] == "1b5b324a00"
    assert (rows[1]["kind"], rows[1]["code"]) == ("unknown", "")
    undecodable = floor.record_scan(
        operator, "", "serial", problem="undecodable", raw_bytes=b"\xff\xfe"
    )
    assert undecodable.code == "��"
    assert [row["action"] for row in _audit(store, "scan.bad_scan")] == ["scan.bad_scan"] * 2


# -- the CLI -------------------------------------------------------------------------------------


def test_stations_cli_add_list_update_remove(wareterm: Run) -> None:
    result = wareterm(
        "stations", "add", "bench-1", "--scanner", "/dev/ttyUSB0?suffix=CR",
        "--printer", "tcp://10.0.0.5:9100", "--profile", "TM-T88V", "--label-width", "576",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "station bench-1 added" in result.stdout
    result = wareterm("stations", "add", "hh-07", "--scanner", "loop://")
    assert "printer none" in result.stdout
    updated = wareterm("stations", "add", "bench-1", "--printer", "dummy://")
    assert updated.exit_code == 0 and "station bench-1 updated" in updated.stdout
    assert wareterm("users", "add", "li.na", "--role", "picker", "--pin", "1234",
                    "--station", "hh-07").exit_code == 0  # fmt: skip
    listing = json.loads(wareterm("stations", "list", "--json").stdout)
    assert [
        (row["name"], row["scanner_url"], row["printer_url"], row["profile"], row["users"])
        for row in listing
    ] == [
        ("bench-1", "/dev/ttyUSB0?suffix=CR", "dummy://", "TM-T88V", []),
        ("hh-07", "loop://", "", None, ["li.na"]),
    ]
    assert "bench-1" in wareterm("stations", "list").stdout
    [user] = json.loads(wareterm("users", "list", "--json").stdout)
    assert user["station"] == "hh-07"
    removed = wareterm("stations", "remove", "hh-07")
    assert removed.exit_code == 0 and "li.na" in removed.stdout
    missing = wareterm("stations", "remove", "hh-07")
    assert missing.exit_code == 1 and "no station 'hh-07'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--scanner", "nosuch://x"], "scanner URL rejected: unknown scanner URL scheme 'nosuch'"),
        (["--scanner", "/dev/ttyUSB0?suffix=XX"], "scanner URL rejected"),
        (["--scanner", "/dev/ttyUSB0?speed=9600"], "unknown scanner option 'speed'"),
        (["--printer", "tcp://"], "printer URL rejected"),
        (["--printer", "lpt://1"], "unknown kind of printer 'lpt'"),
        (["--printer", "tcp://10.0.0.5:9100", "--label-width", "500"], "multiple of 8"),
        (["--printer", "tcp://10.0.0.5:9100", "--profile", "nosuch"], "unknown printer profile"),
        (["--printer", "usb://zz:01"], "hexadecimal"),
    ],
)
def test_stations_cli_refuses_bad_urls_with_a_reason(
    wareterm: Run, db_path: Path, args: list[str], reason: str
) -> None:
    result = wareterm("stations", "add", "bench-1", *args)
    assert result.exit_code == 1
    assert reason in result.stderr
    assert result.stderr.startswith("error: ")
    assert stations.list_stations(open_store(db_path)) == []


def test_users_cli_refuses_an_unknown_station(wareterm: Run) -> None:
    result = wareterm("users", "add", "li.na", "--role", "picker", "--pin", "1234",
                      "--station", "hh-99")  # fmt: skip
    assert result.exit_code == 1 and "no station 'hh-99'" in result.stderr


# -- the demo ------------------------------------------------------------------------------------


def test_the_demo_has_stations_the_device_layer_accepts(wareterm: Run, tmp_path: Path) -> None:
    from tui.cli_stations import check_device_urls

    result = wareterm("demo", "--dir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    labels = (tmp_path / "demo" / "labels").resolve()
    assert f"land in {labels}/" in result.stdout
    store = open_store(tmp_path / "demo" / "demo.db")
    rows = {row["name"]: row for row in stations.list_stations(store)}
    assert rows["demo-bench"]["scanner_url"] == "loop://"
    assert rows["demo-bench"]["printer_url"] == f"dir://{labels}"
    assert rows["demo-bench"]["users"] == ["chen.jie"]
    assert rows["demo-handheld"]["users"] == ["li.na", "wang.fang", "zhang.wei"]
    for row in rows.values():
        check_device_urls(row["scanner_url"], row["printer_url"], row["profile"], 576)
    floor = SqliteFloor(store)
    assert floor.badge_login("U:li.na", "somewhere").station == "demo-handheld"
    # A supervisor has no station of the demo's and signs in with name and PIN wherever she is.
    assert floor.login("zhao.min", DEMO_PIN, "office-3").station == "office-3"
