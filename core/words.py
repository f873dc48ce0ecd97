"""Codes people read, as words in the reader's language.

Statuses, priorities, verdicts, roles, problems and the other codes of the domain stay English
codes in the database, in reports' data and in ``--json``; a screen, a CLI table or a message
shows the word for the code from here, translated when it is drawn (so a language switched at
the login screen shows at once). A code this module does not know is shown as it is."""

from __future__ import annotations

from collections.abc import Callable

from core.i18n import _


def _order_statuses() -> dict[str, str]:
    return {
        "received": _("received"),
        "review": _("in review"),
        "on_hold": _("on hold"),
        "released": _("released"),
        "allocated": _("allocated"),
        "backordered": _("backordered"),
        "picking": _("picking"),
        "picked": _("picked"),
        "packing": _("packing"),
        "packed": _("packed"),
        "shipped": _("shipped"),
        "in_transit": _("in transit"),
        "delivered": _("delivered"),
        "cancelled": _("cancelled"),
        "returned": _("returned"),
        "intercepted": _("intercepted"),
        "exception": _("exception"),
    }


def _priorities() -> dict[str, str]:
    return {"rush": _("rush"), "standard": _("standard"), "deferred": _("deferred")}


def _verdicts() -> dict[str, str]:
    return {
        "ok": _("ok"),
        "location_ok": _("bin ok"),
        "tote_ok": _("tote ok"),
        "wrong_item": _("wrong item"),
        "over_pick": _("over-pick"),
        "extra_unit": _("extra unit"),
        "unknown_code": _("unknown code"),
        "not_expected": _("not expected"),
        "wrong_location": _("wrong bin"),
        "location_required": _("bin first"),
        "bad_scan": _("bad scan"),
    }


def _roles() -> dict[str, str]:
    return {
        "picker": _("picker"),
        "packer": _("packer"),
        "supervisor": _("supervisor"),
        "admin": _("admin"),
    }


def _problems() -> dict[str, str]:
    return {
        "unknown_sku": _("unknown SKU"),
        "incomplete_address": _("address incomplete"),
        "bad_phone": _("phone wrong"),
        "unpaid": _("unpaid"),
        "payment_failed": _("payment failed"),
    }


def _payments() -> dict[str, str]:
    return {"paid": _("paid"), "pending": _("payment pending"), "failed": _("payment failed")}


def _print_jobs() -> dict[str, str]:
    return {
        "queued": _("queued"),
        "sending": _("sending"),
        "done": _("printed"),
        "failed": _("failed"),
        "uncertain": _("uncertain"),
        "cancelled": _("cancelled"),
    }


def _shipments() -> dict[str, str]:
    return {
        "labelled": _("labelled"),
        "packed": _("packed"),
        "shipped": _("shipped"),
        "void": _("void"),
        "in_transit": _("in transit"),
        "delivered": _("delivered"),
    }


def _pick_lists() -> dict[str, str]:
    return {
        "released": _("waiting"),
        "picking": _("picking"),
        "picked": _("picked"),
        "cancelled": _("cancelled"),
    }


def _reasons() -> dict[str, str]:
    return {
        "not_found": _("not found"),
        "damaged": _("damaged"),
        "short_stock": _("short stock"),
        "not_in_tote": _("not in tote"),
        "mismatch": _("mismatch"),
    }


def _zones() -> dict[str, str]:
    return {
        "local": _("local"),
        "regional": _("regional"),
        "national": _("national"),
        "remote": _("remote"),
        "international": _("international"),
    }


def _printer_states() -> dict[str, str]:
    return {
        "ready": _("ready"),
        "offline": _("offline"),
        "paper_out": _("paper out"),
        "paper_low": _("paper low"),
        "cover_open": _("cover open"),
        "unknown": _("unknown"),
    }


def _code_kinds() -> dict[str, str]:
    return {
        "product": _("product"),
        "location": _("bin"),
        "tote": _("tote"),
        "picklist": _("pick list"),
        "order": _("order"),
        "user": _("badge"),
        "unknown": _("unknown"),
    }


def _tasks() -> dict[str, str]:
    return {"pick": _("pick"), "pack": _("pack check"), "ship": _("ship")}


def _scanner_states() -> dict[str, str]:
    return {
        "connecting": _("connecting"),
        "connected": _("connected"),
        "disconnected": _("disconnected"),
        "held": _("held"),
        "stopped": _("stopped"),
        "unknown": _("unknown"),
    }


def _word(table: Callable[[], dict[str, str]]) -> Callable[[object], str]:
    def word(code: object) -> str:
        text = "" if code is None else str(code)
        return table().get(text, text)

    word.__doc__ = f"The word for a code of {table.__name__.strip('_')} (the code if unknown)."
    return word


def status(code: object) -> str:
    """The word for any status code (order, print job, shipment), for listings that mix them."""
    text = "" if code is None else str(code)
    for table in (_order_statuses, _print_jobs, _shipments):
        found = table().get(text)
        if found is not None:
            return found
    return text


order_status = _word(_order_statuses)
priority = _word(_priorities)
verdict = _word(_verdicts)
role = _word(_roles)
problem = _word(_problems)
payment = _word(_payments)
print_job = _word(_print_jobs)
shipment = _word(_shipments)
pick_list = _word(_pick_lists)
reason = _word(_reasons)
zone = _word(_zones)
printer_state = _word(_printer_states)
scanner_state = _word(_scanner_states)
task = _word(_tasks)
code_kind = _word(_code_kinds)
