"""CLI commands: receipts (``receipts import|open|list|show|receive|close``), put-away
(``stock putaway``, ``stock bin-max``) and cycle counts (``counts create|list|show|count|
approve|recount``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from core.errors import Rejected
from core.i18n import N_, _
from tui.cli_output import cell, echo, listing


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Rejected(
            _("expiry must be a date like 2027-03-31, not {value!r}").format(value=text[:20])
        ) from None


def _counted(items: tuple[str, ...]) -> dict[tuple[str, str], int]:
    counted: dict[tuple[str, str], int] = {}
    for item in items:
        key, sep, qty = item.rpartition("=")
        sku, _sep, lot = key.partition("@")
        if not sep or not sku.strip() or not qty.strip().isdigit():
            raise Rejected(
                _("{item!r}: give SKU=QTY or SKU@LOT=QTY, such as SKU-1=12").format(item=item)
            )
        counted[(sku.strip(), lot.strip())] = counted.get((sku.strip(), lot.strip()), 0) + int(qty)
    return counted


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _report, _table, pass_context

    @main.group("receipts", help=N_("Receipts (入库): expected goods, received by scan."))
    def receipts_group() -> None:
        pass

    @receipts_group.command(
        "import",
        help=N_(
            "Receipts: receipt_no,supplier,sku,qty,lot,expiry (a receipt with a bad line is rejected whole; a known receipt number is skipped)."
        ),
    )
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
    @pass_context
    def import_receipts(ctx: Context, path: Path, as_json: bool) -> None:
        from data.receiving import import_receipts as run

        try:
            report = run(ctx.store, ctx.actor, path)
        except OSError as error:
            raise Rejected(
                _("cannot read {path}: {error}").format(path=path, error=error.strerror)
            ) from None
        _report(report, as_json, "receipts")

    @receipts_group.command(
        "open", help=N_("Open a blind receipt: no lines expected, any product is received.")
    )
    @click.argument("receipt_no", metavar="RECEIPT")
    @click.option("--supplier", default="", help=N_("Who delivers."))
    @pass_context
    def open_receipt(ctx: Context, receipt_no: str, supplier: str) -> None:
        from data.receiving import open_blind

        opened = open_blind(ctx.store, ctx.actor, receipt_no, supplier)
        echo(_("blind receipt {receipt} opened").format(receipt=cell(opened["receipt_no"])))

    @receipts_group.command("list", help=N_("Receipts with units expected and received."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def list_receipts(ctx: Context, as_json: bool) -> None:
        from data.receiving import list_receipts as run

        rows = run(ctx.store)
        listing(
            rows,
            ["receipt_no", "supplier", "blind", "status", "expected", "received", "created_at"],
            as_json,
        )

    @receipts_group.command(
        "show", help=N_("A receipt's lines and every unit scanned against it, refusals too.")
    )
    @click.argument("receipt_no", metavar="RECEIPT")
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def show_receipt(ctx: Context, receipt_no: str, as_json: bool) -> None:
        from data.receiving import show_receipt as run

        receipt = run(ctx.store, receipt_no)
        if as_json:
            _emit_json(receipt)
            return
        echo(
            _("receipt {receipt} ({supplier}): {status}").format(
                receipt=cell(receipt["receipt_no"]),
                supplier=cell(receipt["supplier"]) or "—",
                status=receipt["status"],
            )
        )
        _table(receipt["lines"], ["sku", "lot", "expiry", "expected", "received"])
        _table(
            receipt["units"],
            ["id", "at", "user", "code", "sku", "lot", "expiry", "qty", "verdict", "reason"],
        )

    @receipts_group.command(
        "receive",
        help=N_(
            "Receive units by their code (a barcode, SKU label or GS1 code whose lot and expiry are read from it)."
        ),
    )
    @click.argument("receipt_no", metavar="RECEIPT")
    @click.option("--code", required=True, help=N_("The code scanned or typed."))
    @click.option("--qty", type=int, default=1, show_default=True, help=N_("Units."))
    @click.option("--lot", default="", help=N_("Lot, when the code carries none."))
    @click.option("--expiry", help=N_("Expiry date (YYYY-MM-DD), when the code carries none."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def receive(
        ctx: Context,
        receipt_no: str,
        code: str,
        qty: int,
        lot: str,
        expiry: str | None,
        as_json: bool,
    ) -> None:
        from data.receiving import receive_unit

        got = receive_unit(ctx.store, ctx.actor, receipt_no, code, qty, lot, _day(expiry))
        if as_json:
            _emit_json(got)
            return
        if got["lot"]:
            echo(
                _("received {qty} × {sku} of lot {lot} on {receipt}").format(
                    qty=got["qty"],
                    sku=cell(got["sku"]),
                    lot=cell(got["lot"]),
                    receipt=cell(receipt_no),
                )
            )
        else:
            echo(
                _("received {qty} × {sku} on {receipt}").format(
                    qty=got["qty"], sku=cell(got["sku"]), receipt=cell(receipt_no)
                )
            )

    @receipts_group.command(
        "close",
        help=N_("Close a receipt: its units go to the receiving dock; short and over per line."),
    )
    @click.argument("receipt_no", metavar="RECEIPT")
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def close(ctx: Context, receipt_no: str, as_json: bool) -> None:
        from data.receiving import close_receipt

        closed = close_receipt(ctx.store, ctx.actor, receipt_no)
        if as_json:
            _emit_json(closed)
            return
        echo(
            _("receipt {receipt} closed; units at {dock}").format(
                receipt=cell(receipt_no), dock=cell(closed["dock"])
            )
        )
        _table(closed["lines"], ["sku", "expected", "received", "short", "over"])

    stock_group = main.commands["stock"]
    assert isinstance(stock_group, click.Group)

    @stock_group.command(
        "putaway",
        help=N_(
            "Put units away from the receiving dock or a returns bin: without --to, print the bin proposed (pick face with room, else reserve)."
        ),
    )
    @click.argument("sku")
    @click.option("--qty", type=int, required=True, help=N_("Units."))
    @click.option("--lot", help=N_("Lot of a lot-tracked SKU."))
    @click.option(
        "--to", "to_bin", help=N_("Bin the units go to (another than proposed is recorded).")
    )
    @click.option(
        "--from",
        "from_bin",
        help=N_(
            "Bin the units come from: the receiving dock or a returns bin (default: the dock, then the returns bins)."
        ),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def putaway(
        ctx: Context,
        sku: str,
        qty: int,
        lot: str | None,
        to_bin: str | None,
        from_bin: str | None,
        as_json: bool,
    ) -> None:
        from data.receiving import propose_putaway, put_away

        if to_bin is None:
            proposal = propose_putaway(ctx.store, sku, qty, lot, from_bin)
            if as_json:
                _emit_json(proposal)
            elif proposal["proposed"]:
                echo(
                    _("put {qty} × {sku} away to {bin}").format(
                        qty=qty, sku=cell(sku), bin=cell(proposal["proposed"])
                    )
                )
            else:
                echo(_("no bin has room for {sku}; name one with --to").format(sku=cell(sku)))
            return
        done = put_away(ctx.store, ctx.actor, sku, qty, to_bin, lot, from_bin)
        if as_json:
            _emit_json(done)
            return
        echo(
            _("put {qty} × {sku} away from {source} to {target}").format(
                qty=qty, sku=cell(sku), source=cell(done["from"]), target=cell(done["to"])
            )
        )
        if done["allocated"]:
            echo(
                _("allocated now: {orders}").format(
                    orders=", ".join(cell(o) for o in done["allocated"])
                )
            )

    @stock_group.command(
        "bin-max",
        help=N_("A pick face's maximum: put-away proposes it while it has room."),
        # a negative number is a limit the bin rule refuses, not an option
        context_settings={"ignore_unknown_options": True},
    )
    @click.argument("bin_code", metavar="BIN")
    @click.argument("max_units", type=int, required=False)
    @pass_context
    def bin_max(ctx: Context, bin_code: str, max_units: int | None) -> None:
        from data.receiving import set_bin_max

        done = set_bin_max(ctx.store, ctx.actor, bin_code, max_units)
        echo(
            _("bin {bin}: maximum {max}").format(
                bin=cell(done["bin"]),
                max=done["max_units"] if done["max_units"] is not None else "—",
            )
        )

    @main.group("counts", help=N_("Cycle counts (盘点): count tasks, counting and approval."))
    def counts_group() -> None:
        pass

    @counts_group.command(
        "create", help=N_("A count task over bins chosen one way (blind unless --open).")
    )
    @click.option("--bins", help=N_("A bin range FIRST:LAST, such as A-01-01:A-01-09."))
    @click.option("--sku", help=N_("Every bin holding this SKU."))
    @click.option("--moved-days", type=int, help=N_("Bins moved in the last N days (动碰)."))
    @click.option("--flagged", is_flag=True, help=N_("Bins flagged by short picks."))
    @click.option(
        "--abc",
        metavar="A|B|C",
        help=N_("Bins holding SKUs of this ABC class, by units shipped (A: the first 80 %)."),
    )
    @click.option(
        "--abc-days",
        type=int,
        default=90,
        show_default=True,
        help=N_("The days of shipments --abc classes by."),
    )
    @click.option("--open", "open_count", is_flag=True, help=N_("Show counters what is expected."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def create(
        ctx: Context,
        bins: str | None,
        sku: str | None,
        moved_days: int | None,
        flagged: bool,
        abc: str | None,
        abc_days: int,
        open_count: bool,
        as_json: bool,
    ) -> None:
        from data.receiving import create_count

        made = create_count(
            ctx.store,
            ctx.actor,
            bins=bins,
            sku=sku,
            moved_days=moved_days,
            flagged=flagged,
            abc=abc,
            abc_days=abc_days,
            open_count=open_count,
        )
        if as_json:
            _emit_json(made)
            return
        echo(
            _("count {count}: {n} bins ({bins})").format(
                count=made["count"],
                n=len(made["bins"]),
                bins=", ".join(cell(b) for b in made["bins"]),
            )
        )

    @counts_group.command("list", help=N_("Count tasks and their progress."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def list_counts(ctx: Context, as_json: bool) -> None:
        from data.receiving import list_counts as run

        rows = run(ctx.store)
        listing(
            rows,
            [
                "id",
                "scope",
                "open",
                "status",
                "bins",
                "to_count",
                "awaiting",
                "approved",
                "created_at",
            ],
            as_json,
        )

    @counts_group.command(
        "show", help=N_("A count's bins and what was counted against what the books held.")
    )
    @click.argument("count_id", metavar="ID", type=int)
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def show(ctx: Context, count_id: int, as_json: bool) -> None:
        from data.receiving import show_count

        task = show_count(ctx.store, count_id)
        if as_json:
            _emit_json(task)
            return
        echo(
            _("count {count} ({scope}): {status}").format(
                count=task["id"], scope=cell(task["scope"]), status=task["status"]
            )
        )
        rows = [
            {
                "bin": place["bin"],
                "status": place["status"],
                "counted_by": place["counted_by"],
                "sku": r["sku"],
                "lot": r["lot"],
                "counted": r["counted"],
                "expected": r["expected"],
                "difference": r["difference"],
            }
            for place in task["bins"]
            for r in (
                place["results"]
                or [{"sku": "", "lot": "", "counted": None, "expected": None, "difference": None}]
            )
        ]
        _table(
            rows,
            ["bin", "status", "counted_by", "sku", "lot", "counted", "expected", "difference"],
        )

    @counts_group.command(
        "count",
        help=N_("Record what a bin holds: SKU=QTY or SKU@LOT=QTY for each, or --empty."),
    )
    @click.argument("count_id", metavar="ID", type=int)
    @click.argument("bin_code", metavar="BIN")
    @click.argument("items", nargs=-1)
    @click.option("--empty", is_flag=True, help=N_("The bin holds nothing."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def count(
        ctx: Context,
        count_id: int,
        bin_code: str,
        items: tuple[str, ...],
        empty: bool,
        as_json: bool,
    ) -> None:
        from data.receiving import count_bin

        done = count_bin(ctx.store, ctx.actor, count_id, bin_code, _counted(items), empty)
        if as_json:
            _emit_json(done)
            return
        words = {
            "approved": _("agrees with the books"),
            "counted": _("difference awaits approval"),
            "recount": _("difference beyond the tolerance: another person counts it again"),
        }
        echo(_("bin {bin}: {outcome}").format(bin=cell(done["bin"]), outcome=words[done["status"]]))

    @counts_group.command(
        "approve",
        help=N_("Approve a count's differences (supervisor): they become adjustment entries."),
    )
    @click.argument("count_id", metavar="ID", type=int)
    @click.option("--bin", "bin_code", help=N_("Only this bin."))
    @click.option("--reason", required=True, help=N_("Why (kept in the ledger)."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def approve(
        ctx: Context, count_id: int, bin_code: str | None, reason: str, as_json: bool
    ) -> None:
        from data.receiving import approve_count

        done = approve_count(ctx.store, ctx.actor, count_id, reason, bin_code)
        if as_json:
            _emit_json(done)
            return
        echo(
            _("count {count} approved: {n} adjustment entries").format(
                count=count_id, n=len(done["adjusted"])
            )
        )

    @counts_group.command(
        "recount", help=N_("Send a count's counted bins back to be counted by someone else.")
    )
    @click.argument("count_id", metavar="ID", type=int)
    @click.option("--bin", "bin_code", help=N_("Only this bin."))
    @click.option("--reason", required=True, help=N_("Why."))
    @pass_context
    def recount_cmd(ctx: Context, count_id: int, bin_code: str | None, reason: str) -> None:
        from data.receiving import recount

        done = recount(ctx.store, ctx.actor, count_id, reason, bin_code)
        echo(
            _("count {count}: to count again: {bins}").format(
                count=count_id, bins=", ".join(cell(b) for b in done["recount"])
            )
        )
