"""Reading a catalog spreadsheet: an XLSX (through calamine, after the datastore's zip-bomb
checks) or a CSV (UTF-8 or GB18030). The catalog sheet is the one named “目录”, else the first;
its first row is the header. What a person would get wrong silently is refused with its place:
a formula (a catalog entry holds values, and a formula's cached value may be stale), merged cells
below the header (the rows under a merge would read as empty), headers that are not columns.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import python_calamine
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.readers.excel import _sheet_members, check_archive, column_letters
from kaifang.interop.catalog_xlsx.columns import Column

SHEET = "目录"
FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?>\s*<f[ >/]')
MAX_ROWS = 100_000
INERT_AFTER = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetRefused(Exception):
    """The file as a whole cannot be read as a catalog; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (row number as Excel counts, header → value)


def open_catalog(path: Path, columns: tuple[Column, ...], *, fmt: str = "XLSX") -> Sheet:
    """The catalog sheet of the file at `path`, with its headers checked against `columns`."""
    table = _read_csv(path) if fmt == "CSV" else read_xlsx(path)
    try:
        header = next(table)
    except StopIteration:
        raise SpreadsheetRefused(_("目录表格是空的，没有表头和数据。")) from None
    headers = _check_headers(header, columns)
    return Sheet(headers, data_rows(table, headers))


def read_xlsx(path: Path) -> Iterator[list[Any]]:
    """The catalog sheet's rows as lists of cell values, the header first, after the checks a
    stranger's file needs (zip bombs, formulas, merged cells); SpreadsheetRefused says why not.
    Harvesting a catalog sheet at a URL reads its files with this too."""
    try:
        check_archive(path)
    except IngestError as exc:
        raise SpreadsheetRefused(exc.message) from None
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors and zip errors
        raise SpreadsheetRefused(_("无法打开 Excel 文件：%(detail)s") % {"detail": exc}) from None
    name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
    _refuse_formulas(path, name)
    sheet = book.get_sheet_by_name(name)
    _refuse_merged(sheet)
    top, left = sheet.start if sheet.start else (0, 0)
    blank_rows = ([] for _i in range(top))
    return chain(blank_rows, ([None] * left + list(row) for row in sheet.iter_rows()))


def _refuse_formulas(path: Path, sheet: str) -> None:
    """Refuse the first formula in the sheet, naming its cell; the sheet's XML is scanned in
    chunks, never parsed whole."""
    with zipfile.ZipFile(path) as archive:
        member = _sheet_members(archive).get(sheet)
        if member is None:
            return
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                match = FORMULA_CELL.search(tail + chunk)
                if match:
                    cell = f"{match.group(1).decode()}{int(match.group(2))}"
                    raise SpreadsheetRefused(
                        _(
                            "单元格 %(cell)s 是公式；目录表格只接受填写的值，"
                            "请把公式改为数值后再导入。"
                        )
                        % {"cell": cell}
                    )
                tail = chunk[-512:]


def _refuse_merged(sheet) -> None:
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        if r1 >= 1:  # a merge reaching below the header row
            cells = f"{column_letters(c0)}{r0 + 1}:{column_letters(c1)}{r1 + 1}"
            raise SpreadsheetRefused(
                _("单元格 %(cells)s 是合并单元格；请取消合并，并在每一行填写完整后再导入。")
                % {"cells": cells}
            )


def _read_csv(path: Path) -> Iterator[list[Any]]:
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        for row in csv.reader(f):
            yield [_undo_inert(value) for value in row]


def _undo_inert(value: str) -> str:
    """The export's apostrophe before text Excel would take for a formula comes off again."""
    return value[1:] if value[:1] == "'" and value[1:2] in INERT_AFTER else value


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so, else GB18030."""
    with path.open("rb") as f:
        start = f.read(3)
    if start == codecs.BOM_UTF8:
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _check_headers(header: list[Any], columns: tuple[Column, ...]) -> list[str]:
    known = {c.header for c in columns}
    headers = [str(v).strip() if v is not None else "" for v in header]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise SpreadsheetRefused(_("目录表格的第 1 行应为表头（列名），但它是空的。"))
    seen: dict[str, int] = {}
    for index, name in enumerate(headers):
        letter = column_letters(index)
        if name not in known:
            shown = name or _("（空）")
            raise SpreadsheetRefused(
                _("第 1 行 %(col)s 列的表头“%(name)s”不是目录表格的列；列名见“说明”工作表。")
                % {"col": letter, "name": shown}
            )
        if name in seen:
            raise SpreadsheetRefused(
                _("表头“%(name)s”出现了两次（%(a)s 列和 %(b)s 列）。")
                % {"name": name, "a": column_letters(seen[name]), "b": letter}
            )
        seen[name] = index
    return headers


def data_rows(
    table: Iterator[list[Any]], headers: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows after the header as (row number as Excel counts, header → value), blank rows
    left out; a value under no header, or too many rows, is refused."""
    width = len(headers)
    for number, row in enumerate(table, start=2):
        if number > MAX_ROWS + 1:
            raise SpreadsheetRefused(
                _("目录表格超过 %(n)d 行，请分成几个文件导入。") % {"n": MAX_ROWS}
            )
        extra = next((j for j in range(width, len(row)) if not _blank(row[j])), None)
        if extra is not None:
            raise SpreadsheetRefused(
                _("单元格 %(cell)s 有数据，但它所在的列没有表头。")
                % {"cell": f"{column_letters(extra)}{number}"}
            )
        values = list(row[:width]) + [None] * (width - len(row))
        if all(_blank(v) for v in values):
            continue
        yield number, dict(zip(headers, values, strict=True))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
