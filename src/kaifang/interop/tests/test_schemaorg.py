"""schema.org `Dataset` JSON-LD in the dataset page, and the page's links to its DCAT documents."""

from __future__ import annotations

import json
import re

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.interop.schemaorg import script_json
from kaifang.interop.tests.factories import rich_dataset

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _jsonld(client, dataset) -> list[dict]:
    page = client.get(f"/datasets/{dataset.name}/")
    assert page.status_code == 200
    return [json.loads(found) for found in SCRIPT.findall(page.content.decode())]


def test_a_public_dataset_page_describes_the_dataset_for_search_engines(client, department):
    dataset = rich_dataset(department, title="地铁客流")
    table = dataset.resources.get(kind="file")

    (data,) = _jsonld(client, dataset)

    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["name"] == "地铁客流"
    assert data["url"] == f"http://testserver/datasets/{dataset.name}/"
    assert data["identifier"] == dataset.identifier
    assert data["publisher"]["name"] == "省交通运输厅"
    assert data["keywords"] == ["地铁", "客流", "交通运输"]
    assert data["temporalCoverage"] == "2020-01-01/2024-12-31"
    assert data["spatialCoverage"] == {"@type": "Place", "name": "浙江省，杭州市主城区"}
    assert data["variableMeasured"] == ["站点名称", "线路", "开通日期", "日均客流"]
    assert data["distribution"][0] == {
        "@type": "DataDownload",
        "name": "地铁站点客流",
        "contentUrl": f"http://testserver/resources/{table.pk}/download",
        "encodingFormat": "text/csv",
    }


def test_a_conditional_dataset_names_its_conditions_and_links_no_file(client, department):
    dataset = rich_dataset(
        department,
        open_type="conditional",
        metadata={"open_condition": "需实名认证并签署协议"},
    )

    (data,) = _jsonld(client, dataset)

    assert data["conditionsOfAccess"] == "需实名认证并签署协议"
    assert "distribution" not in data
    assert "/download" not in json.dumps(data)


def test_the_page_links_its_dcat_documents(client, department):
    dataset = factories.make_dataset(department)

    body = client.get(f"/datasets/{dataset.name}/").content.decode()

    for fmt, kind in (
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
    ):
        assert f'<link rel="alternate" type="{kind}" href="/dataset/{dataset.name}.{fmt}">' in body


def test_members_previewing_hidden_datasets_hand_nothing_to_crawlers(
    client, datasets_in_every_state, publisher
):
    client.force_login(publisher)

    for kind in (State.DRAFT, State.IN_REVIEW, State.WITHDRAWN, "private", "closed"):
        dataset = datasets_in_every_state[kind]
        body = client.get(f"/datasets/{dataset.name}/").content.decode()
        assert "application/ld+json" not in body, kind
        assert f"/dataset/{dataset.name}.ttl" not in body, kind


def test_text_cannot_end_the_script_element():
    text = script_json({"name": "</script><script>alert(1)</script> & more"})

    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & more"
