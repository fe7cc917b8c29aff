"""The public catalog pages: the dataset list (search with facets) and the dataset page.

Both read through catalog.selectors, the same functions the API calls, so what a page lists is
exactly what the API answers, through the same visibility gate.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.catalog import selectors, services
from kaifang.catalog.models import Dataset, State
from kaifang.catalog.schema import get_schema
from kaifang.catalog.visibility import can_access_data, visible_datasets
from kaifang.core import codelists
from kaifang.core.errors import Invalid, NotFound
from kaifang.datastore.views import attach_previews
from kaifang.search import querylog
from kaifang.web import querystring

FACET_TITLES = {
    "domain": gettext_lazy("领域"),
    "department": gettext_lazy("开放部门"),
    "region": gettext_lazy("行政区划"),
    "format": gettext_lazy("资源格式"),
    "open_type": gettext_lazy("开放类型"),
    "update_frequency": gettext_lazy("更新周期"),
    "high_value": gettext_lazy("高价值数据"),
    "realtime": gettext_lazy("实时动态数据"),
    "has_api": gettext_lazy("提供数据接口"),
}
SORTS = (
    ("relevance", gettext_lazy("相关度")),
    ("newest", gettext_lazy("最新发布")),
    ("updated", gettext_lazy("最近更新")),
    ("downloads", gettext_lazy("最常用")),
    ("title", gettext_lazy("名称")),
)
FACET_SHOWN = 8  # values shown before the rest fold away under "更多"


def parse_search(request: HttpRequest, fixed: dict[str, str]) -> selectors.SearchParams:
    """The search the request asks for, with the filters the page itself imposes (`fixed`:
    a domain page keeps its domain whatever the query says). Raises Invalid in Chinese."""
    query = request.GET.copy()
    for key, value in fixed.items():
        query.setlist(key, [value])
    page = querystring.page_number(query.pop("page", [None])[-1])
    params = selectors.SearchParams.from_query(query)
    if page > 1:
        params = dataclasses.replace(params, offset=(page - 1) * params.limit)
    return params


def _region_level(code: str) -> int:
    """Province, city or county, read from the GB/T 2260 code itself."""
    if code.endswith("0000"):
        return 1
    return 2 if code.endswith("00") else 3


def _toggled(chosen: tuple[str, ...], value: str) -> list[str]:
    """The facet's values with `value` taken out, or added (which widens the list: values of
    one facet combine with OR)."""
    return [v for v in chosen if v != value] if value in chosen else [*chosen, value]


def _facet_groups(request, params, facets: dict, fixed: dict) -> list[dict[str, Any]]:
    """Each facet as a list of values, each with a checkbox (several can be ticked and applied
    at once) and a link that adds it to or takes it out of the facet's choice, in the list's
    facet order. Counts ignore the facet's own choice, so they tell what ticking one more
    value would add."""
    groups = []
    active = params.active_filters()
    for key, title in FACET_TITLES.items():
        if key in fixed or not facets.get(key):
            continue
        chosen = active.get(key, ())
        items = [
            {
                "key": key,
                "value": value.value,
                "label": value.label,
                "count": value.count,
                "active": value.value in chosen,
                "href": querystring.with_values(request.GET, key, _toggled(chosen, value.value)),
                "level": _region_level(value.value) if key == "region" else 1,
            }
            for value in facets[key]
        ]
        groups.append({"key": key, "title": title, "items": items, **_fold(key, items)})
    return groups


def _fold(key: str, items: list[dict[str, Any]]) -> dict[str, list]:
    """Long facets show their first values (and any active one); the rest fold away under
    "全部 n 项". The region tree is never folded, so its levels stay readable."""
    if key == "region" or len(items) <= FACET_SHOWN:
        return {"shown": items, "more": []}
    shown, more = [], []
    for n, item in enumerate(items):
        (shown if n < FACET_SHOWN or item["active"] else more).append(item)
    return {"shown": shown, "more": more}


def _active_chips(request, params, facets: dict, fixed: dict) -> list[dict[str, str]]:
    """The filters in force, each with a link that removes it."""
    chips = []
    if params.q:
        chips.append(
            {
                "title": _("关键字"),
                "label": params.q,
                "href": querystring.replace(request.GET, q=None),
            }
        )
    for key, chosen in params.active_filters().items():
        if key in fixed:
            continue
        labels = {v.value: v.label for v in facets.get(key, [])}
        chips += [
            {
                "title": FACET_TITLES[key],
                "label": labels.get(value, value),
                "href": querystring.with_values(request.GET, key, _toggled(chosen, value)),
            }
            for value in chosen
        ]
    return chips


def _pages(request, current: int, total: int) -> list[dict[str, Any]]:
    """Page links: first, last and two either side of the current one, gaps elided."""
    wanted = {1, total, *range(current - 2, current + 3)}
    shown = sorted(p for p in wanted if 1 <= p <= total)
    links: list[dict[str, Any]] = []
    for number in shown:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": number - 1, "gap": True})
        href = querystring.replace(request.GET, keep_page=True, page=number)
        links.append({"number": number, "href": href, "current": number == current})
    return links


def _kept_inputs(params, fixed: dict) -> list[tuple[str, str]]:
    """The filters a search or sort form must carry along as hidden inputs (one per value)."""
    kept = [
        (key, value)
        for key, values in params.active_filters().items()
        if key not in fixed
        for value in values
    ]
    if params.limit != selectors.SearchParams.limit:
        kept.append(("limit", str(params.limit)))
    return kept


def _facet_form_inputs(params) -> list[tuple[str, str]]:
    """What the facet form carries besides its checkboxes: the words and the order."""
    kept = [("q", params.q)] if params.q else []
    if params.sort != "relevance":
        kept.append(("sort", params.sort))
    if params.limit != selectors.SearchParams.limit:
        kept.append(("limit", str(params.limit)))
    return kept


def _highlight(result) -> None:
    """Attach each result's highlighted title and summary (HTML the backend escaped)."""
    for dataset in result.results:
        marked = result.highlights.get(str(dataset.pk), {})
        dataset.marked_title = mark_safe(marked.get("title", ""))  # noqa: S308
        dataset.marked_summary = mark_safe(marked.get("summary", ""))  # noqa: S308


