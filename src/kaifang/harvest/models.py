"""Harvest sources (another portal whose catalog is copied here), the jobs that ran them, and
the record linking each harvested dataset to the remote one it came from (its provenance)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaifang.catalog.models import Dataset
from kaifang.organizations.models import Department

NAME_RULE = RegexValidator(
    r"^[a-z0-9_-]{2,100}$", _("只能使用 2–100 个小写字母、数字、下划线或连字符。")
)


class HarvestSource(models.Model):
    class Mode(models.TextChoices):
        LINK = "link", _("仅登记链接")
        MIRROR = "mirror", _("镜像文件")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("英文标识"), max_length=100, unique=True, validators=[NAME_RULE])
    title = models.CharField(_("来源名称"), max_length=200)
    type = models.CharField(_("来源类型"), max_length=32)
    url = models.URLField(_("来源地址"), max_length=1000)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="harvest_sources",
        help_text=_("留空表示全平台来源，此时按部门对照表写入各部门。"),
    )
    mode = models.CharField(_("采集方式"), max_length=8, choices=Mode.choices, default=Mode.LINK)
    trusted = models.BooleanField(
        _("可信来源"), default=False, help_text=_("可信来源的变更直接发布，否则送审。")
    )
    schedule_hours = models.PositiveIntegerField(
        _("采集间隔（小时）"), null=True, blank=True, help_text=_("留空表示不定时采集。")
    )
    department_map = models.JSONField(
        _("部门对照表"), default=dict, blank=True, help_text=_("远端组织名 → 本平台部门英文标识")
    )
    domain_map = models.JSONField(
        _("领域对照表"), default=dict, blank=True, help_text=_("远端分组名 → 领域代码")
    )
    defaults = models.JSONField(
        _("缺省元数据"), default=dict, blank=True, help_text=_("远端缺少的必填元数据取此处的值")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    last_run_at = models.DateTimeField(_("上次采集开始"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("上次成功采集开始"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("采集来源")
        verbose_name_plural = _("采集来源")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def is_due(self, now: dt.datetime | None = None) -> bool:
        """Enabled, scheduled, and its interval has passed since it last started."""
        if not self.enabled or not self.schedule_hours:
            return False
        if self.last_run_at is None:
            return True
        now = now or timezone.now()
        return self.last_run_at + dt.timedelta(hours=self.schedule_hours) <= now


class HarvestJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("采集中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default="queued")
    full = models.BooleanField(_("全量采集"), default=True)
    since = models.DateTimeField(_("增量起点"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    added = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    withdrawn = models.PositiveIntegerField(_("下线"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    report = models.JSONField(_("报告"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("采集任务")
        verbose_name_plural = _("采集任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.created_at:%Y-%m-%d %H:%M}"


class HarvestedRecord(models.Model):
    """Where a harvested dataset came from, and the hash of what it last looked like there, so
    a re-run over unchanged remote records writes nothing."""

    source = models.ForeignKey(HarvestSource, on_delete=models.PROTECT, related_name="records")
    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="harvest_record")
    remote_id = models.CharField(_("原始标识"), max_length=200)
    original_url = models.URLField(_("原始地址"), max_length=1000, blank=True)
    content_hash = models.CharField(max_length=64)
    harvested_at = models.DateTimeField(_("采集时间"))
    withdrawn_by_source = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="harvest_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source.name}:{self.remote_id}"


class MirroredFile(models.Model):
    """A local file resource kept as the copy of a remote file by a mirror source: which remote
    resource it copies, what the remote said of the file when it was last fetched (its hash,
    size and modification time, when it says them) and the hash of what was fetched, so a run
    fetches a file again only when it changed."""

    record = models.ForeignKey(HarvestedRecord, on_delete=models.CASCADE, related_name="files")
    resource = models.OneToOneField(
        "catalog.Resource", on_delete=models.CASCADE, related_name="mirrored_file"
    )
    remote_key = models.CharField(_("远端资源标识"), max_length=500)
    url = models.URLField(_("远端文件地址"), max_length=1000)
    signature = models.JSONField(_("远端文件特征"), default=dict, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(_("获取时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("镜像文件")
        verbose_name_plural = _("镜像文件")
        constraints = [
            models.UniqueConstraint(fields=["record", "remote_key"], name="mirrored_file_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record}:{self.remote_key}"
