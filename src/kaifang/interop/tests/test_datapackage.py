"""`/dataset/<name>/datapackage.json`: Frictionless Data Packages whose tabular resources carry
the Table Schema of the datastore's tables, checked with `frictionless validate` against a
running server (so the CSV exports themselves are read and checked against the schema)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest

from kaifang.catalog.models import AccessGrant, Resource, State
from kaifang.catalog.tests import factories
from kaifang.datastore import exporters
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.tests import tables
from kaifang.interop.tests.factories import FIELDS, ROWS, rich_dataset

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def _package(client, name: str) -> dict:
    response = client.get(f"/dataset/{name}/datapackage.json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def _tabular_dataset(department, **kw):
    """A dataset with a ready table whose CSV export is made, and a PDF beside it."""
    dataset = factories.make_dataset(department, **kw)
    table = tables.make_table(dataset, ROWS, FIELDS)
    exporters.export_table(table, "csv")
    report = Resource.objects.create(
        dataset=dataset, name=f"{dataset.name}-report", title="年度报告", kind="file", format="PDF"
    )
    tables.make_version(report, content=b"%PDF-1.4 report")
    return dataset


@pytest.mark.django_db(transaction=True)
def test_frictionless_validate_accepts_the_package_and_its_data(live_server, department):
    # given a dataset whose table export is made, served by a running server
    dataset = _tabular_dataset(department, title="地铁站点客流")
    url = f"{live_server.url}/dataset/{dataset.name}/datapackage.json"
    # when the frictionless command line validates it (reading every file it names)
    run = subprocess.run(  # noqa: S603 - our own venv's tool on our own URL
        [str(FRICTIONLESS), "validate", "--json", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then the descriptor, the CSV and the PDF are all valid
    report = json.loads(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:]
    assert report["valid"] is True
    assert {task["name"] for task in report["tasks"]} == {
        dataset.resources.get(format="CSV").name,
        f"{dataset.name}-report",
    }


def test_a_schema_that_does_not_fit_the_data_is_caught(client, department, tmp_path):
    # given the real package with its export saved beside it, when a field's type is wrong
    dataset = _tabular_dataset(department, title="地铁站点客流")
    package = _package(client, dataset.name)
    resource = package["resources"][0]
    (tmp_path / "data.csv").write_bytes(
        b"".join(client.get(resource["path"].removeprefix("http://testserver")).streaming_content)
    )
    resource["path"] = "data.csv"
    resource["schema"]["fields"][0]["type"] = "integer"  # station names are text
    package["resources"] = [resource]
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False))

    report = frictionless.validate(str(tmp_path / "datapackage.json"))

    assert not report.valid
    assert {row[0] for row in report.flatten(["type"])} == {"type-error"}


def test_table_schemas_come_from_the_datastore_fields(client, department):
    dataset = rich_dataset(department, title="地铁客流")
    table = DatastoreTable.objects.get(resource__dataset=dataset)

    package = _package(client, dataset.name)

    tabular, link = package["resources"]
    assert package["name"] == dataset.name
    assert package["licenses"] == [
        {
            "path": "http://testserver/codelists/licence#kaifang-open-1.0",
            "title": "政府开放数据使用协议",
        }
    ]
    assert tabular["path"] == f"http://testserver/resources/{table.resource_id}/export.csv"
    assert tabular["schema"]["fields"] == [
        {"name": "station", "type": "string", "title": "站点名称"},
        {"name": "line", "type": "integer", "title": "线路"},
        {"name": "opened", "type": "date", "title": "开通日期"},
        {"name": "flow", "type": "number", "title": "日均客流", "description": "单位：人次"},
    ]
    assert link["path"] == "https://example.org/%E7%BA%BF%E8%B7%AF%20%E5%9B%BE"
    assert frictionless.Package.validate_descriptor(package).valid


def test_every_sheet_of_a_workbook_is_a_resource(client, department):
    dataset = factories.make_dataset(department, title="分表数据")
    first = tables.make_table(dataset, ROWS, FIELDS, sheet="一月")
    tables.make_table(first.resource, ROWS, FIELDS, sheet="二月")

    resources = _package(client, dataset.name)["resources"]

    assert [r["name"] for r in resources] == [
        f"{first.resource.name}-1",
        f"{first.resource.name}-2",
    ]
    assert resources[1]["path"].endswith("/export.csv?sheet=%E4%BA%8C%E6%9C%88")


def test_a_conditional_package_needs_an_application(client, department, citizen):
    dataset = _tabular_dataset(department, title="公交刷卡明细", open_type="conditional")
    url = f"/dataset/{dataset.name}/datapackage.json"

    refused = client.get(url)
    client.force_login(citizen)
    AccessGrant.objects.create(dataset=dataset, user=citizen, purpose="研究")
    granted = client.get(url)

    assert refused.status_code == 403 and "需申请" in refused.content.decode()
    assert granted.status_code == 200


def test_a_dataset_without_files_has_no_package(client, department):
    dataset = factories.make_dataset(department, title="只有接口")
    factories.make_link_resource(dataset, kind=Resource.Kind.API, format="API")

    response = client.get(f"/dataset/{dataset.name}/datapackage.json")

    assert response.status_code == 404 and "没有可下载的文件" in response.content.decode()


@pytest.mark.parametrize(
    "kind", [State.DRAFT, State.IN_REVIEW, State.WITHDRAWN, State.TAKEN_DOWN, "private", "closed"]
)
def test_hidden_datasets_have_no_package(client, datasets_in_every_state, kind):
    dataset = datasets_in_every_state[kind]
    factories.make_link_resource(dataset)

    assert client.get(f"/dataset/{dataset.name}/datapackage.json").status_code == 404


def test_every_package_of_the_demo_catalog_is_valid(client, demo_catalog):
    from kaifang.interop.selectors import public_datasets

    checked = 0
    for dataset in public_datasets().filter(open_type="open"):
        response = client.get(f"/dataset/{dataset.name}/datapackage.json")
        if response.status_code == 404:  # only API endpoints: nothing to package
            assert not dataset.resources.filter(kind__in=["file", "link"]).exists()
            continue
        report = frictionless.Package.validate_descriptor(response.json())
        assert report.valid, (dataset.name, [e.message for e in report.errors][:3])
        checked += 1

    assert checked > 15
