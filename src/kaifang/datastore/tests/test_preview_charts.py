"""Which charts a table gets, read from its schema and profile alone, and the chart builder's
state as the URL carries it."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from kaifang.core.errors import Invalid
from kaifang.datastore import charts
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.tests.tables import field


def _table(fields, profile=None) -> DatastoreTable:
    profile = {"columns": profile} if profile else {}
    return DatastoreTable(fields=[field(**f) for f in fields], profile=profile)


def _top(n: int) -> dict:
    return {"nulls": 0, "distinct": n, "top": [[f"类{i}", 10 - i] for i in range(min(n, 10))]}


def test_low_cardinality_text_columns_get_counts_by_category():
    # given
    table = _table(
        [{"id": "区县"}, {"id": "名称"}, {"id": "类别"}, {"id": "等级"}],
        {"区县": _top(12), "名称": _top(4000), "类别": _top(3), "等级": _top(5)},
    )
    # when
    plans = charts.choose(table)
    # then
    assert plans == [charts.Plan("category", ("区县",)), charts.Plan("category", ("类别",))]


def test_category_counts_come_from_the_profile_without_a_query():
    # given
    table = _table([{"id": "类别"}], {"类别": {"distinct": 2, "top": [["甲", 7], [None, 2]]}})
    # when
    chart = charts.build(table, charts.Plan("category", ("类别",)))
    # then
    assert (chart.kind, chart.points) == ("bar", [("甲", 7), ("", 2)])
    assert chart.title == "按“类别”计数"


@pytest.mark.parametrize(
    "names",
    [
        ("经度", "纬度"),
        ("lng", "lat"),
        ("LON", "LAT"),
        ("longitude", "latitude"),
        ("中心经度", "中心纬度"),
    ],
)
def test_numeric_coordinate_columns_get_a_scatter(names):
    # given
    table = _table(
        [{"id": "名称"}, {"id": names[0], "type": "float"}, {"id": names[1], "type": "decimal"}]
    )
    # then
    assert charts.choose(table)[0] == charts.Plan("scatter", names)


def test_coordinates_as_text_or_off_the_globe_get_no_scatter():
    # given
    as_text = _table([{"id": "经度"}, {"id": "纬度"}])
    projected = _table(
        [{"id": "经度", "type": "float"}, {"id": "纬度", "type": "float"}],
        {"经度": {"min": 440000.0, "max": 450000.0}, "纬度": {"min": 3300000.0, "max": 3400000.0}},
    )
    # then
    assert charts.choose(as_text) == [] and charts.choose(projected) == []


@pytest.mark.parametrize(
    "low, high, bucket",
    [
        ("2015-01-01", "2024-12-31", "year"),
        ("2024-01-01", "2024-12-31", "month"),
        ("2024-03-01", "2024-03-31", "day"),
        ("2024-03-01T08:00:00", "2024-05-31T00:00:00", "day"),
        (None, None, "month"),
    ],
)
def test_date_columns_get_a_time_series_bucketed_by_their_span(low, high, bucket):
    # given
    table = _table([{"id": "日期", "type": "date"}], {"日期": {"min": low, "max": high}})
    # then
    assert charts.choose(table) == [charts.Plan("timeseries", ("日期",), bucket=bucket)]


BUILDER_TABLE = _table([{"id": "城市"}, {"id": "数量", "type": "integer"}])


@pytest.mark.parametrize(
    "query, state",
    [
        ("", None),
        ("x=城市", charts.Builder("城市", "", "count")),
        ("x=城市&agg=count&y=数量", charts.Builder("城市", "", "count")),
        ("x=城市&agg=avg&y=数量", charts.Builder("城市", "数量", "avg")),
    ],
)
def test_builder_state_is_read_from_the_url(query, state):
    assert charts.Builder.from_query(QueryDict(query), BUILDER_TABLE) == state


@pytest.mark.parametrize(
    "query, message",
    [
        ("x=人口", "参数 x：没有名为“人口”的列。"),
        ("x=城市&agg=median", "参数 agg 应为 count、sum、avg、min、max 之一（收到“median”）。"),
        ("x=城市&agg=sum", "参数 y：sum 需要一个数值列（收到“”）。"),
        ("x=城市&agg=sum&y=城市", "参数 y：sum 需要一个数值列（收到“城市”）。"),
    ],
)
def test_builder_refuses_bad_state_naming_the_parameter(query, message):
    with pytest.raises(Invalid) as caught:
        charts.Builder.from_query(QueryDict(query), BUILDER_TABLE)
    assert caught.value.message == message
