"""Picking: recording scans on a list, closing lines short, finishing lists."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core import words
from core.clock import from_iso
from core.codes import CodePrefixes, ScannedCode, display_code, parse_scan
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import ACCEPTED, OrderStatus, PickListStatus, Priority, ShortReason, Verdict
from core.notices import stored_parts
from core.picking import (
    PickLineState,
    PickSettings,
    ShareState,
    judge_pick_scan,
    lines_to_skip,
    reroute_short,
    share_for_unit,
)
from core.ports import PickLineView, PickView, ScanOutcome
from core.roles import Permission
from data.catalog import sku_for_code
from data.pick_lines import line_shares, move_to_new_lines, share_state, short_shares
from data.settings import scan_settings_on
from data.status import set_list_status, set_order_status
from data.stock import (
    Document,
    draw_for_line,
    release_line,
    save_movements,
    sku_rows,
)
from data.stock import _walk as stock_walk
from data.store import Actor, Store, Write
from data.waves import picklist_code


def read_pick_view(store: Store, picklist_id: int, settings: PickSettings) -> PickView:
    """A consistent read of a list for the pick screen."""
    with store.read() as conn:
        return pick_view(conn, store, picklist_id, settings)


def pick_view(conn: Any, store: Store, picklist_id: int, settings: PickSettings) -> PickView:
    """Everything the pick screen shows about a list."""
    return _pick_view(conn, picklist_id, settings, picklist_code(store, picklist_id))[0]


def _pick_view(
    conn: Any, picklist_id: int, settings: PickSettings, code: str
) -> tuple[PickView, str | None]:
    """The pick screen's view of a list, and who picks it."""
    row = conn.execute("SELECT * FROM picklists WHERE id = ?", (picklist_id,)).fetchone()
    if row is None:
        raise NotFound(_("no pick list {id}").format(id=picklist_id))
    lines = tuple(
        PickLineView(
            line_id=line["id"],
            seq=line["seq"],
            sku=line["sku"],
            name=line["name"] or "",
            location=line["location"],
            qty=line["qty"],
            picked=line["picked"],
            short=line["short"],
            barcode=line["barcode"] or "",
        )
        for line in conn.execute(
            "SELECT l.id, l.seq, l.sku, p.name, l.location, l.qty, l.picked, l.short,"
            " (SELECT min(code) FROM barcodes b WHERE b.sku = l.sku) AS barcode"
            " FROM pick_lines l LEFT JOIN products p ON p.sku = l.sku"
            " WHERE l.picklist_id = ? AND l.qty > 0 ORDER BY l.seq, l.id",
            (picklist_id,),
        )
    )
    open_due = conn.execute(
        "SELECT min(due_at) AS due, count(*) AS n FROM orders WHERE picklist_id = ?",
        (picklist_id,),
    ).fetchone()
    view = PickView(
        picklist_id=picklist_id,
        code=code,
        status=PickListStatus(row["status"]),
        priority=Priority(row["priority"]),
        due_at=from_iso(open_due["due"] or row["due_at"]),
        order_count=open_due["n"],
        lines=lines,
        confirmed_location=row["confirmed_location"],
        location_first=settings.location_first,
    )
    return view, row["picker"]


def _view_after_scan(
    view: PickView,
    counted_line: int | None,
    status: PickListStatus | None,
    confirmed_location: str | None,
) -> PickView:
    """The list as a scan left it, worked out from the view read at its start: a scan changes
    one line's picked count, maybe the confirmed bin and maybe the list's status, and nothing
    else the view shows (a second read inside the write would only lengthen the transaction
    every other picker waits for)."""
    lines = view.lines
    if counted_line is not None:
        lines = tuple(
            replace(line, picked=line.picked + 1) if line.line_id == counted_line else line
            for line in lines
        )
    return replace(
        view,
        lines=lines,
        status=status or view.status,
        confirmed_location=(
            view.confirmed_location if confirmed_location is None else confirmed_location
        ),
    )


def _line_states(view: PickView) -> list[PickLineState]:
    return [
        PickLineState(
            line.line_id, line.sku, line.name, line.location, line.qty, line.picked, line.short
        )
        for line in view.lines
    ]


@dataclass(frozen=True)
class PreparedScan:
    """A pick scan with what its verdict is judged against that is read before the write
    lock (:func:`prepare_pick_scan`): a session reads it on its own connection, and the
    scan writer (``data.scan_writer``) stores it in a group commit."""

    raw: str
    source: str
    prefixes: CodePrefixes
    settings: PickSettings
    code: ScannedCode
    sku: str | None
    shown: _Shown


