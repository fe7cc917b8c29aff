"""Datasets and resources as CKAN's dicts, and CKAN's dicts back as metadata values.

Where each schema field goes comes from its `ckan:` entry in the metadata schema
(catalog/schema/default.yaml): a CKAN key (`title`, `notes`, `maintainer` …), one of the keys
CKAN gives a shape of its own (`owner_org` with `organization`, `groups`, `tags`, `license_id`
with its title and URL, `metadata_created`), or `extras.<key>` for an entry of `extras`. A
field without an entry goes to `extras` under its own key. So a field added to the schema
appears in every package dict, and is read back from package_create and package_update,
without a change here.

Extras hold text, as in CKAN: lists and objects as JSON, booleans as "true"/"false". Only the
schema's extras are read back; an unknown key is refused rather than kept, so free-form extras
never shadow a schema field.

States: published is CKAN's `active`; draft, in review and returned are `draft`; withdrawn
and taken down are `deleted`. Our own state is given too, as `workflow_state`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, Resource, State
from kaifang.catalog.schema import Field, get_schema
from kaifang.catalog.services import dataset_values
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.harvest.selectors import provenance
from kaifang.interop.ckan.errors import ValidationError
from kaifang.interop.links import Links
from kaifang.interop.selectors import media_type_of
from kaifang.organizations.models import Department

EXTRAS = "extras."
#: CKAN keys with a shape of their own; every other key carries the value as it is
SHAPED = frozenset({"owner_org", "groups", "tags", "license_id", "metadata_created"})
GROUP_PREFIX = "domain-"
GROUPS = uuid.UUID("5b0f4c0e-8a53-5d36-9d53-2f3c1d1e6a01")  # namespace of the groups' ids
TAGS = uuid.UUID("8f1a7c62-2b0e-5a4f-9c1d-6e0b4f5a7d02")  # namespace of the tags' ids

CKAN_STATES = {
    State.PUBLISHED: "active",
    State.DRAFT: "draft",
    State.IN_REVIEW: "draft",
    State.RETURNED: "draft",
    State.WITHDRAWN: "deleted",
    State.TAKEN_DOWN: "deleted",
}
#: resource_type values CKAN clients send, as our resource kinds
KINDS = {"file.upload": "file", "upload": "file", "file": "file", "api": "api", "link": "link"}


@dataclass(frozen=True)
class Place:
    """Where one schema field sits in a CKAN dict: a top-level key, or an entry of extras."""

    field: Field
    key: str
    in_extras: bool

    @property
    def name(self) -> str:
        """How errors name the field: the CKAN key, `extras.<key>` for an extra."""
        return f"{EXTRAS}{self.key}" if self.in_extras else self.key


def _place(f: Field) -> Place:
    target = f.ckan or f"{EXTRAS}{f.key}"
    if target.startswith(EXTRAS):
        return Place(f, target[len(EXTRAS) :], True)
    return Place(f, target, False)


def dataset_places() -> list[Place]:
    return [_place(f) for f in get_schema().dataset_fields]


def resource_places() -> list[Place]:
    return [_place(f) for f in get_schema().resource_fields]


def dataset_names() -> dict[str, str]:
    """Our dataset field keys → the CKAN names errors use."""
    return {p.field.key: p.name for p in dataset_places()}


def resource_names() -> dict[str, str]:
    return {p.field.key: p.name for p in resource_places()} | {"file": "upload"}


# --- small shapes ----------------------------------------------------------------------------


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    return moment.isoformat()


def ckan_state(state: str) -> str:
    return CKAN_STATES.get(state, "draft")


def group_name(code: str) -> str:
    """A domain's name as a CKAN group: CKAN names are two characters or more."""
    return f"{GROUP_PREFIX}{code}"


def group_id(code: str) -> str:
    return str(uuid.uuid5(GROUPS, code))


def domain_code(ref: Any) -> str | None:
    """The domain a group reference means: its name, id or code (None for none)."""
    text = str(ref or "").strip()
    for item in codelists.get("domain"):
        if text in (item.code, group_name(item.code), group_id(item.code)):
            return item.code
    return None


def group_dict(code: str, count: int | None = None) -> dict[str, Any]:
    label = codelists.get("domain").label(code)
    body = {
        "id": group_id(code),
        "name": group_name(code),
        "title": label,
        "display_name": label,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "code": code,
    }
    if count is not None:
        body["package_count"] = count
    return body


def tag_dict(name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(TAGS, name)),
        "name": name,
        "display_name": name,
        "state": "active",
        "vocabulary_id": None,
    }


