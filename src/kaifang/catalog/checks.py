"""Start-up checks: a broken metadata schema stops the platform with a message naming the field,
instead of failing on the first page that renders a form."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def check_metadata_schema(app_configs, **kwargs) -> list[Error]:
    from kaifang.catalog.schema import SchemaError, get_schema

    try:
        get_schema()
    except SchemaError as exc:
        return [
            Error(
                f"元数据方案无法加载 / metadata schema cannot be loaded: {exc}",
                hint="检查 KAIFANG_METADATA_SCHEMA 指向的文件 / check KAIFANG_METADATA_SCHEMA",
                id="kaifang.E001",
            )
        ]
    return []
