"""The datastore engines and the one place that opens a table's files (kaifang.datastore
.relation): each engine writes base files in its format, a table is read in its files' own
format whatever the engine (old Parquet tables under the DuckDB-file engine, a DuckDB base
with Parquet parts), DuckDB data files are attached read-only by several processes at once,
and the connections a process keeps hold bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from kaifang.accounts.services import create_token
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.datastore import dynamic, relation
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest.write import write_file
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.query import connection
from kaifang.datastore.query.rows import RowsParams, query_rows
from kaifang.datastore.tests.conftest import ENGINES
from kaifang.datastore.tests.ingest_helpers import (
    add_file,
    inline_tasks,
    queued_exports,
    rows_of,
)
from kaifang.datastore.tests.tables import make_table

__all__ = ["inline_tasks", "queued_exports"]

FIELDS = [{"id": "城市", "type": "text"}, {"id": "数量", "type": "integer"}]
ROWS = [{"城市": "杭州", "数量": 1}, {"城市": "宁波", "数量": 2}, {"城市": "温州", "数量": None}]


def _numbers(con: duckdb.DuckDBPyConnection, path, start: int, count: int, fmt: str) -> None:
    select = f"SELECT range AS _row_id, range * 2 AS v FROM range({start}, {start + count})"  # noqa: S608
    write_file(con, select, path, fmt)


@pytest.mark.both_engines
@pytest.mark.usefixtures("inline_tasks", "queued_exports")
def test_an_ingested_table_is_written_in_the_engines_format(
    datastore_engine, department, publisher, django_capture_on_commit_callbacks
):
    dataset = factories.make_dataset(department)
    content = "城市,数量\n杭州,1\n宁波,2\n".encode()

    resource = add_file(django_capture_on_commit_callbacks, publisher, dataset, "a.csv", content)

    table = DatastoreTable.objects.get(resource=resource)
    path = get_engine().data_file(table)
    assert table.status == DatastoreTable.Status.READY
    assert path.suffix == datastore_engine.suffix
    assert relation.file_format(path) == datastore_engine.file_format
    assert rows_of(table) == [(0, "杭州", 1), (1, "宁波", 2)]
    assert table.profile["columns"]["数量"]["max"] == 2


def test_the_format_is_read_from_the_files_own_bytes(tmp_path):
    con = duckdb.connect()
    database, parquet = tmp_path / "named.parquet", tmp_path / "other.duckdb"
    _numbers(con, database, 0, 3, relation.DUCKDB)
    _numbers(con, parquet, 0, 3, relation.PARQUET)

    assert relation.file_format(database) == relation.DUCKDB
    assert relation.file_format(parquet) == relation.PARQUET
    assert relation.file_format(tmp_path / "missing.duckdb") == relation.DUCKDB
    assert not list(tmp_path.glob("*.wal"))


def test_a_database_base_and_parquet_parts_are_one_relation_in_row_order(tmp_path):
    con = duckdb.connect()
    files = [tmp_path / "base.duckdb", tmp_path / "p1.parquet", tmp_path / "p2.parquet"]
    _numbers(con, files[0], 0, 300_000, relation.DUCKDB)
    _numbers(con, files[1], 300_000, 5, relation.PARQUET)
    _numbers(con, files[2], 300_005, 200_000, relation.PARQUET)

    with relation.opened(con, files) as source:
        found = [r[0] for r in con.execute(f"SELECT _row_id FROM ({source})").fetchall()]  # noqa: S608
        attached = con.execute("SELECT count(*) FROM duckdb_databases()").fetchone()[0]

    assert found == list(range(500_005))
    assert attached == 4  # memory, system, temp … and the one database file
    after = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert relation.alias(files[0]) not in {r[0] for r in after}


def test_a_parquet_table_keeps_working_under_the_duckdb_file_engine_and_merges_into_it(
    settings, department, publisher
):
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ENGINE": ENGINES["parquet"]}
    table = make_table(factories.make_dataset(department), ROWS, FIELDS)
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ENGINE": ENGINES["duckfile"]}
    token, _secret = create_token(publisher, name="同步脚本")

    dynamic.append_rows(Actor.for_token(token), table, [{"城市": "湖州", "数量": 4}])
    assert dynamic.compact(table.pk)

    table.refresh_from_db()
    assert table.data_path.endswith(".duckdb") and table.parts == []
    assert relation.file_format(get_engine().data_file(table)) == relation.DUCKDB
    result = query_rows(table, RowsParams.from_query({"sort": "数量"}))
    assert [r["城市"] for r in result.records] == ["杭州", "宁波", "湖州", "温州"]


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from django.conf import settings
    settings.configure(KAIFANG={})
    from kaifang.datastore.query.connection import connect

    con = connect(sys.argv[1], memory_limit="64MB", threads=1, timeout=60)
    print(con.run("SELECT count(*) FROM data").rows[0][0], flush=True)
    go, waited = Path(sys.argv[2]), 0
    while not go.exists() and waited < 6000:
        time.sleep(0.01)
        waited += 1
    print(con.run("SELECT sum(v) FROM data").rows[0][0], flush=True)
    """
)


def test_several_processes_attach_the_same_file_read_only_at_once(tmp_path):
    path = tmp_path / "base.duckdb"
    _numbers(duckdb.connect(), path, 0, 1000, relation.DUCKDB)
    go = tmp_path / "go"
    command = [sys.executable, "-c", CHILD, str(path), str(go)]
    children = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(2)
    ]
    try:
        firsts = [child.stdout.readline().strip() for child in children]
        with connection.connect(path, memory_limit="64MB", threads=1) as mine:
            # Both children hold the file attached while this process attaches it too.
            assert mine.run("SELECT count(*) FROM data").rows == [(1000,)]
            go.touch()
            outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()

    assert firsts == ["1000", "1000"]
    done = [(c.returncode, out.strip()) for c, (out, _e) in zip(children, outputs, strict=True)]
    assert done == [(0, str(sum(range(0, 2000, 2))))] * 2


def test_kept_connections_hold_at_most_the_kept_memory_budget(settings, tmp_path):
    settings.KAIFANG = {
        **settings.KAIFANG,
        "QUERY_MEMORY": 64 * 2**20,
        "QUERY_KEPT_MEMORY": 200 * 2**20,
    }
    connection.forget_kept()
    con = duckdb.connect()
    paths = [tmp_path / f"t{n}.duckdb" for n in range(5)]
    for path in paths:
        _numbers(con, path, 0, 10, relation.DUCKDB)

    for path in paths:
        with connection.shared(path) as cursor:
            assert cursor.run("SELECT count(*) FROM data").rows == [(10,)]

    assert connection.kept_count() == 3  # 200 MB / 64 MB each
    connection.forget_kept()
