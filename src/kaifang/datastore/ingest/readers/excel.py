"""XLSX and XLS through python-calamine: every sheet with data becomes a table.

The header is the first row, among the first HEADER_SCAN rows, as wide as most of the sheet
(title rows above a table — one merged cell — are passed over); a header cell under a merged
range takes the range's text. Formulas are read as the values Excel last calculated; a formula
whose result is an error (#DIV/0!, #REF!, …) stops the job naming its cell. An XLSX is a ZIP
archive, checked before it is opened for the size it unpacks to and its compression ratio, so a
small file cannot unpack into gigabytes."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import python_calamine
from defusedxml import ElementTree
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.dialect import Dialect
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.headers import clean_headers
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.readers import register
from kaifang.datastore.ingest.readers.staging import load_delimited

HEADER_SCAN = 20
MAX_RATIO = 200  # a member this many times larger unpacked than packed is a zip bomb
RATIO_FLOOR = 10 * 1024 * 1024  # small members may compress as well as they like
UNPACKED_FACTOR = 10  # the archive may unpack to at most this many times the upload limit
ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?t="e"')
REPORT_EVERY = 50_000


@register("XLSX", "XLS")
def read_workbook(job: Job) -> list[Staged]:
    """One staged table per sheet that holds data."""
    if job.fmt == "XLSX":
        check_archive(job.source)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(job.source))
    except Exception as exc:  # calamine raises its own and zip errors
        raise IngestError(_("无法打开 Excel 文件：%(detail)s") % {"detail": exc}) from None
    errors = formula_errors(job.source) if job.fmt == "XLSX" else {}
    staged = []
    for name in book.sheet_names:
        if name in errors:
            raise errors[name]
        found = _read_sheet(job, book.get_sheet_by_name(name), len(staged))
        if found is not None:
            staged.append(found)
    if not staged:
        raise IngestError(_("工作簿中所有工作表都是空的，没有可入库的数据。"))
    return staged


def check_archive(path: Path) -> None:
    """Refuse an archive that unpacks past UNPACKED_FACTOR × the upload limit, or holds a
    member compressed more than MAX_RATIO times, naming the member."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(_("Excel 文件已损坏，无法解压：%(detail)s") % {"detail": exc}) from None
    limit = settings.KAIFANG["UPLOAD_MAX_BYTES"] * UNPACKED_FACTOR
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise IngestError(
                _(
                    "Excel 文件中的“%(name)s”压缩比为 %(ratio)d 倍，超过上限 %(max)d 倍，"
                    "疑似压缩炸弹，已拒绝。"
                )
                % {"name": member.filename, "ratio": ratio, "max": MAX_RATIO}
            )
        if total > limit:
            raise IngestError(
                _("Excel 文件解压后超过 %(limit)s（到“%(name)s”为止），疑似压缩炸弹，已拒绝。")
                % {"limit": filesizeformat(limit), "name": member.filename}
            )


