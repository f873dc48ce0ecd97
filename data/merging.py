"""Merge (合单) and split (拆单) in the store: at wave release a buyer's orders become one
order (one pick share, one parcel, one waybill), or are proposed to a supervisor; a
backordered order ships what is in stock; an oversize product gets a parcel of its own.

The rules are core.merging's; this module loads the orders, asks them and saves. An order
merged into another keeps its number and becomes ``merged`` (its lines now the lead's); the
merge log (``merges`` and ``merge_orders``) keeps every order number with the lines it had. A
part split off an order is an order of its own, numbered ``<order>-2``, ``-3`` … and
remembering the order it came from (``split_from``), so the bulk-ship file names the
platform's order for its waybill.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from core.clock import from_iso
from core.errors import NotFound, Rejected
from core.i18n import _
from core.merging import MergeCandidate, MergeGroup, merge_groups, parcels, split_available
from core.model import OrderStatus, PaymentStatus, Priority
from core.roles import Permission
from data import settings
from data.orders import try_allocate
from data.status import set_order_status
from data.store import Actor, Store, Write

#: More parcels than this for one order's oversize units is a typing mistake, not a shipment:
#: the order is left whole and the release audits why.
MAX_PARTS = 50

_PART_COLUMNS = (
    "channel, shop, placed_at, priority, payment_status, customer_name, phone, country,"
    " province, city, district, address, postcode, due_at, waived, buyer, cod, merge_token,"
    " customer_key, customer_class, vip_carrier"
)


# -- merge at wave release --------------------------------------------------------------------------


def merge_at_release(write: Write, mode: str) -> set[str]:
    """Merge (``auto``) or propose (``propose``) the orders waiting for a wave that may ship
    together. Returns the orders a proposal holds back from this wave."""
    if mode not in ("auto", "propose"):
        return set()
    held = _proposed(write)
    refused = _refused(write)
    rows = write.execute(
        "SELECT order_no, shop, buyer, customer_name, phone, province, city, district, address,"
        " due_at, priority, payment_status, cod, merge_token FROM orders"
        " WHERE status = ? AND picklist_id IS NULL",
        (OrderStatus.ALLOCATED.value,),
    ).fetchall()
    candidates = [
        _candidate(row, row["order_no"] in refused) for row in rows if row["order_no"] not in held
    ]
    for group in merge_groups(candidates):
        if mode == "auto":
            merge_id = _log(write, group, "merged")
            _merge(write, group)
            write.audit("order.merge", group.lead, merged=list(group.others), merge=merge_id)
        else:
            merge_id = _log(write, group, "proposed")
            write.audit("merge.propose", group.lead, orders=list(group.others), merge=merge_id)
            held.update(group.order_nos)
    return held


def _candidate(row: Any, refused: bool) -> MergeCandidate:
    return MergeCandidate(
        order_no=row["order_no"],
        shop=row["shop"],
        buyer=row["buyer"],
        customer_name=row["customer_name"],
        phone=row["phone"],
        province=row["province"],
        city=row["city"],
        district=row["district"],
        address=row["address"],
        due_at=from_iso(row["due_at"]),
        priority=Priority(row["priority"]),
        paid=row["payment_status"] == PaymentStatus.PAID.value,
        cod=bool(row["cod"]),
        merge_token=row["merge_token"],
        refused=refused,
    )


def _members(write: Write, status: str) -> set[str]:
    return {
        row["order_no"]
        for row in write.execute(
            "SELECT mo.order_no FROM merge_orders mo JOIN merges m ON m.id = mo.merge_id"
            " WHERE m.status = ?",
            (status,),
        )
    }


def _proposed(write: Write) -> set[str]:
    return _members(write, "proposed")


def _refused(write: Write) -> set[str]:
    return _members(write, "refused")


def _lines(write: Write, order_no: str) -> list[Any]:
    return write.execute(
        "SELECT id, sku, qty, reserved, note FROM order_lines WHERE order_no = ? ORDER BY line_no",
        (order_no,),
    ).fetchall()


def _log(write: Write, group: MergeGroup, status: str) -> int:
    merge_id = write.execute(
        "INSERT INTO merges (lead_order_no, status, created_at) VALUES (?,?,?)",
        (group.lead, status, write.now),
    ).lastrowid
    assert merge_id is not None
    write.conn.executemany(
        "INSERT INTO merge_orders (merge_id, order_no, lines) VALUES (?,?,?)",
        [
            (
                merge_id,
                order_no,
                json.dumps(
                    [{"sku": r["sku"], "qty": r["qty"]} for r in _lines(write, order_no)],
                    ensure_ascii=False,
                ),
            )
            for order_no in group.order_nos
        ],
    )
    if status != "proposed":
        write.execute(
            "UPDATE merges SET decided_by = ?, decided_at = ? WHERE id = ?",
            (write.actor.user, write.now, merge_id),
        )
    return merge_id


def _merge(write: Write, group: MergeGroup) -> None:
    """The others' lines become the lead's (one line per SKU: quantities and reservations
    added), the others become ``merged``; the lead takes the most urgent priority."""
    lead_lines = {row["sku"]: row for row in _lines(write, group.lead)}
    next_no = (
        1
        + (
            write.execute(
                "SELECT coalesce(max(line_no), 0) FROM order_lines WHERE order_no = ?",
                (group.lead,),
            ).fetchone()[0]
        )
    )
    for order_no in group.others:
        for line in _lines(write, order_no):
            mine = lead_lines.get(line["sku"])
            if mine is None:
                write.execute(
                    "UPDATE order_lines SET order_no = ?, line_no = ? WHERE id = ?",
                    (group.lead, next_no, line["id"]),
                )
                next_no += 1
                lead_lines[line["sku"]] = line
                continue
            notes = [n for n in (mine["note"], line["note"]) if n]
            write.execute(
                "UPDATE order_lines SET qty = qty + ?, reserved = reserved + ?, note = ?"
                " WHERE id = ?",
                (line["qty"], line["reserved"], "; ".join(dict.fromkeys(notes)), mine["id"]),
            )
            write.execute("DELETE FROM order_lines WHERE id = ?", (line["id"],))
        set_order_status(
            write, order_no, OrderStatus.MERGED, OrderStatus.ALLOCATED, merged_into=group.lead
        )
    write.execute(
        "UPDATE orders SET priority = ?, updated_at = ? WHERE order_no = ?",
        (group.priority.value, write.now, group.lead),
    )


def list_merges(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """The merge log, newest first: each merge or proposal with its orders and their lines."""
    where, parameters = ("WHERE status = ?", [status]) if status else ("", [])
    merges = store.query(
        "SELECT id, lead_order_no, status, created_at, decided_by, decided_at, reason"
        f" FROM merges {where} ORDER BY id DESC",
        parameters,
    )
    for merge in merges:
        merge["orders"] = [
            {"order_no": row["order_no"], "lines": json.loads(row["lines"])}
            for row in store.query(
                "SELECT order_no, lines FROM merge_orders WHERE merge_id = ? ORDER BY rowid",
                (merge["id"],),
            )
        ]
    return merges


def _proposal(write: Write, merge_id: int) -> tuple[Any, list[str]]:
    row = write.execute("SELECT * FROM merges WHERE id = ?", (merge_id,)).fetchone()
    if row is None:
        raise NotFound(_("no merge {id}").format(id=merge_id))
    if row["status"] != "proposed":
        raise Rejected(
            _("merge {id} is {status} already").format(id=merge_id, status=row["status"])
        )
    orders = [
        r["order_no"]
        for r in write.execute(
            "SELECT order_no FROM merge_orders WHERE merge_id = ? ORDER BY rowid", (merge_id,)
        )
    ]
    return row, orders


def _decide(write: Write, merge_id: int, status: str, reason: str) -> None:
    write.execute(
        "UPDATE merges SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
        (status, write.actor.user, write.now, reason, merge_id),
    )


def accept_merge(store: Store, actor: Actor, merge_id: int, reason: str = "") -> dict[str, Any]:
    """A supervisor accepts a proposed merge: the orders are merged now (if they still may:
    all still waiting for a wave and still alike), and the lead goes to the next wave."""
    with store.write(actor) as write:
        write.require(Permission.RELEASE_WAVE)
        row, orders = _proposal(write, merge_id)
        found = write.execute(
            "SELECT order_no, shop, buyer, customer_name, phone, province, city, district,"
            " address, due_at, priority, payment_status, cod, merge_token FROM orders"
            f" WHERE status = ? AND picklist_id IS NULL AND order_no IN ({','.join('?' * len(orders))})",
            [OrderStatus.ALLOCATED.value, *orders],
        ).fetchall()
        groups = merge_groups(_candidate(r, False) for r in found)
        if len(groups) != 1 or set(groups[0].order_nos) != set(orders):
            raise Rejected(
                _(
                    "the orders of merge {id} may no longer ship together (one changed or left);"
                    " refuse it"
                ).format(id=merge_id)
            )
        group = groups[0]
        _merge(write, group)
        _decide(write, merge_id, "merged", " ".join(reason.split()))
        if group.lead != row["lead_order_no"]:
            write.execute(
                "UPDATE merges SET lead_order_no = ? WHERE id = ?", (group.lead, merge_id)
            )
        write.audit("order.merge", group.lead, merged=list(group.others), merge=merge_id)
    return {"merge_id": merge_id, "lead": group.lead, "merged": list(group.others)}


def refuse_merge(store: Store, actor: Actor, merge_id: int, reason: str) -> dict[str, Any]:
    """A supervisor refuses a proposed merge (with the reason): the orders ship apart and
    are not proposed again."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the orders must not merge (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.RELEASE_WAVE)
        _row, orders = _proposal(write, merge_id)
        _decide(write, merge_id, "refused", reason)
        write.audit("merge.refuse", f"merge {merge_id}", orders=orders, reason=reason)
    return {"merge_id": merge_id, "orders": orders, "reason": reason}


