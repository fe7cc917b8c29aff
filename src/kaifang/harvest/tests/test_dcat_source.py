"""Harvesting a DCAT catalog: a city's catalog over three Hydra-linked pages in three RDF
syntaxes (Turtle, RDF/XML, JSON-LD with a context given by address), incremental runs by
dct:modified, a page with a DTD refused, a record that cannot be mapped failing alone, and our
own /catalog.ttl, read from a live server, recreating the datasets it describes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from kaifang.catalog.models import Dataset, Resource, State
from kaifang.catalog.services import values
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.harvest.backends import get_backend
from kaifang.harvest.models import HarvestJob, HarvestSource
from kaifang.harvest.services import apply_record, run_harvest, source_actor
from kaifang.interop.dcat.vocab import EU, HYDRA

SYSTEM = Actor.system("test")
CITY = Namespace("https://city.example.org/")
EU_THEME = URIRef("http://publications.europa.eu/resource/authority/data-theme/TRAN")
FIRST_RUN = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
#: what the city's DCAT does not say, as the source's default metadata
DEFAULTS = {
    "resource_class": "3",
    "open_method": ["download"],
    "licence": "kaifang-open-1.0",
    "share_type": "1",
    "format_class": "1",
}


def city_dataset(graph: Graph, n: int, modified: dt.datetime = FIRST_RUN) -> URIRef:
    """A dataset as a DCAT-AP catalog other than ours describes it."""
    node = CITY[f"dataset/{n}"]
    publisher = CITY["org/transport"]
    facts = [
        (RDF.type, DCAT.Dataset),
        (DCTERMS.title, Literal(f"City dataset {n}", lang="en")),
        (DCTERMS.title, Literal(f"城市数据集{n}", lang="zh")),
        (DCTERMS.description, Literal(f"城市数据集{n}的摘要。", lang="zh")),
        (DCTERMS.identifier, Literal(f"330100000{n:03d}/{n:06d}")),
        (DCAT.keyword, Literal("公交", lang="zh")),
        (DCAT.keyword, Literal("bus", lang="en")),
        (DCTERMS.publisher, publisher),
        (DCAT.theme, EU_THEME),
        (DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/MONTHLY")),
        (DCTERMS.accessRights, URIRef(f"{EU}access-right/PUBLIC")),
        (DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)),
        (DCAT.landingPage, CITY[f"page/{n}"]),
    ]
    for predicate, obj in facts:
        graph.add((node, predicate, obj))
    graph.add((publisher, FOAF.name, Literal("杭州市交通运输局", lang="zh")))
    dist = CITY[f"dataset/{n}/csv"]
    graph.add((node, DCAT.distribution, dist))
    graph.add((dist, RDF.type, DCAT.Distribution))
    graph.add((dist, DCTERMS.title, Literal(f"线路表{n}", lang="zh")))
    graph.add((dist, DCAT.downloadURL, URIRef(f"https://city.example.org/files/{n}.csv")))
    graph.add(
        (dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv"))
    )
    return node


def page(numbers: list[int], here: str, after: str | None, **modified) -> Graph:
    graph = Graph()
    for n in numbers:
        city_dataset(graph, n, modified.get(f"d{n}", FIRST_RUN))
    view = URIRef(here)
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(6)))
    if after:
        graph.add((view, HYDRA.next, URIRef(after)))
    return graph


def serve_city(documents, **modified) -> str:
    """Page 1 in Turtle, page 2 in RDF/XML, page 3 in JSON-LD whose context is an address."""
    first, second, third = (documents.url + p for p in ("/p1.ttl", "/p2", "/p3"))
    documents.put(
        "/p1.ttl", page([1, 2], first, second, **modified).serialize(format="turtle"), "text/turtle"
    )
    documents.put(
        "/p2",
        page([3, 4], second, third, **modified).serialize(format="xml"),
        "application/rdf+xml",
    )
    context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "hydra": str(HYDRA)}
    compact = page([5, 6], third, None, **modified).serialize(
        format="json-ld", context=context, auto_compact=True
    )
    document = json.loads(compact)
    document["@context"] = "/context.jsonld"
    documents.put("/p3", json.dumps(document, ensure_ascii=False), "application/ld+json")
    documents.put("/context.jsonld", json.dumps({"@context": context}), "application/ld+json")
    return documents.url + "/p1.ttl"


def city_source(url: str, department, **kw) -> HarvestSource:
    fields = {
        "name": "city-dcat",
        "title": "杭州市开放平台",
        "type": "dcat",
        "url": url,
        "trusted": True,
        "department_map": {"杭州市交通运输局": department.name},
        "domain_map": {str(EU_THEME): "6"},
        "defaults": DEFAULTS,
    }
    fields.update(kw)
    return HarvestSource.objects.create(**fields)


def counts(job: HarvestJob) -> tuple[int, int, int, int, int]:
    return (job.added, job.updated, job.unchanged, job.withdrawn, job.failed)


def test_three_pages_in_three_syntaxes_become_six_datasets(documents, department):
    source = city_source(serve_city(documents), department)

    job = run_harvest(SYSTEM, source, full=True)

    assert job.status == HarvestJob.Status.DONE, job.report
    assert counts(job) == (6, 0, 0, 0, 0), job.report["failures"]
    assert [c.split("?")[0] for c in documents.calls] == [
        "/p1.ttl",
        "/p2",
        "/p3",
        "/context.jsonld",
    ]
    one = Dataset.objects.get(identifier="330100000005/000005")
    assert (one.title, one.summary) == ("城市数据集5", "城市数据集5的摘要。")
    assert (one.department, one.domain, one.state) == (department, "6", State.PUBLISHED)
    assert (one.open_type, one.update_frequency) == ("open", "monthly")
    assert list(one.tags.values_list("name", flat=True)) == ["公交"]
    assert one.metadata["open_method"] == ["download"]
    link = one.resources.get()
    assert (link.kind, link.title, link.url, link.format) == (
        Resource.Kind.LINK,
        "线路表5",
        "https://city.example.org/files/5.csv",
        "CSV",
    )
    record = one.harvest_record
    assert (record.remote_id, record.original_url) == (
        "330100000005/000005",
        "https://city.example.org/page/5",
    )


def test_an_incremental_run_takes_only_what_was_modified_since_the_last_run(documents, department):
    source = city_source(serve_city(documents), department)
    run_harvest(SYSTEM, source, full=True)
    source.refresh_from_db()
    later = source.last_success_at + dt.timedelta(minutes=1)
    serve_city(documents, d4=later)
    graph = Graph().parse(data=documents.handler.documents["/p2"][0], format="xml")
    graph.set((CITY["dataset/4"], DCTERMS.title, Literal("城市数据集4（修订）", lang="zh")))
    documents.put("/p2", graph.serialize(format="xml"), "application/rdf+xml")

    job = run_harvest(SYSTEM, source)

    assert job.since is not None
    assert counts(job) == (0, 1, 0, 0, 0), job.report["failures"]
    assert Dataset.objects.get(identifier="330100000004/000004").title == "城市数据集4（修订）"


def test_rdf_xml_with_a_dtd_is_refused_before_it_is_parsed(documents, department):
    evil = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dct="http://purl.org/dc/terms/">'
        '<rdf:Description rdf:about="https://city.example.org/x"><dct:title>&b;</dct:title>'
        "</rdf:Description></rdf:RDF>"
    )
    url = documents.put("/evil.rdf", evil, "application/rdf+xml")
    source = city_source(url, department)

    job = run_harvest(SYSTEM, source, full=True)

    assert job.status == HarvestJob.Status.FAILED
    assert "DTD" in job.report["error"]
    assert not Dataset.objects.exists()


def test_a_dataset_whose_publisher_is_not_mapped_fails_alone(documents, department):
    graph = page([1, 2], documents.url + "/one.ttl", None)
    stranger = CITY["org/unknown"]
    graph.set((CITY["dataset/2"], DCTERMS.publisher, stranger))
    graph.add((stranger, FOAF.name, Literal("某区某局", lang="zh")))
    url = documents.put("/one.ttl", graph.serialize(format="turtle"), "text/turtle")
    source = city_source(url, department)

    job = run_harvest(SYSTEM, source, full=True)

    assert counts(job) == (1, 0, 0, 0, 1)
    failure = job.report["failures"][0]
    assert failure["id"] == "330100000002/000002"
    assert "部门对照表" in failure["reason"]


# our own catalog, over HTTP --------------------------------------------------------------------


def our_datasets(department, **metadata) -> list[Dataset]:
    """Three published datasets with every kind of value our outputs write."""
    made = []
    for n, domain in enumerate(["6", "2", "6"], 1):
        dataset = factories.make_dataset(
            department,
            domain=domain,
            update_frequency=["monthly", "yearly", "daily"][n - 1],
            open_type="conditional" if n == 2 else "open",
            metadata={
                "open_condition": "仅限科研用途。" if n == 2 else "",
                "usage_terms": "注明来源。",
                "contact_email": "data@example.gov.cn",
                "temporal_start": "2024-01-01",
                "temporal_end": "2025-12-31",
                "spatial": "杭州市区",
                "national_theme": ["04"],
                **metadata,
            },
        )
        values.set_keywords(dataset, {"keywords": ["公交", f"线路{n}"]})
        factories.make_link_resource(
            dataset, title=f"线路表{n}", url=f"https://example.org/{n}.csv"
        )
        factories.make_link_resource(
            dataset,
            title="接口",
            url=f"https://example.org/api/{n}",
            kind=Resource.Kind.API,
            format="API",
        )
        made.append(dataset)
    return made


def comparable(dataset: Dataset) -> dict:
    found = {
        k: v
        for k, v in values.dataset_values(dataset).items()
        if k != "published_at" and v not in (None, "", [])
    }
    found["resources"] = sorted((r.title, r.kind, r.url, r.format) for r in dataset.resources.all())
    return found


@pytest.mark.django_db(transaction=True)
def test_our_own_catalog_ttl_from_a_live_server_recreates_its_datasets(
    live_server, settings, department
):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1", "localhost")}
    originals = our_datasets(department)
    expected = {d.identifier: comparable(d) for d in originals}
    conditional = expected[originals[1].identifier]  # its links lead to where access is asked
    asked = f"{live_server.url}/datasets/{originals[1].name}/#terms-title"
    conditional["resources"] = sorted((t, k, asked, f) for t, k, _u, f in conditional["resources"])
    source = HarvestSource.objects.create(
        name="self-dcat",
        title="本平台 DCAT",
        type="dcat",
        url=f"{live_server.url}/catalog.ttl?per_page=2",
        trusted=True,
        department=department,
        defaults={"open_method": ["download"], "share_type": "1"},
    )
    records = list(get_backend("dcat")(source).records(None))  # two pages, over HTTP
    Dataset.objects.filter(pk__in=[d.pk for d in originals]).delete()

    outcomes = [apply_record(source_actor(source), source, record) for record in records]

    assert outcomes == ["added"] * 3
    recreated = {d.identifier: comparable(d) for d in Dataset.objects.all()}
    assert recreated == expected
