"""What every wareterm screen shares: the floor port, the operator, ordered floor calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from core import words
from core.errors import StoreFault, WaretermError
from core.i18n import _
from core.ports import Floor, Operator, ScanOutcome
from tui.text import plain, shown

if TYPE_CHECKING:
    from tui.app import WaretermApp
    from tui.messages import ScanRead

T = TypeVar("T")


class FloorScreen(Screen[None]):
    """A screen that talks to the floor through the app's ordered backend."""

    def __init__(self) -> None:
        super().__init__()
        self._rereading: set[str] = set()
        self._reread_again: set[str] = set()

    @property
    def wapp(self) -> WaretermApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def floor(self) -> Floor:
        """The floor port."""
        return self.wapp.floor

    @property
    def operator(self) -> Operator:
        """Who is logged in."""
        assert self.wapp.operator is not None
        return self.wapp.operator

    def run_floor(self, fn: Callable[..., T], *args: Any, then: Callable[[T], None]) -> None:
        """Queue a floor call now (calls run in the order made) and hand its result to
        ``then`` on the UI; a refusal goes to :meth:`on_floor_error`."""
        self._call(fn, args, then, self.on_floor_error)

    def _call(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        then: Callable[[T], None],
        refused: Callable[[WaretermError], None],
    ) -> None:
        future = self.wapp.backend.submit(fn, *args)

        async def finish() -> None:
            try:
                result = await future
            except WaretermError as error:
                if self.is_attached:
                    refused(error)
                return
            if not self.is_attached:  # a screen already closed has nothing left to draw
                return
            try:
                then(result)
            except NoMatches:
                # The screen (or the whole app) is being taken down while the call ran: its
                # parts are gone already and the result has nowhere to go. Anywhere else a
                # missing part is a fault and is raised.
                if not (self._closing or self._pruning or self.app._exit):
                    raise

        self.run_worker(finish(), group="floor", exit_on_error=True)

    def reread(self, fn: Callable[..., T], *args: Any, then: Callable[[T], None]) -> None:
        """A read that redraws the screen, asked for again on every change on the floor: at
        most one of them (by ``then``) is in flight, and asks made meanwhile cause exactly one
        more once it is back, so a busy floor never queues reads ahead of this session's
        scans."""
        key = getattr(then, "__name__", repr(then))
        if key in self._rereading:
            self._reread_again.add(key)
            return
        self._rereading.add(key)

        def done(result: T) -> None:
            self._rereading.discard(key)
            then(result)
            self._again(key, fn, args, then)

        def failed(error: WaretermError) -> None:
            self._rereading.discard(key)
            self.on_floor_error(error)
            self._again(key, fn, args, then)

        self._call(fn, args, done, failed)

    def _again(
        self, key: str, fn: Callable[..., T], args: tuple[Any, ...], then: Callable[[T], None]
    ) -> None:
        if key in self._reread_again:
            self._reread_again.discard(key)
            self.reread(fn, *args, then=then)

    def banner(self, text: str, kind: str) -> None:
        """Show ``text`` in the screen's ``#banner`` (``ok``, ``error`` or ``info`` colours)."""
        banner = self.query_one("#banner", Static)
        # Verdict messages name SKUs and bins from imported files.
        banner.update(shown(text))
        for name in ("ok", "error", "info"):
            banner.set_class(name == kind, f"banner-{name}")

    def refusal(self, verdict: str, code: str, message: str, bell: bool = True) -> None:
        """A refused scan, loud: the bell and the red banner with what was scanned and what to
        do (the code is made safe to show first)."""
        if bell:
            self.app.bell()
        self.banner(
            _("✘ {verdict}: {code}\n{message}").format(
                verdict=words.verdict(verdict).upper(), code=plain(code).plain, message=message
            ),
            "error",
        )

    def on_floor_error(self, error: WaretermError) -> None:
        """Tell the operator what went wrong (loudly). A fault of the database (disk full,
        file gone) also fills the screen's banner, where the scan's verdict would be."""
        self.app.bell()
        self.notify(str(error), severity="error", timeout=8, markup=False)
        if isinstance(error, StoreFault) and self.query("#banner"):
            self.banner(_("✘ NOT STORED\n{message}").format(message=str(error)), "error")

    # -- bad scans ------------------------------------------------------------------------------

    def handle_bad_scan(self, scan: ScanRead) -> None:
        """Garbage from the serial scanner: store it (verdict ``bad_scan``) and say so loudly.
        The app has rung the bell already."""
        self.wapp.record_bad_scan(scan, self.bad_scan_list(), self.show_bad_scan)

    def bad_scan_list(self) -> int | None:
        """The pick list on screen, stored with a bad scan (None: no list)."""
        return None

    def show_bad_scan(self, outcome: ScanOutcome) -> None:
        """Show a bad scan's message (screens with a banner put it there)."""
        self.notify(outcome.message, severity="error", timeout=8, markup=False)
