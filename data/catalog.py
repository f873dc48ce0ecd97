"""The catalog: importing products and bins, and looking up what a scanned code is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from core import stock as stock_rules
from core.codes import ScannedCode
from core.errors import Rejected, StoreFault
from core.i18n import _
from core.importing import LocationDraft, Source, parse_locations, read_products
from core.locations import walk_key
from core.model import CodeKind, ImportReport, ProductDraft, Rejection
from core.roles import Permission
from core.stock import ALLOCATABLE, BinKind, LedgerKind, Movement, StockRefused, StockRow
from data.stock import Document, bin_kind, change_bin_kind, save_movements, sku_rows
from data.store import Actor, Store, Write

#: Records per transaction: long enough to be fast, short enough not to stall scanning sessions.
CHUNK = 500

Progress = Callable[[int], None]
D = TypeVar("D")


def source_of(content: bytes | Path) -> Source:
    """What the import parsers read: bytes as they are, a path opened anew for each pass."""
    if isinstance(content, bytes):
        return content

    def open_file() -> IO[bytes]:
        return content.open("rb")

    return open_file


def chunks(
    items: Iterable[D | Rejection], rejected: list[Rejection], size: int | None = None
) -> Iterator[list[D]]:
    """Drafts in lists of ``size`` (:data:`CHUNK`) as a parser yields them; rejections go to
    ``rejected``. The parser runs between the chunks' transactions, never inside one."""
    size = size or CHUNK
    chunk: list[D] = []
    for item in items:
        if isinstance(item, Rejection):
            rejected.append(item)
            continue
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_products(
    store: Store,
    actor: Actor,
    content: bytes | Path,
    filename: str,
    progress: Progress | None = None,
    adjust_reason: str | None = None,
) -> ImportReport:
    """Add or update products from a file (its bytes, or its path: read as a stream). A new SKU
    gets its on-hand as opening stock in its bin; a known SKU's catalog data is updated and its
    stock left alone, unless ``adjust_reason`` is given: then its bin is brought to the file's
    on-hand by import corrections in the stock ledger. A product whose barcodes belong to
    another SKU, or whose correction would leave less than is reserved, is rejected whole."""
    if adjust_reason is not None:
        adjust_reason = " ".join(adjust_reason.split())
        if not adjust_reason:
            raise Rejected(_("say why the stock is adjusted (--reason)"))
    report = ImportReport("products")
    items = read_products(source_of(content), filename)
    with store.bulk():
        batches = chunks(items, report.rejected)
        for chunk in batches:
            mark = report.mark()
            try:
                with store.write(actor) as write:
                    write.require(Permission.IMPORT)
                    openings = _Openings(write, Document("import", filename, adjust_reason or ""))
                    for draft in chunk:
                        _store_product(write, draft, report, filename, adjust_reason, openings)
                    openings.save()
                    if not write.audited:
                        write.audit("import.products", filename, stored=0)
            except StoreFault as fault:
                # The chunk was rolled back: the report keeps exactly what was committed.
                report.stop(mark, Rejection(0, chunk[0].sku, str(fault)), len(chunk))
                report.not_stored += sum(len(more) for more in batches)
                break
            if progress:
                progress(len(chunk))
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


class _Openings:
    """The opening stock of a chunk's new products, saved together at the end of the chunk
    (one statement per table instead of four per product)."""

    def __init__(self, write: Write, document: Document) -> None:
        self.write = write
        self.document = document
        self.movements: list[Movement] = []
        self.skus: set[str] = set()

    def add(self, sku: str, movements: list[Movement]) -> None:
        self.movements.extend(movements)
        self.skus.add(sku)

    def save(self) -> None:
        save_movements(self.write, self.movements, self.document)
        self.movements, self.skus = [], set()


