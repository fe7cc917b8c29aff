"""Downloads of a table's exports (CSV, JSON, XML, XLSX, Parquet), for the page link and the API.

The same gate as the original file's download (kaifang.catalog.downloads): 404 for what the user
may not see, 403 "需申请" for conditional data without a grant. The stored export is then
streamed as a file with its ETag (the sha256) and Last-Modified, answering conditional requests
(304, 412) and single byte ranges (206, 416). No request runs an export: one not made yet is
queued and the answer is 202 "正在生成，请稍后再试" with Retry-After. One made from an older
generation of the data (rows were appended or replaced since) is still served while its
successor is made, and asked for again in case the job the change queued was lost.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import IO, Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.html import format_html
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kaifang.analytics.services import count_download
from kaifang.catalog import permissions, visibility
from kaifang.catalog.downloads import ACCESS_TEMPLATE, content_disposition
from kaifang.catalog.models import Resource, State
from kaifang.core.errors import AccessRequired, KaifangError, NotFound
from kaifang.datastore import exporters
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.models import DatastoreTable

RETRY_AFTER_SECONDS = 30
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|]')


@require_safe
def export_view(request: HttpRequest, resource_id: uuid.UUID, fmt: str) -> HttpResponse:
    """The page link `datastore:resource-export` (`/resources/<id>/export.<fmt>`)."""
    resource = (
        Resource.objects.select_related("dataset", "dataset__department")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        return _refuse(request, NotFound(_("未找到该资源。")))
    return resource_export_response(
        request, resource, fmt, request.GET.get("encoding"), request.GET.get("sheet")
    )


def resource_export_response(
    request: HttpRequest,
    resource: Resource,
    fmt: str,
    encoding: str | None = None,
    sheet: str | None = None,
) -> HttpResponse:
    """The export of `resource`'s table (the first, or the one of `sheet`) for the user."""
    try:
        public = _gate(request, resource)
        key = exporters.export_key(fmt, encoding)
        table = _table(resource, sheet)
    except KaifangError as exc:
        return _refuse(request, exc)
    return _serve(request, table, key, public)


def export_response(
    request: HttpRequest, table: DatastoreTable, fmt: str, encoding: str | None = None
) -> HttpResponse:
    """The export `fmt` (and CSV `encoding`) of `table` for `request.user`, or the refusal."""
    try:
        public = _gate(request, table.resource)
        key = exporters.export_key(fmt, encoding)
        if table.version_id != table.resource.current_version_id:
            raise NotFound(_("该数据表不属于资源的当前版本。"))
    except KaifangError as exc:
        return _refuse(request, exc)
    return _serve(request, table, key, public)


def _gate(request: HttpRequest, resource: Resource) -> bool:
    """The visibility gate and conditional access, as for the original file; returns whether
    a download would be counted (public data only)."""
    user = request.user
    dataset = resource.dataset
    insider = permissions.is_insider(user, dataset)
    hidden = resource.pending_revision_id is not None and not insider
    if hidden or not visibility.is_visible(user, dataset, include_unpublished=insider):
        raise NotFound(_("未找到该资源，或您无权查看。"))
    if not visibility.can_access_data(user, dataset):
        raise AccessRequired(_("该数据为有条件开放数据，需申请后下载"))
    return dataset.state == State.PUBLISHED and resource.pending_revision_id is None


def _table(resource: Resource, sheet: str | None) -> DatastoreTable:
    """The table of the resource's current version to export: the one of `sheet`, else the
    first."""
    tables = DatastoreTable.objects.filter(version_id=resource.current_version_id)
    if sheet:
        tables = tables.filter(sheet=sheet)
    table = tables.exclude(status=DatastoreTable.Status.FAILED).order_by("position").first()
    if table is None:
        message = (
            _("该资源没有名为“%(sheet)s”的数据表。") % {"sheet": sheet[:100]}
            if sheet
            else _("该资源没有可导出的数据表。")
        )
        raise NotFound(message)
    table.resource = resource
    return table