def _url_maker(view: str):
    """A function name → URL for `view`, from a single reverse: a list page links dozens of
    datasets and departments, and one reverse each is a noticeable part of its time. Names
    follow `^[a-z0-9_-]{2,100}$`, so they go into the path as they are."""
    pattern = reverse(view, args=["--name--"])
    return lambda name: pattern.replace("--name--", name)


def _link(datasets: list[Dataset]) -> None:
    """Attach each result's page and department URLs for the list template."""
    dataset_url = _url_maker("catalog:dataset-detail")
    department_url = _url_maker("organizations:department-detail")
    for dataset in datasets:
        dataset.page_url = dataset_url(dataset.name)
        dataset.department_url = department_url(dataset.department.name)


def search_context(request: HttpRequest, fixed: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the list template needs, for the dataset list and for the domain and
    department pages that reuse it. A bad parameter gives `error` instead of a 500."""
    fixed = fixed or {}
    try:
        params = parse_search(request, fixed)
    except Invalid as exc:
        return {"error": exc.message, "params": None, "sorts": SORTS, "fixed": fixed}
    result = selectors.search_datasets(params, request.user)
    querylog.log_search(params.q, result.count, offset=params.offset, user=request.user)
    _link(result.results)
    _highlight(result)
    total = max(1, math.ceil(result.count / params.limit))
    current = params.offset // params.limit + 1
    return {
        "params": params,
        "result": result,
        "facet_groups": _facet_groups(request, params, result.facets, fixed),
        "chips": _active_chips(request, params, result.facets, fixed),
        "sorts": SORTS,
        "pages": _pages(request, current, total) if total > 1 else [],
        "page_number": current,
        "page_total": total,
        "first_shown": params.offset + 1,
        "fixed": fixed,
        "keep": _kept_inputs(params, fixed),
        "facet_keep": _facet_form_inputs(params),
    }


def dataset_list(request: HttpRequest) -> HttpResponse:
    """数据目录: every dataset the visitor may see, searched and filtered."""
    context = search_context(request)
    status = 400 if context.get("error") else 200
    return render(request, "catalog/dataset_list.html", context, status=status)


def _resources(dataset: Dataset) -> list:
    """Resources the public sees: approved ones (not those added by a pending revision)."""
    return [r for r in dataset.resources.all() if r.pending_revision_id is None]


def _terms(dataset: Dataset, values: dict[str, Any]) -> dict[str, Any]:
    """开放条件 and 使用要求, shown before any download: the open type, its conditions, the
    licence (with its link and note from the code list) and any further terms."""
    licence = codelists.get("licence").get(str(values.get("licence") or ""))
    return {
        "open_type": codelists.get("open_type").label(dataset.open_type),
        "conditional": dataset.open_type == "conditional",
        "open_condition": values.get("open_condition") or "",
        "licence": licence,
        "licence_code": values.get("licence") or "",
        "usage_terms": values.get("usage_terms") or "",
    }


def _field_groups(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema field, with its value, in the schema's groups and order."""
    return [
        {"group": group, "fields": [(f, values.get(f.key)) for f in fields]}
        for group, fields in get_schema().dataset_groups()
        if fields
    ]


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The dataset page. An old name answers 301 to the current one; a dataset the visitor may
    not see answers 404, the same as one that does not exist."""
    try:
        dataset = selectors.get_dataset(name, request.user, include_unpublished=True)
    except NotFound:
        raise Http404(_("没有找到这个数据集。")) from None
    if dataset.name != name:
        target = reverse("catalog:dataset-detail", args=[dataset.name])
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    values = services.dataset_values(dataset)
    related = (
        visible_datasets(request.user)
        .filter(department_id=dataset.department_id)
        .exclude(pk=dataset.pk)
        .only("name", "title", "published_at")
        .order_by("-published_at")[:5]
    )
    resources = _resources(dataset)
    can_access = can_access_data(request.user, dataset)
    context = {
        "dataset": dataset,
        "values": values,
        "field_groups": _field_groups(values),
        "terms": _terms(dataset, values),
        "resources": resources,
        "can_access": can_access,
        "has_preview": attach_previews(request, resources, can_access=can_access),
        "published": dataset.state == State.PUBLISHED,
        "related": related,
        "keywords": values.get("keywords") or [],
    }
    return render(request, "catalog/dataset_detail.html", context)
