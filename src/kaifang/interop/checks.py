"""Start-up checks: every `dcat:` mapping of the metadata schema must expand to a property, so a
deployment's schema with a mistyped prefix stops the platform at start-up, not the first
harvest."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def check_dcat_mappings(app_configs, **kwargs) -> list[Error]:
    from kaifang.catalog.schema import SchemaError, get_schema
    from kaifang.interop.dcat.vocab import MappingError, expand

    try:
        fields = get_schema().dataset_fields
    except SchemaError:
        return []  # reported by the catalog's own check
    errors = []
    for f in fields:
        for part in f.dcat.split("/") if f.dcat else []:
            try:
                expand(part)
            except MappingError as exc:
                errors.append(
                    Error(
                        f"元数据方案字段 {f.key} 的 dcat 映射有误 / bad dcat mapping: {exc}",
                        id="kaifang.E101",
                    )
                )
    return errors
