"""CLI commands: reports (``report daily [--date D] [--csv FILE] [--json]``)."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from core import timefmt, words
from core.errors import Rejected, WaretermError
from core.i18n import N_, _
from core.report import RETURN_WINDOW_DAYS
from tui import cli_output as output
from tui.cli_output import echo


def parse_day(value: str | None, today: date) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (None: today); raises Rejected."""
    if value is None or value.strip().lower() == "today":
        return today
    if value.strip().lower() == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Rejected(
            _("--date {value!r}: give a day as YYYY-MM-DD, today or yesterday").format(value=value)
        ) from None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return timefmt.span(round(value) * 60)


def print_report(report: Any) -> None:
    """The report for people, in the terminal."""
    from rich import box
    from rich.table import Table

    console = output.console(width=None if sys.stdout.isatty() else 100)
    console.print(
        _("Daily report {day} (China Standard Time, {start} to {end})").format(
            day=report.day.isoformat(),
            start=report.start.strftime("%H:%M"),
            end=report.end.strftime("%H:%M"),
        ),
        style="bold",
    )
    console.print(
        _("received {received} · shipped {shipped} · cancelled {cancelled}").format(
            received=report.received, shipped=report.shipped, cancelled=report.cancelled
        )
    )
    console.print(
        _("import to ship: average {avg}, 90th percentile {p90} ({n} orders)").format(
            avg=_minutes(report.lead_avg_minutes),
            p90=_minutes(report.lead_p90_minutes),
            n=len(report.lead_minutes),
        )
    )
    sla = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=_("Ship by due time"))
    for column in (_("priority"), _("due"), _("on time"), _("missed"), _("hit rate")):
        sla.add_column(column, justify="left" if column == _("priority") else "right")
    for line in report.sla:
        sla.add_row(
            words.priority(line.priority),
            str(line.due),
            str(line.hit),
            str(line.missed),
            _percent(line.hit_rate),
        )
    console.print(sla)
    console.print(
        _(
            "picking: {scans} scans, {refused} refused (accuracy {accuracy}); short picks "
            "{shorts} ({units} units)"
        ).format(
            scans=report.pick_scans,
            refused=report.pick_refused,
            accuracy=_percent(report.pick_accuracy),
            shorts=report.short_picks,
            units=report.short_units,
        )
    )
    people = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=_("People"))
    for column in (
        _("name"),
        _("task"),
        _("lines"),
        _("units"),
        _("hours"),
        _("lines/h"),
        _("refused"),
    ):
        people.add_column(column, justify="left" if column in (_("name"), _("task")) else "right")
    for person in report.people:
        people.add_row(
            output.cell(person.name),
            words.task(person.task),
            str(person.lines),
            str(person.units),
            _number(person.hours, 2),
            _number(person.lines_per_hour),
            f"{person.refused}/{person.scans}",
        )
    console.print(people)
    back = report.returns
    console.print(
        _(
            "returns: {received} received, {units} units back ({restocked} restocked, {damaged}"
            " damaged), {written_off} written off; return rate {rate} of {shipped} units shipped"
        ).format(
            received=back.received,
            units=back.returned,
            restocked=back.restocked,
            damaged=back.damaged,
            written_off=back.written_off,
            rate=_percent(back.return_rate),
            shipped=back.shipped,
        )
    )
    reasons = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=_("Returns by reason")
    )
    for column in (_("reason"), _("units"), _("rate")):
        reasons.add_column(column, justify="left" if column == _("reason") else "right")
    for reason, units, share in back.by_reason():
        reasons.add_row(output.cell(reason or "—"), str(units), _percent(share))
    if back.units:
        console.print(reasons)
    skus = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=_("Returns by SKU"))
    for column in (_("SKU"), _("returned"), _("shipped"), _("rate")):
        skus.add_column(column, justify="left" if column == _("SKU") else "right")
    for sku, units, shipped, share in back.by_sku():
        if units:
            skus.add_row(output.cell(sku), str(units), str(shipped), _percent(share))
    if back.units:
        console.print(skus)
    _print_return_window(console, report)
    _print_stock(console, report.stock)
    tracked = report.tracking
    console.print(
        _(
            "tracking: {delivered} parcels signed, {hours} h on average from shipping to signing"
        ).format(delivered=tracked.delivered, hours=_number(tracked.avg_hours))
    )
    carriers = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=_("Tracking by carrier")
    )
    for column in (_("carrier"), _("signed"), _("hours to sign"), _("problem parcels")):
        carriers.add_column(column, justify="left" if column == _("carrier") else "right")
    for carrier, signed, hours, problems in tracked.by_carrier():
        carriers.add_row(output.cell(carrier), str(signed), _number(hours), str(problems))
    if tracked.by_carrier():
        console.print(carriers)
    _print_breakdown(console, report)


