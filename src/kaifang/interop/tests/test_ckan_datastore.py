"""`datastore_search` and `datastore_search_sql` over the datastore query layer: CKAN's field
types with `_id` first, `_id` counting from 1, filters, q, fields, sort, limit, offset,
include_total and `_links`; SQL naming tables by resource id; the visibility gate, 需申请 for
conditional data and the SQL endpoint's rate limit."""

from __future__ import annotations

import pytest
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound, ValidationError

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.datastore.tests.tables import field, make_table
from kaifang.interop.ckan.testing import remote

FIELDS = [
    field("城市", "text", label="所在城市", description="地级市"),
    field("数量", "integer"),
    field("金额", "decimal"),
    field("比率", "float"),
    field("日期", "date"),
    field("时间", "datetime"),
    field("开放", "boolean"),
]
ROWS = [
    {"城市": "杭州", "数量": 3, "金额": "12.50", "比率": 0.5, "日期": "2024-01-05",
     "时间": "2024-01-05 08:30:00", "开放": True},
    {"城市": "宁波", "数量": 5, "金额": "7.00", "比率": 0.25, "日期": "2024-02-01",
     "时间": "2024-02-01 09:00:00", "开放": False},
    {"城市": "温州", "数量": 1, "金额": "3.10", "比率": 1.0, "日期": "2024-03-01",
     "时间": "2024-03-01 10:00:00", "开放": True},
]  # fmt: skip


@pytest.fixture
def ckan(client):
    return remote(client)


@pytest.fixture
def table(department):
    return make_table(factories.make_dataset(department, title="客流统计"), ROWS, FIELDS)


def _rid(table) -> str:
    return str(table.resource_id)


def test_fields_are_typed_as_ckan_types_with_id_first(ckan, table):
    result = ckan.action.datastore_search(resource_id=_rid(table))

    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "城市", "type": "text", "info": {"label": "所在城市", "notes": "地级市"}},
        {"id": "数量", "type": "int"},
        {"id": "金额", "type": "numeric"},
        {"id": "比率", "type": "numeric"},
        {"id": "日期", "type": "date"},
        {"id": "时间", "type": "timestamp"},
        {"id": "开放", "type": "bool"},
    ]
    assert result["records"][0] == {
        "_id": 1, "城市": "杭州", "数量": 3, "金额": 12.5, "比率": 0.5, "日期": "2024-01-05",
        "时间": "2024-01-05T08:30:00", "开放": True,
    }  # fmt: skip
    assert result["total"] == 3 and result["resource_id"] == _rid(table)
    assert result["limit"] == 100 and result["offset"] == 0


def test_filters_q_fields_sort_and_pages(ckan, table):
    rid = _rid(table)

    filtered = ckan.action.datastore_search(resource_id=rid, filters={"城市": ["杭州", "温州"]})
    searched = ckan.action.datastore_search(resource_id=rid, q="宁")
    by_column = ckan.action.datastore_search(resource_id=rid, q={"城市": "州"})
    chosen = ckan.action.datastore_search(resource_id=rid, fields="城市,数量", sort="数量 desc")
    paged = ckan.action.datastore_search(resource_id=rid, limit=1, offset=1, sort="_id")
    by_id = ckan.action.datastore_search(resource_id=rid, filters={"_id": 3})

    assert [r["城市"] for r in filtered["records"]] == ["杭州", "温州"]
    assert filtered["total"] == 2
    assert [r["城市"] for r in searched["records"]] == ["宁波"]
    assert [r["城市"] for r in by_column["records"]] == ["杭州", "温州"]
    assert [f["id"] for f in chosen["fields"]] == ["_id", "城市", "数量"]
    assert chosen["records"][0] == {"_id": 2, "城市": "宁波", "数量": 5}
    assert [r["_id"] for r in paged["records"]] == [2]
    assert [r["城市"] for r in by_id["records"]] == ["温州"]


def test_links_lead_to_the_first_and_next_page(client, table):
    rid = _rid(table)
    ckan = remote(client, get_only=True)

    first = ckan.action.datastore_search(resource_id=rid, limit=2)
    after = client.get(first["_links"]["next"]).json()["result"]
    again = client.get(first["_links"]["start"]).json()["result"]

    assert first["_links"]["start"].startswith("/api/action/datastore_search?")
    assert [r["_id"] for r in after["records"]] == [3]
    assert again["records"] == first["records"]


