"""Injection is impossible by construction: whatever a client puts in filters, where, sort,
fields or q, the answer is a result or a 400 naming the parameter — never SQL of the client's
making — and the SQL endpoint runs one read of the table and nothing else. Behind the parser, the
connection itself cannot read files, change its settings or load extensions."""

from __future__ import annotations

import json
import time

import duckdb
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kaifang.catalog.tests import factories
from kaifang.core.errors import Invalid
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.query.aggregate import AggregateParams, aggregate
from kaifang.datastore.query.connection import QueryTimeout, connect
from kaifang.datastore.query.rows import RowsParams, query_rows
from kaifang.datastore.query.sql import run_sql
from kaifang.datastore.relation import alias
from kaifang.datastore.tests.conftest import ENGINES
from kaifang.datastore.tests.tables import make_table

HOSTILE_NAME = 'x"; DROP TABLE data; --'
FIELDS = [
    {"id": "城市", "type": "text"},
    {"id": "数量", "type": "integer"},
    {"id": "日期", "type": "date"},
    {"id": HOSTILE_NAME, "type": "text"},
]
ROWS = [
    {"城市": "杭州", "数量": 1, "日期": "2024-01-01", HOSTILE_NAME: "a'b"},
    {"城市": "宁波'; DROP TABLE data; --", "数量": 2, "日期": "2024-01-02", HOSTILE_NAME: "c"},
    {"城市": None, "数量": None, "日期": None, HOSTILE_NAME: None},
]
FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
TOKENS = [
    *"城市数量日期 '\";-/*()=<>!,.%_xyz0129\\\n",
    "SELECT",
    "FROM",
    "data",
    "DROP",
    "OR",
    "AND",
]
TOKENS += ["--", "/*", "*/", ";", "read_csv", "COPY", "ATTACH", "PRAGMA", "'/etc/passwd'", "?"]
sqlish = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)


@pytest.fixture
def table(department):
    return make_table(factories.make_dataset(department), ROWS, FIELDS)


def answers_or_400(call):
    """The call returns, or refuses with a 400 (or 422) that names a parameter."""
    try:
        return call()
    except Invalid as exc:
        assert exc.status in (400, 422)
        assert exc.errors
        return None


@FUZZ
@given(name=st.text(max_size=30), value=json_values)
def test_any_filters_give_a_result_or_a_400_never_sql(table, name, value):
    result = answers_or_400(
        lambda: query_rows(table, RowsParams.from_query({"filters": json.dumps({name: value})}))
    )

    if result is not None:
        assert result.total <= len(ROWS)


@FUZZ
@given(value=st.text(max_size=40))
def test_any_text_value_is_compared_as_a_value(table, value):
    result = query_rows(table, RowsParams.from_query({"filters": json.dumps({"城市": value})}))

    assert result.total == sum(1 for row in ROWS if row["城市"] == value)


@FUZZ
@given(value=st.text(max_size=40))
def test_any_text_literal_in_where_is_bound_as_that_text(table, value):
    literal = "'" + value.replace("'", "''") + "'"

    result = query_rows(table, RowsParams.from_query({"where": f"城市 = {literal}"}))

    assert result.total == sum(1 for row in ROWS if row["城市"] == value)


@FUZZ
@given(where=sqlish)
def test_any_where_text_gives_a_result_or_a_400(table, where):
    answers_or_400(lambda: query_rows(table, RowsParams.from_query({"where": where})))


@FUZZ
@given(sort=sqlish, fields=sqlish, q=st.text(max_size=20))
def test_any_sort_fields_and_q_give_a_result_or_a_400(table, sort, fields, q):
    answers_or_400(
        lambda: query_rows(table, RowsParams.from_query({"sort": sort, "fields": fields, "q": q}))
    )


@FUZZ
@given(group_by=sqlish, metrics=sqlish)
def test_any_group_by_and_metrics_give_a_result_or_a_400(table, group_by, metrics):
    answers_or_400(
        lambda: aggregate(
            table, AggregateParams.from_query({"group_by": group_by, "metrics": metrics})
        )
    )


