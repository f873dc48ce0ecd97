"""Site settings kept in the database (``wareterm config``), read into core's policy records."""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.carriers import PRESET_CODES, carrier_code, check_code, mainland_province, province_list
from core.codes import CodePrefixes
from core.errors import Rejected
from core.i18n import N_, _, known_languages, normalise_language
from core.labels import Sender
from core.merging import MERGE_MODES, SPLIT_MODES
from core.picking import PickSettings
from core.roles import Permission
from core.sla import SlaPolicy
from core.timefmt import DEFAULT_ZONE, set_site_zone, zone_named
from data.store import Store, Write


@dataclass(frozen=True)
class Setting:
    """A setting's name, default and how its text is checked."""

    key: str
    default: str
    kind: str
    help: str


#: Longest text setting (a sender address fits easily).
MAX_TEXT = 200

SETTINGS = {
    setting.key: setting
    for setting in (
        Setting("sla.rush_hours", "4", "hours", N_("ship-by hours after placing, rush")),
        Setting("sla.standard_hours", "24", "hours", N_("ship-by hours after placing, standard")),
        Setting("sla.deferred_hours", "72", "hours", N_("ship-by hours after placing, deferred")),
        Setting("pick.location_first", "false", "bool", N_("scan the bin label before its items")),
        Setting("wave.max_orders", "20", "count", N_("orders per wave release by default")),
        Setting("wave.orders_per_list", "4", "count", N_("orders consolidated into one pick list")),
        Setting(
            "merge.mode",
            "off",
            "merge_mode",
            N_("merge (合单) a buyer's orders at wave release: auto, propose or off"),
        ),
        Setting(
            "split.backorders",
            "manual",
            "split_mode",
            N_("ship what is in stock of a backordered order: manual or auto"),
        ),
        Setting("prefix.location", "L:", "prefix", N_("prefix of bin label codes")),
        Setting("prefix.tote", "T:", "prefix", N_("prefix of tote codes")),
        Setting("prefix.picklist", "P:", "prefix", N_("prefix of pick list codes")),
        Setting("prefix.order", "O:", "prefix", N_("prefix of order codes")),
        Setting("prefix.user", "U:", "prefix", N_("prefix of user badges")),
        Setting("prefix.sku", "S:", "prefix", N_("prefix of SKU label codes")),
        Setting("login.badge_only", "true", "bool", N_("a badge scan logs in without a PIN")),
        Setting("sender.name", "Warehouse", "text", N_("sender name on outbound labels")),
        Setting("sender.phone", "", "text", N_("sender phone on outbound labels")),
        Setting("sender.address", "", "text", N_("sender address on outbound labels")),
        Setting(
            "label.privacy", "true", "bool", N_("mask the recipient's phone and name on labels")
        ),
        Setting("sender.city", "", "text", N_("sender city for carrier waybill APIs (杭州市)")),
        Setting(
            "sender.district", "", "text", N_("sender district for carrier waybill APIs (余杭区)")
        ),
        Setting(
            "warehouse.province", "浙江", "province", N_("province parcels leave from (zones)")
        ),
        Setting(
            "carrier.remote_provinces",
            "新疆,西藏,青海,内蒙古,甘肃,宁夏",
            "provinces",
            N_("remote provinces (偏远地区), comma-separated"),
        ),
        Setting("carrier.remote_preferred", "EMS", "carrier", N_("carrier preferred for remote")),
        Setting("pool.low_warning", "50", "count", N_("warn below this many free waybill numbers")),
        Setting(
            "receiving.dock", "DOCK", "text", N_("receiving dock bin where received units wait")
        ),
        Setting("count.tolerance", "0", "count", N_("units a count may differ before a recount")),
        Setting(
            "ship.partial_channels",
            "",
            "text",
            N_(
                "channels or shops whose orders may ship partly after a short pick (comma-separated)"
            ),
        ),
        Setting(
            "ui.language",
            "en",
            "language",
            N_("language of screens and messages for users who chose none (en, zh_CN)"),
        ),
        Setting(
            "site.timezone", DEFAULT_ZONE, "timezone", N_("time zone people read times in (IANA)")
        ),
    )
}


