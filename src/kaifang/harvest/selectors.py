"""Reads of harvest data reused by pages and the command line."""

from __future__ import annotations

import uuid

from kaifang.harvest.models import HarvestSource


def find_source(key: str) -> HarvestSource | None:
    """A source by its name (or id, as the admin shows it)."""
    found = HarvestSource.objects.filter(name=key).first()
    if found is not None:
        return found
    try:
        return HarvestSource.objects.filter(pk=uuid.UUID(key)).first()
    except ValueError:
        return None
