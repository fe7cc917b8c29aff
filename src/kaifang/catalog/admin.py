"""Admin pages of the catalog, read-only: datasets, resources, versions, revisions and grants
change only through the catalog services, which check roles and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from kaifang.catalog.models import (
    AccessGrant,
    Dataset,
    DatasetRevision,
    Resource,
    ResourceVersion,
    Tag,
)
from kaifang.core.adminsite import ReadOnly


class ResourceInline(ReadOnly, admin.TabularInline):
    model = Resource
    fields = ("title", "kind", "format", "current_version", "pending_revision")
    extra = 0
    show_change_link = True


@admin.register(Dataset)
class DatasetAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("title", "department", "state", "review_stage", "open_type", "published_at")
    list_filter = ("state", "review_stage", "open_type", "is_private", "domain")
    search_fields = ("title", "name", "identifier")
    list_select_related = ("department",)
    date_hierarchy = "published_at"
    inlines = [ResourceInline]


@admin.register(Resource)
class ResourceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("title", "dataset", "kind", "format", "current_version")
    list_filter = ("kind", "format")
    search_fields = ("title", "name", "dataset__title")
    list_select_related = ("dataset", "current_version")


@admin.register(ResourceVersion)
class ResourceVersionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("resource", "number", "original_name", "size", "detected_format", "status")
    list_filter = ("status", "detected_format")
    search_fields = ("original_name", "sha256", "resource__title")
    list_select_related = ("resource",)


@admin.register(DatasetRevision)
class DatasetRevisionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("dataset", "status", "review_stage", "created_by", "updated_at")
    list_filter = ("status", "review_stage")
    search_fields = ("dataset__title",)
    list_select_related = ("dataset", "created_by")


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("dataset", "user", "granted_by", "expires_at", "revoked_at", "created_at")
    search_fields = ("dataset__title", "user__username")
    list_select_related = ("dataset", "user", "granted_by")


@admin.register(Tag)
class TagAdmin(ReadOnly, admin.ModelAdmin):
    search_fields = ("name",)
