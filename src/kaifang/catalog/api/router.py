"""The catalog's read API: datasets, domains and resources. Each endpoint reads through
catalog.selectors (which applies the visibility gate) and shapes the answer with
catalog.api.schemas; the user is `request.auth` (accounts.auth.ApiAuth)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from ninja import Query, Router

from kaifang.catalog import selectors
from kaifang.catalog.api import schemas
from kaifang.catalog.downloads import download_response
from kaifang.search import querylog
from kaifang.search.backends.base import SearchParams

router = Router(tags=["数据目录"])


def errors(*statuses: int) -> dict[int, type]:
    """Document the error answers an operation may give, besides 401 for a bad token."""
    return dict.fromkeys((401, *statuses), schemas.ErrorOut)


@router.get(
    "/datasets",
    response={200: schemas.DatasetList, **errors(422)},
    url_name="dataset-list",
    summary="查找数据集",
    description="按关键词、领域、开放部门、行政区划、格式、开放类型、更新周期、高价值、实时和"
    "数据接口查找，带分面计数。每个筛选条件可取多个值（满足其一即可），不同条件须同时满足；"
    "分面计数遵从除本分面外的全部筛选条件。",
)
def list_datasets(request: HttpRequest, filters: Query[schemas.DatasetQuery]):
    params = SearchParams.from_query(filters.dict())
    result = selectors.search_datasets(params, request.auth)
    querylog.log_search(params.q, result.count, offset=params.offset, user=request.auth)
    # Built by our own function and checked against DatasetList in the tests; validating each
    # answer again would cost a quarter of the endpoint's time.
    return schemas.json_response(request, schemas.dataset_list(request, result))


def _is_former_name(asked: str, dataset) -> bool:
    try:
        uuid.UUID(asked)
    except ValueError:
        return asked != dataset.name
    return False


@router.get(
    "/datasets/{id_or_name}",
    response={200: schemas.DatasetDetail, 301: None, **errors(404)},
    url_name="dataset-detail",
    summary="数据集详情",
    description="元数据方案中的全部字段及公开资源。用旧英文标识访问时永久重定向到现标识。",
)
def get_dataset(request: HttpRequest, id_or_name: str):
    dataset = selectors.get_dataset(id_or_name, request.auth)
    if _is_former_name(id_or_name, dataset):
        target = reverse("api:dataset-detail", args=[dataset.name])
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    return schemas.json_response(request, schemas.dataset_detail(request, dataset))


@router.get(
    "/domains",
    response={200: schemas.DomainList, **errors()},
    url_name="domain-list",
    summary="领域",
    description="21 个领域及各自可见的数据集数；99 其他仅在有数据集时列出。",
)
def list_domains(request: HttpRequest):
    rows = selectors.domain_counts(request.auth)
    results = [schemas.domain_out(request, item, n) for item, n in rows]
    return {"count": len(results), "results": results}


@router.get(
    "/resources/{resource_id}",
    response={200: schemas.ResourceDetail, **errors(404, 422)},
    url_name="resource-detail",
    summary="资源详情",
)
def get_resource(request: HttpRequest, resource_id: uuid.UUID):
    resource = selectors.get_resource(resource_id, request.auth)
    return schemas.json_response(request, schemas.resource_detail(request, resource))


@router.get(
    "/resources/{resource_id}/download",
    response={403: schemas.ErrorOut, **errors(404, 422)},
    url_name="resource-download",
    summary="下载资源",
    description="文件资源返回文件内容；外部链接和接口重定向到其地址。有条件开放的数据需持有授权，"
    "否则答 403“需申请”。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件内容",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            "302": {"description": "外部链接或接口的地址"},
        }
    },
)
def download_resource(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    resource = selectors.get_resource(resource_id, request.auth)
    return download_response(request, resource)