def organization_dict(department: Department, count: int | None = None) -> dict[str, Any]:
    body = {
        "id": str(department.pk),
        "name": department.name,
        "title": department.title,
        "display_name": department.title,
        "description": department.description,
        "image_url": "",
        "image_display_url": "",
        "created": iso(department.created_at),
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
    }
    if count is not None:
        body["package_count"] = count
    return body


def license_dict(code: str) -> dict[str, Any]:
    item = codelists.get("licence").get(code)
    return {
        "id": code,
        "title": item.label if item else code,
        "url": (item.extra.get("url") or "") if item else "",
        "status": "active",
    }


# --- out: package and resource dicts --------------------------------------------------------


def _extra_text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Department):
        return str(value.pk)
    if isinstance(value, Region):
        return value.code
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Department):
        return str(value.pk)
    if isinstance(value, Region):
        return value.code
    if isinstance(value, dt.date):
        return iso(value)
    return value


def _shaped(body: dict[str, Any], key: str, value: Any, dataset: Dataset, f: Field) -> None:
    """The keys CKAN gives a shape of their own."""
    if key == "owner_org":
        department = dataset.department
        body["owner_org"] = str(department.pk)
        body["organization"] = organization_dict(department)
    elif key == "groups":
        body["groups"] = [group_dict(value)] if value else []
    elif key == "tags":
        body["tags"] = [tag_dict(name) for name in value or []]
    elif key == "license_id":
        licence = license_dict(value) if value else None
        body["license_id"] = value or None
        body["license_title"] = licence["title"] if licence else None
        body["license_url"] = (licence["url"] or None) if licence else None
    elif key == "metadata_created":
        raw = getattr(dataset, f.key, None) if f.column else value
        body["metadata_created"] = iso(raw or dataset.created_at)


def _base(dataset: Dataset, links: Links) -> dict[str, Any]:
    """The keys every CKAN package has, before the schema's fields fill theirs."""
    department = dataset.department
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title,
        "type": "dataset",
        "state": ckan_state(dataset.state),
        "workflow_state": dataset.state,
        "private": dataset.is_private,
        "isopen": dataset.open_type == "open",
        "url": links.dataset_page(dataset),
        "version": None,
        "author": department.title,
        "author_email": department.contact_email or None,
        "maintainer": None,
        "maintainer_email": None,
        "notes": None,
        "license_id": None,
        "license_title": None,
        "license_url": None,
        "metadata_created": iso(dataset.created_at),
        "metadata_modified": iso(dataset.updated_at),
        "owner_org": str(department.pk),
        "organization": organization_dict(department),
        "groups": [],
        "tags": [],
        "extras": [],
    }


def package_dict(dataset: Dataset, links: Links) -> dict[str, Any]:
    """CKAN's package dict of `dataset`, loaded with department, tags and public resources
    (selectors.loaded)."""
    values = dataset_values(dataset)
    body = _base(dataset, links)
    for place in dataset_places():
        value = values.get(place.field.key)
        if place.in_extras:
            text = _extra_text(value)
            if text is not None:
                body["extras"].append({"key": place.key, "value": text})
        elif place.key in SHAPED:
            _shaped(body, place.key, value, dataset, place.field)
        else:
            body[place.key] = _plain(value)
    resources = [resource_dict(r, links) for r in dataset.resources.all()]
    body.update(
        resources=resources,
        num_resources=len(resources),
        num_tags=len(body["tags"]),
    )
    harvested = provenance(dataset)
    if harvested is not None:  # where a harvested dataset came from (read only, not an extra)
        body["harvest_source"] = harvested
    return body


def _resource_value(resource: Resource, f: Field) -> Any:
    if f.column:
        return getattr(resource, f.key)
    return resource.metadata.get(f.key, [] if f.is_list else None)


def resource_dict(resource: Resource, links: Links) -> dict[str, Any]:
    """CKAN's resource dict. A file's `url` is its download address here (counted and
    access-checked); links and APIs keep their own."""
    version = resource.current_version
    is_file = resource.kind == Resource.Kind.FILE
    body: dict[str, Any] = {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "position": resource.position,
        "state": "active",
        "url_type": "upload" if is_file else None,
        "mimetype": media_type_of(resource) or None,
        "size": version.size if version is not None else None,
        "hash": f"sha256:{version.sha256}" if version is not None else "",
        "created": iso(resource.created_at),
        "last_modified": iso(version.created_at if version is not None else resource.updated_at),
        "datastore_active": bool(getattr(resource, "datastore_active", False)),
    }
    for place in resource_places():
        value = _plain(_resource_value(resource, place.field))
        if place.in_extras:
            body[place.key] = _extra_text(value)
        else:
            body[place.key] = value
    if is_file:
        body["url"] = links.download(resource)
    return body