def _store_product(
    write: Write,
    draft: ProductDraft,
    report: ImportReport,
    filename: str,
    adjust_reason: str | None,
    openings: _Openings | None = None,
) -> None:
    if openings is not None and draft.sku in openings.skus:
        openings.save()  # this SKU's stock is read below: what the chunk decided is saved first
    existing = write.execute(
        "SELECT reserved, on_hand FROM products WHERE sku = ?", (draft.sku,)
    ).fetchone()
    for code in draft.barcodes:
        owner = write.execute("SELECT sku FROM barcodes WHERE code = ?", (code,)).fetchone()
        if owner and owner["sku"] != draft.sku:
            report.rejected.append(
                Rejection(
                    draft.source_line,
                    draft.sku,
                    _("barcode {code} already belongs to {owner}").format(
                        code=code, owner=owner["sku"]
                    ),
                )
            )
            return
    movements: list[Movement] = []
    if existing is None:
        movements = stock_rules.opening(draft.sku, draft.location, draft.on_hand)
    elif adjust_reason is not None:
        try:
            movements = _correction(write, draft, existing["reserved"])
        except StockRefused as refusal:
            report.rejected.append(Rejection(draft.source_line, draft.sku, str(refusal)))
            return
    elif draft.on_hand != existing["on_hand"]:
        report.stock_kept.append(draft.sku)
    write.execute(
        "INSERT INTO products (sku, name, location, on_hand, safety_stock, weight_g, updated_at)"
        " VALUES (?,?,?,0,?,?,?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name,"
        " location = excluded.location, safety_stock = excluded.safety_stock,"
        " weight_g = excluded.weight_g, updated_at = excluded.updated_at",
        (
            draft.sku,
            draft.name,
            draft.location,
            draft.safety_stock,
            draft.weight_g,
            write.now,
        ),
    )
    if draft.category is not None:
        write.execute("UPDATE products SET category = ? WHERE sku = ?", (draft.category, draft.sku))
    if draft.ships_alone is not None:
        write.execute(
            "UPDATE products SET ships_alone = ? WHERE sku = ?",
            (int(draft.ships_alone), draft.sku),
        )
    if draft.lot_tracked is not None:
        write.execute(
            "UPDATE products SET lot_tracked = ? WHERE sku = ?",
            (int(draft.lot_tracked), draft.sku),
        )
    if draft.shelf_days is not None:
        write.execute(
            "UPDATE products SET shelf_days = ? WHERE sku = ?", (draft.shelf_days, draft.sku)
        )
    write.execute("DELETE FROM barcodes WHERE sku = ?", (draft.sku,))
    write.conn.executemany(
        "INSERT INTO barcodes (code, sku) VALUES (?, ?)",
        [(code, draft.sku) for code in draft.barcodes],
    )
    if draft.location:
        write.execute(
            "INSERT INTO locations (code) VALUES (?) ON CONFLICT (code) DO NOTHING",
            (draft.location,),
        )
    if existing is None and openings is not None:
        openings.add(draft.sku, movements)
    else:
        save_movements(write, movements, Document("import", filename, adjust_reason or ""))
    write.audit(
        "product.update" if existing else "product.add",
        draft.sku,
        on_hand=draft.on_hand,
        location=draft.location,
        stock=sum(m.qty for m in movements),
    )
    (report.updated if existing else report.stored).append(draft.sku)


def _correction(write: Write, draft: ProductDraft, reserved: int) -> list[Movement]:
    """Import corrections bringing a known SKU's bin (the file's, else its home bin) to the
    file's on-hand; refused when the SKU would keep less pickable stock than is reserved."""
    rows = sku_rows(write.conn, draft.sku)
    home = write.execute("SELECT location FROM products WHERE sku = ?", (draft.sku,)).fetchone()
    bin_code = draft.location or home["location"]
    row = next(
        (r for r in rows if r.bin == bin_code and r.lot == ""),
        StockRow(draft.sku, bin_code, kind=bin_kind(write.conn, bin_code)),
    )
    movements = stock_rules.set_on_hand(row, draft.on_hand, LedgerKind.IMPORT_CORRECTION)
    change = sum(m.qty for m in movements) if row.kind in ALLOCATABLE else 0
    if stock_rules.allocatable_on_hand(rows) + change < reserved:
        raise StockRefused(
            _("on_hand {on_hand} is below the {reserved} units already reserved").format(
                on_hand=draft.on_hand, reserved=reserved
            )
        )
    return movements


