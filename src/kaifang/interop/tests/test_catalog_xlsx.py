"""Importing catalog spreadsheets: bad files and bad rows are refused with a report per row and
column and nothing stored; good ones create drafts, update through the revision path, and are
audited with the importer."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from kaifang.catalog.models import Dataset, DatasetRevision, State
from kaifang.catalog.schema import get_schema
from kaifang.catalog.tests import factories
from kaifang.core import codelists
from kaifang.core.audit import Actor
from kaifang.core.errors import NotAllowed
from kaifang.core.models import AuditEntry
from kaifang.interop.catalog_xlsx.columns import catalog_columns
from kaifang.interop.catalog_xlsx.rows import format_value, parse_value
from kaifang.interop.catalog_xlsx.services import CREATE, UNCHANGED, UPDATE, import_catalog

HEADERS = [c.header for c in catalog_columns()]


def _row(department, **overrides: str) -> dict[str, str]:
    """A complete, valid row of a new dataset with one link resource."""
    row = {
        "信息资源分类": "部门信息资源",
        "信息资源名称": "公交线路",
        "信息资源代码": "330000001001/000001",
        "信息资源提供方": department.title,
        "信息资源摘要": "全省公交线路及站点。",
        "信息资源格式": "电子表格",
        "信息项信息": "线路名称，字符型，50\n站点数，整型",
        "共享类型": "无条件共享",
        "开放类型": "无条件开放",
        "更新周期": "每月",
        "关键字": "公交；线路",
        "数据领域": "交通运输",
        "行业分类": "交通运输、仓储和邮政业；信息传输、软件和信息技术服务业",
        "开放方式": "数据下载",
        "使用要求": "政府开放数据使用协议",
        "联系人": "张工",
        "联系电话": "0571-88888888",
        "资源名称": "公交线路表",
        "资源类型": "外部链接",
        "资源格式": "CSV",
        "在线资源链接地址": "https://example.org/bus.csv",
    }
    row.update(overrides)
    return row


def _workbook(path: Path, rows: list[dict[str, Any]], *, headers=None, shape=None) -> Path:
    """Write `rows` under `headers` (all columns by default); `shape(sheet)` adds formulas,
    merges or whatever a test needs."""
    headers = headers or HEADERS
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("目录")
    for col, name in enumerate(headers):
        sheet.write_string(0, col, name)
    for number, row in enumerate(rows, start=1):
        for col, name in enumerate(headers):
            if row.get(name) not in (None, ""):
                sheet.write_string(number, col, str(row[name]))
    if shape:
        shape(sheet)
    book.close()
    return path


def _import(user, path: Path, **options):
    return import_catalog(Actor.for_user(user), path, **options)


def _col(header: str) -> int:
    return HEADERS.index(header)


# ---------------------------------------------------------------- bad rows


def test_a_file_with_bad_rows_is_refused_with_a_report_per_row_and_nothing_is_stored(
    platform_admin, department, tmp_path
):
    frequencies = "；".join(item.zh for item in codelists.get("update_frequency"))
    path = _workbook(
        tmp_path / "bad.xlsx",
        [
            _row(department),
            _row(
                department,
                信息资源名称="公交站点",
                信息资源代码="330000001001/000002",
                更新周期="每两月",
            ),
            _row(
                department,
                信息资源名称="出租车",
                信息资源代码="330000001001/000003",
                信息资源摘要="",
            ),
            _row(
                department,
                信息资源名称="地铁",
                信息资源代码="330000001001/000004",
                时间范围起="2024-13-01",
            ),
            _row(
                department,
                信息资源名称="航班",
                信息资源代码="330000001001/000005",
                信息资源提供方="省不存在厅",
            ),
            _row(department, 信息资源名称="公交线路（重复）"),
        ],
    )

    report = _import(platform_admin, path)

    assert report.messages() == [
        f"第 3 行，“更新周期”：“每两月”不在代码表中，可选：{frequencies}",
        "第 4 行，“信息资源摘要”：请填写“信息资源摘要”。",
        "第 5 行，“时间范围起”：“时间范围起”“2024-13-01”不是有效日期，请用 YYYY-MM-DD 格式。",
        "第 6 行，“信息资源提供方”：部门“省不存在厅”不存在。",
        "第 7 行，“信息资源代码”：信息资源代码“330000001001/000001”与第 2 行重复，"
        "但两行的信息资源名称不同；信息资源代码在目录中必须唯一。",
    ]
    assert not report.applied
    assert Dataset.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="dataset.").exists()


def test_the_valid_datasets_alone_are_imported_when_asked(platform_admin, department, tmp_path):
    path = _workbook(
        tmp_path / "mixed.xlsx",
        [
            _row(department),
            _row(
                department,
                信息资源名称="公交站点",
                信息资源代码="330000001001/000002",
                更新周期="每两月",
            ),
        ],
    )

    report = _import(platform_admin, path, partial=True)

    assert len(report.problems) == 1 and report.problems[0].row == 3
    assert report.applied and report.count(CREATE) == 1
    assert list(Dataset.objects.values_list("identifier", flat=True)) == ["330000001001/000001"]


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (
            lambda s: s.write_formula(1, _col("信息资源摘要"), '="全省"&"公交"', None, "全省公交"),
            "单元格 F2 是公式；目录表格只接受填写的值，请把公式改为数值后再导入。",
        ),
        (
            lambda s: s.merge_range(1, 0, 2, 0, "部门信息资源"),
            "单元格 A2:A3 是合并单元格；请取消合并，并在每一行填写完整后再导入。",
        ),
    ],
    ids=["formula", "merged"],
)
def test_formulas_and_merged_cells_are_refused_naming_the_cells(
    platform_admin, department, tmp_path, shape, message
):
    rows = [_row(department), _row(department, 资源名称="公交线路接口", 资源格式="JSON")]
    path = _workbook(tmp_path / "shaped.xlsx", rows, shape=shape)

    report = _import(platform_admin, path)

    assert report.messages() == [message]
    assert Dataset.objects.count() == 0


def test_an_empty_sheet_a_bare_header_and_an_unknown_column_are_refused(
    platform_admin, department, tmp_path
):
    empty = tmp_path / "empty.xlsx"
    xlsxwriter.Workbook(str(empty)).close()
    bare = _workbook(tmp_path / "bare.xlsx", [])
    unknown = _workbook(
        tmp_path / "unknown.xlsx", [_row(department)], headers=[*HEADERS[:3], "备注"]
    )

    assert _import(platform_admin, empty).messages() == ["目录表格是空的，没有表头和数据。"]
    assert _import(platform_admin, bare).messages() == ["目录表格只有表头，没有数据行。"]
    assert _import(platform_admin, unknown).messages() == [
        "第 1 行 D 列的表头“备注”不是目录表格的列；列名见“说明”工作表。"
    ]


def test_a_zip_bomb_is_refused_before_it_is_opened(platform_admin, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (24 * 1024 * 1024))

    report = _import(platform_admin, path)

    assert len(report.messages()) == 1
    assert "疑似压缩炸弹，已拒绝" in report.messages()[0]
    assert "xl/worksheets/sheet1.xml" in report.messages()[0]


def test_a_file_resource_without_an_address_cannot_be_imported(
    platform_admin, department, tmp_path
):
    path = _workbook(
        tmp_path / "file.xlsx", [_row(department, 资源类型="文件", 在线资源链接地址="")]
    )

    assert _import(platform_admin, path).messages() == [
        "第 2 行，“在线资源链接地址”：文件资源不能通过目录表格上传；请填写文件的在线地址"
        "（将作为外部链接导入），或导入后在工作台上传文件。"
    ]


# ---------------------------------------------------------------- departments and roles


def test_a_department_import_refuses_rows_of_another_department(
    publisher, department, other_department, tmp_path
):
    path = _workbook(
        tmp_path / "other.xlsx", [_row(department, 信息资源提供方=other_department.title)]
    )

    report = _import(publisher, path, department=department)

    assert report.messages() == [
        "第 2 行，“信息资源提供方”：“省生态环境厅”不是本次导入的部门“省交通运输厅”。"
    ]


def test_only_the_department_s_authors_may_import_into_it(outsider, department, tmp_path):
    path = _workbook(tmp_path / "ok.xlsx", [_row(department)])

    with pytest.raises(NotAllowed):
        _import(outsider, path, department=department)
    report = _import(outsider, path)

    assert report.messages() == [
        "第 2 行，“信息资源提供方”：您不是“省交通运输厅”的数据发布员或管理员，"
        "不能导入该部门的数据集。"
    ]
    assert Dataset.objects.count() == 0


# ---------------------------------------------------------------- good files


def test_new_datasets_become_drafts_with_their_resources_audited_with_the_importer(
    publisher, department, tmp_path
):
    rows = [
        _row(department),
        _row(department, 资源名称="公交线路接口", 资源类型="接口", 资源格式="API"),
    ]
    path = _workbook(tmp_path / "new.xlsx", rows)

    report = _import(publisher, path, department=department)

    assert report.messages() == [] and report.applied
    dataset = Dataset.objects.get(identifier="330000001001/000001")
    assert dataset.state == State.DRAFT and dataset.update_frequency == "monthly"
    assert dataset.metadata["industry"] == ["G", "I"]
    assert dataset.metadata["fields"] == [
        {"name": "线路名称", "type": "C", "length": 50},
        {"name": "站点数", "type": "I"},
    ]
    assert sorted(dataset.resources.values_list("title", "kind")) == [
        ("公交线路接口", "api"),
        ("公交线路表", "link"),
    ]
    actions = AuditEntry.objects.filter(target_id=str(dataset.pk)).values_list(
        "action", "actor_user__username"
    )
    assert sorted(actions) == [
        ("dataset.create", "publisher"),
        ("resource.add", "publisher"),
        ("resource.add", "publisher"),
    ]


def test_a_dry_run_reports_what_would_happen_and_stores_nothing(publisher, department, tmp_path):
    path = _workbook(tmp_path / "new.xlsx", [_row(department)])

    report = _import(publisher, path, department=department, dry_run=True)

    assert report.messages() == [] and not report.applied
    assert report.count(CREATE) == 1
    assert Dataset.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_new_datasets_can_be_sent_to_review(publisher, department, tmp_path):
    path = _workbook(tmp_path / "new.xlsx", [_row(department)])

    _import(publisher, path, department=department, submit=True)

    assert Dataset.objects.get().state == State.IN_REVIEW


def test_a_published_dataset_is_updated_through_a_pending_revision(publisher, department, tmp_path):
    published = factories.make_dataset(
        department, title="公交线路", identifier="330000001001/000001", update_frequency="monthly"
    )
    unchanged = factories.make_dataset(department, title="出租车")
    same = {
        "信息资源名称": unchanged.title,
        "信息资源代码": unchanged.identifier,
        "信息资源摘要": unchanged.summary,
        "信息项信息": "名称，字符型，100",
        "关键字": "",
        "行业分类": "",
        "资源名称": "",
        "资源类型": "",
        "资源格式": "",
        "在线资源链接地址": "",
    }
    path = _workbook(
        tmp_path / "update.xlsx",
        [_row(department, 更新周期="每季度"), _row(department, **same)],
    )

    report = _import(publisher, path, department=department)

    assert report.messages() == []
    assert [e.outcome for e in report.entries] == [UPDATE, UNCHANGED]
    published.refresh_from_db()
    assert published.update_frequency == "monthly"  # public values wait for the review
    revision = DatasetRevision.objects.get(dataset=published)
    assert revision.data["update_frequency"] == "quarterly"
    assert published.resources.filter(pending_revision=revision).count() == 1
    assert not DatasetRevision.objects.filter(dataset=unchanged).exists()


# ---------------------------------------------------------------- the row model


@pytest.mark.parametrize(
    ("key", "stored", "cell"),
    [
        ("industry", ["A", "G"], "农、林、牧、渔业；交通运输、仓储和邮政业"),
        (
            "related_codes",
            ["330000001001/000001", "330000001001/000002"],
            "330000001001/000001；330000001001/000002",
        ),
        ("open_type", "conditional", "有条件开放"),
        ("is_high_value", True, "是"),
        ("keywords", ["公交", "线路"], "公交；线路"),
    ],
)
def test_cells_read_back_as_the_values_they_were_written_from(key, stored, cell):
    field = get_schema().dataset_field(key)

    assert format_value(field, stored) == cell
    assert parse_value(field, cell) == stored
