"""Admin pages of the shared kernel: the audit log and the regions, both read-only."""

from __future__ import annotations

from django.contrib import admin

from kaifang.core.adminsite import ReadOnly
from kaifang.core.models import AuditEntry, Region


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    """The append-only audit log: searched and read here, never added to, changed or deleted."""

    list_display = ("at", "actor_label", "actor_type", "action", "target_type", "target_label")
    list_filter = ("actor_type", "action", "target_type")
    search_fields = ("actor_label", "target_label", "target_id", "reason")
    date_hierarchy = "at"
    list_select_related = ("actor_user",)
    show_full_result_count = False


@admin.register(Region)
class RegionAdmin(ReadOnly, admin.ModelAdmin):
    """GB/T 2260 regions come from the code list migration."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
