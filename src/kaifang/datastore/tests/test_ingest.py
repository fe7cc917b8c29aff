"""The ingest pipeline end to end: uploads through the catalog become ready tables whose data
file, fields and profile match the source, in every accepted encoding and format."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json

import pytest
import xlsxwriter

from kaifang.catalog.models import ResourceVersion, State
from kaifang.catalog.tests import factories
from kaifang.datastore.ingest.pipeline import ingest_version
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.selectors import current_tables, dataset_data_facts
from kaifang.datastore.tests.ingest_helpers import (
    add_file,
    add_version,
    inline_tasks,
    queued_exports,
    rows_of,
)

__all__ = ["inline_tasks", "queued_exports"]
pytestmark = pytest.mark.usefixtures("inline_tasks", "queued_exports")

CSV = (
    "城市,数量,单价,日期,时间,启用,邮编\n"
    "杭州,12,3.50,2024-01-02,2024-01-02 08:30:00,true,0571\n"
    "宁波,7,12.25,2024/2/3,2024-02-03 09:00:00,false,0574\n"
    "温州,,0.5,2024-03-04,,true,0577\n"
)


@pytest.fixture
def draft(department):
    return factories.make_dataset(department, state=State.DRAFT)


@pytest.fixture
def upload(draft, publisher, django_capture_on_commit_callbacks):
    def do(name: str, content: bytes):
        return add_file(django_capture_on_commit_callbacks, publisher, draft, name, content)

    return do


def _types(table: DatastoreTable) -> dict[str, str]:
    return {f["id"]: f["type"] for f in table.fields}


@pytest.mark.both_engines
def test_a_utf8_csv_becomes_a_ready_typed_table_and_the_current_version(upload):
    resource = upload("价格.csv", CSV.encode())

    [table] = current_tables(resource)
    assert resource.current_version.status == ResourceVersion.Status.READY
    assert table.status == "ready" and table.stage == "done" and table.row_count == 3
    assert _types(table) == {
        "城市": "text",
        "数量": "integer",
        "单价": "decimal",
        "日期": "date",
        "时间": "datetime",
        "启用": "boolean",
        "邮编": "text",
    }
    assert rows_of(table)[0] == (
        0,
        "杭州",
        12,
        decimal.Decimal("3.50"),
        dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 8, 30),
        True,
        "0571",
    )
    assert rows_of(table)[2][2] is None and rows_of(table)[2][5] is None


def test_the_exports_of_every_ready_table_are_queued(upload, queued_exports):
    resource = upload("价格.csv", CSV.encode())

    assert queued_exports == [str(t.pk) for t in current_tables(resource)]


@pytest.mark.parametrize("codec", ["utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_every_accepted_encoding_reads_the_same_rows(upload, codec):
    resource = upload("价格.csv", CSV.encode(codec))

    [table] = current_tables(resource)
    assert [f["source"] for f in table.fields][:2] == ["城市", "数量"]
    assert [r[1] for r in rows_of(table)] == ["杭州", "宁波", "温州"]


def test_a_tsv_and_a_semicolon_file_are_split_on_their_delimiter(upload):
    tsv = upload("表.tsv", "名称\t值\n甲\t1\n乙\t2\n".encode())
    semi = upload("表.csv", "名称;值\n甲;1\n乙;2\n".encode())

    assert [r[1:] for r in rows_of(current_tables(tsv)[0])] == [("甲", 1), ("乙", 2)]
    assert [r[1:] for r in rows_of(current_tables(semi)[0])] == [("甲", 1), ("乙", 2)]


@pytest.mark.both_engines
def test_the_profile_counts_nulls_distinct_values_extremes_and_top_values(upload):
    resource = upload("价格.csv", (CSV + "杭州,3,1.00,2024-05-06,,false,0571\n").encode())

    profile = current_tables(resource)[0].profile["columns"]
    assert profile["城市"]["top"][0] == ["杭州", 2]
    assert profile["城市"]["distinct"] == 3
    assert profile["数量"] == {
        "type": "integer",
        "nulls": 1,
        "distinct": 3,
        "min": 3,
        "max": 12,
        "top": [[3, 1], [7, 1], [12, 1]],
    }
    assert profile["日期"]["min"] == "2024-01-02" and profile["日期"]["max"] == "2024-05-06"


def test_a_hundred_thousand_row_gb18030_csv_reads_back_cell_for_cell(upload):
    lines = ["编号,区县,说明,数值"]
    expected = []
    for n in range(100_000):
        row = (n, f"西湖区{n % 13}", f"第{n}条记录，含“引号”与逗号,", n * 0.25)
        expected.append(row)
        lines.append(f'{n},{row[1]},"{row[2]}",{row[3]}')
    resource = upload("大表.csv", ("\n".join(lines) + "\n").encode("gb18030"))

    [table] = current_tables(resource)
    got = rows_of(table)
    assert table.row_count == 100_000
    assert [(r[1], r[2], r[3], float(r[4])) for r in got] == expected
    assert [r[0] for r in got] == list(range(100_000))


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_every_sheet_of_a_workbook_becomes_a_table_equal_to_the_source_cell_for_cell(upload):
    people = [["区县", "人口", "面积", "统计日期", "达标"]] + [
        [f"区{n}", 1000 + n, n + 0.5, dt.date(2024, 1, 1) + dt.timedelta(days=n), n % 2 == 0]
        for n in range(300)
    ]
    roads = [["道路", "长度"]] + [[f"路{n}", n * 3] for n in range(50)]
    resource = upload("统计.xlsx", _workbook({"人口": people, "道路": roads, "空表": []}))

    tables = current_tables(resource)
    assert [t.sheet for t in tables] == ["人口", "道路"]
    assert [tuple(r[1:]) for r in rows_of(tables[0])] == [tuple(r) for r in people[1:]]
    assert [list(r[1:]) for r in rows_of(tables[1])] == roads[1:]
    assert _types(tables[0]) == {
        "区县": "text",
        "人口": "integer",
        "面积": "decimal",
        "统计日期": "date",
        "达标": "boolean",
    }
    assert "工作表“空表”是空的，已跳过。" in tables[0].profile["notices"]


def test_a_title_row_above_the_header_and_merged_header_cells_are_understood(upload):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("表")
    sheet.merge_range("A1:C1", "2024年各区人口统计表")
    sheet.merge_range("A2:B2", "人口")
    sheet.write("C2", "区县")
    sheet.write_row("A3", [1, 2, "上城区"])
    book.close()

    resource = upload("人口.xlsx", buffer.getvalue())

    [table] = current_tables(resource)
    assert [f["id"] for f in table.fields] == ["人口", "人口_2", "区县"]
    assert rows_of(table) == [(0, 1, 2, "上城区")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("行.json", json.dumps([{"城市": "杭州", "数量": 1}, {"城市": "宁波", "数量": 2}])),
        ("行.json", '{"城市": "杭州", "数量": 1}\n{"城市": "宁波", "数量": 2}\n'),
        (
            "行.json",
            json.dumps(
                {"total": 2, "data": [{"城市": "杭州", "数量": 1}, {"城市": "宁波", "数量": 2}]}
            ),
        ),
        (
            "行.xml",
            '<?xml version="1.0" encoding="UTF-8"?><数据><记录><城市>杭州</城市><数量>1</数量>'
            "</记录><记录><城市>宁波</城市><数量>2</数量></记录></数据>",
        ),
        (
            "行.xml",
            '<root><meta><n>2</n></meta><rows><row 城市="杭州" 数量="1"/>'
            '<row 城市="宁波" 数量="2"/></rows></root>',
        ),
    ],
)
def test_json_and_xml_rows_become_tables(upload, name, content):
    resource = upload(name, content.encode())

    [table] = current_tables(resource)
    assert _types(table) == {"城市": "text", "数量": "integer"}
    assert rows_of(table) == [(0, "杭州", 1), (1, "宁波", 2)]


def test_a_nested_json_value_is_kept_as_its_json_text(upload):
    resource = upload("行.json", json.dumps([{"名称": "甲", "坐标": {"x": 1, "y": 2}}]).encode())

    assert rows_of(current_tables(resource)[0]) == [(0, "甲", '{"x":1,"y":2}')]


def test_duplicate_and_empty_headers_are_renamed_and_noted(upload):
    resource = upload("表.csv", "名称,,名称,_id\n甲,1,2,3\n".encode())

    [table] = current_tables(resource)
    assert [f["id"] for f in table.fields] == ["名称", "列2", "名称_2", "id"]
    assert [f["source"] for f in table.fields] == ["名称", "", "名称", "_id"]
    assert table.profile["notices"] == [
        "第 2 列表头为空，已命名为“列2”。",
        "第 3 列表头“名称”与前面的列重名，已改为“名称_2”。",
        "第 4 列表头“_id”已规范为“id”。",
    ]


def test_a_rowid_header_is_renamed_and_the_row_ids_stay_the_row_positions(upload):
    resource = upload("表.csv", "ROWID,名称\n70,甲\n90,乙\n".encode())

    [table] = current_tables(resource)
    assert [f["id"] for f in table.fields] == ["ROWID_2", "名称"]
    assert rows_of(table) == [(0, 70, "甲"), (1, 90, "乙")]
    assert table.profile["notices"] == ["第 1 列表头“ROWID”是系统保留名，已改为“ROWID_2”。"]


def test_a_publisher_type_override_is_applied(upload, draft):
    resource = upload("价格.csv", CSV.encode())
    [table] = current_tables(resource)
    table.type_overrides = {"数量": "float", "日期": "text"}
    table.save()

    [again] = ingest_version(resource.current_version)

    assert _types(again)["数量"] == "float" and _types(again)["日期"] == "text"
    assert rows_of(again)[0][2] == 12.0 and rows_of(again)[0][4] == "2024-01-02"


def test_an_override_the_values_do_not_fit_fails_naming_the_record_and_column(upload):
    resource = upload("价格.csv", CSV.encode())
    version = resource.current_version
    DatastoreTable.objects.filter(version=version).update(type_overrides={"城市": "integer"})

    [table] = ingest_version(version)

    assert table.status == "failed"
    assert table.error["message"] == "第 1 条记录的“城市”值“杭州”不是整数，不能按指定类型入库。"
    assert (table.error["row"], table.error["column"]) == (1, "城市")


def test_a_new_version_keeps_the_overrides_of_the_previous_one(
    upload, publisher, django_capture_on_commit_callbacks
):
    resource = upload("价格.csv", CSV.encode())
    DatastoreTable.objects.filter(version=resource.current_version).update(
        type_overrides={"数量": "float"}
    )

    add_version(django_capture_on_commit_callbacks, publisher, resource, "价格.csv", CSV.encode())

    [table] = current_tables(resource)
    assert resource.current_version.number == 2
    assert table.type_overrides == {"数量": "float"} and _types(table)["数量"] == "float"


def test_the_data_facts_come_from_what_ingested(upload, draft):
    assert dataset_data_facts(draft) == {"machine_readable": False, "has_api": False}

    upload("价格.csv", CSV.encode())
    factories.make_link_resource(draft, kind="api", url="https://example.org/api")

    draft.state = State.PUBLISHED
    draft.save()
    assert dataset_data_facts(draft) == {"machine_readable": True, "has_api": True}
