"""Bad input never crashes the ingest nor half-publishes: each case fails the new version with a
Chinese message naming the row, column or byte, writes no data file, and the resource keeps
serving its previous version."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import xlsxwriter
from django.core.files.base import ContentFile

from kaifang.catalog.models import ResourceVersion, State
from kaifang.catalog.services import revisions
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.core.models import AuditEntry
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest.pipeline import ingest_version
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.selectors import current_tables
from kaifang.datastore.tests.ingest_helpers import (
    add_file,
    add_version,
    inline_tasks,
    queued_exports,
    rows_of,
)

__all__ = ["inline_tasks", "queued_exports"]
pytestmark = pytest.mark.usefixtures("inline_tasks", "queued_exports")

GOOD = "城市,数量\n杭州,1\n宁波,2\n".encode()


@pytest.fixture
def served(department, publisher, django_capture_on_commit_callbacks):
    """A draft dataset's resource whose version 1 is ingested and current."""
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return add_file(django_capture_on_commit_callbacks, publisher, dataset, "城市.csv", GOOD)


@pytest.fixture
def upload_v2(served, publisher, django_capture_on_commit_callbacks):
    def do(name: str, content: bytes) -> ResourceVersion:
        return add_version(django_capture_on_commit_callbacks, publisher, served, name, content)

    return do


def raw_version(resource, name: str, content: bytes, fmt: str) -> ResourceVersion:
    """A version stored as it is, without the upload checks (a file stored before a check
    existed, or put in place by other means)."""
    version = ResourceVersion(
        resource=resource,
        number=resource.versions.count() + 1,
        original_name=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        detected_format=fmt,
        status=ResourceVersion.Status.PENDING,
    )
    version.file.save(name, ContentFile(content), save=False)
    version.save()
    return version


def assert_failed_and_previous_served(resource, version, message: str) -> dict:
    resource.refresh_from_db()
    version.refresh_from_db()
    [table] = DatastoreTable.objects.filter(version=version)
    assert table.error["message"] == message
    assert table.status == "failed" and version.status == "failed" and version.error == message
    assert resource.current_version.number == 1
    assert rows_of(current_tables(resource)[0]) == [(0, "杭州", 1), (1, "宁波", 2)]
    folder = get_engine().root() / str(resource.pk) / str(version.pk)
    assert not folder.exists()
    return table.error


def test_a_row_with_too_few_fields_names_its_line(served, upload_v2):
    version = upload_v2("城市.csv", "城市,数量,备注\n杭州,1,无\n宁波,2\n".encode())

    error = assert_failed_and_previous_served(
        served, version, "第 3 行（第 35 字节）只有 2 列，表头有 3 列，请补齐或删除该行。"
    )
    assert (error["row"], error["byte"]) == (3, 35)


def test_a_row_with_too_many_fields_names_its_line(served, upload_v2):
    version = upload_v2("城市.csv", "城市,数量\n杭州,1\n宁波,2,3\n温州,4\n".encode())

    assert_failed_and_previous_served(
        served, version, "第 3 行（第 24 字节）有 3 列，多于表头的 2 列，请检查分隔符或引号。"
    )


def test_an_invalid_byte_sequence_names_its_byte_and_line(served, upload_v2):
    content = "城市,数量\n".encode() + "杭州,1\n".encode() * 200_000 + b"\xff\xfe,3\n"

    version = upload_v2("城市.csv", content)

    byte = len(content) - 4
    assert_failed_and_previous_served(
        served,
        version,
        f"第 200002 行（第 {byte} 字节）有无法按 UTF-8 解码的字节 FF FE 2C 33，"
        "请将文件另存为 UTF-8 或 GB18030 编码后再上传。",
    )


