"""Reads of the public catalog for the machine-readable outputs.

Harvesters, feed readers and search engines do not sign in, so every output here is what an
anonymous visitor may see, through the one visibility gate: private, unpublished, withdrawn,
taken-down and closed datasets never appear. Whole-catalog outputs load everything a record
needs in a fixed number of queries, however many datasets a page holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schema import get_schema
from kaifang.catalog.selectors import catalog_stamp, public_resources
from kaifang.catalog.services import dataset_values
from kaifang.catalog.visibility import can_access_data, visible_datasets
from kaifang.core import codelists
from kaifang.core.errors import NotFound
from kaifang.datastore.models import DatastoreTable
from kaifang.search.selectors import latest_seq

ANONYMOUS = AnonymousUser()


def public_datasets() -> QuerySet[Dataset]:
    """The datasets anyone may see."""
    return visible_datasets(ANONYMOUS)


def output_stamp() -> str:
    """Changes whenever anything a catalog output shows changes: a dataset (catalog stamp) or
    its resources and tables, which reach the search change log without touching the dataset."""
    return f"{catalog_stamp()}:{latest_seq()}"


def _ready_tables() -> QuerySet[DatastoreTable]:
    return (
        DatastoreTable.objects.filter(status=DatastoreTable.Status.READY)
        .order_by("position")
        .only("id", "version_id", "resource_id", "sheet", "position", "fields", "row_count")
    )


def _loaded(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Datasets with their department, region, tags, public resources, published versions and
    ready tables loaded (the tables as `version.ready_tables`)."""
    resources = (
        public_resources()
        .select_related("current_version")
        .prefetch_related(
            Prefetch(
                "current_version__datastore_tables",
                queryset=_ready_tables(),
                to_attr="ready_tables",
            )
        )
    )
    return qs.select_related(
        "department", "department__parent", "region__parent__parent", "harvest_record__source"
    ).prefetch_related("tags", Prefetch("resources", queryset=resources))


def catalog_datasets() -> QuerySet[Dataset]:
    """Every public dataset, loaded, oldest publication first: new datasets join the last page,
    so a harvester paging through the catalog does not see the earlier pages shift."""
    return _loaded(public_datasets()).order_by("published_at", "pk")


def in_batches(qs: QuerySet[Dataset], size: int = 200) -> Iterator[list[Dataset]]:
    """`qs` read `size` datasets at a time (each batch with its prefetches), so a streamed
    output holds one batch in memory, not the catalog."""
    offset = 0
    while True:
        batch = list(qs[offset : offset + size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        offset += size


def public_dataset(id_or_name: str) -> Dataset:
    """One public dataset by UUID, name or former name, loaded like the catalog's."""
    from kaifang.catalog.selectors import get_dataset

    found = get_dataset(id_or_name, ANONYMOUS)
    dataset = _loaded(public_datasets()).filter(pk=found.pk).first()
    if dataset is None:  # pragma: no cover - removed between the two reads
        raise NotFound(_("未找到数据集“%(name)s”。") % {"name": str(id_or_name)[:100]})
    return dataset


def resources_of(dataset: Dataset) -> list[Resource]:
    """The dataset's public resources, in their order (prefetched by `_loaded`)."""
    return list(dataset.resources.all())


def tables_of(resource: Resource) -> list[DatastoreTable]:
    """The ready tables of the resource's published version (prefetched by `_loaded`)."""
    version = resource.current_version
    if version is None:
        return []
    tables = getattr(version, "ready_tables", None)
    return list(tables) if tables is not None else list(_ready_tables().filter(version=version))


def open_to_all(dataset: Dataset) -> bool:
    """Whether anyone may fetch the dataset's files and rows (not a conditional dataset)."""
    return can_access_data(ANONYMOUS, dataset)


def record_values(dataset: Dataset) -> dict[str, Any]:
    """Every schema field's public value, with the department's contact standing in for a
    dataset that names none: DCAT-AP and data.json both expect a contact point, and the
    department is who answers for its data."""
    values = dataset_values(dataset)
    department = dataset.department
    fallbacks = {
        "contact_name": department.contact_name or department.title,
        "contact_phone": department.contact_phone,
        "contact_email": department.contact_email,
    }
    keys = {f.key for f in get_schema().dataset_fields}
    for key, value in fallbacks.items():
        if key in keys and not values.get(key) and value:
            values[key] = value
    return values


def related_ids(datasets: Iterable[Dataset]) -> dict[str, Dataset]:
    """The public datasets named by the `identifiers` fields (关联资源代码) of `datasets`, by
    their 信息资源代码, in one query; codes of datasets the public cannot see are absent."""
    keys = [f.key for f in get_schema().dataset_fields if f.type == "identifiers"]
    codes = {str(code) for d in datasets for key in keys for code in (d.metadata.get(key) or [])}
    if not codes:
        return {}
    found = public_datasets().filter(identifier__in=codes).only("pk", "name", "identifier")
    return {d.identifier: d for d in found}


def media_type_of(resource: Resource) -> str:
    """The media type of what the resource serves, without parameters: the published file's,
    else the one its format's code list entry names ("" when neither is known)."""
    version = resource.current_version if resource.kind == Resource.Kind.FILE else None
    value = version.media_type if version is not None and version.media_type else ""
    if not value and resource.format:
        item = codelists.get("format").get(resource.format)
        value = (item.extra.get("media_type") or "") if item else ""
    return value.partition(";")[0].strip().lower()
