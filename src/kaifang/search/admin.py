"""The search change log and the query log in the admin, read-only: what changed for search
and when, to see how far behind a node's index is (`kaifang searchindex` prints its applied
seq); what people searched for, and what found nothing."""

from __future__ import annotations

from django.contrib import admin

from kaifang.core.adminsite import ReadOnly
from kaifang.search.models import SearchChange, SearchQuery


@admin.register(SearchChange)
class SearchChangeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("seq", "dataset_id", "kind", "reason", "at")
    list_filter = ("kind", "reason")
    search_fields = ("dataset_id",)
    date_hierarchy = "at"


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnly, admin.ModelAdmin):
    """What people searched for. Filtered to 无结果, it tells departments what citizens look
    for and cannot find."""

    list_display = ("day", "query", "results", "zero")
    list_filter = ("zero", "day")
    search_fields = ("query",)
    date_hierarchy = "day"
