"""The datastore's HTTP API: rows, aggregates, schema and read-only SQL of a resource's data,
and the one write: rows appended or replaced with an API token.

Each endpoint is thin: the resource comes through catalog.selectors (the visibility gate: 404
for what the caller may not see), conditional data needs a grant (403 需申请), the table is the
resource's published version's, the call is counted, and the query functions do the rest.
Parameters are read from the query string by the query functions themselves, so a bad one gets
the same 400 naming it from every caller; the schemas only document them. The write goes
through the same gate, then to `dynamic.append_rows`, which checks the token's user may author
in the department.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel

from kaifang.analytics.services import count_api_call
from kaifang.catalog import selectors, visibility
from kaifang.catalog.api.schemas import ErrorOut
from kaifang.catalog.models import Resource
from kaifang.core.audit import Actor
from kaifang.core.errors import AccessRequired, KaifangError, NotFound, UploadTooLarge
from kaifang.datastore import dynamic, throttle
from kaifang.datastore.api import formats, schemas
from kaifang.datastore.incoming import RecordsInvalid
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.query.aggregate import AggregateParams, aggregate
from kaifang.datastore.query.rows import RowsParams, query_rows
from kaifang.datastore.query.sql import run_sql

router = Router(tags=["数据接口"])


class TokenRequired(KaifangError):
    """A write without an API token: a signed-in session only reads (the API makes no CSRF
    checks)."""

    code = "token_required"
    status = 401


def errors(*statuses: int) -> dict[int, type]:
    return dict.fromkeys((401, 403, 404, *statuses), ErrorOut)


def parameters(model: type[BaseModel], path: bool = True) -> list[dict[str, Any]]:
    """OpenAPI parameters of an operation, from a schema class. The view reads them from the
    query string itself (so a bad value is our 400, not a generic validation error)."""
    found: list[dict[str, Any]] = []
    if path:
        found.append(
            {
                "in": "path",
                "name": "resource_id",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
                "description": "资源 ID",
            }
        )
    spec = model.model_json_schema()
    for name, prop in spec.get("properties", {}).items():
        description = prop.pop("description", "")
        prop.pop("title", None)
        found.append(
            {"in": "query", "name": name, "required": False, "schema": prop}
            | ({"description": description} if description else {})
        )
    return found


def readable_table(request: HttpRequest, resource_id: uuid.UUID, sheet: str = "") -> DatastoreTable:
    """The ready table (of `sheet`, else the first) of the resource's published version, for
    `request.auth`: 404 when the resource is not visible or has no queryable data, 403 需申请
    for conditional data without a grant. The call counts as an API call on the resource."""
    resource = selectors.get_resource(resource_id, request.auth)
    if not visibility.can_access_data(request.auth, resource.dataset):
        raise AccessRequired(_("该数据为有条件开放数据，需申请后访问"))
    table = _current_table(resource, sheet)
    count_api_call(resource)
    return table


def _current_table(resource: Resource, sheet: str) -> DatastoreTable:
    tables = DatastoreTable.objects.filter(
        version_id=resource.current_version_id, status=DatastoreTable.Status.READY
    ).order_by("position")
    table = tables.filter(sheet=sheet).first() if sheet else tables.first()
    if table is not None:
        return table
    if sheet and tables.exists():
        names = "、".join(t.sheet for t in tables)
        raise NotFound(
            _("没有名为“%(sheet)s”的工作表。可用：%(names)s。")
            % {"sheet": sheet[:100], "names": names}
        )
    raise NotFound(_("该资源暂无可查询的数据（不是表格数据，或正在处理中）。"))


@router.get(
    "/resources/{resource_id}/rows",
    response={200: schemas.RowsOut, **errors(400, 422)},
    url_name="resource-rows",
    summary="查询数据行",
    description="按列、筛选条件、条件表达式、关键词和排序取数据行，分页（offset 或 cursor）。"
    "一页最多 10000 行。format 可取 csv、xlsx、xml，含经纬度列时另有 geojson。",
    openapi_extra={"parameters": parameters(schemas.RowsQuery)},
)
def rows(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    table = readable_table(request, resource_id, request.GET.get("sheet", ""))
    fmt = formats.requested(request, geo=True, table=table)
    params = RowsParams.from_query(request.GET)
    if fmt == "geojson" and params.fields:
        # The points need their coordinates whatever columns were asked for.
        params.fields += [
            c for c in formats.coordinates(table.fields) or () if c not in params.fields
        ]
    result = query_rows(table, params)
    return formats.respond(request, result, fmt, table, "rows")


@router.post(
    "/resources/{resource_id}/rows",
    response={200: schemas.RowsWrittenOut, **errors(400, 409, 413, 422)},
    url_name="resource-rows",
    summary="追加或替换数据行",
    description="用 API 令牌向已发布的表格资源写入数据行：mode 为 append 时追加到现有数据之后，"
    "为 replace 时以这些记录替换全部数据。须带令牌（登录会话不能写入，答 401），令牌的用户须为"
    "资源所属部门的数据发布员或管理员（否则答 403）。记录以列名（数据结构接口中的 id，不是显示名）"
    "为键，缺少的列为空值；值须符合列的类型：整数、定点数（小数位不超过该列）、数值、日期（如 "
    "2024-05-01）、日期时间（如 2024-05-01 08:30:00）、布尔值（是/否、true/false、1/0）、文本。"
    "有一条不符合即全部不写入，答 400，error.fields 按 records[序号].列名 列出问题。一次最多写入 "
    "KAIFANG_APPEND_MAX_ROWS 条（默认 10000），超出答 413。写入不改变数据结构，无需审核，"
    "记入审计日志；数据结构接口的 refreshed_at 和 generation 随之更新。请求体不超过 10 MB。",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schemas.RowsIn.model_json_schema()}},
        }
    },
)
def write_rows(request: HttpRequest, resource_id: uuid.UUID):
    token = getattr(request, "api_token", None)
    if token is None:
        raise TokenRequired(
            _("写入数据需要 API 令牌：请在 Authorization 请求头中提供“Bearer <令牌>”。")
        )
    resource = selectors.get_resource(resource_id, request.auth)
    body = _json_object(request)
    written = dynamic.append_rows(
        Actor.for_token(token),
        resource,
        body.get("records"),
        body.get("mode", dynamic.APPEND),
        body.get("sheet") or "",
    )
    table = written.table
    return {
        "resource": str(table.resource_id),
        "sheet": table.sheet,
        "mode": written.mode,
        "rows_added": written.rows_added,
        "row_count": table.row_count,
        "refreshed_at": table.refreshed_at,
        "generation": table.generation,
    }


def _json_object(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object (schemas.RowsIn documents it), read here rather than by
    ninja so every refusal is the API's, in Chinese: past Django's limit on a body held in
    memory 413, not a JSON object 400."""
    try:
        raw = request.body
    except RequestDataTooBig:
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        raise UploadTooLarge(
            _("请求体超过 %(limit)s 的上限，请分批提交。") % {"limit": limit}
        ) from None
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = _('请求体应为 JSON 对象，如 {"records": [{"列名": "值"}], "mode": "append"}。')
        raise RecordsInvalid(message, errors={"body": [message]})
    if not isinstance(body.get("sheet", ""), str):
        message = _("参数 sheet 应为工作表名（文本）。")
        raise RecordsInvalid(message, errors={"sheet": [message]})
    return body


