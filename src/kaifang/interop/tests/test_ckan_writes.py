"""The write actions with an API token, through the catalog's services and review workflow:
package_create (a draft, or submitted with state=active), package_update (full replace),
package_patch, package_delete (withdraw), resource_create (a link or a multipart upload) and
resource_update (a new version); every move audited with the token as actor; bad values,
missing tokens, sessions and other departments refused with CKAN's errors, nothing half done."""

from __future__ import annotations

import io

import pytest
from ckanapi.errors import NotAuthorized, NotFound, ValidationError

from kaifang.accounts.services import create_token
from kaifang.catalog import services
from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ResourceVersion, State
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.core.models import AuditEntry
from kaifang.interop.ckan.testing import remote

CSV = "站点名称,经度,纬度\n武林广场,120.1645,30.2741\n西湖文化广场,120.1650,30.2820\n"


def complete_package(**overrides) -> dict:
    """A package dict with every value the default schema requires for review."""
    package = {
        "name": "bus-stops-2024",
        "title": "公交站点",
        "notes": "全省公交站点的名称和位置。",
        "owner_org": "jiaotong",
        "groups": [{"name": "domain-6"}],
        "tags": [{"name": "公交"}, {"name": "站点"}],
        "license_id": "kaifang-open-1.0",
        "maintainer": "张工",
        "extras": [
            {"key": "identifier", "value": "330100000001/000001"},
            {"key": "resource_class", "value": "3"},
            {"key": "open_type", "value": "open"},
            {"key": "open_method", "value": '["download"]'},
            {"key": "share_type", "value": "1"},
            {"key": "format_class", "value": "2"},
            {"key": "fields", "value": '[{"name": "站点名称", "type": "C", "length": 100}]'},
            {"key": "update_frequency", "value": "monthly"},
        ],
    }
    package.update(overrides)
    return package


@pytest.fixture
def secret(publisher):
    return create_token(publisher, name="数据同步")[1]


@pytest.fixture
def ckan(client, secret):
    return remote(client, secret)


def _extras(package: dict) -> dict:
    return {e["key"]: e["value"] for e in package["extras"]}


# --- package_create -------------------------------------------------------------------------


def test_package_create_makes_a_draft_audited_with_the_token(ckan, department):
    package = ckan.action.package_create(**complete_package())

    dataset = Dataset.objects.get(pk=package["id"])
    entry = AuditEntry.objects.get(action="dataset.create", target_id=str(dataset.pk))
    assert package["name"] == "bus-stops-2024" == dataset.name
    assert package["state"] == "draft" and dataset.state == State.DRAFT
    assert dataset.department == department and dataset.domain == "6"
    assert dataset.summary == "全省公交站点的名称和位置。"
    assert sorted(dataset.tags.values_list("name", flat=True)) == ["公交", "站点"]
    assert dataset.metadata["fields"] == [{"name": "站点名称", "type": "C", "length": 100}]
    assert _extras(package)["open_method"] == '["download"]'
    assert entry.actor_type == AuditEntry.ActorType.TOKEN
    assert "令牌" in entry.actor_label and entry.detail["token_id"]


def test_package_create_with_state_active_sends_it_to_review(ckan):
    package = ckan.action.package_create(**complete_package(state="active"))

    assert package["workflow_state"] == "in_review" and package["state"] == "draft"
    assert AuditEntry.objects.filter(action="dataset.submit").exists()