def test_links_keep_the_filters_of_a_posted_search(client, ckan, table):
    first = ckan.action.datastore_search(
        resource_id=_rid(table), filters={"开放": True}, fields=["城市"], limit=1
    )
    after = client.get(first["_links"]["next"]).json()["result"]

    assert [r["城市"] for r in first["records"]] == ["杭州"]
    assert after["records"] == [{"_id": 3, "城市": "温州"}]


def test_include_total_false_leaves_the_count_out(ckan, table):
    result = ckan.action.datastore_search(resource_id=_rid(table), include_total=False)

    assert "total" not in result and len(result["records"]) == 3


@pytest.mark.parametrize(
    ("asked", "field_name"),
    [
        ({"filters": {"没有的列": 1}}, "filters"),
        ({"filters": {"数量": "很多"}}, "filters"),
        ({"filters": "[1, 2]"}, "filters"),
        ({"fields": "城市,无此列"}, "fields"),
        ({"sort": "无此列 desc"}, "sort"),
        ({"limit": -1}, "limit"),
        ({"records_format": "csv"}, "records_format"),
    ],
)
def test_bad_parameters_are_validation_errors(ckan, table, asked, field_name):
    with pytest.raises(ValidationError) as refused:
        ckan.action.datastore_search(resource_id=_rid(table), **asked)

    assert field_name in refused.value.error_dict


def test_hidden_and_unknown_resources_are_not_found(ckan, department):
    hidden = make_table(factories.make_dataset(department, state=State.DRAFT), ROWS, FIELDS)

    for rid in (_rid(hidden), "00000000-0000-0000-0000-000000000000", "not-an-id"):
        with pytest.raises(NotFound):
            ckan.action.datastore_search(resource_id=rid)


def test_conditional_data_needs_a_grant(ckan, department):
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "需签署协议"}
    )
    table = make_table(dataset, ROWS, FIELDS)

    with pytest.raises(NotAuthorized):
        ckan.action.datastore_search(resource_id=_rid(table))
    with pytest.raises(NotAuthorized):
        ckan.action.datastore_search_sql(sql=f'SELECT * FROM "{_rid(table)}"')  # noqa: S608


def test_sql_names_the_table_by_resource_id(ckan, table):
    sql = f'SELECT "城市", "数量" * 2 AS "双倍" FROM "{_rid(table)}" ORDER BY "数量"'  # noqa: S608

    result = ckan.action.datastore_search_sql(sql=sql)

    assert result["fields"] == [{"id": "城市", "type": "text"}, {"id": "双倍", "type": "int"}]
    assert result["records"] == [
        {"城市": "温州", "双倍": 2},
        {"城市": "杭州", "双倍": 6},
        {"城市": "宁波", "双倍": 10},
    ]
    assert result["sql"] == sql and "records_truncated" not in result


def test_sql_results_past_the_cap_are_marked_truncated(ckan, table, monkeypatch):
    from kaifang.interop.ckan import datastore

    monkeypatch.setattr(datastore, "SQL_LIMIT", 2)

    result = ckan.action.datastore_search_sql(sql=f'SELECT * FROM "{_rid(table)}"')  # noqa: S608

    assert len(result["records"]) == 2 and result["records_truncated"] is True


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM data",
        "SELECT 1",
        "SELEC nonsense",
        'SELECT * FROM "{rid}"; DROP TABLE x',
        "SELECT * FROM read_csv('/etc/passwd') , \"{rid}\"",
    ],
)
def test_sql_that_is_not_one_read_of_one_resource_is_refused(ckan, table, sql):
    with pytest.raises(ValidationError) as refused:
        ckan.action.datastore_search_sql(sql=sql.format(rid=_rid(table)))

    assert "sql" in refused.value.error_dict


def test_sql_over_two_resources_is_refused(ckan, table, department):
    other = make_table(factories.make_dataset(department), ROWS, FIELDS)
    sql = f'SELECT * FROM "{_rid(table)}" JOIN "{_rid(other)}" USING ("城市")'  # noqa: S608

    with pytest.raises(ValidationError):
        ckan.action.datastore_search_sql(sql=sql)


def test_sql_takes_the_sql_endpoints_rate_limit(client, table, settings):
    settings.KAIFANG = {**settings.KAIFANG, "QUERY_RATE": (2, 60)}
    ckan = remote(client)
    sql = f'SELECT count(*) AS n FROM "{_rid(table)}"'  # noqa: S608

    ckan.action.datastore_search_sql(sql=sql)
    ckan.action.datastore_search_sql(sql=sql)
    response = client.post("/api/3/action/datastore_search_sql", {"sql": sql}, "application/json")

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["success"] is False
    with pytest.raises(CKANAPIError):
        ckan.action.datastore_search_sql(sql=sql)
