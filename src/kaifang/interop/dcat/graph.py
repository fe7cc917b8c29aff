"""The catalog as DCAT-AP 3 RDF.

Dataset properties come from the metadata schema: every field with a `dcat:` mapping writes its
value by the field's type (text as a Chinese literal, codes as concepts or EU authority entries,
the department as a foaf:Agent, the region as a dct:Location …), so a field a deployment adds to
its schema maps itself. A mapping may be a path (`dcat:contactPoint/vcard:fn`): the value goes
on the node the first property leads to — one the dataset already has for it (its
distributions, its publisher) or else a node of the dataset's own (`<dataset>#contactPoint`),
typed as DCAT-AP expects. What the schema does not describe — distributions, data services,
landing pages, the catalog itself and its Hydra paging — is written here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schema import Field, get_schema
from kaifang.core import codelists
from kaifang.core.models import Region
from kaifang.harvest.selectors import provenance
from kaifang.interop import selectors
from kaifang.interop.dcat import vocab
from kaifang.interop.dcat.vocab import HYDRA, RANGES, SPDX, bind, expand
from kaifang.interop.links import Links
from kaifang.organizations.models import Department

Objects = Iterable[Any]


@dataclass(frozen=True)
class PageView:
    """Where one page of the catalog sits among all of them (Hydra paging)."""

    fmt: str
    page: int
    per_page: int
    total: int
    default_per_page: int = 100

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Builder:
    """Writes datasets, and the catalog holding them, into one graph."""

    links: Links
    graph: Graph = field(default_factory=lambda: bind(Graph()))
    related: dict[str, Dataset] = field(default_factory=dict)
    offered: dict[tuple, list] = field(default_factory=dict)
    services: list[URIRef] = field(default_factory=list)

    def add(self, s, p, o) -> None:
        self.graph.add((s, p, o))

    def typed(self, node: URIRef, cls: URIRef) -> URIRef:
        self.add(node, RDF.type, cls)
        return node

    # the catalog

    def catalog(self, datasets: list[Dataset], view: PageView | None = None) -> URIRef:
        """The catalog with `datasets` (one page of it when `view` is given)."""
        self.related = selectors.related_ids(datasets)
        catalog = self.typed(URIRef(self.links.catalog), DCAT.Catalog)
        site = settings.KAIFANG["SITE"]
        self.add(catalog, DCTERMS.title, Literal(site["name"], lang="zh"))
        if site.get("name_en"):
            self.add(catalog, DCTERMS.title, Literal(site["name_en"], lang="en"))
        description = _("%(site)s的数据目录：各部门向社会开放的政府数据资源。") % {
            "site": site["name"]
        }
        self.add(catalog, DCTERMS.description, Literal(description, lang="zh"))
        self.add(catalog, DCTERMS.publisher, self.site_agent())
        self.add(catalog, FOAF.homepage, self.typed(URIRef(self.links.home), FOAF.Document))
        self.add(catalog, DCTERMS.language, self.typed(vocab.CHINESE, DCTERMS.LinguisticSystem))
        for name in theme_codelists():
            self.add(
                catalog, DCAT.themeTaxonomy, vocab.concept_scheme(self.graph, self.links, name)
            )
        place = Region.objects.select_related("parent").filter(code=site["region"]).first()
        if place is not None:
            self.add(catalog, DCTERMS.spatial, vocab.region(self.graph, self.links, place))
        for dataset in datasets:
            self.add(catalog, DCAT.dataset, self.dataset(dataset))
        for service in self.services:
            self.add(catalog, DCAT.service, service)
        if view is not None:
            self.paging(view)
        return catalog

    def site_agent(self) -> URIRef:
        agent = self.typed(URIRef(self.links.site_publisher), FOAF.Agent)
        self.add(agent, FOAF.name, Literal(settings.KAIFANG["SITE"]["host_org"], lang="zh"))
        return agent

    def paging(self, view: PageView) -> None:
        """A hydra:PartialCollectionView for the page, as DCAT harvesters follow it."""
        size = view.per_page if view.per_page != view.default_per_page else None
        here = self.typed(
            URIRef(self.links.catalog_page(view.fmt, view.page, size)), HYDRA.PartialCollectionView
        )
        pages = {HYDRA.first: 1, HYDRA.last: view.last}
        if view.page > 1:
            pages[HYDRA.previous] = view.page - 1
        if view.page < view.last:
            pages[HYDRA.next] = view.page + 1
        for predicate, number in pages.items():
            self.add(here, predicate, URIRef(self.links.catalog_page(view.fmt, number, size)))
        self.add(here, HYDRA.totalItems, Literal(view.total, datatype=XSD.integer))
        self.add(here, HYDRA.itemsPerPage, Literal(view.per_page, datatype=XSD.integer))

    # a dataset

    def dataset(self, dataset: Dataset) -> URIRef:
        root = self.typed(URIRef(self.links.dataset(dataset)), DCAT.Dataset)
        page = self.typed(URIRef(self.links.dataset_page(dataset)), FOAF.Document)
        self.add(root, DCAT.landingPage, page)
        self.add(root, DCTERMS.language, self.typed(vocab.CHINESE, DCTERMS.LinguisticSystem))
        modified = dataset.data_updated_at or dataset.updated_at
        self.add(root, DCTERMS.modified, _datetime(modified))
        before = len(self.services)
        self.offered[(root, DCAT.distribution)] = self.distributions(root, dataset)
        self.fields(root, selectors.record_values(dataset))
        self.share(root, self.services[before:])
        self.provenance(root, dataset)
        return root

    def provenance(self, root: URIRef, dataset: Dataset) -> None:
        """A harvested dataset: prov:wasDerivedFrom its original, and a dct:provenance
        statement naming the source and the time it was harvested."""
        harvested = provenance(dataset)
        if harvested is None:
            return
        if harvested["original_url"]:
            self.add(root, PROV.wasDerivedFrom, _uri(harvested["original_url"]))
        statement = self.typed(URIRef(f"{root}#provenance"), DCTERMS.ProvenanceStatement)
        text = _("采集自“%(title)s”（%(url)s），原始标识 %(id)s，采集时间 %(at)s。") % {
            "title": harvested["source_title"],
            "url": harvested["source_url"],
            "id": harvested["original_id"],
            "at": harvested["harvested_at"],
        }
        self.add(statement, RDFS.label, Literal(text, lang="zh"))
        self.add(root, DCTERMS.provenance, statement)

    def share(self, root: URIRef, services: list[URIRef]) -> None:
        """A dataset's data services have its publisher, contact point, themes and keywords."""
        shared = (DCTERMS.publisher, DCAT.contactPoint, DCAT.theme, DCAT.keyword)
        for predicate in shared:
            for value in list(self.graph.objects(root, predicate)):
                for service in services:
                    self.add(service, predicate, value)

    def fields(self, root: URIRef, values: dict[str, Any]) -> None:
        """Every schema field with a `dcat:` mapping and a value."""
        for f in get_schema().dataset_fields:
            value = values.get(f.key)
            if not f.dcat or value in (None, "", []):
                continue
            *path, last = (expand(part) for part in f.dcat.split("/"))
            for subject in self.walk(root, path):
                for obj in TYPE_WRITERS[f.type](self, root, last, f, value):
                    if isinstance(obj, URIRef) and last in RANGES:
                        self.typed(obj, RANGES[last])
                    self.add(subject, last, obj)

    def walk(self, root: URIRef, path: list[URIRef]) -> list[URIRef]:
        """The nodes a mapping path leads to from the dataset: those offered for each property
        (its distributions, its publisher), else one node of the dataset's own per property."""
        nodes = [root]
        for predicate in path:
            step: list[URIRef] = []
            for node in nodes:
                offered = self.offered.get((node, predicate))
                if offered is None:
                    made = URIRef(f"{root}#{_local(predicate)}")
                    if predicate in RANGES:
                        self.typed(made, RANGES[predicate])
                    self.add(node, predicate, made)
                    offered = self.offered[(node, predicate)] = [made]
                step.extend(offered)
            nodes = step
        return nodes

    def agent(self, department: Department) -> URIRef:
        node = URIRef(self.links.department(department))
        if (node, RDF.type, FOAF.Agent) not in self.graph:
            self.typed(node, FOAF.Agent)
            self.typed(node, FOAF.Organization)
            self.add(node, FOAF.name, Literal(department.title, lang="zh"))
            if department.short_name:
                self.add(node, SKOS.altLabel, Literal(department.short_name, lang="zh"))
            if department.code:
                self.add(node, DCTERMS.identifier, Literal(department.code))
            self.add(node, FOAF.homepage, URIRef(self.links.department_page(department)))
        return node

    # distributions and data services

    def distributions(self, root: URIRef, dataset: Dataset) -> list[URIRef]:
        """One distribution per public resource, and one more for the rows API of each resource
        whose published version has ready tables."""
        made = []
        open_to_all = selectors.open_to_all(dataset)
        for resource in selectors.resources_of(dataset):
            made.append(self.distribution(root, dataset, resource, open_to_all))
            if selectors.tables_of(resource):
                made.append(self.rows_distribution(root, dataset, resource, open_to_all))
        for node in made:
            self.add(root, DCAT.distribution, node)
        return made

    def distribution(
        self, root: URIRef, dataset: Dataset, resource: Resource, open_to_all: bool
    ) -> URIRef:
        node = self.typed(URIRef(self.links.distribution(dataset, resource)), DCAT.Distribution)
        self.add(node, DCTERMS.title, Literal(resource.title, lang="zh"))
        if resource.description:
            self.add(node, DCTERMS.description, Literal(resource.description, lang="zh"))
        self.format(node, resource.format, selectors.media_type_of(resource))
        version = resource.current_version if resource.kind == Resource.Kind.FILE else None
        if not open_to_all:
            self.add(node, DCAT.accessURL, _uri(self.links.access_request(dataset)))
        elif version is not None:
            download = _uri(self.links.download(resource))
            self.add(node, DCAT.accessURL, download)
            self.add(node, DCAT.downloadURL, download)
        else:
            target = resource.url or self.links.dataset_page(dataset)
            self.add(node, DCAT.accessURL, _uri(target))
        if version is not None:
            self.file_facts(node, version)
        if resource.kind == Resource.Kind.API and resource.url:
            service = self.service(root, dataset, resource, resource.url, describe=False)
            self.add(node, DCAT.accessService, service)
        return node

    def rows_distribution(
        self, root: URIRef, dataset: Dataset, resource: Resource, open_to_all: bool
    ) -> URIRef:
        """The rows API of a tabular resource, as a distribution served by a data service."""
        uri = URIRef(self.links.distribution(dataset, resource, "/api"))
        node = self.typed(uri, DCAT.Distribution)
        title = _("%(title)s（数据接口）") % {"title": resource.title}
        self.add(node, DCTERMS.title, Literal(title, lang="zh"))
        about = _("按条件查询、排序和分页获取本资源的数据行，返回 JSON。")
        self.add(node, DCTERMS.description, Literal(about, lang="zh"))
        endpoint = self.links.rows_api(resource)
        access = endpoint if open_to_all else self.links.access_request(dataset)
        self.add(node, DCAT.accessURL, _uri(access))
        self.format(node, "JSON", "application/json")
        self.add(node, DCAT.accessService, self.service(root, dataset, resource, endpoint))
        return node

    def service(
        self, root: URIRef, dataset: Dataset, resource: Resource, endpoint: str, describe=True
    ) -> URIRef:
        """A dcat:DataService at `endpoint` serving the dataset; the platform's own rows API is
        described by its OpenAPI document."""
        suffix = "/service" if describe else "/external-service"
        node = self.typed(
            URIRef(self.links.distribution(dataset, resource, suffix)), DCAT.DataService
        )
        self.add(node, DCTERMS.title, Literal(resource.title, lang="zh"))
        self.add(node, DCAT.endpointURL, _uri(endpoint))
        if describe:
            self.add(node, DCAT.endpointDescription, _uri(self.links.openapi))
        self.add(node, DCAT.servesDataset, root)
        open_type = codelists.get("open_type").get(dataset.open_type)
        if open_type is not None:
            self.add(
                node, DCTERMS.accessRights, vocab.access_right(self.graph, self.links, open_type)
            )
        self.services.append(node)
        return node

    def format(self, node: URIRef, code: str, media: str) -> None:
        item = codelists.get("format").get(code) if code else None
        if item is not None:
            self.add(node, DCTERMS.format, vocab.file_format(self.graph, self.links, item))
        media_node = vocab.media_type(self.graph, media) if media else None
        if media_node is not None:
            self.add(node, DCAT.mediaType, media_node)

    def file_facts(self, node: URIRef, version) -> None:
        """Size, checksum and date of the published file."""
        self.add(node, DCAT.byteSize, Literal(version.size, datatype=XSD.nonNegativeInteger))
        self.add(node, DCTERMS.modified, _datetime(version.created_at))
        checksum = self.typed(URIRef(f"{node}#checksum"), SPDX.Checksum)
        algorithm = self.typed(SPDX.checksumAlgorithm_sha256, SPDX.ChecksumAlgorithm)
        self.add(checksum, SPDX.algorithm, algorithm)
        self.add(checksum, SPDX.checksumValue, Literal(version.sha256, datatype=XSD.hexBinary))
        self.add(node, SPDX.checksum, checksum)