def test_a_package_missing_required_values_is_refused_whole(ckan):
    incomplete = complete_package(state="active", extras=[])

    with pytest.raises(ValidationError) as refused:
        ckan.action.package_create(**incomplete)

    assert "extras.resource_class" in refused.value.error_dict
    assert "extras.identifier" in refused.value.error_dict
    assert not Dataset.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner_org": ""}, "owner_org"),
        ({"owner_org": "no-such-department"}, "owner_org"),
        ({"license_id": "all-rights-reserved"}, "license_id"),
        ({"groups": [{"name": "domain-6"}, {"name": "domain-7"}]}, "groups"),
        ({"groups": [{"name": "transport"}]}, "groups"),
        ({"extras": [{"key": "colour", "value": "blue"}]}, "extras"),
        ({"extras": [{"key": "fields", "value": "[not json"}]}, "extras.fields"),
        ({"maintainer_email": "not-an-email"}, "maintainer_email"),
        ({"title": ""}, "title"),
        ({"name": "Not A Name"}, "name"),
        ({"private": True}, "private"),
        ({"state": "published"}, "state"),
        ({"resources": [{"url": "not a url", "name": "坏链接"}]}, "resources[0].url"),
    ],
)
def test_bad_values_are_validation_errors_naming_ckans_field(ckan, change, field):
    with pytest.raises(ValidationError) as refused:
        ckan.action.package_create(**complete_package(**change))

    assert field in refused.value.error_dict
    assert refused.value.error_dict["message"]
    assert not Dataset.objects.exists()


def test_a_taken_name_is_refused(ckan, department):
    factories.make_dataset(department, name="bus-stops-2024")

    with pytest.raises(ValidationError) as refused:
        ckan.action.package_create(**complete_package())

    assert "name" in refused.value.error_dict
    assert Dataset.objects.count() == 1


def test_writes_need_a_token(client, department, publisher):
    with pytest.raises(NotAuthorized):
        remote(client).action.package_create(**complete_package())
    client.force_login(publisher)
    with pytest.raises(NotAuthorized):
        remote(client).action.package_create(**complete_package())
    response = client.post("/api/3/action/package_create", complete_package(), "application/json")

    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
    assert not Dataset.objects.exists()


@pytest.mark.parametrize(
    "header",
    ["HTTP_AUTHORIZATION", "HTTP_X_CKAN_API_KEY", "bearer"],
    ids=["raw-authorization", "x-ckan-api-key", "bearer"],
)
def test_every_way_ckan_clients_send_a_token_is_taken(client, secret, header):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if header == "bearer" else {header: secret}

    response = client.post(
        "/api/3/action/package_create", complete_package(), "application/json", **headers
    )

    assert response.status_code == 200, response.content
    assert response.json()["result"]["name"] == "bus-stops-2024"


def test_a_token_of_another_department_is_not_authorized(client, department, outsider):
    stranger = remote(client, create_token(outsider, name="外部门")[1])

    with pytest.raises(NotAuthorized):
        stranger.action.package_create(**complete_package())


def test_package_create_adds_link_resources(ckan):
    package = ckan.action.package_create(
        **complete_package(
            resources=[
                {"name": "站点接口", "url": "https://example.org/api/stops", "resource_type": "api",
                 "format": "json"},
                {"name": "站点清单", "url": "https://example.org/stops.csv", "format": "CSV"},
            ]
        )
    )  # fmt: skip

    kinds = [(r["name"], r["resource_type"], r["format"]) for r in package["resources"]]
    assert kinds == [("站点接口", "api", "JSON"), ("站点清单", "link", "CSV")]


# --- package_update and package_patch ---------------------------------------------------------


@pytest.fixture
def draft(ckan):
    return ckan.action.package_create(**complete_package())


def test_package_update_replaces_the_whole_dataset(ckan, draft):
    changed = {k: v for k, v in draft.items() if k != "maintainer"}
    changed["title"] = "公交站点（2024）"

    package = ckan.action.package_update(**changed)

    assert package["title"] == "公交站点（2024）"
    assert package["maintainer"] is None
    assert Dataset.objects.get(pk=draft["id"]).metadata.get("contact_name") is None


def test_package_update_with_what_package_show_gave_changes_nothing(ckan, draft):
    before = AuditEntry.objects.count()

    again = ckan.action.package_update(**ckan.action.package_show(id=draft["id"]))

    assert AuditEntry.objects.count() == before
    assert {k: v for k, v in again.items() if k != "metadata_modified"} == {
        k: v for k, v in draft.items() if k != "metadata_modified"
    }


