"""Aggregates over a real Parquet file: groups, time buckets, metrics, filters, order."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from kaifang.catalog.tests import factories
from kaifang.core.errors import Invalid
from kaifang.datastore.query.aggregate import AggregateParams, aggregate
from kaifang.datastore.tests.tables import make_table

FIELDS = [
    {"id": "城市", "type": "text"},
    {"id": "数量", "type": "integer"},
    {"id": "金额", "type": "decimal"},
    {"id": "数值", "type": "float"},
    {"id": "日期", "type": "date"},
    {"id": "时间", "type": "datetime"},
]

ROWS = [
    {
        "城市": "杭州",
        "数量": 1,
        "金额": "1.50",
        "数值": 2.0,
        "日期": "2024-01-03",
        "时间": "2024-01-03 08:00:00",
    },
    {
        "城市": "宁波",
        "数量": 2,
        "金额": "2.25",
        "数值": 4.0,
        "日期": "2024-01-20",
        "时间": "2024-01-20 09:30:00",
    },
    {
        "城市": "杭州",
        "数量": 3,
        "金额": None,
        "数值": 6.0,
        "日期": "2024-02-15",
        "时间": "2024-02-15 10:00:00",
    },
    {"城市": "杭州", "数量": 4, "金额": "3.00", "数值": None, "日期": "2024-05-01", "时间": None},
]


@pytest.fixture
def table(department):
    return make_table(factories.make_dataset(department), ROWS, FIELDS)


def ask(table, **query):
    return aggregate(table, AggregateParams.from_query(query))


@pytest.mark.both_engines
def test_given_group_by_and_metrics_when_aggregated_then_one_record_per_group(table):
    result = ask(
        table, group_by="城市", metrics="count,sum:数量,avg:数值,max:金额,count_distinct:日期"
    )

    assert [f["id"] for f in result.fields] == [
        "城市",
        "count",
        "sum_数量",
        "avg_数值",
        "max_金额",
        "count_distinct_日期",
    ]
    assert [f["type"] for f in result.fields] == [
        "text",
        "integer",
        "integer",
        "float",
        "decimal",
        "integer",
    ]
    assert result.records == [
        {
            "城市": "宁波",
            "count": 1,
            "sum_数量": 2,
            "avg_数值": 4.0,
            "max_金额": Decimal("2.25"),
            "count_distinct_日期": 1,
        },
        {
            "城市": "杭州",
            "count": 3,
            "sum_数量": 8,
            "avg_数值": 4.0,
            "max_金额": Decimal("3.00"),
            "count_distinct_日期": 3,
        },
    ]
    assert result.total == 2
    assert result.next is None


def test_given_no_group_by_when_aggregated_then_one_record_for_the_whole_table(table):
    result = ask(table, metrics="count,min:日期,sum:金额")

    assert result.records == [
        {"count": 4, "min_日期": date(2024, 1, 3), "sum_金额": Decimal("6.75")}
    ]
    assert result.total == 1


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("month", [(date(2024, 1, 1), 2), (date(2024, 2, 1), 1), (date(2024, 5, 1), 1)]),
        ("quarter", [(date(2024, 1, 1), 3), (date(2024, 4, 1), 1)]),
        ("year", [(date(2024, 1, 1), 4)]),
        (
            "week",
            [
                (date(2024, 1, 1), 1),
                (date(2024, 1, 15), 1),
                (date(2024, 2, 12), 1),
                (date(2024, 4, 29), 1),
            ],
        ),
        (
            "day",
            [
                (date(2024, 1, 3), 1),
                (date(2024, 1, 20), 1),
                (date(2024, 2, 15), 1),
                (date(2024, 5, 1), 1),
            ],
        ),
    ],
)
@pytest.mark.both_engines
def test_given_a_time_bucket_when_aggregated_then_groups_start_at_the_bucket(
    table, bucket, expected
):
    result = ask(table, group_by=f"日期:{bucket}")

    assert result.fields[0]["id"] == f"日期_{bucket}"
    assert result.fields[0]["type"] == "date"
    assert [(r[f"日期_{bucket}"], r["count"]) for r in result.records] == expected


def test_given_a_datetime_bucket_when_aggregated_then_timestamps_and_nulls_last(table):
    result = ask(table, group_by="时间:month")

    assert [(r["时间_month"], r["count"]) for r in result.records] == [
        (datetime(2024, 1, 1), 2),
        (datetime(2024, 2, 1), 1),
        (None, 1),
    ]


def test_given_filters_where_and_sort_when_aggregated_then_applied(table):
    result = ask(
        table,
        group_by="城市",
        metrics="count,sum:数量",
        filters='{"数量": {"gte": 2}}',
        where="日期 < '2024-03-01'",
        sort="sum_数量 desc",
    )

    assert result.records == [
        {"城市": "杭州", "count": 1, "sum_数量": 3},
        {"城市": "宁波", "count": 1, "sum_数量": 2},
    ]


def test_given_limit_and_offset_when_aggregated_then_a_page_of_groups_and_the_total(table):
    result = ask(table, group_by="日期:day", limit="2", offset="1")

    assert [r["日期_day"] for r in result.records] == [date(2024, 1, 20), date(2024, 2, 15)]
    assert result.total == 4


@pytest.mark.parametrize(
    ("limit", "offset", "shown"),
    [
        # the page shows the last group: the total is read off it
        ("10", "0", 4),
        ("4", "0", 4),
        ("3", "2", 2),
        # the page stops short of the last group, is empty, or lies past the end: counted
        ("3", "0", 3),
        ("0", "0", 0),
        ("0", "2", 0),
        ("5", "4", 0),
        ("5", "9", 0),
    ],
)
def test_given_any_page_of_groups_when_aggregated_then_the_total_is_every_group(
    table, limit, offset, shown
):
    result = ask(table, group_by="日期:day", metrics="count", limit=limit, offset=offset)

    assert len(result.records) == shown
    assert result.total == 4


@pytest.mark.parametrize(("limit", "offset"), [("0", "0"), ("1", "0"), ("5", "3")])
def test_given_no_group_by_when_aggregated_then_one_group_in_all(table, limit, offset):
    result = ask(table, metrics="count", limit=limit, offset=offset)

    assert result.total == 1
    assert len(result.records) == (1 if limit != "0" and offset == "0" else 0)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"group_by": "不存在"}, "group_by"),
        ({"group_by": "城市:month"}, "group_by"),
        ({"group_by": "日期:decade"}, "group_by"),
        ({"metrics": "median:数量"}, "metrics"),
        ({"metrics": "sum:城市"}, "metrics"),
        ({"metrics": "avg"}, "metrics"),
        ({"metrics": "sum:不存在"}, "metrics"),
        ({"group_by": "城市", "sort": "数量"}, "sort"),
        ({"filters": '{"数量": "多"}'}, "filters"),
        ({"where": "城市 = (select 1)"}, "where"),
        ({"limit": "20000"}, "limit"),
    ],
)
def test_given_a_bad_parameter_when_aggregated_then_400_names_it(table, query, parameter):
    with pytest.raises(Invalid) as caught:
        ask(table, **query)

    assert caught.value.status == 400
    assert list(caught.value.errors) == [parameter]
    assert parameter in caught.value.message
