"""The contract every search backend passes: the same catalog, the same searches, the same
answers — hits, order, counts and facets. A new backend joins by adding its dotted path to
BACKENDS (and whatever settings it needs to `_configured`)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import translation
from django.utils.module_loading import import_string

from kaifang.core import codelists
from kaifang.search.backends.base import SearchParams
from kaifang.search.tests import sample

BACKENDS = {
    "database": "kaifang.search.backends.database.DatabaseSearchBackend",
    "tantivy": "kaifang.search.backends.tantivy.TantivySearchBackend",
    "postgres": "kaifang.search.backends.postgres.PostgresSearchBackend",
}
NEEDS_POSTGRES = {"postgres"}


@pytest.fixture(autouse=True)
def _chinese():
    """Labels are asserted in Chinese, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


_used: dict[str, object] = {}  # the backend the running test searches with


@pytest.fixture(params=list(BACKENDS), autouse=True)
def backend(request, settings):
    """Each test runs once per backend; the tantivy index (and the PostgreSQL full-text
    index) is rebuilt before each search, as the fixtures write rows directly. The PostgreSQL
    backend runs in the PostgreSQL pass only."""
    if request.param in NEEDS_POSTGRES and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL full-text backend needs PostgreSQL (the PostgreSQL pass)")
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "rebuild"}
    _used["backend"] = import_string(BACKENDS[request.param])()
    yield _used["backend"]
    _used.clear()


@pytest.fixture
def catalog(department, other_department):
    return sample.build(department, other_department)


def _search(user=None, **params):
    return _used["backend"].search(SearchParams(**params), user or AnonymousUser())


def _titles(result) -> list[str]:
    return [d.title for d in result.results]


def _facet(result, name) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


def test_anonymous_finds_only_public_datasets(catalog):
    result = _search()

    assert result.count == 5
    assert set(_titles(result)) == {d.title for d in catalog.public}


def test_every_term_must_match(catalog):
    assert set(_titles(_search(q="公交"))) == {"公交站点", "杭州公交线路", "西湖区医院名录"}
    assert _titles(_search(q="杭州 线路")) == ["杭州公交线路"]
    assert _titles(_search(q="线路 医院")) == []


def test_text_matches_keywords_identifier_and_department(catalog):
    assert _titles(_search(q="站点 坐标")) == ["公交站点"]
    assert _titles(_search(q="330000006001")) == ["公交站点"]
    assert _titles(_search(q="西湖区卫生健康局")) == ["西湖区医院名录"]
    catalog.bus_lines.tags.create(name="BRT")
    assert _titles(_search(q="brt")) == ["杭州公交线路"]


def test_relevance_puts_title_hits_before_summary_hits(catalog):
    result = _search(q="公交", sort="relevance")

    # 公交站点 has it in its title and keywords; 杭州公交线路, though newer, only in its title;
    # 西湖区医院名录 is the newest of all but only its summary says 公交.
    assert _titles(result) == ["公交站点", "杭州公交线路", "西湖区医院名录"]


def test_relevance_without_a_query_is_newest_first(catalog):
    assert _titles(_search()) == _titles(_search(sort="newest"))
    assert _titles(_search(sort="newest"))[0] == "西湖区医院名录"


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("newest", "西湖区医院名录", "宁波企业信用评价"),
        ("downloads", "西湖区医院名录", "宁波企业信用评价"),
        ("title", "公交站点", "西湖区医院名录"),
    ],
)
def test_sorts(catalog, sort, first, last):
    titles = _titles(_search(sort=sort))

    assert (titles[0], titles[-1]) == (first, last)


def test_sort_by_updated_uses_the_data_update_time(catalog):
    from django.utils import timezone

    type(catalog.credit).objects.filter(pk=catalog.credit.pk).update(
        data_updated_at=timezone.now() + timezone.timedelta(hours=1)
    )

    assert _titles(_search(sort="updated"))[0] == "宁波企业信用评价"


def test_pagination_slices_the_ordered_results(catalog):
    everything = _titles(_search(sort="title"))

    page = _search(sort="title", limit=2, offset=2)

    assert page.count == 5
    assert _titles(page) == everything[2:4]
    assert _titles(_search(sort="title", offset=5)) == []


def test_filters_by_domain_open_type_and_frequency(catalog):
    assert set(_titles(_search(domain="6"))) == {"公交站点", "杭州公交线路"}
    assert _titles(_search(open_type="conditional")) == ["空气质量小时数据"]
    assert _titles(_search(update_frequency="daily")) == ["杭州公交线路"]


def test_filters_by_department_name_or_id(catalog):
    by_name = _titles(_search(department="hz-data"))
    by_id = _titles(_search(department=str(catalog.city_dept.pk)))

    assert by_name == by_id == ["杭州公交线路"]
    assert _search(department="no-such-department").count == 0


