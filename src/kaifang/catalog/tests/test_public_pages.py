"""The public dataset list and dataset page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from kaifang.catalog.models import (
    AccessGrant,
    DatasetNameRedirect,
    Resource,
    ResourceVersion,
    State,
)
from kaifang.catalog.schema import DEFAULT_PATH, _load, get_schema
from kaifang.catalog.tests import factories
from kaifang.core.models import Region


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


def _file_resource(dataset, *, title="站点表", size=2_400_000, fmt="CSV") -> Resource:
    """A file resource with a complete published version, as the upload service leaves it."""
    resource = Resource.objects.create(
        dataset=dataset, name=f"res-{dataset.name}-{fmt.lower()}", title=title, format=fmt
    )
    version = ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file=f"resources/{resource.pk}/v1/data.csv",
        original_name="data.csv",
        size=size,
        sha256="0" * 64,
        detected_format=fmt,
        status=ResourceVersion.Status.READY,
    )
    resource.current_version = version
    resource.save(update_fields=["current_version"])
    return resource


# --- the dataset list -------------------------------------------------------------------------


def test_list_shows_visible_datasets_with_facets(client, datasets_in_every_state):
    # when
    response = client.get("/datasets/")
    # then
    html = _text(response)
    assert response.status_code == 200
    assert response.context["result"].count == 2
    assert "状态published" in html and "有条件开放数据集" in html
    for hidden in ("状态draft", "私有数据集", "不予开放", "状态withdrawn"):
        assert hidden not in html
    for facet in ("domain", "department", "region", "open_type", "update_frequency"):
        assert f'id="facet-{facet}"' in html
    assert "交通运输" in html and "省交通运输厅" in html
    published = datasets_in_every_state[State.PUBLISHED]
    assert f'<a href="/datasets/{published.name}/">状态published</a>' in html
    assert '<a href="/departments/jiaotong/">省交通运输厅</a>' in html


def test_list_filters_by_domain_with_a_removable_chip(client, department):
    # given
    factories.make_dataset(department, title="医院名录", domain="2")
    factories.make_dataset(department, title="公交线路", domain="6")
    # when
    response = client.get("/datasets/?domain=2")
    # then
    html = _text(response)
    assert "医院名录" in html and "公交线路" not in html
    chips = response.context["chips"]
    assert [(str(c["title"]), c["label"]) for c in chips] == [("领域", "医疗卫生")]
    assert chips[0]["href"] == "?"
    domain_items = {i["label"]: i for i in response.context["facet_groups"][0]["items"]}
    assert domain_items["医疗卫生"]["active"] and domain_items["医疗卫生"]["href"] == "?"
    # another domain's link adds it to the choice (values of one facet combine with OR)
    assert domain_items["交通运输"]["href"] == "?domain=2&domain=6"
    assert domain_items["交通运输"]["count"] == 1


def test_list_ticks_several_values_of_a_facet(client, department, other_department):
    # given
    factories.make_dataset(department, title="医院名录", domain="2")
    factories.make_dataset(department, title="公交线路", domain="6")
    factories.make_dataset(other_department, title="空气质量", domain="10")
    # when: two domains ticked, and one department
    response = client.get("/datasets/?domain=2&domain=6&department=jiaotong")
    # then
    html = _text(response)
    assert response.context["result"].count == 2
    assert "医院名录" in html and "公交线路" in html and "空气质量" not in html
    chips = [(str(c["title"]), c["label"], c["href"]) for c in response.context["chips"]]
    assert chips == [
        ("领域", "医疗卫生", "?domain=6&department=jiaotong"),
        ("领域", "交通运输", "?domain=2&department=jiaotong"),
        ("开放部门", "省交通运输厅", "?domain=2&domain=6"),
    ]
    # each value is a checkbox of the facet form, ticked when chosen; the domain counts
    # ignore the domain choice but honour the department one
    assert '<input type="checkbox" id="f-domain-2" name="domain" value="2" checked>' in html
    assert '<input type="checkbox" id="f-domain-10" name="domain" value="10">' in html
    domains = next(g for g in response.context["facet_groups"] if g["key"] == "domain")
    counts = {i["value"]: (i["count"], i["active"]) for i in domains["items"]}
    assert counts["2"] == (1, True) and counts["6"] == (1, True) and counts["10"] == (0, False)
    assert '<label for="f-domain-6" class="sr-only">交通运输</label>' in html


def test_list_text_search_keeps_filters_in_the_forms(client, department):
    factories.make_dataset(department, title="公交站点位置", domain="6")
    factories.make_dataset(department, title="地铁站点位置", domain="6")

    response = client.get("/datasets/?q=公交&domain=6&sort=title")

    html = _text(response)
    assert response.context["result"].count == 1
    assert '<input type="hidden" name="domain" value="6">' in html
    assert '<option value="title" selected>' in html
    assert 'value="公交"' in html


def test_region_filter_includes_every_region_below_and_shows_the_tree(client, province):
    # given: a provincial, a city and a county department
    city = Region.objects.get(code="330100")
    county = Region.objects.filter(parent=city).exclude(name="市辖区").first()
    for region, title in ((province, "全省数据"), (city, "杭州数据"), (county, "区县数据")):
        dept = factories.make_department(region)
        factories.make_dataset(dept, title=title, region=region)
    # when
    everything = client.get(f"/datasets/?region={province.code}")
    in_city = client.get(f"/datasets/?region={city.code}")
    # then
    assert everything.context["result"].count == 3
    assert in_city.context["result"].count == 2
    assert "全省数据" not in _text(in_city)
    regions = next(g for g in in_city.context["facet_groups"] if g["key"] == "region")
    levels = {i["label"]: (i["level"], i["count"], i["active"]) for i in regions["items"]}
    assert levels["浙江省"] == (1, 3, False)
    assert levels["杭州市"] == (2, 2, True)
    assert levels[county.name] == (3, 1, False)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("sort=best", "sort"),
        ("domain=abc", "domain"),
        ("region=33", "region"),
        ("page=zero", "page"),
        ("limit=1000", "limit"),
    ],
)
def test_list_bad_parameter_gives_a_chinese_message_not_a_500(client, db, query, named):
    response = client.get(f"/datasets/?{query}")

    html = _text(response)
    assert response.status_code == 400
    assert "查询参数有误" in html and f"参数 {named}" in html


def test_list_paginates(client, department):
    # given
    for n in range(25):
        factories.make_dataset(department, title=f"分页数据{n:02d}")
    # when
    first = client.get("/datasets/?sort=title")
    second = client.get("/datasets/?sort=title&page=2")
    # then
    assert len(first.context["result"].results) == 20
    assert [p["number"] for p in first.context["pages"]] == [1, 2]
    assert first.context["pages"][1]["href"] == "?sort=title&page=2"
    assert [d.title for d in second.context["result"].results] == [
        f"分页数据{n:02d}" for n in range(20, 25)
    ]
    assert 'start="21"' in _text(second)


def test_list_query_budget(client, department, django_assert_max_num_queries, search_index):
    for n in range(40):
        dataset = factories.make_dataset(department, title=f"数据集{n}", domain=str(n % 21 + 1))
        factories.make_link_resource(dataset)
    search_index()

    with django_assert_max_num_queries(12):
        response = client.get("/datasets/?domain=3&sort=newest")

    assert response.status_code == 200


# --- the dataset page -------------------------------------------------------------------------


def test_dataset_page_shows_every_schema_field_with_its_chinese_label(client, department):
    # given
    dataset = factories.make_dataset(
        department,
        title="公交站点位置",
        is_high_value=True,
        is_realtime=True,
        metadata={"spatial": "全省", "contact_email": "data@example.gov.cn"},
    )
    # when
    response = client.get(f"/datasets/{dataset.name}/")
    # then
    html = _text(response)
    assert response.status_code == 200
    for field in get_schema().dataset_fields:
        assert f'<tr id="field-{field.key}"><th scope="row">{field.labels["zh"]}</th>' in html
    for group in get_schema().groups:
        assert f"<h3>{group.labels['zh']}</h3>" in html
    assert "政府开放数据使用协议" in html  # licence shown by its code list label
    assert "mailto:data@example.gov.cn" in html
    assert "高价值数据" in html and "实时动态数据" in html
    assert 'href="/domains/6/">交通运输</a>' in html  # breadcrumb to its domain


def test_dataset_page_puts_conditions_and_terms_before_the_downloads(client, department):
    # given
    dataset = factories.make_dataset(department, metadata={"usage_terms": "引用时注明来源"})
    resource = _file_resource(dataset)
    # when
    html = _text(client.get(f"/datasets/{dataset.name}/"))
    # then
    download = f'href="/resources/{resource.pk}/download"'
    assert download in html
    assert html.index("开放条件与使用要求") < html.index(download)
    assert html.index("引用时注明来源") < html.index(download)
    assert "2.3\xa0MB" in html  # the size, as filesizeformat writes it
    assert 'class="badge badge-fmt badge-fmt-mr" title="机器可读格式">CSV</span>' in html


def test_conditional_dataset_asks_for_an_application_instead_of_a_download(
    client, datasets_in_every_state, citizen, publisher
):
    # given
    conditional = datasets_in_every_state["conditional"]
    resource = _file_resource(conditional)
    download = f'href="/resources/{resource.pk}/download"'
    # when
    anonymous = _text(client.get(f"/datasets/{conditional.name}/"))
    client.force_login(citizen)
    without_grant = _text(client.get(f"/datasets/{conditional.name}/"))
    AccessGrant.objects.create(dataset=conditional, user=citizen)
    with_grant = _text(client.get(f"/datasets/{conditional.name}/"))
    # then
    for html in (anonymous, without_grant):
        assert "需申请" in html and download not in html
        assert "需实名认证并签署协议" in html  # its 开放条件
        assert html.index("需实名认证并签署协议") < html.index("需申请")
    assert download in with_grant and ">需申请<" not in with_grant


def test_pending_resources_stay_off_the_public_page(client, department, publisher):
    # given
    dataset = factories.make_dataset(department)
    revision = dataset.revisions.create(data={}, created_by=publisher)
    factories.make_link_resource(dataset, title="待审资源", pending_revision=revision)
    factories.make_link_resource(dataset, title="已发布资源")
    # when
    html = _text(client.get(f"/datasets/{dataset.name}/"))
    # then
    assert "已发布资源" in html and "待审资源" not in html


def test_old_dataset_name_redirects_permanently(client, department):
    dataset = factories.make_dataset(department, name="gongjiao-zhandian")
    DatasetNameRedirect.objects.create(old_name="bus-stops", dataset=dataset)

    response = client.get("/datasets/bus-stops/?from=feed")

    assert response.status_code == 301
    assert response["Location"] == "/datasets/gongjiao-zhandian/?from=feed"


def test_dataset_page_by_id_redirects_to_the_name(client, department):
    dataset = factories.make_dataset(department, name="gongjiao-zhandian")

    response = client.get(f"/datasets/{dataset.pk}/")

    assert response.status_code == 301
    assert response["Location"] == "/datasets/gongjiao-zhandian/"


@pytest.mark.parametrize(
    "kind", [State.DRAFT, State.IN_REVIEW, State.WITHDRAWN, State.TAKEN_DOWN, "private", "closed"]
)
def test_invisible_datasets_are_404_for_the_public_and_other_departments(
    client, datasets_in_every_state, outsider, kind
):
    dataset = datasets_in_every_state[kind]

    assert client.get(f"/datasets/{dataset.name}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/datasets/{dataset.name}/").status_code == 404


def test_unknown_dataset_is_404(client, db):
    assert client.get("/datasets/no-such-dataset/").status_code == 404


def test_members_see_their_unpublished_dataset_with_a_state_banner(
    client, datasets_in_every_state, publisher
):
    dataset = datasets_in_every_state[State.RETURNED]
    dataset.return_reason = "摘要过于简单"
    dataset.save()
    client.force_login(publisher)

    response = client.get(f"/datasets/{dataset.name}/")

    html = _text(response)
    assert response.status_code == 200
    assert "当前状态：已退回" in html and "摘要过于简单" in html
    assert '<meta name="robots" content="noindex">' in html


def test_dataset_page_query_budget(client, department, django_assert_max_num_queries, citizen):
    # given
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "需申请"}
    )
    for n in range(5):
        _file_resource(dataset, title=f"文件{n}", fmt=["CSV", "XLSX", "JSON", "XML", "PDF"][n])
    factories.make_dataset(department)
    client.force_login(citizen)
    # then
    with django_assert_max_num_queries(9):
        assert client.get(f"/datasets/{dataset.name}/").status_code == 200


@pytest.fixture
def swapped_schema(settings, tmp_path):
    """A deployment's own schema: the default one with one more field."""
    extra = """
  - key: data_volume
    label: {zh: 数据量, en: Data volume}
    type: text
    group: data
"""
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "\nresource:\n", extra + "\nresource:\n"
    )
    path = Path(tmp_path) / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    settings.KAIFANG = {**settings.KAIFANG, "METADATA_SCHEMA": str(path)}
    _load.cache_clear()
    yield path
    _load.cache_clear()


def test_a_swapped_schema_shows_its_new_field_without_code_changes(
    client, department, swapped_schema
):
    # given
    dataset = factories.make_dataset(department, metadata={"data_volume": "12,800 条"})
    # when
    html = _text(client.get(f"/datasets/{dataset.name}/"))
    # then
    assert '<tr id="field-data_volume"><th scope="row">数据量</th><td>12,800 条</td></tr>' in html


def test_dataset_page_in_english_uses_the_english_labels(client, department):
    dataset = factories.make_dataset(department)
    client.cookies["django_language"] = "en"

    html = _text(client.get(f"/datasets/{dataset.name}/"))

    assert '<th scope="row">Title</th>' in html
    assert "Conditions of access and terms of use" in html
    assert "Government open data licence" in html
