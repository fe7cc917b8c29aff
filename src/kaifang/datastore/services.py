"""Changes to the datastore: queueing ingests and exports, recording an ingest's progress and
outcome, and moving a resource's published pointer once its new version is fully ingested.

A tabular version is held back (status pending) when stored; it becomes the resource's current
version only when every table of it is ready — and, when it was uploaded under a revision of a
published dataset, only once that revision is approved (`catalog.services.revisions` moves the
pointer of versions ready at approval; this module moves those that finish after). A version
whose ingest fails never becomes current: the previous one stays served."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import DatasetRevision, Resource, ResourceVersion
from kaifang.catalog.services._base import acting_user, lock, log, require
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid
from kaifang.datastore.exporters import queue_exports
from kaifang.datastore.models import DatastoreTable, FieldType
from kaifang.datastore.selectors import is_tabular
from kaifang.search.services import dataset_changed, datasets_changed

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)
Status = DatastoreTable.Status
SYSTEM = Actor.system("datastore")
#: revisions whose versions are public once ready (discarded ones were merged into the dataset)
APPLIED = (DatasetRevision.Status.APPROVED, DatasetRevision.Status.DISCARDED)


def queue_ingest(version: ResourceVersion) -> None:
    """Hold a tabular version back until it is ingested, show it as queued, and queue its
    ingest for after the current transaction commits. Other versions are left alone."""
    if not is_tabular(version):
        return
    version.status = ResourceVersion.Status.PENDING
    version.save(update_fields=["status"])
    DatastoreTable.objects.get_or_create(
        version=version,
        sheet="",
        defaults={"resource_id": version.resource_id, "stage": "queued"},
    )
    version_id = str(version.pk)

    def enqueue() -> None:
        from kaifang.datastore.tasks import ingest_version_task

        ingest_version_task(version_id)

    transaction.on_commit(enqueue)


def start_ingest(version: ResourceVersion) -> DatastoreTable:
    """Mark the version's first table running (made if the version was never queued)."""
    table, _made = DatastoreTable.objects.get_or_create(
        version=version, position=0, defaults={"resource_id": version.resource_id}
    )
    table.status, table.stage, table.error = Status.RUNNING, "read", {}
    table.rows_done, table.rows_total, table.started_at = 0, None, timezone.now()
    table.save(update_fields=["status", "stage", "error", "rows_done", "rows_total", "started_at"])
    return table


def overrides_for(version: ResourceVersion) -> dict[str, dict[str, str]]:
    """Sheet → the publisher's column types: those set on this version's tables, else those
    of the previous version's same sheet (a new upload keeps the publisher's choices)."""
    found = {s: dict(t.type_overrides) for s, t in _previous_tables(version).items()}
    for table in DatastoreTable.objects.filter(version=version):
        if table.type_overrides:
            found[table.sheet] = dict(table.type_overrides)
    return found


def tables_for_sheets(version: ResourceVersion, sheets: list[str]) -> list[DatastoreTable]:
    """One table per sheet, in order: tables already there for a sheet are kept (with the
    publisher's type overrides), the first table takes the first sheet, others are made; a
    new version's tables start from the overrides of the previous version's same sheet."""
    existing = {t.sheet: t for t in DatastoreTable.objects.filter(version=version)}
    first = min(existing.values(), key=lambda t: t.position, default=None)
    keep = [existing.get(sheet) for sheet in sheets]
    if first is not None and keep and keep[0] is None and first not in keep:
        keep[0] = first
    DatastoreTable.objects.filter(version=version).exclude(
        pk__in=[t.pk for t in keep if t]
    ).delete()
    previous = _previous_tables(version)
    tables = []
    for position, (sheet, table) in enumerate(zip(sheets, keep, strict=True)):
        table = table or DatastoreTable(version=version, resource_id=version.resource_id)
        table.sheet, table.position, table.status = sheet, position, Status.RUNNING
        if not table.type_overrides and sheet in previous:
            table.type_overrides = dict(previous[sheet].type_overrides)
        table.save()
        tables.append(table)
    return tables


def _previous_tables(version: ResourceVersion) -> dict[str, DatastoreTable]:
    """The tables of the resource's current version (or else its latest older one), by sheet."""
    resource = version.resource
    source = resource.current_version_id
    if source is None or source == version.pk:
        older = resource.versions.filter(number__lt=version.number).order_by("-number").first()
        source = older.pk if older else None
    return {t.sheet: t for t in DatastoreTable.objects.filter(version_id=source)}


def report_progress(table: DatastoreTable, stage: str, done: int, total: int | None) -> None:
    """Record where the ingest of `table` is (shown to the publisher while it runs)."""
    DatastoreTable.objects.filter(pk=table.pk).update(stage=stage, rows_done=done, rows_total=total)


@dataclass
class IngestedTable:
    table: DatastoreTable
    fields: list[dict[str, Any]]
    rows: int
    profile: dict[str, Any]
    data_path: str


def fields_from(columns, labels) -> list[dict[str, Any]]:
    """The field list of a table as ingested, with no description or unit yet."""
    return [
        {
            "id": c.id,
            "type": c.type,
            "label": label or c.id,
            "description": "",
            "unit": "",
            "source": label,
        }
        for c, label in zip(columns, labels, strict=False)
    ]


def field_entries(version: ResourceVersion, sheet: str, columns, labels) -> list[dict[str, Any]]:
    """The field list of a table; descriptions and units the publisher gave the previous
    version's same field are kept."""
    before = _previous_tables(version).get(sheet)
    known = {f["id"]: f for f in (before.fields if before else [])}
    return [
        {
            "id": column.id,
            "type": column.type,
            "label": known.get(column.id, {}).get("label") or label or column.id,
            "description": known.get(column.id, {}).get("description", ""),
            "unit": known.get(column.id, {}).get("unit", ""),
            "source": label,
        }
        for column, label in zip(columns, labels, strict=False)
    ]


