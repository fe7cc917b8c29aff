"""Harvesting: starting jobs and writing what a backend read into the catalog.

A harvest source acts without a person, so it does not go through the catalog's user-facing
services (which require a signed-in author); it has these narrower entry points instead, built
from the same pieces (schema validation, values, names, revisions, search updates, the audit
log) and guarded by the source's own rule (`permissions.may_harvest_into`). Every entry in the
audit log names the source (`Actor.for_harvest`).

What a source's changes do depends on whether it is trusted:
* trusted — new datasets are published, changes apply at once;
* not trusted — new datasets wait in the department's review, changes to published datasets
  become a revision in review; the public catalog changes only once a reviewer approves.
Withdrawals (a remote dataset deleted, or gone in a full run) take the dataset off the public
catalog at once from either kind of source: that only ever removes.

Each remote record is written in its own savepoint: a bad record is reported with its reason
and the job goes on; nothing of it is left half-written.

A source either links (resources point at the remote files) or mirrors: the remote files are
fetched (`harvest.mirror`, before the record's savepoint opens) and stored as versions of local
file resources, through the same storage and ingest pipeline as an upload. A file that cannot be
fetched fails its record, and the dataset keeps serving the version it had.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ReviewStage, State
from kaifang.catalog.schema.validation import is_empty
from kaifang.catalog.services import new_dataset_name, revisions, values
from kaifang.core import audit, names
from kaifang.core.audit import Actor
from kaifang.core.errors import KaifangError, NotAllowed
from kaifang.core.models import AuditEntry
from kaifang.harvest import bulk, mirror, permissions
from kaifang.harvest.backends import RecordFailed, RemoteRecord, get_backend
from kaifang.harvest.models import HarvestedRecord, HarvestJob, HarvestSource
from kaifang.organizations import roles
from kaifang.search.services import dataset_changed

Progress = Callable[[int, int | None], None]
#: a queued or running job younger than this keeps the scheduler from starting another
STALE_AFTER = dt.timedelta(hours=6)
MAX_FAILURES_REPORTED = 500


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def source_actor(source: HarvestSource) -> Actor:
    return Actor.for_harvest(f"{source.title} ({source.name})")


# sources ------------------------------------------------------------------------------------
@transaction.atomic
def save_source(actor: Actor, source: HarvestSource, *, changed: list[str]) -> HarvestSource:
    """Add or change a source (the admin form): platform admins only, as a source writes into
    departments' catalogs without a person checking each change."""
    user = actor.user
    require(
        user is not None and roles.is_platform_admin(user), _("只有平台管理员可以管理采集来源。")
    )
    check_runnable(source)
    source.full_clean()
    source.save()
    audit.record(actor, "harvest.source_save", source, detail={"fields": sorted(changed)})
    return source


# starting jobs ------------------------------------------------------------------------------
def check_runnable(source: HarvestSource) -> None:
    """Refuse, with the reason, a source that cannot run (a type no backend reads)."""
    get_backend(source.type)


def _may_start(actor: Actor, source: HarvestSource) -> bool:
    """The system (command line, scheduler) runs any source; people need `may_run`."""
    if actor.type == AuditEntry.ActorType.SYSTEM:
        return True
    return actor.user is not None and permissions.may_run(actor.user, source)


@transaction.atomic
def queue_harvest(actor: Actor, source: HarvestSource, *, full: bool = False) -> HarvestJob:
    """Queue a run of `source` (the admin's "run now"); the worker starts it after commit."""
    require(_may_start(actor, source), _("您无权运行采集来源“%(s)s”。") % {"s": source.title})
    check_runnable(source)
    job = HarvestJob.objects.create(source=source, full=full or source.last_success_at is None)
    audit.record(actor, "harvest.queue", source, detail={"job": str(job.pk), "full": job.full})
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: HarvestJob) -> None:
    from kaifang.harvest.tasks import harvest_job_task

    harvest_job_task(str(job.pk))


