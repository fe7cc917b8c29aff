"""The search API: suggestions as one types and the hot searches. Suggestions follow the
caller's visibility (`request.auth`, anonymous when no token) like the dataset search does;
calls here are not written to the query log."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from kaifang.catalog.api.schemas import ErrorOut
from kaifang.search import querylog
from kaifang.search.api import schemas
from kaifang.search.suggest import suggest

router = Router(tags=["检索"])


@router.get(
    "/search/suggest",
    response={200: schemas.SuggestOut, 400: ErrorOut, 401: ErrorOut},
    url_name="search-suggest",
    summary="输入提示",
    description="按已输入的文字（汉字、拼音全拼或首字母）提示数据集名称、开放部门和关键字，"
    "每组至多 8 项；只提示调用者可见的数据集。q 至多 50 个字符，为空时各组为空。",
)
def search_suggest(request: HttpRequest, q: str = ""):
    return suggest(q, request.auth)


@router.get(
    "/search/hot",
    response={200: schemas.HotOut, 401: ErrorOut},
    url_name="search-hot",
    summary="热门搜索",
    description="近 30 天内有结果的常用检索词，按次数排列。",
)
def search_hot(request: HttpRequest):
    return {"queries": querylog.hot_searches()}
