"""Records sent to a table through the API, checked against its schema before anything is
written.

A record is a JSON object keyed by column name (the field `id` the schema endpoint lists, not
its display label: labels may repeat or match another column's name, so a label is refused
with a hint naming the column it belongs to). A missing column is null; an unknown one, a
nested value or a value that does not read as the column's type is refused, naming the record
(1-based, "第 N 条", and as `records[i]` in `errors`), the column and the value.

Values are read as ingest reads a file's text, with the same patterns and date formats
(kaifang.datastore.ingest.types): integers without leading zeros that fit BIGINT, plain
decimals, numbers, dates such as 2024-05-01 or 2024年5月1日, date-times such as
2024-05-01 08:30:00 or 2024-05-01T08:30:00, booleans true/false, 1/0 or 是/否; empty text is
null. JSON numbers and booleans are taken as their text. Decimals must fit the column exactly:
a value with more decimal places than the column keeps is refused, not rounded.

Each checked value becomes a canonical text that DuckDB casts to the column's stored type
without any guessing (ISO dates, plain decimals, `true`/`false`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kaifang.core.errors import Invalid
from kaifang.datastore.ingest.types import DATE_FORMATS, DATETIME_FORMATS, PYTHON_TESTS
from kaifang.datastore.models import FieldType
from kaifang.datastore.query.columns import ROW_ID

#: errors listed at most in one answer (all are counted)
MAX_ERRORS = 20
TRUE_WORDS = frozenset({"true", "1", "是"})
FALSE_WORDS = frozenset({"false", "0", "否"})
_DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)", re.IGNORECASE)


class RecordsInvalid(Invalid):
    """Records that do not fit the table's schema; nothing was written. 400, each problem in
    `errors` under `records[i]` or `records[i].<column>`."""

    code = "invalid_records"
    status = 400


@dataclass(frozen=True)
class Target:
    """One column a record may fill: its name, its field type and its type in the data file
    (for decimals, the precision and scale values must fit)."""

    id: str
    kind: str
    sql_type: str

    @property
    def digits(self) -> tuple[int, int] | None:
        """(precision, scale) of a DECIMAL column, else None."""
        found = _DECIMAL_TYPE.fullmatch(self.sql_type.strip())
        return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass
class Problems:
    """The problems found so far: the first MAX_ERRORS by key, and how many in all."""

    listed: dict[str, list[str]] = field(default_factory=dict)
    count: int = 0

    def add(self, key: str, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_ERRORS:
            self.listed.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if not self.count:
            return
        first = next(iter(self.listed.values()))[0]
        message = _("数据未写入：%(first)s") % {"first": first}
        if self.count > 1:
            message += _("另有 %(more)d 处问题。") % {"more": self.count - 1}
        raise RecordsInvalid(message, errors=self.listed)


def check_records(
    records: list[Any], targets: list[Target], labels: dict[str, str]
) -> list[list[str | None]]:
    """Each record as the canonical texts of `targets`' columns, in their order (None for
    null); RecordsInvalid naming every problem (up to MAX_ERRORS) when any record does not
    fit. `labels` maps display labels to the column they name, for the hint."""
    by_id = {t.id: t for t in targets}
    problems = Problems()
    rows = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.add(
                f"records[{index}]",
                _("第 %(n)d 条记录应为以列名为键的 JSON 对象。") % {"n": index + 1},
            )
            continue
        _unknown_keys(index, record, by_id, labels, problems)
        rows.append([_cell(index, t, record.get(t.id), problems) for t in targets])
    problems.raise_any()
    return rows


def _unknown_keys(
    index: int, record: dict, by_id: dict[str, Target], labels: dict[str, str], problems: Problems
) -> None:
    for key in record:
        if key in by_id:
            continue
        where = f"records[{index}].{key}"
        if key == ROW_ID:
            message = _("第 %(n)d 条记录不能指定 %(key)s：行号由平台按顺序分配。")
        elif key in labels:
            message = _("第 %(n)d 条记录有未知的列“%(key)s”：这是列“%(id)s”的显示名，请用列名。")
        else:
            message = _("第 %(n)d 条记录有未知的列“%(key)s”。")
        problems.add(where, message % {"n": index + 1, "key": key[:100], "id": labels.get(key)})


def _cell(index: int, target: Target, value: Any, problems: Problems) -> str | None:
    """The canonical text of one value, or None (null, or refused and noted in `problems`)."""
    if isinstance(value, (dict, list)):
        problems.add(
            f"records[{index}].{target.id}",
            _("第 %(n)d 条记录的“%(column)s”应为单个值，不能是数组或对象。")
            % {"n": index + 1, "column": target.id},
        )
        return None
    text = _as_text(value)
    if target.kind != FieldType.TEXT:
        text = text.strip() if text is not None else None
    if not text:
        return None
    try:
        return READERS.get(target.kind, _text)(text, target)
    except (ValueError, ArithmeticError):
        problems.add(
            f"records[{index}].{target.id}",
            _("第 %(n)d 条记录的“%(column)s”值“%(value)s”不是%(expected)s。")
            % {
                "n": index + 1,
                "column": target.id,
                "value": text[:50],
                "expected": expected(target),
            },
        )
        return None


def _as_text(value: Any) -> str | None:
    """A JSON scalar as the text a file would hold: numbers as written, booleans as
    true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def expected(target: Target) -> str:
    """What a value of the column must look like, for the message."""
    kind = target.kind
    if kind == FieldType.DECIMAL and target.digits:
        precision, scale = target.digits
        return _("最多 %(whole)d 位整数、%(scale)d 位小数的定点数（如 12.5）") % {
            "whole": precision - scale,
            "scale": scale,
        }
    hints = {
        FieldType.INTEGER: _("整数（如 42，不带前导零）"),
        FieldType.DECIMAL: _("定点数（如 12.5）"),
        FieldType.FLOAT: _("数值（如 3.14）"),
        FieldType.DATE: _("日期（如 2024-05-01）"),
        FieldType.DATETIME: _("日期时间（如 2024-05-01 08:30:00）"),
        FieldType.BOOLEAN: _("布尔值（是/否、true/false 或 1/0）"),
    }
    return hints.get(kind, _("文本"))


