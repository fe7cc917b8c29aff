"""DCAT-AP 3: the catalog (paged with Hydra), each dataset and the code-list concept schemes, as
Turtle, RDF/XML and JSON-LD, validated with pyshacl against the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

import pyshacl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, SKOS

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.interop.dcat.vocab import HYDRA, VCARD
from kaifang.interop.tests.factories import rich_dataset

EU = "http://publications.europa.eu/resource/authority/"
PARSERS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


def _graph(response, fmt: str = "ttl") -> Graph:
    assert response.status_code == 200, response.content[:300]
    return Graph().parse(data=response.content, format=PARSERS[fmt])


def _validate(graph: Graph, shapes: Graph) -> tuple[int, int, str]:
    """Violations, warnings and the report text."""
    _conforms, report, text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=False
    )
    violations = len(set(report.subjects(SH.resultSeverity, SH.Violation)))
    warnings = len(set(report.subjects(SH.resultSeverity, SH.Warning)))
    return violations, warnings, text


def _dataset_node(graph: Graph, title: str) -> URIRef:
    return next(graph.subjects(DCTERMS.title, Literal(title, lang="zh")))


@pytest.fixture
def catalog(department, other_department):
    """A rich open dataset, a conditional one, and one of another department."""
    return {
        "open": rich_dataset(department, title="地铁客流", update_frequency="monthly"),
        "conditional": rich_dataset(
            department,
            title="公交刷卡明细",
            open_type="conditional",
            update_frequency="tendays",
            metadata={"open_condition": "需实名认证并签署协议"},
        ),
        "other": factories.make_dataset(other_department, title="空气质量", domain="10"),
    }


# validity


def test_the_demo_catalog_has_no_shacl_violations_on_any_page(client, demo_catalog, shacl_shapes):
    # ten a page, so the walk along hydra:next crosses several pages of the small demo
    url, pages, datasets = "/catalog.ttl?per_page=10", 0, set()
    while url:
        graph = _graph(client.get(url))
        violations, _warnings, report = _validate(graph, shacl_shapes)
        assert violations == 0, report[:3000]
        datasets |= set(graph.subjects(RDF.type, DCAT.Dataset))
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        following = graph.value(view, HYDRA.next)
        url = str(following).removeprefix("http://testserver") if following else None
        pages += 1

    from kaifang.interop.selectors import public_datasets

    assert len(datasets) == public_datasets().count() > 20
    assert pages == -(-len(datasets) // 10)


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld"])
def test_every_format_of_a_rich_catalog_conforms(client, catalog, shacl_shapes, fmt):
    graph = _graph(client.get(f"/catalog.{fmt}"), fmt)

    violations, _warnings, report = _validate(graph, shacl_shapes)

    assert violations == 0, report[:3000]
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 3
    assert len(set(graph.subjects(RDF.type, DCAT.DataService))) == 4


def test_the_shapes_catch_a_dataset_without_a_description(client, catalog, shacl_shapes):
    # given a valid graph, when its dataset loses its mandatory description
    graph = _graph(client.get(f"/dataset/{catalog['open'].name}.ttl"))
    node = _dataset_node(graph, "地铁客流")
    graph.remove((node, DCTERMS.description, None))

    violations, _warnings, report = _validate(graph, shacl_shapes)

    assert violations == 1 and "description" in report


@pytest.mark.parametrize("name", ["domain", "licence", "region"])
def test_code_lists_are_published_as_valid_concept_schemes(client, db, shacl_shapes, name):
    graph = _graph(client.get(f"/codelists/{name}.ttl"))

    scheme = URIRef(f"http://testserver/codelists/{name}")
    concepts = set(graph.objects(scheme, SKOS.hasTopConcept))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert _validate(graph, shacl_shapes)[0] == 0
    if name == "domain":
        labels = {str(label) for c in concepts for label in graph.objects(c, SKOS.prefLabel)}
        assert len(concepts) == 22 and {"交通运输", "生态环境"} <= labels
    if name == "region":  # the site's province and what lies under it, nothing else
        codes = {str(graph.value(c, SKOS.notation)) for c in concepts}
        assert "330000" in codes and "330100" in codes and all(c[:2] == "33" for c in codes)


# the mappings


def test_dataset_fields_map_to_dcat_ap_properties(client, catalog):
    dataset = catalog["open"]
    graph = _graph(client.get(f"/dataset/{dataset.name}.ttl"))
    node = URIRef(f"http://testserver/dataset/{dataset.pk}")

    publisher = graph.value(node, DCTERMS.publisher)
    theme = {str(t) for t in graph.objects(node, DCAT.theme)}
    contact = graph.value(node, DCAT.contactPoint)
    period = graph.value(node, DCTERMS.temporal)
    assert graph.value(node, DCTERMS.identifier) == Literal(dataset.identifier)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) == Literal("省交通运输厅", lang="zh")
    assert graph.value(publisher, DCTERMS.identifier) == Literal(dataset.department.code)
    assert "http://testserver/codelists/domain#6" in theme
    assert {"http://testserver/codelists/national_theme#04"} <= theme
    assert graph.value(URIRef("http://testserver/codelists/domain#6"), SKOS.inScheme) == URIRef(
        "http://testserver/codelists/domain"
    )
    assert graph.value(node, DCTERMS.accessRights) == URIRef(f"{EU}access-right/PUBLIC")
    assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/MONTHLY")
    assert URIRef("http://testserver/codelists/region#330000") in set(
        graph.objects(node, DCTERMS.spatial)
    )
    assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {"地铁", "客流"}
    assert graph.value(contact, VCARD.fn) == Literal("张工", lang="zh")
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:jt@example.gov.cn")
    assert str(graph.value(period, DCAT.startDate)) == "2020-01-01"
    assert graph.value(node, DCAT.landingPage) == URIRef(
        f"http://testserver/datasets/{dataset.name}/"
    )


def test_distributions_carry_licence_format_media_type_and_the_file(client, catalog):
    dataset = catalog["open"]
    graph = _graph(client.get(f"/dataset/{dataset.name}.ttl"))
    table = dataset.resources.get(kind="file")

    file = URIRef(f"http://testserver/dataset/{dataset.pk}/resource/{table.pk}")
    download = URIRef(f"http://testserver/resources/{table.pk}/download")
    licence = graph.value(file, DCTERMS.license)
    assert graph.value(file, DCAT.downloadURL) == download
    assert graph.value(file, DCAT.accessURL) == download
    assert graph.value(file, DCTERMS.format) == URIRef(f"{EU}file-type/CSV")
    assert graph.value(file, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv"
    )
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in graph
    assert int(graph.value(file, DCAT.byteSize)) == table.current_version.size
    rights = {str(graph.value(r, RDFS.label)) for r in graph.objects(file, DCTERMS.rights)}
    assert rights == {"引用时请注明来源。"}


def test_apis_are_data_services_with_their_endpoints(client, catalog):
    dataset = catalog["open"]
    graph = _graph(client.get(f"/dataset/{dataset.name}.ttl"))
    table = dataset.resources.get(kind="file")

    endpoints = {
        str(graph.value(s, DCAT.endpointURL)) for s in graph.subjects(RDF.type, DCAT.DataService)
    }

    assert endpoints == {
        f"http://testserver/api/v1/resources/{table.pk}/rows",
        "https://api.example.org/arrivals",
    }
    for service in graph.subjects(RDF.type, DCAT.DataService):
        assert graph.value(service, DCAT.servesDataset) == URIRef(
            f"http://testserver/dataset/{dataset.pk}"
        )


def test_a_conditional_dataset_shows_its_metadata_but_links_no_file(client, catalog):
    dataset = catalog["conditional"]
    graph = _graph(client.get(f"/dataset/{dataset.name}.ttl"))
    node = URIRef(f"http://testserver/dataset/{dataset.pk}")
    apply_at = URIRef(f"http://testserver/datasets/{dataset.name}/#terms-title")

    distributions = list(graph.objects(node, DCAT.distribution))
    conditions = {
        str(graph.value(r, RDFS.label))
        for d in distributions
        for r in graph.objects(d, DCTERMS.rights)
    }
    assert graph.value(node, DCTERMS.accessRights) == URIRef(f"{EU}access-right/RESTRICTED")
    assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/MONTHLY_3")
    assert list(graph.objects(None, DCAT.downloadURL)) == []
    assert len(distributions) == 4
    for distribution in distributions:
        assert graph.value(distribution, DCAT.accessURL) == apply_at
    assert "需实名认证并签署协议" in conditions
    assert b"/download" not in client.get(f"/dataset/{dataset.name}.ttl").content


# addresses, negotiation and paging


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("*/*", "text/turtle"),
    ],
)
def test_the_catalog_address_negotiates_its_format(client, catalog, accept, content_type):
    response = client.get("/catalog", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert "Accept" in response["Vary"].split(", ")


def test_browsers_following_identifiers_reach_the_pages(client, catalog):
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    dataset = catalog["open"]

    to_list = client.get("/catalog", HTTP_ACCEPT=html)
    to_page = client.get(f"/dataset/{dataset.pk}", HTTP_ACCEPT=html)
    as_rdf = client.get(f"/dataset/{dataset.pk}", HTTP_ACCEPT="text/turtle")

    assert (to_list.status_code, to_list["Location"]) == (303, "/datasets/")
    assert (to_page.status_code, to_page["Location"]) == (303, f"/datasets/{dataset.name}/")
    assert as_rdf.status_code == 200 and as_rdf["Content-Type"].startswith("text/turtle")


def test_the_catalog_is_paged_with_hydra(client, catalog):
    first = _graph(client.get("/catalog.ttl?per_page=2"))
    second = _graph(client.get("/catalog.ttl?per_page=2&page=2"))

    view = next(first.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert str(first.value(view, HYDRA.next)) == "http://testserver/catalog.ttl?page=2&per_page=2"
    assert int(first.value(view, HYDRA.totalItems)) == 3
    assert len(set(first.subjects(RDF.type, DCAT.Dataset))) == 2
    assert len(set(second.subjects(RDF.type, DCAT.Dataset))) == 1
    last = next(second.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert second.value(last, HYDRA.next) is None
    assert (
        str(second.value(last, HYDRA.previous)) == "http://testserver/catalog.ttl?page=1&per_page=2"
    )


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("page=abc", 400, "参数 page 应为"),
        ("page=0", 400, "参数 page 应为"),
        ("per_page=5000", 400, "参数 per_page 应为 1–1000"),
        ("page=9", 404, "目录只有 1 页"),
    ],
)
def test_bad_paging_is_refused_in_chinese(client, catalog, query, status, message):
    response = client.get(f"/catalog.ttl?{query}")

    assert response.status_code == status
    assert message in response.content.decode()


def test_unknown_datasets_and_code_lists_are_404(client, db):
    assert client.get("/dataset/no-such-thing.ttl").status_code == 404
    assert client.get("/codelists/no_such_list.ttl").status_code == 404
    assert "未找到数据集" in client.get("/dataset/no-such-thing.rdf").content.decode()


def test_a_renamed_dataset_answers_under_its_old_name(client, catalog):
    from kaifang.catalog.models import DatasetNameRedirect

    DatasetNameRedirect.objects.create(old_name="old-metro", dataset=catalog["open"])

    graph = _graph(client.get("/dataset/old-metro.ttl"))

    assert (
        URIRef(f"http://testserver/dataset/{catalog['open'].pk}"),
        RDF.type,
        DCAT.Dataset,
    ) in graph


# cache and cost


def test_a_change_to_the_catalog_is_seen_at_once_despite_the_cache(client, catalog):
    before = client.get("/catalog.ttl").content
    again = client.get("/catalog.ttl").content
    dataset = catalog["other"]
    dataset.title = "空气质量日报"
    dataset.save()

    after = client.get("/catalog.ttl").content.decode()

    assert before == again
    assert "空气质量日报" in after


def test_the_catalog_costs_the_same_queries_however_many_datasets(client, department):
    def queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/catalog.ttl").status_code == 200
        return len(captured)

    rich_dataset(department)
    few = queries()
    for _n in range(4):
        rich_dataset(department)
    many = queries()

    assert few == many <= 12


def test_hidden_datasets_are_in_no_rdf_document(client, datasets_in_every_state):
    body = client.get("/catalog.ttl?per_page=1000").content.decode()

    for kind in (*[s for s in State.values if s != State.PUBLISHED], "private", "closed"):
        dataset = datasets_in_every_state[kind]
        assert dataset.name not in body and str(dataset.pk) not in body, kind
        assert client.get(f"/dataset/{dataset.name}.ttl").status_code == 404, kind
        assert client.get(f"/dataset/{dataset.pk}").status_code == 404, kind
    assert datasets_in_every_state["conditional"].name in body
