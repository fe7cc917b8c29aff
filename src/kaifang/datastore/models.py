"""What the datastore knows of each resource version: one table per sheet of tabular data, kept
as immutable columnar files under the datastore root (a base file and the parts appended to it
since), with its fields, profile, progress and exports."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("定点数")
    FLOAT = "float", _("浮点数")
    DATE = "date", _("日期")
    DATETIME = "datetime", _("日期时间")
    BOOLEAN = "boolean", _("布尔")
    TEXT = "text", _("文本")


class DatastoreTable(models.Model):
    """One table of a resource version (a CSV, JSON or XML file has one; a workbook one per
    sheet). `fields` lists the columns in order: [{"id", "type", "label", "description",
    "unit", "source"}], where `id` is the column's name in the data file and `source` the header
    as uploaded. The data file has those columns plus `_row_id` (0-based, in file order).

    Rows written through the API (kaifang.datastore.dynamic) make the data a base file
    (`data_path`) followed by `parts`, each an immutable file of the same columns whose
    `_row_id`s continue from the rows before it; a background job merges them into a new base.
    `generation` counts every change of the files (append, replace, merge), so anything kept
    about the data — cached counts, cursors, previews, exports — names the generation it was
    made from. Files no longer part of the table wait in `retired` ([{"path", "at"}]) until
    no request that read the table before the change can still be opening them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        READY = "ready", _("就绪")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        "catalog.ResourceVersion", on_delete=models.CASCADE, related_name="datastore_tables"
    )
    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="datastore_tables"
    )
    sheet = models.CharField(_("工作表"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField(_("阶段"), max_length=32, blank=True)
    rows_done = models.BigIntegerField(default=0)
    rows_total = models.BigIntegerField(null=True, blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    type_overrides = models.JSONField(default=dict, blank=True)
    profile = models.JSONField(default=dict, blank=True)
    data_path = models.CharField(max_length=500, blank=True)
    parts = models.JSONField(default=list, blank=True)
    generation = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("数据更新时间"), null=True, blank=True)
    retired = models.JSONField(default=list, blank=True)
    exports = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "sheet"], name="unique_table_per_sheet")
        ]
        verbose_name = _("数据表")
        verbose_name_plural = _("数据表")

    def __str__(self) -> str:
        return f"{self.version} {self.sheet}".strip()

    def column_stats(self, column: str) -> dict:
        """The profile of one column as ingest computed it (`profile["columns"][id]`: nulls,
        distinct, min, max, top), or {} when there is none."""
        return ((self.profile or {}).get("columns") or {}).get(column) or {}
