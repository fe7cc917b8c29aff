"""The CKAN read actions, driven by the real `ckanapi` client: the site, packages with CKAN's
field names and our schema's fields, resources, organizations (departments), groups (the 21
domains), tags and licences, both URL prefixes, GET and POST, and CKAN's errors."""

from __future__ import annotations

import pytest
from ckanapi.errors import CKANAPIError, NotFound, ValidationError

from kaifang.catalog.models import State, Tag
from kaifang.catalog.tests import factories
from kaifang.interop.ckan.testing import remote

PACKAGE_KEYS = {
    "id", "name", "title", "type", "state", "workflow_state", "private", "isopen", "url",
    "version", "author", "author_email", "maintainer", "maintainer_email", "notes",
    "license_id", "license_title", "license_url", "metadata_created", "metadata_modified",
    "owner_org", "organization", "groups", "tags", "extras", "resources", "num_resources",
    "num_tags",
}  # fmt: skip
RESOURCE_KEYS = {
    "id", "package_id", "position", "state", "url_type", "mimetype", "size", "hash", "created",
    "last_modified", "datastore_active", "name", "description", "resource_type", "format",
    "url", "api_parameters", "api_sample",
}  # fmt: skip


@pytest.fixture
def ckan(client):
    return remote(client)


@pytest.fixture
def dataset(department):
    made = factories.make_dataset(
        department,
        name="gongjiao-zhandian",
        title="公交站点",
        summary="全省公交站点。",
        metadata={"contact_email": "data@example.gov.cn", "national_theme": ["01"]},
    )
    made.tags.set([Tag.objects.create(name="公交"), Tag.objects.create(name="交通")])
    factories.make_link_resource(made, title="站点接口", url="https://example.org/stops")
    return made


def test_status_show_names_the_site_and_the_ckan_api_it_follows(ckan):
    status = ckan.action.status_show()

    assert status["api_version"] == 3
    assert status["ckan_version"].startswith("2.")
    assert status["site_url"] == "http://testserver"
    assert status["site_title"]
    assert ckan.action.site_read() is True


def test_package_show_has_ckans_fields_and_the_schemas(ckan, dataset, department):
    package = ckan.action.package_show(id=dataset.name)

    assert set(package) == PACKAGE_KEYS
    assert package["id"] == str(dataset.pk)
    assert package["state"] == "active" and package["workflow_state"] == "published"
    assert package["notes"] == "全省公交站点。"
    assert package["maintainer"] == "张工"
    assert package["maintainer_email"] == "data@example.gov.cn"
    assert package["license_id"] == "kaifang-open-1.0"
    assert package["license_title"] == "政府开放数据使用协议"
    assert package["owner_org"] == str(department.pk)
    assert package["organization"]["name"] == "jiaotong"
    assert package["organization"]["is_organization"] is True
    assert [g["name"] for g in package["groups"]] == ["domain-6"]
    assert set(package["groups"][0]) >= {"id", "name", "title", "display_name"}
    assert sorted(t["name"] for t in package["tags"]) == ["交通", "公交"]
    assert set(package["tags"][0]) == {"id", "name", "display_name", "state", "vocabulary_id"}
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["identifier"] == dataset.identifier
    assert extras["open_type"] == "open"
    assert extras["national_theme"] == '["01"]'
    assert extras["high_value"] == "false"
    assert extras["region"] == "330000"
    assert package["num_resources"] == 1 and package["num_tags"] == 2
    assert package["metadata_created"] and "+" not in package["metadata_created"]


def test_resources_carry_ckans_fields(ckan, dataset):
    package = ckan.action.package_show(id=str(dataset.pk))
    resource = package["resources"][0]

    assert set(resource) == RESOURCE_KEYS
    assert resource["name"] == "站点接口"
    assert resource["url"] == "https://example.org/stops"
    assert resource["format"] == "CSV"
    assert resource["resource_type"] == "link"
    assert resource["package_id"] == str(dataset.pk)
    assert resource["datastore_active"] is False
    assert ckan.action.resource_show(id=resource["id"]) == resource


def test_a_schema_field_without_a_ckan_entry_goes_to_extras_under_its_key(
    ckan, dataset, settings, tmp_path
):
    from kaifang.catalog.schema import DEFAULT_PATH

    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "resource:\n",
        "  - key: source_system\n    label: {zh: 来源系统, en: Source system}\n"
        "    type: text\n    group: data\n\nresource:\n",
        1,
    )
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    settings.KAIFANG = {**settings.KAIFANG, "METADATA_SCHEMA": str(path)}
    dataset.metadata = {**dataset.metadata, "source_system": "公交一卡通"}
    dataset.save()

    package = ckan.action.package_show(id=dataset.name)
    found = ckan.action.package_search(fq="source_system:一卡通")

    assert {"key": "source_system", "value": "公交一卡通"} in package["extras"]
    assert [p["name"] for p in found["results"]] == [dataset.name]


def test_package_show_by_a_former_name_finds_the_dataset(ckan, dataset, publisher):
    from kaifang.catalog import services
    from kaifang.core.audit import Actor

    services.rename_dataset(Actor.for_user(publisher), dataset, "bus-stops")

    assert ckan.action.package_show(id="gongjiao-zhandian")["name"] == "bus-stops"


@pytest.mark.parametrize("kind", [State.DRAFT, State.WITHDRAWN, "private"])
def test_hidden_datasets_are_not_found(ckan, department, kind):
    if kind == "private":
        hidden = factories.make_dataset(department, is_private=True)
    else:
        hidden = factories.make_dataset(department, state=kind)

    with pytest.raises(NotFound):
        ckan.action.package_show(id=hidden.name)


