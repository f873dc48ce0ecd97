"""Metrics of parts being built elsewhere: reported as null with the reason until they exist.

Each becomes a real measurement by replacing its function body (see bench/metrics.py)."""

from __future__ import annotations

from bench.harness import Bench
from bench.metrics import NotMeasurable, measurement


@measurement("dashboard_first_paint_s")
def dashboard_first_paint(bench: Bench) -> dict[str, float]:
    """Supervisor dashboard: start → first complete paint on a generated warehouse."""
    raise NotMeasurable("supervisor dashboard not built yet")


@measurement("dashboard_refresh_ms")
def dashboard_refresh(bench: Bench) -> dict[str, float]:
    """Supervisor dashboard: another session's change → dashboard repainted."""
    raise NotMeasurable("supervisor dashboard not built yet")


@measurement("ssh_session_start_s")
def ssh_session_start(bench: Bench) -> dict[str, float]:
    """``wareterm serve``: SSH connect → login screen painted in the client."""
    raise NotMeasurable("wareterm serve not built yet")
