"""Shapes of the departments' API answers."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field as ApiField
from ninja import Schema

from kaifang.catalog.api.schemas import (
    DepartmentRef,
    RegionRef,
    Urls,
    absolute,
    department_ref,
    region_ref,
)
from kaifang.organizations.models import Department


class DepartmentOut(Schema):
    id: uuid.UUID
    name: str
    title: str
    short_name: str
    code: str
    description: str
    region: RegionRef
    parent: DepartmentRef | None
    dataset_count: int = ApiField(description="可见的已发布数据集数")
    urls: Urls


class DepartmentList(Schema):
    count: int
    results: list[DepartmentOut]


def department_out(
    request: HttpRequest, department: Department, dataset_count: int
) -> dict[str, Any]:
    api = reverse("api:dataset-list") + "?" + urlencode({"department": department.name})
    page = reverse("organizations:department-detail", args=[department.name])
    return {
        **department_ref(department),
        "short_name": department.short_name,
        "code": department.code,
        "description": department.description,
        "region": region_ref(department.region),
        "parent": department_ref(department.parent) if department.parent else None,
        "dataset_count": dataset_count,
        "urls": {"page": absolute(request, page), "api": absolute(request, api)},
    }
