"""Calls into the floor run on one worker thread, one at a time, in the order they were made.

The UI never waits on SQLite (a busy database or a slow disk cannot freeze the screen), and
scans are stored in the order they were read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Backend:
    """A single-threaded, first-in first-out executor for floor calls."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="floor")
        # Calls that wait on a carrier's API (seconds when it is slow) run on a thread of
        # their own, so the bench's scans are never queued behind them.
        self._aside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="floor-api")

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue a call now; await the returned future for its result (or its exception)."""
        return asyncio.wrap_future(self._pool.submit(fn, *args))

    def submit_aside(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue a call that may wait on a carrier's API beside the ordered calls (one at a
        time among themselves); await the returned future for its result."""
        return asyncio.wrap_future(self._aside.submit(fn, *args))

    def shutdown(self) -> None:
        """Finish queued calls and stop the threads."""
        self._pool.shutdown(wait=True)
        self._aside.shutdown(wait=True)
