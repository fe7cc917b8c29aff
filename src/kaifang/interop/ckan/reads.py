"""The read actions of the catalog: site, packages, resources, organizations (our departments),
groups (the 21 domains), tags and licences. Each reads through the visibility gate
(ckan.selectors, catalog.selectors) and shapes with ckan.mapping; package_search has its own
module."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

import kaifang
from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset
from kaifang.catalog.services.revisions import open_revision
from kaifang.core import codelists
from kaifang.interop.ckan import mapping, params, selectors
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import ObjectNotFound, invalid
from kaifang.organizations.models import Department, DepartmentNameRedirect

#: the CKAN release whose Action API this one follows (status_show tells clients)
CKAN_VERSION = "2.10.4"
LIST_MAX = 1000


def status_show(call: Call) -> dict[str, Any]:
    site = settings.KAIFANG["SITE"]
    return {
        "site_title": site["name"],
        "site_description": site.get("host_org", ""),
        "site_url": call.links.base,
        "ckan_version": CKAN_VERSION,
        "api_version": 3,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore"],
        "kaifang_version": kaifang.__version__,
    }


def site_read(call: Call) -> bool:
    return True


def help_show(call: Call) -> str:
    from kaifang.interop.ckan.actions import ACTIONS

    name = params.required(call.data, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise ObjectNotFound(_("没有名为“%(name)s”的操作。") % {"name": name[:100]})
    return action.help


def _page(call: Call, default: int | None = None) -> tuple[int, int | None]:
    """`offset` and `limit` (None: all)."""
    offset = params.integer(call.data, "offset", 0, 0)
    if call.data.get("limit") in (None, ""):
        return offset, default
    return offset, params.integer(call.data, "limit", 0, 0, LIST_MAX)


def _sliced(items: list, offset: int, limit: int | None) -> list:
    return items[offset : offset + limit] if limit is not None else items[offset:]


# --- packages -------------------------------------------------------------------------------


def package_list(call: Call) -> list[str]:
    """The names of the public datasets, by name."""
    offset, limit = _page(call)
    names = selectors.listed(call.user).order_by("name").values_list("name", flat=True)
    return list(_sliced(names, offset, limit))


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    """Public datasets with their resources, most recently modified first; `page` counts in
    pages of `limit` as CKAN's does."""
    offset, limit = _page(call, default=10)
    page = params.integer(call.data, "page", 0, 0)
    if page:
        offset = (page - 1) * (limit or 0)
    ids = selectors.listed(call.user).order_by("-updated_at", "pk").values_list("pk", flat=True)
    datasets = selectors.in_order(_sliced(ids, offset, limit))
    return [mapping.package_dict(d, call.links) for d in datasets]


def dataset_ref(call: Call) -> str:
    """The dataset a call names: `id` (an id or a name), else `name_or_id` or `name`."""
    data = call.data
    ref = params.text(data, "id") or params.text(data, "name_or_id") or params.text(data, "name")
    if not (ref or "").strip():
        raise invalid("id", _("缺少参数 id（数据集的 ID 或英文标识）。"))
    return ref.strip()


def package_show(call: Call) -> dict[str, Any]:
    dataset = selectors.dataset(dataset_ref(call), call.user)
    return shown(call, dataset)


def shown(call: Call, dataset: Dataset) -> dict[str, Any]:
    """The package dict; the dataset's insiders also learn of a revision waiting on it (its
    values stay out of the dict until approved)."""
    body = mapping.package_dict(dataset, call.links)
    if permissions.is_insider(call.user, dataset):
        revision = open_revision(dataset)
        if revision is not None:
            body["pending_revision"] = {"id": str(revision.pk), "status": revision.status}
    return body


def resource_show(call: Call) -> dict[str, Any]:
    ref = params.required(call.data, "id")
    return mapping.resource_dict(selectors.resource(ref, call.user), call.links)


# --- organizations (departments) ------------------------------------------------------------


