"""The publisher's workspace and the reviewer's queue, driven through the pages with the Django
test client: the whole publishing flow, the messages a person sees, and who may open what."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kaifang.catalog.models import Dataset, DatasetRevision, ReviewStage, State
from kaifang.catalog.tests import factories
from kaifang.core.models import AuditEntry
from kaifang.datastore.ingest.pipeline import ingest_version

CSV = "站点名称,经度,纬度\n武林广场,120.1645,30.2741\n西湖文化广场,120.1650,30.2820\n".encode()


@pytest.fixture(autouse=True)
def _department_review_only(settings):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": False}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def complete_form(department=None, **overrides) -> dict:
    """What a publisher types into the create form for a dataset ready for review."""
    data = {
        "title": "公交站点",
        "identifier": "330100000001/000001",
        "summary": "全市公交站点的名称和位置。",
        "keywords": "公交, 站点",
        "domain": "6",
        "resource_class": "3",
        "open_type": "open",
        "open_method": ["download"],
        "licence": "kaifang-open-1.0",
        "share_type": "1",
        "format_class": "2",
        "fields": "站点名称,C,100,站名\n经度,N,12\n纬度,N,12",
        "update_frequency": "monthly",
        "contact_name": "张工",
        "contact_phone": "0571-88888888",
    }
    if department is not None:
        data["department"] = str(department.pk)
    data.update(overrides)
    return data


def field_block(html: str, key: str) -> str:
    """The HTML of one field's block on a form: its label, input, errors and help."""
    match = re.search(rf'id="field-{key}"(.*?)(?=id="field-|</form>)', html, re.S)
    assert match, f"no field {key} on the page"
    return match.group(1)


def _text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the whole flow


def test_create_upload_submit_approve_publishes(publisher, reviewer, department):
    author = _client(publisher)

    created = author.post(reverse("catalog:dataset-create"), complete_form(department))
    dataset = Dataset.objects.get(title="公交站点")
    assert created.status_code == 302
    assert created.url == reverse("catalog:workspace-dataset", args=[dataset.name])
    assert dataset.state == State.DRAFT
    assert dataset.metadata["fields"][0] == {
        "name": "站点名称",
        "type": "C",
        "length": 100,
        "description": "站名",
    }
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["公交", "站点"]

    upload = SimpleUploadedFile("stops.csv", CSV, content_type="text/csv")
    added = author.post(
        reverse("catalog:resource-create", args=[dataset.name]),
        {"title": "公交站点表", "kind": "file", "file": upload},
    )
    assert added.status_code == 302
    resource = dataset.resources.get()
    ingest_version(resource.versions.get())  # a table is current once ingested
    resource.refresh_from_db()
    assert resource.format == "CSV"
    assert resource.current_version.size == len(CSV)

    submitted = author.post(reverse("catalog:dataset-submit", args=[dataset.name]), follow=True)
    dataset.refresh_from_db()
    assert dataset.state == State.IN_REVIEW
    assert "已提交审核。" in _text(submitted)

    checker = _client(reviewer)
    queue = checker.get(reverse("catalog:review-queue"))
    assert "公交站点" in _text(queue)
    page = checker.get(reverse("catalog:review-dataset", args=[dataset.name]))
    assert "公交站点表" in _text(page)
    approved = checker.post(reverse("catalog:review-approve", args=[dataset.name]), {"reason": ""})
    dataset.refresh_from_db()
    assert approved.status_code == 302
    assert dataset.state == State.PUBLISHED
    assert dataset.published_at is not None

    public = _client().get(reverse("catalog:dataset-detail", args=[dataset.name]))
    assert public.status_code == 200
    assert "公交站点" in _text(public)


def test_workspace_page_shows_every_field_and_the_audit_history(publisher, reviewer, department):
    dataset = factories.make_dataset(department, state=State.IN_REVIEW, review_stage="department")
    _client(reviewer).post(reverse("catalog:review-approve", args=[dataset.name]), {"reason": ""})
    from kaifang.catalog.schema import get_schema

    page = _client(publisher).get(reverse("catalog:workspace-dataset", args=[dataset.name]))

    html = _text(page)
    for f in get_schema().dataset_fields:
        assert f.labels["zh"] in html, f.key
    assert "操作记录" in html
    assert "审核通过" in html
    assert "reviewer" in html


