"""Harvesting a Project Open Data 1.1 catalog (`data.json`, DCAT-US), as US agencies, data.gov
and our own /data.json publish it.

The catalog is one JSON document; its `dataset` array is read a page at a time. A dataset's
values are read back through the `pod:` key of each field of the metadata schema — the mapping
our own data.json writes with — converted by the key where POD has a vocabulary of its own
(accessLevel, ISO 8601 frequencies, licence addresses, “start/end” periods, themes written as
labels) and otherwise by the field's type. `publisher.name` (or an organization above it) finds
the department through the source's mapping table. `modified` lets an incremental run skip the
datasets that did not change since the last run. Distributions become link resources, or API
resources when their format says API or an OpenAPI document describes them; in a mirror source a
distribution's `downloadURL` (and a link in a file format) is a file fetched here, again when the
dataset's `modified` changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.catalog.schema import Field, get_schema
from kaifang.core.http import FetchFailed
from kaifang.harvest.backends import lookup
from kaifang.harvest.backends.base import (
    HarvestBackend,
    RecordFailed,
    RemoteRecord,
    mirror_entry,
    register,
)
from kaifang.interop.datajson import ACCESS_LEVELS, FREQUENCIES, OPENAPI_TYPE

PER_PAGE = 200
#: POD accessLevel → the EU access-right entry our open types name
ACCESS_RIGHTS = {level: entry for entry, level in ACCESS_LEVELS.items()}
#: POD's ISO 8601 frequency → the EU frequency entry our update frequencies name (first wins)
FREQUENCY_ENTRIES = {duration: entry for entry, duration in reversed(FREQUENCIES.items())}
OUR_CONCEPT = re.compile(r"/codelists/licence#(?P<code>[^#]+)$")


@register
class DataJsonBackend(HarvestBackend):
    key = "datajson"
    label = gettext_lazy("data.json 目录（Project Open Data 1.1）")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._count: int | None = None

    def total(self) -> int | None:
        return self._count

    def pages(self, since: dt.datetime | None) -> Iterator[list[Any]]:
        datasets = self._datasets()
        self._count = len(datasets)
        for start in range(0, len(datasets), PER_PAGE):
            page = datasets[start : start + PER_PAGE]
            yield [
                _wrapped(d)
                for d in page
                if not (isinstance(d, dict) and lookup.changed_before(d.get("modified"), since))
            ]

    def _datasets(self) -> list[Any]:
        document = self.fetch_json(self.source.url)
        datasets = document.get("dataset") if isinstance(document, dict) else None
        if not isinstance(datasets, list):
            raise FetchFailed(
                _("%(url)s 不是 data.json 目录：缺少 dataset 数组。") % {"url": self.source.url}
            )
        return datasets

    def parse(self, raw: Any) -> RemoteRecord:
        record = raw["record"]
        if not isinstance(record, dict) or not raw["id"]:
            raise RecordFailed(_("记录不是带 identifier 的 data.json 数据集。"))
        page = record.get("landingPage") or raw["id"]
        original = page if str(page).startswith(("http://", "https://")) else self.source.url
        return RemoteRecord(remote_id=raw["id"], original_url=str(original)[:1000], raw=record)

    def map_values(self, record: RemoteRecord) -> dict[str, Any]:
        dataset = record.raw
        values: dict[str, Any] = {}
        shared: dict[str, int] = {}
        for f in get_schema().editable_dataset_fields:
            if not f.pod or f.type == "department":
                continue
            index = shared[f.pod] = shared.get(f.pod, -1) + 1
            raw = _get(dataset, f.pod)
            if raw in (None, "", []):
                continue
            value = KEY_READERS.get(f.pod, _by_type)(f, raw, dataset, index)
            if value not in (None, "", []):
                values[f.key] = value
        values["department"] = lookup.mapped_department(self.source, _publishers(dataset))
        domain = lookup.mapped_domain(self.source, _strings(dataset.get("theme")))
        if domain:
            values["domain"] = domain
        return lookup.with_defaults(self.source, values)

    def map_resources(self, record: RemoteRecord) -> list[dict[str, Any]]:
        found = []
        for n, dist in enumerate(record.raw.get("distribution") or [], 1):
            if not isinstance(dist, dict):
                continue
            url = str(dist.get("downloadURL") or dist.get("accessURL") or "").strip()
            if not url:
                continue
            fmt = lookup.format_code(dist.get("format"), dist.get("mediaType"))
            is_api = fmt == "API" or dist.get("describedByType") == OPENAPI_TYPE
            entry = {
                "title": str(dist.get("title") or "").strip() or lookup.untitled(n),
                "description": str(dist.get("description") or ""),
                "kind": "api" if is_api else "link",
                "url": url,
                "format": fmt,
            }
            found.append(self._mirrored(record, dist, entry))
        return found

    def _mirrored(
        self, record: RemoteRecord, dist: dict[str, Any], entry: dict[str, Any]
    ) -> dict[str, Any]:
        """POD says nothing of a distribution's file but where it is: the dataset's `modified`
        stands for it, so the file is fetched again when the dataset changed."""
        return mirror_entry(
            self.source,
            entry,
            key=entry["url"],
            download=bool(str(dist.get("downloadURL") or "").strip()),
            modified=str(record.raw.get("modified") or ""),
        )


def _wrapped(dataset: Any) -> dict[str, Any]:
    """A dataset with its identifier where a failure report looks for a record's id."""
    identifier = dataset.get("identifier") if isinstance(dataset, dict) else None
    return {"id": str(identifier or "").strip()[:200], "record": dataset}


