"""Answers of the datastore API in the format a client asks for: JSON (default), CSV, XLSX,
XML, and GeoJSON when the table has longitude and latitude columns.

CSV, XLSX and XML are written by the download exporters (kaifang.datastore.exporters), so a
page of rows looks exactly like the same rows in the full download, with the same formula
neutralisation. In formats that cannot carry them, the total and the next cursor travel in the
`X-Total-Count` and `X-Next-Cursor` headers.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kaifang.catalog.downloads import content_disposition
from kaifang.datastore.exporters import registry
from kaifang.datastore.exporters.structured import json_texts
from kaifang.datastore.query.columns import NUMERIC, BadParameter
from kaifang.datastore.query.rows import RowsResult

SQL_LIMIT = 10_000
FORMATS = ("json", "csv", "xlsx", "xml")
LONGITUDE = {"经度", "lng", "lon", "long", "longitude", "x"}
LATITUDE = {"纬度", "lat", "latitude", "y"}


@dataclass
class _Sheet:
    """What an exporter reads of a table: its fields and sheet name."""

    fields: list[dict[str, Any]]
    sheet: str = ""


def coordinates(fields: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The (longitude, latitude) column ids, when the schema has numeric ones with such names."""
    numeric = [f for f in fields if f.get("type") in NUMERIC]
    lon = next((f["id"] for f in numeric if f["id"].strip().lower() in LONGITUDE), None)
    lat = next((f["id"] for f in numeric if f["id"].strip().lower() in LATITUDE), None)
    return (lon, lat) if lon and lat else None


def requested(request: HttpRequest, *, geo: bool, table) -> str:
    """The asked format, checked: a 400 naming `format` for one this answer cannot give."""
    fmt = (request.GET.get("format") or "json").strip().lower()
    allowed = list(FORMATS)
    if geo and coordinates(table.fields):
        allowed.append("geojson")
    if fmt not in allowed:
        raise BadParameter(
            "format",
            _("参数 format 不支持“%(fmt)s”。可用：%(allowed)s。")
            % {"fmt": fmt[:30], "allowed": "、".join(allowed)},
        )
    return fmt


def filename(table, kind: str) -> str:
    resource = table.resource
    stem = resource.name + (f"-{table.sheet}" if table.sheet else "")
    return f"{stem}-{kind}"


def respond(request: HttpRequest, result: RowsResult, fmt: str, table, kind: str) -> HttpResponse:
    """`result` as an HTTP answer in `fmt`; a file (not JSON) is named after the table's
    resource and `kind` (which takes reading the resource: only then)."""
    if fmt == "json":
        response = HttpResponse(json_body(result), content_type="application/json; charset=utf-8")
        return response
    writer = {"csv": _csv, "xlsx": _xlsx, "xml": _xml, "geojson": _geojson}[fmt]
    body, content_type, suffix = writer(result)
    response = HttpResponse(body, content_type=content_type)
    name = filename(table, kind)
    response["Content-Disposition"] = content_disposition(f"{name}.{suffix}")
    if result.total is not None:
        response["X-Total-Count"] = str(result.total)
    if result.next:
        response["X-Next-Cursor"] = result.next
    return response


def json_body(result: RowsResult) -> str:
    """The JSON answer, written column by column (`json_texts`) so decimals keep every digit
    and dates read as ISO 8601; each record is then one filled-in template."""
    head = {"fields": result.fields}
    records = ",".join(_json_records(result))
    tail = {"total": result.total, "next": result.next, **result.extra}
    dumped_head = json.dumps(head, ensure_ascii=False)[:-1]
    dumped_tail = json.dumps(tail, ensure_ascii=False)[1:]
    return f'{dumped_head},"records":[{records}],{dumped_tail}'


def _json_records(result: RowsResult) -> list[str]:
    ids = [f["id"] for f in result.fields]
    if not ids:
        return ["{}"] * len(result.records)
    keys = [json.dumps(i, ensure_ascii=False).replace("%", "%%") for i in ids]
    template = "{" + ",".join(f"{k}:%s" for k in keys) + "}"
    columns = [json_texts([r.get(i) for r in result.records]) for i in ids]
    return [template % cells for cells in zip(*columns, strict=True)]


def _rows(result: RowsResult) -> list[tuple]:
    ids = [f["id"] for f in result.fields]
    return [tuple(r.get(i) for i in ids) for r in result.records]


def _write(key: str, result: RowsResult) -> bytes:
    exporter = registry[key](_Sheet(result.fields))
    handle = io.BytesIO()
    exporter.write(iter([_rows(result)]), handle)
    return handle.getvalue()


def _csv(result: RowsResult) -> tuple[bytes, str, str]:
    return _write("csv", result), registry["csv"].content_type, "csv"


def _xml(result: RowsResult) -> tuple[bytes, str, str]:
    return _write("xml", result), registry["xml"].content_type, "xml"


def _xlsx(result: RowsResult) -> tuple[bytes, str, str]:
    exporter = registry["xlsx"](_Sheet(result.fields))
    handle = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(handle, options)
    try:
        exporter.fill(workbook, iter([_rows(result)]))
    finally:
        workbook.close()
    return handle.getvalue(), registry["xlsx"].content_type, "xlsx"


def _geojson(result: RowsResult) -> tuple[bytes, str, str]:
    """A FeatureCollection of points; a row without both coordinates has a null geometry."""
    lon, lat = coordinates(result.fields) or ("", "")
    features = []
    for record in result.records:
        x, y = record.get(lon), record.get(lat)
        geometry = (
            {"type": "Point", "coordinates": [x, y]} if x is not None and y is not None else None
        )
        properties = {k: v for k, v in record.items() if k not in (lon, lat)}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    body = {"type": "FeatureCollection", "features": features}
    text = json.dumps(body, ensure_ascii=False, default=_plain)
    return text.encode(), "application/geo+json; charset=utf-8", "geojson"


def _plain(value: Any) -> Any:
    """Values json cannot write: dates as ISO 8601, decimals as numbers."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value)
