"""CLI commands: the print outbox (jobs, retry, reprint, queueing labels, the print worker) and
label files (outbound label previews; bin, SKU and tote labels)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from core import timefmt
from core.errors import WaretermError
from core.i18n import N_, _, ngettext
from tui.cli_output import cell, echo, listing

#: The statuses of a print job (``data.printing.STATUSES``; kept here so that ``--help`` needs
#: no database code).
JOB_STATUSES = ("queued", "sending", "done", "failed", "uncertain", "cancelled")

_JOB_COLUMNS = [
    "id",
    "station",
    "status",
    "kind",
    "subject",
    "attempts",
    "next_attempt_at",
    "last_error",
    "reprint_of",
    "created_by",
    "created_at",
    "sent_at",
]


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    main.add_command(print_group)
    main.add_command(label_group)
    main.add_command(labels_group)


def _shell() -> Any:
    """The CLI's shared helpers (imported late: ``tui.cli`` imports this module)."""
    from tui import cli

    return cli


def _echo_job(job: Any, text: str) -> None:

    echo(
        _("job {job} {subject} at {station}: {text}").format(
            job=job.id, subject=cell(job.subject), station=job.station, text=text
        )
    )


# --------------------------------------------------------------------------- wareterm print


@click.group(
    "print", help=N_("The print outbox: jobs per station, retries, reprints, the print worker.")
)
def print_group() -> None:
    pass


