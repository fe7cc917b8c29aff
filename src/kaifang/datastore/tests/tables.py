"""Ready datastore tables for tests, made without the ingest pipeline: the rows are written to a
data file in the engine's format (through the write stage's own `write_file`) laid out as the
data-file contract says (`_row_id` first, then one typed column per field, under
`<DATASTORE_ROOT>/<resource>/<version>/<table><suffix>`) and a ready `DatastoreTable` points at
it.

Point settings.KAIFANG["DATASTORE_ROOT"] at a temporary folder first (the `datastore_root`
fixture of datastore/tests/conftest.py does), so no test writes into the real one."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from typing import Any

import duckdb
from django.core.files.base import ContentFile

from kaifang.catalog.models import Dataset, Resource, ResourceVersion
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest.write import write_file
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.relation import PARQUET

_seq = itertools.count(1)

SQL_TYPES = {
    "integer": "BIGINT",
    "decimal": "DECIMAL(38, 2)",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "text": "VARCHAR",
}


def field(id: str, type: str = "text", **kw: Any) -> dict[str, Any]:
    """A field entry as the ingest pipeline stores it."""
    return {
        "id": id,
        "type": type,
        "label": kw.get("label", id),
        "description": kw.get("description", ""),
        "unit": kw.get("unit", ""),
        "source": kw.get("source", id),
    }


def make_file_resource(dataset: Dataset, **kw: Any) -> Resource:
    """A file resource of `dataset` with one ready version holding a small CSV, made current."""
    n = next(_seq)
    defaults = {"name": f"table-resource-{n}-{uuid.uuid4().hex[:6]}", "title": f"数据表{n}"}
    defaults.update(kw)
    resource = Resource.objects.create(
        dataset=dataset, kind=Resource.Kind.FILE, format="CSV", **defaults
    )
    make_version(resource)
    return resource


def make_version(resource: Resource, content: bytes = b"a\n1\n") -> ResourceVersion:
    """A new ready version of `resource`, made its current one."""
    number = (resource.versions.count() or 0) + 1
    version = ResourceVersion(
        resource=resource,
        number=number,
        original_name="数据.csv",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        detected_format="CSV",
        media_type="text/csv",
        status=ResourceVersion.Status.READY,
    )
    version.file.save("data.csv", ContentFile(content), save=False)
    version.save()
    resource.current_version = version
    resource.save(update_fields=["current_version"])
    return version


def make_table(
    resource_or_dataset: Resource | Dataset,
    rows: list[dict[str, Any]],
    fields: list[dict[str, Any]],
    *,
    sheet: str = "",
    status: str = DatastoreTable.Status.READY,
) -> DatastoreTable:
    """A ready table of the resource's current version (a dataset gets a new file resource)
    holding `rows` (dicts keyed by field id; missing keys are null) with `fields` (as `field()`
    makes them, or with only "id" and "type")."""
    resource = resource_or_dataset
    if isinstance(resource, Dataset):
        resource = make_file_resource(resource)
    version = resource.current_version or make_version(resource)
    fields = [field(**{"type": "text", **f}) for f in fields]
    table = DatastoreTable(
        version=version,
        resource=resource,
        sheet=sheet,
        position=version.datastore_tables.count(),
        status=status,
        fields=fields,
        row_count=len(rows),
        rows_done=len(rows),
        rows_total=len(rows),
    )
    engine = get_engine()
    table.data_path = f"{resource.pk}/{version.pk}/{table.pk}{engine.suffix}"
    write_data_file(engine.data_file(table), rows, fields, engine.file_format)
    table.save()
    return table


def write_data_file(
    path, rows: list[dict[str, Any]], fields: list[dict[str, Any]], fmt: str = PARQUET
) -> None:
    """Write `rows` with `_row_id` and one typed column per field in format `fmt`, through
    DuckDB so the file is exactly what DuckDB reads back. Values are bound; staging columns are
    typed like the targets, so DuckDB converts Python values (str dates, Decimal, bool)
    itself."""
    path.parent.mkdir(parents=True, exist_ok=True)
    typed = ", ".join(f"{_quote(f['id'])} {SQL_TYPES[f['type']]}" for f in fields)
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE staging (_row_id BIGINT{', ' if typed else ''}{typed})")
        if rows:
            marks = ", ".join(["?"] * (len(fields) + 1))
            con.executemany(
                f"INSERT INTO staging VALUES ({marks})",  # noqa: S608
                [[n] + [row.get(f["id"]) for f in fields] for n, row in enumerate(rows)],
            )
        write_file(con, "SELECT * FROM staging ORDER BY _row_id", path, fmt)
    finally:
        con.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
