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
    "pick.counted_ahead": N_("{sku} {picked}/{qty} (bin {bin}, picked ahead of the list)."),
    "pick.comes_later": N_("{scanned} comes later (bin {later}). Now: {sku} from bin {bin}."),
    "pick.wrong_item": N_(
        "Wrong item: {scanned} is not on this list. Put it back; pick {sku} from {bin}."
    ),
    # two messages said one after the other (a language may join them without a space)
    "join.sentences": N_("{first} {second}"),
    # the packing bench (``what`` and ``why`` may be notices themselves)
    "pack.wrong_item": N_("Wrong item: {sku} is in none of these orders. Set it aside."),
    "pack.unreadable": N_("Unreadable code {code}. Scan the item's barcode again, or type it."),
    "pack.label_not_checked": N_(
        "A {kind} label is not checked here. Scan the items of the order."
    ),
    "pack.not_in_catalog": N_("{code} is not in the catalog. Set it aside and call a supervisor."),
    "pack.counted": N_("{sku} → {order_no}  {packed}/{qty}"),
    "pack.extra_unit": N_(
        "Extra unit: every {sku} of these orders is already checked. Set it aside."
    ),
    "pack.nothing_open": N_(
        "Nothing is open at this bench. Scan a pick list, a tote or an order first."
    ),
    "pack.list_open": N_("{code} open: {n} orders, {units} units to check. Scan the units."),
    "pack.order_not_picked": N_("{order} is {status}, not picked yet: it cannot be packed."),
    "pack.order_shipped": N_("{order} shipped ({waybill})."),
    "pack.not_a_list_code": N_("{code} is not a pick list code."),
    "pack.no_such_list": N_("There is no pick list {code}."),
    "pack.list_still_picking": N_(
        "{code} is still being picked ({who}). Pack it when it is picked."
    ),
    "pack.list_nothing_left": N_("{code} has no order left to pack ({states})."),
    "pack.set_aside_held": N_("Set aside the units of {orders} (exception: {why})."),
    "pack.tote_without_list": N_("Tote {tote} belongs to no pick list. Scan the list or an order."),
    "pack.no_such_order": N_("There is no order {order}."),
    "pack.order_open": N_("{order} open at this bench. Scan its units."),
    "pack.order_packed": N_("{order} is packed: scan its waybill label to ship it."),
    "pack.order_shipped_at": N_("{order} was shipped at {at}."),
    "pack.order_in_exception": N_(
        "{order} is in the exception queue ({why}). Set it aside for a supervisor."
    ),
    "pack.void_label": N_("VOID label {waybill} ({order}): do not ship it. Peel it off."),
    "pack.pull_intercepted": N_(
        "INTERCEPTED: pull {orders} out of the tote and give it to the supervisor."
    ),
    "pack.intercepted": N_(
        "INTERCEPTED {order} ({waybill}): do not ship it. Pull the parcel for the supervisor."
    ),
    "pack.parcel_shipped_already": N_("{waybill} ({order}) was shipped already at {at}."),
    "pack.order_not_packed": N_("{order} is not packed yet: check its units before it ships."),
    "pack.parcel_out": N_("{waybill} out ({n}/{m} of {order}). Scan the next parcel's label."),
    "pack.opened": N_("{code} opened. {message}"),
    "pack.nobody_yet": N_("nobody yet"),
    "pack.unit_counted_already": N_("that unit was counted already"),
    "pack.all_checked": N_("All units checked: type the weight."),
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
    # printers: what a print worker met, kept with the job (``where`` is a printer notice)
    "printer.doing.other": N_("while {doing}"),
    "printer.where.tcp": N_("printer at {host}:{port}"),
    "printer.where.serial": N_("printer on serial port {path}"),
    "printer.where.usb": N_("USB printer {vendor:04x}:{product:04x}"),
    "printer.where.spool_file": N_("label spool file {path}"),
    "printer.where.folder": N_("label folder {path}"),
    "printer.not_open": N_("{where} is not connected (open it first)"),
    "printer.unknown_host": N_(
        "printer host name {host!r} is unknown — check the printer URL and the DNS"
    ),
    "printer.refused": N_(
        "{where} refused the connection — is it switched on and on the network, and is {port} its raw printing port?"
    ),
    "printer.connect_timeout": N_(
        "{where} did not answer within {connect_timeout:g} s — is it switched on, is the cable in and is the address right?"
    ),
    "printer.write_timeout": N_(
        "{where} stopped taking data for {write_timeout:g} s — check for a paper jam, an open cover or a paused printer; the label may be cut short, reprint it"
    ),
    "printer.closed": N_(
        "{where} closed the connection {doing_text} — it may have been switched off or restarted; reprint the label"
    ),
    "printer.unreachable": N_(
        "{where} cannot be reached ({strerror}) — check the network cable or Wi-Fi of the printer and of this server"
    ),
    "printer.not_found": N_(
        "{where} does not exist — is the printer plugged in and switched on, and is the path in the printer URL right?"
    ),
    "printer.gone": N_(
        "{where} went away {doing_text} ({strerror}) — was it unplugged or switched off? Reprint the label"
    ),
    "printer.no_permission": N_(
        "no permission to use {where} — add the wareterm user to the group that owns it (often 'lp' or 'dialout')"
    ),
    "printer.busy": N_("{where} is in use by another program — close that program"),
    "printer.disk_full": N_("{where}: the disk is full"),
    "printer.serial_gone": N_(
        "{where} went away {doing_text} ({exc}) — was the cable or the USB-serial adapter unplugged? Reprint the label"
    ),
    "printer.usb_missing": N_(
        "{where}: USB printing needs {what} — install it (pip install pyusb; apt-get install libusb-1.0-0), or use the printer's device node with a file:///dev/usb/lp0 URL"
    ),
    "printer.where.device": N_("printer device {path}"),
    "printer.stopped_answering": N_(
        "{where} answered status queries before but does not now (jammed or stalled?); the label was not sent. If another printer that cannot answer them took its place, restart the print worker"
    ),
    "printer.refused_state": N_("{where} {what}; the label was not sent"),
    "printer.not_answering": N_(
        "{where} is not answering ({strerror}) — is the printer switched on and its cable in?"
    ),
    "printer.closed_during_status": N_(
        "{where} closed the connection while being asked for its status"
    ),
    "printer.cannot_open": N_("{where} cannot be opened: {exc}"),
    "printer.path_is_folder": N_("{path} is a directory, not a printer or a file"),
    "printer.no_folder": N_("{where} cannot be created: the folder {dirname} does not exist"),
    "printer.path_is_file": N_("{path} is a file, not a folder for labels"),
    "printer.usb_absent": N_(
        "no {where} is plugged in — check the cable and that the printer is switched on"
    ),
    "printer.where.simulated": N_("simulated printer"),
    "printer.doing.connect": N_("while connecting"),
    "printer.doing.send": N_("in the middle of a label"),
    "printer.doing.status": N_("while being asked for its status"),
    "printer.needs.pyusb": N_("the pyusb package"),
    "printer.needs.libusb": N_("the libusb library"),
    "printer.state.paper_out": N_("is out of paper — load a new roll"),
    "printer.state.cover_open": N_("has its cover open — close it"),
    "printer.state.offline": N_(
        "is offline — check for a paper jam or an error light, then press its feed or reset button"
    ),
    # print jobs
    "print.worker_stopped_while_sending": N_(
        "the print worker stopped while sending: check whether the label came out, then retry"
        " or reprint it"
    ),
    "print.no_station": N_("there is no station {station}: add it (wareterm stations add)"),
    "print.no_printer": N_("station {station} has no printer URL: set one (wareterm stations add)"),
    "print.dropped_before_confirm": N_(
        "{where} dropped the connection before confirming the label (it may be cut short); it is sent again"
    ),
    "print.cannot_draw": N_("cannot draw the label: {error}"),
}

