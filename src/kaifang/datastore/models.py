"""What the datastore knows of each resource version: one table per sheet of tabular data, kept
as an immutable columnar file under the datastore root, with its fields, profile, progress and
exports."""

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
    as uploaded. The data file has those columns plus `_row_id` (0-based, in file order)."""

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
