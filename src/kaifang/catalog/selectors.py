"""Reads of the catalog reused by pages, the API and the CLI. Every one starts from the
visibility gate (catalog.visibility), so no surface can count or show what its user may not see.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, DatasetNameRedirect, Resource
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.core.errors import NotFound
from kaifang.organizations.models import Department
from kaifang.search.backends.base import (
    FacetValue,
    SearchParams,
    SearchResult,
    get_backend,
)
from kaifang.search.selectors import latest_seq

__all__ = [
    "FacetValue",
    "SearchParams",
    "SearchResult",
    "catalog_stamp",
    "dataset_formats",
    "department_counts",
    "department_list",
    "domain_counts",
    "get_dataset",
    "get_resource",
    "home_figures",
    "public_resources",
    "search_datasets",
    "with_public_resources",
]

OTHER_DOMAIN = "99"


def catalog_stamp() -> str:
    """Changes whenever a dataset is added, removed, edited or moved through the workflow (each
    of which touches `updated_at`), so nothing cached under it outlives a change to the
    catalog; one cheap aggregate."""
    stamp = Dataset.objects.order_by().aggregate(n=Count("pk"), at=Max("updated_at"))
    at = stamp["at"].timestamp() if stamp["at"] else 0
    return f"{stamp['n']}:{at}"


def search_datasets(params: SearchParams, user) -> SearchResult:
    """Find datasets for the list page and the API through the configured search backend.

    Anonymous visitors all see the same catalog, and most of them ask the same few questions
    (the unfiltered list, a domain, a department), so their answers are cached under the
    catalog stamp, the search change log's latest seq (resources and ingests change what is
    found without touching the dataset row) and the language of the facet labels, for
    KAIFANG_SEARCH_CACHE_SECONDS at most. An answer that left out changes its index had not
    applied yet is not kept. Signed-in users may see private datasets and are always answered
    afresh."""
    seconds = settings.KAIFANG.get("SEARCH_CACHE_SECONDS", 60)
    if getattr(user, "is_authenticated", False) or not seconds:
        return get_backend().search(params, user)
    asked = f"{settings.KAIFANG['SEARCH_BACKEND']}:{params!r}"
    digest = hashlib.sha256(asked.encode()).hexdigest()[:32]
    stamp = f"{catalog_stamp()}:{latest_seq()}"
    key = f"kaifang:search:{get_language()}:{stamp}:{digest}"
    result = cache.get(key)
    if result is None:
        result = get_backend().search(params, user)
        if not result.pending:
            cache.set(key, result, seconds)
    return result


def public_resources() -> QuerySet[Resource]:
    """Resources a visitor of a visible dataset may see: not part of a pending revision, and
    for files, with a complete published version."""
    return Resource.objects.filter(pending_revision__isnull=True).filter(
        Q(kind__in=[Resource.Kind.LINK, Resource.Kind.API]) | Q(current_version__isnull=False)
    )


def with_public_resources(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Prefetch each dataset's public resources (with their published version) into
    `dataset.resources.all()`, so pages and the API never list a pending one."""
    resources = public_resources().select_related("current_version")
    return qs.prefetch_related(Prefetch("resources", queryset=resources))


def dataset_formats(dataset: Dataset) -> list[str]:
    """The formats of a dataset's public resources, each once, in resource order: what a search
    backend attached as `public_formats`, else read from the prefetched resources."""
    attached = getattr(dataset, "public_formats", None)
    if attached is not None:
        return attached
    return list(dict.fromkeys(r.format for r in dataset.resources.all() if r.format))


def _by_id_or_name(qs: QuerySet[Dataset], id_or_name: str) -> Dataset | None:
    try:
        return qs.filter(pk=uuid.UUID(str(id_or_name))).first()
    except ValueError:
        return qs.filter(name=id_or_name).first()


