"""The query log and 热门搜索: each search with words on a first page is logged without
personal data, zero-result ones marked; hot searches are the frequent words that found
something, on the home page and in the API; the data office filters what found nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaifang.analytics.services import today
from kaifang.catalog.tests import factories
from kaifang.search import querylog
from kaifang.search.models import SearchQuery


@pytest.fixture(autouse=True)
def _fresh_hot(db):
    querylog.forget_hot()
    yield
    querylog.forget_hot()


@pytest.fixture
def bus(department):
    return factories.make_dataset(department, title="公交站点位置")


def _logged() -> list[tuple[str, int, bool]]:
    return list(SearchQuery.objects.order_by("pk").values_list("query", "results", "zero"))


def _searched(query: str, *, days_ago: int = 0, results: int = 3, times: int = 1) -> None:
    day = today() - dt.timedelta(days=days_ago)
    for _ in range(times):
        SearchQuery.objects.create(day=day, query=query, results=results, zero=results == 0)


def test_list_page_and_api_searches_are_logged_with_their_result_count(client, bus):
    client.get("/datasets/", {"q": "公交"})
    client.get("/api/v1/datasets", {"q": "ＰＭ2.5  空气"})
    client.get("/datasets/", {"q": "不存在的东西"})

    assert _logged() == [("公交", 1, False), ("pm2.5 空气", 0, True), ("不存在的东西", 0, True)]
    assert set(SearchQuery.objects.values_list("day", flat=True)) == {today()}


def test_searches_without_words_next_pages_and_suggestions_are_not_logged(client, bus):
    client.get("/datasets/")
    client.get("/datasets/", {"q": "公交", "page": 2})
    client.get("/api/v1/datasets", {"q": "公交", "offset": 20})
    client.get("/api/v1/search/suggest", {"q": "公交"})

    assert _logged() == []


def test_searches_by_members_and_staff_are_not_logged_but_citizens_are(
    client, bus, publisher, reviewer, citizen
):
    for user in (publisher, reviewer, citizen):
        client.force_login(user)
        client.get("/datasets/", {"q": f"公交 {user.username}"})

    assert [q for q, _n, _z in _logged()] == [f"公交 {citizen.username}".lower()]


def test_logging_stays_one_small_insert(client, bus):
    client.get("/api/v1/datasets", {"q": "公交"})  # warm caches
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/datasets", {"q": "公交"})

    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "search_searchquery" in inserts[0]


def test_hot_searches_need_results_and_two_days_or_many_searches():
    _searched("公交", times=3)
    _searched("公交", days_ago=1)
    _searched("医院", days_ago=2, times=2)
    _searched("医院", days_ago=5)
    _searched("学校", times=querylog.HOT_MIN_COUNT)
    _searched("一天两次", times=2)  # one day, few searches: no trend
    _searched("找不到", days_ago=1, results=0, times=9)  # never found anything
    _searched("公交", days_ago=querylog.HOT_DAYS, times=50)  # too old

    assert querylog.hot_searches() == ["学校", "公交", "医院"]


def test_zero_result_searches_do_not_count_towards_a_hot_search():
    _searched("空气质量", results=0, times=9)
    _searched("空气质量", days_ago=3)

    assert querylog.hot_searches() == []


def test_hot_searches_are_cached():
    _searched("公交", times=querylog.HOT_MIN_COUNT)
    assert querylog.hot_searches() == ["公交"]

    _searched("医院", times=querylog.HOT_MIN_COUNT + 1)

    assert querylog.hot_searches() == ["公交"]
    querylog.forget_hot()
    assert querylog.hot_searches() == ["医院", "公交"]


def test_the_home_page_links_the_hot_searches(client, bus):
    _searched("公交", times=querylog.HOT_MIN_COUNT)

    body = client.get("/").content.decode()

    assert "热门搜索" in body
    assert 'href="/datasets/?q=%E5%85%AC%E4%BA%A4">公交</a>' in body


def test_the_home_page_has_no_hot_block_without_hot_searches(client, bus):
    assert "热门搜索" not in client.get("/").content.decode()


def test_the_api_lists_the_hot_searches(client):
    _searched("医院", times=querylog.HOT_MIN_COUNT)

    assert client.get("/api/v1/search/hot").json() == {"queries": ["医院"]}


def test_the_data_office_filters_zero_result_searches_in_the_admin(admin_client):
    _searched("公交")
    _searched("找不到的数据", results=0)

    body = admin_client.get("/admin/search/searchquery/", {"zero__exact": "1"}).content.decode()

    assert "找不到的数据" in body and "公交" not in body
