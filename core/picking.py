"""Picking rules: what a scan means on a pick list, and how picked units are shared out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.codes import ScannedCode
from core.errors import Rejected
from core.i18n import _
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
        # lines may be picked in any order: another open line's bin is confirmed as well
        there = next(
            (c for c in lines if not c.done and c.location.upper() == code.value.upper()), None
        )
        if there is not None:
            return ScanDecision(
                Verdict.LOCATION_OK,
                notice("pick.bin_confirmed", bin=there.location, sku=there.sku),
                confirms_location=there.location,
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
    target = line_for_unit(lines, scanned_sku, confirmed_location)
    if target is None:
        same_sku = [candidate for candidate in lines if candidate.sku == scanned_sku]
        if same_sku:
            done = same_sku[0]
            return ScanDecision(
                Verdict.OVER_PICK,
                notice("pick.too_many", qty=done.qty, sku=done.sku, bin=done.location or "?"),
            )
        return ScanDecision(
            Verdict.WRONG_ITEM,
            notice("pick.wrong_item", scanned=scanned_sku, sku=line.sku, bin=line.location),
        )
    if (
        settings.location_first
        and target.location
        and (confirmed_location or "").upper() != target.location.upper()
    ):
        return ScanDecision(
            Verdict.LOCATION_REQUIRED,
            notice("pick.bin_first", bin=target.location),
        )
    if target.line_id == line.line_id:
        return ScanDecision(
            Verdict.OK,
            notice("pick.counted", sku=line.sku, picked=line.picked + 1, qty=line.qty),
            line_id=line.line_id,
        )
    return ScanDecision(
        Verdict.OK,
        notice(
            "pick.counted_ahead",
            sku=target.sku,
            picked=target.picked + 1,
            qty=target.qty,
            bin=target.location or "?",
        ),
        line_id=target.line_id,
    )


def line_for_unit(
    lines: Sequence[PickLineState], sku: str, confirmed_location: str | None
) -> PickLineState | None:
    """The open line a unit of ``sku`` counts on, whatever the order the picker walks in: the
    current line when it is that SKU's, else the SKU's open line at the bin last confirmed,
    else its first open line in walk order; None when no open line wants the SKU."""
    open_lines = [c for c in lines if not c.done and c.sku == sku]
    if not open_lines:
        return None
    current = current_line(lines)
    if current is not None and current.sku == sku:
        return current
    confirmed = (confirmed_location or "").upper()
    at_bin = next((c for c in open_lines if confirmed and c.location.upper() == confirmed), None)
    return at_bin or open_lines[0]


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


def reroute_short(shares: Sequence[ShareState], units: int) -> list[tuple[ShareState, int]]:
    """Units another bin can give for a line found short, shared out among the line's open
    shares: the most urgent orders first. Returns (share, units it moves to the other bin) for
    every open share, most urgent first; what a share does not get goes short."""
    left = max(units, 0)
    moved = []
    for share in sorted((s for s in shares if s.open > 0), key=lambda s: s.urgency):
        take = min(share.open, left)
        moved.append((share, take))
        left -= take
    return moved


def fill_lines(
    portions: Sequence[tuple[int, int]], capacities: Sequence[int]
) -> list[list[tuple[int, int]]]:
    """Pour (key, units) portions into lines of the given capacities, in order: for each line
    the (key, units) it carries. The capacities add up to the portions' units."""
    lines: list[list[tuple[int, int]]] = [[] for _ in capacities]
    queue = [[key, n] for key, n in portions if n > 0]
    for index, capacity in enumerate(capacities):
        room = capacity
        while room and queue:
            key, n = queue[0]
            take = min(room, n)
            lines[index].append((key, take))
            room -= take
            if take == n:
                queue.pop(0)
            else:
                queue[0][1] = n - take
    return lines


def lines_to_skip(lines: Sequence[PickLineState], location: str) -> list[int]:
    """The open lines at a blocked bin, which go to the end of the list (in their order) and
    come back when the rest is picked; refused when no open line at another bin is left to
    pick first."""
    here = [c.line_id for c in lines if not c.done and c.location.upper() == location.upper()]
    if not here:
        raise Rejected(_("nothing is left to pick at bin {bin}").format(bin=location or "—"))
    if all(c.done or c.location.upper() == location.upper() for c in lines):
        raise Rejected(
            _("bin {bin} is the last stop of the list: pick it, or close it short").format(
                bin=location or "—"
            )
        )
    return here
