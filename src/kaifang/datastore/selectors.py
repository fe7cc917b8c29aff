"""Reads of the datastore reused by pages, APIs, the CLI and the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from kaifang.datastore.models import DatastoreTable

if TYPE_CHECKING:
    from kaifang.catalog.models import Dataset, Resource, ResourceVersion

Status = DatastoreTable.Status


def is_tabular(version: ResourceVersion) -> bool:
    """Whether the version's detected format is one a reader turns into tables."""
    from kaifang.datastore.ingest.readers import formats

    return (version.detected_format or "").upper() in formats()


def current_tables(resource: Resource) -> list[DatastoreTable]:
    """The ready tables of the resource's published version, in sheet order."""
    if resource.current_version_id is None:
        return []
    return list(
        DatastoreTable.objects.filter(version_id=resource.current_version_id, status=Status.READY)
    )


def version_tables(version: ResourceVersion) -> list[DatastoreTable]:
    """Every table of a version, whatever its status (the publisher's progress view)."""
    return list(DatastoreTable.objects.filter(version=version))


def ready_current_table() -> Q:
    """Resources whose published version has a ready table (a condition on Resource)."""
    ready = DatastoreTable.objects.filter(
        version_id=OuterRef("current_version_id"), status=Status.READY
    )
    return Q(Exists(ready))


def dataset_data_facts(dataset: Dataset) -> dict[str, bool]:
    """What actually ingested, not what a form claims: a dataset is machine readable when one
    of its public resources has a ready table in its published version, and has an API then
    too (the rows API serves every such table) or when it lists an API endpoint."""
    from kaifang.catalog.models import Resource
    from kaifang.catalog.selectors import public_resources

    resources = public_resources().filter(dataset=dataset)
    facts = resources.aggregate(
        tables=_count_if(ready_current_table()),
        apis=_count_if(Q(kind=Resource.Kind.API)),
    )
    machine_readable = bool(facts["tables"])
    return {
        "machine_readable": machine_readable,
        "has_api": machine_readable or bool(facts["apis"]),
    }


def _count_if(condition: Q):
    from django.db.models import Count

    return Count("pk", filter=condition)
