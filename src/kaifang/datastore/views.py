"""The data preview: on the dataset page, each tabular resource shows a page of its rows (sortable,
filterable), its column profile, charts, a chart builder and ready-to-copy API code.

Everything is rendered on the server and every control is a link or a GET form, so the preview
works without JavaScript: links lead to the preview page `/resources/<id>/preview` (or
`/chart` for the builder), which shows the same sections for one resource. With htmx, the same
requests carry HX-Request and get back only the table (or the builder), swapped in place.
The rows come from the query layer, the same functions the rows API calls, through the same
visibility gate as downloads: 404 for what the visitor may not see, "需申请" for conditional data
without a grant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import logging
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kaifang.catalog import permissions, visibility
from kaifang.catalog.models import Resource
from kaifang.core.errors import Invalid, KaifangError
from kaifang.datastore import charts, snippets
from kaifang.datastore.models import DatastoreTable, FieldType
from kaifang.web import querystring

logger = logging.getLogger("kaifang.datastore")

PAGE_SIZE = 20
TABLE_KEYS = ("page", "sort", "order", "col", "val", "q")
BUILDER_KEYS = ("x", "y", "agg")
TOP_SHOWN = 5


# Which tables


def ready_tables(resources: list[Resource]) -> dict[uuid.UUID, list[DatastoreTable]]:
    """The ready tables of each resource's current version, in one query for the whole page."""
    current = {r.current_version_id: r.pk for r in resources if r.current_version_id}
    found: dict[uuid.UUID, list[DatastoreTable]] = {}
    if not current:
        return found
    tables = DatastoreTable.objects.filter(
        version_id__in=list(current), status=DatastoreTable.Status.READY
    ).order_by("position")
    for table in tables:
        found.setdefault(current[table.version_id], []).append(table)
    return found


def _pick(tables: list[DatastoreTable], wanted: str | None) -> DatastoreTable:
    if not wanted:
        return tables[0]
    for table in tables:
        if str(table.pk) == wanted:
            return table
    raise Invalid(
        _("参数 table：该资源没有编号为“%(v)s”的数据表。") % {"v": wanted[:40]},
        errors={"table": ["unknown"]},
    )


# The table's query


@dataclass(frozen=True)
class TableQuery:
    """What the visitor asked of the table: page, sort column and order, one column filter
    (col, val) and a search text (q)."""

    page: int = 1
    sort: str = ""
    order: str = "asc"
    col: str = ""
    val: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: QueryDict, table: DatastoreTable) -> TableQuery:
        """Read and check the parameters; Invalid names the one that is wrong, in Chinese."""
        ids = {f["id"] for f in table.fields}
        sort = (query.get("sort") or "").strip()
        col = (query.get("col") or "").strip()
        for name, value in (("sort", sort), ("col", col)):
            if value and value not in ids:
                raise Invalid(
                    _("参数 %(p)s：没有名为“%(c)s”的列。") % {"p": name, "c": value[:50]},
                    errors={name: ["unknown column"]},
                )
        order = (query.get("order") or "asc").strip()
        if order not in ("asc", "desc"):
            raise Invalid(
                _("参数 order 应为 asc 或 desc（收到“%(v)s”）。") % {"v": order[:20]},
                errors={"order": ["invalid"]},
            )
        return cls(
            page=querystring.page_number(query.get("page")),
            sort=sort,
            order=order,
            col=col,
            val=(query.get("val") or "").strip()[:200] if col else "",
            q=(query.get("q") or "").strip()[:200],
        )

    def rows_query(self, table: DatastoreTable) -> dict[str, str]:
        """The same request in the rows API's terms, for RowsParams.from_query."""
        params = {"limit": str(PAGE_SIZE), "offset": str((self.page - 1) * PAGE_SIZE)}
        if self.sort:
            params["sort"] = f"{self.sort} desc" if self.order == "desc" else self.sort
        if self.q:
            params["q"] = self.q
        if self.col and self.val:
            params["filters"] = json.dumps(_filter(table, self.col, self.val), ensure_ascii=False)
        return params


