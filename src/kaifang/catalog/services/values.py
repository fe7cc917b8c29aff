"""Dataset values as the metadata schema sees them: cleaning incoming values (schema validation,
references resolved against the database, identifier uniqueness), writing them onto a dataset
(columns, tags and the `metadata` JSON), and reading every field back.

Three forms of the same values appear:
* *clean* values — what `validate` returns, with department and region as model instances;
* *JSON* values — what a pending revision stores: department as its id, region as its code;
* `dataset_values` — every schema field's current value, for forms, pages and the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, DatasetRevision, Tag
from kaifang.catalog.schema import Field, get_schema
from kaifang.catalog.schema.validation import Errors, MetadataInvalid, is_empty, validate
from kaifang.core.models import Region
from kaifang.organizations.models import Department

#: the schema field stored as the dataset's tags rather than in `metadata`
KEYWORDS = "keywords"


def clean_dataset_data(
    data: dict[str, Any], *, dataset: Dataset | None, require: bool
) -> dict[str, Any]:
    """Validate `data` against the schema and the database; raise MetadataInvalid with every
    problem keyed by field. Only keys present in `data` (or required) come back."""
    fields = get_schema().editable_dataset_fields
    cleaned, errors = validate(fields, data, require=require)
    _resolve_references(fields, cleaned, errors)
    _default_references(cleaned, dataset)
    _check_identifier(cleaned, dataset, errors)
    if errors:
        raise MetadataInvalid(errors)
    return cleaned


def _resolve_references(fields: tuple[Field, ...], cleaned: dict[str, Any], errors: Errors):
    """Turn department and region references (instance, id, name or code) into instances."""
    for f in fields:
        value = cleaned.get(f.key)
        if f.type not in {"department", "region"} or is_empty(value):
            continue
        found = _find_department(value) if f.type == "department" else _find_region(value)
        if found is None:
            errors.setdefault(f.key, []).append(
                _("“%(label)s”中的“%(value)s”不存在。") % {"label": f.labels["zh"], "value": value}
            )
        else:
            cleaned[f.key] = found


def _default_references(cleaned: dict[str, Any], dataset: Dataset | None) -> None:
    """A blank department keeps the one the dataset has; a blank region means the department's
    region, as on creation."""
    if "department" in cleaned and is_empty(cleaned["department"]):
        del cleaned["department"]
    if "region" in cleaned and is_empty(cleaned["region"]):
        department = cleaned.get("department") or (dataset.department if dataset else None)
        if isinstance(department, Department):
            cleaned["region"] = department.region
        else:
            del cleaned["region"]


def _find_department(value: Any) -> Department | None:
    if isinstance(value, Department):
        return value
    text = str(value).strip()
    try:
        return Department.objects.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        return Department.objects.filter(name=text).first()


def _find_region(value: Any) -> Region | None:
    if isinstance(value, Region):
        return value
    return Region.objects.filter(code=str(value).strip()).first()


def _check_identifier(cleaned: dict[str, Any], dataset: Dataset | None, errors: Errors) -> None:
    """信息资源代码 is unique across the catalog and, once published, never changes."""
    code = cleaned.get("identifier")
    if not code or "identifier" in errors:
        return
    label = get_schema().dataset_field("identifier").labels["zh"]
    if dataset is not None and dataset.published_at and dataset.identifier not in (None, code):
        errors["identifier"] = [_("“%(label)s”一经发布不再改变。") % {"label": label}]
        return
    others = Dataset.objects.filter(identifier=code)
    if dataset is not None:
        others = others.exclude(pk=dataset.pk)
    if others.exists():
        errors["identifier"] = [
            _("“%(label)s”“%(code)s”已被其他数据集使用。") % {"label": label, "code": code}
        ]


def apply_values(dataset: Dataset, cleaned: dict[str, Any]) -> None:
    """Write clean values onto `dataset` (not saved; keywords are written by `set_keywords` once
    the dataset has a row)."""
    schema = get_schema()
    metadata = dict(dataset.metadata or {})
    for key, value in cleaned.items():
        f = schema.dataset_field(key)
        if key == KEYWORDS:
            continue
        if f.column:
            setattr(dataset, key, _column_value(f, value))
        elif is_empty(value):
            metadata.pop(key, None)
        else:
            metadata[key] = value
    dataset.metadata = metadata


def _column_value(f: Field, value: Any) -> Any:
    if f.type == "boolean":
        return bool(value)
    if f.key == "identifier":
        return value or None
    if f.type in {"department", "region"}:
        return value
    return "" if value is None else value


def set_keywords(dataset: Dataset, cleaned: dict[str, Any]) -> None:
    if KEYWORDS in cleaned:
        names = cleaned[KEYWORDS] or []
        dataset.tags.set([Tag.objects.get_or_create(name=name)[0] for name in names])


def dataset_values(dataset: Dataset) -> dict[str, Any]:
    """Every schema field's current (public) value keyed by field key: columns, metadata,
    keywords and platform-set fields such as provider_code. Department and region come as model
    instances (their `str` is the Chinese name); published_at as a local date; an unset value as
    None, or [] for list fields."""
    values: dict[str, Any] = {}
    for f in get_schema().dataset_fields:
        if f.source:
            values[f.key] = _follow(dataset, f.source)
        elif f.key == KEYWORDS:
            values[f.key] = [tag.name for tag in dataset.tags.all()]
        elif f.column:
            values[f.key] = _read_column(dataset, f)
        else:
            values[f.key] = dataset.metadata.get(f.key, [] if f.is_list else None)
    return values


def _read_column(dataset: Dataset, f: Field) -> Any:
    value = getattr(dataset, f.key)
    if f.type == "date" and value is not None and hasattr(value, "tzinfo"):
        return timezone.localdate(value)
    return value


def _follow(obj: Any, path: str) -> Any:
    """The value at a dotted path such as `department.code`; None where a link is missing."""
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def to_json(values: dict[str, Any]) -> dict[str, Any]:
    """Values as a pending revision stores them: references by id/code, dates as ISO text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Department):
            value = str(value.pk)
        elif isinstance(value, Region):
            value = value.code
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def editable_snapshot(dataset: Dataset) -> dict[str, Any]:
    """The editable values of `dataset` in JSON form: where a new revision starts from."""
    editable = {f.key for f in get_schema().editable_dataset_fields}
    return to_json({k: v for k, v in dataset_values(dataset).items() if k in editable})


def revision_values(revision: DatasetRevision) -> dict[str, Any]:
    """Every schema field's value as the revision proposes it, references as instances, so a
    form can start from it; fields the platform sets come from the dataset."""
    values = dataset_values(revision.dataset)
    proposed = dict(revision.data)
    for f in get_schema().editable_dataset_fields:
        if f.key not in proposed:
            continue
        value = proposed[f.key]
        if f.type == "department" and not is_empty(value):
            value = _find_department(value) or value
        elif f.type == "region" and not is_empty(value):
            value = _find_region(value) or value
        values[f.key] = value
    return values


def changed_keys(before: dict[str, Any], cleaned: dict[str, Any]) -> list[str]:
    """The keys whose value `cleaned` changes, for the audit entry."""
    old, new = to_json(before), to_json(cleaned)
    return sorted(
        key
        for key, value in new.items()
        if old.get(key) != value and not (is_empty(value) and is_empty(old.get(key)))
    )
