"""The native read API (/api/v1): shapes, filters, errors, visibility and authentication."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone, translation

from kaifang.accounts import services as accounts
from kaifang.catalog.models import AccessGrant, DatasetNameRedirect, Resource
from kaifang.catalog.schema import _load, get_schema
from kaifang.catalog.tests import factories
from kaifang.search.tests import sample

API = "/api/v1"
SUMMARY_KEYS = {
    "id",
    "name",
    "title",
    "identifier",
    "summary",
    "department",
    "region",
    "domain",
    "open_type",
    "update_frequency",
    "code_labels",
    "is_high_value",
    "is_realtime",
    "formats",
    "published_at",
    "updated_at",
    "download_count",
    "urls",
}
RESOURCE_KEYS = {
    "id",
    "name",
    "title",
    "description",
    "kind",
    "format",
    "size",
    "media_type",
    "url",
    "updated",
    "api_parameters",
    "api_sample",
}
FACET_NAMES = {
    "domain",
    "department",
    "region",
    "format",
    "open_type",
    "update_frequency",
    "high_value",
    "realtime",
    "has_api",
}


@pytest.fixture(autouse=True)
def _chinese():
    """Labels are asserted in Chinese, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def catalog(department, other_department):
    return sample.build(department, other_department)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields"}
    return body["error"]


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- the list -------------------------------------------------------------------------------


def test_list_answers_count_results_and_facets(client, catalog):
    response = client.get(f"{API}/datasets", {"limit": 1})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"count", "results", "facets", "suggestion"}
    assert body["suggestion"] is None  # only a search that found nothing is corrected
    assert body["count"] == 5
    assert len(body["results"]) == 1
    assert set(body["facets"]) == FACET_NAMES
    for values in body["facets"].values():
        for value in values:
            assert set(value) == {"value", "label", "count"}
    assert sum(v["count"] for v in body["facets"]["domain"]) == body["count"]
    assert len(body["facets"]["domain"]) == 21


def test_list_summary_has_the_slim_shape(client, catalog):
    hospitals = catalog.hospitals

    item = client.get(f"{API}/datasets", {"limit": 1}).json()["results"][0]

    assert set(item) == SUMMARY_KEYS
    assert _when(item.pop("updated_at")) == hospitals.updated_at.replace(
        microsecond=hospitals.updated_at.microsecond // 1000 * 1000
    )
    assert item == {
        "id": str(hospitals.pk),
        "name": hospitals.name,
        "title": "西湖区医院名录",
        "identifier": hospitals.identifier,
        "summary": "医院名称、地址与附近公交站。",
        "department": {
            "id": str(catalog.county_dept.pk),
            "name": "xihu-health",
            "title": "西湖区卫生健康局",
        },
        "region": {"code": "330106", "name": "西湖区"},
        "domain": "2",
        "open_type": "open",
        "update_frequency": "yearly",
        "code_labels": {
            "domain": "医疗卫生",
            "open_type": "无条件开放",
            "update_frequency": "每年",
        },
        "is_high_value": False,
        "is_realtime": False,
        "formats": ["XLSX"],
        "published_at": timezone.localdate(hospitals.published_at).isoformat(),
        "download_count": 100,
        "urls": {
            "page": f"http://testserver/datasets/{hospitals.name}/",
            "api": f"http://testserver{API}/datasets/{hospitals.name}",
        },
    }


