"""The publishing workflow (X2): draft → in review (the department's 保密审查, then optionally the
platform's) → published, or returned with reasons; published → withdrawn → back to review; an
emergency takedown by a platform admin from any state. Each move checks the actor's role, runs
in one transaction on a locked row and writes one audit entry."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset, ReviewStage, State
from kaifang.catalog.services import revisions, values
from kaifang.catalog.services._base import acting_user, lock, log, require, require_reason
from kaifang.core.audit import Actor
from kaifang.core.errors import InvalidTransition
from kaifang.search.services import dataset_changed


def _not_in(dataset: Dataset, wanted: str) -> InvalidTransition:
    return InvalidTransition(
        _("数据集当前状态为“%(state)s”，%(wanted)s")
        % {"state": dataset.get_state_display(), "wanted": wanted}
    )


@transaction.atomic
def submit_for_review(actor: Actor, dataset: Dataset) -> Dataset:
    """Send a draft, returned or withdrawn dataset to its department's reviewer, once every
    value the schema requires is there and valid."""
    user = acting_user(actor)
    lock(dataset)
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能提交审核。"),
    )
    if dataset.state not in permissions.in_place_states(user):
        raise _not_in(dataset, _("不能提交审核。"))
    values.clean_dataset_data(values.dataset_values(dataset), dataset=dataset, require=True)
    previous = dataset.state
    dataset.state = State.IN_REVIEW
    dataset.review_stage = ReviewStage.DEPARTMENT
    dataset.save(update_fields=["state", "review_stage", "updated_at"])
    dataset_changed(dataset, reason="submit")
    log(actor, "dataset.submit", dataset, previous_state=previous)
    return dataset


def _require_reviewer(user, dataset: Dataset) -> None:
    """The state decides which reviewer is asked, so it is checked first."""
    if dataset.state != State.IN_REVIEW:
        raise _not_in(dataset, _("不在审核中。"))
    require(
        permissions.may_review_stage(user, dataset.department, dataset.review_stage),
        _("您不是该数据集当前审核环节（%(stage)s）的审核员。")
        % {"stage": dataset.get_review_stage_display()},
    )


@transaction.atomic
def approve(actor: Actor, dataset: Dataset, reason: str = "") -> Dataset:
    """Pass the review stage: the department's approval moves the dataset to the platform's
    review when that setting is on, else publishes it; the platform's approval publishes it."""
    user = acting_user(actor)
    lock(dataset)
    _require_reviewer(user, dataset)
    stage = dataset.review_stage
    if stage == ReviewStage.DEPARTMENT and settings.KAIFANG.get("PLATFORM_REVIEW"):
        dataset.review_stage = ReviewStage.PLATFORM
        dataset.save(update_fields=["review_stage", "updated_at"])
        result = "platform"
    else:
        _publish(dataset)
        result = "published"
    dataset_changed(dataset, reason="approve")
    log(
        actor,
        "dataset.approve",
        dataset,
        reason=(reason or "").strip(),
        stage=stage,
        result=result,
    )
    return dataset


def _publish(dataset: Dataset) -> None:
    dataset.state = State.PUBLISHED
    dataset.review_stage = ""
    dataset.return_reason = ""
    if dataset.published_at is None:
        dataset.published_at = timezone.now()
    dataset.save(
        update_fields=["state", "review_stage", "return_reason", "published_at", "updated_at"]
    )


@transaction.atomic
def return_for_changes(actor: Actor, dataset: Dataset, reason: str) -> Dataset:
    """Send the dataset back to its authors with the reviewer's reasons."""
    user = acting_user(actor)
    lock(dataset)
    _require_reviewer(user, dataset)
    reason = require_reason(reason, _("退回时请填写理由。"))
    stage = dataset.review_stage
    dataset.state = State.RETURNED
    dataset.review_stage = ""
    dataset.return_reason = reason
    dataset.save(update_fields=["state", "review_stage", "return_reason", "updated_at"])
    dataset_changed(dataset, reason="return")
    log(actor, "dataset.return", dataset, reason=reason, stage=stage)
    return dataset


@transaction.atomic
def withdraw(actor: Actor, dataset: Dataset, reason: str) -> Dataset:
    """Take a published dataset off the public catalog (下线); it returns only through review."""
    user = acting_user(actor)
    lock(dataset)
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能下线此数据集。"),
    )
    if dataset.state != State.PUBLISHED:
        raise _not_in(dataset, _("只有已发布的数据集可以下线。"))
    reason = require_reason(reason, _("下线时请填写理由。"))
    folded = revisions.fold_open_revision(dataset)
    dataset.state = State.WITHDRAWN
    dataset.save(update_fields=["state", "updated_at"])
    dataset_changed(dataset, reason="withdraw")
    log(actor, "dataset.withdraw", dataset, reason=reason, **_folded(folded))
    return dataset


@transaction.atomic
def take_down(actor: Actor, dataset: Dataset, reason: str) -> Dataset:
    """Emergency takedown (应急下线) by a platform admin, from any state."""
    user = acting_user(actor)
    lock(dataset)
    require(permissions.may_take_down(user), _("只有平台管理员可以应急下线数据集。"))
    if dataset.state == State.TAKEN_DOWN:
        raise _not_in(dataset, _("无需再次下线。"))
    reason = require_reason(reason, _("应急下线时请填写理由。"))
    previous = dataset.state
    folded = revisions.fold_open_revision(dataset)
    dataset.state = State.TAKEN_DOWN
    dataset.review_stage = ""
    dataset.save(update_fields=["state", "review_stage", "updated_at"])
    dataset_changed(dataset, reason="take_down")
    log(
        actor,
        "dataset.take_down",
        dataset,
        reason=reason,
        previous_state=previous,
        **_folded(folded),
    )
    return dataset


def _folded(revision) -> dict:
    return {"folded_revision": str(revision.pk)} if revision is not None else {}
