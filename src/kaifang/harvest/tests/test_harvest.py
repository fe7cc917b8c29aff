"""Harvesting a CKAN catalog end to end against the recorded fixture server: 30 packages over
two pages; first run, a re-run with nothing changed, a change, a removal, a bad record."""

from __future__ import annotations

from kaifang.catalog import services as catalog_services
from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ReviewStage, State
from kaifang.core.audit import Actor
from kaifang.core.models import AuditEntry
from kaifang.harvest.models import HarvestedRecord, HarvestJob
from kaifang.harvest.services import run_harvest
from kaifang.harvest.tests.conftest import make_source, package, set_extra

SYSTEM = Actor.system("test")


def harvest(source, *, full=True) -> HarvestJob:
    job = run_harvest(SYSTEM, source, full=full)
    source.refresh_from_db()
    return job


def counts(job: HarvestJob) -> tuple[int, int, int, int, int]:
    return (job.added, job.updated, job.unchanged, job.withdrawn, job.failed)


def test_a_trusted_source_publishes_every_package_over_two_pages(ckan_server, department):
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert job.status == HarvestJob.Status.DONE
    assert counts(job) == (30, 0, 0, 0, 0)
    assert len(ckan_server.handler.calls) == 2
    assert "start=20" in ckan_server.handler.calls[1]
    datasets = Dataset.objects.filter(harvest_record__source=source)
    assert datasets.count() == 30
    assert set(datasets.values_list("state", flat=True)) == {State.PUBLISHED}
    one = Dataset.objects.get(identifier="330000000007/000007")
    assert one.title == "远端数据集7"
    assert one.summary == "远端数据集7的摘要。"
    assert one.department == department
    assert one.domain == "6"
    assert one.metadata["open_method"] == ["download"]
    assert sorted(one.tags.values_list("name", flat=True)) == ["公交", "标签7"]
    link = one.resources.get()
    assert (link.kind, link.url, link.format) == (
        Resource.Kind.LINK,
        "https://remote.example.org/files/7.csv",
        "CSV",
    )
    record = one.harvest_record
    assert record.remote_id == "remote-0007"
    assert record.original_url == f"{ckan_server.url}/dataset/remote-dataset-7"
    assert job.report["failures"] == []
    assert set(job.report["timings"]) == {"fetch", "files", "write", "total"}


def test_an_untrusted_source_sends_new_datasets_to_the_department_review(ckan_server, department):
    source = make_source(ckan_server.url, department, trusted=False)

    job = harvest(source)

    assert counts(job) == (30, 0, 0, 0, 0)
    states = set(Dataset.objects.values_list("state", "review_stage"))
    assert states == {(State.IN_REVIEW, ReviewStage.DEPARTMENT)}


def test_the_reviewer_publishes_a_harvested_dataset_as_any_other(ckan_server, department, reviewer):
    source = make_source(ckan_server.url, department, trusted=False)
    harvest(source)
    dataset = Dataset.objects.get(identifier="330000000001/000001")

    catalog_services.approve(Actor.for_user(reviewer), dataset)

    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED


