"""Usage counts: one row per resource per day, read by statistics and search ranking."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceDailyCount(models.Model):
    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="daily_counts"
    )
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="daily_counts"
    )
    day = models.DateField(_("日期"))
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)
    api_calls = models.PositiveIntegerField(_("接口调用次数"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "day"], name="unique_resource_day")
        ]
        indexes = [models.Index(fields=["day"])]
        verbose_name = _("资源日使用量")
        verbose_name_plural = _("资源日使用量")

    def __str__(self) -> str:
        return f"{self.resource_id} {self.day}"
