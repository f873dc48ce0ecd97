"""Packing rules (验货, the outbound check): what a scan means at the bench, which order a
unit of a consolidated list belongs to, when an order may be closed, and the packer's weight."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.codes import ScannedCode
from core.errors import Rejected
from core.i18n import _
from core.model import CodeKind, Verdict
from core.notices import notice

#: Heaviest parcel a bench accepts (grams); express carriers stop far below this.
MAX_WEIGHT_G = 100_000


class MissingReason(StrEnum):
    """Why a packer declares units missing: the order goes to the exception queue."""

    NOT_IN_TOTE = "not_in_tote"
    DAMAGED = "damaged"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class PackLineState:
    """An order line as the bench checks it: units expected and units verified so far."""

    line_id: int
    sku: str
    name: str
    qty: int
    packed: int

    @property
    def missing(self) -> int:
        """Units still to verify."""
        return max(self.qty - self.packed, 0)


@dataclass(frozen=True)
class PackOrderState:
    """An order open at the bench, with its urgency (earliest due first) and its lines."""

    order_no: str
    urgency: tuple[object, ...]
    lines: tuple[PackLineState, ...]

    @property
    def complete(self) -> bool:
        """Every unit verified."""
        return all(line.missing == 0 for line in self.lines)

    @property
    def units(self) -> int:
        """Units on the order."""
        return sum(line.qty for line in self.lines)

    @property
    def verified(self) -> int:
        """Units verified so far."""
        return sum(min(line.packed, line.qty) for line in self.lines)


@dataclass(frozen=True)
class PackDecision:
    """The verdict on a unit scanned at the bench, the line it counts on and why."""

    verdict: Verdict
    message: str
    order_no: str | None = None
    line_id: int | None = None


def judge_pack_scan(
    orders: Sequence[PackOrderState], code: ScannedCode, sku: str | None
) -> PackDecision:
    """Decide what a product scan means for the orders open at the bench.

    ``sku`` is the catalog SKU the code resolved to (None when it is not in the catalog). A
    unit the orders need counts for the most urgent order still missing it, so the bench
    sorts a consolidated list as it checks it; anything else is refused with what to do."""
    if code.kind is CodeKind.UNKNOWN:
        return PackDecision(
            Verdict.UNKNOWN_CODE,
            notice("pack.unreadable", code=code.display or "(empty)"),
        )
    if not orders:
        return PackDecision(
            Verdict.NOT_EXPECTED,
            notice("pack.nothing_open"),
        )
    if code.kind is not CodeKind.PRODUCT:
        return PackDecision(
            Verdict.NOT_EXPECTED,
            notice("pack.label_not_checked", kind=code.kind.value),
        )
    if sku is None:
        return PackDecision(
            Verdict.UNKNOWN_CODE,
            notice("pack.not_in_catalog", code=code.display),
        )
    wanted = [
        (order, line)
        for order in orders
        for line in order.lines
        if line.sku == sku and line.missing > 0
    ]
    if wanted:
        order, line = min(wanted, key=lambda pair: (pair[0].urgency, pair[1].line_id))
        return PackDecision(
            Verdict.OK,
            notice(
                "pack.counted",
                sku=sku,
                order_no=order.order_no,
                packed=line.packed + 1,
                qty=line.qty,
            ),
            order_no=order.order_no,
            line_id=line.line_id,
        )
    if any(line.sku == sku for order in orders for line in order.lines):
        return PackDecision(
            Verdict.EXTRA_UNIT,
            notice("pack.extra_unit", sku=sku),
        )
    return PackDecision(
        Verdict.WRONG_ITEM,
        notice("pack.wrong_item", sku=sku),
    )


_WEIGHT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(kg|g|公斤|千克|克)?\s*$", re.IGNORECASE)


def parse_weight(text: str) -> int:
    """A weight typed at the bench, in grams. A bare number is kilograms, as bench scales and
    carriers quote them (``1.25`` is 1,250 g); ``g``/``克`` or ``kg``/``公斤`` say otherwise."""
    match = _WEIGHT.match(text)
    if match is None:
        raise Rejected(
            _("Weight {text!r}: type kilograms like 1.25, or grams like 1250g.").format(text=text)
        )
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "kg").lower()
    grams = round(number if unit in ("g", "克") else number * 1000)
    if not 0 < grams <= MAX_WEIGHT_G:
        raise Rejected(
            _("Weight {grams} g is not a parcel weight (1 g to {most} kg).").format(
                grams=grams, most=MAX_WEIGHT_G // 1000
            )
        )
    return grams


def weight_warning(weight_g: int, expected_g: int) -> str | None:
    """A word for the packer when the parcel weighs far from what its items weigh (a missing or
    extra item, or a typing slip); None when it is plausible or nothing is known."""
    if expected_g <= 0:
        return None
    if weight_g < expected_g * 0.8 or weight_g > expected_g * 3 + 500:
        return _("The items weigh about {expected} g but the parcel {weight} g: check it.").format(
            expected=expected_g, weight=weight_g
        )
    return None


def check_packages(packages: int) -> int:
    """The number of parcels of a shipment (1 to 20)."""
    if not 1 <= packages <= 20:
        raise Rejected(_("A shipment has 1 to 20 packages."))
    return packages
