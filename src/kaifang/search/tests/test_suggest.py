"""Suggestions as one types (search.suggest, GET /api/v1/search/suggest): titles, departments
and keywords by Chinese prefix or infix, full pinyin and initials; only what the caller may see;
a withdrawal gone from the very next keystroke; a bad q refused in Chinese. Each test runs with
the tantivy index, the PostgreSQL index (in the PostgreSQL pass) and the catalog in memory."""

from __future__ import annotations

import pytest
from django.db import connection

from kaifang.catalog import services
from kaifang.catalog.models import State, Tag
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.search.backends import postgres_index
from kaifang.search.backends.postgres_suggest import VOCABULARY
from kaifang.search.models import SearchQuery
from kaifang.search.suggest import CACHE

URL = "/api/v1/search/suggest"
BACKENDS = {
    "tantivy": "kaifang.search.backends.tantivy.TantivySearchBackend",
    "postgres": "kaifang.search.backends.postgres.PostgresSearchBackend",
    "memory": "kaifang.search.backends.database.DatabaseSearchBackend",  # the catalog scan
}


@pytest.fixture(params=list(BACKENDS), autouse=True)
def backend(request, settings):
    """The backend whose path suggestions take; the PostgreSQL one in the PostgreSQL pass."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL full-text backend needs PostgreSQL (the PostgreSQL pass)")
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": BACKENDS[request.param]}
    return request.param


on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL pass checks this"
)
only_postgres = pytest.mark.parametrize("backend", ["postgres"])  # no other backend's pass


@pytest.fixture
def postgres(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": BACKENDS["postgres"]}


@pytest.fixture
def indexed(search_index, backend):
    """Build the backend's index from the database and follow changes as in production."""

    def build():
        search_index()
        if backend == "postgres":
            postgres_index.rebuild()
        CACHE.clear()
        VOCABULARY.clear()

    return build


@pytest.fixture
def bus(department):
    dataset = factories.make_dataset(department, title="公交站点位置", download_count=50)
    dataset.tags.create(name="公共交通")
    return dataset


@pytest.fixture
def route(department):
    dataset = factories.make_dataset(department, title="市区公交线路", download_count=10)
    dataset.tags.create(name="公交线路")
    return dataset


def _get(client, q, **extra):
    return client.get(URL, {"q": q}, **extra)


def _titles(answer) -> list[str]:
    return [t["title"] for t in answer["titles"]]


def test_a_chinese_prefix_suggests_titles_prefixes_first_with_the_typed_text_marked(
    client, bus, route
):
    answer = _get(client, "公交").json()

    assert answer["q"] == "公交"
    assert answer["titles"] == [
        {"name": bus.name, "title": "公交站点位置", "highlight": "<mark>公交</mark>站点位置"},
        {"name": route.name, "title": "市区公交线路", "highlight": "市区<mark>公交</mark>线路"},
    ]
    assert answer["keywords"] == ["公交线路"]


def test_full_pinyin_prefix_and_initials_suggest_chinese_titles(client, bus, route):
    assert _titles(_get(client, "gongj").json()) == ["公交站点位置", "市区公交线路"]
    assert _titles(_get(client, "gjzd").json()) == ["公交站点位置"]
    assert _get(client, "gj").json()["keywords"] == ["公交线路"]
    assert _get(client, "ggjt").json()["keywords"] == ["公共交通"]


def test_a_department_is_suggested_by_its_title_short_name_or_pinyin(client, province):
    factories.make_department(province, name="shengtai", title="省生态环境厅", short_name="环保")

    expected = [{"name": "shengtai", "title": "省生态环境厅"}]
    assert _get(client, "生态").json()["departments"] == expected
    assert _get(client, "环保").json()["departments"] == expected
    assert _get(client, "huanb").json()["departments"] == expected


def test_traditional_and_full_width_input_is_folded(client, bus):
    assert _titles(_get(client, "公交站點").json()) == ["公交站点位置"]


def test_each_group_is_capped(client, department):
    for n in range(12):
        factories.make_dataset(department, title=f"医院名录{n:02d}")

    assert len(_get(client, "医院").json()["titles"]) == 8


def test_blank_q_suggests_nothing(client, bus):
    expected = {"q": "", "titles": [], "departments": [], "keywords": []}
    assert _get(client, "  ").json() == expected
    assert client.get(URL).json() == expected


def test_a_too_long_q_is_refused_in_chinese(client):
    response = _get(client, "交" * 51)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "参数 q 过长：最多 50 个字符（收到 51 个）。"
    assert error["fields"] == {"q": ["最多 50 个字符。"]}


@pytest.mark.parametrize("kind", [State.DRAFT, State.WITHDRAWN, "private", "closed"])
def test_hidden_datasets_are_never_suggested_to_the_public(client, department, kind):
    fields = {"private": {"is_private": True}, "closed": {"open_type": "closed"}}.get(kind, {})
    state = kind if kind in State.values else State.PUBLISHED
    hidden = factories.make_dataset(department, state=state, title="隐藏公交数据", **fields)
    hidden.tags.create(name="隐藏关键字")

    answer = _get(client, "隐藏").json()

    assert answer["titles"] == [] and answer["keywords"] == []


def test_a_member_is_offered_the_private_dataset_of_their_department(
    client, department, publisher, outsider
):
    factories.make_dataset(department, title="公交内部调度", is_private=True)

    client.force_login(outsider)
    assert _titles(_get(client, "公交内部").json()) == []
    client.force_login(publisher)
    assert _titles(_get(client, "公交内部").json()) == ["公交内部调度"]


