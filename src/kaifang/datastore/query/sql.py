"""The SQL endpoint: one read-only SELECT over a resource's table.

Two walls, each enough alone:

1. sqlglot parses the text (DuckDB dialect) and the tree must be one query (SELECT, UNION …)
   whose tables are only `data` (or the resource's id, as CKAN names tables, or a CTE of the
   query itself) and whose functions are on a list of plain scalar, aggregate and window
   functions — no table functions (read_csv, read_parquet, glob, query, range …), no system
   tables, no PRAGMA, ATTACH, COPY, SET, INSTALL, LOAD, CALL, no second statement. The tree is
   then written out again by sqlglot with a row cap added; that text, not the client's, runs.
2. It runs on a fresh connection from `connection.connect`: the table's data files are the only
   paths DuckDB may open, external access is off, memory and threads are capped, configuration is
   locked, and a timer interrupts it at the time limit (which is what ends a recursive CTE
   that never stops).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import duckdb
import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp
from sqlglot.errors import SqlglotError

from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.query.columns import BadParameter
from kaifang.datastore.query.rows import RowsResult

PARAM = "sql"
MAX_LENGTH = 20_000
MAX_NODES = 5_000

_FUNCTION_NAMES = """
Count Sum Avg Min Max Stddev StddevPop StddevSamp Variance VariancePop Median Quantile
PercentileCont PercentileDisc ApproxDistinct ApproxQuantile ArrayAgg GroupConcat First Last
AnyValue CountIf Corr CovarPop CovarSamp LogicalAnd LogicalOr Mode
RowNumber Rank DenseRank Ntile Lag Lead FirstValue LastValue NthValue PercentRank CumeDist
Cast TryCast Case If Coalesce Nullif Greatest Least Concat ConcatWs Substring Length Lower Upper
Trim Replace StrPosition Left Right Pad Split RegexpLike RegexpExtract RegexpReplace Reverse
Initcap StartsWith EndsWith Contains
Abs Round Floor Ceil Sqrt Pow Exp Ln Log Sign Mod Trunc
Year Quarter Month Week Day DayOfWeek DayOfWeekIso DayOfMonth DayOfYear Hour Minute Second
DateTrunc TimestampTrunc DateDiff DateAdd DateSub TimestampDiff TimestampAdd Extract
StrToDate StrToTime TimeToStr CurrentDate CurrentTimestamp Date ToChar
Array ArraySize Struct Unnest Explode List
"""
SAFE_FUNCTIONS: frozenset[type] = frozenset(
    cls for cls in (getattr(exp, n, None) for n in _FUNCTION_NAMES.split()) if cls is not None
)
#: DuckDB functions sqlglot leaves unnamed (exp.Anonymous), by lower-case name
SAFE_ANONYMOUS = frozenset(
    [
        "strip_accents",
        "prefix",
        "suffix",
        "lpad",
        "rpad",
        "strlen",
        "length_grapheme",
        "list_value",
        "list_contains",
        "date_part",
        "datepart",
        "dayname",
        "monthname",
        "isodow",
        "yearweek",
        "epoch",
        "make_date",
        "to_timestamp",
        "bit_length",
        "ascii",
        "chr",
        "nullif",
        "ifnull",
        "string_agg",
        "listagg",
        "bool_and",
        "bool_or",
        "arg_min",
        "arg_max",
        "now",
        "today",
        "histogram",
        "entropy",
        "kurtosis",
        "skewness",
        "regr_slope",
        "regr_intercept",
        "regr_r2",
        "fsum",
        "favg",
    ]
)
#: nodes that are not a read: statements, assignments, parameters, SELECT … INTO
FORBIDDEN: tuple[type, ...] = tuple(
    cls
    for cls in (
        getattr(exp, n, None)
        for n in [
            "DDL",
            "DML",
            "Command",
            "Pragma",
            "Copy",
            "Attach",
            "Detach",
            "Set",
            "SetItem",
            "Install",
            "Use",
            "Describe",
            "Show",
            "Summarize",
            "Transaction",
            "Commit",
            "Rollback",
            "Kill",
            "Into",
            "Placeholder",
            "Parameter",
            "SessionParameter",
            "Lock",
            "Merge",
            "Insert",
            "Update",
            "Delete",
            "Drop",
            "Alter",
            "Create",
            "Load",
            "Export",
        ]
    )
    if cls is not None
)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def refuse(message: str) -> BadParameter:
    return BadParameter(PARAM, message)


def check(sql: str, table_names: set[str]) -> exp.Query:
    """The parsed and checked query; refuses anything but one read of the allowed tables."""
    if not sql or not sql.strip():
        raise refuse(_("参数 sql 为空，请给出一条 SELECT 语句。"))
    if len(sql) > MAX_LENGTH:
        raise refuse(_("参数 sql 过长（不超过 %(n)s 个字符）。") % {"n": MAX_LENGTH})
    statements = _parse(sql)
    if len(statements) != 1:
        raise refuse(_("参数 sql 只能是一条语句。"))
    tree = statements[0]
    if not isinstance(tree, exp.Query) or isinstance(tree, exp.Values):
        raise refuse(_("参数 sql 只能是只读的 SELECT 查询。"))
    nodes = list(tree.walk())
    if len(nodes) > MAX_NODES:
        raise refuse(_("参数 sql 过于复杂。"))
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for node in nodes:
        _check_node(node, table_names, ctes)
    return tree


def _parse(sql: str) -> list[exp.Expression]:
    try:
        return [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (SqlglotError, RecursionError, ValueError) as exc:
        raise refuse(
            _("参数 sql 无法解析：%(reason)s") % {"reason": str(exc).splitlines()[0][:200]}
        ) from None


def _check_node(node: exp.Expression, table_names: set[str], ctes: set[str]) -> None:
    if isinstance(node, FORBIDDEN):
        raise refuse(
            _("参数 sql 只能是只读的 SELECT 查询，不能含“%(part)s”。") % {"part": _shown(node)}
        )
    if isinstance(node, exp.Table):
        _check_table(node, table_names, ctes)
    elif isinstance(node, exp.Anonymous):
        if str(node.this).lower() not in SAFE_ANONYMOUS:
            raise _function_refused(node)
    elif isinstance(node, exp.Func) and type(node) not in SAFE_FUNCTIONS:
        raise _function_refused(node)


def _check_table(node: exp.Table, table_names: set[str], ctes: set[str]) -> None:
    name = node.this
    qualified = node.args.get("db") or node.args.get("catalog")
    plain = isinstance(name, exp.Identifier) and not qualified
    if not plain or (name.name.lower() not in table_names and name.name.lower() not in ctes):
        raise refuse(
            _("参数 sql 只能查询表 data（或以资源 ID 为表名），不能使用“%(part)s”。")
            % {"part": _shown(node)}
        )


def _function_refused(node: exp.Expression) -> BadParameter:
    name = node.sql_name() if not isinstance(node, exp.Anonymous) else str(node.this)
    return refuse(_("参数 sql 中不允许使用函数 %(name)s。") % {"name": name[:50]})


def _shown(node: exp.Expression) -> str:
    try:
        return node.sql(dialect="duckdb", comments=False)[:80]
    except Exception:
        return type(node).__name__


def rewrite(tree: exp.Query, resource_id: str, limit: int) -> str:
    """The SQL that runs: the resource id read as `data` and at most limit + 1 rows (the one
    past the cap says the answer was cut)."""
    for table in list(tree.find_all(exp.Table)):
        if table.name.lower() == resource_id.lower():
            alias = table.alias or resource_id
            table.set("this", exp.to_identifier("data"))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
    cap = limit + 1
    if isinstance(tree, exp.Select):
        current = tree.args.get("limit")
        asked = _literal_int(current.expression if current else None)
        if current is None or (asked is not None and asked > cap):
            tree = tree.limit(cap)
        elif asked is None:
            tree = exp.select("*").from_(tree.subquery("q")).limit(cap)
    else:
        tree = exp.select("*").from_(tree.subquery("q")).limit(cap)
    return tree.sql(dialect="duckdb", comments=False)


def _literal_int(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
        return int(node.this)
    return None


def run_sql(table, sql: str, *, limit: int) -> RowsResult:
    """Run one checked SELECT over `table` on a fresh locked-down connection; at most `limit`
    rows (`extra["truncated"]` says when more were cut)."""
    resource_id = str(table.resource_id)
    tree = check(sql, {"data", resource_id.lower()})
    text = rewrite(tree, resource_id, limit)
    with get_engine().connect(table) as con:
        try:
            result = con.run(text)
        except duckdb.Error as exc:
            raise refuse(
                _("参数 sql 无法执行：%(reason)s") % {"reason": str(exc).splitlines()[0][:300]}
            ) from None
    names = _unique(result.columns)
    fields = [
        {"id": n, "type": duck_type(t), "label": n}
        for n, t in zip(names, result.types, strict=True)
    ]
    rows = result.rows[:limit]
    records = [dict(zip(names, (_cell(v) for v in row), strict=True)) for row in rows]
    return RowsResult(fields, records, len(records), None, {"truncated": len(result.rows) > limit})


def duck_type(name: str) -> str:
    """Our field type of a DuckDB result type."""
    upper = name.upper()
    if upper.startswith("DECIMAL"):
        return "decimal"
    if upper in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }:
        return "integer"
    if upper in {"FLOAT", "DOUBLE", "REAL"}:
        return "float"
    if upper == "DATE":
        return "date"
    if upper.startswith("TIMESTAMP"):
        return "datetime"
    if upper == "BOOLEAN":
        return "boolean"
    return "text"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    made = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        made.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return made


def _cell(value: Any) -> Any:
    """Plain values stay; lists, structs, intervals, times, UUIDs and blobs become text."""
    if value is None or isinstance(value, (bool, int, float, str, Decimal, dt.date)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