def _text(text: str, target: Target) -> str:
    return text


def _integer(text: str, target: Target) -> str:
    if not PYTHON_TESTS["integer"](text):
        raise ValueError(text)
    return str(int(text))


def _decimal(text: str, target: Target) -> str:
    """Exactly representable in the column: no more places than its scale, no more whole
    digits than its precision leaves."""
    if not PYTHON_TESTS["decimal"](text):
        raise ValueError(text)
    value = decimal.Decimal(text)
    if target.digits:
        precision, scale = target.digits
        step = decimal.Decimal(1).scaleb(-scale)
        fitted = value.quantize(step, context=decimal.Context(prec=precision, traps=[]))
        if fitted != value or fitted.adjusted() >= precision - scale:
            raise ValueError(text)
    return format(value, "f")


def _float(text: str, target: Target) -> str:
    if not PYTHON_TESTS["float"](text) or not math.isfinite(float(text)):
        raise ValueError(text)
    return text


def _boolean(text: str, target: Target) -> str:
    word = text.lower()
    if word in TRUE_WORDS:
        return "true"
    if word in FALSE_WORDS:
        return "false"
    raise ValueError(text)


def _parsed(text: str, kind: str, formats: list[str]) -> dt.datetime:
    """The value by the first of ingest's formats it fits (ISO form, the usual one, is tried
    first without strptime, which costs ten times as much)."""
    if not PYTHON_TESTS[kind](text):
        raise ValueError(text)
    with contextlib.suppress(ValueError):
        return dt.datetime.fromisoformat(text)
    for form in formats:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(text)


def _date(text: str, target: Target) -> str:
    return _parsed(text, "date", DATE_FORMATS).date().isoformat()


def _datetime(text: str, target: Target) -> str:
    return _parsed(text, "datetime", DATETIME_FORMATS).isoformat(sep=" ")


#: field type → the reader of its values; text takes any scalar as it is
READERS: dict[str, Callable[[str, Target], str]] = {
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.FLOAT: _float,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
}