def test_a_withdrawn_dataset_is_gone_from_the_very_next_suggestion(client, bus, publisher, indexed):
    # given: the index built, the follower stopped (nothing applies the change log)
    indexed()
    assert _titles(_get(client, "公交").json()) == ["公交站点位置"]

    services.withdraw(Actor.for_user(publisher), bus, "数据有误，暂时下线")

    answer = _get(client, "公交").json()
    assert answer["titles"] == [] and answer["keywords"] == []


def test_suggestions_are_kept_in_memory_between_keystrokes(
    client, bus, backend, indexed, django_assert_max_num_queries
):
    if backend == "postgres":
        pytest.skip("the PostgreSQL index is read at each keystroke (see the query budget below)")
    indexed()
    _get(client, "公")

    with django_assert_max_num_queries(1):  # the change log's latest seq, nothing else
        assert _titles(_get(client, "公交").json()) == ["公交站点位置"]


def test_suggest_calls_are_not_logged(client, bus):
    _get(client, "公交")

    assert not SearchQuery.objects.exists()


# --- the PostgreSQL index answers as the catalog in memory does -------------------------------

SAME_AS_MEMORY = [
    "公", "公交", "交", "交通", "站点", "医院", "名录", "自治县", "100%", "a_b", "PM2.5", "pm",
    "g", "gj", "gongj", "gongjiao", "zizhix", "zizhixian", "jingningsh", "shiqug", "yy", "x",
    "hz", "杭州市", "隐藏", "内部", "关键", "公共交通", "ggjt", "gongg", "zz", "无此标题",
]  # fmt: skip


@pytest.fixture
def varied(department, other_department):
    """Titles and keywords that exercise every rank, ties broken by name, a pinyin prefix
    held only by a long token (自治县: zizhixian; a whole title's pinyin), LIKE's wildcards,
    and datasets each kind of caller may or may not see."""
    rows = [
        (department, "公交站点位置", 50, {}, ["公共交通", "站点"]),
        (department, "市区公交线路", 10, {}, ["公交线路", "公共交通"]),
        (department, "公交客运量", 10, {}, ["公共交通"]),
        (other_department, "景宁畲族自治县医院名录", 30, {}, ["医院", "关键字甲"]),
        (other_department, "杭州市公园名录", 5, {}, ["公园"]),
        (other_department, "杭州市医院床位", 5, {"is_private": True}, ["医院", "关键字乙"]),
        (department, "公交内部调度", 70, {"is_private": True}, ["内部调度", "公共交通"]),
        (department, "隐藏公交数据", 90, {"open_type": "closed"}, ["隐藏关键字"]),
        (department, "折扣100%达标率", 3, {}, ["达标率"]),
        (department, "a_b测试PM2.5监测", 3, {}, ["PM2.5"]),
        (department, "公告公示", 0, {}, ["公告"]),
    ]
    for dept, title, downloads, fields, tags in rows:
        dataset = factories.make_dataset(dept, title=title, download_count=downloads, **fields)
        dataset.tags.add(*(Tag.objects.get_or_create(name=tag)[0] for tag in tags))
    withdrawn = factories.make_dataset(department, state=State.WITHDRAWN, title="公交撤回数据")
    withdrawn.tags.create(name="撤回关键字")


@on_postgres
@only_postgres
@pytest.mark.parametrize("who", ["anonymous", "publisher", "outsider", "platform_admin"])
def test_the_postgresql_index_suggests_what_the_catalog_in_memory_does(
    request, settings, postgres, varied, indexed, who
):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.search.suggest import suggest

    indexed()
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    from_index = {q: suggest(q, user, size=3) for q in SAME_AS_MEMORY}
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": BACKENDS["memory"]}
    from_memory = {q: suggest(q, user, size=3) for q in SAME_AS_MEMORY}

    assert from_index == from_memory
    assert from_index["gongj"]["titles"] and from_index["zizhix"]["titles"]  # not vacuous


@on_postgres
@only_postgres
def test_postgresql_suggestions_leave_out_rows_older_than_their_last_change(
    client, postgres, bus, indexed, publisher, monkeypatch
):
    indexed()
    # given: the withdrawal recorded but not applied to the index (its transaction failed to)
    monkeypatch.setattr(postgres_index, "apply_recorded", lambda changes: None)
    monkeypatch.setattr(postgres_index, "catch_up", lambda limit=0: 0)

    services.withdraw(Actor.for_user(publisher), bus, "数据有误，暂时下线")

    answer = _get(client, "公交").json()
    assert answer["titles"] == [] and answer["keywords"] == []


@on_postgres
@only_postgres
def test_a_postgresql_suggestion_costs_a_few_queries(
    client, postgres, bus, route, indexed, django_assert_max_num_queries
):
    indexed()
    _get(client, "gongj")  # the keywords and departments kept in memory

    # the index's applied seq and the log's; titles by prefix; by infix and by pinyin, each a
    # probe, then in a transaction (2 statements more) its plan and its page; keywords and
    # departments from memory
    with django_assert_max_num_queries(13):
        assert _titles(_get(client, "gongj").json()) == ["公交站点位置", "市区公交线路"]


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["configured"])  # once, with the settings' backend
def test_the_search_box_offers_suggestions_as_a_listbox(live_server, bus, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright
    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{live_server.url}/")
        box = page.locator("#home-q")
        box.press_sequentially("gongj")

        listbox = page.get_by_role("listbox", name="输入提示")
        expect(listbox.get_by_role("option").first).to_have_text("公交站点位置")
        expect(box).to_have_attribute("aria-expanded", "true")
        box.press("ArrowDown")
        first = listbox.get_by_role("option").first
        expect(first).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
        box.press("Enter")
        page.wait_for_url(f"**/datasets/{bus.name}/")
        browser.close()
