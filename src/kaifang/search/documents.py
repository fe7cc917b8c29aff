"""What search knows of each dataset: its searchable text, its facet values, the fields the
visibility gate decides on, and what ranking and sorting read — gathered in bulk, for any
backend (each turns a `DatasetDocument` into its own form).

Every dataset that is not deleted has a document, whatever its state: searches filter on
`state`, `is_private`, `open_type` and `department_id` exactly as catalog.visibility does, so
the index can answer members and staff as well as the public.

Documents are read in batches of BATCH datasets, five queries a batch (datasets with their
department, keywords, public resources, their ready tables, recent use) and nothing per
dataset, so a rebuild of a large catalog costs a few hundred queries. A rebuild that reads in
several processes cuts the catalog into ranges of ids first (`id_ranges`, reading ids only)
and has each process read its own ranges (`documents_between`).

On SQLite a large rebuild first refreshes the planner's statistics of the tables it reads by
batch (`refresh_statistics`): without them SQLite takes the public-resource gate's
`pending_revision_id IS NULL` for a selective filter and reads every resource of the catalog
for each batch, which makes a rebuild quadratic in the catalog's size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.selectors import public_resources
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.datastore.models import DatastoreTable
from kaifang.search.analysis.normalize import normalize
from kaifang.search.facets import ancestor_codes
from kaifang.search.usage import recent_use

BATCH = 2000
SAMPLE_COLUMNS = 20  # text columns of a table whose frequent values are indexed
SAMPLE_VALUES = 10  # frequent values per column (the profile keeps ten)
SAMPLE_MAX_CHARS = 40  # longer values are prose or identifiers, not categories
THEME_LISTS = ("national_theme", "industry")  # metadata code fields indexed by their labels

COLUMNS = (
    "id", "name", "title", "summary", "identifier", "department_id", "department__name",
    "department__title", "department__short_name", "domain", "region_id", "open_type",
    "update_frequency", "state", "is_private", "is_high_value", "is_realtime", "metadata",
    "published_at", "data_updated_at", "updated_at", "created_at", "download_count",
)  # fmt: skip


@dataclass
class DatasetDocument:
    """One dataset as search sees it. Text is as stored (each backend analyses it its own
    way); `region_names` are the dataset's region and those above it; `fields` the names and
    descriptions of its information items (信息项: the metadata's list and the columns of its
    ingested tables); `samples` frequent values of its tables' text columns (区县, 类别 …)."""

    id: uuid.UUID
    name: str
    title: str
    summary: str = ""
    identifier: str = ""
    keywords: list[str] = field(default_factory=list)
    department_id: uuid.UUID | None = None
    department_name: str = ""
    department_title: str = ""
    department_short_name: str = ""
    domain: str = ""
    domain_label: str = ""
    themes: list[str] = field(default_factory=list)
    region_code: str = ""
    region_names: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    open_type: str = ""
    update_frequency: str = ""
    state: str = ""
    is_private: bool = False
    is_high_value: bool = False
    is_realtime: bool = False
    has_api: bool = False
    machine_readable: bool = False
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None  # the data's update time, else the metadata's
    created_at: dt.datetime | None = None
    download_count: int = 0
    recent_use: int = 0  # downloads and API calls over the last 90 days (search.usage)

    @property
    def region_codes(self) -> list[str]:
        """The region's code and those of the regions above it (GB/T 2260 structure)."""
        return sorted(ancestor_codes(self.region_code)) if self.region_code else []


def exact_title(text: str) -> str:
    """A title as an index compares it with a whole query, for "exact title first":
    normalized, without spaces."""
    return normalize(text).replace(" ", "")


def build_documents(
    ids: Iterable[uuid.UUID] | None = None, *, batch: int = BATCH
) -> Iterator[DatasetDocument]:
    """The documents of the datasets with these ids (of every dataset when None), in id
    order. Ids of deleted datasets give nothing."""
    regions = Regions()
    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), batch):
            rows = _rows(Dataset.objects.filter(pk__in=wanted[start : start + batch]), batch)
            yield from _documents(rows, regions)
        return
    after = None
    while True:
        qs = Dataset.objects.all() if after is None else Dataset.objects.filter(pk__gt=after)
        rows = _rows(qs, batch)
        if not rows:
            return
        yield from _documents(rows, regions)
        after = rows[-1]["id"]


