"""Rows of a table: which columns, which rows (filters, where, q), in which order, which page.

The order is always total: the row id is the last sort key, so two requests for neighbouring
pages never repeat or skip a row. Deep pages use a cursor instead of an offset: it carries the
sort-key values of the last row returned (signed, so a client cannot forge one), and the next
page starts after them — a condition DuckDB can push into the Parquet scan, so page 50,000 costs
what page 2 does. A cursor also carries the generation of the table's data it was made on: once
rows are appended or replaced the pages after it may have moved, so it is refused with a 400
asking to start again from the first page rather than answered with a page that skips or
repeats rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.query import filters as filters_mod
from kaifang.datastore.query import where as where_mod
from kaifang.datastore.query.columns import ROW_ID, BadParameter, Column, Schema
from kaifang.datastore.query.connection import Connection, shared
from kaifang.datastore.query.filters import CONVERTERS, Clause, combine

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
CURSOR_SALT = "kaifang.datastore.cursor"
TOTAL_SECONDS = 600


@dataclass
class RowsResult:
    """One answer of the rows, aggregate or SQL query: the columns, the records (plain Python
    values: int, float, Decimal, str, bool, date, datetime, None), the number of matching rows
    (None when not counted) and the cursor of the next page (None on the last)."""

    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    total: int | None = None
    next: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def text_param(query: Mapping[str, Any], name: str) -> str | None:
    """A parameter's text, or None when absent."""
    value = query.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def integer(query: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    """An integer parameter within [low, high], or a 400 naming it."""
    raw = text_param(query, name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise BadParameter(
            name,
            _("参数 %(param)s 应为 %(low)s 到 %(high)s 之间的整数（收到“%(value)s”）。")
            % {"param": name, "low": low, "high": high, "value": raw[:50]},
        )
    return value


def names(raw: str | None) -> list[str]:
    """A comma-separated list of column names."""
    if not raw:
        return []
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_sort(raw: str | None, parameter: str = "sort") -> list[tuple[str, bool]]:
    """`数值 desc, 日期` (or `-数值,日期`) as [(name, descending)]."""
    keys: list[tuple[str, bool]] = []
    for part in names(raw):
        name, descending = part, False
        if name.startswith("-"):
            name, descending = name[1:].strip(), True
        else:
            head, _sep, word = name.rpartition(" ")
            if word.lower() in ("asc", "desc") and head.strip():
                name, descending = head.strip(), word.lower() == "desc"
        if not name:
            raise BadParameter(parameter, _("参数 %(param)s 有空的列名。") % {"param": parameter})
        keys.append((name, descending))
    return keys


@dataclass
class RowsParams:
    """What a client asked of the rows endpoint, checked for form; the columns are checked
    against the table's schema when the query is built."""

    fields: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    where: str | None = None
    q: str | None = None
    sort: list[tuple[str, bool]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> RowsParams:
        """From a request's query string (a QueryDict or a dict); a bad value raises a 400
        (core.errors.Invalid) naming the parameter."""
        return cls(
            fields=names(text_param(query, "fields")),
            filters=filters_mod.parse(query.get("filters")),
            where=text_param(query, "where"),
            q=(text_param(query, "q") or "").strip() or None,
            sort=parse_sort(text_param(query, "sort")),
            limit=integer(query, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
            offset=integer(query, "offset", 0, 0, 2**62),
            cursor=text_param(query, "cursor") or None,
        )


def conditions(
    schema: Schema, filters: dict[str, Any], where: str | None, q: str | None
) -> list[Clause]:
    """The WHERE clauses of `filters`, `where` and `q`, each checked against the schema."""
    found = filters_mod.clauses(filters, schema)
    condition = where_mod.parse(where, schema)
    if condition is not None:
        found.append(condition)
    if q:
        found.append(search_clause(schema, q))
    return found


def search_clause(schema: Schema, q: str) -> Clause:
    """Case-insensitive substring match over the text columns. Chinese has no case and needs no
    segmentation: the substring is matched exactly, and lower() is skipped when `q` has no
    letters with case, which keeps the scan fast."""
    columns = schema.text_columns
    if not columns:
        return Clause("FALSE")
    folds = q.lower() != q.upper()
    needle = q.lower() if folds else q
    template = "contains(lower({}), ?)" if folds else "contains({}, ?)"
    return Clause(" OR ".join(template.format(c.sql) for c in columns), [needle] * len(columns))


def _output_columns(schema: Schema, wanted: list[str]) -> list[Column]:
    if not wanted:
        return list(schema.columns)
    chosen = [schema.get(name, "fields") for name in wanted]
    return list(dict.fromkeys(chosen))


def _sort_keys(schema: Schema, sort: list[tuple[str, bool]]) -> list[tuple[Column, bool]]:
    keys = [(schema.get(name, "sort"), desc) for name, desc in sort]
    keys = [(c, d) for i, (c, d) in enumerate(keys) if c not in [k[0] for k in keys[:i]]]
    if not any(c.id == ROW_ID for c, _d in keys):
        keys.append((schema.row_id, False))
    return keys


def order_by(keys: list[tuple[Column, bool]]) -> str:
    """Nulls count as larger than any value: last going up, first going down (as the keyset
    condition in `_after` assumes)."""
    return ", ".join(f"{c.sql} {'DESC NULLS FIRST' if d else 'ASC NULLS LAST'}" for c, d in keys)


def _ordering(keys: list[tuple[Column, bool]]) -> str:
    """The ORDER BY clause. In row order none is needed: each data file is written in `_row_id`
    order, a part's rows after those of the files before it, the files are read in that order,
    and DuckDB keeps a scan's order (preserve_insertion_order, on by default), so the scan stops
    after the page instead of sorting every row — with the cursor's `_row_id > ?`, which skips
    whole row groups by their statistics, any page in row order costs about the first."""
    if len(keys) == 1 and keys[0][0].id == ROW_ID and not keys[0][1]:
        return ""
    return f"ORDER BY {order_by(keys)}"


def _after(keys: list[tuple[Column, bool]], values: list[Any]) -> Clause:
    """Rows that come after the row whose sort keys are `values`: for some i, equal on the first
    i keys and past on key i."""
    branches: list[Clause] = []
    equal: list[Clause] = []
    for (column, desc), value in zip(keys, values, strict=True):
        past = _past(column, desc, value)
        if past is not None:
            branches.append(combine([*equal, past]))
        equal.append(
            Clause(f"{column.sql} IS NULL")
            if value is None
            else Clause(f"{column.sql} = ?", [value])
        )
    if not branches:
        return Clause("FALSE")
    return Clause(
        " OR ".join(f"({b.sql})" for b in branches), [p for b in branches for p in b.params]
    )


def _past(column: Column, desc: bool, value: Any) -> Clause | None:
    if value is None:
        return None if not desc else Clause(f"{column.sql} IS NOT NULL")
    if desc:
        return Clause(f"{column.sql} < ?", [value])
    return Clause(f"({column.sql} > ? OR {column.sql} IS NULL)", [value])


def _fingerprint(table, params: RowsParams, keys: list[tuple[Column, bool]]) -> str:
    """What a cursor belongs to: the table and the question, not the page (nor the generation
    of the data, which the cursor carries apart so a stale one gets its own message)."""
    question = [
        str(table.pk),
        params.filters,
        params.where,
        params.q,
        [(c.id, d) for c, d in keys],
    ]
    text = json.dumps(question, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def make_cursor(fingerprint: str, values: list[Any], generation: int = 0) -> str:
    return signing.dumps(
        {"f": fingerprint, "g": generation, "v": [_plain(v) for v in values]},
        salt=CURSOR_SALT,
        compress=True,
    )


def read_cursor(
    raw: str, fingerprint: str, keys: list[tuple[Column, bool]], generation: int = 0
) -> list[Any]:
    """The sort-key values a cursor carries, checked: signed by us, made for this question,
    on the data as it is now."""
    try:
        data = signing.loads(raw, salt=CURSOR_SALT)
        if data["f"] != fingerprint or len(data["v"]) != len(keys):
            raise ValueError
        if data.get("g", 0) != generation:
            raise BadParameter("cursor", _("数据已更新，请从第一页重新查询。"))
        return [
            None if v is None else CONVERTERS[c.type](v)
            for (c, _d), v in zip(keys, data["v"], strict=True)
        ]
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        raise BadParameter(
            "cursor",
            _("参数 cursor 无效：它须取自上一页的 next，且其余查询参数保持不变。"),
        ) from None


def query_rows(table, params: RowsParams) -> RowsResult:
    """The page of rows `params` asks for, the number of matching rows and the next cursor."""
    schema = Schema.of(table)
    output = _output_columns(schema, params.fields)
    keys = _sort_keys(schema, params.sort)
    where = conditions(schema, params.filters, params.where, params.q)
    fingerprint = _fingerprint(table, params, keys)
    page = list(where)
    generation = table.generation
    if params.cursor:
        page.append(_after(keys, read_cursor(params.cursor, fingerprint, keys, generation)))
    with open_table(table) as con:
        records, last = _page(con, output, keys, combine(page), params)
        total = _total(con, table, where, bool(params.where), f"{fingerprint}:{generation}")
    more = len(records) > params.limit
    records = records[: params.limit]
    cursor = make_cursor(fingerprint, last, generation) if more and last is not None else None
    return RowsResult([c.out() for c in output], records, total, cursor)


def open_table(table) -> Connection:
    """A cursor on the kept locked-down connection over the table's data files."""
    return shared(get_engine().data_files(table))


def _page(
    con: Connection,
    output: list[Column],
    keys: list[tuple[Column, bool]],
    where: Clause,
    params: RowsParams,
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """Up to limit + 1 records (the extra one says there is a next page) and the sort-key values
    of the last record kept."""
    selected = ", ".join(c.sql for c in output) or "NULL AS _nothing"
    key_list = ", ".join(f"{c.sql} AS __k{i}" for i, (c, _d) in enumerate(keys))
    offset = 0 if params.cursor else params.offset
    # Identifiers come from the schema and values are bound.
    sql = (
        f"SELECT {selected}, {key_list} FROM data WHERE {where.sql} "  # noqa: S608
        f"{_ordering(keys)} LIMIT {params.limit + 1} OFFSET {offset}"
    )
    result = run(con, sql, where.params, bool(params.where))
    width = len(output)
    records = [dict(zip([c.id for c in output], row[:width], strict=True)) for row in result.rows]
    kept = result.rows[: params.limit]
    last = list(kept[-1][width:]) if kept else None
    return records, last


def _total(con: Connection, table, where: list[Clause], has_where: bool, key: str) -> int:
    """The number of matching rows. A generation of a table's data never changes, so the count
    of a question is kept in the cache under it (`key`): following the cursor through a large
    result counts once."""
    if not where and table.row_count is not None:
        return table.row_count
    cache_key = f"kaifang:rows-total:{key}"
    known = cache.get(cache_key)
    if known is not None:
        return known
    condition = combine(where)
    sql = f"SELECT count(*) FROM data WHERE {condition.sql}"  # noqa: S608
    total = int(run(con, sql, condition.params, has_where).rows[0][0])
    cache.set(cache_key, total, TOTAL_SECONDS)
    return total


def run(con: Connection, sql: str, params: list[Any], has_where: bool):
    """Run one of our queries; DuckDB refusing it can only be the `where` expression's doing
    (say, text compared with a number), answered as a 400 naming `where`."""
    try:
        return con.run(sql, params)
    except duckdb.Error as exc:
        if not has_where:
            raise
        raise BadParameter(
            "where",
            _("参数 where 无法执行：%(reason)s") % {"reason": str(exc).splitlines()[0][:200]},
        ) from None