def test_package_patch_changes_only_what_it_is_given(ckan, draft):
    package = ckan.action.package_patch(id=draft["name"], notes="新的摘要。")

    assert package["notes"] == "新的摘要。"
    assert package["maintainer"] == "张工" and package["title"] == "公交站点"
    assert _extras(package) == _extras(draft)


def test_state_active_on_a_draft_submits_it_for_review(ckan, draft):
    package = ckan.action.package_patch(id=draft["id"], state="active")

    assert package["workflow_state"] == "in_review"
    with pytest.raises(ValidationError):
        ckan.action.package_patch(id=draft["id"], notes="审核中不能改")


@pytest.fixture
def published(department):
    dataset = factories.make_dataset(department, name="published-one", title="已发布数据集")
    factories.make_link_resource(dataset, title="原有资源")
    return dataset


def test_an_edit_of_a_published_dataset_waits_for_review(ckan, published, publisher):
    package = ckan.action.package_patch(id=published.name, title="改过的标题", state="active")

    revision = DatasetRevision.objects.get(dataset=published)
    assert package["title"] == "已发布数据集"  # public values until the reviewer approves
    assert package["state"] == "active"
    assert package["pending_revision"] == {"id": str(revision.pk), "status": "in_review"}
    assert revision.data["title"] == "改过的标题"
    assert remote_public(ckan, published)["title"] == "已发布数据集"
    assert "pending_revision" not in remote_public(ckan, published)


def remote_public(ckan, dataset) -> dict:
    from kaifang.interop.ckan.testing import remote as anonymous

    return anonymous(ckan.session.adapters["http://testserver"].client).action.package_show(
        id=dataset.name
    )


def test_resources_listed_unchanged_in_an_update_stay_and_new_ones_are_added(ckan, published):
    package = ckan.action.package_show(id=published.name)
    listed = [*package["resources"], {"name": "新接口", "url": "https://example.org/new"}]

    ckan.action.package_patch(id=published.name, resources=listed)

    assert Resource.objects.filter(dataset=published).count() == 2
    assert Resource.objects.get(title="新接口").pending_revision is not None


def test_changing_a_listed_resource_is_refused_naming_it(ckan, published):
    package = ckan.action.package_show(id=published.name)
    listed = [{**package["resources"][0], "name": "改名的资源"}]

    with pytest.raises(ValidationError) as refused:
        ckan.action.package_patch(id=published.name, resources=listed)

    assert "resources[0].name" in refused.value.error_dict


def test_another_departments_token_cannot_edit(client, published, outsider):
    stranger = remote(client, create_token(outsider, name="外部门")[1])

    with pytest.raises(NotAuthorized):
        stranger.action.package_patch(id=published.name, title="越权修改")
    assert Dataset.objects.get(pk=published.pk).title == "已发布数据集"


def test_private_cannot_be_switched_through_the_api(ckan, published):
    with pytest.raises(ValidationError) as refused:
        ckan.action.package_patch(id=published.name, private=True)

    assert "private" in refused.value.error_dict


def test_hidden_datasets_are_not_found_for_writers_outside(client, department, outsider):
    draft = factories.make_dataset(department, state=State.DRAFT)
    stranger = remote(client, create_token(outsider, name="外部门")[1])

    with pytest.raises(NotFound):
        stranger.action.package_patch(id=draft.name, title="看不到的草稿")


# --- package_delete -----------------------------------------------------------------------------


def test_package_delete_withdraws_a_published_dataset(ckan, published):
    ckan.action.package_delete(id=published.name, reason="数据已过时")

    published.refresh_from_db()
    entry = AuditEntry.objects.get(action="dataset.withdraw")
    assert published.state == State.WITHDRAWN
    assert entry.reason == "数据已过时" and entry.actor_type == AuditEntry.ActorType.TOKEN
    assert ckan.action.package_show(id=published.name)["state"] == "deleted"
    ckan.action.package_delete(id=published.name)  # deleting again changes nothing
    assert AuditEntry.objects.filter(action="dataset.withdraw").count() == 1


def test_package_delete_of_a_draft_is_refused(ckan, draft):
    with pytest.raises(ValidationError):
        ckan.action.package_delete(id=draft["id"])

    assert Dataset.objects.get(pk=draft["id"]).state == State.DRAFT