#: Tables read by batch whose filters SQLite misjudges without statistics (see the docstring).
ANALYZED_TABLES = (Resource, DatastoreTable)


def refresh_statistics() -> None:
    """On SQLite, ANALYZE the tables of ANALYZED_TABLES (an index scan each: well under a
    second at 100,000 datasets), so each batch reads its resources and tables through their
    dataset and version indexes. Other databases keep their own statistics."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for model in ANALYZED_TABLES:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def id_ranges(batch: int = BATCH) -> list[tuple[uuid.UUID | None, uuid.UUID | None]]:
    """The catalog cut into consecutive ranges of `batch` datasets in id order, as (after,
    upto): the ids above `after` (from the first when None) up to and including `upto` (to
    the last when None). The last range is open, so a dataset added meanwhile is read too."""
    ranges: list[tuple[uuid.UUID | None, uuid.UUID | None]] = []
    after = None
    ids = Dataset.objects.order_by("pk").values_list("pk", flat=True)
    for count, pk in enumerate(ids.iterator(chunk_size=10_000), start=1):
        if count % batch == 0:
            ranges.append((after, pk))
            after = pk
    ranges.append((after, None))
    return ranges


def documents_between(
    after: uuid.UUID | None, upto: uuid.UUID | None, regions: Regions | None = None
) -> list[DatasetDocument]:
    """The documents of the datasets whose ids lie in the range (after, upto] (see
    `id_ranges`), in id order; `regions` may be shared by the calls of one rebuild."""
    qs = Dataset.objects.all()
    if after is not None:
        qs = qs.filter(pk__gt=after)
    if upto is not None:
        qs = qs.filter(pk__lte=upto)
    rows = list(qs.order_by("pk").values(*COLUMNS))
    return list(_documents(rows, regions or Regions())) if rows else []


def _rows(qs, batch: int) -> list[dict[str, Any]]:
    return list(qs.order_by("pk").values(*COLUMNS)[:batch])


def _documents(rows: list[dict[str, Any]], regions: Regions) -> Iterator[DatasetDocument]:
    ids = [row["id"] for row in rows]
    keywords = _keywords(ids)
    resources = _Resources.of(ids)
    use = recent_use(ids)
    for row in rows:
        pk = row["id"]
        document = _document(row, regions)
        document.keywords = keywords.get(pk, [])
        document.recent_use = use.get(pk, 0)
        resources.fill(document)
        yield document


def _document(row: dict[str, Any], regions: Regions) -> DatasetDocument:
    metadata = row["metadata"] or {}
    domain = codelists.get("domain").get(row["domain"])
    return DatasetDocument(
        id=row["id"],
        name=row["name"],
        title=row["title"],
        summary=row["summary"] or "",
        identifier=row["identifier"] or "",
        department_id=row["department_id"],
        department_name=row["department__name"],
        department_title=row["department__title"],
        department_short_name=row["department__short_name"] or "",
        domain=row["domain"],
        domain_label=domain.zh if domain else "",
        themes=_themes(metadata),
        region_code=row["region_id"] or "",
        region_names=regions.names(row["region_id"]),
        fields=_declared_fields(metadata),
        open_type=row["open_type"],
        update_frequency=row["update_frequency"] or "",
        state=row["state"],
        is_private=row["is_private"],
        is_high_value=row["is_high_value"],
        is_realtime=row["is_realtime"],
        published_at=row["published_at"],
        updated_at=row["data_updated_at"] or row["updated_at"],
        created_at=row["created_at"],
        download_count=row["download_count"],
    )


def _themes(metadata: dict[str, Any]) -> list[str]:
    """Chinese labels of the dataset's theme and industry codes."""
    labels = []
    for name in THEME_LISTS:
        codes = metadata.get(name) or []
        codes = codes if isinstance(codes, list) else [codes]
        items = (codelists.get(name).get(str(code)) for code in codes)
        labels += [item.zh for item in items if item is not None]
    return labels


