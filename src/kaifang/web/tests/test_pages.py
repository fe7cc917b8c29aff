"""The site shell: home, domains, navigation by role, footer, language switch, sitemap, feed,
robots.txt."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.core import codelists


@pytest.fixture(autouse=True)
def _fresh_cache_and_language():
    """Home figures are cached, and a request in English leaves English active in the thread;
    each test starts (and leaves) without either."""
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


def _text(response) -> str:
    return response.content.decode()


def test_home_shows_search_domains_lists_and_figures(client, department):
    # given
    newest = factories.make_dataset(department, title="公交站点位置", domain="6")
    popular = factories.make_dataset(department, title="空气质量小时数据", download_count=900)
    factories.make_link_resource(newest)
    # when
    response = client.get("/")
    # then
    html = _text(response)
    assert response.status_code == 200
    assert 'action="/datasets/"' in html and 'name="q"' in html
    assert "公交站点位置" in html and "空气质量小时数据" in html
    for item in codelists.get("domain"):
        if item.code != "99":
            assert item.zh in html
    assert response.context["figures"]["datasets"] == 2
    assert response.context["figures"]["resources"] == 1
    assert response.context["figures"]["downloads"] == 900
    assert response.context["popular"][0] == popular
    assert dict((i.code, n) for i, n in response.context["domains"])["6"] == 2


def test_home_counts_and_lists_only_what_the_visitor_may_see(client, datasets_in_every_state):
    # when
    response = client.get("/")
    # then
    html = _text(response)
    assert response.context["figures"]["datasets"] == 2
    for hidden in ("状态draft", "状态withdrawn", "私有数据集", "不予开放", "状态in_review"):
        assert hidden not in html


def test_home_figures_are_not_shared_between_anonymous_and_members(
    client, datasets_in_every_state, publisher
):
    # given: the anonymous figures are cached first
    assert client.get("/").context["figures"]["datasets"] == 2
    # when
    client.force_login(publisher)
    as_member = client.get("/").context["figures"]["datasets"]
    client.logout()
    as_anonymous = client.get("/").context["figures"]["datasets"]
    # then: the member also counts the department's private and closed datasets
    assert as_member == 4
    assert as_anonymous == 2


def test_home_figures_follow_a_dataset_leaving_the_catalog(client, datasets_in_every_state):
    # given
    assert client.get("/").context["figures"]["datasets"] == 2
    published = datasets_in_every_state[State.PUBLISHED]
    # when
    published.state = State.WITHDRAWN
    published.save()
    # then
    response = client.get("/")
    assert response.context["figures"]["datasets"] == 1
    assert published.title not in _text(response)


def test_home_query_budget(client, department, django_assert_max_num_queries):
    # given
    for n in range(30):
        dataset = factories.make_dataset(department, title=f"数据集{n}", domain=str(n % 21 + 1))
        factories.make_link_resource(dataset)
    # then: a cold cache stays within budget (one query of it for 热门搜索), a warm one needs fewer
    with django_assert_max_num_queries(7):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200


def test_navigation_for_anonymous_visitors(client, db):
    # when
    html = _text(client.get("/"))
    # then
    for label in ("首页", "数据目录", "开放部门", "领域", "API 文档"):
        assert f">{label}</a>" in html
    assert 'href="/api/v1/docs"' in html
    assert 'href="/departments/"' in html and 'href="/domains/"' in html
    assert "工作台" not in html and ">审核<" not in html
    assert 'aria-current="page">首页' in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html


def test_navigation_shows_workspace_to_publishers(client, publisher):
    client.force_login(publisher)

    html = _text(client.get("/"))

    assert 'href="/workspace/"' in html and "工作台" in html
    assert ">审核<" not in html
    assert "退出" in html


def test_navigation_shows_review_to_reviewers(client, reviewer, platform_reviewer):
    for user in (reviewer, platform_reviewer):
        client.force_login(user)

        html = _text(client.get("/"))

        assert 'href="/review/"' in html and ">审核<" in html
        assert "工作台" not in html


def test_navigation_shows_nothing_extra_to_citizens(client, citizen):
    client.force_login(citizen)

    html = _text(client.get("/"))

    assert "工作台" not in html and ">审核<" not in html


def _with_site(settings, **site):
    settings.KAIFANG = {**settings.KAIFANG, "SITE": {**settings.KAIFANG["SITE"], **site}}


def test_footer_carries_the_registration_numbers_when_set(client, settings, db):
    # given
    _with_site(
        settings,
        name="浙江省公共数据开放平台",
        host_org="浙江省大数据发展管理局",
        id_code="3300000065",
        icp="浙ICP备12345678号",
        psb="浙公网安备 33010602000001号",
    )
    # when
    html = _text(client.get("/"))
    # then
    assert "主办单位：浙江省大数据发展管理局" in html
    assert "网站标识码：3300000065" in html
    assert "浙ICP备12345678号" in html and "https://beian.miit.gov.cn/" in html
    assert "浙公网安备 33010602000001号" in html and "https://beian.mps.gov.cn/" in html
    assert "<title>浙江省公共数据开放平台</title>" in html


def test_footer_leaves_out_registration_numbers_not_set(client, settings, db):
    _with_site(settings, host_org="某省大数据局", id_code="", icp="", psb="")

    html = _text(client.get("/"))

    assert "主办单位：某省大数据局" in html
    assert "网站标识码" not in html
    assert "beian.miit.gov.cn" not in html and "beian.mps.gov.cn" not in html


def test_language_switch_to_english_changes_labels(client, department):
    # given
    factories.make_dataset(department, title="公交站点位置", domain="6")
    assert 'lang="zh-CN"' in _text(client.get("/"))
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    # then
    html = _text(response)
    assert response.status_code == 200
    assert 'lang="en"' in html
    assert ">Home</a>" in html and ">Datasets</a>" in html
    assert "Transport" in html  # the domain's English label from the code list
    assert ">首页</a>" not in html
    assert 'value="zh-hans"' in html  # the way back


def test_domain_list_shows_every_domain_with_counts(client, department):
    factories.make_dataset(department, domain="2")

    response = client.get("/domains/")

    html = _text(response)
    assert response.status_code == 200
    assert "医疗卫生" in html and "机构团体" in html
    assert dict((i.code, n) for i, n in response.context["domains"])["2"] == 1


def test_domain_page_lists_that_domains_datasets(client, department):
    # given
    factories.make_dataset(department, title="医院名录", domain="2")
    factories.make_dataset(department, title="公交线路", domain="6")
    # when
    response = client.get("/domains/2/")
    # then
    html = _text(response)
    assert response.status_code == 200
    assert "<h1>医疗卫生</h1>" in html
    assert "医院名录" in html and "公交线路" not in html
    assert response.context["result"].count == 1
    assert 'id="facet-domain"' not in html  # the page's own filter is not offered


def test_domain_page_keeps_its_domain_whatever_the_query_says(client, department):
    factories.make_dataset(department, title="公交线路", domain="6")

    response = client.get("/domains/2/?domain=6")

    assert "公交线路" not in _text(response)


def test_unknown_domain_is_404(client, db):
    assert client.get("/domains/77/").status_code == 404


def test_sitemap_lists_only_public_datasets(client, datasets_in_every_state):
    # when
    response = client.get("/sitemap.xml")
    # then
    xml = _text(response)
    assert response.status_code == 200
    public = {datasets_in_every_state[k].name for k in (State.PUBLISHED, "conditional")}
    for key, dataset in datasets_in_every_state.items():
        url = f"/datasets/{dataset.name}/</loc>"
        assert (url in xml) == (dataset.name in public), key
    assert "/departments/jiaotong/</loc>" in xml
    assert "/domains/6/</loc>" in xml


def test_feed_lists_only_public_datasets(client, datasets_in_every_state):
    # when
    response = client.get("/feeds/datasets.atom")
    # then
    xml = _text(response)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "状态published" in xml and "有条件开放数据集" in xml
    for hidden in ("状态draft", "状态withdrawn", "状态taken_down", "私有数据集", "不予开放"):
        assert hidden not in xml


def test_feed_is_the_same_for_signed_in_members(client, datasets_in_every_state, publisher):
    client.force_login(publisher)

    xml = _text(client.get("/feeds/datasets.atom"))

    assert "私有数据集" not in xml


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(client, db):
    response = client.get("/robots.txt")

    text = _text(response)
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /workspace/" in text and "Disallow: /admin/" in text


def test_pages_work_without_the_front_end_assets(client, db, settings, tmp_path):
    """htmx and echarts are vendored at build time; a missing file must not break a page."""
    settings.STATIC_ROOT = tmp_path / "empty-static"

    response = client.get("/datasets/")

    assert response.status_code == 200
    assert "vendor/htmx.min.js" in _text(response)