def test_state_deleted_in_an_update_withdraws_too(ckan, published):
    package = ckan.action.package_patch(id=published.name, state="deleted")

    assert package["state"] == "deleted" and package["workflow_state"] == "withdrawn"


# --- resources --------------------------------------------------------------------------------


def test_resource_create_with_a_url_adds_a_link(ckan, draft):
    resource = ckan.action.resource_create(
        package_id=draft["id"], url="https://example.org/stops.json", name="站点", format="json"
    )

    assert resource["url"] == "https://example.org/stops.json"
    assert resource["resource_type"] == "link" and resource["format"] == "JSON"
    assert AuditEntry.objects.filter(action="resource.add").get().actor_type == "token"


def test_resource_create_uploads_a_file_that_is_ingested(
    ckan, draft, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(CSV.encode())
    upload.name = "公交站点.csv"

    with django_capture_on_commit_callbacks(execute=True):
        made = ckan.action.resource_create(package_id=draft["id"], name="站点表", upload=upload)
    resource = ckan.action.resource_show(id=made["id"])

    assert made["url_type"] == "upload" and made["name"] == "站点表"
    assert resource["datastore_active"] is True
    assert resource["format"] == "CSV" and resource["size"] == len(CSV.encode())
    assert resource["url"].endswith(f"/resources/{made['id']}/download")


def test_an_upload_must_be_a_file(ckan, draft):
    with pytest.raises(ValidationError) as refused:
        ckan.action.resource_create(package_id=draft["id"], name="站点表", upload="not a file")

    assert "upload" in refused.value.error_dict


def test_an_upload_over_the_limit_is_refused(client, ckan, draft, settings, secret):
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 10}
    upload = io.BytesIO(CSV.encode())
    upload.name = "站点.csv"

    with pytest.raises(ValidationError) as refused:
        ckan.action.resource_create(package_id=draft["id"], name="站点表", upload=upload)

    assert "upload" in refused.value.error_dict
    assert not Resource.objects.filter(dataset_id=draft["id"]).exists()


def test_owner_org_moves_a_dataset_for_whoever_writes_in_both(
    client, draft, platform_admin, other_department
):
    admin = remote(client, create_token(platform_admin, name="平台")[1])

    moved = admin.action.package_patch(id=draft["id"], owner_org="huanjing")

    assert moved["organization"]["name"] == "huanjing"
    assert Dataset.objects.get(pk=draft["id"]).department == other_department


def test_resource_update_uploads_a_new_version(ckan, draft):
    first = io.BytesIO(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    first.name = "说明.pdf"
    made = ckan.action.resource_create(package_id=draft["id"], name="说明", upload=first)
    second = io.BytesIO(b"%PDF-1.4\n2 0 obj\n<<>>\nendobj\n")
    second.name = "说明.pdf"

    updated = ckan.action.resource_update(id=made["id"], upload=second)

    assert ResourceVersion.objects.filter(resource_id=made["id"]).count() == 2
    assert updated["hash"] != made["hash"]
    assert AuditEntry.objects.filter(action="resource.version").get().actor_type == "token"


def test_resource_update_refuses_changes_it_cannot_make(ckan, published):
    resource = ckan.action.package_show(id=published.name)["resources"][0]

    with pytest.raises(ValidationError) as refused:
        ckan.action.resource_update(**{**resource, "name": "新名称", "url": "https://x.org/y"})

    assert set(refused.value.error_dict) >= {"name", "url"}
    assert Resource.objects.get(pk=resource["id"]).title == "原有资源"


def test_the_reviewer_approves_what_came_through_the_api(ckan, draft, reviewer, settings):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": False}
    ckan.action.package_patch(id=draft["id"], state="active")

    services.approve(Actor.for_user(reviewer), Dataset.objects.get(pk=draft["id"]))

    assert ckan.action.package_show(id=draft["id"])["state"] == "active"
    assert draft["name"] in ckan.action.package_list()