def test_list_filters_with_region_roll_up(client, catalog):
    body = client.get(f"{API}/datasets", {"region": "330100", "sort": "title"}).json()

    assert body["count"] == 2
    assert [d["title"] for d in body["results"]] == ["杭州公交线路", "西湖区医院名录"]
    regions = {v["value"]: v["count"] for v in body["facets"]["region"]}
    assert regions["330000"] == 5  # the region facet leaves its own filter out
    assert sum(v["count"] for v in body["facets"]["domain"]) == 2


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"q": "公交"}, {"公交站点", "杭州公交线路", "西湖区医院名录"}),
        ({"domain": "6"}, {"公交站点", "杭州公交线路"}),
        ({"department": "xihu-health"}, {"西湖区医院名录"}),
        ({"format": "csv"}, {"公交站点", "杭州公交线路", "空气质量小时数据"}),
        ({"open_type": "conditional"}, {"空气质量小时数据"}),
        ({"update_frequency": "quarterly"}, {"宁波企业信用评价"}),
        ({"domain": "6", "region": "330100"}, {"杭州公交线路"}),
        # several values of one filter: repeated, or as a comma list
        ({"domain": ["6", "2"]}, {"公交站点", "杭州公交线路", "西湖区医院名录"}),
        ({"domain": "6,2"}, {"公交站点", "杭州公交线路", "西湖区医院名录"}),
        ({"format": "json,xlsx", "region": "330100"}, {"杭州公交线路", "西湖区医院名录"}),
        ({"realtime": "true"}, {"空气质量小时数据"}),
        ({"has_api": "true"}, set()),
    ],
)
def test_list_filters(client, catalog, query, titles):
    body = client.get(f"{API}/datasets", query).json()

    assert {d["title"] for d in body["results"]} == titles
    assert body["count"] == len(titles)


def test_list_facets_of_several_values_honour_the_other_filters(client, catalog):
    body = client.get(f"{API}/datasets", {"domain": "6,2", "update_frequency": "daily"}).json()
    domains = {v["value"]: v["count"] for v in body["facets"]["domain"]}
    frequencies = {v["value"]: v["count"] for v in body["facets"]["update_frequency"]}

    assert [d["title"] for d in body["results"]] == ["杭州公交线路"]
    assert (domains["6"], domains["2"], domains["10"]) == (1, 0, 0)
    assert frequencies == {"daily": 1, "monthly": 1, "yearly": 1}
    assert {v["value"]: v["count"] for v in body["facets"]["realtime"]} == {"false": 1}


def test_list_facets_honour_the_other_filters(client, catalog):
    body = client.get(f"{API}/datasets", {"domain": "6"}).json()
    domains = {v["value"]: v["count"] for v in body["facets"]["domain"]}
    departments = {v["value"]: v["count"] for v in body["facets"]["department"]}

    assert body["count"] == 2
    assert sum(domains.values()) == 5
    assert departments == {"jiaotong": 1, "hz-data": 1}


def test_list_sorts_and_pages(client, catalog):
    everything = client.get(f"{API}/datasets", {"sort": "downloads"}).json()["results"]

    page = client.get(f"{API}/datasets", {"sort": "downloads", "limit": 2, "offset": 1}).json()

    assert [d["download_count"] for d in everything] == [100, 50, 20, 5, 0]
    assert [d["name"] for d in page["results"]] == [d["name"] for d in everything[1:3]]
    assert page["count"] == 5


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"limit": 1000}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"offset": -5}, "offset"),
        ({"sort": "random"}, "sort"),
        ({"domain": "77"}, "domain"),
        ({"region": "hangzhou"}, "region"),
    ],
)
def test_list_rejects_a_bad_parameter_naming_it(client, catalog, query, name):
    response = client.get(f"{API}/datasets", query)

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_error"
    assert name in error["message"]
    assert list(error["fields"]) == [name]
    assert re.search(r"[\u4e00-\u9fff]", error["message"])


def test_list_hides_private_and_unpublished_datasets(client, catalog):
    titles = {d["title"] for d in client.get(f"{API}/datasets", {"limit": 100}).json()["results"]}

    assert "公交内部调度" not in titles
    assert "公交草稿" not in titles
    assert "公交已下线" not in titles


