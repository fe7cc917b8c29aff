"""Reads of harvest data reused by pages, the command line and the catalog outputs."""

from __future__ import annotations

import uuid

from kaifang.harvest.models import HarvestedRecord, HarvestSource


def find_source(key: str) -> HarvestSource | None:
    """A source by its name (or id, as the admin shows it)."""
    found = HarvestSource.objects.filter(name=key).first()
    if found is not None:
        return found
    try:
        return HarvestSource.objects.filter(pk=uuid.UUID(key)).first()
    except ValueError:
        return None


def provenance(dataset) -> dict[str, str] | None:
    """Where a harvested dataset came from — the source (its title and address), the remote
    record's id and address, when it was harvested — for the outputs that pass a dataset on
    (CKAN API, DCAT); None for a dataset made here. Reads `dataset.harvest_record` and its
    source, which the outputs' loaders join in."""
    try:
        record = dataset.harvest_record
    except HarvestedRecord.DoesNotExist:
        return None
    source = record.source
    return {
        "source_name": source.name,
        "source_title": source.title,
        "source_url": source.url,
        "original_id": record.remote_id,
        "original_url": record.original_url,
        "harvested_at": record.harvested_at.isoformat(),
    }
