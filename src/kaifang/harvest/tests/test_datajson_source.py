"""Harvesting a Project Open Data 1.1 catalog: another portal's data.json (values by POD's own
vocabularies, incremental runs by `modified`, a record that cannot be mapped failing alone, a
document that is no catalog refused), and our own /data.json, read from a live server,
recreating the datasets it describes."""

from __future__ import annotations

import json

import pytest

from kaifang.catalog.models import Dataset, Resource
from kaifang.core.audit import Actor
from kaifang.harvest.backends import get_backend
from kaifang.harvest.models import HarvestJob, HarvestSource
from kaifang.harvest.services import apply_record, run_harvest, source_actor
from kaifang.harvest.tests.test_dcat_source import comparable, counts, our_datasets

SYSTEM = Actor.system("test")
DEFAULTS = {
    "resource_class": "3",
    "open_method": ["download"],
    "share_type": "1",
    "format_class": "1",
}


def pod_dataset(n: int, **overrides) -> dict:
    found = {
        "@type": "dcat:Dataset",
        "identifier": f"330100000{n:03d}/{n:06d}",
        "title": f"城市数据集{n}",
        "description": f"城市数据集{n}的摘要。",
        "keyword": ["公交", f"线路{n}"],
        "modified": "2026-03-01T08:00:00+08:00",
        "publisher": {
            "@type": "org:Organization",
            "name": "杭州市交通运输局",
            "subOrganizationOf": {"@type": "org:Organization", "name": "杭州市人民政府"},
        },
        "contactPoint": {"@type": "vcard:Contact", "fn": "王工", "hasEmail": "mailto:w@example.cn"},
        "accessLevel": "public",
        "accrualPeriodicity": "R/P1M",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "theme": ["Transport"],
        "temporal": "2024-01-01/2025-12-31",
        "landingPage": f"https://city.example.org/page/{n}",
        "distribution": [
            {
                "@type": "dcat:Distribution",
                "title": f"线路表{n}",
                "downloadURL": f"https://city.example.org/files/{n}.csv",
                "mediaType": "text/csv",
            },
            {
                "@type": "dcat:Distribution",
                "title": "实时接口",
                "accessURL": f"https://city.example.org/api/{n}",
                "format": "API",
            },
        ],
    }
    found.update(overrides)
    return found


def serve(documents, datasets: list[dict]) -> str:
    catalog = {"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": datasets}
    return documents.put("/data.json", json.dumps(catalog, ensure_ascii=False), "application/json")


def pod_source(url: str, department, **kw) -> HarvestSource:
    fields = {
        "name": "city-pod",
        "title": "杭州市开放平台 data.json",
        "type": "datajson",
        "url": url,
        "trusted": True,
        "department_map": {"杭州市人民政府": department.name},
        "domain_map": {"Transport": "6"},
        "defaults": DEFAULTS,
    }
    fields.update(kw)
    return HarvestSource.objects.create(**fields)


def test_a_pod_catalog_becomes_datasets_by_pods_vocabularies(documents, department):
    source = pod_source(serve(documents, [pod_dataset(n) for n in (1, 2, 3)]), department)

    job = run_harvest(SYSTEM, source, full=True)

    assert job.status == HarvestJob.Status.DONE, job.report
    assert counts(job) == (3, 0, 0, 0, 0), job.report["failures"]
    one = Dataset.objects.get(identifier="330100000002/000002")
    assert (one.title, one.summary, one.department, one.domain) == (
        "城市数据集2",
        "城市数据集2的摘要。",
        department,
        "6",
    )
    assert (one.open_type, one.update_frequency) == ("open", "monthly")
    assert one.metadata["licence"] == "CC-BY-4.0"
    assert (one.metadata["contact_name"], one.metadata["contact_email"]) == ("王工", "w@example.cn")
    assert (one.metadata["temporal_start"], one.metadata["temporal_end"]) == (
        "2024-01-01",
        "2025-12-31",
    )
    assert sorted(one.tags.values_list("name", flat=True)) == ["公交", "线路2"]
    assert sorted(one.resources.values_list("kind", "url", "format")) == [
        (Resource.Kind.API, "https://city.example.org/api/2", "API"),
        (Resource.Kind.LINK, "https://city.example.org/files/2.csv", "CSV"),
    ]
    assert one.harvest_record.original_url == "https://city.example.org/page/2"


def test_an_incremental_run_takes_only_the_datasets_modified_since(documents, department):
    datasets = [pod_dataset(n) for n in (1, 2, 3)]
    source = pod_source(serve(documents, datasets), department)
    run_harvest(SYSTEM, source, full=True)
    source.refresh_from_db()
    datasets[0]["title"] = "城市数据集1（修订）"
    datasets[0]["modified"] = source.last_success_at.isoformat()
    datasets[1]["title"] = "改了标题却没改 modified"
    serve(documents, datasets)

    job = run_harvest(SYSTEM, source)

    assert counts(job) == (0, 1, 0, 0, 0)
    assert Dataset.objects.get(identifier="330100000001/000001").title == "城市数据集1（修订）"
    assert Dataset.objects.get(identifier="330100000002/000002").title == "城市数据集2"


def test_a_dataset_without_an_identifier_or_a_department_fails_alone(documents, department):
    stranger = pod_dataset(3, publisher={"name": "某区某局"})
    nameless = pod_dataset(4)
    del nameless["identifier"]
    source = pod_source(serve(documents, [pod_dataset(1), stranger, nameless]), department)

    job = run_harvest(SYSTEM, source, full=True)

    assert counts(job) == (1, 0, 0, 0, 2)
    reasons = {f["id"]: f["reason"] for f in job.report["failures"]}
    assert "部门对照表" in reasons["330100000003/000003"]
    assert "identifier" in reasons[""]


