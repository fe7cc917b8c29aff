"""Every workflow move by every role: the allowed ones succeed and write one audit entry naming
the actor; the others raise NotAllowed and change nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from kaifang.catalog import permissions, services
from kaifang.catalog.models import (
    AccessGrant,
    Dataset,
    DatasetRevision,
    Resource,
    ReviewStage,
    State,
)
from kaifang.catalog.services.values import editable_snapshot
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, dataset_data
from kaifang.core.errors import NotAllowed
from kaifang.core.models import AuditEntry

ROLES = [
    "platform_admin",
    "platform_reviewer",
    "dept_admin",
    "publisher",
    "reviewer",
    "outsider",
    "citizen",
    "anonymous",
]
AUTHORS = {"platform_admin", "dept_admin", "publisher"}
MANAGERS = {"platform_admin", "dept_admin"}


def _in_review(department, stage=ReviewStage.DEPARTMENT) -> Dataset:
    return factories.make_dataset(department, state=State.IN_REVIEW, review_stage=stage)


def _revision(department, status=DatasetRevision.Status.DRAFT, stage="") -> DatasetRevision:
    dataset = factories.make_dataset(department)
    data = {**editable_snapshot(dataset), "title": "修订后的标题"}
    return DatasetRevision.objects.create(
        dataset=dataset, data=data, status=status, review_stage=stage
    )


def _file_resource(department) -> Resource:
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return Resource.objects.create(dataset=dataset, name="file-res", title="文件", kind="file")


def create(actor, department):
    return services.create_dataset(actor, department=department, data=dataset_data()).state


def edit(actor, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return services.update_dataset(actor, dataset, {"title": "新标题"}).title


def edit_published(actor, department):
    dataset = factories.make_dataset(department)
    return type(services.update_dataset(actor, dataset, {"title": "新标题"})).__name__


def rename(actor, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return services.rename_dataset(actor, dataset, "new-name").name


def add_link(actor, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    data = {"title": "接口", "kind": "api", "url": "https://example.org/api"}
    return services.add_resource(actor, dataset, data=data).kind


def add_version(actor, department):
    upload = SimpleUploadedFile("a.csv", b"a,b\n1,2\n")
    return services.add_resource_version(actor, _file_resource(department), upload).number


def submit(actor, department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return services.submit_for_review(actor, dataset).state


def approve(actor, department):
    return services.approve(actor, _in_review(department)).state


def return_(actor, department):
    return services.return_for_changes(actor, _in_review(department), "请补充摘要").state


def approve_platform(actor, department):
    return services.approve(actor, _in_review(department, ReviewStage.PLATFORM)).state


def return_platform(actor, department):
    dataset = _in_review(department, ReviewStage.PLATFORM)
    return services.return_for_changes(actor, dataset, "涉及敏感信息").state


def withdraw(actor, department):
    return services.withdraw(actor, factories.make_dataset(department), "数据有误").state


def take_down(actor, department):
    return services.take_down(actor, factories.make_dataset(department), "紧急情况").state


def submit_revision(actor, department):
    return services.submit_revision(actor, _revision(department)).status


def approve_revision(actor, department):
    revision = _revision(department, DatasetRevision.Status.IN_REVIEW, ReviewStage.DEPARTMENT)
    return services.approve_revision(actor, revision).status


def return_revision(actor, department):
    revision = _revision(department, DatasetRevision.Status.IN_REVIEW, ReviewStage.DEPARTMENT)
    return services.return_revision(actor, revision, "请说明修改原因").status


def grant(actor, department, citizen):
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "签署协议"}
    )
    return services.grant_access(actor, dataset, citizen).user.username


def revoke(actor, department, citizen):
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "签署协议"}
    )
    access = AccessGrant.objects.create(dataset=dataset, user=citizen)
    return services.revoke_access(actor, access).revoked_at is not None


MOVES = {
    # move: (function, roles allowed, result when allowed)
    "create": (create, AUTHORS, State.DRAFT),
    "edit": (edit, AUTHORS, "新标题"),
    "edit_published": (edit_published, AUTHORS, "DatasetRevision"),
    "rename": (rename, AUTHORS, "new-name"),
    "add_resource": (add_link, AUTHORS, "api"),
    "add_resource_version": (add_version, AUTHORS, 1),
    "submit": (submit, AUTHORS, State.IN_REVIEW),
    "approve": (approve, {"reviewer"}, State.PUBLISHED),
    "return": (return_, {"reviewer"}, State.RETURNED),
    "approve_platform": (approve_platform, {"platform_reviewer"}, State.PUBLISHED),
    "return_platform": (return_platform, {"platform_reviewer"}, State.RETURNED),
    "withdraw": (withdraw, AUTHORS, State.WITHDRAWN),
    "take_down": (take_down, {"platform_admin"}, State.TAKEN_DOWN),
    "submit_revision": (submit_revision, AUTHORS, DatasetRevision.Status.IN_REVIEW),
    "approve_revision": (approve_revision, {"reviewer"}, DatasetRevision.Status.APPROVED),
    "return_revision": (return_revision, {"reviewer"}, DatasetRevision.Status.RETURNED),
    "grant_access": (grant, MANAGERS, "citizen"),
    "revoke_access": (revoke, MANAGERS, True),
}


@pytest.fixture
def user_in(request, department, citizen):
    """The user holding a role ("anonymous" is no user at all)."""

    def get(role: str):
        return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)

    return get


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MOVES))
def test_each_move_only_by_its_roles(move, role, user_in, department, citizen):
    function, allowed, expected = MOVES[move]
    user = user_in(role)
    args = (act(user), department, citizen) if move.endswith("_access") else (act(user), department)
    entries_before = AuditEntry.objects.count()

    if role in allowed:
        result = function(*args)

        assert result == expected
        assert AuditEntry.objects.count() == entries_before + 1
        assert AuditEntry.objects.first().actor_user == user
    else:
        with pytest.raises(NotAllowed):
            function(*args)
        assert AuditEntry.objects.count() == entries_before


def test_refused_move_leaves_the_dataset_as_it_was(department, outsider):
    dataset = factories.make_dataset(department, title="原标题")

    with pytest.raises(NotAllowed):
        services.withdraw(act(outsider), dataset, "不该成功")
    dataset.refresh_from_db()

    assert (dataset.state, dataset.title) == (State.PUBLISHED, "原标题")


def test_a_reviewer_of_another_department_cannot_review(
    department, other_department, django_user_model
):
    from kaifang.organizations.models import Membership

    stranger = django_user_model.objects.create_user("stranger", password="x-Kaifang-2026")
    Membership.objects.create(user=stranger, department=other_department, role="reviewer")
    dataset = _in_review(department)

    with pytest.raises(NotAllowed):
        services.approve(act(stranger), dataset)


def test_department_reviewer_cannot_act_in_the_platform_stage(department, reviewer):
    dataset = _in_review(department, ReviewStage.PLATFORM)

    with pytest.raises(NotAllowed):
        services.approve(act(reviewer), dataset)


def test_can_functions_follow_role_and_state(department, publisher, reviewer, platform_admin):
    draft = factories.make_dataset(department, state=State.DRAFT)
    in_review = _in_review(department)
    published = factories.make_dataset(department)
    taken_down = factories.make_dataset(department, state=State.TAKEN_DOWN)

    assert permissions.can_edit(publisher, draft) and permissions.can_submit(publisher, draft)
    assert not permissions.can_edit(publisher, in_review)
    assert permissions.can_edit(publisher, published)  # through a pending revision
    assert not permissions.can_submit(publisher, published)
    assert permissions.can_withdraw(publisher, published)
    assert not permissions.can_withdraw(publisher, draft)
    assert permissions.can_review(reviewer, in_review) and not permissions.can_review(
        reviewer, draft
    )
    assert not permissions.can_review(publisher, in_review)
    assert permissions.can_take_down(platform_admin, draft)
    assert not permissions.can_take_down(platform_admin, taken_down)
    assert not permissions.can_submit(publisher, taken_down)
    assert permissions.can_submit(platform_admin, taken_down)


def test_a_revision_under_review_cannot_be_edited(department, publisher):
    revision = _revision(department, DatasetRevision.Status.IN_REVIEW, ReviewStage.DEPARTMENT)

    assert not permissions.can_edit(publisher, revision.dataset)


def test_reviewer_queues(department, other_department, reviewer, platform_reviewer, publisher):
    mine = _in_review(department)
    platform_stage = _in_review(department, ReviewStage.PLATFORM)
    _in_review(other_department)
    revision = _revision(department, DatasetRevision.Status.IN_REVIEW, ReviewStage.DEPARTMENT)

    assert list(permissions.reviewable_datasets(reviewer)) == [mine]
    assert list(permissions.reviewable_datasets(platform_reviewer)) == [platform_stage]
    assert list(permissions.reviewable_datasets(publisher)) == []
    assert list(permissions.reviewable_revisions(reviewer)) == [revision]
    assert list(permissions.reviewable_revisions(platform_reviewer)) == []


def test_workspace_holds_the_departments_datasets(
    department, other_department, publisher, reviewer, platform_admin
):
    mine = factories.make_dataset(department, state=State.DRAFT)
    theirs = factories.make_dataset(other_department, state=State.DRAFT)

    assert list(permissions.workspace_datasets(publisher)) == [mine]
    assert list(permissions.workspace_datasets(reviewer)) == []
    assert set(permissions.workspace_datasets(platform_admin)) == {mine, theirs}
