"""What every wareterm screen shares: the floor port, the operator, ordered floor calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from core.errors import WaretermError
from core.i18n import _
from core.labels import neutralise
from core.ports import Floor, Operator, ScanOutcome

if TYPE_CHECKING:
    from tui.app import WaretermApp
    from tui.messages import ScanRead

T = TypeVar("T")


class FloorScreen(Screen[None]):
    """A screen that talks to the floor through the app's ordered backend."""

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
        future = self.wapp.backend.submit(fn, *args)

        async def finish() -> None:
            try:
                result = await future
            except WaretermError as error:
                if self.is_attached:
                    self.on_floor_error(error)
                return
            if self.is_attached:  # a screen already closed has nothing left to draw
                then(result)

        self.run_worker(finish(), group="floor", exit_on_error=True)

    def banner(self, text: str, kind: str) -> None:
        """Show ``text`` in the screen's ``#banner`` (``ok``, ``error`` or ``info`` colours)."""
        banner = self.query_one("#banner", Static)
        # Verdict messages name SKUs and bins from imported files: no control characters.
        banner.update(Text("\n".join(neutralise(part) for part in text.split("\n"))))
        for name in ("ok", "error", "info"):
            banner.set_class(name == kind, f"banner-{name}")

    def refusal(self, verdict: str, code: str, message: str, bell: bool = True) -> None:
        """A refused scan, loud: the bell and the red banner with what was scanned and what to
        do (the code is made safe to show first)."""
        if bell:
            self.app.bell()
        self.banner(
            _("✘ {verdict}: {code}\n{message}").format(
                verdict=verdict.replace("_", " ").upper(), code=neutralise(code), message=message
            ),
            "error",
        )

    def on_floor_error(self, error: WaretermError) -> None:
        """Tell the operator what went wrong (loudly)."""
        self.app.bell()
        self.notify(str(error), severity="error", timeout=8, markup=False)

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