def test_a_column_named_like_an_attack_is_just_a_column(table):
    by_filter = query_rows(
        table, RowsParams.from_query({"filters": json.dumps({HOSTILE_NAME: "a'b"})})
    )
    by_sort = query_rows(
        table, RowsParams.from_query({"sort": f"{HOSTILE_NAME} desc", "fields": HOSTILE_NAME})
    )

    assert by_filter.total == 1
    assert [r[HOSTILE_NAME] for r in by_sort.records] == [None, "c", "a'b"]


HOSTILE_SQL = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM query('SELECT 42')",
    "SELECT * FROM query_table('data')",
    "SELECT * FROM range(10)",
    "SELECT getenv('HOME')",
    "SELECT current_setting('allowed_paths')",
    "SELECT getvariable('x')",
    "COPY data TO '/tmp/stolen.csv'",
    "COPY (SELECT * FROM data) TO '/tmp/stolen.parquet' (FORMAT parquet)",
    "ATTACH '/tmp/other.duckdb' AS other",
    "DETACH other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA version",
    "PRAGMA database_list",
    "CALL pragma_version()",
    "SET enable_external_access = true",
    "SET threads = 64",
    "RESET lock_configuration",
    "CREATE TABLE t AS SELECT * FROM data",
    "CREATE OR REPLACE VIEW data AS SELECT 1",
    "DROP VIEW data",
    "INSERT INTO data VALUES (1)",
    "DELETE FROM data",
    "UPDATE data SET 数量 = 0",
    "EXPORT DATABASE '/tmp/x'",
    "SELECT 1; SELECT 2",
    "SELECT * FROM data; DROP VIEW data",
    "SELECT * FROM data /* hidden */ ; ATTACH '/tmp/x.db'",
    "SELECT * FROM data -- comment\n; COPY data TO '/tmp/x.csv'",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM main.data",
    "SELECT * FROM other.data",
    "SELECT * FROM data, read_csv('/etc/passwd')",
    "SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) FROM data",
    "WITH x AS (SELECT * FROM read_parquet('/etc/passwd')) SELECT * FROM x",
    "SELECT * INTO stolen FROM data",
    "SELECT * FROM data WHERE 数量 = ?",
    "DESCRIBE data",
    "SHOW TABLES",
    "SUMMARIZE data",
    "VALUES (1)",
    "USE other",
    "BEGIN TRANSACTION",
    "",
    "   ",
    "SELECT",
]


@pytest.mark.both_engines
@pytest.mark.parametrize("sql", HOSTILE_SQL)
def test_hostile_sql_is_refused_before_it_runs(table, sql):
    with pytest.raises(Invalid) as caught:
        run_sql(table, sql, limit=100)

    assert caught.value.status == 400
    assert list(caught.value.errors) == ["sql"]


def test_a_recursive_cte_bomb_is_stopped_at_the_time_limit(table, settings):
    settings.KAIFANG = {**settings.KAIFANG, "QUERY_TIMEOUT": 0.5}
    bomb = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    started = time.monotonic()

    with pytest.raises(QueryTimeout) as caught:
        run_sql(table, bomb, limit=100)

    assert time.monotonic() - started < 5
    assert "时间限制" in caught.value.message


def test_a_cross_join_explosion_is_stopped_at_the_time_limit(table, settings):
    settings.KAIFANG = {**settings.KAIFANG, "QUERY_TIMEOUT": 0.5}
    tables = ", ".join(f"data t{n}" for n in range(22))
    bomb = f"SELECT count(*) FROM {tables}"  # noqa: S608

    with pytest.raises(QueryTimeout):
        run_sql(table, bomb, limit=100)


@FUZZ
@given(sql=sqlish)
def test_any_sql_text_gives_a_result_or_a_400(table, sql):
    answers_or_400(lambda: run_sql(table, sql, limit=100))


LOCKED = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM glob('/*')",
    "COPY (SELECT 1) TO '{tmp}/stolen.csv'",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "INSTALL httpfs",
    "SET enable_external_access = true",
    "SET allowed_paths = ['/']",
    "SET memory_limit = '100GB'",
    "SET threads = 64",
    "SET lock_configuration = false",
]


