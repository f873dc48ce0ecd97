"""The install is the same every time: the lock pins every dependency, and no third-party
warning reaches an operator when the server's modules load."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9._-]+)==", lock, re.M)}
    assert wanted - pinned == set(), "run `make lock`: pyproject names packages the lock lacks"
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock):
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, block.split("\n", 1)[0]


def test_loading_the_ssh_server_prints_no_warning() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", "import tui.serve, data.keys"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
