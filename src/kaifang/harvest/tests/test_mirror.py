"""Mirror sources against the recorded CKAN server: remote files become versions of local file
resources through the upload storage and the ingest pipeline; a file is fetched again only when
the remote says it changed (or, when the remote says nothing, stored again only when its content
changed); a file that cannot be fetched fails its record and the local version stays served;
web pages and APIs stay links; an untrusted source's new files wait for review."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from kaifang.catalog import services as catalog_services
from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ResourceVersion, State
from kaifang.core.audit import Actor
from kaifang.datastore.models import DatastoreTable
from kaifang.harvest.models import HarvestJob, MirroredFile
from kaifang.harvest.services import run_harvest
from kaifang.harvest.tests.conftest import make_source, package

SYSTEM = Actor.system("test")
STOPS = "站点名称,经度,纬度\n武林广场,120.1651,30.2741\n西湖文化广场,120.1690,30.2800\n".encode()
MORE_STOPS = STOPS + "黄龙体育中心,120.1300,30.2700\n".encode()


def stored_file(server, n: int, name: str, *, hash: str = "sha256:a", size: int | None = 1):
    """A remote resource the remote stores itself (`url_type` upload), served at /files/name."""
    resource = {
        "id": f"res-{n}",
        "name": f"数据文件{n}",
        "url": f"{server.url}/files/{name}",
        "format": "CSV",
        "url_type": "upload",
        "resource_type": "file",
        "last_modified": "2026-03-01T08:00:00",
    }
    if hash:
        resource["hash"] = hash
    if size is not None:
        resource["size"] = size
    return resource


@pytest.fixture
def remote(ckan_server):
    """Three remote packages, each with one stored CSV file."""
    handler = ckan_server.handler
    handler.packages = [
        package(n, resources=[stored_file(ckan_server, n, f"{n}.csv", hash=f"sha256:{n}")])
        for n in range(1, 4)
    ]
    handler.files = {f"{n}.csv": STOPS for n in range(1, 4)}
    return ckan_server


def harvest(source, capture, *, full=True) -> HarvestJob:
    with capture(execute=True):  # the ingests queued after each record's commit run
        job = run_harvest(SYSTEM, source, full=full)
    source.refresh_from_db()
    return job


def counts(job: HarvestJob) -> tuple[int, int, int, int, int]:
    return (job.added, job.updated, job.unchanged, job.withdrawn, job.failed)


def file_calls(server) -> list[str]:
    return [c for c in server.handler.calls if c.startswith("/files/")]


def file_of(n: int) -> Resource:
    dataset = Dataset.objects.get(identifier=f"330000000{n:03d}/{n:06d}")
    return dataset.resources.get(kind=Resource.Kind.FILE)


def rows_of(resource: Resource) -> int:
    resource.refresh_from_db()
    table = DatastoreTable.objects.get(version=resource.current_version)
    assert table.status == DatastoreTable.Status.READY
    return table.row_count


def test_a_mirror_source_stores_each_remote_file_as_an_ingested_version(
    remote, department, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror")

    job = harvest(source, django_capture_on_commit_callbacks)

    assert job.status == HarvestJob.Status.DONE
    assert counts(job) == (3, 0, 0, 0, 0)
    assert sorted(file_calls(remote)) == ["/files/1.csv", "/files/2.csv", "/files/3.csv"]
    resource = file_of(2)
    version = resource.current_version
    assert (resource.title, resource.format, resource.url) == ("数据文件2", "CSV", "")
    assert (version.number, version.status, version.size) == (1, "ready", len(STOPS))
    assert version.original_name == "2.csv"
    assert default_storage.open(version.file.name).read() == STOPS
    assert rows_of(resource) == 2
    mirrored = MirroredFile.objects.get(resource=resource)
    assert (mirrored.remote_key, mirrored.url) == ("res-2", f"{remote.url}/files/2.csv")
    assert mirrored.signature == {
        "hash": "sha256:2",
        "size": 1,
        "modified": "2026-03-01T08:00:00",
    }
    assert mirrored.sha256 == version.sha256
    assert set(job.report["timings"]) == {"fetch", "files", "write", "total"}


def test_a_rerun_with_nothing_changed_fetches_no_file_and_makes_no_version(
    remote, department, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror")
    harvest(source, django_capture_on_commit_callbacks)
    remote.handler.calls.clear()

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 0, 3, 0, 0)
    assert file_calls(remote) == []
    assert ResourceVersion.objects.count() == 3


def test_a_file_the_remote_says_changed_becomes_the_next_version(
    remote, department, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror")
    harvest(source, django_capture_on_commit_callbacks)
    remote.handler.calls.clear()
    first = file_of(1).current_version
    remote.handler.packages[0]["resources"] = [
        stored_file(remote, 1, "1.csv", hash="sha256:new", size=len(MORE_STOPS))
    ]
    remote.handler.files["1.csv"] = MORE_STOPS

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 1, 2, 0, 0)
    assert file_calls(remote) == ["/files/1.csv"]
    resource = file_of(1)
    assert resource.current_version.number == 2
    assert rows_of(resource) == 3
    assert ResourceVersion.objects.filter(pk=first.pk).exists()  # history kept


def test_without_a_remote_hash_the_content_decides(
    remote, department, django_capture_on_commit_callbacks
):
    remote.handler.packages = [
        package(1, resources=[stored_file(remote, 1, "1.csv", hash="", size=None)])
    ]
    remote.handler.packages[0]["resources"][0].pop("last_modified")
    source = make_source(remote.url, department, mode="mirror")
    harvest(source, django_capture_on_commit_callbacks)

    same = harvest(source, django_capture_on_commit_callbacks)
    remote.handler.files["1.csv"] = MORE_STOPS
    changed = harvest(source, django_capture_on_commit_callbacks)

    assert counts(same) == (0, 0, 1, 0, 0)
    assert counts(changed) == (0, 1, 0, 0, 0)
    assert file_calls(remote) == ["/files/1.csv"] * 3
    resource = file_of(1)
    assert sorted(resource.versions.values_list("number", flat=True)) == [1, 2]
    assert rows_of(resource) == 3


def test_a_missing_file_fails_its_record_and_the_old_version_stays_served(
    remote, department, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror")
    harvest(source, django_capture_on_commit_callbacks)
    remote.handler.packages[1]["title"] = "改名后的数据集2"
    remote.handler.packages[1]["resources"] = [stored_file(remote, 2, "2.csv", hash="sha256:x")]
    del remote.handler.files["2.csv"]

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 0, 2, 0, 1)
    [failure] = job.report["failures"]
    assert failure["id"] == "remote-0002"
    assert failure["reason"].startswith("资源“数据文件2”的文件获取失败，本地仍保留原有版本：")
    assert "HTTP 404" in failure["reason"]
    resource = file_of(2)
    assert resource.dataset.title == "远端数据集2"  # nothing of the record was written
    assert resource.current_version.number == 1 and rows_of(resource) == 2
    assert source.last_success_at is not None and job.status == HarvestJob.Status.DONE


def test_a_file_past_the_size_limit_fails_and_nothing_is_stored(
    remote, department, settings, django_capture_on_commit_callbacks
):
    settings.KAIFANG = {**settings.KAIFANG, "HTTP_MAX_BYTES": 64 * 1024}  # pages fit, not files
    remote.handler.files = {f"{n}.csv": STOPS * 2000 for n in range(1, 4)}
    source = make_source(remote.url, department, mode="mirror")

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 0, 0, 0, 3)
    assert all("超过 65536 字节上限" in f["reason"] for f in job.report["failures"])
    assert Dataset.objects.count() == 0
    assert ResourceVersion.objects.count() == 0


def test_a_file_on_a_host_not_allowed_is_refused(
    remote, department, django_capture_on_commit_callbacks
):
    remote.handler.packages[0]["resources"][0]["url"] = "http://10.1.2.3/files/1.csv"
    source = make_source(remote.url, department, mode="mirror")

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (2, 0, 0, 0, 1)
    [failure] = job.report["failures"]
    assert "不允许访问“10.1.2.3”" in failure["reason"]
    assert not Dataset.objects.filter(identifier="330000000001/000001").exists()


def test_web_pages_and_apis_stay_links(remote, department, django_capture_on_commit_callbacks):
    page = {"id": "p", "name": "说明页", "url": "https://remote.example.org/about", "format": ""}
    api = {
        "id": "a",
        "name": "查询接口",
        "url": "https://remote.example.org/api/stops",
        "format": "JSON",
        "resource_type": "api",
    }
    remote.handler.packages[0]["resources"].extend([page, api])
    source = make_source(remote.url, department, mode="mirror")

    harvest(source, django_capture_on_commit_callbacks)

    dataset = Dataset.objects.get(identifier="330000000001/000001")
    kinds = {r.title: (r.kind, r.url) for r in dataset.resources.all()}
    assert kinds == {
        "数据文件1": (Resource.Kind.FILE, ""),
        "说明页": (Resource.Kind.LINK, "https://remote.example.org/about"),
        "查询接口": (Resource.Kind.API, "https://remote.example.org/api/stops"),
    }
    assert file_calls(remote) == ["/files/1.csv", "/files/2.csv", "/files/3.csv"]


def test_a_file_the_remote_drops_is_removed_here(
    remote, department, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror")
    harvest(source, django_capture_on_commit_callbacks)
    remote.handler.packages[2]["resources"] = []

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 1, 2, 0, 0)
    dataset = Dataset.objects.get(identifier="330000000003/000003")
    assert not dataset.resources.exists()
    assert MirroredFile.objects.count() == 2


def test_an_untrusted_sources_new_file_waits_for_the_revision(
    remote, department, reviewer, django_capture_on_commit_callbacks
):
    source = make_source(remote.url, department, mode="mirror", trusted=False)
    harvest(source, django_capture_on_commit_callbacks)
    dataset = Dataset.objects.get(identifier="330000000001/000001")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.approve(Actor.for_user(reviewer), dataset)
    remote.handler.packages[0]["resources"] = [
        stored_file(remote, 1, "1.csv", hash="sha256:new", size=len(MORE_STOPS))
    ]
    remote.handler.files["1.csv"] = MORE_STOPS

    job = harvest(source, django_capture_on_commit_callbacks)

    assert counts(job) == (0, 1, 2, 0, 0)
    resource = file_of(1)
    assert resource.current_version.number == 1 and rows_of(resource) == 2
    revision = DatasetRevision.objects.get(dataset=dataset)
    pending = resource.versions.get(number=2)
    assert (revision.status, pending.revision_id, pending.status) == (
        DatasetRevision.Status.IN_REVIEW,
        revision.pk,
        ResourceVersion.Status.READY,
    )

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.approve_revision(Actor.for_user(reviewer), revision)

    assert file_of(1).current_version.number == 2
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED
