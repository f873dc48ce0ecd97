"""Platform order exports (Taobao/Tmall, JD, Pinduoduo, Douyin …) read through data profiles.

Pure: a profile is plain data (loaded by data/ from a JSON file); this module matches a file's
header against it, cleans each cell of the platform's quirks, maps status words to what the
import does, splits one-string addresses, and turns rows into the records the order import
already reads (``core.importing.Record`` with our column names). Reading bytes, encodings and
spreadsheets is data/'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import Rejected
from core.i18n import _
from core.importing import MAX_FIELD, Record, has_surrogates
from core.review import masked

#: Our fields a profile can map a platform column to.
FIELDS = (
    "order_no",
    "placed_at",
    "due_at",
    "status",
    "priority",
    "customer_name",
    "phone",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "sku",
    "qty",
    "note",
    "carrier",
    "buyer",
    "merge_token",
    "payment_method",
)
#: What a status word makes the import do: ``cancel`` skips a new order like ``skip`` and
#: cancels (or intercepts) one imported before (closed or refunded on the platform).
ACTIONS = ("import", "unpaid", "skip", "cancel")
#: Words of a payment method column that mean cash on delivery.
_COD_WORDS = ("货到付款", "到付", "cod")
#: Cell clean-ups a profile may ask for (see :func:`clean_cell`).
QUIRKS = ("excel_text", "leading_apostrophe", "leading_tab")
#: File roles: one row per order line (maybe carrying the order too), or one row per order
#: (then another file of the profile gives the lines, joined on ``order_no``).
ROLES = ("lines", "orders")

_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)
_POSTCODE = re.compile(r"\s*[(（]\s*([0-9]{6})\s*[)）]\s*$")


@dataclass(frozen=True)
class ProfileFile:
    """One file of a platform's export: its role, a name hint and its columns."""

    role: str
    #: Text the platform puts in the file's name (``ExportOrderList``); empty: any name.
    name_hint: str
    #: Our field → the platform's header names for it (synonyms, first preferred).
    columns: Mapping[str, tuple[str, ...]]
    #: Our fields without which the file is not this layout.
    required: tuple[str, ...]


#: What a bulk-ship row carries: the order number, the carrier's name there, the waybill.
BULK_FIELDS = ("order_no", "carrier", "waybill_no")


@dataclass(frozen=True)
class BulkShip:
    """The platform's bulk-ship upload: its column headers, encoding and carrier names."""

    #: Our field (see :data:`BULK_FIELDS`) → the platform's header, in the file's order.
    columns: tuple[tuple[str, str], ...]
    encoding: str
    #: Our carrier code → the name the platform knows it by.
    carriers: Mapping[str, str]


@dataclass(frozen=True)
class Profile:
    """A platform's export layout."""

    name: str
    channel: str
    files: tuple[ProfileFile, ...]
    #: Encodings the platform writes, as hints for detection (``gb18030``, ``utf-8``).
    encodings: tuple[str, ...]
    #: Status word → ``import`` | ``unpaid`` | ``skip``.
    statuses: Mapping[str, str]
    quirks: tuple[str, ...] = ()
    #: Whether ``address`` holds the whole address in one string (split it).
    address_one_string: bool = False
    #: The bulk-ship file (批量发货) the platform takes back, if known.
    bulk_ship: BulkShip | None = None

    def file(self, role: str) -> ProfileFile | None:
        """The profile's file of ``role``."""
        return next((f for f in self.files if f.role == role), None)


