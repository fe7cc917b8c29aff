"""The plain database search backend: SQL `icontains` over a few fields, the ORM's GROUP BY for
facets. It needs nothing beyond the catalog's own database, which makes it the reference the
faster backends are tested against: they answer the same `SearchParams` with the same
`SearchResult`.

Facet counts follow standard faceted search: each facet's counts honour the text query and
every *other* active filter, but not the facet's own, so a person filtering on one domain still
sees how many datasets the other domains would give (and can tick a second one: values of one
facet combine with OR, facets with AND). With no filter of its own, a facet's counts therefore
sum to the result count (except `format`, where a dataset may have several, and `region`,
whose counts roll up to the parent regions).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.selectors import public_resources
from kaifang.catalog.visibility import visible_datasets
from kaifang.core.models import Region
from kaifang.datastore.selectors import ready_current_table
from kaifang.organizations.models import Department
from kaifang.search import facets as facet_shapes
from kaifang.search.backends.base import (
    BOOLEAN_FACETS,
    FACETS,
    FALSE,
    TRUE,
    SearchBackend,
    SearchParams,
    SearchResult,
    Values,
)
from kaifang.search.highlight import highlight_results
from kaifang.search.usage import recent_use_expression

# How much a term found in each place adds to the relevance score: title hits come first.
WEIGHT_TITLE = 8
WEIGHT_KEYWORD = 4
WEIGHT_REFERENCE = 2  # identifier or department
WEIGHT_SUMMARY = 1

NEWEST = (F("published_at").desc(nulls_last=True), F("created_at").desc(), "name")
ORDERINGS = {
    "newest": NEWEST,
    "updated": (Coalesce("data_updated_at", "updated_at").desc(), "name"),
    # most used: downloads and API calls of the last 90 days (search.usage), then all-time
    "downloads": (F("recent_use").desc(), F("download_count").desc(), *NEWEST),
    "title": ("title", "name"),
}
BOOLEAN_COLUMNS = {"high_value": "is_high_value", "realtime": "is_realtime"}


class DatabaseSearchBackend(SearchBackend):
    """Search with the catalog database alone.

    Three queries answer a search: the facet rows of every matching dataset (a few short
    columns each) with their public resources' formats and API facts, from which the count
    and all the facets are tallied in one pass in Python — cheaper than a GROUP BY query per
    facet, each compiled by the ORM — and the ordered page of results."""

    def search(self, params: SearchParams, user) -> SearchResult:
        matched = _match_text(visible_datasets(user), params.terms)
        filters = _filters(params)
        tally = _Tally.of(matched, params)
        page = _ordered(matched.filter(*filters.values()), params)
        page = page[params.offset : params.offset + params.limit]
        results = list(page.select_related("department", "region").defer("metadata"))
        for dataset in results:  # lists show formats, which the tally already read
            dataset.public_formats = tally.formats.get(dataset.pk.hex, [])
        return SearchResult(
            count=tally.count,
            results=results,
            facets=facet_shapes.shape(tally.counts()),
            highlights=highlight_results(results, params.terms),
        )


def _tag_match(term: str) -> Exists:
    return Exists(
        Dataset.tags.through.objects.filter(dataset_id=OuterRef("pk"), tag__name__icontains=term)
    )


def _term_match(term: str) -> Q:
    return (
        Q(title__icontains=term)
        | Q(summary__icontains=term)
        | Q(identifier__icontains=term)
        | Q(department__title__icontains=term)
        | Q(_tag_match(term))
    )


def _match_text(qs: QuerySet[Dataset], terms: list[str]) -> QuerySet[Dataset]:
    """Every term must match one of the searched fields (AND between terms)."""
    for term in terms:
        qs = qs.filter(_term_match(term))
    return qs


def _score(terms: list[str]):
    """A relevance score: per term, the weight of each place it is found."""
    parts = []
    for term in terms:
        places = (
            (Q(title__icontains=term), WEIGHT_TITLE),
            (Q(_tag_match(term)), WEIGHT_KEYWORD),
            (
                Q(identifier__icontains=term) | Q(department__title__icontains=term),
                WEIGHT_REFERENCE,
            ),
            (Q(summary__icontains=term), WEIGHT_SUMMARY),
        )
        parts += [
            Case(When(cond, then=Value(weight)), default=Value(0), output_field=IntegerField())
            for cond, weight in places
        ]
    return sum(parts[1:], parts[0])


def _ordered(qs: QuerySet[Dataset], params: SearchParams) -> QuerySet[Dataset]:
    """Relevance without a text query means newest first."""
    if params.sort == "relevance":
        if not params.terms:
            return qs.order_by(*NEWEST)
        return qs.annotate(score=_score(params.terms)).order_by(F("score").desc(), *NEWEST)
    if params.sort == "downloads":
        qs = qs.annotate(recent_use=recent_use_expression())
    return qs.order_by(*ORDERINGS[params.sort])


def _any(parts: Iterable[Q]) -> Q:
    return reduce(or_, parts, Q(pk__in=[]))


def _split_departments(values: Values) -> tuple[list[uuid.UUID], list[str]]:
    """Department filter values are ids or names."""
    ids, names = [], []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            names.append(value)
    return ids, names


def _department_filter(values: Values) -> Q:
    ids, names = _split_departments(values)
    return Q(department_id__in=ids) | Q(department__name__in=names)


def _region_prefixes(codes: Values) -> list[str]:
    """The code prefixes the chosen regions cover; unknown codes cover nothing."""
    return [region.prefix for region in Region.objects.filter(code__in=codes)]


def _region_filter(codes: Values) -> Q:
    """A region includes every region under it."""
    return _any(Q(region__code__startswith=prefix) for prefix in _region_prefixes(codes))


def _format_filter(codes: Values) -> Q:
    return Q(Exists(public_resources().filter(dataset_id=OuterRef("pk"), format__in=codes)))


def _serves_api() -> Q:
    """A public resource that is an API endpoint, or a ready table the rows API serves (see
    datastore.selectors.dataset_data_facts)."""
    return Q(kind=Resource.Kind.API) | ready_current_table()


def _has_api_condition() -> Q:
    return Q(Exists(public_resources().filter(_serves_api(), dataset_id=OuterRef("pk"))))


def _boolean_filter(condition: Callable[[], Q]) -> Callable[[Values], Q]:
    """Datasets where the condition holds ("true"), does not ("false"), or either (both)."""

    def make(values: Values) -> Q:
        if set(values) >= {TRUE, FALSE}:
            return Q()
        return condition() if TRUE in values else ~condition()

    return make


FILTERS: dict[str, Callable[[Values], Q]] = {
    "domain": lambda values: Q(domain__in=values),
    "department": _department_filter,
    "region": _region_filter,
    "format": _format_filter,
    "open_type": lambda values: Q(open_type__in=values),
    "update_frequency": lambda values: Q(update_frequency__in=values),
    "high_value": _boolean_filter(lambda: Q(is_high_value=True)),
    "realtime": _boolean_filter(lambda: Q(is_realtime=True)),
    "has_api": _boolean_filter(_has_api_condition),
}


def _filters(params: SearchParams) -> dict[str, Q]:
    """One Q per active filter, keyed by facet name, so a facet can leave its own out."""
    return {name: FILTERS[name](values) for name, values in params.active_filters().items()}


# The facet rows: one tuple per matching dataset. Ids are read as text: turning hundreds of
# them into UUID objects would cost more than the whole tally.
ROW = ("key", "domain", "department__name", "department__title", "region_id", "open_type",
       "update_frequency", "is_high_value", "is_realtime")  # fmt: skip
(KEY, DOMAIN, DEPT_NAME, DEPT_TITLE, REGION, OPEN_TYPE, FREQUENCY, HIGH_VALUE, REALTIME) = range(
    len(ROW)
)
COLUMNS = {
    "domain": DOMAIN,
    "open_type": OPEN_TYPE,
    "update_frequency": FREQUENCY,
    "high_value": HIGH_VALUE,
    "realtime": REALTIME,
}


@dataclass(frozen=True)
class _Facts:
    """What a dataset's public resources say: their formats and whether one serves an API."""

    formats: tuple[str, ...] = ()
    has_api: bool = False


