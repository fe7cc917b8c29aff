"""Facet values from raw counts, the same for every backend.

A backend counts, for each facet, how many matching datasets have each value (honouring every
active filter but the facet's own, so a person can widen a choice); this module turns those
counts into the `FacetValue` lists the pages and the API show: Chinese labels, the order each
facet is read in, and the values always listed. Keys of the raw counts:

* `department`: (name, title) pairs — the name is the filter value, the title the label;
* `region`: region codes, already rolled up (a province counts its cities' datasets);
* the boolean facets: "true" and "false";
* the others: code-list codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.search.backends.base import BOOLEAN_FACETS, FACETS, FALSE, TRUE, FacetValue

Counts = dict[Any, int]

# Names of regions that mean nothing on their own and read better after their parent's name.
BARE_REGION_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
OTHER_DOMAIN = "99"


def shape(counts: dict[str, Counts]) -> dict[str, list[FacetValue]]:
    """Every facet in FACETS as its list of values (a facet without counts lists what it
    always lists: the 21 domains)."""
    return {name: SHAPERS[name](counts.get(name, {})) for name in FACETS}


def ancestor_codes(code: str) -> set[str]:
    """The code and those of its city and province, by the structure of GB/T 2260 codes —
    the same prefixes `Region.prefix` filters on."""
    return {code, code[:4] + "00", code[:2] + "0000"}


def roll_up(counts: Counts) -> Counts:
    """Counts per region code → counts per region and each region above it."""
    rolled: Counts = {}
    for code, n in counts.items():
        for ancestor in ancestor_codes(code):
            rolled[ancestor] = rolled.get(ancestor, 0) + n
    return rolled


def _coded(codelist: str, always: Iterable[str] = ()) -> Callable[[Counts], list[FacetValue]]:
    """A facet over code-list codes, listed in the code list's order. Codes in `always` are
    listed even with no dataset; the others only when counted."""
    shown_anyway = frozenset(always)

    def values(counts: Counts) -> list[FacetValue]:
        codes = codelists.get(codelist)
        found = [
            FacetValue(item.code, item.label, counts.get(item.code, 0))
            for item in codes
            if counts.get(item.code) or item.code in shown_anyway
        ]
        found += [  # codes a harvest or an older code list left behind
            FacetValue(code, code, n) for code, n in counts.items() if code and code not in codes
        ]
        return found

    return values


def _domain(counts: Counts) -> list[FacetValue]:
    """All 21 domains of the pilot plan are always listed, zero counts included, so the domain
    grid never changes shape; 99 其他 is listed only when some dataset has it."""
    always = [item.code for item in codelists.get("domain") if item.code != OTHER_DOMAIN]
    return _coded("domain", always)(counts)


def _department(counts: Counts) -> list[FacetValue]:
    """Departments with matching datasets, most datasets first; the value is the name."""
    values = [FacetValue(name, title, n) for (name, title), n in counts.items() if n]
    return sorted(values, key=lambda v: (-v.count, v.label, v.value))


def _region_label(region: Region, regions: dict[str, Region]) -> str:
    parent = regions.get(region.parent_id) if region.parent_id else None
    if region.name in BARE_REGION_NAMES and parent is not None:
        return parent.name + region.name
    return region.name


@cache
def _region_labels() -> dict[str, str]:
    """Every region's facet label, read once per process: the regions are a code list
    (GB/T 2260, loaded by a migration) that no request changes."""
    regions = Region.objects.in_bulk()
    return {code: _region_label(region, regions) for code, region in regions.items()}


def _region(counts: Counts) -> list[FacetValue]:
    """Regions with matching datasets, in code order, counts rolled up to the regions above."""
    labels = _region_labels()
    if any(code not in labels for code in counts):
        _region_labels.cache_clear()  # regions loaded after the first read (a fresh database)
        labels = _region_labels()
    return [
        FacetValue(code, labels[code], n)
        for code, n in sorted(counts.items())
        if n and code in labels
    ]


def _format(counts: Counts) -> list[FacetValue]:
    """Formats of the public resources of matching datasets, counting datasets (not
    resources), most datasets first."""
    formats = codelists.get("format")
    values = [FacetValue(code, formats.label(code), n) for code, n in counts.items() if n]
    return sorted(values, key=lambda v: (-v.count, v.value))


def _boolean(counts: Counts) -> list[FacetValue]:
    """是 then 否, each only when counted."""
    labels = ((TRUE, _("是")), (FALSE, _("否")))
    return [FacetValue(value, label, counts[value]) for value, label in labels if counts.get(value)]


SHAPERS: dict[str, Callable[[Counts], list[FacetValue]]] = {
    "domain": _domain,
    "department": _department,
    "region": _region,
    "format": _format,
    "open_type": _coded("open_type"),
    "update_frequency": _coded("update_frequency"),
    **dict.fromkeys(BOOLEAN_FACETS, _boolean),
}