def prepare_pick_scan(
    store: Store,
    picklist_id: int,
    raw: str,
    source: str,
    prefixes: CodePrefixes | None = None,
    settings: PickSettings | None = None,
) -> PreparedScan:
    """Read what a pick scan's verdict does not hang on, before the write lock: the code
    prefixes and pick settings (with the code's SKU, when not given), the SKU the code names,
    and what the screen only shows (names, barcodes, the orders' due time and count). A scan
    judged against that catalog read is the same scan made a moment earlier."""
    with store.read() as conn:
        if prefixes is None or settings is None:
            prefixes, settings = scan_settings_on(conn)
        code = parse_scan(raw, prefixes)
        sku = sku_for_code(conn, code)
        shown = _shown(conn, store, picklist_id)
    return PreparedScan(raw, source, prefixes, settings, code, sku, shown)


def record_pick_scan(
    store: Store,
    actor: Actor,
    picklist_id: int,
    raw: str,
    source: str,
    prefixes: CodePrefixes | None = None,
    settings: PickSettings | None = None,
) -> ScanOutcome:
    """Judge one scan on a list and store it with its verdict; an accepted unit counts on its
    pick line and on the most urgent order still missing it, all in one transaction. The
    code prefixes and pick settings are read with the code's SKU when not given."""
    prepared = prepare_pick_scan(store, picklist_id, raw, source, prefixes, settings)
    return store_pick_scan(store, actor, picklist_id, prepared)


def store_pick_scan(
    store: Store, actor: Actor, picklist_id: int, prepared: PreparedScan, wait: bool = True
) -> ScanOutcome:
    """Store a prepared pick scan with its verdict, in one write transaction (``wait=False``:
    :class:`data.store.LockTaken` at once, nothing done, when another connection holds the
    write lock).

    Every picker's scan waits for the write lock this one holds, so only what the verdict
    depends on is read inside it: the picker's permission, the list and its lines; then the
    changes."""
    raw, source, prefixes, settings = (
        prepared.raw,
        prepared.source,
        prepared.prefixes,
        prepared.settings,
    )
    code, sku, shown = prepared.code, prepared.sku, prepared.shown
    list_code = f"{prefixes.picklist}{picklist_id:06d}"
    with store.write(actor, wait=wait) as write:
        write.require(Permission.PICK)
        view, picker = _locked_view(write.conn, picklist_id, settings, list_code, shown)
        refusal = _not_pickable(view, picker, actor.user)
        if refusal is not None:
            verdict, message, line_id = Verdict.NOT_EXPECTED, refusal, None
            decision_location = None
        else:
            decision = judge_pick_scan(
                _line_states(view), code, sku, view.confirmed_location, settings
            )
            verdict, message, line_id = decision.verdict, decision.message, decision.line_id
            decision_location = decision.confirms_location
            if decision.binds_tote is not None:
                refusal = _bind_tote(write, picklist_id, decision.binds_tote, prefixes)
                if refusal is not None:
                    verdict, message = Verdict.NOT_EXPECTED, refusal
        order_no = None
        counted, status, confirmed = None, None, None
        if verdict is Verdict.OK and line_id is not None:
            order_no = _count_unit(write, line_id)
            counted = line_id
            if not any(
                line.picked + line.short + (line.line_id == line_id) < line.qty
                for line in view.lines
            ):
                # The last open unit of a list being picked (so it has units): the list is
                # picked, as settle_list would find with one more read of the same lines.
                status = _finish_list(write, picklist_id, PickListStatus.PICKED, view.status)
        elif decision_location is not None:
            write.execute(
                "UPDATE picklists SET confirmed_location = ? WHERE id = ?",
                (decision_location, picklist_id),
            )
            confirmed = decision_location
        write.execute(
            "INSERT INTO scans (at, user, station, source, raw, kind, code, sku, verdict,"
            " picklist_id, pick_line_id, order_no, message, message_code, message_params)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                write.now,
                actor.user,
                actor.station,
                source,
                raw,
                code.kind.value,
                code.value,
                sku,
                verdict.value,
                picklist_id,
                line_id,
                order_no,
                *stored_parts(message),
            ),
        )
        write.audit(f"scan.{verdict.value}", view.code, code=code.value, order_no=order_no)
    after = _view_after_scan(view, counted, status, confirmed)
    return ScanOutcome(
        verdict=verdict,
        message=message,
        code=display_code(raw),
        view=after,
        accepted=verdict in ACCEPTED,
    )


