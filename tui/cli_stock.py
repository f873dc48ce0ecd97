"""CLI commands: stock per bin and its ledger (``stock check|ledger|bins|move|bin-kind``) and
what it says about buying and shelves (``stock reorder|expiring|slow|replenish|bin-min``)."""

from __future__ import annotations

import csv
import io
import sys
from typing import Any

import click

from core.i18n import N_, _
from tui.cli_output import cell, echo, listing


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _rejections, _table, pass_context

    @main.group("stock", help=N_("Stock per SKU, bin and lot, and the stock ledger (库存流水)."))
    def stock_group() -> None:
        pass

    @stock_group.command(
        "check",
        help=N_(
            "Verify that every stock row equals the sum of its ledger, nothing is negative and no more is reserved than pickable bins hold; exit 1 and say what is wrong otherwise."
        ),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print the problems as JSON."))
    @pass_context
    def check(ctx: Context, as_json: bool) -> None:
        from data.stock import stock_check

        problems = stock_check(ctx.store)
        if as_json:
            _emit_json({"ok": not problems, "problems": [p.__dict__ for p in problems]})
        elif problems:
            for problem in problems:
                echo(
                    _("{subject}: {detail} ({code})").format(
                        subject=cell(problem.subject),
                        detail=cell(problem.detail),
                        code=problem.code,
                    ),
                    err=True,
                )
            echo(_("stock check: {n} problems found").format(n=len(problems)), err=True)
        else:
            echo(_("stock check: every bin agrees with its ledger"))
        if problems:
            sys.exit(1)

    @stock_group.command(
        "ledger",
        help=N_("Stock ledger entries, newest first: who moved which units where, when and why."),
    )
    @click.option("--sku", help=N_("Only this SKU."))
    @click.option("--bin", "bin_code", help=N_("Only this bin."))
    @click.option("--doc", help=N_("Only this document: TYPE:ID (order:TB-1, move:12) or an id."))
    @click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def ledger(
        ctx: Context,
        sku: str | None,
        bin_code: str | None,
        doc: str | None,
        limit: int,
        as_json: bool,
    ) -> None:
        from data.stock import list_ledger

        rows = list_ledger(ctx.store, sku, bin_code, doc, limit)
        if as_json:
            _emit_json(rows)
            return
        for row in rows:
            row["doc"] = f"{row['doc_type']}:{row['doc_id']}" if row["doc_id"] else row["doc_type"]
        _table(
            rows,
            ["id", "at", "kind", "sku", "bin", "lot", "qty", "user", "station", "doc", "reason"],
        )

    @stock_group.command(
        "bins",
        help=N_(
            "Where stock is: per SKU, bin and lot, on hand, reserved and free (bins with units, or every bin of one SKU)."
        ),
    )
    @click.argument("sku", required=False)
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def bins(ctx: Context, sku: str | None, as_json: bool) -> None:
        from data.stock import list_bins

        rows = list_bins(ctx.store, sku)
        listing(
            rows, ["sku", "bin", "kind", "lot", "expiry", "on_hand", "reserved", "free"], as_json
        )

    @stock_group.command(
        "move", help=N_("Move free units of a SKU from one bin to another (two ledger entries).")
    )
    @click.argument("sku")
    @click.option("--from", "from_bin", required=True, help=N_("Bin the units leave."))
    @click.option("--to", "to_bin", required=True, help=N_("Bin the units go to."))
    @click.option("--qty", type=int, required=True, help=N_("Units to move."))
    @click.option("--lot", default="", help=N_("Lot of a lot-tracked SKU."))
    @click.option("--reason", required=True, help=N_("Why (kept in the ledger)."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def move(
        ctx: Context,
        sku: str,
        from_bin: str,
        to_bin: str,
        qty: int,
        lot: str,
        reason: str,
        as_json: bool,
    ) -> None:
        from data.stock import move_stock

        moved = move_stock(ctx.store, ctx.actor, sku, from_bin, to_bin, qty, reason, lot)
        if as_json:
            _emit_json(moved)
            return
        echo(
            _("moved {qty} × {sku} from {source} to {target} (move {move})").format(
                qty=moved["qty"],
                sku=cell(moved["sku"]),
                source=cell(moved["from"]) or "—",
                target=cell(moved["to"]),
                move=moved["move"],
            )
        )

    @stock_group.command(
        "bin-kind",
        help=N_(
            "Say what a bin is for; units in damaged, receiving and returns bins are never allocated to orders."
        ),
    )
    @click.argument("bin_code", metavar="BIN")
    @click.argument(
        "kind",
        type=click.Choice(["pick_face", "reserve", "receiving", "returns", "damaged"]),
    )
    @pass_context
    def bin_kind(ctx: Context, bin_code: str, kind: str) -> None:
        from data.stock import set_bin_kind

        changed = set_bin_kind(ctx.store, ctx.actor, bin_code, kind)
        echo(
            _("bin {bin}: {before} → {kind}").format(
                bin=cell(changed["bin"]), before=changed["before"], kind=changed["kind"]
            )
        )

    @stock_group.command(
        "reorder",
        help=N_(
            "Per SKU: units shipped per day over the window, free stock, safety stock, days of cover and a suggested purchase quantity (补货)."
        ),
    )
    @click.option(
        "--days",
        type=click.IntRange(1),
        default=30,
        show_default=True,
        help=N_("The window of shipments to take the daily rate from, in days."),
    )
    @click.option(
        "--lead-days",
        type=click.IntRange(0),
        default=7,
        show_default=True,
        help=N_("Days from ordering to the goods being on the shelf."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @click.option("--csv", "as_csv", is_flag=True, help=N_("Print CSV."))
    @pass_context
    def reorder(ctx: Context, days: int, lead_days: int, as_json: bool, as_csv: bool) -> None:
        from data.stock_reports import reorder_report

        rows = reorder_report(ctx.store, days, lead_days)
        columns = [
            "sku",
            "shipped",
            "per_day",
            "free",
            "safety_stock",
            "cover_days",
            "suggested",
        ]
        if as_json:
            _emit_json(rows)
        elif as_csv:
            _emit_csv(rows, columns)
        else:
            _table(rows, columns)

    @stock_group.command(
        "expiring",
        help=N_(
            "Lots whose expiry is within N days (临期) or already past (过期), per bin, earliest first."
        ),
    )
    @click.option(
        "--days",
        type=click.IntRange(1),
        default=30,
        show_default=True,
        help=N_("How many days ahead counts as near expiry."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def expiring(ctx: Context, days: int, as_json: bool) -> None:
        from data.stock_reports import expiring_report

        rows = expiring_report(ctx.store, days)
        if as_json:
            _emit_json(rows)
            return
        for row in rows:
            row["state"] = _("expired") if row["state"] == "expired" else _("near expiry")
        _table(rows, ["sku", "bin", "kind", "lot", "expiry", "days_left", "on_hand", "state"])

    @stock_group.command(
        "slow",
        help=N_("SKUs with stock and nothing shipped in N days (滞销品), most units first."),
    )
    @click.option(
        "--days",
        type=click.IntRange(1),
        default=90,
        show_default=True,
        help=N_("Days without a shipment."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def slow(ctx: Context, days: int, as_json: bool) -> None:
        from data.stock_reports import slow_report

        rows = slow_report(ctx.store, days)
        if as_json:
            _emit_json(rows)
            return
        for row in rows:
            row["last_shipped"] = row["last_shipped"] or _("never")
        _table(rows, ["sku", "name", "on_hand", "pickable", "last_shipped"])

    @stock_group.command(
        "bin-min",
        help=N_(
            "A pick face's minimum: below it, stock replenish proposes a move from reserve (no number: no minimum)."
        ),
        # a negative number is a limit the bin rule refuses, not an option
        context_settings={"ignore_unknown_options": True},
    )
    @click.argument("bin_code", metavar="BIN")
    @click.argument("min_units", type=int, required=False)
    @pass_context
    def bin_min(ctx: Context, bin_code: str, min_units: int | None) -> None:
        from data.stock_reports import set_bin_min

        done = set_bin_min(ctx.store, ctx.actor, bin_code, min_units)
        echo(
            _("bin {bin}: minimum {min}").format(
                bin=cell(done["bin"]),
                min=done["min_units"] if done["min_units"] is not None else "—",
            )
        )

    @stock_group.command(
        "replenish",
        help=N_(
            "Pick faces below their minimum while a reserve bin holds the SKU, with the move proposed (补货); --do ID moves it."
        ),
    )
    @click.option(
        "--do",
        "task_id",
        metavar="ID",
        help=N_("Do this replenishment (FACE:SKU, as listed): move the units from reserve."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def replenish(ctx: Context, task_id: str | None, as_json: bool) -> None:
        from data.stock_reports import replenish as do_replenish
        from data.stock_reports import replenish_list

        if task_id is None:
            rows = replenish_list(ctx.store)
            listing(
                rows,
                [
                    "id",
                    "face",
                    "sku",
                    "units",
                    "min_units",
                    "max_units",
                    "source",
                    "lot",
                    "qty",
                ],
                as_json,
            )
            return
        with _rejections():
            done = do_replenish(ctx.store, ctx.actor, task_id)
        if as_json:
            _emit_json(done)
            return
        echo(
            _("replenished {face}: {qty} × {sku} from {source} (move {move})").format(
                face=cell(done["face"]),
                qty=done["qty"],
                sku=cell(done["sku"]),
                source=cell(done["source"]),
                move=done["move"],
            )
        )


def _emit_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Rows as CSV on stdout; a text cell that a spreadsheet would run as a formula is quoted
    with a leading apostrophe, and control characters never reach the output."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if value is None:
                value = ""
            elif isinstance(value, str):
                value = cell(value)
                if value[:1] in ("=", "+", "-", "@"):
                    value = "'" + value
            cells.append(value)
        writer.writerow(cells)
    echo(out.getvalue(), nl=False)
