"""`/data.json`: the public catalog as Project Open Data (DCAT-US) 1.1, which data.gov's
harvester and CKAN's `ckanext-datajson` read.

Dataset keys come from the metadata schema: each field's `pod:` names the key its value goes to
(`a.b` nests), converted by the key (POD's own vocabularies: accessLevel, ISO 8601 frequencies,
licence URLs) or else by the field's type. The catalog is streamed a batch of datasets at a
time and kept once complete (interop.cache).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schema import Field, get_schema
from kaifang.core import codelists
from kaifang.interop import cache, selectors
from kaifang.interop.links import Links, external

SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
CONTEXT = f"{SCHEMA}/catalog.jsonld"
DESCRIBED_BY = f"{SCHEMA}/catalog.json"
OPENAPI_TYPE = "application/vnd.oai.openapi+json"
RIGHTS_MAX = 255  # POD's limit on `rights`

#: EU access-right entry (open_type's `eu_access_right`) → POD accessLevel
ACCESS_LEVELS = {"PUBLIC": "public", "RESTRICTED": "restricted public", "NON_PUBLIC": "non-public"}
#: EU frequency entry (update_frequency's `eu_frequency`) → POD's ISO 8601 repeating duration
FREQUENCIES = {
    "UPDATE_CONT": "R/PT1S",
    "CONT": "R/PT1S",
    "HOURLY": "R/PT1H",
    "DAILY": "R/P1D",
    "WEEKLY": "R/P1W",
    "BIWEEKLY": "R/P2W",
    "MONTHLY_3": "R/P10D",
    "MONTHLY_2": "R/P0.5M",
    "MONTHLY": "R/P1M",
    "BIMONTHLY": "R/P2M",
    "QUARTERLY": "R/P3M",
    "ANNUAL_2": "R/P6M",
    "ANNUAL": "R/P1Y",
    "BIENNIAL": "R/P2Y",
    "IRREG": "irregular",
}

Pairs = list[tuple[Field, Any]]


def catalog_chunks(links: Links) -> Iterator[bytes]:
    """The catalog document in pieces: its head, then each dataset, then its end."""
    return cache.kept_stream(cache.key("data.json", links.base), lambda: _chunks(links))


def _chunks(links: Links) -> Iterator[bytes]:
    head = {
        "@context": CONTEXT,
        "@id": links.url(reverse("interop:data-json")),
        "@type": "dcat:Catalog",
        "conformsTo": SCHEMA,
        "describedBy": DESCRIBED_BY,
    }
    yield _dump(head)[:-1].encode() + b', "dataset": ['
    first = True
    for batch in selectors.in_batches(selectors.catalog_datasets()):
        related = selectors.related_ids(batch)
        with translation.override("zh-hans"):
            records = [_dump(dataset_record(links, d, related)) for d in batch]
        for text in records:
            yield (text if first else "," + text).encode()
            first = False
    yield b"]}"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dataset_record(links: Links, dataset: Dataset, related: dict[str, Dataset]) -> dict[str, Any]:
    """One dataset as a POD 1.1 dataset object."""
    values = selectors.record_values(dataset)
    gathered: dict[str, Pairs] = {}
    for f in get_schema().dataset_fields:
        value = values.get(f.key)
        if f.pod and value not in (None, "", []):
            gathered.setdefault(f.pod, []).append((f, value))
    record: dict[str, Any] = {"@type": "dcat:Dataset"}
    for key, pairs in gathered.items():
        value = KEY_WRITERS.get(key, _by_type)(links, pairs, related)
        if value not in (None, "", []):
            _put(record, key, value)
    record.setdefault("identifier", links.dataset(dataset))
    record.setdefault("description", dataset.title)
    record.setdefault("publisher", _organization(dataset.department))
    record.setdefault("accessLevel", "public")
    record.setdefault("contactPoint", {})
    record["contactPoint"] = {"@type": "vcard:Contact", **record["contactPoint"]}
    record["contactPoint"].setdefault("fn", dataset.department.title)
    record["modified"] = timezone.localtime(
        dataset.data_updated_at or dataset.updated_at
    ).isoformat(timespec="seconds")
    record["landingPage"] = links.dataset_page(dataset)
    record["language"] = ["zh-CN"]
    distributions = _distributions(links, dataset)
    if distributions:
        record["distribution"] = distributions
    return record


def _put(record: dict[str, Any], key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        record = record.setdefault(part, {})
    record[last] = value


# values by POD key


def _texts(pairs: Pairs) -> list[str]:
    return [str(value) for _f, value in pairs if str(value).strip()]


def _first(links: Links, pairs: Pairs, related) -> Any:
    return _by_type(links, pairs[:1], related)


def _by_type(links: Links, pairs: Pairs, related) -> Any:
    """A key without a writer of its own: the value as the field's type reads it (a list when
    several fields share the key)."""
    values = [_plain(f, value) for f, value in pairs]
    return values[0] if len(values) == 1 else values


def _plain(f: Field, value: Any) -> Any:
    if f.type == "boolean":
        return bool(value)
    if f.type == "integer":
        return int(value)
    if f.type == "date":
        return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]
    if f.type in {"code", "codes"}:
        codes = value if isinstance(value, list) else [value]
        labels = [f.codes.label(str(c)) for c in codes]
        return labels if f.type == "codes" else labels[0]
    if f.type == "email":
        return f"mailto:{value}"
    if f.type == "region":
        return value.full_name
    if f.type == "department":
        return value.title
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def _organization(department) -> dict[str, Any]:
    """A department, with the departments above it, as POD's org:Organization."""
    found: dict[str, Any] = {"@type": "org:Organization", "name": department.title}
    if department.parent_id and department.parent is not None:
        found["subOrganizationOf"] = _organization(department.parent)
    return found