@dataclass(frozen=True)
class _Shown:
    """What the pick screen shows of a list that no scan changes, read before the write lock:
    each line's product name and barcode (by line id), and the list's orders' earliest due
    time and count."""

    products: dict[int, tuple[str, str]]
    due: str | None
    orders: int


#: Lists whose product names and barcodes a store keeps (a picker works one list at a time).
_SHOWN_LISTS = 256


def _shown(conn: Any, store: Store | None, picklist_id: int) -> _Shown:
    """What the screen shows of a list. A list's lines keep their SKU, so their names and
    barcodes are read once per list and kept on the store (``store.shown``); every scan reads
    only the orders' due time and count, which a cancelled order changes."""
    kept: dict[int, dict[int, tuple[str, str]]] | None = (
        None if store is None else store.shown.setdefault("pick_lines", {})
    )
    products = None if kept is None else kept.get(picklist_id)
    if products is not None:
        due, orders = conn.execute(
            "SELECT min(due_at), count(*) FROM orders WHERE picklist_id = ?", (picklist_id,)
        ).fetchone()
        return _Shown(products, due, orders)
    shown = _read_shown(conn, picklist_id)
    if kept is not None and shown.products:
        if len(kept) >= _SHOWN_LISTS:
            kept.pop(next(iter(kept)))
        kept[picklist_id] = shown.products
    return shown


def _read_shown(conn: Any, picklist_id: int) -> _Shown:
    # One statement: the orders' due time and count are constant subqueries, read once.
    rows = conn.execute(
        "SELECT l.id, p.name, (SELECT min(code) FROM barcodes b WHERE b.sku = l.sku),"
        " (SELECT min(due_at) FROM orders WHERE picklist_id = ?1),"
        " (SELECT count(*) FROM orders WHERE picklist_id = ?1)"
        " FROM pick_lines l LEFT JOIN products p ON p.sku = l.sku"
        " WHERE l.picklist_id = ?1 AND l.qty > 0",
        (picklist_id,),
    ).fetchall()
    if not rows:  # no line left to show: the orders alone
        due, orders = conn.execute(
            "SELECT min(due_at), count(*) FROM orders WHERE picklist_id = ?", (picklist_id,)
        ).fetchone()
        return _Shown({}, due, orders)
    return _Shown({row[0]: (row[1] or "", row[2] or "") for row in rows}, rows[0][3], rows[0][4])


def _locked_view(
    conn: Any, picklist_id: int, settings: PickSettings, code: str, shown: _Shown
) -> tuple[PickView, str | None]:
    """The view of a list as :func:`_pick_view` reads it, inside the write lock with one
    statement: the list and its lines' state, joined with what ``shown`` read before the lock
    (a line added since, by a short pick moved to another bin, has its product read here)."""
    rows = conn.execute(
        "SELECT p.status, p.picker, p.priority, p.due_at, p.confirmed_location,"
        " l.id, l.seq, l.sku, l.location, l.qty, l.picked, l.short"
        " FROM picklists p LEFT JOIN pick_lines l ON l.picklist_id = p.id AND l.qty > 0"
        " WHERE p.id = ? ORDER BY l.seq, l.id",
        (picklist_id,),
    ).fetchall()
    if not rows:
        raise NotFound(_("no pick list {id}").format(id=picklist_id))
    products = shown.products
    if any(row[5] is not None and row[5] not in products for row in rows):
        products.update(_read_shown(conn, picklist_id).products)  # kept for the next scans
    head = rows[0]
    lines = tuple(
        PickLineView(
            line_id=row[5],
            seq=row[6],
            sku=row[7],
            name=products[row[5]][0],
            location=row[8],
            qty=row[9],
            picked=row[10],
            short=row[11],
            barcode=products[row[5]][1],
        )
        for row in rows
        if row[5] is not None
    )
    view = PickView(
        picklist_id=picklist_id,
        code=code,
        status=PickListStatus(head[0]),
        priority=Priority(head[2]),
        due_at=from_iso(shown.due or head[3]),
        order_count=shown.orders,
        lines=lines,
        confirmed_location=head[4],
        location_first=settings.location_first,
    )
    return view, head[1]


def _bind_tote(write: Write, picklist_id: int, tote: str, prefixes: CodePrefixes) -> str | None:
    """Make ``tote`` the list's tote, unless it still holds another list's units (a list not
    yet packed); returns why not, or None when bound."""
    other = write.execute(
        "SELECT p.id FROM picklists p WHERE upper(p.tote) = upper(?) AND p.id != ?"
        " AND p.status IN ('picking', 'picked') AND EXISTS (SELECT 1 FROM orders o"
        "   WHERE o.picklist_id = p.id AND o.status IN ('picking', 'picked', 'packing'))",
        (tote, picklist_id),
    ).fetchone()
    if other is not None:
        return _("Tote {tote} still holds list {other}. Take an empty tote.").format(
            tote=prefixes.tote + tote, other=f"{prefixes.picklist}{other['id']:06d}"
        )
    write.execute("UPDATE picklists SET tote = ? WHERE id = ?", (tote, picklist_id))
    return None


