"""The SSH commands: ``users add-key|keys|remove-key``, and ``serve``'s host key (made on first
start with mode 0600, refused when others can read it or it is not a key; the e2e tests start
the server itself)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.data.test_keys import make_key, public_file
from tui.serve import ServeError, load_host_key

Run = Callable[..., Result]


def test_cli_add_key_keys_and_remove_key(wareterm: Run, tmp_path: Path) -> None:
    assert wareterm("stations", "add", "hh-07").exit_code == 0
    assert wareterm("users", "add", "li.na", "--role", "picker", "--pin", "1234").exit_code == 0
    key = make_key()
    pub = tmp_path / "id_ed25519.pub"
    pub.write_bytes(public_file(key))
    fingerprint = key.get_fingerprint("sha256")

    added = wareterm("users", "add-key", "li.na", pub, "--station", "hh-07")
    assert added.exit_code == 0, added.output
    assert fingerprint in added.stdout and "hh-07" in added.stdout
    listed = wareterm("users", "keys", "li.na", "--json")
    assert [(row["fingerprint"], row["station"]) for row in json.loads(listed.stdout)] == [
        (fingerprint, "hh-07")
    ]
    assert fingerprint in wareterm("users", "keys").stdout
    removed = wareterm("users", "remove-key", "li.na", fingerprint)
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert json.loads(wareterm("users", "keys", "--json").stdout) == []


def test_cli_refusals_are_one_line_and_exit_1(wareterm: Run, tmp_path: Path) -> None:
    assert wareterm("users", "add", "li.na", "--role", "picker", "--pin", "1234").exit_code == 0
    private = tmp_path / "id_ed25519"
    private.write_bytes(bytes(make_key().export_private_key()))
    for args, words in [
        (("users", "add-key", "li.na", private), "private key"),
        (("users", "add-key", "li.na", tmp_path / "missing.pub"), "cannot read"),
        (("users", "remove-key", "li.na", "SHA256:nope"), "has no key"),
    ]:
        result = wareterm(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: ") and words in result.stderr
        assert result.stderr.count("\n") == 1
    assert wareterm("users", "add-key", "li.na").exit_code == 2  # KEYFILE missing


def test_the_host_key_is_made_once_with_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ssh_host_ed25519_key"
    made = load_host_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Path(f"{path}.pub").read_bytes().startswith(b"ssh-ed25519 ")
    again = load_host_key(path)
    assert again.get_fingerprint("sha256") == made.get_fingerprint("sha256")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o666])
def test_a_host_key_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "host_key"
    load_host_key(path)
    path.chmod(mode)
    with pytest.raises(ServeError, match=rf"mode {mode:o}.*chmod 600"):
        load_host_key(path)


def test_a_host_key_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "host_key"
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(ServeError, match="not an SSH private key"):
        load_host_key(path)
    with pytest.raises(ServeError, match="not a file"):
        load_host_key(tmp_path)


def test_serve_refuses_to_reserve_every_terminal(wareterm: Run) -> None:
    result = wareterm("serve", "--port", "0", "--max-sessions", "5", "--reserved-sessions", "5")
    assert result.exit_code == 2
    assert "no picker or packer gets a terminal" in result.stderr
