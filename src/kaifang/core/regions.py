"""The administrative divisions shipped with Kaifang (GB/T 2260), loaded by a data migration."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps


def ensure_regions() -> None:
    """Load the shipped regions when the table is empty. Migrations load them; a test run's
    flush (transactional tests) empties the table, so test set-ups call this first."""
    from kaifang.core.models import Region

    if not Region.objects.exists():
        import_module("kaifang.core.migrations.0002_load_regions").load(apps, None)
