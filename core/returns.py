"""After-sales (售后): the pure rules of a return received by scan (销退扫描入库).

A returned unit is checked against what its order shipped and what already came back, then
becomes one stock movement of kind ``return`` into a returns bin (good) or a damaged bin (次品,
never allocated). The data layer (data/returns.py) loads the figures, asks here, and saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.errors import Rejected
from core.i18n import _
from core.stock import LedgerKind, Movement

#: Where good units wait for put-away, and where damaged units are kept, unless a bin is named.
RETURNS_BIN = "RET-01"
DAMAGED_BIN = "DMG-01"

#: The reasons a new file starts with (data: the site edits them with ``returns reasons``).
DEFAULT_REASONS: tuple[str, ...] = ("质量问题", "发错货", "七天无理由", "破损", "少件")


class Condition(StrEnum):
    """What a returned unit is fit for."""

    GOOD = "good"
    DAMAGED = "damaged"


class ReturnStatus(StrEnum):
    """Where a return (or an unidentified parcel, 无信息件) stands."""

    OPEN = "open"
    CLOSED = "closed"
    UNIDENTIFIED = "unidentified"
    WRITTEN_OFF = "written_off"


class ReturnRefused(Rejected):
    """A returned unit refused; ``code`` says why (recorded with the return)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def condition_of(text: str) -> Condition:
    """A condition as typed (good or damaged); refused otherwise."""
    try:
        return Condition(text.strip().lower())
    except ValueError:
        raise Rejected(
            _("unknown condition {text!r}; use good or damaged").format(text=text)
        ) from None


def scan_key(text: str | None) -> str | None:
    """A unit's scan id as given (None when none): one printable code, at most 80 characters."""
    if text is None or not text.strip():
        return None
    key = text.strip()
    if len(key) > 80 or not key.isprintable() or any(ch.isspace() for ch in key):
        raise Rejected(_("{key!r} is not a scan id").format(key=key))
    return key


def reason_text(text: str) -> str:
    """A reason as typed: spaces collapsed, control characters refused."""
    reason = " ".join(text.split())
    if len(reason) > 60 or not reason.isprintable():
        raise Rejected(_("a reason is one short line of text"))
    return reason


def check_reason(reason: str, condition: Condition, known: Sequence[str]) -> str:
    """The reason of a received unit: one of the site's reasons; required for damaged units."""
    if not reason:
        if condition is Condition.DAMAGED:
            raise Rejected(
                _("say why the unit is damaged (--reason): one of {known}").format(
                    known=", ".join(known)
                )
            )
        return ""
    if reason not in known:
        raise Rejected(
            _("{reason!r} is not a return reason here; use one of {known}").format(
                reason=reason, known=", ".join(known)
            )
        )
    return reason


def check_units(
    shipped: Mapping[str, int], returned: Mapping[str, int], sku: str, qty: int
) -> None:
    """Refuse (ReturnRefused) units of ``sku`` the order did not ship, or more than it shipped
    minus what already came back. ``shipped`` and ``returned``: units per SKU."""
    if qty <= 0:
        raise Rejected(_("the quantity must be a positive whole number"))
    if shipped.get(sku, 0) <= 0:
        raise ReturnRefused(
            _("{sku} was not shipped in this order; keep it apart").format(sku=sku),
            "not_shipped",
        )
    left = shipped[sku] - returned.get(sku, 0)
    if qty > left:
        raise ReturnRefused(
            _("{sku}: {shipped} shipped, {back} already back; {qty} more cannot be").format(
                sku=sku, shipped=shipped[sku], back=returned.get(sku, 0), qty=qty
            ),
            "too_many",
        )


def receive(sku: str, qty: int, bin_code: str) -> list[Movement]:
    """Returned units into a bin: one ledger entry of kind ``return``."""
    return [Movement(LedgerKind.RETURN, sku, bin_code, "", qty)]


def write_off(sku: str, qty: int, bin_code: str) -> list[Movement]:
    """Units of a parcel written off leave the bin they wait in."""
    return [Movement(LedgerKind.WRITE_OFF, sku, bin_code, "", -qty)]


def per_line(lines: Iterable[tuple[int, str, int]], returned: Mapping[str, int]) -> dict[int, int]:
    """Returned units per order line: ``lines`` are (line id, SKU, units shipped) in line
    order; a SKU's returned units fill its lines in turn, none more than it shipped."""
    left = dict(returned)
    result = {}
    for line_id, sku, shipped in lines:
        take = min(shipped, left.get(sku, 0))
        result[line_id] = take
        left[sku] = left.get(sku, 0) - take
    return result


def all_back(shipped: Mapping[str, int], returned: Mapping[str, int]) -> bool:
    """True when every shipped unit of the order came back (and it shipped something)."""
    return any(shipped.values()) and all(
        returned.get(sku, 0) >= qty for sku, qty in shipped.items()
    )


class ReturnKind(StrEnum):
    """The kinds of after-sales: a return for refund (退货), an exchange (换货), a parcel
    refused at the door (拒收), a refund without goods (仅退款)."""

    RETURN = "return"
    EXCHANGE = "exchange"
    REFUSED = "refused"
    REFUND_ONLY = "refund_only"