@pytest.mark.both_engines
@pytest.mark.parametrize("statement", LOCKED)
def test_the_connection_itself_refuses_what_the_parser_would_have(table, tmp_path, statement):
    with connect(get_engine().data_file(table)) as con:
        with pytest.raises(duckdb.Error):
            con.run(statement.format(tmp=tmp_path))

        assert con.run("SELECT count(*) FROM data").rows == [(3,)]
    assert not (tmp_path / "stolen.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()


@pytest.mark.both_engines
def test_the_connection_reads_no_other_parquet_file(table, tmp_path):
    other = tmp_path / "other.parquet"
    duckdb.sql(f"COPY (SELECT 42 AS secret) TO '{other}' (FORMAT parquet)")

    with connect(get_engine().data_file(table)) as con, pytest.raises(duckdb.Error):
        con.run(f"SELECT * FROM read_parquet('{other}')")  # noqa: S608


#: reaching the table's data file past the view `data`, or any other database: a DuckDB data
#: file is attached to the connection as a catalog named by `relation.alias` of its path
CATALOG_SQL = [
    "SELECT * FROM {catalog}.main.data",
    "SELECT * FROM {catalog}.data",
    'SELECT * FROM "{catalog}"."main"."data"',
    "SELECT * FROM {catalog}",
    "SELECT * FROM {catalog}.information_schema.tables",
    "SELECT * FROM memory.main.data",
    "SELECT * FROM system.main.duckdb_databases",
    "SELECT * FROM temp.main.data",
    "SELECT * FROM data UNION ALL SELECT * FROM {catalog}.main.data",
    "SELECT * FROM data WHERE _row_id IN (SELECT _row_id FROM {catalog}.main.data)",
    "WITH d AS (SELECT * FROM {catalog}.main.data) SELECT * FROM d",
    "FROM {catalog}.main.data",
    "SELECT * FROM duckdb_databases()",
    "SELECT database_name, path FROM duckdb_databases()",
    "SELECT * FROM duckdb_views()",
    "SELECT * FROM duckdb_columns()",
    "SELECT * FROM pragma_database_list()",
    "SELECT * FROM query_table('{catalog}.main.data')",
    "ATTACH '{path}' AS again (READ_ONLY)",
    "ATTACH IF NOT EXISTS '{path}' AS {catalog}",
    "DETACH {catalog}",
    "DETACH DATABASE IF EXISTS {catalog}",
    "USE {catalog}",
    "USE {catalog}.main",
    "PRAGMA database_list",
    "PRAGMA show_tables",
    "CHECKPOINT {catalog}",
    "CREATE VIEW {catalog}.main.v AS SELECT 1",
    "SHOW DATABASES",
]


@pytest.mark.both_engines
@pytest.mark.parametrize("template", CATALOG_SQL)
def test_attached_catalogs_and_other_databases_are_refused_by_name(table, template):
    path = get_engine().data_file(table)
    sql = template.format(catalog=alias(path), path=path)

    with pytest.raises(Invalid) as caught:
        run_sql(table, sql, limit=100)

    assert caught.value.status == 400
    assert list(caught.value.errors) == ["sql"]


def test_the_locked_connection_answers_from_its_attached_file_and_opens_no_other(
    table, tmp_path, settings
):
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ENGINE": ENGINES["duckfile"]}
    own = make_table(factories.make_dataset(table.resource.dataset.department), ROWS, FIELDS)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    path = get_engine().data_file(own)

    with connect(path) as con:
        assert con.run("SELECT count(*) FROM data").rows == [(3,)]
        for statement in (
            f"ATTACH '{other}' AS other (READ_ONLY)",
            f"ATTACH '{path}' AS writable",
            f"SELECT * FROM read_parquet('{path}')",  # noqa: S608
        ):
            with pytest.raises(duckdb.Error):
                con.run(statement)
        assert con.run("SELECT count(*) FROM data").rows == [(3,)]
    assert path.suffix == ".duckdb"
