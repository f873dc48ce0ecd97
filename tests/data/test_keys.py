"""Users' SSH keys: reading an OpenSSH public key file, storing it with its fingerprint and
station, listing, removing, and the station a key puts a session at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import NotAllowed, NotFound, Rejected
from data import keys, stations, users
from data.floor import SqliteFloor
from data.sshlib import asyncssh
from data.store import Store
from tests.data.builders import ADMIN, new_store


def make_key(comment: str = "hh-07 handheld", algorithm: str = "ssh-ed25519") -> asyncssh.SSHKey:
    """A fresh key pair, as ssh-keygen would make it."""
    extra = {"key_size": 2048} if algorithm == "ssh-rsa" else {}
    return asyncssh.generate_private_key(algorithm, comment=comment, **extra)


def public_file(key: asyncssh.SSHKey) -> bytes:
    """The content of its ``.pub`` file."""
    return bytes(key.export_public_key("openssh"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = new_store(tmp_path / "w.db")
    stations.add_station(store, ADMIN, "hh-07")
    users.add_user(store, ADMIN, "li.na", "picker", "1234")
    users.add_user(store, ADMIN, "wang.fang", "picker", "5678", station="hh-07")
    return store


def test_parse_a_public_key_like_ssh_keygen_prints_it() -> None:
    key = make_key()
    parsed = keys.parse_public_key(public_file(key))
    assert parsed.algorithm == "ssh-ed25519"
    assert parsed.fingerprint == key.get_fingerprint("sha256")
    assert parsed.fingerprint.startswith("SHA256:")
    assert parsed.comment == "hh-07 handheld"
    assert parsed.openssh == keys.key_of_blob(key.algorithm, key.public_data)
    # An RSA key of a decent size is fine too, with a BOM and a comment line around it.
    rsa = make_key("office", "ssh-rsa")
    assert keys.parse_public_key(b"\xef\xbb\xbf# office PC\n" + public_file(rsa)).algorithm == (
        "ssh-rsa"
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "exactly one"),
        (b"ssh-ed25519 AAAAnotbase64 x\n", "not an OpenSSH public key"),
        (b"hello world\n", "not an OpenSSH public key"),
        (b"\xff\xfe\x00garbage", "not text"),
        (b"x" * 20_000, "too large"),
        (
            b"ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ= me\n",
            "certificates",
        ),
    ],
)
def test_what_is_not_one_public_key_is_refused_with_the_reason(content: bytes, words: str) -> None:
    with pytest.raises(Rejected, match=words):
        keys.parse_public_key(content)


def test_a_private_key_is_refused_and_the_public_half_asked_for() -> None:
    private = bytes(make_key().export_private_key())
    with pytest.raises(Rejected, match=r"private key.*\.pub"):
        keys.parse_public_key(private)


def test_two_keys_in_one_file_are_refused() -> None:
    with pytest.raises(Rejected, match="exactly one.*2"):
        keys.parse_public_key(public_file(make_key()) + public_file(make_key()))


def test_weak_keys_are_refused() -> None:
    small_rsa = asyncssh.generate_private_key("ssh-rsa", key_size=1024)
    with pytest.raises(Rejected, match="1024 bits"):
        keys.parse_public_key(public_file(small_rsa))


def test_add_list_update_and_remove(store: Store) -> None:
    key = make_key()
    stored = keys.add_key(store, ADMIN, " Li.Na ", public_file(key), station="HH-07")
    assert stored["user"] == "li.na"
    assert stored["station"] == "hh-07"
    assert stored["fingerprint"] == key.get_fingerprint("sha256")
    assert stored["also_for"] == []
    [listed] = keys.list_keys(store, "li.na")
    assert listed["last_used_at"] is None
    assert "public_key" not in listed  # listings show fingerprints, not key material
    # Adding it again updates: None keeps the station, "" unbinds.
    keys.add_key(store, ADMIN, "li.na", public_file(key))
    assert keys.list_keys(store, "li.na")[0]["station"] == "hh-07"
    keys.add_key(store, ADMIN, "li.na", public_file(key), station="")
    assert keys.list_keys(store, "li.na")[0]["station"] is None
    assert len(keys.list_keys(store)) == 1
    # The same key for another user is allowed, and said.
    shared = keys.add_key(store, ADMIN, "wang.fang", public_file(key))
    assert shared["also_for"] == ["li.na"]
    keys.remove_key(store, ADMIN, "li.na", stored["fingerprint"].removeprefix("SHA256:"))
    assert [row["user"] for row in keys.list_keys(store)] == ["wang.fang"]
    with pytest.raises(NotFound, match="has no key"):
        keys.remove_key(store, ADMIN, "li.na", stored["fingerprint"])
    actions = [
        (row["action"], row["subject"])
        for row in store.query("SELECT action, subject FROM audit WHERE action LIKE 'key.%'")
    ]
    assert actions == [
        ("key.add", "li.na"),
        ("key.update", "li.na"),
        ("key.update", "li.na"),
        ("key.add", "wang.fang"),
        ("key.remove", "li.na"),
    ]


def test_a_key_needs_a_known_user_and_a_known_station(store: Store) -> None:
    with pytest.raises(NotFound, match="no user 'nobody'"):
        keys.add_key(store, ADMIN, "nobody", public_file(make_key()))
    with pytest.raises(NotFound, match="no station 'hh-99'"):
        keys.add_key(store, ADMIN, "li.na", public_file(make_key()), station="hh-99")
    assert keys.list_keys(store) == []


def test_removing_a_station_unbinds_its_keys(store: Store) -> None:
    keys.add_key(store, ADMIN, "li.na", public_file(make_key()), station="hh-07")
    stations.remove_station(store, ADMIN, "hh-07")
    assert keys.list_keys(store)[0]["station"] is None
    [removal] = store.query("SELECT detail FROM audit WHERE action = 'station.remove'")
    assert json.loads(removal["detail"])["keys_unbound"] == 1


# -- the login the SSH server hands to the terminal -----------------------------------------------


def _last_login(store: Store) -> dict[str, object]:
    row = store.query("SELECT user, station, detail FROM audit WHERE action = 'login'")[-1]
    return {**row, "detail": json.loads(row["detail"])}


def test_session_login_audits_method_station_and_peer(store: Store) -> None:
    floor = SqliteFloor(store)
    operator = floor.session_login("LI.NA", "bench-9", "ssh-password", peer="10.0.0.7")
    assert (operator.name, operator.role.value, operator.station) == ("li.na", "picker", "bench-9")
    login = _last_login(store)
    assert (login["user"], login["station"]) == ("li.na", "bench-9")
    assert login["detail"] == {
        "method": "ssh-password",
        "role": "picker",
        "station": "bench-9",
        "requested_station": "bench-9",
        "peer": "10.0.0.7",
        "key": None,
    }


def test_the_keys_station_wins_then_the_users_binding(store: Store) -> None:
    floor = SqliteFloor(store)
    stations.add_station(store, ADMIN, "hh-03")
    bound_key = keys.add_key(store, ADMIN, "wang.fang", public_file(make_key()), station="hh-03")
    plain_key = keys.add_key(store, ADMIN, "wang.fang", public_file(make_key("office")))
    # wang.fang is bound to hh-07, but the handheld's key is hh-03's.
    at_key = floor.session_login("wang.fang", "ssh", "ssh-key", key=bound_key["fingerprint"])
    assert at_key.station == "hh-03"
    assert _last_login(store)["detail"]["key"] == bound_key["fingerprint"]
    assert keys.list_keys(store, "wang.fang")[0]["last_used_at"] is not None
    # A key without a station: the user's binding wins over what the client asked for.
    assert floor.session_login(
        "wang.fang", "ssh", "ssh-key", key=plain_key["fingerprint"]
    ).station == ("hh-07")
    assert floor.session_login("wang.fang", "ssh", "ssh-password").station == "hh-07"


def test_session_login_refuses_unknown_and_inactive_users(store: Store) -> None:
    floor = SqliteFloor(store)
    with pytest.raises(NotAllowed, match="Unknown user"):
        floor.session_login("nobody", "ssh", "ssh-key")
    store.conn.execute("UPDATE users SET active = 0 WHERE name = 'li.na'")
    with pytest.raises(NotAllowed, match="Unknown user"):
        floor.session_login("li.na", "ssh", "ssh-key")
    assert store.query("SELECT * FROM audit WHERE action = 'login'") == []