def kind_of(text: str) -> ReturnKind:
    """A kind of after-sales as typed; refused otherwise."""
    try:
        return ReturnKind(text.strip().lower())
    except ValueError:
        raise Rejected(
            _("unknown after-sales kind {text!r}; use one of {known}").format(
                text=text, known=", ".join(k.value for k in ReturnKind)
            )
        ) from None


def still_out(shipped: Mapping[str, int], returned: Mapping[str, int]) -> dict[str, int]:
    """Units per SKU shipped and not back yet (what a refused parcel brings back)."""
    return {
        sku: qty - returned.get(sku, 0)
        for sku, qty in sorted(shipped.items())
        if qty > returned.get(sku, 0)
    }


def linked_order_no(source: str, kind: str, taken: int) -> str:
    """The number of an order linked to ``source``: ``-HH`` for an exchange (换货), ``-BF``
    for a re-send (补发), numbered after the ``taken`` links it already has."""
    return f"{source}-{'HH' if kind == 'exchange' else 'BF'}{taken + 1}"


#: The columns of an after-sales export (``returns import``), as the file names them.
EXPECTED_COLUMNS = ("after_sales_no", "order_no", "return_waybill", "type", "reason", "sku", "qty")
#: A column an export may add: the SKU an exchange (换货) sends instead (empty: the same SKU).
EXCHANGE_COLUMN = "exchange_sku"


@dataclass(frozen=True)
class ExpectedReturn:
    """One line of an after-sales export: a return a platform says is coming."""

    after_sales_no: str
    order_no: str
    return_waybill: str
    kind: ReturnKind
    reason: str
    sku: str
    qty: int
    exchange_sku: str = ""


def read_expected(rows: Iterable[Mapping[str, str]]) -> tuple[list[ExpectedReturn], list[str]]:
    """The lines of an after-sales export (rows keyed by column), and a message per row
    refused (row number and why); nothing is guessed."""
    good: list[ExpectedReturn] = []
    refused: list[str] = []
    for number, row in enumerate(rows, start=2):
        try:
            cells = {
                key: " ".join((row.get(key) or "").split())
                for key in (*EXPECTED_COLUMNS, EXCHANGE_COLUMN)
            }
            if not all(cell.isprintable() for cell in cells.values()):
                raise Rejected(_("control characters in the row"))
            for key in ("after_sales_no", "order_no", "sku"):
                if not cells[key]:
                    raise Rejected(_("{column} is empty").format(column=key))
            if not cells["qty"].isdigit() or int(cells["qty"]) <= 0:
                raise Rejected(_("the quantity must be a positive whole number"))
            good.append(
                ExpectedReturn(
                    cells["after_sales_no"],
                    cells["order_no"],
                    cells["return_waybill"].upper(),
                    kind_of(cells["type"] or "return"),
                    cells["reason"],
                    cells["sku"],
                    int(cells["qty"]),
                    cells[EXCHANGE_COLUMN],
                )
            )
        except Rejected as error:
            refused.append(_("row {n}: {error}").format(n=number, error=error))
    return good, refused


@dataclass(frozen=True)
class Expectation:
    """What the after-sales export said of a parcel now at the bench: its kind, its
    after-sales number and, for an exchange, the SKU the replacement sends ("" the same)."""

    after_sales_no: str
    kind: ReturnKind
    exchange_sku: str = ""


def pending(
    expected: Sequence[ExpectedReturn], returned: Mapping[str, int]
) -> list[ExpectedReturn]:
    """Expected lines not all back yet: ``returned`` units per SKU of the order fill its
    expected lines in turn (in the order given)."""
    left = dict(returned)
    waiting = []
    for line in expected:
        take = min(line.qty, left.get(line.sku, 0))
        left[line.sku] = left.get(line.sku, 0) - take
        if take < line.qty:
            waiting.append(line)
    return waiting


def expectation_of(
    expected: Sequence[ExpectedReturn], returned: Mapping[str, int], waybill: str = ""
) -> Expectation | None:
    """How the bench should take an order's parcel: as the first after-sales still waiting
    (the one of the return waybill scanned, when one is), or None when nothing is expected.
    ``expected``: the order's expected lines in import order."""
    waiting = pending(expected, returned)
    scanned = [line for line in waiting if waybill and line.return_waybill == waybill.upper()]
    if not (scanned or waiting):
        return None
    first = (scanned or waiting)[0]
    lines = [line for line in waiting if line.after_sales_no == first.after_sales_no]
    replacement = next((line.exchange_sku for line in lines if line.exchange_sku), "")
    return Expectation(
        first.after_sales_no,
        first.kind,
        replacement if first.kind is ReturnKind.EXCHANGE else "",
    )


def expected_replacement(
    expected: Sequence[ExpectedReturn], returned: Mapping[str, int], sku: str
) -> str:
    """The SKU an expected exchange of ``sku`` sends instead ("" when none is named)."""
    for line in pending(expected, returned):
        if line.kind is ReturnKind.EXCHANGE and line.sku == sku and line.exchange_sku:
            return line.exchange_sku
    return ""
