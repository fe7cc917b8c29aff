"""Harvesting a catalog published in the national catalog-guide layout: an XLSX spreadsheet, or
JSON with the same element names, at a URL. City platforms built by vendors rarely speak CKAN
or DCAT, but most can export their catalog this way.

The layout is the catalog spreadsheet's (interop/catalog_xlsx): one row per resource entry, the
dataset's cells repeated on each of its rows, columns named by the guide's elements in Chinese,
code values as their Chinese labels. Rows are read with that module's row model (`parse_row`),
so a cell is read exactly as the spreadsheet import reads it, and grouped into datasets by
信息资源代码 (the remote id). What a harvest must take from someone else's file differs from an
import in three ways: columns the layout does not have (a province's extensions) are ignored
rather than refused; a bad row fails its dataset only, with the row and column named; and the
provider (信息资源提供方, or its code) finds the department through the source's mapping table,
as in every other backend.

The JSON form is an array of entries, or an object holding the array under “目录” or “data”;
an entry's keys are the column headers, a compound element (开放属性, 共享属性) may be an object
of its parts, and a list is several values of one cell.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.core import http
from kaifang.core.http import FetchFailed
from kaifang.harvest.backends import lookup
from kaifang.harvest.backends.base import (
    HarvestBackend,
    RecordFailed,
    RemoteRecord,
    mirror_entry,
    register,
)
from kaifang.interop.catalog_xlsx import reader
from kaifang.interop.catalog_xlsx.columns import DATASET, Column, catalog_columns, get_guide
from kaifang.interop.catalog_xlsx.rows import ParsedRow, cell_text, parse_row

ACCEPT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/json;q=0.9"
PER_PAGE = 100
#: where a JSON export keeps its entries, when it is an object
JSON_KEYS = ("目录", "data")
#: reasons listed per failed dataset before “…”
MAX_REASONS = 10

Row = tuple[int, dict[str, Any]]


@register
class CatalogSheetBackend(HarvestBackend):
    key = "catalog_sheet"
    label = gettext_lazy("目录表格或 JSON（目录编制指南格式）")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._count: int | None = None
        self.columns = catalog_columns()
        self.header = {c.key: c.header for c in self.columns if c.scope == DATASET}

    def total(self) -> int | None:
        return self._count

    # pages ----------------------------------------------------------------------------------
    def pages(self, since: dt.datetime | None) -> Iterator[list[Any]]:
        """Every entry of the file; the layout says nothing of when an entry changed, so each
        run reads them all (unchanged ones are recognised and left alone)."""
        entries = self._entries()
        self._count = len(entries)
        for start in range(0, len(entries), PER_PAGE):
            yield entries[start : start + PER_PAGE]

    def _entries(self) -> list[dict[str, Any]]:
        response = http.get(self.source.url, limits=self.limits, headers={"Accept": ACCEPT})
        rows, unit = self._rows(response)
        identity = self.header["identifier"]
        grouped: dict[str, dict[str, Any]] = {}
        for number, cells in rows:
            code = cell_text(cells.get(identity))
            key = code or f"#{number}"
            entry = grouped.setdefault(key, {"id": code or _row(unit, number), "rows": []})
            entry["rows"].append((number, cells))
            entry["unit"] = unit
        return list(grouped.values())

    def _rows(self, response: http.Response) -> tuple[list[Row], str]:
        """The file's rows (number, header → cell) and what a row is called in messages."""
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        start = response.body.lstrip()[:1]
        if media.endswith("json") or start in {b"[", b"{"}:
            return _json_rows(response), _("条")
        if response.body[:2] == b"PK":
            return _xlsx_rows(response.body, self.columns), _("行")
        raise FetchFailed(
            _("%(url)s 既不是 XLSX 表格也不是 JSON（内容类型 %(type)s）。")
            % {"url": response.url, "type": media or "-"}
        )

    # one dataset ----------------------------------------------------------------------------
    def parse(self, raw: Any) -> RemoteRecord:
        rows: list[Row] = raw["rows"]
        unit = raw["unit"]
        if not cell_text(rows[0][1].get(self.header["identifier"])):
            raise RecordFailed(
                _("%(row)s：请填写“%(column)s”。")
                % {"row": _row(unit, rows[0][0]), "column": self.header["identifier"]}
            )
        parsed, problems = self._parsed(rows, unit)
        if problems:
            shown = problems[:MAX_REASONS] + (["…"] if len(problems) > MAX_REASONS else [])
            raise RecordFailed("；".join(shown))
        record = {"rows": parsed, "cells": rows[0][1], "unit": unit}
        return RemoteRecord(remote_id=raw["id"][:200], original_url=self.source.url, raw=record)

    def _parsed(self, rows: list[Row], unit: str) -> tuple[list[ParsedRow], list[str]]:
        """Each row read, and every problem: a cell that cannot be read, a dataset cell that
        differs from the entry's first row."""
        department = self.header["department"]
        parsed, problems = [], []
        for number, cells in rows:
            own = {k: v for k, v in cells.items() if k != department}  # read by `_department`
            row = parse_row(number, own, self.columns)
            problems.extend(_at(unit, number, e.column, e.message) for e in row.errors)
            parsed.append(row)
        first = parsed[0]
        for row in parsed[1:]:
            for key, value in row.dataset.items():
                if key in first.dataset and first.dataset[key] != value:
                    message = _("与第 %(other)d %(unit)s（同一信息资源）的值不一致。") % {
                        "other": first.number,
                        "unit": unit,
                    }
                    problems.append(_at(unit, row.number, self.header[key], message))
        return parsed, problems

    def map_values(self, record: RemoteRecord) -> dict[str, Any]:
        first: ParsedRow = record.raw["rows"][0]
        values = {k: v for k, v in first.dataset.items() if v not in (None, "", [])}
        values["department"] = self._department(record.raw["cells"])
        return lookup.with_defaults(self.source, values)

    def _department(self, cells: dict[str, Any]) -> str:
        """The provider through the mapping table, by its full name or its code (a department's
        own source writes into its department when neither is mapped)."""
        named = cell_text(cells.get(self.header["department"]))
        code = cell_text(cells.get(self.header.get("provider_code", ""), ""))
        return lookup.mapped_department(self.source, [named, code])

    def map_resources(self, record: RemoteRecord) -> list[dict[str, Any]]:
        unit = record.raw["unit"]
        found = []
        for row in record.raw["rows"]:
            if row.resource is None:
                continue
            data = {k: v for k, v in row.resource.items() if v not in (None, "", [])}
            if not data.get("url"):
                raise RecordFailed(
                    _("%(row)s：资源“%(title)s”没有在线资源链接地址，无法登记为链接。")
                    % {"row": _row(unit, row.number), "title": data.get("title", "")}
                )
            download = data.get("kind") == "file"
            if data.get("kind") != "api":
                data["kind"] = "link"  # a link, unless a mirror source copies the file
            data.setdefault("title", lookup.untitled(len(found) + 1))
            # the guide says nothing of a file but its address: a mirror source fetches it on
            # every run, and stores a new version only when its content changed
            found.append(mirror_entry(self.source, data, key=str(data["url"]), download=download))
        return found


