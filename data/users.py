"""Users: adding them, and checking a PIN or badge at login."""

from __future__ import annotations

import re

from core.auth import hash_secret, verify_secret
from core.errors import NotAllowed, NotFound, Rejected
from core.i18n import _
from core.model import Role
from core.roles import Permission
from data.store import Actor, Store

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


def add_user(
    store: Store,
    actor: Actor,
    name: str,
    role: str,
    pin: str,
    station: str | None = None,
    language: str | None = None,
) -> None:
    """Create or update a user. ``language`` (``en``, ``zh_CN``) is the language their
    sessions speak; ``""`` falls back to the site's ``ui.language``, None keeps it. Names are lowercase (letters, digits, ``.``, ``_``, ``-``);
    PINs are 4–12 digits and stored only as a salted hash. ``station`` binds the user to a
    configured station (a handheld's user works at that handheld); ``""`` unbinds, ``None``
    keeps the binding as it is."""
    name = name.strip().lower()
    if not _NAME.match(name):
        raise Rejected(
            _("user name {name!r}: use 1–32 lowercase letters, digits, '.', '_' or '-'").format(
                name=name
            )
        )
    try:
        role_value = Role(role.lower())
    except ValueError:
        raise Rejected(
            _("unknown role {role!r} (use picker|packer|supervisor|admin)").format(role=role)
        ) from None
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise Rejected(_("PIN must be 4–12 digits"))
    language = _check_language(language)
    pin_hash = hash_secret(pin)
    station = station.strip().lower() if station is not None else None
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        if (
            station
            and not write.execute("SELECT 1 FROM stations WHERE name = ?", (station,)).fetchone()
        ):
            raise NotFound(
                _("no station {station!r}; add it first with `wareterm stations add`").format(
                    station=station
                )
            )
        existed = write.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
        write.execute(
            "INSERT INTO users (name, role, pin_hash, active, created_at) VALUES (?,?,?,1,?) "
            "ON CONFLICT (name) DO UPDATE SET role = excluded.role, pin_hash = excluded.pin_hash,"
            " active = 1",
            (name, role_value.value, pin_hash, write.now),
        )
        detail: dict[str, object] = {"role": role_value.value}
        if station is not None:
            write.execute("UPDATE users SET station = ? WHERE name = ?", (station or None, name))
            detail["station"] = station or None
        if language is not None:
            write.execute("UPDATE users SET language = ? WHERE name = ?", (language or None, name))
            detail["language"] = language or None
        write.audit("user.update" if existed else "user.add", name, **detail)


def _check_language(language: str | None) -> str | None:
    if not language:
        return language
    from data.settings import check_language

    return check_language(language)


def set_user(
    store: Store,
    actor: Actor,
    name: str,
    *,
    language: str | None = None,
    station: str | None = None,
) -> None:
    """Change what is given of an existing user (None: keep): their language (``""``: the
    site's) and their station binding (``""``: unbound)."""
    name = name.strip().lower()
    language = _check_language(language)
    station = station.strip().lower() if station is not None else None
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        if not write.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise NotFound(_("no user {name!r}").format(name=name))
        detail: dict[str, object] = {}
        if language is not None:
            write.execute("UPDATE users SET language = ? WHERE name = ?", (language or None, name))
            detail["language"] = language or None
        if station is not None:
            if (
                station
                and not write.execute(
                    "SELECT 1 FROM stations WHERE name = ?", (station,)
                ).fetchone()
            ):
                raise NotFound(
                    _("no station {station!r}; add it first with `wareterm stations add`").format(
                        station=station
                    )
                )
            write.execute("UPDATE users SET station = ? WHERE name = ?", (station or None, name))
            detail["station"] = station or None
        write.audit("user.update", name, **detail)


def language_of(store: Store, name: str) -> str:
    """The language a user's sessions speak: their own, else the site's ``ui.language``."""
    from data.settings import get

    own = store.scalar("SELECT language FROM users WHERE name = ?", (name.strip().lower(),))
    return str(own) if own else get(store, "ui.language")


def list_users(store: Store) -> list[dict[str, object]]:
    """Users without their secrets, with the station each is bound to (or None) and their
    language (None: the site's)."""
    return store.query(
        "SELECT name, role, station, language, active, created_at FROM users ORDER BY name"
    )


def bound_station(store: Store, name: str) -> str | None:
    """The station a user is bound to, if any."""
    value = store.scalar("SELECT station FROM users WHERE name = ?", (name.strip().lower(),))
    return str(value) if value else None


def check_login(store: Store, name: str, pin: str | None) -> Role:
    """The user's role if the PIN matches (``pin=None``: badge login, no PIN check)."""
    row = store.query(
        "SELECT role, pin_hash, active FROM users WHERE name = ?", (name.strip().lower(),)
    )
    if not row or not row[0]["active"]:
        raise NotAllowed(_("Unknown user {name!r}. Ask a supervisor.").format(name=name))
    if pin is not None and not verify_secret(pin, row[0]["pin_hash"]):
        raise NotAllowed(_("Wrong PIN for {name}. Try again.").format(name=name))
    return Role(row[0]["role"])


def role_of(store: Store, name: str) -> Role:
    """The role of a user."""
    row = store.query("SELECT role FROM users WHERE name = ?", (name,))
    if not row:
        raise NotFound(_("no user {name!r}").format(name=name))
    return Role(row[0]["role"])
