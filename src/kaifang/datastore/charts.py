"""Charts for a table, chosen from its schema and profile, and the chart builder's charts.

Choosing is separate from drawing data: `choose(table)` reads only the fields and the profile
(what ingest already knows), so a page decides its charts without touching the data file; then
`build(table, plan)` asks the query layer for the few numbers each chart needs. The result is a
neutral `Chart` (kind, labels, points) that the page embeds as JSON for ECharts and also prints
as a small table, the charts' text alternative.

Only three kinds are chosen: counts by category for text columns with few distinct values (from
the profile's top values, no query at all), a time series of row counts for a date column, and a
longitude/latitude scatter. No boundary maps: publishing one in China needs a map approval
number. A deployment may name a tile service (KAIFANG_MAP_TILES); only then the scatter is drawn
over tiles.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.core.errors import Invalid
from kaifang.datastore.models import DatastoreTable, FieldType

NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.FLOAT})
TEMPORAL = frozenset({FieldType.DATE, FieldType.DATETIME})
CATEGORY_MAX = 30  # more distinct values than this and a bar of counts says little
CATEGORY_CHARTS = 2
SCATTER_POINTS = 2000
BUILDER_GROUPS = 50
AGGREGATIONS = ("count", "sum", "avg", "min", "max")
LONGITUDE = re.compile(r"(经度|^lng$|^lon$|^long$|^longitude$|^x坐标$)", re.IGNORECASE)
LATITUDE = re.compile(r"(纬度|^lat$|^latitude$|^y坐标$)", re.IGNORECASE)


@dataclass(frozen=True)
class Plan:
    """One chart a table should get: its kind and the columns it reads."""

    kind: str  # "category" | "timeseries" | "scatter"
    columns: tuple[str, ...]
    bucket: str = ""


@dataclass
class Chart:
    """A chart ready to draw: `points` are (x, y) pairs; `total` is how many points the data
    holds when only part is drawn."""

    key: str
    kind: str  # echarts series type: "bar" | "line" | "scatter"
    title: str
    x_label: str
    y_label: str
    points: list[tuple[Any, Any]] = field(default_factory=list)
    tiles: str = ""
    total: int | None = None

    def as_json(self) -> dict[str, Any]:
        """What the page's script reads (embedded with json_script)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "points": [[plain(x), plain(y)] for x, y in self.points],
            "tiles": self.tiles,
        }


def plain(value: Any) -> Any:
    """A JSON-ready value: numbers stay numbers, dates become ISO text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def label_of(table: DatastoreTable, column: str) -> str:
    for f in table.fields:
        if f["id"] == column:
            return f.get("label") or column
    return column


# Choosing


def choose(table: DatastoreTable) -> list[Plan]:
    """The charts a table gets, from its fields and profile alone."""
    plans: list[Plan] = []
    coordinates = coordinate_columns(table)
    if coordinates:
        plans.append(Plan("scatter", coordinates))
    temporal = [f for f in table.fields if f["type"] in TEMPORAL]
    if temporal:
        column = temporal[0]["id"]
        plans.append(Plan("timeseries", (column,), bucket=time_bucket(table.column_stats(column))))
    used = set(coordinates)
    categories = [f["id"] for f in table.fields if _is_category(table, f) and f["id"] not in used]
    plans += [Plan("category", (c,)) for c in categories[:CATEGORY_CHARTS]]
    return plans


def _is_category(table: DatastoreTable, f: dict[str, Any]) -> bool:
    """A text column with a handful of distinct values and known top values."""
    stats = table.column_stats(f["id"])
    distinct = stats.get("distinct") or 0
    return f["type"] == FieldType.TEXT and 2 <= distinct <= CATEGORY_MAX and bool(stats.get("top"))


def coordinate_columns(table: DatastoreTable) -> tuple[str, str] | tuple[()]:
    """(longitude, latitude) when the table has numeric columns named like them and, where
    the profile knows their range, the values fit on the globe."""
    numeric = [f["id"] for f in table.fields if f["type"] in NUMERIC]
    lng = next((c for c in numeric if LONGITUDE.search(c)), None)
    lat = next((c for c in numeric if LATITUDE.search(c)), None)
    if lng is None or lat is None:
        return ()
    if not (_within(table, lng, 180) and _within(table, lat, 90)):
        return ()
    return (lng, lat)


def _within(table: DatastoreTable, column: str, limit: float) -> bool:
    stats = table.column_stats(column)
    for key in ("min", "max"):
        value = stats.get(key)
        if value is None:
            continue
        try:
            if abs(float(value)) > limit:
                return False
        except (TypeError, ValueError):
            return False
    return True


def time_bucket(stats: dict[str, Any] | None) -> str:
    """year, month or day: whichever gives a readable number of points over the column's span."""
    stats = stats or {}
    first, last = _as_date(stats.get("min")), _as_date(stats.get("max"))
    if first is None or last is None:
        return "month"
    days = (last - first).days
    if days > 3 * 366:
        return "year"
    return "month" if days > 92 else "day"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# Drawing


def charts_for(table: DatastoreTable) -> list[Chart]:
    """Every chosen chart of `table` with its data."""
    return [build(table, plan) for plan in choose(table)]


def build(table: DatastoreTable, plan: Plan) -> Chart:
    if plan.kind == "category":
        return _category(table, plan.columns[0])
    if plan.kind == "timeseries":
        return _timeseries(table, plan.columns[0], plan.bucket)
    return _scatter(table, *plan.columns)


