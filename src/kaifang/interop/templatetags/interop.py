"""Template tags for the machine-readable shapes of a page: the dataset page's links to its
DCAT documents and its schema.org JSON-LD."""

from __future__ import annotations

from django import template
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from kaifang.catalog.models import Dataset
from kaifang.catalog.visibility import PUBLIC, is_visible
from kaifang.interop.dcat import FORMATS
from kaifang.interop.links import Links
from kaifang.interop.schemaorg import dataset_jsonld, script_json

register = template.Library()


@register.simple_tag(takes_context=True)
def dataset_metadata_links(context, dataset: Dataset) -> SafeString:
    """`<link rel="alternate">` to the dataset's DCAT documents and a
    `<script type="application/ld+json">` describing it, only when the public may see it: a
    member previewing a draft or private dataset must not hand it to a crawler."""
    request = context.get("request")
    if request is None or not _public(dataset):
        return SafeString("")
    alternates = format_html_join(
        "",
        '<link rel="alternate" type="{}" href="{}">',
        (
            (
                content_type.split(";")[0],
                reverse("interop:dataset-format", args=[dataset.name, fmt]),
            )
            for fmt, (_serializer, content_type) in FORMATS.items()
        ),
    )
    data = dataset_jsonld(Links.for_request(request), dataset)
    script = format_html(
        '<script type="application/ld+json">{}</script>', SafeString(script_json(data))
    )
    return alternates + script


def _public(dataset: Dataset) -> bool:
    """Whether the public may see `dataset`: the visibility gate's own condition read on the
    loaded row (the page needs no query for it), or asked of the database when the condition
    is more than this reader follows."""
    found = _matches(PUBLIC, dataset)
    return is_visible(AnonymousUser(), dataset) if found is None else found


def _matches(condition: Q, obj) -> bool | None:
    """`condition` evaluated on `obj` for plain equality lookups; None for anything else."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            result = _matches(child, obj)
        elif "__" in child[0]:
            return None
        else:
            result = getattr(obj, child[0]) == child[1]
        if result is None:
            return None
        results.append(result)
    found = all(results) if condition.connector == Q.AND else any(results)
    return not found if condition.negated else found