def test_workspace_lists_my_datasets_with_state_filter(publisher, department, other_department):
    factories.make_dataset(department, state=State.DRAFT, title="我的草稿")
    factories.make_dataset(department, state=State.PUBLISHED, title="我的已发布")
    factories.make_dataset(other_department, state=State.DRAFT, title="别人的草稿")
    client = _client(publisher)

    everything = _text(client.get(reverse("catalog:workspace")))
    drafts = _text(client.get(reverse("catalog:workspace"), {"state": "draft"}))

    assert "我的草稿" in everything and "我的已发布" in everything
    assert "别人的草稿" not in everything
    assert "我的草稿" in drafts and "我的已发布" not in drafts


def test_create_offers_a_choice_of_departments_to_who_publishes_for_several(
    publisher, department, other_department
):
    from kaifang.organizations.models import Membership

    Membership.objects.create(user=publisher, department=other_department, role="publisher")

    page = _text(_client(publisher).get(reverse("catalog:dataset-create")))

    block = field_block(page, "department")
    assert department.title in block and other_department.title in block


# ---------------------------------------------------------------- messages per field


def test_create_shows_chinese_messages_beside_each_field(publisher, department):
    response = _client(publisher).post(
        reverse("catalog:dataset-create"),
        complete_form(department, domain="999", temporal_start="2024-02-30"),
    )

    html = _text(response)
    assert response.status_code == 422
    assert "“领域”的值“999”不在代码表“领域”中。" in field_block(html, "domain")
    assert "不是有效日期，请用 YYYY-MM-DD 格式。" in field_block(html, "temporal_start")
    assert not Dataset.objects.exists()


def test_submit_with_missing_required_fields_shows_them_on_the_form(publisher, department):
    client = _client(publisher)
    client.post(reverse("catalog:dataset-create"), {"title": "半成品", "department": department.pk})
    dataset = Dataset.objects.get(title="半成品")

    response = client.post(reverse("catalog:dataset-submit", args=[dataset.name]))

    html = _text(response)
    assert response.status_code == 422
    assert "请填写“信息资源摘要”。" in field_block(html, "summary")
    assert "请填写“领域”。" in field_block(html, "domain")
    assert "请填写“开放方式”。" in field_block(html, "open_method")
    dataset.refresh_from_db()
    assert dataset.state == State.DRAFT


def test_conditional_dataset_needs_its_conditions_before_review(publisher, department):
    client = _client(publisher)
    client.post(
        reverse("catalog:dataset-create"), complete_form(department, open_type="conditional")
    )
    dataset = Dataset.objects.get(title="公交站点")

    response = client.post(reverse("catalog:dataset-submit", args=[dataset.name]))

    assert response.status_code == 422
    assert "请填写“开放条件”。" in field_block(_text(response), "open_condition")


def test_upload_over_the_limit_answers_413_beside_the_file_field(settings, publisher, department):
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 16}
    dataset = factories.make_dataset(department, state=State.DRAFT)
    upload = SimpleUploadedFile("stops.csv", CSV, content_type="text/csv")

    response = _client(publisher).post(
        reverse("catalog:resource-create", args=[dataset.name]),
        {"title": "公交站点表", "kind": "file", "file": upload},
    )

    assert response.status_code == 413
    assert "文件超过上传大小上限" in field_block(_text(response), "file")
    assert not dataset.resources.exists()


