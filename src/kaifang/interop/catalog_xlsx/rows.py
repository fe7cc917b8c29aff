"""The row model of the catalog spreadsheet: one row per resource entry, shared by every format
that carries catalog-guide metadata (this spreadsheet, and the sharing platform's exports).

A dataset with three resources is three rows repeating the dataset's cells; one without
resources is one row with the resource cells empty. Cells hold what a person reads: code values
as their Chinese labels, dates as YYYY-MM-DD, several values joined by the guide's separator,
the department by its full name, a region as “名称（代码）”. `cells_of_dataset` writes a
dataset's rows; `parse_row` turns one row back into the values the catalog services take,
with a Chinese message per cell it cannot read. Checking the values against the metadata schema
is left to the services' own validation, so the rules are the web form's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schema import Field
from kaifang.catalog.services import dataset_values
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.interop.catalog_xlsx.columns import DATASET, RESOURCE, Column, get_guide
from kaifang.organizations.models import Department

#: what separates several values in a cell on the way in (the guide's own first)
SPLIT = re.compile(r"[；;\n]")
REGION = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<code>[0-9]{6})\s*[)）]$")
FIELD_PARTS = re.compile(r"[，,\t]")


@dataclass
class CellError:
    column: str  # the header of the cell at fault
    message: str


@dataclass
class ParsedRow:
    """One row read back: the dataset's values and the resource entry's (None when the row has
    no resource cells), keyed by schema field key, for the columns the file has."""

    number: int  # the row as Excel counts it
    dataset: dict[str, Any] = field(default_factory=dict)
    resource: dict[str, Any] | None = None
    errors: list[CellError] = field(default_factory=list)


# ---------------------------------------------------------------- writing


def cells_of_dataset(
    dataset: Dataset, resources: list[Resource], columns: tuple[Column, ...], file_url
) -> Iterator[list[str]]:
    """The rows of `dataset`, one per resource (or one with empty resource cells). `file_url`
    gives the address a file resource is reached at, as files are not in the spreadsheet."""
    values = dataset_values(dataset)
    shared = [format_value(c.field, values.get(c.key)) for c in columns if c.scope == DATASET]
    width = sum(1 for c in columns if c.scope == RESOURCE)
    if not resources:
        yield shared + [""] * width
    for resource in resources:
        own = resource_values(resource, file_url)
        yield shared + [
            format_value(c.field, own.get(c.key)) for c in columns if c.scope == RESOURCE
        ]


def resource_values(resource: Resource, file_url) -> dict[str, Any]:
    """The resource's schema values: its columns, its metadata, and for a file its address."""
    found = {
        "title": resource.title,
        "description": resource.description,
        "kind": resource.kind,
        "format": resource.format,
        "url": resource.url,
        **(resource.metadata or {}),
    }
    if resource.kind == Resource.Kind.FILE:
        found["url"] = file_url(resource)
    return found


def format_value(f: Field, value: Any) -> str:
    """One value as its cell shows it."""
    if value is None or value == "" or value == []:
        return "" if f.type != "boolean" else "否"
    kind = f.type
    if kind == "boolean":
        return "是" if value else "否"
    if kind in {"code", "codes"}:
        items = value if isinstance(value, list) else [value]
        return get_guide().separator.join(_label(f, str(v)) for v in items)
    if kind in {"tags", "identifiers"}:
        return get_guide().separator.join(str(v) for v in value)
    if kind == "date":
        return _date_text(value)
    if kind == "department":
        return value.title if isinstance(value, Department) else str(value)
    if kind == "region":
        return f"{value.name}（{value.code}）" if isinstance(value, Region) else str(value)
    if kind == "fields":
        return "\n".join(_field_line(item) for item in value)
    return str(value)


def _label(f: Field, code: str) -> str:
    item = f.codes.get(code) if f.codes is not None else None
    return item.zh if item is not None else code


def _date_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _field_line(item: dict[str, Any]) -> str:
    """信息项 as “名称，数据类型，长度，说明”, the type by its Chinese name; trailing blanks cut."""
    kind = codelists.get("field_data_type").get(str(item.get("type", "")))
    parts = [
        str(item.get("name", "")),
        kind.zh if kind else str(item.get("type", "")),
        "" if item.get("length") in (None, "") else str(item["length"]),
        str(item.get("description", "") or ""),
    ]
    while len(parts) > 2 and not parts[-1]:
        parts.pop()
    return "，".join(parts)


# ---------------------------------------------------------------- reading