def _filter(table: DatastoreTable, column: str, text: str) -> dict[str, Any]:
    """A text column is searched by substring; other columns by equality, the value checked by
    the query layer's own type rules so the message can name the form's field."""
    from kaifang.datastore.query.filters import CONVERTERS

    kind = next(f["type"] for f in table.fields if f["id"] == column)
    if kind == FieldType.TEXT:
        return {column: {"contains": text}}
    try:
        CONVERTERS[kind](text)
    except (ValueError, TypeError, OverflowError):
        raise Invalid(
            _("筛选值“%(v)s”不是列“%(c)s”的%(t)s。")
            % {"v": text[:50], "c": column, "t": FieldType(kind).label},
            errors={"val": ["invalid"]},
        ) from None
    return {column: text}


# Rendering the table


def cell(value: Any) -> str:
    """A value as the table shows it: empty for null, 是/否, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | decimal.Decimal):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def grid_context(request: HttpRequest, resource: Resource, table: DatastoreTable, query: QueryDict):
    """The table section: one page of rows with sort links, the filter form and page links;
    a bad parameter gives `error` instead of rows."""
    from kaifang.datastore.query.rows import RowsParams, query_rows

    action = reverse("datastore:resource-preview", args=[resource.pk])
    base = {"table": table, "resource": resource, "action": action, "fields": table.fields}
    try:
        asked = TableQuery.from_query(query, table)
        result = query_rows(table, RowsParams.from_query(asked.rows_query(table)))
    except KaifangError as exc:  # a bad parameter, a timeout, a missing data file
        return {**base, "error": exc.message, "asked": TableQuery(), "keep": _keep(query, ())}
    pages = max(1, math.ceil((result.total or 0) / PAGE_SIZE))
    return {
        **base,
        "asked": asked,
        "columns": _columns(action, query, table, asked),
        "rows": [
            [(cell(r.get(f["id"])), f["type"] in charts.NUMERIC) for f in table.fields]
            for r in result.records
        ],
        "total": result.total,
        "page": asked.page,
        "page_total": pages,
        "pages": _pages(action, query, asked.page, pages),
        "keep": _keep(query, ("col", "val", "q")),
        "clear": action + querystring.replace(query, col=None, val=None, q=None),
    }


def _columns(action: str, query: QueryDict, table: DatastoreTable, asked: TableQuery):
    """Each header with the link that sorts by it (ascending first, then the other way)."""
    columns = []
    for f in table.fields:
        on = asked.sort == f["id"]
        order = "desc" if on and asked.order == "asc" else "asc"
        columns.append(
            {
                "id": f["id"],
                "label": f.get("label") or f["id"],
                "unit": f.get("unit") or "",
                "type": FieldType(f["type"]).label if f["type"] in FieldType.values else "",
                "href": action + querystring.replace(query, sort=f["id"], order=order),
                "aria_sort": ("ascending" if asked.order == "asc" else "descending") if on else "",
            }
        )
    return columns


def _pages(action: str, query: QueryDict, current: int, total: int) -> dict[str, Any]:
    def href(n: int) -> str:
        return action + querystring.replace(query, keep_page=True, page=n)

    shown = sorted(n for n in {1, total, *range(current - 2, current + 3)} if 1 <= n <= total)
    return {
        "prev": href(current - 1) if current > 1 else "",
        "next": href(current + 1) if current < min(total, querystring.MAX_PAGE) else "",
        "numbers": [{"n": n, "href": href(n), "current": n == current} for n in shown],
    }


def _keep(query: QueryDict, own: tuple[str, ...]) -> list[tuple[str, str]]:
    """Parameters a form must carry as hidden inputs: everything in the query but its own
    fields and the page (a new filter starts on page 1)."""
    return [(k, v) for k, v in query.items() if k not in own and k != "page"]


# Profile, charts, builder, API


def profile_rows(table: DatastoreTable) -> list[dict[str, Any]]:
    """One row per column of the profile ingest computed: nulls, distinct, min/max, top values."""
    rows = []
    for f in table.fields:
        stats = table.column_stats(f["id"])
        top = stats.get("top") or []
        rows.append(
            {
                "label": f.get("label") or f["id"],
                "type": FieldType(f["type"]).label if f["type"] in FieldType.values else f["type"],
                "nulls": stats.get("nulls"),
                "distinct": stats.get("distinct"),
                "min": cell(stats.get("min")),
                "max": cell(stats.get("max")),
                "top": [(cell(v), n) for v, n in top[:TOP_SHOWN]],
            }
        )
    return rows


def chart_items(table_charts: list[charts.Chart], prefix: str) -> list[dict[str, Any]]:
    """Charts with a page-unique id for their embedded JSON and their text alternative."""
    return [
        {
            "chart": chart,
            "dom_id": f"{prefix}-{n}",
            "data_id": f"{prefix}-{n}-data",
            "data": chart.as_json(),
            "shown": [(charts.plain(x), charts.plain(y)) for x, y in chart.points[:20]],
        }
        for n, chart in enumerate(table_charts)
    ]


def builder_context(resource: Resource, table: DatastoreTable, query: QueryDict) -> dict:
    """The chart builder: the form (its state from the URL), the chart or the error, and the
    address that shares this chart."""
    action = reverse("datastore:resource-chart", args=[resource.pk])
    numeric = [f for f in table.fields if f["type"] in charts.NUMERIC]
    context: dict[str, Any] = {
        "table": table,
        "action": action,
        "fields": table.fields,
        "numeric": numeric,
        "aggregations": _aggregation_labels(),
        "keep": _keep(query, BUILDER_KEYS),
        "state": {k: query.get(k, "") for k in BUILDER_KEYS},
    }
    try:
        state = charts.Builder.from_query(query, table)
        if state is not None:
            chart = charts.builder_chart(table, state)
            context["charts"] = chart_items([chart], f"cb-{table.pk}")
            context["share"] = action + querystring.replace(query, keep_page=True)
    except KaifangError as exc:
        context["error"] = exc.message
    return context


def _aggregation_labels() -> list[tuple[str, str]]:
    labels = (_("计数"), _("求和"), _("平均值"), _("最小值"), _("最大值"))
    return list(zip(charts.AGGREGATIONS, labels, strict=True))


def api_doc(resource: Resource) -> dict[str, str] | None:
    """The parameter list and sample response a publisher documented for an external API."""
    if resource.kind != Resource.Kind.API:
        return None
    parameters = (resource.metadata or {}).get("api_parameters") or ""
    sample = (resource.metadata or {}).get("api_sample") or ""
    if not parameters and not sample:
        return None
    with contextlib.suppress(TypeError, ValueError):  # not JSON (XML, text): shown as written
        sample = json.dumps(json.loads(sample), ensure_ascii=False, indent=2)
    return {"parameters": parameters, "sample": sample}


# The whole section of one resource


def preview_context(
    request: HttpRequest,
    resource: Resource,
    tables: list[DatastoreTable],
    *,
    can_access: bool,
    query: QueryDict | None = None,
) -> dict[str, Any] | None:
    """Everything one resource's preview section shows; None when it has nothing to show."""
    query = QueryDict() if query is None else query
    doc = api_doc(resource)
    if not tables:
        return {"resource": resource, "api_doc": doc} if doc else None
    if not can_access:
        return {"resource": resource, "api_doc": doc, "access": False}
    table = _pick(tables, query.get("table"))
    if len(tables) > 1 and "table" not in query:
        query = query.copy()
        query["table"] = str(table.pk)
    return {
        "resource": resource,
        "api_doc": doc,
        "access": True,
        "table": table,
        "sheets": _sheets(resource, tables, table),
        "grid": grid_context(request, resource, table, query),
        "profile": profile_rows(table),
        "charts": chart_items(charts.charts_for(table), f"chart-{table.pk}"),
        "builder": builder_context(resource, table, query),
        "endpoints": snippets.endpoints(resource, table),
    }