NO_FACTS = _Facts()
RowTest = Callable[[tuple, _Facts], bool]


def _as_text(column: str) -> Cast:
    return Cast(column, output_field=CharField())


def _flag(value: Any) -> str:
    return TRUE if value else FALSE


def _row_tests(params: SearchParams) -> dict[str, RowTest]:
    """The active filters as tests on a facet row and its resource facts, keyed by facet
    name — the same rules as the SQL filters the result page uses."""
    tests: dict[str, RowTest] = {}
    for name, values in params.active_filters().items():
        wanted = frozenset(values)
        if name in BOOLEAN_FACETS:
            tests[name] = _boolean_test(name, wanted)
        elif name in COLUMNS:
            tests[name] = lambda row, _f, c=COLUMNS[name], w=wanted: row[c] in w
        elif name == "department":
            tests[name] = _department_test(values)
        elif name == "region":
            prefixes = tuple(_region_prefixes(values))
            tests[name] = lambda row, _f, p=prefixes: bool(p) and row[REGION].startswith(p)
        elif name == "format":
            tests[name] = lambda _row, facts, w=wanted: not w.isdisjoint(facts.formats)
    return tests


def _boolean_test(name: str, wanted: frozenset[str]) -> RowTest:
    if name == "has_api":
        return lambda _row, facts: _flag(facts.has_api) in wanted
    column = COLUMNS[name]
    return lambda row, _f: _flag(row[column]) in wanted