def test_an_invalid_byte_wins_over_what_the_read_made_of_the_rows_after_it(served, upload_v2):
    # the bytes are checked beside the read: a misfit value and a ragged row follow the bad
    # byte, and the message still names the byte (the first thing wrong in the file)
    head = "城市,数量\n".encode() + "杭州,1\n".encode() * 100_000
    content = head + b"\xe6\x9d,7\n" + "宁波,x\n宁波,1,2\n".encode()

    version = upload_v2("城市.csv", content)

    assert_failed_and_previous_served(
        served,
        version,
        f"第 100002 行（第 {len(head) + 1} 字节）有无法按 UTF-8 解码的字节 E6 9D 2C 37，"
        "请将文件另存为 UTF-8 或 GB18030 编码后再上传。",
    )


def test_an_empty_file_is_refused_on_upload_and_by_the_ingest(served):
    version = raw_version(served, "空.csv", b"", "CSV")

    ingest_version(version)

    assert_failed_and_previous_served(served, version, "文件是空的（0 字节），没有可入库的数据。")


def test_binary_junk_named_csv_names_the_first_binary_byte(served):
    version = raw_version(served, "数据.csv", b"abc\x00\x01\x02\xff" * 100, "CSV")

    ingest_version(version)

    assert_failed_and_previous_served(
        served,
        version,
        "文件不是文本表格：第 4 字节是二进制数据（NUL），请上传真正的 CSV 文件。",
    )


def test_a_file_over_the_configured_limit_is_not_ingested(served, settings):
    version = raw_version(served, "城市.csv", GOOD * 100, "CSV")
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 1000}

    ingest_version(version)

    assert_failed_and_previous_served(
        served,
        version,
        "文件大小 3.1\xa0KB 超过入库上限 1000\xa0字节（第 1001 字节起超出），请拆分后再上传。",
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_posing_as_xlsx_is_refused_by_its_compression_ratio(served, upload_v2):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * 30_000_000})

    version = upload_v2("统计.xlsx", bomb)

    assert_failed_and_previous_served(
        served,
        version,
        "Excel 文件中的“xl/worksheets/sheet1.xml”压缩比为 1028 倍，超过上限 200 倍，"
        "疑似压缩炸弹，已拒绝。",
    )


def test_an_xlsx_unpacking_past_the_size_limit_is_refused(served, settings):
    members = {"xl/workbook.xml": b"<workbook/>"}
    members.update({f"xl/worksheets/sheet{n}.xml": b"1" * 600_000 for n in range(1, 4)})
    version = raw_version(served, "统计.xlsx", _zip(members), "XLSX")
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 100_000}

    ingest_version(version)

    assert_failed_and_previous_served(
        served,
        version,
        "Excel 文件解压后超过 976.6\xa0KB（到“xl/worksheets/sheet2.xml”为止），"
        "疑似压缩炸弹，已拒绝。",
    )


def test_a_formula_whose_result_is_an_error_names_its_cell(served, upload_v2):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("汇总")
    sheet.write_row("A1", ["城市", "数量", "占比"])
    sheet.write_row("A2", ["杭州", 1])
    sheet.write_formula("C2", "=B2/0", None, "#DIV/0!")
    book.close()

    version = upload_v2("汇总.xlsx", buffer.getvalue())

    error = assert_failed_and_previous_served(
        served,
        version,
        "工作表“汇总”单元格 C2 的公式结果是错误值，请修正公式或改为数值后再上传。",
    )
    assert (error["row"], error["column"]) == (2, "C")


def test_a_formula_with_a_result_is_read_as_its_value(served, upload_v2):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("汇总")
    sheet.write_row("A1", ["城市", "数量", "两倍"])
    sheet.write_row("A2", ["杭州", 3])
    sheet.write_formula("C2", "=B2*2", None, 6)
    book.close()

    upload_v2("汇总.xlsx", buffer.getvalue())

    assert rows_of(current_tables(served)[0]) == [(0, "杭州", 3, 6)]


