"""Group commit: the store's group transaction, and the scan writer that stores the sessions'
pick scans in it, over a real Unix socket, on a real file."""

from __future__ import annotations

import os
import pickle
import shutil
import socket
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import FixedClock
from core.errors import DatabaseGone, NotAllowed, ScanUnconfirmed, StorageFailed
from core.model import Role
from core.ports import Operator
from data import users
from data.floor import SqliteFloor
from data.picking import prepare_pick_scan
from data.scan_writer import (
    CLAIM,
    PREPARED,
    SCAN,
    ScanWriter,
    WriterLink,
    _frame,
)
from data.store import Actor, Store, open_store
from tests.scan_writer_parts import hang_up_once, short_socket_path
from tests.tui.conftest import ADMIN, NOW, WALK, build_floor

PICKER = Operator("li.na", Role.PICKER, "hh-1")
#: Right, unknown, wrong item (on no list), right, right again, right, one too many.
SCRIPT = [WALK[0], "NOPE-123", "96385074", WALK[1], WALK[2], WALK[3], WALK[3]]


def poll(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


# -- the group transaction ------------------------------------------------------------------


def _note(store: Store, key: str, fail: BaseException | None = None) -> None:
    with store.write(ADMIN) as write:
        write.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", (key,))
        write.audit("test.note", key)
        if fail is not None:
            raise fail


def _keys(path: Path) -> set[str]:
    """What another connection reads (plain sqlite3: opening a store would wait for the lock
    a group holds, to migrate)."""
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT key FROM settings WHERE key LIKE 'g.%'")}
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = build_floor(tmp_path / "floor.db")
    yield opened
    opened.close()


def test_a_failed_write_in_a_group_is_rolled_back_alone(store: Store) -> None:
    with store.group():
        _note(store, "g.a")
        with pytest.raises(NotAllowed):
            _note(store, "g.b", NotAllowed("no"))
        _note(store, "g.c")
        with store.read() as conn:  # the group's own writes are seen inside it
            seen = {row[0] for row in conn.execute("SELECT key FROM settings")}
        assert {"g.a", "g.c"} <= seen and "g.b" not in seen
        assert _keys(store.path) == set()  # nothing is stored before the group commits
    assert _keys(store.path) == {"g.a", "g.c"}
    audited = store.query("SELECT subject FROM audit WHERE action = 'test.note'")
    assert [row["subject"] for row in audited] == ["g.a", "g.c"]


def test_a_write_that_ends_the_transaction_loses_the_whole_group(store: Store) -> None:
    def ends_it() -> None:
        with store.write(ADMIN) as write:
            write.execute("INSERT INTO settings (key, value) VALUES ('g.x', 'x')")
            write.audit("test.note", "g.x")
            write.execute("ROLLBACK")  # as SQLite does by itself after a full disk

    with pytest.raises(StorageFailed), store.group():
        _note(store, "g.a")
        with pytest.raises(StorageFailed):
            ends_it()
        with pytest.raises(StorageFailed):  # the group is lost: later writes are refused
            _note(store, "g.c")
    assert _keys(store.path) == set()
    _note(store, "g.after")  # the store goes on
    assert _keys(store.path) == {"g.after"}


def test_a_group_never_commits_into_a_replaced_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(DatabaseGone), store.group():
        _note(store, "g.a")
        shutil.copy(store.path, tmp_path / "other.db")
        os.replace(tmp_path / "other.db", store.path)
    assert _keys(store.path) == set()


def test_a_write_that_would_wait_is_refused_at_once(store: Store) -> None:
    from data.store import LockTaken

    other = open_store(store.path)
    try:
        with other.write(ADMIN) as write:
            write.audit("test.hold", "lock")
            began = time.monotonic()
            with pytest.raises(LockTaken):
                _note_now(store)
            assert time.monotonic() - began < 1.0  # no busy wait
        _note_now(store)  # free again
    finally:
        other.close()
    assert _keys(store.path) == {"g.now"}


def _note_now(store: Store) -> None:
    with store.write(ADMIN, wait=False) as write:
        write.execute("INSERT INTO settings (key, value) VALUES ('g.now', 'x')")
        write.audit("test.note", "g.now")


# -- the writer -----------------------------------------------------------------------------


class Running:
    """A ScanWriter on its own connection, running on a thread."""

    def __init__(self, path: Path, socket_path: Path, start: bool = True) -> None:
        self.store = open_store(path, FixedClock(NOW))
        self.writer = ScanWriter(self.store, socket_path)
        self.thread = threading.Thread(target=self.writer.run, daemon=True)
        if start:
            self.thread.start()

    def stop(self) -> None:
        self.writer.stop()
        if self.thread.is_alive():
            self.thread.join(10)
        self.store.close()


@pytest.fixture
def socket_path() -> Iterator[Path]:
    with short_socket_path() as path:
        yield path


def _floor(path: Path, link: WriterLink | None) -> SqliteFloor:
    return SqliteFloor(open_store(path, FixedClock(NOW)), writer=link)


def _run_script(floor: SqliteFloor, crowded: bool = False) -> list[tuple[Any, ...]]:
    if crowded:
        assert floor.writer is not None
        floor.writer.found_lock_taken()
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    said = []
    for raw in SCRIPT:
        if crowded:
            assert floor.writer is not None
            floor.writer.found_lock_taken()  # as after finding the lock taken
        outcome = floor.pick_scan(PICKER, view.picklist_id, raw, "wedge")
        assert outcome.view is not None
        said.append(
            (
                outcome.verdict,
                outcome.message,
                outcome.accepted,
                outcome.view.units_done,
                outcome.view.current.line_id if outcome.view.current else None,
            )
        )
    return said


def _stored(path: Path) -> list[dict[str, Any]]:
    store = open_store(path)
    try:
        return store.query(
            "SELECT user, station, raw, kind, code, sku, verdict, picklist_id, pick_line_id,"
            " order_no, message_code, message_params FROM scans ORDER BY id"
        )
    finally:
        store.close()


def test_the_writer_stores_what_the_session_would(tmp_path: Path, socket_path: Path) -> None:
    own, shared = tmp_path / "own.db", tmp_path / "shared.db"
    build_floor(own).close()
    build_floor(shared).close()
    alone = _floor(own, None)
    expected = _run_script(alone)
    alone.store.close()

    running = Running(shared, socket_path)
    link = WriterLink(socket_path)
    floor = _floor(shared, link)
    try:
        got = _run_script(floor, crowded=True)
    finally:
        floor.store.close()
        link.close()
        running.stop()
    assert got == expected
    assert link.sent == len(SCRIPT) + 1 and link.stored_here == 0  # the claim too
    assert running.writer.stats.scans == len(SCRIPT) + 1
    assert _stored(shared) == _stored(own)
    assert {row["verdict"] for row in _stored(own)} >= {"ok", "unknown_code", "wrong_item"}


def test_a_lone_session_stores_its_own_while_the_lock_is_free(
    tmp_path: Path, socket_path: Path
) -> None:
    path = tmp_path / "floor.db"
    build_floor(path).close()
    running = Running(path, socket_path)
    link = WriterLink(socket_path)
    floor = _floor(path, link)
    try:
        _run_script(floor)
    finally:
        floor.store.close()
        running.stop()
    assert link.sent == 0 and running.writer.stats.scans == 0
    assert len(_stored(path)) == len(SCRIPT)


def test_waiting_requests_are_stored_in_one_group(tmp_path: Path, socket_path: Path) -> None:
    """Three sessions' scans wait on the socket before the writer looks: one transaction, one
    commit, three answers."""
    path = tmp_path / "floor.db"
    build_floor(path).close()
    store = open_store(path, FixedClock(NOW))
    users.add_user(store, ADMIN, "zhao.lei", "picker", "1234")
    floor = SqliteFloor(store)
    view = floor.claim_next_pick(PICKER)
    assert view is not None
    running = Running(path, socket_path, start=False)
    sessions = []
    picker = Actor("li.na", "hh-1")
    requests = [
        (
            PREPARED,
            picker,
            (view.picklist_id, prepare_pick_scan(store, view.picklist_id, WALK[0], "wedge")),
        ),
        (SCAN, picker, (view.picklist_id, "NOPE-1", "wedge")),  # as read: the writer reads
        (SCAN, picker, (view.picklist_id, WALK[1], "wedge")),
    ]
    for request in requests:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(socket_path))
        sock.sendall(_frame(request))
        sessions.append(sock)
    other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # a claim by another picker
    other.connect(str(socket_path))
    other.sendall(_frame((CLAIM, Actor("zhao.lei", "hh-2"), ())))
    sessions.append(other)
    running.thread.start()
    try:
        answers = [_read_answer(sock) for sock in sessions]
    finally:
        for sock in sessions:
            sock.close()
        running.stop()
        store.close()
    assert [kind for kind, _ in answers] == ["ok"] * 4
    assert [answer.verdict.value for _, answer in answers[:3]] == ["ok", "unknown_code", "ok"]
    assert answers[3][1] == (None, ())  # nothing left to claim: the one list is li.na's
    stats = running.writer.stats
    assert (stats.groups, stats.largest_group, stats.scans) == (1, 4, 4)


