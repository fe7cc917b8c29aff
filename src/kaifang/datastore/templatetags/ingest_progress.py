"""`{% load ingest_progress %}`: the publisher's view of an ingest — stage names in Chinese."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STAGES = {
    "queued": _("排队中"),
    "read": _("读取"),
    "decode": _("识别编码"),
    "types": _("识别字段类型"),
    "privacy": _("隐私检查"),
    "write": _("写入列式文件"),
    "profile": _("统计字段"),
    "done": _("完成"),
}


@register.filter
def stage_label(stage: str) -> str:
    """The Chinese name of an ingest stage (the key itself for one not listed)."""
    return STAGES.get(stage, stage)
