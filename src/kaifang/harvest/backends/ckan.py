"""Harvesting a CKAN catalog through its Action API (CKAN 2.9+, or any Kaifang).

Pages come from `package_search`, sorted by modification time, `rows` at a time; an incremental
run asks only for `metadata_modified:[<since> TO *]`. A package becomes our values through the
`ckan:` entry of each field of the metadata schema — the same mapping our own CKAN API uses
outward — so a field added to the schema is harvested without a change here. The remote
organization becomes a department and the first mapped group a domain through the source's
mapping tables; tags become keywords; resources become link (or API) resources pointing at the
remote files — or, for a mirror source, the remote's files become file resources whose files are
fetched here (`harvest.mirror`). Packages in the `deleted` state are withdrawn here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.catalog.schema import Field, get_schema
from kaifang.core.http import FetchFailed
from kaifang.harvest.backends.base import (
    HarvestBackend,
    RecordFailed,
    RemoteRecord,
    mirror_entry,
    register,
)

EXTRAS = "extras."
#: CKAN keys whose values need a mapping of their own
SPECIAL = {"owner_org", "groups", "tags"}


def action_url(base: str, action: str) -> str:
    """The Action API URL of `action`, whether the source URL is the site, its /api/3 or its
    /api/3/action."""
    base = base.rstrip("/")
    if base.endswith("/api/3/action"):
        return f"{base}/{action}"
    if base.endswith("/api/3"):
        return f"{base}/action/{action}"
    return f"{base}/api/3/action/{action}"


def site_url(base: str) -> str:
    base = base.rstrip("/")
    for suffix in ("/api/3/action", "/api/3"):
        base = base.removesuffix(suffix)
    return base


@register
class CkanBackend(HarvestBackend):
    key = "ckan"
    label = gettext_lazy("CKAN 接口")
    #: packages asked for per page (CKAN's default maximum is 1000)
    rows = 100
    #: ids asked for per page when listing every remote package
    id_rows = 1000

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._count: int | None = None

    def total(self) -> int | None:
        return self._count

    def pages(self, since: dt.datetime | None) -> Iterator[list[Any]]:
        start = 0
        while True:
            result = self._search(since, start)
            self._count = result["count"]
            page = result["results"]
            if not page:
                return
            yield page
            start += len(page)
            if start >= self._count:
                return

    def _search(self, since: dt.datetime | None, start: int) -> dict[str, Any]:
        params = {"q": "*:*", "rows": self.rows, "start": start, "sort": "metadata_modified asc"}
        if since is not None:
            stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            params["fq"] = f"metadata_modified:[{stamp} TO *]"
        return self._ask(params)

    def remote_ids(self) -> set[str] | None:
        """Every package id the remote lists, asked for by `fl=id` a thousand at a time (a
        CKAN that ignores `fl` sends whole packages: slower, the same ids)."""
        ids: set[str] = set()
        start = 0
        while True:
            params = {"q": "*:*", "fl": "id", "rows": self.id_rows, "start": start}
            result = self._ask({**params, "sort": "metadata_modified asc"})
            page = result["results"]
            ids.update(str(p.get("id"))[:200] for p in page if isinstance(p, dict) and p.get("id"))
            start += len(page)
            if not page or start >= result["count"]:
                return ids

    def _ask(self, params: dict[str, Any]) -> dict[str, Any]:
        url = f"{action_url(self.source.url, 'package_search')}?{urlencode(params)}"
        answer = self.fetch_json(url)
        result = answer.get("result") if isinstance(answer, dict) else None
        if not (isinstance(answer, dict) and answer.get("success") and isinstance(result, dict)):
            raise FetchFailed(_("%(url)s 没有返回 CKAN 的检索结果。") % {"url": url})
        if not isinstance(result.get("results"), list) or not isinstance(result.get("count"), int):
            raise FetchFailed(_("%(url)s 返回的检索结果缺少 count 或 results。") % {"url": url})
        return result

    def parse(self, raw: Any) -> RemoteRecord:
        if not isinstance(raw, dict) or not raw.get("id"):
            raise RecordFailed(_("记录不是带 id 的 CKAN 数据集。"))
        name = str(raw.get("name") or raw["id"])
        return RemoteRecord(
            remote_id=str(raw["id"])[:200],
            original_url=f"{site_url(self.source.url)}/dataset/{name}",
            raw=raw,
            deleted=raw.get("state") == "deleted",
        )

    def map_values(self, record: RemoteRecord) -> dict[str, Any]:
        package = record.raw
        extras = _extras(package)
        values: dict[str, Any] = {}
        for f in get_schema().editable_dataset_fields:
            if not f.ckan or f.ckan in SPECIAL:
                continue
            if f.ckan.startswith(EXTRAS):
                raw = extras.get(f.ckan.removeprefix(EXTRAS))
                value = None if raw is None else _from_extra(f, raw)
            else:
                value = package.get(f.ckan)
            if value not in (None, "", []):
                values[f.key] = value
        values.update(self._special_values(package))
        return {**self._defaults(values), **values}

    def _special_values(self, package: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {"department": self._department(package)}
        domain = self._domain(package)
        if domain:
            values["domain"] = domain
        tags = [t.get("name") or t.get("display_name") for t in package.get("tags") or []]
        if tags:
            values["keywords"] = [str(t) for t in tags if t]
        return values

    def _defaults(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in (self.source.defaults or {}).items() if k not in values}

    def _department(self, package: dict[str, Any]) -> str:
        """The remote organization's mapped department; a department's own source may leave the
        mapping empty and writes into its department."""
        organization = package.get("organization") or {}
        remote = str(organization.get("name") or package.get("owner_org") or "")
        mapped = (self.source.department_map or {}).get(remote)
        if mapped:
            return str(mapped)
        if self.source.department_id is not None:
            return self.source.department.name
        raise RecordFailed(
            _("远端组织“%(org)s”在部门对照表中没有对应的部门。") % {"org": remote or "-"}
        )

    def _domain(self, package: dict[str, Any]) -> str:
        mapping = self.source.domain_map or {}
        for group in package.get("groups") or []:
            code = mapping.get(str(group.get("name") or ""))
            if code:
                return str(code)
        return ""

    def map_resources(self, record: RemoteRecord) -> list[dict[str, Any]]:
        found = []
        for n, raw in enumerate(record.raw.get("resources") or []):
            url = str(raw.get("url") or "").strip()
            if not url:
                continue
            entry = {
                "title": str(raw.get("name") or "").strip() or _("资源%(n)s") % {"n": n + 1},
                "description": str(raw.get("description") or ""),
                "kind": "api" if raw.get("resource_type") == "api" else "link",
                "url": url,
                "format": str(raw.get("format") or "").upper()[:16],
            }
            found.append(self._mirrored(raw, entry))
        return found

    def _mirrored(self, raw: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        """In a mirror source, a file with what CKAN (and Kaifang) say of it: `hash` (Kaifang:
        "sha256:…"), `size` and `last_modified` (else `metadata_modified`), so an unchanged
        file is not fetched again. A resource the remote stores itself (`url_type` "upload")
        is a file whatever its format."""
        size = raw.get("size")
        return mirror_entry(
            self.source,
            entry,
            key=str(raw.get("id") or entry["url"]),
            download=raw.get("url_type") == "upload",
            hash=str(raw.get("hash") or ""),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            modified=str(raw.get("last_modified") or raw.get("metadata_modified") or ""),
        )


def _extras(package: dict[str, Any]) -> dict[str, Any]:
    extras = package.get("extras") or []
    if isinstance(extras, dict):
        return extras
    return {str(e.get("key")): e.get("value") for e in extras if isinstance(e, dict)}


def _from_extra(f: Field, raw: Any) -> Any:
    """Extras carry text: lists and objects as JSON, booleans as "true"/"false"."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if f.type == "boolean":
        return text.lower() in {"true", "1", "yes", "是"}
    if text[:1] in {"[", "{"}:
        try:
            return json.loads(text)
        except ValueError:
            raise RecordFailed(
                _("扩展字段“%(key)s”不是有效的 JSON。") % {"key": f.ckan.removeprefix(EXTRAS)}
            ) from None
    if f.is_list:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text
