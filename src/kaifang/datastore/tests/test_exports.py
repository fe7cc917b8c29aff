"""Exports: every format gives back the same rows cell by cell; formula cells are neutralised;
XLSX splits across sheets; files are stored atomically and recorded; the download answers
Range, ETag and conditional requests, 202 while an export is being made, and 404/403 through
the visibility gate."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from urllib.parse import quote

import duckdb
import pytest
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog.models import AccessGrant, State
from kaifang.catalog.tests import factories
from kaifang.datastore import exporters
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.exporters.structured import xml_name, xml_names
from kaifang.datastore.exporters.workbook import XlsxExporter
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.tests.tables import make_file_resource, make_table

FIELDS = [
    {"id": "城市", "type": "text"},
    {"id": "日期", "type": "date"},
    {"id": "时间", "type": "datetime"},
    {"id": "数量", "type": "integer"},
    {"id": "金额", "type": "decimal"},
    {"id": "比率", "type": "float"},
    {"id": "有效", "type": "boolean"},
    {"id": "单价(元)", "type": "decimal"},
    {"id": "备注", "type": "text"},
]
ROWS = [
    {
        "城市": "杭州市",
        "日期": dt.date(2024, 1, 31),
        "时间": dt.datetime(2024, 1, 31, 8, 30, 5),
        "数量": 12,
        "金额": Decimal("1234.50"),
        "比率": 0.125,
        "有效": True,
        "单价(元)": Decimal("3.20"),
        "备注": '西湖区，含“引号”、"双引号"、逗号,与\n换行',
    },
    {
        "城市": "温州市",
        "日期": dt.date(1999, 12, 1),
        "时间": dt.datetime(2000, 2, 29, 23, 59, 59),
        "数量": -7,
        "金额": Decimal("-0.01"),
        "比率": -2.5e-07,
        "有效": False,
        "单价(元)": Decimal("0.00"),
        "备注": "生僻字𠀀𪚥与 <标签> & 符号",
    },
    {"城市": "丽水市", "数量": 9007199254740993},  # every other cell null; past 2**53
]
FORMATS = ["csv", "csv-utf-8", "csv-gb18030", "json", "xml", "xlsx", "parquet"]
ACCESS_MESSAGE = "该数据为有条件开放数据，需申请后下载"
PENDING_MESSAGE = "正在生成，请稍后再试"


def _expected(rows=ROWS, fields=FIELDS) -> list[dict]:
    return [{f["id"]: row.get(f["id"]) for f in fields} for row in rows]


@pytest.fixture
def table(department):
    dataset = factories.make_dataset(department)
    resource = make_file_resource(dataset, title="公交站点")
    return make_table(resource, ROWS, FIELDS)


@pytest.fixture
def huey_immediate(monkeypatch):
    """Queued jobs run at once, in the test's process."""
    from huey.contrib.djhuey import HUEY

    monkeypatch.setattr(HUEY, "immediate", True)
    yield
    HUEY.immediate = False


def _path(record) -> object:
    from django.conf import settings

    return settings.KAIFANG["DATASTORE_ROOT"] / record["path"]


# --- reading an export back ------------------------------------------------------------------


def _typed(value, kind: str):
    """A cell read back from a text format, as the type its field says."""
    if value is None or value == "":
        return None
    convert = {
        "integer": int,
        "decimal": lambda v: Decimal(str(v)),
        "float": float,
        "date": lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v),
        "datetime": lambda v: v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v),
        "boolean": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
        "text": lambda v: v[1:] if v[:1] == "'" and v[1:2] in "=+-@\t\r" else v,
    }[kind]
    return convert(value)


def _typed_rows(rows: list[dict], fields=FIELDS) -> list[dict]:
    return [{f["id"]: _typed(row.get(f["id"]), f["type"]) for f in fields} for row in rows]