def _sheets(resource: Resource, tables: list[DatastoreTable], current: DatastoreTable):
    if len(tables) < 2:
        return []
    url = reverse("datastore:resource-preview", args=[resource.pk])
    return [
        {
            "label": t.sheet or _("表%(n)d") % {"n": n},
            "href": f"{url}?table={t.pk}",
            "current": t == current,
        }
        for n, t in enumerate(tables, start=1)
    ]


def attach_previews(request: HttpRequest, resources: list[Resource], *, can_access: bool) -> bool:
    """Give each resource of the dataset page its `preview` (or None), in their default state,
    and its `refreshed_at` (when rows were last written to its tables through the API, or
    None); True when any has a preview (the page then loads the preview's script and styles)."""
    found = ready_tables(resources)
    for resource in resources:
        resource.preview = None
        tables = found.get(resource.pk, [])
        resource.refreshed_at = refreshed_at(tables)
        key = _preview_key(request, resource, tables, can_access)
        html = cache.get(key)
        if html is None:
            try:
                preview = preview_context(request, resource, tables, can_access=can_access)
            except KaifangError:  # e.g. a data file gone missing: the page still shows
                logger.exception("preview of resource %s failed", resource.pk)
                continue
            html = (
                render_to_string("datastore/_preview.html", {"preview": preview}, request)
                if preview
                else ""
            )
            cache.set(key, html, PREVIEW_CACHE_SECONDS)
        if html:
            resource.preview = mark_safe(html)  # noqa: S308 — rendered from our own template
    return any(r.preview for r in resources)


