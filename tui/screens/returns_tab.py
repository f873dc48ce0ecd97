"""The Returns tab of the supervisor's Exceptions: unidentified parcels (无信息件) to link or
write off, intercepts (拦截) not yet confirmed pulled, expected returns not all back and the
returns received today; it reads the returns port itself, whenever its screen reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, TabbedContent, TabPane

from core import words
from core.i18n import N_, _
from core.returns_desk import ReturnsBoard, ReturnsDesk
from tui.screens.dialogs import ReasonDialog
from tui.screens.returns import TextEntry
from tui.text import clean, plain, shown
from tui.widgets.cells import Row, cursor_key, sync_rows

if TYPE_CHECKING:
    from tui.screens.supervise import SupervisorScreen

PANE = "ex-returns"

#: Which row kinds (the first letter of a row's key) each action is for.
_ACTIONS = {"link": "p", "write_off": "p", "confirm_pull": "i"}


def _kinds() -> dict[str, str]:
    return {
        "return": _("return"),
        "exchange": _("exchange"),
        "refused": _("refused at delivery"),
        "refund_only": _("refund only"),
    }


class ReturnsPane(TabPane):
    """One table of four kinds of rows, the ones that need the supervisor first."""

    BINDINGS = [
        Binding("k", "link", N_("Link")),
        Binding("w", "write_off", N_("Write off")),
        Binding("y", "confirm_pull", N_("Confirm pull")),
    ]

    def __init__(self) -> None:
        super().__init__(_("Returns"), id=PANE)
        self.board: ReturnsBoard | None = None
        #: How many boards were shown (tests wait on it).
        self.reads = 0

    def compose(self) -> ComposeResult:
        yield DataTable(id=f"{PANE}-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in (_("Kind"), _("Order / parcel"), _("Waybill"), _("Units"), _("Detail")):
            table.add_column(label)

    @property
    def owner(self) -> SupervisorScreen:
        """The supervisor's screen the tab is on."""
        return self.screen  # type: ignore[return-value]

    @property
    def desk(self) -> ReturnsDesk | None:
        """The returns port (None: this terminal has none, and the tab stays empty)."""
        return self.owner.wapp.returns

    def reload(self) -> None:
        """Read the board again (at most one read in flight)."""
        desk = self.desk
        if desk is not None:
            self.owner.reread(desk.board, self.owner.operator, then=self._show_board)

    def _show_board(self, board: ReturnsBoard) -> None:
        self.board = board
        tabs = self.owner.query_one(TabbedContent)
        waiting = len(board.parcels) + len(board.intercepts)
        tabs.get_tab(PANE).label = clean(f"{_('Returns')} ({waiting})")
        cap = self.owner.cap
        kinds = _kinds()
        rows: list[Row] = []
        for parcel in board.parcels:
            rows.append(
                (
                    f"p{parcel.parcel_id}",
                    [
                        shown(_("unidentified"), style="bold reverse yellow"),
                        str(parcel.parcel_id),
                        plain(parcel.waybill),
                        str(parcel.units),
                        plain(
                            " ".join(p for p in (parcel.carrier, parcel.skus, parcel.note) if p),
                            limit=cap(28),
                        ),
                    ],
                )
            )
        for held in board.intercepts:
            rows.append(
                (
                    f"i{held.order_no}",
                    [
                        shown(_("intercept"), style="bold red"),
                        plain(held.order_no),
                        plain(held.waybills or "—", limit=cap(14)),
                        "",
                        plain(
                            f"{words.order_status(held.status_before)} · {held.reason}",
                            limit=cap(28),
                        ),
                    ],
                )
            )
        for line in board.expected:
            rows.append(
                (
                    f"e{line.after_sales_no}:{line.sku}",
                    [
                        shown(_("expected")),
                        plain(line.order_no),
                        plain(line.return_waybill or "—"),
                        f"{line.received}/{line.qty}",
                        plain(
                            f"{kinds.get(line.kind, line.kind)} {line.sku} {line.reason}",
                            limit=cap(28),
                        ),
                    ],
                )
            )
        for got in board.received_today:
            rows.append(
                (
                    f"r{got.return_id}",
                    [
                        shown(_("received today")),
                        plain(got.order_no),
                        plain(got.waybill or "—"),
                        str(got.units),
                        plain(
                            _("{kind}, {status}, {damaged} damaged").format(
                                kind=kinds.get(got.kind, got.kind),
                                status=_("open") if got.status == "open" else _("closed"),
                                damaged=got.damaged,
                            ),
                            limit=cap(28),
                        ),
                    ],
                )
            )
        sync_rows(self.query_one(DataTable), rows)
        self.reads += 1
        self.owner.refresh_bindings()

    # -- actions --------------------------------------------------------------------------------

    def _key(self) -> str | None:
        return cursor_key(self.query_one(DataTable))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer an action only on a row of its kind."""
        if action in _ACTIONS:
            key = self._key()
            return key is not None and key[:1] == _ACTIONS[action] and self.desk is not None
        return True

    def action_link(self) -> None:
        """Link the unidentified parcel of the row to an order (typed or scanned)."""
        key, desk = self._key(), self.desk
        if key is None or key[:1] != "p" or desk is None:
            return
        parcel = int(key[1:])

        def typed(order: str | None) -> None:
            if order:
                self.owner.act(
                    desk.link,
                    self.owner.operator,
                    parcel,
                    order,
                    done=_("parcel {parcel} linked to {order}").format(parcel=parcel, order=order),
                )

        self.app.push_screen(
            TextEntry(_("Link parcel {parcel} to which order?").format(parcel=parcel)), typed
        )

    def action_write_off(self) -> None:
        """Write off the unidentified parcel of the row, saying why (报损)."""
        key, desk = self._key(), self.desk
        if key is None or key[:1] != "p" or desk is None:
            return
        parcel = int(key[1:])

        def reasoned(reason: str | None) -> None:
            if reason:
                self.owner.act(
                    desk.write_off,
                    self.owner.operator,
                    parcel,
                    reason,
                    done=_("parcel {parcel} written off").format(parcel=parcel),
                )

        self.app.push_screen(
            ReasonDialog(
                _("Write off parcel {parcel}?").format(parcel=parcel),
                _("Its units leave the returns bin on the books."),
            ),
            reasoned,
        )

    def action_confirm_pull(self) -> None:
        """拦截验核: scan the pulled parcel's label or order code (or type its number)."""
        key, desk = self._key(), self.desk
        if key is None or key[:1] != "i" or desk is None:
            return
        order_no = key[1:]

        def scanned(code: str | None) -> None:
            if code:
                self.owner.act(
                    desk.confirm_pull,
                    self.owner.operator,
                    code,
                    order_no,
                    done=_("pull of {order} confirmed").format(order=order_no),
                )

        self.app.push_screen(
            TextEntry(
                _("Scan the label or order code of the pulled parcel {order}").format(
                    order=order_no
                )
            ),
            scanned,
        )
