"""`{% dataset_provenance dataset %}`: the 来源 panel of a harvested dataset's page (nothing for
a dataset made here). A tag rather than a view change, so every page showing a dataset can
show where it came from without knowing about harvesting. The catalog's `get_dataset` joins
the record in, so the panel costs the page no query."""

from __future__ import annotations

from django import template

from kaifang.harvest.models import HarvestedRecord

register = template.Library()


@register.inclusion_tag("harvest/provenance.html")
def dataset_provenance(dataset) -> dict:
    try:
        record = dataset.harvest_record
    except HarvestedRecord.DoesNotExist:
        record = None
    return {"record": record}
