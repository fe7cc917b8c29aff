"""The `where` parameter: a boolean SQL expression over the columns (like SoQL's `$where`).

The text is parsed with sqlglot (DuckDB dialect) into a tree, every node is checked against a
short list — columns of the stored schema, literals, comparisons, AND/OR/NOT, IN, BETWEEN,
LIKE, IS NULL, arithmetic, casts to plain types, CASE and a few scalar functions — and the SQL
is then written again by `_Renderer` below from the checked tree: columns quoted from the
schema, text literals bound as parameters, numbers re-checked as numbers. Nothing of the
request's text is copied into the SQL, so no subquery, table, comment or second statement can
get through, whatever the parser accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp
from sqlglot.errors import SqlglotError

from kaifang.datastore.query.columns import BadParameter, Schema
from kaifang.datastore.query.filters import Clause

PARAM = "where"
MAX_LENGTH = 4000
MAX_NODES = 1000

_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

BINARY = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.NullSafeEQ: "IS NOT DISTINCT FROM",
    exp.NullSafeNEQ: "IS DISTINCT FROM",
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.IntDiv: "//",
    exp.Mod: "%",
    exp.DPipe: "||",
    exp.And: "AND",
    exp.Or: "OR",
    exp.Like: "LIKE",
    exp.ILike: "ILIKE",
}

# Scalar functions: the SQL name and the argument keys, in call order.
FUNCTIONS: dict[type[exp.Expression], tuple[str, tuple[str, ...]]] = {
    exp.Lower: ("lower", ("this",)),
    exp.Upper: ("upper", ("this",)),
    exp.Length: ("length", ("this",)),
    exp.Trim: ("trim", ("this",)),
    exp.Substring: ("substring", ("this", "start", "length")),
    exp.Concat: ("concat", ("expressions",)),
    exp.Coalesce: ("coalesce", ("this", "expressions")),
    exp.Abs: ("abs", ("this",)),
    exp.Round: ("round", ("this", "decimals")),
    exp.Floor: ("floor", ("this",)),
    exp.Ceil: ("ceil", ("this",)),
    exp.Year: ("year", ("this",)),
    exp.Quarter: ("quarter", ("this",)),
    exp.Month: ("month", ("this",)),
    exp.Week: ("week", ("this",)),
    exp.Day: ("day", ("this",)),
}
# Arguments sqlglot sets on its own (flags of the dialect); they never change the SQL we write.
_FLAGS = {"safe", "coalesce", "is_nvl", "is_null"}

CASTS = {
    exp.DataType.Type.BIGINT: "BIGINT",
    exp.DataType.Type.INT: "BIGINT",
    exp.DataType.Type.SMALLINT: "BIGINT",
    exp.DataType.Type.DOUBLE: "DOUBLE",
    exp.DataType.Type.FLOAT: "DOUBLE",
    exp.DataType.Type.DECIMAL: "DECIMAL(38, 10)",
    exp.DataType.Type.VARCHAR: "VARCHAR",
    exp.DataType.Type.TEXT: "VARCHAR",
    exp.DataType.Type.DATE: "DATE",
    exp.DataType.Type.TIMESTAMP: "TIMESTAMP",
    exp.DataType.Type.BOOLEAN: "BOOLEAN",
}


def parse(text: str | None, schema: Schema, parameter: str = PARAM) -> Clause | None:
    """The checked and re-written condition, or None when `text` is empty."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_LENGTH:
        raise BadParameter(
            parameter,
            _("参数 %(param)s 过长（不超过 %(n)s 个字符）。")
            % {"param": parameter, "n": MAX_LENGTH},
        )
    tree = _parse(text, parameter)
    if sum(1 for _node in tree.walk()) > MAX_NODES:
        raise BadParameter(parameter, _("参数 %(param)s 的表达式过于复杂。") % {"param": parameter})
    renderer = _Renderer(schema, parameter)
    sql = renderer.render(tree)
    return Clause(sql, renderer.params)