def test_a_region_includes_every_region_under_it(catalog):
    assert _search(region="330000").count == 5
    assert set(_titles(_search(region="330100"))) == {"杭州公交线路", "西湖区医院名录"}
    assert _titles(_search(region="330106")) == ["西湖区医院名录"]
    assert _titles(_search(region="330200")) == ["宁波企业信用评价"]
    assert _search(region="330109").count == 0
    assert _search(region="999999").count == 0


def test_format_counts_only_public_resources(catalog):
    assert set(_titles(_search(format="CSV"))) == {"公交站点", "杭州公交线路", "空气质量小时数据"}
    # 宁波企业信用评价 has an unfinished PDF upload and an XML link awaiting review.
    assert _search(format="PDF").count == 0
    assert _search(format="XML").count == 0


def test_results_carry_the_formats_of_public_resources_only(catalog):
    from kaifang.catalog.selectors import dataset_formats

    hidden_only = _search(q="宁波").results[0]
    with_csv = _search(q="公交站点").results[0]

    assert dataset_formats(hidden_only) == []
    assert dataset_formats(with_csv) == ["CSV"]


def test_domain_facet_lists_all_21_domains_and_sums_to_the_count(catalog):
    result = _search()
    domains = result.facets["domain"]

    assert [v.value for v in domains] == [str(n) for n in range(1, 22)]
    assert sum(v.count for v in domains) == result.count
    assert _facet(result, "domain")["6"] == 2
    assert domains[5].label == "交通运输"


def test_domain_99_appears_only_when_counted(catalog):
    from kaifang.catalog.tests import factories

    assert "99" not in _facet(_search(), "domain")
    factories.make_dataset(catalog.province_dept, domain="99", title="其他数据")

    facet = _search().facets["domain"]
    assert (facet[-1].value, facet[-1].label, facet[-1].count) == ("99", "其他", 1)


def test_facets_without_their_own_filter_sum_to_the_count(catalog):
    result = _search()

    for name in ("domain", "department", "open_type", "update_frequency"):
        assert sum(v.count for v in result.facets[name]) == result.count, name


def test_a_facet_ignores_its_own_filter_but_honours_the_others(catalog):
    result = _search(domain="6", open_type="open")

    assert result.count == 2
    # The domain facet keeps counting other domains (open ones only) ...
    assert _facet(result, "domain")["2"] == 1
    assert _facet(result, "domain")["10"] == 0
    # ... and the open type facet counts domain 6 only, both types.
    assert _facet(result, "open_type") == {"open": 2}
    # Other facets honour both filters.
    assert _facet(result, "department") == {"jiaotong": 1, "hz-data": 1}
    assert sum(_facet(result, "update_frequency").values()) == result.count


def test_facets_honour_the_text_query(catalog):
    result = _search(q="公交")

    assert sum(_facet(result, "domain").values()) == 3
    assert _facet(result, "department") == {"jiaotong": 1, "hz-data": 1, "xihu-health": 1}


def test_region_facet_rolls_counts_up_to_parents(catalog):
    result = _search()
    regions = {v.value: (v.label, v.count) for v in result.facets["region"]}

    assert regions == {
        "330000": ("浙江省", 5),
        "330100": ("杭州市", 2),
        "330106": ("西湖区", 1),
        "330200": ("宁波市", 1),
    }


def test_region_facet_ignores_the_region_filter(catalog):
    result = _search(region="330106")

    assert result.count == 1
    assert _facet(result, "region")["330000"] == 5


def test_format_facet_counts_datasets_with_public_resources(catalog):
    formats = _search().facets["format"]

    assert [(v.value, v.count) for v in formats] == [("CSV", 3), ("JSON", 1), ("XLSX", 1)]
    assert formats[2].label == codelists.get("format").label("XLSX")


def test_code_facets_have_chinese_labels_and_skip_zero_counts(catalog):
    result = _search()

    assert [(v.value, v.label) for v in result.facets["open_type"]] == [
        ("open", "无条件开放"),
        ("conditional", "有条件开放"),
    ]
    frequencies = {v.value: v.label for v in result.facets["update_frequency"]}
    assert frequencies == {
        "realtime": "实时",
        "daily": "每日",
        "monthly": "每月",
        "quarterly": "每季度",
        "yearly": "每年",
    }


def test_department_facet_labels_are_titles_most_datasets_first(catalog):
    from kaifang.catalog.tests import factories

    factories.make_dataset(catalog.city_dept, title="杭州数据二")

    departments = _search().facets["department"]

    assert (departments[0].value, departments[0].label, departments[0].count) == (
        "hz-data",
        "杭州市数据资源局",
        2,
    )


