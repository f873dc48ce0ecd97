"""Scans that no pick list takes: bad bytes from a serial scanner, scans where none is expected."""

from __future__ import annotations

from core.codes import CodePrefixes, parse_scan
from core.model import ACCEPTED, CodeKind
from core.notices import stored_parts
from core.ports import ScanOutcome
from core.scans import judge_loose_scan, safe_scan_text
from data.store import Actor, Store
from data.waves import picklist_code


def record_loose_scan(
    store: Store,
    actor: Actor,
    raw: str,
    source: str,
    prefixes: CodePrefixes,
    *,
    picklist_id: int | None = None,
    problem: str | None = None,
    raw_bytes: bytes | None = None,
) -> ScanOutcome:
    """Store one scan with its verdict (``bad_scan`` or ``not_expected``) and an audit entry.

    A bad scan keeps its text only in a safe form (control characters made visible) and its
    bytes, exactly as read, in ``raw_hex``; it is never parsed as a code.
    """
    text = safe_scan_text(raw or None, raw_bytes)
    code = None if problem is not None else parse_scan(raw, prefixes)
    decision = judge_loose_scan(code, problem)
    kind = code.kind.value if code is not None else CodeKind.UNKNOWN.value
    value = code.value if code is not None else ""
    subject = picklist_code(store, picklist_id) if picklist_id is not None else actor.station
    with store.write(actor) as write:
        write.execute(
            "INSERT INTO scans (at, user, station, source, raw, kind, code, sku, verdict,"
            " picklist_id, pick_line_id, order_no, message, message_code, message_params, raw_hex)"
            " VALUES (?,?,?,?,?,?,?,NULL,?,?,NULL,NULL,?,?,?,?)",
            (
                write.now,
                actor.user,
                actor.station,
                source,
                text,
                kind,
                value,
                decision.verdict.value,
                picklist_id,
                *stored_parts(decision.message),
                raw_bytes.hex() if raw_bytes is not None else None,
            ),
        )
        write.audit(
            f"scan.{decision.verdict.value}",
            subject,
            code=value or text,
            problem=problem,
            source=source,
        )
    return ScanOutcome(
        verdict=decision.verdict,
        message=decision.message,
        code=text,
        accepted=decision.verdict in ACCEPTED,
    )
