"""Atom and RSS feeds of new and updated datasets (site, domain, department), the sitemap and the
OpenSearch description."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from defusedxml import ElementTree as SafeElementTree
from django.utils import timezone

from kaifang.catalog.models import Dataset, State
from kaifang.catalog.tests import factories
from kaifang.organizations.models import DepartmentNameRedirect

ATOM = "{http://www.w3.org/2005/Atom}"
HIDDEN = ("状态draft", "状态in_review", "状态withdrawn", "状态taken_down", "私有数据集", "不予开放")


def _xml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.content[:300]
    return SafeElementTree.fromstring(response.content)


def _titles(root: ElementTree.Element) -> list[str]:
    if root.tag == f"{ATOM}feed":
        return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    return [item.findtext("title") for item in root.iter("item")]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/datasets.atom",
        "/feeds/datasets.rss",
        "/feeds/domains/6.atom",
        "/feeds/domains/6.rss",
        "/feeds/departments/jiaotong.atom",
        "/feeds/departments/jiaotong.rss",
    ],
)
def test_every_feed_lists_public_datasets_only(client, datasets_in_every_state, url):
    titles = _titles(_xml(client.get(url)))

    assert sorted(titles) == sorted(["状态published", "有条件开放数据集"])
    for hidden in HIDDEN:
        assert hidden not in titles


def test_rss_and_atom_say_what_they_are(client, datasets_in_every_state):
    atom = client.get("/feeds/datasets.atom")
    rss = client.get("/feeds/datasets.rss")

    assert atom["Content-Type"].startswith("application/atom+xml")
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert _xml(rss).find("channel/title").text == "开放数据平台：最新发布和更新的数据集"


def test_domain_and_department_feeds_keep_to_their_scope(client, department, other_department):
    factories.make_dataset(department, title="公交线路", domain="6")
    factories.make_dataset(other_department, title="空气质量", domain="10")

    domain = _xml(client.get("/feeds/domains/10.atom"))
    by_department = _xml(client.get(f"/feeds/departments/{department.name}.rss"))

    assert _titles(domain) == ["空气质量"]
    assert domain.findtext(f"{ATOM}title") == "开放数据平台：生态环境领域最新发布和更新的数据集"
    assert _titles(by_department) == ["公交线路"]
    assert "省交通运输厅" in by_department.find("channel/title").text


def test_an_updated_dataset_comes_first(client, department):
    old = factories.make_dataset(department, title="老数据集")
    factories.make_dataset(department, title="新数据集")
    Dataset.objects.filter(pk=old.pk).update(updated_at=timezone.now() + dt.timedelta(minutes=5))

    assert _titles(_xml(client.get("/feeds/datasets.rss")))[0] == "老数据集"


def test_unknown_scopes_are_404_and_old_department_names_still_work(client, department):
    factories.make_dataset(department, title="公交线路")
    DepartmentNameRedirect.objects.create(old_name="jtt", department=department)

    assert client.get("/feeds/domains/77.atom").status_code == 404
    assert client.get("/feeds/departments/nobody.rss").status_code == 404
    assert _titles(_xml(client.get("/feeds/departments/jtt.atom"))) == ["公交线路"]


def test_the_sitemap_covers_datasets_domains_and_departments(client, datasets_in_every_state):
    body = client.get("/sitemap.xml").content.decode()

    assert f"/datasets/{datasets_in_every_state[State.PUBLISHED].name}/</loc>" in body
    assert "/domains/21/</loc>" in body
    assert "/departments/jiaotong/</loc>" in body
    for kind in (State.DRAFT, State.WITHDRAWN, "private", "closed"):
        assert f"/datasets/{datasets_in_every_state[kind].name}/" not in body


def test_opensearch_describes_the_search_and_pages_link_it(client, db):
    response = client.get("/opensearch.xml")
    root = _xml(response)
    namespace = "{http://a9.com/-/spec/opensearch/1.1/}"
    templates = {u.get("type"): u.get("template") for u in root.iter(f"{namespace}Url")}

    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    assert root.findtext(f"{namespace}ShortName") == "开放数据平台"
    assert templates["text/html"] == "http://testserver/datasets/?q={searchTerms}"
    assert templates["application/json"] == "http://testserver/api/v1/datasets?q={searchTerms}"
    home = client.get("/").content.decode()
    assert 'rel="search" type="application/opensearchdescription+xml"' in home
    assert 'href="/opensearch.xml"' in home
