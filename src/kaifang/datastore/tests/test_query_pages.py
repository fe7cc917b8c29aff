"""Sorted pages found by row id first or in one step, within the bounds read off the table's
first rows or set by a cursor, the count read alongside the page, the kept connections'
settings and the JSON page writer: every page, by offset or by cursor, is exactly the slice of
one order computed here in Python (the sort keys, nulls larger than any value, NaN above every
number, then the row's position)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kaifang.catalog.tests import factories
from kaifang.core.errors import Invalid
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.exporters.structured import json_texts, json_value
from kaifang.datastore.query.connection import connect, shared
from kaifang.datastore.query.filters import Clause
from kaifang.datastore.query.rows import RowsParams, _Total, query_rows
from kaifang.datastore.tests.tables import make_table

FIELDS = [
    {"id": "编号", "type": "integer"},
    {"id": "分组", "type": "text"},
    {"id": "数量", "type": "integer"},
    {"id": "金额", "type": "decimal"},
    {"id": "日期", "type": "date"},
    {"id": "比率", "type": "float"},
    {"id": "空列", "type": "integer"},
]
SORTABLE = ["数量", "金额", "日期", "比率", "分组", "空列", "编号"]
#: how many of the table's first rows a sorted page looks at (a few, some, all of them), and
#: the share of matching rows from which it is found by row id first (0: always; 2: never)
PREFIXES = [(3, 0.0), (20, 2.0), (10_000, 0.0), (10_000, 2.0)]


def _rows(count: int = 90) -> list[dict[str, Any]]:
    """Few distinct values (long runs of ties) and nulls in every sort column; `空列` is
    all null."""
    draw = random.Random(20240501)
    rows = []
    for n in range(count):
        rows.append(
            {
                "编号": n,
                "分组": draw.choice(["甲", "乙", "丙", None]),
                "数量": draw.choice([1, 2, 2, 3, 3, 3, 7, None]),
                "金额": draw.choice(["0.50", "12.25", "-3.00", None]),
                "日期": draw.choice(["2024-01-01", "2023-06-30", None]),
                "比率": draw.choice([0.5, -1.25, 3.0, math.inf, math.nan, None]),
            }
        )
    return rows


ROWS = _rows()


@pytest.fixture
def table(department):
    return make_table(factories.make_dataset(department), ROWS, FIELDS)


def ask(table, **query):
    return query_rows(table, RowsParams.from_query(query))


def _typed(name: str, value: Any) -> Any:
    """A value as the table holds it."""
    if value is None:
        return None
    if name == "金额":
        return decimal.Decimal(value)
    if name == "日期":
        return dt.date.fromisoformat(value)
    return value


def _order_key(name: str, value: Any) -> Any:
    """A value as DuckDB orders it: NaN above every other number."""
    if isinstance(value, float):
        return (math.isnan(value), 0.0 if math.isnan(value) else value)
    return _typed(name, value)


def expected(sort: list[tuple[str, bool]], rows=ROWS, keep=lambda row: True) -> list[int]:
    """编号 of the matching rows in the order asked: each key with nulls larger than any
    value (last going up, first going down), then the row's position."""
    chosen = [r for r in rows if keep(r)]
    order = sorted(chosen, key=lambda r: r["编号"])
    for name, desc in reversed(sort):
        present = [r for r in order if r.get(name) is not None]
        missing = [r for r in order if r.get(name) is None]
        present.sort(key=lambda r: _order_key(name, r[name]), reverse=desc)
        order = missing + present if desc else present + missing
    return [r["编号"] for r in order]


def sort_text(sort: list[tuple[str, bool]]) -> str:
    return ", ".join(f"{name} {'desc' if desc else 'asc'}" for name, desc in sort)


