"""Rows of a table: which columns, which rows (filters, where, q), in which order, which page.

The order is always total: the row id is the last sort key, so two requests for neighbouring
pages never repeat or skip a row. Deep pages use a cursor instead of an offset: it carries the
sort-key values of the last row returned (signed, so a client cannot forge one), and the next
page starts after them — a condition DuckDB can push into the Parquet scan, so page 50,000 costs
what page 2 does. A cursor also carries the generation of the table's data it was made on: once
rows are appended or replaced the pages after it may have moved, so it is refused with a 400
asking to start again from the first page rather than answered with a page that skips or
repeats rows.

When many rows match, a sorted page is found in two steps (late materialization): first the
row ids of the page, reading only the columns of the filters and of the sort, then the page's
rows by those ids — sorting 5 million whole rows to keep 100 cost ten times more than sorting
their keys. When few match, reading the page's rows back by id costs more than it saves (they
lie scattered through the table), and the page is read in one step. A shallow page looks at
the table's first rows before (`_look_ahead`): their share of matching rows says which of the
two to do, and they give a bound on the first sort key that the page's own rows cannot lie
past, so the sort handles only the rows within it. The number of matching rows is counted on
another cursor while the page is read.

Measured and left out: the exact value of the first key at the page's end, found alone over
the whole table. DuckDB's top-N of one key skips row groups by their statistics, so this made
a page sorted by a key whose greatest value fills the page a third faster; but it reads the
table twice when nothing can be skipped, and a page sorted by a spread-out key, or filtered by
a costly condition, took 20–40 % longer. Reading the first rows only costs a bounded part of
one read of the table, whatever the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
from django.core import signing
from django.core.cache import cache
from django.utils.translation import get_language, override
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
#: the table's first rows (by row id; one of DuckDB's row groups) a shallow sorted page looks
#: at, and the deepest page (offset + limit) worth it
PREFIX_ROWS = 122_880
BOUND_DEPTH = 10_000
#: the share of matching rows from which a sorted page is found by row id first (measured on 5
#: million rows: with 1 % matching, one step was 15 % faster; from 6 %, the two cost about the
#: same; with 70 %, by id was three times faster)
LATE_SHARE = 0.05
_ROW_ID_SQL = Column(ROW_ID, "integer", ROW_ID).sql


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
    """Rows past `value` on one key. The row id is never null: without the null test, DuckDB
    skips the row groups before a cursor in row order by their statistics (with it, a page
    near the end of 5 million rows took ten times as long as the first)."""
    if value is None:
        return None if not desc else Clause(f"{column.sql} IS NOT NULL")
    if desc:
        return Clause(f"{column.sql} < ?", [value])
    if column.id == ROW_ID:
        return Clause(f"{column.sql} > ?", [value])
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
        values = read_cursor(params.cursor, fingerprint, keys, generation)
        page += [_after(keys, values), *_cursor_bound(keys, values)]
    key = f"{fingerprint}:{generation}"
    with open_table(table) as con, _Total(con, table, where, bool(params.where), key) as counted:
        records, last = _page(con, output, keys, combine(page), params)
        total = counted.value()
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
    ordering = _ordering(keys)
    has_where = bool(params.where)
    # Identifiers come from the schema and values are bound.
    if ordering:
        ahead = _look_ahead(con, keys, where, offset + params.limit + 1, has_where)
        bounded = combine([where, *ahead.bound])
        if ahead.share is not None and ahead.share < LATE_SHARE:
            sql = (
                f"SELECT {selected}, {key_list} FROM data WHERE {bounded.sql} "  # noqa: S608
                f"ORDER BY {order_by(keys)} LIMIT {params.limit + 1} OFFSET {offset}"
            )
            rows = run(con, sql, bounded.params, has_where).rows
        else:
            ids = _page_ids(con, keys, bounded, params.limit + 1, offset, has_where)
            rows = _by_ids(con, selected, key_list, keys, ids)
    else:
        sql = (
            f"SELECT {selected}, {key_list} FROM data WHERE {where.sql} "  # noqa: S608
            f"LIMIT {params.limit + 1} OFFSET {offset}"
        )
        rows = run(con, sql, where.params, has_where).rows
    width = len(output)
    records = [dict(zip([c.id for c in output], row[:width], strict=True)) for row in rows]
    kept = rows[: params.limit]
    last = list(kept[-1][width:]) if kept else None
    return records, last


def _page_ids(
    con: Connection,
    keys: list[tuple[Column, bool]],
    where: Clause,
    size: int,
    offset: int,
    has_where: bool,
) -> list[int]:
    """The row ids of the sorted page, from the filter and sort columns alone."""
    sql = (
        f"SELECT {_ROW_ID_SQL} FROM data WHERE {where.sql} "  # noqa: S608
        f"ORDER BY {order_by(keys)} LIMIT {size} OFFSET {offset}"
    )
    return [row[0] for row in run(con, sql, where.params, has_where).rows]


def _by_ids(
    con: Connection, selected: str, key_list: str, keys: list[tuple[Column, bool]], ids: list[int]
) -> list[tuple]:
    """The rows of `ids` (a row id names one row), in the page's order. The ids, read back
    from the table, are written as integer literals rather than bound: DuckDB then reads only
    the parts of the table that hold them (bound, reading a page of rows scattered through 5
    million took half as long again)."""
    if not ids:
        return []
    listed = ", ".join(str(int(i)) for i in sorted(ids))
    sql = (
        f"SELECT {selected}, {key_list} FROM data WHERE {_ROW_ID_SQL} IN ({listed}) "  # noqa: S608
        f"ORDER BY {order_by(keys)}"
    )
    return run(con, sql, [], False).rows


@dataclass
class _Ahead:
    """What the table's first rows say of a sorted page: a bound on its first sort key (empty:
    none) and the share of rows that match (None: not looked at, or no first rows)."""

    bound: list[Clause] = field(default_factory=list)
    share: float | None = None


def _look_ahead(
    con: Connection, keys: list[tuple[Column, bool]], where: Clause, depth: int, has_where: bool
) -> _Ahead:
    """The table's first rows (numbered below PREFIX_ROWS; DuckDB stops reading there by the row
    ids' statistics) for a shallow page sorted first by a column. The first `depth` of them that
    match, in the order of that column alone, are as many rows that come no later than the last
    of them: no row of the page comes later than that last one's value."""
    column, desc = keys[0]
    if depth > BOUND_DEPTH or column.id == ROW_ID:
        return _Ahead()
    c, first = column.sql, f"{_ROW_ID_SQL} < ?"
    sql = (
        f"SELECT count(*), count(__v), min(__v), max(__v), "  # noqa: S608
        f"EXISTS (SELECT 1 FROM data WHERE {c} IS NULL), "
        f"(SELECT count(*) FROM data WHERE ({where.sql}) AND {first}), "
        f"(SELECT count(*) FROM data WHERE {first}) "
        f"FROM (SELECT {c} AS __v FROM data WHERE ({where.sql}) AND {first} "
        f"ORDER BY {order_by([(column, desc)])} LIMIT {depth})"
    )
    values = [*where.params, PREFIX_ROWS, PREFIX_ROWS, *where.params, PREFIX_ROWS]
    found, known, low, high, nulls, matching, read = run(con, sql, values, has_where).rows[0]
    share = matching / read if read else None
    return _Ahead(_first_key_bound(column, desc, depth, found, known, low, high, nulls), share)


