"""`package_search`: CKAN's search parameters over the catalog.

The filters of `q` and `fq` (query.py), `include_private`, the sort and the page run in the
database over the visibility gate; free words are found by the configured search backend
(catalog.selectors.search_datasets, the one the pages use) and kept in its relevance order for
`score desc`. The backend answers a page at a time, so a text search considers its best
TEXT_MATCHES_MAX matches — docs/ckan-api.md says so; filters and ranges have no such bound.
Facets are counted in the database over the datasets found.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset
from kaifang.catalog.selectors import SearchParams, public_resources, search_datasets
from kaifang.core import codelists
from kaifang.interop.ckan import params, query
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import SearchQueryError, invalid
from kaifang.interop.ckan.mapping import dataset_places, group_name, license_dict, package_dict
from kaifang.interop.ckan.selectors import in_order, listed
from kaifang.search.backends.base import LIMIT_MAX

ROWS_DEFAULT = 10
ROWS_MAX = 1000  # CKAN's ckan.search.rows_max: more is cut to this
TEXT_MATCHES_MAX = 1000
FACET_LIMIT = 50
DEFAULT_SORT = "score desc, metadata_modified desc"
READ = frozenset(
    {"q", "fq", "fq_list", "rows", "start", "sort", "facet", "facet.field", "facet.limit",
     "facet.mincount", "include_private", "include_drafts", "fl"}
)  # fmt: skip
#: parameters CKAN clients send that change nothing here (docs/ckan-api.md)
IGNORED = frozenset(
    {"use_default_schema", "defType", "qf", "q.op", "wt", "indent", "callback", "_", "extras"}
)
SORTS: dict[str, Any] = {
    "metadata_modified": F("updated_at"),
    "metadata_created": Coalesce("published_at", "created_at"),
    "title_string": F("title"),
    "title": F("title"),
    "name": F("name"),
    "id": F("pk"),
}


def package_search(call: Call) -> dict[str, Any]:
    data = call.data
    _check_parameters(data)
    found = _parsed(data)
    sort = (params.text(data, "sort") or "").strip() or DEFAULT_SORT
    by_score, order = _ordering(sort)
    include_private = params.boolean(data, "include_private")
    matched = listed(call.user, include_private=include_private).filter(*query.as_filters(found))
    rows = params.integer(data, "rows", ROWS_DEFAULT, 0, ROWS_MAX)
    start = params.integer(data, "start", 0, 0)
    ranked = _text_matches(" ".join(found.words), call.user) if found.words else None
    if ranked is not None:
        matched = matched.filter(pk__in=ranked)
    if ranked is not None and by_score:
        count, page = _page_by_rank(matched, ranked, start, rows)
    else:
        count = matched.count()
        page = list(matched.order_by(*order).values_list("pk", flat=True)[start : start + rows])
    facets = _facets(matched, _facet_fields(data), _facet_limit(data), _facet_min(data))
    fields = params.text_list(data, "fl")
    return {
        "count": count,
        "sort": sort,
        "results": [_fields(package_dict(d, call.links), fields) for d in in_order(page)],
        "facets": {name: {i["name"]: i["count"] for i in items} for name, items in facets.items()},
        "search_facets": {name: {"title": name, "items": items} for name, items in facets.items()},
    }


def _parsed(data: dict[str, Any]) -> query.Parsed:
    """`q`, `fq` and each of `fq_list`, read into one set of words and clauses."""
    found = query.parse(params.text(data, "q"), "q")
    found.extend(query.parse(params.text(data, "fq"), "fq"))
    for fq in _fq_list(data):
        found.extend(query.parse(fq, "fq_list"))
    return found


def _check_parameters(data: dict[str, Any]) -> None:
    """CKAN refuses search parameters it does not know (Search Query Error); so does this,
    naming them. Drafts are shown by package_show to their department, never in a search."""
    unknown = sorted(set(data) - READ - IGNORED)
    if unknown:
        names = "、".join(unknown)
        raise SearchQueryError(
            _("package_search 不支持参数：%(names)s。") % {"names": names},
            {"parameters": [_("不支持的参数：%(names)s。") % {"names": names}]},
        )
    if params.boolean(data, "include_drafts"):
        raise invalid(
            "include_drafts",
            _("include_drafts 不支持：草稿不出现在检索结果中，请用 package_show。"),
        )


def _fq_list(data: dict[str, Any]) -> list[str]:
    """CKAN's `fq_list`: several fq, all applying."""
    value = params.decoded(data, "fq_list")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise invalid("fq_list", _("参数 fq_list 应为文本列表。"))
    return items


