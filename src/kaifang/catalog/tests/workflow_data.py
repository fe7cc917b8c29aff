"""Values and uploads the workflow tests share."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kaifang.catalog.tests.factories import complete_metadata
from kaifang.core.audit import Actor

CSV = "站点名称,经度,纬度\n武林广场,120.1651,30.2741\n西湖文化广场,120.1690,30.2800\n".encode()


def dataset_data(**overrides: Any) -> dict[str, Any]:
    """Every value the default schema requires, keyed by field key, as a form would send."""
    data: dict[str, Any] = {
        "title": "公交站点",
        "identifier": "330000000001/000001",
        "summary": "全省公交站点名称与坐标。",
        "domain": "6",
        "open_type": "open",
        "update_frequency": "monthly",
        "keywords": ["公交", "站点"],
        **complete_metadata(),
    }
    data.update(overrides)
    return data


def csv_upload(name: str = "公交站点.csv", content: bytes = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def act(user) -> Actor:
    return Actor.for_user(user)