def _read_answer(sock: socket.socket) -> Any:
    sock.settimeout(10)
    header = b""
    while len(header) < 4:
        header += sock.recv(4 - len(header))
    (size,) = struct.unpack("!I", header)
    body = b""
    while len(body) < size:
        body += sock.recv(size - len(body))
    return pickle.loads(body)


def test_a_refusal_travels_back_and_the_writer_goes_on(tmp_path: Path, socket_path: Path) -> None:
    path = tmp_path / "floor.db"
    build_floor(path).close()
    running = Running(path, socket_path)
    link = WriterLink(socket_path)
    floor = _floor(path, link)
    try:
        view = floor.claim_next_pick(PICKER)
        assert view is not None
        _set_active(floor.store, False)
        link.found_lock_taken()
        with pytest.raises(NotAllowed) as refused:
            floor.pick_scan(PICKER, view.picklist_id, WALK[0], "wedge")
        assert "li.na" in str(refused.value)
        _set_active(floor.store, True)
        link.found_lock_taken()
        assert floor.pick_scan(PICKER, view.picklist_id, WALK[0], "wedge").accepted
    finally:
        floor.store.close()
        running.stop()
    assert [row["verdict"] for row in _stored(path)] == ["ok"]
    assert link.sent == 2


def _set_active(store: Store, active: bool) -> None:
    with store.write(ADMIN) as write:
        write.execute("UPDATE users SET active = ? WHERE name = 'li.na'", (int(active),))
        write.audit("test.active", "li.na")


