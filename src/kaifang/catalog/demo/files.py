"""Render each planned file and store it through Django's default storage, at the path an upload
of that resource version would have (catalog.models.version_upload_to).

This step writes files only — no database rows — and reports what it wrote (size, sha256,
rows, the table's fields and time span), so the rows built afterwards, and the datastore's
ingestion once it exists, start from the stored files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from kaifang.catalog.demo import tables, writers
from kaifang.catalog.demo.fake import Column, Gen, Place
from kaifang.catalog.demo.plan import REFERENCE_DAY, DatasetPlan, ResourcePlan
from kaifang.catalog.models import ResourceVersion, version_upload_to
from kaifang.core import codelists


@dataclass
class StoredFile:
    resource_id: object
    version_id: object
    path: str
    size: int
    sha256: str
    format: str
    media_type: str
    original_name: str
    rows: int


@dataclass
class Facts:
    """What rendering a dataset's files found out: its fields, row count and time span."""

    fields: list[dict] = field(default_factory=list)
    rows: int = 0
    temporal: tuple[dt.date, dt.date] | None = None
    files: list[StoredFile] = field(default_factory=list)


def table_for(plan: DatasetPlan, where: Place) -> list[Column]:
    """The dataset's table, drawn from its own seed (the same whichever datasets are built)."""
    rng = np.random.default_rng([*plan.seed, 7])
    columns = tables.get(plan.spec.kind)(Gen(rng, where, plan.rows, REFERENCE_DAY))
    lengths = {len(c.values) for c in columns}
    if len(lengths) != 1:
        raise ValueError(f"演示表“{plan.spec.kind}”的各列行数不一致：{sorted(lengths)}")
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"演示表“{plan.spec.kind}”有重名的列：{names}")
    return columns


def write_dataset(plan: DatasetPlan, where: Place, storage: Storage) -> Facts:
    """Render and store every file resource of one dataset."""
    facts = Facts()
    if not any(r.kind == "file" for r in plan.resources) and plan.spec.layout != "table":
        return facts
    columns = table_for(plan, where)
    facts.rows = len(columns[0].values)
    facts.fields = [_field(c) for c in columns]
    facts.temporal = temporal_span(columns)
    for resource in plan.resources:
        if resource.kind == "file":
            data = render(resource, plan, columns)
            rows = facts.rows if resource.role == "data" else 0
            facts.files.append(store(resource, plan, data, storage, rows))
    return facts


def render(resource: ResourcePlan, plan: DatasetPlan, columns: list[Column]) -> bytes:
    fmt = resource.format
    if fmt == "CSV":
        return writers.to_csv(columns, resource.encoding)
    if fmt == "XLSX":
        created = (plan.published_at or _reference()).date()
        return writers.to_xlsx(columns, plan.title, plan.department.title, created)
    if fmt == "JSON":
        return writers.to_json(columns)
    if fmt == "XML":
        return writers.to_xml(columns, plan.title)
    if fmt == "PDF":
        created = (plan.published_at or _reference()).date()
        title, paragraphs = (
            _report(plan, columns) if resource.role == "report" else _dictionary(plan, columns)
        )
        return writers.to_pdf(title, paragraphs, created)
    raise ValueError(f"演示数据不会生成“{fmt}”格式的文件")


def store(
    resource: ResourcePlan, plan: DatasetPlan, data: bytes, storage: Storage, rows: int
) -> StoredFile:
    """Write `data` at the version's upload path, replacing a file a previous run left there."""
    version = ResourceVersion(id=resource.version_id, resource_id=resource.id)
    path = version_upload_to(version, resource.filename)
    if storage.exists(path):
        storage.delete(path)
    saved = storage.save(path, ContentFile(data))
    item = codelists.get("format").get(resource.format)
    media_type = item.extra.get("media_type", "") if item else ""
    if resource.format == "CSV":
        media_type += "; charset=" + ("gb18030" if resource.encoding == "gb18030" else "utf-8")
    return StoredFile(
        resource_id=resource.id,
        version_id=resource.version_id,
        path=saved,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=resource.format,
        media_type=media_type,
        original_name=f"{resource.title}.{resource.format.lower()}",
        rows=rows,
    )


def _field(column: Column) -> dict:
    item = {"name": column.name, "type": column.type}
    if column.length:
        item["length"] = column.length
    if column.description:
        item["description"] = column.description
    return item


def temporal_span(columns: list[Column]) -> tuple[dt.date, dt.date] | None:
    """The time the rows cover: from the first time-stamp column, else the statistics period,
    else none (a register describes the present)."""
    for column in columns:
        if column.type == "T" or (column.type == "D" and column.name in {"日期", "预报日期"}):
            days = np.asarray([v[:10] for v in column.values.tolist()], dtype="datetime64[D]")
            return days.min().item(), days.max().item()
    for column in columns:
        if column.name == "统计期":
            return _period_span(column.values.tolist())
    return None


def _period_span(labels: list[str]) -> tuple[dt.date, dt.date]:
    starts = [_period_start(label) for label in labels]
    first, last = min(starts), max(starts)
    sample = labels[starts.index(last)]
    months = 1 if len(sample) == 7 else (3 if "Q" in sample else 12)
    end_month = last.month + months
    end = dt.date(last.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first, end - dt.timedelta(days=1)


def _period_start(label: str) -> dt.date:
    if "Q" in label:
        year, quarter = label.split("Q")
        return dt.date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    if len(label) == 7:
        return dt.date(int(label[:4]), int(label[5:]), 1)
    return dt.date(int(label), 1, 1)


def _reference() -> dt.datetime:
    return dt.datetime.combine(REFERENCE_DAY, dt.time(9), dt.UTC)


def _report(plan: DatasetPlan, columns: list[Column]) -> tuple[str, list[str]]:
    """A bulletin: an opening paragraph and the main figures, one per line."""
    year = REFERENCE_DAY.year - 1
    title = f"{year}年{plan.title.removeprefix('浙江省').removeprefix('全省')}"
    lines = [
        f"{plan.department.title}",
        f"{REFERENCE_DAY.year}年{REFERENCE_DAY.month}月",
        "",
        f"本{plan.title[-2:]}根据全省监测和统计资料编制，反映{year}年全省"
        f"{'、'.join(plan.spec.keywords[:2]) or '相关'}情况。数据截至{year}年12月31日。",
        "",
        "一、主要指标",
    ]
    by_name = {c.name: c.values.tolist() for c in columns}
    for i in range(min(len(columns[0].values), 40)):
        row = [
            str(by_name[name][i])
            for name in ("地区", "指标名称", "数值", "计量单位")
            if name in by_name
        ]
        lines.append("　".join(row) if row else "")
    lines += ["", "二、说明", "本公报数据为初步统计数，最终数据以统计年鉴为准。"]
    return title, lines


def _dictionary(plan: DatasetPlan, columns: list[Column]) -> tuple[str, list[str]]:
    lines = [
        f"开放部门：{plan.department.title}",
        f"信息资源代码：{plan.identifier}",
        "",
        "信息项：",
    ]
    for number, column in enumerate(columns, start=1):
        note = f"，{column.description}" if column.description else ""
        lines.append(f"{number}. {column.name}（{column.type}）{note}")
    return f"{plan.title}数据说明", lines
