"""The departments' read API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from kaifang.catalog import selectors
from kaifang.catalog.api.schemas import ErrorOut
from kaifang.organizations.api import schemas

router = Router(tags=["开放部门"])


@router.get(
    "/departments",
    response={200: schemas.DepartmentList, 401: ErrorOut},
    url_name="department-list",
    summary="开放部门",
    description="全部开放部门及各自可见的已发布数据集数（含 0）。",
)
def list_departments(request: HttpRequest):
    rows = selectors.department_list(request.auth)
    results = [schemas.department_out(request, d, n) for d, n in rows]
    return {"count": len(results), "results": results}