def _parse(text: str, parameter: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(text, read="duckdb", into=exp.Condition)
    except (SqlglotError, RecursionError, ValueError):
        raise BadParameter(
            parameter,
            _("参数 %(param)s 不是有效的条件表达式，例如：数值 >= 10 AND 城市 = '杭州'。")
            % {"param": parameter},
        ) from None


class _Renderer:
    """Writes DuckDB SQL for a checked tree, collecting the bound values in order."""

    def __init__(self, schema: Schema, parameter: str):
        self.schema = schema
        self.parameter = parameter
        self.params: list[str] = []

    def refuse(self, node: exp.Expression) -> BadParameter:
        shown = node.sql(dialect="duckdb", comments=False)[:80]
        return BadParameter(
            self.parameter,
            _(
                "参数 %(param)s 中不允许使用“%(part)s”。可用：列名、常量、比较、AND/OR/NOT、"
                "IN、BETWEEN、LIKE、IS NULL、算术运算和常用函数（lower、upper、length、trim、"
                "substring、concat、coalesce、abs、round、floor、ceil、year、quarter、month、"
                "week、day）。"
            )
            % {"param": self.parameter, "part": shown},
        )

    def render(self, node: exp.Expression) -> str:
        handler = self._handler(node)
        if handler is None:
            raise self.refuse(node)
        return handler(node)

    def _handler(self, node: exp.Expression) -> Callable[[exp.Expression], str] | None:
        kind = type(node)
        if kind in BINARY:
            return self._binary
        if kind in FUNCTIONS:
            return self._function
        return {
            exp.Column: self._column,
            exp.Literal: self._literal,
            exp.Boolean: self._boolean,
            exp.Null: lambda _n: "NULL",
            exp.Paren: lambda n: f"({self.render(n.this)})",
            exp.Not: lambda n: f"NOT ({self.render(n.this)})",
            exp.Neg: lambda n: f"-({self.render(n.this)})",
            exp.Is: self._is,
            exp.In: self._in,
            exp.Between: self._between,
            exp.Escape: self._escape,
            exp.Cast: self._cast,
            exp.TryCast: self._cast,
            exp.Case: self._case,
            exp.If: self._if,
        }.get(kind)

    def _only(self, node: exp.Expression, *keys: str) -> None:
        """Refuse a node that carries anything besides `keys` (e.g. IN with a subquery)."""
        for key, value in node.args.items():
            if key not in keys and key not in _FLAGS and value not in (None, False, []):
                raise self.refuse(node)

    def _binary(self, node: exp.Expression) -> str:
        self._only(node, "this", "expression")
        left, right = self.render(node.this), self.render(node.expression)
        return f"({left}) {BINARY[type(node)]} ({right})"

    def _column(self, node: exp.Expression) -> str:
        self._only(node, "this", "table")
        table = node.args.get("table")
        if table is not None and table.name != "data":
            raise self.refuse(node)
        if not isinstance(node.this, exp.Identifier):
            raise self.refuse(node)
        return self.schema.get(node.this.name, self.parameter).sql

    def _literal(self, node: exp.Expression) -> str:
        text = str(node.this)
        if node.is_string:
            self.params.append(text)
            return "?"
        if not _NUMBER.match(text):
            raise self.refuse(node)
        return text

    def _boolean(self, node: exp.Expression) -> str:
        return "TRUE" if node.this else "FALSE"

    def _is(self, node: exp.Expression) -> str:
        self._only(node, "this", "expression")
        target = node.expression
        if not isinstance(target, (exp.Null, exp.Boolean)):
            raise self.refuse(node)
        return f"({self.render(node.this)}) IS {self.render(target)}"

    def _in(self, node: exp.Expression) -> str:
        self._only(node, "this", "expressions")
        items = ", ".join(self.render(e) for e in node.expressions)
        if not items:
            raise self.refuse(node)
        return f"({self.render(node.this)}) IN ({items})"

    def _between(self, node: exp.Expression) -> str:
        self._only(node, "this", "low", "high")
        subject = self.render(node.this)
        low, high = self.render(node.args["low"]), self.render(node.args["high"])
        return f"({subject}) BETWEEN ({low}) AND ({high})"

    def _escape(self, node: exp.Expression) -> str:
        self._only(node, "this", "expression")
        if not isinstance(node.this, (exp.Like, exp.ILike)):
            raise self.refuse(node)
        escape = node.expression
        if not (isinstance(escape, exp.Literal) and escape.is_string):
            raise self.refuse(node)
        return f"{self.render(node.this)} ESCAPE {self.render(escape)}"

    def _cast(self, node: exp.Expression) -> str:
        self._only(node, "this", "to")
        to = node.args["to"]
        target = CASTS.get(to.this) if isinstance(to, exp.DataType) else None
        if target is None or to.expressions:
            raise self.refuse(node)
        word = "TRY_CAST" if isinstance(node, exp.TryCast) else "CAST"
        return f"{word}({self.render(node.this)} AS {target})"

    def _case(self, node: exp.Expression) -> str:
        self._only(node, "ifs", "default")
        parts = ["CASE"]
        for branch in node.args["ifs"]:
            if not isinstance(branch, exp.If) or branch.args.get("false") is not None:
                raise self.refuse(node)
            parts.append(f"WHEN {self.render(branch.this)} THEN {self.render(branch.args['true'])}")
        if node.args.get("default") is not None:
            parts.append(f"ELSE {self.render(node.args['default'])}")
        return " ".join([*parts, "END"])

    def _if(self, node: exp.Expression) -> str:
        self._only(node, "this", "true", "false")
        branches = [self.render(node.this), self.render(node.args["true"])]
        otherwise = node.args.get("false")
        tail = f" ELSE {self.render(otherwise)}" if otherwise is not None else ""
        return f"CASE WHEN {branches[0]} THEN {branches[1]}{tail} END"

    def _function(self, node: exp.Expression) -> str:
        name, keys = FUNCTIONS[type(node)]
        self._only(node, *keys)
        args: list[str] = []
        for key in keys:
            value = node.args.get(key)
            values = value if isinstance(value, list) else [value] if value is not None else []
            args.extend(self.render(v) for v in values)
        return f"{name}({', '.join(args)})"
