"""The `filters` parameter: a JSON object turned into SQL through one operator table.

`{"城市": "杭州"}` is equality, `{"城市": ["杭州", "宁波"]}` any of, `{"城市": null}` a null
test, and `{"数值": {"gte": 10, "lt": 20}}` names operators. Column names are looked up in the
stored schema and quoted from it; every value is converted to the column's type in Python (a
wrong type is a 400 naming `filters`) and bound as a parameter, so no request text ever becomes
SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kaifang.datastore.query.columns import BadParameter, Column, Schema

PARAM = "filters"


@dataclass
class Clause:
    """A piece of a WHERE clause with its bound values."""

    sql: str
    params: list[Any] = field(default_factory=list)


def combine(clauses: list[Clause]) -> Clause:
    """All clauses joined by AND ("TRUE" when there are none)."""
    if not clauses:
        return Clause("TRUE")
    params = [p for c in clauses for p in c.params]
    return Clause(" AND ".join(f"({c.sql})" for c in clauses), params)


# --- values -------------------------------------------------------------------------------


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    if isinstance(value, int):
        return value
    return int(str(value).strip())


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    return float(str(value).strip()) if isinstance(value, str) else float(value)


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError
    return date.fromisoformat(value.strip())


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError
    return datetime.fromisoformat(value.strip())


_TRUE = {"true", "1", "是", "yes", "t", "y"}
_FALSE = {"false", "0", "否", "no", "f", "n"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "decimal": _decimal,
    "float": _float,
    "date": _date,
    "datetime": _datetime,
    "boolean": _boolean,
    "text": _text,
}

TYPE_NAMES = {
    "integer": "整数",
    "decimal": "数值",
    "float": "数值",
    "date": "日期（如 2024-01-31）",
    "datetime": "日期时间（如 2024-01-31T08:00:00）",
    "boolean": "true 或 false",
    "text": "文本",
}


def convert(column: Column, value: Any, parameter: str) -> Any:
    """`value` as a Python value of the column's type, or a 400 naming `parameter`."""
    try:
        return CONVERTERS[column.type](value)
    except (ValueError, TypeError, OverflowError):
        raise BadParameter(
            parameter,
            _("参数 %(param)s：列“%(column)s”的值应为%(kind)s，收到 %(value)s。")
            % {
                "param": parameter,
                "column": column.id,
                "kind": _(TYPE_NAMES[column.type]),
                "value": json.dumps(value, ensure_ascii=False, default=str)[:100],
            },
        ) from None


def kind_label(column: Column) -> str:
    """The column type's Chinese name (整数, 日期 …)."""
    from kaifang.datastore.models import FieldType

    try:
        return str(FieldType(column.type).label)
    except ValueError:
        return column.type


