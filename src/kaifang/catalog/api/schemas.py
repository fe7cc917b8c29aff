"""Shapes of the catalog API's answers and the functions that build them.

The list answers a slim, fixed summary per dataset. The detail answers every field of the
metadata schema in force, read at request time, so a deployment that swaps the schema file gets
its fields in the API without code changes; `metadata_openapi` documents those same fields in
the OpenAPI spec. Schema fields of type department and region come as small objects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field as ApiField
from ninja import Schema
from ninja.renderers import JSONRenderer

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schema import Field, get_schema
from kaifang.catalog.services import dataset_values
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.organizations.models import Department
from kaifang.search.backends.base import (
    FACETS,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    SORTS,
    FacetValue,
    SearchResult,
)

# Columns whose codes get a label in `code_labels` of the list summary.
SUMMARY_CODED = {
    "domain": "domain",
    "open_type": "open_type",
    "update_frequency": "update_frequency",
}


class Renderer(JSONRenderer):
    """JSON with Chinese left as it is: half the bytes of \\u escapes, and readable. Written
    by orjson (the dataset list at a million datasets carries some 2,000 facet values: 1.3 ms
    with json.dumps, a fifth of that here); values orjson does not know (dates and times,
    decimals, lazy strings) go through the JSON encoder as before, so they read the same; an
    answer orjson cannot write at all (an integer past 64 bits) is written by json.dumps."""

    json_dumps_params = {"ensure_ascii": False}
    ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(
                data, default=self.encoder_class().default, option=self.ORJSON_OPTIONS
            )
        except (orjson.JSONEncodeError, TypeError):
            return super().render(request, data, response_status=response_status)


def json_response(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """Answer `data` as the API's JSON without checking it against a response model — for the
    answers whose fields come from the metadata schema at request time."""
    body = Renderer().render(request, data, response_status=status)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


MULTI = "；可多选：重复该参数或用逗号分隔，同一参数的多个值满足其一即可"


class DatasetQuery(Schema):
    """The list's query parameters, typed for the documentation; their values are checked by
    SearchParams.from_query, the same check the dataset list page uses. Each filter takes
    several values (`?domain=3&domain=7` or `?domain=3,7`): any of them (OR); different
    filters must all hold (AND)."""

    q: str = ApiField(
        "",
        description="关键词，在名称、摘要、关键字、开放部门、信息项等中查找，支持拼音、"
        "拼音首字母、同义词和繁体字；空格分隔的词须同时出现",
    )
    domain: list[str] = ApiField([], description="领域代码，见 /api/v1/domains" + MULTI)
    department: list[str] = ApiField(
        [], description="开放部门的英文标识或 UUID，见 /api/v1/departments" + MULTI
    )
    region: list[str] = ApiField(
        [], description="行政区划代码（GB/T 2260），包含其下各级区划" + MULTI
    )
    format: list[str] = ApiField([], description="资源格式代码，如 CSV、XLSX、JSON" + MULTI)
    open_type: list[str] = ApiField(
        [], description="开放类型：open（无条件开放）、conditional（有条件开放）" + MULTI
    )
    update_frequency: list[str] = ApiField(
        [], description="更新周期代码，如 daily、monthly" + MULTI
    )
    high_value: list[str] = ApiField([], description="高价值数据：true 或 false" + MULTI)
    realtime: list[str] = ApiField([], description="实时动态数据：true 或 false" + MULTI)
    has_api: list[str] = ApiField(
        [], description="提供数据接口（含可按行查询的数据表）：true 或 false" + MULTI
    )
    sort: str = ApiField(
        "relevance",
        description="排序：relevance（相关度，无关键词时同 newest）、newest（最新发布）、"
        "updated（最近更新）、downloads（最常用：近 90 天下载与接口调用次数）、title（名称）",
        json_schema_extra={"enum": list(SORTS)},
    )
    limit: int = ApiField(LIMIT_DEFAULT, description=f"每页条数，1–{LIMIT_MAX}")
    offset: int = ApiField(0, description="跳过的条数，不小于 0")


class ErrorBody(Schema):
    code: str = ApiField(description="稳定的错误代码，如 not_found、validation_error")
    message: str = ApiField(description="中文说明")
    fields: dict[str, list[str]] | None = ApiField(
        None, description="出错的参数或字段及其说明（仅校验错误）"
    )


class ErrorOut(Schema):
    error: ErrorBody


class DepartmentRef(Schema):
    id: uuid.UUID
    name: str
    title: str


class RegionRef(Schema):
    code: str
    name: str


class Urls(Schema):
    page: str = ApiField(description="门户页面地址")
    api: str = ApiField(description="接口地址")


class FacetValueOut(Schema):
    value: str = ApiField(description="作为筛选参数回传的值")
    label: str
    count: int


class Facets(Schema):
    domain: list[FacetValueOut] = ApiField(
        description="领域：21 个领域总是列出（含 0），99 其他仅在有数据集时列出"
    )
    department: list[FacetValueOut]
    region: list[FacetValueOut] = ApiField(description="行政区划：计数逐级汇总到上级区划")
    format: list[FacetValueOut] = ApiField(description="资源格式：计数为含该格式资源的数据集数")
    open_type: list[FacetValueOut]
    update_frequency: list[FacetValueOut]
    high_value: list[FacetValueOut] = ApiField(description="高价值数据：true 是、false 否")
    realtime: list[FacetValueOut] = ApiField(description="实时动态数据：true 是、false 否")
    has_api: list[FacetValueOut] = ApiField(
        description="提供数据接口（含可按行查询的数据表）：true 是、false 否"
    )


class DatasetSummary(Schema):
    id: uuid.UUID
    name: str
    title: str
    identifier: str | None
    summary: str
    department: DepartmentRef
    region: RegionRef
    domain: str
    open_type: str
    update_frequency: str
    code_labels: dict[str, str] = ApiField(description="domain、open_type、update_frequency 的名称")
    is_high_value: bool
    is_realtime: bool
    formats: list[str] = ApiField(description="公开资源的格式")
    published_at: dt.date | None
    updated_at: dt.datetime
    download_count: int
    urls: Urls


class DatasetList(Schema):
    count: int = ApiField(description="符合条件的数据集总数")
    results: list[DatasetSummary]
    facets: Facets
    suggestion: str | None = ApiField(
        None, description="您是不是要找：检索词没有找到数据集时，纠正后能找到数据集的检索词"
    )


class ResourceOut(Schema):
    """A resource; the resource fields of the metadata schema appear too."""

    id: uuid.UUID
    name: str
    title: str
    description: str
    kind: str
    format: str
    size: int | None = ApiField(description="文件大小（字节）；链接和接口为 null")
    media_type: str
    url: str = ApiField(description="文件的下载地址，或外部链接、接口的地址")
    updated: dt.datetime


class DatasetRefOut(Schema):
    id: uuid.UUID
    name: str
    title: str


class ResourceDetail(ResourceOut):
    dataset: DatasetRefOut


class DatasetDetail(Schema):
    """A dataset with every field of the metadata schema (see the properties added from the
    schema) besides the ones below."""

    id: uuid.UUID
    name: str
    state: str
    urls: Urls
    code_labels: dict[str, str] = ApiField(description="代码型字段的中文名称，按字段键")
    formats: list[str]
    updated_at: dt.datetime = ApiField(description="元数据更新时间")
    data_updated_at: dt.datetime | None = ApiField(description="数据更新时间")
    download_count: int
    resources: list[ResourceOut]


class DomainOut(Schema):
    code: str
    label: str
    dataset_count: int
    urls: Urls


class DomainList(Schema):
    count: int
    results: list[DomainOut]


def department_ref(department: Department) -> dict[str, Any]:
    return {"id": department.pk, "name": department.name, "title": department.title}


def domain_out(request: HttpRequest, item: codelists.Item, dataset_count: int) -> dict[str, Any]:
    api = reverse("api:dataset-list") + "?" + urlencode({"domain": item.code})
    page = reverse("web:domain-detail", args=[item.code])
    return {
        "code": item.code,
        "label": item.label,
        "dataset_count": dataset_count,
        "urls": {"page": absolute(request, page), "api": absolute(request, api)},
    }


def region_ref(region: Region | None) -> dict[str, Any] | None:
    return None if region is None else {"code": region.code, "name": region.name}


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


#: a dataset name standing for every one in the URLs reversed once per request (a list of
#: twenty datasets reversed forty URLs: half the time it took to shape the list)
NAME_SLOT = "kaifang-dataset-name-slot"


def dataset_urls(request: HttpRequest, dataset: Dataset) -> dict[str, str]:
    page, api = _url_templates(request)
    name = quote(dataset.name, safe="")
    return {"page": page.replace(NAME_SLOT, name), "api": api.replace(NAME_SLOT, name)}


def _url_templates(request: HttpRequest) -> tuple[str, str]:
    found = getattr(request, "_kaifang_dataset_urls", None)
    if found is None:
        found = tuple(
            absolute(request, reverse(view, args=[NAME_SLOT]))
            for view in ("catalog:dataset-detail", "api:dataset-detail")
        )
        request._kaifang_dataset_urls = found
    return found


def _formats(dataset: Dataset) -> list[str]:
    from kaifang.catalog.selectors import dataset_formats

    return dataset_formats(dataset)


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def dataset_summary(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """The slim shape of a dataset in the list."""
    return {
        "id": dataset.pk,
        "name": dataset.name,
        "title": dataset.title,
        "identifier": dataset.identifier,
        "summary": dataset.summary,
        "department": department_ref(dataset.department),
        "region": region_ref(dataset.region),
        "domain": dataset.domain,
        "open_type": dataset.open_type,
        "update_frequency": dataset.update_frequency,
        "code_labels": {
            key: codelists.get(name).label(getattr(dataset, key))
            for key, name in SUMMARY_CODED.items()
            if getattr(dataset, key)
        },
        "is_high_value": dataset.is_high_value,
        "is_realtime": dataset.is_realtime,
        "formats": _formats(dataset),
        "published_at": _local_date(dataset.published_at),
        "updated_at": dataset.updated_at,
        "download_count": dataset.download_count,
        "urls": dataset_urls(request, dataset),
    }


def facet_values(facets: dict[str, list[FacetValue]]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [{"value": v.value, "label": v.label, "count": v.count} for v in facets[name]]
        for name in FACETS
    }


def dataset_list(request: HttpRequest, result: SearchResult) -> dict[str, Any]:
    return {
        "count": result.count,
        "results": [dataset_summary(request, d) for d in result.results],
        "facets": facet_values(result.facets),
        "suggestion": getattr(result, "suggestion", None),
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, Department):
        return department_ref(value)
    if isinstance(value, Region):
        return region_ref(value)
    return value


def _code_labels(fields: tuple[Field, ...], values: dict[str, Any]) -> dict[str, str]:
    return {
        f.key: f.display(values[f.key])
        for f in fields
        if f.codelist and values.get(f.key) not in (None, "", [])
    }


def dataset_detail(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """Every schema field of `dataset` keyed by field key, between its identity and its
    resources. `dataset` must come from selectors.get_dataset (relations loaded)."""
    fields = get_schema().dataset_fields
    values = dataset_values(dataset)
    body: dict[str, Any] = {
        "id": dataset.pk,
        "name": dataset.name,
        "state": dataset.state,
        "urls": dataset_urls(request, dataset),
    }
    body.update({f.key: _json_value(values.get(f.key)) for f in fields})
    body.update(
        {
            "code_labels": _code_labels(fields, values),
            "formats": _formats(dataset),
            "updated_at": dataset.updated_at,
            "data_updated_at": dataset.data_updated_at,
            "download_count": dataset.download_count,
            "resources": [resource_out(request, r) for r in dataset.resources.all()],
        }
    )
    return body


def _resource_field_value(resource: Resource, f: Field) -> Any:
    if f.column:
        return getattr(resource, f.key)
    return resource.metadata.get(f.key, [] if f.is_list else None)


def download_url(request: HttpRequest, resource: Resource) -> str:
    """Files are downloaded through the API (counted, access-checked); links and APIs live
    elsewhere and are given as they are."""
    if resource.kind == Resource.Kind.FILE:
        return absolute(request, reverse("api:resource-download", args=[resource.pk]))
    return resource.url


def _media_type(resource: Resource) -> str:
    version = resource.current_version
    if version is not None and version.media_type:
        return version.media_type
    item = codelists.get("format").get(resource.format)
    return str(item.extra.get("media_type", "")) if item else ""


def resource_out(request: HttpRequest, resource: Resource) -> dict[str, Any]:
    """A resource with the resource fields of the schema in force."""
    version = resource.current_version
    body: dict[str, Any] = {"id": resource.pk, "name": resource.name}
    body.update({f.key: _resource_field_value(resource, f) for f in get_schema().resource_fields})
    body.update(
        {
            "size": version.size if version is not None else None,
            "media_type": _media_type(resource),
            "url": download_url(request, resource),
            "updated": version.created_at if version is not None else resource.updated_at,
        }
    )
    return body


def resource_detail(request: HttpRequest, resource: Resource) -> dict[str, Any]:
    body = resource_out(request, resource)
    dataset = resource.dataset
    body["dataset"] = {"id": dataset.pk, "name": dataset.name, "title": dataset.title}
    return body


# --- OpenAPI: the schema's fields as JSON Schema properties ------------------------------

_STRING_TYPES = {"text", "textarea", "identifier", "url", "email", "phone", "code"}
_LIST_OF_STRINGS = {"codes", "tags", "identifiers"}
_INFO_ITEM = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "type": {"type": "string"},
        "length": {"type": "integer"},
        "description": {"type": "string"},
    },
    "required": ["name", "type"],
}


def _property(f: Field) -> dict[str, Any]:
    """The JSON Schema of one schema field's value in the answer."""
    if f.type in _LIST_OF_STRINGS:
        item: dict[str, Any] = {"type": "string"}
        if f.codes is not None:
            item["enum"] = [i.code for i in f.codes]
        return {"type": "array", "items": item}
    if f.type == "fields":
        return {"type": "array", "items": _INFO_ITEM}
    if f.type == "department":
        base: dict[str, Any] = {"$ref": "#/components/schemas/DepartmentRef"}
    elif f.type == "region":
        base = {"$ref": "#/components/schemas/RegionRef"}
    elif f.type == "boolean":
        base = {"type": "boolean"}
    elif f.type == "integer":
        base = {"type": "integer"}
    elif f.type == "date":
        base = {"type": "string", "format": "date"}
    else:
        base = {"type": "string"}
        if f.codes is not None:
            base["enum"] = [i.code for i in f.codes]
    return {"anyOf": [base, {"type": "null"}]}


def _documented(f: Field) -> dict[str, Any]:
    prop = _property(f)
    prop["title"] = f.labels["zh"]
    description = " · ".join(t for t in (f.labels["en"], f.helps["zh"]) if t)
    if description:
        prop["description"] = description
    return prop


def metadata_openapi(spec: dict[str, Any]) -> None:
    """Add the schema's dataset and resource fields to the DatasetDetail, ResourceOut and
    ResourceDetail components of `spec`, in the schema's order and marked required."""
    schema = get_schema()
    components = spec.get("components", {}).get("schemas", {})
    for name, fields in (
        ("DatasetDetail", schema.dataset_fields),
        ("ResourceOut", schema.resource_fields),
        ("ResourceDetail", schema.resource_fields),
    ):
        component = components.get(name)
        if component is None:
            continue
        component["properties"] = {
            **{f.key: _documented(f) for f in fields},
            **component["properties"],
        }
        component["required"] = sorted(set(component.get("required", [])) | {f.key for f in fields})