@router.get(
    "/resources/{resource_id}/aggregate",
    response={200: schemas.RowsOut, **errors(400, 422, 429)},
    url_name="resource-aggregate",
    summary="分组统计",
    description="按列或日期分段分组，计算 count、sum、avg、min、max、count_distinct；"
    "可与数据行接口同样筛选。答复与数据行接口同形，每组一条。",
    openapi_extra={"parameters": parameters(schemas.AggregateQuery)},
)
def aggregate_rows(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    table = readable_table(request, resource_id, request.GET.get("sheet", ""))
    fmt = formats.requested(request, geo=False, table=table)
    params = AggregateParams.from_query(request.GET)
    with throttle.limited(request, "aggregate"):
        result = aggregate(table, params)
    return formats.respond(request, result, fmt, table, "aggregate")


@router.get(
    "/resources/{resource_id}/schema",
    response={200: schemas.SchemaOut, **errors(422)},
    url_name="resource-schema",
    summary="数据结构",
    description="数据表的列（信息项）：名称、类型、显示名、说明、单位，以及行数、"
    "最近一次通过接口更新数据的时间（refreshed_at）和数据的代次（generation）。",
    openapi_extra={"parameters": parameters(schemas.TableQuery)},
)
def table_schema(request: HttpRequest, resource_id: uuid.UUID):
    table = readable_table(request, resource_id, request.GET.get("sheet", ""))
    siblings = DatastoreTable.objects.filter(
        version_id=table.version_id, status=DatastoreTable.Status.READY
    ).order_by("position")
    return {
        "resource": str(table.resource_id),
        "version": table.version.number,
        "sheet": table.sheet,
        "row_count": table.row_count,
        "refreshed_at": table.refreshed_at,
        "generation": table.generation,
        "fields": _schema_fields(table),
        "tables": [
            {"sheet": t.sheet, "row_count": t.row_count, "fields": _schema_fields(t)}
            for t in siblings
        ],
        "table_names": ["data", str(table.resource_id)],
    }


def _schema_fields(table: DatastoreTable) -> list[dict[str, str]]:
    keys = ("id", "type", "label", "description", "unit")
    return [
        {k: str(f.get(k) or (f["id"] if k == "label" else "")) for k in keys} for f in table.fields
    ]


@router.post(
    "/resources/{resource_id}/sql",
    response={200: schemas.SqlOut, **errors(400, 422, 429)},
    url_name="resource-sql",
    summary="SQL 查询",
    description="一条只读 SELECT 语句，表名为 data（也可用资源 ID）。不能读取其他表或文件，"
    "有执行时间和结果行数上限（最多 10000 行，超出时 truncated 为 true）。",
)
def sql(request: HttpRequest, resource_id: uuid.UUID, body: schemas.SqlIn) -> HttpResponse:
    table = readable_table(request, resource_id, body.sheet)
    with throttle.limited(request, "sql"):
        result = run_sql(table, body.sql, limit=formats.SQL_LIMIT)
    return formats.respond(request, result, "json", table, "sql")