def check_value(key: str, value: str) -> str:
    """Validate a setting's text; raises Rejected with what is allowed."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise Rejected(
            _("unknown setting {key}; known: {keys}").format(key=key, keys=", ".join(SETTINGS))
        )
    value = value.strip()
    if setting.kind == "hours":
        try:
            hours = float(value)
        except ValueError:
            hours = -1
        if not 0 < hours <= 24 * 60:
            raise Rejected(_("{key} must be a number of hours, e.g. 4 or 0.5").format(key=key))
    elif setting.kind == "bool":
        if value.lower() not in ("true", "false"):
            raise Rejected(_("{key} must be true or false").format(key=key))
        value = value.lower()
    elif setting.kind == "count":
        if not value.isdigit() or int(value) <= 0:
            raise Rejected(_("{key} must be a positive whole number").format(key=key))
    elif setting.kind == "prefix" and (not value or " " in value or len(value) > 4):
        raise Rejected(_("{key} must be 1–4 characters without spaces").format(key=key))
    elif setting.kind == "text":
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
            raise Rejected(
                _("{key} must be plain text, without control or invisible characters").format(
                    key=key
                )
            )
        if len(value) > MAX_TEXT:
            raise Rejected(_("{key} is longer than {n} characters").format(key=key, n=MAX_TEXT))
    elif setting.kind == "province":
        try:
            value = mainland_province(value)
        except Rejected as error:
            raise Rejected(_("{key}: {error}").format(key=key, error=error)) from None
    elif setting.kind == "provinces":
        try:
            value = ",".join(province_list(value))
        except Rejected as error:
            raise Rejected(_("{key}: {error}").format(key=key, error=error)) from None
    elif setting.kind == "carrier":
        value = check_code(value)
    elif setting.kind == "timezone":
        try:
            zone_named(value)
        except ValueError:
            raise Rejected(
                _("{key}: unknown time zone {value!r} (use a name such as Asia/Shanghai)").format(
                    key=key, value=value
                )
            ) from None
    elif setting.kind == "language":
        value = check_language(value)
    elif setting.kind in ("merge_mode", "split_mode"):
        allowed = MERGE_MODES if setting.kind == "merge_mode" else SPLIT_MODES
        value = value.lower()
        if value not in allowed:
            raise Rejected(
                _("{key} must be one of {allowed}").format(key=key, allowed=", ".join(allowed))
            )
    return value


def check_language(value: str) -> str:
    """A language a user or the site may choose (``zh_CN``, ``zh-cn``, ``en`` …), as stored."""
    language = normalise_language(value)
    if language is None:
        raise Rejected(
            _("unknown language {value!r}; use one of {languages}").format(
                value=value, languages=", ".join(known_languages())
            )
        )
    return language


def site_language(db: Path) -> str | None:
    """The site's default language (``ui.language``) read straight from the database file,
    or None when there is no file or no setting yet (the command line asks this before any
    command opens the file, and must not create it)."""
    if not db.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            row = connection.execute(
                "SELECT value FROM settings WHERE key = 'ui.language'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def get(store: Store, key: str) -> str:
    """A setting's current text."""
    return store.setting(key, SETTINGS[key].default)


def put(write: Write, key: str, value: str) -> str:
    """Change a setting inside a write transaction (audited; admins only)."""
    write.require(Permission.CONFIGURE)
    value = check_value(key, value)
    if SETTINGS[key].kind == "carrier":
        # The carriers table, or the presets while it is empty (see data.carriers).
        stored = [row[0] for row in write.execute("SELECT code FROM carriers ORDER BY code")]
        value = carrier_code(value, stored or PRESET_CODES)
    write.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
    write.audit("config.set", key, value=value)
    return value


def apply_site_zone(store: Store) -> None:
    """Show every time in the site's time zone from now on (``site.timezone``)."""
    try:
        set_site_zone(get(store, "site.timezone"))
    except ValueError:
        set_site_zone(None)  # a zone this machine's tzdata lacks: China time, not a crash


def all_settings(store: Store) -> dict[str, str]:
    """Every setting with its current value."""
    return {key: get(store, key) for key in SETTINGS}


def sla_policy(store: Store) -> SlaPolicy:
    """The SLA hours per priority."""
    return SlaPolicy(
        rush_hours=float(get(store, "sla.rush_hours")),
        standard_hours=float(get(store, "sla.standard_hours")),
        deferred_hours=float(get(store, "sla.deferred_hours")),
    )


def pick_settings(store: Store) -> PickSettings:
    """How picking is checked."""
    return PickSettings(location_first=get(store, "pick.location_first") == "true")


def get_many(store: Store, keys: tuple[str, ...]) -> dict[str, str]:
    """Several settings' current text in one query (a scan reads the prefixes every time)."""
    rows = store.query(_many_sql(keys), keys)
    return _with_defaults({row["key"]: str(row["value"]) for row in rows}, keys)


def _get_many_on(conn: Any, keys: tuple[str, ...]) -> dict[str, str]:
    """:func:`get_many` inside a transaction the caller holds."""
    rows = conn.execute(_many_sql(keys), keys)
    return _with_defaults({key: str(value) for key, value in rows}, keys)


def _many_sql(keys: tuple[str, ...]) -> str:
    return f"SELECT key, value FROM settings WHERE key IN ({','.join('?' * len(keys))})"


def _with_defaults(found: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """Each of ``keys`` with its stored text, else its default."""
    return {key: found.get(key, SETTINGS[key].default) for key in keys}


_PREFIX_KEYS = (
    "prefix.location",
    "prefix.tote",
    "prefix.picklist",
    "prefix.order",
    "prefix.user",
    "prefix.sku",
)


def scan_settings(store: Store) -> tuple[CodePrefixes, PickSettings]:
    """The code prefixes and how picking is checked, in one query (read before every scan)."""
    values = get_many(store, (*_PREFIX_KEYS, "pick.location_first"))
    return _prefixes(values), PickSettings(location_first=values["pick.location_first"] == "true")


def scan_settings_on(conn: Any) -> tuple[CodePrefixes, PickSettings]:
    """:func:`scan_settings` inside a read the caller holds (a pick scan reads them with the
    code's SKU, in one transaction)."""
    values = _get_many_on(conn, (*_PREFIX_KEYS, "pick.location_first"))
    return _prefixes(values), PickSettings(location_first=values["pick.location_first"] == "true")


def prefixes(store: Store) -> CodePrefixes:
    """The internal code prefixes."""
    return _prefixes(get_many(store, _PREFIX_KEYS))


def _prefixes(values: dict[str, str]) -> CodePrefixes:
    return CodePrefixes(
        location=values["prefix.location"],
        tote=values["prefix.tote"],
        picklist=values["prefix.picklist"],
        order=values["prefix.order"],
        user=values["prefix.user"],
        sku=values["prefix.sku"],
    )


def sender(store: Store) -> Sender:
    """Who ships, as printed in the "from" block of outbound labels."""
    return Sender(
        name=get(store, "sender.name"),
        phone=get(store, "sender.phone"),
        address=get(store, "sender.address"),
    )
