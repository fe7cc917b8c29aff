"""DCAT-AP 3 documents: the catalog a page at a time (Hydra paging), one dataset, and the code
lists as SKOS concept schemes, each in Turtle, RDF/XML or JSON-LD."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _
from rdflib import plugin
from rdflib.serializer import Serializer

from kaifang.core import codelists
from kaifang.core.errors import Invalid, NotFound
from kaifang.interop import cache, selectors
from kaifang.interop.dcat.graph import Builder, PageView, scheme_graph
from kaifang.interop.dcat.vocab import PREFIXES
from kaifang.interop.links import Links

#: extension → (rdflib serializer, content type)
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("kaifang-turtle", "text/turtle; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}
#: media types a client may ask for on the addresses without an extension
MEDIA_TYPES: dict[str, str] = {
    "text/turtle": "ttl",
    "application/rdf+xml": "rdf",
    "application/ld+json": "jsonld",
}
plugin.register(
    "kaifang-turtle", Serializer, "kaifang.interop.dcat.turtle", "BoundTurtleSerializer"
)

PER_PAGE = 100
MAX_PER_PAGE = 1000
CODELISTS_PUBLISHED = ("region",)  # besides the YAML code lists


def serialize(graph, fmt: str) -> bytes:
    serializer = FORMATS[fmt][0]
    if serializer == "json-ld":
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        return graph.serialize(
            format=serializer, context=context, auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=serializer, encoding="utf-8")


def _number(query: Mapping[str, str], key: str, default: int, highest: int) -> int:
    raw = query.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= highest:
        raise Invalid(
            _("参数 %(key)s 应为 1–%(max)d 的整数（收到“%(value)s”）。")
            % {"key": key, "max": highest, "value": str(raw)[:50]},
            errors={key: ["invalid"]},
        )
    return value


def parse_paging(query: Mapping[str, str]) -> tuple[int, int]:
    """`page` (from 1) and `per_page` (1–1000, 100 when absent); Invalid in Chinese."""
    return (
        _number(query, "page", 1, 1_000_000),
        _number(query, "per_page", PER_PAGE, MAX_PER_PAGE),
    )


def catalog_document(links: Links, fmt: str, page: int, per_page: int) -> bytes:
    """One page of the public catalog, kept in the cache under the output stamp."""

    def build() -> bytes:
        datasets = selectors.catalog_datasets()
        total = datasets.count()
        view = PageView(fmt, page, per_page, total, PER_PAGE)
        if page > view.last:
            raise NotFound(
                _("目录只有 %(last)d 页，没有第 %(page)d 页。") % {"last": view.last, "page": page}
            )
        chosen = list(datasets[(page - 1) * per_page : page * per_page])
        with translation.override("zh-hans"):
            builder = Builder(links)
            builder.catalog(chosen, view)
        return serialize(builder.graph, fmt)

    return cache.kept(cache.key("catalog", links.base, fmt, page, per_page), build)


def dataset_document(links: Links, id_or_name: str, fmt: str) -> bytes:
    """One public dataset with its distributions and data services."""
    dataset = selectors.public_dataset(id_or_name)
    with translation.override("zh-hans"):
        builder = Builder(links)
        builder.related = selectors.related_ids([dataset])
        builder.dataset(dataset)
    return serialize(builder.graph, fmt)


def scheme_document(links: Links, name: str, fmt: str) -> bytes:
    """Code list `name` as a SKOS concept scheme."""
    if name not in CODELISTS_PUBLISHED and name not in codelists.names():
        raise NotFound(_("没有名为“%(name)s”的代码表。") % {"name": name[:100]})

    def build() -> bytes:
        with translation.override("zh-hans"):
            return serialize(scheme_graph(links, name), fmt)

    return cache.kept(cache.key("codelist", links.base, name, fmt), build)
