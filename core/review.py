"""Order review (审单): the checks an order passes before any stock moves."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.i18n import N_, _
from core.model import OrderDraft, PaymentStatus, Problem

#: Problems a supervisor may waive by releasing the hold; the others are facts to fix first.
WAIVABLE = frozenset({"unpaid", "payment_failed", "incomplete_address", "bad_phone", "blacklisted"})

_PHONE = re.compile(r"^\+?[0-9(][0-9 ()-]{5,19}$", re.ASCII)
#: What platforms put where a recipient is hidden from the seller: stars (陈**, 151****3175,
#: ****) or ciphertext (``##…``, ``$$…``, or a long token between # or $ marks).
_MASK = re.compile(r"\*|^##|^\$\$|^([#$])[A-Za-z0-9+/=_-]{12,}\1", re.ASCII)


def masked(text: str) -> bool:
    """Whether a recipient field is masked or encrypted by the platform, not a real value."""
    if "*" not in text and "#" not in text and "$" not in text:
        return False  # what every mask has (most fields have none of them)
    return _MASK.search(text.strip()) is not None


@dataclass(frozen=True)
class ReviewInput:
    """What review looks at: the order's header and the SKUs of its lines."""

    payment_status: PaymentStatus
    customer_name: str
    phone: str
    country: str
    province: str
    city: str
    address: str
    skus: tuple[str, ...]
    #: The shop keeps the customer on its blacklist (黑名单).
    blacklisted: bool = False

    @classmethod
    def of(cls, draft: OrderDraft, blacklisted: bool = False) -> ReviewInput:
        """The review view of an imported order."""
        return cls(
            payment_status=draft.payment_status,
            customer_name=draft.customer_name,
            phone=draft.phone,
            country=draft.country,
            province=draft.province,
            city=draft.city,
            address=draft.address,
            skus=tuple(line.sku for line in draft.lines),
            blacklisted=blacklisted,
        )


def review(
    order: ReviewInput, sku_known: Callable[[str], bool], waived: Iterable[str] = ()
) -> list[Problem]:
    """Every reason to hold the order: items first, then address, then payment.

    ``waived`` holds problem codes a supervisor already accepted when releasing the hold."""
    problems: list[Problem] = []
    unknown = sorted({sku for sku in order.skus if not sku_known(sku)})
    if unknown:
        problems.append(
            Problem(
                "unknown_sku",
                _("SKU not in the catalog: {skus}").format(skus=", ".join(unknown)),
            )
        )
    # Labels are translated only for the fields named (most orders name none).
    missing = [
        _(label)
        for label, value in (
            (N_("recipient name"), order.customer_name),
            (N_("phone"), order.phone),
            (N_("city"), order.city),
            (N_("street address"), order.address),
        )
        if not value.strip()
    ]
    if order.country == "CN" and not order.province.strip():
        missing.append(_("province"))
    if missing:
        detail = _("address incomplete: missing {fields}").format(fields=", ".join(missing))
        if order.address.strip() and not order.city.strip():
            # An address that could not be split into its divisions: show what was given.
            detail = _("{detail} (given: {address})").format(
                detail=detail, address=order.address.strip()[:120]
            )
        problems.append(Problem("incomplete_address", detail))
    hidden = [
        _(label)
        for label, value in (
            (N_("recipient name"), order.customer_name),
            (N_("phone"), order.phone),
            (N_("street address"), order.address),
        )
        if masked(value)
    ]
    if hidden:
        problems.append(
            Problem(
                "masked_recipient",
                _(
                    "the platform masked the {fields}: no label with masked text; import the "
                    "decrypted address (wareterm import addresses FILE), or ship it on the "
                    "platform's own waybill"
                ).format(fields=", ".join(hidden)),
            )
        )
    if order.phone.strip() and not masked(order.phone) and not _PHONE.match(order.phone.strip()):
        problems.append(
            Problem("bad_phone", _("phone number looks wrong: {phone!r}").format(phone=order.phone))
        )
    if order.blacklisted:
        problems.append(
            Problem(
                "blacklisted",
                _("the customer is on the shop's blacklist; check the order before releasing it"),
            )
        )
    if order.payment_status is PaymentStatus.PENDING:
        problems.append(Problem("unpaid", _("payment not confirmed by the channel")))
    elif order.payment_status is PaymentStatus.FAILED:
        problems.append(Problem("payment_failed", _("payment failed at the channel")))
    waived_codes = set(waived)
    return [problem for problem in problems if problem.code not in waived_codes]
