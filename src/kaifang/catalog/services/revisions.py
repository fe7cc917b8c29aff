"""Pending revisions of published datasets.

Editing a published dataset never touches its public values: the change goes into the one open
revision (draft or returned), which is submitted and reviewed on its own. On approval the
revision's values are written onto the dataset, the resource versions uploaded under it become
current and the resources added under it become public, all in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset, DatasetRevision, ResourceVersion, ReviewStage, State
from kaifang.catalog.services import values
from kaifang.catalog.services._base import acting_user, lock, log, require, require_reason
from kaifang.core.audit import Actor
from kaifang.core.errors import InvalidTransition
from kaifang.search.services import dataset_changed

Status = DatasetRevision.Status
OPEN = (Status.DRAFT, Status.RETURNED, Status.IN_REVIEW)


def open_revision(dataset: Dataset) -> DatasetRevision | None:
    """The revision of `dataset` still in progress (draft, returned or in review), if any."""
    return dataset.revisions.filter(status__in=OPEN).first()


def editable_values(dataset: Dataset) -> dict:
    """The values an edit form starts from: the open revision's proposal on a published dataset
    that has one, else the dataset's own values."""
    revision = open_revision(dataset) if dataset.state == State.PUBLISHED else None
    return values.revision_values(revision) if revision else values.dataset_values(dataset)


def revision_for_edit(dataset: Dataset, user) -> DatasetRevision:
    """The open revision to put an edit of published `dataset` into, made on first edit. A
    revision under review is frozen until its reviewer has answered."""
    revision = open_revision(dataset)
    if revision is not None and revision.status == Status.IN_REVIEW:
        raise InvalidTransition(_("该数据集的修订正在审核中，审核完成前不能再修改。"))
    if revision is None:
        revision = DatasetRevision.objects.create(
            dataset=dataset, data=values.editable_snapshot(dataset), created_by=user
        )
    return revision


def _lock_revision(revision: DatasetRevision) -> Dataset:
    """Lock the dataset, then reload the revision: every move on a dataset and its revision
    takes the dataset's row lock first, so they never interleave."""
    dataset = revision.dataset
    lock(dataset)
    revision.refresh_from_db()
    return dataset


@transaction.atomic
def submit_revision(actor: Actor, revision: DatasetRevision) -> DatasetRevision:
    """Send the revision to the department's reviewer, checked against the full schema."""
    user = acting_user(actor)
    dataset = _lock_revision(revision)
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能提交修订。"),
    )
    if revision.status not in permissions.OPEN_REVISION or dataset.state != State.PUBLISHED:
        raise InvalidTransition(_("只有已发布数据集的草稿或已退回修订可以提交审核。"))
    proposed = values.revision_values(revision)
    values.clean_dataset_data(proposed, dataset=dataset, require=True)
    revision.status = Status.IN_REVIEW
    revision.review_stage = ReviewStage.DEPARTMENT
    revision.reason = ""
    revision.save(update_fields=["status", "review_stage", "reason", "updated_at"])
    log(actor, "revision.submit", dataset, revision=str(revision.pk))
    return revision


def _require_reviewer(user, revision: DatasetRevision, dataset: Dataset) -> None:
    if revision.status != Status.IN_REVIEW:
        raise InvalidTransition(_("该修订不在审核中。"))
    require(
        permissions.may_review_stage(user, dataset.department, revision.review_stage),
        _("您不是该修订当前审核环节的审核员。"),
    )


@transaction.atomic
def approve_revision(actor: Actor, revision: DatasetRevision, reason: str = "") -> DatasetRevision:
    """Pass the revision on to the platform stage (when that review is on) or apply it."""
    user = acting_user(actor)
    dataset = _lock_revision(revision)
    _require_reviewer(user, revision, dataset)
    stage = revision.review_stage
    if stage == ReviewStage.DEPARTMENT and settings.KAIFANG.get("PLATFORM_REVIEW"):
        revision.review_stage = ReviewStage.PLATFORM
        revision.save(update_fields=["review_stage", "updated_at"])
        result = "platform"
    else:
        apply_revision(revision, require=True)
        revision.status = Status.APPROVED
        revision.review_stage = ""
        revision.save(update_fields=["status", "review_stage", "updated_at"])
        result = "applied"
    log(
        actor,
        "revision.approve",
        dataset,
        reason=(reason or "").strip(),
        revision=str(revision.pk),
        stage=stage,
        result=result,
    )
    return revision


@transaction.atomic
def return_revision(actor: Actor, revision: DatasetRevision, reason: str) -> DatasetRevision:
    """Send the revision back to its authors with the reviewer's reasons."""
    user = acting_user(actor)
    dataset = _lock_revision(revision)
    _require_reviewer(user, revision, dataset)
    reason = require_reason(reason, _("退回修订时请填写理由。"))
    stage = revision.review_stage
    revision.status = Status.RETURNED
    revision.review_stage = ""
    revision.reason = reason
    revision.save(update_fields=["status", "review_stage", "reason", "updated_at"])
    log(actor, "revision.return", dataset, reason=reason, revision=str(revision.pk), stage=stage)
    return revision


def apply_revision(revision: DatasetRevision, *, require: bool) -> None:
    """Write the revision's values onto its dataset and make the versions and resources added
    under it current. Callers hold the dataset's lock and set the revision's status."""
    dataset = revision.dataset
    cleaned = values.clean_dataset_data(
        values.revision_values(revision), dataset=dataset, require=require
    )
    values.apply_values(dataset, cleaned)
    dataset.save()
    values.set_keywords(dataset, cleaned)
    ready = revision.new_versions.filter(status=ResourceVersion.Status.READY)
    for version in ready.select_related("resource").order_by("resource_id", "number"):
        resource = version.resource
        resource.current_version = version
        resource.format = version.detected_format or resource.format
        resource.save(update_fields=["current_version", "format", "updated_at"])
    revision.new_resources.update(pending_revision=None)
    dataset_changed(dataset, reason="revision")


def fold_open_revision(dataset: Dataset) -> DatasetRevision | None:
    """When a published dataset leaves the public catalog (withdrawn or taken down) its open
    revision is merged into it: the dataset is edited in place from then on and must pass a full
    review before it is public again, so nothing unreviewed reaches the public."""
    revision = open_revision(dataset)
    if revision is None:
        return None
    apply_revision(revision, require=False)
    revision.status = Status.DISCARDED
    revision.review_stage = ""
    revision.reason = _("数据集已下线，修订内容已并入数据集，随数据集重新审核。")
    revision.save(update_fields=["status", "review_stage", "reason", "updated_at"])
    return revision
