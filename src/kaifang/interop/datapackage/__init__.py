"""`/dataset/<name>/datapackage.json`: a dataset as a Frictionless Data Package (v1).

Each table the datastore made of a tabular resource becomes a resource whose `path` is its CSV
export and whose Table Schema comes from the table's `fields` (the header of that CSV is the
fields' ids), so `frictionless validate` checks the data itself against the schema. Other files
and links are listed as plain resources; API endpoints are not files and are left out (the DCAT
and data.json outputs describe them).

A conditional (有条件开放) dataset's package leads straight to its data, so it is answered only
to those who may get the data; others get 403 需申请, as for the files.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.visibility import can_access_data
from kaifang.core import codelists
from kaifang.core.errors import AccessRequired, NotFound
from kaifang.datastore.models import DatastoreTable
from kaifang.interop import selectors
from kaifang.interop.links import Links, external

#: datastore field type → Table Schema field type
FIELD_TYPES = {
    "integer": "integer",
    "decimal": "number",
    "float": "number",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "text": "string",
}


def package_json(links: Links, id_or_name: str, user) -> bytes:
    """The package of a public dataset, for `user`."""
    dataset = selectors.public_dataset(id_or_name)
    if not can_access_data(user, dataset):
        raise AccessRequired(_("该数据集为有条件开放数据，需申请并获得授权后方可获取数据包。"))
    found = package(links, dataset)
    if not found["resources"]:
        raise NotFound(_("数据集“%(title)s”没有可下载的文件或数据表。") % {"title": dataset.title})
    return json.dumps(found, ensure_ascii=False, indent=2).encode()


def package(links: Links, dataset: Dataset) -> dict[str, Any]:
    """The Data Package descriptor of `dataset`."""
    values = selectors.record_values(dataset)
    found: dict[str, Any] = {
        "name": dataset.name,
        "id": links.dataset(dataset),
        "title": dataset.title,
        "homepage": links.dataset_page(dataset),
        "contributors": [{"title": dataset.department.title, "role": "publisher"}],
    }
    if dataset.summary:
        found["description"] = dataset.summary
    if dataset.published_at:
        found["created"] = timezone.localtime(dataset.published_at).isoformat(timespec="seconds")
    if values.get("keywords"):
        found["keywords"] = [str(word) for word in values["keywords"]]
    licence = _licence(links, values.get("licence"))
    if licence:
        found["licenses"] = [licence]
    found["resources"] = _resources(links, dataset)
    return found


def _licence(links: Links, code: str | None) -> dict[str, str] | None:
    """A licence with an Open Definition id (the Creative Commons ones) by that id; the
    platform's own by the address of its entry in the published code list."""
    item = codelists.get("licence").get(str(code)) if code else None
    if item is None:
        return None
    if item.extra.get("url"):
        return {"name": item.code, "path": item.extra["url"], "title": item.zh}
    return {"path": links.concept("licence", item.code), "title": item.zh}


def _resources(links: Links, dataset: Dataset) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for resource in selectors.resources_of(dataset):
        tables = selectors.tables_of(resource)
        if tables:
            made.extend(_table(links, resource, t, len(tables) > 1) for t in tables)
        elif resource.kind == Resource.Kind.FILE and resource.current_version is not None:
            made.append(_file(links, resource))
        elif resource.kind == Resource.Kind.LINK and resource.url:
            made.append(_link(resource))
    return made


def _table(
    links: Links, resource: Resource, table: DatastoreTable, several: bool
) -> dict[str, Any]:
    """A datastore table: its CSV export, described by its Table Schema."""
    name = f"{resource.name}-{table.position + 1}" if several else resource.name
    title = f"{resource.title}（{table.sheet}）" if several and table.sheet else resource.title
    return {
        "name": name,
        "title": title,
        "profile": "tabular-data-resource",
        "path": links.export_csv(resource, table.sheet if several else ""),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": [_field(f) for f in table.fields]},
    }


def _field(field: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"name": field["id"], "type": FIELD_TYPES.get(field.get("type"), "any")}
    if field.get("label") and field["label"] != field["id"]:
        found["title"] = field["label"]
    notes = [field.get("description") or ""]
    if field.get("unit"):
        notes.append(_("单位：%(unit)s") % {"unit": field["unit"]})
    description = "；".join(n for n in notes if n)
    if description:
        found["description"] = description
    return found


def _file(links: Links, resource: Resource) -> dict[str, Any]:
    version = resource.current_version
    found: dict[str, Any] = {
        "name": resource.name,
        "title": resource.title,
        "path": links.download(resource),
        "bytes": version.size,
        "hash": f"sha256:{version.sha256}",
    }
    if resource.format:
        found["format"] = resource.format.lower()
    media = selectors.media_type_of(resource)
    if media:
        found["mediatype"] = media
    return found


def _link(resource: Resource) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": resource.name,
        "title": resource.title,
        "path": external(resource.url),
    }
    if resource.format:
        found["format"] = resource.format.lower()
    return found
