"""Demo accounts: one per role, with fixed user names and one known password."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from kaifang.organizations.models import Department, Membership

# Long enough for the password validators (10+ characters), not a common password, not all
# digits, and unlike any of the user names.
DEMO_PASSWORD = "Kaifang-demo-2026"  # noqa: S105 - public on purpose: a demo login
ACCOUNTS_DEPARTMENT = "330000/jtyst"  # 省交通运输厅

# (username, role, display name, platform flags, department role)
_ACCOUNTS = (
    (
        "admin",
        "平台管理员",
        "演示平台管理员",
        {"is_platform_admin": True, "is_superuser": True, "is_staff": True},
        None,
    ),
    ("reviewer-platform", "平台审核员", "演示平台审核员", {"is_platform_reviewer": True}, None),
    ("dept-admin", "部门管理员（省交通运输厅）", "演示部门管理员", {}, Membership.Role.ADMIN),
    ("publisher", "数据发布员（省交通运输厅）", "演示数据发布员", {}, Membership.Role.PUBLISHER),
    ("reviewer", "审核员（省交通运输厅）", "演示审核员", {}, Membership.Role.REVIEWER),
)

DEMO_ACCOUNTS: list[tuple[str, str, str]] = [(u, role, DEMO_PASSWORD) for u, role, *_ in _ACCOUNTS]


@dataclass(frozen=True)
class AccountStatus:
    username: str
    role: str
    password: str
    status: str  # created · existing (password left as it was) · skipped


def ensure_accounts(department: Department) -> list[AccountStatus]:
    """Create the demo accounts that are missing and give each its role. An existing account
    keeps its password; the demo `admin` is not made when the platform already has an
    administrator, so a real installation's admin is never shadowed."""
    users = get_user_model()
    statuses = []
    for username, role, display, flags, member_role in _ACCOUNTS:
        user = users.objects.filter(username=username).first()
        if (
            user is None
            and flags.get("is_superuser")
            and users.objects.filter(Q(is_superuser=True) | Q(is_platform_admin=True)).exists()
        ):
            statuses.append(AccountStatus(username, role, "", "skipped"))
            continue
        status = "existing" if user is not None else "created"
        if user is None:
            user = users(
                username=username, display_name=display, email=f"{username}@example.org", **flags
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        if member_role:
            Membership.objects.get_or_create(user=user, department=department, role=member_role)
        statuses.append(AccountStatus(username, role, DEMO_PASSWORD, status))
    return statuses
