"""Django admin for the platform's admins.

The admin is where platform admins look things up: the audit log, regions, users, departments
and the catalog. It opens to platform admins (the `is_platform_admin` flag, or superusers)
rather than to Django's `is_staff` users, and it does not go around the services: catalog
objects and the audit log are read-only here, and the changes it does allow (users,
departments, memberships) are audited.

This module holds the site (made the default one by `kaifang.core.adminconfig`, which settings
name in place of "django.contrib.admin") and the permission mixins every admin module uses.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_platform_admin(user) -> bool:
    from kaifang.organizations.roles import is_platform_admin as check

    return bool(user is not None and user.is_active and check(user))


class PlatformAdminLoginForm(AdminAuthenticationForm):
    """Lets platform admins sign in to the admin whether or not they are `is_staff`."""

    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_platform_admin(user):
            raise ValidationError(_("只有平台管理员可以登录管理后台。"), code="invalid_login")


class PlatformAdminSite(admin.AdminSite):
    site_header = _("开放数据平台管理后台")
    site_title = _("管理后台")
    index_title = _("平台管理")
    login_form = PlatformAdminLoginForm

    def has_permission(self, request) -> bool:
        return is_platform_admin(request.user)


class PlatformAdminOnly:
    """ModelAdmin permissions for platform admins (Django's per-model permissions are not used:
    roles live on the user and in memberships)."""

    def has_module_permission(self, request) -> bool:
        return is_platform_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_platform_admin(request.user)

    def has_add_permission(self, request, *args) -> bool:
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_platform_admin(request.user)


class ReadOnly(PlatformAdminOnly):
    """Shown, never added, changed or deleted here: these change only through services."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
