"""Rows written to a published table (kaifang.datastore.dynamic): appended after its rows or
replacing them, checked against the schema, atomic and audited; the background merge of the
parts, the deletion of retired files after their grace period, and every reader of the table
(rows, totals, cursors, exports, preview) following each change."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import duckdb
import pytest
from django.db import connection

from kaifang.accounts.services import create_token
from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.core.errors import InvalidTransition, NotAllowed, NotFound
from kaifang.core.models import AuditEntry
from kaifang.datastore import dynamic, exporters
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.incoming import RecordsInvalid
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.query.aggregate import AggregateParams, aggregate
from kaifang.datastore.query.columns import BadParameter
from kaifang.datastore.query.rows import RowsParams, query_rows
from kaifang.datastore.query.sql import run_sql
from kaifang.datastore.relation import source_sql
from kaifang.datastore.tests.tables import make_table, make_version

FIELDS = [
    {"id": "城市", "type": "text", "label": "所在城市"},
    {"id": "数量", "type": "integer"},
    {"id": "金额", "type": "decimal"},
    {"id": "比率", "type": "float"},
    {"id": "日期", "type": "date"},
    {"id": "时间", "type": "datetime"},
    {"id": "开放", "type": "boolean"},
]
ROWS = [
    {"城市": "杭州", "数量": 3, "金额": "1.50", "比率": 0.5, "日期": "2024-01-05"},
    {"城市": "宁波", "数量": 5, "金额": "2.25", "比率": 1.5, "日期": "2024-02-01"},
    {"城市": "温州", "数量": 7, "开放": True},
]


@pytest.fixture
def dataset(department):
    return factories.make_dataset(department, title="客流统计")


@pytest.fixture
def table(dataset):
    return make_table(dataset, ROWS, FIELDS)


@pytest.fixture
def actor(publisher):
    token, _secret = create_token(publisher, name="同步脚本")
    return Actor.for_token(token)


def rows_of(table, **query):
    table = DatastoreTable.objects.get(pk=table.pk)
    return query_rows(table, RowsParams.from_query({"limit": 100, **query}))


def state_of(table) -> tuple:
    """What a refused write must leave as it was: counts, files, generation, audit."""
    table = DatastoreTable.objects.get(pk=table.pk)
    folder = get_engine().data_file(table).parent
    return (
        table.row_count,
        table.generation,
        table.data_path,
        list(table.parts),
        table.refreshed_at,
        sorted(p.name for p in folder.iterdir()),
        AuditEntry.objects.filter(action__startswith="datastore.rows").count(),
    )


def row_ids(table) -> list[int]:
    table = DatastoreTable.objects.get(pk=table.pk)
    con = duckdb.connect()
    try:
        source = source_sql(con, get_engine().data_files(table))
        found = con.execute(f"SELECT _row_id FROM ({source})")  # noqa: S608
        return [r[0] for r in found.fetchall()]
    finally:
        con.close()


# Appending


@pytest.mark.both_engines
def test_given_a_table_when_records_appended_then_they_come_last_typed_with_ids_going_on(
    table, actor
):
    # given
    before = DatastoreTable.objects.get(pk=table.pk).data_path
    records = [
        {"城市": "湖州", "数量": 9, "金额": "12.5", "比率": 2, "日期": "2024-05-01"},
        {"城市": "嘉兴", "数量": "11", "时间": "2024-05-01T08:30:00", "开放": "是"},
    ]
    # when
    written = dynamic.append_rows(actor, table, records)
    # then
    table.refresh_from_db()
    result = rows_of(table)
    assert written.rows_added == 2 and written.mode == "append"
    assert table.row_count == 5 and result.total == 5
    assert table.generation == 1 and table.refreshed_at is not None
    assert table.data_path == before and len(table.parts) == 1
    assert table.parts[0].endswith(f"{table.pk}-g1.part.parquet")
    assert [r["城市"] for r in result.records] == ["杭州", "宁波", "温州", "湖州", "嘉兴"]
    assert result.records[3] == {
        "城市": "湖州",
        "数量": 9,
        "金额": Decimal("12.50"),
        "比率": 2.0,
        "日期": dt.date(2024, 5, 1),
        "时间": None,
        "开放": None,
    }
    assert result.records[4]["数量"] == 11
    assert result.records[4]["时间"] == dt.datetime(2024, 5, 1, 8, 30)
    assert result.records[4]["开放"] is True
    assert row_ids(table) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("column", "value", "stored"),
    [
        ("开放", "否", False),
        ("开放", 0, False),
        ("开放", "TRUE", True),
        ("开放", False, False),
        ("日期", "2024年5月1日", dt.date(2024, 5, 1)),
        ("日期", "2024/5/1", dt.date(2024, 5, 1)),
        ("时间", "2024-05-01 08:30", dt.datetime(2024, 5, 1, 8, 30)),
        ("金额", "-3", Decimal("-3.00")),
        ("金额", 0.1, Decimal("0.10")),
        ("比率", "1e3", 1000.0),
        ("城市", 42, "42"),
        ("城市", "", None),
        ("数量", "  ", None),
        ("数量", None, None),
    ],
)
def test_values_are_read_as_ingest_reads_text(table, actor, column, value, stored):
    dynamic.append_rows(actor, table, [{column: value}])

    assert rows_of(table).records[-1][column] == stored


def test_a_resource_or_a_sheet_names_the_table_too(dataset, actor):
    # given
    first = make_table(dataset, ROWS, FIELDS, sheet="一月")
    second = make_table(first.resource, ROWS[:1], FIELDS, sheet="二月")
    # when
    dynamic.append_rows(actor, first.resource, [{"城市": "丽水"}], sheet="二月")
    dynamic.append_rows(actor, first.resource, [{"城市": "衢州"}])
    # then
    assert rows_of(second).records[-1]["城市"] == "丽水"
    assert rows_of(first).records[-1]["城市"] == "衢州"
    with pytest.raises(NotFound, match="三月"):
        dynamic.append_rows(actor, first.resource, [{"城市": "舟山"}], sheet="三月")


def test_given_a_stale_table_object_when_appended_twice_then_ids_are_distinct_and_none_lost(
    table, actor
):
    stale = DatastoreTable.objects.get(pk=table.pk)

    dynamic.append_rows(actor, stale, [{"城市": "甲"}, {"城市": "乙"}])
    dynamic.append_rows(actor, stale, [{"城市": "丙"}])

    table.refresh_from_db()
    assert table.row_count == 6 and len(table.parts) == 2 and table.generation == 2
    assert row_ids(table) == list(range(6))
    assert [r["城市"] for r in rows_of(table).records][3:] == ["甲", "乙", "丙"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_two_threads_keep_every_row_with_distinct_ids(
    department, publisher
):
    # given
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, whose table locks fail "
            "at once instead of waiting as a database file does; PostgreSQL runs this"
        )
    table = make_table(factories.make_dataset(department), ROWS, FIELDS)
    actor = Actor.for_token(create_token(publisher, name="并发")[0])
    errors = []

    def write(name: str) -> None:
        try:
            for n in range(5):
                dynamic.append_rows(actor, table, [{"城市": f"{name}{n}"}, {"城市": f"{name}{n}"}])
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("甲", "乙")]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    table.refresh_from_db()
    # Each commit also ran the (immediate) merge: appends and merges interleaved.
    assert table.row_count == 3 + 20 and table.generation >= 10
    assert row_ids(table) == list(range(23))
    cities = [r["城市"] for r in rows_of(table).records]
    assert sorted(cities[3:]) == sorted(f"{a}{n}" for a in "甲乙" for n in range(5) for _ in "xy")


# Replacing


@pytest.mark.both_engines
def test_given_appended_parts_when_replaced_then_exactly_the_records_and_old_files_retired(
    table, actor
):
    # given
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    table.refresh_from_db()
    old_files = [table.data_path, *table.parts]
    # when
    written = dynamic.append_rows(
        actor, table, [{"城市": "金华", "数量": 1}, {"城市": "台州", "数量": 1}], mode="replace"
    )
    # then
    table.refresh_from_db()
    result = rows_of(table)
    assert written.rows_added == 2 and written.mode == "replace"
    assert [r["城市"] for r in result.records] == ["金华", "台州"] and result.total == 2
    assert table.row_count == 2 and table.parts == [] and table.generation == 2
    assert table.data_path.endswith(f"{table.pk}-g2{get_engine().suffix}")
    assert row_ids(table) == [0, 1]
    assert [r["path"] for r in table.retired] == old_files
    assert all((get_engine().root() / path).is_file() for path in old_files)
    assert table.profile["rows"] == 2
    assert table.profile["columns"]["城市"]["distinct"] == 2
    assert table.profile["columns"]["数量"]["top"] == [[1, 2]]


# Refusals: nothing is written


def test_given_a_value_of_the_wrong_type_then_refused_naming_record_column_and_value(table, actor):
    before = state_of(table)
    records = [{"数量": 1}, {"数量": "很多"}, {"日期": "2024-13-01"}, {"数量": "007"}]

    with pytest.raises(RecordsInvalid) as caught:
        dynamic.append_rows(actor, table, records)

    error = caught.value
    assert error.status == 400
    assert error.message.startswith("数据未写入：第 2 条记录的“数量”值“很多”不是整数")
    assert "另有 2 处问题" in error.message
    assert list(error.errors) == ["records[1].数量", "records[2].日期", "records[3].数量"]
    assert "2024-05-01" in error.errors["records[2].日期"][0]
    assert state_of(table) == before


def test_unknown_columns_labels_and_row_ids_are_refused_by_name(table, actor):
    before = state_of(table)

    with pytest.raises(RecordsInvalid) as caught:
        dynamic.append_rows(actor, table, [{"人口": 1}, {"所在城市": "杭州"}, {"_row_id": 0}, 5])

    errors = caught.value.errors
    assert errors["records[0].人口"] == ["第 1 条记录有未知的列“人口”。"]
    assert "列“城市”的显示名" in errors["records[1].所在城市"][0]
    assert "行号由平台按顺序分配" in errors["records[2]._row_id"][0]
    assert errors["records[3]"] == ["第 4 条记录应为以列名为键的 JSON 对象。"]
    assert state_of(table) == before


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("金额", "1.234", "最多 36 位整数、2 位小数"),
        ("金额", "1" * 37, "定点数"),
        ("金额", {"a": 1}, "单个值"),
        ("比率", "1e999", "数值"),
        ("开放", 2, "布尔值"),
        ("时间", "2024-05-01 25:00", "日期时间"),
    ],
)
def test_a_value_is_never_rounded_guessed_or_taken_nested(table, actor, column, value, named):
    with pytest.raises(RecordsInvalid) as caught:
        dynamic.append_rows(actor, table, [{column: value}])

    assert named in caught.value.errors[f"records[0].{column}"][0]


@pytest.mark.parametrize(
    ("records", "mode", "key"),
    [([], "append", "records"), ("行", "append", "records"), ([{}], "merge", "mode")],
)
def test_an_empty_call_or_an_unknown_mode_is_refused(table, actor, records, mode, key):
    before = state_of(table)

    with pytest.raises(RecordsInvalid) as caught:
        dynamic.append_rows(actor, table, records, mode=mode)

    assert list(caught.value.errors) == [key]
    assert state_of(table) == before


def test_more_records_than_the_setting_allows_are_refused_with_413(table, actor, settings):
    settings.KAIFANG = {**settings.KAIFANG, "APPEND_MAX_ROWS": 2}
    before = state_of(table)

    with pytest.raises(dynamic.TooManyRows) as caught:
        dynamic.append_rows(actor, table, [{}, {}, {}])

    assert caught.value.status == 413
    assert "一次最多写入 2 条记录（收到 3 条）" in caught.value.message
    assert state_of(table) == before


@pytest.mark.parametrize("who", ["outsider", "reviewer", "citizen"])
def test_only_authors_of_the_department_write(request, table, who):
    user = request.getfixturevalue(who)
    actor = Actor.for_token(create_token(user, name="脚本")[0])
    before = state_of(table)

    with pytest.raises(NotAllowed):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])

    assert state_of(table) == before


def test_a_department_admin_and_a_platform_admin_write_too(table, dept_admin, platform_admin):
    for user in (dept_admin, platform_admin):
        dynamic.append_rows(Actor.for_user(user), table, [{"城市": user.username}])

    assert [r["城市"] for r in rows_of(table).records][-2:] == ["dadmin", "padmin"]


@pytest.mark.parametrize("state", [State.WITHDRAWN, State.DRAFT, State.TAKEN_DOWN])
def test_an_unpublished_dataset_takes_no_rows(department, actor, state):
    table = make_table(factories.make_dataset(department, state=state), ROWS, FIELDS)
    before = state_of(table)

    with pytest.raises(InvalidTransition, match="未处于发布状态"):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])

    assert state_of(table) == before


def test_a_table_of_a_superseded_version_takes_no_rows(table, actor):
    make_version(table.resource)

    with pytest.raises(InvalidTransition, match="当前发布的版本"):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])


@pytest.mark.both_engines
def test_a_failure_after_the_file_was_placed_leaves_nothing_behind(table, actor, monkeypatch):
    # given
    before = state_of(table)

    def broken(*args, **kwargs):
        raise OSError("audit log unavailable")

    monkeypatch.setattr(dynamic, "_audit", broken)
    # when
    with pytest.raises(OSError):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    # then
    assert state_of(table) == before
    assert rows_of(table).total == 3


# Audit


def test_each_write_is_audited_with_the_token_that_made_it(table, actor, dataset):
    dynamic.append_rows(actor, table, [{"城市": "湖州"}, {"城市": "嘉兴"}])
    dynamic.append_rows(actor, table, [{"城市": "金华"}], mode="replace")

    entries = list(AuditEntry.objects.filter(target_id=str(dataset.pk)).order_by("at", "id"))
    assert [e.action for e in entries] == ["datastore.rows_appended", "datastore.rows_replaced"]
    first = entries[0]
    assert first.actor_type == AuditEntry.ActorType.TOKEN
    assert first.actor_user == actor.user and actor.token.prefix in first.actor_label
    assert first.detail == {
        "resource": str(table.resource_id),
        "table": str(table.pk),
        "sheet": "",
        "rows": 2,
        "row_count": 5,
        "generation": 1,
        "token_id": str(actor.token.pk),
    }
    assert entries[1].detail["rows"] == 1 and entries[1].detail["row_count"] == 1
    dataset.refresh_from_db()
    assert dataset.data_updated_at == DatastoreTable.objects.get(pk=table.pk).refreshed_at


# Readers follow each change


def test_rows_read_the_files_in_row_order_across_many_parts(table, actor):
    for n in range(6):
        dynamic.append_rows(actor, table, [{"数量": 100 * n + i} for i in range(n + 1)])

    result = rows_of(table, limit=1000)
    numbers = [r["数量"] for r in result.records]
    assert numbers == [3, 5, 7, *(100 * n + i for n in range(6) for i in range(n + 1))]
    page = rows_of(table, limit=4, offset=20)
    assert [r["数量"] for r in page.records] == numbers[20:24]


@pytest.mark.both_engines
def test_counts_aggregates_and_sql_see_the_appended_rows(table, actor):
    # given: a filtered total is counted and kept
    assert rows_of(table, filters='{"城市": "杭州"}').total == 1
    # when
    dynamic.append_rows(actor, table, [{"城市": "杭州", "数量": 10}])
    # then
    assert rows_of(table, filters='{"城市": "杭州"}').total == 2
    table = DatastoreTable.objects.get(pk=table.pk)
    summed = aggregate(table, AggregateParams.from_query({"metrics": "sum:数量"}))
    assert summed.records == [{"sum_数量": 25}]
    assert run_sql(table, "SELECT max(_row_id) AS m FROM data", limit=10).records == [{"m": 3}]


def test_a_cursor_made_before_a_change_asks_to_start_again(table, actor):
    # given
    first = rows_of(table, limit=1)
    assert first.next is not None
    # when
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    # then
    with pytest.raises(BadParameter, match="数据已更新，请从第一页重新查询"):
        rows_of(table, limit=1, cursor=first.next)
    again = rows_of(table, limit=1)
    assert [r["城市"] for r in rows_of(table, limit=5, cursor=again.next).records] == [
        "宁波",
        "温州",
        "湖州",
    ]


@pytest.mark.both_engines
def test_the_sql_connection_may_open_the_tables_files_and_no_other(table, actor):
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    table.refresh_from_db()

    with get_engine().connect(table) as con:
        assert con.run("SELECT count(*) FROM data").rows == [(4,)]
        with pytest.raises(duckdb.Error):
            con.run("SELECT * FROM read_parquet('/etc/passwd')")


# Merging


@pytest.mark.both_engines
def test_a_merge_keeps_order_and_ids_recomputes_the_profile_and_retires_the_old_files(
    table, actor, django_capture_on_commit_callbacks
):
    # given
    dynamic.append_rows(actor, table, [{"城市": "湖州", "数量": 9}])
    dynamic.append_rows(actor, table, [{"城市": "嘉兴", "数量": 11}, {"城市": "湖州"}])
    table.refresh_from_db()
    old_files = [table.data_path, *table.parts]
    before = rows_of(table).records
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        merged = dynamic.compact(table.pk)
    # then
    table.refresh_from_db()
    assert merged is True
    assert table.parts == [] and table.generation == 3 and table.row_count == 6
    assert table.data_path.endswith(f"{table.pk}-g3{get_engine().suffix}")
    assert rows_of(table).records == before
    assert row_ids(table) == list(range(6))
    assert table.profile["rows"] == 6
    assert table.profile["columns"]["城市"]["distinct"] == 5
    assert table.profile["columns"]["数量"]["max"] == 11
    assert [r["path"] for r in table.retired] == old_files
    assert len(callbacks) == 2  # the exports and the deletion of the old files


def test_parts_appended_during_a_merge_stay_after_the_merged_base(table, actor, monkeypatch):
    # given
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    merge = dynamic._merge

    def merge_then_append(con, merging, target):
        rows = merge(con, merging, target)
        dynamic.append_rows(actor, merging, [{"城市": "嘉兴"}])
        return rows

    monkeypatch.setattr(dynamic, "_merge", merge_then_append)
    # when
    assert dynamic.compact(table.pk) is True
    # then
    table.refresh_from_db()
    assert len(table.parts) == 1 and table.parts[0].endswith("-g2.part.parquet")
    assert table.generation == 3 and table.row_count == 5
    assert [r["城市"] for r in rows_of(table).records] == ["杭州", "宁波", "温州", "湖州", "嘉兴"]
    assert row_ids(table) == list(range(5))
    assert table.profile["rows"] == 4  # the merged rows; the next merge counts the rest


def test_a_replace_during_a_merge_wins_and_the_merged_file_is_dropped(table, actor, monkeypatch):
    # given
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    merge = dynamic._merge

    def merge_then_replace(con, merging, target):
        rows = merge(con, merging, target)
        dynamic.append_rows(actor, merging, [{"城市": "丽水"}], mode="replace")
        return rows

    monkeypatch.setattr(dynamic, "_merge", merge_then_replace)
    # when
    assert dynamic.compact(table.pk) is False
    # then
    table.refresh_from_db()
    assert [r["城市"] for r in rows_of(table).records] == ["丽水"]
    assert table.generation == 2
    folder = get_engine().data_file(table).parent
    assert not [p for p in folder.iterdir() if p.name.endswith(".partial")]


def test_nothing_to_merge_is_left_alone(table):
    assert dynamic.compact(table.pk) is False
    assert DatastoreTable.objects.get(pk=table.pk).generation == 0


def test_retired_files_are_deleted_only_after_the_grace_period(table, actor):
    # given
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    dynamic.compact(table.pk)
    table.refresh_from_db()
    root = get_engine().root()
    retired = [r["path"] for r in table.retired]
    now = dt.datetime.now(dt.UTC)
    # when
    early = dynamic.tidy(table.pk, now=now + dt.timedelta(seconds=60))
    late = dynamic.tidy(table.pk, now=now + dt.timedelta(seconds=dynamic.RETIRED_GRACE_SECONDS))
    # then
    assert early == [] and late == retired
    assert not any((root / path).exists() for path in retired)
    assert (root / DatastoreTable.objects.get(pk=table.pk).data_path).is_file()
    assert DatastoreTable.objects.get(pk=table.pk).retired == []
    assert rows_of(table).total == 4


def test_a_file_still_in_use_is_never_deleted_whatever_the_list_says(table):
    table.retired = [{"path": table.data_path, "at": "2000-01-01T00:00:00+00:00"}]
    table.save(update_fields=["retired"])

    assert dynamic.tidy(table.pk) == []
    assert get_engine().data_file(table).is_file()


# Queueing


def test_appends_queue_one_merge_a_minute_later_in_production(
    table, actor, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    from huey.contrib.djhuey import HUEY

    from kaifang.datastore.tasks import compact_table_task

    scheduled = []
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(compact_table_task, "schedule", lambda *a, **kw: scheduled.append((a, kw)))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    with django_capture_on_commit_callbacks(execute=True):
        dynamic.append_rows(actor, table, [{"城市": "嘉兴"}])
    # then
    assert scheduled == [(((str(table.pk),),), {"delay": dynamic.COMPACT_DELAY_SECONDS})]
    assert len(DatastoreTable.objects.get(pk=table.pk).parts) == 2


def test_with_an_immediate_queue_the_merge_and_exports_follow_the_commit(
    table, actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dynamic.append_rows(actor, table, [{"城市": "湖州"}])

    table.refresh_from_db()
    assert table.parts == [] and table.generation == 2 and table.row_count == 4
    assert set(table.exports) == set(exporters.DEFAULT_KEYS)
    assert {r["generation"] for r in table.exports.values()} == {2}


# Exports


def test_exports_of_a_change_replace_the_previous_ones_which_are_served_until_then(
    client, table, actor, django_capture_on_commit_callbacks
):
    # given
    old = exporters.export_table(table, "csv")
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    dynamic.compact(table.pk)
    url = f"/api/v1/resources/{table.resource_id}/export.csv"
    # when: the new export is not made yet
    served = client.get(url)
    # then
    assert served.status_code == 200 and served["ETag"] == f'"{old["sha256"]}"'
    assert "湖州" not in b"".join(served.streaming_content).decode("utf-8-sig")
    # when: it is made
    table.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        new = exporters.export_table(table, "csv")
    # then
    root = get_engine().root()
    assert new["generation"] == 2 and new["path"].endswith(f"{table.pk}-g2.csv")
    assert not (root / old["path"]).exists()
    fresh = client.get(url)
    assert "湖州" in b"".join(fresh.streaming_content).decode("utf-8-sig")


def test_an_export_of_an_older_generation_finishing_late_is_dropped(table, actor):
    # given
    stale = DatastoreTable.objects.get(pk=table.pk)
    dynamic.append_rows(actor, table, [{"城市": "湖州"}])
    table.refresh_from_db()
    newer = exporters.export_table(table, "json")
    # when
    kept = exporters.export_table(stale, "json")
    # then
    assert kept == newer
    assert DatastoreTable.objects.get(pk=table.pk).exports["json"] == newer
    assert not (get_engine().root() / exporters.export_path(stale, "json")).exists()


@pytest.mark.both_engines
def test_every_exporter_reads_the_parts_in_row_order(table, actor):
    dynamic.append_rows(actor, table, [{"城市": f"新{n}", "数量": n} for n in range(3)])
    table.refresh_from_db()

    parquet = exporters.export_table(table, "parquet")
    csv_text = (get_engine().root() / exporters.export_table(table, "csv")["path"]).read_text(
        encoding="utf-8-sig"
    )

    con = duckdb.connect()
    path = get_engine().root() / parquet["path"]
    cities = [r[0] for r in con.execute(f"SELECT 城市 FROM '{path}'").fetchall()]  # noqa: S608
    con.close()
    assert cities == ["杭州", "宁波", "温州", "新0", "新1", "新2"]
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == cities


def test_the_tidy_job_comes_back_while_files_wait_for_their_grace_period(table, actor, monkeypatch):
    # given
    from huey.contrib.djhuey import HUEY

    from kaifang.datastore.tasks import tidy_table_task

    scheduled = []
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(tidy_table_task, "schedule", lambda *a, **kw: scheduled.append(kw))
    dynamic.append_rows(actor, table, [{"城市": "湖州"}], mode="replace")
    # when: the job runs before the grace period has ended
    dynamic.run_tidy(str(table.pk))
    # then
    assert scheduled == [{"delay": dynamic.RETIRED_GRACE_SECONDS + 5}]
    table.refresh_from_db()
    assert len(table.retired) == 1
    assert (get_engine().root() / table.retired[0]["path"]).is_file()


def test_an_immediate_queue_leaves_retired_files_to_the_next_merge(table):
    from django.core.cache import cache

    assert dynamic.queue_tidy(table.pk) is False
    assert cache.get(dynamic._queue_key("tidy", table.pk)) is None  # the queue is left free


def test_an_export_job_overtaken_by_a_write_queues_the_exports_again(table, actor, monkeypatch):
    # given
    from kaifang.datastore import tasks_export

    queued = []
    export_all = exporters.export_all

    def export_then_write(exported, keys):
        made = export_all(exported, keys)
        dynamic.append_rows(actor, exported, [{"城市": "湖州"}])
        return made

    monkeypatch.setattr(exporters, "export_all", export_then_write)
    monkeypatch.setattr(exporters, "queue_exports", lambda t, keys: queued.append(keys))
    # when
    tasks_export.export_table_task.call_local(str(table.pk), ["csv"])
    # then
    assert queued == [("csv",)]
    assert DatastoreTable.objects.get(pk=table.pk).exports["csv"]["generation"] == 0