def import_locations(
    store: Store, actor: Actor, content: bytes | Path, filename: str
) -> ImportReport:
    """Set the walk sequence of bins and, where the file has the columns, their kind and a pick
    face's minimum and maximum. A bin whose kind its stock cannot take (units on pick lines
    made damaged) or whose limits do not fit its kind is rejected at its line."""
    parsed = parse_locations(source_of(content), filename)
    report = ImportReport("locations", rejected=list(parsed.rejected))
    drafts: Sequence[LocationDraft] = parsed.drafts
    for start in range(0, len(drafts), CHUNK):
        mark = report.mark()
        try:
            with store.write(actor) as write:
                write.require(Permission.IMPORT)
                if any(draft.given for draft in drafts[start : start + CHUNK]):
                    write.require(Permission.MOVE_STOCK)
                for draft in drafts[start : start + CHUNK]:
                    _store_location(write, draft, report)
                write.audit("import.locations", filename, count=len(drafts[start : start + CHUNK]))
        except StoreFault as fault:
            report.stop(mark, Rejection(0, drafts[start].code, str(fault)), len(drafts) - start)
            break
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def _store_location(write: Write, draft: LocationDraft, report: ImportReport) -> None:
    stored = write.execute(
        "SELECT kind, min_units, max_units FROM locations WHERE code = ?", (draft.code,)
    ).fetchone()
    was = BinKind(stored["kind"]) if stored else BinKind.PICK_FACE
    kind = draft.kind or was
    # limits the file does not give stay, unless the bin stops being a pick face
    kept = kind is BinKind.PICK_FACE and stored is not None
    min_units = (
        draft.min_units if "min_units" in draft.given else stored["min_units"] if kept else None
    )
    max_units = (
        draft.max_units if "max_units" in draft.given else stored["max_units"] if kept else None
    )
    try:
        stock_rules.bin_limits(draft.code, kind, min_units, max_units)
        if kind is not was:
            change_bin_kind(write, draft.code, kind)
    except StockRefused as refusal:
        report.rejected.append(Rejection(draft.source_line, draft.code, str(refusal)))
        return
    write.execute(
        "INSERT INTO locations (code, sequence, min_units, max_units) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET sequence = excluded.sequence,"
        " min_units = excluded.min_units, max_units = excluded.max_units",
        (draft.code, draft.sequence, min_units, max_units),
    )
    (report.updated if stored else report.stored).append(draft.code)


def walk_sequences(conn: Any) -> dict[str, int]:
    """Bin code → walk sequence for the sequenced bins."""
    return {
        row["code"]: row["sequence"]
        for row in conn.execute("SELECT code, sequence FROM locations WHERE sequence IS NOT NULL")
    }


def bin_walk_key(conn: Any) -> Callable[[str], Any]:
    """A sort key placing bins in walk order."""
    sequences = walk_sequences(conn)
    return lambda code: walk_key(code, sequences)


class _Sequences(dict[str, int]):
    """Walk sequences read bin by bin as they are asked for (indexed), for a caller that
    orders a few bins: reading every bin of a large warehouse costs more than its work."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.conn = conn
        self.unsequenced: set[str] = set()

    def get(self, code: str, default: Any = None) -> Any:
        if code not in self and code not in self.unsequenced:
            row = self.conn.execute(
                "SELECT sequence FROM locations WHERE code = ? AND sequence IS NOT NULL", (code,)
            ).fetchone()
            if row is None:
                self.unsequenced.add(code)
            else:
                self[code] = row["sequence"]
        return super().get(code, default)


def few_bins_walk_key(conn: Any) -> Callable[[str], Any]:
    """The sort key of :func:`bin_walk_key`, reading each bin's sequence when first asked."""
    sequences = _Sequences(conn)
    return lambda code: walk_key(code, sequences)


def sku_for_code(conn: Any, code: ScannedCode) -> str | None:
    """The catalog SKU a product scan refers to (indexed lookups): a SKU label's SKU, else the
    product the barcode belongs to, else a product whose SKU is the code (a SKU label printed
    without its prefix)."""
    if code.kind is not CodeKind.PRODUCT:
        return None
    if not code.by_sku:
        row = conn.execute("SELECT sku FROM barcodes WHERE code = ?", (code.value,)).fetchone()
        if row:
            return str(row["sku"])
    row = conn.execute("SELECT sku FROM products WHERE sku = ?", (code.value,)).fetchone()
    return str(row["sku"]) if row else None


def list_products(store: Store, low_only: bool = False) -> list[dict[str, Any]]:
    """Products with stock figures; ``free`` is allocatable on hand less reserved (units in
    damaged, receiving and returns bins are not free), ``low`` when it is below safety stock."""
    where = "WHERE p.on_hand - p.unpickable - p.reserved < p.safety_stock" if low_only else ""
    rows = store.query(
        "SELECT p.sku, p.name, p.location, p.on_hand, p.reserved, p.unpickable,"
        " p.on_hand - p.unpickable - p.reserved AS free, p.safety_stock, p.weight_g,"
        " (SELECT group_concat(code, '|') FROM barcodes b WHERE b.sku = p.sku) AS barcodes,"
        " p.on_hand - p.unpickable - p.reserved < p.safety_stock AS low,"
        " p.category, p.ships_alone"
        f" FROM products p {where} ORDER BY p.sku"
    )
    for row in rows:
        row["low"] = bool(row["low"])
        row["ships_alone"] = bool(row["ships_alone"])
        row["barcodes"] = (row["barcodes"] or "").split("|") if row["barcodes"] else []
    return rows