@transaction.atomic
def complete_ingest(version: ResourceVersion, results: list[IngestedTable]) -> None:
    """Mark every table ready and the version ready, move the resource's published pointer if
    the version may be public now, and queue the exports."""
    lock(version.resource.dataset)
    now = timezone.now()
    for result in results:
        table = result.table
        table.status, table.stage, table.error = Status.READY, "done", {}
        table.fields, table.profile, table.data_path = (
            result.fields,
            result.profile,
            result.data_path,
        )
        table.row_count = table.rows_done = table.rows_total = result.rows
        table.finished_at = now
        table.save()
        queue_exports(table)
    version.refresh_from_db()
    version.status, version.error = ResourceVersion.Status.READY, ""
    version.save(update_fields=["status", "error"])
    publish_if_due(version)
    # fields, sample values and the rows API are searched: the dataset's document changes
    dataset_changed(version.resource.dataset_id, reason="ingest")


def record_profile(table: DatastoreTable, profile: dict[str, Any] | None) -> None:
    """Record the profile computed after `table` was published (None: it failed, which the
    preview says; the table stays ready and published). The notices kept since ingest stay.
    A table whose data changed meanwhile keeps the profile its change recorded."""
    current = DatastoreTable.objects.filter(pk=table.pk, generation=table.generation)
    kept = (current.values_list("profile", flat=True).first() or {}).get("notices", [])
    found = {"failed": True} if profile is None else dict(profile)
    current.update(profile={**found, "notices": kept})


def publish_if_due(version: ResourceVersion) -> bool:
    """Make a ready version current unless it waits for its revision's approval or a newer
    version is already current. Callers hold the dataset's lock."""
    if version.revision_id is not None and version.revision.status not in APPLIED:
        return False
    resource = Resource.objects.select_related("current_version").get(pk=version.resource_id)
    current = resource.current_version
    if current is not None and current.number >= version.number:
        return False
    resource.current_version = version
    resource.format = version.detected_format or resource.format
    resource.save(update_fields=["current_version", "format", "updated_at"])
    return True


@transaction.atomic
def fail_ingest(version: ResourceVersion, error: dict[str, Any]) -> None:
    """Mark the version and its tables failed with the error (its message in Chinese); the
    resource keeps its published version."""
    lock(version.resource.dataset)
    now = timezone.now()
    DatastoreTable.objects.filter(version=version).update(
        status=Status.FAILED, error=error, finished_at=now
    )
    version.refresh_from_db()
    version.status, version.error = ResourceVersion.Status.FAILED, error.get("message", "")
    version.save(update_fields=["status", "error"])
    log(
        SYSTEM,
        "resource.ingest_failed",
        version.resource.dataset,
        resource=str(version.resource_id),
        version=version.number,
        error=error.get("message", ""),
    )


def remove_data_files(version: ResourceVersion, root: Path) -> None:
    """Delete whatever a failed ingest wrote for the version (nothing half-written stays)."""
    import shutil

    folder = root / str(version.resource_id) / str(version.pk)
    shutil.rmtree(folder, ignore_errors=True)


def set_type_overrides(actor: Actor, table: DatastoreTable, overrides: dict[str, str]) -> None:
    """Take the publisher's column types for `table`. A version not yet published (a failed
    one, say) is ingested again with them at once; the published version's data stays as it
    is, and the types apply from the resource's next version."""
    user = acting_user(actor)
    dataset = table.resource.dataset
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能修改字段类型。"),
    )
    known = {f["id"] for f in table.fields}
    for column, kind in overrides.items():
        if column not in known or kind not in FieldType.values:
            message = _("字段“%(column)s”或类型“%(type)s”无效。") % {"column": column, "type": kind}
            raise Invalid(message, errors={"type_overrides": [message]})
    with transaction.atomic():
        table.type_overrides = dict(overrides)
        table.save(update_fields=["type_overrides"])
        log(actor, "datastore.types", dataset, table=str(table.pk), overrides=overrides)
        if table.resource.current_version_id != table.version_id:
            queue_ingest(table.version)


@transaction.atomic
def record_batch(
    items: list[dict[str, Any]], results: list[list[dict[str, Any]]]
) -> dict[str, int]:
    """Write the tables a batch ingest made (see ingest.batch), replacing any the versions had;
    versions whose ingest failed are marked failed. Returns the counts."""
    now = timezone.now()
    DatastoreTable.objects.filter(version_id__in=[i["version_id"] for i in items]).delete()
    rows, failed = [], {}
    for item, tables in zip(items, results, strict=True):
        for values in tables:
            values = dict(values)
            if values["status"] == Status.FAILED:
                failed[item["version_id"]] = values["error"].get("message", "")
            done = values.get("row_count") or 0
            rows.append(
                DatastoreTable(
                    version_id=item["version_id"],
                    resource_id=item["resource_id"],
                    stage="done" if values["status"] == Status.READY else "",
                    rows_done=done,
                    rows_total=done,
                    started_at=now,
                    finished_at=now,
                    **values,
                )
            )
    DatastoreTable.objects.bulk_create(rows, batch_size=500)
    for version_id, message in failed.items():
        ResourceVersion.objects.filter(pk=version_id).update(
            status=ResourceVersion.Status.FAILED, error=message
        )
    for table in rows:
        if table.status == Status.READY:
            queue_exports(table)
    resources = Resource.objects.filter(pk__in={i["resource_id"] for i in items})
    datasets_changed(resources.values_list("dataset_id", flat=True), reason="ingest")
    return {"tables": sum(1 for t in rows if t.status == Status.READY), "failed": len(failed)}