def _serve(request: HttpRequest, table: DatastoreTable, key: str, public: bool) -> HttpResponse:
    """The stored export as a file, or "正在生成" when it is not made yet."""
    ready = table.status == table.Status.READY
    record = exporters.stored_export(table, key) if ready else None
    if ready and (record is None or record.get("generation", 0) < table.generation):
        exporters.queue_exports(table, (key,))
    if record is None:
        return _pending(request)
    etag = f'"{record["sha256"]}"'
    modified = int(dt.datetime.fromisoformat(record["created_at"]).timestamp())
    probe = HttpResponse()
    probe["ETag"], probe["Last-Modified"] = etag, http_date(modified)
    conditional = get_conditional_response(
        request, etag=etag, last_modified=modified, response=probe
    )
    if conditional is not probe:
        return conditional
    path = get_engine().root() / record["path"]
    span = _requested_range(request, record["size"], etag, modified)
    if span == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{record['size']}"
        return response
    if public and request.method == "GET" and (span is None or span[0] == 0):
        count_download(table.resource)
    response = _file(path, span, record["size"])
    response["Content-Type"] = exporters.registry[key].content_type
    response["Content-Disposition"] = content_disposition(_filename(table, key))
    response["ETag"], response["Last-Modified"] = etag, http_date(modified)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private"
    return response


def _requested_range(
    request: HttpRequest, size: int, etag: str, modified: int
) -> tuple[int, int] | str | None:
    """The one byte range asked for as (first, last), "unsatisfiable", or None for the whole
    file. Several ranges, a malformed header, or an If-Range that no longer matches get the
    whole file, as RFC 9110 allows."""
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header)
    if not match or not _if_range_holds(request, etag, modified):
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else "unsatisfiable"
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if end >= start else None


def _if_range_holds(request: HttpRequest, etag: str, modified: int) -> bool:
    """If-Range: the range applies only to the representation the client already has."""
    condition = request.headers.get("If-Range", "").strip()
    if not condition:
        return True
    if condition.startswith(('"', "W/")):
        return condition == etag
    return parse_http_date_safe(condition) == modified


class _Slice:
    """A file read from `start` for `length` bytes, as FileResponse reads files."""

    def __init__(self, handle: IO[bytes], start: int, length: int):
        handle.seek(start)
        self.handle, self.left = handle, length

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        block = self.handle.read(size) if size else b""
        self.left -= len(block)
        return block

    def close(self) -> None:
        self.handle.close()


def _file(path: Path, span: tuple[int, int] | None, size: int) -> HttpResponse:
    """The whole file (200) or one range of it (206), streamed in blocks."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        raise Http404(_("导出文件已不在存储中，请稍后再试。")) from None
    if span is None:
        response = FileResponse(handle)
        response["Content-Length"] = str(size)
        return response
    start, end = span
    response = FileResponse(_Slice(handle, start, end - start + 1), status=206)
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _filename(table: DatastoreTable, key: str) -> str:
    """The download's name: the resource's title, the sheet when the version has several
    tables, and the format's extension."""
    resource = table.resource
    name = resource.title or resource.name or "data"
    if table.sheet and DatastoreTable.objects.filter(version_id=table.version_id).count() > 1:
        name = f"{name}-{table.sheet}"
    extension = exporters.registry[key].suffix.rpartition(".")[2]
    return f"{_UNSAFE_IN_NAMES.sub('_', name)}.{extension}"


def _pending(request: HttpRequest) -> HttpResponse:
    """202: the export is being made; come back after Retry-After seconds."""
    message = _("正在生成，请稍后再试")
    if request.path.startswith("/api/"):
        body: Any = {"status": "pending", "message": message, "retry_after": RETRY_AFTER_SECONDS}
        response = JsonResponse(body, status=202, json_dumps_params={"ensure_ascii": False})
    else:
        page = format_html(
            '<!doctype html><html lang="zh-hans"><meta charset="utf-8">'
            '<meta http-equiv="refresh" content="{}"><title>{}</title><p>{}</p></html>',
            RETRY_AFTER_SECONDS,
            message,
            message,
        )
        response = HttpResponse(page, status=202)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _refuse(request: HttpRequest, error: KaifangError) -> HttpResponse:
    """API callers get the API's error body; pages get the site's 404 page, or a short page
    explaining the refusal (需申请)."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": error.code, "message": error.message}}
        if error.errors:
            body["error"]["fields"] = error.errors
        return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    if error.status == 404:
        raise Http404(error.message)
    return HttpResponse(_refusal_page(request, error), status=error.status)


def _refusal_page(request: HttpRequest, error: KaifangError) -> str:
    """The site's page for 需申请 when the web layer provides one, else a bare page."""
    if isinstance(error, AccessRequired):
        try:
            return render_to_string(ACCESS_TEMPLATE, {"message": error.message}, request=request)
        except TemplateDoesNotExist:
            pass
    title = _("需申请") if isinstance(error, AccessRequired) else _("请求有误")
    return format_html(
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{}</title>'
        "<p>{}</p></html>",
        title,
        error.message,
    )
