"""The supervisor's dashboard (the overview screen) on a warehouse with 100k open orders and
2M historic order lines: first paint after the key press, and how soon another session's
change is on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import Bench
from bench.metrics import measurement
from bench.warehouse import ADMIN, copy_db

#: Open orders and historic (shipped) order lines of the generated history.
OPEN_ORDERS = 100_000
HISTORIC_LINES = 2_000_000
#: Order lines per shipped order in the history.
LINES_PER_ORDER = 4
#: Changes timed per run of the refresh measurement.
CHANGES = 12

_OPEN_STATUSES = (
    ("allocated", 40),
    ("on_hold", 10),
    ("backordered", 10),
    ("picking", 15),
    ("picked", 10),
    ("packing", 5),
    ("packed", 5),
    ("exception", 5),
)

_history: dict[Path, Path] = {}


def _status_case() -> str:
    """A SQL CASE giving status by ``i % 100`` in the proportions above."""
    parts, start = [], 0
    for status, share in _OPEN_STATUSES:
        parts.append(f"WHEN i % 100 < {start + share} THEN '{status}'")
        start += share
    return "CASE " + " ".join(parts) + " END"


def build_history(path: Path, open_orders: int, historic_lines: int) -> None:
    """A database with ``open_orders`` open orders (due from eight hours ago to three days
    ahead) and shipped orders holding ``historic_lines`` lines over the last 90 days, written
    with SQL (the import path is measured elsewhere)."""
    from data.store import open_store

    store = open_store(path)
    # Relative to the real time: the dashboard runs on the system clock, so the open orders
    # are spread from eight hours overdue to three days ahead when it is looked at.
    now = int(time.time())
    shipped_orders = historic_lines // LINES_PER_ORDER
    iso = "strftime('%Y-%m-%dT%H:%M:%S+00:00', {t}, 'unixepoch')"
    columns = (
        "order_no, channel, placed_at, priority, payment_status, customer_name, phone,"
        " country, province, city, district, address, postcode, status, due_at, imported_at,"
        " updated_at, shipped_at"
    )
    priority = "CASE i % 10 WHEN 0 THEN 'rush' WHEN 9 THEN 'deferred' ELSE 'standard' END"
    with store.bulk(), store.write(ADMIN) as write:
        placed = f"{now} - 90 * 86400 + i * (90 * 86400 / {shipped_orders})"
        write.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            f" INSERT INTO orders ({columns}) SELECT printf('H%08d', i), 'tmall',"
            f" {iso.format(t=placed)}, {priority}, 'paid', '张伟', '13800138000', 'CN',"
            f" '浙江省', '杭州市', '西湖区', '文三路90号', '310000', 'shipped',"
            f" {iso.format(t=placed + ' + 86400')}, {iso.format(t=placed)},"
            f" {iso.format(t=placed + ' + 20000')}, {iso.format(t=placed + ' + 20000')} FROM n",
            (shipped_orders,),
        )
        write.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO order_lines (order_no, line_no, sku, qty, picked, packed)"
            " SELECT printf('H%08d', i / ? + 1), i % ? + 1, printf('SKU-%06d', i % 5000 + 1),"
            " 1, 1, 1 FROM n",
            (historic_lines - 1, LINES_PER_ORDER, LINES_PER_ORDER),
        )
        due = f"{now} - 8 * 3600 + i * (80 * 3600 / {open_orders})"
        write.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            f" INSERT INTO orders ({columns}) SELECT printf('D%08d', i),"
            f" CASE i % 3 WHEN 0 THEN 'tmall' WHEN 1 THEN 'jd' ELSE 'douyin' END,"
            f" {iso.format(t=due + ' - 86400')}, {priority}, 'paid', '王芳', '13900139000',"
            f" 'CN', '广东省', '深圳市', '南山区', '科技园1号', '518000', {_status_case()},"
            f" {iso.format(t=due)}, {iso.format(t=due + ' - 86400')},"
            f" {iso.format(t=due + ' - 86400')}, NULL FROM n",
            (open_orders,),
        )
        write.execute(
            "INSERT INTO order_lines (order_no, line_no, sku, qty)"
            " SELECT order_no, 1, 'SKU-000001', 1 FROM orders WHERE order_no LIKE 'D%'"
        )
        write.execute(
            "INSERT INTO users (name, role, pin_hash, active, created_at)"
            " VALUES ('sup', 'supervisor', NULL, 1, ?)",
            (write.now,),
        )
        write.audit("bench.history", path.name, open=open_orders, lines=historic_lines)
    store.conn.execute("ANALYZE")
    store.close()


def history_db(bench: Bench) -> Path:
    """The generated history (built once per bench run)."""
    if bench.workdir not in _history:
        path = bench.workdir / "history.db"
        open_orders = OPEN_ORDERS if bench.sizes.products >= 100_000 else 2_000
        lines = HISTORIC_LINES if bench.sizes.products >= 100_000 else 20_000
        build_history(path, open_orders, lines)
        _history[bench.workdir] = path
    return _history[bench.workdir]


async def _until(pilot: Any, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the dashboard did not get there in time")
        await pilot.pause(0.002)


class _Paints:
    """When the app handed its terminal a frame (the app's display hook), and when the screen
    last drew new data (its ``show``)."""

    def __init__(self, app: Any) -> None:
        self.frames: list[float] = []
        self.shown = 0.0
        display = app._display

        def watched(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

        app._display = watched

    def watch(self, screen_class: Any) -> Callable[[], None]:
        """Note the moment a screen of ``screen_class`` draws what it read; returns the undo."""
        show = screen_class.show

        def shown(screen: Any, data: Any) -> None:
            self.shown = time.perf_counter()
            show(screen, data)

        screen_class.show = shown
        return lambda: setattr(screen_class, "show", show)

    async def after(self, pilot: Any, condition: Callable[[], bool]) -> float:
        """The time of the first frame handed to the terminal after the screen drew the data
        that makes ``condition`` hold."""
        await _until(pilot, condition)
        drawn = self.shown
        await _until(pilot, lambda: bool(self.frames) and self.frames[-1] >= drawn)
        return next(frame for frame in self.frames if frame >= drawn)


def _watch_paints(app: Any) -> _Paints:
    return _Paints(app)


async def _dashboard(db: Path) -> tuple[float, list[float]]:
    """Open the overview as a supervisor already logged in; then change one order per round
    from another connection and time until the overview has read and drawn it."""
    from core.model import Role
    from core.ports import Operator
    from data.floor import SqliteFloor
    from data.oversight import SqliteOversight
    from data.store import open_store
    from tui.app import WaretermApp
    from tui.screens.home import HomeScreen
    from tui.screens.overview import OverviewScreen

    store = open_store(db)
    operator = Operator("sup", Role.SUPERVISOR, "office")
    app = WaretermApp(
        SqliteFloor(store), station="office", operator=operator, oversight=SqliteOversight(store)
    )
    other = open_store(db)
    changes: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        painted = _watch_paints(app)
        undo = painted.watch(OverviewScreen)
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause(0.3)
        began = time.perf_counter()
        await pilot.press("s")
        await _until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.reads >= 1
        )
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        first = await painted.after(pilot, lambda: screen.reads >= 1) - began
        for round_no in range(CHANGES):
            await pilot.pause(0.05 + 0.037 * round_no % 0.3)  # not in step with the poll
            reads = screen.reads
            with other.write(ADMIN) as write:
                write.execute(
                    "UPDATE orders SET status = CASE status WHEN 'allocated' THEN 'on_hold'"
                    " ELSE 'allocated' END WHERE order_no = ?",
                    (f"D{round_no + 1:08d}",),
                )
                write.audit("bench.change", str(round_no))
            changed = time.perf_counter()
            shown = await painted.after(pilot, lambda reads=reads: screen.reads > reads)
            changes.append((shown - changed) * 1000)
        undo()
    other.close()
    store.close()
    return first, changes


@measurement("dashboard_first_paint_s", "dashboard_refresh_ms")
def dashboard(bench: Bench) -> dict[str, float]:
    """First paint: the supervisor presses S at home → the overview drawn with its data (the
    key waits 50 ms for the keyboard-wedge check, as every key does). Refresh: another
    connection commits a change → the overview has noticed it (``PRAGMA data_version``,
    polled every 0.1 s), read the dashboard again and drawn it; the median of the changes."""
    target = bench.workdir / f"dashboard-{time.monotonic_ns()}.db"
    copy_db(history_db(bench), target)
    first, changes = asyncio.run(_dashboard(target))
    changes.sort()
    bench.note(
        "dashboard_first_paint_s",
        f"{OPEN_ORDERS:,} open orders and {HISTORIC_LINES:,} historic order lines; the overview "
        "at 120x40 from the key press to its first drawing with data",
    )
    bench.note(
        "dashboard_refresh_ms",
        f"median of {CHANGES} changes committed by another connection until the overview "
        f"shows them (worst {changes[-1]:.0f} ms)",
    )
    return {
        "dashboard_first_paint_s": first,
        "dashboard_refresh_ms": changes[len(changes) // 2],
    }
