"""The CKAN API over real HTTP (pytest-django's live server, on a transactional database): a
publisher's script creates a dataset, uploads a CSV with resource_create, the ingest runs when
the upload commits, the script submits the dataset, a reviewer approves it, and an anonymous
client finds it by an incremental package_search and reads its rows with datastore_search and
datastore_search_sql — the path a CKAN tool takes against the platform."""

from __future__ import annotations

import datetime as dt

import pytest
from ckanapi import RemoteCKAN
from ckanapi.errors import NotFound
from django.utils import timezone

from kaifang.accounts.services import create_token
from kaifang.catalog import services
from kaifang.catalog.models import Dataset
from kaifang.core.audit import Actor
from kaifang.interop.tests.test_ckan_writes import CSV, complete_package


@pytest.fixture
def no_platform_review(settings):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": False}


@pytest.fixture
def clients():
    """RemoteCKAN clients, closed after the test: a kept-alive connection would hold a server
    thread past the live server's end."""
    made = []

    def make(*args, **kwargs) -> RemoteCKAN:
        made.append(RemoteCKAN(*args, **kwargs))
        return made[-1]

    yield make
    for client in made:
        client.close()


def test_upload_ingest_review_then_harvest_and_read_rows(
    live_server, clients, publisher, reviewer, department, tmp_path, no_platform_review
):
    since = (timezone.now() - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    script = clients(live_server.url, apikey=create_token(publisher, name="同步脚本")[1])
    visitor = clients(live_server.url)
    csv_file = tmp_path / "公交站点.csv"
    csv_file.write_text(CSV, encoding="utf-8")

    package = script.action.package_create(**complete_package())
    with csv_file.open("rb") as upload:
        resource = script.action.resource_create(
            package_id=package["id"], name="站点表", upload=upload
        )
    with pytest.raises(NotFound):  # a draft is nobody else's business
        visitor.action.package_show(id=package["name"])
    script.action.package_patch(id=package["id"], state="active")
    services.approve(Actor.for_user(reviewer), Dataset.objects.get(pk=package["id"]))

    found = visitor.action.package_search(
        q="公交", fq=f"metadata_modified:[{since} TO *] organization:jiaotong"
    )
    rows = visitor.action.datastore_search(
        resource_id=resource["id"], filters={"站点名称": "武林广场"}
    )
    sql = f'SELECT count(*) AS n FROM "{resource["id"]}"'  # noqa: S608
    counted = visitor.action.datastore_search_sql(sql=sql)

    assert [p["name"] for p in found["results"]] == [package["name"]]
    assert found["results"][0]["resources"][0]["datastore_active"] is True
    assert rows["total"] == 1
    assert rows["records"] == [
        {"_id": 1, "站点名称": "武林广场", "经度": 120.1645, "纬度": 30.2741}
    ]
    assert [f["id"] for f in rows["fields"]] == ["_id", "站点名称", "经度", "纬度"]
    assert counted["records"] == [{"n": 2}]


def test_the_unversioned_and_versioned_paths_serve_the_same_actions(
    live_server, clients, department
):
    import requests

    versioned = requests.get(f"{live_server.url}/api/3/action/group_list", timeout=10).json()
    unversioned = clients(live_server.url).action.group_list()

    assert versioned["success"] is True and versioned["result"] == unversioned
