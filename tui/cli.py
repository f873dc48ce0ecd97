"""The ``wareterm`` command: a thin shell over the services (exit 0 ok, 1 rejected, 2 usage)."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from core import words
from core.errors import WaretermError
from core.i18n import _
from core.model import ImportReport
from tui.cli_output import cell as _cell
from tui.cli_output import echo, readable
from tui.cli_output import emit_json as _emit_json
from tui.cli_output import table as _table

if TYPE_CHECKING:
    from data.store import Store
    from tui.app import WaretermApp
    from tui.session import SessionLogin


class Context:
    """What every command needs: the database path and who is acting."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._store: Any = None

    @property
    def store(self) -> Any:
        from data.store import open_store

        if self._store is None:
            self._store = open_store(self.db)
        return self._store

    @property
    def actor(self) -> Any:
        from core.model import Role
        from data.store import Actor

        # The command line is the admin's tool (whoever runs it can open the file anyway).
        # WARETERM_USER names a user of the floor instead, judged by that user's role.
        user = os.environ.get("WARETERM_USER") or f"cli:{getpass.getuser()}"
        return Actor(user, os.environ.get("WARETERM_STATION", "cli"), Role.ADMIN)


pass_context = click.make_pass_decorator(Context)


@contextmanager
def _rejections() -> Iterator[None]:
    """Turn domain errors into a message on stderr and exit status 1."""
    try:
        yield
    except WaretermError as error:
        echo(_("error: {error}").format(error=error), err=True)
        sys.exit(1)


class WaretermGroup(click.Group):
    """The command group: a domain error from any command is one line on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        with _rejections():
            return super().invoke(ctx)


@click.group(cls=WaretermGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="WARETERM_DB",
    default="wareterm.db",
    show_default=True,
    help="Database file (env WARETERM_DB).",
)
@click.pass_context
def main(ctx: click.Context, db: str) -> None:
    """wareterm: scan-first warehouse floor terminal."""
    ctx.obj = Context(db)


@main.command()
@pass_context
def init(ctx: Context) -> None:
    """Create the database or upgrade an older file (safe to repeat)."""
    from data.store import Store

    with _rejections():
        store = Store(ctx.db)
        before = store.version
        applied = store.migrate()
        echo(
            _("{db}: schema version {version} (was {before}, applied {applied})").format(
                db=ctx.db, version=store.version, before=before, applied=applied or "none"
            )
        )


# -- import ---------------------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """Import catalog, bins and orders from CSV or JSON files."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise WaretermError(
            _("cannot read {path}: {error}").format(path=path, error=error.strerror)
        ) from None


def _count_lines(path: Path) -> int:
    """Lines in a file, read a megabyte at a time (for the progress bar; memory stays flat)."""
    try:
        with path.open("rb") as file:
            return sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))
    except OSError as error:
        raise WaretermError(
            _("cannot read {path}: {error}").format(path=path, error=error.strerror)
        ) from None


def _run_import(
    path: Path,
    as_json: bool,
    run: Callable[[Path, str, Callable[[int], None] | None], ImportReport],
    unit: str,
) -> None:
    with _rejections():
        # Streamed by the importer, never read whole: the first pass also tells a file that
        # cannot be read from one that is broken.
        total = _count_lines(path)
        try:
            if sys.stderr.isatty() and not as_json and total > 2000:
                from rich.markup import escape
                from rich.progress import Progress

                from tui.cli_output import console

                # The report goes to stdout; the bar draws on the terminal's stderr.
                with Progress(console=console(stderr=True), transient=True) as progress:
                    # The bar's description is read as markup: the file's name is escaped.
                    name = escape(_cell(path.name))
                    task = progress.add_task(_("importing {name}").format(name=name), total=total)
                    report = run(path, path.name, lambda n: progress.advance(task, n))
            else:
                report = run(path, path.name, None)
        except OSError as error:
            raise WaretermError(
                _("cannot read {path}: {error}").format(path=path, error=error.strerror)
            ) from None
    _report(report, as_json, unit)