def by_cursor(table, limit: int, **query) -> list[int]:
    """编号 of every page, following `next` from the first page."""
    found: list[int] = []
    cursor = None
    for _page in range(len(ROWS) + 2):
        extra = {"cursor": cursor} if cursor else {}
        result = ask(table, limit=str(limit), **query, **extra)
        found += [r["编号"] for r in result.records]
        cursor = result.next
        if cursor is None:
            return found
    raise AssertionError("the cursor never ended")


def by_offset(table, limit: int, **query) -> list[int]:
    found: list[int] = []
    for offset in range(0, len(ROWS) + limit, limit):
        result = ask(table, limit=str(limit), offset=str(offset), **query)
        found += [r["编号"] for r in result.records]
    return found


SORTS = [
    [("数量", True)],
    [("数量", False)],
    [("金额", True), ("数量", False)],
    [("日期", False), ("比率", True)],
    [("比率", True)],
    [("比率", False), ("数量", True)],
    [("分组", False), ("数量", True)],
    [("空列", True)],
    [("空列", False), ("数量", True)],
    [("编号", True)],
]


def look_ahead(monkeypatch, first_rows: int, late_share: float) -> None:
    from kaifang.datastore.query import rows

    monkeypatch.setattr(rows, "PREFIX_ROWS", first_rows)
    monkeypatch.setattr(rows, "LATE_SHARE", late_share)


@pytest.fixture(params=PREFIXES, ids=lambda p: f"first{p[0]}-share{p[1]}")
def prefix(request, monkeypatch):
    """Sorted pages looking at the table's first rows, found by row id first or not."""
    look_ahead(monkeypatch, *request.param)
    return request.param


@pytest.mark.parametrize("sort", SORTS, ids=sort_text)
def test_given_ties_and_nulls_when_every_page_is_read_then_they_make_the_one_order(
    table, sort, prefix
):
    wanted = expected(sort)

    for limit in (2, 25):
        assert by_cursor(table, limit, sort=sort_text(sort), fields="编号") == wanted
        assert by_offset(table, limit, sort=sort_text(sort), fields="编号") == wanted


@pytest.mark.both_engines
@pytest.mark.parametrize("sort", SORTS[:4], ids=sort_text)
def test_given_a_filter_when_sorted_pages_are_read_then_only_its_rows_in_order(table, sort, prefix):
    wanted = expected(sort, keep=lambda r: r["分组"] == "甲")
    query = {"sort": sort_text(sort), "filters": '{"分组": "甲"}'}

    first = ask(table, limit="3", **query)

    assert first.total == len(wanted)
    assert [r["编号"] for r in first.records] == wanted[:3]
    assert by_cursor(table, 3, **query) == wanted
    assert by_offset(table, 3, **query) == wanted


def test_given_a_long_run_of_ties_when_a_page_ends_inside_it_then_row_order_breaks_them(table):
    threes = expected([("数量", True)], keep=lambda r: r["数量"] == 3)
    assert len(threes) > 10

    page = ask(table, sort="数量 desc", filters='{"数量": 3}', limit="5", offset="4")

    assert [r["编号"] for r in page.records] == threes[4:9]


def test_given_a_filter_matching_no_rows_when_sorted_then_an_empty_last_page(table):
    result = ask(table, sort="数量 desc", filters='{"分组": "没有"}', limit="5")

    assert result.records == []
    assert result.total == 0
    assert result.next is None


def test_given_full_rows_when_a_sorted_page_is_read_then_each_row_is_whole(table):
    result = ask(table, sort="金额 desc, 数量", limit="7", offset="3")
    by_id = {r["编号"]: r for r in ROWS}

    for record in result.records:
        row = by_id[record["编号"]]
        assert repr(record) == repr({f["id"]: _typed(f["id"], row.get(f["id"])) for f in FIELDS})


def test_given_a_failing_where_when_the_page_is_sorted_then_a_400_naming_where(table):
    with pytest.raises(Invalid) as caught:
        ask(table, sort="数量 desc", where="分组 > 3 AND 数量 > 1")

    assert list(caught.value.errors) == ["where"]
    assert ask(table, sort="数量 desc", limit="2").total == len(ROWS)


