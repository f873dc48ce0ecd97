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
    # two messages said one after the other (a language may join them without a space)
    "join.sentences": N_("{first} {second}"),
    # the packing bench (``what`` and ``why`` may be notices themselves)
    "pack.wrong_item_sku_in_none_these_orders_set": N_(
        "Wrong item: {sku} is in none of these orders. Set it aside."
    ),
    "pack.unreadable_code_code_scan_item_s_barcode": N_(
        "Unreadable code {code}. Scan the item's barcode again, or type it."
    ),
    "pack.kind_label_not_checked_here_scan_items_o": N_(
        "A {kind} label is not checked here. Scan the items of the order."
    ),
    "pack.code_not_in_catalog_set_aside_call_super": N_(
        "{code} is not in the catalog. Set it aside and call a supervisor."
    ),
    "pack.sku_order_no_packed_qty": N_("{sku} → {order_no}  {packed}/{qty}"),
    "pack.extra_unit_every_sku_these_orders_alread": N_(
        "Extra unit: every {sku} of these orders is already checked. Set it aside."
    ),
    "pack.nothing_open_at_this_bench_scan_pick_lis": N_(
        "Nothing is open at this bench. Scan a pick list, a tote or an order first."
    ),
    "pack.code_open_n_orders_units_units_check_sca": N_(
        "{code} open: {n} orders, {units} units to check. Scan the units."
    ),
    "pack.order_status_not_picked_yet_cannot_be_pa": N_(
        "{order} is {status}, not picked yet: it cannot be packed."
    ),
    "pack.order_shipped_waybill": N_("{order} shipped ({waybill})."),
    "pack.code_not_pick_list_code": N_("{code} is not a pick list code."),
    "pack.there_no_pick_list_code": N_("There is no pick list {code}."),
    "pack.code_still_being_picked_who_pack_when_pi": N_(
        "{code} is still being picked ({who}). Pack it when it is picked."
    ),
    "pack.code_has_no_order_left_pack_states": N_("{code} has no order left to pack ({states})."),
    "pack.set_aside_units_orders_exception_why": N_(
        "Set aside the units of {orders} (exception: {why})."
    ),
    "pack.tote_tote_belongs_no_pick_list_scan_list": N_(
        "Tote {tote} belongs to no pick list. Scan the list or an order."
    ),
    "pack.there_no_order_order": N_("There is no order {order}."),
    "pack.order_open_at_this_bench_scan_units": N_("{order} open at this bench. Scan its units."),
    "pack.order_packed_scan_waybill_label_ship": N_(
        "{order} is packed: scan its waybill label to ship it."
    ),
    "pack.order_shipped_at_at": N_("{order} was shipped at {at}."),
    "pack.order_in_exception_queue_why_set_aside_f": N_(
        "{order} is in the exception queue ({why}). Set it aside for a supervisor."
    ),
    "pack.void_label_waybill_order_do_not_ship_pee": N_(
        "VOID label {waybill} ({order}): do not ship it. Peel it off."
    ),
    "pack.waybill_order_shipped_already_at_at": N_(
        "{waybill} ({order}) was shipped already at {at}."
    ),
    "pack.order_not_packed_yet_check_units_before": N_(
        "{order} is not packed yet: check its units before it ships."
    ),
    "pack.waybill_out_n_m_order_scan_next_parcel_s": N_(
        "{waybill} out ({n}/{m} of {order}). Scan the next parcel's label."
    ),
    "pack.code_opened": N_("{code} opened. {message}"),
    "pack.nobody_yet": N_("nobody yet"),
    "pack.that_unit_counted_already": N_("that unit was counted already"),
    "pack.all_units_checked_type_weight": N_("All units checked: type the weight."),
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
    "printer.while_doing": N_("while {doing}"),
    "printer.printer_at_host_port": N_("printer at {host}:{port}"),
    "printer.printer_on_serial_port_path": N_("printer on serial port {path}"),
    "printer.usb_printer_vendor_x_product_x": N_("USB printer {vendor:04x}:{product:04x}"),
    "printer.label_spool_file_path": N_("label spool file {path}"),
    "printer.label_folder_path": N_("label folder {path}"),
    "printer.not_connected_open_first": N_("{where} is not connected (open it first)"),
    "printer.printer_host_name_host_r_unknown_check_p": N_(
        "printer host name {host!r} is unknown — check the printer URL and the DNS"
    ),
    "printer.refused_connection_switched_on_on_networ": N_(
        "{where} refused the connection — is it switched on and on the network, and is {port} its raw printing port?"
    ),
    "printer.did_not_answer_within_connect_timeout_g": N_(
        "{where} did not answer within {connect_timeout:g} s — is it switched on, is the cable in and is the address right?"
    ),
    "printer.stopped_taking_data_for_write_timeout_g": N_(
        "{where} stopped taking data for {write_timeout:g} s — check for a paper jam, an open cover or a paused printer; the label may be cut short, reprint it"
    ),
    "printer.closed_connection_doing_text_may_have_be": N_(
        "{where} closed the connection {doing_text} — it may have been switched off or restarted; reprint the label"
    ),
    "printer.cannot_be_reached_strerror_check_network": N_(
        "{where} cannot be reached ({strerror}) — check the network cable or Wi-Fi of the printer and of this server"
    ),
    "printer.does_not_exist_printer_plugged_in_switch": N_(
        "{where} does not exist — is the printer plugged in and switched on, and is the path in the printer URL right?"
    ),
    "printer.went_away_doing_text_strerror_unplugged": N_(
        "{where} went away {doing_text} ({strerror}) — was it unplugged or switched off? Reprint the label"
    ),
    "printer.no_permission_use_add_wareterm_user_grou": N_(
        "no permission to use {where} — add the wareterm user to the group that owns it (often 'lp' or 'dialout')"
    ),
    "printer.in_use_by_another_program_close_that_pro": N_(
        "{where} is in use by another program — close that program"
    ),
    "printer.disk_full": N_("{where}: the disk is full"),
    "printer.went_away_doing_text_exc_cable_usb_seria": N_(
        "{where} went away {doing_text} ({exc}) — was the cable or the USB-serial adapter unplugged? Reprint the label"
    ),
    "printer.usb_printing_needs_what_install_pip_inst": N_(
        "{where}: USB printing needs {what} — install it (pip install pyusb; apt-get install libusb-1.0-0), or use the printer's device node with a file:///dev/usb/lp0 URL"
    ),
    "printer.printer_device_path": N_("printer device {path}"),
    "printer.answered_status_queries_before_but_does": N_(
        "{where} answered status queries before but does not now (jammed or stalled?); the label was not sent. If another printer that cannot answer them took its place, restart the print worker"
    ),
    "printer.what_label_not_sent": N_("{where} {what}; the label was not sent"),
    "printer.not_answering_strerror_printer_switched": N_(
        "{where} is not answering ({strerror}) — is the printer switched on and its cable in?"
    ),
    "printer.closed_connection_while_being_asked_for": N_(
        "{where} closed the connection while being asked for its status"
    ),
    "printer.cannot_be_opened_exc": N_("{where} cannot be opened: {exc}"),
    "printer.path_directory_not_printer_file": N_("{path} is a directory, not a printer or a file"),
    "printer.cannot_be_created_folder_dirname_does_no": N_(
        "{where} cannot be created: the folder {dirname} does not exist"
    ),
    "printer.path_file_not_folder_for_labels": N_("{path} is a file, not a folder for labels"),
    "printer.no_plugged_in_check_cable_that_printer_s": N_(
        "no {where} is plugged in — check the cable and that the printer is switched on"
    ),
    "printer.simulated_printer": N_("simulated printer"),
    "printer.while_connecting": N_("while connecting"),
    "printer.in_middle_label": N_("in the middle of a label"),
    "printer.while_being_asked_for_status": N_("while being asked for its status"),
    "printer.pyusb_package": N_("the pyusb package"),
    "printer.libusb_library": N_("the libusb library"),
    "printer.out_paper_load_new_roll": N_("is out of paper — load a new roll"),
    "printer.has_cover_open_close": N_("has its cover open — close it"),
    "printer.offline_check_for_paper_jam_error_light": N_(
        "is offline — check for a paper jam or an error light, then press its feed or reset button"
    ),
    # print jobs
    "print.worker_stopped_while_sending": N_(
        "the print worker stopped while sending: check whether the label came out, then retry"
        " or reprint it"
    ),
    "print.there_no_station_station_add_wareterm_st": N_(
        "there is no station {station}: add it (wareterm stations add)"
    ),
    "print.station_station_has_no_printer_url_set_o": N_(
        "station {station} has no printer URL: set one (wareterm stations add)"
    ),
    "print.dropped_connection_before_confirming_lab": N_(
        "{where} dropped the connection before confirming the label (it may be cut short); it is sent again"
    ),
    "print.cannot_draw_label_error": N_("cannot draw the label: {error}"),
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
            said[key] = value
    return said


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
