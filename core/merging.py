"""Merge (合单) and split (拆单): which orders ship together, and how an order is cut in parts.

Pure rules over plain data; data/merging.py loads the orders, asks these and saves.

- Orders merge when they come from the same shop and buyer, go to the same recipient name,
  phone and address (compared normalised: width, case, spaces and a +86 prefix do not count),
  are all paid, none cash on delivery, none held and none yet in a wave. A masked recipient
  (陈**, 151****3175, ciphertext) is never compared as text: such orders merge only on the
  platform's merge token, when the export carries one.
- An order partly in stock may ship what is there and leave the rest waiting.
- A product flagged ``ships_alone`` (oversize) always travels in a parcel of its own, one per unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.model import Priority
from core.review import masked
from core.sla import PRIORITY_RANK

#: How orders merge at wave release: ``auto`` merges, ``propose`` asks a supervisor, ``off``.
MERGE_MODES = ("auto", "propose", "off")
#: What a backordered order does when part of it is in stock: ``manual`` waits for a
#: supervisor to split it, ``auto`` splits it as soon as it is reviewed.
SPLIT_MODES = ("manual", "auto")

_SPACE = re.compile(r"[\s\u3000]+")
_PUNCT = re.compile(r"[,，.。;；:：、()（）\-#－—]+")


@dataclass(frozen=True)
class MergeCandidate:
    """An order as merging sees it."""

    order_no: str
    shop: str
    buyer: str
    customer_name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    due_at: datetime
    priority: Priority
    paid: bool = True
    cod: bool = False
    held: bool = False
    in_wave: bool = False
    #: The platform's token for "same buyer, same address" when the recipient is masked.
    merge_token: str = ""
    #: A supervisor refused to merge it; it ships alone.
    refused: bool = False


@dataclass(frozen=True)
class MergeGroup:
    """Orders that ship as one: ``lead`` (the most urgent) keeps its number and takes the
    others' lines; ``others`` are merged into it."""

    lead: str
    others: tuple[str, ...]
    #: The most urgent priority among them (the merged order takes it).
    priority: Priority

    @property
    def order_nos(self) -> tuple[str, ...]:
        """Every order number of the group, the lead first."""
        return (self.lead, *self.others)


def normalised(text: str) -> str:
    """Text compared for merging: full-width folded (NFKC), lower case, without spaces and
    the punctuation people type differently (逗号, 括号, dashes)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _PUNCT.sub("", _SPACE.sub("", folded))


_NOT_DIGIT = re.compile(r"[^0-9]")


def normalised_phone(phone: str) -> str:
    """A phone number's digits, without a leading +86 / 0086 country code."""
    if phone.isascii():  # NFKC leaves ASCII as it is, and its digits are 0-9
        digits = _NOT_DIGIT.sub("", phone)
    else:
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def is_masked(order: MergeCandidate) -> bool:
    """Whether the recipient is hidden by the platform (name, phone or address)."""
    return any(masked(value) for value in (order.customer_name, order.phone, order.address))


def merge_key(order: MergeCandidate) -> tuple[str, ...] | None:
    """What orders must share to merge with this one, or None when it may not merge at all."""
    if not order.paid or order.cod or order.held or order.in_wave or order.refused:
        return None
    if is_masked(order):
        token = order.merge_token.strip()
        return ("token", order.shop, token) if token else None
    name, phone, address = order.customer_name, order.phone, order.address
    if not (name.strip() and normalised_phone(phone) and address.strip()):
        return None
    return (
        "recipient",
        order.shop,
        normalised(order.buyer),
        normalised(name),
        normalised_phone(phone),
        normalised(order.province),
        normalised(order.city),
        normalised(order.district),
        normalised(address),
    )


def _urgency(order: MergeCandidate) -> tuple[datetime, int, str]:
    return (order.due_at, PRIORITY_RANK[order.priority], order.order_no)


def merge_groups(orders: Iterable[MergeCandidate]) -> list[MergeGroup]:
    """The groups of two or more orders that merge, most urgent group first; within a group
    the most urgent order leads."""
    keyed: dict[tuple[str, ...], list[MergeCandidate]] = {}
    for order in orders:
        key = merge_key(order)
        if key is not None:
            keyed.setdefault(key, []).append(order)
    groups = []
    for members in keyed.values():
        if len(members) < 2:
            continue
        members.sort(key=_urgency)
        groups.append(
            MergeGroup(
                lead=members[0].order_no,
                others=tuple(m.order_no for m in members[1:]),
                priority=min((m.priority for m in members), key=PRIORITY_RANK.__getitem__),
            )
        )
    groups.sort(key=lambda g: g.lead)
    return groups


# -- split (拆单) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartLine:
    """Units of one SKU in a part of an order."""

    sku: str
    qty: int


def split_available(
    lines: Sequence[tuple[str, int]], available: Mapping[str, int]
) -> list[tuple[int, int]] | None:
    """For each of an order's lines (SKU, units): the units free stock covers now and the
    units left waiting, lines taken in the order's order (two lines of one SKU draw on the
    same units). None when there is nothing to split: nothing in stock, or everything."""
    free = dict(available)
    parts = []
    for sku, qty in lines:
        take = max(0, min(qty, free.get(sku, 0)))
        free[sku] = free.get(sku, 0) - take
        parts.append((take, qty - take))
    if not any(now for now, _later in parts) or not any(later for _now, later in parts):
        return None
    return parts


def parcels(lines: Sequence[tuple[str, int]], ships_alone: Iterable[str]) -> list[list[PartLine]]:
    """The parcels an order needs: one per unit of a product that ships alone, and one for
    everything else together. The first parcel is the one the order keeps (everything else,
    when there is anything else)."""
    alone = set(ships_alone)
    together = [PartLine(sku, qty) for sku, qty in lines if sku not in alone]
    single = [[PartLine(sku, 1)] for sku, qty in lines if sku in alone for _unit in range(qty)]
    return ([together] if together else []) + single
