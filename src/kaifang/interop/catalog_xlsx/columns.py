"""The columns of the catalog spreadsheet, derived from the metadata schema and the guide.

A schema field has a column when it has a `guide:` mapping; the column is named by the mapping
(its part after “/” for a part of a compound element such as 共享属性/共享类型). Dataset columns
come in the guide's element order (guide.yaml), then the fields mapped to other elements (the
pilot plan's and provincial extensions) in schema order, then the resource columns. Nothing here
names a field, so a new schema field with a `guide:` mapping becomes a column by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kaifang.catalog.schema import Field, Schema, get_schema

GUIDE_PATH = Path(__file__).with_name("guide.yaml")
DATASET, RESOURCE = "dataset", "resource"


@dataclass(frozen=True)
class Element:
    zh: str
    en: str
    obligation: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guide:
    elements: tuple[Element, ...]
    separator: str

    def position(self, mapping: str) -> int | None:
        """Where a `guide:` mapping sits among the core elements; None for an extension."""
        element = mapping.split("/")[0].strip()
        return next((i for i, e in enumerate(self.elements) if e.zh == element), None)


@cache
def get_guide() -> Guide:
    doc = yaml.safe_load(GUIDE_PATH.read_text(encoding="utf-8"))
    elements = tuple(
        Element(e["zh"], e.get("en", ""), str(e.get("obligation", "")), tuple(e.get("parts", ())))
        for e in doc["elements"]
    )
    return Guide(elements, doc["separator"])


@dataclass(frozen=True)
class Column:
    header: str
    field: Field
    scope: str  # DATASET or RESOURCE
    element: str  # the guide element it carries; "" for an extension column

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def imported(self) -> bool:
        """Platform-set values (发布日期, 提供方代码) are exported but never read back."""
        return not self.field.readonly


def header_of(mapping: str) -> str:
    return mapping.split("/")[-1].strip()


def _dataset_columns(schema: Schema, guide: Guide) -> list[Column]:
    mapped = [f for f in schema.dataset_fields if f.guide]
    order = len(guide.elements)

    def rank(indexed: tuple[int, Field]) -> tuple[int, int]:
        index, f = indexed
        position = guide.position(f.guide)
        return (order if position is None else position, index)

    ranked = sorted(enumerate(mapped), key=rank)
    return [
        Column(
            header_of(f.guide),
            f,
            DATASET,
            guide.elements[p].zh if (p := guide.position(f.guide)) is not None else "",
        )
        for _i, f in ranked
    ]


def catalog_columns(schema: Schema | None = None) -> tuple[Column, ...]:
    """Every column of the spreadsheet, in order."""
    schema = schema or get_schema()
    guide = get_guide()
    dataset = _dataset_columns(schema, guide)
    resource = [
        Column(header_of(f.guide), f, RESOURCE, "") for f in schema.resource_fields if f.guide
    ]
    columns = tuple(dataset + resource)
    headers = [c.header for c in columns]
    duplicated = sorted({h for h in headers if headers.count(h) > 1})
    if duplicated:
        raise ValueError(f"metadata schema: two fields map to the spreadsheet column {duplicated}")
    return columns


def identity_column(columns: tuple[Column, ...]) -> Column | None:
    """The column that identifies a dataset across files: the schema's identifier field."""
    return next((c for c in columns if c.scope == DATASET and c.field.type == "identifier"), None)


def title_column(columns: tuple[Column, ...], scope: str) -> Column:
    return next(c for c in columns if c.scope == scope and c.key == "title")
