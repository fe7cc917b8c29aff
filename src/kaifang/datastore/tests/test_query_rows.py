"""Rows queries over a real Parquet file: columns, filters, where, q, sort, pages, cursors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kaifang.catalog.tests import factories
from kaifang.core.errors import Invalid
from kaifang.datastore.query.rows import RowsParams, query_rows
from kaifang.datastore.tests.tables import make_table

FIELDS = [
    {"id": "城市", "type": "text"},
    {"id": "数值", "type": "integer"},
    {"id": "金额", "type": "decimal"},
    {"id": "日期", "type": "date"},
    {"id": "名称", "type": "text"},
]

ROWS = [
    {"城市": "杭州", "数值": 5, "金额": "1.50", "日期": "2024-01-03", "名称": "西湖Park"},
    {"城市": "宁波", "数值": 12, "金额": "2.25", "日期": "2024-02-10", "名称": "天一阁"},
    {"城市": "杭州", "数值": 20, "金额": None, "日期": "2024-03-15", "名称": "灵隐寺"},
    {"城市": "温州", "数值": None, "金额": "9.00", "日期": None, "名称": "雁荡山park"},
    {"城市": "杭州", "数值": 12, "金额": "3.00", "日期": "2024-02-01", "名称": "管理处"},
]


@pytest.fixture
def table(department):
    dataset = factories.make_dataset(department)
    return make_table(dataset, ROWS, FIELDS)


def ask(table, **query):
    return query_rows(table, RowsParams.from_query(query))


@pytest.mark.both_engines
def test_given_no_parameters_when_rows_asked_then_all_rows_in_file_order_with_typed_values(table):
    result = ask(table)

    assert result.total == 5
    assert result.next is None
    assert [f["id"] for f in result.fields] == ["城市", "数值", "金额", "日期", "名称"]
    assert result.fields[1] == {"id": "数值", "type": "integer", "label": "数值"}
    assert result.records[0] == {
        "城市": "杭州",
        "数值": 5,
        "金额": Decimal("1.50"),
        "日期": date(2024, 1, 3),
        "名称": "西湖Park",
    }
    assert [r["名称"] for r in result.records] == [r["名称"] for r in ROWS]


def test_given_fields_when_rows_asked_then_only_those_columns_come_back(table):
    result = ask(table, fields="名称, 城市")

    assert [f["id"] for f in result.fields] == ["名称", "城市"]
    assert result.records[1] == {"名称": "天一阁", "城市": "宁波"}


@pytest.mark.both_engines
def test_given_equality_and_operator_filters_when_rows_asked_then_only_matching_rows(table):
    result = ask(table, filters='{"城市": "杭州", "数值": {"gte": 10, "lt": 20}}')

    assert [r["名称"] for r in result.records] == ["管理处"]
    assert result.total == 1


def test_given_a_list_filter_when_rows_asked_then_any_of_the_values_matches(table):
    result = ask(table, filters='{"城市": ["宁波", "温州"]}', fields="城市")

    assert [r["城市"] for r in result.records] == ["宁波", "温州"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ('{"数值": {"eq": 12}}', ["天一阁", "管理处"]),
        ('{"数值": {"ne": 12}}', ["西湖Park", "灵隐寺", "雁荡山park"]),
        ('{"数值": {"lte": 12}}', ["西湖Park", "天一阁", "管理处"]),
        ('{"数值": {"gt": 12}}', ["灵隐寺"]),
        ('{"数值": {"in": [5, 20]}}', ["西湖Park", "灵隐寺"]),
        ('{"数值": {"between": [6, 12]}}', ["天一阁", "管理处"]),
        ('{"数值": {"isnull": true}}', ["雁荡山park"]),
        ('{"数值": null}', ["雁荡山park"]),
        ('{"名称": {"contains": "PARK"}}', ["西湖Park", "雁荡山park"]),
        ('{"名称": {"contains": "管理"}}', ["管理处"]),
        ('{"名称": {"startswith": "天一"}}', ["天一阁"]),
        ('{"日期": {"gte": "2024-02-01", "lt": "2024-03-01"}}', ["天一阁", "管理处"]),
        ('{"金额": {"gt": "2.5"}}', ["雁荡山park", "管理处"]),
    ],
)
def test_given_each_operator_when_rows_asked_then_the_matching_rows(table, filters, expected):
    result = ask(table, filters=filters, fields="名称")

    assert [r["名称"] for r in result.records] == expected


def test_given_a_where_expression_when_rows_asked_then_it_selects_rows(table):
    result = ask(table, where="数值 >= 10 AND (城市 = '杭州' OR 名称 LIKE '天%')", fields="名称")

    assert [r["名称"] for r in result.records] == ["天一阁", "灵隐寺", "管理处"]
    assert result.total == 3


def test_given_where_with_functions_and_dates_when_rows_asked_then_it_works(table):
    result = ask(table, where="month(日期) = 2 and lower(名称) not like '%park%'", fields="名称")

    assert [r["名称"] for r in result.records] == ["天一阁", "管理处"]


def test_given_q_when_rows_asked_then_text_columns_match_case_insensitively(table):
    assert [r["名称"] for r in ask(table, q="park").records] == ["西湖Park", "雁荡山park"]
    assert [r["名称"] for r in ask(table, q="管理").records] == ["管理处"]
    assert [r["名称"] for r in ask(table, q="宁波").records] == ["天一阁"]
    assert ask(table, q="上海").total == 0


@pytest.mark.both_engines
def test_given_sort_when_rows_asked_then_ties_are_broken_by_row_order_and_nulls_last(table):
    result = ask(table, sort="数值 desc", fields="名称")

    # Descending: the null first (nulls are largest), then 20, then the two 12s in file order.
    assert [r["名称"] for r in result.records] == [
        "雁荡山park",
        "灵隐寺",
        "天一阁",
        "管理处",
        "西湖Park",
    ]
    # 城市 descending by code point puts 杭州 (U+676D) before 宁波 (U+5B81) among the 12s.
    ascending = ask(table, sort="数值, 城市 desc", fields="名称")
    assert [r["名称"] for r in ascending.records] == [
        "西湖Park",
        "管理处",
        "天一阁",
        "灵隐寺",
        "雁荡山park",
    ]


def test_given_limit_and_offset_when_rows_asked_then_that_slice_and_a_next_cursor(table):
    result = ask(table, limit="2", offset="1", fields="名称")

    assert [r["名称"] for r in result.records] == ["天一阁", "灵隐寺"]
    assert result.total == 5
    assert result.next is not None


@pytest.mark.both_engines
@pytest.mark.parametrize("sort", ["", "数值", "数值 desc", "日期 desc, 城市", "金额, 名称 desc"])
def test_given_cursor_paging_when_followed_to_the_end_then_every_row_once_in_order(table, sort):
    whole = [r["名称"] for r in ask(table, sort=sort, fields="名称").records]
    seen, cursor = [], None
    while True:
        page = ask(
            table, sort=sort, fields="名称", limit="2", **({"cursor": cursor} if cursor else {})
        )
        seen += [r["名称"] for r in page.records]
        cursor = page.next
        if cursor is None:
            break

    assert seen == whole
    assert len(seen) == 5


def test_given_a_cursor_of_another_question_when_used_then_400_naming_cursor(table):
    cursor = ask(table, limit="2").next

    with pytest.raises(Invalid) as caught:
        ask(table, limit="2", sort="数值", cursor=cursor)

    assert caught.value.status == 400
    assert "cursor" in caught.value.errors


def test_given_a_forged_cursor_when_used_then_400_naming_cursor(table):
    with pytest.raises(Invalid) as caught:
        ask(table, cursor="eyJmIjoieCJ9:forged:sig")

    assert list(caught.value.errors) == ["cursor"]


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ({"fields": "不存在"}, "fields", "不存在"),
        ({"sort": "不存在 desc"}, "sort", "不存在"),
        ({"filters": '{"不存在": 1}'}, "filters", "不存在"),
        ({"filters": '{"数值": {"like": 1}}'}, "filters", "like"),
        ({"filters": '{"数值": "abc"}'}, "filters", "整数"),
        ({"filters": '{"日期": {"gt": "昨天"}}'}, "filters", "日期"),
        ({"filters": '{"数值": {"contains": "1"}}'}, "filters", "contains"),
        ({"filters": "[1, 2]"}, "filters", "JSON"),
        ({"filters": "{oops"}, "filters", "JSON"),
        ({"where": "不存在 > 1"}, "where", "不存在"),
        ({"where": "数值 > (select 1)"}, "where", "SELECT"),
        ({"where": "数值 >"}, "where", "条件"),
        ({"where": "城市 > 1"}, "where", "where"),
        ({"limit": "10001"}, "limit", "10000"),
        ({"limit": "abc"}, "limit", "abc"),
        ({"offset": "-1"}, "offset", "-1"),
    ],
)
def test_given_a_bad_parameter_when_rows_asked_then_400_names_it(table, query, parameter, words):
    with pytest.raises(Invalid) as caught:
        ask(table, **query)

    assert caught.value.status == 400
    assert list(caught.value.errors) == [parameter]
    assert parameter in caught.value.message
    assert words in caught.value.message