def test_list_query_budget_does_not_grow_with_the_page(
    client, catalog, django_assert_max_num_queries, search_index
):
    for n in range(30):
        dataset = factories.make_dataset(catalog.city_dept, title=f"批量数据{n}")
        factories.make_link_resource(dataset, format="CSV")
        dataset.tags.create(name=f"标签{n}")
    search_index()

    with django_assert_max_num_queries(11):
        body = client.get(f"{API}/datasets", {"limit": 100, "q": "批量", "region": "330000"})

    assert body.json()["count"] == 30
    assert len(body.json()["results"]) == 30


def test_list_query_budget_with_a_token(
    client, catalog, publisher, django_assert_max_num_queries, search_index
):
    _token, secret = accounts.create_token(publisher, name="budget")
    search_index()

    with django_assert_max_num_queries(13):
        response = client.get(f"{API}/datasets", {"limit": 100}, **_bearer(secret))

    assert response.json()["count"] == 6


# --- the detail ----------------------------------------------------------------------------


def test_detail_has_every_schema_field(client, catalog):
    bus = catalog.bus_stops
    schema_keys = [f.key for f in get_schema().dataset_fields]

    response = client.get(f"{API}/datasets/{bus.name}")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "id",
        "name",
        "state",
        "urls",
        *schema_keys,
        "code_labels",
        "formats",
        "updated_at",
        "data_updated_at",
        "download_count",
        "resources",
    ]
    assert body["id"] == str(bus.pk)
    assert body["state"] == "published"
    assert body["title"] == "公交站点"
    assert body["identifier"] == "330000006001/000001"
    assert body["department"] == {
        "id": str(catalog.province_dept.pk),
        "name": "jiaotong",
        "title": "省交通运输厅",
    }
    assert body["region"] == {"code": "330000", "name": "浙江省"}
    assert body["provider_code"] == catalog.province_dept.code
    assert sorted(body["keywords"]) == ["公交", "站点"]
    assert body["published_at"] == timezone.localdate(bus.published_at).isoformat()
    assert body["open_method"] == ["download"]
    assert body["fields"] == [{"name": "名称", "type": "C", "length": 100}]
    assert body["open_condition"] is None
    assert body["code_labels"]["domain"] == "交通运输"
    assert body["code_labels"]["open_method"] == "数据下载"
    assert body["formats"] == ["CSV"]
    assert body["download_count"] == 50


def test_detail_lists_public_resources_with_download_urls(client, catalog):
    csv = catalog.bus_stops.resources.get()
    lines = client.get(f"{API}/datasets/{catalog.bus_lines.name}").json()["resources"]

    stops = client.get(f"{API}/datasets/{catalog.bus_stops.name}").json()["resources"]

    assert len(stops) == 1
    resource = stops[0]
    assert set(resource) == RESOURCE_KEYS
    assert _when(resource.pop("updated")) <= timezone.now()
    assert resource == {
        "id": str(csv.pk),
        "name": "bus-stops-csv",
        "title": "stops.csv",
        "description": "",
        "kind": "file",
        "format": "CSV",
        "size": csv.current_version.size,
        "media_type": "text/csv",
        "url": f"http://testserver{API}/resources/{csv.pk}/download",
        "api_parameters": None,
        "api_sample": None,
    }
    assert [(r["kind"], r["url"], r["size"]) for r in lines] == [
        ("link", "https://example.org/lines.json", None),
        ("link", "https://example.org/lines.csv", None),
    ]
    assert client.get(f"{API}/datasets/{catalog.credit.name}").json()["resources"] == []


def test_detail_by_id(client, catalog):
    response = client.get(f"{API}/datasets/{catalog.air.pk}")

    assert response.status_code == 200
    assert response.json()["open_condition"] == "需实名认证并签署数据使用协议"


def test_unknown_dataset_is_a_json_404(client, catalog):
    response = client.get(f"{API}/datasets/no-such-dataset")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "未找到数据集“no-such-dataset”。"}
    }