def _department_test(values: Values) -> RowTest:
    """The department filter takes names or ids; rows carry the name."""
    ids, names = _split_departments(values)
    if ids:
        names += Department.objects.filter(pk__in=ids).values_list("name", flat=True)
    wanted = frozenset(names)
    return lambda row, _f: row[DEPT_NAME] in wanted


def _hex(text: str) -> str:
    """Ids as 32 hex digits, however the database spells a UUID as text."""
    return text.replace("-", "")


def _facts_by_dataset(matched: QuerySet[Dataset]) -> dict[str, _Facts]:
    """Each matching dataset's public resource formats (each once, in resource order) and
    whether one of them serves an API."""
    rows = (
        public_resources()
        .filter(dataset__in=matched.order_by().values("pk"))
        .annotate(key=_as_text("dataset_id"), api=Case(When(_serves_api(), then=True),
                  default=False, output_field=BooleanField()))
        .values_list("key", "format", "api")
    )  # fmt: skip
    formats: dict[str, list[str]] = defaultdict(list)
    apis: set[str] = set()
    for key, code, api in rows:
        key = _hex(key)
        if code and code not in formats[key]:
            formats[key].append(code)
        if api:
            apis.add(key)
    return {key: _Facts(tuple(formats.get(key, ())), key in apis) for key in formats.keys() | apis}


@dataclass
class _Tally:
    """Counts over the facet rows: for each facet, the rows passing every active filter but
    the facet's own; the result count is the rows passing all of them."""

    rows: list[tuple]
    facts: dict[str, _Facts]
    passes: dict[str, list[bool]]

    @classmethod
    def of(cls, matched: QuerySet[Dataset], params: SearchParams) -> _Tally:
        rows = [
            (_hex(row[KEY]), *row[1:])
            for row in matched.order_by().annotate(key=_as_text("pk")).values_list(*ROW)
        ]
        facts = _facts_by_dataset(matched)
        passes = {
            name: [test(row, facts.get(row[KEY], NO_FACTS)) for row in rows]
            for name, test in _row_tests(params).items()
        }
        return cls(rows, facts, passes)

    @property
    def formats(self) -> dict[str, list[str]]:
        return {key: list(facts.formats) for key, facts in self.facts.items()}

    def _rows_without(self, facet: str | None) -> Iterable[tuple]:
        others = [p for name, p in self.passes.items() if name != facet]
        for i, row in enumerate(self.rows):
            if all(p[i] for p in others):
                yield row

    @property
    def count(self) -> int:
        return sum(1 for _ in self._rows_without(None))

    def counts(self) -> dict[str, dict[Any, int]]:
        """Raw counts per facet, as search.facets.shape takes them."""
        return {name: self._facet_counts(name) for name in FACETS}

    def _facet_counts(self, facet: str) -> dict[Any, int]:
        counts: dict[Any, int] = defaultdict(int)
        for row in self._rows_without(facet):
            for key in self._keys(facet, row):
                counts[key] += 1
        if facet == "region":
            return facet_shapes.roll_up(counts)
        return counts

    def _keys(self, facet: str, row: tuple) -> Iterable[Any]:
        if facet == "department":
            return ((row[DEPT_NAME], row[DEPT_TITLE]),)
        if facet == "region":
            return (row[REGION],)
        facts = self.facts.get(row[KEY], NO_FACTS)
        if facet == "format":
            return facts.formats
        if facet == "has_api":
            return (_flag(facts.has_api),)
        if facet in BOOLEAN_FACETS:
            return (_flag(row[COLUMNS[facet]]),)
        return (row[COLUMNS[facet]],)
