"""Users' SSH public keys: adding one from an OpenSSH ``.pub`` file, listing, removing, and
finding the key a client logs in with. A key may name a station: a handheld's key puts its
sessions at that handheld."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from core.errors import NotFound, Rejected
from core.i18n import _
from data.store import Actor, Store, Write

#: RSA keys shorter than this are refused (they can be factored).
MIN_RSA_BITS = 2048
#: Algorithms that are not accepted even though they parse.
REFUSED_ALGORITHMS = ("ssh-dss",)
#: A public key file is small; anything larger is not one.
MAX_KEY_FILE = 16 * 1024


@dataclass(frozen=True)
class PublicKey:
    """A parsed OpenSSH public key: its algorithm, SHA256 fingerprint (as ``ssh-keygen -l``
    prints it), its ``algorithm base64`` line and the comment after it."""

    algorithm: str
    fingerprint: str
    openssh: str
    comment: str


def parse_public_key(content: bytes) -> PublicKey:
    """Read one OpenSSH public key (the one line of an ``id_ed25519.pub`` file); raises
    Rejected with what is wrong (a private key, several keys, not a key, a weak key)."""
    from data.sshlib import asyncssh

    if len(content) > MAX_KEY_FILE:
        raise Rejected(_("that file is too large to be a public key"))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected(_("that file is not a public key (it is not text)")) from None
    if "PRIVATE KEY" in text:
        raise Rejected(
            _(
                "that is a private key: give its public half (the .pub file) and keep the "
                "private key on the device"
            )
        )
    lines = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    if len(lines) != 1:
        raise Rejected(
            _("a key file holds exactly one OpenSSH public key line; this one has {n}").format(
                n=len(lines)
            )
        )
    if "-cert-v01@openssh.com" in lines[0].split(maxsplit=1)[0]:
        raise Rejected(_("certificates are not supported; give the plain public key"))
    try:
        key = asyncssh.import_public_key(lines[0])
    except (asyncssh.KeyImportError, ValueError):
        raise Rejected(
            _("not an OpenSSH public key (expected a line like 'ssh-ed25519 AAAA… comment')")
        ) from None
    algorithm = key.algorithm.decode("ascii")
    if algorithm in REFUSED_ALGORITHMS:
        raise Rejected(
            _("{algorithm} keys are too weak; make an ed25519 key (ssh-keygen -t ed25519)").format(
                algorithm=algorithm
            )
        )
    bits = getattr(getattr(key, "pyca_key", None), "key_size", None)
    if algorithm == "ssh-rsa" and isinstance(bits, int) and bits < MIN_RSA_BITS:
        raise Rejected(
            _(
                "this RSA key has {bits} bits, fewer than {min}; make an ed25519 key "
                "(ssh-keygen -t ed25519)"
            ).format(bits=bits, min=MIN_RSA_BITS)
        )
    return PublicKey(
        algorithm=algorithm,
        fingerprint=key.get_fingerprint("sha256"),
        openssh=f"{algorithm} {base64.b64encode(key.public_data).decode('ascii')}",
        comment=(key.get_comment() or "")[:200],
    )


def key_of_blob(algorithm: bytes, public_data: bytes) -> str:
    """The ``algorithm base64`` form of a key as a client presents it (to compare with the
    stored one)."""
    return f"{algorithm.decode('ascii', 'replace')} {base64.b64encode(public_data).decode('ascii')}"


def add_key(
    store: Store, actor: Actor, user: str, content: bytes, station: str | None = None
) -> dict[str, Any]:
    """Let ``user`` log in over SSH with the public key in ``content``. ``station`` binds the
    key to a configured station (sessions with this key work there); ``""`` unbinds, ``None``
    keeps the binding of a key added before. Adding the same key again updates it. Returns
    the key as stored, with ``also_for``: other users who log in with the same key."""
    key = parse_public_key(content)
    user = user.strip().lower()
    station = station.strip().lower() if station is not None else None
    with store.write(actor) as write:
        if write.execute("SELECT 1 FROM users WHERE name = ?", (user,)).fetchone() is None:
            raise NotFound(
                _("no user {name!r}; add them first with `wareterm users add`").format(name=user)
            )
        if (
            station
            and not write.execute("SELECT 1 FROM stations WHERE name = ?", (station,)).fetchone()
        ):
            raise NotFound(
                _("no station {station!r}; add it first with `wareterm stations add`").format(
                    station=station
                )
            )
        existing = write.execute(
            "SELECT station FROM user_keys WHERE user = ? AND fingerprint = ?",
            (user, key.fingerprint),
        ).fetchone()
        if existing is None:
            write.execute(
                "INSERT INTO user_keys (user, fingerprint, algorithm, public_key, comment,"
                " station, created_at) VALUES (?,?,?,?,?,?,?)",
                (
                    user,
                    key.fingerprint,
                    key.algorithm,
                    key.openssh,
                    key.comment,
                    station or None,
                    write.now,
                ),
            )
        else:
            write.execute(
                "UPDATE user_keys SET comment = ?, station = ? WHERE user = ? AND fingerprint = ?",
                (
                    key.comment,
                    (station or None) if station is not None else existing["station"],
                    user,
                    key.fingerprint,
                ),
            )
        write.audit(
            "key.update" if existing else "key.add",
            user,
            fingerprint=key.fingerprint,
            algorithm=key.algorithm,
            comment=key.comment,
            station=station,
        )
    rows = list_keys(store, user)
    stored = next(row for row in rows if row["fingerprint"] == key.fingerprint)
    stored["also_for"] = [
        row["user"] for row in list_keys(store) if row["fingerprint"] == key.fingerprint
    ]
    stored["also_for"].remove(user)
    return stored


def list_keys(store: Store, user: str | None = None) -> list[dict[str, Any]]:
    """Keys by user, oldest first (without the key material itself)."""
    where, parameters = ("WHERE user = ?", (user.strip().lower(),)) if user else ("", ())
    return store.query(
        "SELECT user, fingerprint, algorithm, comment, station, created_at, last_used_at"
        f" FROM user_keys {where} ORDER BY user, id",
        parameters,
    )


def normalise_fingerprint(fingerprint: str) -> str:
    """``SHA256:…`` as ``ssh-keygen -l`` prints it (the prefix may be left out)."""
    value = fingerprint.strip()
    if not value.upper().startswith("SHA256:"):
        value = "SHA256:" + value
    return "SHA256:" + value.split(":", 1)[1]


def remove_key(store: Store, actor: Actor, user: str, fingerprint: str) -> None:
    """Stop ``user`` logging in with the key of ``fingerprint``."""
    user = user.strip().lower()
    fingerprint = normalise_fingerprint(fingerprint)
    with store.write(actor) as write:
        removed = write.execute(
            "DELETE FROM user_keys WHERE user = ? AND fingerprint = ?", (user, fingerprint)
        ).rowcount
        if not removed:
            raise NotFound(
                _("{user} has no key {fingerprint} (see `wareterm users keys {user}`)").format(
                    user=user, fingerprint=fingerprint
                )
            )
        write.audit("key.remove", user, fingerprint=fingerprint)


def find_key(store: Store, user: str, openssh: str) -> dict[str, Any] | None:
    """The stored key of ``user`` whose ``algorithm base64`` form is ``openssh`` (None when
    the user has no such key)."""
    rows = store.query(
        "SELECT fingerprint, station FROM user_keys WHERE user = ? AND public_key = ?",
        (user.strip().lower(), openssh),
    )
    return rows[0] if rows else None


def key_station(store: Store, user: str, fingerprint: str) -> str | None:
    """The station a user's key is bound to (None: not bound, or no such key)."""
    value = store.scalar(
        "SELECT station FROM user_keys WHERE user = ? AND fingerprint = ?",
        (user.strip().lower(), fingerprint),
    )
    return str(value) if value else None


def mark_used(write: Write, user: str, fingerprint: str) -> None:
    """Stamp a key's last use, inside the login's transaction."""
    write.execute(
        "UPDATE user_keys SET last_used_at = ? WHERE user = ? AND fingerprint = ?",
        (write.now, user, fingerprint),
    )