def _read_csv(data: bytes, encoding: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def _read_xml(data: bytes) -> list[dict]:
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    rows = []
    for row in ElementTree.fromstring(data):
        cells = {}
        for cell in row:
            name = cell.get("name") or cell.tag
            cells[name] = None if cell.get(nil) == "true" else (cell.text or "")
        rows.append(cells)
    return rows


def _read_xlsx(path, fields=FIELDS) -> list[list[dict]]:
    """Each sheet's rows, keyed by the sheet's header row."""
    workbook = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in workbook.sheet_names:
        header, *rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets.append([dict(zip(header, row, strict=True)) for row in rows])
    return sheets


def _read_parquet(path) -> tuple[list[str], list[dict]]:
    con = duckdb.connect(config={"autoload_known_extensions": False})
    cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
    names = [d[0] for d in cursor.description]
    return names, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _read_back(key: str, path, fields=FIELDS) -> list[dict]:
    data = path.read_bytes()
    if key.startswith("csv"):
        encoding = {"csv": "utf-8-sig", "csv-utf-8": "utf-8", "csv-gb18030": "gb18030"}[key]
        return _typed_rows(_read_csv(data, encoding), fields)
    if key == "json":
        return _typed_rows(json.loads(data, parse_float=Decimal), fields)
    if key == "xml":
        return _typed_rows(_read_xml(data), fields)
    if key == "xlsx":
        return _typed_rows([row for sheet in _read_xlsx(path) for row in sheet], fields)
    return _read_parquet(path)[1]


# --- the files -------------------------------------------------------------------------------


@pytest.mark.both_engines
@pytest.mark.parametrize("key", FORMATS)
def test_every_format_gives_back_the_same_rows_cell_by_cell(table, key):
    fmt, encoding = exporters.registry[key].format, exporters._encoding_of(key)

    record = exporters.export_table(table, fmt, encoding)

    assert _read_back(key, _path(record)) == _expected()


def test_the_default_csv_has_a_byte_order_mark_and_the_others_do_not(table):
    default = _path(exporters.export_table(table, "csv")).read_bytes()
    plain = _path(exporters.export_table(table, "csv", "utf-8")).read_bytes()
    gb = _path(exporters.export_table(table, "csv", "gb18030")).read_bytes()

    assert default.startswith(b"\xef\xbb\xbf" + "城市,日期".encode())
    assert plain.startswith("城市,日期".encode())
    assert gb.startswith("城市,日期".encode("gb18030"))
    assert "生僻字𠀀𪚥".encode("gb18030") in gb
    assert default[3:] == plain
    assert default.endswith(b"\r\n")


def test_csv_cells_follow_iso_dates_and_plain_numbers(table):
    text = _path(exporters.export_table(table, "csv", "utf-8")).read_bytes().decode()
    first = text.split("\r\n")[1]

    assert first.startswith("杭州市,2024-01-31,2024-01-31T08:30:05,12,1234.50,0.125,true,3.20,")
    assert text.split("\r\n")[3] == "丽水市,,,9007199254740993,,,,,"


FORMULA_ROWS = [
    {"公式": "=1+2", "数": -5},
    {"公式": "+86 571 8888", "数": 1},
    {"公式": "-3", "数": 2},
    {"公式": "@SUM(A1:A9)", "数": 3},
    {"公式": "\tTAB", "数": 4},
    {"公式": "\rCR", "数": 5},
    {"公式": "普通文本 = 公式", "数": 6},
]
FORMULA_FIELDS = [{"id": "公式", "type": "text"}, {"id": "数", "type": "integer"}]


def test_formula_cells_are_quoted_in_csv_and_numbers_are_not(department):
    table = make_table(factories.make_dataset(department), FORMULA_ROWS, FORMULA_FIELDS)

    data = _path(exporters.export_table(table, "csv", "utf-8")).read_bytes().decode()
    cells = [row["公式"] for row in _read_csv(data.encode(), "utf-8")]

    assert cells == [
        "'=1+2",
        "'+86 571 8888",
        "'-3",
        "'@SUM(A1:A9)",
        "'\tTAB",
        "'\rCR",
        "普通文本 = 公式",
    ]
    assert data.split("\r\n")[1] == "'=1+2,-5"


def test_formula_cells_are_text_in_xlsx(department):
    table = make_table(factories.make_dataset(department), FORMULA_ROWS, FORMULA_FIELDS)

    path = _path(exporters.export_table(table, "xlsx"))
    [rows] = _read_xlsx(path)
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()

    assert "<f>" not in sheet_xml
    assert '<c r="A2" t="inlineStr"><is><t>=1+2</t></is></c>' in sheet_xml
    assert [r["公式"] for r in rows] == [r["公式"] for r in FORMULA_ROWS]
    assert [r["数"] for r in rows] == [-5, 1, 2, 3, 4, 5, 6]


def test_xlsx_goes_on_to_new_sheets_each_with_the_header(department, monkeypatch):
    monkeypatch.setattr(XlsxExporter, "max_rows", 4)  # the header and 3 rows a sheet
    rows = [{"序号": n, "名称": f"第{n}行"} for n in range(10)]
    fields = [{"id": "序号", "type": "integer"}, {"id": "名称", "type": "text"}]
    table = make_table(factories.make_dataset(department), rows, fields, sheet="站点")

    path = _path(exporters.export_table(table, "xlsx"))
    sheets = _read_xlsx(path)

    assert CalamineWorkbook.from_path(str(path)).sheet_names == [
        "站点",
        "站点_2",
        "站点_3",
        "站点_4",
    ]
    assert [len(s) for s in sheets] == [3, 3, 3, 1]
    assert _typed_rows(sheets[3], fields) == [{"序号": 9, "名称": "第9行"}]
    assert [int(r["序号"]) for s in sheets for r in s] == list(range(10))


@pytest.mark.both_engines
def test_the_parquet_download_leaves_out_the_row_id(table):
    names, rows = _read_parquet(_path(exporters.export_table(table, "parquet")))

    assert names == [f["id"] for f in FIELDS]
    assert rows == _expected()


def test_xml_names_are_made_valid_and_keep_the_original():
    assert xml_name("城市") == "城市"
    assert xml_name("单价(元)") == "单价_元_"
    assert xml_name("2024年") == "_2024年"
    assert xml_name("xml数据") == "_xml数据"
    assert xml_names(["a b", "a_b", "a-b"]) == ["a_b", "a_b_2", "a-b"]


def test_the_xml_file_names_an_unsafe_field_in_an_attribute(table):
    text = _path(exporters.export_table(table, "xml")).read_text(encoding="utf-8")

    assert '<单价_元_ name="单价(元)">3.20</单价_元_>' in text
    assert '<日期 xsi:nil="true"/>' in text
    assert "&lt;标签&gt; &amp; 符号" in text


def test_an_export_is_recorded_beside_the_data_file(table):
    record = exporters.export_table(table, "json")

    table.refresh_from_db()
    path = _path(record)
    assert table.exports["json"] == record
    assert record["path"] == f"{table.resource_id}/{table.version_id}/{table.pk}.json"
    assert record["size"] == path.stat().st_size
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dt.datetime.fromisoformat(record["created_at"]).tzinfo is not None


@pytest.mark.both_engines
def test_a_failed_export_leaves_no_file_and_no_record(table, monkeypatch):
    def broken(self, batches, handle):
        handle.write(b"[{")
        raise OSError("disk full")

    monkeypatch.setattr(exporters.JsonExporter, "write", broken)

    with pytest.raises(OSError):
        exporters.export_table(table, "json")

    table.refresh_from_db()
    folder = _path({"path": table.data_path}).parent
    assert sorted(p.name for p in folder.iterdir()) == [f"{table.pk}{get_engine().suffix}"]
    assert table.exports == {}


def test_export_all_makes_the_default_formats(table):
    made = exporters.export_all(table)

    table.refresh_from_db()
    assert set(made) == set(table.exports) == {"csv", "json", "xml", "xlsx", "parquet"}


def test_a_table_not_ready_is_not_exported(department):
    dataset = factories.make_dataset(department)
    table = make_table(dataset, ROWS, FIELDS, status=DatastoreTable.Status.RUNNING)

    with pytest.raises(Exception, match="尚未就绪"):
        exporters.export_table(table, "csv")


def test_unknown_formats_and_encodings_are_named():
    with pytest.raises(Exception, match="不支持的导出格式：pdf"):
        exporters.export_key("pdf")
    with pytest.raises(Exception, match=r"encoding.*big5"):
        exporters.export_key("csv", "big5")
    with pytest.raises(Exception, match="只适用于 CSV"):
        exporters.export_key("json", "utf-8")
    assert exporters.export_key("CSV", "GB18030") == "csv-gb18030"


def test_queue_exports_runs_the_job_once(table, huey_immediate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = exporters.queue_exports(table)
        again = exporters.queue_exports(table)

    table.refresh_from_db()
    assert (first, again) == (True, False)
    assert set(table.exports) == set(exporters.DEFAULT_KEYS)
    with django_capture_on_commit_callbacks(execute=True):
        assert exporters.queue_exports(table, ("csv",))  # the finished job let go of its lock


# --- the download ----------------------------------------------------------------------------


def _page(table, fmt="csv") -> str:
    return f"/resources/{table.resource_id}/export.{fmt}"


def _api(table, fmt="csv") -> str:
    return f"/api/v1/resources/{table.resource_id}/export.{fmt}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_export_not_made_yet_answers_202_and_is_queued(
    client, table, huey_immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api = client.get(_api(table, "xlsx"))
    page = client.get(_page(table, "json"))

    assert api.status_code == 202 and api["Retry-After"] == "30"
    assert api.json() == {"status": "pending", "message": PENDING_MESSAGE, "retry_after": 30}
    assert page.status_code == 202 and PENDING_MESSAGE in page.content.decode()
    table.refresh_from_db()
    assert "xlsx" in table.exports
    assert client.get(_api(table, "xlsx")).status_code == 200
    assert not ResourceDailyCount.objects.filter(downloads__gt=1).exists()


def test_a_table_still_ingesting_answers_202_without_queuing(client, department):
    dataset = factories.make_dataset(department)
    table = make_table(dataset, ROWS, FIELDS, status=DatastoreTable.Status.RUNNING)

    response = client.get(_api(table))

    assert response.status_code == 202
    assert exporters.queue_exports(table, ("csv",))  # nothing had been queued


def test_a_made_export_downloads_with_its_headers(client, table):
    record = exporters.export_table(table, "csv")
    data = _path(record).read_bytes()

    response = client.get(_page(table))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == (
        'attachment; filename="gong-jiao-zhan-dian.csv"; '
        f"filename*=UTF-8''{quote('公交站点.csv')}"
    )
    assert response["ETag"] == f'"{record["sha256"]}"'
    assert response["Last-Modified"].endswith("GMT")
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == data
    assert ResourceDailyCount.objects.get(resource=table.resource).downloads == 1


@pytest.mark.parametrize(
    ("fmt", "query", "content_type"),
    [
        ("csv", "?encoding=gb18030", "text/csv; charset=gb18030"),
        ("json", "", "application/json"),
        ("xml", "", "application/xml; charset=utf-8"),
        ("xlsx", "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("parquet", "", "application/vnd.apache.parquet"),
    ],
)
def test_each_format_has_its_content_type(client, table, fmt, query, content_type):
    encoding = "gb18030" if query else None
    exporters.export_table(table, fmt, encoding)

    response = client.get(_api(table, fmt) + query)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert quote(f"公交站点.{fmt}") in response["Content-Disposition"]


def test_byte_ranges_are_answered(client, table):
    data = _path(exporters.export_table(table, "csv")).read_bytes()
    size = len(data)

    head = client.get(_api(table), HTTP_RANGE="bytes=0-9")
    tail = client.get(_api(table), HTTP_RANGE="bytes=-5")
    rest = client.get(_api(table), HTTP_RANGE=f"bytes=10-{size + 100}")
    beyond = client.get(_api(table), HTTP_RANGE=f"bytes={size}-")
    several = client.get(_api(table), HTTP_RANGE="bytes=0-1,5-6")

    assert head.status_code == 206 and _body(head) == data[:10]
    assert head["Content-Range"] == f"bytes 0-9/{size}" and head["Content-Length"] == "10"
    assert tail.status_code == 206 and _body(tail) == data[-5:]
    assert rest.status_code == 206 and _body(rest) == data[10:]
    assert rest["Content-Range"] == f"bytes 10-{size - 1}/{size}"
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    assert several.status_code == 200 and _body(several) == data
    # the range from the start and the whole file count; the later pieces do not
    assert ResourceDailyCount.objects.get(resource=table.resource).downloads == 2


def test_conditional_requests_use_the_etag_and_date(client, table):
    record = exporters.export_table(table, "json")
    etag = f'"{record["sha256"]}"'
    modified = client.get(_api(table, "json"))["Last-Modified"]

    same = client.get(_api(table, "json"), HTTP_IF_NONE_MATCH=etag)
    other = client.get(_api(table, "json"), HTTP_IF_NONE_MATCH='"0000"')
    since = client.get(_api(table, "json"), HTTP_IF_MODIFIED_SINCE=modified)
    fresh_range = client.get(_api(table, "json"), HTTP_RANGE="bytes=0-0", HTTP_IF_RANGE=etag)
    stale_range = client.get(_api(table, "json"), HTTP_RANGE="bytes=0-0", HTTP_IF_RANGE='"old"')
    failed = client.get(_api(table, "json"), HTTP_IF_MATCH='"old"')

    assert same.status_code == 304 and same["ETag"] == etag
    assert other.status_code == 200
    assert since.status_code == 304
    assert fresh_range.status_code == 206 and _body(fresh_range) == b"["
    assert stale_range.status_code == 200
    assert failed.status_code == 412


def test_a_sheet_is_chosen_by_name(client, department):
    resource = make_file_resource(factories.make_dataset(department), title="统计表")
    make_table(resource, [{"a": "一"}], [{"id": "a"}], sheet="2023")
    second = make_table(resource, [{"a": "二"}], [{"id": "a"}], sheet="2024")
    exporters.export_table(second, "csv", "utf-8")

    response = client.get(_api(second) + "?encoding=utf-8&sheet=2024")
    missing = client.get(_api(second) + "?sheet=2025")

    assert _body(response).decode() == "a\r\n二\r\n"
    assert quote("统计表-2024.csv") in response["Content-Disposition"]
    assert missing.status_code == 404 and "2025" in missing.json()["error"]["message"]


@pytest.mark.parametrize("state", [State.DRAFT, State.IN_REVIEW, State.WITHDRAWN])
def test_unpublished_data_is_not_found(client, department, state):
    dataset = factories.make_dataset(department, state=state)
    table = make_table(dataset, ROWS, FIELDS)
    exporters.export_table(table, "csv")

    assert client.get(_page(table)).status_code == 404
    assert client.get(_api(table)).status_code == 404
    assert client.get(_api(table)).json()["error"]["code"] == "not_found"


def test_insiders_get_unpublished_exports_without_counting(client, department, publisher):
    table = make_table(factories.make_dataset(department, state=State.DRAFT), ROWS, FIELDS)
    exporters.export_table(table, "csv")

    client.force_login(publisher)

    assert client.get(_page(table)).status_code == 200
    assert not ResourceDailyCount.objects.exists()


def test_conditional_data_needs_an_application(client, department, citizen):
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "实名认证"}
    )
    table = make_table(dataset, ROWS, FIELDS)
    exporters.export_table(table, "csv")

    page = client.get(_page(table))
    api = client.get(_api(table))
    client.force_login(citizen)
    signed_in = client.get(_page(table))

    assert page.status_code == 403 and ACCESS_MESSAGE in page.content.decode()
    assert signed_in.status_code == 403
    assert api.status_code == 403
    assert api.json() == {"error": {"code": "access_required", "message": ACCESS_MESSAGE}}
    AccessGrant.objects.create(dataset=dataset, user=citizen)
    assert client.get(_page(table)).status_code == 200


def test_bad_formats_resources_and_encodings_are_refused(client, table):
    exporters.export_table(table, "csv")

    unknown = client.get(_api(table, "pdf"))
    encoding = client.get(_api(table) + "?encoding=big5")
    missing = client.get("/api/v1/resources/00000000-0000-0000-0000-000000000000/export.csv")
    page = client.get("/resources/00000000-0000-0000-0000-000000000000/export.csv")

    assert unknown.status_code == 404
    assert "不支持的导出格式：pdf" in unknown.json()["error"]["message"]
    assert encoding.status_code == 422
    assert encoding.json()["error"]["fields"]["encoding"]
    assert missing.status_code == 404 and page.status_code == 404


def test_a_resource_without_tables_has_nothing_to_export(client, department):
    resource = make_file_resource(factories.make_dataset(department))

    response = client.get(f"/api/v1/resources/{resource.pk}/export.csv")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "该资源没有可导出的数据表。"


def test_only_get_and_head_are_answered(client, table):
    exporters.export_table(table, "csv")

    assert client.head(_page(table)).status_code == 200
    assert client.post(_page(table)).status_code == 405