def _first_key_bound(
    column: Column,
    desc: bool,
    depth: int,
    found: int,
    known: int,
    low: Any,
    high: Any,
    nulls: bool,
) -> list[Clause]:
    """The bound from the first rows' values of the column (how many rows, how many not null,
    the least and the greatest; whether the table has nulls in it at all). Nulls count as
    larger than any value: first going down, last going up."""
    c = column.sql
    if found < depth or (not desc and known < found):
        return []
    if not desc:
        return [Clause(f"{c} <= ?", [high])]
    if known == 0:
        return [Clause(f"{c} IS NULL")]
    return [Clause(f"({c} >= ? OR {c} IS NULL)" if nulls else f"{c} >= ?", [low])]


def _cursor_bound(keys: list[tuple[Column, bool]], values: list[Any]) -> list[Clause]:
    """What `_after` implies of the first sort key, said so DuckDB can filter the scan with it
    (it does not with the branches of `_after`): going down from a value, no row above it.
    Nothing to say going up (nulls, which come last, may follow) or after a null."""
    (column, desc), value = keys[0], values[0]
    if not desc or value is None or column.id == ROW_ID:
        return []
    return [Clause(f"{column.sql} <= ?", [value])]


class _Total:
    """The number of matching rows, counted on another cursor of the connection while the
    page is read (`value()` waits for it). A generation of a table's data never changes, so the
    count of a question is kept in the cache under it (`key`): following the cursor through a
    large result counts once."""

    def __init__(self, con: Connection, table, where: list[Clause], has_where: bool, key: str):
        self.con, self.table, self.where, self.has_where = con, table, where, has_where
        self.cache_key = f"kaifang:rows-total:{key}"
        self.known: int | None = None
        self.counter: Connection | None = None
        self.counting: Future | None = None

    def __enter__(self) -> _Total:
        if not self.where and self.table.row_count is not None:
            self.known = self.table.row_count
            return self
        self.known = cache.get(self.cache_key)
        if self.known is None:
            condition = combine(self.where)
            sql = f"SELECT count(*) FROM data WHERE {condition.sql}"  # noqa: S608
            self.counter = self.con.cursor()
            self.counting = _counting_pool().submit(
                _in_language(get_language()), self.counter, sql, condition.params, self.has_where
            )
        return self

    def value(self) -> int:
        if self.known is None:
            self.known = int(self.counting.result().rows[0][0])
            cache.set(self.cache_key, self.known, TOTAL_SECONDS)
        return self.known

    def __exit__(self, kind, *exc: object) -> None:
        if self.counting is None:
            return
        if kind is not None and not self.counting.cancel():
            self.counter.interrupt()  # the page failed: its count is not wanted
        try:
            if not self.counting.cancelled():
                self.counting.exception()  # waits; a failure of its own was raised by value()
        finally:
            self.counter.close()


def _in_language(language: str | None):
    """`run` speaking the request's language (a thread has its own: a refusal of the count
    reads like one of the page)."""

    def counted(*args: Any):
        with override(language):
            return run(*args)

    return counted


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _counting_pool() -> ThreadPoolExecutor:
    """This process's threads for counting (made again in a process forked from one that had
    them: threads do not survive a fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(8, thread_name_prefix="kaifang-count"))
        return _pool[1]


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
