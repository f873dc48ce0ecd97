"""PIN and password hashes: round trip, salts, and malformed stored values."""

from __future__ import annotations

import pytest

from core.auth import hash_secret, verify_secret


def test_round_trip() -> None:
    stored = hash_secret("4711")
    assert verify_secret("4711", stored)


def test_wrong_secret_is_false() -> None:
    stored = hash_secret("4711")
    assert not verify_secret("4712", stored)
    assert not verify_secret("", stored)
    assert not verify_secret("4711 ", stored)


def test_unicode_secret() -> None:
    stored = hash_secret("仓库密码")
    assert verify_secret("仓库密码", stored)
    assert not verify_secret("仓库密吗", stored)


def test_salts_differ() -> None:
    first, second = hash_secret("4711"), hash_secret("4711")
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_secret("4711", first) and verify_secret("4711", second)


def test_stored_form_is_self_describing_and_holds_no_secret() -> None:
    stored = hash_secret("4711")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt"
    assert (int(n), int(r), int(p)) == (2**14, 8, 1)
    assert len(bytes.fromhex(salt)) == 16
    assert len(bytes.fromhex(digest)) == 32
    assert "4711" not in stored


# A hash of "4711" made once by hash_secret, fixed so test ids stay the same between runs.
VALID = (
    "scrypt$16384$8$1$6ae3ab3282c7f480bdec1f218b1b0035"
    "$effaa8d198b6fd63430889f1b9e4e4e72b457cc6ed26da3e31be9d1351544400"
)
SCHEME, N, R, P, SALT, DIGEST = VALID.split("$")


def test_fixed_hash_verifies() -> None:
    assert verify_secret("4711", VALID)
    assert not verify_secret("4712", VALID)


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "",
        "4711",
        "scrypt",
        "scrypt$16384$8$1$00",
        f"{VALID}$extra",
        VALID.replace("scrypt$", "bcrypt$", 1),
        f"{SCHEME}$abc${R}${P}${SALT}${DIGEST}",
        f"{SCHEME}$3${R}${P}${SALT}${DIGEST}",
        f"{SCHEME}$0${R}${P}${SALT}${DIGEST}",
        f"{SCHEME}${N}$0${P}${SALT}${DIGEST}",
        f"{SCHEME}${N}${R}$-1${SALT}${DIGEST}",
        f"{SCHEME}${N}$-8${P}${SALT}${DIGEST}",
        f"{SCHEME}${N}${R}${P}$zz${DIGEST}",
        f"{SCHEME}${N}${R}${P}${SALT}$",
        f"{SCHEME}${N}${R}${P}${SALT}${DIGEST[:-2]}",
        f"{SCHEME}${N}${R}${P}${SALT}${DIGEST.upper()}x",
        f"{SCHEME}${N}${R}${P}${SALT}${DIGEST[:-1]}é",
        f"{SCHEME}${N}${R}${P}${SALT}$摘要",
    ],
)
def test_malformed_stored_hash_is_false(stored: str | None) -> None:
    assert verify_secret("4711", stored) is False


def test_tampered_digest_is_false() -> None:
    flipped = DIGEST[:-1] + ("0" if DIGEST[-1] != "0" else "1")
    assert not verify_secret("4711", f"{SCHEME}${N}${R}${P}${SALT}${flipped}")
