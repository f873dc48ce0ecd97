"""The ``wareterm`` command: a thin shell over the services (exit 0 ok, 1 rejected, 2 usage)."""

from __future__ import annotations

import contextlib
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
from core.i18n import N_, _
from core.model import ImportReport
from tui.cli_output import cell as _cell
from tui.cli_output import echo, listing, readable
from tui.cli_output import emit_json as _emit_json
from tui.cli_output import heading as _word
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
        from data.store import open_existing

        # Only `init` and `demo` make a database: a missing file is refused, never replaced
        # by an empty one.
        if self._store is None:
            self._store = open_existing(self.db)
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


class _TranslatedHelp:
    """Help texts are marked with ``N_`` where written and translated when shown, so
    ``--help`` speaks the language chosen when the command runs (not at import)."""

    help: str | None
    short_help: str | None

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)  # type: ignore[misc]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = list(getattr(self, "params", []))
        with contextlib.ExitStack() as stack:
            for param in params:
                stack.enter_context(_translated(param))
            super().format_options(ctx, formatter)  # type: ignore[misc]


@contextmanager
def _translated(thing: Any) -> Iterator[None]:
    """``thing.help`` (and ``short_help``) in the current language for a moment."""
    saved = {name: getattr(thing, name, None) for name in ("help", "short_help")}
    for name, text in saved.items():
        if text:
            setattr(thing, name, _(text))
    try:
        yield
    finally:
        for name, text in saved.items():
            if hasattr(thing, name):
                setattr(thing, name, text)


class WaretermCommand(_TranslatedHelp, click.Command):
    """A command whose help is translated when shown."""


class WaretermGroup(_TranslatedHelp, click.Group):
    """The command group: a domain error from any command is one line on stderr and exit 1;
    its commands and subgroups show their help in the current language."""

    command_class = WaretermCommand
    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        with _rejections():
            return super().invoke(ctx)


@click.group(
    cls=WaretermGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("wareterm: scan-first warehouse floor terminal."),
)
@click.option(
    "--db",
    envvar="WARETERM_DB",
    default="wareterm.db",
    show_default=True,
    help=N_("Database file (env WARETERM_DB)."),
)
@click.pass_context
def main(ctx: click.Context, db: str) -> None:
    ctx.obj = Context(db)
    _choose_language(db)


def _choose_language(db: str) -> None:
    """The command line speaks the environment's language (``WARETERM_LANG``, then
    ``LANGUAGE``/``LANG``), else the site's default (``ui.language``), else English."""
    from core.i18n import choose_language, environment_language, set_language
    from data.settings import site_language

    wanted = environment_language()
    set_language(choose_language(wanted or site_language(Path(db))))


@main.command(help=N_("Create the database or upgrade an older file (safe to repeat)."))
@pass_context
def init(ctx: Context) -> None:
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


@main.group("import", help=N_("Import catalog, bins and orders from CSV or JSON files."))
def import_group() -> None:
    pass


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
    if report.stopped is not None and not as_json:
        stop = report.stopped
        key = _cell(stop.key)
        where = _("line {line} ({key})").format(line=stop.line, key=key) if stop.line else key
        echo(
            _(
                "stopped at {where}: {reason}\n{count} records from there on were not stored; "
                "import the file again once this is fixed"
            ).format(where=where, reason=stop.reason, count=report.not_stored),
            err=True,
        )
    if report.rejected or report.stopped is not None:
        sys.exit(1)