def _report(report: ImportReport, as_json: bool, unit: str) -> None:
    if as_json:
        _emit_json(report.as_dict())
    else:
        echo(
            _(
                "{kind}: {stored} stored, {updated} updated, {skipped} skipped, {rejected} rejected"
            ).format(
                kind=report.kind,
                stored=len(report.stored),
                updated=len(report.updated),
                skipped=len(report.skipped),
                rejected=len(report.rejected),
            )
        )
        if report.held:
            echo(_("on hold: {orders}").format(orders=", ".join(_cell(o) for o in report.held)))
        if report.stock_kept:
            echo(
                _(
                    "stock left as it is for {n} known SKUs whose on_hand differs (use "
                    "--adjust-stock --reason TEXT to change it): {skus}"
                ).format(
                    n=len(report.stock_kept),
                    skus=", ".join(_cell(sku) for sku in report.stock_kept[:20]),
                )
            )
        for skip in report.skipped:
            echo(
                _("line {line}: {key}: {reason}").format(
                    line=skip.line, key=_cell(skip.key), reason=skip.reason
                )
            )
        for rejection in report.rejected:
            echo(
                _("line {line}: {key}: rejected: {reason}").format(
                    line=rejection.line, key=_cell(rejection.key) or "-", reason=rejection.reason
                ),
                err=True,
            )
    if report.rejected:
        sys.exit(1)


@import_group.command("products")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--adjust-stock",
    is_flag=True,
    help="Also set the stock of known SKUs to the file's on_hand (ledger corrections).",
)
@click.option("--reason", help="Why the stock is adjusted (required with --adjust-stock).")
@pass_context
def import_products(
    ctx: Context, file: Path, as_json: bool, adjust_stock: bool, reason: str | None
) -> None:
    """Products: sku,name,barcodes,location,on_hand,safety_stock,weight_g (barcodes a|b).

    A new SKU's on_hand is its opening stock; a known SKU's stock changes only with
    --adjust-stock --reason TEXT."""
    from data import catalog, orders

    if adjust_stock and not (reason or "").strip():
        raise click.UsageError(_("--adjust-stock needs --reason TEXT"))
    if reason and not adjust_stock:
        raise click.UsageError(_("--reason goes with --adjust-stock"))

    def run(content: Path, name: str, progress: Any) -> ImportReport:
        report = catalog.import_products(
            ctx.store, ctx.actor, content, name, progress, reason if adjust_stock else None
        )
        if report.stored or report.updated:
            orders.allocate_waiting(ctx.store, ctx.actor)
        return report

    _run_import(file, as_json, run, "products")


@import_group.command("locations")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def import_locations(ctx: Context, file: Path, as_json: bool) -> None:
    """Bins and their walk order: code,sequence."""
    from data import catalog

    _run_import(
        file,
        as_json,
        lambda content, name, progress: catalog.import_locations(
            ctx.store, ctx.actor, content, name
        ),
        "locations",
    )


@import_group.command("orders")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def import_orders(ctx: Context, file: Path, as_json: bool) -> None:
    """Orders: CSV one row per line, or JSON orders with nested lines."""
    from data import orders

    _run_import(
        file,
        as_json,
        lambda content, name, progress: orders.import_orders(
            ctx.store, ctx.actor, content, name, progress
        ),
        "order lines",
    )


# -- orders ---------------------------------------------------------------------------------------


@main.group("orders")
def orders_group() -> None:
    """List, show, cancel and release orders."""