def _not_pickable(view: PickView, picker: str | None, user: str) -> str | None:
    """Why a scan cannot count on this list at all (None when it is the user's open list)."""
    if picker != user:
        return _("List {code} is not yours to pick.").format(code=view.code)
    if view.status is PickListStatus.PICKED:
        return _("This list is finished. Take the tote to packing.")
    if view.status is not PickListStatus.PICKING:
        return _("List {code} is {status}; nothing to pick.").format(
            code=view.code, status=words.pick_list(view.status)
        )
    return None


def _count_unit(write: Write, line_id: int) -> str | None:
    """Count one picked unit on the line and on the order that needs it most; an order whose
    every line is then picked in full is ``picked``."""
    updated = write.execute(
        "UPDATE pick_lines SET picked = picked + 1 WHERE id = ? AND picked + short < qty",
        (line_id,),
    ).rowcount
    if updated != 1:
        raise Rejected(_("that line is already complete"))
    # The shares with what settling their order needs (its status, its units not yet picked),
    # read with them instead of again after the count.
    rows = write.execute(
        "SELECT s.id, s.order_no, s.order_line_id, s.qty, s.picked, o.due_at, o.priority,"
        " o.status, (SELECT sum(ol.qty - ol.picked) FROM order_lines ol"
        "  WHERE ol.order_no = s.order_no) AS missing"
        " FROM pick_shares s JOIN orders o ON o.order_no = s.order_no WHERE s.pick_line_id = ?",
        (line_id,),
    ).fetchall()
    share = share_for_unit([share_state(row) for row in rows])
    if share is None:
        raise Rejected(_("no order on this line is missing a unit"))
    row = next(row for row in rows if row["id"] == share.share_id)
    write.execute("UPDATE pick_shares SET picked = picked + 1 WHERE id = ?", (share.share_id,))
    write.execute(
        "UPDATE order_lines SET picked = picked + 1 WHERE id = ?", (row["order_line_id"],)
    )
    # This unit was one of the order's missing ones.
    if row["status"] == OrderStatus.PICKING.value and row["missing"] == 1:
        set_order_status(write, share.order_no, OrderStatus.PICKED, current=OrderStatus.PICKING)
        write.audit("order.picked", share.order_no)
    return share.order_no


def settle_list(write: Write, picklist_id: int) -> PickListStatus | None:
    """Finish a list whose lines are all picked or short (cancel it if nothing is left);
    returns the list's new status, or None when it stays as it is."""
    row = write.execute(
        "SELECT p.status, count(l.id) AS lines, coalesce(sum(l.qty), 0) AS units,"
        " coalesce(sum(CASE WHEN l.picked + l.short < l.qty THEN 1 ELSE 0 END), 0) AS open"
        " FROM picklists p LEFT JOIN pick_lines l ON l.picklist_id = p.id WHERE p.id = ?",
        (picklist_id,),
    ).fetchone()
    if row["open"] or row["status"] in (
        PickListStatus.PICKED.value,
        PickListStatus.CANCELLED.value,
    ):
        return None
    status = PickListStatus.PICKED if row["units"] else PickListStatus.CANCELLED
    if status is PickListStatus.PICKED and row["status"] == PickListStatus.RELEASED.value:
        return None  # nothing picked yet: an unclaimed list whose orders remain keeps waiting
    return _finish_list(write, picklist_id, status, PickListStatus(row["status"]))


def _finish_list(
    write: Write, picklist_id: int, status: PickListStatus, current: PickListStatus
) -> PickListStatus:
    """Save a list as finished (``picked`` or ``cancelled``), ``current`` being the status read
    in this transaction."""
    set_list_status(write, picklist_id, status, current=current, finished_at=write.now)
    write.audit(f"picklist.{status.value}", f"list {picklist_id}")
    return status