def _category(table: DatastoreTable, column: str) -> Chart:
    """Counts by category straight from the profile's top values."""
    top = table.column_stats(column).get("top") or []
    label = label_of(table, column)
    return Chart(
        key=f"category-{column}",
        kind="bar",
        title=_("按“%(column)s”计数") % {"column": label},
        x_label=label,
        y_label=_("行数"),
        points=[("" if v is None else v, n) for v, n in top],
    )


def _timeseries(table: DatastoreTable, column: str, bucket: str) -> Chart:
    from kaifang.datastore.query.aggregate import AggregateParams, aggregate

    group = f"{column}:{bucket}"
    params = AggregateParams.from_query({"group_by": group, "metrics": "count"})
    result = aggregate(table, params)
    key = _group_key(result)
    points = [(r.get(key), r.get("count")) for r in result.records if r.get(key) is not None]
    label = label_of(table, column)
    units = {"year": _("年"), "month": _("月"), "day": _("日")}
    return Chart(
        key=f"timeseries-{column}",
        kind="line",
        title=_("按“%(column)s”（每%(unit)s）计数") % {"column": label, "unit": units[bucket]},
        x_label=label,
        y_label=_("行数"),
        points=sorted(points, key=lambda p: str(plain(p[0]))),
    )


def _group_key(result: Any) -> str:
    """The record key of the group column: the aggregate lists group columns first (a bucketed
    date is named like `日期_month`)."""
    return result.fields[0]["id"]


def _scatter(table: DatastoreTable, lng: str, lat: str) -> Chart:
    from kaifang.datastore.query.rows import RowsParams, query_rows

    params = RowsParams.from_query({"fields": f"{lng},{lat}", "limit": str(SCATTER_POINTS)})
    result = query_rows(table, params)
    points = [(r[lng], r[lat]) for r in result.records if None not in (r[lng], r[lat])]
    return Chart(
        key=f"scatter-{lng}-{lat}",
        kind="scatter",
        title=_("位置分布"),
        x_label=label_of(table, lng),
        y_label=label_of(table, lat),
        points=points,
        tiles=settings.KAIFANG.get("MAP_TILES", ""),
        total=result.total,
    )


# The chart builder


@dataclass(frozen=True)
class Builder:
    """The builder's state, all of it in the URL: x (the grouping column), y (the measured
    column, none for a count) and the aggregation."""

    x: str
    y: str
    agg: str

    @classmethod
    def from_query(cls, query: Any, table: DatastoreTable) -> Builder | None:
        """The state in `query`, None when no x is chosen. Raises Invalid naming the parameter."""
        x = (query.get("x") or "").strip()
        if not x:
            return None
        ids = {f["id"]: f for f in table.fields}
        if x not in ids:
            raise Invalid(_("参数 x：没有名为“%(c)s”的列。") % {"c": x[:50]}, errors={"x": ["x"]})
        agg = (query.get("agg") or "count").strip()
        if agg not in AGGREGATIONS:
            raise Invalid(
                _("参数 agg 应为 %(all)s 之一（收到“%(v)s”）。")
                % {"all": "、".join(AGGREGATIONS), "v": agg[:20]},
                errors={"agg": ["agg"]},
            )
        y = (query.get("y") or "").strip()
        if agg == "count":
            return cls(x, "", agg)
        if y not in ids or ids[y]["type"] not in NUMERIC:
            raise Invalid(
                _("参数 y：%(agg)s 需要一个数值列（收到“%(v)s”）。") % {"agg": agg, "v": y[:50]},
                errors={"y": ["y"]},
            )
        return cls(x, y, agg)


def builder_chart(table: DatastoreTable, state: Builder) -> Chart:
    """The builder's chart: one aggregate grouped by x; dates are bucketed as the time series
    is, so a chart over years of daily rows stays readable."""
    from kaifang.datastore.query.aggregate import AggregateParams, aggregate

    x_field = next(f for f in table.fields if f["id"] == state.x)
    temporal = x_field["type"] in TEMPORAL
    group = f"{state.x}:{time_bucket(table.column_stats(state.x))}" if temporal else state.x
    metric = "count" if state.agg == "count" else f"{state.agg}:{state.y}"
    metric_key = "count" if state.agg == "count" else f"{state.agg}_{state.y}"
    query = {"group_by": group, "metrics": metric, "limit": str(BUILDER_GROUPS)}
    if not temporal:
        query["sort"] = f"{metric_key} desc"
    result = aggregate(table, AggregateParams.from_query(query))
    key = _group_key(result)
    points = [(r.get(key), r.get(metric_key)) for r in result.records]
    if temporal:
        points = sorted((p for p in points if p[0] is not None), key=lambda p: str(plain(p[0])))
    y_label = _measure_label(table, state)
    return Chart(
        key="builder",
        kind="line" if temporal else "bar",
        title=f"{y_label} · {label_of(table, state.x)}",
        x_label=label_of(table, state.x),
        y_label=y_label,
        points=points,
    )


def _measure_label(table: DatastoreTable, state: Builder) -> str:
    """ "行数", or the measured column with its aggregation: "数量（合计）"."""
    names = (_("行数"), _("合计"), _("平均值"), _("最小值"), _("最大值"))
    name = dict(zip(AGGREGATIONS, names, strict=True))[state.agg]
    return name if state.agg == "count" else f"{label_of(table, state.y)}（{name}）"