def formula_errors(path: Path) -> dict[str, IngestError]:
    """For each sheet holding a formula whose last result is an error, the error naming the
    first such cell. The sheet XML is scanned in chunks, never parsed whole."""
    found: dict[str, IngestError] = {}
    with zipfile.ZipFile(path) as archive:
        for name, member in _sheet_members(archive).items():
            cell = _first_error_cell(archive, member)
            if cell is not None:
                column, row = cell
                found[name] = IngestError(
                    _(
                        "工作表“%(sheet)s”单元格 %(cell)s 的公式结果是错误值，"
                        "请修正公式或改为数值后再上传。"
                    )
                    % {"sheet": name, "cell": f"{column}{row}"},
                    row=row,
                    column=column,
                )
    return found


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from the workbook and its relationships."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    members = {}
    for sheet in book.iter(f"{ns}sheet"):
        target = targets.get(sheet.get(f"{rel_ns}id"), "")
        members[sheet.get("name")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return members


def _first_error_cell(archive: zipfile.ZipFile, member: str) -> tuple[str, int] | None:
    try:
        stream = archive.open(member)
    except KeyError:
        return None
    tail = b""
    with stream:
        while chunk := stream.read(1024 * 1024):
            match = ERROR_CELL.search(tail + chunk)
            if match:
                return match.group(1).decode(), int(match.group(2))
            tail = chunk[-256:]
    return None


def _read_sheet(job: Job, sheet, position: int) -> Staged | None:
    rows = sheet.iter_rows()
    head = [row for _i, row in zip(range(HEADER_SCAN), rows, strict=False)]
    at = header_row(head)
    if at is None:
        job.notices.append(_("工作表“%(sheet)s”是空的，已跳过。") % {"sheet": sheet.name})
        return None
    offset = sheet.start[1] if sheet.start else 0
    labels = _header_labels(head[at], at, offset, sheet.merged_cell_ranges or [])
    where = _("工作表“%(sheet)s”") % {"sheet": sheet.name}
    ids = clean_headers(labels, job.notices, where=where)
    relation = f"raw_{position}"
    path = job.workdir / f"{relation}.csv"
    _write_rows(job, path, ids, head[at + 1 :], rows, first=at + 1, offset=offset, sheet=sheet.name)
    count = load_delimited(job, path, relation, ids, Dialect(), where=where, same_bytes=False)
    return Staged(sheet.name, relation, ids, labels, count, first_line=at + 2)


def header_row(rows: list[list]) -> int | None:
    """The index of the first row as wide as most of the first rows (a title above the table
    is one cell); None when they are all empty."""
    widths = [sum(1 for v in row if not _blank(v)) for row in rows]
    widest = max(widths, default=0)
    if widest == 0:
        return None
    need = max(1, min(2, widest), -(-widest * 6 // 10))
    return next(i for i, w in enumerate(widths) if w >= need)


def _header_labels(row: list, at: int, offset: int, merged) -> list[str]:
    """The header texts; a blank cell inside a merged range takes the range's first text."""
    labels = [cell_text(v) or "" for v in row]
    while labels and not labels[-1]:
        labels.pop()
    for (r0, c0), (r1, c1) in merged:
        if not r0 <= at <= r1:
            continue
        first = c0 - offset
        if not 0 <= first < len(labels) or not labels[first]:
            continue
        for col in range(first + 1, min(c1 - offset + 1, len(labels))):
            labels[col] = labels[col] or labels[first]
    return labels


def _write_rows(job, path, ids, buffered, rest, *, first, offset, sheet) -> None:
    """Write the data rows as UTF-8 CSV (the header line first); a value right of the last
    header stops the job naming its cell."""
    width = len(ids)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ids)
        for index, row in enumerate(_chain(buffered, rest), first):
            extra = next((j for j in range(width, len(row)) if not _blank(row[j])), None)
            if extra is not None:
                raise _outside_header(sheet, index, offset + extra)
            values = [cell_text(v) for v in row[:width]]
            if any(v is not None for v in values):
                writer.writerow(["" if v is None else v for v in values])
            if index % REPORT_EVERY == 0:
                job.report("read", index, None)


def _chain(buffered, rest):
    yield from buffered
    yield from rest


def _outside_header(sheet: str, row_index: int, col: int) -> IngestError:
    cell = f"{column_letters(col)}{row_index + 1}"
    return IngestError(
        _("工作表“%(sheet)s”单元格 %(cell)s 有数据，但它所在的列没有表头，请补上表头或删除该列。")
        % {"sheet": sheet, "cell": cell},
        row=row_index + 1,
        column=column_letters(col),
    )


def column_letters(index: int) -> str:
    """Excel's column name of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str | None:
    """A cell as text the type stage reads back exactly: whole numbers without ".0", dates
    and times in ISO form, booleans as true/false; blank cells None."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
