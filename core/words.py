"""Codes people read, as words in the reader's language.

Statuses, priorities, verdicts, roles, problems and the other codes of the domain stay English
codes in the database, in reports' data and in ``--json``; a screen, a CLI table or a message
shows the word for the code from here, translated when it is drawn (so a language switched at
the login screen shows at once). A code this module does not know is shown as it is."""

from __future__ import annotations

from collections.abc import Callable

from core.i18n import N_, _


def _order_statuses() -> dict[str, str]:
    return {
        "received": N_("received"),
        "review": N_("in review"),
        "on_hold": N_("on hold"),
        "released": N_("released"),
        "allocated": N_("allocated"),
        "backordered": N_("backordered"),
        "picking": N_("picking"),
        "picked": N_("picked"),
        "packing": N_("packing"),
        "packed": N_("packed"),
        "shipped": N_("shipped"),
        "in_transit": N_("in transit"),
        "delivered": N_("delivered"),
        "cancelled": N_("cancelled"),
        "returned": N_("returned"),
        "intercepted": N_("intercepted"),
        "exception": N_("exception"),
        "merged": N_("merged"),
    }


def _priorities() -> dict[str, str]:
    return {"rush": N_("rush"), "standard": N_("standard"), "deferred": N_("deferred")}


def _verdicts() -> dict[str, str]:
    return {
        "ok": N_("ok"),
        "location_ok": N_("bin ok"),
        "tote_ok": N_("tote ok"),
        "wrong_item": N_("wrong item"),
        "over_pick": N_("over-pick"),
        "extra_unit": N_("extra unit"),
        "unknown_code": N_("unknown code"),
        "not_expected": N_("not expected"),
        "wrong_location": N_("wrong bin"),
        "location_required": N_("bin first"),
        "bad_scan": N_("bad scan"),
    }


def _roles() -> dict[str, str]:
    return {
        "picker": N_("picker"),
        "packer": N_("packer"),
        "supervisor": N_("supervisor"),
        "admin": N_("admin"),
    }


def _problems() -> dict[str, str]:
    return {
        "unknown_sku": N_("unknown SKU"),
        "incomplete_address": N_("address incomplete"),
        "masked_recipient": N_("recipient masked"),
        "bad_phone": N_("phone wrong"),
        "unpaid": N_("unpaid"),
        "payment_failed": N_("payment failed"),
        "blacklisted": N_("blacklisted"),
    }


def _customer_classes() -> dict[str, str]:
    return {
        "new": N_("new customer"),
        "returning": N_("returning customer"),
        "vip": N_("VIP"),
        "blacklist": N_("blacklisted"),
    }


def _payments() -> dict[str, str]:
    return {"paid": N_("paid"), "pending": N_("payment pending"), "failed": N_("payment failed")}


def _print_jobs() -> dict[str, str]:
    return {
        "queued": N_("queued"),
        "sending": N_("sending"),
        "done": N_("printed"),
        "failed": N_("failed"),
        "uncertain": N_("uncertain"),
        "cancelled": N_("cancelled"),
    }


def _shipments() -> dict[str, str]:
    return {
        "labelled": N_("labelled"),
        "packed": N_("packed"),
        "shipped": N_("shipped"),
        "void": N_("void"),
        "in_transit": N_("in transit"),
        "delivered": N_("delivered"),
    }


def _pick_lists() -> dict[str, str]:
    return {
        "released": N_("waiting"),
        "picking": N_("picking"),
        "picked": N_("picked"),
        "cancelled": N_("cancelled"),
    }


def _reasons() -> dict[str, str]:
    return {
        "not_found": N_("not found"),
        "damaged": N_("damaged"),
        "short_stock": N_("short stock"),
        "too_close_to_expiry": N_("lot too close to expiry"),
        "expired": N_("expired"),
        "not_in_tote": N_("not in tote"),
        "mismatch": N_("mismatch"),
    }


def _zones() -> dict[str, str]:
    return {
        "local": N_("local"),
        "regional": N_("regional"),
        "national": N_("national"),
        "remote": N_("remote"),
        "international": N_("international"),
    }


def _printer_states() -> dict[str, str]:
    return {
        "ready": N_("ready"),
        "offline": N_("offline"),
        "paper_out": N_("paper out"),
        "paper_low": N_("paper low"),
        "cover_open": N_("cover open"),
        "unknown": N_("unknown"),
    }


def _code_kinds() -> dict[str, str]:
    return {
        "product": N_("product"),
        "location": N_("bin"),
        "tote": N_("tote"),
        "picklist": N_("pick list"),
        "order": N_("order"),
        "user": N_("badge"),
        "unknown": N_("unknown"),
    }


def _tasks() -> dict[str, str]:
    return {"pick": N_("pick"), "pack": N_("pack check"), "ship": N_("ship")}


def _scanner_states() -> dict[str, str]:
    return {
        "connecting": N_("connecting"),
        "connected": N_("connected"),
        "disconnected": N_("disconnected"),
        "held": N_("held"),
        "stopped": N_("stopped"),
        "unknown": N_("unknown"),
    }


def _word(table: Callable[[], dict[str, str]]) -> Callable[..., str]:
    def word(code: object, english: bool = False) -> str:
        text = "" if code is None else str(code)
        msgid = table().get(text)
        if msgid is None:
            return text
        return msgid if english else _(msgid)

    word.__doc__ = f"The word for a code of {table.__name__.strip('_')} (the code if unknown)."
    return word


def status(code: object, english: bool = False) -> str:
    """The word for any status code (order, print job, shipment), for listings that mix them."""
    text = "" if code is None else str(code)
    for table in (_order_statuses, _print_jobs, _shipments):
        found = table().get(text)
        if found is not None:
            return found if english else _(found)
    return text


order_status = _word(_order_statuses)
priority = _word(_priorities)
verdict = _word(_verdicts)
role = _word(_roles)
problem = _word(_problems)
payment = _word(_payments)
customer_class = _word(_customer_classes)
print_job = _word(_print_jobs)
shipment = _word(_shipments)
pick_list = _word(_pick_lists)
reason = _word(_reasons)
zone = _word(_zones)
printer_state = _word(_printer_states)
scanner_state = _word(_scanner_states)
task = _word(_tasks)
code_kind = _word(_code_kinds)


def count_scope(scope: object) -> str:
    """A count task's stored scope (``bins A-01:A-09``, ``sku S``, ``moved 7d``, ``abc A 90d``,
    ``flagged``) in the reader's language; a scope of another shape is shown as stored."""
    text = "" if scope is None else str(scope)
    kind, _sep, rest = text.partition(" ")
    parts = rest.split()
    if kind == "bins" and rest:
        return _("bins {range}").format(range=rest)
    if kind == "sku" and rest:
        return _("SKU {sku}").format(sku=rest)
    if kind == "moved" and rest.endswith("d") and rest[:-1].isdigit():
        return _("moved in {days} days").format(days=rest[:-1])
    if kind == "abc" and len(parts) == 2 and parts[1].endswith("d"):
        return _("class {klass} ({days} days shipped)").format(klass=parts[0], days=parts[1][:-1])
    if text == "flagged":
        return _("bins flagged by short picks")
    return text
