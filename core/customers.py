"""Customer classes per shop (客户分类): new or returning, VIP, blacklisted.

A customer is known by the platform's buyer id (买家会员名 …) when the export carries one, else
by a hash of their phone number (the number itself is not kept twice). A masked phone
(151****3175) identifies nobody: such a customer is classed by buyer id only.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from core.merging import normalised, normalised_phone
from core.review import masked


class CustomerClass(StrEnum):
    """What an order's customer is to its shop. Part of the interface (reports, --json)."""

    NEW = "new"
    RETURNING = "returning"
    VIP = "vip"
    BLACKLIST = "blacklist"


#: Lists an admin keeps per shop.
LIST_KINDS = ("vip", "blacklist")


def customer_key(buyer: str, phone: str) -> str:
    """Who a customer is within a shop: ``b:`` and the buyer id, or ``p:`` and a hash of the
    phone's digits; empty when neither says (no buyer id, a masked or missing phone)."""
    if buyer.strip() and not masked(buyer):
        return "b:" + normalised(buyer)
    digits = normalised_phone(phone)
    if len(digits) < 6 or masked(phone):
        return ""
    return "p:" + hashlib.sha256(digits.encode("ascii")).hexdigest()[:24]


def classify(listed: str | None, seen_before: bool) -> CustomerClass:
    """The class of an order's customer: the admin's list first (blacklist, VIP), then
    returning when the shop had an order from them before, else new."""
    if listed == CustomerClass.BLACKLIST.value:
        return CustomerClass.BLACKLIST
    if listed == CustomerClass.VIP.value:
        return CustomerClass.VIP
    return CustomerClass.RETURNING if seen_before else CustomerClass.NEW
