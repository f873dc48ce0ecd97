"""CLI commands of the pack-and-ship flow: shipments, and label-first batch printing of a
wave (打单)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from core.i18n import _
from tui.cli_output import cell, echo


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


@click.group("shipments")
def shipments_group() -> None:
    """Shipments: carrier, service, waybill numbers, weight, parcels, label jobs."""


@shipments_group.command("list")
@click.option("--status", type=click.Choice(["labelled", "packed", "shipped", "void"]))
@click.option("--order", "order_no", help="Only this order's shipments.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shipments_list(
    ctx: Any, status: str | None, order_no: str | None, limit: int, as_json: bool
) -> None:
    """The newest shipments."""
    from data.shipments import list_shipments

    rows = list_shipments(ctx.store, status, order_no, limit)
    if as_json:
        _shell()._emit_json(rows)
    else:
        _shell()._table(rows, _COLUMNS)


@shipments_group.command("show")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shipments_show(ctx: Any, key: str, as_json: bool) -> None:
    """One shipment: by id, order number or waybill number."""
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
            f"{'parcel':>16}: {package['seq']} {package['waybill_no']} {package['status']}"
            f" (label job {package['label_job']}: {package['label_status']})"
        )


@click.command("wave")
@click.argument("wave_id", type=int)
@click.option("--station", required=True, help="The station whose printer prints the batch.")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Only send the failed labels of the wave's last batch again.",
)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Follow the printing.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to follow it.")
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
    """Print every label of a wave and a pick sheet per list in one go (打单).

    Orders that already have a label are left alone, so running it again prints only what is
    missing. Exit 1 when a label could not be made or did not print."""
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
        batch = batches.print_wave(store, actor, wave_id, packing.bench_context(store))
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
