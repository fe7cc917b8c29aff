"""Datasets, their resources and immutable resource versions, pending revisions and grants.

Fields that are queried (title, identifier, department, region, domain, state, open type,
update frequency, dates, flags) are columns; every other field the metadata schema defines lives
in `metadata`, keyed by the schema's field keys.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaifang.organizations.models import NAME_RULE


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下线")
    TAKEN_DOWN = "taken_down", _("应急下线")


class ReviewStage(models.TextChoices):
    DEPARTMENT = "department", _("部门审核")
    PLATFORM = "platform", _("平台审核")


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("英文标识"), max_length=100, unique=True, validators=[NAME_RULE])
    title = models.CharField(_("信息资源名称"), max_length=300)
    identifier = models.CharField(
        _("信息资源代码"), max_length=100, unique=True, null=True, blank=True
    )
    summary = models.TextField(_("信息资源摘要"), blank=True)
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name=_("开放部门"),
    )
    region = models.ForeignKey(
        "core.Region",
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name=_("行政区划"),
    )
    domain = models.CharField(_("领域"), max_length=8, db_index=True)
    open_type = models.CharField(_("开放类型"), max_length=16, default="open", db_index=True)
    update_frequency = models.CharField(_("更新周期"), max_length=16, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    review_stage = models.CharField(
        _("审核环节"), max_length=16, choices=ReviewStage.choices, blank=True
    )
    is_private = models.BooleanField(_("仅部门内可见"), default=False)
    is_high_value = models.BooleanField(_("高价值数据"), default=False)
    is_realtime = models.BooleanField(_("实时动态数据"), default=False)
    metadata = models.JSONField(_("其他元数据"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    published_at = models.DateTimeField(_("发布日期"), null=True, blank=True, db_index=True)
    data_updated_at = models.DateTimeField(_("数据更新时间"), null=True, blank=True)
    download_count = models.PositiveIntegerField(_("下载次数"), default=0, db_index=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("元数据更新时间"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["state", "is_private", "open_type"])]
        verbose_name = _("数据集")
        verbose_name_plural = _("数据集")

    def __str__(self) -> str:
        return self.title


class DatasetNameRedirect(models.Model):
    """A name a dataset had before; its old URLs and API lookups lead to the dataset."""

    old_name = models.CharField(max_length=100, unique=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="old_names")

    def __str__(self) -> str:
        return self.old_name


class DatasetRevision(models.Model):
    """Changes proposed to a published dataset, reviewed on their own while the public revision
    stays as it is. `data` holds the proposed values of every schema field."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_REVIEW = "in_review", _("审核中")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")
        DISCARDED = "discarded", _("已放弃")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_stage = models.CharField(max_length=16, choices=ReviewStage.choices, blank=True)
    reason = models.TextField(_("退回理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset"],
                condition=models.Q(status__in=["draft", "in_review", "returned"]),
                name="one_open_revision_per_dataset",
            )
        ]
        verbose_name = _("待审修订")
        verbose_name_plural = _("待审修订")

    def __str__(self) -> str:
        return f"{self.dataset} · {self.get_status_display()}"


class Resource(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("文件")
        LINK = "link", _("外部链接")
        API = "api", _("接口")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("英文标识"), max_length=100, unique=True, validators=[NAME_RULE])
    title = models.CharField(_("资源名称"), max_length=300)
    description = models.TextField(_("说明"), blank=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.FILE)
    url = models.URLField(_("链接地址"), max_length=1000, blank=True)
    format = models.CharField(_("格式"), max_length=16, blank=True, db_index=True)
    position = models.PositiveIntegerField(default=0)
    current_version = models.OneToOneField(
        "ResourceVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("已发布版本"),
    )
    pending_revision = models.ForeignKey(
        DatasetRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="new_resources",
        help_text=_("在已发布数据集上新增、尚待审核的资源"),
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("资源")
        verbose_name_plural = _("资源")

    def __str__(self) -> str:
        return self.title


def version_upload_to(version: ResourceVersion, filename: str) -> str:
    return f"resources/{version.resource_id}/{version.id}/{filename}"


class ResourceVersion(models.Model):
    """One immutable upload of a resource. The resource's published pointer moves to a version
    only once the version is complete (and, on a published dataset, approved)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("处理中")
        READY = "ready", _("就绪")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    file = models.FileField(_("文件"), upload_to=version_upload_to, max_length=500)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    detected_format = models.CharField(_("识别格式"), max_length=16, blank=True)
    media_type = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    revision = models.ForeignKey(
        DatasetRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="new_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="unique_version_number")
        ]
        verbose_name = _("资源版本")
        verbose_name_plural = _("资源版本")

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"

    IMMUTABLE = ("resource_id", "number", "file", "size", "sha256", "original_name")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values(*self.IMMUTABLE).first() or {}
            for key, value in stored.items():
                mine = getattr(self, key)
                mine = mine.name if hasattr(mine, "name") else mine
                if mine != value:
                    raise PermissionError(f"资源版本不可修改：{key}")
        super().save(*args, **kwargs)


class AccessGrant(models.Model):
    """Permission for one user to get the files and rows of one conditional dataset."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    purpose = models.TextField(_("用途"), blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("访问授权")
        verbose_name_plural = _("访问授权")

    def __str__(self) -> str:
        return f"{self.user} → {self.dataset}"