def _fields(body: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """`fl` keeps the keys asked for (CKAN's field list); `*` or nothing keeps every key."""
    if not wanted or "*" in wanted:
        return body
    return {key: body.get(key) for key in wanted}


# --- order ----------------------------------------------------------------------------------


def _ordering(sort: str) -> tuple[bool, list[Any]]:
    """Whether relevance comes first, and the database order (the id last, so pages never
    overlap)."""
    keys = [part.split() for part in sort.split(",") if part.strip()]
    order: list[Any] = []
    by_score = False
    for i, words in enumerate(keys):
        name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc") or name not in {*SORTS, "score"}:
            raise invalid(
                "sort",
                _("参数 sort 无法识别“%(part)s”；可按 %(names)s 排序，方向为 asc 或 desc。")
                % {"part": " ".join(words)[:50], "names": "、".join(["score", *SORTS])},
            )
        if name == "score":
            by_score = by_score or i == 0
            continue
        expression = SORTS[name]
        order.append(expression.desc() if direction == "desc" else expression.asc())
    if not order:
        order.append(SORTS["metadata_modified"].desc())
    return by_score, [*order, F("pk").asc()]


def _text_matches(text: str, user) -> list[uuid.UUID]:
    """The datasets the search backend finds for `text`, best first, as many as
    TEXT_MATCHES_MAX, asked a page at a time through the backend's public parameters."""
    ids: list[uuid.UUID] = []
    offset = 0
    while offset < TEXT_MATCHES_MAX:
        asked = {"q": text, "limit": str(LIMIT_MAX), "offset": str(offset)}
        result = search_datasets(SearchParams.from_query(asked), user)
        ids += [d.pk for d in result.results]
        offset += LIMIT_MAX
        if not result.results or offset >= result.count:
            break
    return ids[:TEXT_MATCHES_MAX]


def _page_by_rank(
    matched: QuerySet[Dataset], ranked: list[uuid.UUID], start: int, rows: int
) -> tuple[int, list[uuid.UUID]]:
    kept = set(matched.values_list("pk", flat=True))
    ordered = [pk for pk in ranked if pk in kept]
    return len(ordered), ordered[start : start + rows]


# --- facets ---------------------------------------------------------------------------------

Item = dict[str, Any]


def _facet_fields(data: dict[str, Any]) -> list[str]:
    """The facets asked for; none with `facet=false`."""
    if not params.boolean(data, "facet", True):
        return []
    wanted = params.text_list(data, "facet.field")
    unknown = [name for name in wanted if name not in FACETS]
    if unknown:
        raise invalid(
            "facet.field",
            _("facet.field 不支持“%(names)s”；可用：%(known)s。")
            % {"names": "、".join(unknown), "known": "、".join(FACETS)},
        )
    return list(dict.fromkeys(wanted))


def _facet_limit(data: dict[str, Any]) -> int | None:
    """facet.limit: 50 by default; a negative number means no limit, as in CKAN."""
    value = data.get("facet.limit")
    if value is None or value == "":
        return FACET_LIMIT
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None:
        raise invalid(
            "facet.limit",
            _("参数 facet.limit 应为整数（收到“%(value)s”）。") % {"value": str(value)[:50]},
        )
    return None if number < 0 else number


def _facet_min(data: dict[str, Any]) -> int:
    return params.integer(data, "facet.mincount", 1, 0)


def _facets(
    matched: QuerySet[Dataset], names: list[str], limit: int | None, least: int
) -> dict[str, list]:
    facets = {}
    for name in names:
        items = [i for i in FACETS[name](matched) if i["count"] >= least]
        items.sort(key=lambda i: (-i["count"], i["name"]))
        facets[name] = items if limit is None else items[:limit]
    return facets


def _item(name: str, display: str, count: int) -> Item:
    return {"name": name, "display_name": display, "count": count}


def _organizations(matched: QuerySet[Dataset]) -> list[Item]:
    rows = matched.order_by().values("department__name", "department__title")
    rows = rows.annotate(n=Count("pk"))
    return [_item(r["department__name"], r["department__title"], r["n"]) for r in rows]


def _groups(matched: QuerySet[Dataset]) -> list[Item]:
    domains = codelists.get("domain")
    rows = matched.order_by().values("domain").annotate(n=Count("pk"))
    return [
        _item(group_name(r["domain"]), domains.label(r["domain"]), r["n"])
        for r in rows
        if r["domain"]
    ]


def _tags(matched: QuerySet[Dataset]) -> list[Item]:
    links = Dataset.tags.through.objects.filter(dataset__in=matched.order_by().values("pk"))
    rows = links.values("tag__name").annotate(n=Count("dataset_id"))
    return [_item(r["tag__name"], r["tag__name"], r["n"]) for r in rows]


def _formats(matched: QuerySet[Dataset]) -> list[Item]:
    found = public_resources().filter(dataset__in=matched.order_by().values("pk"))
    rows = found.exclude(format="").values("format").annotate(n=Count("dataset", distinct=True))
    return [_item(r["format"], r["format"], r["n"]) for r in rows]


def _licences(matched: QuerySet[Dataset]) -> list[Item]:
    """The field the schema maps to license_id, counted from `metadata`."""
    place = next((p for p in dataset_places() if p.key == "license_id"), None)
    if place is None:
        return []
    rows = matched.order_by().annotate(code=KT(f"metadata__{place.field.key}"))
    rows = rows.exclude(code=None).values("code").annotate(n=Count("pk"))
    return [_item(r["code"], license_dict(r["code"])["title"], r["n"]) for r in rows]


FACETS: dict[str, Callable[[QuerySet[Dataset]], list[Item]]] = {
    "organization": _organizations,
    "groups": _groups,
    "tags": _tags,
    "res_format": _formats,
    "license_id": _licences,
}