# --- in: CKAN dicts as metadata values ------------------------------------------------------


class Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _extras_of(data: dict[str, Any], known: set[str], errors: Errors) -> dict[str, Any]:
    raw = data.get("extras")
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):  # a client that sends extras as an object
        raw = [{"key": k, "value": v} for k, v in raw.items()]
    if not isinstance(raw, list):
        errors.add("extras", _('extras 应为 [{"key": …, "value": …}] 形式的列表。'))
        return {}
    found: dict[str, Any] = {}
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            errors.add("extras", _("extras 第 %(n)d 项应含文本 key。") % {"n": number})
        elif item["key"] not in known:
            errors.add(
                "extras",
                _("extras 中的“%(key)s”不是本平台元数据方案的字段；可用：%(known)s。")
                % {"key": item["key"][:50], "known": "、".join(sorted(known))},
            )
        else:
            found[item["key"]] = item.get("value")
    return found


def _extra_value(place: Place, value: Any, errors: Errors) -> Any:
    """An extra's text as the field's value: lists and objects arrive as JSON text."""
    if not isinstance(value, str) or not place.field.is_list:
        return value
    stripped = value.strip()
    if not stripped.startswith(("[", "{")):
        return value
    try:
        return json.loads(stripped)
    except ValueError:
        errors.add(place.name, _("%(name)s 的值不是有效的 JSON。") % {"name": place.name})
        return None


def _group_value(raw: Any, errors: Errors) -> str:
    """`groups` is the one domain: [{"name": …}] (or id), one entry at most."""
    if raw in (None, "", []):
        return ""
    items = raw if isinstance(raw, list) else [raw]
    refs = [
        (item.get("name") or item.get("id")) if isinstance(item, dict) else item for item in items
    ]
    if len(refs) > 1:
        errors.add("groups", _("groups 只能有一项：数据集属于一个领域。"))
        return ""
    code = domain_code(refs[0])
    if code is None:
        errors.add(
            "groups",
            _("groups 中的“%(ref)s”不是领域；领域的名称形如 domain-6，见 group_list。")
            % {"ref": str(refs[0])[:50]},
        )
        return ""
    return code


def _tags_value(data: dict[str, Any], errors: Errors) -> list[str] | str:
    raw = data.get("tags")
    if raw is None and "tag_string" in data:
        return data.get("tag_string") or ""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add("tags", _('tags 应为 [{"name": …}] 形式的列表。'))
        return []
    names = [item.get("name") if isinstance(item, dict) else item for item in raw]
    if any(not isinstance(name, str) for name in names):
        errors.add("tags", _("tags 的每一项应含文本 name。"))
        return []
    return names


def _present(place: Place, data: dict[str, Any]) -> bool:
    if place.in_extras:
        return "extras" in data
    if place.key == "tags":
        return "tags" in data or "tag_string" in data
    return place.key in data


def dataset_input(data: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """The metadata values a CKAN package dict gives, keyed by our field keys. With `full`
    (package_update replaces the whole dataset, as in CKAN) a field the dict leaves out is
    emptied; otherwise (package_create, package_patch) only the fields given are. Raises a
    Validation Error naming CKAN's keys."""
    every = dataset_places()
    places = [p for p in every if not p.field.readonly]
    errors = Errors()
    # the platform's own extras (provider_code …) come back from package_show; not read
    extras = _extras_of(data, {p.key for p in every if p.in_extras}, errors)
    found: dict[str, Any] = {}
    for place in places:
        if not (full or _present(place, data)):
            continue
        if place.in_extras:
            found[place.field.key] = _extra_value(place, extras.get(place.key), errors)
        elif place.key == "groups":
            found[place.field.key] = _group_value(data.get("groups"), errors)
        elif place.key == "tags":
            found[place.field.key] = _tags_value(data, errors)
        else:
            found[place.field.key] = data.get(place.key)
    if errors:
        raise ValidationError(_("数据集的值有误。"), dict(errors))
    return found


def resource_input(data: dict[str, Any], *, has_file: bool) -> dict[str, Any]:
    """The resource values a CKAN resource dict gives, keyed by our field keys. A file's
    `url` is ours to give, so it is not read when a file comes with the call."""
    found: dict[str, Any] = {}
    for place in resource_places():
        value = data.get(place.key)
        if place.key not in data or (place.field.key == "url" and has_file):
            continue
        if place.field.key == "kind":
            if value in (None, ""):  # CKAN's resource_type is often null
                continue
            value = KINDS.get(str(value).strip().lower(), value)
        if place.field.key == "format" and isinstance(value, str):
            value = value.strip().upper()
        found[place.field.key] = value
    if not has_file:
        found.setdefault("kind", "link")
    return found