# -- split ------------------------------------------------------------------------------------------


def _part_number(write: Write, root: str) -> str:
    taken = write.execute("SELECT count(*) FROM orders WHERE split_from = ?", (root,)).fetchone()[0]
    number = taken + 2
    while write.execute(
        "SELECT 1 FROM orders WHERE order_no = ?", (f"{root}-{number}",)
    ).fetchone():
        number += 1
    return f"{root}-{number}"


def _new_part(
    write: Write,
    parent: str,
    lines: list[tuple[str, int, str, int]],
    status: OrderStatus,
) -> str:
    """An order for part of ``parent``'s units (SKU, units, note, reserved), with the same
    buyer and address, in ``status``."""
    root = write.execute(
        "SELECT coalesce(split_from, order_no) FROM orders WHERE order_no = ?", (parent,)
    ).fetchone()[0]
    part = _part_number(write, root)
    write.execute(
        f"INSERT INTO orders (order_no, status, imported_at, updated_at, split_from, {_PART_COLUMNS})"
        f" SELECT ?, ?, ?, ?, ?, {_PART_COLUMNS} FROM orders WHERE order_no = ?",
        (part, OrderStatus.RECEIVED.value, write.now, write.now, root, parent),
    )
    write.conn.executemany(
        "INSERT INTO order_lines (order_no, line_no, sku, qty, reserved, note)"
        " VALUES (?,?,?,?,?,?)",
        [
            (part, number, sku, qty, reserved, note)
            for number, (sku, qty, note, reserved) in enumerate(lines, start=1)
        ],
    )
    set_order_status(write, part, status, OrderStatus.RECEIVED)
    return part


