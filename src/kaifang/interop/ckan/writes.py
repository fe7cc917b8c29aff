"""The write actions. Each runs the same catalog services as the publisher's pages, in one
transaction (the dispatcher's), with the API token as the actor the audit log names; the
services check the token user's role and the workflow, as for a person.

CKAN's `state` in the publishing workflow (docs/ckan-api.md):

* package_create makes a draft; with `"state": "active"` it is also submitted for review in
  the same call (all or nothing: a missing required value refuses the whole call).
* `"state": "active"` on a draft, returned or withdrawn dataset submits it for review; on a
  published one it submits the pending revision the edit made. A dataset in review stays there.
* An edit of a published dataset (package_update, package_patch) goes into its pending
  revision: the public values change when a reviewer approves it.
* `"state": "deleted"` and package_delete withdraw a published dataset (下线), with `reason`
  as the reason when given.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kaifang.catalog import permissions, services
from kaifang.catalog.models import Dataset, Resource, State
from kaifang.catalog.services import values as catalog_values
from kaifang.catalog.services.revisions import open_revision
from kaifang.core.errors import KaifangError
from kaifang.interop.ckan import mapping, params, reads, selectors
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import CkanError, NotAuthorized, from_kaifang, invalid

STATES = ("active", "draft", "deleted")


@contextmanager
def named(names: dict[str, str], prefix: str = "", default: str | None = None) -> Iterator[None]:
    """Errors of the services inside, with our field keys renamed to CKAN's (`prefix` put
    before each, for an entry of a list); an error naming no field is put under `default`."""
    try:
        yield
    except KaifangError as exc:
        error = from_kaifang(exc, {k: f"{prefix}{v}" for k, v in names.items()})
        if default and not error.fields and isinstance(error, CkanError) and error.status == 409:
            error.fields = {default: [error.message]}
        raise error from None


# --- datasets -------------------------------------------------------------------------------


def _writable(call: Call, ref: str) -> Dataset:
    """The dataset to change, if the caller may see it (404 otherwise) and writes in its
    department (403 otherwise; the services check again)."""
    dataset = selectors.dataset(ref, call.user)
    if not permissions.may_author_in(call.user, dataset.department):
        raise NotAuthorized(_("您不是该部门的数据发布员或管理员，不能修改此数据集。"))
    return dataset


def _owner(data: dict[str, Any]):
    ref = (params.text(data, "owner_org") or "").strip()
    if not ref:
        raise invalid("owner_org", _("请填写 owner_org（开放部门的 ID 或英文标识）。"))
    try:
        return reads.department(ref)
    except KaifangError:
        raise invalid(
            "owner_org", _("owner_org 中的组织“%(ref)s”不存在。") % {"ref": ref[:100]}
        ) from None


def _check_private(data: dict[str, Any], current: bool) -> None:
    """No catalog service changes whether a dataset is visible to its department only, so
    neither does this API: a call that would change it is refused, one that repeats it
    passes."""
    if "private" in data and params.boolean(data, "private") != current:
        raise invalid("private", _("private（仅部门内可见）不能通过 CKAN 接口修改。"))


def _rename(call: Call, dataset: Dataset, data: dict[str, Any]) -> None:
    name = params.text(data, "name")
    if name and name.strip() and name.strip() != dataset.name:
        with named({}):
            services.rename_dataset(call.actor, dataset, name.strip())


def _update(call: Call, dataset: Dataset, given: dict[str, Any]) -> None:
    """Change the values given, unless they are what the dataset (or its pending revision)
    already says: an unchanged package_update makes no revision to review."""
    given = {k: v for k, v in given.items() if not (k == "department" and v in (None, ""))}
    if not given:
        return
    with named(mapping.dataset_names()):
        cleaned = catalog_values.clean_dataset_data(given, dataset=dataset, require=False)
        before = services.editable_values(dataset)
        if catalog_values.changed_keys(before, cleaned):
            services.update_dataset(call.actor, dataset, given)


def _move(call: Call, dataset: Dataset, state: Any) -> None:
    """CKAN's `state` as a move of the workflow (see the module's docstring)."""
    if state in (None, ""):
        return
    if state not in STATES:
        raise invalid(
            "state", _("state 应为 active、draft 或 deleted（收到“%(s)s”）。") % {"s": state}
        )
    dataset.refresh_from_db()
    current = mapping.ckan_state(dataset.state)
    with named(mapping.dataset_names(), default="state"):
        if state == "active":
            _submit(call, dataset)
        elif state == "deleted" and current != "deleted":
            services.withdraw(call.actor, dataset, _reason(call.data))
    if state == "draft" and current != "draft":
        raise invalid("state", _("已发布或已下线的数据集不能改回草稿。"))


def _submit(call: Call, dataset: Dataset) -> None:
    if dataset.state == State.PUBLISHED:
        revision = open_revision(dataset)
        if revision is not None and revision.status in permissions.OPEN_REVISION:
            services.submit_revision(call.actor, revision)
    elif dataset.state != State.IN_REVIEW:
        services.submit_for_review(call.actor, dataset)


def _reason(data: dict[str, Any]) -> str:
    return (params.text(data, "reason") or "").strip() or _("通过 CKAN 接口下线。")


def _shown(call: Call, dataset: Dataset) -> dict[str, Any]:
    return reads.shown(call, selectors.dataset(str(dataset.pk), call.user))


def package_create(call: Call) -> dict[str, Any]:
    data = call.data
    department = _owner(data)
    _check_private(data, False)
    given = mapping.dataset_input(data, full=False)
    given.pop("department", None)
    with named(mapping.dataset_names()):
        dataset = services.create_dataset(call.actor, department=department, data=given)
    _rename(call, dataset, data)
    _resources(call, dataset, data)
    _move(call, dataset, data.get("state"))
    return _shown(call, dataset)


def _edit(call: Call, *, full: bool) -> dict[str, Any]:
    data = call.data
    dataset = _writable(call, reads.dataset_ref(call))
    _check_private(data, dataset.is_private)
    _update(call, dataset, mapping.dataset_input(data, full=full))
    _rename(call, dataset, data)
    _resources(call, dataset, data)
    _move(call, dataset, data.get("state"))
    return _shown(call, dataset)


def package_update(call: Call) -> dict[str, Any]:
    """CKAN's full replace: a field the dict leaves out is emptied."""
    return _edit(call, full=True)


def package_patch(call: Call) -> dict[str, Any]:
    """Only the fields given change."""
    return _edit(call, full=False)


def package_delete(call: Call) -> None:
    """Withdraw (下线) a published dataset; one already withdrawn or taken down stays so."""
    dataset = _writable(call, reads.dataset_ref(call))
    if mapping.ckan_state(dataset.state) != "deleted":
        with named({}, default="id"):
            services.withdraw(call.actor, dataset, _reason(call.data))
    return None


# --- resources ------------------------------------------------------------------------------


def _upload(data: dict[str, Any]) -> UploadedFile | None:
    value = data.get("upload")
    if value in (None, ""):
        return None
    if not isinstance(value, UploadedFile):
        raise invalid("upload", _("upload 应为以 multipart/form-data 上传的文件。"))
    return value


def _resources(call: Call, dataset: Dataset, data: dict[str, Any]) -> None:
    """`resources` in a package dict: entries without an id are added (links and API
    endpoints; files come through resource_create); entries naming an existing resource of
    the dataset must leave it as it is (resource_update changes resources)."""
    entries = data.get("resources")
    if entries in (None, ""):
        return
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise invalid("resources", _("resources 应为资源对象的列表。"))
    for number, entry in enumerate(entries):
        prefix = f"resources[{number}]."
        if entry.get("id"):
            _unchanged(call, _own_resource(dataset, entry["id"], prefix), entry, prefix)
            continue
        with named(mapping.resource_names(), prefix):
            given = mapping.resource_input(entry, has_file=False)
            services.add_resource(call.actor, dataset, data=given)


def _own_resource(dataset: Dataset, ref: Any, prefix: str) -> Resource:
    found = Resource.objects.filter(dataset=dataset, pk=_uuid(ref)).first() if _uuid(ref) else None
    if found is None:
        raise invalid(f"{prefix}id", _("资源“%(id)s”不属于该数据集。") % {"id": str(ref)[:100]})
    return found


def _uuid(ref: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(ref))
    except ValueError:
        return None


def _same(place: mapping.Place, given: Any, current: Any) -> bool:
    if place.field.key == "kind":
        if given in (None, ""):  # CKAN's resource_type is often null: nothing asked
            return True
        given = mapping.KINDS.get(str(given).strip().lower(), given)
    if place.field.key == "format" and isinstance(given, str):
        given, current = given.strip().upper(), (current or "").upper()
    norm = [("" if v is None else str(v).strip()) for v in (given, current)]
    return norm[0] == norm[1]


def _unchanged(call: Call, resource: Resource, entry: dict[str, Any], prefix: str = "") -> None:
    """The platform has no way yet to edit a resource's details once made (a file gets a new
    version instead): a call that changes them is refused, naming each field, rather than
    answered as if it had."""
    shown = mapping.resource_dict(resource, call.links)
    changed = {}
    for place in mapping.resource_places():
        if place.key not in entry or (place.key == "url" and resource.kind == Resource.Kind.FILE):
            continue
        if not _same(place, entry[place.key], shown.get(place.key)):
            changed[f"{prefix}{place.key}"] = [
                _("资源的“%(label)s”创建后不能修改；文件资源可用 upload 上传新版本。")
                % {"label": place.field.labels["zh"]}
            ]
    if changed:
        raise CkanError(_("资源信息不能修改：%(keys)s。") % {"keys": "、".join(changed)}, changed)


def resource_create(call: Call) -> dict[str, Any]:
    data = call.data
    dataset = _writable(call, params.required(data, "package_id"))
    upload = _upload(data)
    given = mapping.resource_input(data, has_file=upload is not None)
    with named(mapping.resource_names()):
        resource = services.add_resource(call.actor, dataset, data=given, upload=upload)
    return mapping.resource_dict(selectors.resource(str(resource.pk), call.user), call.links)


def resource_update(call: Call) -> dict[str, Any]:
    """A new file for a file resource (a new version, through review on a published
    dataset); its other details as they are."""
    data = call.data
    resource = selectors.resource(params.required(data, "id"), call.user)
    _writable(call, str(resource.dataset_id))
    package = params.text(data, "package_id")
    if package and package not in (str(resource.dataset_id), resource.dataset.name):
        raise invalid("package_id", _("资源不能移到另一个数据集。"))
    upload = _upload(data)
    _unchanged(call, resource, data)
    if upload is not None:
        with named(mapping.resource_names()):
            services.add_resource_version(call.actor, resource, upload)
    return mapping.resource_dict(selectors.resource(str(resource.pk), call.user), call.links)
