"""Adding and removing department roles: who may, and the audit entries."""

from __future__ import annotations

import pytest

from kaifang.catalog import permissions
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, NotAllowed
from kaifang.core.models import AuditEntry
from kaifang.organizations import services
from kaifang.organizations.models import Membership


def test_a_department_admin_adds_and_removes_a_publisher(department, dept_admin, citizen):
    assert not permissions.can_create_in(citizen, department)

    membership = services.add_membership(
        Actor.for_user(dept_admin), user=citizen, department=department, role="publisher"
    )
    assert permissions.can_create_in(citizen, department)

    services.remove_membership(Actor.for_user(dept_admin), membership)
    assert not permissions.can_create_in(citizen, department)

    actions = list(
        AuditEntry.objects.filter(target_id=str(department.pk))
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [("membership.add", "dadmin"), ("membership.remove", "dadmin")]


def test_adding_a_role_twice_changes_nothing(department, platform_admin, citizen):
    actor = Actor.for_user(platform_admin)

    first = services.add_membership(actor, user=citizen, department=department, role="reviewer")
    second = services.add_membership(actor, user=citizen, department=department, role="reviewer")

    assert first == second
    assert AuditEntry.objects.filter(action="membership.add").count() == 1


@pytest.mark.parametrize("role", ["publisher", "reviewer", "outsider", "citizen"])
def test_others_cannot_manage_members(request, department, role, citizen):
    user = request.getfixturevalue(role)

    with pytest.raises(NotAllowed):
        services.add_membership(
            Actor.for_user(user), user=citizen, department=department, role="admin"
        )


def test_an_admin_of_another_department_cannot_manage_members(
    other_department, dept_admin, citizen
):
    with pytest.raises(NotAllowed):
        services.add_membership(
            Actor.for_user(dept_admin), user=citizen, department=other_department, role="admin"
        )


def test_unknown_role(department, platform_admin, citizen):
    with pytest.raises(Invalid):
        services.add_membership(
            Actor.for_user(platform_admin), user=citizen, department=department, role="owner"
        )


def test_a_department_admin_cannot_remove_their_own_admin_role(department, dept_admin):
    membership = Membership.objects.get(user=dept_admin, role="admin")

    with pytest.raises(NotAllowed):
        services.remove_membership(Actor.for_user(dept_admin), membership)


def test_renaming_a_department_keeps_its_old_address(client, department, platform_admin):
    from kaifang.core.audit import Actor
    from kaifang.core.models import AuditEntry
    from kaifang.organizations.services import save_department

    department.name = "jiaotong-yunshu"
    save_department(Actor.for_user(platform_admin), department, changed=["name"])

    old = client.get("/departments/jiaotong/")
    entry = AuditEntry.objects.get(action="department.change")
    assert old.status_code in (301, 302)
    assert old.url.endswith("/departments/jiaotong-yunshu/")
    assert entry.detail == {"fields": ["name"], "old_name": "jiaotong"}


def test_only_platform_admins_change_departments(department, dept_admin):
    import pytest

    from kaifang.core.audit import Actor
    from kaifang.core.errors import NotAllowed
    from kaifang.organizations.services import save_department

    department.title = "改名"
    with pytest.raises(NotAllowed):
        save_department(Actor.for_user(dept_admin), department, changed=["title"])