def test_private_and_unpublished_datasets_are_404(client, catalog):
    for dataset in (catalog.private, catalog.draft, catalog.withdrawn):
        response = client.get(f"{API}/datasets/{dataset.name}")
        assert response.status_code == 404, dataset.title
        assert _error(response)["code"] == "not_found"


def test_a_former_name_redirects_to_the_current_one(client, catalog):
    DatasetNameRedirect.objects.create(old_name="bus-stops-old", dataset=catalog.bus_stops)

    response = client.get(f"{API}/datasets/bus-stops-old")

    assert response.status_code == 301
    assert response["Location"] == f"{API}/datasets/{catalog.bus_stops.name}"
    assert client.get(f"{API}/datasets/bus-stops-old", follow=True).json()["title"] == "公交站点"


SWAPPED_SCHEMA = """
name: swapped
version: 2
groups:
  - {key: basic, zh: 基本信息, en: Basics}
dataset:
  - {key: title, label: {zh: 名称, en: Title}, type: text, required: true, column: true,
     group: basic}
  - {key: department, label: {zh: 开放部门, en: Department}, type: department, column: true,
     group: basic}
  - {key: water_grade, label: {zh: 水质类别, en: Water grade}, type: text, group: basic,
     help: {zh: 地表水环境质量类别}}
resource:
  - {key: title, label: {zh: 资源名称, en: Title}, type: text, required: true, column: true}
  - {key: sampling_site, label: {zh: 采样点, en: Sampling site}, type: text}
"""


