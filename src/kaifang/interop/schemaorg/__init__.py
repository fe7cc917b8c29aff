"""schema.org `Dataset` JSON-LD for the dataset page, which search engines (Google Dataset Search,
Baidu) read to list the dataset. Only public datasets carry it; a conditional dataset names its
conditions of access and links no file."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from kaifang.catalog.models import Dataset, Resource
from kaifang.core import codelists
from kaifang.datastore.models import DatastoreTable
from kaifang.interop import selectors
from kaifang.interop.links import Links, external

#: characters that would end or confuse a <script> element, as JSON escapes
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script_json(value: dict[str, Any]) -> str:
    """JSON safe to place inside <script type="application/ld+json">."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def dataset_jsonld(links: Links, dataset: Dataset) -> dict[str, Any]:
    """The dataset as a schema.org Dataset."""
    values = selectors.record_values(dataset)
    site = settings.KAIFANG["SITE"]
    publisher = {
        "@type": "GovernmentOrganization",
        "name": dataset.department.title,
        "url": links.department_page(dataset.department),
    }
    found: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": links.dataset(dataset),
        "name": dataset.title,
        "description": dataset.summary or dataset.title,
        "url": links.dataset_page(dataset),
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "publisher": publisher,
        "creator": publisher,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": site["name"], "url": links.home},
        "dateModified": _when(dataset.data_updated_at or dataset.updated_at),
    }
    found.update(_facts(links, dataset, values))
    if selectors.open_to_all(dataset):
        found["distribution"] = _downloads(links, dataset)
        # a table's columns are part of its data: conditional data shows them to grantees only
        found["variableMeasured"] = _variables(dataset)
    else:
        found["conditionsOfAccess"] = values.get("open_condition") or codelists.get(
            "open_type"
        ).label(dataset.open_type)
    return {k: v for k, v in found.items() if v not in (None, "", [])}


def _facts(links: Links, dataset: Dataset, values: dict[str, Any]) -> dict[str, Any]:
    domain = codelists.get("domain").label(dataset.domain)
    start, end = values.get("temporal_start"), values.get("temporal_end")
    licence = codelists.get("licence").get(str(values.get("licence") or ""))
    region, spatial = dataset.region.full_name, values.get("spatial") or ""
    place = spatial if region in spatial else "，".join(p for p in (region, spatial) if p)
    return {
        "identifier": dataset.identifier,
        "keywords": list(dict.fromkeys([*(values.get("keywords") or []), domain])),
        "license": (licence.extra.get("url") or links.concept("licence", licence.code))
        if licence
        else None,
        "datePublished": timezone.localdate(dataset.published_at).isoformat()
        if dataset.published_at
        else None,
        "temporalCoverage": f"{start or '..'}/{end or '..'}" if start or end else None,
        "spatialCoverage": {"@type": "Place", "name": place} if place else None,
    }


def _downloads(links: Links, dataset: Dataset) -> list[dict[str, Any]]:
    made = []
    for resource in selectors.resources_of(dataset):
        if resource.kind == Resource.Kind.FILE and resource.current_version is None:
            continue
        url = (
            links.download(resource)
            if resource.kind == Resource.Kind.FILE
            else external(resource.url or links.dataset_page(dataset))
        )
        item = {"@type": "DataDownload", "name": resource.title, "contentUrl": url}
        media = selectors.media_type_of(resource)
        if media:
            item["encodingFormat"] = media
        made.append(item)
    return made


def _variables(dataset: Dataset) -> list[str]:
    """The field names of the dataset's published tables, in one query."""
    versions = [
        r.current_version_id for r in selectors.resources_of(dataset) if r.current_version_id
    ]
    if not versions:
        return []
    tables = DatastoreTable.objects.filter(
        version_id__in=versions, status=DatastoreTable.Status.READY
    ).values_list("fields", flat=True)
    names = (f.get("label") or f.get("id") for fields in tables for f in fields)
    return list(dict.fromkeys(n for n in names if n))


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")
