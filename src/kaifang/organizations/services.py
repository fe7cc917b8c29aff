"""Departments and who holds which role in them. Each change is audited, since roles decide
who may publish and who reviews, and a department's name is part of its public addresses."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kaifang.core import audit
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, NotAllowed
from kaifang.organizations import roles
from kaifang.organizations.models import Department, DepartmentNameRedirect, Membership
from kaifang.search.services import datasets_changed

#: department fields every dataset's search document holds (searched, filtered or shown)
SEARCHED_FIELDS = frozenset({"name", "title", "short_name"})


@transaction.atomic
def save_department(actor: Actor, department: Department, *, changed: list[str]) -> Department:
    """Create or change a department (platform admins only). A new `name` keeps the old one
    leading to the department, as dataset names do."""
    if actor.user is None or not roles.is_platform_admin(actor.user):
        raise NotAllowed(_("只有平台管理员可以新建或修改开放部门。"))
    creating = department._state.adding
    old_name = None
    if not creating:
        old_name = Department.objects.filter(pk=department.pk).values_list("name", flat=True)[0]
    if old_name and old_name != department.name:
        DepartmentNameRedirect.objects.filter(old_name=department.name).delete()
        DepartmentNameRedirect.objects.update_or_create(
            old_name=old_name, defaults={"department": department}
        )
    department.save()
    if not creating and SEARCHED_FIELDS.intersection(changed):
        _datasets_changed(department)
    action = "department.create" if creating else "department.change"
    detail: dict = {"fields": sorted(changed)}
    if old_name and old_name != department.name:
        detail["old_name"] = old_name
    audit.record(actor, action, department, detail=detail)
    return department


def _datasets_changed(department: Department) -> None:
    """A renamed department is searched under its new name in each of its datasets."""
    ids = department.datasets.values_list("pk", flat=True)
    datasets_changed(ids, reason="department")


def _require_manager(actor: Actor, department: Department) -> None:
    """Platform admins manage every department's members; a department admin their own."""
    user = actor.user
    allowed = user is not None and (
        roles.is_platform_admin(user) or roles.has_role(user, department, roles.Role.ADMIN)
    )
    if not allowed:
        raise NotAllowed(_("只有平台管理员或该部门的管理员可以管理部门成员。"))


@transaction.atomic
def add_membership(actor: Actor, *, user, department: Department, role: str) -> Membership:
    """Give `user` `role` in `department`; giving a role already held changes nothing."""
    _require_manager(actor, department)
    if role not in roles.Role.values:
        message = _("角色“%(role)s”不存在。") % {"role": role}
        raise Invalid(message, errors={"role": [message]})
    if not user.is_active:
        message = _("不能给已停用的用户分配角色。")
        raise Invalid(message, errors={"user": [message]})
    membership, created = Membership.objects.get_or_create(
        user=user, department=department, role=role
    )
    if created:
        audit.record(
            actor,
            "membership.add",
            department,
            detail={"user": user.get_username(), "role": role},
        )
        roles.forget_roles(user)
    return membership


@transaction.atomic
def remove_membership(actor: Actor, membership: Membership) -> None:
    """Take a role away. A department admin cannot remove their own admin role, so a
    department is never left without the admin who could fix a mistake."""
    department = membership.department
    _require_manager(actor, department)
    if (
        membership.role == roles.Role.ADMIN
        and actor.user is not None
        and membership.user_id == actor.user.pk
        and not roles.is_platform_admin(actor.user)
    ):
        raise NotAllowed(_("不能移除自己的部门管理员角色，请联系平台管理员。"))
    user = membership.user
    detail = {"user": user.get_username(), "role": membership.role}
    membership.delete()
    audit.record(actor, "membership.remove", department, detail=detail)
    roles.forget_roles(user)