def test_members_see_their_drafts(client, department, publisher):
    from kaifang.accounts.services import create_token

    draft = factories.make_dataset(department, state=State.DRAFT)
    secret = create_token(publisher, name="脚本")[1]

    package = remote(client, secret).action.package_show(id=draft.name)

    assert package["state"] == "draft" and package["workflow_state"] == "draft"


def test_package_list_and_current_package_list(ckan, dataset, department):
    other = factories.make_dataset(department, name="aaa-first")
    factories.make_dataset(department, state=State.DRAFT, name="zzz-draft")

    names = ckan.action.package_list()
    paged = ckan.action.package_list(limit=1, offset=1)
    current = ckan.action.current_package_list_with_resources(limit=10)

    assert names == ["aaa-first", "gongjiao-zhandian"]
    assert paged == ["gongjiao-zhandian"]
    assert {p["name"] for p in current} == {other.name, dataset.name}
    assert all(set(p) == PACKAGE_KEYS for p in current)


def test_both_prefixes_and_get_answer_alike(client, dataset):
    by_post = remote(client).action.package_show(id=dataset.name)
    by_get = remote(client, get_only=True).action.package_show(id=dataset.name)
    versioned = client.get(f"/api/3/action/package_show?id={dataset.name}").json()

    assert by_get == by_post == versioned["result"]
    assert versioned["success"] is True
    assert versioned["help"].endswith("/api/3/action/help_show?name=package_show")


def test_forms_and_repeated_parameters_are_read_like_ckan(client, dataset):
    form = client.post("/api/3/action/package_show", {"id": dataset.name})
    legacy = client.post(
        "/api/3/action/package_show",
        f'{{"id": "{dataset.name}"}}',
        "application/x-www-form-urlencoded",
    )
    repeated = client.get(
        "/api/3/action/package_search?facet.field=organization&facet.field=tags"
    ).json()["result"]

    assert form.json()["result"]["name"] == dataset.name
    assert legacy.json()["result"]["name"] == dataset.name
    assert set(repeated["facets"]) == {"organization", "tags"}


def test_organizations_are_departments(ckan, dataset, department, other_department):
    names = ckan.action.organization_list()
    full = ckan.action.organization_list(all_fields=True, sort="package_count desc")
    shown = ckan.action.organization_show(id="jiaotong", include_datasets=True)

    assert sorted(names) == ["huanjing", "jiaotong"]
    assert [(o["name"], o["package_count"]) for o in full] == [("jiaotong", 1), ("huanjing", 0)]
    assert shown["id"] == str(department.pk) and shown["title"] == "省交通运输厅"
    assert shown["package_count"] == 1
    assert [p["name"] for p in shown["packages"]] == [dataset.name]
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="no-such-department")


def test_groups_are_the_domains(ckan, dataset):
    names = ckan.action.group_list()
    full = {g["name"]: g for g in ckan.action.group_list(all_fields=True)}
    by_name = ckan.action.group_show(id="domain-6", include_datasets=True)
    by_id = ckan.action.group_show(id=by_name["id"])

    assert len(names) == 21 and "domain-6" in names and "domain-99" not in names
    assert full["domain-6"]["package_count"] == 1
    assert full["domain-6"]["title"] == "交通运输"
    assert by_name["is_organization"] is False
    assert [p["name"] for p in by_name["packages"]] == [dataset.name]
    assert by_id["name"] == "domain-6"
    with pytest.raises(NotFound):
        ckan.action.group_show(id="domain-77")


def test_tags_are_the_keywords_of_public_datasets(ckan, dataset, department):
    hidden = factories.make_dataset(department, state=State.DRAFT)
    hidden.tags.set([Tag.objects.create(name="草稿标签")])

    assert ckan.action.tag_list() == ["交通", "公交"]
    assert ckan.action.tag_list(query="公") == ["公交"]
    assert ckan.action.tag_list(all_fields=True)[0]["name"] == "交通"
    with pytest.raises(NotFound):
        ckan.action.tag_list(vocabulary_id="country_codes")


def test_license_list_is_the_licence_code_list(ckan):
    licences = {item["id"]: item for item in ckan.action.license_list()}

    assert licences["CC-BY-4.0"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert licences["kaifang-open-1.0"]["title"] == "政府开放数据使用协议"


def test_help_show_explains_an_action(ckan):
    assert "resource_id" in ckan.action.help_show(name="datastore_search")
    with pytest.raises(NotFound):
        ckan.action.help_show(name="no_such_action")


def test_errors_have_ckans_shape_and_status(db, client, ckan):
    missing = client.get("/api/3/action/package_show?id=nothing-here")
    unknown = client.get("/api/3/action/no_such_action")
    write_by_get = client.get("/api/3/action/package_create")
    bad_json = client.post("/api/3/action/package_show", "{oops", "application/json")

    assert missing.status_code == 404
    assert missing.json()["success"] is False
    assert missing.json()["error"]["__type"] == "Not Found Error"
    assert "nothing-here" in missing.json()["error"]["message"]
    assert unknown.status_code == 400 and "no_such_action" in unknown.json()["error"]["message"]
    assert write_by_get.status_code == 400 and "POST" in write_by_get.json()["error"]["message"]
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]["message"]
    with pytest.raises(CKANAPIError):
        ckan.call_action("no_such_action")
    with pytest.raises(ValidationError) as refused:
        ckan.action.package_show()
    assert "id" in refused.value.error_dict


def test_a_bad_token_is_refused_not_ignored(client, dataset):
    from ckanapi.errors import NotAuthorized

    with pytest.raises(NotAuthorized):
        remote(client, "kf_not-a-real-token").action.package_show(id=dataset.name)
