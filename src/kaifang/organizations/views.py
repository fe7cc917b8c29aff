"""The public department pages: every 开放部门 grouped by the level of its region, and one
department's page with its datasets (the dataset list with the department filter fixed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaifang.catalog import selectors
from kaifang.catalog.views_public import search_context
from kaifang.core.models import Region
from kaifang.organizations.models import Department, DepartmentNameRedirect


def level_groups(departments, counts: dict) -> list[dict]:
    """Departments in sections by region level (省级, 市级, 县级), each with the number of
    datasets the visitor may see; levels without departments are left out."""
    groups = []
    for level, label in Region.Level.choices:
        members = [
            {"department": d, "count": counts.get(d.pk, 0)}
            for d in departments
            if d.region.level == level
        ]
        if members:
            groups.append({"level": level, "label": label, "members": members})
    return groups


@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    """开放部门: every department, with how many of its datasets the visitor may see."""
    departments = list(
        Department.objects.select_related("region", "region__parent").order_by("region_id", "title")
    )
    counts = selectors.department_counts(request.user)
    context = {
        "groups": level_groups(departments, counts),
        "department_total": len(departments),
        "publishing_total": sum(1 for d in departments if counts.get(d.pk)),
    }
    return render(request, "organizations/department_list.html", context)


def _find(name: str) -> Department | None:
    return (
        Department.objects.select_related("region", "region__parent", "parent")
        .filter(name=name)
        .first()
    )


@require_GET
def department_detail(request: HttpRequest, name: str) -> HttpResponse:
    """One department and its datasets; a former name answers 301 to the current one."""
    department = _find(name)
    if department is None:
        moved = (
            DepartmentNameRedirect.objects.filter(old_name=name)
            .select_related("department")
            .first()
        )
        if moved is None:
            raise Http404(_("没有找到这个部门。"))
        target = reverse("organizations:department-detail", args=[moved.department.name])
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    context = search_context(request, fixed={"department": department.name})
    context["department"] = department
    status = 400 if context.get("error") else 200
    return render(request, "organizations/department_detail.html", context, status=status)
