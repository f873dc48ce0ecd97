"""Scans that no task takes: garbage from a serial scanner, and scans where nothing is expected.

Pure rules: what such a scan is recorded as (its verdict) and the words the operator reads. Every
scan is stored, so a bad one is evidence (a failing scanner, a wrong suffix setting) rather
than something silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.codes import ScannedCode
from core.model import Verdict
from core.notices import NOTICES, notice
from core.scanframe import display_code

#: The longest raw text kept for a bad scan (its bytes are kept whole, in hex).
MAX_SHOWN = 120


@dataclass(frozen=True)
class LooseScanDecision:
    """The verdict on a scan outside a pick list, and what to tell the operator."""

    verdict: Verdict
    message: str


def bad_scan_message(problem: str) -> str:
    """What to tell the operator about a scan whose bytes were not a barcode.

    ``problem`` is a :class:`core.scanframe.FramedScan` problem: ``non_printable``,
    ``too_long``, ``incomplete`` or ``undecodable``.
    """
    code = f"scan.bad.{problem}"
    return notice(code if code in NOTICES else "scan.bad")


def wedge_problem(text: str) -> str | None:
    """Why a keyboard-wedge burst is not a barcode: ``undecodable`` when the terminal got
    bytes that were not UTF-8 (a handheld set to GBK; they arrive as U+FFFD), else None."""
    return "undecodable" if "\ufffd" in text else None


def safe_scan_text(text: str | None, raw: bytes | None = None) -> str:
    """A scan as text that is safe to store and show: control characters made visible, bytes
    that are not UTF-8 replaced, cut to :data:`MAX_SHOWN` characters."""
    if text is None:
        text = (raw or b"").decode("utf-8", "replace")
    shown = display_code(text)
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 1] + "…"


def judge_loose_scan(code: ScannedCode | None, problem: str | None) -> LooseScanDecision:
    """The verdict on a scan that no pick list takes: ``bad_scan`` when its bytes were not a
    barcode (``problem`` set), otherwise ``not_expected`` (nothing on this screen takes scans)."""
    if problem is not None or code is None:
        return LooseScanDecision(Verdict.BAD_SCAN, bad_scan_message(problem or ""))
    return LooseScanDecision(
        Verdict.NOT_EXPECTED,
        notice("scan.not_used", code=code.display or "(empty)"),
    )
