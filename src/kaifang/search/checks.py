"""Start-up checks of the search configuration: a backend that cannot work with this
deployment's database stops the platform at start with a message saying what to change,
instead of failing on the first search."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

POSTGRES_BACKEND = "kaifang.search.backends.postgres.PostgresSearchBackend"


@register()
def check_search_backend(app_configs, **kwargs) -> list[Error]:
    if settings.KAIFANG.get("SEARCH_BACKEND") != POSTGRES_BACKEND:
        return []
    from kaifang.search.backends.postgres import unavailable_reason

    reason = unavailable_reason()
    if reason is None:
        return []
    return [
        Error(
            reason,
            hint="DATABASE_URL=postgres://… 或 KAIFANG_SEARCH_BACKEND="
            "kaifang.search.backends.tantivy.TantivySearchBackend",
            id="kaifang.E201",
        )
    ]
