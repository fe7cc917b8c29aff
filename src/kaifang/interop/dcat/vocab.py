"""Namespaces, and the nodes our code values become in RDF.

Most code lists are published by the platform itself as SKOS concept schemes
(`/codelists/<name>`), so a theme such as 交通运输 is a concept a harvester can look up. Where
the EU Publications Office keeps an authority table that DCAT-AP expects, the code list names
the matching entry (`eu_frequency`, `eu_access_right`, `eu_file_type`) and that URI is used
instead, typed as DCAT-AP's shapes require.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.interop.links import Links

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

#: prefixes a schema's `dcat:` mapping may use, and that outputs bind
PREFIXES: dict[str, Namespace] = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "skos": SKOS,
    "vcard": VCARD,
    "rdfs": RDFS,
    "prov": PROV,
    "adms": ADMS,
    "dcatap": DCATAP,
    "locn": LOCN,
    "hydra": HYDRA,
    "spdx": SPDX,
    "xsd": XSD,
}

#: the class of the node a property points to, where DCAT-AP's shapes check it (`sh:class`)
RANGES: dict[URIRef, URIRef] = {
    DCTERMS.accessRights: DCTERMS.RightsStatement,
    DCTERMS.rights: DCTERMS.RightsStatement,
    DCTERMS.accrualPeriodicity: DCTERMS.Frequency,
    DCTERMS.conformsTo: DCTERMS.Standard,
    DCTERMS.provenance: DCTERMS.ProvenanceStatement,
    DCTERMS.license: DCTERMS.LicenseDocument,
    DCTERMS.format: DCTERMS.MediaTypeOrExtent,
    DCTERMS.spatial: DCTERMS.Location,
    DCTERMS.temporal: DCTERMS.PeriodOfTime,
    DCTERMS.publisher: FOAF.Agent,
    DCTERMS.creator: FOAF.Agent,
    DCTERMS.language: DCTERMS.LinguisticSystem,
    DCTERMS.type: SKOS.Concept,
    DCAT.theme: SKOS.Concept,
    DCAT.contactPoint: VCARD.Kind,
    DCAT.landingPage: FOAF.Document,
    FOAF.page: FOAF.Document,
}

#: properties whose text is a code, not words in a language (no language tag)
PLAIN_LITERALS = frozenset({DCTERMS.identifier, SKOS.notation})

CHINESE = URIRef(f"{EU}language/ZHO")


class MappingError(ValueError):
    """A schema's `dcat:` mapping names a prefix or property this module cannot expand."""


def expand(curie: str) -> URIRef:
    """`dct:title` → the full property URI."""
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES or not local:
        known = "、".join(sorted(PREFIXES))
        raise MappingError(f"无法识别的属性“{curie}”（可用前缀：{known}）")
    return PREFIXES[prefix][local]


def bind(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    return graph


def labels(graph: Graph, node: URIRef, item: codelists.Item, predicate=SKOS.prefLabel) -> None:
    graph.add((node, predicate, Literal(item.zh, lang="zh")))
    if item.en:
        graph.add((node, predicate, Literal(item.en, lang="en")))


def concept_scheme(graph: Graph, links: Links, name: str) -> URIRef:
    """The scheme node of code list `name` (its title is what DCAT-AP requires of it)."""
    scheme = URIRef(links.codelist(name))
    if (scheme, RDF.type, SKOS.ConceptScheme) not in graph:
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        if name == "region":
            graph.add((scheme, DCTERMS.title, Literal("行政区划", lang="zh")))
            graph.add((scheme, DCTERMS.title, Literal("Administrative divisions", lang="en")))
        else:
            codes = codelists.get(name)
            graph.add((scheme, DCTERMS.title, Literal(codes.label_zh, lang="zh")))
            if codes.label_en:
                graph.add((scheme, DCTERMS.title, Literal(codes.label_en, lang="en")))
    return scheme


def concept(graph: Graph, links: Links, name: str, item: codelists.Item) -> URIRef:
    """A code as a concept of the platform's published scheme for its code list."""
    node = URIRef(links.concept(name, item.code))
    if (node, RDF.type, SKOS.Concept) not in graph:
        graph.add((node, RDF.type, SKOS.Concept))
        labels(graph, node, item)
        graph.add((node, SKOS.notation, Literal(item.code)))
        graph.add((node, SKOS.inScheme, concept_scheme(graph, links, name)))
    return node


def _eu(table: str, code: str) -> URIRef:
    return URIRef(f"{EU}{table}/{code}")


def frequency(graph: Graph, links: Links, item: codelists.Item) -> URIRef:
    node = _eu("frequency", item.extra.get("eu_frequency") or "UNKNOWN")
    graph.add((node, RDF.type, DCTERMS.Frequency))
    return node


def access_right(graph: Graph, links: Links, item: codelists.Item) -> URIRef:
    node = _eu("access-right", item.extra.get("eu_access_right") or "NON_PUBLIC")
    graph.add((node, RDF.type, DCTERMS.RightsStatement))
    return node


def licence(graph: Graph, links: Links, item: codelists.Item) -> URIRef:
    """The licence's own address where it has one (Creative Commons), else the platform's
    concept for it; either way a dct:LicenseDocument with its name."""
    node = URIRef(item.extra.get("url") or links.concept("licence", item.code))
    if (node, RDF.type, DCTERMS.LicenseDocument) not in graph:
        graph.add((node, RDF.type, DCTERMS.LicenseDocument))
        labels(graph, node, item, RDFS.label)
    return node


def file_format(graph: Graph, links: Links, item: codelists.Item) -> URIRef:
    """The EU file-type entry for a format that has one, else the platform's concept."""
    eu = item.extra.get("eu_file_type")
    node = _eu("file-type", eu) if eu else concept(graph, links, "format", item)
    graph.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    return node


def media_type(graph: Graph, value: str) -> URIRef | None:
    """An IANA media type as its registry address; None for unregistered (`x-`) types."""
    main, _sep, sub = value.partition(";")[0].strip().lower().partition("/")
    if not main or not sub or sub.startswith("x-") or main.startswith("x-"):
        return None
    node = URIRef(f"{IANA}{main}/{sub}")
    graph.add((node, RDF.type, DCTERMS.MediaType))
    return node


def region(graph: Graph, links: Links, place: Region) -> URIRef:
    """A region as a dct:Location in the platform's scheme of GB/T 2260 divisions."""
    node = URIRef(links.concept("region", place.code))
    if (node, RDF.type, DCTERMS.Location) not in graph:
        graph.add((node, RDF.type, DCTERMS.Location))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.prefLabel, Literal(place.full_name, lang="zh")))
        graph.add((node, SKOS.notation, Literal(place.code)))
        graph.add((node, SKOS.inScheme, concept_scheme(graph, links, "region")))
    return node


CodeNode = Callable[[Graph, Links, codelists.Item], URIRef]

#: code lists whose values are entries of an authority table DCAT-AP expects, or documents
CODE_NODES: dict[str, CodeNode] = {
    "update_frequency": frequency,
    "open_type": access_right,
    "licence": licence,
    "format": file_format,
}


def code_node(graph: Graph, links: Links, name: str, code: str) -> URIRef | None:
    """The node for `code` of code list `name`; None for a code the list does not have."""
    item = codelists.get(name).get(str(code))
    if item is None:
        return None
    maker = CODE_NODES.get(name)
    return maker(graph, links, item) if maker else concept(graph, links, name, item)
