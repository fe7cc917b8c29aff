"""Who holds which role where. Reads only; permissions build on these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kaifang.organizations.models import Membership

if TYPE_CHECKING:
    from kaifang.accounts.models import User
    from kaifang.organizations.models import Department

Role = Membership.Role


def is_platform_admin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "is_platform_admin", False))
    )


def is_platform_reviewer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_reviewer)


def department_ids(user, *roles: str) -> set:
    """Ids of the departments where `user` holds any of `roles` (any role when none given).
    Cached on the user object for the length of a request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_kaifang_roles", None)
    if cache is None:
        cache = {}
        for dept_id, role in Membership.objects.filter(user=user).values_list(
            "department_id", "role"
        ):
            cache.setdefault(role, set()).add(dept_id)
        user.__dict__["_kaifang_roles"] = cache
    wanted = roles or tuple(cache)
    return set().union(*(cache.get(r, set()) for r in wanted)) if wanted else set()


def has_role(user: User, department: Department | None, *roles: str) -> bool:
    return department is not None and department.pk in department_ids(user, *roles)


def forget_roles(user) -> None:
    """Drop the cached roles after memberships change."""
    user.__dict__.pop("_kaifang_roles", None)
