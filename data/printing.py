"""The print outbox: every label is a ``print_jobs`` row written in the business transaction that
needs it; a station's print worker (``devices.outbox``) sends the rows in order.

A job's ``content`` is JSON data describing the label (never printer bytes): rendering happens
in the worker, outside the transaction. Its life::

    queued ─► sending ─► done
      ▲          │
      │          ├─► failed ──(after its backoff, automatically)──► sending …
      │          └─► uncertain (the worker died mid-send: did it print? a person decides)
      └── retry ◄── failed | uncertain          any waiting job ─► cancelled

A reprint is always a new job that names the one it repeats (``reprint_of``). Every transition is
audited with the job's subject (an order number, say), so an order's history shows its labels.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core import words
from core.errors import NotFound, Rejected
from core.i18n import _
from core.labels import (
    BinLabel,
    CodeLabel,
    LabelError,
    LabelOrder,
    LabelShipment,
    OutboundLabel,
    PickSheet,
    PickSheetLine,
    PickSheetOrder,
    Recipient,
    Sender,
    SkuLabel,
    ToteLabel,
    compose_outbound_label,
)
from core.notices import from_stored, notice, stored_parts
from core.roles import Permission
from data import settings
from data.catalog import bin_walk_key
from data.orders import show_order
from data.stations import station_name
from data.store import Actor, Store, Write

#: What a job prints: an outbound shipping label, bin/SKU/tote code labels, a test label, a
#: pick list on paper.
KINDS = ("outbound", "code", "test", "picksheet")
#: Every status a job can have (the ``print_jobs.status`` check).
STATUSES = ("queued", "sending", "done", "failed", "uncertain", "cancelled")
#: Jobs the worker still has to send, in id order.
WAITING = ("queued", "failed")
#: The longest wait before a failed job is tried again, in seconds.
BACKOFF_CAP_S = 30.0
#: Statuses of an order for which no new label is queued.
NO_LABEL_STATUSES = ("cancelled",)

_CODE_LABEL_KINDS: dict[str, type[CodeLabel]] = {
    "code": CodeLabel,
    "bin": BinLabel,
    "sku": SkuLabel,
    "tote": ToteLabel,
}


@dataclass(frozen=True)
class PrintJob:
    """One row of the outbox."""

    id: int
    station: str
    kind: str
    subject: str
    content: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: str | None
    reprint_of: int | None
    created_by: str
    created_at: str
    updated_at: str
    sent_at: str | None
    batch_id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> PrintJob:
        """A job from a ``print_jobs`` row (columns this program does not know are left out,
        so an older program reads a newer file's jobs)."""
        known = {f.name for f in fields(cls)}
        row = dict(row)
        values = {key: value for key, value in row.items() if key in known}
        values["content"] = json.loads(values["content"])
        values["last_error"] = job_error(row) or values.get("last_error")
        return cls(**values)

    def wait_seconds(self, now: datetime) -> float:
        """How long until this job may be sent (0 when it may be sent now)."""
        if self.status != "failed" or not self.next_attempt_at:
            return 0.0
        return max(0.0, (parse_instant(self.next_attempt_at) - now).total_seconds())

    def as_dict(self, with_content: bool = False) -> dict[str, Any]:
        """The job for ``--json`` output (the content only when asked for)."""
        values = asdict(self)
        if not with_content:
            values.pop("content")
        return values


@dataclass(frozen=True)
class StationPrinter:
    """A station's printer as configured in ``stations``: URL, printer profile, label width."""

    station: str
    url: str
    profile: str | None
    label_width: int


def backoff_seconds(attempts: int) -> float:
    """How long a job waits after its ``attempts``-th failure: 1, 2, 4, 8, 16, then 30 s."""
    if attempts <= 0:
        return 0.0
    return min(BACKOFF_CAP_S, float(2 ** min(attempts - 1, 16)))


def instant_text(moment: datetime) -> str:
    """A precise stored instant (milliseconds, UTC) for retry times; compare with
    :func:`parse_instant`, not as text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_instant(text: str) -> datetime:
    """Read a stored instant (with or without fractions of a second)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- content


def outbound_content(label: OutboundLabel) -> dict[str, Any]:
    """An outbound label as job content: its fields as JSON data."""
    values = asdict(label)
    values["printed_on"] = label.printed_on.isoformat()
    return values


def outbound_from_content(content: dict[str, Any]) -> OutboundLabel:
    """The label a job's content describes. Its text is neutralised again on the way (see
    ``core.labels.OutboundLabel``), so even a hand-made row cannot carry printer commands.
    Raises LabelError on missing or impossible values."""
    try:
        values = dict(content)
        values["sender"] = Sender(**values["sender"])
        values["recipient"] = Recipient(**values["recipient"])
        values["printed_on"] = date.fromisoformat(values["printed_on"])
        return OutboundLabel(**values)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, LabelError):
            raise
        raise LabelError(_("not an outbound label: {error}").format(error=error)) from None


