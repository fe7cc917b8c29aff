"""Who may make which move in the publishing workflow.

Two layers. The `may_*` functions answer the role question alone (is this user an editor of this
department, the reviewer of this stage …); services check them and raise NotAllowed. The `can_*`
functions add the state the dataset must be in, so pages and the API can show exactly the buttons
that will work. Roles:

* publisher and department admin: create, edit, submit and withdraw in their department;
* department reviewer: approve or return in the department stage of their department;
* platform reviewer: approve or return in the platform stage;
* platform admin: everything a department admin may do, in every department, plus the emergency
  takedown. Reviews stay with reviewers, so nobody approves what they may also write.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kaifang.catalog.models import Dataset, DatasetRevision, ReviewStage, State
from kaifang.organizations import roles
from kaifang.organizations.models import Department

Role = roles.Role

#: states in which a dataset is edited in place and from which it goes (back) to review; a
#: published one gets a pending revision instead
EDIT_IN_PLACE = frozenset({State.DRAFT, State.RETURNED, State.WITHDRAWN})
#: revision statuses that may still be edited and submitted
OPEN_REVISION = frozenset({DatasetRevision.Status.DRAFT, DatasetRevision.Status.RETURNED})


def may_author_in(user, department: Department | None) -> bool:
    """Whether `user` writes datasets of `department` (publisher, department admin, platform
    admin) — the role part of create, edit, submit and withdraw."""
    if roles.is_platform_admin(user):
        return True
    return roles.has_role(user, department, Role.ADMIN, Role.PUBLISHER)


def may_manage(user, department: Department | None) -> bool:
    """Department admins (and platform admins) manage members and access grants."""
    return roles.is_platform_admin(user) or roles.has_role(user, department, Role.ADMIN)


def may_review_stage(user, department: Department | None, stage: str) -> bool:
    """Whether `user` is the reviewer of `stage` for datasets of `department`."""
    if stage == ReviewStage.DEPARTMENT:
        return roles.has_role(user, department, Role.REVIEWER)
    if stage == ReviewStage.PLATFORM:
        return roles.is_platform_reviewer(user)
    return False


def may_take_down(user) -> bool:
    return roles.is_platform_admin(user)


def is_insider(user, dataset: Dataset) -> bool:
    """Members of the dataset's department and the platform's staff see its unpublished parts
    (drafts, pending resources and versions) — reviewers must see what they review."""
    return (
        roles.is_platform_admin(user)
        or roles.is_platform_reviewer(user)
        or roles.has_role(user, dataset.department)
    )


def in_place_states(user) -> frozenset[str]:
    """The states in which `user`, an author, changes a dataset directly and sends it to review.
    A platform admin may also mend a taken-down dataset and send it back to review: otherwise an
    emergency takedown could never be undone."""
    if roles.is_platform_admin(user):
        return EDIT_IN_PLACE | {State.TAKEN_DOWN}
    return EDIT_IN_PLACE


def can_create_in(user, department: Department) -> bool:
    return may_author_in(user, department)


def can_edit(user, dataset: Dataset) -> bool:
    """Editing is in place for draft, returned and withdrawn datasets; on a published one it makes
    (or continues) a pending revision, which cannot change while it is being reviewed."""
    if not may_author_in(user, dataset.department):
        return False
    if dataset.state in in_place_states(user):
        return True
    if dataset.state == State.PUBLISHED:
        return not dataset.revisions.filter(status=DatasetRevision.Status.IN_REVIEW).exists()
    return False


def can_submit(user, dataset: Dataset) -> bool:
    return dataset.state in in_place_states(user) and may_author_in(user, dataset.department)


def can_review(user, dataset: Dataset) -> bool:
    """Whether `user` may approve or return `dataset` now (its own review, not a revision's)."""
    return dataset.state == State.IN_REVIEW and may_review_stage(
        user, dataset.department, dataset.review_stage
    )


def can_review_revision(user, revision: DatasetRevision) -> bool:
    return revision.status == DatasetRevision.Status.IN_REVIEW and may_review_stage(
        user, revision.dataset.department, revision.review_stage
    )


def can_withdraw(user, dataset: Dataset) -> bool:
    return dataset.state == State.PUBLISHED and may_author_in(user, dataset.department)


def can_take_down(user, dataset: Dataset) -> bool:
    return dataset.state != State.TAKEN_DOWN and may_take_down(user)


def _stages_reviewed(user, department_field: str) -> Q:
    """The review stages `user` answers for: the department stage of the departments where they
    are reviewer, and the platform stage for a platform reviewer. Matches nothing otherwise."""
    wanted = Q(pk__in=[])
    mine = roles.department_ids(user, Role.REVIEWER)
    if mine:
        wanted |= Q(review_stage=ReviewStage.DEPARTMENT, **{f"{department_field}__in": mine})
    if roles.is_platform_reviewer(user):
        wanted |= Q(review_stage=ReviewStage.PLATFORM)
    return wanted


def reviewable_datasets(user) -> QuerySet[Dataset]:
    """The reviewer's queue of datasets in review; pending revisions of published datasets are in
    `reviewable_revisions`."""
    return (
        Dataset.objects.filter(_stages_reviewed(user, "department_id"), state=State.IN_REVIEW)
        .select_related("department", "region")
        .order_by("updated_at")
    )


def reviewable_revisions(user) -> QuerySet[DatasetRevision]:
    """The reviewer's queue of pending revisions of published datasets."""
    wanted = _stages_reviewed(user, "dataset__department_id")
    return (
        DatasetRevision.objects.filter(wanted, status=DatasetRevision.Status.IN_REVIEW)
        .select_related("dataset", "dataset__department")
        .order_by("updated_at")
    )


def workspace_datasets(user) -> QuerySet[Dataset]:
    """The publisher's "my datasets": every dataset of the departments where `user` is admin or
    publisher, in every state; a platform admin's workspace is the whole catalog."""
    qs = Dataset.objects.select_related("department", "region").order_by("-updated_at")
    if roles.is_platform_admin(user):
        return qs
    mine = roles.department_ids(user, Role.ADMIN, Role.PUBLISHER)
    return qs.filter(department_id__in=mine) if mine else qs.none()