@pytest.mark.parametrize(
    "garbage",
    [
        struct.pack("!I", 1 << 30) + b"x",  # a frame too large to be a request
        _frame(("scan", "not an actor", (1, None))),  # a pickle that is no request
        struct.pack("!I", 5) + b"\x80\x05junk",  # not a pickle at all
    ],
    ids=["huge", "not-a-request", "not-a-pickle"],
)
def test_a_peer_sending_garbage_is_hung_up_on_and_the_writer_goes_on(
    tmp_path: Path, socket_path: Path, garbage: bytes
) -> None:
    path = tmp_path / "floor.db"
    build_floor(path).close()
    running = Running(path, socket_path)
    try:
        hostile = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hostile.connect(str(socket_path))
        hostile.sendall(garbage)
        hostile.settimeout(10)
        assert hostile.recv(10) == b""  # hung up, nothing answered
        hostile.close()
        link = WriterLink(socket_path)
        floor = _floor(path, link)
        view = floor.claim_next_pick(PICKER)
        assert view is not None
        link.found_lock_taken()
        assert floor.pick_scan(PICKER, view.picklist_id, WALK[0], "wedge").accepted
        assert link.sent == 1
        floor.store.close()
    finally:
        running.stop()
    assert running.writer.stats.scans == 1


def test_no_writer_to_reach_means_the_session_stores_its_own(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    build_floor(path).close()
    link = WriterLink(tmp_path / "nobody.sock")
    floor = _floor(path, link)
    try:
        said = _run_script(floor, crowded=True)
    finally:
        floor.store.close()
    assert said[0][0].value == "ok"
    assert link.sent == 0 and link.stored_here == len(SCRIPT) + 1
    assert len(_stored(path)) == len(SCRIPT)


def test_a_writer_that_stops_before_answering_leaves_the_scan_unconfirmed(
    tmp_path: Path, socket_path: Path
) -> None:
    """A stand-in that takes the request and hangs up (a writer killed mid-group): the session
    is told the scan is not confirmed; its next scans are stored on its own connection."""
    path = tmp_path / "floor.db"
    build_floor(path).close()
    stand_in = hang_up_once(socket_path)
    link = WriterLink(socket_path)
    floor = _floor(path, link)
    try:
        view = floor.claim_next_pick(PICKER)
        assert view is not None
        link.found_lock_taken()
        with pytest.raises(ScanUnconfirmed) as unconfirmed:
            floor.pick_scan(PICKER, view.picklist_id, WALK[0], "wedge")
        assert "scan it again" in str(unconfirmed.value)
        assert _stored(path) == []
        link.found_lock_taken()
        assert floor.pick_scan(PICKER, view.picklist_id, WALK[0], "wedge").accepted
        assert link.stored_here == 1
    finally:
        floor.store.close()
        stand_in.join(5)
    assert [row["verdict"] for row in _stored(path)] == ["ok"]