def profile_from_dict(data: Any, origin: str) -> Profile:
    """A profile from its JSON data; a malformed one raises :class:`Rejected` naming what."""

    def bad(what: str) -> Rejected:
        return Rejected(
            _("{origin}: not a platform profile: {what}").format(origin=origin, what=what)
        )

    if not isinstance(data, dict):
        raise bad(_("expected an object"))
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_-]{1,32}", name):
        raise bad(_("name must be a short lowercase word"))
    files_data = data.get("files")
    if not isinstance(files_data, list) or not 1 <= len(files_data) <= 2:
        raise bad(_("files must list one or two files"))
    files = []
    for entry in files_data:
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            raise bad(_("each file needs a role: {roles}").format(roles=", ".join(ROLES)))
        columns_data = entry.get("columns")
        if not isinstance(columns_data, dict):
            raise bad(_("each file needs columns"))
        columns: dict[str, tuple[str, ...]] = {}
        for ours, theirs in columns_data.items():
            if ours not in FIELDS:
                raise bad(
                    _("unknown field {field} (use {fields})").format(
                        field=repr(ours), fields=", ".join(FIELDS)
                    )
                )
            names = [theirs] if isinstance(theirs, str) else theirs
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise bad(_("{field}: header names must be text").format(field=ours))
            columns[ours] = tuple(n.strip() for n in names)
        required = entry.get("required", ["order_no"])
        if not isinstance(required, list) or not set(required) <= columns.keys():
            raise bad(_("required fields must be among the file's columns"))
        hint = entry.get("name_hint", "")
        files.append(ProfileFile(entry["role"], str(hint), columns, tuple(required)))
    roles = [f.role for f in files]
    if roles not in (["lines"], ["orders", "lines"], ["lines", "orders"]):
        raise bad(_("files must be one 'lines' file, or an 'orders' and a 'lines' file"))
    lines = next(f for f in files if f.role == "lines")
    for needed in ("sku", "qty"):
        if needed not in lines.columns:
            raise bad(_("the lines file needs a {field} column").format(field=needed))
    statuses = data.get("statuses", {})
    if not isinstance(statuses, dict) or not all(
        isinstance(k, str) and v in ACTIONS for k, v in statuses.items()
    ):
        raise bad(_("statuses map words to {actions}").format(actions=", ".join(ACTIONS)))
    quirks = data.get("quirks", [])
    if not isinstance(quirks, list) or not set(quirks) <= set(QUIRKS):
        raise bad(_("quirks are among {quirks}").format(quirks=", ".join(QUIRKS)))
    encodings = data.get("encodings", ["utf-8", "gb18030"])
    if not isinstance(encodings, list) or not all(isinstance(e, str) for e in encodings):
        raise bad(_("encodings must be a list of names"))
    bulk = data.get("bulk_ship")
    bulk_ship = None
    if bulk is not None:
        columns_ok = isinstance(bulk, dict) and isinstance(bulk.get("columns"), dict)
        if not columns_ok or set(bulk["columns"]) != set(BULK_FIELDS):
            raise bad(
                _("bulk_ship needs columns for {fields}").format(fields=", ".join(BULK_FIELDS))
            )
        carriers = bulk.get("carriers", {})
        if not isinstance(carriers, dict):
            raise bad(_("bulk_ship carriers map our carrier codes to the platform's names"))
        bulk_ship = BulkShip(
            columns=tuple((str(k), str(v)) for k, v in bulk["columns"].items()),
            encoding=str(bulk.get("encoding", "utf-8")),
            carriers={str(k).upper(): str(v) for k, v in carriers.items()},
        )
    return Profile(
        bulk_ship=bulk_ship,
        name=name,
        channel=str(data.get("channel", name)),
        files=tuple(files),
        encodings=tuple(encodings),
        statuses={k.strip(): v for k, v in statuses.items()},
        quirks=tuple(quirks),
        address_one_string=bool(data.get("address_one_string", False)),
    )


# -- headers -------------------------------------------------------------------------------------


def clean_header(name: str) -> str:
    """A header cell as matched: quirks and spaces off (exports pad and quote headers too)."""
    return clean_cell(name, QUIRKS).replace("\ufeff", "").strip()