def test_a_value_right_of_the_last_header_names_its_cell(served, upload_v2):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("表")
    sheet.write_row("A1", ["城市", "数量"])
    sheet.write_row("A2", ["杭州", 1])
    sheet.write_row("A3", ["宁波", 2, "多余"])
    book.close()

    version = upload_v2("表.xlsx", buffer.getvalue())

    assert_failed_and_previous_served(
        served,
        version,
        "工作表“表”单元格 C3 有数据，但它所在的列没有表头，请补上表头或删除该列。",
    )


def test_deeply_nested_json_names_the_byte_where_it_goes_too_deep(served, upload_v2):
    version = upload_v2("深.json", b'[{"a": ' + b"[" * 40 + b"]" * 40 + b"}]")

    assert_failed_and_previous_served(
        served, version, "JSON 嵌套过深：第 38 字节处已达第 33 层（上限 32 层）。"
    )


def test_json_without_a_row_array_is_refused(served, upload_v2):
    version = upload_v2("配置.json", b'{"name": "x", "size": 3}')

    assert_failed_and_previous_served(
        served, version, 'JSON 对象中没有找到数据行数组（形如 {"data": [{…}, …]}）。'
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rows><row><a>&lol3;</a></row><row><a>1</a></row></rows>
"""


def test_xml_entity_expansion_is_refused_naming_the_line(served, upload_v2):
    version = upload_v2("笑.xml", BILLION_LAUGHS)

    error = assert_failed_and_previous_served(
        served,
        version,
        "XML 文件第 3 行声明了实体“lol”，为防止实体膨胀攻击，不接受带实体声明的 XML。",
    )
    assert error["row"] == 3


def test_malformed_xml_names_line_and_column(served, upload_v2):
    version = upload_v2("坏.xml", b"<rows>\n<row><a>1</a></row>\n<row><a>2</b></row></rows>")

    assert_failed_and_previous_served(served, version, "XML 格式错误：第 3 行第 12 列。")


def test_a_failure_is_audited_against_the_dataset(served, upload_v2):
    upload_v2("城市.csv", "城市,数量\n杭州\n".encode())

    entry = AuditEntry.objects.filter(action="resource.ingest_failed").get()
    assert entry.detail["version"] == 2 and "第 2 行" in entry.detail["error"]


def test_on_a_published_dataset_a_new_version_waits_for_both_ingest_and_approval(
    department, publisher, reviewer, django_capture_on_commit_callbacks
):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    resource = add_file(django_capture_on_commit_callbacks, publisher, dataset, "城市.csv", GOOD)
    dataset.state = State.PUBLISHED
    dataset.save()

    newer = "城市,数量\n温州,3\n".encode()
    version = add_version(
        django_capture_on_commit_callbacks, publisher, resource, "城市.csv", newer
    )
    assert version.status == "ready" and resource.current_version.number == 1

    revision = revisions.open_revision(dataset)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.submit_revision(Actor.for_user(publisher), revision)
        revisions.approve_revision(Actor.for_user(reviewer), revision)
    resource.refresh_from_db()
    assert resource.current_version == version
    assert rows_of(current_tables(resource)[0]) == [(0, "温州", 3)]


def test_a_version_approved_before_its_ingest_ends_becomes_current_when_it_does(
    department, publisher, reviewer, django_capture_on_commit_callbacks
):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    resource = add_file(django_capture_on_commit_callbacks, publisher, dataset, "城市.csv", GOOD)
    dataset.state = State.PUBLISHED
    dataset.save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kaifang.catalog import services as catalog

    version = catalog.add_resource_version(  # its ingest is queued, not yet run
        Actor.for_user(publisher), resource, SimpleUploadedFile("城市.csv", GOOD)
    )
    revision = revisions.open_revision(dataset)
    revisions.submit_revision(Actor.for_user(publisher), revision)
    revisions.approve_revision(Actor.for_user(reviewer), revision)
    resource.refresh_from_db()
    assert resource.current_version.number == 1

    ingest_version(version)

    resource.refresh_from_db()
    assert resource.current_version == version