def test_a_document_without_a_dataset_array_fails_the_job(documents, department):
    url = documents.put("/data.json", json.dumps({"datasets": []}), "application/json")

    job = run_harvest(SYSTEM, pod_source(url, department), full=True)

    assert job.status == HarvestJob.Status.FAILED
    assert "dataset" in job.report["error"]


@pytest.mark.django_db(transaction=True)
def test_our_own_data_json_from_a_live_server_recreates_its_datasets(
    live_server, settings, department
):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1", "localhost")}
    # POD has no place for 信息项, so the datasets are of a format that needs none
    originals = our_datasets(department, format_class="1", fields=[])
    expected = {d.identifier: comparable(d) for d in originals}
    conditional = expected[originals[1].identifier]  # its links lead to where access is asked
    asked = f"{live_server.url}/datasets/{originals[1].name}/#terms-title"
    conditional["resources"] = sorted((t, k, asked, f) for t, k, _u, f in conditional["resources"])
    # POD has one `rights` for the conditions and the further terms
    conditional["open_condition"] += "；" + conditional.pop("usage_terms")
    for values in expected.values():
        del values["contact_phone"]  # POD's contact point has no telephone
    source = HarvestSource.objects.create(
        name="self-pod",
        title="本平台 data.json",
        type="datajson",
        url=f"{live_server.url}/data.json",
        trusted=True,
        department=department,
        defaults=DEFAULTS,  # what POD has no place for
    )
    records = list(get_backend("datajson")(source).records(None))
    Dataset.objects.filter(pk__in=[d.pk for d in originals]).delete()

    outcomes = [apply_record(source_actor(source), source, record) for record in records]

    assert outcomes == ["added"] * 3
    assert {d.identifier: comparable(d) for d in Dataset.objects.all()} == expected


STOPS = "站点名称,经度,纬度\n武林广场,120.1651,30.2741\n西湖文化广场,120.1690,30.2800\n".encode()


def mirrored_pod(documents, modified: str) -> dict:
    """A dataset whose first distribution is a download served here; its second an API."""
    dataset = pod_dataset(1, modified=modified)
    dataset["distribution"][0]["downloadURL"] = documents.url + "/files/1.csv"
    return dataset


def test_a_mirror_source_copies_the_downloads_and_keeps_the_apis_as_links(
    documents, department, django_capture_on_commit_callbacks
):
    documents.put("/files/1.csv", STOPS, "text/csv")
    url = serve(documents, [mirrored_pod(documents, "2026-03-01T08:00:00+08:00")])
    source = pod_source(url, department, mode=HarvestSource.Mode.MIRROR)

    with django_capture_on_commit_callbacks(execute=True):
        first = run_harvest(SYSTEM, source, full=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = run_harvest(SYSTEM, source, full=True)
    fetches = [c for c in documents.calls if c == "/files/1.csv"]

    assert counts(first) == (1, 0, 0, 0, 0), first.report["failures"]
    assert counts(again) == (0, 0, 1, 0, 0)
    assert len(fetches) == 1  # the dataset's `modified` did not change: not fetched again
    dataset = Dataset.objects.get(identifier="330100000001/000001")
    copy = dataset.resources.get(kind=Resource.Kind.FILE)
    assert copy.mirrored_file.url == documents.url + "/files/1.csv"
    assert copy.mirrored_file.signature == {"modified": "2026-03-01T08:00:00+08:00"}
    version = copy.versions.get()
    with version.file.open("rb") as handle:
        assert handle.read() == STOPS
    assert list(dataset.resources.exclude(pk=copy.pk).values_list("kind", "url")) == [
        (Resource.Kind.API, "https://city.example.org/api/1")
    ]


def test_a_changed_download_becomes_a_new_version_when_the_dataset_is_modified(
    documents, department, django_capture_on_commit_callbacks
):
    documents.put("/files/1.csv", STOPS, "text/csv")
    url = serve(documents, [mirrored_pod(documents, "2026-03-01T08:00:00+08:00")])
    source = pod_source(url, department, mode=HarvestSource.Mode.MIRROR)
    with django_capture_on_commit_callbacks(execute=True):
        run_harvest(SYSTEM, source, full=True)
    documents.put("/files/1.csv", STOPS + "黄龙体育中心,120.1300,30.2700\n".encode(), "text/csv")
    serve(documents, [mirrored_pod(documents, "2026-04-01T08:00:00+08:00")])

    with django_capture_on_commit_callbacks(execute=True):
        job = run_harvest(SYSTEM, source, full=True)

    assert counts(job) == (0, 1, 0, 0, 0), job.report["failures"]
    copy = Dataset.objects.get(identifier="330100000001/000001").resources.get(kind="file")
    assert list(copy.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_link_source_leaves_the_downloads_where_they_are(documents, department):
    url = serve(documents, [mirrored_pod(documents, "2026-03-01T08:00:00+08:00")])
    source = pod_source(url, department)

    run_harvest(SYSTEM, source, full=True)

    kinds = Resource.objects.values_list("kind", flat=True)
    assert sorted(kinds) == [Resource.Kind.API, Resource.Kind.LINK]
    assert "/files/1.csv" not in documents.calls
