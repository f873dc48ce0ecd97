"""CLI commands of the pack-and-ship flow: shipments, and label-first batch printing of a
wave (打单)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from core.errors import WaretermError
from core.i18n import N_, _
from tui.cli_output import cell, echo, listing


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group (``print wave`` joins ``print``)."""
    main.add_command(shipments_group)
    print_group = main.commands.get("print")
    if isinstance(print_group, click.Group):
        print_group.add_command(print_wave)


def _shell() -> Any:
    from tui import cli

    return cli


#: Failed attempts of one job after which `print wave` stops following the batch.
GIVE_UP_AFTER = 3

_COLUMNS = [
    "id",
    "order_no",
    "status",
    "carrier",
    "service",
    "waybills",
    "weight_g",
    "packages",
    "station",
    "packed_at",
    "shipped_at",
]


@click.group(
    "shipments",
    help=N_("Shipments: carrier, service, waybill numbers, weight, parcels, label jobs."),
)
def shipments_group() -> None:
    pass


@shipments_group.command("list", help=N_("The newest shipments."))
@click.option("--status", type=click.Choice(["labelled", "packed", "shipped", "void"]))
@click.option("--order", "order_no", help=N_("Only this order's shipments."))
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shipments_list(
    ctx: Any, status: str | None, order_no: str | None, limit: int, as_json: bool
) -> None:
    from data.shipments import list_shipments

    rows = list_shipments(ctx.store, status, order_no, limit)
    listing(rows, _COLUMNS, as_json)


