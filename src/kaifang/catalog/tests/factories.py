"""Factories for catalog objects in tests. They write rows directly (no workflow), so a test can
set up a dataset in any state in one line."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from kaifang.catalog.models import Dataset, Resource, State
from kaifang.core.models import Region
from kaifang.organizations.models import Department

_seq = itertools.count(1)


def complete_metadata(**overrides: Any) -> dict[str, Any]:
    """Values for every required non-column field of the default schema."""
    data = {
        "resource_class": "3",
        "open_method": ["download"],
        "licence": "kaifang-open-1.0",
        "share_type": "1",
        "format_class": "2",
        "fields": [{"name": "名称", "type": "C", "length": 100}],
        "contact_name": "张工",
        "contact_phone": "0571-88888888",
    }
    data.update(overrides)
    return data


def make_department(region: Region | None = None, **kw: Any) -> Department:
    n = next(_seq)
    region = region or Region.objects.get(code="330000")
    defaults = {"name": f"dept-{n}", "title": f"测试部门{n}", "code": f"11330000MB{n:08d}"}
    defaults.update(kw)
    return Department.objects.create(region=region, **defaults)


def make_dataset(department: Department, state: str = State.PUBLISHED, **kw: Any) -> Dataset:
    n = next(_seq)
    metadata = complete_metadata(**kw.pop("metadata", {}))
    defaults: dict[str, Any] = {
        "name": f"dataset-{n}",
        "title": f"测试数据集{n}",
        "identifier": f"330000000{n:03d}/{n:06d}",
        "summary": "测试用数据集摘要。",
        "domain": "6",
        "open_type": "open",
        "update_frequency": "monthly",
        "region": department.region,
        "metadata": metadata,
    }
    defaults.update(kw)
    if state == State.PUBLISHED and "published_at" not in defaults:
        defaults["published_at"] = timezone.now()
    return Dataset.objects.create(department=department, state=state, **defaults)


def make_link_resource(dataset: Dataset, **kw: Any) -> Resource:
    n = next(_seq)
    defaults = {
        "name": f"resource-{n}",
        "title": f"资源{n}",
        "kind": Resource.Kind.LINK,
        "url": "https://example.org/data.csv",
        "format": "CSV",
    }
    defaults.update(kw)
    return Resource.objects.create(dataset=dataset, **defaults)