def close_short(
    store: Store,
    actor: Actor,
    picklist_id: int,
    line_id: int,
    reason: ShortReason,
) -> list[str]:
    """Close a line short. Its missing units are first offered from other bins holding free
    stock of the SKU (new lines on the list, right after this one, carrying the most urgent
    orders' units); what no other bin can give is released, and the orders that miss it go to
    ``exception`` with the reason. The bin is flagged for a count either way. Returns the
    orders sent to the exception queue."""
    with store.write(actor) as write:
        write.require(Permission.PICK)
        line = write.execute(
            "SELECT l.*, p.picker, p.status AS list_status FROM pick_lines l"
            " JOIN picklists p ON p.id = l.picklist_id WHERE l.id = ? AND l.picklist_id = ?",
            (line_id, picklist_id),
        ).fetchone()
        if line is None:
            raise NotFound(_("no such line on this list"))
        if line["list_status"] != PickListStatus.PICKING.value or line["picker"] != actor.user:
            raise Rejected(_("this list is not yours to pick"))
        missing = line["qty"] - line["picked"] - line["short"]
        if missing <= 0:
            raise Rejected(_("this line is already complete"))
        plan, rerouted = _reroute(write, picklist_id, line, missing)
        if missing > sum(rerouted.values()):
            write.execute(
                "UPDATE pick_lines SET short = short + ?, short_reason = ? WHERE id = ?",
                (missing - sum(rerouted.values()), reason.value, line_id),
            )
        affected = []
        for share, left in short_shares(write, plan, line["sku"], line["location"], reason.value):
            release_line(write, line["sku"], line["location"], line["lot"], left, share.order_no)
            affected.append(share.order_no)
        if line["location"]:
            write.execute(
                "INSERT INTO locations (code, needs_count, count_reason) VALUES (?, 1, ?)"
                " ON CONFLICT (code) DO UPDATE SET needs_count = 1,"
                " count_reason = excluded.count_reason",
                (line["location"], f"short pick {line['sku']}: {reason.value}"),
            )
        write.audit(
            "pick.short",
            picklist_code(store, picklist_id),
            sku=line["sku"],
            missing=missing,
            reason=reason.value,
            orders=affected,
            rerouted=rerouted,
        )
        settle_list(write, picklist_id)
    return affected


def _reroute(
    write: Write, picklist_id: int, line: Any, missing: int
) -> tuple[list[tuple[ShareState, int]], dict[str, int]]:
    """Offer a short line's missing units from the SKU's other bins: reserve what they hold
    free (in pick order), add a line per bin right after the short one and move the most
    urgent orders' units onto it. Returns the plan (each open share with the units it moved)
    and the units each other bin now gives."""
    sku, here = line["sku"], line["location"]
    others = {sku: [row for row in sku_rows(write.conn, sku) if row.bin != here]}
    movements, left = draw_for_line(write, others, sku, missing, stock_walk(write.conn))
    units = missing - left
    plan = reroute_short(line_shares(write, line["id"]), units)
    if not units:
        return plan, {}
    first = plan[0][0].order_no
    release_line(write, sku, here, line["lot"], units, first)
    save_movements(write, movements, Document("order", first))
    move_to_new_lines(write, picklist_id, line, sku, units, plan, movements)
    rerouted: dict[str, int] = {}
    for movement in movements:
        rerouted[movement.bin] = rerouted.get(movement.bin, 0) + movement.reserved
    return plan, rerouted


def skip_bin(store: Store, actor: Actor, picklist_id: int, line_id: int) -> str:
    """The bin of a line is blocked (a pallet in the aisle, a locked cage): its open lines go
    to the end of the list and come back when the rest is picked. Returns the bin."""
    with store.write(actor) as write:
        write.require(Permission.PICK)
        view, picker = _pick_view(
            write.conn, picklist_id, PickSettings(), picklist_code(store, picklist_id)
        )
        refusal = _not_pickable(view, picker, actor.user)
        if refusal is not None:
            raise Rejected(refusal)
        line = next((ln for ln in view.lines if ln.line_id == line_id), None)
        if line is None:
            raise NotFound(_("no such line on this list"))
        skipped = lines_to_skip(_line_states(view), line.location)
        last = max(ln.seq for ln in view.lines)
        write.conn.executemany(
            "UPDATE pick_lines SET seq = ? WHERE id = ?",
            [(last + 1, skipped_id) for skipped_id in skipped],
        )
        write.audit("pick.skip", view.code, bin=line.location, lines=len(skipped))
    return line.location


def list_scans(
    store: Store, user: str | None = None, verdict: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Recent scans, newest first."""
    clauses, parameters = [], []
    if user:
        clauses.append("user = ?")
        parameters.append(user)
    if verdict:
        clauses.append("verdict = ?")
        parameters.append(verdict)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query(
        "SELECT id, at, user, station, source, raw, kind, code, sku, verdict, picklist_id,"
        f" order_no, message FROM scans {where} ORDER BY id DESC LIMIT ?",
        [*parameters, limit],
    )
