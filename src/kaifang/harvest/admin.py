"""Harvest sources and their jobs in the admin: sources are edited here, "立即采集" queues a run
through the service (which checks the permission and audits), and each job shows its report."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.core.adminsite import PlatformAdminOnly, ReadOnly
from kaifang.core.audit import Actor
from kaifang.core.errors import KaifangError
from kaifang.harvest import services
from kaifang.harvest.backends import backend_choices
from kaifang.harvest.models import HarvestJob, HarvestSource


class HarvestSourceForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("来源地址"), max_length=1000, assume_scheme="https")

    class Meta:
        model = HarvestSource
        fields = (
            "name",
            "title",
            "type",
            "url",
            "department",
            "mode",
            "trusted",
            "schedule_hours",
            "department_map",
            "domain_map",
            "defaults",
            "enabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"] = forms.ChoiceField(
            label=gettext_lazy("来源类型"), choices=backend_choices()
        )


#: what a job did, in the order its report gives it
JOB_COUNTS = ("added", "updated", "unchanged", "withdrawn", "failed")


class JobInline(ReadOnly, admin.TabularInline):
    model = HarvestJob
    fields = ("status", "full", "started_at", "finished_at", *JOB_COUNTS)
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = True
    ordering = ("-created_at",)


@admin.register(HarvestSource)
class HarvestSourceAdmin(PlatformAdminOnly, admin.ModelAdmin):
    form = HarvestSourceForm
    list_display = (
        "title",
        "name",
        "type",
        "department",
        "trusted",
        "schedule_hours",
        "enabled",
        "last_run_at",
    )
    list_filter = ("type", "trusted", "enabled")
    search_fields = ("title", "name", "url")
    readonly_fields = ("last_run_at", "last_success_at")
    actions = ["run_now", "run_full"]
    inlines = [JobInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        """Sources keep the provenance of what they brought in: disable one instead."""
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.save_source(Actor.for_user(request.user), obj, changed=list(form.changed_data))

    @admin.action(description=gettext_lazy("立即采集（增量）"))
    def run_now(self, request, queryset):
        self._queue(request, queryset, full=False)

    @admin.action(description=gettext_lazy("立即全量采集"))
    def run_full(self, request, queryset):
        self._queue(request, queryset, full=True)

    def _queue(self, request, queryset, *, full: bool) -> None:
        actor = Actor.for_user(request.user)
        for source in queryset:
            try:
                services.queue_harvest(actor, source, full=full)
            except KaifangError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("已排队采集“%(s)s”。") % {"s": source.title})


@admin.register(HarvestJob)
class HarvestJobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("source", "status", "full", "started_at", "finished_at", *JOB_COUNTS)
    list_filter = ("status", "source")
    readonly_fields = (
        "source",
        "status",
        "full",
        "since",
        "started_at",
        "finished_at",
        *JOB_COUNTS,
        "report",
    )
