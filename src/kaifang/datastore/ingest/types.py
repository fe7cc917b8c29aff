"""Stage `types`: one type per column, from every value in it, or the publisher's override.

The first type every non-empty value fits wins, in this order: boolean (true/false), integer
(no leading zeros, so codes such as 邮编 0571 stay text; fits BIGINT), decimal (plain
fixed-point, at most MAX_SCALE places → DECIMAL(18, scale), or DECIMAL(38, scale) when wider),
float (any other number → DOUBLE), date, datetime (where a date alone is its midnight: Excel's
date-times at 00:00:00 read as dates, and exports often drop a zero time), text. A column with no
values is text. An override whose type a value does not fit stops the job naming the record
and column."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.models import FieldType

MAX_SCALE = 9
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    *DATE_FORMATS,
]
INTEGER = r"[+-]?(0|[1-9][0-9]{0,17})"
DECIMAL = r"[+-]?(0|[1-9][0-9]*)\.[0-9]+"
FLOAT = r"[+-]?((0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|\.[0-9]+)"
DATE_SHAPE = r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?"
DATETIME_SHAPE = (
    r"([0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)"
    f"|({DATE_SHAPE})"
)
ORDER = ("boolean", "integer", "decimal", "float", "date", "datetime")
SAMPLE_ROWS = 2_000
#: DECIMAL(18, s) fits a BIGINT and writes fast; wider values need DECIMAL(38, s)
NARROW_PRECISION = 18


@dataclass
class Column:
    id: str
    type: str
    scale: int = 0
    precision: int = NARROW_PRECISION


def _formats(formats: list[str]) -> str:
    return "[" + ", ".join(sql_string(f) for f in formats) + "]"


def _value(column: str) -> str:
    return f"NULLIF(trim({ident(column)}), '')"


def _misfit(kind: str, v: str) -> str:
    """SQL true when the (trimmed, non-null) value `v` does not fit `kind`. Dates are parsed
    only when shaped like one: a failed strptime costs far more than a regular expression."""
    if kind == "boolean":
        return f"lower({v}) NOT IN ('true', 'false')"
    if kind == "integer":
        return f"NOT regexp_full_match({v}, '{INTEGER}') OR TRY_CAST({v} AS BIGINT) IS NULL"
    if kind == "decimal":
        return f"NOT (regexp_full_match({v}, '{DECIMAL}') OR regexp_full_match({v}, '{INTEGER}'))"
    if kind == "float":
        return f"NOT regexp_full_match({v}, '{FLOAT}') OR TRY_CAST({v} AS DOUBLE) IS NULL"
    shape, formats = (
        (DATE_SHAPE, DATE_FORMATS) if kind == "date" else (DATETIME_SHAPE, DATETIME_FORMATS)
    )
    return (
        f"CASE WHEN regexp_full_match({v}, '{shape}') "
        f"THEN try_strptime({v}, {_formats(formats)}) IS NULL ELSE true END"
    )


def _count_misfits(job: Job, relation: str, tests: dict[str, tuple[str, str]]):
    """For each name → (column, kind): how many values of the column misfit the kind; for
    decimal tests also the widest scale and integer part. One scan of the relation."""
    if not tests:
        return {}
    columns = sorted({column for column, _kind in tests.values()})
    inner = ", ".join(f"{_value(c)} AS v{i}" for i, c in enumerate(columns))
    alias = {c: f"v{i}" for i, c in enumerate(columns)}
    parts = []
    for name, (column, kind) in tests.items():
        v = alias[column]
        parts.append(f"count(*) FILTER (WHERE {v} IS NOT NULL AND ({_misfit(kind, v)})) AS {name}")
        if kind == "decimal":
            parts.append(f"max(length(split_part({v}, '.', 2))) AS {name}_scale")
            parts.append(f"max(length(ltrim(split_part({v}, '.', 1), '+-'))) AS {name}_whole")
    found = job.con.execute(
        f"SELECT {', '.join(parts)} FROM (SELECT {inner} FROM {ident(relation)})"
    ).fetchone()
    return dict(zip([d[0] for d in job.con.description], found, strict=True))


def infer_types(job: Job, staged: Staged, overrides: dict[str, str]) -> list[Column]:
    """The type of each staged column: candidates from a sample of SAMPLE_ROWS rows, then
    each column's first candidate confirmed over every row — all columns in one scan, and
    another scan only for the columns whose candidate a later row disproved."""
    job.report("types", 0, staged.rows)
    pending = _candidates(job, staged)
    chosen: dict[str, Column] = {}
    while pending:
        tests = {f"t{i}": (c, kinds[0]) for i, (c, kinds) in enumerate(pending.items())}
        found = _count_misfits(job, staged.relation, tests)
        for name, (column, kind) in tests.items():
            decided = _decide(column, kind, name, found)
            if decided is not None:
                chosen[column] = decided
                del pending[column]
            else:
                pending[column] = pending[column][1:]
                if not pending[column]:
                    chosen[column] = Column(column, FieldType.TEXT)
                    del pending[column]
    columns = [chosen.get(c) or Column(c, FieldType.TEXT) for c in staged.ids]
    for column in columns:
        wanted = overrides.get(column.id)
        if wanted and wanted != column.type:
            _apply_override(job, staged, column, wanted)
    return columns


def _candidates(job: Job, staged: Staged) -> dict[str, list[str]]:
    """Column → the types every value of the first SAMPLE_ROWS rows fits, in ORDER (columns
    with no value there, or fitting none, are text and left out). Read into Python and tested
    with the same patterns: for the many small tables of a catalog this costs far less than
    a query holding every test of every column; DuckDB confirms the candidate afterwards."""
    names = ", ".join(ident(c) for c in staged.ids)
    rows = job.con.execute(
        f"SELECT {names} FROM {ident(staged.relation)} LIMIT {SAMPLE_ROWS}"
    ).fetchall()
    found = {}
    for i, column in enumerate(staged.ids):
        values = [v.strip() for v in (row[i] for row in rows) if v is not None and v.strip()]
        kinds = [kind for kind in ORDER if values and all(map(PYTHON_TESTS[kind], values))]
        if kinds:
            found[column] = kinds
    return found


def _fits_integer(value: str) -> bool:
    return bool(_INTEGER.fullmatch(value)) and -(2**63) <= int(value) < 2**63


_INTEGER = re.compile(INTEGER)
_DECIMAL = re.compile(DECIMAL)
_FLOAT = re.compile(FLOAT)
_DATE = re.compile(DATE_SHAPE)
_DATETIME = re.compile(DATETIME_SHAPE)
#: the shape tests of each type in Python (dates by shape only; DuckDB parses them after)
PYTHON_TESTS = {
    "boolean": lambda v: v.lower() in ("true", "false"),
    "integer": _fits_integer,
    "decimal": lambda v: bool(_DECIMAL.fullmatch(v) or _INTEGER.fullmatch(v)),
    "float": lambda v: bool(_FLOAT.fullmatch(v)),
    "date": lambda v: bool(_DATE.fullmatch(v)),
    "datetime": lambda v: bool(_DATETIME.fullmatch(v)),
}


def _decide(column: str, kind: str, name: str, found: dict) -> Column | None:
    """The column's type if every value fits `kind`; None to try the next candidate."""
    if found[name]:
        return None
    if kind != "decimal":
        return Column(column, kind)
    scale, whole = int(found[f"{name}_scale"] or 0), int(found[f"{name}_whole"] or 0)
    if scale > MAX_SCALE:
        return None  # not the plain fixed-point a decimal column takes: float decides
    if scale == 0 or whole + scale > 38:
        return Column(column, FieldType.TEXT)  # whole numbers past BIGINT stay exact, as text
    precision = NARROW_PRECISION if whole + scale <= NARROW_PRECISION else 38
    return Column(column, kind, scale, precision)


