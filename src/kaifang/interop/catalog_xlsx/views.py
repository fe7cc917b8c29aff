"""The workspace pages of the catalog spreadsheet: export a department's catalog (or, for a
platform admin, the whole catalog), and import one in two steps — upload, which runs a dry run
and shows what would be created and updated or every problem found, then confirm.

Between the two steps the upload is kept in the default storage under a random name recorded in
the session, so only the person who uploaded it can confirm it, on any web node.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaifang.core.audit import Actor
from kaifang.core.errors import NotAllowed
from kaifang.interop.catalog_xlsx import export, selectors
from kaifang.interop.catalog_xlsx.services import import_catalog
from kaifang.interop.links import Links
from kaifang.organizations import roles
from kaifang.organizations.models import Department

SESSION_KEY = "catalog_import"
FORMATS = {"xlsx": ("XLSX", ".xlsx"), "csv": ("CSV", ".csv")}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
INVALID = 422


def _department(request: HttpRequest, value: str | None) -> Department | None:
    """The chosen department, which must be one the user may export and import; none means the
    whole catalog, for a platform admin only."""
    allowed = selectors.export_departments(request.user)
    if value:
        return get_object_or_404(allowed, name=value)
    if not roles.is_platform_admin(request.user):
        raise PermissionDenied(_("请选择要导出或导入的部门。"))
    return None


@login_required
def catalog_page(request: HttpRequest) -> HttpResponse:
    departments = selectors.export_departments(request.user)
    if not departments.exists():
        raise PermissionDenied(_("您不是任何部门的数据发布员或管理员。"))
    return render(request, "catalog/workspace_catalog.html", _context(request, departments))


def _context(request: HttpRequest, departments, **extra) -> dict:
    return {
        "departments": departments,
        "whole_catalog": roles.is_platform_admin(request.user),
        "section": "workspace",
        **extra,
    }


@login_required
def catalog_export(request: HttpRequest) -> StreamingHttpResponse:
    department = _department(request, request.GET.get("department"))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        fmt = "xlsx"
    datasets = selectors.workspace_catalog(request.user, department)
    folder = Path(tempfile.mkdtemp(prefix="kaifang-catalog-"))
    target = folder / f"catalog{FORMATS[fmt][1]}"
    writer = export.write_xlsx if fmt == "xlsx" else export.write_csv
    writer(datasets, target, Links.for_request(request).download)
    name = f"{department.name if department else 'catalog'}-{timezone.localdate():%Y%m%d}"
    response = StreamingHttpResponse(_removing(target, folder), content_type=CONTENT_TYPES[fmt])
    filename = f"目录-{name}{FORMATS[fmt][1]}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _removing(target: Path, folder: Path):
    """The file's bytes, the temporary copy deleted once sent."""
    try:
        with target.open("rb") as f:
            while chunk := f.read(64 * 1024):
                yield chunk
    finally:
        target.unlink(missing_ok=True)
        folder.rmdir()


@login_required
@require_POST
def catalog_import(request: HttpRequest) -> HttpResponse:
    """Step one: store the upload and show the dry run's report."""
    departments = selectors.export_departments(request.user)
    department = _department(request, request.POST.get("department"))
    upload = request.FILES.get("file")
    problem = _upload_problem(upload)
    if problem:
        context = _context(request, departments, upload_error=problem)
        return render(request, "catalog/workspace_catalog.html", context, status=INVALID)
    fmt = "CSV" if upload.name.lower().endswith(".csv") else "XLSX"
    stored = default_storage.save(f"catalog-imports/{uuid.uuid4().hex}.{fmt.lower()}", upload)
    options = {"submit": bool(request.POST.get("submit")), "partial": False}
    request.session[SESSION_KEY] = {
        "path": stored,
        "fmt": fmt,
        "department": department.name if department else "",
        "name": upload.name,
        **options,
    }
    report = _run(request, stored, fmt, department, dry_run=True, **options)
    status = 200 if report.ok else INVALID
    context = {"report": report, "upload_name": upload.name, "department": department}
    return render(request, "catalog/workspace_catalog_preview.html", context, status=status)


def _upload_problem(upload) -> str:
    if upload is None:
        return _("请选择要导入的目录表格（.xlsx 或 .csv）。")
    if not upload.name.lower().endswith((".xlsx", ".csv")):
        return _("只能导入 .xlsx 或 .csv 格式的目录表格。")
    if upload.size > settings.KAIFANG["UPLOAD_MAX_BYTES"]:
        return _("文件过大。")
    return ""


@login_required
@require_POST
def catalog_import_confirm(request: HttpRequest) -> HttpResponse:
    """Step two: import the stored upload for real, then forget it."""
    pending = request.session.pop(SESSION_KEY, None)
    if not pending or not default_storage.exists(pending["path"]):
        raise PermissionDenied(_("没有待确认的导入，请重新上传目录表格。"))
    department = _department(request, pending["department"])
    try:
        report = _run(
            request,
            pending["path"],
            pending["fmt"],
            department,
            dry_run=False,
            submit=pending["submit"],
            partial=pending["partial"],
        )
    finally:
        default_storage.delete(pending["path"])
    context = {"report": report, "upload_name": pending["name"], "department": department}
    return render(
        request,
        "catalog/workspace_catalog_preview.html",
        context,
        status=200 if report.ok else INVALID,
    )


def _run(request, stored: str, fmt: str, department, **options):
    """Import a local copy of the stored upload (the storage may be remote)."""
    with tempfile.TemporaryDirectory(prefix="kaifang-catalog-") as folder:
        local = Path(folder) / f"catalog.{fmt.lower()}"
        with default_storage.open(stored, "rb") as source, local.open("wb") as target:
            while chunk := source.read(1024 * 1024):
                target.write(chunk)
        try:
            return import_catalog(
                Actor.for_user(request.user), local, fmt=fmt, department=department, **options
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
