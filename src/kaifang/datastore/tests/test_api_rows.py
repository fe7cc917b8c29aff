"""The datastore HTTP API: rows, aggregate, schema and SQL through the visibility gate, in
every format, counted, with errors in the API's shape and limits answered with 429."""

from __future__ import annotations

import csv
import io
import json

import pytest
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog.models import AccessGrant, State
from kaifang.catalog.tests import factories
from kaifang.datastore.tests.tables import make_file_resource, make_table

FIELDS = [
    {"id": "城市", "type": "text", "label": "所在城市"},
    {"id": "数量", "type": "integer"},
    {"id": "日期", "type": "date"},
    {"id": "经度", "type": "float"},
    {"id": "纬度", "type": "float"},
    {"id": "备注", "type": "text"},
]
ROWS = [
    {
        "城市": "杭州",
        "数量": 3,
        "日期": "2024-01-05",
        "经度": 120.15,
        "纬度": 30.28,
        "备注": "=cmd()",
    },
    {
        "城市": "宁波",
        "数量": 5,
        "日期": "2024-02-01",
        "经度": 121.55,
        "纬度": 29.87,
        "备注": "港口",
    },
    {"城市": "杭州", "数量": 7, "日期": "2024-02-20", "经度": None, "纬度": None, "备注": "管理处"},
]


@pytest.fixture
def dataset(department):
    return factories.make_dataset(department)


@pytest.fixture
def table(dataset):
    return make_table(dataset, ROWS, FIELDS)


def url(table, endpoint: str) -> str:
    return f"/api/v1/resources/{table.resource_id}/{endpoint}"


@pytest.mark.both_engines
def test_given_a_public_table_when_rows_asked_then_the_documented_json_shape(client, table):
    response = client.get(
        url(table, "rows"), {"sort": "数量 desc", "limit": 2, "fields": "城市,数量,日期"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["fields"] == [
        {"id": "城市", "type": "text", "label": "所在城市"},
        {"id": "数量", "type": "integer", "label": "数量"},
        {"id": "日期", "type": "date", "label": "日期"},
    ]
    assert body["records"] == [
        {"城市": "杭州", "数量": 7, "日期": "2024-02-20"},
        {"城市": "宁波", "数量": 5, "日期": "2024-02-01"},
    ]
    assert body["total"] == 3
    assert isinstance(body["next"], str)
    last = client.get(
        url(table, "rows"),
        {"sort": "数量 desc", "limit": 2, "fields": "城市,数量,日期", "cursor": body["next"]},
    ).json()
    assert last["records"] == [{"城市": "杭州", "数量": 3, "日期": "2024-01-05"}]
    assert last["next"] is None


def test_given_filters_when_rows_asked_over_http_then_they_apply(client, table):
    response = client.get(
        url(table, "rows"), {"filters": json.dumps({"城市": "杭州", "数量": {"gt": 4}})}
    )

    assert [r["数量"] for r in response.json()["records"]] == [7]


def test_given_an_unknown_column_when_rows_asked_then_400_in_the_api_shape(client, table):
    response = client.get(url(table, "rows"), {"filters": '{"人口": 1}'})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_parameter"
    assert "filters" in error["message"] and "人口" in error["message"]
    assert list(error["fields"]) == ["filters"]


def test_given_a_wrong_type_value_when_rows_asked_then_400_naming_the_parameter(client, table):
    response = client.get(url(table, "rows"), {"filters": '{"数量": "很多"}'})

    assert response.status_code == 400
    assert "整数" in response.json()["error"]["message"]


def test_given_csv_format_when_rows_asked_then_csv_with_bom_and_neutralised_formulas(client, table):
    response = client.get(url(table, "rows"), {"format": "csv", "fields": "城市,备注"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Total-Count"] == "3"
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["城市", "备注"], ["杭州", "'=cmd()"], ["宁波", "港口"], ["杭州", "管理处"]]


def test_given_xlsx_format_when_rows_asked_then_a_workbook_with_the_rows(client, table, tmp_path):
    response = client.get(url(table, "rows"), {"format": "xlsx", "fields": "城市,数量"})

    assert response.status_code == 200
    path = tmp_path / "rows.xlsx"
    path.write_bytes(response.content)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0] == ["城市", "数量"]
    assert [row[0] for row in sheet[1:]] == ["杭州", "宁波", "杭州"]
    assert [int(row[1]) for row in sheet[1:]] == [3, 5, 7]


def test_given_xml_format_when_rows_asked_then_one_element_per_row(client, table):
    response = client.get(url(table, "rows"), {"format": "xml", "fields": "城市,数量"})

    root = ElementTree.fromstring(response.content)
    assert [[child.text for child in row] for row in root] == [
        ["杭州", "3"],
        ["宁波", "5"],
        ["杭州", "7"],
    ]


def test_given_coordinates_when_geojson_asked_then_points_with_properties(client, table):
    response = client.get(url(table, "rows"), {"format": "geojson", "fields": "城市"})

    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    assert body["features"][0] == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [120.15, 30.28]},
        "properties": {"城市": "杭州"},
    }
    assert body["features"][2]["geometry"] is None