def parse_row(number: int, cells: dict[str, Any], columns: tuple[Column, ...]) -> ParsedRow:
    """Read one row (`cells` maps header → the cell's value, for the headers the file has)."""
    row = ParsedRow(number)
    resource: dict[str, Any] = {}
    for column in columns:
        if column.header not in cells or not column.imported:
            continue
        try:
            value = parse_value(column.field, cells[column.header])
        except ValueError as exc:
            row.errors.append(CellError(column.header, str(exc)))
            continue
        (row.dataset if column.scope == DATASET else resource)[column.key] = value
    if any(not _blank(v) for v in resource.values()):
        row.resource = resource
    return row


def cell_text(value: Any) -> str:
    """A cell's value as text: whole numbers without “.0” (codes and phone numbers typed as
    numbers), dates in ISO form, blank as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_value(f: Field, raw: Any) -> Any:
    """The value the services take for one cell; ValueError with the Chinese reason."""
    text = cell_text(raw)
    if not text:
        return [] if f.is_list else ("" if f.type != "boolean" else False)
    parser = _PARSERS.get(f.type)
    return parser(f, text) if parser else text


def _split(text: str) -> list[str]:
    return [part.strip() for part in SPLIT.split(text) if part.strip()]


def _code(f: Field, text: str) -> str:
    codes = f.codes
    if codes is None or text in codes:
        return text
    found = next((item.code for item in codes if item.zh == text), None)
    if found is None:
        choices = "；".join(item.zh for item in codes)
        raise ValueError(
            _("“%(value)s”不在代码表中，可选：%(choices)s") % {"value": text, "choices": choices}
        )
    return found


def _codes(f: Field, text: str) -> list[str]:
    return [_code(f, part) for part in _split(text)]


def _list(f: Field, text: str) -> list[str]:
    return _split(text)


def _boolean(f: Field, text: str) -> bool:
    if text in {"是", "1", "true", "TRUE", "True"}:
        return True
    if text in {"否", "0", "false", "FALSE", "False"}:
        return False
    raise ValueError(_("“%(value)s”应为“是”或“否”。") % {"value": text})


def _department(f: Field, text: str) -> str:
    """The department's id, found by its full name, its name (英文标识) or its code."""
    by_title = list(Department.objects.filter(title=text).values_list("pk", flat=True)[:2])
    if len(by_title) > 1:
        raise ValueError(_("有多个部门名为“%(value)s”，请改填部门代码。") % {"value": text})
    found = (
        by_title
        or list(Department.objects.filter(name=text).values_list("pk", flat=True)[:1])
        or list(
            Department.objects.filter(code=text).exclude(code="").values_list("pk", flat=True)[:2]
        )
    )
    if len(found) != 1:
        raise ValueError(_("部门“%(value)s”不存在。") % {"value": text})
    return str(found[0])


def _region(f: Field, text: str) -> str:
    """The region's code, from “名称（代码）”, a bare code, or a name only one region has."""
    match = REGION.match(text)
    code = match["code"] if match else (text if re.fullmatch(r"[0-9]{6}", text) else None)
    if code is not None:
        if not Region.objects.filter(code=code).exists():
            raise ValueError(_("行政区划代码“%(value)s”不存在。") % {"value": code})
        return code
    codes = list(Region.objects.filter(name=text).values_list("code", flat=True)[:2])
    if len(codes) != 1:
        problem = _("有多个") if codes else _("没有")
        raise ValueError(
            _("%(problem)s名为“%(value)s”的行政区划，请按“名称（代码）”填写。")
            % {"problem": problem, "value": text}
        )
    return codes[0]


def _fields(f: Field, text: str) -> list[dict[str, Any]]:
    """信息项, one a line: 名称，数据类型（中文名或字母），长度，说明."""
    types = codelists.get("field_data_type")
    by_name = {item.zh: item.code for item in types}
    items = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in FIELD_PARTS.split(line, maxsplit=3)]
        parts += [""] * (4 - len(parts))
        kind = by_name.get(parts[1], parts[1].upper() or "C")
        if kind not in types:
            raise ValueError(
                _("第 %(n)d 个信息项的数据类型“%(value)s”不在代码表中，可选：%(choices)s")
                % {"n": number, "value": parts[1], "choices": "、".join(by_name)}
            )
        items.append({"name": parts[0], "type": kind, "length": parts[2], "description": parts[3]})
    return items


_PARSERS = {
    "code": _code,
    "codes": _codes,
    "tags": _list,
    "identifiers": _list,
    "boolean": _boolean,
    "department": _department,
    "region": _region,
    "fields": _fields,
}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False