def _row(unit: str, number: int) -> str:
    return _("第 %(n)d %(unit)s") % {"n": number, "unit": unit}


def _at(unit: str, number: int, column: str, message: str) -> str:
    return _("%(row)s“%(column)s”：%(message)s") % {
        "row": _row(unit, number),
        "column": column,
        "message": message,
    }


def _xlsx_rows(body: bytes, columns: tuple[Column, ...]) -> list[Row]:
    """The catalog sheet's rows, checked as the spreadsheet import checks a file (zip bombs,
    formulas, merged cells), its columns matched by header and unknown ones left out."""
    with tempfile.TemporaryDirectory(prefix="kaifang-harvest-") as folder:
        path = Path(folder) / "catalog.xlsx"
        path.write_bytes(body)
        try:
            table = reader.read_xlsx(path)
            header = [str(v).strip() if v is not None else "" for v in next(table, [])]
            _check_headers(header, columns)
            return list(reader.data_rows(table, header))
        except reader.SpreadsheetRefused as exc:
            raise FetchFailed(exc.message) from None


def _check_headers(header: list[str], columns: tuple[Column, ...]) -> None:
    known = {c.header for c in columns}
    present = [h for h in header if h in known]
    if not present:
        raise FetchFailed(_("表格第 1 行没有目录表格的列名（如“信息资源名称”）。"))
    twice = sorted({h for h in present if present.count(h) > 1})
    if twice:
        raise FetchFailed(_("表头“%(name)s”出现了不止一次。") % {"name": twice[0]})


def _json_rows(response: http.Response) -> list[Row]:
    document = response.json()
    if isinstance(document, dict):
        document = next((document[k] for k in JSON_KEYS if k in document), None)
    if not isinstance(document, list):
        raise FetchFailed(
            _("%(url)s 的 JSON 应为目录条目的数组，或在“目录”或“data”下给出该数组。")
            % {"url": response.url}
        )
    return [(n, _flat(item)) for n, item in enumerate(document, 1)]


def _flat(item: Any) -> dict[str, Any]:
    """An entry's cells: a compound element's parts as cells of their own, lists joined."""
    if not isinstance(item, dict):
        return {}
    cells: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            cells.update(_flat(value))
        elif isinstance(value, list):
            cells[str(key)] = _joined(value)
        else:
            cells[str(key)] = value
    return cells


def _joined(values: list[Any]) -> str:
    """Several values of one cell; 信息项 given as objects become its lines, each object's
    values in order (名称，数据类型，长度，说明)."""
    if any(isinstance(v, dict) for v in values):
        lines = ("，".join(cell_text(x) for x in v.values()) for v in values if isinstance(v, dict))
        return "\n".join(lines)
    return get_guide().separator.join(cell_text(v) for v in values)
