"""The shops' customer lists (VIP and blacklist), kept by an admin: orders are classed by
them at import (core.customers)."""

from __future__ import annotations

from typing import Any

from core.carriers import check_code
from core.customers import LIST_KINDS, customer_key
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import Priority
from core.roles import Permission
from data.store import Actor, Store


def _key(buyer: str, phone: str) -> str:
    key = customer_key(buyer.strip(), phone.strip())
    if not key:
        raise Rejected(_("name the customer by --buyer or by a full --phone number"))
    return key


def add_customer(
    store: Store,
    actor: Actor,
    kind: str,
    shop: str,
    buyer: str = "",
    phone: str = "",
    note: str = "",
    priority: str = "",
    carrier: str = "",
) -> str:
    """Put a customer of ``shop`` on the VIP list (with the priority or carrier their orders
    get) or the blacklist; one list per customer, so adding moves them. Returns their key."""
    if kind not in LIST_KINDS:
        raise Rejected(_("unknown list {kind}").format(kind=kind))
    key = _key(buyer, phone)
    if priority:
        try:
            priority = Priority(priority.strip().lower()).value
        except ValueError:
            raise Rejected(
                _("unknown priority {p!r} (use rush|standard|deferred)").format(p=priority)
            ) from None
    if carrier:
        carrier = check_code(carrier)
    if kind != "vip" and (priority or carrier):
        raise Rejected(_("only a VIP gets a priority or a carrier"))
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        write.execute(
            "INSERT INTO customer_lists (shop, customer_key, kind, priority, carrier, note,"
            " added_by, added_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (shop, customer_key)"
            " DO UPDATE SET kind = excluded.kind, priority = excluded.priority,"
            " carrier = excluded.carrier, note = excluded.note, added_by = excluded.added_by,"
            " added_at = excluded.added_at",
            (
                shop.strip(),
                key,
                kind,
                priority,
                carrier,
                " ".join(note.split()),
                actor.user,
                write.now,
            ),
        )
        write.audit(
            f"customers.{kind}.add", key, shop=shop.strip(), priority=priority, carrier=carrier
        )
    return key


def remove_customer(
    store: Store, actor: Actor, kind: str, shop: str, buyer: str = "", phone: str = ""
) -> str:
    """Take a customer off a list (NotFound when they are not on it)."""
    key = _key(buyer, phone)
    with store.write(actor) as write:
        write.require(Permission.IMPORT)
        gone = write.execute(
            "DELETE FROM customer_lists WHERE shop = ? AND customer_key = ? AND kind = ?",
            (shop.strip(), key, kind),
        ).rowcount
        if not gone:
            raise NotFound(_("{key} is not on the {kind} list").format(key=key, kind=kind))
        write.audit(f"customers.{kind}.remove", key, shop=shop.strip())
    return key


def list_customers(store: Store, kind: str, shop: str | None = None) -> list[dict[str, Any]]:
    """The customers on a list (of one shop, or all)."""
    where, parameters = "kind = ?", [kind]
    if shop is not None:
        where += " AND shop = ?"
        parameters.append(shop)
    return store.query(
        "SELECT shop, customer_key, priority, carrier, note, added_by, added_at"
        f" FROM customer_lists WHERE {where} ORDER BY shop, added_at",
        parameters,
    )
