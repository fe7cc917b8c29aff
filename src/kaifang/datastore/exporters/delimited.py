"""CSV downloads: UTF-8 with a byte-order mark by default (Excel then reads the Chinese text
correctly), plain UTF-8 and GB18030 on request. GB18030 encodes all of Unicode, so no
character is lost in it.

Rows follow RFC 4180 (CRLF line ends, fields quoted when needed); nulls are empty fields,
booleans `true`/`false`, dates ISO 8601, decimals without exponent. Text that a spreadsheet
would run as a formula gets a leading single quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from collections.abc import Iterator
from typing import IO, Any

from kaifang.datastore.exporters.base import Exporter, iso, neutralise, plain_decimal


def csv_cell(value: Any) -> Any:
    """One value as the text of a CSV field."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, decimal.Decimal):
        return plain_decimal(value)
    return value


class CsvExporter(Exporter):
    key = "csv"
    format = "csv"
    suffix = ".csv"
    encoding = "utf-8-sig"
    content_type = "text/csv; charset=utf-8"

    def write(self, batches: Iterator[list[tuple]], handle: IO[bytes]) -> None:
        text = io.TextIOWrapper(handle, encoding=self.encoding, newline="", write_through=False)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([neutralise(c) for c in self.columns])
        for batch in batches:
            writer.writerows([csv_cell(v) for v in row] for row in batch)
        text.flush()
        text.detach()


class PlainCsvExporter(CsvExporter):
    """UTF-8 without the byte-order mark, for programs that do not expect one."""

    key = "csv-utf-8"
    suffix = ".utf-8.csv"
    encoding = "utf-8"


class Gb18030CsvExporter(CsvExporter):
    """GB18030, for older Chinese software that reads nothing else."""

    key = "csv-gb18030"
    suffix = ".gb18030.csv"
    encoding = "gb18030"
    content_type = "text/csv; charset=gb18030"
