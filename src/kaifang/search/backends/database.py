"""The plain database search backend: SQL `icontains` over a few fields, the ORM's GROUP BY for
facets. It needs nothing beyond the catalog's own database, so it is the default; faster
backends answer the same `SearchParams` with the same `SearchResult`.

Facet counts follow standard faceted search: each facet's counts honour the text query and
every *other* active filter, but not the facet's own, so a person filtering on one domain still
sees how many datasets the other domains would give. With no filter of its own, a facet's
counts therefore sum to the result count (except `format`, where a dataset may have several,
and `region`, whose counts roll up to the parent regions).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
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

from kaifang.catalog.models import Dataset
from kaifang.catalog.selectors import public_resources
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.organizations.models import Department
from kaifang.search.backends.base import (
    FACETS,
    FacetValue,
    SearchBackend,
    SearchParams,
    SearchResult,
)

# How much a term found in each place adds to the relevance score: title hits come first.
WEIGHT_TITLE = 8
WEIGHT_KEYWORD = 4
WEIGHT_REFERENCE = 2  # identifier or department
WEIGHT_SUMMARY = 1

# Names of regions that mean nothing on their own and read better after their parent's name.
BARE_REGION_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

NEWEST = (F("published_at").desc(nulls_last=True), F("created_at").desc(), "name")
ORDERINGS = {
    "newest": NEWEST,
    "updated": (Coalesce("data_updated_at", "updated_at").desc(), "name"),
    "downloads": (F("download_count").desc(), *NEWEST),
    "title": ("title", "name"),
}


class DatabaseSearchBackend(SearchBackend):
    """Search with the catalog database alone.

    Three queries answer a search: the facet rows of every matching dataset (a few short
    columns each) with their public resources' formats, from which the count and all six
    facets are tallied in one pass in Python — cheaper than six GROUP BY queries, each compiled
    by the ORM — and the ordered page of results."""

    def search(self, params: SearchParams, user) -> SearchResult:
        matched = _match_text(visible_datasets(user), params.terms)
        filters = _filters(params)
        tally = _Tally.of(matched, params)
        page = _ordered(matched.filter(*filters.values()), params)
        page = page[params.offset : params.offset + params.limit]
        results = list(page.select_related("department", "region").defer("metadata"))
        for dataset in results:  # lists show formats, which the tally already read
            dataset.public_formats = tally.formats.get(dataset.pk.hex, [])
        return SearchResult(count=tally.count, results=results, facets=tally.facets())


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
    return qs.order_by(*ORDERINGS[params.sort])


def _department_filter(value: str) -> Q:
    try:
        return Q(department_id=uuid.UUID(value))
    except ValueError:
        return Q(department__name=value)


def _region_filter(code: str) -> Q:
    """A region includes every region under it. An unknown code matches nothing."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        return Q(pk__in=[])
    return Q(region__code__startswith=region.prefix)


def _format_filter(code: str) -> Q:
    return Q(Exists(public_resources().filter(dataset_id=OuterRef("pk"), format=code)))


FILTERS: dict[str, Callable[[str], Q]] = {
    "domain": lambda value: Q(domain=value),
    "department": _department_filter,
    "region": _region_filter,
    "format": _format_filter,
    "open_type": lambda value: Q(open_type=value),
    "update_frequency": lambda value: Q(update_frequency=value),
}


def _filters(params: SearchParams) -> dict[str, Q]:
    """One Q per active filter, keyed by facet name, so a facet can leave its own out."""
    return {name: FILTERS[name](value) for name, value in params.active_filters().items()}


# The facet rows: one tuple per matching dataset. Ids are read as text: turning hundreds of
# them into UUID objects would cost more than the whole tally.
ROW = ("key", "domain", "department__name", "department__title", "region_id", "open_type",
       "update_frequency")  # fmt: skip
KEY, DOMAIN, DEPT_NAME, DEPT_TITLE, REGION, OPEN_TYPE, FREQUENCY = range(len(ROW))


def _as_text(column: str) -> Cast:
    return Cast(column, output_field=CharField())


def _row_tests(params: SearchParams) -> dict[str, Callable[[tuple, Sequence[str]], bool]]:
    """The active filters as tests on a facet row and its formats, keyed by facet name — the
    same rules as the SQL filters the result page uses."""
    tests: dict[str, Callable[[tuple, Sequence[str]], bool]] = {}
    simple = {"domain": DOMAIN, "open_type": OPEN_TYPE, "update_frequency": FREQUENCY}
    for name, value in params.active_filters().items():
        if name in simple:
            column = simple[name]
            tests[name] = lambda row, _f, c=column, v=value: row[c] == v
        elif name == "department":
            tests[name] = _department_test(value)
        elif name == "region":
            prefix = _region_prefix(value)
            tests[name] = lambda row, _f, p=prefix: p is not None and row[REGION].startswith(p)
        elif name == "format":
            tests[name] = lambda _row, formats, v=value: v in formats
    return tests


def _department_test(value: str) -> Callable[[tuple, Sequence[str]], bool]:
    """The department filter takes a name or an id; rows carry the name."""
    try:
        department_id = uuid.UUID(value)
    except ValueError:
        name = value
    else:
        name = Department.objects.filter(pk=department_id).values_list("name", flat=True).first()
    return lambda row, _f: row[DEPT_NAME] == name


def _region_prefix(code: str) -> str | None:
    region = Region.objects.filter(code=code).first()
    return region.prefix if region else None


def _hex(text: str) -> str:
    """Ids as 32 hex digits, however the database spells a UUID as text."""
    return text.replace("-", "")


