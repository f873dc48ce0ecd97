"""The stock port (core.stockwork.StockWork) on the SQLite store: the handheld's stock screens
call the same services as ``wareterm receipts|stock|counts``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.codes import parse_scan
from core.errors import Rejected
from core.i18n import _
from core.model import CodeKind
from core.ports import Operator
from core.roles import Permission
from core.stockwork import (
    BinUnits,
    ClosedLine,
    ClosedReceipt,
    CodeRead,
    CountBinView,
    CountedBin,
    CountTaskView,
    PutawayProposal,
    ReceiptLineView,
    ReceiptView,
    ReceiveOutcome,
    ReplenishTask,
    StockDone,
    StockWork,
    ToteLoad,
    UnitRead,
    receipt_number,
)
from data import receiving, settings, stock, stock_reports
from data.catalog import sku_for_code
from data.store import Actor, Store


class SqliteStockWork(StockWork):
    """One session's stock work, on its own connection to the shared database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _actor(self, operator: Operator) -> Actor:
        return Actor(operator.name, operator.station)

    def _names(self, skus: set[str]) -> dict[str, str]:
        if not skus:
            return {}
        marks = ",".join("?" * len(skus))
        return {
            r["sku"]: r["name"]
            for r in self.store.query(
                f"SELECT sku, name FROM products WHERE sku IN ({marks})", tuple(sorted(skus))
            )
        }

    # -- codes ----------------------------------------------------------------------------------

    def read_code(self, code: str) -> CodeRead:
        """A receipt (``R:…``), a bin (``L:…``) or a product unit with its GS1 lot and expiry."""
        number = receipt_number(code)
        if number is not None:
            return CodeRead("receipt", code, value=number)
        scanned = parse_scan(code.strip(), settings.prefixes(self.store))
        shown = scanned.display
        if scanned.kind is CodeKind.LOCATION:
            return CodeRead("bin", shown, value=scanned.value.strip().upper())
        if scanned.kind is CodeKind.TOTE and scanned.value.strip():
            return CodeRead("tote", shown, value=receiving.tote_value(scanned.value))
        if scanned.kind is not CodeKind.PRODUCT:
            return CodeRead(
                "unknown", shown, problem=scanned.problem or _("not a unit, bin or receipt")
            )
        with self.store.read() as conn:
            sku = sku_for_code(conn, scanned)
            row = (
                conn.execute(
                    "SELECT name, lot_tracked FROM products WHERE sku = ?", (sku,)
                ).fetchone()
                if sku
                else None
            )
        if sku is None or row is None:
            return CodeRead("unknown", shown, problem=_("no product in the catalog has this code"))
        unit = UnitRead(
            sku,
            row["name"],
            shown,
            (scanned.batch or "").strip(),
            scanned.expiry,
            bool(row["lot_tracked"]),
        )
        return CodeRead("unit", shown, unit=unit, value=sku)

    # -- receiving ------------------------------------------------------------------------------

    def receipt(self, operator: Operator, receipt_no: str) -> ReceiptView:
        """An open receipt with its lines and what was accepted so far."""
        self.store.require(self._actor(operator), Permission.RECEIVE)
        shown = receiving.show_receipt(self.store, receipt_no)
        if shown["status"] != "open":
            raise Rejected(_("receipt {receipt} is closed").format(receipt=receipt_no))
        return self._view(shown)

    def _view(self, shown: dict[str, object]) -> ReceiptView:
        units = shown["units"]
        assert isinstance(units, list)
        lines_in = shown["lines"]
        assert isinstance(lines_in, list)
        expected: dict[str, int] = {}
        for line in lines_in:
            expected[line["sku"]] = expected.get(line["sku"], 0) + int(line["expected"])
        received: dict[str, int] = {}
        refused = 0
        for unit in units:
            if unit["verdict"] == "accepted":
                received[unit["sku"]] = received.get(unit["sku"], 0) + int(unit["qty"])
            else:
                refused += 1
        skus = list(expected) + [sku for sku in received if sku not in expected]
        names = self._names(set(skus))
        return ReceiptView(
            str(shown["receipt_no"]),
            str(shown["supplier"] or ""),
            bool(shown["blind"]),
            str(shown["status"]),
            tuple(
                ReceiptLineView(sku, names.get(sku, ""), expected.get(sku, 0), received.get(sku, 0))
                for sku in skus
            ),
            refused,
        )

    def open_blind(self, operator: Operator, receipt_no: str) -> ReceiptView:
        """A blind receipt opened at this station."""
        receiving.open_blind(self.store, self._actor(operator), receipt_no)
        return self.receipt(operator, receipt_no)

    def receive(
        self,
        operator: Operator,
        receipt_no: str,
        code: str,
        qty: int = 1,
        lot: str = "",
        expiry: date | None = None,
        tote: str = "",
    ) -> ReceiveOutcome:
        """Receive units; a lot-tracked unit whose code carries no lot is held back (asked
        for), a refusal is recorded by the service and returned with its reason."""
        read = self.read_code(code)
        unit = read.unit
        if unit is not None and unit.lot_tracked and not (unit.lot or lot.strip()):
            view = self.receipt(operator, receipt_no)
            return ReceiveOutcome(
                False,
                _("{sku} is lot-tracked: give its lot and expiry").format(sku=unit.sku),
                view,
                unit,
                needs_lot=True,
            )
        try:
            receiving.receive_unit(
                self.store, self._actor(operator), receipt_no, code, qty, lot, expiry, tote
            )
        except Rejected as refusal:
            return ReceiveOutcome(False, str(refusal), self.receipt(operator, receipt_no), unit)
        return ReceiveOutcome(
            True,
            _("{sku} +{qty}").format(sku=unit.sku if unit else read.code, qty=qty),
            self.receipt(operator, receipt_no),
            unit,
        )

    def receiving_tote(self, operator: Operator, tote: str) -> str:
        """The tote the next units go into, unless picking uses it."""
        value = receiving.check_receiving_tote(self.store, self._actor(operator), tote)
        return settings.prefixes(self.store).tote + value

    def load_tote(self, operator: Operator, tote: str, refuse_empty: bool = True) -> ToteLoad:
        """A tote's units at the dock and the bin proposed for its first SKU."""
        found = receiving.tote_contents(self.store, self._actor(operator), tote, refuse_empty)
        lines = found["lines"]
        names = self._names({line["sku"] for line in lines})
        proposal = (
            PutawayProposal(
                lines[0]["sku"],
                names.get(lines[0]["sku"], ""),
                lines[0]["lot"],
                lines[0]["qty"],
                found["dock"],
                found["proposed"],
            )
            if lines
            else None
        )
        return ToteLoad(
            found["shown"],
            tuple(
                (line["sku"], names.get(line["sku"], ""), line["lot"], line["qty"])
                for line in lines
            ),
            proposal,
        )

    def close_receipt(self, operator: Operator, receipt_no: str) -> ClosedReceipt:
        """Close the receipt: units at the dock, short and over per SKU."""
        closed = receiving.close_receipt(self.store, self._actor(operator), receipt_no)
        return ClosedReceipt(
            closed["receipt_no"],
            closed["dock"],
            tuple(
                ClosedLine(
                    line["sku"], line["expected"], line["received"], line["short"], line["over"]
                )
                for line in closed["lines"]
            ),
        )

    # -- put-away -------------------------------------------------------------------------------

    def propose_putaway(
        self, operator: Operator, sku: str, lot: str | None, from_bin: str | None = None
    ) -> PutawayProposal:
        """Units of the SKU waiting for put-away (at the dock, or in a returns bin) and the
        bin the rules propose."""
        self.store.require(self._actor(operator), Permission.RECEIVE)
        found = receiving.propose_putaway(self.store, sku, 1, lot, from_bin)
        return PutawayProposal(
            sku,
            self._names({sku}).get(sku, ""),
            found["lot"],
            int(found["waiting"]),
            found["from"],
            found["proposed"],
        )

    def put_away(
        self,
        operator: Operator,
        sku: str,
        qty: int,
        to_bin: str,
        lot: str | None,
        from_bin: str | None = None,
        tote: str = "",
    ) -> StockDone:
        """Units from the dock (or the returns bin ``from_bin``) into ``to_bin``."""
        done = receiving.put_away(
            self.store, self._actor(operator), sku, qty, to_bin, lot, from_bin, tote
        )
        return StockDone(
            sku,
            qty,
            done["from"],
            done["to"],
            done["lot"],
            done["proposed"],
            len(done["allocated"]) if isinstance(done["allocated"], list) else 0,
        )

    # -- moves and replenishment ----------------------------------------------------------------

    def bin_units(self, operator: Operator, bin_code: str) -> list[BinUnits]:
        """What a bin holds, per SKU and lot (free: on hand less reserved)."""
        self.store.require(self._actor(operator), Permission.MOVE_STOCK)
        code = bin_code.strip().upper()
        rows = self.store.query(
            "SELECT s.sku, p.name, s.lot, s.on_hand, s.reserved FROM stock s"
            " JOIN products p ON p.sku = s.sku WHERE s.bin = ? AND s.on_hand > 0"
            " ORDER BY s.sku, s.lot",
            (code,),
        )
        return [
            BinUnits(r["sku"], r["name"], r["lot"], r["on_hand"], r["on_hand"] - r["reserved"])
            for r in rows
        ]

    def move(
        self, operator: Operator, sku: str, from_bin: str, to_bin: str, qty: int, lot: str
    ) -> StockDone:
        """Free units from one bin to another (reason: moved by scan)."""
        done = stock.move_stock(
            self.store, self._actor(operator), sku, from_bin, to_bin, qty, "handheld", lot
        )
        return StockDone(sku, qty, done["from"], done["to"], lot)

    def replenishments(self, operator: Operator) -> list[ReplenishTask]:
        """Pick faces below their minimum with the move proposed."""
        self.store.require(self._actor(operator), Permission.REPLENISH)
        tasks = stock_reports.replenish_list(self.store)
        names = self._names({t["sku"] for t in tasks})
        return [
            ReplenishTask(
                t["id"],
                t["face"],
                t["sku"],
                names.get(t["sku"], ""),
                t["source"],
                t["lot"],
                t["qty"],
                t["units"],
            )
            for t in tasks
        ]

    def replenish(self, operator: Operator, task_id: str, qty: int) -> StockDone:
        """The replenishment, with the units scanned."""
        done = stock_reports.replenish(self.store, self._actor(operator), task_id, qty)
        return StockDone(done["sku"], done["qty"], done["source"], done["face"], done["lot"])

    # -- counts ---------------------------------------------------------------------------------

    def count_tasks(self, operator: Operator) -> list[CountTaskView]:
        """Open count tasks with bins left to count, oldest first."""
        self.store.require(self._actor(operator), Permission.COUNT)
        found = [
            c
            for c in reversed(receiving.list_counts(self.store))
            if c["status"] == "open" and c["to_count"]
        ]
        return [self.count_task(operator, int(c["id"])) for c in found]

    def count_task(self, operator: Operator, count_id: int) -> CountTaskView:
        """A count task; expected quantities only on an open count (明盘)."""
        self.store.require(self._actor(operator), Permission.COUNT)
        task = receiving.show_count(self.store, count_id, reveal=False)
        bins = []
        for place in task["bins"]:
            expected = place.get("expected")
            bins.append(
                CountBinView(
                    place["bin"],
                    place["status"],
                    tuple((e["sku"], e["lot"], e["on_hand"]) for e in expected)
                    if task["open"] and expected is not None
                    else None,
                    place.get("previous_by"),
                )
            )
        return CountTaskView(
            int(task["id"]), str(task["scope"]), bool(task["open"]), task["status"], tuple(bins)
        )

    def count_bin(
        self,
        operator: Operator,
        count_id: int,
        bin_code: str,
        counted: Mapping[tuple[str, str], int],
        empty: bool = False,
    ) -> CountedBin:
        """Record a bin's count (the service decides: approved, counted, or recount)."""
        # a unit whose barcode carries no lot counts toward the bin's one lot of its SKU
        lots: dict[str, set[str]] = {}
        for r in self.store.query(
            "SELECT sku, lot FROM stock WHERE bin = ?", (bin_code.strip().upper(),)
        ):
            lots.setdefault(r["sku"], set()).add(r["lot"])
        keyed: dict[tuple[str, str], int] = {}
        for (sku, lot), n in counted.items():
            held = lots.get(sku, set())
            if not lot and len(held) == 1:
                lot = next(iter(held))
            keyed[(sku, lot)] = keyed.get((sku, lot), 0) + n
        done = receiving.count_bin(
            self.store, self._actor(operator), count_id, bin_code, keyed, empty
        )
        return CountedBin(
            done["bin"], done["status"], done["difference"], self.count_task(operator, count_id)
        )
