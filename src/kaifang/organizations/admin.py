"""Admin pages for departments and memberships. Department edits are audited here; memberships
are added and removed through the membership services, which audit them."""

from __future__ import annotations

from django.contrib import admin

from kaifang.core import audit
from kaifang.core.adminsite import PlatformAdminOnly
from kaifang.organizations import services
from kaifang.organizations.models import Department, Membership


@admin.register(Department)
class DepartmentAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ("title", "short_name", "name", "code", "region", "parent")
    list_filter = ("region__level",)
    search_fields = ("title", "short_name", "name", "code")
    list_select_related = ("region", "parent")
    autocomplete_fields = ("parent",)
    raw_id_fields = ("region",)

    def has_delete_permission(self, request, obj=None) -> bool:
        """Departments hold datasets (protected) and history; they are not deleted."""
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.save_department(
            audit.Actor.for_user(request.user), obj, changed=list(form.changed_data)
        )


@admin.register(Membership)
class MembershipAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ("user", "department", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "department__title")
    list_select_related = ("user", "department")
    autocomplete_fields = ("department",)
    raw_id_fields = ("user",)

    def has_change_permission(self, request, obj=None) -> bool:
        """A role is added or removed, never edited into another one silently."""
        return False

    def save_model(self, request, obj, form, change) -> None:
        membership = services.add_membership(
            audit.Actor.for_user(request.user),
            user=obj.user,
            department=obj.department,
            role=obj.role,
        )
        obj.pk = membership.pk
        obj._state.adding = False

    def delete_model(self, request, obj) -> None:
        services.remove_membership(audit.Actor.for_user(request.user), obj)

    def delete_queryset(self, request, queryset) -> None:
        actor = audit.Actor.for_user(request.user)
        for membership in queryset.select_related("user", "department"):
            services.remove_membership(actor, membership)
