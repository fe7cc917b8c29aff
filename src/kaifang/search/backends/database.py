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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from kaifang.catalog.models import Dataset
from kaifang.catalog.selectors import public_resources, with_public_resources
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.core.models import Region
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
    """Search with the catalog database alone."""

    def search(self, params: SearchParams, user) -> SearchResult:
        matched = _match_text(visible_datasets(user), params.terms)
        filters = _filters(params)
        found = matched.filter(*filters.values())
        page = _ordered(found, params)[params.offset : params.offset + params.limit]
        return SearchResult(
            count=found.count(),
            results=list(with_public_resources(page.select_related("department", "region"))),
            facets=_facets(matched, filters),
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


def _facets(matched: QuerySet[Dataset], filters: dict[str, Q]) -> dict[str, list[FacetValue]]:
    facets = {}
    for name in FACETS:
        others = [q for key, q in filters.items() if key != name]
        facets[name] = FACET_COUNTERS[name](matched.filter(*others))
    return facets


def _grouped(qs: QuerySet, column: str) -> dict:
    """{value: number of datasets} in one GROUP BY query."""
    rows = qs.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n")
    return dict(rows)


@dataclass(frozen=True)
class CodeFacet:
    """A facet over a column holding a code-list code, listed in the code list's order.
    Codes in `always` are listed even with no dataset; the others only when counted."""

    column: str
    codelist: str
    always: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, qs: QuerySet[Dataset]) -> list[FacetValue]:
        counts = _grouped(qs, self.column)
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


def _domain_facet() -> CodeFacet:
    """All 21 domains of the pilot plan are always listed, zero counts included, so the domain
    grid never changes shape; 99 其他 is listed only when some dataset has it."""
    codes = codelists.get("domain")
    return CodeFacet("domain", "domain", frozenset(i.code for i in codes if i.code != "99"))


def _department_facet(qs: QuerySet[Dataset]) -> list[FacetValue]:
    """Departments with matching datasets, most datasets first; the value is the name."""
    rows = (
        qs.order_by()
        .values("department__name", "department__title")
        .annotate(n=Count("pk"))
        .values_list("department__name", "department__title", "n")
    )
    values = [FacetValue(name, title, n) for name, title, n in rows]
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


def _region_facet(qs: QuerySet[Dataset]) -> list[FacetValue]:
    """Regions with matching datasets, in code order; a region's count includes every dataset
    of the regions under it, so a province counts its cities' and counties' datasets."""
    rolled: dict[str, int] = defaultdict(int)
    for code, n in _grouped(qs, "region_id").items():
        for ancestor in _ancestor_codes(code):
            rolled[ancestor] += n
    regions = Region.objects.in_bulk(list(rolled))
    return [
        FacetValue(code, _region_label(regions[code], regions), rolled[code])
        for code in sorted(rolled)
        if code in regions
    ]


def _format_facet(qs: QuerySet[Dataset]) -> list[FacetValue]:
    """Formats of the public resources of matching datasets, counting datasets (not
    resources), most datasets first."""
    rows = (
        public_resources()
        .filter(dataset__in=qs.order_by().values("pk"))
        .exclude(format="")
        .order_by()
        .values("format")
        .annotate(n=Count("dataset_id", distinct=True))
        .values_list("format", "n")
    )
    formats = codelists.get("format")
    values = [FacetValue(code, formats.label(code), n) for code, n in rows]
    return sorted(values, key=lambda v: (-v.count, v.value))


FACET_COUNTERS: dict[str, Callable[[QuerySet[Dataset]], list[FacetValue]]] = {
    "domain": lambda qs: _domain_facet()(qs),
    "department": _department_facet,
    "region": _region_facet,
    "format": _format_facet,
    "open_type": CodeFacet("open_type", "open_type"),
    "update_frequency": CodeFacet("update_frequency", "update_frequency"),
}