def code_content(labels: Iterable[CodeLabel]) -> dict[str, Any]:
    """Bin / SKU / tote labels as job content."""
    return {
        "labels": [
            {"kind": label.kind, "code": label.code, "caption": label.caption} for label in labels
        ]
    }


def code_labels_from_content(content: dict[str, Any]) -> list[CodeLabel]:
    """The code labels a job's content describes; raises LabelError."""
    try:
        entries = content["labels"]
        labels = [
            _CODE_LABEL_KINDS[entry.get("kind", "code")](
                code=str(entry["code"]), caption=str(entry.get("caption", ""))
            )
            for entry in entries
        ]
    except (KeyError, TypeError, AttributeError) as error:
        raise LabelError(_("not a list of code labels: {error!r}").format(error=error)) from None
    if not labels:
        raise LabelError(_("a code label job needs at least one label"))
    return labels


def content_of_test_label(station: str, at: datetime) -> dict[str, Any]:
    """A test label for a station: proves the printer, the paper and the barcode work."""
    return {"station": station, "at": at.astimezone(UTC).isoformat(timespec="seconds")}


def labels_of_test_label(content: dict[str, Any]) -> list[CodeLabel]:
    """The test label as a code label: a barcode with ``TEST-<station>`` and the time."""
    try:
        station = str(content["station"])
        at = str(content.get("at", ""))
    except (KeyError, TypeError) as error:
        raise LabelError(_("not a test label: {error!r}").format(error=error)) from None
    code = re.sub(r"[^!-~]", "", f"TEST-{station}")[:48] or "TEST"
    return [CodeLabel(code=code, caption=f"wareterm test {station} {at}".strip())]


def picksheet_content(sheet: PickSheet) -> dict[str, Any]:
    """A pick sheet as job content."""
    values = asdict(sheet)
    values["printed_on"] = sheet.printed_on.isoformat()
    return values


