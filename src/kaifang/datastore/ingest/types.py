"""Stage `types`: one type per column, from every value in it, or the publisher's override.

The first type every non-empty value fits wins, in this order: boolean (true/false), integer
(no leading zeros, so codes such as 邮编 0571 stay text; fits BIGINT), decimal (plain
fixed-point, at most MAX_SCALE places → DECIMAL(18, scale), or DECIMAL(38, scale) when wider),
float (any other number → DOUBLE), date, datetime (where a date alone is its midnight: Excel's
date-times at 00:00:00 read as dates, and exports often drop a zero time), text. A column with no
values is text. An override whose type a value does not fit stops the job naming the record
and column.

A file the reader left as a view (`Staged.load`: CSV and TSV) is read once, straight into a
table of typed values (or, when the privacy stage leaves its rows as they are, straight into
its data file: write.write_typed reads `typed_select`), when the first SAMPLE_ROWS rows settle
every column's type: each value is checked against that type as it is cast, and a single
value that does not fit stops the query (MISFIT). The file is then read into a text table and
typed like any other staged table — the checks decide nothing by themselves, they only
confirm what the rules above would give, so both ways end with the same types and values.
Most values are checked by a cheap exact test — cast, then compare with the cast value printed
back (an integer, date, date-time or decimal printed exactly as written fits, and reads as
that value) — and only the others by the rules' own patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.job import MISFIT, Job, Misfit, Staged
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


#: the largest integer the INTEGER pattern takes (18 digits)
INTEGER_LIMIT = 10**18 - 1
#: for the cheap test: the type a value is cast to, and the length of its printed form
#: when the type prints values of one length (a date-time only without fractions)
CHECK_CASTS = {"integer": "BIGINT", "date": "DATE", "datetime": "TIMESTAMP"}
PRINTED_LENGTH = {"date": 10, "datetime": 19}
#: the staging connection's in-memory database for typed tables, compressed
TYPED = "kf_typed"


@dataclass
class Column:
    id: str
    type: str
    scale: int = 0
    precision: int = NARROW_PRECISION
    #: the relation the write stage reads already holds the typed value (type_staged)
    stored: bool = False


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


def type_staged(
    job: Job, staged: Staged, overrides: dict[str, str], *, typed: bool = True
) -> tuple[Staged, list[Column]]:
    """The staged table the write stage reads, and the type of each of its columns. A staged
    table is typed by `infer_types`; a staged view is read once into a table of typed values
    when the sample settles the types (see the module's docstring), else — or when `typed`
    is false: the caller tried that read already — into a text table typed by
    `infer_types`."""
    if staged.load is None:
        return staged, infer_types(job, staged, overrides)
    planned = plan_typed(job, staged, overrides) if typed else None
    if planned is not None:
        try:
            typed_staged = _load_typed(job, staged, planned)
        except Misfit:
            pass  # a later row settles a column otherwise: the rules decide, over every row
        else:
            return typed_staged, planned
    name = f"text_{staged.relation}"
    rows = staged.load(ident(name), f"SELECT * FROM {ident(staged.relation)}")
    text = replace(staged, relation=name, rows=rows, load=None, scan=None)
    return text, infer_types(job, text, overrides)


def plan_typed(job: Job, staged: Staged, overrides: dict[str, str]) -> list[Column] | None:
    """The columns of a staged view as its first SAMPLE_ROWS rows type them, for a read
    into typed values (`typed_select`); None when the sample cannot settle them."""
    job.report("read", 0, None)
    return _plan(staged, _sample(job, staged), overrides)


def _load_typed(job: Job, staged: Staged, columns: list[Column]) -> Staged:
    """The staged view read into a table of typed values (MISFIT: Misfit). The table is kept
    in an in-memory database that compresses it, about a third of its size otherwise: it
    then stays in memory (no spilling to disk) within the memory limit. The write stage
    reads it through a view of the same name in the main database, its rowid a column."""
    name = f"typed_{staged.relation}"
    job.con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {TYPED} (COMPRESS)")
    table = f"{TYPED}.main.{ident(name)}"
    rows = staged.load(table, typed_select(staged, columns))
    job.con.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT rowid, * FROM {table}")
    return replace(staged, relation=name, rows=rows, load=None, scan=None)


def _plan(staged: Staged, sample: list[tuple], overrides: dict[str, str]) -> list[Column] | None:
    """The columns as the sample types them, stored; None where the sample cannot settle
    a column's type (the widest decimals) or a publisher's override changes it."""
    kinds = _kinds(staged.ids, sample)
    columns = []
    for i, column in enumerate(staged.ids):
        planned = _planned(column, kinds.get(column, []), _values(sample, i))
        if planned is None or overrides.get(column, planned.type) != planned.type:
            return None
        columns.append(planned)
    return columns


def _planned(column: str, kinds: list[str], values: list[str]) -> Column | None:
    """The first of `kinds` that types the column if every row fits it as the sample
    does. A decimal's scale and precision are those of the sample's widest value: when
    every value fits them, they are the widest of all."""
    for kind in kinds:
        if kind != "decimal":
            return Column(column, kind, stored=True)
        parts = [v.split(".") for v in values]
        found = {
            "d": 0,
            "d_scale": max(len(p[1]) if len(p) > 1 else 0 for p in parts),
            "d_whole": max(len(p[0].lstrip("+-")) for p in parts),
        }
        if found["d_scale"] > MAX_SCALE:
            continue  # no decimal, whatever the other rows hold: the next candidate
        decided = _decide(column, kind, "d", found)
        if decided is None or decided.type != kind:
            return None
        decided.stored = True
        return decided
    return Column(column, FieldType.TEXT, stored=True)


def typed_select(staged: Staged, columns: list[Column]) -> str:
    """The query reading the staged view into typed values (MISFIT where one does not fit
    its column): the text of each column (x0 …) and its cheap test's cast (n0 …; p0 …
    printed back, for decimals), then each value, in file order."""
    texts, casts, printed = [], [], []
    for i, column in enumerate(columns):
        texts.append(f"{ident(column.id)} AS x{i}")
        cast = _check_cast(column)
        if cast:
            casts.append(f"TRY_CAST(x{i} AS {cast}) AS n{i}")
        if column.type == FieldType.DECIMAL:
            printed.append(f"CAST(n{i} AS VARCHAR) AS p{i}")
    values = ", ".join(f"{_checked(c, i)} AS {ident(c.id)}" for i, c in enumerate(columns))
    query = f"SELECT {', '.join(texts)} FROM {ident(staged.relation)}"
    for extra in (casts, printed):
        if extra:
            query = f"SELECT *, {', '.join(extra)} FROM ({query})"
    return f"SELECT {values} FROM ({query})"


def _check_cast(column: Column) -> str | None:
    if column.type == FieldType.DECIMAL:
        return f"DECIMAL({column.precision}, {column.scale})"
    return CHECK_CASTS.get(column.type)


def _checked(column: Column, i: int) -> str:
    """The typed value of text x{i} (cast n{i}), or MISFIT. The cheap test: the cast
    value printed back is the text itself — which the patterns take and the rules' cast
    reads as that value (an 18-digit integer at most, a date-time without fractions); a
    decimal may also be its printed form p{i} less some of its last zeros."""
    x, n = f"x{i}", f"n{i}"
    if column.type == FieldType.TEXT:
        return f"NULLIF({x}, '')"
    v = f"NULLIF(trim({x}), '')"
    fits = f"NOT ({_misfit(column.type, v)})"
    if column.type == FieldType.DECIMAL:
        fits += (
            f" AND length(split_part({v}, '.', 2)) <= {column.scale}"
            f" AND TRY_CAST({v} AS DECIMAL({column.precision}, {column.scale})) IS NOT NULL"
        )
    slow = (
        f"CASE WHEN {v} IS NULL THEN NULL WHEN {fits} THEN {_cast(column, v)} "
        f"ELSE error('{MISFIT}') END"
    )
    if _check_cast(column) is None:
        return slow
    cheap = f"CAST({n} AS VARCHAR) = {x}"
    if column.type == FieldType.DECIMAL:
        p = f"p{i}"
        shorter = f"length({x}) < length({p}) AND right({x}, 1) <> '.'"
        cheap = f"{p} = {x} OR ({shorter} AND rtrim({p}, '0') = rtrim({x}, '0'))"
    if column.type == FieldType.INTEGER:
        cheap = f"{n} BETWEEN -{INTEGER_LIMIT} AND {INTEGER_LIMIT} AND {cheap}"
    if column.type in PRINTED_LENGTH:
        cheap = f"length({x}) = {PRINTED_LENGTH[column.type]} AND {cheap}"
    return f"CASE WHEN {cheap} THEN {n} ELSE {slow} END"


def _candidates(job: Job, staged: Staged) -> dict[str, list[str]]:
    """Column → the types every value of the first SAMPLE_ROWS rows fits, in ORDER (columns
    with no value there, or fitting none, are text and left out). Read into Python and tested
    with the same patterns: for the many small tables of a catalog this costs far less than
    a query holding every test of every column; DuckDB confirms the candidate afterwards."""
    return _kinds(staged.ids, _sample(job, staged))


def _sample(job: Job, staged: Staged) -> list[tuple]:
    """The first SAMPLE_ROWS rows of the staged relation."""
    names = ", ".join(ident(c) for c in staged.ids)
    return job.con.execute(
        f"SELECT {names} FROM {ident(staged.relation)} LIMIT {SAMPLE_ROWS}"
    ).fetchall()


def _values(rows: list[tuple], i: int) -> list[str]:
    """Column i's values in `rows`, trimmed, empty ones left out."""
    return [v.strip() for v in (row[i] for row in rows) if v is not None and v.strip()]


def _kinds(ids: list[str], rows: list[tuple]) -> dict[str, list[str]]:
    found = {}
    for i, column in enumerate(ids):
        values = _values(rows, i)
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
    """The expression giving the typed value of a staged column (a text column, or one
    holding its typed value already: `stored`)."""
    if column.stored:
        return ident(column.id)
    if column.type == FieldType.TEXT:
        return f"NULLIF({ident(column.id)}, '')"
    return _cast(column, _value(column.id))


def _cast(column: Column, v: str) -> str:
    """The typed value of the trimmed, non-empty text `v`."""
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
    return v
