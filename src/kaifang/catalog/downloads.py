"""Downloads: the only way a stored file leaves the platform.

One function answers both the page link and the API: the visibility gate first (404 for what
the user may not see), then the conditional-access check (403 "需申请"), then the file streamed
from storage with its Content-Type from the format code list and an RFC 6266 file name, and the
download counted for the day. External links and API endpoints redirect to their address.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kaifang.analytics.services import count_download
from kaifang.catalog import permissions, uploads, visibility
from kaifang.catalog.models import Resource, ResourceVersion, State
from kaifang.core import names
from kaifang.core.errors import AccessRequired, KaifangError, NotFound

ACCESS_TEMPLATE = "catalog/access_required.html"


@require_safe
def download_view(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """The page link `catalog:resource-download`."""
    resource = (
        Resource.objects.select_related("dataset", "dataset__department", "current_version")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        return _refuse(request, NotFound(_("未找到该资源。")))
    return download_response(request, resource)


def download_response(request: HttpRequest, resource: Resource) -> HttpResponse:
    """The file (or the redirect) of `resource` for `request.user`, or the refusal: 404 when the
    user may not see it, 403 "需申请" for conditional data without a grant."""
    user = request.user
    try:
        version, counted = _what_to_serve(request, resource, user)
    except KaifangError as exc:
        return _refuse(request, exc)
    if counted and request.method == "GET":
        count_download(resource)
    if resource.kind != Resource.Kind.FILE:
        return HttpResponseRedirect(resource.url)
    return _file_response(version)


def _what_to_serve(request: HttpRequest, resource: Resource, user):
    """The version to send and whether the download counts. Unpublished datasets, pending
    resources and pending versions are for insiders (the department and the platform's staff),
    who may also ask for a given `?version=`; only public downloads are counted."""
    dataset = resource.dataset
    insider = permissions.is_insider(user, dataset)
    hidden = resource.pending_revision_id is not None and not insider
    if hidden or not visibility.is_visible(user, dataset, include_unpublished=insider):
        raise NotFound(_("未找到该资源，或您无权查看。"))
    if not visibility.can_access_data(user, dataset):
        raise AccessRequired(_("该数据为有条件开放数据，需申请后下载"))
    public = dataset.state == State.PUBLISHED and resource.pending_revision_id is None
    if resource.kind != Resource.Kind.FILE:
        return None, public
    version = _version(request, resource, insider)
    return version, public and version.pk == resource.current_version_id


def _version(request: HttpRequest, resource: Resource, insider: bool) -> ResourceVersion:
    asked = request.GET.get("version") if insider else None
    if asked:
        try:
            version = resource.versions.filter(number=int(asked)).first()
        except ValueError:
            version = None
    else:
        version = resource.current_version
    if version is None or version.status != ResourceVersion.Status.READY:
        raise NotFound(_("该资源暂无可下载的文件。"))
    return version


def _file_response(version: ResourceVersion) -> HttpResponse:
    """Stream the file in blocks; never the whole file in memory."""
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不在存储中，请联系数据提供部门。")) from None
    content_type = version.media_type or uploads.media_type(version.detected_format)
    response = FileResponse(handle, content_type=content_type)
    response["Content-Length"] = str(version.size)
    response["Content-Disposition"] = content_disposition(version.original_name)
    response["Cache-Control"] = "private"
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback for old clients (the pinyin of a Chinese name) and the
    UTF-8 name in `filename*` (RFC 6266, RFC 5987)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    fallback = names.slug_from_text(stem) or "download"
    ascii_ext = "".join(c for c in ext if c.isascii() and c.isalnum())
    fallback = f"{fallback}.{ascii_ext}" if ascii_ext else fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _refuse(request: HttpRequest, error: KaifangError) -> HttpResponse:
    """API callers get the API's error body; pages get the site's 404 page or a short page
    explaining that the data needs an application."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": error.code, "message": error.message}}
        return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    if error.status == 404:
        raise Http404(error.message)
    return HttpResponse(_access_page(request, error.message), status=error.status)


def _access_page(request: HttpRequest, message: str) -> str:
    """The site's page for this refusal when the web layer provides one, else a bare page."""
    try:
        return render_to_string(ACCESS_TEMPLATE, {"message": message}, request=request)
    except TemplateDoesNotExist:
        return format_html(
            '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{}</title>'
            "<p>{}</p></html>",
            _("需申请"),
            message,
        )
