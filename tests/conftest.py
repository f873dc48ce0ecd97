"""Shared fixtures: a database path and a way to run the ``wareterm`` command on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test``), the ``slow`` tests (load, kill -9, bench) are one
    group: ``--dist loadgroup`` runs them on one worker, one at a time, so none of them times
    itself while another floods the machine (the other worker runs the rest meanwhile)."""
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(pytest.mark.xdist_group("slow"))


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in English whatever the shell's locale (the command line follows
    WARETERM_LANG, LANGUAGE and LANG), and a test that switches language leaves none behind."""
    from core import i18n

    monkeypatch.delenv("WARETERM_LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture(autouse=True)
def _server_logging_left_as_found() -> Iterator[None]:
    """``wareterm serve`` run in-process points its loggers at stderr and stops them
    propagating; put them back, so a later test's ``caplog`` still hears the server."""
    import logging

    loggers = [logging.getLogger(name) for name in ("wareterm.serve", "wareterm.print", "asyncssh")]
    saved = [(log.handlers[:], log.propagate, log.level) for log in loggers]
    yield
    for log, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        log.handlers = handlers
        log.propagate = propagate
        log.setLevel(level)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "wareterm.db"


@pytest.fixture
def wareterm(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``wareterm --db DB ARGS…`` in-process; returns click's Result (exit code, stdout,
    stderr)."""
    from tui.cli import main

    monkeypatch.delenv("WARETERM_DB", raising=False)
    monkeypatch.setenv("WARETERM_USER", "admin")
    monkeypatch.setenv("WARETERM_STATION", "office")

    def run(*args: str | Path) -> Result:
        if not db_path.exists() and args and args[0] not in ("init", "demo"):
            # Only `init` makes a database; tests of other commands start from a fresh one.
            from data.store import open_store

            open_store(db_path).close()
        return CliRunner().invoke(main, ["--db", str(db_path), *map(str, args)])

    return run


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write an input file (CSV or JSON) next to the database and return its path."""

    def write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write