@print_group.command("jobs", help=N_("The newest print jobs, in queue order."))
@click.option("--station", help=N_("Only this station's jobs."))
@click.option("--status", type=click.Choice(JOB_STATUSES), help=N_("Only jobs in this status."))
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def print_jobs(
    ctx: Any, station: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    from data import printing

    rows = [job.as_dict() for job in printing.list_jobs(ctx.store, station, status, limit)]
    listing(rows, _JOB_COLUMNS, as_json)


@print_group.command("show", help=N_("One print job with what it prints."))
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def print_show(ctx: Any, job_id: int, as_json: bool) -> None:
    import json

    from data import printing

    job = printing.get_job(ctx.store, job_id)
    if as_json:
        _shell()._emit_json(job.as_dict(with_content=True))
        return
    for key, value in job.as_dict().items():
        echo(f"{key:>16}: {cell(value)}")
    echo(f"{'content':>16}: {cell(json.dumps(job.content, ensure_ascii=False))}")


@print_group.command("retry", help=N_("Send a failed or uncertain job again."))
@click.argument("job_id", type=int)
@click.pass_obj
def print_retry(ctx: Any, job_id: int) -> None:
    from data import printing

    job = printing.retry_job(ctx.store, ctx.actor, job_id)
    _echo_job(job, _("queued again"))


@print_group.command("reprint", help=N_("Print a job's label again, as a new job."))
@click.argument("job_id", type=int)
@click.option("--reason", required=True, help=N_("Why (kept in the audit trail)."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def print_reprint(ctx: Any, job_id: int, reason: str, as_json: bool) -> None:
    from data import printing

    new_id = printing.reprint_job(ctx.store, ctx.actor, job_id, reason)
    job = printing.get_job(ctx.store, new_id)
    if as_json:
        _shell()._emit_json(job.as_dict())
    else:
        _echo_job(job, _("queued (reprint of job {original})").format(original=job_id))


@print_group.command("cancel", help=N_("Take a queued, failed or uncertain job out of the queue."))
@click.argument("job_id", type=int)
@click.option("--reason", required=True, help=N_("Why (kept in the audit trail)."))
@click.pass_obj
def print_cancel(ctx: Any, job_id: int, reason: str) -> None:
    from data import printing

    job = printing.cancel_job(ctx.store, ctx.actor, job_id, reason)
    _echo_job(job, _("cancelled"))


@print_group.command("label", help=N_("Queue the outbound label(s) of an order at a station."))
@click.argument("order_no")
@click.option("--station", required=True, help=N_("The station whose printer prints it."))
@click.option("--carrier", default="", help=N_("Carrier name (empty until the pack step)."))
@click.option("--service", default="", help=N_("Carrier service."))
@click.option("--waybill", default=None, help=N_("Waybill number (printed as Code 128)."))
@click.option("--weight", type=click.IntRange(0), default=None, help=N_("Weight in grams."))
@click.option("--packages", type=click.IntRange(1, 99), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def print_label(
    ctx: Any,
    order_no: str,
    station: str,
    carrier: str,
    service: str,
    waybill: str | None,
    weight: int | None,
    packages: int,
    as_json: bool,
) -> None:
    from data import printing

    ids = printing.queue_outbound_labels(
        ctx.store, ctx.actor, order_no, station, carrier, service, waybill, weight, packages
    )
    jobs = [printing.get_job(ctx.store, job_id) for job_id in ids]
    if as_json:
        _shell()._emit_json([job.as_dict() for job in jobs])
        return
    for job in jobs:
        _echo_job(job, _("queued"))


@print_group.command("test", help=N_("Queue a test label at a station."))
@click.option("--station", required=True)
@click.pass_obj
def print_test(ctx: Any, station: str) -> None:
    from data import printing

    job = printing.get_job(ctx.store, printing.queue_test_label(ctx.store, ctx.actor, station))
    _echo_job(job, _("queued"))


@print_group.command(
    "worker", help=N_("Send a station's print jobs until Ctrl-C, showing each change.")
)
@click.option("--station", required=True, help=N_("The station whose printer this worker drives."))
@click.pass_obj
def print_worker(ctx: Any, station: str) -> None:
    from data.store import Actor
    from devices.outbox import PrintWorker, WorkerEvent

    ctx.store  # noqa: B018 - creates or upgrades the database before the worker opens it

    def show(event: WorkerEvent) -> None:
        at = timefmt.local(datetime.now(UTC)).strftime("%H:%M:%S")
        echo(f"{at} {cell(event.message)}")

    worker = PrintWorker(ctx.db, station, Actor(ctx.actor.user, station), on_event=show)
    stopping = False
    with _terminate_as_interrupt():
        worker.start()
        try:
            while worker.is_alive():
                # not worker.join(): a Ctrl-C inside Thread.join() can leave the thread marked
                # as ended, and the later stop() would then not wait for the printer's release
                time.sleep(0.2)
        except KeyboardInterrupt:
            stopping = True
        finally:
            worker.stop()
    if not stopping:
        sys.exit(1)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager stopping us) ends the worker like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --------------------------------------------------------------------------- wareterm label


@click.group("label", help=N_("Outbound labels."))
def label_group() -> None:
    pass


@label_group.command(
    "preview", help=N_("Write an order's outbound label as a PNG: what the printer would print.")
)
@click.argument("order_no")
@click.option(
    "--png", "png", required=True, type=click.Path(dir_okay=False, path_type=Path), help=N_("File.")
)
@click.option("--station", help=N_("Use this station's label width."))
@click.option("--width", type=int, default=None, help=N_("Label width in dots (default 576)."))
@click.option("--carrier", default="")
@click.option("--service", default="")
@click.option("--waybill", default=None)
@click.option("--weight", type=click.IntRange(0), default=None, help=N_("Weight in grams."))
@click.pass_obj
def label_preview(
    ctx: Any,
    order_no: str,
    png: Path,
    station: str | None,
    width: int | None,
    carrier: str,
    service: str,
    waybill: str | None,
    weight: int | None,
) -> None:
    from data import printing
    from devices.render import save_preview_png

    if width is None:
        width = 576
        if station is not None:
            target = printing.station_printer(ctx.store, station.strip().lower())
            if target is None:
                raise WaretermError(_("no station {station!r}").format(station=station))
            width = target.label_width
    label = printing.outbound_label(ctx.store, order_no, carrier, service, waybill, weight)
    try:
        save_preview_png(label, png, width)
    except (OSError, ValueError) as error:
        raise WaretermError(
            _("cannot write {path}: {error}").format(path=png, error=error)
        ) from None
    echo(str(png))


# --------------------------------------------------------------------------- wareterm labels


@click.group(
    "labels",
    help=N_(
        "Bin, SKU and tote labels: as PNG/SVG files, straight to a printer, or queued at a\nstation."
    ),
)
def labels_group() -> None:
    pass


def _output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            help=N_("Write one image file per label into this folder."),
        ),
        click.option(
            "--format", "fmt", type=click.Choice(["png", "svg"]), default="png", show_default=True
        ),
        click.option("--printer", "printer_url", help=N_("Print them now on this printer URL.")),
        click.option("--profile", default=None, help=N_("python-escpos profile for --printer.")),
        click.option(
            "--width", type=int, default=576, show_default=True, help=N_("Dots, for --printer.")
        ),
        click.option("--station", help=N_("Queue them as one job at this station's printer.")),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _emit_labels(
    ctx: Any,
    kind: str,
    label_set: Any,
    out: Path | None,
    fmt: str,
    printer_url: str | None,
    profile: str | None,
    width: int,
    station: str | None,
) -> None:
    from data import printing

    if out is None and printer_url is None and station is None:
        raise click.UsageError(_("say where the labels go: --out DIR, --printer URL or --station"))
    if not label_set.labels and not label_set.skipped:
        raise WaretermError(_("there are no {kind} to label").format(kind=kind))
    labels = label_set.labels
    if labels and out is not None:
        from devices.render import write_code_labels

        try:
            written = write_code_labels(labels, out, fmt)
        except OSError as error:
            raise WaretermError(
                _("cannot write into {out}: {error}").format(out=out, error=error)
            ) from None
        echo(
            ngettext(
                "{n} file written to {out}", "{n} files written to {out}", len(written)
            ).format(n=len(written), out=out)
        )
    if labels and printer_url is not None:
        _print_now(kind, labels, printer_url, profile, width)
        echo(_("{n} labels sent to {printer}").format(n=len(labels), printer=printer_url))
    if labels and station is not None:
        job_id = printing.queue_code_labels(ctx.store, ctx.actor, station, labels, f"{kind} labels")
        echo(_("job {job}: {n} labels queued").format(job=job_id, n=len(labels)))
    for code, why in label_set.skipped:
        echo(_("skipped {code}: {why}").format(code=cell(code), why=why), err=True)
    if label_set.skipped:
        sys.exit(1)


def _print_now(kind: str, labels: list[Any], url: str, profile: str | None, width: int) -> None:
    from data import printing
    from devices.outbox import save_job_preview
    from devices.printer import DirPrinter, PrinterConfig, PrinterError, printer_for
    from devices.render import code_label_escpos

    try:
        config = PrinterConfig.from_url(url, profile=profile, width_dots=width)
        data = code_label_escpos(labels, config.width_dots, config.cjk_mode, config.profile)
        printer = printer_for(config)
        stem = f"{kind}-labels-{time.strftime('%Y%m%d-%H%M%S')}"
        if isinstance(printer, DirPrinter):
            printer.label_stem = stem
        with printer:
            printer.print_job(data)
        if isinstance(printer, DirPrinter):
            save_job_preview(
                "code", printing.code_content(labels), printer.path_for(stem, ".png"), width
            )
    except PrinterError as error:
        raise WaretermError(error.message) from None
    except ValueError as error:  # an unknown printer profile
        raise WaretermError(str(error)) from None


@labels_group.command("bins", help=N_("A label for every bin (``L:A-01-02``), in walk order."))
@_output_options
@click.pass_obj
def labels_bins(ctx: Any, **options: Any) -> None:
    from data import printing

    _emit_labels(ctx, "bins", printing.bin_labels(ctx.store), **options)


@labels_group.command(
    "skus", help=N_("A label for every product: its SKU as a barcode, its name under it.")
)
@_output_options
@click.pass_obj
def labels_skus(ctx: Any, **options: Any) -> None:
    from data import printing

    _emit_labels(ctx, "skus", printing.sku_labels(ctx.store), **options)


@labels_group.command("totes", help=N_("Labels for totes numbered --from … --to (``T:0042``)."))
@click.option(
    "--from", "first", type=click.IntRange(0), required=True, help=N_("First tote number.")
)
@click.option("--to", "last", type=click.IntRange(0), required=True, help=N_("Last tote number."))
@_output_options
@click.pass_obj
def labels_totes(ctx: Any, first: int, last: int, **options: Any) -> None:
    from data import printing

    if last < first:
        raise click.BadParameter(_("--to must not be below --from"), param_hint="--to")
    _emit_labels(ctx, "totes", printing.tote_labels(ctx.store, first, last), **options)