def _apply_override(job: Job, staged: Staged, column: Column, wanted: str) -> None:
    """Take the publisher's type when every value fits it; else name the first that does not."""
    if wanted not in FieldType.values:
        raise IngestError(
            _("列“%(column)s”指定的类型“%(type)s”无效。") % {"column": column.id, "type": wanted},
            column=column.id,
        )
    scale = 0
    if wanted == FieldType.DECIMAL:
        scale = _max_scale(job, staged, column.id)
    if wanted != FieldType.TEXT:
        test = _override_test(column.id, wanted, scale)
        bad = job.con.execute(
            f"SELECT rowid, {ident(column.id)} FROM {ident(staged.relation)} "
            f"WHERE {_value(column.id)} IS NOT NULL AND ({test}) ORDER BY rowid LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise IngestError(
                _("第 %(row)d 条记录的“%(column)s”值“%(value)s”不是%(type)s，不能按指定类型入库。")
                % {
                    "row": bad[0] + 1,
                    "column": column.id,
                    "value": str(bad[1])[:50],
                    "type": FieldType(wanted).label,
                },
                row=int(bad[0]) + 1,
                column=column.id,
            )
    column.type, column.scale, column.precision = wanted, scale, 38


def _override_test(column: str, wanted: str, scale: int) -> str:
    v = _value(column)
    if wanted == FieldType.BOOLEAN:
        return f"lower({v}) NOT IN ('true', 'false', '1', '0', '是', '否')"
    if wanted == FieldType.DECIMAL:
        return f"TRY_CAST({v} AS DECIMAL(38, {scale})) IS NULL"
    return _misfit(wanted, v)


def _max_scale(job: Job, staged: Staged, column: str) -> int:
    found = job.con.execute(
        f"SELECT max(length(split_part({_value(column)}, '.', 2))) FROM {ident(staged.relation)}"
    ).fetchone()[0]
    return min(int(found or 0), 18)


def cast_sql(column: Column) -> str:
    """The expression giving the typed value of a staged (text) column."""
    v = _value(column.id)
    if column.type == FieldType.BOOLEAN:
        truthy = f"lower({v}) IN ('true', '1', '是')"
        return f"CASE WHEN {truthy} THEN true WHEN {v} IS NOT NULL THEN false END"
    if column.type == FieldType.INTEGER:
        return f"CAST({v} AS BIGINT)"
    if column.type == FieldType.DECIMAL:
        return f"CAST({v} AS DECIMAL({column.precision}, {column.scale}))"
    if column.type == FieldType.FLOAT:
        return f"CAST({v} AS DOUBLE)"
    if column.type == FieldType.DATE:
        return f"CAST(strptime({v}, {_formats(DATE_FORMATS)}) AS DATE)"
    if column.type == FieldType.DATETIME:
        return f"strptime({v}, {_formats(DATETIME_FORMATS)})"
    return f"NULLIF({ident(column.id)}, '')"
