"""Aggregates of a table: one record per group, with counts, sums, averages, extremes and
distinct counts, filtered the same way as rows.

`group_by=城市,日期:month` groups by a column and by a time bucket of a date column (year,
quarter, month, week — starting Monday — or day); `metrics=count,sum:数量,avg:数值` names the
results `count`, `sum_数量`, `avg_数值`. Columns come from the stored schema; a metric that does
not fit the column's type (the sum of a text column) is a 400 naming `metrics`.

The number of groups is read off the page when the page holds the last of them (one more
group than the page is asked for tells whether it does), and counted by a second query only
when it does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kaifang.datastore.query import filters as filters_mod
from kaifang.datastore.query.columns import NUMERIC, TEMPORAL, BadParameter, Column, Schema, quote
from kaifang.datastore.query.filters import combine
from kaifang.datastore.query.rows import (
    MAX_LIMIT,
    RowsResult,
    conditions,
    integer,
    names,
    open_table,
    parse_sort,
    run,
    text_param,
)

DEFAULT_LIMIT = 1000
BUCKETS = {"year": "年", "quarter": "季度", "month": "月", "week": "周", "day": "日"}


@dataclass(frozen=True)
class Metric:
    """One aggregate function: its SQL template and the type of its result (None: the
    column's own)."""

    name: str
    sql: str
    types: frozenset[str] | None
    result: str | None


METRICS = {
    m.name: m
    for m in (
        Metric("count", "count(*)", None, "integer"),
        Metric("sum", "sum({})", frozenset(NUMERIC), None),
        Metric("avg", "avg({})", frozenset(NUMERIC), "float"),
        Metric("min", "min({})", None, None),
        Metric("max", "max({})", None, None),
        Metric("count_distinct", "count(DISTINCT {})", None, "integer"),
    )
}


@dataclass
class AggregateParams:
    group_by: list[tuple[str, str | None]] = field(default_factory=list)
    metrics: list[tuple[str, str | None]] = field(default_factory=lambda: [("count", None)])
    filters: dict[str, Any] = field(default_factory=dict)
    where: str | None = None
    q: str | None = None
    sort: list[tuple[str, bool]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> AggregateParams:
        """From a request's query string; a bad value is a 400 naming the parameter."""
        return cls(
            group_by=[_split(part, "group_by") for part in names(text_param(query, "group_by"))],
            metrics=[_split(part, "metrics") for part in names(text_param(query, "metrics"))]
            or [("count", None)],
            filters=filters_mod.parse(query.get("filters")),
            where=text_param(query, "where"),
            q=(text_param(query, "q") or "").strip() or None,
            sort=parse_sort(text_param(query, "sort")),
            limit=integer(query, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
            offset=integer(query, "offset", 0, 0, 2**62),
        )


def _split(part: str, parameter: str) -> tuple[str, str | None]:
    """`日期:month` → ("日期", "month") for group_by; `sum:数量` → ("sum", "数量") for metrics."""
    head, sep, tail = part.partition(":")
    if not sep:
        return head.strip(), None
    if not head.strip() or not tail.strip():
        raise BadParameter(
            parameter, _("参数 %(param)s 中“%(part)s”不完整。") % {"param": parameter, "part": part}
        )
    return head.strip(), tail.strip()


@dataclass(frozen=True)
class Output:
    """One column of the answer: its name, SQL expression and type."""

    id: str
    sql: str
    type: str
    label: str

    def out(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type, "label": self.label}


def _group(schema: Schema, name: str, bucket: str | None) -> Output:
    column = schema.get(name, "group_by", row_id=False)
    if bucket is None:
        return Output(column.id, column.sql, column.type, column.label)
    if bucket not in BUCKETS or column.type not in TEMPORAL:
        raise BadParameter(
            "group_by",
            _(
                "参数 group_by：时间分段“%(bucket)s”只能用于日期或日期时间列，"
                "可选 year、quarter、month、week、day（列“%(column)s”）。"
            )
            % {"bucket": bucket[:30], "column": column.id},
        )
    cast = "DATE" if column.type == "date" else "TIMESTAMP"
    sql = f"CAST(date_trunc('{bucket}', {column.sql}) AS {cast})"
    label = f"{column.label}（{_(BUCKETS[bucket])}）"
    return Output(f"{column.id}_{bucket}", sql, column.type, label)


def _metric(schema: Schema, name: str, target: str | None) -> Output:
    metric = METRICS.get(name)
    if metric is None:
        raise BadParameter(
            "metrics",
            _(
                "参数 metrics：不支持“%(name)s”。可用：count、sum:列、avg:列、min:列、max:列、"
                "count_distinct:列。"
            )
            % {"name": name[:50]},
        )
    if metric.name == "count":
        return Output("count", "count(*)", "integer", _("计数"))
    if target is None:
        raise BadParameter(
            "metrics", _("参数 metrics：%(name)s 需要列名，如 %(name)s:数值。") % {"name": name}
        )
    column = schema.get(target, "metrics", row_id=False)
    if metric.types is not None and column.type not in metric.types:
        raise BadParameter(
            "metrics",
            _("参数 metrics：%(name)s 只能用于数值列，“%(column)s”不是。")
            % {"name": name, "column": column.id},
        )
    return _metric_output(metric, column)


def _metric_output(metric: Metric, column: Column) -> Output:
    kind = metric.result or column.type
    return Output(
        f"{metric.name}_{column.id}",
        metric.sql.format(column.sql),
        kind,
        f"{metric.name}({column.label})",
    )


def _outputs(schema: Schema, params: AggregateParams) -> tuple[list[Output], list[Output]]:
    groups = [_group(schema, name, bucket) for name, bucket in params.group_by]
    metrics = [_metric(schema, name, target) for name, target in params.metrics]
    groups = list(dict.fromkeys(groups))
    metrics = list(dict.fromkeys(metrics))
    seen: set[str] = set()
    for output in groups + metrics:
        if output.id in seen:
            raise BadParameter(
                "metrics",
                _("参数 metrics：结果列名“%(name)s”与分组列重复。") % {"name": output.id},
            )
        seen.add(output.id)
    return groups, metrics


def _order(groups: list[Output], metrics: list[Output], sort: list[tuple[str, bool]]) -> str:
    """The asked order over result columns, then every group column, so the order is total."""
    by_id = {o.id: o for o in groups + metrics}
    keys: list[str] = []
    for name, desc in sort:
        if name not in by_id:
            raise BadParameter(
                "sort",
                _("参数 sort：没有名为“%(name)s”的结果列。可用：%(known)s。")
                % {"name": name[:100], "known": "、".join(by_id)},
            )
        keys.append(f"{quote(name)} {'DESC NULLS FIRST' if desc else 'ASC NULLS LAST'}")
    keys += [f"{quote(g.id)} ASC NULLS LAST" for g in groups]
    return f"ORDER BY {', '.join(keys)}" if keys else ""


def aggregate(table, params: AggregateParams) -> RowsResult:
    """One record per group (one record in all without group_by), and the number of groups."""
    schema = Schema.of(table)
    groups, metrics = _outputs(schema, params)
    where = combine(conditions(schema, params.filters, params.where, params.q))
    selected = ", ".join(f"{o.sql} AS {quote(o.id)}" for o in groups + metrics)
    grouping = f"GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}" if groups else ""
    order = _order(groups, metrics, params.sort)
    sql = (
        f"SELECT {selected} FROM data WHERE {where.sql} {grouping} {order} "  # noqa: S608
        f"LIMIT {params.limit + 1} OFFSET {params.offset}"
    )
    has_where = bool(params.where)
    with open_table(table) as con:
        rows = run(con, sql, where.params, has_where).rows
        total = _groups_seen(rows, params)
        if total is None:
            total = _count_groups(con, groups, where, has_where) if groups else 1
    ids = [o.id for o in groups + metrics]
    records = [dict(zip(ids, row, strict=True)) for row in rows[: params.limit]]
    return RowsResult([o.out() for o in groups + metrics], records, total, None)


def _groups_seen(rows: list[tuple], params: AggregateParams) -> int | None:
    """The number of groups when the page (fetched one past its limit) shows the last of
    them: nothing past the limit, and the page not past the end (which an empty page past the
    first may be). None when it takes a count."""
    if len(rows) > params.limit or (not rows and params.offset > 0):
        return None
    return params.offset + len(rows)


def _count_groups(con, groups: list[Output], where, has_where: bool) -> int:
    keys = ", ".join(g.sql for g in groups)
    sql = f"SELECT count(*) FROM (SELECT {keys} FROM data WHERE {where.sql} GROUP BY ALL)"  # noqa: S608
    return int(run(con, sql, where.params, has_where).rows[0][0])
