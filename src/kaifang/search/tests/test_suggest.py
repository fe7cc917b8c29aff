"""Suggestions as one types (search.suggest, GET /api/v1/search/suggest): titles, departments
and keywords by Chinese prefix or infix, full pinyin and initials; only what the caller may see;
a withdrawal gone from the very next keystroke; a bad q refused in Chinese."""

from __future__ import annotations

import pytest

from kaifang.catalog import services
from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.search.models import SearchQuery
from kaifang.search.suggest import CACHE

URL = "/api/v1/search/suggest"


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


def test_a_withdrawn_dataset_is_gone_from_the_very_next_suggestion(
    client, bus, publisher, search_index
):
    # given: the index built, the follower stopped (nothing applies the change log)
    search_index()
    CACHE.clear()
    assert _titles(_get(client, "公交").json()) == ["公交站点位置"]

    services.withdraw(Actor.for_user(publisher), bus, "数据有误，暂时下线")

    answer = _get(client, "公交").json()
    assert answer["titles"] == [] and answer["keywords"] == []


def test_suggestions_are_kept_in_memory_between_keystrokes(
    client, bus, search_index, django_assert_max_num_queries
):
    search_index()
    CACHE.clear()
    _get(client, "公")

    with django_assert_max_num_queries(1):  # the change log's latest seq, nothing else
        assert _titles(_get(client, "公交").json()) == ["公交站点位置"]


def test_suggest_calls_are_not_logged(client, bus):
    _get(client, "公交")

    assert not SearchQuery.objects.exists()


@pytest.mark.browser
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