def _declared_fields(metadata: dict[str, Any]) -> list[str]:
    """Names and descriptions of the information items the metadata lists (信息项)."""
    found = []
    for row in metadata.get("fields") or []:
        if isinstance(row, dict):
            found += [str(row.get(k) or "").strip() for k in ("name", "description")]
    return [text for text in found if text]


def _keywords(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    through = Dataset.tags.through.objects.filter(dataset_id__in=ids).order_by("tag__name")
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for dataset_id, name in through.values_list("dataset_id", "tag__name"):
        found[dataset_id].append(name)
    return found


class Regions:
    """Region names with those of the regions above, read once per build (or per process of
    a build)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, str | None]] | None = None

    def names(self, code: str | None) -> list[str]:
        if self._rows is None:
            self._rows = {
                c: (n, p) for c, n, p in Region.objects.values_list("code", "name", "parent_id")
            }
        names = []
        while code and code in self._rows and len(names) < 5:
            name, code = self._rows[code]
            names.append(name)
        return names


@dataclass
class _Resources:
    """The public resources of a batch of datasets: formats, whether one serves an API, and
    the fields and frequent values of their ingested tables."""

    formats: dict[uuid.UUID, list[str]]
    apis: set[uuid.UUID]
    tables: dict[uuid.UUID, list[dict[str, Any]]]

    @classmethod
    def of(cls, ids: list[uuid.UUID]) -> _Resources:
        rows = (
            public_resources()
            .filter(dataset_id__in=ids)
            .order_by("dataset_id", "position", "created_at")
            .values_list("dataset_id", "format", "kind", "current_version_id")
        )
        formats: dict[uuid.UUID, list[str]] = defaultdict(list)
        apis: set[uuid.UUID] = set()
        versions: dict[uuid.UUID, uuid.UUID] = {}
        for dataset_id, fmt, kind, version_id in rows:
            if fmt and fmt not in formats[dataset_id]:
                formats[dataset_id].append(fmt)
            if kind == Resource.Kind.API:
                apis.add(dataset_id)
            if version_id is not None:
                versions[version_id] = dataset_id
        return cls(formats, apis, _ready_tables(versions))

    def fill(self, document: DatasetDocument) -> None:
        tables = self.tables.get(document.id, [])
        document.formats = self.formats.get(document.id, [])
        document.machine_readable = bool(tables)
        document.has_api = document.machine_readable or document.id in self.apis
        for table in tables:
            document.fields += _table_fields(table["fields"])
            document.samples += _samples(table["fields"], table["profile"])
        document.fields = list(dict.fromkeys(document.fields))
        document.samples = list(dict.fromkeys(document.samples))


def _ready_tables(versions: dict[uuid.UUID, uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    """The ready tables of the published versions, by dataset (what dataset_data_facts calls
    machine readable)."""
    found: dict[uuid.UUID, list[dict]] = defaultdict(list)
    rows = DatastoreTable.objects.filter(
        version_id__in=list(versions), status=DatastoreTable.Status.READY
    ).values("version_id", "fields", "profile")
    for row in rows.order_by("version_id", "position"):
        found[versions[row["version_id"]]].append(row)
    return found


def _table_fields(fields: list[dict[str, Any]]) -> list[str]:
    """A table's column labels, headers as uploaded and descriptions."""
    found = []
    for column in fields or []:
        found += [str(column.get(k) or "").strip() for k in ("label", "source", "description")]
    return [text for text in found if text]


def _samples(fields: list[dict[str, Any]], profile: dict[str, Any]) -> list[str]:
    """The frequent values of a table's text columns (the profile keeps them only for columns
    whose values repeat: categories such as 区县 or 类别, not names or identifiers)."""
    columns = (profile or {}).get("columns") or {}
    found: list[str] = []
    texts = [c.get("id") for c in fields or [] if c.get("type") == "text"][:SAMPLE_COLUMNS]
    for column in texts:
        top = (columns.get(column) or {}).get("top") or []
        values = (str(pair[0]).strip() for pair in top[:SAMPLE_VALUES] if pair and pair[0])
        found += [v for v in values if v and len(v) <= SAMPLE_MAX_CHARS]
    return found
