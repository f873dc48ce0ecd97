"""``wareterm orders resolve``: resolve an order in the exception queue by picking its missing
units again, releasing it to packing with what it has, or cancelling it."""

from __future__ import annotations

import click

from core import words
from core.i18n import N_, _
from tui.cli_output import cell, echo


def register(main: click.Group) -> None:
    """Add ``orders resolve`` to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _rejections, pass_context

    orders_group = main.commands["orders"]
    assert isinstance(orders_group, click.Group)

    @orders_group.command(
        "resolve",
        help=N_(
            "Resolve an order in the exception queue: pick its missing units again (a new pick list), release it to packing with what it has (where its channel or shop takes partial shipments), or cancel it."
        ),
    )
    @click.argument("order_no", metavar="ORDER")
    @click.option("--repick", "how", flag_value="repick", help=N_("Pick the missing units again."))
    @click.option(
        "--release-partial",
        "how",
        flag_value="release_partial",
        help=N_("Release it to packing with the units it has."),
    )
    @click.option("--cancel", "how", flag_value="cancel", help=N_("Cancel the order."))
    @click.option("--reason", required=True, help=N_("Why (kept in the audit trail)."))
    @click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
    @pass_context
    def resolve(ctx: Context, order_no: str, how: str | None, reason: str, as_json: bool) -> None:
        from data.resolve import resolve_order

        if how is None:
            raise click.UsageError(_("choose one: --repick, --release-partial or --cancel"))
        with _rejections():
            order = resolve_order(ctx.store, ctx.actor, order_no, how, reason)
        if as_json:
            _emit_json(order)
            return
        echo(
            _("{order_no}: {status}").format(
                order_no=cell(order_no), status=words.order_status(order["status"])
            )
        )
        if order.get("repick_list"):
            echo(_("  missing units to pick on list {code}").format(code=order["repick_list"]))
