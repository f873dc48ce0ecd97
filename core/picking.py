"""Picking rules: what a scan means on a pick list, and how picked units are shared out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.codes import ScannedCode
from core.model import CodeKind, Verdict
from core.notices import notice


@dataclass(frozen=True)
class PickLineState:
    """A pick line as the rules see it."""

    line_id: int
    sku: str
    name: str
    location: str
    qty: int
    picked: int
    short: int = 0

    @property
    def done(self) -> bool:
        """Nothing left to pick on this line (picked, or closed short)."""
        return self.picked + self.short >= self.qty

    @property
    def remaining(self) -> int:
        """Units still to pick."""
        return max(self.qty - self.picked - self.short, 0)


@dataclass(frozen=True)
class PickSettings:
    """Site settings for picking."""

    location_first: bool = False


@dataclass(frozen=True)
class ScanDecision:
    """The verdict on one scan, the line it counts on (if any) and what to tell the picker."""

    verdict: Verdict
    message: str
    line_id: int | None = None
    confirms_location: str | None = None
    binds_tote: str | None = None


def current_line(lines: Sequence[PickLineState]) -> PickLineState | None:
    """The line the picker is on: the first unfinished one in walk order."""
    return next((line for line in lines if not line.done), None)


def judge_pick_scan(
    lines: Sequence[PickLineState],
    code: ScannedCode,
    scanned_sku: str | None,
    confirmed_location: str | None,
    settings: PickSettings,
) -> ScanDecision:
    """Decide what a scan means for a pick list.

    ``lines`` are in walk order; ``scanned_sku`` is the catalog SKU the code resolved to
    (None when the code is not in the catalog); ``confirmed_location`` is the bin whose label the
    picker last scanned on this list."""
    line = current_line(lines)
    if code.kind is CodeKind.UNKNOWN:
        return ScanDecision(
            Verdict.UNKNOWN_CODE,
            notice("pick.unreadable", code=code.display or "(empty)"),
        )
    if code.kind is CodeKind.TOTE:
        return ScanDecision(
            Verdict.TOTE_OK,
            notice("pick.tote_bound", tote=code.display),
            binds_tote=code.value,
        )
    if line is None:
        return ScanDecision(Verdict.NOT_EXPECTED, notice("pick.list_finished"))
    if code.kind is CodeKind.LOCATION:
        if code.value.upper() == line.location.upper():
            return ScanDecision(
                Verdict.LOCATION_OK,
                notice("pick.bin_confirmed", bin=line.location, sku=line.sku),
                confirms_location=line.location,
            )
        return ScanDecision(
            Verdict.WRONG_LOCATION,
            notice("pick.wrong_bin", scanned=code.value, bin=line.location),
        )
    if code.kind is not CodeKind.PRODUCT:
        return ScanDecision(
            Verdict.NOT_EXPECTED,
            notice("pick.label_not_expected", kind=code.kind.value, bin=line.location),
        )
    if scanned_sku is None:
        return ScanDecision(
            Verdict.UNKNOWN_CODE,
            notice("pick.not_in_catalog", code=code.display, sku=line.sku, bin=line.location),
        )
    if (
        settings.location_first
        and line.location
        and (confirmed_location or "").upper() != line.location.upper()
    ):
        return ScanDecision(
            Verdict.LOCATION_REQUIRED,
            notice("pick.bin_first", bin=line.location),
        )
    if scanned_sku == line.sku:
        return ScanDecision(
            Verdict.OK,
            notice("pick.counted", sku=line.sku, picked=line.picked + 1, qty=line.qty),
            line_id=line.line_id,
        )
    same_sku = [candidate for candidate in lines if candidate.sku == scanned_sku]
    # An open stop for this SKU elsewhere on the list makes it early, not too many.
    other = next((c for c in same_sku if not c.done), same_sku[0] if same_sku else None)
    if other is not None and other.done:
        return ScanDecision(
            Verdict.OVER_PICK,
            notice("pick.too_many", qty=other.qty, sku=other.sku, bin=other.location or "?"),
        )
    if other is not None:
        return ScanDecision(
            Verdict.WRONG_ITEM,
            notice(
                "pick.comes_later",
                scanned=scanned_sku,
                later=other.location or "?",
                sku=line.sku,
                bin=line.location,
            ),
        )
    return ScanDecision(
        Verdict.WRONG_ITEM,
        notice("pick.wrong_item", scanned=scanned_sku, sku=line.sku, bin=line.location),
    )


@dataclass(frozen=True)
class ShareState:
    """An order line's part of a pick line, with how much of it is picked."""

    share_id: int
    order_no: str
    urgency: tuple[object, ...]
    qty: int
    picked: int

    @property
    def open(self) -> int:
        """Units of this share still to pick."""
        return self.qty - self.picked


def share_for_unit(shares: Sequence[ShareState]) -> ShareState | None:
    """The share a newly picked unit belongs to: the most urgent order still missing one."""
    candidates = [share for share in shares if share.open > 0]
    return min(candidates, key=lambda share: share.urgency) if candidates else None


def shares_left_short(shares: Sequence[ShareState]) -> list[ShareState]:
    """Shares a short-closed line leaves incomplete: the orders that will miss units."""
    return [share for share in shares if share.open > 0]