# values by field type: each returns the objects of the property


def _text(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    """Text as a Chinese literal; for a property whose value is a statement (dct:rights,
    dct:provenance …), a statement of the dataset's own carrying the text as its label."""
    if prop in vocab.PLAIN_LITERALS:
        return [Literal(str(value))]
    if prop not in RANGES:
        return [Literal(str(value), lang="zh")]
    node = b.typed(URIRef(f"{root}#{f.key}"), RANGES[prop])
    b.add(node, RDFS.label, Literal(str(value), lang="zh"))
    return [node]


def _plain(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [Literal(str(value))]


def _date(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return [Literal(text[:10], datatype=XSD.date)]


def _boolean(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [Literal(bool(value))]


def _integer(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [Literal(int(value), datatype=XSD.integer)]


def _url(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [_uri(str(value))]


def _email(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [_uri(f"mailto:{value}")]


def _phone(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    digits = re.sub(r"[^0-9+\-]", "", str(value))
    return [URIRef(f"tel:{digits}")] if digits else []


def _tags(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [Literal(str(word), lang="zh") for word in value]


def _codes(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    codes = value if isinstance(value, list) else [value]
    nodes = (vocab.code_node(b.graph, b.links, f.codelist, str(c)) for c in codes)
    return [node for node in nodes if node is not None]


def _related(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    """Related resource codes as the URIs of the public datasets that carry them."""
    found = (b.related.get(str(code)) for code in value)
    return [URIRef(b.links.dataset(d)) for d in found if d is not None]


def _department(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    agent = b.agent(value)
    b.offered[(root, prop)] = [agent]  # `dct:publisher/...` paths continue from the agent
    return [agent]


def _region(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    return [vocab.region(b.graph, b.links, value)]


def _fields_standard(b: Builder, root: URIRef, prop: URIRef, f: Field, value: Any) -> Objects:
    """信息项 as a dct:Standard of the dataset's own: the list of fields with their types."""
    types = codelists.get("field_data_type")
    lines = []
    for item in value:
        kind = types.label(str(item.get("type") or ""))
        length = item.get("length")
        facts = "，".join(str(x) for x in (kind, length) if x)
        note = f"：{item['description']}" if item.get("description") else ""
        lines.append(
            f"{item.get('name', '')}（{facts}）{note}" if facts else f"{item.get('name', '')}{note}"
        )
    node = b.typed(URIRef(f"{root}#{f.key}"), DCTERMS.Standard)
    b.add(node, DCTERMS.title, Literal(f.labels["zh"], lang="zh"))
    b.add(node, DCTERMS.description, Literal("\n".join(lines), lang="zh"))
    return [node]


TYPE_WRITERS: dict[str, Callable[..., Objects]] = {
    "text": _text,
    "textarea": _text,
    "identifier": _plain,
    "date": _date,
    "boolean": _boolean,
    "integer": _integer,
    "url": _url,
    "email": _email,
    "phone": _phone,
    "tags": _tags,
    "code": _codes,
    "codes": _codes,
    "identifiers": _related,
    "department": _department,
    "region": _region,
    "fields": _fields_standard,
}


def theme_codelists() -> list[str]:
    """The code lists whose concepts are dataset themes: the catalog's theme taxonomies."""
    names = [f.codelist for f in get_schema().dataset_fields if f.dcat == "dcat:theme"]
    return list(dict.fromkeys(n for n in names if n))


def _local(predicate: URIRef) -> str:
    return re.split(r"[#/]", str(predicate))[-1]


def _uri(value: str) -> URIRef:
    """An address as an IRI rdflib writes safely (spaces and the like percent-encoded)."""
    return URIRef(iri_to_uri(value.strip()))


def _datetime(value: dt.datetime) -> Literal:
    return Literal(timezone.localtime(value).isoformat(timespec="seconds"), datatype=XSD.dateTime)


def scheme_graph(links: Links, name: str) -> Graph:
    """A whole code list as a SKOS concept scheme, for `/codelists/<name>`."""
    builder = Builder(links)
    graph = builder.graph
    scheme = vocab.concept_scheme(graph, links, name)
    if name == "region":
        items = _site_regions()
        nodes = [vocab.region(graph, links, place) for place in items]
    else:
        nodes = [vocab.concept(graph, links, name, item) for item in codelists.get(name)]
        if name == "domain":
            for node, item in zip(nodes, codelists.get(name), strict=True):
                page = builder.typed(URIRef(links.domain_page(item.code)), FOAF.Document)
                graph.add((node, FOAF.page, page))
    for node in nodes:
        graph.add((scheme, SKOS.hasTopConcept, node))
        graph.add((node, SKOS.topConceptOf, scheme))
    return graph


def _site_regions() -> list[Region]:
    """The divisions of the region the site serves, the site's own first."""
    site = Region.objects.filter(code=settings.KAIFANG["SITE"]["region"]).first()
    regions = Region.objects.select_related("parent__parent").order_by("code")
    return list(regions.filter(code__startswith=site.prefix) if site else regions)
