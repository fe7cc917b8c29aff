"""The publishing workflow end to end: lifecycle, platform review on and off, returns, withdrawal,
takedown, pending revisions of published datasets, names, keywords and the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kaifang.catalog import services
from kaifang.catalog.models import (
    Dataset,
    DatasetNameRedirect,
    DatasetRevision,
    Resource,
    ReviewStage,
    State,
)
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, csv_upload, dataset_data
from kaifang.catalog.visibility import visible_datasets
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, InvalidTransition, NotAllowed
from kaifang.core.models import AuditEntry
from kaifang.datastore.ingest.pipeline import ingest_version


def _history(dataset: Dataset) -> list[tuple[str, str]]:
    entries = AuditEntry.objects.filter(target_id=str(dataset.pk)).order_by("id")
    return [(e.action, e.actor_label) for e in entries]


def _public(dataset: Dataset) -> bool:
    return visible_datasets(AnonymousUser()).filter(pk=dataset.pk).exists()


def test_publish_withdraw_and_publish_again(department, publisher, reviewer):
    dataset = services.create_dataset(act(publisher), department=department, data=dataset_data())
    services.add_resource(act(publisher), dataset, data={"title": "站点表"}, upload=csv_upload())
    services.submit_for_review(act(publisher), dataset)
    assert (dataset.state, dataset.review_stage) == (State.IN_REVIEW, ReviewStage.DEPARTMENT)
    assert not _public(dataset)

    services.approve(act(reviewer), dataset, "无涉密内容")
    assert dataset.state == State.PUBLISHED and _public(dataset)
    first_published = dataset.published_at

    services.withdraw(act(publisher), dataset, "数据口径调整")
    assert dataset.state == State.WITHDRAWN and not _public(dataset)

    services.submit_for_review(act(publisher), dataset)
    services.approve(act(reviewer), dataset)
    dataset.refresh_from_db()

    assert dataset.state == State.PUBLISHED and _public(dataset)
    assert dataset.published_at == first_published
    assert _history(dataset) == [
        ("dataset.create", "publisher"),
        ("resource.add", "publisher"),
        ("dataset.submit", "publisher"),
        ("dataset.approve", "reviewer"),
        ("dataset.withdraw", "publisher"),
        ("dataset.submit", "publisher"),
        ("dataset.approve", "reviewer"),
    ]
    withdrawal = AuditEntry.objects.get(action="dataset.withdraw")
    assert (withdrawal.reason, withdrawal.actor_user, withdrawal.actor_type) == (
        "数据口径调整",
        publisher,
        "user",
    )


def test_platform_review_adds_a_second_stage(
    settings, department, publisher, reviewer, platform_reviewer
):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": True}
    dataset = factories.make_dataset(department, state=State.DRAFT)
    services.submit_for_review(act(publisher), dataset)

    services.approve(act(reviewer), dataset)
    assert (dataset.state, dataset.review_stage) == (State.IN_REVIEW, ReviewStage.PLATFORM)
    with pytest.raises(NotAllowed):
        services.approve(act(reviewer), dataset)

    services.approve(act(platform_reviewer), dataset)

    assert (dataset.state, dataset.review_stage) == (State.PUBLISHED, "")
    assert dataset.published_at is not None
    results = [e.detail["result"] for e in AuditEntry.objects.filter(action="dataset.approve")]
    assert sorted(results) == ["platform", "published"]


def test_without_platform_review_the_department_publishes(
    settings, department, publisher, reviewer
):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": False}
    dataset = factories.make_dataset(department, state=State.DRAFT)
    services.submit_for_review(act(publisher), dataset)

    services.approve(act(reviewer), dataset)

    assert dataset.state == State.PUBLISHED


def test_platform_reviewer_can_return(settings, department, platform_reviewer):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.PLATFORM
    )

    services.return_for_changes(act(platform_reviewer), dataset, "含个人信息，需脱敏")

    assert (dataset.state, dataset.return_reason) == (State.RETURNED, "含个人信息，需脱敏")


def test_return_needs_a_reason_and_the_dataset_can_be_resubmitted(department, publisher, reviewer):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT
    )
    with pytest.raises(Invalid) as refused:
        services.return_for_changes(act(reviewer), dataset, "   ")
    assert refused.value.errors == {"reason": ["退回时请填写理由。"]}

    services.return_for_changes(act(reviewer), dataset, "摘要过于简单")
    assert (dataset.state, dataset.return_reason) == (State.RETURNED, "摘要过于简单")
    services.update_dataset(act(publisher), dataset, {"summary": "更详细的摘要。"})
    services.submit_for_review(act(publisher), dataset)

    assert dataset.state == State.IN_REVIEW
    entry = AuditEntry.objects.get(action="dataset.return")
    assert (entry.reason, entry.actor_user) == ("摘要过于简单", reviewer)


@pytest.mark.parametrize("move", ["withdraw", "take_down"])
def test_withdraw_and_take_down_need_reasons(move, department, platform_admin):
    dataset = factories.make_dataset(department)

    with pytest.raises(Invalid) as refused:
        getattr(services, move)(act(platform_admin), dataset, "")

    assert "reason" in refused.value.errors
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED


def test_only_published_datasets_can_be_withdrawn(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(InvalidTransition):
        services.withdraw(act(publisher), dataset, "理由")


def test_a_dataset_in_review_is_not_edited(department, publisher):
    dataset = factories.make_dataset(department, state=State.IN_REVIEW, review_stage="department")

    with pytest.raises(InvalidTransition):
        services.update_dataset(act(publisher), dataset, {"title": "改名"})


def test_review_moves_need_a_dataset_in_review(department, reviewer):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(InvalidTransition):
        services.approve(act(reviewer), dataset)


@pytest.mark.parametrize(
    "state", [State.DRAFT, State.IN_REVIEW, State.RETURNED, State.PUBLISHED, State.WITHDRAWN]
)
def test_take_down_from_any_state(state, department, platform_admin):
    dataset = factories.make_dataset(department, state=state)

    services.take_down(act(platform_admin), dataset, "发现泄露个人信息")

    assert (dataset.state, dataset.review_stage) == (State.TAKEN_DOWN, "")
    entry = AuditEntry.objects.get(action="dataset.take_down")
    assert (entry.reason, entry.detail["previous_state"]) == ("发现泄露个人信息", state)


def test_a_taken_down_dataset_returns_only_through_a_platform_admin_and_review(
    department, publisher, platform_admin, reviewer
):
    dataset = factories.make_dataset(department)
    services.take_down(act(platform_admin), dataset, "应急处置")

    with pytest.raises(InvalidTransition):
        services.submit_for_review(act(publisher), dataset)
    services.submit_for_review(act(platform_admin), dataset)
    services.approve(act(reviewer), dataset)

    assert dataset.state == State.PUBLISHED


def test_submission_checks_every_required_field(department, publisher):
    dataset = services.create_dataset(
        act(publisher), department=department, data={"title": "只有标题的草稿"}
    )

    with pytest.raises(Invalid) as refused:
        services.submit_for_review(act(publisher), dataset)

    assert refused.value.errors["summary"] == ["请填写“信息资源摘要”。"]
    assert dataset.state == State.DRAFT


def test_create_fills_columns_metadata_keywords_and_name(department, publisher):
    data = dataset_data(spatial="杭州市", keywords=["公交", "站点", "公交"])

    dataset = services.create_dataset(act(publisher), department=department, data=data)

    assert dataset.name == "330000000001-000001"
    assert (dataset.title, dataset.domain, dataset.region) == ("公交站点", "6", department.region)
    assert dataset.created_by == publisher
    assert dataset.metadata["spatial"] == "杭州市"
    assert dataset.metadata["licence"] == "kaifang-open-1.0"
    assert "title" not in dataset.metadata
    assert sorted(t.name for t in dataset.tags.all()) == ["公交", "站点"]
    values = services.dataset_values(dataset)
    assert values["department"] == department
    assert values["provider_code"] == department.code
    assert sorted(values["keywords"]) == ["公交", "站点"]


def test_name_comes_from_the_pinyin_of_the_title_and_stays_unique(department, publisher):
    first = services.create_dataset(
        act(publisher), department=department, data={"title": "公交站点"}
    )
    second = services.create_dataset(
        act(publisher), department=department, data={"title": "公交站点"}
    )

    assert (first.name, second.name) == ("gong-jiao-zhan-dian", "gong-jiao-zhan-dian-2")


def test_rename_keeps_the_old_name_leading_to_the_dataset(department, publisher):
    dataset = factories.make_dataset(department, name="old-name")
    factories.make_dataset(department, name="taken")

    services.rename_dataset(act(publisher), dataset, "new-name")
    with pytest.raises(Invalid):
        services.rename_dataset(act(publisher), dataset, "taken")
    with pytest.raises(Invalid):
        services.rename_dataset(act(publisher), dataset, "公交")

    assert dataset.name == "new-name"
    assert DatasetNameRedirect.objects.get(old_name="old-name").dataset == dataset


def test_editing_a_published_dataset_makes_a_pending_revision(department, publisher, reviewer):
    dataset = factories.make_dataset(department, title="原标题")

    revision = services.update_dataset(act(publisher), dataset, {"title": "新标题"})
    services.update_dataset(act(publisher), dataset, {"keywords": ["交通"]})
    dataset.refresh_from_db()

    assert isinstance(revision, DatasetRevision)
    assert dataset.title == "原标题" and list(dataset.tags.all()) == []
    assert services.editable_values(dataset)["title"] == "新标题"
    assert DatasetRevision.objects.filter(dataset=dataset).count() == 1

    services.submit_revision(act(publisher), revision)
    with pytest.raises(InvalidTransition):
        services.update_dataset(act(publisher), dataset, {"title": "再改"})
    services.approve_revision(act(reviewer), revision, "同意")
    dataset.refresh_from_db()

    assert revision.status == DatasetRevision.Status.APPROVED
    assert dataset.title == "新标题"
    assert [t.name for t in dataset.tags.all()] == ["交通"]
    assert dataset.state == State.PUBLISHED
    assert [a for a, _ in _history(dataset)] == [
        "revision.update",
        "revision.update",
        "revision.submit",
        "revision.approve",
    ]


def test_a_revision_passes_the_platform_stage_too(
    settings, department, publisher, reviewer, platform_reviewer
):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": True}
    dataset = factories.make_dataset(department, title="原标题")
    revision = services.update_dataset(act(publisher), dataset, {"title": "新标题"})
    services.submit_revision(act(publisher), revision)

    services.approve_revision(act(reviewer), revision)
    dataset.refresh_from_db()
    assert (revision.review_stage, dataset.title) == (ReviewStage.PLATFORM, "原标题")

    services.approve_revision(act(platform_reviewer), revision)
    dataset.refresh_from_db()
    assert dataset.title == "新标题"


def test_a_returned_revision_is_edited_and_resubmitted(department, publisher, reviewer):
    dataset = factories.make_dataset(department)
    revision = services.update_dataset(act(publisher), dataset, {"summary": "新摘要"})
    services.submit_revision(act(publisher), revision)

    with pytest.raises(Invalid):
        services.return_revision(act(reviewer), revision, "")
    services.return_revision(act(reviewer), revision, "请说明变更原因")
    assert (revision.status, revision.reason) == (DatasetRevision.Status.RETURNED, "请说明变更原因")

    again = services.update_dataset(act(publisher), dataset, {"summary": "更新后的摘要"})
    services.submit_revision(act(publisher), again)

    assert again.pk == revision.pk
    again.refresh_from_db()
    assert again.status == DatasetRevision.Status.IN_REVIEW
    assert again.data["summary"] == "更新后的摘要"


def test_new_resources_and_versions_wait_for_the_revision(department, publisher, reviewer):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    resource = services.add_resource(
        act(publisher), dataset, data={"title": "站点表"}, upload=csv_upload(content=b"a,b\n1,2\n")
    )
    ingest_version(resource.versions.get())  # a table is current once ingested
    resource.refresh_from_db()
    dataset.state = State.PUBLISHED
    dataset.save()
    first = resource.current_version

    version = services.add_resource_version(
        act(publisher), resource, csv_upload(content=b"a,b\n3,4\n")
    )
    ingest_version(version)
    added = services.add_resource(
        act(publisher),
        dataset,
        data={
            "title": "新资源",
            "kind": "link",
            "url": "https://example.org/x.json",
            "format": "JSON",
        },
    )
    resource.refresh_from_db()

    assert resource.current_version == first and version.number == 2
    assert added.pending_revision is not None
    revision = services.open_revision(dataset)
    assert version.revision == revision == added.pending_revision

    services.submit_revision(act(publisher), revision)
    services.approve_revision(act(reviewer), revision)
    resource.refresh_from_db()
    added.refresh_from_db()

    assert resource.current_version == version
    assert added.pending_revision is None


def test_withdrawing_folds_the_open_revision_into_the_dataset(department, publisher):
    dataset = factories.make_dataset(department, title="原标题")
    services.update_dataset(act(publisher), dataset, {"title": "待审标题"})

    services.withdraw(act(publisher), dataset, "暂停开放")
    dataset.refresh_from_db()

    assert dataset.title == "待审标题"
    assert services.open_revision(dataset) is None
    assert DatasetRevision.objects.get(dataset=dataset).status == "discarded"


def test_resources_of_a_dataset_in_review_cannot_change(department, publisher):
    dataset = factories.make_dataset(department, state=State.IN_REVIEW, review_stage="department")

    with pytest.raises(InvalidTransition):
        services.add_resource(
            act(publisher),
            dataset,
            data={"title": "x", "kind": "link", "url": "https://example.org/"},
        )
    assert not Resource.objects.filter(dataset=dataset).exists()


def test_resource_values_are_checked(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(Invalid) as no_url:
        services.add_resource(act(publisher), dataset, data={"title": "接口", "kind": "api"})
    with pytest.raises(Invalid) as no_file:
        services.add_resource(act(publisher), dataset, data={"title": "文件", "kind": "file"})

    assert no_url.value.errors == {"url": ["请填写“链接地址”。"]}
    assert no_file.value.errors == {"file": ["文件资源请上传文件。"]}


def test_grants_and_their_revocation_are_audited(department, dept_admin, citizen):
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "签署协议"}
    )

    grant = services.grant_access(act(dept_admin), dataset, citizen, purpose="交通研究")
    services.revoke_access(act(dept_admin), grant)

    assert grant.revoked_at is not None and grant.granted_by == dept_admin
    assert [a for a, _ in _history(dataset)] == ["access.grant", "access.revoke"]


def test_grants_only_for_conditional_datasets(department, dept_admin, citizen):
    with pytest.raises(Invalid):
        services.grant_access(act(dept_admin), factories.make_dataset(department), citizen)


def test_a_token_actor_is_named_in_the_audit_log(department, publisher):
    from kaifang.accounts.services import create_token

    token, _secret = create_token(publisher, name="脚本")

    dataset = services.create_dataset(
        Actor.for_token(token), department=department, data={"title": "令牌创建"}
    )

    entry = AuditEntry.objects.get(action="dataset.create", target_id=str(dataset.pk))
    assert entry.actor_type == "token"
    assert entry.actor_user == publisher
    assert entry.detail["token_id"] == str(token.pk)
    assert token.prefix in entry.actor_label


def test_harvest_and_system_actors_cannot_make_user_moves(department):
    with pytest.raises(NotAllowed):
        services.create_dataset(
            Actor.for_harvest("省级目录"), department=department, data={"title": "采集"}
        )


def test_a_blank_region_or_department_on_edit_keeps_sensible_values(department, publisher):
    dataset = services.create_dataset(act(publisher), department=department, data={"title": "草稿"})
    other_region = factories.Region.objects.get(code="330100")
    services.update_dataset(act(publisher), dataset, {"region": other_region.code})

    services.update_dataset(act(publisher), dataset, {"region": "", "department": ""})
    dataset.refresh_from_db()

    assert dataset.department == department
    assert dataset.region == department.region


def test_a_blank_region_in_a_revision_means_the_department_s_region(
    department, publisher, reviewer
):
    dataset = factories.make_dataset(department, region=factories.Region.objects.get(code="330100"))

    revision = services.update_dataset(act(publisher), dataset, {"region": ""})
    services.submit_revision(act(publisher), revision)
    services.approve_revision(act(reviewer), revision)
    dataset.refresh_from_db()

    assert dataset.region == department.region


def test_a_route_word_cannot_become_a_dataset_name(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(Invalid) as caught:
        services.rename_dataset(act(publisher), dataset, "new")

    assert caught.value.errors == {"name": ["“new”是系统保留字，不能用作英文标识。"]}
