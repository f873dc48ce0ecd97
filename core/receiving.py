"""Receiving (入库), put-away (上架) and cycle counts (盘点): pure rules returning decisions and
stock movements; data/ loads what they need and saves what they decide through the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from core.i18n import _
from core.importing import (
    MAX_KEY,
    Source,
    _check_text,
    _key,
    _safe_key,
    _text,
    _whole_number,
    check_readable,
    read_records,
)
from core.locations import walk_key
from core.model import Rejection
from core.stock import ALLOCATABLE, BinKind, LedgerKind, Movement, StockRefused, StockRow

RECEIPT_COLUMNS = ("receipt_no", "supplier", "sku", "qty", "lot", "expiry")

# -- receipts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLineDraft:
    """One expected line of a receipt."""

    sku: str
    qty: int
    lot: str = ""
    expiry: date | None = None
    source_line: int = 0


@dataclass
class ReceiptDraft:
    """A receipt read from a file: its number, supplier and expected lines."""

    receipt_no: str
    supplier: str
    lines: list[ReceiptLineDraft] = field(default_factory=list)


def _expiry(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("expiry must be a date like 2027-03-31, not {value!r}").format(value=text[:20])
        ) from None


def read_receipts(source: Source, filename: str) -> Iterator[ReceiptDraft | Rejection]:
    """Receipts from a CSV/JSON file, one draft per receipt number; as with orders, a receipt
    with a bad line is rejected whole (each bad line reported, the others as "the receipt has
    a bad line"), and the same SKU and lot twice in a receipt are added up."""
    check_readable(source, filename, RECEIPT_COLUMNS)
    receipts: dict[str, ReceiptDraft] = {}
    bad: dict[str, list[Rejection]] = {}
    lines_of: dict[str, list[int]] = {}
    for record in read_records(source, filename, RECEIPT_COLUMNS):
        values = record.fields
        receipt_no = _safe_key(values, "receipt_no")
        try:
            if record.problem is not None:
                raise ValueError(record.problem)
            if not receipt_no:
                raise ValueError(_("receipt_no is missing"))
            if len(receipt_no) > MAX_KEY:
                raise ValueError(_("receipt_no is longer than {n} characters").format(n=MAX_KEY))
            _check_text(record)
            if "__extra__" in values:
                raise ValueError(_("more cells than columns (an unquoted comma?)"))
            sku = _text(values, "sku", MAX_KEY)
            if not sku:
                raise ValueError(_("sku is missing"))
            line = ReceiptLineDraft(
                sku=sku,
                qty=_whole_number(values, "qty", positive=True, default=None),
                lot=_text(values, "lot", MAX_KEY),
                expiry=_expiry(_text(values, "expiry", 20)),
                source_line=record.line,
            )
            supplier = _text(values, "supplier")
        except ValueError as error:
            bad.setdefault(receipt_no, []).append(
                Rejection(record.line, _key(receipt_no), str(error))
            )
            lines_of.setdefault(receipt_no, []).append(record.line)
            continue
        lines_of.setdefault(receipt_no, []).append(record.line)
        draft = receipts.setdefault(receipt_no, ReceiptDraft(receipt_no, supplier))
        draft.supplier = draft.supplier or supplier
        same = next(
            (i for i, held in enumerate(draft.lines) if (held.sku, held.lot) == (sku, line.lot)),
            None,
        )
        if same is None:
            draft.lines.append(line)
        else:
            held = draft.lines[same]
            draft.lines[same] = ReceiptLineDraft(
                sku, held.qty + line.qty, held.lot, held.expiry or line.expiry, held.source_line
            )
    for receipt_no, rejections in bad.items():
        yield from rejections
        reported = {r.line for r in rejections}
        for line_no in lines_of.get(receipt_no, []):
            if line_no not in reported:
                yield Rejection(line_no, _key(receipt_no), _("the receipt has a bad line"))
    for receipt_no, draft in receipts.items():
        if receipt_no not in bad:
            yield draft


@dataclass(frozen=True)
class UnitVerdict:
    """What receiving makes of a scanned unit: accepted, or refused with the reason (kept)."""

    accepted: bool
    reason: str = ""
    code: str = ""


def judge_unit(
    sku: str | None,
    qty: int,
    lot: str,
    expiry: date | None,
    *,
    code: str,
    lot_tracked: bool,
    expected: Mapping[str, int] | None,
    received: Mapping[str, int],
    today: date,
) -> UnitVerdict:
    """Judge ``qty`` units scanned against a receipt. ``expected``: units per SKU on the
    receipt (None for a blind receipt, which takes any known product); ``received``: units per
    SKU accepted so far. Refused: an unknown code, an item not on the receipt, more units than
    expected, an expiry already past, a lot-tracked product without a lot."""
    if qty <= 0:
        return UnitVerdict(False, _("the quantity must be a positive whole number"), "bad_qty")
    if sku is None:
        return UnitVerdict(
            False, _("{code} is no product in the catalog").format(code=code), "unknown"
        )
    if expected is not None and sku not in expected:
        return UnitVerdict(
            False, _("{sku} is not on this receipt; set it aside").format(sku=sku), "not_on_receipt"
        )
    if expected is not None and received.get(sku, 0) + qty > expected[sku]:
        return UnitVerdict(
            False,
            _("too many {sku}: {expected} expected, {received} already received").format(
                sku=sku, expected=expected[sku], received=received.get(sku, 0)
            ),
            "too_many",
        )
    if lot_tracked and not lot:
        return UnitVerdict(
            False,
            _("{sku} is lot-tracked: scan its GS1 code or give the lot and expiry").format(sku=sku),
            "no_lot",
        )
    if expiry is not None and expiry <= today:
        return UnitVerdict(
            False,
            _("{sku} lot {lot} expired on {expiry}; do not receive it").format(
                sku=sku, lot=lot or "—", expiry=expiry.isoformat()
            ),
            "expired",
        )
    return UnitVerdict(True)


@dataclass(frozen=True)
class LineOutcome:
    """A receipt line at closing: expected, received, and the difference (+ over, − short)."""

    sku: str
    expected: int
    received: int

    @property
    def difference(self) -> int:
        """Units over (positive) or short (negative)."""
        return self.received - self.expected


def close_receipt(
    expected: Mapping[str, int],
    received: Iterable[tuple[str, str, date | None, int]],
    dock: str,
) -> tuple[list[Movement], list[LineOutcome]]:
    """Closing a receipt: the accepted units (SKU, lot, expiry, qty) are booked into the dock
    bin (receive entries), and each SKU is reported expected against received."""
    movements: dict[tuple[str, str], Movement] = {}
    by_sku: dict[str, int] = {}
    for sku, lot, expiry, qty in received:
        by_sku[sku] = by_sku.get(sku, 0) + qty
        held = movements.get((sku, lot))
        movements[(sku, lot)] = Movement(
            LedgerKind.RECEIVE,
            sku,
            dock,
            lot,
            qty + (held.qty if held else 0),
            expiry=(held.expiry if held else None) or expiry,
        )
    outcomes = [
        LineOutcome(sku, expected.get(sku, 0), by_sku.get(sku, 0))
        for sku in sorted(set(expected) | set(by_sku))
    ]
    return [m for m in movements.values() if m.qty], outcomes


# -- put-away ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BinInfo:
    """A bin as put-away sees it: its kind, its maximum (pick faces) and what it holds."""

    code: str
    kind: BinKind
    max_units: int | None = None
    units: int = 0


def propose_bin(
    sku: str, rows: Sequence[StockRow], bins: Sequence[BinInfo], qty: int
) -> str | None:
    """Where ``qty`` units of ``sku`` should go: the SKU's pick face while it has room for them
    (a pick face without a maximum always has room), else a reserve bin already holding the
    SKU, else an empty reserve bin; None when no bin fits. ``bins`` in walk order."""
    info = {b.code: b for b in bins}
    held = [r for r in rows if r.sku == sku and r.on_hand > 0]
    for row in held:
        face = info.get(row.bin)
        if row.kind is BinKind.PICK_FACE and (
            face is None or face.max_units is None or face.units + qty <= face.max_units
        ):
            return row.bin
    # a pick face the SKU is at home in but holds none of right now
    for b in bins:
        home = b.kind is BinKind.PICK_FACE and any(r.bin == b.code and r.sku == sku for r in rows)
        if home and (b.max_units is None or b.units + qty <= b.max_units):
            return b.code
    for b in bins:
        if b.kind is BinKind.RESERVE and any(r.bin == b.code for r in held):
            return b.code
    for b in bins:
        if b.kind is BinKind.RESERVE and b.units == 0:
            return b.code
    return None


#: Bins put-away takes units from: the receiving dock, and the returns bins where good
#: returned units wait (销退上架).
PUTAWAY_SOURCES = frozenset({BinKind.RECEIVING, BinKind.RETURNS})


def putaway_source(
    rows: Sequence[StockRow],
    sku: str,
    dock: str,
    lot: str | None = None,
    from_bin: str | None = None,
    held: Mapping[str, int] | None = None,
) -> StockRow:
    """The stock row put-away takes ``sku`` from: ``from_bin`` when named (the dock or a
    returns bin), else the receiving dock ``dock`` while it holds the SKU, else the first
    returns bin that does. ``held``: units per bin kept for unidentified parcels (无信息件),
    which wait for a supervisor and are never put away; they count as reserved."""
    held = held or {}
    mine = [r for r in rows if r.sku == sku and r.on_hand > 0 and (lot is None or r.lot == lot)]
    if from_bin is not None:
        kinds = {r.bin: r.kind for r in rows}
        if from_bin != dock and kinds.get(from_bin, BinKind.RETURNS) not in PUTAWAY_SOURCES:
            raise StockRefused(
                _(
                    "bin {bin} is neither the receiving dock nor a returns bin; put-away takes"
                    " units from those (move them instead)"
                ).format(bin=from_bin)
            )
        places = [from_bin]
    else:
        returns = sorted({r.bin for r in mine if r.kind is BinKind.RETURNS and r.bin != dock})
        places = [dock, *returns]
    for place in places:
        found = [
            replace(r, reserved=r.reserved + held.get(r.bin, 0)) for r in mine if r.bin == place
        ]
        found = [r for r in found if r.free > 0] or found
        if not found:
            continue
        if len(found) > 1:
            raise StockRefused(
                _("{sku} is at {bin} in lots {lots}; say which (--lot)").format(
                    sku=sku, bin=place, lots=", ".join(r.lot or "—" for r in found)
                )
            )
        return found[0]
    where = from_bin or dock
    if lot:
        raise StockRefused(
            _("{bin} holds no {sku} of lot {lot} to put away").format(bin=where, sku=sku, lot=lot)
        )
    if from_bin is not None:
        raise StockRefused(_("{bin} holds no {sku} to put away").format(bin=where, sku=sku))
    raise StockRefused(
        _("neither the receiving dock {dock} nor a returns bin holds {sku}").format(
            dock=dock, sku=sku
        )
    )


def put_away(source: StockRow, to_bin: str, to_kind: BinKind, qty: int) -> list[Movement]:
    """Move ``qty`` units from the dock row ``source`` to ``to_bin`` (put_away entries)."""
    if qty <= 0:
        raise StockRefused(_("the quantity to put away must be a positive whole number"))
    if to_bin == source.bin:
        raise StockRefused(_("from and to are the same bin"))
    if to_kind not in ALLOCATABLE:
        raise StockRefused(
            _("bin {bin} is a {kind} bin; put stock away to a pick face or reserve").format(
                bin=to_bin, kind=to_kind.value
            )
        )
    if qty > source.free:
        raise StockRefused(
            _("bin {bin} holds {free} units of {sku}; {qty} cannot be put away").format(
                bin=source.bin, free=source.free, sku=source.sku, qty=qty
            )
        )
    return [
        Movement(
            LedgerKind.PUT_AWAY, source.sku, source.bin, source.lot, -qty, expiry=source.expiry
        ),
        Movement(LedgerKind.PUT_AWAY, source.sku, to_bin, source.lot, qty, expiry=source.expiry),
    ]


# -- cycle counts ------------------------------------------------------------------------------

CountKey = tuple[str, str]  # SKU, lot


#: ABC classes by units shipped: A the SKUs that make the first 80 % of units, B the next 15 %,
#: C the rest (and every SKU that shipped nothing).
ABC_CLASSES = ("A", "B", "C")


def abc_classes(
    skus: Iterable[str],
    shipped: Mapping[str, int],
    a_share: float = 0.80,
    b_share: float = 0.95,
) -> dict[str, str]:
    """Each SKU's ABC class (A, B or C) by its units shipped, most shipped first: a SKU is A
    while the units shipped by the SKUs before it stay under ``a_share`` of all units shipped,
    B under ``b_share``, else C; a SKU that shipped nothing is C."""
    units = {sku: max(shipped.get(sku, 0), 0) for sku in skus}
    total = sum(units.values())
    classes: dict[str, str] = {}
    before = 0
    for sku in sorted(units, key=lambda s: (-units[s], s)):
        if units[sku] <= 0:
            classes[sku] = "C"
        elif before < a_share * total:
            classes[sku] = "A"
        elif before < b_share * total:
            classes[sku] = "B"
        else:
            classes[sku] = "C"
        before += units[sku]
    return classes


def count_difference(counted: Mapping[CountKey, int], expected: Mapping[CountKey, int]) -> int:
    """Units a bin's count differs from what the books held at the count, summed as absolutes."""
    keys = set(counted) | set(expected)
    return sum(abs(counted.get(k, 0) - expected.get(k, 0)) for k in keys)


def needs_recount(
    counted: Mapping[CountKey, int],
    expected: Mapping[CountKey, int],
    tolerance: int,
    already_recounted: bool,
) -> bool:
    """A difference beyond the tolerance asks for a recount by another person (once; a
    recounted bin goes to the supervisor)."""
    return not already_recounted and count_difference(counted, expected) > tolerance


def check_counter(counter: str, previous: str | None) -> None:
    """A recount must be done by someone other than who counted before."""
    if previous and counter == previous:
        raise StockRefused(
            _("{user} counted this bin before; a recount needs a different person").format(
                user=counter
            )
        )


def adjustments(
    bin_code: str,
    counted: Mapping[CountKey, int],
    at_count: Mapping[CountKey, int],
    now: Mapping[CountKey, StockRow],
    expiries: Mapping[CountKey, date | None] | None = None,
) -> list[Movement]:
    """Adjustment entries approving a count: per SKU and lot, counted minus what the ledger
    held at the moment the bin was counted (``at_count``), so a unit picked between the count
    and the approval is accounted for once (by its pick), never twice. Refused when the
    adjustment would leave a row below what pick lines reserve there (``now``)."""
    movements = []
    for key in sorted(set(counted) | set(at_count)):
        delta = counted.get(key, 0) - at_count.get(key, 0)
        if not delta:
            continue
        sku, lot = key
        row = now.get(key) or StockRow(sku, bin_code, lot)
        if row.on_hand + delta < row.reserved:
            raise StockRefused(
                _(
                    "{sku} in bin {bin}: the count leaves {n} units, fewer than the {reserved}"
                    " reserved there; pick or release them first"
                ).format(sku=sku, bin=bin_code, n=row.on_hand + delta, reserved=row.reserved)
            )
        expiry = row.expiry or (expiries or {}).get(key)
        movements.append(Movement(LedgerKind.ADJUSTMENT, sku, bin_code, lot, delta, expiry=expiry))
    return movements


def bin_range(start: str, end: str, known: Iterable[str]) -> list[str]:
    """Bins from ``start`` to ``end`` inclusive, in natural order (A-01-2 before A-01-10)."""
    low, high = sorted((start, end), key=lambda code: walk_key(code, {}))
    return sorted(
        (code for code in known if walk_key(low, {}) <= walk_key(code, {}) <= walk_key(high, {})),
        key=lambda code: walk_key(code, {}),
    )