@pytest.fixture
def swapped_schema(settings, tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text(SWAPPED_SCHEMA, encoding="utf-8")
    settings.KAIFANG = {**settings.KAIFANG, "METADATA_SCHEMA": str(path)}
    _load.cache_clear()
    yield path
    _load.cache_clear()


def test_a_swapped_schema_changes_the_detail_without_code(client, catalog, swapped_schema):
    bus = catalog.bus_stops
    bus.metadata = {**bus.metadata, "water_grade": "II 类"}
    bus.save(update_fields=["metadata"])
    csv = bus.resources.get()
    csv.metadata = {"sampling_site": "武林广场"}
    csv.save(update_fields=["metadata"])

    body = client.get(f"{API}/datasets/{bus.name}").json()

    assert list(body) == [
        "id",
        "name",
        "state",
        "urls",
        "title",
        "department",
        "water_grade",
        "code_labels",
        "formats",
        "updated_at",
        "data_updated_at",
        "download_count",
        "resources",
    ]
    assert body["water_grade"] == "II 类"
    assert body["resources"][0]["sampling_site"] == "武林广场"
    spec = client.get(f"{API}/openapi.json").json()
    detail = spec["components"]["schemas"]["DatasetDetail"]
    assert detail["properties"]["water_grade"]["title"] == "水质类别"
    assert "summary" not in detail["properties"]
    assert "sampling_site" in spec["components"]["schemas"]["ResourceOut"]["properties"]


def test_the_spec_documents_exactly_the_detail_keys(client, catalog):
    spec = client.get(f"{API}/openapi.json").json()
    documented = spec["components"]["schemas"]["DatasetDetail"]["properties"]

    body = client.get(f"{API}/datasets/{catalog.bus_stops.name}").json()

    assert set(documented) == set(body)
    assert set(spec["components"]["schemas"]["ResourceOut"]["properties"]) == set(
        body["resources"][0]
    )


# --- departments, domains, resources ---------------------------------------------------------


def test_departments_with_visible_dataset_counts(client, catalog, publisher):
    body = client.get(f"{API}/departments").json()

    assert body["count"] == 5
    by_name = {d["name"]: d for d in body["results"]}
    city = by_name["hz-data"]
    assert city == {
        "id": str(catalog.city_dept.pk),
        "name": "hz-data",
        "title": "杭州市数据资源局",
        "short_name": "",
        "code": catalog.city_dept.code,
        "description": "",
        "region": {"code": "330100", "name": "杭州市"},
        "parent": None,
        "dataset_count": 1,
        "urls": {
            "page": "http://testserver/departments/hz-data/",
            "api": f"http://testserver{API}/datasets?department=hz-data",
        },
    }
    assert by_name["jiaotong"]["dataset_count"] == 1
    client.force_login(publisher)
    member = {
        d["name"]: d["dataset_count"] for d in client.get(f"{API}/departments").json()["results"]
    }
    assert member["jiaotong"] == 2


def test_domains_lists_21_with_counts(client, catalog):
    body = client.get(f"{API}/domains").json()

    assert body["count"] == 21
    assert [d["code"] for d in body["results"]] == [str(n) for n in range(1, 22)]
    assert sum(d["dataset_count"] for d in body["results"]) == 5
    transport = body["results"][5]
    assert transport == {
        "code": "6",
        "label": "交通运输",
        "dataset_count": 2,
        "urls": {
            "page": "http://testserver/domains/6/",
            "api": f"http://testserver{API}/datasets?domain=6",
        },
    }


def test_resource_detail(client, catalog):
    csv = catalog.bus_stops.resources.get()

    body = client.get(f"{API}/resources/{csv.pk}").json()

    assert set(body) == RESOURCE_KEYS | {"dataset"}
    assert body["dataset"] == {
        "id": str(catalog.bus_stops.pk),
        "name": catalog.bus_stops.name,
        "title": "公交站点",
    }


def test_hidden_resources_are_404(client, catalog):
    hidden = [*catalog.credit.resources.all(), *catalog.private.resources.all()]

    for resource in hidden:
        response = client.get(f"{API}/resources/{resource.pk}")
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"
    assert client.get(f"{API}/resources/{uuid.uuid4()}").status_code == 404


def test_a_malformed_resource_id_is_named(client, db):
    response = client.get(f"{API}/resources/not-a-uuid")

    assert response.status_code == 422
    assert _error(response)["fields"] == {
        "resource_id": ["参数 resource_id 应为 UUID（收到“not-a-uuid”）。"]
    }


# --- downloads -----------------------------------------------------------------------------


def test_download_an_open_file(client, catalog):
    csv = catalog.bus_stops.resources.get()

    response = client.get(f"{API}/resources/{csv.pk}/download")

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    assert content == "站点,经度,纬度\n武林广场,120.16,30.27\n"
    assert response["Content-Type"].startswith("text/csv")


def test_download_of_a_link_redirects(client, catalog):
    link = catalog.bus_lines.resources.first()

    response = client.get(f"{API}/resources/{link.pk}/download")

    assert response.status_code == 302
    assert response["Location"] == "https://example.org/lines.json"


def test_conditional_download_needs_a_grant(client, catalog, citizen):
    air = catalog.air.resources.get()
    _token, secret = accounts.create_token(citizen, name="mine")

    refused = client.get(f"{API}/resources/{air.pk}/download", **_bearer(secret))
    AccessGrant.objects.create(dataset=catalog.air, user=citizen)
    granted = client.get(f"{API}/resources/{air.pk}/download", **_bearer(secret))

    assert refused.status_code == 403
    error = _error(refused)
    assert error["code"] == "access_required"
    assert "需申请" in error["message"]
    assert granted.status_code == 200
    assert client.get(f"{API}/resources/{air.pk}/download").status_code == 403


def test_download_of_a_hidden_resource_is_404(client, catalog):
    private_link = catalog.private.resources.get()

    response = client.get(f"{API}/resources/{private_link.pk}/download")

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


# --- authentication ------------------------------------------------------------------------


def _private_titles(client, **headers) -> set[str]:
    response = client.get(f"{API}/datasets", {"q": "公交"}, **headers)
    assert response.status_code == 200
    return {d["title"] for d in response.json()["results"]} & {"公交内部调度"}


def test_a_member_token_shows_the_department_private_datasets(client, catalog, publisher):
    _token, secret = accounts.create_token(publisher, name="cli")

    assert _private_titles(client) == set()
    assert _private_titles(client, **_bearer(secret)) == {"公交内部调度"}
    assert _private_titles(client, HTTP_AUTHORIZATION=f"Token {secret}") == {"公交内部调度"}
    detail = client.get(f"{API}/datasets/{catalog.private.name}", **_bearer(secret))
    assert detail.status_code == 200


def test_an_outsider_token_does_not(client, catalog, outsider):
    _token, secret = accounts.create_token(outsider, name="cli")

    assert _private_titles(client, **_bearer(secret)) == set()


def test_a_session_counts_for_reads(client, catalog, publisher):
    client.force_login(publisher)

    assert _private_titles(client) == {"公交内部调度"}


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "malformed"])
def test_a_token_that_does_not_work_is_401(client, catalog, publisher, state):
    token, secret = accounts.create_token(publisher, name="cli", expires_days=30)
    header = f"Bearer {secret}"
    if state == "revoked":
        accounts.revoke_token(publisher, token)
    elif state == "expired":
        type(token).objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif state == "unknown":
        header = "Bearer kf_not-a-real-token"
    else:
        header = f"Basic {secret}"

    response = client.get(f"{API}/datasets", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"{API}/datasets/{catalog.bus_stops.name}", HTTP_AUTHORIZATION=header)[
        "WWW-Authenticate"
    ]


