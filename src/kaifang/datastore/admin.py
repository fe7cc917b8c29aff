"""The datastore's tables in the admin: what each version's ingest made, its progress and
errors. Only the publisher's type overrides are editable, saved through the service (which
checks permission, audits, and ingests an unpublished version again)."""

from __future__ import annotations

from django.contrib import admin

from kaifang.core.audit import Actor
from kaifang.datastore import services
from kaifang.datastore.models import DatastoreTable


@admin.register(DatastoreTable)
class DatastoreTableAdmin(admin.ModelAdmin):
    list_display = ("resource", "version", "sheet", "status", "stage", "row_count", "finished_at")
    list_filter = ("status",)
    list_select_related = ("resource", "version")
    search_fields = ("resource__title", "sheet")
    fields = (
        "resource",
        "version",
        "sheet",
        "status",
        "stage",
        "rows_done",
        "rows_total",
        "row_count",
        "fields",
        "type_overrides",
        "profile",
        "data_path",
        "exports",
        "error",
        "started_at",
        "finished_at",
    )
    readonly_fields = tuple(f for f in fields if f != "type_overrides")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.set_type_overrides(Actor.for_user(request.user), obj, obj.type_overrides)
