"""Every command that prints data, over a database full of hostile data
(``tests.data.hostile_floor``): no ESC, no C1 control, no bidi override or other control
character from the data reaches the terminal, in tables, reports, error messages and
``--json`` (which stays valid JSON and reads back to the same data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from core.clock import FixedClock
from data import keys
from data.floor import SqliteFloor
from data.store import open_store
from tests.data.builders import ADMIN, order_rows, orders_csv, product, products_csv
from tests.data.hostile_floor import (
    CHANNEL,
    CUP_CODE,
    CUSTOMER,
    HOSTILE_SKU_CODE,
    INJECTED,
    NAME,
    NOW,
    ORDER_NO,
    PIN,
    PRINT_ERROR,
    SKU,
    controls,
    hostile_floor,
)
from tui.cli import main
from tui.cli_output import json_text


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile floor with ``ORDER_NO`` checked, weighed and labelled at bench-1."""
    path = hostile_floor(tmp_path_factory.mktemp("hostile") / "hostile.db")
    store = open_store(path, FixedClock(NOW))
    floor = SqliteFloor(store)
    packer = floor.login("chen.jie", PIN, "bench-1")
    for code in ("T:0042", HOSTILE_SKU_CODE, CUP_CODE):
        assert floor.pack_scan(packer, code, "serial").accepted
    closed = floor.finish_pack(packer, ORDER_NO, 500, 1, None, None, None)
    assert closed.accepted, closed.message
    keys.add_key(store, ADMIN, "li.na", _public_key(KEY_COMMENT))
    assert "\x1b]0;KEYTITLE" in keys.list_keys(store, "li.na")[0]["comment"]
    store.close()
    return path


#: The comment of an OpenSSH public key is whatever the key's owner wrote.
KEY_COMMENT = "li@hh\x1b]0;KEYTITLE\x07[/bold]"


def _public_key(comment: str) -> bytes:
    from data.sshlib import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    return bytes(key.export_public_key("openssh"))


def _run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def _assert_safe(result: Result, what: str) -> str:
    out = result.stdout_bytes + result.stderr_bytes
    for sequence in INJECTED:
        assert sequence not in out, (what, sequence)
    text = out.decode("utf-8")
    assert [ch for ch in controls(text) if ch != "\t"] == [], (what, text)
    return text