def department(ref: str) -> Department:
    try:
        found = Department.objects.filter(pk=uuid.UUID(ref)).first()
    except ValueError:
        found = Department.objects.filter(name=ref).first()
        if found is None:
            moved = DepartmentNameRedirect.objects.filter(old_name=ref).first()
            found = moved.department if moved else None
    if found is None:
        raise selectors.not_found(_("组织"), ref)
    return found


def _public_counts(field: str) -> dict[Any, int]:
    rows = selectors.listed(selectors.ANONYMOUS).order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


def _sorted(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """CKAN's `sort` of groups and organizations: name, title or package_count, asc or
    desc."""
    words = sort.split()
    key = words[0] if words else "title"
    descending = len(words) > 1 and words[1].lower() == "desc"
    if key not in ("name", "title", "package_count") or len(words) > 2:
        raise invalid("sort", _("参数 sort 应为 name、title 或 package_count，后跟 asc 或 desc。"))
    return sorted(items, key=lambda item: (item[key], item["name"]), reverse=descending)


def _listing(call: Call, items: list[dict[str, Any]], chosen_key: str) -> list:
    """What organization_list and group_list answer: names, or dicts with `all_fields`."""
    chosen = set(params.text_list(call.data, chosen_key))
    if chosen:
        items = [i for i in items if i["name"] in chosen or i["id"] in chosen]
    items = _sorted(items, params.text(call.data, "sort") or "title asc")
    offset, limit = _page(call, default=LIST_MAX)
    items = _sliced(items, offset, limit)
    if params.boolean(call.data, "all_fields"):
        return items
    return [item["name"] for item in items]


def organization_list(call: Call) -> list:
    counts = _public_counts("department_id")
    items = [
        mapping.organization_dict(d, counts.get(d.pk, 0))
        for d in Department.objects.order_by("name")
    ]
    return _listing(call, items, "organizations")


def _with_datasets(call: Call, body: dict[str, Any], datasets) -> dict[str, Any]:
    """`package_count` from the datasets the caller may see (a member sees the private ones
    of their department), and with `include_datasets` the first LIST_MAX of them."""
    if params.boolean(call.data, "include_dataset_count", True):
        body["package_count"] = datasets.count()
    if params.boolean(call.data, "include_datasets"):
        ids = datasets.order_by("-updated_at", "pk").values_list("pk", flat=True)[:LIST_MAX]
        body["packages"] = [mapping.package_dict(d, call.links) for d in selectors.in_order(ids)]
    return body


def organization_show(call: Call) -> dict[str, Any]:
    found = department(params.required(call.data, "id"))
    body = mapping.organization_dict(found)
    body.update(code=found.code, region=found.region_id, extras=[])
    visible = selectors.listed(call.user, include_private=True)
    return _with_datasets(call, body, visible.filter(department=found))


# --- groups (domains) -------------------------------------------------------------------------


def group_list(call: Call) -> list:
    counts = _public_counts("domain")
    items = [
        mapping.group_dict(item.code, counts.get(item.code, 0))
        for item in codelists.get("domain")
        if item.code != "99" or counts.get(item.code)
    ]
    return _listing(call, items, "groups")


def group_show(call: Call) -> dict[str, Any]:
    ref = params.required(call.data, "id")
    code = mapping.domain_code(ref)
    if code is None:
        raise selectors.not_found(_("分组"), ref)
    body = mapping.group_dict(code)
    visible = selectors.listed(call.user, include_private=True)
    return _with_datasets(call, body, visible.filter(domain=code))


# --- tags and licences ------------------------------------------------------------------------


def tag_list(call: Call) -> list:
    """The keywords of the public datasets, by name; there are no vocabularies here."""
    vocabulary = params.text(call.data, "vocabulary_id")
    if vocabulary:
        raise selectors.not_found(_("词表"), vocabulary)
    names = sorted(name for name, _n in selectors.tag_counts(params.text(call.data, "query") or ""))
    offset, limit = _page(call)
    names = _sliced(names, offset, limit)
    if params.boolean(call.data, "all_fields"):
        return [mapping.tag_dict(name) for name in names]
    return names


def license_list(call: Call) -> list[dict[str, Any]]:
    return [mapping.license_dict(item.code) for item in codelists.get("licence")]
