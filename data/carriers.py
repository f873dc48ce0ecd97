"""Carriers as configured (the presets until someone changes one), the carrier policy from the
settings, and the waybill number pools.

The pool functions that hand numbers to a shipment (:func:`take_waybills`, :func:`void_waybill`,
:func:`attach`) work inside the caller's write transaction, so a shipment, its label job and its
numbers are stored together or not at all.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from core.carriers import (
    PRESET_CODES,
    PRESETS,
    PROVINCES,
    Carrier,
    CarrierPolicy,
    carrier_code,
    carrier_from_spec,
    carrier_to_spec,
    mainland_province,
    province_list,
)
from core.errors import NotFound, Rejected
from core.i18n import _
from core.model import ImportReport, Rejection
from core.roles import Permission
from core.waybills import (
    FALLBACKS,
    CarrierApi,
    IssuedWaybill,
    WaybillSource,
    WaybillTake,
    parse_number_file,
    waybill_number,
)
from data import settings
from data.store import Actor, Store, Write

#: Something rows can be read from: a store, an open write, or a bare connection.
Source = Store | Write | sqlite3.Connection

_ORDER = {code: index for index, code in enumerate(PRESET_CODES)}

# SQLite allows 999 parameters in older builds; stay well below.
_CHUNK = 500


def _rows(source: Source, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    if isinstance(source, Store):
        # A plain query (no BEGIN): it also works while this store has a write open.
        return [tuple(row.values()) for row in source.query(sql, parameters)]
    return [tuple(row) for row in source.execute(sql, parameters)]


# -- carriers --------------------------------------------------------------------------------------


def load_carriers(source: Source) -> list[Carrier]:
    """The configured carriers, or the presets while the ``carriers`` table has no rows; preset
    codes first in the presets' order, then the others by code. The table's ``active`` column
    decides whether each is active. Raises Rejected when a stored spec no longer reads."""
    rows = _rows(source, "SELECT code, spec, active FROM carriers ORDER BY code")
    if not rows:
        return list(PRESETS)
    rows.sort(key=lambda row: (_ORDER.get(row[0], len(_ORDER)), row[0]))
    carriers = []
    for code, spec, active in rows:
        try:
            data = json.loads(spec)
        except ValueError:
            raise Rejected(
                _("carrier {code}: the stored spec is not JSON; import it again").format(code=code)
            ) from None
        if isinstance(data, dict):
            data["active"] = bool(active)
        carriers.append(carrier_from_spec(data))
    return carriers


def carrier_codes(source: Source) -> list[str]:
    """Codes of the configured carriers (the presets' while none are stored)."""
    return [carrier.code for carrier in load_carriers(source)]


def _setting(source: Source, key: str) -> str:
    rows = _rows(source, "SELECT value FROM settings WHERE key = ?", (key,))
    return str(rows[0][0]) if rows else settings.SETTINGS[key].default


def carrier_policy(source: Source) -> CarrierPolicy:
    """The rules' settings: ``warehouse.province``, ``carrier.remote_provinces`` and
    ``carrier.remote_preferred``."""
    try:
        origin = mainland_province(_setting(source, "warehouse.province"))
        remote = frozenset(province_list(_setting(source, "carrier.remote_provinces")))
    except Rejected as error:
        raise Rejected(
            _("carrier settings: {error}; fix them with `wareterm config set`").format(error=error)
        ) from None
    preferred = _setting(source, "carrier.remote_preferred").strip().upper()
    return CarrierPolicy(origin, remote, preferred)


def low_warning(source: Source) -> int:
    """Below this many free numbers a carrier's pool is low (setting ``pool.low_warning``)."""
    value = _setting(source, "pool.low_warning")
    return int(value) if value.isdigit() else int(settings.SETTINGS["pool.low_warning"].default)


def _store_spec(carrier: Carrier) -> str:
    spec = carrier_to_spec(carrier)
    del spec["active"]  # the column holds it
    return json.dumps(spec, ensure_ascii=False, sort_keys=True)


def _materialise_presets(write: Write) -> None:
    """Store the presets when the table is empty, so that changing one carrier keeps the rest."""
    if write.execute("SELECT 1 FROM carriers LIMIT 1").fetchone() is not None:
        return
    for carrier in PRESETS:
        write.execute(
            "INSERT INTO carriers (code, spec, active, updated_at) VALUES (?,?,?,?)",
            (carrier.code, _store_spec(carrier), int(carrier.active), write.now),
        )
    write.audit("carrier.presets", "carriers", codes=[c.code for c in PRESETS])


def set_active(store: Store, actor: Actor, code: str, active: bool) -> Carrier:
    """Turn a carrier on or off for the rules (admins only; audited). Returns it as stored."""
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        _materialise_presets(write)
        code = carrier_code(code, carrier_codes(write))
        was = write.execute("SELECT active FROM carriers WHERE code = ?", (code,)).fetchone()[0]
        write.execute(
            "UPDATE carriers SET active = ?, updated_at = ? WHERE code = ?",
            (int(active), write.now, code),
        )
        write.audit("carrier.active", code, active=active, was=bool(was))
        return next(c for c in load_carriers(write) if c.code == code)


def import_carriers(store: Store, actor: Actor, content: bytes) -> dict[str, list[str]]:
    """Add or replace carriers from JSON: an array of carrier specs (``carrier_to_spec``'s
    shape), one spec, or ``{"carriers": [...]}``. Every spec is checked before anything is
    stored (one bad spec rejects the file); the presets are stored first, so carriers the file
    does not name keep working. A spec without ``active`` keeps the carrier's current state.
    Returns the codes ``added`` and ``replaced``."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Rejected(_("the carriers file is not UTF-8 text")) from None
    except json.JSONDecodeError as error:
        raise Rejected(
            _("the carriers file is not valid JSON: {error} (line {line})").format(
                error=error.msg, line=error.lineno
            )
        ) from None
    if isinstance(data, dict) and "carriers" in data:
        data = data["carriers"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise Rejected(_("the carriers file must hold a JSON array of carriers"))
    parsed: list[tuple[Carrier, bool]] = []
    for index, spec in enumerate(data, start=1):
        try:
            carrier = carrier_from_spec(spec)
        except Rejected as error:
            raise Rejected(
                _("carrier #{n} in the file: {error}").format(n=index, error=error)
            ) from None
        if any(c.code == carrier.code for c, _given in parsed):
            raise Rejected(_("carrier {code} is in the file twice").format(code=carrier.code))
        parsed.append((carrier, isinstance(spec, dict) and "active" in spec))
    added: list[str] = []
    replaced: list[str] = []
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        _materialise_presets(write)
        for carrier, active_given in parsed:
            row = write.execute(
                "SELECT active FROM carriers WHERE code = ?", (carrier.code,)
            ).fetchone()
            active = carrier.active if active_given or row is None else bool(row[0])
            write.execute(
                "INSERT INTO carriers (code, spec, active, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT (code) DO UPDATE SET spec = excluded.spec, active = excluded.active,"
                " updated_at = excluded.updated_at",
                (carrier.code, _store_spec(carrier), int(active), write.now),
            )
            (replaced if row else added).append(carrier.code)
            write.audit(
                "carrier.import",
                carrier.code,
                replaced=row is not None,
                active=active,
                spec=carrier_to_spec(carrier),
            )
    return {"added": added, "replaced": replaced}


def coverage_summary(carrier: Carrier) -> str:
    """Where a carrier delivers, in a few words: ``all mainland``, ``mainland except 新疆, 西藏``
    or the provinces themselves; ``+ international`` when it ships abroad."""
    if carrier.coverage is None:
        text = _("all mainland")
    else:
        missing = [p for p in PROVINCES if p not in carrier.coverage]
        if not carrier.coverage:
            text = _("no mainland province")
        elif len(missing) <= len(PROVINCES) // 2:
            text = _("mainland except {provinces}").format(provinces=", ".join(missing))
        else:
            text = ", ".join(p for p in PROVINCES if p in carrier.coverage)
    if carrier.international:
        text += " " + _("+ international")
    return text


def list_carriers(store: Store) -> list[dict[str, Any]]:
    """Carriers for ``carriers list``: the spec plus ``coverage_summary`` and ``stored``
    (False while the presets are in use unchanged)."""
    stored = bool(_rows(store, "SELECT 1 FROM carriers LIMIT 1"))
    apis = {api.carrier: api for api in carrier_apis(store)}
    rows = []
    for carrier in load_carriers(store):
        row = carrier_to_spec(carrier)
        row["coverage_summary"] = coverage_summary(carrier)
        row["stored"] = stored
        row["api"] = apis[carrier.code].shown() if carrier.code in apis else None
        rows.append(row)
    return rows


# -- waybill number pools --------------------------------------------------------------------------


def add_numbers(
    store: Store, actor: Actor, carrier: str, numbers: bytes | Iterable[str]
) -> ImportReport:
    """Add waybill numbers to a carrier's pool: ``numbers`` is a pool file's content (one number
    per line, ``#`` comments) or the numbers themselves (a range: positions count as lines).
    Bad lines are rejected by line; numbers repeated in the input or already stored (for any
    carrier) are skipped and reported. Everything valid is added in one transaction (admins only;
    audited)."""
    code = carrier_code(carrier, carrier_codes(store))
    if isinstance(numbers, bytes):
        entries, rejected = parse_number_file(numbers)
    else:
        entries, rejected = [], []
        for position, text in enumerate(numbers, start=1):
            try:
                entries.append((position, waybill_number(text)))
            except Rejected as error:
                rejected.append(Rejection(position, text[:40], str(error)))
    report = ImportReport(kind="waybill numbers", rejected=rejected)
    first_line: dict[str, int] = {}
    fresh: list[tuple[int, str]] = []
    for line, number in entries:
        if number in first_line:
            report.skipped.append(
                Rejection(line, number, _("repeats line {n}").format(n=first_line[number]))
            )
        else:
            first_line[number] = line
            fresh.append((line, number))
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        stored: dict[str, tuple[str, str]] = {}
        for start in range(0, len(fresh), _CHUNK):
            chunk = [number for _line, number in fresh[start : start + _CHUNK]]
            marks = ",".join("?" * len(chunk))
            for number, owner, status in write.execute(
                f"SELECT number, carrier, status FROM waybill_numbers WHERE number IN ({marks})",
                chunk,
            ):
                stored[number] = (owner, status)
        new = []
        for line, number in fresh:
            if number in stored:
                owner, status = stored[number]
                report.skipped.append(
                    Rejection(
                        line,
                        number,
                        _("already in the {carrier} pool ({status})").format(
                            carrier=owner, status=status
                        ),
                    )
                )
            else:
                new.append(number)
        write.conn.executemany(
            "INSERT INTO waybill_numbers (number, carrier, status, added_at) VALUES (?,?,'free',?)",
            [(number, code, write.now) for number in new],
        )
        report.stored.extend(new)
        write.audit(
            "waybill.add",
            code,
            added=len(new),
            first=new[0] if new else None,
            last=new[-1] if new else None,
            skipped=len(report.skipped),
            rejected=len(report.rejected),
        )
    report.skipped.sort(key=lambda r: r.line)
    return report


def free_numbers(source: Source, code: str) -> int:
    """How many waybill numbers of a carrier are still free."""
    return int(
        _rows(
            source,
            "SELECT count(*) FROM waybill_numbers WHERE carrier = ? AND status = 'free'",
            (code,),
        )[0][0]
    )


def take_waybills(write: Write, carrier: str, count: int) -> WaybillTake:
    """Take the ``count`` oldest free numbers of ``carrier`` and mark them used, inside the
    caller's write transaction (roll it back and they are free again). Raises Rejected, taking
    nothing, when fewer are free. ``low`` says the pool has dropped below ``pool.low_warning``."""
    write.require(Permission.PACK)
    code = carrier.strip().upper()
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise Rejected(_("take at least one waybill number"))
    rows = write.execute(
        "SELECT rowid, number FROM waybill_numbers WHERE carrier = ? AND status = 'free'"
        " ORDER BY rowid LIMIT ?",
        (code, count),
    ).fetchall()
    if len(rows) < count:
        if not rows:
            message = _(
                "no waybill numbers left for {carrier}; add some with: "
                "wareterm carriers pool add {carrier} FILE"
            )
        else:
            message = _(
                "only {free} waybill number(s) left for {carrier}, {count} needed; add some "
                "with: wareterm carriers pool add {carrier} FILE"
            )
        raise Rejected(message.format(carrier=code, free=len(rows), count=count))
    marks = ",".join("?" * len(rows))
    updated = write.execute(
        f"UPDATE waybill_numbers SET status = 'used', taken_at = ? WHERE rowid IN ({marks})"
        " AND status = 'free'",
        (write.now, *(row[0] for row in rows)),
    ).rowcount
    if updated != count:  # cannot happen inside BEGIN IMMEDIATE; never hand out a number twice
        raise RuntimeError("waybill numbers changed under a write transaction")
    numbers = tuple(str(row[1]) for row in rows)
    remaining = free_numbers(write, code)
    write.audit("waybill.take", code, numbers=list(numbers), remaining=remaining)
    return WaybillTake(numbers, remaining, remaining < low_warning(write))


def void_waybill(write: Write, number: str) -> str:
    """Make a number void for good (a cancelled shipment or a spoilt label), inside the caller's
    write; it is never handed out again. Returns its status before (``void`` again is a no-op).
    Raises NotFound for a number no pool holds."""
    write.require(Permission.PACK)
    number = number.strip().upper()
    row = write.execute(
        "SELECT carrier, status, package_id FROM waybill_numbers WHERE number = ?", (number,)
    ).fetchone()
    if row is None:
        raise NotFound(_("no waybill number {number} in any pool").format(number=number))
    carrier, status, package_id = row[0], row[1], row[2]
    if status != "void":
        write.execute("UPDATE waybill_numbers SET status = 'void' WHERE number = ?", (number,))
        write.audit("waybill.void", number, carrier=carrier, was=status, package_id=package_id)
    return str(status)


def attach(write: Write, number: str, package_id: int) -> None:
    """Record which package a taken number is on (inside the caller's write). Raises NotFound
    for an unknown number and Rejected unless it is taken (used) and on no other package."""
    number = number.strip().upper()
    row = write.execute(
        "SELECT status, package_id FROM waybill_numbers WHERE number = ?", (number,)
    ).fetchone()
    if row is None:
        raise NotFound(_("no waybill number {number} in any pool").format(number=number))
    status, current = row[0], row[1]
    if status != "used":
        raise Rejected(
            _("waybill number {number} is {status}, not taken for a package").format(
                number=number, status=status
            )
        )
    if current is not None and current != package_id:
        raise Rejected(
            _("waybill number {number} is already on package {package}").format(
                number=number, package=current
            )
        )
    write.execute(
        "UPDATE waybill_numbers SET package_id = ? WHERE number = ?", (package_id, number)
    )


def pool_status(store: Store) -> list[dict[str, Any]]:
    """Per carrier: free, used and void numbers and ``low`` (an active carrier with fewer free
    numbers than ``pool.low_warning``). Lists every active carrier and any other with numbers."""
    threshold = low_warning(store)
    counts = {
        row[0]: row[1:]
        for row in _rows(
            store,
            "SELECT carrier, sum(status = 'free'), sum(status = 'used'), sum(status = 'void')"
            " FROM waybill_numbers WHERE source = 'pool' GROUP BY carrier",
        )
    }
    carriers = load_carriers(store)
    known = {c.code for c in carriers}
    rows = []
    for carrier in carriers:
        if not carrier.active and carrier.code not in counts:
            continue
        free, used, void = counts.get(carrier.code, (0, 0, 0))
        rows.append(
            {
                "carrier": carrier.code,
                "name": carrier.name_zh,
                "active": carrier.active,
                "free": free,
                "used": used,
                "void": void,
                "low": carrier.active and free < threshold,
                "low_warning": threshold,
            }
        )
    for code in sorted(set(counts) - known):  # numbers of a carrier no longer configured
        free, used, void = counts[code]
        rows.append(
            {
                "carrier": code,
                "name": "",
                "active": False,
                "free": free,
                "used": used,
                "void": void,
                "low": False,
                "low_warning": threshold,
            }
        )
    return rows


class PoolWaybillSource(WaybillSource):
    """The local pool as a :class:`~core.waybills.WaybillSource`, bound to the caller's open
    write transaction."""

    def __init__(self, write: Write) -> None:
        self.write = write

    def take(self, carrier: str, count: int) -> WaybillTake:
        """See :func:`take_waybills`."""
        return take_waybills(self.write, carrier, count)

    def void(self, number: str) -> None:
        """See :func:`void_waybill`."""
        void_waybill(self.write, number)


# -- electronic waybill APIs (电子面单) -------------------------------------------------------------

#: Options a provider may take (快递鸟's names; another provider reads the ones it knows).
API_OPTIONS = ("customer_name", "customer_pwd", "month_code", "template_size", "shipper_code")
_PROVIDER = re.compile(r"^[a-z0-9_]{2,32}$")


def _api(row: Sequence[Any]) -> CarrierApi:
    carrier, provider, url, account, secret, options, fallback = row
    try:
        parsed = json.loads(options)
    except ValueError:
        parsed = {}
    return CarrierApi(
        carrier=str(carrier),
        provider=str(provider),
        url=str(url),
        account=str(account),
        key=str(secret),
        options={str(k): str(v) for k, v in (parsed or {}).items()},
        fallback=str(fallback),
    )


_API_COLUMNS = "carrier, provider, url, account, secret, options, fallback"


def carrier_apis(source: Source) -> list[CarrierApi]:
    """Every carrier's configured e-waybill API (with its key: for the process that calls the
    API; show :meth:`~core.waybills.CarrierApi.shown` instead)."""
    return [
        _api(row)
        for row in _rows(source, f"SELECT {_API_COLUMNS} FROM carrier_apis ORDER BY carrier")
    ]


def carrier_api(source: Source, carrier: str) -> CarrierApi | None:
    """A carrier's e-waybill API, or None when its numbers come from the pool."""
    rows = _rows(
        source,
        f"SELECT {_API_COLUMNS} FROM carrier_apis WHERE carrier = ?",
        (carrier.strip().upper(),),
    )
    return _api(rows[0]) if rows else None


def _printable(value: str, what: str, limit: int = 200) -> str:
    value = value.strip()
    if len(value) > limit or any(not ch.isprintable() for ch in value):
        raise Rejected(
            _("{what} must be at most {n} printable characters").format(what=what, n=limit)
        )
    return value


def set_api(
    store: Store,
    actor: Actor,
    carrier: str,
    provider: str,
    url: str,
    account: str,
    key: str,
    options: dict[str, str] | None = None,
    fallback: str = "wait",
) -> dict[str, Any]:
    """Point a carrier's waybill numbers at an electronic waybill API (admins only). The key is
    stored for the process that calls the API; the audit row, the answer and every listing say
    only that it is set. Returns the configuration as it may be shown."""
    provider = provider.strip().lower()
    if not _PROVIDER.match(provider):
        raise Rejected(_("{provider!r} is not a provider name").format(provider=provider))
    url = _printable(url, "--url", 500)
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise Rejected(_("the API URL must start with http:// or https://"))
    if "@" in url.split("/")[2]:
        raise Rejected(_("put no credentials in the API URL: the key goes in --key"))
    account = _printable(account, _("the account id"), 64)
    key = _printable(key, _("the key"), 200)
    if not account or not key:
        raise Rejected(_("an API needs its account id and its key"))
    if fallback not in FALLBACKS:
        raise Rejected(_("fallback is one of {known}").format(known=", ".join(FALLBACKS)))
    cleaned: dict[str, str] = {}
    for name, value in (options or {}).items():
        if name not in API_OPTIONS:
            raise Rejected(_("unknown API option {name}").format(name=name))
        value = _printable(value or "", name, 64)
        if value:
            cleaned[name] = value
    size = cleaned.get("template_size", "")
    if size and not size.isdigit():
        raise Rejected(_("the template size is a number of millimetres, e.g. 130"))
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        code = carrier_code(carrier, carrier_codes(write))
        write.execute(
            "INSERT INTO carrier_apis (carrier, provider, url, account, secret, options,"
            " fallback, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (carrier) DO UPDATE SET"
            " provider = excluded.provider, url = excluded.url, account = excluded.account,"
            " secret = excluded.secret, options = excluded.options,"
            " fallback = excluded.fallback, updated_at = excluded.updated_at",
            (
                code,
                provider,
                url,
                account,
                key,
                json.dumps(cleaned, ensure_ascii=False, sort_keys=True),
                fallback,
                write.now,
            ),
        )
        shown = CarrierApi(code, provider, url, account, key, cleaned, fallback).shown()
        write.audit("carrier.api", code, **{k: v for k, v in shown.items() if k != "carrier"})
    return shown


def clear_api(store: Store, actor: Actor, carrier: str) -> bool:
    """Back to the pool: forget a carrier's API (and its key). Returns whether one was set."""
    with store.write(actor) as write:
        write.require(Permission.CONFIGURE)
        code = carrier_code(carrier, carrier_codes(write))
        removed = write.execute("DELETE FROM carrier_apis WHERE carrier = ?", (code,)).rowcount
        write.audit("carrier.api.off", code, was_set=bool(removed))
    return bool(removed)


def record_issued(write: Write, carrier: str, provider: str, waybill: IssuedWaybill) -> None:
    """Store a number an API issued, as used, inside the caller's write (the unique index
    refuses a number stored before: never the same number twice)."""
    try:
        write.execute(
            "INSERT INTO waybill_numbers (number, carrier, status, added_at, taken_at, source,"
            " reference) VALUES (?,?,'used',?,?,?,?)",
            (waybill.number, carrier, write.now, write.now, provider, waybill.reference),
        )
    except sqlite3.IntegrityError:
        raise Rejected(
            _("{carrier} issued waybill number {number}, which is already stored").format(
                carrier=carrier, number=waybill.number
            )
        ) from None


def queue_cancel(write: Write, number: str, reason: str) -> bool:
    """Queue an API number for cancelling at the carrier (inside the caller's write), when it
    came from an API; returns whether it did."""
    row = write.execute(
        "SELECT carrier, source, reference FROM waybill_numbers WHERE number = ?", (number,)
    ).fetchone()
    if row is None or row[1] == "pool":
        return False
    write.execute(
        "INSERT INTO waybill_cancels (number, carrier, reference, reason, created_at,"
        " next_attempt_at) VALUES (?,?,?,?,?,?) ON CONFLICT (number) DO NOTHING",
        (number, row[0], row[2] or "", reason, write.now, write.now),
    )
    return True
