"""CLI commands: carriers and their rules, waybill number pools (``wareterm carriers …``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from core.i18n import N_, _
from tui.cli_output import cell, echo, listing

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
    "alias",
    help=N_(
        "Name a carrier the way a platform does in its bulk-ship file, e.g. "
        "`carriers alias pdd SF 顺丰快递`."
    ),
)
@click.argument("platform")
@click.argument("code")
@click.argument("name")
@click.pass_obj
def carriers_alias(ctx: Any, platform: str, code: str, name: str) -> None:
    from data.bulk_ship import set_alias

    set_alias(ctx.store, ctx.actor, platform, code, name)
    echo(
        _("{platform}: {code} is now {name}").format(
            platform=platform, code=cell(code.upper()), name=cell(name)
        )
    )


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
            "numbers": row["api"]["provider"] if row["api"] else _("pool"),
        }
        for row in rows
    ]
    cli._table(
        table,
        ["code", "name", "active", "services", "coverage", "tracking", "claims", "numbers"],
    )


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


# -- electronic waybill APIs ----------------------------------------------------------------------


@carriers_group.command(
    "api",
    help=N_(
        "Take CARRIER's waybill numbers and routing codes from an electronic waybill API\n(电子面单), or --off to go back to its number pool. The key is never shown again."
    ),
)
@click.argument("carrier")
@click.option("--provider", help=N_("The e-waybill provider (kdniao: 快递鸟)."))
@click.option("--url", help=N_("The provider's API address."))
@click.option("--ebusiness-id", "account", help=N_("Your user id at the provider (EBusinessID)."))
@click.option("--key", help=N_("The provider's API key (AppKey); '-' reads it from stdin."))
@click.option("--customer-name", default="", help=N_("The carrier account (电子面单客户号)."))
@click.option("--customer-pwd", default="", help=N_("The carrier account's password."))
@click.option("--month-code", default="", help=N_("The monthly account (月结账号)."))
@click.option("--template-size", default="", help=N_("Label template size, e.g. 130 (76×130)."))
@click.option("--shipper-code", default="", help=N_("The provider's code for the carrier."))
@click.option(
    "--fallback",
    type=click.Choice(("wait", "pool")),
    default="wait",
    show_default=True,
    help=N_("While the API cannot answer: the order waits, or takes a pool number."),
)
@click.option("--off", is_flag=True, help=N_("Back to the number pool; forget the account."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_api(
    ctx: Any,
    carrier: str,
    provider: str | None,
    url: str | None,
    account: str | None,
    key: str | None,
    customer_name: str,
    customer_pwd: str,
    month_code: str,
    template_size: str,
    shipper_code: str,
    fallback: str,
    off: bool,
    as_json: bool,
) -> None:
    from data import carriers
    from devices.waybill_apis import PROVIDERS

    cli = _shell()
    if off:
        if provider or url or account or key:
            raise click.UsageError(_("--off takes no other option"))
        with cli._rejections():
            was_set = carriers.clear_api(ctx.store, ctx.actor, carrier)
        code = carrier.strip().upper()
        if as_json:
            cli._emit_json({"carrier": code, "api": None, "was_set": was_set})
        else:
            echo(_("{carrier}: numbers come from the pool").format(carrier=code))
        return
    missing = [
        name
        for name, value in (
            ("--provider", provider),
            ("--url", url),
            ("--ebusiness-id", account),
            ("--key", key),
        )
        if not value
    ]
    if missing:
        raise click.UsageError(_("missing {options} (or --off)").format(options=", ".join(missing)))
    assert provider and url and account and key
    if provider.strip().lower() not in PROVIDERS:
        raise click.UsageError(
            _("unknown provider {provider!r}; known: {known}").format(
                provider=provider, known=", ".join(sorted(PROVIDERS))
            )
        )
    if key == "-":
        key = sys.stdin.readline().strip()
    options = {
        "customer_name": customer_name,
        "customer_pwd": customer_pwd,
        "month_code": month_code,
        "template_size": template_size,
        "shipper_code": shipper_code,
    }
    with cli._rejections():
        shown = carriers.set_api(
            ctx.store, ctx.actor, carrier, provider, url, account, key, options, fallback
        )
    if as_json:
        cli._emit_json(shown)
    else:
        echo(
            _(
                "{carrier}: numbers from {provider} at {url} (key set; while it cannot answer: "
                "{fallback})"
            ).format(
                carrier=shown["carrier"],
                provider=shown["provider"],
                url=shown["url"],
                fallback=shown["fallback"],
            )
        )


@carriers_group.command(
    "cancels", help=N_("API waybill numbers voided here and not yet cancelled at their carrier.")
)
@click.option("--retry", is_flag=True, help=N_("Try the due ones again now."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_cancels(ctx: Any, retry: bool, as_json: bool) -> None:
    from data import ewaybills
    from devices.waybill_apis import source_for

    cli = _shell()
    with cli._rejections():
        if retry:
            ewaybills.cancel_pending(ctx.store, ctx.actor, source_for)
        rows = ewaybills.pending_cancels(ctx.store)
    listing(
        rows, ["number", "carrier", "status", "attempts", "next_attempt_at", "last_error"], as_json
    )


@carriers_group.command(
    "waits", help=N_("Orders waiting for a number from their carrier's API (it did not answer).")
)
@click.option("--retry", is_flag=True, help=N_("Try the due ones again now."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def carriers_waits(ctx: Any, retry: bool, as_json: bool) -> None:
    from data import packing
    from devices.waybill_apis import source_for

    cli = _shell()
    with cli._rejections():
        if retry:
            packing.retry_waits(ctx.store, source_for)
        rows = packing.waiting_orders(ctx.store)
    listing(
        rows,
        ["order_no", "station", "carrier", "status", "attempts", "next_attempt_at", "last_error"],
        as_json,
    )


@carriers_group.command(
    "worker",
    help=N_("Keep trying: orders waiting for their API number, numbers to cancel at the carrier."),
)
@click.option(
    "--interval",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    help=N_("Seconds between passes."),
)
@click.option("--once", is_flag=True, help=N_("One pass, then exit."))
@click.pass_obj
def carriers_worker(ctx: Any, interval: float, once: bool) -> None:
    import time

    from data import ewaybills, packing
    from devices.waybill_apis import source_for

    cli = _shell()
    while True:
        with cli._rejections():
            closed = packing.retry_waits(ctx.store, source_for)
            cancelled = ewaybills.cancel_pending(ctx.store, ctx.actor, source_for)
        for order_no, status in closed.items():
            echo(_("{order}: {status}").format(order=order_no, status=status))
        for number, status in cancelled.items():
            echo(_("{number}: cancel {status}").format(number=number, status=status))
        if once:
            return
        time.sleep(interval)


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
