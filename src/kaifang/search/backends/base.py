"""The search backend interface: what a search asks (`SearchParams`), what it answers
(`SearchResult` with `FacetValue`s) and the small base class every backend implements.

One backend serves a deployment, named by dotted path in settings.KAIFANG["SEARCH_BACKEND"]
and loaded once (`get_backend`). The dataset list page and the API both call
`catalog.selectors.search_datasets`, which goes through it, so a faster backend changes
neither the pages nor the response shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kaifang.core import codelists
from kaifang.core.errors import Invalid

if TYPE_CHECKING:
    from kaifang.catalog.models import Dataset
    from kaifang.search.models import SearchChange

SORTS = ("relevance", "newest", "updated", "downloads", "title")
FACETS = (
    "domain",
    "department",
    "region",
    "format",
    "open_type",
    "update_frequency",
    "high_value",
    "realtime",
    "has_api",
)
BOOLEAN_FACETS = ("high_value", "realtime", "has_api")
LIMIT_DEFAULT = 20
LIMIT_MAX = 100
Q_MAX_LENGTH = 200
REF_MAX_LENGTH = 100
VALUES_MAX = 50  # values one facet filter may take at once
REGION_CODE = re.compile(r"^[0-9]{6}$")
TRUE, FALSE = "true", "false"
BOOLEAN_WORDS = {"true": TRUE, "1": TRUE, "yes": TRUE, "false": FALSE, "0": FALSE, "no": FALSE}

# Filters whose values come from a code list: parameter name → code list name.
CODED_FILTERS = {
    "domain": "domain",
    "format": "format",
    "open_type": "open_type",
    "update_frequency": "update_frequency",
}

Values = tuple[str, ...]


@dataclass(frozen=True)
class SearchParams:
    """One dataset search. Each facet filter holds the values chosen for it: a dataset matches
    a filter with any of its values (OR) and must match every filter that is set (AND). An
    empty tuple means "no filter"; `region` includes every region under it; `department` takes
    departments' names or UUIDs; the boolean facets take "true" and "false".

    A single string is taken as one value, so `SearchParams(domain="6")` still works; values
    are kept sorted and once each, so the same search always has the same `repr` (the
    selector's cache key)."""

    q: str = ""
    domain: Values = ()
    department: Values = ()
    region: Values = ()
    format: Values = ()
    open_type: Values = ()
    update_frequency: Values = ()
    high_value: Values = ()
    realtime: Values = ()
    has_api: Values = ()
    sort: str = "relevance"
    limit: int = LIMIT_DEFAULT
    offset: int = 0

    def __post_init__(self) -> None:
        for name in FACETS:
            object.__setattr__(self, name, _as_values(getattr(self, name)))

    @property
    def terms(self) -> list[str]:
        """The words of `q`; every one must match (AND)."""
        return self.q.split()

    def active_filters(self) -> dict[str, Values]:
        """The facet filters that are set, keyed by facet name, in FACETS order."""
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> SearchParams:
        """Read a query string (a QueryDict or any mapping). A facet filter may be repeated
        (`?domain=3&domain=7`) or given as a comma list (`?domain=3,7`). Blank values count as
        absent, so an HTML form's empty selects filter nothing. Raises errors.Invalid naming
        each bad parameter in Chinese."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for name, reader in _READERS.items():
            try:
                if name in FACETS:
                    found = _read_values(name, _raw_values(query, name), reader)
                else:
                    raw = _text(_last(query, name))
                    found = reader(raw) if raw != "" else None
            except ValueError as exc:
                errors[name] = [str(exc)]
                continue
            if found:
                values[name] = found
        if errors:
            message = "；".join(m for messages in errors.values() for m in messages)
            raise Invalid(message, errors=errors)
        return cls(**values)


def _as_values(value: Any) -> Values:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(sorted(dict.fromkeys(str(v) for v in value)))


def _last(query: Mapping[str, Any], name: str) -> Any:
    """A single-valued parameter: the last one given, as a QueryDict reads it."""
    value = query.get(name)
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def _raw_values(query: Mapping[str, Any], name: str) -> list[str]:
    """Every value given for a facet filter, comma lists split, blanks dropped."""
    if hasattr(query, "getlist"):
        given = query.getlist(name)
    else:
        value = query.get(name)
        given = value if isinstance(value, list | tuple) else [value]
    parts = (part.strip() for item in given for part in _text(item).split(","))
    return [part for part in parts if part]


def _read_values(name: str, raw: list[str], reader) -> Values:
    if len(raw) > VALUES_MAX:
        raise ValueError(
            _("参数 %(name)s 的取值过多：最多 %(max)d 个（收到 %(n)d 个）。")
            % {"name": name, "max": VALUES_MAX, "n": len(raw)}
        )
    return tuple(reader(value) for value in raw)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_q(raw: str) -> str:
    if len(raw) > Q_MAX_LENGTH:
        raise ValueError(
            _("参数 q 过长：不能超过 %(max)d 个字符（现有 %(n)d 个）。")
            % {"max": Q_MAX_LENGTH, "n": len(raw)}
        )
    return " ".join(raw.split())


def _coded(name: str):
    def read(raw: str) -> str:
        codes = codelists.get(CODED_FILTERS[name])
        code = raw.upper() if name == "format" else raw
        if code not in codes:
            raise ValueError(
                _("参数 %(name)s 的值“%(value)s”不在代码表“%(list)s”中。")
                % {"name": name, "value": raw[:50], "list": codes.label_zh}
            )
        return code

    return read


def _read_department(raw: str) -> str:
    if len(raw) > REF_MAX_LENGTH:
        raise ValueError(_("参数 department 过长：应为部门英文标识或 UUID。"))
    return raw


def _read_region(raw: str) -> str:
    if not REGION_CODE.fullmatch(raw):
        raise ValueError(
            _("参数 region 应为 6 位行政区划代码（收到“%(value)s”）。") % {"value": raw[:50]}
        )
    return raw


def _boolean(name: str):
    def read(raw: str) -> str:
        value = BOOLEAN_WORDS.get(raw.lower())
        if value is None:
            raise ValueError(
                _("参数 %(name)s 应为 true 或 false（收到“%(value)s”）。")
                % {"name": name, "value": raw[:50]}
            )
        return value

    return read


def _read_sort(raw: str) -> str:
    if raw not in SORTS:
        raise ValueError(
            _("参数 sort 应为 %(choices)s 之一（收到“%(value)s”）。")
            % {"choices": "、".join(SORTS), "value": raw[:50]}
        )
    return raw


def _read_limit(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= LIMIT_MAX:
        raise ValueError(
            _("参数 limit 应为 1–%(max)d 的整数（收到“%(value)s”）。")
            % {"max": LIMIT_MAX, "value": raw[:50]}
        )
    return value


def _read_offset(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(
            _("参数 offset 应为不小于 0 的整数（收到“%(value)s”）。") % {"value": raw[:50]}
        )
    return value


_READERS = {
    "q": _read_q,
    "domain": _coded("domain"),
    "department": _read_department,
    "region": _read_region,
    "format": _coded("format"),
    "open_type": _coded("open_type"),
    "update_frequency": _coded("update_frequency"),
    "high_value": _boolean("high_value"),
    "realtime": _boolean("realtime"),
    "has_api": _boolean("has_api"),
    "sort": _read_sort,
    "limit": _read_limit,
    "offset": _read_offset,
}


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: the filter value to send back, its label, and how many datasets
    the search would find with it."""

    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    """`results` is one page of datasets with department and region loaded and their public
    resources prefetched; `count` counts every match; `facets` maps each facet name in FACETS
    to its values.

    `highlights` maps a result's id (str) to its title and summary as HTML with the matched
    words in <mark> (escaped otherwise); a backend may leave it empty. `pending` counts the
    recent changes an index had not applied yet and so left out of this answer (see
    search.backends.tantivy): such an answer is right now but not for long, so it is not
    cached.

    `suggestion` is "did you mean": a corrected query that finds datasets, offered when this
    one found none (None otherwise, or when the backend cannot correct). The answer itself
    stays the answer to the query asked."""

    count: int
    results: list[Dataset]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    highlights: dict[str, dict[str, str]] = field(default_factory=dict)
    pending: int = 0
    suggestion: str | None = None


class SearchBackend:
    """A way of finding datasets. Subclasses answer `search`; they must show exactly what the
    visibility gate (catalog.visibility.visible_datasets) lets the user see.

    `node_index` is true for a backend that keeps an index on each node: `kaifang serve`
    then builds it when missing and runs its follower (`kaifang searchindex --follow`)."""

    node_index = False

    def search(self, params: SearchParams, user) -> SearchResult:
        raise NotImplementedError

    def changes_recorded(self, changes: Sequence[SearchChange]) -> None:
        """Called by search.services with the change log rows it has just written, inside
        the transaction making the change and under the log's lock. An index in the same
        database can follow the change there; the others read the log later."""


@cache
def _load(path: str) -> SearchBackend:
    backend_class = import_string(path)
    if not (isinstance(backend_class, type) and issubclass(backend_class, SearchBackend)):
        raise TypeError(f"{path} is not a SearchBackend subclass")
    return backend_class()


def backend_class() -> type[SearchBackend]:
    """The configured backend's class, without making one."""
    return type(get_backend())


def get_backend() -> SearchBackend:
    """The backend named by settings.KAIFANG["SEARCH_BACKEND"], made once per dotted path."""
    return _load(settings.KAIFANG["SEARCH_BACKEND"])
