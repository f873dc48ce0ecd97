"""The permission table: who may do what."""

from __future__ import annotations

import pytest

from core.errors import NotAllowed
from core.model import Role
from core.roles import ALLOWED, Permission, may, require


def test_every_permission_has_roles_and_admin_may_do_everything() -> None:
    assert set(ALLOWED) == set(Permission)
    assert all(may(Role.ADMIN, permission) for permission in Permission)


@pytest.mark.parametrize(
    "permission",
    [Permission.CANCEL_ORDER, Permission.RELEASE_HOLD, Permission.RELEASE_WAVE, Permission.OVERSEE],
)
def test_pickers_and_packers_cannot_steer_the_floor(permission: Permission) -> None:
    assert not may(Role.PICKER, permission)
    assert not may(Role.PACKER, permission)
    assert may(Role.SUPERVISOR, permission)


def test_the_bench_is_for_packers_not_pickers() -> None:
    assert may(Role.PACKER, Permission.PACK)
    assert not may(Role.PICKER, Permission.PACK)
    assert may(Role.PICKER, Permission.PICK)
    assert not may(Role.SUPERVISOR, Permission.CONFIGURE)


def test_require_names_the_user_the_role_and_who_may() -> None:
    with pytest.raises(NotAllowed, match=r"li\.na \(picker\) may not cancel orders.*supervisor"):
        require("li.na", Role.PICKER, Permission.CANCEL_ORDER)
    with pytest.raises(NotAllowed, match="not an active user"):
        require("ghost", None, Permission.PICK)
    assert require("zhao.min", Role.SUPERVISOR, Permission.CANCEL_ORDER) is Role.SUPERVISOR


def test_a_badge_alone_opens_floor_work_only() -> None:
    from core.roles import OFFICE_WORK, badge_may_open

    assert badge_may_open(Role.PICKER) and badge_may_open(Role.PACKER)
    assert not badge_may_open(Role.SUPERVISOR) and not badge_may_open(Role.ADMIN)
    # Every role that may do anything of the office's needs its PIN.
    for role in Role:
        if any(may(role, permission) for permission in OFFICE_WORK):
            assert not badge_may_open(role)
    assert Permission.OVERSEE in OFFICE_WORK and Permission.PICK not in OFFICE_WORK


def test_packers_receive_returns_and_only_the_office_approves_them() -> None:
    assert may(Role.PACKER, Permission.RECEIVE_RETURN)
    assert not may(Role.PICKER, Permission.RECEIVE_RETURN)
    assert not may(Role.PACKER, Permission.APPROVE_RETURN)
    assert may(Role.SUPERVISOR, Permission.APPROVE_RETURN)


def test_a_replenishment_is_floor_work_any_other_move_the_office_s() -> None:
    from core.roles import badge_may_open

    for role in (Role.PICKER, Role.PACKER):
        assert may(role, Permission.REPLENISH) and may(role, Permission.RECEIVE)
        assert may(role, Permission.COUNT) and not may(role, Permission.MOVE_STOCK)
        assert badge_may_open(role)
