"""Who may do what: the permission table the services check before every action.

Hiding a key is not enough: a session reaches the services through the floor port, and the
services ask this table with the role stored for the user, so a picker's session cannot cancel
an order or release a hold by any route.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import NotAllowed
from core.i18n import N_, _
from core.model import Role


class Permission(StrEnum):
    """An action a role may be allowed to perform."""

    PICK = "pick"
    PACK = "pack"
    REPRINT = "reprint"
    BATCH_PRINT = "batch_print"
    OVERSEE = "oversee"
    RELEASE_HOLD = "release_hold"
    CANCEL_ORDER = "cancel_order"
    RELEASE_WAVE = "release_wave"
    REASSIGN = "reassign"
    MANAGE_PRINT = "manage_print"
    IMPORT = "import"
    CONFIGURE = "configure"
    MOVE_STOCK = "move_stock"
    RECEIVE = "receive"
    COUNT = "count"
    REPLENISH = "replenish"
    RECEIVE_RETURN = "receive_return"
    APPROVE_RETURN = "approve_return"


_FLOOR = frozenset({Role.PICKER, Role.PACKER, Role.SUPERVISOR, Role.ADMIN})
_BENCH = frozenset({Role.PACKER, Role.SUPERVISOR, Role.ADMIN})
_OFFICE = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

#: The roles allowed each permission. Packers may pick (small sites share the work); only
#: supervisors and admins change what the floor is asked to do.
ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.PICK: _FLOOR,
    Permission.PACK: _BENCH,
    Permission.REPRINT: _BENCH,
    Permission.BATCH_PRINT: _BENCH,
    Permission.OVERSEE: _OFFICE,
    Permission.RELEASE_HOLD: _OFFICE,
    Permission.CANCEL_ORDER: _OFFICE,
    Permission.RELEASE_WAVE: _OFFICE,
    Permission.REASSIGN: _OFFICE,
    Permission.MANAGE_PRINT: _OFFICE,
    Permission.IMPORT: _ADMIN,
    Permission.CONFIGURE: _ADMIN,
    Permission.MOVE_STOCK: _OFFICE,
    Permission.RECEIVE: _FLOOR,
    Permission.COUNT: _FLOOR,
    # a replenishment is the move the rules propose, reserve to pick face: floor work; any
    # other move (and bin kinds, maxima, minima) stays the office's
    Permission.REPLENISH: _FLOOR,
    # returns are received at the bench; linking a parcel, writing units off and intercepts
    # change the books or the floor, so they are the office's
    Permission.RECEIVE_RETURN: _BENCH,
    Permission.APPROVE_RETURN: _OFFICE,
}

_WORDS: dict[Permission, str] = {
    Permission.PICK: N_("pick"),
    Permission.PACK: N_("pack and ship"),
    Permission.REPRINT: N_("reprint labels"),
    Permission.BATCH_PRINT: N_("print a wave's labels"),
    Permission.OVERSEE: N_("open the supervisor's screens"),
    Permission.RELEASE_HOLD: N_("release held orders"),
    Permission.CANCEL_ORDER: N_("cancel orders"),
    Permission.RELEASE_WAVE: N_("release waves"),
    Permission.REASSIGN: N_("reassign pick lists"),
    Permission.MANAGE_PRINT: N_("retry or cancel print jobs"),
    Permission.IMPORT: N_("import data"),
    Permission.CONFIGURE: N_("change the configuration"),
    Permission.MOVE_STOCK: N_("move stock between bins"),
    Permission.RECEIVE: N_("receive and put away stock"),
    Permission.COUNT: N_("count bins"),
    Permission.REPLENISH: N_("replenish pick faces"),
    Permission.RECEIVE_RETURN: N_("receive returns"),
    Permission.APPROVE_RETURN: N_("link, write off or intercept after-sales parcels"),
}


def may(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may perform ``permission``."""
    return role in ALLOWED[permission]


#: What supervisors and admins alone may do: changing what the floor is asked to do, and the
#: site itself. Derived from the table, so a permission added for them needs the PIN too.
OFFICE_WORK: frozenset[Permission] = frozenset(
    permission for permission, roles in ALLOWED.items() if roles <= _OFFICE
)


def badge_may_open(role: Role) -> bool:
    """Whether a badge scan alone (no PIN) may open a session for ``role``. A badge is a
    printed code anyone can copy or type, so it opens only floor work (picking, packing, and
    receiving or stock work): a role that may do any of :data:`OFFICE_WORK` needs its PIN."""
    return not any(may(role, permission) for permission in OFFICE_WORK)


def require(user: str, role: Role | None, permission: Permission) -> Role:
    """The role, if it may perform ``permission``; else NotAllowed with words a person reads.
    ``role`` None means the user is unknown (or inactive)."""
    if role is None:
        raise NotAllowed(_("{user} is not an active user here.").format(user=user))
    if not may(role, permission):
        allowed = ", ".join(sorted(r.value for r in ALLOWED[permission]))
        raise NotAllowed(
            _("{user} ({role}) may not {action}; that needs: {allowed}.").format(
                user=user, role=role.value, action=_(_WORDS[permission]), allowed=allowed
            )
        )
    return role