def _get(dataset: dict[str, Any], key: str) -> Any:
    value: Any = dataset
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def _publishers(dataset: dict[str, Any]) -> list[str]:
    """The publisher's name, then the names of the organizations above it."""
    names, organization = [], dataset.get("publisher")
    while isinstance(organization, dict) and len(names) < 10:
        names.append(str(organization.get("name") or ""))
        organization = organization.get("subOrganizationOf")
    return names


# values by POD key; each takes (field, raw value, the whole dataset, index among the fields
# sharing the key)

Reader = Callable[[Field, Any, dict[str, Any], int], Any]


def _by_type(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> Any:
    if f.type in {"code", "codes"}:
        return _labels(f, raw, dataset, index)
    if f.is_list:
        return _strings(raw)
    if f.type == "boolean":
        return raw if isinstance(raw, bool) else None
    if f.type in {"region", "identifiers", "fields"}:
        return None  # written as names or page addresses: nothing our field can take back
    if f.type == "email":
        return str(raw).strip().removeprefix("mailto:")
    if f.type == "date":
        return str(raw).strip()[:10]
    return str(raw).strip() if isinstance(raw, str | int | float) else None


def _labels(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> Any:
    """Codes written as their labels (POD's themes are words): those of this field's list."""
    found = [lookup.code_from_text(f.codelist, text) for text in _strings(raw)]
    codes = list(dict.fromkeys(c for c in found if c))
    if f.type == "codes":
        return codes
    return codes[0] if codes else None


def _access_level(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    entry = ACCESS_RIGHTS.get(str(raw).strip())
    return lookup.code_by_extra(f.codelist, "eu_access_right", entry) if entry else None


def _frequency(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    entry = FREQUENCY_ENTRIES.get(str(raw).strip())
    if entry is None:
        return lookup.code_from_text(f.codelist, raw)
    return lookup.code_by_extra(f.codelist, "eu_frequency", entry)


def _license(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    text = str(raw).strip()
    match = OUR_CONCEPT.search(text)
    if match:
        return lookup.code_from_text(f.codelist, unquote(match["code"]))
    return lookup.code_by_extra(f.codelist, "url", text) or lookup.code_from_text(f.codelist, text)


def _rights(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    """POD has one `rights`; it is the access conditions of restricted data (开放条件), and the
    further terms of use (使用要求说明) of open data."""
    conditional = str(dataset.get("accessLevel") or "").strip() == "restricted public"
    wanted = "open_condition" if conditional else "usage_terms"
    return str(raw).strip() if f.key == wanted else None


def _temporal(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    """“start/end”: the first field sharing the key takes the start, the second the end."""
    parts = str(raw).split("/")
    if len(parts) != 2 or index > 1:
        return None
    return parts[index].strip()[:10] or None


def _spatial(f: Field, raw: Any, dataset: dict[str, Any], index: int) -> str | None:
    """A place's name for the text field; where the key is shared after the region (as our own
    output writes “region；coverage”), the part after the region's name."""
    if f.type != "text":
        return None
    parts = [p.strip() for p in str(raw).split("；") if p.strip()]
    text = "；".join(parts[1:] if index > 0 and len(parts) > 1 else parts)
    return text[: f.max_length or 200] or None


KEY_READERS: dict[str, Reader] = {
    "accessLevel": _access_level,
    "accrualPeriodicity": _frequency,
    "license": _license,
    "rights": _rights,
    "temporal": _temporal,
    "spatial": _spatial,
}