@import_group.command(
    "products",
    help=N_("Products: sku,name,barcodes,location,on_hand,safety_stock,weight_g (barcodes a|b)."),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
@click.option(
    "--adjust-stock",
    is_flag=True,
    help=N_("Also set the stock of known SKUs to the file's on_hand (ledger corrections)."),
)
@click.option("--reason", help=N_("Why the stock is adjusted (required with --adjust-stock)."))
@pass_context
def import_products(
    ctx: Context, file: Path, as_json: bool, adjust_stock: bool, reason: str | None
) -> None:
    from data import catalog, orders

    if adjust_stock and not (reason or "").strip():
        raise click.UsageError(_("--adjust-stock needs --reason TEXT"))
    if reason and not adjust_stock:
        raise click.UsageError(_("--reason goes with --adjust-stock"))

    def run(content: Path, name: str, progress: Any) -> ImportReport:
        report = catalog.import_products(
            ctx.store, ctx.actor, content, name, progress, reason if adjust_stock else None
        )
        if (report.stored or report.updated) and report.stopped is None:
            orders.allocate_waiting(ctx.store, ctx.actor)
        return report

    _run_import(file, as_json, run, "products")


@import_group.command(
    "locations",
    help=N_("Bins and their walk order: code,sequence; optionally kind,min_units,max_units."),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
@pass_context
def import_locations(ctx: Context, file: Path, as_json: bool) -> None:
    from data import catalog

    _run_import(
        file,
        as_json,
        lambda content, name, progress: catalog.import_locations(
            ctx.store, ctx.actor, content, name
        ),
        "locations",
    )


@import_group.command(
    "orders",
    help=N_(
        "Orders: our CSV (one row per line) or JSON (orders with nested lines), or a "
        "platform's own export: Taobao's ExportOrderList and ExportOrderDetailList given "
        "together, JD, Pinduoduo or Douyin, as CSV in any of their encodings or .xlsx."
    ),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--platform",
    default="auto",
    show_default=True,
    help=N_(
        "auto, taobao, jd, pdd, douyin, wechat (or another bundled profile), or generic (our"
        " format)."
    ),
)
@click.option("--shop", default="", help=N_("The shop these orders come from."))
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(path_type=Path),
    help=N_("A platform profile (JSON) for a layout wareterm does not know."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
@pass_context
def import_orders(
    ctx: Context,
    files: tuple[Path, ...],
    platform: str,
    shop: str,
    profile_file: Path | None,
    as_json: bool,
) -> None:
    from data import platforms

    with _rejections():
        profile = platforms.load_profile(profile_file) if profile_file else None
        for path in files[1:]:
            _count_lines(path)  # a file that cannot be read is named before anything is stored
    paths = list(files)
    _run_import(
        # The progress bar counts order lines: the largest file holds them (Taobao's details).
        max(paths, key=lambda path: path.stat().st_size if path.is_file() else 0),
        as_json,
        lambda content, name, progress: platforms.import_platform_orders(
            ctx.store, ctx.actor, paths, platform, shop.strip(), profile, progress
        ),
        "order lines",
    )


@import_group.command(
    "addresses",
    help=N_(
        "Decrypted recipients for orders a platform exported masked: "
        "order_no,customer_name,phone,province,city,district,address,postcode (the address "
        "may be one string). Held orders are reviewed again."
    ),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
@pass_context
def import_addresses(ctx: Context, file: Path, as_json: bool) -> None:
    from data import platforms

    _run_import(
        file,
        as_json,
        lambda content, name, progress: platforms.import_addresses(ctx.store, ctx.actor, file),
        "addresses",
    )


# -- orders ---------------------------------------------------------------------------------------


@main.group("orders", help=N_("List, show, cancel and release orders."))
def orders_group() -> None:
    pass


@orders_group.command("list", help=N_("Orders, most urgent first."))
@click.option("--status", help=N_("Only orders in this status."))
@click.option("--limit", default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_list(ctx: Context, status: str | None, limit: int, as_json: bool) -> None:
    from data import orders

    with _rejections():
        rows = orders.list_orders(ctx.store, status, limit)
    listing(
        rows,
        ["order_no", "status", "priority", "due_at", "customer_name", "units", "problems"],
        as_json,
    )


@orders_group.command("show", help=N_("One order with its lines and problems."))
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_show(ctx: Context, order_no: str, as_json: bool) -> None:
    from data import orders

    with _rejections():
        order = orders.show_order(ctx.store, order_no)
    if as_json:
        _emit_json(order)
        return
    for key in ("order_no", "status", "priority", "placed_at", "due_at", "channel"):
        echo(f"{_word(key):>16}: {_cell(readable(key, order[key]))}")
    address = " ".join(
        order[key] for key in ("province", "city", "district", "address", "postcode") if order[key]
    )
    customer = f"{_cell(order['customer_name'])} {_cell(order['phone'])}"
    echo(f"{_word('customer_name'):>16}: {customer}")
    echo(f"{_word('address'):>16}: {_cell(address)}")
    for problem in order["problems"]:
        echo(
            f"{_word('problem'):>16}: {words.problem(problem['code'])}: {_cell(problem['detail'])}"
        )
    from data.orders import exception_reason

    reasons = {"exception_reason": exception_reason(order), "cancel_reason": order["cancel_reason"]}
    for key, reason in reasons.items():
        if reason:
            echo(f"{_word(key):>16}: {_cell(reason)}")
    _table(order["lines"], ["line_no", "sku", "qty", "reserved", "picked", "short", "packed"])


@orders_group.command("cancel", help=N_("Cancel an order that has not shipped; frees its stock."))
@click.argument("order_no")
@click.option("--reason", required=True, help=N_("Why (kept in the audit trail)."))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_cancel(ctx: Context, order_no: str, reason: str, as_json: bool) -> None:
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


@orders_group.command(
    "release",
    help=N_("Release a held order (accepting its payment/address problems) and allocate it."),
)
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_release(ctx: Context, order_no: str, as_json: bool) -> None:
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


@main.group("waves", help=N_("Release waves of pick lists."))
def waves_group() -> None:
    pass


@waves_group.command(
    "release", help=N_("Turn allocated orders, most urgent first, into pick lists.")
)
@click.option("--max-orders", type=click.IntRange(min=1), help=N_("At most this many orders."))
@click.option("--priority", help=N_("Only orders of this priority."))
@click.option("--orders-per-list", type=click.IntRange(min=1), help=N_("Orders per pick list."))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def waves_release(
    ctx: Context,
    max_orders: int | None,
    priority: str | None,
    orders_per_list: int | None,
    as_json: bool,
) -> None:
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


@main.group("picklists", help=N_("Pick lists."))
def picklists_group() -> None:
    pass


@picklists_group.command("list", help=N_("Pick lists, most urgent first."))
@click.option("--status", help=N_("released|picking|picked|cancelled"))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def picklists_list(ctx: Context, status: str | None, as_json: bool) -> None:
    from data import waves

    rows = waves.list_picklists(ctx.store, status)
    listing(
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
        as_json,
    )


@picklists_group.command("show", help=N_("One pick list (by number or code such as P:000012)."))
@click.argument("picklist")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def picklists_show(ctx: Context, picklist: str, as_json: bool) -> None:
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
        _("{code}  {status}  {priority}  due {due}  orders: {orders}").format(
            code=result["code"],
            status=words.pick_list(result["status"]),
            priority=words.priority(result["priority"]),
            due=readable("due_at", result["due_at"]),
            orders=", ".join(result["order_nos"]),
        )
    )
    _table(result["lines"], ["seq", "location", "sku", "name", "qty", "picked", "short"])


# -- users, scans, products, config ---------------------------------------------------------------


@main.group("users", help=N_("Operators."))
def users_group() -> None:
    pass


_LANG_HELP = N_('The language of their screens: en or zh_CN ("" : the site\'s ui.language).')


@users_group.command(
    "add", help=N_("Add a user, or change their role and PIN (and station binding).")
)
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice(["picker", "packer", "supervisor", "admin"])
)
@click.option("--pin", required=True, help=N_("4–12 digits (stored hashed)."))
@click.option(
    "--station",
    help=N_('Bind the user to this station (their handheld or bench); "" unbinds.'),
)
@click.option("--lang", "language", help=_LANG_HELP)
@pass_context
def users_add(
    ctx: Context, name: str, role: str, pin: str, station: str | None, language: str | None
) -> None:
    from data import users

    with _rejections():
        users.add_user(ctx.store, ctx.actor, name, role, pin, station, language)
    if station:
        echo(
            _("user {name} ({role}) at station {station}").format(
                name=name.lower(), role=words.role(role), station=station.strip().lower()
            )
        )
    else:
        echo(_("user {name} ({role})").format(name=name.lower(), role=words.role(role)))


@users_group.command("set", help=N_("Change a user's language or station binding."))
@click.argument("name")
@click.option("--lang", "language", help=_LANG_HELP)
@click.option(
    "--station",
    help=N_('Bind the user to this station (their handheld or bench); "" unbinds.'),
)
@pass_context
def users_set(ctx: Context, name: str, language: str | None, station: str | None) -> None:
    from data import users

    if language is None and station is None:
        raise click.UsageError(_("say what to change: --lang and/or --station"))
    with _rejections():
        users.set_user(ctx.store, ctx.actor, name, language=language, station=station)
        shown = users.language_of(ctx.store, name)
    echo(_("user {name}: language {language}").format(name=name.lower(), language=shown))


@users_group.command("list", help=N_("Users and roles."))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def users_list(ctx: Context, as_json: bool) -> None:
    from data import users

    rows = users.list_users(ctx.store)
    listing(rows, ["name", "role", "station", "language", "active", "created_at"], as_json)


@main.group("scans", help=N_("The scan log: every scan with its verdict."))
def scans_group() -> None:
    pass


@scans_group.command("list", help=N_("Recent scans, newest first."))
@click.option("--user")
@click.option("--verdict")
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def scans_list(
    ctx: Context, user: str | None, verdict: str | None, limit: int, as_json: bool
) -> None:
    from data import picking

    rows = picking.list_scans(ctx.store, user, verdict, limit)
    listing(rows, ["id", "at", "user", "station", "source", "raw", "verdict", "order_no"], as_json)


@main.group("products", help=N_("The catalog."))
def products_group() -> None:
    pass


@products_group.command("list", help=N_("Products with on hand, reserved and the low-stock flag."))
@click.option("--low", is_flag=True, help=N_("Only products below safety stock."))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def products_list(ctx: Context, low: bool, as_json: bool) -> None:
    from data import catalog

    rows = catalog.list_products(ctx.store, low)
    listing(
        rows,
        ["sku", "name", "location", "on_hand", "reserved", "free", "safety_stock", "low"],
        as_json,
    )


@main.group("config", help=N_("Site settings (SLA hours, scanning rules, code prefixes)."))
def config_group() -> None:
    pass


@config_group.command("list", help=N_("Every setting and its value."))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def config_list(ctx: Context, as_json: bool) -> None:
    from data import settings

    values = settings.all_settings(ctx.store)
    if as_json:
        _emit_json(values)
    else:
        for key, value in values.items():
            echo(f"{key:<24} {value:<8} {_(settings.SETTINGS[key].help)}")


@config_group.command("set", help=N_("Change a setting."))
@click.argument("key")
@click.argument("value")
@pass_context
def config_set(ctx: Context, key: str, value: str) -> None:
    from data import settings

    with _rejections(), ctx.store.write(ctx.actor) as write:
        value = settings.put(write, key, value)
    echo(f"{key} = {value}")


# -- backup ---------------------------------------------------------------------------------------


@main.command(
    "backup",
    help=N_("Copy the database to DEST while the floor works (checked whole; never overwrites)."),
)
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@pass_context
def backup_command(ctx: Context, dest: Path) -> None:
    from data.backup import backup

    with _rejections():
        made = backup(ctx.store, dest)
    echo(
        _("backup written to {path} ({size} bytes, schema {version}, checked)").format(
            path=made.path, size=made.size, version=made.version
        )
    )


# -- the terminal ---------------------------------------------------------------------------------


@main.command(help=N_("Start the floor terminal (login screen)."))
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
    from data.returns_desk import SqliteReturnsDesk
    from data.scan_writer import link_from_env
    from data.stock_oversight import SqliteStockOversight
    from data.stockwork import SqliteStockWork
    from devices.station import SerialStationDevices
    from devices.waybill_apis import source_for
    from tui.app import WaretermApp

    # Under `wareterm serve`, pick scans go to its scan writer (group commit).
    floor = SqliteFloor(store, waybill_apis=source_for, writer=link_from_env())
    operator = (
        floor.session_login(login.user, station, login.method, peer=login.peer, key=login.key)
        if login is not None
        else None
    )
    from core.i18n import normalise_language

    # The login screen speaks the language asked for (an SSH session's user's, or
    # WARETERM_LANG), else the site's; a logged-in operator's session speaks theirs.
    language = normalise_language(os.environ.get("WARETERM_LANG")) or floor.site_language()
    return WaretermApp(
        floor,
        language=language,
        station=station,
        demo=demo,
        devices=SerialStationDevices(store.path),
        operator=operator,
        hangup_exits=login is not None,
        oversight=SqliteOversight(store),
        stock_oversight=SqliteStockOversight(store),
        stock=SqliteStockWork(store),
        returns=SqliteReturnsDesk(store),
    )


def run_tui(
    db: str,
    station: str,
    demo: bool = False,
    login: SessionLogin | None = None,
    crash_fd: int | None = None,
) -> int:
    """Open the database (it must exist and, when small enough, is checked whole), build the
    app and run it; its exit status (1: it crashed, and the exception is reported on
    ``crash_fd``)."""
    from data.store import open_existing
    from tui.session import report_crash

    if login is not None:
        from tui.session import take_controlling_terminal

        take_controlling_terminal()
    app = build_app(open_existing(db, check="session"), station, demo, login)
    app.run()
    if app.return_code:
        # Textual keeps the exception that ended the app (it has no public name for it).
        error = getattr(app, "_exception", None)
        if error is not None:
            report_crash(crash_fd, error)
    return app.return_code or 0


@main.command(help=N_("Create a fresh demo database with bundled data, users and released waves."))
@click.option(
    "--dir", "directory", default="demo", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--start", is_flag=True, help=N_("Start the terminal on the demo afterwards."))
@pass_context
def demo(ctx: Context, directory: Path, start: bool) -> None:
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
        cli_merge,
        cli_print,
        cli_receiving,
        cli_report,
        cli_resolve,
        cli_returns,
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
    cli_receiving.register(main)
    cli_returns.register(main)
    cli_resolve.register(main)
    cli_merge.register(main)


_register_command_modules()

if __name__ == "__main__":
    # `python -m tui.cli` runs this file as __main__; the command modules import `tui.cli`, so
    # run that module's group, not a second copy whose classes differ.
    from tui.cli import main as entry_point

    entry_point()
