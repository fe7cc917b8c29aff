"""XLSX downloads with XlsxWriter in constant-memory mode (each row is flushed to disk as it
is written). A table longer than Excel's 1,048,576 rows goes on as many sheets as it needs,
each with the header row.

Text is always written as text, never as a formula, a number or a link, which is how formula
injection is neutralised here. Dates and times are real Excel dates shown as ISO 8601.
Numbers Excel cannot hold exactly (integers past 2**53, decimals past 15 significant digits,
and floats needing all 17 digits, since XlsxWriter writes 16) are written as text so no digit is
lost; so are NaN and infinity.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import xlsxwriter
from django.utils.translation import gettext as _

from kaifang.datastore.exporters.base import Exporter

EXCEL_MAX_ROWS = 1_048_576
EXACT_INTEGER = 2**53
EXACT_DIGITS = 15
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, number: int) -> str:
    """A valid, unique sheet name: Excel forbids `[]:*?/\\` and allows 31 characters."""
    base = _SHEET_FORBIDDEN.sub("_", name).strip("'") or _("数据")
    suffix = "" if number == 1 else f"_{number}"
    return base[: 31 - len(suffix)] + suffix


def inert_workbook(target: Path) -> xlsxwriter.Workbook:
    """A workbook written row by row to disk (constant memory, its temporary files beside
    `target`) in which text stays text: never turned into a number, a formula or a link."""
    options = {
        "constant_memory": True,
        "tmpdir": str(target.parent),
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    return xlsxwriter.Workbook(str(target), options)


class XlsxExporter(Exporter):
    key = "xlsx"
    format = "xlsx"
    suffix = ".xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    #: rows per sheet, the header row included; lower it to test the splitting
    max_rows: ClassVar[int] = EXCEL_MAX_ROWS

    def export(self, sources: Sequence[Path], target: Path) -> None:
        workbook = inert_workbook(target)
        try:
            self.fill(workbook, self.batches(sources))
        finally:
            workbook.close()

    def fill(self, workbook: xlsxwriter.Workbook, batches: Iterator[list[tuple]]) -> None:
        """Write the rows, starting a new sheet whenever one is full."""
        self.formats = {
            "header": workbook.add_format({"bold": True}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        sheets = 1
        sheet = self.new_sheet(workbook, sheets)
        row_number = 1
        for batch in batches:
            for row in batch:
                if row_number >= self.max_rows:
                    sheets += 1
                    sheet, row_number = self.new_sheet(workbook, sheets), 1
                for column, value in enumerate(row):
                    self.write_cell(sheet, row_number, column, value)
                row_number += 1

    def new_sheet(self, workbook: xlsxwriter.Workbook, number: int):
        sheet = workbook.add_worksheet(sheet_title(self.table.sheet, number))
        for column, name in enumerate(self.columns):
            sheet.write_string(0, column, name, self.formats["header"])
        sheet.freeze_panes(1, 0)
        return sheet

    def write_cell(self, sheet, row: int, column: int, value: Any) -> None:
        """One cell, by the value's type; a null leaves the cell empty."""
        if value is None:
            return
        if isinstance(value, str):
            sheet.write_string(row, column, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(row, column, value, self.formats["datetime"])
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, column, value, self.formats["date"])
        elif _exact_in_excel(value):
            sheet.write_number(row, column, value)
        else:
            sheet.write_string(row, column, _number_text(value))


def _exact_in_excel(value: Any) -> bool:
    """Whether Excel's double holds the number without losing a digit."""
    if isinstance(value, int):
        return abs(value) <= EXACT_INTEGER
    if isinstance(value, float):  # XlsxWriter writes 16 significant digits ("%.16G")
        return math.isfinite(value) and float(f"{value:.16G}") == value
    if isinstance(value, decimal.Decimal):
        return value.is_finite() and len(value.normalize().as_tuple().digits) <= EXACT_DIGITS
    return False


def _number_text(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)