def _publisher(links: Links, pairs: Pairs, related) -> dict[str, Any]:
    return _organization(pairs[0][1])


def _themes(links: Links, pairs: Pairs, related) -> list[str]:
    labels: list[str] = []
    for f, value in pairs:
        found = _plain(f, value)
        labels.extend(found if isinstance(found, list) else [found])
    return list(dict.fromkeys(label for label in labels if label))


def _keywords(links: Links, pairs: Pairs, related) -> list[str]:
    return list(dict.fromkeys(str(word) for _f, value in pairs for word in value if str(word)))


def _access_level(links: Links, pairs: Pairs, related) -> str:
    f, value = pairs[0]
    item = f.codes.get(str(value)) if f.codes else None
    return ACCESS_LEVELS.get((item.extra.get("eu_access_right") if item else "") or "", "public")


def _rights(links: Links, pairs: Pairs, related) -> str | None:
    """The access conditions and further terms, shortened to POD's 255 characters; the dataset
    page (landingPage) carries them whole."""
    text = "；".join(_texts(pairs))
    return text if len(text) <= RIGHTS_MAX else text[: RIGHTS_MAX - 1] + "…"


def _license(links: Links, pairs: Pairs, related) -> str | None:
    f, value = pairs[0]
    item = codelists.get(f.codelist).get(str(value)) if f.codelist else None
    if item is None:
        return None
    return item.extra.get("url") or links.concept(f.codelist, item.code)


def _frequency(links: Links, pairs: Pairs, related) -> str | None:
    f, value = pairs[0]
    item = f.codes.get(str(value)) if f.codes else None
    return FREQUENCIES.get((item.extra.get("eu_frequency") if item else "") or "")


def _references(links: Links, pairs: Pairs, related) -> list[str]:
    found = (related.get(str(code)) for _f, value in pairs for code in value)
    return list(dict.fromkeys(links.dataset_page(d) for d in found if d is not None))


def _spatial(links: Links, pairs: Pairs, related) -> str:
    return "；".join(dict.fromkeys(str(_plain(f, value)) for f, value in pairs))


def _temporal(links: Links, pairs: Pairs, related) -> str | None:
    """`start/end` as ISO 8601 dates; POD has no open-ended form, so both are needed."""
    dates = [_plain(f, value) for f, value in pairs]
    return f"{dates[0]}/{dates[1]}" if len(dates) == 2 else None


KEY_WRITERS: dict[str, Callable[[Links, Pairs, dict], Any]] = {
    "title": _first,
    "description": _first,
    "identifier": _first,
    "publisher": _publisher,
    "theme": _themes,
    "keyword": _keywords,
    "accessLevel": _access_level,
    "rights": _rights,
    "license": _license,
    "accrualPeriodicity": _frequency,
    "references": _references,
    "spatial": _spatial,
    "temporal": _temporal,
    "issued": _first,
    "contactPoint.fn": _first,
    "contactPoint.hasEmail": _first,
}


# distributions


def _distributions(links: Links, dataset: Dataset) -> list[dict[str, Any]]:
    open_to_all = selectors.open_to_all(dataset)
    made = []
    for resource in selectors.resources_of(dataset):
        made.append(_distribution(links, dataset, resource, open_to_all))
        if selectors.tables_of(resource):
            made.append(_rows_distribution(links, dataset, resource, open_to_all))
    return made


def _distribution(
    links: Links, dataset: Dataset, resource: Resource, open_to_all: bool
) -> dict[str, Any]:
    """A file to download, a link or an API; a conditional dataset's all lead to where access
    is asked for."""
    found: dict[str, Any] = {"@type": "dcat:Distribution", "title": resource.title}
    if resource.description:
        found["description"] = resource.description
    item = codelists.get("format").get(resource.format) if resource.format else None
    if item is not None:
        found["format"] = item.zh
    media = selectors.media_type_of(resource)
    if not open_to_all:
        found["accessURL"] = links.access_request(dataset)
    elif resource.kind == Resource.Kind.FILE and resource.current_version is not None:
        found["downloadURL"] = links.download(resource)
        media = media or "application/octet-stream"
        if selectors.tables_of(resource):
            found["describedBy"] = links.datapackage(dataset)
            found["describedByType"] = "application/json"
    else:
        found["accessURL"] = external(resource.url) if resource.url else links.dataset_page(dataset)
    if media:
        found["mediaType"] = media
    return found


def _rows_distribution(
    links: Links, dataset: Dataset, resource: Resource, open_to_all: bool
) -> dict[str, Any]:
    """The rows API of a tabular resource, described by the platform's OpenAPI document."""
    return {
        "@type": "dcat:Distribution",
        "title": _("%(title)s（数据接口）") % {"title": resource.title},
        "accessURL": links.rows_api(resource) if open_to_all else links.access_request(dataset),
        "format": "API",
        "mediaType": "application/json",
        "describedBy": links.openapi,
        "describedByType": OPENAPI_TYPE,
    }
