"""Catalog objects for the interoperability tests: a dataset with every kind of resource (a table
the datastore ingested, a link and an API), written directly like the catalog's factories."""

from __future__ import annotations

from typing import Any

from kaifang.catalog.models import Dataset, Resource, Tag
from kaifang.catalog.tests import factories
from kaifang.datastore.tests import tables
from kaifang.organizations.models import Department

ROWS = [
    {"station": "武林广场", "line": 1, "opened": "2012-11-24", "flow": 1234.5},
    {"station": "龙翔桥", "line": 1, "opened": "2012-11-24", "flow": None},
    {"station": "=SUM(A1)", "line": 2, "opened": "2014-11-24", "flow": 88.0},
]
FIELDS = [
    {"id": "station", "type": "text", "label": "站点名称"},
    {"id": "line", "type": "integer", "label": "线路"},
    {"id": "opened", "type": "date", "label": "开通日期"},
    {"id": "flow", "type": "float", "label": "日均客流", "unit": "人次"},
]


def full_metadata(**overrides: Any) -> dict[str, Any]:
    """Metadata with the optional fields every output maps filled in too."""
    return factories.complete_metadata(
        national_theme=["04"],
        industry=["G"],
        usage_terms="引用时请注明来源。",
        temporal_start="2020-01-01",
        temporal_end="2024-12-31",
        spatial="杭州市主城区",
        contact_email="jt@example.gov.cn",
        **overrides,
    )


def rich_dataset(department: Department, **kw: Any) -> Dataset:
    """A published dataset with keywords, a ready table, a link and an API resource."""
    metadata = full_metadata(**kw.pop("metadata", {}))
    dataset = factories.make_dataset(department, metadata=metadata, **kw)
    for word in ("地铁", "客流"):
        dataset.tags.add(Tag.objects.get_or_create(name=word)[0])
    table = tables.make_table(dataset, ROWS, FIELDS)
    Resource.objects.filter(pk=table.resource_id).update(title="地铁站点客流")
    factories.make_link_resource(
        dataset, title="线路图网页", format="HTML", url="https://example.org/线路 图"
    )
    factories.make_link_resource(
        dataset,
        title="实时到站接口",
        kind=Resource.Kind.API,
        format="API",
        url="https://api.example.org/arrivals",
    )
    return dataset