def test_members_find_their_private_datasets_and_count_them(catalog, publisher, outsider):
    mine = _search(publisher, q="公交")
    theirs = _search(outsider, q="公交")

    assert "公交内部调度" in _titles(mine)
    assert "公交内部调度" not in _titles(theirs)
    assert _facet(mine, "domain")["6"] == 3
    assert _facet(theirs, "domain")["6"] == 2


def test_unpublished_datasets_are_never_found(catalog, publisher):
    titles = _titles(_search(publisher, q="公交", limit=100))

    assert "公交草稿" not in titles
    assert "公交已下线" not in titles


# --- several values per facet, the boolean facets, most used, highlights ---------------------


def _ready_table(resource, **values):
    """A ready datastore table in the resource's published version (what ingest leaves)."""
    from kaifang.datastore.models import DatastoreTable

    return DatastoreTable.objects.create(
        version=resource.current_version,
        resource=resource,
        status=DatastoreTable.Status.READY,
        **values,
    )


def test_values_of_one_facet_combine_with_or(catalog):
    result = _search(domain=("6", "2"))

    assert set(_titles(result)) == {"公交站点", "杭州公交线路", "西湖区医院名录"}
    assert result.count == 3
    # the domain facet still counts every domain; the others honour both domains
    assert _facet(result, "domain")["10"] == 1
    assert _facet(result, "open_type") == {"open": 3}


def test_facets_combine_with_and_each_ignoring_its_own_choice(catalog):
    result = _search(domain=("6", "2"), update_frequency=("monthly", "yearly", "realtime"))

    assert set(_titles(result)) == {"公交站点", "西湖区医院名录"}
    assert _facet(result, "update_frequency") == {"daily": 1, "monthly": 1, "yearly": 1}
    assert _facet(result, "domain")["10"] == 1  # 空气质量 is realtime, domain 10


def test_departments_by_name_and_id_together(catalog):
    result = _search(department=("hz-data", str(catalog.county_dept.pk)))

    assert set(_titles(result)) == {"杭州公交线路", "西湖区医院名录"}


def test_several_regions_and_formats(catalog):
    assert set(_titles(_search(region=("330106", "330200")))) == {
        "西湖区医院名录",
        "宁波企业信用评价",
    }
    assert set(_titles(_search(format=("JSON", "XLSX")))) == {"杭州公交线路", "西湖区医院名录"}


def test_high_value_and_realtime_facets(catalog):
    type(catalog.credit).objects.filter(pk=catalog.credit.pk).update(is_high_value=True)

    result = _search()

    assert _facet(result, "high_value") == {"true": 1, "false": 4}
    assert _facet(result, "realtime") == {"true": 1, "false": 4}
    assert [v.label for v in result.facets["realtime"]] == ["是", "否"]
    assert _titles(_search(high_value="true")) == ["宁波企业信用评价"]
    assert _titles(_search(realtime="true")) == ["空气质量小时数据"]
    assert _search(realtime=("true", "false")).count == 5
    assert _facet(_search(realtime="true"), "realtime") == {"true": 1, "false": 4}


def test_has_api_means_an_api_resource_or_a_ready_table(catalog):
    from kaifang.catalog.models import Resource
    from kaifang.catalog.tests import factories

    factories.make_link_resource(catalog.hospitals, kind=Resource.Kind.API, format="JSON")
    _ready_table(catalog.bus_stops.resources.get())

    result = _search()

    assert _facet(result, "has_api") == {"true": 2, "false": 3}
    assert set(_titles(_search(has_api="true"))) == {"公交站点", "西湖区医院名录"}
    assert "公交站点" not in _titles(_search(has_api="false"))


def test_most_used_counts_the_last_90_days_of_downloads_and_api_calls(catalog):
    import datetime as dt

    from kaifang.analytics.models import ResourceDailyCount
    from kaifang.analytics.services import today

    credit = catalog.credit
    resource = credit.resources.filter(pending_revision__isnull=True).first()
    ResourceDailyCount.objects.create(
        resource=resource, dataset=credit, day=today(), downloads=1, api_calls=500
    )
    old = today() - dt.timedelta(days=120)  # too old to count, however large
    bus = catalog.bus_lines.resources.first()
    ResourceDailyCount.objects.create(
        resource=bus, dataset=catalog.bus_lines, day=old, downloads=9999, api_calls=0
    )

    titles = _titles(_search(sort="downloads"))

    # 宁波企业信用评价 was used 501 times lately; the others by their all-time downloads
    assert titles == [
        "宁波企业信用评价",
        "西湖区医院名录",
        "公交站点",
        "空气质量小时数据",
        "杭州公交线路",
    ]


def test_highlights_mark_what_matched(catalog):
    result = _search(q="公交")

    marked = result.highlights[str(catalog.bus_stops.pk)]
    assert marked["title"] == "<mark>公交</mark>站点"
    assert "<mark>公交</mark>" in result.highlights[str(catalog.hospitals.pk)]["summary"]
    assert _search().highlights == {}
