"""CLI commands: stations and their devices (``stations add|list|remove``, ``devices test``)."""

from __future__ import annotations

import sys
from typing import Any

import click

from core.errors import Rejected
from core.i18n import N_, _
from tui.cli_output import echo, listing


def check_device_urls(
    scanner_url: str, printer_url: str, profile: str | None, label_width: int
) -> None:
    """Ask the device layer whether the URLs make sense; raises Rejected with its reason."""
    from devices.printer import PrinterConfig, PrinterError
    from devices.scanner import ScannerConfig, ScannerConfigError

    if scanner_url:
        try:
            ScannerConfig.from_url(scanner_url)
        except ScannerConfigError as error:
            raise Rejected(_("scanner URL rejected: {error}").format(error=error)) from None
    if printer_url:
        try:
            PrinterConfig.from_url(printer_url, profile=profile, width_dots=label_width)
        except PrinterError as error:
            raise Rejected(_("printer URL rejected: {error}").format(error=error.message)) from None
    if profile:
        from devices.render import speaks_gb18030

        try:
            speaks_gb18030(profile)
        except ValueError as error:
            raise Rejected(_("printer profile rejected: {error}").format(error=error)) from None


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _rejections, pass_context

    @main.group("stations", help=N_("Benches and handhelds: their scanner and printer URLs."))
    def stations_group() -> None:
        pass

    @stations_group.command(
        "add", help=N_("Add a station, or change the settings given (the others are kept).")
    )
    @click.argument("name")
    @click.option(
        "--scanner",
        "scanner_url",
        help=N_(
            'Serial scanner URL: /dev/ttyUSB0?suffix=CR, socket://host:port, loop:// (""= none).'
        ),
    )
    @click.option(
        "--printer",
        "printer_url",
        help=N_(
            'Printer URL: tcp://host:9100, serial:///dev/ttyS0, usb://VID:PID, file:///… (""= none).'
        ),
    )
    @click.option("--profile", help=N_("python-escpos printer profile (e.g. TM-T88V)."))
    @click.option(
        "--label-width",
        type=click.IntRange(min=8),
        help=N_("Printable width in dots (576 for 80 mm, 384 for 58 mm)."),
    )
    @click.option(
        "--label",
        "label_layout",
        type=click.Choice(["76x130", "100x180"]),
        help=N_(
            "E-waybill layout: 76x130 (one part, 一联单) or 100x180 (two parts, 二联单); "
            "give --label-width to match (600 or 792 dots)."
        ),
    )
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def stations_add(
        ctx: Context,
        name: str,
        scanner_url: str | None,
        printer_url: str | None,
        profile: str | None,
        label_width: int | None,
        label_layout: str | None,
        as_json: bool,
    ) -> None:
        from data import stations

        with _rejections():
            current = stations.get_station(ctx.store, stations.station_name(name)) or {}
            check_device_urls(
                (
                    scanner_url if scanner_url is not None else current.get("scanner_url", "")
                ).strip(),
                (
                    printer_url if printer_url is not None else current.get("printer_url", "")
                ).strip(),
                profile if profile is not None else current.get("profile"),
                label_width or current.get("label_width") or stations.DEFAULT_LABEL_WIDTH,
            )
            station = stations.add_station(
                ctx.store,
                ctx.actor,
                name,
                scanner_url,
                printer_url,
                profile,
                label_width,
                label_layout,
            )
        if as_json:
            _emit_json(station)
            return
        echo(
            _("station {name} {what}: scanner {scanner}, printer {printer}").format(
                name=station["name"],
                what=_("updated") if current else _("added"),
                scanner=station["scanner_url"] or _("none (keyboard scans only)"),
                printer=station["printer_url"] or _("none"),
            )
        )

    @stations_group.command("list", help=N_("Stations, their devices and the users bound to them."))
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def stations_list(ctx: Context, as_json: bool) -> None:
        from data import stations

        rows = stations.list_stations(ctx.store)
        listing(
            rows,
            ["name", "scanner_url", "printer_url", "profile", "label_width", "label_layout"]
            + ["users"],
            as_json,
        )

    @stations_group.command(
        "remove", help=N_("Remove a station; users bound to it choose a station at login again.")
    )
    @click.argument("name")
    @pass_context
    def stations_remove(ctx: Context, name: str) -> None:
        from data import stations

        with _rejections():
            unbound = stations.remove_station(ctx.store, ctx.actor, name)
        echo(_("station {name} removed").format(name=name.strip().lower()))
        if unbound:
            echo(_("no longer bound to it: {users}").format(users=", ".join(unbound)))

    @main.group("devices", help=N_("Check a station's scanner and printer."))
    def devices_group() -> None:
        pass

    @devices_group.command(
        "test",
        help=N_(
            "Print a test label on the station's printer, then wait for one scan on its scanner;\nsay what worked and what did not (exit 0 only if everything configured works)."
        ),
    )
    @click.option("--station", "station_name", required=True, help=N_("The station to test."))
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        help=N_("Seconds to wait for a scan."),
    )
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def devices_test(ctx: Context, station_name: str, timeout: float, as_json: bool) -> None:
        with _rejections():
            checks = _test_station(ctx, station_name, timeout, not as_json)
        failed = [check for check in checks if check.ok is False]
        if as_json:
            _emit_json([check.__dict__ for check in checks])
        if failed:
            echo(
                _("station test failed: {devices}").format(
                    devices=", ".join(check.device for check in failed)
                ),
                err=True,
            )
            sys.exit(1)
        if not any(check.ok for check in checks):
            echo(_("this station has no scanner and no printer to test"), err=True)
            sys.exit(1)


def _test_station(ctx: Any, name: str, timeout: float, verbose: bool) -> list[Any]:
    """Test the printer, then the scanner (holding its lease so no session opens it meanwhile)."""
    from core.errors import NotFound
    from data import leases, stations
    from devices.station import DeviceCheck, check_printer, check_scanner

    station = stations.get_station(ctx.store, name)
    if station is None:
        raise NotFound(_("no station {name!r}").format(name=name.strip().lower()))

    def say(check: DeviceCheck) -> None:
        if verbose:
            mark = {True: "✔", False: "✘", None: "–"}[check.ok]
            echo(f"{mark} {check.message}")

    if verbose:
        echo(_("Testing station {name}").format(name=station["name"]))
    checks = []
    printer = check_printer(
        station["name"], station["printer_url"], station["profile"], station["label_width"]
    )
    say(printer)
    checks.append(printer)
    scanner_url = station["scanner_url"]
    holder = (
        leases.acquire(ctx.store, ctx.actor, station["name"], "scanner") if scanner_url else None
    )
    if holder is not None:
        scanner = DeviceCheck(
            "scanner",
            False,
            _(
                "scanner {url}: in use by {user}'s session on {host} since {since} — log that "
                "session out first, then test again"
            ).format(url=scanner_url, user=holder.user, host=holder.host, since=holder.acquired_at),
        )
    else:
        try:
            scanner = check_scanner(
                station["name"],
                scanner_url,
                timeout,
                on_progress=(lambda text: echo(f"… {text}")) if verbose else None,
            )
        finally:
            if scanner_url:
                leases.release(ctx.store, ctx.actor, station["name"], "scanner")
    say(scanner)
    checks.append(scanner)
    return checks
