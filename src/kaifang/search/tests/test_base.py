from __future__ import annotations

import pytest
from django.http import QueryDict

from kaifang.core.errors import Invalid
from kaifang.search.backends import base
from kaifang.search.backends.base import SearchBackend, SearchParams, SearchResult

pytestmark = pytest.mark.engine_independent


class OneResultBackend(SearchBackend):
    """Answers every search with no datasets and the params it got, to see it is called."""

    def search(self, params, user):
        return SearchResult(count=params.limit, results=[], facets={})


def test_from_query_reads_every_parameter():
    query = QueryDict(
        "q=+公交++站点+&domain=6&department=jiaotong&region=330100&format=csv"
        "&open_type=open&update_frequency=daily&sort=title&limit=5&offset=10"
    )

    params = SearchParams.from_query(query)

    assert params == SearchParams(
        q="公交 站点",
        domain="6",
        department="jiaotong",
        region="330100",
        format="CSV",
        open_type="open",
        update_frequency="daily",
        sort="title",
        limit=5,
        offset=10,
    )
    assert params.terms == ["公交", "站点"]


def test_blank_parameters_filter_nothing():
    params = SearchParams.from_query(QueryDict("q=&domain=&limit=&sort="))

    assert params == SearchParams()
    assert params.active_filters() == {}


@pytest.mark.parametrize(
    ("query", "name", "words"),
    [
        ("limit=1000", "limit", "1–100"),
        ("limit=0", "limit", "1–100"),
        ("limit=abc", "limit", "abc"),
        ("offset=-1", "offset", "不小于 0"),
        ("sort=random", "sort", "random"),
        ("domain=42", "domain", "领域"),
        ("format=EXE", "format", "资源格式"),
        ("open_type=closed-ish", "open_type", "开放类型"),
        ("update_frequency=hourly", "update_frequency", "更新周期"),
        ("region=33", "region", "6 位"),
        ("q=" + "长" * 201, "q", "200"),
    ],
)
def test_a_bad_parameter_is_named_in_chinese(query, name, words):
    with pytest.raises(Invalid) as caught:
        SearchParams.from_query(QueryDict(query))

    assert list(caught.value.errors) == [name]
    assert name in caught.value.message
    assert words in caught.value.message


def test_every_bad_parameter_is_reported_at_once():
    with pytest.raises(Invalid) as caught:
        SearchParams.from_query({"limit": "1000", "sort": "x"})

    assert set(caught.value.errors) == {"limit", "sort"}


def test_backend_is_loaded_from_the_setting_once(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": f"{__name__}.OneResultBackend"}

    first = base.get_backend()

    assert isinstance(first, OneResultBackend)
    assert base.get_backend() is first


def test_search_datasets_goes_through_the_configured_backend(settings, db):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog.selectors import search_datasets

    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": f"{__name__}.OneResultBackend"}

    assert search_datasets(SearchParams(limit=7), AnonymousUser()).count == 7


def test_a_backend_must_be_a_search_backend(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": "kaifang.core.errors.NotFound"}

    with pytest.raises(TypeError, match="SearchBackend"):
        base.get_backend()


def test_the_default_backend_is_the_tantivy_one():
    from kaifang.config import env
    from kaifang.search.backends.tantivy import TantivySearchBackend

    default = env.load({"KAIFANG_HOME": "var/test"})["KAIFANG_SEARCH_BACKEND"]

    assert isinstance(base._load(default), TantivySearchBackend)


def test_a_facet_filter_takes_several_values_repeated_or_comma_separated():
    params = SearchParams.from_query(
        QueryDict("domain=6&domain=2,10&format=csv,Json&region=330100&high_value=1&has_api=false")
    )

    assert params.domain == ("10", "2", "6")  # sorted, so the same search has one cache key
    assert params.format == ("CSV", "JSON")
    assert params.region == ("330100",)
    assert (params.high_value, params.realtime, params.has_api) == (("true",), (), ("false",))
    assert params.active_filters() == {
        "domain": ("10", "2", "6"),
        "region": ("330100",),
        "format": ("CSV", "JSON"),
        "high_value": ("true",),
        "has_api": ("false",),
    }


def test_an_api_mapping_with_lists_reads_the_same():
    from_lists = SearchParams.from_query({"domain": ["6", "2"], "q": "公交", "sort": "title"})

    assert from_lists == SearchParams.from_query(QueryDict("domain=2,6&q=公交&sort=title"))
    assert SearchParams(domain="6") == SearchParams(domain=("6",)) == SearchParams(domain=["6"])
    assert SearchParams(domain=("6", "6")).domain == ("6",)


@pytest.mark.parametrize(
    ("query", "name", "words"),
    [
        ("domain=6,42", "domain", "42"),
        ("realtime=maybe", "realtime", "true 或 false"),
        ("region=330100,33", "region", "6 位"),
        ("department=" + ",".join(f"d{n}" for n in range(51)), "department", "最多 50 个"),
    ],
)
def test_each_value_of_a_facet_filter_is_checked(query, name, words):
    with pytest.raises(Invalid) as caught:
        SearchParams.from_query(QueryDict(query))

    assert list(caught.value.errors) == [name]
    assert words in caught.value.message
