"""Messages that are stored and read later by someone else: a stable code and its parameters.

A scan's message or an order's exception reason is written once (by a picker working in
English, say) and read many times (by a supervisor reading Chinese). The rules return a
:class:`Notice`, a ``str`` in the current language that also carries its code and parameters;
``data/`` stores the code and the parameters as JSON, and whoever reads the row gets the
message again in their own language (:func:`from_stored`). Rows written before codes were kept
have only their text, shown as it is. Free text typed by a person is never a notice.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping

from core.i18n import N_, _

#: Stable code → English msgid with named placeholders. Codes are part of the stored data:
#: never rename or remove one, add a new one instead.
NOTICES: dict[str, str] = {
    # picking
    "pick.unreadable": N_("Unreadable code {code}. Scan the item's barcode again, or type it."),
    "pick.tote_bound": N_("Tote {tote} holds this list. Put the units in it."),
    "pick.list_finished": N_("This list is finished. Take the tote to packing."),
    "pick.bin_confirmed": N_("Bin {bin} confirmed. Scan {sku}."),
    "pick.wrong_bin": N_("Wrong bin {scanned}. Go to bin {bin}."),
    "pick.label_not_expected": N_(
        "A {kind} label is not expected here. Scan the item in bin {bin}."
    ),
    "pick.not_in_catalog": N_(
        "{code} is not in the catalog. Put it aside; scan {sku} from bin {bin}."
    ),
    "pick.bin_first": N_("Scan the bin label {bin} first, then the item."),
    "pick.counted": N_("{sku} {picked}/{qty}"),
    "pick.too_many": N_(
        "Too many: all {qty} of {sku} are already picked. Put this one back in {bin}."
    ),
    "pick.comes_later": N_("{scanned} comes later (bin {later}). Now: {sku} from bin {bin}."),
    "pick.wrong_item": N_(
        "Wrong item: {scanned} is not on this list. Put it back; pick {sku} from {bin}."
    ),
    # scans no task takes
    "scan.bad.non_printable": N_(
        "Bad scan: the scanner sent control characters. Scan again; if it keeps happening, "
        "check the scanner's settings."
    ),
    "scan.bad.too_long": N_("Bad scan: far too long for a barcode. Scan again."),
    "scan.bad.incomplete": N_(
        "Bad scan: only part of a barcode arrived. Scan again; if it keeps happening, "
        "check the scanner's end-of-scan setting."
    ),
    "scan.bad.undecodable": N_(
        "Bad scan: unreadable characters. Scan again; if it keeps happening, check the "
        "scanner's character set."
    ),
    "scan.bad": N_("Bad scan. Scan again."),
    "scan.not_used": N_("Scan {code} not used: no task takes scans here. Take a pick list first."),
    # exceptions
    "exception.short_pick": N_("short pick: {sku} ×{n} ({reason}) at bin {bin}"),
    "exception.pack_missing": N_("pack check: {what} missing ({reason})"),
    # ``note`` is what the packer typed: shown as typed, in any language.
    "exception.pack_missing_note": N_("pack check: {what} missing ({reason}) — {note}"),
}

Params = Mapping[str, str | int | float]


class Notice(str):
    """A message in the current language that keeps its ``code`` and ``params`` (so it can be
    stored and said again in another language)."""

    code: str
    params: dict[str, str | int | float]

    def __new__(cls, code: str, params: Params, text: str) -> Notice:
        notice = super().__new__(cls, text)
        notice.code = code
        notice.params = dict(params)
        return notice

    def again(self) -> str:
        """The message in the language spoken now."""
        return render(self.code, self.params)

    def english(self) -> str:
        """The message in English (kept beside the code for tools that read the table)."""
        return NOTICES[self.code].format(**self.params)

    def stored(self) -> tuple[str, str]:
        """The code and the parameters as JSON, as ``data/`` keeps them."""
        return self.code, json.dumps(self.params, ensure_ascii=False, sort_keys=True)


def render(code: str, params: Params) -> str:
    """A registered message in the current language."""
    return _(NOTICES[code]).format(**params)


def notice(code: str, /, **params: str | int | float) -> Notice:
    """The message ``code`` with its parameters, said in the current language."""
    if code not in NOTICES:
        raise KeyError(f"unregistered notice {code}")
    return Notice(code, params, render(code, params))


def stored_parts(message: str) -> tuple[str, str | None, str | None]:
    """What ``data/`` stores for a message: its English text, and its code and JSON
    parameters when it is a :class:`Notice` (plain text: None, None)."""
    if isinstance(message, Notice):
        code, params = message.stored()
        return message.english(), code, params
    return message, None, None


def from_stored(text: str | None, code: str | None, params: str | None) -> str:
    """A stored message for the person reading it now: said again in their language when its
    code is known and its parameters fit, else the text as it was stored."""
    if code and code in NOTICES:
        try:
            values = json.loads(params or "{}")
            if isinstance(values, dict) and _fits(NOTICES[code], values):
                return Notice(code, values, render(code, values))
        except (ValueError, KeyError, IndexError):
            pass
    return text or ""


def _fits(msgid: str, values: dict[str, object]) -> bool:
    names = {name for _text, name, _spec, _conv in string.Formatter().parse(msgid) if name}
    return names <= set(values)
