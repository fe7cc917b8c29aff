"""`/data.json`: Project Open Data 1.1, valid against the non-federal JSON Schema."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.interop.tests.factories import rich_dataset


def _catalog(client) -> dict:
    response = client.get("/data.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))


def _by_title(catalog: dict) -> dict[str, dict]:
    return {d["title"]: d for d in catalog["dataset"]}


def _errors(validator, document: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def test_the_demo_catalog_is_valid_project_open_data(client, demo_catalog, pod_validator):
    from kaifang.interop.selectors import public_datasets

    catalog = _catalog(client)

    assert _errors(pod_validator, catalog) == []
    assert len(catalog["dataset"]) == public_datasets().count() > 20


def test_a_rich_catalog_is_valid_and_the_validator_is_strict(client, department, pod_validator):
    rich_dataset(department, title="地铁客流")
    catalog = _catalog(client)
    broken = json.loads(json.dumps(catalog))
    del broken["dataset"][0]["contactPoint"]
    broken["dataset"][0]["distribution"][0]["downloadURL"] = "不是 地址"

    assert _errors(pod_validator, catalog) == []
    assert len(_errors(pod_validator, broken)) == 2


def test_fields_map_to_pod_keys(client, department):
    dataset = rich_dataset(department, title="地铁客流", update_frequency="monthly")

    record = _by_title(_catalog(client))["地铁客流"]

    assert record["identifier"] == dataset.identifier
    assert record["description"] == "测试用数据集摘要。"
    assert record["publisher"] == {"@type": "org:Organization", "name": "省交通运输厅"}
    assert record["contactPoint"] == {
        "@type": "vcard:Contact",
        "fn": "张工",
        "hasEmail": "mailto:jt@example.gov.cn",
    }
    assert record["accessLevel"] == "public"
    assert record["accrualPeriodicity"] == "R/P1M"
    assert record["theme"] == ["交通运输", "工业、交通、邮政", "交通运输、仓储和邮政业"]
    assert record["keyword"] == ["地铁", "客流"]
    assert record["temporal"] == "2020-01-01/2024-12-31"
    assert record["spatial"] == "浙江省；杭州市主城区"
    assert record["license"] == "http://testserver/codelists/licence#kaifang-open-1.0"
    assert record["rights"] == "引用时请注明来源。"
    assert record["landingPage"] == f"http://testserver/datasets/{dataset.name}/"
    assert record["language"] == ["zh-CN"]


def test_distributions_are_files_links_and_apis(client, department):
    dataset = rich_dataset(department, title="地铁客流")
    table = dataset.resources.get(kind="file")

    distributions = _by_title(_catalog(client))["地铁客流"]["distribution"]

    assert [d["title"] for d in distributions] == [
        "地铁站点客流",
        "地铁站点客流（数据接口）",
        "线路图网页",
        "实时到站接口",
    ]
    file, rows, link, api = distributions
    assert file["downloadURL"] == f"http://testserver/resources/{table.pk}/download"
    assert file["mediaType"] == "text/csv"
    assert file["describedBy"] == f"http://testserver/dataset/{dataset.name}/datapackage.json"
    assert rows["accessURL"] == f"http://testserver/api/v1/resources/{table.pk}/rows"
    assert rows["describedBy"] == "http://testserver/api/v1/openapi.json"
    assert link["accessURL"] == "https://example.org/%E7%BA%BF%E8%B7%AF%20%E5%9B%BE"
    assert api["accessURL"] == "https://api.example.org/arrivals"


def test_a_conditional_dataset_is_restricted_and_links_the_application(client, department):
    dataset = rich_dataset(
        department,
        title="公交刷卡明细",
        open_type="conditional",
        update_frequency="tendays",
        metadata={"open_condition": "需实名认证并签署协议。" * 30},
    )

    record = _by_title(_catalog(client))["公交刷卡明细"]

    assert record["accessLevel"] == "restricted public"
    assert record["accrualPeriodicity"] == "R/P10D"
    assert record["rights"].startswith("需实名认证并签署协议")
    assert len(record["rights"]) == 255 and record["rights"].endswith("…")
    for distribution in record["distribution"]:
        assert "downloadURL" not in distribution
        assert distribution["accessURL"] == (
            f"http://testserver/datasets/{dataset.name}/#terms-title"
        )


def test_hidden_datasets_are_absent(client, datasets_in_every_state):
    titles = set(_by_title(_catalog(client)))

    assert titles == {f"状态{State.PUBLISHED}", "有条件开放数据集"}


def test_data_json_costs_the_same_queries_however_many_datasets(client, department):
    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            _catalog(client)
        return len(captured)

    rich_dataset(department)
    few = queries()
    for _n in range(4):
        rich_dataset(department)
    many = queries()

    assert few == many <= 10


def test_the_second_answer_comes_from_the_cache(client, department):
    factories.make_dataset(department, title="第一版")
    first = _catalog(client)

    with CaptureQueriesContext(connection) as captured:
        again = _catalog(client)

    assert again == first
    assert len(captured) <= 2  # the output stamp only


@pytest.mark.parametrize("frequency", ["never", "irregular"])
def test_frequencies_pod_has_no_repeating_duration_for(client, department, frequency):
    factories.make_dataset(department, title="不规则", update_frequency=frequency)

    record = _by_title(_catalog(client))["不规则"]

    if frequency == "never":
        assert "accrualPeriodicity" not in record
    else:
        assert record["accrualPeriodicity"] == "irregular"
