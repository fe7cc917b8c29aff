"""The shared kernel's models: administrative regions and the append-only audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division (行政区划) with its GB/T 2260 six-digit code."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        CITY = 2, _("市级")
        COUNTY = 3, _("县级")

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """Code prefix shared by this region and every region under it."""
        return {1: self.code[:2], 2: self.code[:4]}.get(self.level, self.code)

    @property
    def full_name(self) -> str:
        parts = []
        region: Region | None = self
        while region is not None:
            if region.name not in {"市辖区", "县"}:
                parts.append(region.name)
            region = region.parent
        return "".join(reversed(parts))


class AuditQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused: the log only grows."""

    def update(self, **kwargs):
        raise PermissionError("审计日志只可追加，不可修改")

    def delete(self):
        raise PermissionError("审计日志只可追加，不可删除")


class AuditEntry(models.Model):
    """One line of the append-only audit log: who did what to which object, when and why."""

    class ActorType(models.TextChoices):
        USER = "user", _("用户")
        TOKEN = "token", _("API 令牌")
        HARVEST = "harvest", _("采集源")
        SYSTEM = "system", _("系统")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor_type = models.CharField(_("操作者类型"), max_length=16, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作者"), max_length=200)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象"), max_length=64, db_index=True)
    target_label = models.CharField(_("对象名称"), max_length=300, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计日志只可追加，不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只可追加，不可删除")


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()
