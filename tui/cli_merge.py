"""CLI commands of merge (合单) and split (拆单) and of the shops' customer lists: ``orders
merges list|accept|refuse``, ``orders split``, ``customers vip|blacklist add|remove|list``."""

from __future__ import annotations

from typing import Any

import click

from core.i18n import N_, _
from tui.cli_output import echo, listing


def register(main: click.Group) -> None:
    """Add this module's commands: ``merges`` and ``split`` join ``orders``; ``customers``."""
    orders_group = main.commands.get("orders")
    if isinstance(orders_group, click.Group):
        orders_group.add_command(merges_group)
        orders_group.add_command(orders_split)
    main.add_command(customers_group)


def _shell() -> Any:
    from tui import cli

    return cli


@click.group("merges", help=N_("The merge log (合单): merged orders and proposals to decide."))
def merges_group() -> None:
    pass


@merges_group.command("list", help=N_("Merges and proposals, newest first."))
@click.option("--status", type=click.Choice(["proposed", "merged", "refused"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def merges_list(ctx: click.Context, status: str | None, as_json: bool) -> None:
    from data.merging import list_merges

    shell = _shell()
    rows = list_merges(ctx.find_object(shell.Context).store, status)
    if not as_json:
        for row in rows:
            row["orders"] = " ".join(o["order_no"] for o in row["orders"])
    listing(
        rows,
        ["id", "status", "lead_order_no", "orders", "created_at", "decided_by", "reason"],
        as_json,
    )


@merges_group.command("accept", help=N_("Merge the orders of a proposal now."))
@click.argument("merge_id", type=int)
@click.option("--reason", default="", help=N_("A note kept with the merge."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def merges_accept(ctx: click.Context, merge_id: int, reason: str, as_json: bool) -> None:
    from data.merging import accept_merge

    shell = _shell()
    context = ctx.find_object(shell.Context)
    with shell._rejections():
        result = accept_merge(context.store, context.actor, merge_id, reason)
    if as_json:
        shell._emit_json(result)
    else:
        echo(
            _("merge {id}: {orders} merged into {lead}").format(
                id=merge_id, orders=", ".join(result["merged"]), lead=result["lead"]
            )
        )


@merges_group.command("refuse", help=N_("Ship the orders of a proposal apart."))
@click.argument("merge_id", type=int)
@click.option("--reason", required=True, help=N_("Why (kept in the merge log)."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def merges_refuse(ctx: click.Context, merge_id: int, reason: str, as_json: bool) -> None:
    from data.merging import refuse_merge

    shell = _shell()
    context = ctx.find_object(shell.Context)
    with shell._rejections():
        result = refuse_merge(context.store, context.actor, merge_id, reason)
    if as_json:
        shell._emit_json(result)
    else:
        echo(_("merge {id}: refused; the orders ship apart").format(id=merge_id))


@click.command(
    "split",
    help=N_("Ship what is in stock of a backordered order now; the rest waits as its own part."),
)
@click.argument("order_no")
@click.option("--reason", default="", help=N_("A note kept in the audit trail."))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def orders_split(ctx: click.Context, order_no: str, reason: str, as_json: bool) -> None:
    from data.merging import split_order

    shell = _shell()
    context = ctx.find_object(shell.Context)
    with shell._rejections():
        result = split_order(context.store, context.actor, order_no, reason)
    if as_json:
        shell._emit_json(result)
    else:
        echo(
            _("{order_no}: ships what is in stock; the rest waits as {part}").format(
                order_no=order_no, part=result["part"]
            )
        )


@click.group("customers", help=N_("Customers per shop: the VIP list and the blacklist."))
def customers_group() -> None:
    pass


def _list_group(kind: str, help_text: str) -> click.Group:
    group = click.Group(kind, help=help_text)

    @group.command("add", help=N_("Add a customer, by buyer id or phone number."))
    @click.option("--shop", default="", help=N_("The shop (empty: orders without a shop)."))
    @click.option("--buyer", default="", help=N_("The platform's buyer id (买家会员名)."))
    @click.option("--phone", default="", help=N_("The customer's phone number."))
    @click.option("--note", default="", help=N_("A note kept with the entry."))
    @click.option(
        "--priority",
        default="",
        help=N_("VIP only: the priority their orders get (rush, standard, deferred)."),
    )
    @click.option("--carrier", default="", help=N_("VIP only: the carrier their parcels take."))
    @click.pass_context
    def add(
        ctx: click.Context,
        shop: str,
        buyer: str,
        phone: str,
        note: str,
        priority: str,
        carrier: str,
    ) -> None:
        from data.customers import add_customer

        shell = _shell()
        context = ctx.find_object(shell.Context)
        with shell._rejections():
            key = add_customer(
                context.store, context.actor, kind, shop, buyer, phone, note, priority, carrier
            )
        echo(_("added {key}").format(key=key))

    @group.command("remove", help=N_("Take a customer off the list."))
    @click.option("--shop", default="")
    @click.option("--buyer", default="")
    @click.option("--phone", default="")
    @click.pass_context
    def remove(ctx: click.Context, shop: str, buyer: str, phone: str) -> None:
        from data.customers import remove_customer

        shell = _shell()
        context = ctx.find_object(shell.Context)
        with shell._rejections():
            key = remove_customer(context.store, context.actor, kind, shop, buyer, phone)
        echo(_("removed {key}").format(key=key))

    @group.command("list", help=N_("The customers on the list."))
    @click.option("--shop", default=None)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def list_(ctx: click.Context, shop: str | None, as_json: bool) -> None:
        from data.customers import list_customers

        shell = _shell()
        rows = list_customers(ctx.find_object(shell.Context).store, kind, shop)
        listing(
            rows,
            ["shop", "customer_key", "priority", "carrier", "note", "added_by", "added_at"],
            as_json,
        )

    return group


customers_group.add_command(
    _list_group("vip", N_("VIP customers: a rush priority or a chosen carrier for their orders."))
)
customers_group.add_command(
    _list_group("blacklist", N_("Blacklisted customers: their orders are held at import."))
)
