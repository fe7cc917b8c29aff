"""Adding resources (a file, an external link or an API endpoint) and new file versions.

On a dataset not yet public the new resource or version is current at once. On a published
dataset it belongs to the open revision (made if needed) and stays out of public view until that
revision is approved: a new resource carries `pending_revision`, a new version of a public
resource carries `revision` while the resource keeps pointing at its approved version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kaifang.catalog import permissions, uploads
from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ResourceVersion, State
from kaifang.catalog.schema import get_schema
from kaifang.catalog.schema.validation import MetadataInvalid, is_empty, validate
from kaifang.catalog.services import revisions
from kaifang.catalog.services._base import acting_user, lock, log, require
from kaifang.core import names
from kaifang.core.audit import Actor
from kaifang.core.errors import InvalidTransition
from kaifang.datastore import services as datastore_services
from kaifang.search.services import dataset_changed

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

Kind = Resource.Kind


def _pending_revision(user, dataset: Dataset) -> DatasetRevision | None:
    """Check the dataset takes new content now; on a published one, the revision it goes in."""
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能修改此数据集的资源。"),
    )
    if dataset.state == State.PUBLISHED:
        return revisions.revision_for_edit(dataset, user)
    if dataset.state not in permissions.in_place_states(user):
        state = dataset.get_state_display()
        raise InvalidTransition(_("数据集当前状态为“%(state)s”，不能修改资源。") % {"state": state})
    return None


def clean_resource_data(data: dict[str, Any], *, has_file: bool) -> dict[str, Any]:
    """Validate resource values against the schema's resource fields; a file resource needs a
    file, links and API endpoints need a URL and take none."""
    data = dict(data)
    if is_empty(data.get("kind")):
        data["kind"] = Kind.FILE if has_file else ""
    cleaned, errors = validate(get_schema().resource_fields, data, require=True)
    kind = cleaned.get("kind")
    if kind == Kind.FILE and not has_file:
        errors.setdefault("file", []).append(_("文件资源请上传文件。"))
    if kind in {Kind.LINK, Kind.API} and has_file:
        errors.setdefault("file", []).append(_("外部链接和接口资源不能上传文件。"))
    if errors:
        raise MetadataInvalid(errors)
    return cleaned


def _resource_name_taken(name: str) -> bool:
    return Resource.objects.filter(name=name).exists()


@transaction.atomic
def add_resource(
    actor: Actor, dataset: Dataset, *, data: dict[str, Any], upload: UploadedFile | None = None
) -> Resource:
    """Add a resource; a file resource stores `upload` as its version 1."""
    user = acting_user(actor)
    lock(dataset)
    revision = _pending_revision(user, dataset)
    cleaned = clean_resource_data(data, has_file=upload is not None)
    resource = _new_resource(dataset, cleaned, revision)
    version = None
    if upload is not None:
        version = uploads.store_upload(resource, upload, actor=actor)
        _make_current_or_ingest(resource, version)
    dataset_changed(dataset, reason="resource")
    log(
        actor,
        "resource.add",
        dataset,
        resource=str(resource.pk),
        title=resource.title,
        kind=resource.kind,
        **_version_detail(version),
        **_revision_detail(revision),
    )
    return resource


def _new_resource(dataset: Dataset, cleaned: dict[str, Any], revision) -> Resource:
    schema = get_schema()
    columns = {k: v for k, v in cleaned.items() if schema.resource_field(k).column}
    extra = {k: v for k, v in cleaned.items() if k not in columns and not is_empty(v)}
    base = names.slug_from_text(cleaned["title"])
    resource = Resource(
        dataset=dataset,
        name=names.unique_name(base, _resource_name_taken, fallback="resource"),
        position=dataset.resources.count(),
        pending_revision=revision,
        metadata=extra,
        **{k: ("" if v is None else v) for k, v in columns.items()},
    )
    resource.save()
    return resource


def _make_current_or_ingest(resource: Resource, version: ResourceVersion) -> None:
    """A tabular version becomes current only once the datastore has ingested it (it moves
    the pointer then, and never to a version whose ingest failed); other files at once."""
    if datastore_services.is_tabular(version):
        if resource.current_version_id is None:
            resource.format = version.detected_format
            resource.save(update_fields=["format", "updated_at"])
        datastore_services.queue_ingest(version)
    else:
        _make_current(resource, version)


def _make_current(resource: Resource, version: ResourceVersion) -> None:
    resource.current_version = version
    resource.format = version.detected_format
    resource.save(update_fields=["current_version", "format", "updated_at"])


def _version_detail(version: ResourceVersion | None) -> dict[str, Any]:
    if version is None:
        return {}
    return {
        "version": version.number,
        "file": version.original_name,
        "size": version.size,
        "sha256": version.sha256,
        "format": version.detected_format,
    }


def _revision_detail(revision: DatasetRevision | None) -> dict[str, Any]:
    return {"revision": str(revision.pk)} if revision is not None else {}


@transaction.atomic
def add_resource_version(actor: Actor, resource: Resource, upload: UploadedFile) -> ResourceVersion:
    """Upload a new version of a file resource. The public resource keeps its approved version
    until the dataset's revision carrying the new one is approved."""
    user = acting_user(actor)
    dataset = resource.dataset
    lock(dataset)
    resource.refresh_from_db()
    revision = _pending_revision(user, dataset)
    if resource.kind != Kind.FILE:
        raise InvalidTransition(_("只有文件资源可以上传新版本。"))
    public = revision is not None and resource.pending_revision_id is None
    version = uploads.store_upload(
        resource, upload, actor=actor, revision=revision if public else None
    )
    if not public:
        _make_current_or_ingest(resource, version)
    elif datastore_services.is_tabular(version):
        datastore_services.queue_ingest(version)  # current once ingested and approved
    dataset_changed(dataset, reason="resource")
    log(
        actor,
        "resource.version",
        dataset,
        resource=str(resource.pk),
        title=resource.title,
        **_version_detail(version),
        **_revision_detail(revision if public else None),
    )
    return version