def test_a_rerun_with_nothing_changed_writes_nothing(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    entries = AuditEntry.objects.count()
    stamps = dict(Dataset.objects.values_list("pk", "updated_at"))

    job = harvest(source)

    assert counts(job) == (0, 0, 30, 0, 0)
    assert AuditEntry.objects.count() == entries
    assert dict(Dataset.objects.values_list("pk", "updated_at")) == stamps


def test_an_incremental_run_asks_only_for_what_changed_since_the_last_run(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    ckan_server.handler.calls.clear()

    job = harvest(source, full=False)

    assert "fq=metadata_modified" in ckan_server.handler.calls[0]
    assert job.since is not None
    assert counts(job) == (0, 0, 0, 0, 0)


def test_a_changed_package_is_updated_in_place_by_a_trusted_source(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    changed = ckan_server.handler.packages[4]
    changed["title"] = "远端数据集5（修订）"
    changed["resources"].append(
        {"name": "接口", "url": "https://remote.example.org/api/5", "resource_type": "api"}
    )

    job = harvest(source)

    assert counts(job) == (0, 1, 29, 0, 0)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0005")
    assert dataset.title == "远端数据集5（修订）"
    assert dataset.state == State.PUBLISHED
    assert sorted(dataset.resources.values_list("kind", flat=True)) == ["api", "link"]
    entry = AuditEntry.objects.filter(action="dataset.harvest_update").get()
    assert entry.detail["fields"] == ["title"]


def test_a_change_from_an_untrusted_source_becomes_a_revision_in_review(ckan_server, department):
    source = make_source(ckan_server.url, department, trusted=False)
    harvest(source)
    Dataset.objects.update(state=State.PUBLISHED, review_stage="")  # reviewed and published
    ckan_server.handler.packages[4]["title"] = "远端数据集5（修订）"

    job = harvest(source)

    assert counts(job) == (0, 1, 29, 0, 0)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0005")
    assert dataset.title == "远端数据集5"  # the public values wait for the review
    revision = dataset.revisions.get()
    assert revision.status == DatasetRevision.Status.IN_REVIEW
    assert revision.review_stage == ReviewStage.DEPARTMENT
    assert revision.data["title"] == "远端数据集5（修订）"


def test_a_newer_change_replaces_the_sources_waiting_proposal(ckan_server, department):
    source = make_source(ckan_server.url, department, trusted=False)
    harvest(source)
    Dataset.objects.update(state=State.PUBLISHED, review_stage="")
    ckan_server.handler.packages[4]["title"] = "第一次修订"
    harvest(source)
    ckan_server.handler.packages[4]["title"] = "第二次修订"

    harvest(source)

    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0005")
    assert dataset.revisions.get().data["title"] == "第二次修订"


def test_a_persons_revision_in_progress_is_never_overwritten(ckan_server, department, publisher):
    source = make_source(ckan_server.url, department, trusted=False)
    harvest(source)
    Dataset.objects.update(state=State.PUBLISHED, review_stage="")
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0005")
    catalog_services.update_dataset(Actor.for_user(publisher), dataset, {"summary": "人工修改"})
    ckan_server.handler.packages[4]["title"] = "远端修订"

    job = harvest(source)

    assert job.failed == 1
    assert "人工修订" in job.report["failures"][0]["reason"]
    assert dataset.revisions.get().data["summary"] == "人工修改"


def test_a_package_gone_from_the_source_is_withdrawn_by_a_full_run(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    ckan_server.handler.packages.pop(9)

    job = harvest(source)

    assert counts(job) == (0, 0, 29, 1, 0)
    gone = Dataset.objects.get(harvest_record__remote_id="remote-0010")
    assert gone.state == State.WITHDRAWN
    assert gone.harvest_record.withdrawn_by_source
    assert harvest(source).withdrawn == 0


def test_an_incremental_run_withdraws_what_the_remotes_id_list_lacks(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    ckan_server.handler.packages.pop(9)
    ckan_server.handler.calls.clear()

    job = harvest(source, full=False)

    assert counts(job) == (0, 0, 0, 1, 0)
    assert "fq=metadata_modified" in ckan_server.handler.calls[0]
    assert "fl=id" in ckan_server.handler.calls[1]
    gone = Dataset.objects.get(harvest_record__remote_id="remote-0010")
    assert gone.state == State.WITHDRAWN
    assert harvest(source, full=False).withdrawn == 0


def test_a_package_deleted_at_the_source_is_withdrawn_and_comes_back_when_restored(
    ckan_server, department
):
    source = make_source(ckan_server.url, department)
    harvest(source)
    ckan_server.handler.packages[2]["state"] = "deleted"

    job = harvest(source)

    assert counts(job) == (0, 0, 29, 1, 0)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0003")
    assert dataset.state == State.WITHDRAWN

    ckan_server.handler.packages[2]["state"] = "active"
    again = harvest(source)

    assert counts(again) == (0, 1, 29, 0, 0)
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED


def test_a_dataset_withdrawn_here_is_not_put_back_by_the_source(ckan_server, department, publisher):
    source = make_source(ckan_server.url, department)
    harvest(source)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0003")
    catalog_services.withdraw(Actor.for_user(publisher), dataset, "数据有误")
    ckan_server.handler.packages[2]["title"] = "远端改了标题"

    job = harvest(source)

    assert job.failed == 1
    assert "不会让它重新上线" in job.report["failures"][0]["reason"]
    dataset.refresh_from_db()
    assert dataset.state == State.WITHDRAWN


def test_bad_records_are_reported_and_the_rest_imported(ckan_server, department):
    packages = ckan_server.handler.packages
    set_extra(packages[3], "identifier", "不是代码")
    set_extra(packages[5], "fields", "[not json")
    packages[7]["id"] = ""
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert job.status == HarvestJob.Status.DONE
    assert counts(job) == (27, 0, 0, 0, 3)
    reasons = {f["id"]: f["reason"] for f in job.report["failures"]}
    assert "分类码/顺序码" in reasons["remote-0004"]
    assert "fields" in reasons["remote-0006"]
    assert "id" in reasons["remote-dataset-8"]
    assert not Dataset.objects.filter(title="远端数据集4").exists()


def test_a_bad_record_is_not_withdrawn_on_a_full_run(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    set_extra(ckan_server.handler.packages[3], "identifier", "不是代码")

    job = harvest(source)

    assert counts(job) == (0, 0, 29, 0, 1)
    assert Dataset.objects.get(harvest_record__remote_id="remote-0004").state == State.PUBLISHED


def test_records_sharing_an_identifier_are_taken_once(ckan_server, department):
    twin = package(31)
    set_extra(twin, "identifier", "330000000002/000002")
    ckan_server.handler.packages.append(twin)
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (30, 0, 0, 0, 1)
    assert job.report["failures"][0]["id"] == "remote-0031"
    assert "重复" in job.report["failures"][0]["reason"]


def test_an_unreachable_source_fails_the_job_and_withdraws_nothing(ckan_server, department):
    source = make_source(ckan_server.url, department)
    harvest(source)
    source.url = f"{ckan_server.url}/missing"
    source.save()

    job = harvest(source)

    assert job.status == HarvestJob.Status.FAILED
    assert "HTTP 404" in job.report["error"]
    assert not Dataset.objects.filter(state=State.WITHDRAWN).exists()


def test_a_source_on_loopback_is_refused_unless_allowed(ckan_server, department, settings):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ()}
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert job.status == HarvestJob.Status.FAILED
    assert "127.0.0.1" in job.report["error"]
    assert ckan_server.handler.calls == []


def test_every_change_is_audited_with_the_source_as_actor(ckan_server, department):
    source = make_source(ckan_server.url, department)

    harvest(source)

    entries = AuditEntry.objects.filter(action="dataset.harvest_create")
    assert entries.count() == 30
    assert set(entries.values_list("actor_type", "actor_label", "actor_user")) == {
        (AuditEntry.ActorType.HARVEST, "远端开放平台 (remote-ckan)", None)
    }


def test_the_kaifang_type_reads_the_same_ckan_api(ckan_server, department):
    source = make_source(f"{ckan_server.url}/api/3", department, type="kaifang")

    job = harvest(source)

    assert job.added == 30
    record = HarvestedRecord.objects.get(remote_id="remote-0001")
    assert record.original_url == f"{ckan_server.url}/dataset/remote-dataset-1"


def test_a_record_of_an_unexpected_shape_fails_alone(ckan_server, department):
    packages = ckan_server.handler.packages
    packages[0]["tags"] = "公交,站点"
    packages[1]["resources"] = [17]
    source = make_source(ckan_server.url, department)

    job = harvest(source)

    assert counts(job) == (28, 0, 0, 0, 2)
    assert {f["id"] for f in job.report["failures"]} == {"remote-0001", "remote-0002"}
    assert all("结构不符合预期" in f["reason"] for f in job.report["failures"])


def test_failed_records_are_read_again_by_the_next_incremental_run(ckan_server, department):
    set_extra(ckan_server.handler.packages[3], "identifier", "不是代码")
    source = make_source(ckan_server.url, department)
    assert harvest(source).failed == 1
    set_extra(ckan_server.handler.packages[3], "identifier", "330000000004/000004")

    job = harvest(source, full=False)

    assert (job.added, job.failed) == (1, 0)
