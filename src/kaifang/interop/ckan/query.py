"""CKAN's `q` and `fq` (Solr's query syntax, as CKAN clients write it) read into filters on the
catalog.

What is read: `*:*`; free words (found by the search backend); `field:value`, `field:"a
phrase"`, `field:(a OR b)`; ranges `field:[2024-01-01T00:00:00Z TO *]` (`{…}` excludes the
bound; `*`, ISO dates and `NOW`, `NOW-7DAYS` as bounds); clauses joined by AND (also written
as a space or `+`), OR, and negated by NOT or `-`. Anything else is refused with a Search
Query Error naming what could not be read, rather than guessed at.

Fields come from a table: CKAN's own (`name`, `id`, `organization`, `groups`, `tags`,
`res_format`, `metadata_modified` …) and every field of the metadata schema under its CKAN
key (`license_id`, `maintainer`, an extra's key or `extras_<key>`), so a new schema field can
be searched on too. Each becomes a Q over Dataset; values are bound by the ORM.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset
from kaifang.catalog.schema import Field
from kaifang.catalog.selectors import public_resources
from kaifang.interop.ckan.errors import SearchQueryError
from kaifang.interop.ckan.mapping import dataset_places, domain_code

TOKEN = re.compile(
    r"""
    (?P<sign>[+-]?)
    (?:(?P<field>[A-Za-z_][A-Za-z0-9_.]*):)?
    (?P<value>
        [\[{][^\]}]*[\]}]                       # a range
      | "(?:[^"\\]|\\.)*"                       # a phrase
      | \((?:[^()"]|"(?:[^"\\]|\\.)*")*\)       # a group: (a OR b)
      | [^\s()"\[\]{}]+                         # a word
    )
    """,
    re.X,
)
RANGE = re.compile(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$", re.I)
NOW = re.compile(r"^NOW(?:([+-])(\d+)(MINUTES?|HOURS?|DAYS?))?$", re.I)
MATCH_ALL = frozenset({"*", "*:*"})
UNITS = {"MINUTE": "minutes", "HOUR": "hours", "DAY": "days"}
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Range:
    low: dt.datetime | None
    high: dt.datetime | None
    low_inclusive: bool = True
    high_inclusive: bool = True


Value = str | Range


@dataclass
class Clause:
    field: str | None
    value: Value
    negate: bool = False
    parameter: str = "fq"  # where it was written, for the error naming it


@dataclass
class Parsed:
    """Free words (all must match) and groups of clauses (AND of ORs)."""

    words: list[str] = field(default_factory=list)
    groups: list[list[Clause]] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.words += other.words
        self.groups += other.groups


def _refuse(parameter: str, text: str) -> SearchQueryError:
    return SearchQueryError(
        _("查询参数 %(param)s 无法解析：“%(text)s”。") % {"param": parameter, "text": text[:80]},
        {parameter: [_("无法解析：“%(text)s”。") % {"text": text[:80]}]},
    )


def _tokens(text: str, parameter: str) -> list[re.Match]:
    found, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _refuse(parameter, text[position:])
        found.append(match)
        position = match.end()
    return found


def parse(text: str | None, parameter: str) -> Parsed:
    """Read one `q` or `fq`."""
    parsed = Parsed(groups=_groups(text or "", parameter))
    _free_words(parsed, parameter)
    return parsed


def _groups(text: str, parameter: str) -> list[list[Clause]]:
    """The clauses of `text` as groups: clauses joined by OR share a group, groups are ANDed."""
    groups: list[list[Clause]] = []
    joined, negate_next = False, False
    for match in _tokens(text, parameter):
        sign, name, raw = match["sign"], match["field"], match["value"]
        if name is None and not sign and raw in ("AND", "&&", "OR", "||", "NOT"):
            joined = joined or raw in ("OR", "||")
            negate_next = negate_next or raw == "NOT"
            continue
        made = _clauses(name, raw, sign == "-" or negate_next, parameter)
        negate_next = False
        if not made:
            continue
        if joined:
            if not groups:
                raise _refuse(parameter, match.group(0))
            groups[-1].extend(made[0])
            groups += made[1:]
        else:
            groups += made
        joined = False
    return groups


def _clauses(name: str | None, raw: str, negate: bool, parameter: str) -> list[list[Clause]]:
    """The groups one token stands for: `field:(a OR b)` is one group of two clauses,
    `field:(a b)` two groups; `*:*` none."""
    if name is None and raw in MATCH_ALL:
        return []
    if not raw.startswith("("):
        return [[Clause(name, _value(raw, parameter), negate, parameter)]]
    inner = _groups(raw[1:-1], parameter)
    if name is None or any(c.field is not None for g in inner for c in g):
        raise _refuse(parameter, raw)
    if not negate:
        return [[Clause(name, c.value, c.negate, parameter) for c in group] for group in inner]
    if len(inner) == 1:  # NOT (a OR b) is NOT a AND NOT b
        return [[Clause(name, c.value, not c.negate, parameter)] for c in inner[0]]
    if all(len(group) == 1 for group in inner):  # NOT (a AND b) is NOT a OR NOT b
        return [[Clause(name, g[0].value, not g[0].negate, parameter) for g in inner]]
    raise _refuse(parameter, raw)


def _value(raw: str, parameter: str) -> Value:
    if raw.startswith('"'):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if raw[0] in "[{":
        return _range(raw, parameter)
    return raw


def _free_words(parsed: Parsed, parameter: str) -> None:
    """Words without a field go to the text search; they cannot be ORed with filters."""
    kept = []
    for group in parsed.groups:
        free = [c for c in group if c.field is None]
        if not free:
            kept.append(group)
        elif len(group) == 1 and not free[0].negate and isinstance(free[0].value, str):
            parsed.words.append(free[0].value)
        else:
            raise SearchQueryError(
                _("查询参数 %(param)s：不带字段的关键词不能与 OR 或 NOT 连用。")
                % {"param": parameter},
                {parameter: [_("不带字段的关键词不能与 OR 或 NOT 连用。")]},
            )
    parsed.groups = kept


def _bound(text: str, parameter: str) -> dt.datetime | None:
    if text == "*":
        return None
    now = NOW.match(text)
    if now:
        moment = timezone.now()
        if now.group(1):
            unit = UNITS[now.group(3).upper().rstrip("S")]
            delta = dt.timedelta(**{unit: int(now.group(2))})
            moment = moment + delta if now.group(1) == "+" else moment - delta
        return moment
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _refuse(parameter, text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _range(raw: str, parameter: str) -> Range:
    match = RANGE.match(raw)
    if match is None:
        raise _refuse(parameter, raw)
    opening, low, high, closing = match.groups()
    return Range(_bound(low, parameter), _bound(high, parameter), opening == "[", closing == "]")


# --- clauses as filters -------------------------------------------------------------------

Filter = Callable[[Value], Q]


def _term(value: Value, name: str) -> str:
    if isinstance(value, Range):
        raise SearchQueryError(
            _("字段 %(name)s 不能用区间查询。") % {"name": name},
            {name: [_("不能用区间查询。")]},
        )
    return value


def _range_of(value: Value, name: str) -> Range:
    if not isinstance(value, Range):
        raise SearchQueryError(
            _("字段 %(name)s 应为区间，如 [2024-01-01T00:00:00Z TO *]。") % {"name": name},
            {name: [_("应为区间，如 [2024-01-01T00:00:00Z TO *]。")]},
        )
    return value


def _compare(column: str, wanted: Range) -> Q:
    parts = {}
    if wanted.low is not None:
        parts[f"{column}__{'gte' if wanted.low_inclusive else 'gt'}"] = wanted.low
    if wanted.high is not None:
        parts[f"{column}__{'lte' if wanted.high_inclusive else 'lt'}"] = wanted.high
    return Q(**parts)


def moment_filter(column: str, name: str) -> Filter:
    """A range over a date-time column."""
    return lambda value: _compare(column, _range_of(value, name))


def _created(value: Value) -> Q:
    """metadata_created is the publication time, or the creation time of a dataset never
    published (mapping.package_dict)."""
    wanted = _range_of(value, "metadata_created")
    published = Q(published_at__isnull=False) & _compare("published_at", wanted)
    return published | (Q(published_at__isnull=True) & _compare("created_at", wanted))


def _department(value: Value) -> Q:
    text = _term(value, "organization")
    try:
        return Q(department_id=uuid.UUID(text))
    except ValueError:
        return Q(department__name=text)


def _domain(value: Value) -> Q:
    code = domain_code(_term(value, "groups"))
    return Q(domain=code) if code else NOTHING


def _tag(value: Value) -> Q:
    name = _term(value, "tags")
    tagged = Dataset.tags.through.objects.filter(dataset_id=OuterRef("pk"), tag__name=name)
    return Q(Exists(tagged))


def _format(value: Value) -> Q:
    code = _term(value, "res_format")
    found = public_resources().filter(dataset_id=OuterRef("pk"), format__iexact=code)
    return Q(Exists(found))


def _id(value: Value) -> Q:
    try:
        return Q(pk=uuid.UUID(_term(value, "id")))
    except ValueError:
        return NOTHING


def _only(expected: str, name: str) -> Filter:
    return lambda value: Q() if _term(value, name) == expected else NOTHING


def _capacity(value: Value) -> Q:
    text = _term(value, "capacity")
    return {"public": Q(is_private=False), "private": Q(is_private=True)}.get(text, NOTHING)


def _place_filter(f: Field, name: str) -> Filter | None:
    """The filter of a schema field by its type: text by substring, codes and other values
    exactly, dates by range; list values by element."""
    if f.type == "department":
        return _department
    if f.key == "domain":
        return _domain
    if f.type == "tags":
        return _tag
    if f.type == "region":
        return lambda value: Q(region__code=_term(value, name))
    if f.type == "fields":
        return None
    target = f.key if f.column else f"metadata__{f.key}"
    if f.type == "date":
        return moment_filter(target, name) if f.column else _text_date_filter(target, name)
    if f.type == "boolean":
        return lambda value: Q(**{target: _term(value, name).lower() in ("true", "1", "yes")})
    if f.is_list:
        return lambda value: Q(**{f"{target}__icontains": f'"{_term(value, name)}"'})
    if f.type in ("text", "textarea"):
        return lambda value: Q(**{f"{target}__icontains": _term(value, name)})
    return lambda value: Q(**{target: _term(value, name)})


def _text_date_filter(target: str, name: str) -> Filter:
    """Dates kept in `metadata` are ISO text, which compares in date order."""

    def build(value: Value) -> Q:
        wanted = _range_of(value, name)
        parts = {}
        if wanted.low is not None:
            parts[f"{target}__{'gte' if wanted.low_inclusive else 'gt'}"] = (
                wanted.low.date().isoformat()
            )
        if wanted.high is not None:
            parts[f"{target}__{'lte' if wanted.high_inclusive else 'lt'}"] = (
                wanted.high.date().isoformat()
            )
        return Q(**parts)

    return build


FIXED: dict[str, Filter] = {
    "name": lambda value: Q(name=_term(value, "name")),
    "id": _id,
    "organization": _department,
    "owner_org": _department,
    "groups": _domain,
    "tags": _tag,
    "res_format": _format,
    "metadata_modified": moment_filter("updated_at", "metadata_modified"),
    "metadata_created": _created,
    "dataset_type": _only("dataset", "dataset_type"),
    "type": _only("dataset", "type"),
    "state": _only("active", "state"),
    "capacity": _capacity,
}


def field_filters() -> dict[str, Filter]:
    """Every field `q` and `fq` may name: CKAN's own first, then the schema's."""
    filters = dict(FIXED)
    for place in dataset_places():
        if place.key in FIXED:
            continue
        built = _place_filter(place.field, place.name)
        if built is None:
            continue
        filters.setdefault(place.key, built)
        if place.in_extras:
            filters.setdefault(f"extras_{place.key}", built)
    return filters


def _unknown(clause: Clause, known: dict[str, Filter]) -> SearchQueryError:
    parameter = clause.parameter
    return SearchQueryError(
        _("查询参数 %(param)s：不支持按字段“%(name)s”查询。可用：%(known)s。")
        % {"param": parameter, "name": clause.field, "known": "、".join(known)},
        {parameter: [_("不支持的字段：%(name)s。") % {"name": clause.field}]},
    )


def as_filters(parsed: Parsed) -> list[Q]:
    """One Q per group of clauses; unknown fields refused with the list of known ones."""
    known = field_filters()
    made = []
    for group in parsed.groups:
        parts = []
        for clause in group:
            build = known.get(clause.field or "")
            if build is None:
                raise _unknown(clause, known)
            made_q = Q() if clause.value in MATCH_ALL else build(clause.value)
            parts.append(~made_q if clause.negate else made_q)
        made.append(reduce(or_, parts) if len(parts) > 1 else parts[0])
    return made