def picksheet_from_content(content: dict[str, Any]) -> PickSheet:
    """The pick sheet a job's content describes (neutralised again); raises LabelError."""
    try:
        return PickSheet(
            code=str(content["code"]),
            title=str(content["title"]),
            lines=tuple(PickSheetLine(**line) for line in content["lines"]),
            orders=tuple(PickSheetOrder(**order) for order in content["orders"]),
            printed_on=date.fromisoformat(content["printed_on"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, LabelError):
            raise
        raise LabelError(_("not a pick sheet: {error}").format(error=error)) from None


def job_labels(kind: str, content: dict[str, Any]) -> OutboundLabel | PickSheet | list[CodeLabel]:
    """What a job of ``kind`` prints, rebuilt from its content; raises LabelError."""
    if kind == "outbound":
        return outbound_from_content(content)
    if kind == "picksheet":
        return picksheet_from_content(content)
    if kind == "code":
        return code_labels_from_content(content)
    if kind == "test":
        return labels_of_test_label(content)
    raise LabelError(
        _("unknown kind of print job {kind!r} (known: {join})").format(
            kind=kind, join=", ".join(KINDS)
        )
    )


# --------------------------------------------------------------------------- queueing


def enqueue(
    write: Write,
    station: str,
    kind: str,
    subject: str,
    content: dict[str, Any],
    batch_id: int | None = None,
) -> int:
    """Queue a print job inside the caller's write transaction (audited ``print.queue``);
    returns its id. The content is checked (it must describe a label) and stored as the label
    it describes, with its text neutralised; nothing is rendered here. Raises Rejected for a
    bad station name, kind or content."""
    station = station_name(station)
    if kind not in KINDS:
        raise Rejected(
            _("unknown kind of print job {kind!r}; use one of {known}").format(
                kind=kind, known=", ".join(KINDS)
            )
        )
    subject = _clean_subject(subject)
    try:
        labels = job_labels(kind, content)
        if isinstance(labels, OutboundLabel):
            content = outbound_content(labels)
        elif isinstance(labels, PickSheet):
            content = picksheet_content(labels)
        elif kind == "code":
            content = code_content(labels)
        text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    except (LabelError, TypeError, ValueError) as error:
        raise Rejected(
            _("cannot print {subject}: {error}").format(subject=subject, error=error)
        ) from None
    job_id = _insert(write, station, kind, subject, text, reprint_of=None, batch_id=batch_id)
    write.audit("print.queue", subject, job=job_id, station=station, kind=kind)
    return job_id


def _clean_subject(subject: str) -> str:
    clean = "".join(
        ch for ch in unicodedata.normalize("NFC", subject) if unicodedata.category(ch)[0] != "C"
    ).strip()
    if not clean:
        raise Rejected(_("a print job needs a subject (an order number, a bin, …)"))
    return clean[:120]


def _insert(
    write: Write,
    station: str,
    kind: str,
    subject: str,
    content: str,
    reprint_of: int | None,
    batch_id: int | None = None,
) -> int:
    cursor = write.execute(
        "INSERT INTO print_jobs (station, kind, subject, content, status, reprint_of,"
        " created_by, created_at, updated_at, batch_id) VALUES (?,?,?,?,'queued',?,?,?,?,?)",
        (
            station,
            kind,
            subject,
            content,
            reprint_of,
            write.actor.user,
            write.now,
            write.now,
            batch_id,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def label_order(order: Any) -> LabelOrder:
    """What an outbound label takes from an order (a row of ``orders`` or its dict)."""
    return LabelOrder(
        order_no=order["order_no"],
        priority=order["priority"],
        customer_name=order["customer_name"],
        phone=order["phone"],
        province=order["province"],
        city=order["city"],
        district=order["district"],
        address=order["address"],
        postcode=order["postcode"],
    )


def outbound_label(
    store: Store,
    order_no: str,
    carrier: str = "",
    service: str = "",
    waybill_no: str | None = None,
    weight_g: int | None = None,
    package_no: int = 1,
    package_count: int = 1,
    printed_on: date | None = None,
) -> OutboundLabel:
    """The outbound label of one package of an order: its recipient, the sender settings and
    what is known of the shipment (carrier and waybill may still be empty). Raises NotFound,
    or Rejected when the values cannot make a label."""
    order = show_order(store, order_no)
    try:
        return compose_outbound_label(
            label_order(order),
            LabelShipment(
                carrier=carrier,
                service=service,
                waybill_no=waybill_no or None,
                weight_g=weight_g,
                package_no=package_no,
                package_count=package_count,
            ),
            settings.sender(store),
            printed_on or store.clock.now().date(),
        )
    except LabelError as error:
        raise Rejected(
            _("cannot make a label for {order_no}: {error}").format(order_no=order_no, error=error)
        ) from None


def queue_outbound_labels(
    store: Store,
    actor: Actor,
    order_no: str,
    station: str,
    carrier: str = "",
    service: str = "",
    waybill_no: str | None = None,
    weight_g: int | None = None,
    packages: int = 1,
) -> list[int]:
    """Queue the outbound label of each package (1/n … n/n) of an order at a station, in one
    transaction; returns the job ids. The station must exist; a cancelled order gets none."""
    if packages < 1:
        raise Rejected(_("a shipment has at least one package"))
    station = station_name(station)
    labels = [
        outbound_label(store, order_no, carrier, service, waybill_no, weight_g, number, packages)
        for number in range(1, packages + 1)
    ]
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        _require_station(write, station)
        status = write.execute(
            "SELECT status FROM orders WHERE order_no = ?", (order_no,)
        ).fetchone()
        if status is None:
            raise NotFound(_("no order {order_no}").format(order_no=order_no))
        if status["status"] in NO_LABEL_STATUSES:
            raise Rejected(
                _("order {order_no} is {status}: no label is printed for it").format(
                    order_no=order_no, status=words.order_status(status["status"])
                )
            )
        return [
            enqueue(write, station, "outbound", label.order_no, outbound_content(label))
            for label in labels
        ]


def queue_code_labels(
    store: Store, actor: Actor, station: str, labels: Sequence[CodeLabel], subject: str
) -> int:
    """Queue bin / SKU / tote labels as one job at a station."""
    station = station_name(station)
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        _require_station(write, station)
        return enqueue(write, station, "code", subject, code_content(labels))


def queue_test_label(store: Store, actor: Actor, station: str) -> int:
    """Queue a test label at a station."""
    station = station_name(station)
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        _require_station(write, station)
        return enqueue(
            write, station, "test", station, content_of_test_label(station, store.clock.now())
        )


def _require_station(write: Write, station: str) -> None:
    if write.execute("SELECT 1 FROM stations WHERE name = ?", (station,)).fetchone() is None:
        raise NotFound(
            _("no station {station!r}: add it first (wareterm stations add)").format(
                station=station
            )
        )


# --------------------------------------------------------------------------- operator actions


def list_jobs(
    store: Store, station: str | None = None, status: str | None = None, limit: int = 200
) -> list[PrintJob]:
    """The newest ``limit`` jobs (of a station, of a status), in queue order."""
    if status is not None and status not in STATUSES:
        raise Rejected(
            _("unknown status {status!r}; use one of {known}").format(
                status=status, known=", ".join(STATUSES)
            )
        )
    where, parameters = [], []
    if station is not None:
        where.append("station = ?")
        parameters.append(station.strip().lower())
    if status is not None:
        where.append("status = ?")
        parameters.append(status)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT * FROM (SELECT * FROM print_jobs {clause} ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            [*parameters, limit],
        ).fetchall()
    return [PrintJob.from_row(row) for row in rows]


def get_job(store: Store, job_id: int) -> PrintJob:
    """One job; raises NotFound."""
    with store.read() as conn:
        row = conn.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise NotFound(_("no print job {job_id}").format(job_id=job_id))
    return PrintJob.from_row(row)


def _job_in(write: Write, job_id: int) -> PrintJob:
    row = write.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise NotFound(_("no print job {job_id}").format(job_id=job_id))
    return PrintJob.from_row(row)


def retry_job(store: Store, actor: Actor, job_id: int) -> PrintJob:
    """Send a failed or uncertain job again (it goes back into the queue at its place, now).
    A done job is reprinted instead, so the trail says why."""
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        job = _job_in(write, job_id)
        if job.status not in ("failed", "uncertain"):
            raise Rejected(
                _(
                    "print job {job_id} is {status}; only a failed or uncertain job is retried"
                    " (use reprint for another copy)"
                ).format(job_id=job_id, status=words.print_job(job.status))
            )
        write.execute(
            "UPDATE print_jobs SET status = 'queued', next_attempt_at = NULL, updated_at = ?"
            " WHERE id = ?",
            (write.now, job_id),
        )
        write.audit("print.retry", job.subject, job=job_id, station=job.station, was=job.status)
    return get_job(store, job_id)


def reprint_job(store: Store, actor: Actor, job_id: int, reason: str) -> int:
    """Queue another copy of a job as a new job (``reprint_of`` names the original); returns
    the new job's id."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the label is printed again (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.REPRINT)
        job = _job_in(write, job_id)
        content = json.dumps(job.content, ensure_ascii=False, sort_keys=True)
        new_id = _insert(write, job.station, job.kind, job.subject, content, reprint_of=job_id)
        write.audit(
            "print.reprint",
            job.subject,
            job=new_id,
            reprint_of=job_id,
            station=job.station,
            reason=reason,
        )
    return new_id


def cancel_job(store: Store, actor: Actor, job_id: int, reason: str) -> PrintJob:
    """Take a waiting (queued, failed or uncertain) job out of the queue."""
    reason = " ".join(reason.split())
    if not reason:
        raise Rejected(_("say why the job is cancelled (--reason)"))
    with store.write(actor) as write:
        write.require(Permission.MANAGE_PRINT)
        job = _job_in(write, job_id)
        if job.status not in ("queued", "failed", "uncertain"):
            raise Rejected(
                _("print job {job_id} is {status}; it cannot be cancelled").format(
                    job_id=job_id, status=words.print_job(job.status)
                )
            )
        write.execute(
            "UPDATE print_jobs SET status = 'cancelled', next_attempt_at = NULL, updated_at = ?"
            " WHERE id = ?",
            (write.now, job_id),
        )
        write.audit("print.cancel", job.subject, job=job_id, station=job.station, reason=reason)
    return get_job(store, job_id)


# --------------------------------------------------------------------------- the worker's side


def job_error(row: Any) -> str:
    """A job row's last error for the person reading it, in their language (an error stored
    as text before codes were kept is shown as it is)."""
    keys = row.keys()
    return from_stored(
        row["last_error"],
        row["error_code"] if "error_code" in keys else None,
        row["error_params"] if "error_params" in keys else None,
    )


def mark_uncertain(store: Store, actor: Actor, station: str) -> list[int]:
    """Jobs a dead worker left ``sending`` become ``uncertain``: the label may have printed,
    so it is not sent again until a person says so (retry or reprint). Run by a worker that
    has just taken the station's printer, before it sends anything."""
    query = (
        "SELECT id, subject FROM print_jobs WHERE station = ? AND status = 'sending' ORDER BY id"
    )
    if not store.query(query, (station,)):
        return []
    english, code, params = stored_parts(notice("print.worker_stopped_while_sending"))
    with store.write(actor) as write:
        rows = write.execute(query, (station,)).fetchall()
        for row in rows:
            write.execute(
                "UPDATE print_jobs SET status = 'uncertain', last_error = ?, error_code = ?,"
                " error_params = ?, updated_at = ? WHERE id = ?",
                (english, code, params, write.now, row["id"]),
            )
            write.audit("print.uncertain", row["subject"], job=row["id"], station=station)
        if not rows:
            write.audit("print.recover", station, uncertain=0)
    return [row["id"] for row in rows]


def head_job(store: Store, station: str) -> PrintJob | None:
    """The job the station's printer sends next: the oldest queued or failed one (a later job
    never overtakes a failed earlier one)."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT * FROM print_jobs WHERE station = ? AND status IN ('queued', 'failed')"
            " ORDER BY id LIMIT 1",
            (station,),
        ).fetchone()
    return PrintJob.from_row(row) if row else None


def start_sending(store: Store, actor: Actor, job_id: int) -> PrintJob | None:
    """Mark a waiting job ``sending`` and commit, before the printer is touched. Returns None
    when the job is no longer waiting (cancelled meanwhile)."""
    with store.write(actor) as write:
        job = _job_in(write, job_id)
        if job.status not in WAITING:
            write.audit("print.skip", job.subject, job=job_id, status=job.status)
            return None
        write.execute(
            "UPDATE print_jobs SET status = 'sending', updated_at = ? WHERE id = ?",
            (write.now, job_id),
        )
        write.audit(
            "print.sending", job.subject, job=job_id, station=job.station, attempt=job.attempts + 1
        )
    return get_job(store, job_id)


def mark_done(store: Store, actor: Actor, job_id: int) -> PrintJob:
    """The printer took the whole job."""
    with store.write(actor) as write:
        job = _job_in(write, job_id)
        write.execute(
            "UPDATE print_jobs SET status = 'done', sent_at = ?, next_attempt_at = NULL,"
            " updated_at = ? WHERE id = ?",
            (write.now, write.now, job_id),
        )
        write.audit("print.done", job.subject, job=job_id, station=job.station)
    return get_job(store, job_id)


def mark_failed(
    store: Store, actor: Actor, job_id: int, reason: str, message: str, retry_in: float
) -> PrintJob:
    """The job could not be printed: ``failed`` with the message, one more attempt counted,
    and the time after which the worker tries it again."""
    with store.write(actor) as write:
        job = _job_in(write, job_id)
        retry_at = instant_text(store.clock.now() + timedelta(seconds=retry_in))
        write.execute(
            "UPDATE print_jobs SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " error_code = ?, error_params = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            (*stored_parts(message), retry_at, write.now, job_id),
        )
        write.audit(
            "print.failed",
            job.subject,
            job=job_id,
            station=job.station,
            reason=reason,
            error=stored_parts(message)[0],
            retry_at=retry_at,
        )
    return get_job(store, job_id)


def station_printer(store: Store, station: str) -> StationPrinter | None:
    """The station's printer configuration (None when there is no such station)."""
    rows = store.query(
        "SELECT name, printer_url, profile, label_width FROM stations WHERE name = ?", (station,)
    )
    if not rows:
        return None
    row = rows[0]
    return StationPrinter(row["name"], row["printer_url"] or "", row["profile"], row["label_width"])


def queue_counts(store: Store, station: str) -> dict[str, int]:
    """How many of a station's jobs are in each unfinished status."""
    rows = store.query(
        "SELECT status, count(*) AS n FROM print_jobs WHERE station = ?"
        " AND status IN ('queued', 'failed', 'sending', 'uncertain') GROUP BY status",
        (station,),
    )
    return {row["status"]: row["n"] for row in rows}


def record_printer_state(
    store: Store, actor: Actor, station: str, status: str, detail: str
) -> None:
    """Write what the worker knows of the printer into ``device_states`` for every session to
    show. A change of status is audited (``printer.status``); a new detail alone (jobs
    waiting) is bookkeeping."""
    previous = store.scalar(
        "SELECT status FROM device_states WHERE station = ? AND device = 'printer'", (station,)
    )
    sql = (
        "INSERT INTO device_states (station, device, status, detail, updated_at)"
        " VALUES (?, 'printer', ?, ?, ?) ON CONFLICT (station, device) DO UPDATE SET"
        " status = excluded.status, detail = excluded.detail, updated_at = excluded.updated_at"
    )
    if previous != status:
        with store.write(actor) as write:
            write.execute(sql, (station, status, detail, write.now))
            write.audit("printer.status", station, status=status, was=previous, detail=detail)
        return
    with store.immediate():
        store.conn.execute(sql, (station, status, detail, instant_text(store.clock.now())))


# --------------------------------------------------------------------------- label sets


@dataclass(frozen=True)
class LabelSet:
    """Code labels to print or write, and the codes that cannot be a barcode (with why)."""

    labels: list[CodeLabel]
    skipped: list[tuple[str, str]]


def _label_set(candidates: Iterable[tuple[type[CodeLabel], str, str]]) -> LabelSet:
    labels: list[CodeLabel] = []
    skipped: list[tuple[str, str]] = []
    for kind, code, caption in candidates:
        try:
            labels.append(kind(code=code, caption=caption))
        except LabelError as error:
            skipped.append((code, str(error)))
    return LabelSet(labels, skipped)


def bin_labels(store: Store) -> LabelSet:
    """A label for every bin (the locations table and the bins products name), in walk order."""
    with store.read() as conn:
        codes = {row[0] for row in conn.execute("SELECT code FROM locations")}
        codes |= {
            row[0] for row in conn.execute("SELECT DISTINCT location FROM products") if row[0]
        }
        walk = bin_walk_key(conn)
    prefix = settings.get(store, "prefix.location")
    return _label_set((BinLabel, f"{prefix}{code}", code) for code in sorted(codes, key=walk))


def sku_labels(store: Store) -> LabelSet:
    """A label for every product: its SKU behind the SKU label prefix (``S:SKU-1001``) as the
    barcode, so that a scan of it is that product whatever the SKU looks like; the name
    under it."""
    rows = store.query("SELECT sku, name FROM products ORDER BY sku")
    prefix = settings.get(store, "prefix.sku")
    return _label_set((SkuLabel, f"{prefix}{row['sku']}", row["name"]) for row in rows)


def tote_labels(store: Store, first: int, last: int) -> LabelSet:
    """Labels for totes ``first`` … ``last`` (``T:0042``, "Tote 42")."""
    if first < 0 or last < first:
        raise Rejected(
            _("tote numbers {first}–{last}: give 0 ≤ --from ≤ --to").format(first=first, last=last)
        )
    if last - first >= 10000:
        raise Rejected(_("at most 10000 tote labels at once"))
    prefix = settings.get(store, "prefix.tote")
    return _label_set(
        (ToteLabel, f"{prefix}{number:04d}", _("Tote {number}").format(number=number))
        for number in range(first, last + 1)
    )