def match_columns(
    spec: ProfileFile, header: Iterable[str]
) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Which columns of ``header`` hold each of our fields (synonyms in the profile's order:
    a row takes the first that is not empty), and the required fields missing (named by the
    platform's first header name for them)."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(clean_header(name), index)
    found: dict[str, tuple[int, ...]] = {}
    for ours, theirs in spec.columns.items():
        present = tuple(positions[name] for name in theirs if name in positions)
        if present:
            found[ours] = present
    missing = [spec.columns[f][0] for f in spec.required if f not in found]
    return found, missing


@dataclass(frozen=True)
class Guess:
    """How well a profile fits a set of files: each file's role, or what is missing."""

    profile: Profile
    #: File index → (its role, its column positions).
    assigned: dict[int, tuple[str, dict[str, tuple[int, ...]]]] = field(default_factory=dict)
    #: Required header names not found, per role (the best file's view).
    missing: dict[str, list[str]] = field(default_factory=dict)
    score: int = 0

    @property
    def complete(self) -> bool:
        """Every file of the profile found, with its required columns, and no file left over."""
        return not self.missing and len(self.assigned) == len(self.profile.files)


def guess(profile: Profile, files: list[tuple[str, list[str]]]) -> Guess:
    """Fit ``profile`` to files given as (name, header): each profile file takes the given file
    whose header (and name) fits it best."""
    assigned: dict[int, tuple[str, dict[str, tuple[int, ...]]]] = {}
    missing: dict[str, list[str]] = {}
    score = 0
    for spec in profile.files:
        best: tuple[int, int, dict[str, tuple[int, ...]], list[str]] | None = None
        for index, (name, header) in enumerate(files):
            if index in assigned:
                continue
            found, lacking = match_columns(spec, header)
            points = len(found) * 2 - len(lacking) * 3
            if spec.name_hint and spec.name_hint.lower() in name.lower():
                points += 5
            if best is None or points > best[0]:
                best = (points, index, found, lacking)
        if best is None:
            missing[spec.role] = [spec.columns[f][0] for f in spec.required]
            continue
        points, index, found, lacking = best
        score += points
        if lacking or not found:
            missing[spec.role] = lacking
        else:
            assigned[index] = (spec.role, found)
    if len(files) > len(profile.files):
        score -= 10
    return Guess(profile, assigned, missing, score)


def choose(profiles: Iterable[Profile], files: list[tuple[str, list[str]]]) -> Guess:
    """The profile that fits the files (complete and highest scoring), or the best guess
    (incomplete: the caller names what it expected)."""
    guesses = sorted(
        (guess(profile, files) for profile in profiles),
        key=lambda g: (g.complete, g.score),
        reverse=True,
    )
    if not guesses:
        raise Rejected(_("no platform profiles to choose from"))
    return guesses[0]


def unknown_layout(best: Guess, files: list[tuple[str, list[str]]]) -> str:
    """What to tell about files no profile fits: the platform guessed and what it expected."""
    profile = best.profile
    if len(profile.files) == 2 and len(files) == 1:
        role = "orders" if any(r == "lines" for r, _found in best.assigned.values()) else "lines"
        spec = profile.file(role)
        assert spec is not None
        if not best.missing.get("lines") or not best.missing.get("orders"):
            return _(
                "{file} looks like a {platform} export but {platform} exports come as two "
                "files; give the {hint} file too (it holds {columns})"
            ).format(
                file=files[0][0],
                platform=profile.name,
                hint=spec.name_hint or role,
                columns=", ".join(names[0] for names in spec.columns.values()),
            )
    missing = "; ".join(
        "{role}: {names}".format(role=role, names=", ".join(names))
        for role, names in best.missing.items()
    )
    expected = "; ".join(
        ", ".join(spec.columns[f][0] for f in spec.required) for spec in profile.files
    )
    return _(
        "{files}: unknown layout; closest is {platform}, which expects the columns {expected} "
        "(missing {missing}); name the platform with --platform or give a profile with --profile"
    ).format(
        files=", ".join(name for name, _header in files),
        platform=profile.name,
        expected=expected,
        missing=missing or "-",
    )


# -- cells ---------------------------------------------------------------------------------------


def clean_cell(value: str, quirks: Iterable[str]) -> str:
    """A cell without the platform's wrapping: ``="…"`` (Excel text), a leading apostrophe,
    a leading tab (IDs kept as text)."""
    text = value.strip()
    if not text or text[0] not in "='":
        return text  # no quirk changes a cell that starts with neither = nor '
    text = value
    for quirk in quirks:
        if quirk == "excel_text":
            match = _EXCEL_TEXT.match(text.strip())
            if match:
                text = match.group(1)
        elif quirk == "leading_apostrophe":
            text = text.strip()
            if text.startswith("'"):
                text = text[1:]
        elif quirk == "leading_tab":
            text = text.lstrip("\t")
    return text.strip()


# -- addresses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Divisions:
    """China's divisions (province → city → district) by name, for splitting addresses."""

    #: Province name → its code prefix (2 digits).
    provinces: dict[str, str]
    #: Province prefix → city name → city prefix (4 digits).
    cities: dict[str, dict[str, str]]
    #: City prefix → district name → district name.
    districts: dict[str, dict[str, str]]
    #: Code prefix → full name.
    names: dict[str, str]


_PROVINCE_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_CITY_SUFFIXES = ("市", "地区", "盟")
_DISTRICT_SUFFIXES = ("区", "县", "市", "旗")


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def divisions_from_codes(rows: Iterable[tuple[str, str]]) -> Divisions:
    """The division table from (6-digit code, name) rows, such as the national division codes.
    Each name is also known without its suffix (广东 for 广东省, 杭州 for 杭州市)."""
    provinces: dict[str, str] = {}
    cities: dict[str, dict[str, str]] = {}
    districts: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    rows = [(code[:6], name.strip()) for code, name in rows if len(code) >= 6 and name.strip()]
    for code, name in rows:
        if code.endswith("0000"):
            names[code[:2]] = name
            provinces[name] = provinces[_short(name, _PROVINCE_SUFFIXES)] = code[:2]
    # A city code that repeats a name of its province (重庆市 5001 and 5002) is one city.
    canonical: dict[str, str] = {}
    for code, name in rows:
        if code.endswith("00") and not code.endswith("0000"):
            table = cities.setdefault(code[:2], {})
            if name in table:
                canonical[code[:4]] = table[name]
                continue
            names[code[:4]] = name
            table[name] = table[_short(name, _CITY_SUFFIXES)] = code[:4]
    for code, name in rows:
        if code.endswith("00"):
            continue
        names[code] = name
        if code[2:4] == "90":
            # County-level cities under the province itself (济源市, 仙桃市): cities here.
            table = cities.setdefault(code[:2], {})
            table[name] = table[_short(name, _CITY_SUFFIXES)] = code
            continue
        city = canonical.get(code[:4], code[:4])
        table = districts.setdefault(city, {})
        table[name] = table[_short(name, _DISTRICT_SUFFIXES)] = name
    return Divisions(provinces, cities, districts, names)


@dataclass(frozen=True)
class SplitAddress:
    """An address split into its divisions and the rest (street, building, door)."""

    province: str
    city: str
    district: str
    street: str
    postcode: str


def _take(text: str, names: Mapping[str, str]) -> tuple[str, str] | None:
    """The longest name of ``names`` that ``text`` starts with (2 to 12 characters), and
    what follows it."""
    text = text.lstrip(" \u3000,，")
    for size in _lengths(names):
        if size <= len(text):
            value = names.get(text[:size])
            if value is not None:
                return value, text[size:]
    return None


#: The lengths of the names in a table, longest first, by the table's id (with the table,
#: so that an id is never taken for another table's).
_LENGTHS: dict[int, tuple[Mapping[str, str], tuple[int, ...]]] = {}


def _lengths(names: Mapping[str, str]) -> tuple[int, ...]:
    if not names:
        return ()
    known = _LENGTHS.get(id(names))
    if known is None or known[0] is not names:
        sizes = tuple(sorted({len(name) for name in names if 2 <= len(name) <= 12}, reverse=True))
        if len(_LENGTHS) > 10_000:  # tables of many division lists (tests): start again
            _LENGTHS.clear()
        known = _LENGTHS[id(names)] = (names, sizes)
    return known[1]


def split_address(text: str, divisions: Divisions) -> SplitAddress | None:
    """Province, city and district from an address written as one string ("浙江省 杭州市
    西湖区 文三路 1 号(310000)", with or without spaces, full or short names); None when the
    province and city cannot both be found."""
    postcode = ""
    match = _POSTCODE.search(text)
    if match:
        postcode = match.group(1)
        text = text[: match.start()]
    taken = _take(text, divisions.provinces)
    if taken is None:
        return None
    province_code, rest = taken
    cities = divisions.cities.get(province_code, {})
    city_taken = _take(rest, cities)
    if city_taken is None:
        # Municipalities are often written once (北京 朝阳区): the city repeats the province.
        own = [code for name, code in cities.items() if divisions.names.get(code) == name]
        if len(own) == 1 or (own and divisions.names[province_code].endswith("市")):
            city_taken = (own[0], rest)
        else:
            return None
    city_code, rest = city_taken
    district = ""
    district_taken = _take(rest, divisions.districts.get(city_code, {}))
    if district_taken is not None:
        district, rest = district_taken
    return SplitAddress(
        province=divisions.names[province_code],
        city=divisions.names[city_code],
        district=district,
        street=rest.strip(" \u3000,，"),
        postcode=postcode,
    )


# -- rows → records ------------------------------------------------------------------------------

#: A row as data/ reads it: the line (or sheet row) it is on and its cells as text.
Row = tuple[int, list[str]]


@dataclass
class FileMapping:
    """How to read one file of an export: the profile and where each field is."""

    profile: Profile
    positions: dict[str, tuple[int, ...]]
    filename: str
    #: (field, its positions) to read, for all fields (None) or the fields a pass names.
    _plans: dict[tuple[str, ...] | None, list[tuple[str, tuple[int, ...]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fields(self, cells: list[str], only: tuple[str, ...] | None = None) -> dict[str, str]:
        """Our fields of one row (or the fields ``only`` names), cleaned of the platform's
        quirks."""
        plan = self._plans.get(only)
        if plan is None:
            names = self.positions if only is None else [n for n in only if n in self.positions]
            plan = self._plans[only] = [(ours, self.positions[ours]) for ours in names]
        quirks = self.profile.quirks
        count = len(cells)
        values = {}
        for ours, indexes in plan:
            value = ""
            for index in indexes:
                if index < count:
                    value = cells[index].strip()
                    if value and value[0] in "='":
                        value = clean_cell(cells[index], quirks)
                else:
                    value = ""
                if value:
                    break
            values[ours] = value
        return values


def _status_action(profile: Profile, word: str) -> str | None:
    return profile.statuses.get(word.strip()) if word.strip() else "import"


def _our_record(
    line: int,
    values: dict[str, str],
    profile: Profile,
    shop: str,
    divisions: Divisions | None,
    dirty: bool = True,
    splits: dict[str, SplitAddress | None] | None = None,
    last: dict[str, Any] | None = None,
) -> Record:
    """A row's record in our column names (see ``core.importing.ORDER_COLUMNS``); ``dirty``:
    False when the cells it was made of hold no surrogates. ``last``: the previous row's
    order fields and outcome, taken again for a row of the same order (the rows of an
    order follow each other) instead of being worked out again."""
    key = None
    if last is not None:
        key = [item for item in values.items() if item[0] not in _ROW_FIELDS]
        if last.get("key") == key:
            fields = dict(last["fields"])
            fields["sku"] = values.get("sku", "")
            fields["qty"] = values.get("qty", "")
            fields["note"] = values.get("note", "")[:MAX_FIELD]
            return Record(line, fields, dirty, **last["outcome"])
    record = _new_record(line, values, profile, shop, divisions, dirty, splits)
    if last is not None:
        last["key"] = key
        last["fields"] = dict(record.fields)
        last["outcome"] = {
            "problem": record.problem,
            "skip": record.skip,
            "withdrawn": record.withdrawn,
        }
    return record


#: The fields that differ between the rows of one order.
_ROW_FIELDS = frozenset(("sku", "qty", "note"))


def _new_record(
    line: int,
    values: dict[str, str],
    profile: Profile,
    shop: str,
    divisions: Divisions | None,
    dirty: bool,
    splits: dict[str, SplitAddress | None] | None,
) -> Record:
    fields: dict[str, Any] = {
        "order_no": values.get("order_no", ""),
        "channel": profile.channel,
        "shop": shop,
        "priority": values.get("priority", ""),
        "customer_name": values.get("customer_name", ""),
        "phone": values.get("phone", ""),
        "country": "CN",
        "province": values.get("province", ""),
        "city": values.get("city", ""),
        "district": values.get("district", ""),
        "address": values.get("address", ""),
        "postcode": values.get("postcode", ""),
        "sku": values.get("sku", ""),
        "qty": values.get("qty", ""),
        "note": values.get("note", "")[:MAX_FIELD],
        "buyer": values.get("buyer", ""),
        "merge_token": values.get("merge_token", ""),
        "cod": "1"
        if any(w in values.get("payment_method", "").lower() for w in _COD_WORDS)
        else "",
    }
    for moment in ("placed_at", "due_at"):
        # Exports write 2026/11/21 14:30:00 as often as 2026-11-21 14:30:00.
        fields[moment] = values.get(moment, "").replace("/", "-")
    action = _status_action(profile, values.get("status", ""))
    if action is None:
        return Record(
            line,
            fields,
            dirty,
            problem=_(
                "unknown {platform} status {status!r}; add it to the profile's statuses"
            ).format(platform=profile.name, status=values.get("status", "")[:40]),
        )
    fields["payment_status"] = "pending" if action == "unpaid" else "paid"
    if profile.address_one_string and fields["address"] and not fields["province"]:
        address = fields["address"]
        if splits is not None and address in splits:
            split = splits[address]  # the order's other rows carry the same address
        else:
            split = split_address(address, divisions) if divisions else None
            if splits is not None:
                splits.clear()
                splits[address] = split
        if split is not None:
            fields.update(
                province=split.province,
                city=split.city,
                district=split.district,
                address=split.street,
                postcode=fields["postcode"] or split.postcode,
            )
    if action in ("skip", "cancel"):
        reason = _("{platform} status {status}; not imported").format(
            platform=profile.name, status=values.get("status", "")
        )
        return Record(line, fields, dirty, skip=reason, withdrawn=action == "cancel")
    return Record(line, fields, dirty)


#: An order file's rows by order number: the line, the fields, whether its cells hold
#: surrogates.
OrderHeaders = dict[str, tuple[int, dict[str, str], bool]]

#: What the first pass over an export looks at (see ``keys_only``).
_KEY_FIELDS = ("order_no", "status")


def _key_record(line: int, values: dict[str, str], profile: Profile) -> Record:
    """A row's record as :func:`_our_record` makes it, holding only its order number, and
    its problem or skip as the status word decides them."""
    fields = {"order_no": values.get("order_no", "")}
    action = _status_action(profile, values.get("status", ""))
    if action is None:
        return Record(line, fields, problem="unknown status")
    if action in ("skip", "cancel"):
        return Record(line, fields, skip="skip", withdrawn=action == "cancel")
    return Record(line, fields)


def export_records(
    profile: Profile,
    lines_file: FileMapping,
    lines_rows: Callable[[], Iterator[Row]],
    shop: str = "",
    divisions: Divisions | None = None,
    orders_file: FileMapping | None = None,
    orders_rows: Callable[[], Iterator[Row]] | None = None,
    keys_only: bool = False,
    orders_read: OrderHeaders | None = None,
) -> Iterator[Record]:
    """The records of an export in our column names, one per line row. With an order file
    (Taobao's ExportOrderList), its rows give each order's header and the lines file's rows
    its lines, joined on ``order_no``; an order without lines, or a line without its order,
    is reported. A skipped order (closed, refunded, shipped) yields one record only.
    ``divisions`` None: addresses are left as one string. ``keys_only``: the same records
    (the same lines, problems and skips) holding only their order numbers, for the import's
    first pass. ``orders_read``: the order file's headers as a pass read them (filled by
    the first pass to read the file; the next ones take them from there)."""
    only = _KEY_FIELDS if keys_only else None
    splits: dict[str, SplitAddress | None] = {}  # the last address split
    last: dict[str, Any] = {}  # the last row's order (see _our_record)
    orders: OrderHeaders = {}
    if orders_read:
        orders = orders_read
    elif orders_file is not None and orders_rows is not None:
        # Every field when a later pass takes them from here, else what this pass needs.
        wanted = None if orders_read is not None else only
        for line, cells in orders_rows():
            values = orders_file.fields(cells, wanted)
            order_no = values.get("order_no", "")
            if order_no:
                dirty = wanted is None and has_surrogates(cells)
                orders.setdefault(order_no, (line, values, dirty))
        if orders_read is not None:
            orders_read.update(orders)
    # A record is checked field by field only when text it was made of holds surrogates.
    dirty_anyway = has_surrogates((shop, profile.channel))
    skipped: set[str] = set()
    seen: set[str] = set()
    for line, cells in lines_rows():
        values = lines_file.fields(cells, only)
        dirty = not keys_only and (dirty_anyway or has_surrogates(cells))
        order_no = values.get("order_no", "")
        if order_no in skipped:
            continue
        if orders_file is not None:
            header = orders.get(order_no)
            if header is None:
                if order_no in seen:
                    continue
                seen.add(order_no)
                yield Record(
                    line,
                    {"order_no": order_no},
                    problem=_("{file}: order {order_no} is not in {other}").format(
                        file=lines_file.filename,
                        order_no=order_no,
                        other=orders_file.filename,
                    ),
                )
                continue
            seen.add(order_no)
            if keys_only:  # the status word as the merge below would give it
                status = values.get("status", "") or header[1].get("status", "")
                values = {"order_no": order_no, "status": status}
            else:
                values = {
                    **header[1],
                    **{k: v for k, v in values.items() if v or k not in header[1]},
                }
                dirty = dirty or header[2]
        if keys_only:
            record = _key_record(line, values, profile)
        else:
            record = _our_record(line, values, profile, shop, divisions, dirty, splits, last)
        if record.skip is not None:
            skipped.add(order_no)
        yield record
    if orders_file is not None:
        for order_no, (line, _values, _dirty) in orders.items():
            if order_no not in seen:
                yield Record(
                    line,
                    {"order_no": order_no},
                    problem=_("{file}: order {order_no} has no items in {other}").format(
                        file=orders_file.filename,
                        order_no=order_no,
                        other=lines_file.filename,
                    ),
                )


# -- bulk-ship files (批量发货) --------------------------------------------------------------------


def bulk_ship_rows(
    profile: Profile,
    waybills: Iterable[tuple[str, str, str]],
    aliases: Mapping[str, str],
) -> tuple[list[str], list[list[str]], list[str]]:
    """The bulk-ship file for ``profile``: its header, one row per (order number, carrier code,
    waybill number), and the carrier codes that have no name on the platform (``aliases``, an
    admin's table, before the profile's own names): their rows are left out."""
    spec = profile.bulk_ship
    if spec is None:
        raise Rejected(
            _("no bulk-ship layout for {platform}; add bulk_ship to its profile").format(
                platform=profile.name
            )
        )
    header = [theirs for _ours, theirs in spec.columns]
    rows: list[list[str]] = []
    unnamed: list[str] = []
    for order_no, carrier, waybill_no in waybills:
        code = carrier.upper()
        name = aliases.get(code) or spec.carriers.get(code)
        if not name:
            if code not in unnamed:
                unnamed.append(code)
            continue
        values = {"order_no": order_no, "carrier": name, "waybill_no": waybill_no}
        rows.append([values[ours] for ours, _theirs in spec.columns])
    return header, rows, unnamed


# -- decrypted addresses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """An order's recipient as the platform gives it decrypted."""

    order_no: str
    customer_name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    postcode: str


def recipient(values: Mapping[str, Any], divisions: Divisions) -> Recipient:
    """A decrypted recipient from a record (``core.importing.ADDRESS_COLUMNS``); the address
    may be one string (split here). Raises ValueError saying what is wrong: a missing field,
    text still masked, or an address that cannot be split."""

    def text(name: str) -> str:
        value = values.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(_("{field} must be text").format(field=name))
        result = str(value).strip()
        if len(result) > MAX_FIELD:
            raise ValueError(
                _("{field} is longer than {n} characters").format(field=name, n=MAX_FIELD)
            )
        return result

    fields = {name: text(name) for name in Recipient.__dataclass_fields__}
    for name in ("customer_name", "phone", "address"):
        if not fields[name]:
            raise ValueError(_("{field} is missing").format(field=name))
        if masked(fields[name]):
            raise ValueError(_("{field} is still masked").format(field=name))
    if not fields["province"] or not fields["city"]:
        split = split_address(fields["address"], divisions)
        if split is None:
            raise ValueError(
                _("cannot tell the province and city of {address}").format(
                    address=repr(fields["address"][:60])
                )
            )
        fields.update(
            province=split.province,
            city=split.city,
            district=split.district,
            address=split.street or fields["address"],
            postcode=fields["postcode"] or split.postcode,
        )
    return Recipient(**fields)