def test_given_no_coordinates_when_geojson_asked_then_400_naming_format(client, dataset):
    plain = make_table(dataset, [{"名称": "甲"}], [{"id": "名称", "type": "text"}])

    response = client.get(url(plain, "rows"), {"format": "geojson"})

    assert response.status_code == 400
    assert "format" in response.json()["error"]["message"]


def test_given_group_by_when_aggregate_asked_then_one_record_per_group(client, table):
    response = client.get(
        url(table, "aggregate"), {"group_by": "城市", "metrics": "count,sum:数量,avg:数量"}
    )

    assert response.status_code == 200
    body = response.json()
    assert [f["id"] for f in body["fields"]] == ["城市", "count", "sum_数量", "avg_数量"]
    assert body["records"] == [
        {"城市": "宁波", "count": 1, "sum_数量": 5, "avg_数量": 5.0},
        {"城市": "杭州", "count": 2, "sum_数量": 10, "avg_数量": 5.0},
    ]
    assert body["total"] == 2
    assert body["next"] is None


def test_given_a_date_bucket_when_aggregate_asked_then_months(client, table):
    body = client.get(url(table, "aggregate"), {"group_by": "日期:month"}).json()

    assert body["records"] == [
        {"日期_month": "2024-01-01", "count": 1},
        {"日期_month": "2024-02-01", "count": 2},
    ]


def test_given_a_table_when_schema_asked_then_fields_with_labels_and_counts(client, table):
    body = client.get(url(table, "schema")).json()

    assert body["resource"] == str(table.resource_id)
    assert body["row_count"] == 3
    assert body["fields"][0] == {
        "id": "城市",
        "type": "text",
        "label": "所在城市",
        "description": "",
        "unit": "",
    }
    assert body["tables"] == [{"sheet": "", "row_count": 3, "fields": body["fields"]}]
    assert body["table_names"] == ["data", str(table.resource_id)]