def split_in(write: Write, order_no: str) -> str | None:
    """Split a backordered order in the caller's write: what free stock covers stays on it
    and is allocated, the rest goes to a new backordered part. Returns the part's number,
    or None when there is nothing to split (nothing in stock, or all of it)."""
    lines = _lines(write, order_no)
    skus = sorted({line["sku"] for line in lines})
    free = {
        row["sku"]: row["on_hand"] - row["unpickable"] - row["reserved"]
        for row in write.execute(
            "SELECT sku, on_hand, unpickable, reserved FROM products"
            f" WHERE sku IN ({','.join('?' * len(skus))})",
            skus,
        )
    }
    parts = split_available([(line["sku"], line["qty"]) for line in lines], free)
    if parts is None:
        return None
    rest = [
        (line["sku"], later, line["note"], 0)
        for line, (_now, later) in zip(lines, parts, strict=True)
        if later
    ]
    for line, (now, _later) in zip(lines, parts, strict=True):
        if now == 0:
            write.execute("DELETE FROM order_lines WHERE id = ?", (line["id"],))
        elif now != line["qty"]:
            write.execute("UPDATE order_lines SET qty = ? WHERE id = ?", (now, line["id"]))
    part = _new_part(write, order_no, rest, OrderStatus.BACKORDERED)
    status = try_allocate(write, order_no, current=OrderStatus.BACKORDERED)
    write.audit(
        "order.split",
        order_no,
        part=part,
        why="backorder",
        status=status.value,
        waiting=[{"sku": sku, "qty": qty} for sku, qty, _note, _r in rest],
    )
    return part