def test_empty_upload_is_refused_beside_the_file_field(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    response = _client(publisher).post(
        reverse("catalog:resource-create", args=[dataset.name]),
        {"title": "公交站点表", "kind": "file", "file": SimpleUploadedFile("stops.csv", b"")},
    )

    assert response.status_code == 400
    assert "是空文件" in field_block(_text(response), "file")
    assert not dataset.resources.exists()


def test_link_resource_needs_a_link(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    response = _client(publisher).post(
        reverse("catalog:resource-create", args=[dataset.name]), {"title": "地图", "kind": "link"}
    )

    assert response.status_code == 422
    assert "请填写“链接地址”。" in field_block(_text(response), "url")


def test_api_endpoint_resource_is_added(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    response = _client(publisher).post(
        reverse("catalog:resource-create", args=[dataset.name]),
        {
            "title": "实时到站接口",
            "kind": "api",
            "url": "https://api.example.org/bus",
            "format": "JSON",
        },
    )

    assert response.status_code == 302
    resource = dataset.resources.get()
    assert (resource.kind, resource.url, resource.format) == (
        "api",
        "https://api.example.org/bus",
        "JSON",
    )


def test_new_version_of_a_file_resource(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    client = _client(publisher)
    client.post(
        reverse("catalog:resource-create", args=[dataset.name]),
        {"title": "站点表", "kind": "file", "file": SimpleUploadedFile("a.csv", CSV)},
    )
    resource = dataset.resources.get()
    ingest_version(resource.versions.get())

    response = client.post(
        reverse("catalog:resource-version-create", args=[resource.pk]),
        {"file": SimpleUploadedFile("b.csv", CSV + "龙翔桥,120.1655,30.2590\n".encode())},
    )

    assert response.status_code == 302
    ingest_version(resource.versions.get(number=2))  # current once ingested
    resource.refresh_from_db()
    assert resource.versions.count() == 2
    assert resource.current_version.number == 2


# ---------------------------------------------------------------- return, withdraw, revisions


def test_returned_with_a_reason_the_publisher_reads(publisher, reviewer, department):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT, title="待审数据"
    )
    checker = _client(reviewer)

    refused = checker.post(reverse("catalog:review-return", args=[dataset.name]), {"reason": " "})
    returned = checker.post(
        reverse("catalog:review-return", args=[dataset.name]), {"reason": "摘要未说明数据来源。"}
    )

    assert refused.status_code == 422
    assert "请填写理由。" in _text(refused)
    assert returned.status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == State.RETURNED
    author = _client(publisher)
    assert "摘要未说明数据来源。" in _text(
        author.get(reverse("catalog:workspace-dataset", args=[dataset.name]))
    )
    assert "摘要未说明数据来源。" in _text(author.get(reverse("catalog:workspace")))
    resubmitted = author.post(reverse("catalog:dataset-submit", args=[dataset.name]))
    dataset.refresh_from_db()
    assert resubmitted.status_code == 302
    assert dataset.state == State.IN_REVIEW


def test_withdraw_needs_a_reason(publisher, department):
    dataset = factories.make_dataset(department, state=State.PUBLISHED)
    client = _client(publisher)

    refused = client.post(reverse("catalog:dataset-withdraw", args=[dataset.name]), {"reason": ""})
    done = client.post(
        reverse("catalog:dataset-withdraw", args=[dataset.name]), {"reason": "数据口径调整"}
    )

    assert refused.status_code == 422
    assert "请填写理由。" in field_block(_text(refused), "reason")
    assert done.status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == State.WITHDRAWN
    entry = AuditEntry.objects.get(action="dataset.withdraw")
    assert (entry.actor_user, entry.reason) == (publisher, "数据口径调整")


def test_editing_a_published_dataset_makes_a_revision_reviewed_on_its_own(
    publisher, reviewer, department
):
    dataset = factories.make_dataset(department, state=State.PUBLISHED, summary="旧摘要。")
    author = _client(publisher)
    form = author.get(reverse("catalog:dataset-edit", args=[dataset.name]))
    assert "待审修订" in _text(form)

    saved = author.post(
        reverse("catalog:dataset-edit", args=[dataset.name]),
        complete_form(
            title=dataset.title,
            identifier=dataset.identifier,
            region=dataset.region_id,
            summary="新摘要。",
        ),
        follow=True,
    )

    assert "修改已保存为待审修订" in _text(saved)
    dataset.refresh_from_db()
    assert dataset.summary == "旧摘要。"
    revision = DatasetRevision.objects.get(dataset=dataset)
    author.post(reverse("catalog:revision-submit", args=[revision.pk]))
    revision.refresh_from_db()
    assert revision.status == DatasetRevision.Status.IN_REVIEW

    checker = _client(reviewer)
    assert dataset.title in _text(checker.get(reverse("catalog:review-queue")))
    diff = _text(checker.get(reverse("catalog:review-revision", args=[revision.pk])))
    assert "旧摘要。" in diff and "新摘要。" in diff
    checker.post(reverse("catalog:revision-approve", args=[revision.pk]), {"reason": ""})
    dataset.refresh_from_db()
    assert dataset.summary == "新摘要。"


def test_platform_admin_takes_a_dataset_down_with_a_reason(platform_admin, reviewer, department):
    dataset = factories.make_dataset(department, state=State.PUBLISHED)
    admin = _client(platform_admin)

    page = _text(admin.get(reverse("catalog:review-dataset", args=[dataset.name])))
    refused = admin.post(reverse("catalog:dataset-take-down", args=[dataset.name]), {"reason": ""})
    done = admin.post(
        reverse("catalog:dataset-take-down", args=[dataset.name]), {"reason": "含个人信息"}
    )

    assert "应急下线" in page
    assert refused.status_code == 422
    assert done.status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == State.TAKEN_DOWN


def test_department_reviewer_sees_no_takedown_form(reviewer, department):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT
    )

    page = _text(_client(reviewer).get(reverse("catalog:review-dataset", args=[dataset.name])))

    assert reverse("catalog:review-approve", args=[dataset.name]) in page
    assert reverse("catalog:dataset-take-down", args=[dataset.name]) not in page


# ---------------------------------------------------------------- who may open what


def test_sign_in_is_required(department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    client = _client()

    for url in [
        reverse("catalog:workspace"),
        reverse("catalog:dataset-create"),
        reverse("catalog:dataset-edit", args=[dataset.name]),
        reverse("catalog:review-queue"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


def test_outsider_cannot_open_another_departments_dataset(outsider, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    client = _client(outsider)

    edit = client.get(reverse("catalog:dataset-edit", args=[dataset.name]))
    page = client.get(reverse("catalog:workspace-dataset", args=[dataset.name]))
    submit = client.post(reverse("catalog:dataset-submit", args=[dataset.name]))

    assert (edit.status_code, page.status_code, submit.status_code) == (404, 404, 404)
    dataset.refresh_from_db()
    assert dataset.state == State.DRAFT


def test_publisher_cannot_use_the_review_queue(publisher, department):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT
    )
    client = _client(publisher)

    queue = client.get(reverse("catalog:review-queue"))
    page = client.get(reverse("catalog:review-dataset", args=[dataset.name]))
    approve = client.post(reverse("catalog:review-approve", args=[dataset.name]), {"reason": ""})

    assert (queue.status_code, page.status_code, approve.status_code) == (403, 403, 403)
    dataset.refresh_from_db()
    assert dataset.state == State.IN_REVIEW


def test_citizen_has_no_workspace(citizen):
    assert _client(citizen).get(reverse("catalog:workspace")).status_code == 403


def test_in_review_dataset_cannot_be_edited(publisher, department):
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT
    )

    assert (
        _client(publisher).get(reverse("catalog:dataset-edit", args=[dataset.name])).status_code
        == 403
    )


def test_posts_need_the_csrf_token(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher)

    response = client.post(reverse("catalog:dataset-submit", args=[dataset.name]))

    assert response.status_code == 403


def test_renamed_dataset_keeps_its_old_address(publisher, department):
    dataset = factories.make_dataset(department, state=State.DRAFT, name="old-name")
    client = _client(publisher)

    client.post(reverse("catalog:dataset-rename", args=["old-name"]), {"name": "bus-stops"})

    response = client.get(reverse("catalog:workspace-dataset", args=["old-name"]))
    assert response.status_code == 302
    assert response.url == reverse("catalog:workspace-dataset", args=["bus-stops"])
    dataset.refresh_from_db()
    assert dataset.name == "bus-stops"


def test_with_platform_review_the_platform_reviewer_publishes(
    settings, reviewer, platform_reviewer, department
):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": True}
    dataset = factories.make_dataset(
        department, state=State.IN_REVIEW, review_stage=ReviewStage.DEPARTMENT, title="双重审核"
    )

    first = _client(reviewer).post(
        reverse("catalog:review-approve", args=[dataset.name]), {"reason": ""}, follow=True
    )
    platform = _client(platform_reviewer)
    queue = _text(platform.get(reverse("catalog:review-queue")))
    platform.post(reverse("catalog:review-approve", args=[dataset.name]), {"reason": "同意"})

    assert "已转平台审核" in _text(first)
    assert "双重审核" in queue
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED


def test_pages_switch_to_english(settings, publisher, department):
    client = _client(publisher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with translation.override(settings.LANGUAGE_CODE):
        index = _text(client.get(reverse("catalog:workspace")))
        form = _text(client.get(reverse("catalog:dataset-create")))

    assert "My datasets" in index
    assert "New dataset" in form
    assert "Update frequency" in field_block(form, "update_frequency")
    assert ">monthly</option>" in field_block(form, "update_frequency")