@shipments_group.command(
    "export",
    help=N_(
        "The bulk-ship file (批量发货) for a platform: one row per waybill with the order "
        "number, the carrier under the platform's name and the waybill number. Waybills "
        "exported before are left out unless --all."
    ),
)
@click.option("--platform", required=True, help=N_("taobao, jd, pdd, douyin or wechat."))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path))
@click.option("--shop", default=None, help=N_("Only this shop's orders."))
@click.option("--since", default=None, help=N_("Only shipments made since this time."))
@click.option(
    "--status",
    type=click.Choice(["printed", "shipped"]),
    default="printed",
    show_default=True,
    help=N_("printed: every waybill with a label; shipped: only parcels that left."),
)
@click.option("--all", "repeat", is_flag=True, help=N_("List waybills exported before too."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shipments_export(
    ctx: Any,
    platform: str,
    out: Path,
    shop: str | None,
    since: str | None,
    status: str,
    repeat: bool,
    as_json: bool,
) -> None:
    from core.importing import parse_instant
    from data.bulk_ship import export_bulk_ship

    moment = None
    if since:
        try:
            moment = parse_instant(since, name="since")
        except ValueError as error:
            raise WaretermError(str(error)) from None
    result = export_bulk_ship(ctx.store, ctx.actor, platform, out, shop, moment, status, repeat)
    if as_json:
        _shell()._emit_json(result)
    else:
        echo(
            _("{file}: {rows} waybills for {platform}").format(
                file=cell(result["file"]), rows=result["rows"], platform=platform
            )
        )
    if result["unnamed"]:
        echo(
            _(
                "left out: carriers without a {platform} name: {carriers}; set one with "
                "`wareterm carriers alias {platform} CARRIER NAME`"
            ).format(platform=platform, carriers=", ".join(result["unnamed"])),
            err=True,
        )
        sys.exit(1)


@shipments_group.command("show", help=N_("One shipment: by id, order number or waybill number."))
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shipments_show(ctx: Any, key: str, as_json: bool) -> None:
    from core.tracking import label as tracking_label
    from data.shipments import show_shipment

    shipment = show_shipment(ctx.store, key)
    if as_json:
        _shell()._emit_json(shipment)
        return
    for name, value in shipment.items():
        if name != "packages":
            echo(f"{name:>16}: {cell(value)}")
    for package in shipment["packages"]:
        echo(
            _("{label:>16}: {seq} {waybill} {status} (label job {job}: {job_status})").format(
                label=_("parcel"),
                seq=package["seq"],
                waybill=package["waybill_no"],
                status=package["status"],
                job=package["label_job"],
                job_status=package["label_status"],
            )
        )
        for event in package.get("events", []):
            echo(
                _("{label:>16}  {at} {status} {text}").format(
                    label="",
                    at=event["at"],
                    status=tracking_label(event["status"]),
                    text=cell(event["description"]),
                )
            )


@shipments_group.command(
    "track",
    help=N_(
        "Ask the carrier's API for the tracking (物流跟踪) of one parcel or of every parcel "
        "not yet signed, store the new events and move the orders to in transit or delivered."
    ),
)
@click.option("--waybill", default=None, help=N_("The parcel's waybill number."))
@click.option("--all-open", is_flag=True, help=N_("Every shipped parcel not yet signed."))
@click.option(
    "--subscribe",
    is_flag=True,
    help=N_("Also subscribe each parcel asked (快递鸟 1008) so the carrier pushes its trace."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
@click.pass_obj
def shipments_track(
    ctx: Any, waybill: str | None, all_open: bool, subscribe: bool, as_json: bool
) -> None:
    from core.waybills import WaybillUnavailable
    from data import tracking
    from devices.waybill_apis import tracker_for

    parcels = tracking.to_track(ctx.store, waybill, all_open)
    events: list[Any] = []
    failed: list[dict[str, str]] = []
    skipped: dict[str, int] = {}
    subscribed = 0
    for number, api, carrier in parcels:
        if api is None and all_open and not waybill:
            skipped[carrier] = skipped.get(carrier, 0) + 1  # tracked by import, not asked
            continue
        if api is None:
            failed.append(
                {
                    "waybill": number,
                    "error": _(
                        "carrier {carrier} has no tracking API; import its tracking instead "
                        "(shipments import-tracking)"
                    ).format(carrier=carrier),
                }
            )
            continue
        try:  # outside any write transaction: the API may be slow
            client = tracker_for(api)
            events.extend(client.track(number))
            if subscribe:
                client.subscribe(number)
                subscribed += 1
        except WaybillUnavailable as error:
            failed.append({"waybill": number, "error": str(error)})
    done = tracking.record(ctx.store, ctx.actor, events) if events else None
    result = {
        "asked": len(parcels) - sum(skipped.values()),
        "stored": done["stored"] if done else 0,
        "repeated": done["repeated"] if done else 0,
        "moved": done["moved"] if done else [],
        "failed": failed,
        "skipped": skipped,
        "subscribed": subscribed,
    }
    if as_json:
        _shell()._emit_json(result)
    else:
        echo(
            _("{asked} parcels asked: {stored} new events, {repeated} already stored").format(
                asked=result["asked"], stored=result["stored"], repeated=result["repeated"]
            )
        )
        for moved in result["moved"]:
            echo(
                _("order {order}: {status}").format(
                    order=cell(moved["order_no"]), status=moved["status"]
                )
            )
        for carrier, count in sorted(skipped.items()):
            echo(
                _(
                    "{carrier}: {count} parcels not asked (no tracking API; use "
                    "shipments import-tracking)"
                ).format(carrier=cell(carrier), count=count)
            )
        for failure in failed:
            echo(
                _("{waybill}: {error}").format(
                    waybill=cell(failure["waybill"]), error=cell(failure["error"])
                ),
                err=True,
            )
    if failed:
        raise SystemExit(1)


@shipments_group.command(
    "push-receiver",
    help=N_(
        "Take 快递鸟's tracking pushes (for parcels subscribed with track --subscribe) on "
        "HOST:PORT until stopped: each push's signature is checked, its events stored."
    ),
)
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option("--port", default=8760, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def shipments_push_receiver(ctx: Any, host: str, port: int) -> None:
    from data import tracking
    from data.carriers import carrier_apis
    from devices.kdniao import PROVIDER
    from devices.kdniao_push import push_server

    def keys() -> dict[str, str]:
        return {a.account: a.key for a in carrier_apis(ctx.store) if a.provider == PROVIDER}

    try:
        server = push_server(
            host, port, keys, lambda events: tracking.record(ctx.store, ctx.actor, events)
        )
    except OSError as error:
        raise click.ClickException(
            _("cannot listen on {host}:{port}: {error}").format(host=host, port=port, error=error)
        ) from None
    echo(
        _("taking 快递鸟 pushes on http://{host}:{port}/ (Ctrl-C stops)").format(
            host=host, port=port
        )
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@shipments_group.command(
    "import-tracking",
    help=N_(
        "Import tracking events from a CSV file (waybill, status, time[, description]) for "
        "carriers whose tracking comes from elsewhere; status is picked_up, in_transit, "
        "out_for_delivery, signed, problem, returned or the carrier's word (已揽收, 运输中, "
        "派送中, 已签收, 问题件, 退回); importing it again stores nothing twice."
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
@click.pass_obj
def shipments_import_tracking(ctx: Any, file: Path, as_json: bool) -> None:
    from data import tracking

    done = tracking.import_tracking(ctx.store, ctx.actor, file.read_bytes())
    if as_json:
        _shell()._emit_json(done)
        return
    echo(
        _("{stored} events stored, {repeated} already stored, {refused} rows refused").format(
            stored=done["stored"], repeated=done["repeated"], refused=len(done["refused"])
        )
    )
    for moved in done["moved"]:
        echo(
            _("order {order}: {status}").format(
                order=cell(moved["order_no"]), status=moved["status"]
            )
        )
    for message in done["refused"]:
        echo(cell(message), err=True)


@shipments_group.command(
    "problems",
    help=N_("Problem parcels (问题件): the latest tracking event is a problem or a return."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
@click.pass_obj
def shipments_problems(ctx: Any, as_json: bool) -> None:
    from data import tracking

    rows = tracking.problem_parcels(ctx.store)
    listing(
        rows, ["order_no", "waybill_no", "carrier", "track_status", "track_at", "problem"], as_json
    )


@click.command(
    "wave",
    help=N_(
        "Print every label of a wave and a pick sheet per list in one go (打单).\n\nOrders that already have a label are left alone, so running it again prints only what is\nmissing. Exit 1 when a label could not be made or did not print."
    ),
)
@click.argument("wave_id", type=int)
@click.option("--station", required=True, help=N_("The station whose printer prints the batch."))
@click.option(
    "--retry-failed",
    is_flag=True,
    help=N_("Only send the failed labels of the wave's last batch again."),
)
@click.option("--wait/--no-wait", default=True, show_default=True, help=N_("Follow the printing."))
@click.option("--timeout", default=600.0, show_default=True, help=N_("Seconds to follow it."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def print_wave(
    ctx: Any,
    wave_id: int,
    station: str,
    retry_failed: bool,
    wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    from dataclasses import asdict

    from core.errors import WaretermError
    from data import batches, packing
    from data.stations import station_name
    from data.store import Actor

    store = ctx.store
    actor = Actor(ctx.actor.user, station_name(station), ctx.actor.role)
    if retry_failed:
        batch_id = batches.last_batch(store, wave_id)
        if batch_id is None:
            raise WaretermError(_("wave {wave} was never printed").format(wave=wave_id))
        batch = batches.retry_failed(store, actor, batch_id)
    else:
        from devices.waybill_apis import source_for

        batch = batches.print_wave(
            store, actor, wave_id, packing.bench_context(store), apis=source_for
        )
    if wait and batch.total:
        batch = _follow(ctx, store, batch, actor.station, timeout, quiet=as_json)
    if as_json:
        _shell()._emit_json(asdict(batch))
    else:
        echo(
            _(
                "batch {batch}: {done} printed, {failed} failed, {waiting} waiting of {total};"
                " {skipped} orders without a label"
            ).format(
                batch=batch.batch_id,
                done=batch.done,
                failed=batch.failed + batch.uncertain,
                waiting=batch.waiting,
                total=batch.total,
                skipped=len(batch.skipped),
            )
        )
        for subject, why in batch.failures:
            echo(_("failed: {subject}: {why}").format(subject=subject, why=why), err=True)
        for subject, why in batch.skipped:
            echo(_("no label: {subject}: {why}").format(subject=subject, why=why), err=True)
    if batch.failed or batch.uncertain or batch.skipped:
        sys.exit(1)


def _follow(ctx: Any, store: Any, batch: Any, station: str, timeout: float, quiet: bool) -> Any:
    """Show the batch's progress until it has printed or failed; print it here when no other
    process drives the station's printer."""
    from data import batches, leases
    from devices.outbox import PrintWorker

    worker = None
    if leases.holder(store, station, "printer") is None:
        worker = PrintWorker(ctx.db, station, backoff=lambda attempts: 1.0)
        worker.start()
    deadline = time.monotonic() + timeout
    shown = -1
    try:
        while True:
            batch = batches.batch_view(store, batch.batch_id)
            settled = batch.done + batch.failed + batch.uncertain + batch.cancelled
            if settled != shown and not quiet:
                echo(
                    _("{settled}/{total} labels: {done} printed, {failed} failed").format(
                        settled=settled,
                        total=batch.total,
                        done=batch.done,
                        failed=batch.failed + batch.uncertain,
                    ),
                    err=True,
                )
                shown = settled
            if batch.finished or time.monotonic() > deadline:
                return batch
            # A failed job is retried after its backoff; a printer that keeps failing is
            # reported rather than waited for (the jobs stay queued for the station).
            tries = store.scalar(
                "SELECT max(attempts) FROM print_jobs WHERE batch_id = ? AND status = 'failed'",
                (batch.batch_id,),
            )
            if tries is not None and tries >= GIVE_UP_AFTER:
                return batch
            time.sleep(0.2)
    finally:
        if worker is not None:
            worker.stop()
