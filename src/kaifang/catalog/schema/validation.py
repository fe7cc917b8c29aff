"""Check metadata values against the schema; every problem becomes a Chinese message keyed by
field, so forms and the API can point at the exact field at fault."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator

from kaifang.catalog.schema import Field
from kaifang.core.errors import Invalid

Errors = dict[str, list[str]]

PHONE = re.compile(r"^[0-9+()\- ]{5,30}$")
FIELD_NAME_MAX = 100


class MetadataInvalid(Invalid):
    """Raised by services when values break the schema; `errors` maps field key → messages."""

    def __init__(self, errors: Errors):
        summary = "；".join(m for messages in errors.values() for m in messages)
        super().__init__(f"元数据有误：{summary}", errors=errors)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def validate(
    fields: tuple[Field, ...], data: dict[str, Any], *, require: bool = True
) -> tuple[dict[str, Any], Errors]:
    """Clean each field of `data` present or required. With `require` false (saving a draft),
    missing values are allowed but present ones must still be valid."""
    cleaned: dict[str, Any] = {}
    errors: Errors = {}
    for f in fields:
        if f.readonly:
            continue
        value = data.get(f.key)
        if isinstance(value, str):
            value = value.strip()
        if is_empty(value):
            if require and f.is_required(data):
                errors[f.key] = [f"请填写“{f.labels['zh']}”。"]
            elif f.key in data:
                cleaned[f.key] = [] if f.is_list else ("" if f.type != "boolean" else False)
            continue
        try:
            cleaned[f.key] = clean_value(f, value)
        except ValueError as exc:
            errors[f.key] = [f"“{f.labels['zh']}”{exc}"]
    _check_order(fields, cleaned, errors)
    return cleaned, errors


def _check_order(fields: tuple[Field, ...], cleaned: dict[str, Any], errors: Errors) -> None:
    for f in fields:
        start = cleaned.get(f.not_before) if f.not_before else None
        if start and cleaned.get(f.key) and cleaned[f.key] < start:
            errors.setdefault(f.key, []).append(f"“{f.labels['zh']}”不能早于起始日期。")


def clean_value(f: Field, value: Any) -> Any:
    """Return the stored form of one value, or raise ValueError with the Chinese reason."""
    cleaner = _CLEANERS.get(f.type, _clean_text)
    return cleaner(f, value)


def _clean_text(f: Field, value: Any) -> str:
    if not isinstance(value, str | int | float):
        raise ValueError("应为文字。")
    text = str(value)
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise ValueError("含有不可见的控制字符。")
    if f.max_length and len(text) > f.max_length:
        raise ValueError(f"不能超过 {f.max_length} 个字符（现有 {len(text)} 个）。")
    if f.pattern and not re.fullmatch(f.pattern, text):
        raise ValueError(f.pattern_messages.get("zh") or "格式不正确。")
    return text


def _clean_code(f: Field, value: Any) -> str:
    code = str(value)
    if f.codes is not None and code not in f.codes:
        raise ValueError(f"的值“{code}”不在代码表“{f.codes.label_zh}”中。")
    return code


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,，;；、\n]", value) if v.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise ValueError("应为列表。")


def _clean_codes(f: Field, value: Any) -> list[str]:
    codes = []
    for item in _as_list(value):
        code = _clean_code(f, item)
        if code not in codes:
            codes.append(code)
    return codes


def _clean_list_of_text(f: Field, value: Any) -> list[str]:
    items: list[str] = []
    for item in _as_list(value):
        text = _clean_text(f, str(item).strip())
        if text and text not in items:
            items.append(text)
    if f.max_items and len(items) > f.max_items:
        raise ValueError(f"最多 {f.max_items} 项。")
    return items


def _clean_tags(f: Field, value: Any) -> list[str]:
    tags = _clean_list_of_text(f, value)
    for tag in tags:
        if len(tag) > 50:
            raise ValueError(f"中的“{tag[:20]}…”过长（标签不超过 50 个字符）。")
    return tags


def _clean_date(f: Field, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"“{value}”不是有效日期，请用 YYYY-MM-DD 格式。") from None


def _clean_boolean(f: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "on", "yes", "是"}:
        return True
    if text in {"0", "false", "off", "no", "否"}:
        return False
    raise ValueError("应为“是”或“否”。")


def _clean_integer(f: Field, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("应为整数。") from None


def _clean_url(f: Field, value: Any) -> str:
    text = _clean_text(f, value)
    try:
        URLValidator(schemes=["http", "https"])(text)
    except DjangoValidationError:
        raise ValueError("不是有效的 http(s) 网址。") from None
    return text


def _clean_email(f: Field, value: Any) -> str:
    text = _clean_text(f, value)
    try:
        EmailValidator()(text)
    except DjangoValidationError:
        raise ValueError("不是有效的电子邮箱地址。") from None
    return text


def _clean_phone(f: Field, value: Any) -> str:
    text = _clean_text(f, value)
    if not PHONE.fullmatch(text):
        raise ValueError("不是有效的电话号码。")
    return text


def _clean_identifiers(f: Field, value: Any) -> list[str]:
    codes = _clean_list_of_text(f, value)
    for code in codes:
        if not re.fullmatch(r"^[0-9]+/[0-9]+$", code):
            raise ValueError(f"中的“{code}”不是有效的信息资源代码。")
    return codes


def _clean_fields(f: Field, value: Any) -> list[dict[str, Any]]:
    """信息项: a list of {name, type, length, description}; text input is one field per line,
    with parts separated by commas or tabs."""
    from kaifang.core import codelists

    types = codelists.get("field_data_type")
    rows = value if isinstance(value, list) else _field_lines(value)
    result: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ValueError(f"第 {number} 项应为对象。")
        name = str(row.get("name", "")).strip()
        kind = str(row.get("type", "C")).strip().upper() or "C"
        if not name or len(name) > FIELD_NAME_MAX:
            raise ValueError(f"第 {number} 项缺少名称或名称过长。")
        if kind not in types:
            raise ValueError(f"第 {number} 项“{name}”的数据类型“{kind}”不在代码表中。")
        item: dict[str, Any] = {"name": name, "type": kind}
        length = row.get("length")
        if length not in (None, ""):
            try:
                item["length"] = int(length)
            except (TypeError, ValueError):
                raise ValueError(f"第 {number} 项“{name}”的长度应为整数。") from None
        if row.get("description"):
            item["description"] = str(row["description"]).strip()[:500]
        result.append(item)
    if len({r["name"] for r in result}) != len(result):
        raise ValueError("中有重复的信息项名称。")
    return result


def _field_lines(text: Any) -> list[dict[str, Any]]:
    if not isinstance(text, str):
        raise ValueError("应为信息项列表。")
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[\t,，]", line)]
        parts += [""] * (4 - len(parts))
        rows.append(
            {"name": parts[0], "type": parts[1], "length": parts[2], "description": parts[3]}
        )
    return rows


def _clean_ref(f: Field, value: Any) -> Any:
    """Departments and regions are checked against the database by the service; here only the
    shape of the reference is checked."""
    if hasattr(value, "pk"):
        return value
    text = str(value).strip()
    if not text or len(text) > 100:
        raise ValueError("引用无效。")
    return text


_CLEANERS = {
    "text": _clean_text,
    "textarea": _clean_text,
    "identifier": _clean_text,
    "code": _clean_code,
    "codes": _clean_codes,
    "tags": _clean_tags,
    "identifiers": _clean_identifiers,
    "date": _clean_date,
    "boolean": _clean_boolean,
    "integer": _clean_integer,
    "url": _clean_url,
    "email": _clean_email,
    "phone": _clean_phone,
    "fields": _clean_fields,
    "department": _clean_ref,
    "region": _clean_ref,
}