def get_dataset(id_or_name: str, user, *, include_unpublished: bool = False) -> Dataset:
    """The dataset with this UUID, name or former name, if `user` may see it; department,
    region, tags and public resources come loaded. Callers that want to send people to the
    current name compare `dataset.name` with what they asked for."""
    qs = with_public_resources(
        visible_datasets(user, include_unpublished=include_unpublished)
        # the harvest record (provenance, shown on the dataset page) joins in at no query
        .select_related("department", "region", "region__parent", "harvest_record__source")
        .prefetch_related("tags")
    )
    dataset = _by_id_or_name(qs, id_or_name)
    if dataset is None:
        moved = DatasetNameRedirect.objects.filter(old_name=id_or_name).values("dataset_id")
        dataset = qs.filter(pk__in=moved).first()
    if dataset is None:
        raise NotFound(_("未找到数据集“%(name)s”。") % {"name": str(id_or_name)[:100]})
    return dataset


def get_resource(resource_id: str | uuid.UUID, user) -> Resource:
    """A public resource of a dataset `user` may see, with its dataset and published version.
    Whether the user may also get its data (conditional datasets) is the download's check."""
    try:
        pk = uuid.UUID(str(resource_id))
    except ValueError:
        pk = None
    resource = (
        public_resources()
        .select_related("dataset", "dataset__department", "current_version")
        .filter(pk=pk, dataset__in=visible_datasets(user).values("pk"))
        .first()
        if pk
        else None
    )
    if resource is None:
        raise NotFound(_("未找到资源“%(id)s”。") % {"id": str(resource_id)[:100]})
    return resource


def department_counts(user) -> dict[uuid.UUID, int]:
    """Number of datasets `user` may see per department id (departments without any are
    absent)."""
    rows = (
        visible_datasets(user)
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    return dict(rows)


def department_list(user) -> list[tuple[Department, int]]:
    """Every department, with its region and parent, and the number of datasets `user` may
    see in it (0 included), in the departments' own order."""
    counts = department_counts(user)
    departments = Department.objects.select_related("region", "parent")
    return [(d, counts.get(d.pk, 0)) for d in departments]


def domain_counts(user) -> list[tuple[codelists.Item, int]]:
    """Every one of the 21 domains with the number of datasets `user` may see in it, in the
    code list's order; 99 其他 is added only when some dataset has it."""
    rows = (
        visible_datasets(user)
        .order_by()
        .values("domain")
        .annotate(n=Count("pk"))
        .values_list("domain", "n")
    )
    counts = dict(rows)
    return [
        (item, counts.get(item.code, 0))
        for item in codelists.get("domain")
        if item.code != OTHER_DOMAIN or counts.get(item.code)
    ]


def home_figures(user) -> dict[str, Any]:
    """The headline figures of the home page, over the datasets `user` may see: datasets,
    departments publishing them, public resources, downloads, and the shares of datasets
    offering an API and offering machine-readable data (0–1)."""
    from kaifang.datastore.selectors import ready_current_table

    visible = visible_datasets(user).order_by()
    mine = public_resources().filter(dataset_id=OuterRef("pk"))
    # what actually ingested (see datastore.selectors.dataset_data_facts): a ready table in a
    # published version is machine readable and served by the rows API
    ingested = ready_current_table()
    figures = visible.aggregate(
        datasets=Count("pk"),
        departments=Count("department", distinct=True),
        downloads=Sum("download_count"),
        with_api=Count("pk", filter=Q(Exists(mine.filter(Q(kind=Resource.Kind.API) | ingested)))),
        machine_readable=Count("pk", filter=Q(Exists(mine.filter(ingested)))),
    )
    total = figures["datasets"]
    return {
        "datasets": total,
        "departments": figures["departments"],
        "resources": public_resources().filter(dataset__in=visible.values("pk")).count(),
        "downloads": figures["downloads"] or 0,
        "api_share": figures.pop("with_api") / total if total else 0.0,
        "machine_readable_share": figures.pop("machine_readable") / total if total else 0.0,
    }
