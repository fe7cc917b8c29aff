"""Writing the catalog spreadsheet: an XLSX with the sheet “目录” (one row per resource entry)
and the sheet “说明” (each column's meaning and allowed values), or the “目录” sheet alone as a
UTF-8 CSV with BOM (Excel on Windows opens it as UTF-8 only with the BOM).

Datasets are read in chunks and XlsxWriter runs in constant-memory mode, so a catalog of any size
is written with flat memory. Cells are always written as text, never as formulas or links; in
the CSV a cell that Excel would take for a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import xlsxwriter
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource
from kaifang.datastore.exporters.workbook import inert_workbook
from kaifang.interop.catalog_xlsx.columns import DATASET, Column, catalog_columns, get_guide
from kaifang.interop.catalog_xlsx.reader import INERT_AFTER, SHEET
from kaifang.interop.catalog_xlsx.rows import cells_of_dataset

NOTES_SHEET = "说明"
CHUNK = 500

FileUrl = Callable[[Resource], str]


def catalog_rows(datasets: QuerySet[Dataset], file_url: FileUrl) -> Iterator[list[str]]:
    """Every row of `datasets`, dataset by dataset in catalog-code order, read in chunks."""
    columns = catalog_columns()
    public_resources = Resource.objects.filter(pending_revision__isnull=True).order_by(
        "position", "created_at"
    )
    qs = (
        datasets.select_related("department", "region")
        .prefetch_related("tags", Prefetch("resources", queryset=public_resources))
        .order_by("identifier", "title", "pk")
    )
    for dataset in qs.iterator(chunk_size=CHUNK):
        yield from cells_of_dataset(dataset, list(dataset.resources.all()), columns, file_url)


def write_xlsx(datasets: QuerySet[Dataset], target: Path, file_url: FileUrl) -> int:
    """Write the workbook to `target`; return the number of catalog rows."""
    workbook = inert_workbook(target)
    try:
        return _fill(workbook, datasets, file_url)
    finally:
        workbook.close()


def _fill(workbook: xlsxwriter.Workbook, datasets: QuerySet[Dataset], file_url: FileUrl) -> int:
    columns = catalog_columns()
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet = workbook.add_worksheet(SHEET)
    notes = workbook.add_worksheet(NOTES_SHEET)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, bold)
        sheet.set_column(index, index, 30 if column.field.type in {"textarea", "fields"} else 16)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(catalog_rows(datasets, file_url), start=1):
        for index, value in enumerate(row):
            if value:
                sheet.write_string(count, index, value)
    _write_notes(notes, columns, bold)
    return count


def _write_notes(sheet, columns: tuple[Column, ...], bold) -> None:
    heads = [_("列名"), _("目录元素"), _("说明"), _("填写要求"), _("可选值")]
    for index, head in enumerate(heads):
        sheet.write_string(0, index, head, bold)
    for width, index in ((16, 0), (16, 1), (50, 2), (30, 3), (60, 4)):
        sheet.set_column(index, index, width)
    for number, column in enumerate(columns, start=1):
        for index, text in enumerate(describe(column)):
            sheet.write_string(number, index, text)


def describe(column: Column) -> list[str]:
    """The “说明” row of one column: name, element, meaning, how to fill it, allowed values."""
    f = column.field
    element = column.element or (_("扩展项") if column.scope == DATASET else _("资源条目"))
    meaning = f.labels["zh"] + (f"：{f.helps['zh']}" if f.helps["zh"] else "")
    choices = get_guide().separator.join(item.zh for item in f.codes) if f.codes else ""
    return [column.header, element, meaning, _rule(column), choices]


def _rule(column: Column) -> str:
    f = column.field
    if not column.imported:
        return _("由平台填写，导入时忽略")
    parts = []
    if f.required:
        parts.append(_("必填"))
    elif f.required_when:
        parts.append(_("视情况必填"))
    hints = {
        "date": _("日期，格式 YYYY-MM-DD"),
        "boolean": _("填“是”或“否”"),
        "codes": _("可填多个，用“%(sep)s”分隔"),
        "tags": _("可填多个，用“%(sep)s”分隔"),
        "identifiers": _("可填多个信息资源代码，用“%(sep)s”分隔"),
        "department": _("部门全称"),
        "region": _("名称（六位区划代码），如 杭州市（330100）"),
        "fields": _("每行一个信息项：名称，数据类型，长度，说明"),
        "url": _("http(s) 网址"),
    }
    hint = hints.get(f.type)
    if hint:
        parts.append(hint % {"sep": get_guide().separator} if "%(sep)s" in hint else hint)
    if f.max_length:
        parts.append(_("不超过 %(n)d 个字符") % {"n": f.max_length})
    return "；".join(parts)


def write_csv(datasets: QuerySet[Dataset], target: Path, file_url: FileUrl) -> int:
    """The “目录” sheet as UTF-8 CSV with BOM; return the number of catalog rows."""
    count = 0
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([c.header for c in catalog_columns()])
        for row in catalog_rows(datasets, file_url):
            writer.writerow([_inert(value) for value in row])
            count += 1
    return count


def _inert(value: str) -> str:
    return "'" + value if value.startswith(INERT_AFTER) else value