def start_due_sources(actor: Actor, now: dt.datetime | None = None) -> list[HarvestJob]:
    """Queue a run of every scheduled source whose interval has passed and that is not already
    running (the periodic task calls this every few minutes)."""
    require(actor.type == AuditEntry.ActorType.SYSTEM, _("只有系统可以启动定时采集。"))
    now = now or timezone.now()
    busy = HarvestJob.objects.filter(
        status__in=[HarvestJob.Status.QUEUED, HarvestJob.Status.RUNNING],
        created_at__gt=now - STALE_AFTER,
    ).values_list("source_id", flat=True)
    due = HarvestSource.objects.filter(enabled=True, schedule_hours__isnull=False)
    jobs = []
    for source in due.exclude(pk__in=list(busy)):
        if not source.is_due(now):
            continue
        try:
            jobs.append(queue_harvest(actor, source))
        except KaifangError:  # a source that cannot run (unknown type) waits for its fix
            continue
    return jobs


def run_harvest(
    actor: Actor, source: HarvestSource, *, full: bool = False, progress: Progress | None = None
) -> HarvestJob:
    """Run `source` now in this process (the command line) and return the finished job."""
    require(_may_start(actor, source), _("您无权运行采集来源“%(s)s”。") % {"s": source.title})
    check_runnable(source)
    job = HarvestJob.objects.create(source=source, full=full or source.last_success_at is None)
    return run_job(job, progress=progress)


def run_job(job: HarvestJob, *, progress: Progress | None = None) -> HarvestJob:
    """Run a queued job to its end. A failure to reach the source ends the job as failed with
    the reason; a bad record only counts as failed in the report."""
    source = job.source
    started = timezone.now()
    since = None if job.full else source.last_success_at
    job.status, job.started_at, job.since = HarvestJob.Status.RUNNING, started, since
    job.save(update_fields=["status", "started_at", "since"])
    source.last_run_at = started
    source.save(update_fields=["last_run_at", "updated_at"])
    writer = _Writer(source, job)
    try:
        check_runnable(source)
        writer.run(get_backend(source.type)(source), since, progress)
    except KaifangError as exc:
        writer.report["error"] = exc.message
        job.status = HarvestJob.Status.FAILED
    except Exception as exc:  # a fault of ours: the job still ends, then the worker logs it
        writer.report["error"] = _("采集时发生内部错误：%(error)s") % {"error": repr(exc)[:500]}
        job.status = HarvestJob.Status.FAILED
        writer.finish()
        raise
    else:
        job.status = HarvestJob.Status.DONE
        if not writer.counts["failed"]:
            # the next incremental run starts here; after failed records it starts from the
            # last clean run again, so they are read once more when they were fixed remotely
            source.last_success_at = started
            source.save(update_fields=["last_success_at", "updated_at"])
    writer.finish()
    return job


