"""Writing a page of new records together (harvest.bulk): the same outcome as one record at a
time — names unique, identifiers deduplicated, audit entries and search log rows per dataset —
in a number of queries that does not grow with the records, and the fall-back to one record at
a time when the database refuses the page."""

from __future__ import annotations

from kaifang.catalog.models import Dataset, DatasetNameRedirect, Resource, State
from kaifang.catalog.tests.factories import make_dataset, make_link_resource
from kaifang.core import names
from kaifang.core.models import AuditEntry
from kaifang.harvest import bulk
from kaifang.harvest.models import HarvestedRecord
from kaifang.harvest.tests.conftest import make_source, package
from kaifang.harvest.tests.test_harvest import counts, harvest
from kaifang.search.models import SearchChange


def test_a_first_run_and_a_rerun_cost_queries_per_page_not_per_record(
    ckan_server, department, django_assert_max_num_queries
):
    source = make_source(ckan_server.url, department)

    # 30 records over two pages; written one at a time they took about nine queries each
    with django_assert_max_num_queries(60):
        first = harvest(source)
    with django_assert_max_num_queries(12):
        again = harvest(source)

    assert counts(first) == (30, 0, 0, 0, 0)
    assert counts(again) == (0, 0, 30, 0, 0)


def test_each_new_dataset_gets_its_audit_entry_search_row_tags_and_provenance(
    ckan_server, department
):
    source = make_source(ckan_server.url, department, trusted=False)

    harvest(source)

    datasets = Dataset.objects.filter(harvest_record__source=source)
    ids = {str(pk) for pk in datasets.values_list("pk", flat=True)}
    assert len(ids) == 30
    assert set(datasets.values_list("state", flat=True)) == {State.IN_REVIEW}
    entries = AuditEntry.objects.filter(action="dataset.harvest_create")
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(ids)
    entry = entries.get(target_id=str(datasets.get(identifier="330000000003/000003").pk))
    assert entry.detail == {
        "state": State.IN_REVIEW,
        "remote_id": "remote-0003",
        "original_url": f"{ckan_server.url}/dataset/remote-dataset-3",
    }
    assert entry.target_label == "远端数据集3"
    changed = SearchChange.objects.filter(reason="harvest").values_list("dataset_id", flat=True)
    assert {str(pk) for pk in changed} == ids
    seven = datasets.get(identifier="330000000007/000007")
    assert sorted(seven.tags.values_list("name", flat=True)) == ["公交", "标签7"]
    assert seven.harvest_record.content_hash
    assert HarvestedRecord.objects.filter(source=source).count() == 30


def test_names_taken_here_or_within_the_page_are_never_given_twice(ckan_server, department):
    for pkg in ckan_server.handler.packages:
        pkg["resources"][0]["name"] = "数据"  # every resource the same title
    other = make_dataset(department, name="330000000001-000001", identifier="110000000001/000001")
    DatasetNameRedirect.objects.create(old_name="330000000002-000002", dataset=other)
    make_link_resource(other, name="shu-ju")
    make_link_resource(other, name="shu-ju-3")
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (30, 0, 0, 0, 0), job.report["failures"]
    by_remote = dict(
        Dataset.objects.filter(harvest_record__source=source).values_list(
            "harvest_record__remote_id", "name"
        )
    )
    assert by_remote["remote-0001"] == "330000000001-000001-2"
    assert by_remote["remote-0002"] == "330000000002-000002-2"
    assert by_remote["remote-0003"] == "330000000003-000003"
    harvested = Resource.objects.filter(dataset__harvest_record__source=source)
    given = list(harvested.values_list("name", flat=True))
    assert len(given) == len(set(given)) == 30
    assert "shu-ju" not in given and "shu-ju-3" not in given
    assert "shu-ju-2" in given and "shu-ju-31" in given
    assert all(names.is_valid_name(name) for name in given)


def test_an_identifier_used_by_a_dataset_made_here_fails_only_that_record(ckan_server, department):
    make_dataset(department, name="made-here", identifier="330000000005/000005")
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (29, 0, 0, 0, 1)
    [failure] = job.report["failures"]
    assert failure["id"] == "remote-0005"
    assert "已被其他数据集使用" in failure["reason"]
    assert Dataset.objects.get(identifier="330000000005/000005").name == "made-here"


def test_an_unknown_department_or_region_fails_only_its_record(ckan_server, department):
    packages = ckan_server.handler.packages
    packages[1]["extras"].append({"key": "region", "value": "999999"})
    packages[2]["organization"] = {"name": "elsewhere"}
    mapping = {"transport-bureau": department.name, "elsewhere": "no-such-dept"}
    source = make_source(ckan_server.url, None, department_map=mapping)

    job = harvest(source)

    assert counts(job) == (28, 0, 0, 0, 2)
    reasons = {f["id"]: f["reason"] for f in job.report["failures"]}
    assert "“999999”不存在" in reasons["remote-0002"]
    assert "“no-such-dept”不存在" in reasons["remote-0003"]
    region = Dataset.objects.get(identifier="330000000001/000001").region
    assert region == department.region


def test_a_page_the_database_refuses_is_written_one_record_at_a_time(
    ckan_server, department, monkeypatch
):
    # another process took a name after the page was checked: the page's insert fails
    make_dataset(department, name="330000000004-000004", identifier="110000000004/000004")
    blind = bulk.NameBook(lambda wanted: set(), lambda stem: set(), fallback="dataset")
    monkeypatch.setattr(bulk, "dataset_names", lambda: blind)
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (30, 0, 0, 0, 0), job.report["failures"]
    four = Dataset.objects.get(identifier="330000000004/000004")
    assert four.name == "330000000004-000004-2"
    assert HarvestedRecord.objects.filter(source=source).count() == 30
    assert AuditEntry.objects.filter(action="dataset.harvest_create").count() == 30
    assert four.resources.count() == 1


def test_a_whole_catalog_in_one_page_is_written_in_batches(ckan_server, department, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 7)
    monkeypatch.setattr("kaifang.harvest.backends.ckan.CkanBackend.rows", 1000)
    written = []
    write_new = bulk.write_new
    monkeypatch.setattr(
        bulk, "write_new", lambda a, s, good: written.append(len(good)) or write_new(a, s, good)
    )
    ckan_server.handler.packages.append(package(31))
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (31, 0, 0, 0, 0)
    assert len(ckan_server.handler.calls) == 1
    assert written == [7, 7, 7, 7, 3]
