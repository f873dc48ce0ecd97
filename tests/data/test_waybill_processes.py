"""Two benches in two processes taking waybill numbers at the same instant never get the same
number, and together they use the pool up exactly."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from core.errors import Rejected
from core.model import Role
from data.carriers import add_numbers, take_waybills
from data.store import Actor, open_store
from tests.data.builders import ADMIN

ROUNDS = 40
PER_TAKE = 2


def _take_rounds(path: str, bench: str, rounds: int, start: Any, out: Any) -> None:
    """Each round: wait until the other bench is ready too, then both take at once (inside a
    write that also records the shipment, as the packing bench does)."""
    store = open_store(path)
    actor = Actor(f"packer-{bench}", bench, Role.PACKER)
    got: list[list[str]] = []
    refused = 0
    for _ in range(rounds + 1):  # one round more than the pool holds
        start.wait()
        try:
            with store.write(actor) as write:
                take = take_waybills(write, "SF", PER_TAKE)
                write.audit("test.shipment", bench, numbers=list(take.numbers))
            got.append(list(take.numbers))
        except Rejected:
            refused += 1
    store.close()
    out.put((bench, got, refused))


def test_two_benches_never_take_the_same_number(tmp_path: Path) -> None:
    path = tmp_path / "pool.db"
    store = open_store(path)
    total = 2 * ROUNDS * PER_TAKE
    add_numbers(store, ADMIN, "SF", [f"SF{n:010d}" for n in range(1, total + 1)])
    store.close()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    out = context.Queue()
    workers = [
        context.Process(target=_take_rounds, args=(str(path), bench, ROUNDS, start, out))
        for bench in ("bench-1", "bench-2")
    ]
    for worker in workers:
        worker.start()
    results = {
        bench: (got, refused) for bench, got, refused in (out.get(timeout=120) for _ in workers)
    }
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    taken = [number for got, _refused in results.values() for take in got for number in take]
    assert len(taken) == len(set(taken)) == total, "a number went to two benches"
    for got, refused in results.values():
        # The pool holds exactly ROUNDS rounds for both: each bench took in every round, and
        # the extra round found the pool empty.
        assert all(len(take) == PER_TAKE for take in got)
        assert (len(got), refused) == (ROUNDS, 1)
    check = open_store(path)
    assert check.scalar("SELECT count(*) FROM waybill_numbers WHERE status = 'used'") == total
    assert check.scalar("SELECT count(*) FROM audit WHERE action = 'waybill.take'") == total // 2
    check.close()
