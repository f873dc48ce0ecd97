"""Databases many tests start from, built once per test process and copied for each test.

Building the small warehouses (migrations, catalog, orders, waves, users with their scrypt
PINs) took a fifth of the suite's time; a copy of the finished file takes a millisecond and
holds the same rows. Only builds made in English are kept: a build in another language stores
texts in that language, so it is built afresh each time, as before.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path

from core import i18n
from data import store

_built: dict[tuple[Hashable, ...], Path] = {}
_folder: Path | None = None


def copy_built(build: Callable[..., None], path: Path, *args: Hashable) -> None:
    """Make ``path`` the database ``build(path, *args)`` would make. The first call in a
    process with these arguments builds a template; later calls copy it. ``path`` must not be
    a database in use; one left there is replaced."""
    if i18n.current_language() != i18n.SOURCE_LANGUAGE:
        build(path, *args)
        return
    # A test that swaps the migrations for older or newer ones gets a build of its own.
    key = (build.__module__, build.__qualname__, store.SCHEMA_VERSION, *args)
    template = _built.get(key)
    if template is None:
        template = _template_folder() / f"{len(_built)}.db"
        build(template, *args)
        conn = sqlite3.connect(template)
        try:  # everything in the main file: the copy needs no -wal beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        _built[key] = template
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)


def _template_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="wareterm-test-templates-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder
