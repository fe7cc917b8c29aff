"""The acceptance of the catalog spreadsheet: the demo catalog exported, imported into an empty
catalog (the same departments and regions, no datasets), comes back the same, field by field."""

from __future__ import annotations

from typing import Any

import python_calamine

from kaifang.accounts.models import User
from kaifang.catalog.models import Dataset, Resource, State
from kaifang.catalog.services import dataset_values
from kaifang.core.audit import Actor
from kaifang.interop.catalog_xlsx.columns import DATASET, catalog_columns
from kaifang.interop.catalog_xlsx.export import write_csv, write_xlsx
from kaifang.interop.catalog_xlsx.rows import resource_values
from kaifang.interop.catalog_xlsx.selectors import public_catalog
from kaifang.interop.catalog_xlsx.services import CREATE, import_catalog
from kaifang.interop.links import Links

LINKS = Links("https://data.example.gov.cn")
EMPTY = (None, "", [], False)


def _snapshot(datasets) -> dict[str, dict[str, Any]]:
    """Per dataset (by code): every imported column's value, and its resource entries."""
    keys = [c.key for c in catalog_columns() if c.scope == DATASET and c.imported]
    found = {}
    for dataset in datasets:
        current = dataset_values(dataset)
        resources = dataset.resources.filter(pending_revision__isnull=True)
        found[dataset.identifier] = {
            "values": {k: _plain(current[k]) for k in keys},
            "resources": [_resource(r) for r in resources.order_by("position", "created_at")],
        }
    return found


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value.pk)
    return value


def _resource(resource: Resource) -> dict[str, Any]:
    values = resource_values(resource, LINKS.download)
    values.setdefault("api_parameters", "")
    values.setdefault("api_sample", "")
    if values["kind"] == Resource.Kind.FILE:  # files are not in the spreadsheet: a link to them
        values["kind"] = Resource.Kind.LINK
    return values


def _empty_catalog() -> None:
    for dataset in Dataset.objects.all():
        dataset.delete()


def test_the_demo_catalog_exported_re_imports_into_an_empty_catalog_unchanged(
    demo_catalog, tmp_path
):
    exported = public_catalog()
    expected = _snapshot(exported)
    target = tmp_path / "catalog.xlsx"
    filled = {k for s in expected.values() for k, v in s["values"].items() if v not in EMPTY}
    assert set(next(iter(expected.values()))["values"]) - filled == {"related_codes"}

    rows = write_xlsx(exported, target, LINKS.download)
    _empty_catalog()
    report = import_catalog(Actor.for_user(User.objects.get(username="admin")), target)

    assert report.messages() == []
    assert report.applied and report.rows == rows
    assert report.count(CREATE) == len(expected) > 20
    imported = Dataset.objects.all()
    assert {d.state for d in imported} == {State.DRAFT}
    assert _snapshot(imported) == expected


def test_the_export_has_the_catalog_sheet_and_the_notes_sheet(demo_catalog, tmp_path):
    target = tmp_path / "catalog.xlsx"

    rows = write_xlsx(public_catalog(), target, LINKS.download)

    book = python_calamine.CalamineWorkbook.from_path(str(target))
    assert book.sheet_names == ["目录", "说明"]
    catalog = book.get_sheet_by_name("目录").to_python()
    headers = [c.header for c in catalog_columns()]
    assert catalog[0] == headers
    assert len(catalog) == rows + 1
    notes = book.get_sheet_by_name("说明").to_python()
    assert [row[0] for row in notes[1:]] == headers
    update = next(row for row in notes if row[0] == "更新周期")
    assert update[1] == "更新周期" and "每月" in update[4]


def test_the_csv_export_re_imports_too(demo_catalog, tmp_path):
    exported = public_catalog()
    expected = _snapshot(exported)
    target = tmp_path / "catalog.csv"

    write_csv(exported, target, LINKS.download)
    _empty_catalog()
    report = import_catalog(Actor.for_user(User.objects.get(username="admin")), target, fmt="CSV")

    assert report.messages() == []
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert _snapshot(Dataset.objects.all()) == expected
