"""Admin pages for users and API tokens. Changes to users are audited; tokens are only listed
and revoked (through the service), never made or edited here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kaifang.accounts import services
from kaifang.accounts.models import ApiToken, User
from kaifang.core import audit
from kaifang.core.adminsite import PlatformAdminOnly, ReadOnly


@admin.register(User)
class UserAdmin(PlatformAdminOnly, DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "is_active",
        "is_platform_admin",
        "is_platform_reviewer",
        "last_login",
    )
    list_filter = ("is_active", "is_platform_admin", "is_platform_reviewer", "is_superuser")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("平台角色"),
            {"fields": ("is_active", "is_platform_admin", "is_platform_reviewer", "is_superuser")},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def has_delete_permission(self, request, obj=None) -> bool:
        """Users are deactivated, not deleted, so the audit log keeps naming them."""
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changed = sorted(set(form.changed_data) - {"password", "password1", "password2"})
        if "password" in form.changed_data or "password1" in form.changed_data:
            changed.append("password")
        audit.record(
            audit.Actor.for_user(request.user),
            "user.change" if change else "user.create",
            obj,
            detail={"fields": changed},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    actions = ["revoke"]

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_token(request.user, token)
        count = len(tokens)
        self.message_user(
            request,
            ngettext("已撤销 %(count)d 个令牌。", "已撤销 %(count)d 个令牌。", count)
            % {"count": count},
            messages.SUCCESS,
        )
