"""`POST /api/v1/resources/{id}/rows`: a publisher's API token appends rows to a published
table or replaces them; sessions, other departments, hidden datasets and bad records are
refused in the API's error shape, and the rows API, the schema and the dataset page follow."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from kaifang.accounts.services import create_token, revoke_token
from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.tests.tables import make_table

FIELDS = [
    {"id": "城市", "type": "text", "label": "所在城市"},
    {"id": "数量", "type": "integer"},
    {"id": "日期", "type": "date"},
]
ROWS = [
    {"城市": "杭州", "数量": 3, "日期": "2024-01-05"},
    {"城市": "宁波", "数量": 5, "日期": "2024-02-01"},
]


@pytest.fixture
def dataset(department):
    return factories.make_dataset(department, title="客流统计")


@pytest.fixture
def table(dataset):
    return make_table(dataset, ROWS, FIELDS)


@pytest.fixture
def secret(publisher):
    return create_token(publisher, name="同步脚本")[1]


def post(client, table, body, secret=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.post(
        f"/api/v1/resources/{table.resource_id}/rows",
        json.dumps(body, ensure_ascii=False),
        "application/json",
        **headers,
    )


def unchanged(table) -> tuple:
    table = DatastoreTable.objects.get(pk=table.pk)
    return table.row_count, table.generation, table.data_path, list(table.parts)


def test_given_a_token_when_rows_appended_then_the_answer_and_the_rows_api_show_them(
    client, table, secret
):
    # when
    response = post(
        client, table, {"records": [{"城市": "湖州", "数量": "9", "日期": "2024-05-01"}]}, secret
    )
    # then
    assert response.status_code == 200
    body = response.json()
    refreshed = DatastoreTable.objects.get(pk=table.pk).refreshed_at
    assert body == {
        "resource": str(table.resource_id),
        "sheet": "",
        "mode": "append",
        "rows_added": 1,
        "row_count": 3,
        "refreshed_at": body["refreshed_at"],
        "generation": 1,
    }
    assert refreshed is not None and body["refreshed_at"].startswith(refreshed.date().isoformat())
    rows = client.get(f"/api/v1/resources/{table.resource_id}/rows").json()
    assert rows["total"] == 3
    assert rows["records"][-1] == {"城市": "湖州", "数量": 9, "日期": "2024-05-01"}


def test_given_a_token_when_rows_replaced_then_only_they_remain(client, table, secret):
    response = post(
        client, table, {"records": [{"城市": "金华"}], "mode": "replace", "sheet": ""}, secret
    )

    assert response.status_code == 200
    assert response.json()["mode"] == "replace" and response.json()["row_count"] == 1
    rows = client.get(f"/api/v1/resources/{table.resource_id}/rows").json()
    assert rows["records"] == [{"城市": "金华", "数量": None, "日期": None}]


def test_the_schema_reports_when_the_data_was_refreshed_and_its_generation(client, table, secret):
    url = f"/api/v1/resources/{table.resource_id}/schema"
    before = client.get(url).json()

    post(client, table, {"records": [{"城市": "湖州"}]}, secret)

    after = client.get(url).json()
    assert before["refreshed_at"] is None and before["generation"] == 0
    assert after["refreshed_at"] is not None and after["generation"] == 1
    assert after["row_count"] == 3


def test_a_bad_value_is_400_naming_record_and_column_and_nothing_changes(client, table, secret):
    before = unchanged(table)

    response = post(
        client, table, {"records": [{"城市": "湖州"}, {"数量": "很多"}, {"人口": 1}]}, secret
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_records"
    assert error["message"].startswith("数据未写入：第 2 条记录的“数量”值“很多”不是整数")
    assert error["fields"] == {
        "records[1].数量": ["第 2 条记录的“数量”值“很多”不是整数（如 42，不带前导零）。"],
        "records[2].人口": ["第 3 条记录有未知的列“人口”。"],
    }
    assert unchanged(table) == before


def test_an_unknown_mode_or_no_records_is_400(client, table, secret):
    bad_mode = post(client, table, {"records": [{}], "mode": "upsert"}, secret)
    empty = post(client, table, {"records": []}, secret)

    assert bad_mode.status_code == 400 and list(bad_mode.json()["error"]["fields"]) == ["mode"]
    assert empty.status_code == 400 and list(empty.json()["error"]["fields"]) == ["records"]


def test_a_body_that_is_not_the_documented_shape_is_refused_in_the_api_shape(client, table, secret):
    not_a_list = post(client, table, {"records": {"城市": "湖州"}}, secret)
    not_json = client.post(
        f"/api/v1/resources/{table.resource_id}/rows",
        "{records: [",
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert not_a_list.status_code == 400
    assert list(not_a_list.json()["error"]["fields"]) == ["records"]
    bad_sheet = post(client, table, {"records": [{}], "sheet": None}, secret)

    assert not_json.status_code == 400
    assert not_json.json()["error"]["message"].startswith("请求体应为 JSON 对象")
    assert bad_sheet.status_code == 400 and list(bad_sheet.json()["error"]["fields"]) == ["sheet"]


def test_a_body_past_the_memory_limit_is_413_in_chinese(client, table, secret, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = post(client, table, {"records": [{"城市": "杭" * 2000}]}, secret)

    assert response.status_code == 413
    assert response.json()["error"]["message"] == "请求体超过 1.0\xa0KB 的上限，请分批提交。"
    assert unchanged(table)[0] == 2


def test_more_records_than_allowed_is_413(client, table, secret, settings):
    settings.KAIFANG = {**settings.KAIFANG, "APPEND_MAX_ROWS": 1}

    response = post(client, table, {"records": [{}, {}]}, secret)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_rows"
    assert unchanged(table)[0] == 2


def test_a_token_of_another_department_is_403(client, table, outsider):
    before = unchanged(table)

    response = post(client, table, {"records": [{}]}, create_token(outsider, name="外部")[1])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert unchanged(table) == before


def test_a_signed_in_session_without_a_token_is_401(client, table, publisher):
    client.force_login(publisher)

    response = post(client, table, {"records": [{"城市": "湖州"}]})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_required"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert unchanged(table)[0] == 2


def test_an_anonymous_caller_is_401_even_for_a_hidden_dataset(client, department):
    hidden = make_table(factories.make_dataset(department, is_private=True), ROWS, FIELDS)

    response = post(client, hidden, {"records": [{}]})

    assert response.status_code == 401


def test_a_revoked_token_is_401(client, table, publisher):
    token, secret = create_token(publisher, name="旧脚本")
    revoke_token(publisher, token)

    response = post(client, table, {"records": [{}]}, secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_conditional_and_private_datasets_take_rows_from_their_department_only(
    client, department, secret, outsider
):
    other = create_token(outsider, name="外部")[1]
    conditional = make_table(
        factories.make_dataset(department, open_type="conditional"), ROWS, FIELDS
    )
    private = make_table(factories.make_dataset(department, is_private=True), ROWS, FIELDS)

    assert post(client, conditional, {"records": [{}]}, secret).status_code == 200
    assert post(client, private, {"records": [{}]}, secret).status_code == 200
    assert post(client, conditional, {"records": [{}]}, other).status_code == 403
    assert post(client, private, {"records": [{}]}, other).status_code == 404


@pytest.mark.parametrize("state", [State.WITHDRAWN, State.DRAFT, State.IN_REVIEW])
def test_an_unpublished_dataset_is_404_even_to_its_author(client, department, secret, state):
    hidden = make_table(factories.make_dataset(department, state=state), ROWS, FIELDS)

    response = post(client, hidden, {"records": [{}]}, secret)

    assert response.status_code == 404
    assert unchanged(hidden)[0] == 2


def test_a_resource_without_a_table_or_sheet_is_404(client, dataset, table, secret):
    link = factories.make_link_resource(dataset)

    no_table = client.post(
        f"/api/v1/resources/{link.pk}/rows",
        json.dumps({"records": [{}]}),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    no_sheet = post(client, table, {"records": [{}], "sheet": "三月"}, secret)

    assert no_table.status_code == 404
    assert no_sheet.status_code == 404


def test_a_cursor_across_a_change_is_400_asking_to_start_again(client, table, secret):
    url = f"/api/v1/resources/{table.resource_id}/rows"
    first = client.get(url, {"limit": 1}).json()

    post(client, table, {"records": [{"城市": "湖州"}]}, secret)
    response = client.get(url, {"limit": 1, "cursor": first["next"]})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "数据已更新，请从第一页重新查询。"


def test_the_dataset_page_shows_when_the_data_was_refreshed(client, dataset, table, secret):
    page = f"/datasets/{dataset.name}/"
    assert "数据更新于" not in client.get(page).content.decode()

    post(client, table, {"records": [{"城市": "湖州"}]}, secret)

    html = unescape(client.get(page).content.decode())
    refreshed = DatastoreTable.objects.get(pk=table.pk).refreshed_at
    shown = re.search(r"数据更新于 <time datetime=\"([^\"]+)\">([^<]+)</time>", html)
    assert shown is not None
    assert shown.group(2) == refreshed.astimezone(_shanghai()).strftime("%Y-%m-%d %H:%M")
    assert "湖州" in html  # the preview was rendered again for the new generation


def test_the_openapi_spec_documents_the_write_beside_the_read(client):
    spec = client.get("/api/v1/openapi.json").json()

    operations = spec["paths"]["/api/v1/resources/{resource_id}/rows"]
    assert set(operations) == {"get", "post"}
    assert operations["post"]["summary"] == "追加或替换数据行"
    assert {"200", "400", "401", "403", "404", "413"} <= set(operations["post"]["responses"])


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