# --- operators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    """How one operator reads its value and writes its SQL. `types` limits the column types
    it applies to (None: every type)."""

    name: str
    build: Callable[[Column, Any, str], Clause]
    types: frozenset[str] | None = None


def _compare(symbol: str) -> Callable[[Column, Any, str], Clause]:
    def build(column: Column, value: Any, parameter: str) -> Clause:
        if value is None:
            raise BadParameter(parameter, _needs_value(parameter, column, symbol))
        return Clause(f"{column.sql} {symbol} ?", [convert(column, value, parameter)])

    return build


def _eq(column: Column, value: Any, parameter: str) -> Clause:
    if value is None:
        return Clause(f"{column.sql} IS NULL")
    return Clause(f"{column.sql} = ?", [convert(column, value, parameter)])


def _ne(column: Column, value: Any, parameter: str) -> Clause:
    if value is None:
        return Clause(f"{column.sql} IS NOT NULL")
    return Clause(f"{column.sql} IS DISTINCT FROM ?", [convert(column, value, parameter)])


def _in(column: Column, value: Any, parameter: str) -> Clause:
    if not isinstance(value, list):
        raise BadParameter(parameter, _needs_list(parameter, column, "in"))
    present = [convert(column, v, parameter) for v in value if v is not None]
    parts = []
    if present:
        parts.append(f"{column.sql} IN ({', '.join('?' * len(present))})")
    if len(present) < len(value):
        parts.append(f"{column.sql} IS NULL")
    return Clause(" OR ".join(parts) or "FALSE", present)


def _between(column: Column, value: Any, parameter: str) -> Clause:
    if not isinstance(value, list) or len(value) != 2 or None in value:
        raise BadParameter(
            parameter,
            _("参数 %(param)s：列“%(column)s”的 between 需要两个值的数组，如 [10, 20]。")
            % {"param": parameter, "column": column.id},
        )
    low, high = (convert(column, v, parameter) for v in value)
    return Clause(f"{column.sql} BETWEEN ? AND ?", [low, high])


def _folds(text: str) -> bool:
    """Whether case matters for `text` (Chinese has no case: no lower() over the column)."""
    return text.lower() != text.upper()


def _contains(column: Column, value: Any, parameter: str) -> Clause:
    text = convert(column, value, parameter)
    if _folds(text):
        return Clause(f"contains(lower({column.sql}), ?)", [text.lower()])
    return Clause(f"contains({column.sql}, ?)", [text])


def _startswith(column: Column, value: Any, parameter: str) -> Clause:
    return Clause(f"starts_with({column.sql}, ?)", [convert(column, value, parameter)])


def _isnull(column: Column, value: Any, parameter: str) -> Clause:
    if not isinstance(value, bool):
        raise BadParameter(
            parameter,
            _("参数 %(param)s：列“%(column)s”的 isnull 应为 true 或 false。")
            % {"param": parameter, "column": column.id},
        )
    return Clause(f"{column.sql} IS NULL" if value else f"{column.sql} IS NOT NULL")


ORDERED = frozenset({"integer", "decimal", "float", "date", "datetime", "text"})
TEXT = frozenset({"text"})

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", _eq),
        Operator("ne", _ne),
        Operator("lt", _compare("<"), ORDERED),
        Operator("lte", _compare("<="), ORDERED),
        Operator("gt", _compare(">"), ORDERED),
        Operator("gte", _compare(">="), ORDERED),
        Operator("in", _in),
        Operator("between", _between, ORDERED),
        Operator("contains", _contains, TEXT),
        Operator("startswith", _startswith, TEXT),
        Operator("isnull", _isnull),
    )
}


def _needs_value(parameter: str, column: Column, op: str) -> str:
    return _("参数 %(param)s：列“%(column)s”的 %(op)s 需要一个值。") % {
        "param": parameter,
        "column": column.id,
        "op": op,
    }


def _needs_list(parameter: str, column: Column, op: str) -> str:
    return _("参数 %(param)s：列“%(column)s”的 %(op)s 需要一个数组。") % {
        "param": parameter,
        "column": column.id,
        "op": op,
    }


# --- the parameter ------------------------------------------------------------------------


def parse(raw: str | dict | None, parameter: str = PARAM) -> dict[str, Any]:
    """The `filters` object from its JSON text (or an already decoded object)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise BadParameter(
                parameter,
                _('参数 %(param)s 应为 JSON 对象，如 {"城市": "杭州"}。') % {"param": parameter},
            ) from None
    if not isinstance(raw, dict):
        raise BadParameter(
            parameter,
            _('参数 %(param)s 应为 JSON 对象，如 {"城市": "杭州"}。') % {"param": parameter},
        )
    return raw


def clauses(filters: dict[str, Any], schema: Schema, parameter: str = PARAM) -> list[Clause]:
    """One clause per condition of `filters`, in the order given."""
    found: list[Clause] = []
    for name, condition in filters.items():
        column = schema.get(str(name), parameter)
        found.extend(_conditions(column, condition, parameter))
    return found


def _conditions(column: Column, condition: Any, parameter: str) -> list[Clause]:
    if isinstance(condition, list):
        return [_in(column, condition, parameter)]
    if not isinstance(condition, dict):
        return [_eq(column, condition, parameter)]
    if not condition:
        raise BadParameter(parameter, _needs_value(parameter, column, "{}"))
    return [_operator(column, op, value, parameter) for op, value in condition.items()]


def _operator(column: Column, name: str, value: Any, parameter: str) -> Clause:
    op = OPERATORS.get(name)
    if op is None:
        raise BadParameter(
            parameter,
            _("参数 %(param)s：不支持的运算符“%(op)s”（列“%(column)s”）。可用：%(known)s。")
            % {
                "param": parameter,
                "op": str(name)[:50],
                "column": column.id,
                "known": "、".join(OPERATORS),
            },
        )
    if op.types is not None and column.type not in op.types:
        raise BadParameter(
            parameter,
            _("参数 %(param)s：运算符 %(op)s 不适用于%(kind)s列“%(column)s”。")
            % {"param": parameter, "op": name, "kind": kind_label(column), "column": column.id},
        )
    return op.build(column, value, parameter)
