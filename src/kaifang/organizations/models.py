"""Departments (开放部门) and who holds which role in them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_RULE = RegexValidator(
    r"^[a-z0-9_-]{2,100}$", _("只能使用 2–100 个小写字母、数字、下划线或连字符。")
)


class Department(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("英文标识"), max_length=100, unique=True, validators=[NAME_RULE])
    title = models.CharField(_("部门名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    code = models.CharField(
        _("部门代码"), max_length=32, blank=True, help_text=_("统一社会信用代码或本地编码")
    )
    region = models.ForeignKey(
        "core.Region",
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("行政区划"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级部门"),
    )
    description = models.TextField(_("简介"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_id", "title"]
        verbose_name = _("开放部门")
        verbose_name_plural = _("开放部门")

    def __str__(self) -> str:
        return self.title


class DepartmentNameRedirect(models.Model):
    """A name a department had before; its old URLs redirect to the department."""

    old_name = models.CharField(max_length=100, unique=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.old_name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("部门管理员")
        PUBLISHER = "publisher", _("数据发布员")
        REVIEWER = "reviewer", _("审核员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"], name="unique_membership_role"
            )
        ]
        verbose_name = _("部门成员")
        verbose_name_plural = _("部门成员")

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