def split_order(store: Store, actor: Actor, order_no: str, reason: str = "") -> dict[str, Any]:
    """A supervisor ships what is in stock of a backordered order now; the rest waits as a
    part of its own (see :func:`split_in`)."""
    with store.write(actor) as write:
        write.require(Permission.RELEASE_HOLD)
        row = write.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,)).fetchone()
        if row is None:
            raise NotFound(_("no order {order_no}").format(order_no=order_no))
        if row["status"] != OrderStatus.BACKORDERED.value:
            raise Rejected(
                _("order {order_no} is not backordered: only a backordered order is split").format(
                    order_no=order_no
                )
            )
        part = split_in(write, order_no)
        if part is None:
            raise Rejected(
                _("nothing of order {order_no} is in stock yet: it waits whole").format(
                    order_no=order_no
                )
            )
        if reason.strip():
            write.audit("order.split.note", order_no, reason=" ".join(reason.split()))
    return {"order_no": order_no, "part": part}


def split_ships_alone(write: Write) -> list[str]:
    """Orders waiting for a wave with more than a parcel's worth because of products that
    ship alone (oversize) are cut: each such unit becomes an order (and so a parcel and a
    waybill) of its own. Returns the new parts."""
    rows = write.execute(
        "SELECT DISTINCT l.order_no FROM order_lines l JOIN products p ON p.sku = l.sku"
        " JOIN orders o ON o.order_no = l.order_no"
        " WHERE p.ships_alone = 1 AND o.status = ? AND o.picklist_id IS NULL",
        (OrderStatus.ALLOCATED.value,),
    ).fetchall()
    made: list[str] = []
    for row in rows:
        order_no = row["order_no"]
        lines = _lines(write, order_no)
        alone = {
            r["sku"]
            for r in write.execute(
                "SELECT p.sku FROM products p JOIN order_lines l ON l.sku = p.sku"
                " WHERE l.order_no = ? AND p.ships_alone = 1",
                (order_no,),
            )
        }
        planned = parcels([(line["sku"], line["qty"]) for line in lines], alone)
        if len(planned) <= 1:
            continue
        if len(planned) > MAX_PARTS:
            write.audit("order.split.skip", order_no, parcels=len(planned), most=MAX_PARTS)
            continue
        keep: Counter[str] = Counter()
        for part_line in planned[0]:
            keep[part_line.sku] += part_line.qty
        notes = {line["sku"]: line["note"] for line in lines}
        for line in lines:
            kept = min(line["qty"], keep[line["sku"]])
            keep[line["sku"]] -= kept
            if kept == 0:
                write.execute("DELETE FROM order_lines WHERE id = ?", (line["id"],))
            elif kept != line["qty"]:
                write.execute(
                    "UPDATE order_lines SET qty = ?, reserved = ? WHERE id = ?",
                    (kept, kept, line["id"]),
                )
        parts = [
            _new_part(
                write,
                order_no,
                [(p.sku, p.qty, notes[p.sku], p.qty) for p in parcel],
                OrderStatus.ALLOCATED,
            )
            for parcel in planned[1:]
        ]
        write.audit("order.split", order_no, parts=parts, why="ships_alone")
        made += parts
    return made


def platform_orders(write: Write, order_nos: Iterable[str]) -> dict[str, list[str]]:
    """The platform's order numbers each shipped order stands for: its own (or, for a part
    split off, the order it was split from) and those of every order merged into it."""
    result: dict[str, list[str]] = {}
    for order_no in order_nos:
        rows = write.execute(
            "SELECT coalesce(split_from, order_no) AS number FROM orders WHERE order_no = ?"
            " UNION ALL SELECT coalesce(split_from, order_no) FROM orders WHERE merged_into = ?",
            (order_no, order_no),
        ).fetchall()
        result[order_no] = list(dict.fromkeys(row["number"] for row in rows)) or [order_no]
    return result


def merge_mode(store: Store) -> str:
    """The site's merge setting (auto, propose or off)."""
    return settings.get(store, "merge.mode")