@pytest.mark.both_engines
def test_given_a_select_when_sql_posted_then_rows_come_back(client, table):
    sql = "SELECT 城市, sum(数量) AS 合计 FROM data GROUP BY 城市 ORDER BY 合计 DESC"

    response = client.post(url(table, "sql"), {"sql": sql}, content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["fields"] == [
        {"id": "城市", "type": "text", "label": "城市"},
        {"id": "合计", "type": "integer", "label": "合计"},
    ]
    assert body["records"] == [{"城市": "杭州", "合计": 10}, {"城市": "宁波", "合计": 5}]
    assert body["truncated"] is False


def test_given_the_resource_id_as_table_name_when_sql_posted_then_it_reads_the_table(client, table):
    sql = f'SELECT count(*) AS n FROM "{table.resource_id}"'  # noqa: S608

    response = client.post(url(table, "sql"), {"sql": sql}, content_type="application/json")

    assert response.json()["records"] == [{"n": 3}]


def test_given_more_rows_than_the_cap_when_sql_posted_then_truncated(client, table, monkeypatch):
    from kaifang.datastore.api import formats

    monkeypatch.setattr(formats, "SQL_LIMIT", 2)

    body = client.post(
        url(table, "sql"), {"sql": "SELECT * FROM data"}, content_type="application/json"
    ).json()

    assert len(body["records"]) == 2
    assert body["truncated"] is True


def test_given_a_body_that_is_not_json_when_sql_posted_then_400_in_chinese(client, table):
    response = client.post(url(table, "sql"), b"SELECT {", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "请求体无法解析：应为 UTF-8 编码的 JSON 对象。",
    }


def test_given_hostile_sql_when_posted_then_400_naming_sql(client, table):
    response = client.post(
        url(table, "sql"),
        {"sql": "SELECT * FROM read_csv('/etc/passwd')"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["sql"]


@pytest.mark.parametrize("kind", [State.DRAFT, State.WITHDRAWN, "private", "closed"])
def test_given_a_hidden_dataset_when_any_endpoint_asked_then_404(
    client, datasets_in_every_state, kind
):
    table = make_table(datasets_in_every_state[kind], ROWS, FIELDS)

    for endpoint in ("rows", "aggregate", "schema"):
        assert client.get(url(table, endpoint)).status_code == 404, endpoint
    sql = client.post(url(table, "sql"), {"sql": "SELECT 1"}, content_type="application/json")
    assert sql.status_code == 404
    assert ResourceDailyCount.objects.count() == 0


def test_given_conditional_data_when_asked_without_a_grant_then_403_and_with_one_200(
    client, datasets_in_every_state, citizen
):
    dataset = datasets_in_every_state["conditional"]
    table = make_table(dataset, ROWS, FIELDS)
    client.force_login(citizen)

    refused = client.get(url(table, "rows"))
    AccessGrant.objects.create(dataset=dataset, user=citizen)
    granted = client.get(url(table, "rows"))

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "access_required"
    assert "需申请" in refused.json()["error"]["message"]
    assert granted.status_code == 200


def test_given_a_resource_without_a_table_when_rows_asked_then_404_saying_so(client, dataset):
    resource = make_file_resource(dataset)

    response = client.get(f"/api/v1/resources/{resource.pk}/rows")

    assert response.status_code == 404
    assert "暂无可查询的数据" in response.json()["error"]["message"]


def test_given_a_workbook_when_a_sheet_is_named_then_its_table_answers(client, dataset):
    first = make_table(dataset, [{"甲": "一"}], [{"id": "甲"}], sheet="第一页")
    make_table(first.resource, [{"乙": "二"}, {"乙": "三"}], [{"id": "乙"}], sheet="第二页")

    default = client.get(url(first, "rows")).json()
    second = client.get(url(first, "rows"), {"sheet": "第二页"}).json()
    missing = client.get(url(first, "rows"), {"sheet": "第三页"})

    assert default["records"] == [{"甲": "一"}]
    assert second["records"] == [{"乙": "二"}, {"乙": "三"}]
    assert missing.status_code == 404 and "第二页" in missing.json()["error"]["message"]


def test_given_calls_when_made_then_each_counts_as_an_api_call_of_the_day(client, table):
    client.get(url(table, "rows"))
    client.get(url(table, "aggregate"))
    client.get(url(table, "schema"))
    client.post(url(table, "sql"), {"sql": "SELECT 1"}, content_type="application/json")

    assert ResourceDailyCount.objects.get(resource_id=table.resource_id).api_calls == 4


def test_given_the_rate_is_spent_when_aggregate_asked_again_then_429_with_retry_after(
    client, table, settings
):
    settings.KAIFANG = {**settings.KAIFANG, "QUERY_RATE": (2, 60)}

    answers = [client.get(url(table, "aggregate")).status_code for _ in range(3)]
    sql = client.post(url(table, "sql"), {"sql": "SELECT 1"}, content_type="application/json")
    refused = client.get(url(table, "aggregate"))

    assert answers == [200, 200, 429]
    assert sql.status_code == 200  # its own count
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get(url(table, "rows")).status_code == 200  # rows are not rate-limited


def test_given_all_query_slots_taken_when_sql_posted_then_429(client, table, settings):
    from django.core.cache import cache

    from kaifang.datastore import throttle

    settings.KAIFANG = {**settings.KAIFANG, "QUERY_CONCURRENCY": 1}
    cache.set(f"{throttle.PREFIX}:running", 1, 60)

    response = client.post(url(table, "sql"), {"sql": "SELECT 1"}, content_type="application/json")

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert cache.get(f"{throttle.PREFIX}:running") == 1  # the refused call gave its slot back