def test_given_a_page_deeper_than_a_bound_is_worth_when_sorted_then_the_same_order(
    table, monkeypatch
):
    from kaifang.datastore.query import rows

    monkeypatch.setattr(rows, "BOUND_DEPTH", 0)
    wanted = expected([("数量", True), ("金额", False)])

    assert by_offset(table, 7, sort="数量 desc, 金额", fields="编号") == wanted
    assert by_cursor(table, 7, sort="数量 desc, 金额", fields="编号") == wanted


def test_given_a_count_failing_alone_when_asked_then_a_400_naming_where(table):
    failing = [Clause("CAST(? AS INTEGER) = 1", ["不是数"])]

    with shared(get_engine().data_files(table)) as con:
        with pytest.raises(Invalid) as caught, _Total(con, table, failing, True, "test") as count:
            count.value()

        assert list(caught.value.errors) == ["where"]
        assert con.run("SELECT count(*) FROM data").rows == [(len(ROWS),)]


FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    sort=st.lists(st.tuples(st.sampled_from(SORTABLE), st.booleans()), min_size=1, max_size=3),
    limit=st.integers(0, 30),
    offset=st.integers(0, 100),
    group=st.sampled_from([None, "甲", "乙"]),
    prefix=st.sampled_from([(1, 0.0), *PREFIXES]),
)
def test_any_sorted_page_is_the_slice_of_the_order(
    table, monkeypatch, sort, limit, offset, group, prefix
):
    look_ahead(monkeypatch, *prefix)
    sort = list({name: (name, desc) for name, desc in sort}.values())
    query = {"sort": sort_text(sort), "fields": "编号", "limit": str(limit), "offset": str(offset)}
    if group:
        query["filters"] = f'{{"分组": "{group}"}}'
    wanted = expected(sort, keep=lambda r: group is None or r["分组"] == group)

    result = ask(table, **query)

    assert [r["编号"] for r in result.records] == wanted[offset : offset + limit]
    assert result.total == len(wanted)
    # A count alone (limit 0) has no next page.
    assert (result.next is not None) == (limit > 0 and offset + limit < len(wanted))


def test_kept_connections_turn_off_duckdbs_late_materialization_the_sql_endpoints_do_not(table):
    files = get_engine().data_files(table)
    setting = "SELECT current_setting('disabled_optimizers')"

    with shared(files) as kept:
        assert "late_materialization" in kept.run(setting).rows[0][0]
    with connect(files) as fresh:
        assert "late_materialization" not in fresh.run(setting).rows[0][0]


def test_a_query_after_one_stopped_at_the_time_limit_runs_normally(table, settings):
    from kaifang.datastore.query.connection import QueryTimeout

    settings.KAIFANG = {**settings.KAIFANG, "QUERY_TIMEOUT": 0.3}
    bomb = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    with connect(get_engine().data_files(table)) as con:
        with pytest.raises(QueryTimeout):
            con.run(bomb)

        assert con.run("SELECT count(*) FROM data").rows == [(len(ROWS),)]
        with pytest.raises(QueryTimeout):
            con.run(bomb)


VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**70,
    1.5,
    -0.0,
    1e300,
    float("nan"),
    float("inf"),
    decimal.Decimal("12.30"),
    decimal.Decimal("1E+3"),
    decimal.Decimal("NaN"),
    dt.date(2024, 5, 1),
    dt.datetime(2024, 5, 1, 8, 30, 0, 5),
    dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    dt.time(8, 30),
    'a"b\\c\n\x00\u2028中文',
    "",
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_column_of_one_type_is_written_as_each_value_alone(value):
    assert json_texts([value, None, value]) == [json_value(value), "null", json_value(value)]


def test_a_column_of_mixed_types_is_written_value_by_value():
    mixed = [1, "1", True, decimal.Decimal("1.0"), 1.0, None]

    assert json_texts(mixed) == [json_value(v) for v in mixed]
