"""The metadata schema: one declarative file that defines every dataset and resource field.

`get_schema()` loads the file named by the `KAIFANG_METADATA_SCHEMA` setting (or the built-in
`default.yaml`) once. Forms, validation, the dataset page and the API are derived from it, so a
deployment that swaps the file gets its fields everywhere without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import get_language

from kaifang.core import codelists

DEFAULT_PATH = Path(__file__).with_name("default.yaml")

FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "code",
        "codes",
        "date",
        "url",
        "email",
        "phone",
        "boolean",
        "tags",
        "identifier",
        "identifiers",
        "department",
        "region",
        "fields",
        "integer",
    }
)
LIST_TYPES = frozenset({"codes", "tags", "identifiers", "fields"})


class SchemaError(Exception):
    """The schema file itself is wrong; raised at start-up with the field at fault."""


def _text(value: dict[str, str] | str | None) -> dict[str, str]:
    if value is None:
        return {"zh": "", "en": ""}
    if isinstance(value, str):
        return {"zh": value, "en": value}
    return {"zh": value.get("zh", ""), "en": value.get("en", value.get("zh", ""))}


def _pick(texts: dict[str, str]) -> str:
    lang = get_language() or "zh-hans"
    return texts["en"] if lang.startswith("en") and texts["en"] else texts["zh"]


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    labels: dict[str, str]
    helps: dict[str, str]
    required: bool = False
    required_when: dict[str, list[str]] = field(default_factory=dict)
    codelist: str | None = None
    column: bool = False
    readonly: bool = False
    group: str = ""
    guide: str = ""
    dcat: str = ""
    ckan: str = ""
    pod: str = ""
    max_length: int | None = None
    max_items: int | None = None
    pattern: str | None = None
    pattern_messages: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    not_before: str | None = None

    @property
    def label(self) -> str:
        return _pick(self.labels)

    @property
    def help(self) -> str:
        return _pick(self.helps)

    @property
    def pattern_message(self) -> str:
        return _pick(self.pattern_messages) if self.pattern_messages["zh"] else ""

    @property
    def is_list(self) -> bool:
        return self.type in LIST_TYPES

    @property
    def codes(self) -> codelists.CodeList | None:
        return codelists.get(self.codelist) if self.codelist else None

    def is_required(self, data: dict[str, Any]) -> bool:
        """Whether the field must have a value, given the other values in `data`."""
        if self.required:
            return True
        return any(
            str(data.get(other)) in {str(v) for v in values}
            for other, values in self.required_when.items()
        )

    def display(self, value: Any) -> str:
        """The value as a person reads it: code labels instead of codes."""
        if value in (None, "", []):
            return ""
        if self.type == "boolean":
            return "是" if value else "否"
        if self.codes is not None:
            values = value if isinstance(value, list) else [value]
            return "、".join(self.codes.label(str(v)) for v in values)
        if self.type in {"tags", "identifiers"}:
            return "、".join(str(v) for v in value)
        return str(value)


@dataclass(frozen=True)
class Group:
    key: str
    labels: dict[str, str]

    @property
    def label(self) -> str:
        return _pick(self.labels)


@dataclass(frozen=True)
class Schema:
    name: str
    version: int
    groups: tuple[Group, ...]
    dataset_fields: tuple[Field, ...]
    resource_fields: tuple[Field, ...]

    def dataset_field(self, key: str) -> Field:
        return next(f for f in self.dataset_fields if f.key == key)

    def resource_field(self, key: str) -> Field:
        return next(f for f in self.resource_fields if f.key == key)

    def dataset_groups(self) -> list[tuple[Group, list[Field]]]:
        """Dataset fields grouped in the order the file gives."""
        return [(g, [f for f in self.dataset_fields if f.group == g.key]) for g in self.groups]

    @property
    def editable_dataset_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.dataset_fields if not f.readonly)


def _parse_field(raw: dict[str, Any], where: str) -> Field:
    key = raw.get("key")
    if not key or not str(key).isidentifier():
        raise SchemaError(f"{where}: field key {key!r} must be a Python-style identifier")
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        raise SchemaError(f"{where}.{key}: unknown type {kind!r}")
    codelist = raw.get("codelist")
    if kind in {"code", "codes"}:
        if not codelist:
            raise SchemaError(f"{where}.{key}: type {kind} needs a codelist")
        try:
            codelists.get(codelist)
        except KeyError as exc:
            raise SchemaError(f"{where}.{key}: {exc}") from None
    return Field(
        key=key,
        type=kind,
        labels=_text(raw.get("label")),
        helps=_text(raw.get("help")),
        required=bool(raw.get("required", False)),
        required_when={k: list(v) for k, v in (raw.get("required_when") or {}).items()},
        codelist=codelist,
        column=bool(raw.get("column", False)),
        readonly=bool(raw.get("readonly", False)),
        group=raw.get("group", ""),
        guide=raw.get("guide", ""),
        dcat=raw.get("dcat", ""),
        ckan=raw.get("ckan", ""),
        pod=raw.get("pod", ""),
        max_length=raw.get("max_length"),
        max_items=raw.get("max_items"),
        pattern=raw.get("pattern"),
        pattern_messages=_text(raw.get("pattern_message")),
        source=raw.get("source"),
        not_before=raw.get("not_before"),
    )


DATASET_COLUMNS = frozenset(
    {
        "title",
        "identifier",
        "summary",
        "department",
        "domain",
        "open_type",
        "update_frequency",
        "is_high_value",
        "is_realtime",
        "published_at",
        "region",
    }
)
RESOURCE_COLUMNS = frozenset({"title", "description", "kind", "format", "url"})


def parse_schema(text: str, origin: str = "schema") -> Schema:
    """Build a Schema from YAML text; SchemaError says what is wrong and where."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemaError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or "dataset" not in doc:
        raise SchemaError(f"{origin}: needs a `dataset` list of fields")
    groups = tuple(Group(g["key"], _text(g)) for g in doc.get("groups") or [])
    if not groups:
        groups = (Group("basic", {"zh": "基本信息", "en": "Basics"}),)
    dataset = tuple(
        _parse_field({"group": groups[0].key, **r}, f"{origin}:dataset") for r in doc["dataset"]
    )
    if "resource" in doc:
        resource = tuple(_parse_field(r, f"{origin}:resource") for r in doc["resource"] or [])
    else:  # a schema that only redefines dataset fields keeps the built-in resource fields
        resource = _load(str(DEFAULT_PATH)).resource_fields
    _check(dataset, DATASET_COLUMNS, f"{origin}:dataset", {g.key for g in groups})
    _check(resource, RESOURCE_COLUMNS, f"{origin}:resource", None)
    return Schema(doc.get("name", origin), int(doc.get("version", 1)), groups, dataset, resource)


def _check(fields: tuple[Field, ...], columns: frozenset[str], where: str, groups) -> None:
    keys = [f.key for f in fields]
    if len(keys) != len(set(keys)):
        raise SchemaError(f"{where}: a field key is declared twice")
    for f in fields:
        if f.column and f.key not in columns:
            raise SchemaError(f"{where}.{f.key}: no such column; columns are {sorted(columns)}")
        if groups is not None and f.group not in groups:
            raise SchemaError(f"{where}.{f.key}: unknown group {f.group!r}")
    for required in {"title"} & columns:
        if required not in keys:
            raise SchemaError(f"{where}: the {required!r} field cannot be left out")


@cache
def _load(path: str) -> Schema:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read metadata schema {path}: {exc}") from None
    return parse_schema(text, file.name)


def get_schema() -> Schema:
    """The schema in force, loaded once per path."""
    path = settings.KAIFANG.get("METADATA_SCHEMA") or DEFAULT_PATH
    return _load(str(path))
