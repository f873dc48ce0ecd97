"""CLI commands: after-sales (售后): ``returns receive|find|close|list|show|link|write-off`` and
``returns reasons list|add|remove`` (the twin of the returns bench, same services)."""

from __future__ import annotations

from pathlib import Path

import click

from core.i18n import N_, _
from tui.cli_output import cell, echo, listing


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _table, pass_context

    @main.group("returns", help=N_("After-sales (售后): returns received by scan and parcels."))
    def returns_group() -> None:
        pass

    @returns_group.command(
        "receive",
        help=N_(
            "Receive returned units of the order found by its waybill or number (good: into the returns bin; damaged: into a damaged bin with a reason), or keep an unidentified parcel's units."
        ),
    )
    @click.option("--waybill", help=N_("Waybill number on the parcel (the original label)."))
    @click.option("--order", "order_no", help=N_("Order number."))
    @click.option(
        "--unidentified", is_flag=True, help=N_("No order matches: keep the parcel's units.")
    )
    @click.option("--carrier", default="", help=N_("Carrier of an unidentified parcel."))
    @click.option("--note", default="", help=N_("Note on an unidentified parcel."))
    @click.option("--sku", required=True, help=N_("SKU of the units."))
    @click.option("--qty", type=int, default=1, show_default=True, help=N_("Units."))
    @click.option(
        "--condition",
        type=click.Choice(["good", "damaged"]),
        default="good",
        show_default=True,
        help=N_("good: back to stock; damaged: 次品, never allocated."),
    )
    @click.option("--reason", default="", help=N_("Return reason, from `returns reasons list`."))
    @click.option("--bin", "bin_name", help=N_("Bin the units go to instead of the default."))
    @click.option(
        "--key", help=N_("Scan id of the unit: the same key received again adds nothing.")
    )
    @click.option(
        "--kind",
        type=click.Choice(["return", "exchange"]),
        help=N_(
            "return: 退货; exchange: 换货, a linked replacement order is made (default: as the expected return says, else return)."
        ),
    )
    @click.option(
        "--exchange-sku",
        help=N_(
            "SKU the replacement order sends (when not given: the one the expected return names, else the same SKU)."
        ),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def receive(
        ctx: Context,
        waybill: str | None,
        order_no: str | None,
        unidentified: bool,
        carrier: str,
        note: str,
        sku: str,
        qty: int,
        condition: str,
        reason: str,
        bin_name: str | None,
        key: str | None,
        kind: str | None,
        exchange_sku: str | None,
        as_json: bool,
    ) -> None:
        from data import returns

        if unidentified:
            if not waybill:
                raise click.UsageError(_("--unidentified needs --waybill"))
            result = returns.receive_unidentified(
                ctx.store, ctx.actor, waybill, sku, qty, carrier, note, key
            )
        elif bool(waybill) == bool(order_no):
            raise click.UsageError(_("give --waybill or --order (one of them)"))
        else:
            result = returns.receive(
                ctx.store,
                ctx.actor,
                sku,
                qty,
                condition,
                reason,
                waybill,
                order_no,
                bin_name,
                key,
                kind,
                exchange_sku,
            )
        if as_json:
            _emit_json(result)
            return
        message = (
            _("already received: {qty} × {sku} in bin {bin} (return {id})")
            if result["repeat"]
            else _("received {qty} × {sku} ({condition}) into bin {bin} (return {id})")
        )
        echo(
            message.format(
                qty=result["qty"],
                sku=cell(result["sku"]),
                condition=result["condition"],
                bin=cell(result["bin"]),
                id=result["return"],
            )
        )
        if result.get("replacement"):
            echo(
                _("replacement order {order} made (rush)").format(order=cell(result["replacement"]))
            )

    @returns_group.command(
        "refused",
        help=N_(
            "A parcel refused at the door (拒收): every shipped unit not back yet returns to the returns bin, the shipment is marked refused and the order returned."
        ),
    )
    @click.option("--waybill", help=N_("Waybill number on the parcel (the original label)."))
    @click.option("--order", "order_no", help=N_("Order number."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def refused(ctx: Context, waybill: str | None, order_no: str | None, as_json: bool) -> None:
        from data import returns

        if bool(waybill) == bool(order_no):
            raise click.UsageError(_("give --waybill or --order (one of them)"))
        done = returns.receive_refused(ctx.store, ctx.actor, waybill, order_no)
        if as_json:
            _emit_json(done)
            return
        echo(
            _(
                "{order}: refused parcel received, {n} units into the returns bin; order {status}"
            ).format(
                order=cell(done["order_no"]),
                n=sum(u["qty"] for u in done["units"]),
                status=done["order_status"],
            )
        )

    @returns_group.command(
        "refund", help=N_("Record a refund without goods (仅退款; supervisor): no stock moves.")
    )
    @click.argument("order_no", metavar="ORDER")
    @click.option("--reason", required=True, help=N_("Return reason."))
    @pass_context
    def refund(ctx: Context, order_no: str, reason: str) -> None:
        from data import returns

        done = returns.refund_only(ctx.store, ctx.actor, order_no, reason)
        echo(
            _("{order}: refund without goods recorded (return {id})").format(
                order=cell(done["order_no"]), id=done["return"]
            )
        )

    @returns_group.command(
        "resend",
        help=N_(
            "Send missing or broken units again (补发; supervisor): a linked rush order, without a return."
        ),
    )
    @click.argument("order_no", metavar="ORDER")
    @click.option("--sku", required=True, help=N_("SKU of the units."))
    @click.option("--qty", type=int, default=1, show_default=True, help=N_("Units."))
    @click.option("--reason", required=True, help=N_("Return reason."))
    @click.option("--key", help=N_("Request id: the same key again makes no second order."))
    @pass_context
    def resend(
        ctx: Context, order_no: str, sku: str, qty: int, reason: str, key: str | None
    ) -> None:
        from data import returns

        done = returns.resend(ctx.store, ctx.actor, order_no, sku, qty, reason, key)
        echo(
            _("{order}: re-send order {made} made (rush)").format(
                order=cell(done["order_no"]), made=cell(done["resend"])
            )
        )

    @returns_group.command(
        "find",
        help=N_(
            "Shipped orders matching a waybill number, an order number, a phone or a buyer's name, with what they shipped and what came back."
        ),
    )
    @click.argument("text")
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def find(ctx: Context, text: str, as_json: bool) -> None:
        from data import returns

        found = {
            o["order_no"]: o
            for how in ("waybill", "order_no", "who")
            for o in returns.match(ctx.store, **{how: text})
        }
        if as_json:
            _emit_json(list(found.values()))
            return
        if not found:
            echo(_("no shipped order matches {text}").format(text=cell(text)), err=True)
            raise SystemExit(1)
        rows = [
            {"order_no": o["order_no"], "customer_name": o["customer_name"], **line}
            for o in found.values()
            for line in o["lines"]
        ]
        _table(rows, ["order_no", "customer_name", "sku", "shipped", "returned"])

    @returns_group.command(
        "close",
        help=N_(
            "Close a return: its order's lines record what came back; the order is returned when every shipped unit came back."
        ),
    )
    @click.argument("return_id", metavar="RETURN", type=int)
    @pass_context
    def close(ctx: Context, return_id: int) -> None:
        from data import returns

        closed = returns.close_return(ctx.store, ctx.actor, return_id)
        echo(
            _("return {id} closed; order {order} is {status}").format(
                id=closed["return"], order=cell(closed["order_no"]), status=closed["order_status"]
            )
        )

    @returns_group.command("list", help=N_("Returns and unidentified parcels, newest first."))
    @click.option(
        "--status",
        type=click.Choice(["open", "closed", "unidentified", "written_off"]),
        help=N_("Only returns in this status."),
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def list_command(ctx: Context, status: str | None, as_json: bool) -> None:
        from data import returns

        rows = returns.list_returns(ctx.store, status)
        listing(
            rows,
            ["id", "order_no", "status", "waybill_no", "carrier", "units", "damaged", "created_at"],
            as_json,
        )

    @returns_group.command("show", help=N_("One return: its units and the refused units."))
    @click.argument("return_id", metavar="RETURN", type=int)
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def show(ctx: Context, return_id: int, as_json: bool) -> None:
        from data import returns

        shown = returns.show_return(ctx.store, return_id)
        if as_json:
            _emit_json(shown)
            return
        echo(
            _("return {id}: order {order}, {status}, waybill {waybill}").format(
                id=shown["id"],
                order=cell(shown["order_no"] or "—"),
                status=shown["status"],
                waybill=cell(shown["waybill_no"] or "—"),
            )
        )
        _table(shown["units"], ["key", "sku", "qty", "condition", "reason", "bin"])
        if shown["refused"]:
            echo(_("refused:"))
            _table(shown["refused"], ["sku", "qty", "code", "detail", "user", "at"])

    @returns_group.command(
        "link", help=N_("Link an unidentified parcel to the order it came from (supervisor).")
    )
    @click.argument("parcel", type=int)
    @click.option("--order", "order_no", required=True, help=N_("Order number."))
    @pass_context
    def link(ctx: Context, parcel: int, order_no: str) -> None:
        from data import returns

        linked = returns.link(ctx.store, ctx.actor, parcel, order_no)
        echo(
            _("parcel {id} linked to order {order}").format(
                id=linked["return"], order=cell(linked["order_no"])
            )
        )

    @returns_group.command(
        "write-off",
        help=N_("Write off an unidentified parcel's units (supervisor; write-off ledger entries)."),
    )
    @click.argument("parcel", type=int)
    @click.option("--reason", required=True, help=N_("Why (kept in the ledger)."))
    @pass_context
    def write_off(ctx: Context, parcel: int, reason: str) -> None:
        from data import returns

        done = returns.write_off(ctx.store, ctx.actor, parcel, reason)
        echo(
            _("parcel {id}: {n} units written off").format(id=done["return"], n=done["written_off"])
        )

    @returns_group.command(
        "import",
        help=N_(
            "Import a platform's after-sales export (after_sales_no, order_no, return_waybill, type, reason, sku, qty): expected returns a scan of the return waybill then matches; importing it again changes nothing."
        ),
    )
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def import_command(ctx: Context, file: Path, as_json: bool) -> None:
        from data import returns

        done = returns.import_expected(ctx.store, ctx.actor, file.read_bytes())
        if as_json:
            _emit_json(done)
            return
        echo(
            _(
                "{stored} expected returns stored, {already} already known, {refused} refused"
            ).format(stored=done["stored"], already=done["already"], refused=len(done["refused"]))
        )
        for message in done["refused"]:
            echo(cell(message), err=True)

    @returns_group.command(
        "expected", help=N_("Expected returns (returns import) and the units already back.")
    )
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def expected(ctx: Context, as_json: bool) -> None:
        from data import returns

        rows = returns.list_expected(ctx.store)
        listing(
            rows,
            ["after_sales_no", "order_no", "return_waybill", "kind", "reason", "sku", "qty",
             "exchange_sku", "received"],
            as_json,
        )  # fmt: skip

    @returns_group.group("reasons", help=N_("The site's return reasons."))
    def reasons_group() -> None:
        pass

    @reasons_group.command("list", help=N_("List the return reasons."))
    @pass_context
    def reasons_list(ctx: Context) -> None:
        from data import returns

        for reason in returns.list_reasons(ctx.store):
            echo(cell(reason))

    @reasons_group.command("add", help=N_("Add a return reason."))
    @click.argument("reason")
    @pass_context
    def reasons_add(ctx: Context, reason: str) -> None:
        from data import returns

        for text in returns.add_reason(ctx.store, ctx.actor, reason):
            echo(cell(text))

    @reasons_group.command("remove", help=N_("Remove a return reason."))
    @click.argument("reason")
    @pass_context
    def reasons_remove(ctx: Context, reason: str) -> None:
        from data import returns

        for text in returns.remove_reason(ctx.store, ctx.actor, reason):
            echo(cell(text))

    orders_group = main.commands["orders"]
    assert isinstance(orders_group, click.Group)

    @orders_group.command(
        "intercept",
        help=N_(
            "Stop an order picked, packed or labelled (拦截): its waybill numbers are voided, its units go back by put-away tasks, and its label is refused at shipping until a supervisor confirms the parcel pulled."
        ),
    )
    @click.argument("order_no", metavar="ORDER")
    @click.option("--reason", required=True, help=N_("Why (a refund, a cancellation)."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def intercept(ctx: Context, order_no: str, reason: str, as_json: bool) -> None:
        from data import intercepts

        done = intercepts.intercept(ctx.store, ctx.actor, order_no, reason)
        if as_json:
            _emit_json(done)
            return
        echo(
            _("{order} intercepted; voided: {waybills}. Pull the parcel.").format(
                order=cell(done["order_no"]), waybills=", ".join(done["voided"]) or "—"
            )
        )

    @orders_group.command(
        "intercept-confirm",
        help=N_(
            "Confirm an intercepted parcel pulled (拦截验核; supervisor): scan its label or order code, or type the order number."
        ),
    )
    @click.argument("scanned", metavar="ORDER|WAYBILL")
    @pass_context
    def intercept_confirm(ctx: Context, scanned: str) -> None:
        from data import intercepts

        done = intercepts.confirm(ctx.store, ctx.actor, scanned)
        echo(_("{order}: pulled, confirmed").format(order=cell(done["order_no"])))

    @orders_group.command(
        "intercepts", help=N_("Intercepted orders not yet confirmed pulled (拦截).")
    )
    @click.option("--all", "everything", is_flag=True, help=N_("Confirmed ones too."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def intercepts_command(ctx: Context, everything: bool, as_json: bool) -> None:
        from data import intercepts

        rows = intercepts.list_intercepts(ctx.store, everything)
        listing(
            rows,
            ["order_no", "status_before", "reason", "waybills", "created_by", "created_at",
             "confirmed_by"],
            as_json,
        )  # fmt: skip
