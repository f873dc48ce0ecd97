"""Stock per SKU × bin × lot and the rules that move it: pure decisions returning movements.

A :class:`StockRow` is what one bin holds of one SKU (one lot). A :class:`Movement` is one change
of one row: units on hand (``qty``, written to the stock ledger with its ``kind``) and units
reserved by pick lines (``reserved``, no ledger entry: nothing moved). The data layer loads the
rows, asks a rule here, and saves the movements it returns with one function; a rule that says no
raises :class:`StockRefused` and nothing is saved.

The rules keep these true, and :func:`check` proves them over a whole file:
on hand of every row equals the sum of its ledger entries; nothing is negative; a row never has
more reserved than on hand; a SKU never has more reserved than it holds in bins that may be
allocated; nothing in a damaged (or other non-allocatable) bin is reserved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from core.clock import from_iso, local_day
from core.errors import Rejected
from core.i18n import _


class BinKind(StrEnum):
    """What a bin is for."""

    PICK_FACE = "pick_face"
    RESERVE = "reserve"
    RECEIVING = "receiving"
    RETURNS = "returns"
    DAMAGED = "damaged"


#: Bins whose units orders may be allocated from and pick lists may draw on.
ALLOCATABLE = frozenset({BinKind.PICK_FACE, BinKind.RESERVE})


class LedgerKind(StrEnum):
    """Why on hand changed (a stock ledger entry's kind, 库存流水类型)."""

    OPENING = "opening"
    RECEIVE = "receive"
    PUT_AWAY = "put_away"
    MOVE = "move"
    PICK = "pick"
    SHIP = "ship"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    IMPORT_CORRECTION = "import_correction"


class StockRefused(Rejected):
    """A stock rule refused a command; nothing moved."""


Key = tuple[str, str, str]


@dataclass(frozen=True)
class StockRow:
    """What one bin holds of one SKU and lot (lot '' when the SKU is not lot-tracked)."""

    sku: str
    bin: str
    lot: str = ""
    expiry: date | None = None
    on_hand: int = 0
    reserved: int = 0
    kind: BinKind = BinKind.PICK_FACE

    @property
    def key(self) -> Key:
        """SKU, bin and lot: what identifies the row."""
        return (self.sku, self.bin, self.lot)

    @property
    def free(self) -> int:
        """Units in the bin not promised to a pick line."""
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Movement:
    """One change of one stock row: ``qty`` units on hand (+ in, − out; a ledger entry when not
    zero) and ``reserved`` units promised to pick lines (+ promised, − released)."""

    kind: LedgerKind
    sku: str
    bin: str
    lot: str = ""
    qty: int = 0
    reserved: int = 0
    expiry: date | None = None

    @property
    def key(self) -> Key:
        """The row this movement changes."""
        return (self.sku, self.bin, self.lot)


def apply(rows: Mapping[Key, StockRow], movements: Iterable[Movement]) -> dict[Key, StockRow]:
    """The rows after ``movements``, or StockRefused when one would break a row's rules
    (negative stock, more reserved than on hand). New rows take the movement's expiry."""
    after = dict(rows)
    for movement in movements:
        row = after.get(movement.key) or StockRow(
            movement.sku, movement.bin, movement.lot, movement.expiry
        )
        row = StockRow(
            row.sku,
            row.bin,
            row.lot,
            row.expiry,
            row.on_hand + movement.qty,
            row.reserved + movement.reserved,
            row.kind,
        )
        if row.on_hand < 0:
            raise StockRefused(
                _("{sku} in bin {bin} would go below zero ({n})").format(
                    sku=row.sku, bin=row.bin or "—", n=row.on_hand
                )
            )
        if row.reserved < 0 or row.reserved > row.on_hand:
            raise StockRefused(
                _("{sku} in bin {bin}: {reserved} reserved of {on_hand} on hand").format(
                    sku=row.sku, bin=row.bin or "—", reserved=row.reserved, on_hand=row.on_hand
                )
            )
        after[movement.key] = row
    return after


def bin_code(text: str) -> str:
    """A bin code as typed, upper-cased and trimmed; refused when empty, too long, or holding
    spaces or control characters (a bin code is printed on a label and scanned back)."""
    code = text.strip().upper()
    if not code:
        raise StockRefused(_("name the bin"))
    if len(code) > 40 or not code.isprintable() or any(ch.isspace() for ch in code):
        raise StockRefused(
            _("{code!r} is not a bin code: letters, digits and dashes, as on its label").format(
                code=code
            )
        )
    return code


def allocatable_on_hand(rows: Iterable[StockRow]) -> int:
    """Units of a SKU that orders may be allocated from (never a damaged bin's)."""
    return sum(row.on_hand for row in rows if row.kind in ALLOCATABLE)


def opening(
    sku: str, bin_code: str, qty: int, lot: str = "", expiry: date | None = None
) -> list[Movement]:
    """Opening stock of a new SKU in a bin (nothing when ``qty`` is 0)."""
    if qty < 0:
        raise StockRefused(_("opening stock of {sku} cannot be negative").format(sku=sku))
    if qty == 0:
        return []
    return [Movement(LedgerKind.OPENING, sku, bin_code, lot, qty, expiry=expiry)]


def set_on_hand(
    row: StockRow, target: int, kind: LedgerKind = LedgerKind.ADJUSTMENT
) -> list[Movement]:
    """Bring a row to ``target`` units on hand (an adjustment or import correction); refused
    below what pick lines have reserved there."""
    if target < 0:
        raise StockRefused(_("stock cannot be set below zero"))
    if target < row.reserved:
        raise StockRefused(
            _("{sku} in bin {bin}: {target} is below the {reserved} units reserved there").format(
                sku=row.sku, bin=row.bin or "—", target=target, reserved=row.reserved
            )
        )
    if target == row.on_hand:
        return []
    return [Movement(kind, row.sku, row.bin, row.lot, target - row.on_hand, expiry=row.expiry)]


def move(
    rows: Sequence[StockRow],
    source: StockRow,
    to_bin: str,
    to_kind: BinKind,
    qty: int,
    sku_reserved: int,
) -> list[Movement]:
    """Move ``qty`` free units of ``source`` to ``to_bin`` (same SKU and lot). ``rows``: every
    row of the SKU; ``sku_reserved``: units of the SKU allocated to orders. Refused when the
    units are not free there, or when the move would leave the SKU's allocated orders without
    allocatable stock (moving reserved stock into a damaged bin)."""
    if qty <= 0:
        raise StockRefused(_("the quantity to move must be a positive whole number"))
    if to_bin == source.bin:
        raise StockRefused(_("from and to are the same bin"))
    if qty > source.free:
        raise StockRefused(
            _("bin {bin} holds {free} free units of {sku}; {qty} cannot move").format(
                bin=source.bin or "—", free=source.free, sku=source.sku, qty=qty
            )
        )
    leaving = qty if source.kind in ALLOCATABLE else 0
    arriving = qty if to_kind in ALLOCATABLE else 0
    if allocatable_on_hand(rows) - leaving + arriving < sku_reserved:
        raise StockRefused(
            _(
                "{sku}: {reserved} units are allocated to orders; this move would leave fewer in bins"
                " that can be picked"
            ).format(sku=source.sku, reserved=sku_reserved)
        )
    return [
        Movement(LedgerKind.MOVE, source.sku, source.bin, source.lot, -qty, expiry=source.expiry),
        Movement(LedgerKind.MOVE, source.sku, to_bin, source.lot, qty, expiry=source.expiry),
    ]


#: The most units a pick face's minimum or maximum may say (what the locations file takes).
MAX_BIN_UNITS = 10_000_000


def bin_limits(bin_code: str, kind: BinKind, min_units: int | None, max_units: int | None) -> None:
    """Refuse (StockRefused) a negative or implausibly large minimum or maximum, one on a bin
    that is not a pick face (nothing replenishes it), and a minimum above the maximum. The one
    rule for the locations file and for ``stock bin-min`` / ``stock bin-max``."""
    for limit in (min_units, max_units):
        if limit is not None and not 0 <= limit <= MAX_BIN_UNITS:
            raise StockRefused(
                _("bin {bin}: a minimum or maximum is a number of units from 0 to {most}").format(
                    bin=bin_code, most=MAX_BIN_UNITS
                )
            )
    if kind is not BinKind.PICK_FACE and (min_units is not None or max_units is not None):
        raise StockRefused(
            _("bin {bin} is {kind}: only a pick face has a minimum and a maximum").format(
                bin=bin_code, kind=kind.value
            )
        )
    if min_units is not None and max_units is not None and min_units > max_units:
        raise StockRefused(
            _("bin {bin}: the minimum {min} is above the maximum {max}").format(
                bin=bin_code, min=min_units, max=max_units
            )
        )


def change_kind(
    bin_code: str,
    kind: BinKind,
    rows: Iterable[StockRow],
    sku_reserved: Mapping[str, int],
) -> None:
    """Refuse (StockRefused) making ``bin_code`` a ``kind`` its stock cannot live with: units on
    pick lines there, or orders allocated units that would then sit in a bin not picked from.
    ``rows``: every row of the SKUs held in the bin."""
    rows = list(rows)
    if kind in ALLOCATABLE:
        return
    here = [row for row in rows if row.bin == bin_code]
    if any(row.reserved for row in here):
        raise StockRefused(
            _("bin {bin} holds units on pick lines; pick them before it becomes {kind}").format(
                bin=bin_code, kind=kind.value
            )
        )
    for sku in sorted({row.sku for row in here}):
        left = sum(
            row.on_hand
            for row in rows
            if row.sku == sku and row.kind in ALLOCATABLE and row.bin != bin_code
        )
        if left < sku_reserved.get(sku, 0):
            raise StockRefused(
                _(
                    "{sku}: {reserved} units are allocated to orders; making bin {bin} {kind}"
                    " would leave {left} that can be picked"
                ).format(
                    sku=sku,
                    reserved=sku_reserved.get(sku, 0),
                    bin=bin_code,
                    kind=kind.value,
                    left=left,
                )
            )


def pick_order(walk_key: Callable[[str], Any]) -> Callable[[StockRow], Any]:
    """Sort key of the rows a pick line draws on: earliest expiry first where lots have one,
    then pick faces before reserve, then walk order."""

    def key(row: StockRow) -> Any:
        return (
            row.expiry or date.max,
            0 if row.kind is BinKind.PICK_FACE else 1,
            walk_key(row.bin),
            row.lot,
        )

    return key


def expiry_day(moment: datetime | str) -> date:
    """The day expiry dates are judged on at ``moment`` (an instant, or its ISO text): the
    site's calendar day in China Standard Time, the day the dates printed on cartons count in.
    (UTC's date would still be yesterday until 08:00, and a lot would ship a day too long.)"""
    return local_day(from_iso(moment) if isinstance(moment, str) else moment)


def drawable(row: StockRow, today: date | None = None, shelf_days: int = 0) -> bool:
    """True when a pick line may draw on the row: an allocatable bin, and a lot that is not
    expired nor inside the product's do-not-ship window."""
    if row.kind not in ALLOCATABLE or row.free <= 0:
        return False
    if row.expiry is not None and today is not None:
        return row.expiry > today + timedelta(days=shelf_days)
    return True


def out_of_date(rows: Iterable[StockRow], today: date, shelf_days: int = 0) -> int:
    """Free units of one SKU no pick line may draw on because their lot is expired or inside
    the product's do-not-ship window (see :func:`drawable`): allocation does not count them."""
    limit = today + timedelta(days=shelf_days)
    return sum(
        max(row.free, 0)
        for row in rows
        if row.kind in ALLOCATABLE and row.expiry is not None and row.expiry <= limit
    )


def draw(
    rows: Iterable[StockRow],
    qty: int,
    walk_key: Callable[[str], Any],
    today: date | None = None,
    shelf_days: int = 0,
) -> tuple[list[Movement], int]:
    """Reserve ``qty`` units of one SKU for a pick line from its bins in pick order (see
    :func:`pick_order`); a line one bin cannot fill continues at the next. Returns the
    reserving movements and the units no bin could give."""
    candidates = sorted(
        (row for row in rows if drawable(row, today, shelf_days)),
        key=pick_order(walk_key),
    )
    movements = []
    left = qty
    for row in candidates:
        if left == 0:
            break
        take = min(left, row.free)
        movements.append(Movement(LedgerKind.PICK, row.sku, row.bin, row.lot, 0, take, row.expiry))
        left -= take
    return movements, left


def ship(
    rows: Mapping[Key, StockRow],
    picked: Iterable[tuple[Key, int]],
    reserved: Iterable[tuple[Key, int]] = (),
) -> list[Movement]:
    """Units of a shipped order leave the bins its pick lines drew on (``picked``), and the
    reservations of its lines (``reserved``: everything its lines held) are given back.

    The parcel has left the building, so the books follow it: where a bin holds fewer units
    than were picked there (stock moved on the books behind the floor's back, or a line made
    before the stock ledger), the rest leaves the SKU's other bins with the most free units,
    never a unit another line has reserved; refused only when the SKU has no such units."""
    after = dict(rows)
    movements: list[Movement] = []
    releasing = dict(reserved)

    def record(movement: Movement) -> None:
        nonlocal after
        after = apply(after, [movement])
        movements.append(movement)

    for key, qty in picked:
        if qty <= 0:
            continue
        row = after.get(key) or StockRow(*key)
        take = min(qty, row.on_hand)
        give_back = min(releasing.pop(key, qty), row.reserved)
        if take or give_back:
            # what stays reserved must stay within what stays on hand
            give_back = max(give_back, row.reserved - (row.on_hand - take))
            record(Movement(LedgerKind.SHIP, *key, -take, -give_back, row.expiry))
        left = qty - take
        for other in sorted(
            (r for r in after.values() if r.sku == key[0] and r.key != key and r.free > 0),
            key=lambda r: (-r.free, r.bin, r.lot),
        ):
            if left == 0:
                break
            part = min(left, other.free)
            record(Movement(LedgerKind.SHIP, *other.key, -part, 0, other.expiry))
            left -= part
        if left:
            raise StockRefused(
                _("{sku}: {n} shipped units are not on hand in any bin").format(sku=key[0], n=left)
            )
    for key, qty in releasing.items():
        held = after.get(key)
        if held is not None and min(qty, held.reserved):
            record(Movement(LedgerKind.SHIP, *key, 0, -min(qty, held.reserved), held.expiry))
    return movements


def release(rows: Mapping[Key, StockRow], promised: Iterable[tuple[Key, int]]) -> list[Movement]:
    """Reservations of pick lines given back (a short pick, a cancelled order); never more
    than a row holds reserved."""
    movements = []
    for key, qty in promised:
        row = rows.get(key)
        give_back = min(qty, row.reserved) if row else 0
        if give_back:
            movements.append(Movement(LedgerKind.PICK, *key, 0, -give_back))
    return movements


# -- the invariant ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StockProblem:
    """One thing wrong with the stock records, for people and for --json."""

    code: str
    subject: str
    detail: str


@dataclass(frozen=True)
class SkuTotals:
    """A product's own stock figures (the catalog's columns)."""

    on_hand: int
    reserved: int
    #: units in bins orders may not be allocated from (kept with the product for allocation)
    unpickable: int = 0


def check(
    rows: Iterable[StockRow],
    ledger: Mapping[Key, int],
    products: Mapping[str, SkuTotals],
) -> list[StockProblem]:
    """Everything wrong with stock rows, their ledger sums and the products' totals; empty when
    the stock is true."""
    problems: list[StockProblem] = []
    held: dict[str, int] = {}
    promised: dict[str, int] = {}
    allocatable: dict[str, int] = {}
    seen: set[Key] = set()

    def where(key: Key) -> str:
        sku, bin_code, lot = key
        return f"{sku} @ {bin_code or '—'}" + (f" lot {lot}" if lot else "")

    for row in rows:
        seen.add(row.key)
        held[row.sku] = held.get(row.sku, 0) + row.on_hand
        promised[row.sku] = promised.get(row.sku, 0) + row.reserved
        if row.kind in ALLOCATABLE:
            allocatable[row.sku] = allocatable.get(row.sku, 0) + row.on_hand
        total = ledger.get(row.key, 0)
        if row.on_hand != total:
            problems.append(
                StockProblem(
                    "ledger_mismatch",
                    where(row.key),
                    _("on hand {on_hand} but its ledger adds up to {total}").format(
                        on_hand=row.on_hand, total=total
                    ),
                )
            )
        if row.on_hand < 0:
            problems.append(
                StockProblem("negative", where(row.key), _("on hand is {n}").format(n=row.on_hand))
            )
        if row.reserved < 0 or row.reserved > row.on_hand:
            problems.append(
                StockProblem(
                    "over_reserved",
                    where(row.key),
                    _("{reserved} reserved of {on_hand} on hand").format(
                        reserved=row.reserved, on_hand=row.on_hand
                    ),
                )
            )
        if row.reserved and row.kind not in ALLOCATABLE:
            problems.append(
                StockProblem(
                    "reserved_in_unpickable_bin",
                    where(row.key),
                    _("{reserved} units reserved in a {kind} bin").format(
                        reserved=row.reserved, kind=row.kind.value
                    ),
                )
            )
    for key, total in sorted(ledger.items()):
        if key not in seen and total != 0:
            problems.append(
                StockProblem(
                    "ledger_without_stock",
                    where(key),
                    _("its ledger adds up to {total} but there is no stock row").format(
                        total=total
                    ),
                )
            )
    for sku, totals in sorted(products.items()):
        if totals.on_hand != held.get(sku, 0):
            problems.append(
                StockProblem(
                    "product_total",
                    sku,
                    _("the product says {on_hand} on hand, its bins hold {held}").format(
                        on_hand=totals.on_hand, held=held.get(sku, 0)
                    ),
                )
            )
        unpickable = held.get(sku, 0) - allocatable.get(sku, 0)
        if totals.unpickable != unpickable:
            problems.append(
                StockProblem(
                    "product_unpickable",
                    sku,
                    _(
                        "the product says {n} units are in bins not picked from; they hold {held}"
                    ).format(n=totals.unpickable, held=unpickable),
                )
            )
        if totals.reserved > allocatable.get(sku, 0):
            problems.append(
                StockProblem(
                    "over_allocated",
                    sku,
                    _(
                        "{reserved} units allocated but only {free} in bins that can be picked"
                    ).format(reserved=totals.reserved, free=allocatable.get(sku, 0)),
                )
            )
        if promised.get(sku, 0) > totals.reserved:
            problems.append(
                StockProblem(
                    "lines_over_allocation",
                    sku,
                    _(
                        "pick lines hold {promised} units but orders are allocated {reserved}"
                    ).format(promised=promised.get(sku, 0), reserved=totals.reserved),
                )
            )
    return problems