# --- errors, docs and the spec ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/datasets/x/y", "/datasets/", "/resources"])
def test_unknown_paths_answer_the_json_404(client, db, path):
    response = client.get(API + path)

    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_found"
    assert f"{API}/docs" in error["message"]


def test_a_method_the_path_does_not_take_is_a_json_405(client, db):
    response = client.post(f"{API}/datasets", {})

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    error = _error(response)
    assert error["code"] == "method_not_allowed"
    assert "POST" in error["message"]


def test_the_api_root_lists_the_entry_points(client, db):
    body = client.get(f"{API}/").json()

    assert body == {
        "datasets": f"http://testserver{API}/datasets",
        "departments": f"http://testserver{API}/departments",
        "domains": f"http://testserver{API}/domains",
        "docs": f"http://testserver{API}/docs",
        "openapi": f"http://testserver{API}/openapi.json",
    }


def test_the_docs_page_uses_no_cdn(client, db):
    response = client.get(f"{API}/docs")

    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, "the page should load Swagger UI"
    for reference in references:
        assert reference.startswith("/static/"), reference
        assert finders.find(reference.removeprefix("/static/")), reference
    assert "//" not in "".join(references)
    assert not re.search(r"https?://", html)


def test_the_spec_is_served(client, db):
    spec = client.get(f"{API}/openapi.json").json()

    assert spec["info"]["title"] == "Kaifang API"
    assert {
        "/api/v1/datasets",
        "/api/v1/datasets/{id_or_name}",
        "/api/v1/departments",
        "/api/v1/domains",
        "/api/v1/resources/{resource_id}",
        "/api/v1/resources/{resource_id}/download",
    } <= set(spec["paths"])
    parameters = {p["name"] for p in spec["paths"]["/api/v1/datasets"]["get"]["parameters"]}
    assert parameters == {
        "q",
        "domain",
        "department",
        "region",
        "format",
        "open_type",
        "update_frequency",
        "high_value",
        "realtime",
        "has_api",
        "sort",
        "limit",
        "offset",
    }


def test_resource_kinds_are_those_of_the_model():
    assert {k for k, _label in Resource.Kind.choices} == {"file", "link", "api"}


def test_the_list_answer_matches_its_documented_model(client, catalog):
    from kaifang.catalog.api.schemas import DatasetList

    body = client.get(f"{API}/datasets", {"limit": 100, "q": ""}).json()

    DatasetList.model_validate(body)  # raises when a field is missing or of the wrong type
    assert body["count"] == len(body["results"]) > 0
