"""The API's downloads of a table in every format: `GET /resources/{id}/export.{fmt}`. The
answer is the stored export (kaifang.datastore.downloads), behind the same visibility gate and
conditional access as the original file."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kaifang.catalog.api.schemas import ErrorOut
from kaifang.catalog.models import Resource
from kaifang.core.errors import NotFound
from kaifang.datastore.downloads import resource_export_response

router = Router(tags=["数据接口"])

_FORMATS = ("csv", "json", "xml", "xlsx", "parquet")
_MEDIA = {
    "text/csv": "CSV（默认 UTF-8 带 BOM）",
    "application/json": "JSON 对象数组",
    "application/xml": "XML，每行一个 <row>",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.apache.parquet": "Parquet（不含 _row_id）",
}


class PendingOut(Schema):
    status: str
    message: str
    retry_after: int


@router.get(
    "/resources/{resource_id}/export.{fmt}",
    response={202: PendingOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 401: ErrorOut},
    url_name="resource-export",
    summary="下载数据表的导出文件",
    description=(
        "数据表的预先导出文件，fmt 为 "
        + "、".join(_FORMATS)
        + "。CSV 默认 UTF-8 带 BOM（Excel 可直接打开），`encoding=utf-8` 或 `gb18030` 另取；"
        "工作簿有多个工作表时用 `sheet` 选择。支持 Range、ETag（If-None-Match）与 "
        "Last-Modified；尚未生成时答 202 并给出 Retry-After。以 = + - @ 开头的文本在 CSV 中"
        "加单引号前缀、在 XLSX 中写为文本，防止公式注入。"
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "导出文件",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary", "description": text}}
                    for media, text in _MEDIA.items()
                },
            },
            "206": {"description": "Range 请求的部分内容"},
            "304": {"description": "未修改（If-None-Match / If-Modified-Since）"},
            "416": {"description": "请求的范围超出文件大小"},
        }
    },
)
def export_resource(
    request: HttpRequest,
    resource_id: uuid.UUID,
    fmt: str,
    encoding: str | None = None,
    sheet: str | None = None,
) -> HttpResponse:
    resource = (
        Resource.objects.select_related("dataset", "dataset__department")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        raise NotFound(_("未找到该资源。"))
    return resource_export_response(request, resource, fmt, encoding, sheet)