def refreshed_at(tables: list[DatastoreTable]) -> dt.datetime | None:
    """When rows were last appended to or replaced in any of the tables (None: never)."""
    return max((t.refreshed_at for t in tables if t.refreshed_at), default=None)


#: A generation of a table's data never changes, so a preview in its default state is kept an
#: hour; the key names the tables and their generations, the resource's last change, the
#: language, the host, access and the settings the preview shows (map tiles, the site's domain
#: in the snippets).
PREVIEW_CACHE_SECONDS = 3600


def _preview_key(request: HttpRequest, resource: Resource, tables, can_access: bool) -> str:
    parts = [
        get_language() or "",
        request.get_host(),
        settings.KAIFANG.get("MAP_TILES") or "",
        settings.KAIFANG["SITE"]["domain"],
        str(int(can_access)),
        str(resource.pk),
        resource.updated_at.isoformat() if resource.updated_at else "",
        *(f"{t.pk}:{t.generation}" for t in tables),
    ]
    return "kaifang:preview:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


# The views


def _resource(request: HttpRequest, resource_id: uuid.UUID) -> tuple[Resource, bool]:
    """The resource if the visitor may see it (else 404), and whether they may read its data.
    Unpublished datasets and pending resources are for insiders, as for downloads."""
    resource = (
        Resource.objects.select_related("dataset", "dataset__department")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        raise Http404(_("未找到该资源。"))
    dataset = resource.dataset
    insider = permissions.is_insider(request.user, dataset)
    hidden = resource.pending_revision_id is not None and not insider
    if hidden or not visibility.is_visible(request.user, dataset, include_unpublished=insider):
        raise Http404(_("未找到该资源，或您无权查看。"))
    return resource, visibility.can_access_data(request.user, dataset)


def _respond(request: HttpRequest, resource_id: uuid.UUID, fragment: str) -> HttpResponse:
    """The whole preview page, or with htmx only `fragment` ("grid" or "builder")."""
    resource, can_access = _resource(request, resource_id)
    if not can_access:
        return _full_page(request, resource, {"resource": resource, "access": False}, status=403)
    tables = ready_tables([resource]).get(resource.pk, [])
    try:
        preview = preview_context(
            request, resource, tables, can_access=can_access, query=request.GET
        )
    except Invalid as exc:
        return _full_page(request, resource, {"error": exc.message}, status=400)
    if preview is None:
        raise Http404(_("该资源暂无可预览的数据。"))
    status = 400 if preview.get(fragment, {}).get("error") else 200
    if request.headers.get("HX-Request") and preview.get(fragment):
        template = "datastore/_grid.html" if fragment == "grid" else "datastore/_builder.html"
        return render(request, template, {fragment: preview[fragment]}, status=status)
    return _full_page(request, resource, preview, status=status)


def _full_page(
    request: HttpRequest, resource: Resource, preview: dict, *, status: int
) -> HttpResponse:
    context = {"resource": resource, "dataset": resource.dataset, "preview": preview}
    return render(request, "datastore/preview_page.html", context, status=status)


@require_safe
def resource_preview(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """数据预览: a page of rows (with htmx, just the table)."""
    return _respond(request, resource_id, "grid")


@require_safe
def resource_chart(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """The chart builder's shareable address (with htmx, just the builder)."""
    return _respond(request, resource_id, "builder")