@orders_group.command("list")
@click.option("--status", help="Only orders in this status.")
@click.option("--limit", default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_list(ctx: Context, status: str | None, limit: int, as_json: bool) -> None:
    """Orders, most urgent first."""
    from data import orders

    with _rejections():
        rows = orders.list_orders(ctx.store, status, limit)
    if as_json:
        _emit_json(rows)
    else:
        _table(
            rows, ["order_no", "status", "priority", "due_at", "customer_name", "units", "problems"]
        )


@orders_group.command("show")
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_show(ctx: Context, order_no: str, as_json: bool) -> None:
    """One order with its lines and problems."""
    from data import orders

    with _rejections():
        order = orders.show_order(ctx.store, order_no)
    if as_json:
        _emit_json(order)
        return
    for key in ("order_no", "status", "priority", "placed_at", "due_at", "channel"):
        echo(f"{key:>16}: {_cell(readable(key, order[key]))}")
    address = " ".join(
        order[key] for key in ("province", "city", "district", "address", "postcode") if order[key]
    )
    echo(f"{'customer':>16}: {_cell(order['customer_name'])} {_cell(order['phone'])}")
    echo(f"{'address':>16}: {_cell(address)}")
    for problem in order["problems"]:
        echo(f"{'problem':>16}: {words.problem(problem['code'])}: {_cell(problem['detail'])}")
    for key in ("exception_reason", "cancel_reason"):
        if order[key]:
            echo(f"{key:>16}: {_cell(order[key])}")
    _table(order["lines"], ["line_no", "sku", "qty", "reserved", "picked", "short", "packed"])


@orders_group.command("cancel")
@click.argument("order_no")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_cancel(ctx: Context, order_no: str, reason: str, as_json: bool) -> None:
    """Cancel an order that has not shipped; frees its stock."""
    from data import orders

    with _rejections():
        order = orders.cancel_order(ctx.store, ctx.actor, order_no, reason)
    if as_json:
        _emit_json(order)
    else:
        echo(_("{order_no}: cancelled").format(order_no=order_no))
        for task in order["putaway"]:
            echo(
                _("  put back {qty} × {sku} into bin {bin}").format(
                    qty=task["qty"], sku=task["sku"], bin=task["location"] or "?"
                )
            )


@orders_group.command("release")
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_release(ctx: Context, order_no: str, as_json: bool) -> None:
    """Release a held order (accepting its payment/address problems) and allocate it."""
    from data import orders

    with _rejections():
        order = orders.release_order(ctx.store, ctx.actor, order_no)
    if as_json:
        _emit_json(order)
    else:
        echo(
            _("{order_no}: {status}").format(
                order_no=order_no, status=words.order_status(order["status"])
            )
        )


# -- waves and pick lists -------------------------------------------------------------------------


@main.group("waves")
def waves_group() -> None:
    """Release waves of pick lists."""


@waves_group.command("release")
@click.option("--max-orders", type=click.IntRange(min=1), help="At most this many orders.")
@click.option("--priority", help="Only orders of this priority.")
@click.option("--orders-per-list", type=click.IntRange(min=1), help="Orders per pick list.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def waves_release(
    ctx: Context,
    max_orders: int | None,
    priority: str | None,
    orders_per_list: int | None,
    as_json: bool,
) -> None:
    """Turn allocated orders, most urgent first, into pick lists."""
    from data import waves

    with _rejections():
        result = waves.release_wave(ctx.store, ctx.actor, max_orders, priority, orders_per_list)
    if as_json:
        _emit_json(result)
    elif result["wave_id"] is None:
        echo(_("no allocated orders are waiting for a wave"))
    else:
        echo(
            _("wave {wave}: {orders} orders in {lists} pick lists").format(
                wave=result["wave_id"], orders=result["orders"], lists=len(result["picklists"])
            )
        )


@main.group("picklists")
def picklists_group() -> None:
    """Pick lists."""


@picklists_group.command("list")
@click.option("--status", help="released|picking|picked|cancelled")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def picklists_list(ctx: Context, status: str | None, as_json: bool) -> None:
    """Pick lists, most urgent first."""
    from data import waves

    rows = waves.list_picklists(ctx.store, status)
    if as_json:
        _emit_json(rows)
    else:
        _table(
            rows,
            [
                "code",
                "status",
                "priority",
                "due_at",
                "orders",
                "lines",
                "units",
                "picked",
                "picker",
            ],
        )


@picklists_group.command("show")
@click.argument("picklist")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def picklists_show(ctx: Context, picklist: str, as_json: bool) -> None:
    """One pick list (by number or code such as P:000012)."""
    from data import waves

    with _rejections():
        digits = picklist.split(":")[-1]
        if not digits.isdigit():
            raise WaretermError(_("{value!r} is not a pick list number").format(value=picklist))
        result = waves.show_picklist(ctx.store, int(digits))
    if as_json:
        _emit_json(result)
        return
    echo(
        f"{result['code']}  {words.pick_list(result['status'])}  "
        f"{words.priority(result['priority'])}  "
        f"{_('due {due}').format(due=readable('due_at', result['due_at']))}"
        f"  orders: {', '.join(result['order_nos'])}"
    )
    _table(result["lines"], ["seq", "location", "sku", "name", "qty", "picked", "short"])


# -- users, scans, products, config ---------------------------------------------------------------


@main.group("users")
def users_group() -> None:
    """Operators."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice(["picker", "packer", "supervisor", "admin"])
)
@click.option("--pin", required=True, help="4–12 digits (stored hashed).")
@click.option(
    "--station",
    help='Bind the user to this station (their handheld or bench); "" unbinds.',
)
@pass_context
def users_add(ctx: Context, name: str, role: str, pin: str, station: str | None) -> None:
    """Add a user, or change their role and PIN (and station binding)."""
    from data import users

    with _rejections():
        users.add_user(ctx.store, ctx.actor, name, role, pin, station)
    if station:
        echo(
            _("user {name} ({role}) at station {station}").format(
                name=name.lower(), role=words.role(role), station=station.strip().lower()
            )
        )
    else:
        echo(_("user {name} ({role})").format(name=name.lower(), role=words.role(role)))


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def users_list(ctx: Context, as_json: bool) -> None:
    """Users and roles."""
    from data import users

    rows = users.list_users(ctx.store)
    if as_json:
        _emit_json(rows)
    else:
        _table(rows, ["name", "role", "station", "active", "created_at"])


@main.group("scans")
def scans_group() -> None:
    """The scan log: every scan with its verdict."""


@scans_group.command("list")
@click.option("--user")
@click.option("--verdict")
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def scans_list(
    ctx: Context, user: str | None, verdict: str | None, limit: int, as_json: bool
) -> None:
    """Recent scans, newest first."""
    from data import picking

    rows = picking.list_scans(ctx.store, user, verdict, limit)
    if as_json:
        _emit_json(rows)
    else:
        _table(rows, ["id", "at", "user", "station", "source", "raw", "verdict", "order_no"])


@main.group("products")
def products_group() -> None:
    """The catalog."""


@products_group.command("list")
@click.option("--low", is_flag=True, help="Only products below safety stock.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def products_list(ctx: Context, low: bool, as_json: bool) -> None:
    """Products with on hand, reserved and the low-stock flag."""
    from data import catalog

    rows = catalog.list_products(ctx.store, low)
    if as_json:
        _emit_json(rows)
    else:
        _table(rows, ["sku", "name", "location", "on_hand", "reserved", "safety_stock", "low"])


@main.group("config")
def config_group() -> None:
    """Site settings (SLA hours, scanning rules, code prefixes)."""


@config_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def config_list(ctx: Context, as_json: bool) -> None:
    """Every setting and its value."""
    from data import settings

    values = settings.all_settings(ctx.store)
    if as_json:
        _emit_json(values)
    else:
        for key, value in values.items():
            echo(f"{key:<24} {value:<8} {settings.SETTINGS[key].help}")


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@pass_context
def config_set(ctx: Context, key: str, value: str) -> None:
    """Change a setting."""
    from data import settings

    with _rejections(), ctx.store.write(ctx.actor) as write:
        value = settings.put(write, key, value)
    echo(f"{key} = {value}")


# -- the terminal ---------------------------------------------------------------------------------


@main.command()
@click.option("--station", envvar="WARETERM_STATION", default="console", show_default=True)
# Set by `wareterm serve` for a session it authenticated (see tui.session); not for people.
@click.option("--session-user", hidden=True)
@click.option("--session-method", hidden=True, default="ssh")
@click.option("--session-peer", hidden=True, default="")
@click.option("--session-key", hidden=True)
@click.option("--session-crash-fd", type=int, hidden=True)
@pass_context
def tui(
    ctx: Context,
    station: str,
    session_user: str | None,
    session_method: str,
    session_peer: str,
    session_key: str | None,
    session_crash_fd: int | None,
) -> None:
    """Start the floor terminal (login screen)."""
    from tui.session import SessionLogin, report_crash

    login = (
        SessionLogin(session_user, session_method, session_peer, session_key)
        if session_user
        else None
    )
    with _rejections():
        try:
            code = run_tui(ctx.db, station, login=login, crash_fd=session_crash_fd)
        except WaretermError:
            raise
        except Exception as error:
            report_crash(session_crash_fd, error)
            raise
    if code:
        sys.exit(code)  # a crash is not a normal end


def build_app(
    store: Store, station: str, demo: bool = False, login: SessionLogin | None = None
) -> WaretermApp:
    """The composition root: the floor and the supervisor's port on this process's own
    connection, the station's serial devices, and the app that receives them. With ``login``
    (an SSH session) the operator is logged in here, before the first screen."""
    from data.floor import SqliteFloor
    from data.oversight import SqliteOversight
    from devices.station import SerialStationDevices
    from devices.waybill_apis import source_for
    from tui.app import WaretermApp

    floor = SqliteFloor(store, waybill_apis=source_for)
    operator = (
        floor.session_login(login.user, station, login.method, peer=login.peer, key=login.key)
        if login is not None
        else None
    )
    return WaretermApp(
        floor,
        station=station,
        demo=demo,
        devices=SerialStationDevices(store.path),
        operator=operator,
        hangup_exits=login is not None,
        oversight=SqliteOversight(store),
    )


def run_tui(
    db: str,
    station: str,
    demo: bool = False,
    login: SessionLogin | None = None,
    crash_fd: int | None = None,
) -> int:
    """Open the database, build the app and run it; its exit status (1: it crashed, and the
    exception is reported on ``crash_fd``)."""
    from data.store import open_store
    from tui.session import report_crash

    if login is not None:
        from tui.session import take_controlling_terminal

        take_controlling_terminal()
    app = build_app(open_store(db), station, demo, login)
    app.run()
    if app.return_code:
        # Textual keeps the exception that ended the app (it has no public name for it).
        error = getattr(app, "_exception", None)
        if error is not None:
            report_crash(crash_fd, error)
    return app.return_code or 0


@main.command()
@click.option(
    "--dir", "directory", default="demo", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--start", is_flag=True, help="Start the terminal on the demo afterwards.")
@pass_context
def demo(ctx: Context, directory: Path, start: bool) -> None:
    """Create a fresh demo database with bundled data, users and released waves."""
    from data.demo import build_demo
    from tui.cli_stations import check_device_urls

    with _rejections():
        result = build_demo(
            directory,
            check_station=lambda scanner, printer: check_device_urls(scanner, printer, None, 576),
        )
    for line in result.instructions:
        echo(line)
    if start:
        if not sys.stdin.isatty():
            echo(_("(not a terminal: run `wareterm --db {db} tui` yourself)").format(db=result.db))
            return
        run_tui(str(result.db), "demo-handheld", demo=True)


def _register_command_modules() -> None:
    from tui import (
        cli_carriers,
        cli_print,
        cli_report,
        cli_serve,
        cli_ship,
        cli_stations,
        cli_stock,
    )

    cli_carriers.register(main)
    cli_print.register(main)
    cli_report.register(main)
    cli_stations.register(main)
    cli_ship.register(main)
    cli_serve.register(main)
    cli_stock.register(main)


_register_command_modules()

if __name__ == "__main__":
    # `python -m tui.cli` runs this file as __main__; the command modules import `tui.cli`, so
    # run that module's group, not a second copy whose classes differ.
    from tui.cli import main as entry_point

    entry_point()
