"""The SSH server speaks to each client in that user's language (one server process, many
languages at once), through a real compiled catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import users
from data.store import open_store
from tests.data.builders import ADMIN
from tests.e2e.conftest import Floor
from tests.test_i18n import write_mo

REFUSAL = (
    "wareterm: this server runs only the floor terminal, not commands; log in without a command"
)


def _set_language(db: Path, language: str) -> None:
    store = open_store(db)
    users.set_user(store, ADMIN, "li.na", language=language)
    store.close()


def test_refusals_are_said_in_the_users_language(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale"
    write_mo(
        locale / "zh_CN" / "LC_MESSAGES" / "wareterm.mo",
        {REFUSAL: "wareterm：此服务器只运行作业终端，不执行命令；请不带命令登录"},
    )
    monkeypatch.setenv("WARETERM_LOCALE_DIR", str(locale))
    _set_language(floor.db, "zh_CN")
    server = floor.serve()
    command = floor.run_ssh(floor.ssh_argv(server, "li.na", command=("orders", "list")))
    assert command.returncode == 1
    assert command.stderr.strip() == "wareterm：此服务器只运行作业终端，不执行命令；请不带命令登录"
    # The same server, the same user now reading English: the next connection is in English.
    _set_language(floor.db, "en")
    command = floor.run_ssh(floor.ssh_argv(server, "li.na", command=("orders", "list")))
    assert command.returncode == 1
    assert command.stderr.strip() == REFUSAL