def _formats_by_dataset(matched: QuerySet[Dataset]) -> dict[str, list[str]]:
    """Each matching dataset's public resource formats, each once, in resource order."""
    pairs = (
        public_resources()
        .filter(dataset__in=matched.order_by().values("pk"))
        .exclude(format="")
        .annotate(key=_as_text("dataset_id"))
        .values_list("key", "format")
    )
    formats: dict[str, list[str]] = defaultdict(list)
    for key, code in pairs:
        codes = formats[_hex(key)]
        if code not in codes:
            codes.append(code)
    return formats


@dataclass
class _Tally:
    """Counts over the facet rows: for each facet, the rows passing every active filter but
    the facet's own; the result count is the rows passing all of them."""

    rows: list[tuple]
    formats: dict[str, list[str]]
    passes: dict[str, list[bool]]

    @classmethod
    def of(cls, matched: QuerySet[Dataset], params: SearchParams) -> _Tally:
        rows = [
            (_hex(row[KEY]), *row[1:])
            for row in matched.order_by().annotate(key=_as_text("pk")).values_list(*ROW)
        ]
        formats = _formats_by_dataset(matched)
        passes = {
            name: [test(row, formats.get(row[KEY], ())) for row in rows]
            for name, test in _row_tests(params).items()
        }
        return cls(rows, formats, passes)

    def _rows_without(self, facet: str | None) -> Iterable[tuple]:
        others = [p for name, p in self.passes.items() if name != facet]
        for i, row in enumerate(self.rows):
            if all(p[i] for p in others):
                yield row

    @property
    def count(self) -> int:
        return sum(1 for _ in self._rows_without(None))

    def facets(self) -> dict[str, list[FacetValue]]:
        return {name: FACET_COUNTERS[name](self, name) for name in FACETS}

    def column_counts(self, facet: str, column: int) -> dict[Any, int]:
        counts: dict[Any, int] = defaultdict(int)
        for row in self._rows_without(facet):
            counts[row[column]] += 1
        return counts


@dataclass(frozen=True)
class CodeFacet:
    """A facet over a column holding a code-list code, listed in the code list's order.
    Codes in `always` are listed even with no dataset; the others only when counted."""

    column: int
    codelist: str
    always: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, tally: _Tally, facet: str) -> list[FacetValue]:
        counts = tally.column_counts(facet, self.column)
        codes = codelists.get(self.codelist)
        values = [
            FacetValue(item.code, item.label, counts.get(item.code, 0))
            for item in codes
            if counts.get(item.code) or item.code in self.always
        ]
        values += [  # codes a harvest or an older code list left behind
            FacetValue(code, code, n) for code, n in counts.items() if code and code not in codes
        ]
        return values


def _domain_facet(tally: _Tally, facet: str) -> list[FacetValue]:
    """All 21 domains of the pilot plan are always listed, zero counts included, so the domain
    grid never changes shape; 99 其他 is listed only when some dataset has it."""
    codes = codelists.get("domain")
    always = frozenset(i.code for i in codes if i.code != "99")
    return CodeFacet(DOMAIN, "domain", always)(tally, facet)


def _department_facet(tally: _Tally, facet: str) -> list[FacetValue]:
    """Departments with matching datasets, most datasets first; the value is the name."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in tally._rows_without(facet):
        counts[row[DEPT_NAME], row[DEPT_TITLE]] += 1
    values = [FacetValue(name, title, n) for (name, title), n in counts.items()]
    return sorted(values, key=lambda v: (-v.count, v.label, v.value))


def _ancestor_codes(code: str) -> Iterable[str]:
    """The code and those of its city and province, by the structure of GB/T 2260 codes —
    the same prefixes `Region.prefix` filters on."""
    return {code, code[:4] + "00", code[:2] + "0000"}


def _region_label(region: Region, regions: dict[str, Region]) -> str:
    parent = regions.get(region.parent_id) if region.parent_id else None
    if region.name in BARE_REGION_NAMES and parent is not None:
        return parent.name + region.name
    return region.name


def _region_facet(tally: _Tally, facet: str) -> list[FacetValue]:
    """Regions with matching datasets, in code order; a region's count includes every dataset
    of the regions under it, so a province counts its cities' and counties' datasets."""
    rolled: dict[str, int] = defaultdict(int)
    for code, n in tally.column_counts(facet, REGION).items():
        for ancestor in _ancestor_codes(code):
            rolled[ancestor] += n
    regions = Region.objects.in_bulk(list(rolled))
    return [
        FacetValue(code, _region_label(regions[code], regions), rolled[code])
        for code in sorted(rolled)
        if code in regions
    ]


def _format_facet(tally: _Tally, facet: str) -> list[FacetValue]:
    """Formats of the public resources of matching datasets, counting datasets (not
    resources), most datasets first."""
    counts: dict[str, int] = defaultdict(int)
    for row in tally._rows_without(facet):
        for code in tally.formats.get(row[KEY], ()):
            counts[code] += 1
    formats = codelists.get("format")
    values = [FacetValue(code, formats.label(code), n) for code, n in counts.items()]
    return sorted(values, key=lambda v: (-v.count, v.value))


FACET_COUNTERS: dict[str, Callable[[_Tally, str], list[FacetValue]]] = {
    "domain": _domain_facet,
    "department": _department_facet,
    "region": _region_facet,
    "format": _format_facet,
    "open_type": CodeFacet(OPEN_TYPE, "open_type"),
    "update_frequency": CodeFacet(FREQUENCY, "update_frequency"),
}