class _Writer:
    """Takes the records of one job a page at a time and keeps the counts: records unchanged
    since the last run cost no write at all, new ones are checked and then written together
    (`harvest.bulk`), and changes, withdrawals and a mirror source's files are written one
    record at a time, each in its own savepoint."""

    def __init__(self, source: HarvestSource, job: HarvestJob):
        self.source, self.job = source, job
        self.actor = source_actor(source)
        self.counts: Counter[str] = Counter()
        self.failures: list[dict[str, str]] = []
        self.seen: set[str] = set()
        self.identifiers: dict[str, str] = {}
        self.timings = {"fetch": 0.0, "files": 0.0, "write": 0.0}
        self.limits = None
        self.report: dict[str, Any] = {}
        self.clock = time.monotonic()

    def run(self, backend, since: dt.datetime | None, progress: Progress | None) -> None:
        pages = iter(backend.record_pages(since))
        self.limits = backend.limits
        done = 0
        while True:
            tick = time.monotonic()
            page = next(pages, None)
            self.timings["fetch"] += time.monotonic() - tick
            if page is None:
                break
            for batch in bulk.chunks(page):
                tick = time.monotonic()
                self.take_page(batch)
                self.timings["write"] += time.monotonic() - tick
                done += len(batch)
                if progress is not None:
                    progress(done, backend.total())
        self.report.update(backend.notes())
        present = self.seen if self.job.full else backend.remote_ids()
        if present is not None:
            self.withdraw_missing(present | self.seen)

    def take_page(self, items: list[RemoteRecord | RecordFailed]) -> None:
        records = [item for item in items if self._admit(item)]
        known = bulk.known_records(self.source, [r.remote_id for r in records])
        new: list[bulk.NewRecord] = []
        for record in records:
            found = known.get(record.remote_id)
            if record.deleted or self._has_files(record):
                self._write(record, found)
                continue
            digest = content_hash(record)
            if found is None:
                new.append(bulk.NewRecord(record, digest))
            elif found.content_hash == digest and not found.withdrawn_by_source:
                self.counts["unchanged"] += 1
            else:
                self._write(record, found)
        self._add_new(new)

    def _admit(self, item: RemoteRecord | RecordFailed) -> bool:
        """Whether the record is to be written: not a failure of the backend, not seen before
        in this job, its identifier not another record's of this job."""
        if isinstance(item, RecordFailed):
            self.seen.add(item.remote_id)
            self.fail(item.remote_id, item.reason)
            return False
        if item.remote_id in self.seen:
            self.fail(item.remote_id, _("同一条远端记录在本次采集中出现了两次，已跳过重复的一次。"))
            return False
        self.seen.add(item.remote_id)
        duplicate = self._duplicate_identifier(item)
        if duplicate:
            self.fail(item.remote_id, duplicate)
            return False
        return True

    def _has_files(self, record: RemoteRecord) -> bool:
        return self.source.mode == HarvestSource.Mode.MIRROR and bool(
            mirror.file_entries(record.resources)
        )

    def _add_new(self, new: list[bulk.NewRecord]) -> None:
        """New records: checked, the failing ones reported, the good ones written together; if
        that write is refused, one by one, so the one at fault is found."""
        good, failed = bulk.check_new(self.source, new)
        for remote_id, reason in failed:
            self.fail(remote_id, reason)
        if bulk.write_new(self.actor, self.source, good):
            self.counts["added"] += len(good)
            return
        for item in good:
            self._write(item.record, None)

    def _duplicate_identifier(self, item: RemoteRecord) -> str:
        code = str(item.values.get("identifier") or "")
        if not code:
            return ""
        first = self.identifiers.setdefault(code, item.remote_id)
        if first == item.remote_id:
            return ""
        return _("信息资源代码“%(code)s”与本次采集的记录“%(other)s”重复。") % {
            "code": code,
            "other": first,
        }

    def _write(self, item: RemoteRecord, known: HarvestedRecord | None) -> None:
        """One record in its own savepoint, with the files a mirror source fetched for it."""
        fetched = self._fetch_files(item)
        if fetched is None:
            return
        try:
            with transaction.atomic():
                outcome = apply_known(self.actor, self.source, item, known, fetched)
        except RecordFailed as failure:
            fetched.discard()
            self.fail(item.remote_id, failure.reason)
        except KaifangError as exc:
            fetched.discard()
            self.fail(item.remote_id, _describe(exc))
        except IntegrityError as exc:
            fetched.discard()
            self.fail(item.remote_id, _("写入时与已有数据冲突：%(error)s") % {"error": exc})
        except BaseException:
            fetched.discard()
            raise
        else:
            self.counts[outcome] += 1
        finally:
            fetched.close()

    def _fetch_files(self, item: RemoteRecord) -> mirror.Fetched | None:
        """A mirror source's changed files of the record, fetched before its savepoint opens;
        None when one failed (the record is reported failed)."""
        tick = time.monotonic()
        try:
            return mirror.prefetch(self.source, item, self.limits)
        except RecordFailed as failure:
            self.fail(item.remote_id, failure.reason)
            return None
        finally:
            self.timings["files"] += time.monotonic() - tick

    def withdraw_missing(self, present: set[str]) -> None:
        """Withdraw the records not `present` at the source: what a full run did not see, or
        what the remote's list of ids (asked for by an incremental run) lacks."""
        listed = HarvestedRecord.objects.filter(source=self.source, withdrawn_by_source=False)
        # compared here rather than in an `exclude(remote_id__in=…)`: a catalog of any size
        # stays within the database's limit on bound parameters
        pairs = listed.values_list("pk", "remote_id")
        ids = [pk for pk, remote_id in pairs.iterator() if remote_id not in present]
        for batch in bulk.chunks(ids):
            self._withdraw(HarvestedRecord.objects.filter(pk__in=batch).select_related("dataset"))

    def _withdraw(self, gone) -> None:
        for record in gone:
            try:
                with transaction.atomic():
                    done = withdraw_record(self.actor, record, _("来源中已没有该数据集。"))
            except KaifangError as exc:
                self.fail(record.remote_id, _describe(exc))
            else:
                self.counts["withdrawn"] += int(done)

    def fail(self, remote_id: str, reason: str) -> None:
        self.counts["failed"] += 1
        if len(self.failures) < MAX_FAILURES_REPORTED:
            self.failures.append({"id": remote_id, "reason": str(reason)})

    def finish(self) -> None:
        job = self.job
        for name in ("added", "updated", "unchanged", "withdrawn", "failed"):
            setattr(job, name, self.counts[name])
        total = time.monotonic() - self.clock
        timings = {**self.timings, "total": total}
        job.report = {
            **self.report,
            "failures": self.failures,
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        job.finished_at = timezone.now()
        job.save()


def _describe(exc: KaifangError) -> str:
    return exc.message


# writing one record -------------------------------------------------------------------------
def content_hash(record: RemoteRecord) -> str:
    payload = {"values": record.values, "resources": record.resources}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_record(
    actor: Actor,
    source: HarvestSource,
    record: RemoteRecord,
    fetched: mirror.Fetched | None = None,
) -> str:
    """Write one remote record, with the files a mirror source fetched for it; the outcome:
    added, updated, unchanged or withdrawn."""
    known = (
        HarvestedRecord.objects.select_related("dataset")
        .filter(source=source, remote_id=record.remote_id)
        .first()
    )
    return apply_known(actor, source, record, known, fetched)


def apply_known(
    actor: Actor,
    source: HarvestSource,
    record: RemoteRecord,
    known: HarvestedRecord | None,
    fetched: mirror.Fetched | None = None,
) -> str:
    """`apply_record` once the record's provenance (`known`, None for a new one) was read."""
    fetched = fetched or mirror.Fetched()
    if record.deleted:
        if known is None:
            return "unchanged"
        done = withdraw_record(actor, known, _("来源中该数据集已删除。"))
        return "withdrawn" if done else "unchanged"
    digest = content_hash(record)
    if (
        known is not None
        and known.content_hash == digest
        and not known.withdrawn_by_source
        and not mirror.changed_files(known, fetched)
    ):
        return "unchanged"
    if known is None:
        create_from_record(actor, source, record, digest, fetched)
        return "added"
    update_from_record(actor, known, record, digest, fetched)
    return "updated"


def _clean(source: HarvestSource, record: RemoteRecord, dataset: Dataset | None) -> dict:
    """Every required value, valid, into a department this source may write."""
    cleaned = values.clean_dataset_data(record.values, dataset=dataset, require=True)
    department = cleaned.get("department") or (dataset.department if dataset else None)
    require(
        permissions.may_harvest_into(source, department),
        _("采集来源“%(source)s”不能写入部门“%(department)s”。")
        % {"source": source.title, "department": getattr(department, "title", "-")},
    )
    if is_empty(cleaned.get("region")) and dataset is None:
        cleaned["region"] = department.region
    return cleaned


def create_from_record(
    actor: Actor,
    source: HarvestSource,
    record: RemoteRecord,
    digest: str,
    fetched: mirror.Fetched | None = None,
) -> Dataset:
    """A new dataset: published from a trusted source, otherwise in the department's review."""
    cleaned = _clean(source, record, None)
    dataset = Dataset(created_by=None)
    bulk.set_state(dataset, source)
    values.apply_values(dataset, cleaned)
    dataset.name = new_dataset_name(dataset.identifier, dataset.title)
    dataset.save()
    values.set_keywords(dataset, cleaned)
    known = HarvestedRecord.objects.create(
        source=source,
        dataset=dataset,
        remote_id=record.remote_id,
        original_url=record.original_url,
        content_hash=digest,
        harvested_at=timezone.now(),
    )
    _sync_resources(actor, known, record.resources, None, fetched)
    dataset_changed(dataset, reason="harvest")
    _log(actor, "dataset.harvest_create", dataset, record, state=dataset.state)
    return dataset


def update_from_record(
    actor: Actor,
    known: HarvestedRecord,
    record: RemoteRecord,
    digest: str,
    fetched: mirror.Fetched | None = None,
) -> Dataset | DatasetRevision:
    """A changed remote record: applied at once (trusted, or not yet public), or proposed as a
    revision in review (untrusted, published)."""
    source, dataset = known.source, known.dataset
    _lock(dataset)
    _check_writable(source, known, dataset)
    cleaned = _clean(source, record, dataset)
    fetched = fetched or mirror.Fetched()
    if dataset.state == State.PUBLISHED and not source.trusted:
        changed = _propose_revision(actor, known, cleaned, record, fetched)
    else:
        changed = _update_in_place(actor, known, cleaned, record, fetched)
    known.content_hash, known.original_url = digest, record.original_url
    known.harvested_at, known.withdrawn_by_source = timezone.now(), False
    known.save()
    return changed


def _lock(dataset: Dataset) -> None:
    list(Dataset.objects.select_for_update().filter(pk=dataset.pk).values_list("pk", flat=True))
    dataset.refresh_from_db()


def _check_writable(source: HarvestSource, known: HarvestedRecord, dataset: Dataset) -> None:
    require(
        permissions.may_harvest_into(source, dataset.department),
        _("采集来源“%(source)s”不能修改部门“%(department)s”的数据集。")
        % {"source": source.title, "department": dataset.department.title},
    )
    if dataset.state == State.TAKEN_DOWN:
        raise RecordFailed(_("数据集“%(t)s”已被应急下线，采集不会改动它。") % {"t": dataset.title})
    if dataset.state == State.WITHDRAWN and not known.withdrawn_by_source:
        raise RecordFailed(
            _("数据集“%(t)s”已在本平台下线，采集不会让它重新上线。") % {"t": dataset.title}
        )


def _update_in_place(
    actor: Actor,
    known: HarvestedRecord,
    cleaned: dict,
    record: RemoteRecord,
    fetched: mirror.Fetched,
) -> Dataset:
    source, dataset = known.source, known.dataset
    before = values.dataset_values(dataset)
    if dataset.state == State.PUBLISHED:
        revisions.fold_open_revision(dataset)
    values.apply_values(dataset, cleaned)
    bulk.set_state(dataset, source)
    dataset.save()
    values.set_keywords(dataset, cleaned)
    _sync_resources(actor, known, record.resources, None, fetched)
    dataset_changed(dataset, reason="harvest")
    changed = values.changed_keys(before, cleaned)
    _log(actor, "dataset.harvest_update", dataset, record, fields=changed, state=dataset.state)
    return dataset


def _propose_revision(
    actor: Actor,
    known: HarvestedRecord,
    cleaned: dict,
    record: RemoteRecord,
    fetched: mirror.Fetched,
) -> DatasetRevision:
    """Put the source's values into a revision in the department's review. An earlier proposal
    of the source still waiting is replaced by the newer one; a person's revision in progress is
    never overwritten (the record is reported and tried again on the next run)."""
    dataset = known.dataset
    revision = revisions.open_revision(dataset)
    if revision is not None and revision.created_by_id is not None:
        raise RecordFailed(
            _("数据集“%(t)s”有人工修订正在进行，采集的变更暂不送审。") % {"t": dataset.title}
        )
    data = {**values.editable_snapshot(dataset), **values.to_json(cleaned)}
    if revision is None:
        revision = DatasetRevision(dataset=dataset, created_by=None)
    revision.data = data
    revision.status = DatasetRevision.Status.IN_REVIEW
    revision.review_stage = ReviewStage.DEPARTMENT
    revision.save()
    _sync_resources(actor, known, record.resources, revision, fetched)
    changed = values.changed_keys(values.dataset_values(dataset), cleaned)
    _log(
        actor,
        "revision.harvest_propose",
        dataset,
        record,
        revision=str(revision.pk),
        fields=changed,
    )
    return revision


def _sync_resources(
    actor: Actor,
    known: HarvestedRecord,
    wanted: list[dict[str, Any]],
    revision: DatasetRevision | None,
    fetched: mirror.Fetched,
) -> None:
    """The dataset's resources as the remote lists them: links and APIs, and a mirror source's
    files (`mirror.sync_files`). Files copied while a source mirrored stay when it is switched
    to links: they are versions people may have used, not the remote's to remove."""
    _sync_links(known.dataset, wanted, revision)
    if known.source.mode == HarvestSource.Mode.MIRROR:
        mirror.sync_files(actor, known, wanted, fetched, revision)


def _sync_links(
    dataset: Dataset, wanted: list[dict[str, Any]], revision: DatasetRevision | None
) -> None:
    """Make the dataset's link and API resources those the remote lists, matched by URL. Under a
    revision new links wait for its approval and none are removed before it."""
    links = dataset.resources.filter(kind__in=[Resource.Kind.LINK, Resource.Kind.API])
    have = {r.url: r for r in links}
    for position, raw in enumerate(wanted):
        if raw.get("kind") == Resource.Kind.FILE:
            continue
        cleaned = bulk.clean_resource(raw)
        resource = have.pop(cleaned["url"], None)
        if resource is None:
            _add_link(dataset, cleaned, position, revision)
        elif revision is None:
            for key in ("title", "description", "kind", "format"):
                setattr(resource, key, cleaned.get(key) or "")
            resource.position = position
            resource.save()
    if revision is None:
        for resource in have.values():
            resource.delete()


def _add_link(dataset: Dataset, cleaned: dict, position: int, revision) -> Resource:
    [name] = bulk.resource_names().names([names.slug_from_text(cleaned["title"])])
    resource = bulk.link_resource(dataset, cleaned, position, revision, name)
    resource.save(force_insert=True)
    return resource


def withdraw_record(actor: Actor, known: HarvestedRecord, reason: str) -> bool:
    """Take the dataset of a record gone from its source off the public catalog; False when it
    was off already."""
    dataset = known.dataset
    _lock(dataset)
    require(
        permissions.may_harvest_into(known.source, dataset.department),
        _("采集来源“%(source)s”不能下线部门“%(department)s”的数据集。")
        % {"source": known.source.title, "department": dataset.department.title},
    )
    if dataset.state in {State.WITHDRAWN, State.TAKEN_DOWN}:
        return False
    previous = dataset.state
    if previous == State.PUBLISHED:
        revisions.fold_open_revision(dataset)
    dataset.state, dataset.review_stage = State.WITHDRAWN, ""
    dataset.save(update_fields=["state", "review_stage", "updated_at"])
    known.withdrawn_by_source = True
    known.save(update_fields=["withdrawn_by_source"])
    dataset_changed(dataset, reason="harvest")
    audit.record(
        actor,
        "dataset.harvest_withdraw",
        dataset,
        reason=reason,
        detail={"remote_id": known.remote_id, "previous_state": previous},
    )
    return True


def _log(actor: Actor, action: str, dataset: Dataset, record: RemoteRecord, **detail) -> None:
    detail.update(remote_id=record.remote_id, original_url=record.original_url)
    audit.record(actor, action, dataset, detail=detail)