def _print_breakdown(console: Any, report: Any) -> None:
    """Orders received and shipped by channel and shop, customer class and category."""
    from rich import box
    from rich.table import Table

    from tui import cli_output as output

    titles = {
        "channel": (_("Orders by channel and shop"), _("channel / shop")),
        "customer_class": (_("Orders by customer class"), _("customer class")),
        "category": (_("Orders by product category"), _("category")),
    }
    for dimension, (title, heading) in titles.items():
        lines = [line for line in report.breakdown if line.dimension == dimension]
        if not lines:
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=title)
        table.add_column(heading)
        table.add_column(_("received"), justify="right")
        table.add_column(_("shipped"), justify="right")
        for line in lines:
            key = words.customer_class(line.key) if dimension == "customer_class" else line.key
            table.add_row(output.cell(key or "—"), str(line.received), str(line.shipped))
        console.print(table)


def _print_return_window(console: Any, report: Any) -> None:
    """The return rate over the window, by reason and by SKU."""
    from rich import box
    from rich.table import Table

    window = report.return_window
    console.print(
        _(
            "return rate over {days} days: {rate} ({returned} units returned of {shipped} shipped)"
        ).format(
            days=report.return_window_days,
            rate=_percent(window.return_rate),
            returned=window.returned,
            shipped=window.shipped,
        )
    )
    if not window.units:
        return
    reasons = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title=_("Return rate by reason, {days} days").format(days=report.return_window_days),
    )
    for column in (_("reason"), _("units"), _("rate")):
        reasons.add_column(column, justify="left" if column == _("reason") else "right")
    for reason, units, share in window.by_reason():
        reasons.add_row(output.cell(reason or "—"), str(units), _percent(share))
    console.print(reasons)
    skus = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title=_("Return rate by SKU, {days} days").format(days=report.return_window_days),
    )
    for column in (_("SKU"), _("returned"), _("shipped"), _("rate")):
        skus.add_column(column, justify="left" if column == _("SKU") else "right")
    for sku, units, shipped, share in window.by_sku():
        if units:
            skus.add_row(output.cell(sku), str(units), str(shipped), _percent(share))
    console.print(skus)


def _print_stock(console: Any, stock: Any) -> None:
    """Units received, put away and adjusted, and count accuracy."""
    console.print(
        _("stock: {received} units received, {put_away} put away, adjusted +{up} / -{down}").format(
            received=stock.received,
            put_away=stock.put_away,
            up=stock.adjusted_up,
            down=stock.adjusted_down,
        )
    )
    console.print(
        _(
            "counts: {bins} bins counted, {differing} with a difference (+{up} / -{down}"
            " units); inventory record accuracy {accuracy}"
        ).format(
            bins=stock.bins_counted,
            differing=stock.bins_with_difference,
            up=stock.count_units_up,
            down=stock.count_units_down,
            accuracy=_percent(stock.record_accuracy),
        )
    )


def csv_text(report: Any) -> str:
    """The report's long-format CSV (``section,key,metric,value``)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "metric", "value"))
    writer.writerows(report.csv_rows())
    return out.getvalue()


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _rejections, pass_context

    @main.group("report", help=N_("Reports over the day's orders, scans and audit trail."))
    def report_group() -> None:
        pass

    @report_group.command(
        "daily",
        help=N_(
            "Received, shipped, import-to-ship times, SLA hit rate, pick accuracy, short picks,\nlines per hour per picker and packer, stock received, put away and adjusted, count\naccuracy, returns and the return rate, for one day (China Standard Time)."
        ),
    )
    @click.option(
        "--date", "day", help=N_("The day (YYYY-MM-DD, today, yesterday; default today).")
    )
    @click.option(
        "--csv",
        "csv_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=N_("Also write the numbers as CSV (section,key,metric,value); - for stdout."),
    )
    @click.option(
        "--return-window",
        "return_window",
        type=int,
        default=RETURN_WINDOW_DAYS,
        show_default=True,
        help=N_("Days the return rate is taken over, ending with the day."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
    @pass_context
    def report_daily(
        ctx: Context, day: str | None, csv_file: Path | None, return_window: int, as_json: bool
    ) -> None:
        from core.clock import local_day
        from data.report import daily_report

        with _rejections():
            store = ctx.store
            report = daily_report(
                store,
                ctx.actor,
                parse_day(day, local_day(store.clock.now())),
                return_window=return_window,
            )
            if csv_file is not None:
                text = csv_text(report)
                if str(csv_file) == "-":
                    echo(text, nl=False)
                else:
                    try:
                        csv_file.write_text(text, encoding="utf-8")
                    except OSError as error:
                        raise WaretermError(
                            _("cannot write {path}: {error}").format(
                                path=csv_file, error=error.strerror
                            )
                        ) from None
        if as_json:
            _emit_json(report.as_dict())
        elif csv_file is None or str(csv_file) != "-":
            print_report(report)
