"""CLI commands: carriers and their rules, waybill number pools (``wareterm carriers …``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from core.i18n import N_, _
from tui.cli_output import echo

PRIORITIES = ("rush", "standard", "deferred")


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    main.add_command(carriers_group)


def _shell() -> Any:
    """The CLI's shared helpers (imported late: ``tui.cli`` imports this module)."""
    from tui import cli

    return cli


@click.group("carriers", help=N_("Carriers, the rules that choose one, and waybill number pools."))
def carriers_group() -> None:
    pass


@carriers_group.command(
    "list", help=N_("Carriers with their services, speeds, coverage, tracking and claims.")
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_list(ctx: Any, as_json: bool) -> None:
    from data import carriers

    cli = _shell()
    with cli._rejections():
        rows = carriers.list_carriers(ctx.store)
    if as_json:
        cli._emit_json(rows)
        return
    table = [
        {
            "code": row["code"],
            "name": f"{row['name_zh']} {row['name']}"
            if row["name_zh"] != row["name"]
            else row["name"],
            "active": _("yes") if row["active"] else _("no"),
            "services": ", ".join(f"{s['name']} {_days(s['speed_days'])}" for s in row["services"]),
            "coverage": row["coverage_summary"],
            "tracking": _("yes") if row["tracking"] else _("no"),
            "claims": _("yes") if row["claims"] else _("no"),
        }
        for row in rows
    ]
    cli._table(table, ["code", "name", "active", "services", "coverage", "tracking", "claims"])


def _days(speed: float) -> str:
    from core.carriers import days

    return days(speed)


@carriers_group.command(
    "set", help=N_("Turn a carrier on (--active) or off (--inactive) for the rules.")
)
@click.argument("code")
@click.option("--active/--inactive", "active", default=None, help=N_("Use the carrier or not."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_set(ctx: Any, code: str, active: bool | None, as_json: bool) -> None:
    from core.carriers import carrier_to_spec
    from data import carriers

    if active is None:
        raise click.UsageError(_("say --active or --inactive"))
    cli = _shell()
    with cli._rejections():
        carrier = carriers.set_active(ctx.store, ctx.actor, code, active)
    if as_json:
        cli._emit_json(carrier_to_spec(carrier))
    else:
        text = _("{code}: active") if carrier.active else _("{code}: inactive")
        echo(text.format(code=carrier.code))


@carriers_group.command(
    "import",
    help=N_("Add or replace carriers from a JSON file (see README: Carriers and waybill numbers)."),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_import(ctx: Any, file: Path, as_json: bool) -> None:
    from data import carriers

    cli = _shell()
    with cli._rejections():
        result = carriers.import_carriers(ctx.store, ctx.actor, cli._read(file))
    if as_json:
        cli._emit_json(result)
        return
    echo(
        _("carriers: {added} added, {replaced} replaced").format(
            added=", ".join(result["added"]) or "0", replaced=", ".join(result["replaced"]) or "0"
        )
    )


@carriers_group.command(
    "choose",
    help=N_("What the rules pick for a parcel, and why (or whether an override is allowed)."),
)
@click.option("--province", default="", help=N_("Destination province (浙江, 浙江省, Zhejiang)."))
@click.option("--country", default="CN", show_default=True, help=N_("Destination country."))
@click.option("--priority", type=click.Choice(PRIORITIES), default="standard", show_default=True)
@click.option(
    "--weight",
    "weight_g",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help=N_("Parcel weight in grams."),
)
@click.option("--carrier", help=N_("Check a packer's override: this carrier …"))
@click.option("--service", help=N_("… and this service (default: its cheapest for the zone)."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_choose(
    ctx: Any,
    province: str,
    country: str,
    priority: str,
    weight_g: int,
    carrier: str | None,
    service: str | None,
    as_json: bool,
) -> None:
    from core.carriers import Destination, check_override, choose_carrier
    from data import carriers

    if service is not None and carrier is None:
        raise click.UsageError(_("--service needs --carrier"))
    cli = _shell()
    with cli._rejections():
        configured = carriers.load_carriers(ctx.store)
        policy = carriers.carrier_policy(ctx.store)
        destination = Destination(country, province)
        if carrier is not None:
            choice = check_override(configured, destination, carrier, service, weight_g, policy)
        else:
            choice = choose_carrier(configured, destination, priority, weight_g, policy)
    if as_json:
        cli._emit_json(choice.as_dict())
        return
    echo(
        f"{choice.carrier.code} {choice.service.code} ({choice.carrier.name_zh} "
        f"{choice.service.name})"
    )
    echo(choice.reason)


# -- pools ---------------------------------------------------------------------------------------


@carriers_group.group("pool", help=N_("Waybill numbers handed out by the carriers in advance."))
def pool_group() -> None:
    pass


@pool_group.command(
    "add",
    help=N_("Add numbers to CARRIER's pool: from FILE (one per line, # comments) or --range."),
)
@click.argument("carrier")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option(
    "--range",
    "bounds",
    nargs=2,
    metavar="START END",
    help=N_("Add every number from START to END (SF1000000001 SF1000000500)."),
)
@click.option("--prefix", default="", help=N_("Put this before each number of --range."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def pool_add(
    ctx: Any,
    carrier: str,
    file: Path | None,
    bounds: tuple[str, str] | None,
    prefix: str,
    as_json: bool,
) -> None:
    from core.waybills import number_range
    from data import carriers

    if (file is None) == (not bounds):
        raise click.UsageError(_("give either FILE or --range START END"))
    if prefix and not bounds:
        raise click.UsageError(_("--prefix goes with --range"))
    cli = _shell()
    with cli._rejections():
        if bounds:
            numbers: bytes | list[str] = number_range(bounds[0], bounds[1], prefix)
        else:
            assert file is not None
            numbers = cli._read(file)
        report = carriers.add_numbers(ctx.store, ctx.actor, carrier, numbers)
        code = carrier.strip().upper()
        status = {row["carrier"]: row for row in carriers.pool_status(ctx.store)}.get(code)
    free = status["free"] if status else 0
    if as_json:
        cli._emit_json({**report.as_dict(), "carrier": code, "free": free})
    else:
        echo(
            _(
                "{carrier}: {added} added, {skipped} skipped, {rejected} rejected; {free} free"
            ).format(
                carrier=code,
                added=len(report.stored),
                skipped=len(report.skipped),
                rejected=len(report.rejected),
                free=free,
            )
        )
        for skip in report.skipped:
            echo(
                _("line {line}: {key}: {reason}").format(
                    line=skip.line, key=skip.key, reason=skip.reason
                )
            )
        for rejection in report.rejected:
            echo(
                _("line {line}: rejected: {reason}").format(
                    line=rejection.line, reason=rejection.reason
                ),
                err=True,
            )
    if status and status["low"]:
        _warn_low([status])
    if report.rejected:
        sys.exit(1)


def _warn_low(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row["low"]:
            echo(
                _(
                    "warning: {carrier} has only {free} free waybill numbers (warning below "
                    "{threshold}); add some with: wareterm carriers pool add {carrier} FILE"
                ).format(carrier=row["carrier"], free=row["free"], threshold=row["low_warning"]),
                err=True,
            )


@pool_group.command(
    "status",
    help=N_("Free, used and void numbers per carrier; low pools are warned about on stderr."),
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def pool_status(ctx: Any, as_json: bool) -> None:
    from data import carriers

    cli = _shell()
    with cli._rejections():
        rows = carriers.pool_status(ctx.store)
    if as_json:
        cli._emit_json(rows)
    else:
        cli._table(
            [
                {
                    **row,
                    "active": _("yes") if row["active"] else _("no"),
                    "low": _("LOW") if row["low"] else "",
                }
                for row in rows
            ],
            ["carrier", "name", "active", "free", "used", "void", "low"],
        )
    _warn_low(rows)
