"""Two pickers in two processes claiming at the same instant never get the same list."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from core.stock import set_on_hand
from data.stock import Document, save_movements, sku_rows
from data.store import Actor, open_store
from data.waves import claim_next
from tests.tui.conftest import ADMIN, build_floor


def _claim_rounds(path: str, user: str, rounds: int, start, out) -> None:
    """Each round: wait until the other picker is ready too, then both claim at once."""
    store = open_store(path)
    got = []
    for _ in range(rounds):
        start.wait()
        picklist_id = claim_next(store, Actor(user, "hh"))
        got.append(picklist_id)
        if picklist_id is not None:
            # Finish the list so the next claim is a new list, not a resume of this one.
            with store.write(Actor(user, "hh")) as write:
                write.execute("UPDATE picklists SET status = 'picked' WHERE id = ?", (picklist_id,))
                write.audit("test.finish", str(picklist_id))
    out.put((user, got))


def test_two_processes_never_claim_the_same_list(tmp_path: Path) -> None:
    from data import orders, waves

    path = tmp_path / "claims.db"
    store = build_floor(path)
    # Many single-order lists to fight over.
    rows = []
    for n in range(40):
        rows.append(
            f"C-{n:03d},tmall,2026-11-21T09:{n % 60:02d}:00+08:00,standard,paid,王芳,"
            "13800138000,CN,浙江省,杭州市,西湖区,文三路90号,310000,SKU-MUG,1,"
        )
    header = (
        "order_no,channel,placed_at,priority,payment_status,customer_name,phone,country,"
        "province,city,district,address,postcode,sku,qty,note\n"
    )
    with store.write(ADMIN) as write:  # enough mugs for every order, through the ledger
        (mugs,) = [row for row in sku_rows(write.conn, "SKU-MUG") if row.lot == ""][:1]
        save_movements(write, set_on_hand(mugs, 1000), Document("test", "mugs", "restock"))
        write.audit("test.restock", "SKU-MUG")
    orders.import_orders(store, ADMIN, (header + "\n".join(rows) + "\n").encode(), "c.csv")
    waves.release_wave(store, ADMIN, max_orders=100, orders_per_list=1)
    total = store.scalar("SELECT count(*) FROM picklists WHERE status = 'released'")
    assert total >= 40
    store.close()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    out = context.Queue()
    workers = [
        context.Process(target=_claim_rounds, args=(str(path), user, total // 2, start, out))
        for user in ("li.na", "wang.fang")
    ]
    for worker in workers:
        worker.start()
    results = dict(out.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    for first, second in zip(results["li.na"], results["wang.fang"], strict=True):
        assert first is not None and second is not None, "a list was waiting for each picker"
        assert first != second, "both pickers got the same list at the same instant"
    claimed = results["li.na"] + results["wang.fang"]
    assert len(set(claimed)) == len(claimed) == 2 * (total // 2)
    check = open_store(path)
    audit = check.scalar("SELECT count(*) FROM audit WHERE action = 'picklist.claim'")
    assert audit == len(claimed)