#: Parameters: values, or notices said inside another (a printer named in a sentence).
Params = Mapping[str, object]


class Notice(str):
    """A message in the current language that keeps its ``code`` and ``params`` (so it can be
    stored and said again in another language)."""

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, params: Params, text: str) -> Notice:
        notice = super().__new__(cls, text)
        notice.code = code
        notice.params = dict(params)
        return notice

    def __reduce__(self) -> tuple[object, ...]:
        # Kept whole across processes (a print worker's errors travel pickled).
        return (Notice, (self.code, self.params, str(self)))

    def again(self) -> str:
        """The message in the language spoken now."""
        return render(self.code, self.params)

    def english(self) -> str:
        """The message in English (kept beside the code for tools that read the table)."""
        return render(self.code, self.params, english=True)

    def stored(self) -> tuple[str, str]:
        """The code and the parameters as JSON, as ``data/`` keeps them."""
        return self.code, json.dumps(_plain(self.params), ensure_ascii=False, sort_keys=True)


def _plain(params: Params) -> dict[str, object]:
    """Parameters as JSON can keep them: a notice inside becomes its code and parameters."""
    plain: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, Notice):
            plain[key] = {"notice": value.code, "params": _plain(value.params)}
        elif value is None or isinstance(value, str | int | float):
            plain[key] = value
        else:
            plain[key] = str(value)  # a path, say: kept as the text it was shown as
    return plain


def _said(params: Params, english: bool) -> dict[str, object]:
    """Parameters with every notice inside said again (in English, or the current language)."""
    said: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, Notice):
            said[key] = render(value.code, value.params, english=english)
        elif isinstance(value, dict) and value.get("notice") in NOTICES:
            inner = value.get("params")
            said[key] = render(
                str(value["notice"]), inner if isinstance(inner, dict) else {}, english=english
            )
        else:
            said[key] = _readable(key, value, english)
    return said


def _readable(key: str, value: object, english: bool = False) -> object:
    """A parameter as the reader reads it: a status, kind, role or reason code as a word in
    their language, a stored time (ISO) in site time. Anything else as it is."""
    from core import timefmt, words

    if not isinstance(value, str) or not value:
        return value
    word = {
        "status": words.status,
        "kind": words.code_kind,
        "role": words.role,
        "reason": words.reason,
        "verdict": words.verdict,
        "priority": words.priority,
    }.get(key)
    if word is not None:
        return word(value, english=english)
    if key in ("at", "since", "time") and value[:4].isdigit() and "T" in value:
        from core.clock import from_iso

        try:
            return timefmt.stamp(from_iso(value))
        except ValueError:
            return value
    return value


def render(code: str, params: Params, english: bool = False) -> str:
    """A registered message in the current language (or in English)."""
    msgid = NOTICES[code]
    return (msgid if english else _(msgid)).format(**_said(params, english))


def notice(code: str, /, **params: object) -> Notice:
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
