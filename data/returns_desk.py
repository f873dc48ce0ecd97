"""The returns port (core.returns_desk.ReturnsDesk) on the SQLite store: the returns bench and
the supervisor's Returns tab call the same services as ``wareterm returns`` (data/returns.py,
data/intercepts.py); this module only reads scans and shapes the views."""

from __future__ import annotations

from dataclasses import replace

from core.clock import to_iso
from core.codes import parse_scan
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import CodeKind
from core.ports import Operator
from core.report import day_bounds
from core.returns import ReturnRefused
from core.returns_desk import (
    BIN,
    RECEIVED,
    REPEAT,
    UNKNOWN_CODE,
    ClosedReturn,
    ExpectedRow,
    InterceptRow,
    ParcelRow,
    ReceivedRow,
    RefusedParcel,
    ReturnLineView,
    ReturnMatch,
    ReturnOutcome,
    ReturnsBoard,
    ReturnsDesk,
)
from core.roles import Permission
from core.timefmt import local
from data import intercepts, returns, settings
from data.catalog import sku_for_code
from data.store import Actor, Store


class SqliteReturnsDesk(ReturnsDesk):
    """After-sales for one session, on its own connection to the shared database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _actor(self, operator: Operator) -> Actor:
        return Actor(operator.name, operator.station)

    # -- finding the parcel's order -------------------------------------------------------------

    def find(self, operator: Operator, text: str) -> list[ReturnMatch]:
        """Orders by the order code, else by waybill, order number, phone or name (in that
        order: the first kind that matches anything answers)."""
        self.store.require(self._actor(operator), Permission.RECEIVE_RETURN)
        text = " ".join(text.split())
        if not text or not text.isprintable() or len(text) > 80:
            raise Rejected(_("scan the parcel's waybill or order code, or type a phone or name"))
        code = parse_scan(text, settings.prefixes(self.store))
        if code.kind is CodeKind.ORDER:
            return self._expected(self._matches(returns.match(self.store, order_no=code.value)))
        by_waybill = self._matches(returns.match(self.store, waybill=text))
        if by_waybill:
            return self._expected(by_waybill, text)
        for found in (
            lambda: returns.match(self.store, order_no=text),
            lambda: returns.match(self.store, who=text),
        ):
            matches = found()
            if matches:
                return self._expected(self._matches(matches))
        return []

    def _expected(self, matches: list[ReturnMatch], waybill: str = "") -> list[ReturnMatch]:
        """The matches with what their after-sales export says is coming back (its kind)."""
        shown = []
        for match in matches:
            match = replace(match, waybill=waybill.upper())
            found = returns.expectation(self.store, match.order_no, waybill)
            shown.append(
                match
                if found is None
                else replace(
                    match,
                    expected_kind=found.kind.value,
                    after_sales_no=found.after_sales_no,
                    exchange_sku=found.exchange_sku,
                )
            )
        return shown

    def _names(self, skus: set[str]) -> dict[str, str]:
        if not skus:
            return {}
        rows = self.store.query(
            f"SELECT sku, name FROM products WHERE sku IN ({','.join('?' * len(skus))})",
            sorted(skus),
        )
        return {row["sku"]: row["name"] or "" for row in rows}

    def _matches(self, found: list[dict[str, object]]) -> list[ReturnMatch]:
        skus = {str(line["sku"]) for o in found for line in o["lines"]}  # type: ignore[attr-defined]
        names = self._names(skus)
        return [
            ReturnMatch(
                order_no=str(o["order_no"]),
                customer_name=str(o["customer_name"] or ""),
                phone=str(o["phone"] or ""),
                status=str(o["status"]),
                lines=tuple(
                    ReturnLineView(
                        str(line["sku"]),
                        names.get(str(line["sku"]), ""),
                        int(line["shipped"]),
                        int(line["returned"]),
                    )
                    for line in o["lines"]  # type: ignore[attr-defined]
                ),
            )
            for o in found
        ]

    def _order(self, order_no: str) -> ReturnMatch | None:
        matches = self._matches(returns.match(self.store, order_no=order_no))
        return matches[0] if matches else None

    def reasons(self, operator: Operator) -> tuple[str, ...]:
        """The site's return reasons."""
        return tuple(returns.list_reasons(self.store))

    def product(self, operator: Operator, raw: str) -> tuple[str, str]:
        """The SKU and name a product code refers to."""
        sku = self._sku(raw)
        if sku is None:
            raise NotFound(_("no product has the code {code}").format(code=raw.strip()))
        return sku, self._names({sku}).get(sku, "")

    def _sku(self, raw: str) -> str | None:
        code = parse_scan(raw, settings.prefixes(self.store))
        if code.kind is not CodeKind.PRODUCT:
            return None
        with self.store.read() as conn:
            return sku_for_code(conn, code)

    def _bin(self, raw: str) -> str | None:
        """The bin a location scan names (None: not a location scan); an unknown bin is
        refused rather than made (a typo would otherwise become a bin)."""
        code = parse_scan(raw, settings.prefixes(self.store))
        if code.kind is not CodeKind.LOCATION:
            return None
        with self.store.read() as conn:
            return returns.existing_bin(conn, code.value)

    # -- receiving ------------------------------------------------------------------------------

    def _unknown(self, raw: str, order: ReturnMatch | None) -> ReturnOutcome:
        return ReturnOutcome(
            False,
            UNKNOWN_CODE,
            _("No product has this code. Keep the unit apart and type its SKU (C)."),
            code=raw.strip(),
            order=order,
        )

    def receive_unit(
        self,
        operator: Operator,
        order_no: str,
        raw: str,
        key: str,
        damaged_reason: str | None = None,
        bin_code: str | None = None,
        exchange: bool = False,
        exchange_sku: str | None = None,
    ) -> ReturnOutcome:
        """A unit (or a bin) scanned for the order's parcel (see the port)."""
        self.store.require(self._actor(operator), Permission.RECEIVE_RETURN)
        scanned = self._bin(raw)
        if scanned is not None:
            return ReturnOutcome(
                True,
                BIN,
                _("Good units go to bin {bin} now.").format(bin=scanned),
                code=raw.strip(),
                bin=scanned,
                order=self._order(order_no),
            )
        sku = self._sku(raw)
        if sku is None:
            return self._unknown(raw, self._order(order_no))
        damaged = damaged_reason is not None
        try:
            result = returns.receive(
                self.store,
                self._actor(operator),
                sku,
                1,
                "damaged" if damaged else "good",
                reason=damaged_reason or "",
                order_no=order_no,
                bin_name=None if damaged else bin_code,
                key=key,
                kind="exchange" if exchange else "return",
                exchange_sku=exchange_sku,
            )
        except ReturnRefused as refused:
            return ReturnOutcome(
                False,
                refused.code,
                str(refused),
                code=raw.strip(),
                sku=sku,
                order=self._order(order_no),
            )
        if result["repeat"]:
            message = _("{sku}: this scan was received already; nothing added.").format(sku=sku)
        elif damaged:
            message = _("{sku} damaged ({reason}) → {bin}").format(
                sku=sku, reason=result["reason"], bin=result["bin"]
            )
        else:
            message = _("{sku} good → {bin}").format(sku=sku, bin=result["bin"])
        if result.get("replacement"):
            message += "\n" + _("Exchange: replacement order {order} made (rush).").format(
                order=result["replacement"]
            )
        return ReturnOutcome(
            True,
            REPEAT if result["repeat"] else RECEIVED,
            message,
            code=raw.strip(),
            sku=sku,
            bin=str(result["bin"]),
            return_id=int(result["return"]),
            replacement=result.get("replacement"),
            order=self._order(order_no),
        )

    def receive_refused(
        self, operator: Operator, order_no: str, waybill: str = ""
    ) -> RefusedParcel:
        """The whole parcel back, refused at delivery (returns.receive_refused)."""
        done = returns.receive_refused(
            self.store, self._actor(operator), waybill.strip() or None, order_no
        )
        units = done["units"]
        return RefusedParcel(
            str(done["order_no"]),
            sum(int(u["qty"]) for u in units),
            str(units[0]["bin"]) if units else "",
            str(done["order_status"]),
            self._order(str(done["order_no"])),
        )

    def receive_parcel_unit(
        self, operator: Operator, waybill: str, carrier: str, note: str, raw: str, key: str
    ) -> ReturnOutcome:
        """A unit of an unidentified parcel, into the returns bin."""
        sku = self._sku(raw)
        if sku is None:
            return self._unknown(raw, None)
        result = returns.receive_unidentified(
            self.store, self._actor(operator), waybill, sku, 1, carrier=carrier, note=note, key=key
        )
        parcel = int(result["return"])
        units = self.store.query(
            "SELECT coalesce(sum(qty), 0) AS n FROM return_units WHERE return_id = ?", (parcel,)
        )[0]["n"]
        return ReturnOutcome(
            True,
            REPEAT if result["repeat"] else RECEIVED,
            _("{sku} kept in {bin} (parcel {parcel})").format(
                sku=sku, bin=result["bin"], parcel=parcel
            ),
            code=raw.strip(),
            sku=sku,
            bin=str(result["bin"]),
            parcel=parcel,
            parcel_units=int(units),
        )

    def close(self, operator: Operator, order_no: str, return_ids: tuple[int, ...]) -> ClosedReturn:
        """Close the open returns among ``return_ids`` (one already closed is left alone)."""
        status = ""
        closed = []
        for return_id in sorted(set(return_ids)):
            try:
                result = returns.close_return(self.store, self._actor(operator), return_id)
            except Rejected:
                # closed already (another bench, a resubmitted close): nothing to do
                continue
            status = str(result["order_status"])
            closed.append(return_id)
        order = self._order(order_no)
        return ClosedReturn(
            order_no, status or (order.status if order else ""), tuple(closed), order
        )

    # -- the supervisor's tab -------------------------------------------------------------------

    def board(self, operator: Operator) -> ReturnsBoard:
        """Expected returns not yet all back, returns received today, unidentified parcels,
        intercepts not yet confirmed pulled."""
        self.store.require(self._actor(operator), Permission.OVERSEE)
        start, end = day_bounds(local(self.store.clock.now()).date())
        expected = [
            ExpectedRow(
                e["after_sales_no"],
                e["order_no"],
                e["return_waybill"] or "",
                e["kind"],
                e["reason"] or "",
                e["sku"],
                int(e["qty"]),
                int(e["received"]),
            )
            for e in returns.list_expected(self.store)
            if int(e["received"]) < int(e["qty"])
        ]
        today = self.store.query(
            "SELECT r.id, r.order_no, r.kind, r.status, r.waybill_no,"
            " coalesce(sum(u.qty), 0) AS units,"
            " coalesce(sum(CASE WHEN u.condition = 'damaged' THEN u.qty END), 0) AS damaged"
            " FROM returns r LEFT JOIN return_units u ON u.return_id = r.id"
            " WHERE r.order_no IS NOT NULL AND r.created_at >= ? AND r.created_at < ?"
            " GROUP BY r.id ORDER BY r.id DESC",
            (to_iso(start), to_iso(end)),
        )
        parcels = self.store.query(
            "SELECT r.id, r.waybill_no, r.carrier, r.note, coalesce(sum(u.qty), 0) AS units,"
            " group_concat(DISTINCT u.sku) AS skus FROM returns r"
            " LEFT JOIN return_units u ON u.return_id = r.id WHERE r.status = 'unidentified'"
            " GROUP BY r.id ORDER BY r.id"
        )
        return ReturnsBoard(
            expected=tuple(expected),
            received_today=tuple(
                ReceivedRow(
                    r["id"],
                    r["order_no"],
                    r["kind"],
                    r["status"],
                    r["waybill_no"] or "",
                    int(r["units"]),
                    int(r["damaged"]),
                )
                for r in today
            ),
            parcels=tuple(
                ParcelRow(
                    p["id"],
                    p["waybill_no"] or "",
                    p["carrier"] or "",
                    p["note"] or "",
                    int(p["units"]),
                    p["skus"] or "",
                )
                for p in parcels
            ),
            intercepts=tuple(
                InterceptRow(
                    i["order_no"],
                    i["reason"] or "",
                    i["status_before"] or "",
                    i["waybills"] or "",
                    i["created_by"] or "",
                )
                for i in intercepts.list_intercepts(self.store)
            ),
        )

    def link(self, operator: Operator, parcel: int, order: str) -> str:
        """Link a parcel to an order (a scanned order code is read as its number)."""
        code = parse_scan(order, settings.prefixes(self.store))
        order_no = code.value if code.kind is CodeKind.ORDER else " ".join(order.split())
        return str(returns.link(self.store, self._actor(operator), parcel, order_no)["order_no"])

    def write_off(self, operator: Operator, parcel: int, reason: str) -> int:
        """Write off a parcel's units."""
        result = returns.write_off(self.store, self._actor(operator), parcel, reason)
        return int(result["written_off"])

    def confirm_pull(self, operator: Operator, scanned: str, order_no: str | None = None) -> str:
        """Confirm an intercepted parcel pulled (the one of ``order_no`` when given)."""
        if order_no is not None:
            text = scanned.strip()
            prefix = settings.prefixes(self.store).order
            if prefix and text.upper().startswith(prefix.upper()):
                text = text[len(prefix) :]
            found = self.store.query(
                "SELECT order_no FROM intercepts WHERE order_no = ?"
                " OR instr(' ' || waybills || ' ', ' ' || ? || ' ') > 0",
                (text, text.upper()),
            )
            if found and all(row["order_no"] != order_no for row in found):
                raise Rejected(
                    _("that is the parcel of {other}, not of {order}; pull {order}").format(
                        other=found[0]["order_no"], order=order_no
                    )
                )
            if not found:
                raise NotFound(
                    _("{code} is neither the label nor the order code of {order}").format(
                        code=text, order=order_no
                    )
                )
        return str(intercepts.confirm(self.store, self._actor(operator), scanned)["order_no"])