LISTINGS = [
    ["orders", "list"],
    ["orders", "list", "--status", "on_hold"],
    ["orders", "show", ORDER_NO],
    ["shipments", "list"],
    ["shipments", "show", ORDER_NO],
    ["print", "jobs"],
    ["print", "show", "1"],
    ["picklists", "list"],
    ["picklists", "show", "P:000001"],
    ["scans", "list"],
    ["products", "list"],
    ["stations", "list"],
    ["carriers", "list"],
    ["carriers", "pool", "status"],
    ["users", "list"],
    ["users", "keys"],
    ["report", "daily", "--date", "2026-11-21"],
]


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a[:2]) for a in LISTINGS])
def test_listings_print_data_as_plain_text(hostile_db: Path, args: list[str]) -> None:
    result = _run(hostile_db, *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    _assert_safe(result, args)


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a[:2]) for a in LISTINGS])
def test_json_is_valid_and_escapes_what_a_terminal_would_run(
    hostile_db: Path, args: list[str]
) -> None:
    result = _run(hostile_db, *args, "--json")
    if result.exit_code == 2 and "--json" in result.stderr:
        pytest.skip(f"{' '.join(args)} has no --json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    _assert_safe(result, args)
    json.loads(result.stdout)


def test_json_reads_back_to_the_data_as_stored(hostile_db: Path) -> None:
    order = json.loads(_run(hostile_db, "orders", "show", ORDER_NO, "--json").stdout)
    assert order["order_no"] == ORDER_NO
    assert order["channel"] == CHANNEL and order["customer_name"] == CUSTOMER
    assert {line["sku"] for line in order["lines"]} >= {SKU}
    jobs = json.loads(_run(hostile_db, "print", "jobs", "--json").stdout)
    assert PRINT_ERROR in [job["last_error"] for job in jobs]


def test_plain_output_shows_the_data_as_text(hostile_db: Path) -> None:
    text = _run(hostile_db, "orders", "show", ORDER_NO).stdout
    assert "INJ[/bold]-3]52;c;T1JET1JE" in text and "WIPE[/bold]" in text
    assert "[/bold] Express" in _run(hostile_db, "carriers", "list").stdout


def test_import_report_and_errors_quote_data_as_plain_text(
    hostile_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "import.db"
    shutil.copy(hostile_db, db)
    products = tmp_path / "products.csv"
    products.write_bytes(
        products_csv([product(SKU + "\x1b]0;PRODTITLE\x07", 5, name=NAME), product("", 1)])
    )
    orders = tmp_path / "orders.csv"
    rows = [
        *order_rows("NEW\x1b]52;c;TkVX\x07\x9b2J", [(SKU, 1)], channel=CHANNEL),
        *order_rows("BAD\x1b]0;BADTITLE\x07\u202e", [("SKU-\x1b[5mNONE", 1)]),
        *order_rows("HELD\x1b[?1049lHELD", [(SKU, 1)], payment_status="pending"),
        *order_rows(ORDER_NO, [(SKU, 1)]),
    ]
    rows[1]["qty"] = "x\x1b]0;QTY\x07"
    orders.write_bytes(orders_csv(rows))
    key = tmp_path / "key.pub"
    key.write_bytes(_public_key("new\x1b]0;KEYTITLE\x07"))
    for args in (
        ["users", "add-key", "chen.jie", str(key)],
        ["import", "products", str(products)],
        ["import", "orders", str(orders)],
        ["import", "orders", str(orders), "--json"],
        ["orders", "show", "NOPE\x1b]0;NOPE\x07\x9b2J"],
        ["orders", "cancel", "NOPE\x1b]0;NOPE\x07", "--reason", "x"],
        ["print", "show", "99"],
    ):
        result = _run(db, *args)
        text = _assert_safe(result, args)
        for marker in (
            b"\x1b]0;PRODTITLE",
            b"\x1b]52;c;TkVX",
            b"\x1b]0;BADTITLE",
            b"\x1b]0;QTY",
            b"\x1b]0;KEYTITLE",
        ):
            assert marker not in result.stdout_bytes + result.stderr_bytes
        if args[-1] == "--json":
            json.loads(result.stdout)
        else:
            assert text.strip(), args


def test_json_text_escapes_c1_del_bidi_and_lone_surrogates() -> None:
    value = {"k\x9b": ["\x1b]0;t\x07", "\x7f", "\u202e", "\u2028", "\ud800", "\U000e0041", "中"]}
    text = json_text(value)
    assert all(ch == "\n" or not controls(ch) for ch in text)
    assert "\u2028" not in text and "中" in text
    assert json.loads(text) == value


def test_the_server_log_writes_no_control_character(capsys: pytest.CaptureFixture[str]) -> None:
    """``serve`` logs user names, peers, asyncssh's news of clients and device errors to the
    admin's terminal: each line without control characters (a traceback keeps its lines)."""
    import logging

    from tui.cli_serve import _log_to_stderr

    names = ("wareterm.serve", "wareterm.print", "asyncssh")
    saved = {
        name: (logging.getLogger(name).handlers, logging.getLogger(name).propagate)
        for name in names
    }
    try:
        _log_to_stderr()
        logging.getLogger("wareterm.serve").warning("refused %r: %s", "x\x1b]0;T\x07", PRINT_ERROR)
        logging.getLogger("asyncssh").warning("client version SSH-2.0-\x1b]0;CLIENTTITLE\x07")
        try:
            raise ValueError(CUSTOMER)
        except ValueError:
            logging.getLogger("wareterm.print").exception("label failed")
    finally:
        for name, (handlers, propagate) in saved.items():
            logging.getLogger(name).handlers = handlers
            logging.getLogger(name).propagate = propagate
    err = capsys.readouterr().err
    assert "ERRTITLE" in err and "CLIENTTITLE" in err and "WIPE" in err
    assert controls(err) == []
    assert "Traceback" in err and err.count("\n") > 4


def test_the_progress_bar_draws_a_hostile_file_name_as_text(tmp_path: Path) -> None:
    """A large import draws the file's name on the terminal's stderr, in a bar that reads
    markup: the name is text there too."""
    import sys

    from tests.test_cli_progress import _big_orders, _run_on_pty

    orders = tmp_path / "o[bold]B\x1b]0;FILETITLE\x07.csv"
    _big_orders(orders, 2500)
    from data.store import open_store

    open_store(tmp_path / "w.db").close()  # only `init` makes a database
    wareterm = [sys.executable, "-m", "tui.cli", "--db", str(tmp_path / "w.db")]
    code, drawn = _run_on_pty([*wareterm, "import", "orders", str(orders)])
    assert code == 0
    assert b"importing o[bold]B" in drawn
    assert b"\x1b]0;FILETITLE" not in drawn
