"""“您是不是要找” on the tantivy backend — a homophone typo that finds nothing is offered the
corrected query, on the list page and in the API; a query that finds something, or one with
nothing to correct, is offered none; the correction never reveals a word only a private dataset
holds, nor leads to an empty answer; the speller is built once per index — and phrase matching
through the characters field, which must find a word's characters side by side."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser

from kaifang.catalog.models import Tag
from kaifang.catalog.tests import factories
from kaifang.search.backends import tantivy as backend_module
from kaifang.search.backends.base import SearchParams
from kaifang.search.backends.tantivy import TantivySearchBackend

TANTIVY = "kaifang.search.backends.tantivy.TantivySearchBackend"


@pytest.fixture(autouse=True)
def _tantivy(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": TANTIVY}


def _search(backend=None, user=None, **params):
    backend = backend or TantivySearchBackend()
    return backend.search(SearchParams(**params), user or AnonymousUser())


@pytest.fixture
def catalog(department, other_department):
    return {
        "lines": factories.make_dataset(department, title="公交线路", domain="6"),
        "stops": factories.make_dataset(department, title="公交站点", domain="6"),
        "air": factories.make_dataset(other_department, title="空气质量监测", domain="10"),
    }


# --- did you mean ---------------------------------------------------------------------------


def test_a_homophone_typo_that_finds_nothing_is_offered_the_correction(catalog):
    result = _search(q="公焦线路")

    assert result.count == 0
    assert result.results == []
    assert result.suggestion == "公交线路"
    assert [d.title for d in _search(q=result.suggestion).results] == ["公交线路"]


def test_a_query_that_finds_datasets_has_no_suggestion(catalog):
    result = _search(q="公交线路")

    assert result.count == 1
    assert result.suggestion is None


def test_a_query_with_nothing_to_correct_has_no_suggestion(catalog):
    result = _search(q="火星探测")

    assert result.count == 0
    assert result.suggestion is None


def test_a_correction_that_would_find_nothing_under_the_filters_is_not_offered(catalog):
    assert _search(q="空气质亮", domain="10").suggestion == "空气质量"
    assert _search(q="空气质亮", domain="6").suggestion is None


def test_a_word_only_a_private_dataset_holds_is_never_suggested(department, publisher):
    factories.make_dataset(department, title="地铁客流", is_private=True)

    assert _search(q="地铁客流", user=publisher).count == 1  # the department sees it
    assert _search(q="地贴客流").suggestion is None
    assert _search(q="地贴客流", user=publisher).suggestion is None


def test_the_speller_is_built_once_per_index(catalog, monkeypatch):
    built = []
    real = backend_module.Speller

    def counting(vocabulary, **options):
        built.append(len(vocabulary))
        return real(vocabulary, **options)

    monkeypatch.setattr(backend_module, "Speller", counting)
    backend = TantivySearchBackend()

    assert _search(backend, q="公焦线路").suggestion == "公交线路"
    assert _search(backend, q="空气质亮").suggestion == "空气质量"
    assert _search(backend, q="公交").suggestion is None  # found: no speller needed
    assert len(built) == 1


def test_the_index_on_disk_offers_suggestions_too(catalog, search_index):
    search_index()
    backend = TantivySearchBackend()

    assert _search(backend, q="公焦线路").suggestion == "公交线路"
    assert _search(backend, q="公交线路").suggestion is None


def test_a_new_generation_gets_its_speller_built_while_the_old_one_serves(
    catalog, department, search_index
):
    search_index()
    backend = TantivySearchBackend()
    assert _search(backend, q="公焦线路").suggestion == "公交线路"  # the first speller: waited for
    factories.make_dataset(department, title="地铁客流")
    search_index()  # a new generation, whose words the first speller lacks

    first = backend._spelling
    _search(backend, q="地贴客流")  # answered at once, with the first speller
    deadline = time.monotonic() + 30
    while backend._spelling is first and time.monotonic() < deadline:  # a thread builds anew
        time.sleep(0.05)

    assert _search(backend, q="地贴客流").suggestion == "地铁客流"


def test_the_api_returns_the_suggestion(client, catalog):
    typo = client.get("/api/v1/datasets", {"q": "公焦线路"}).json()
    right = client.get("/api/v1/datasets", {"q": "公交线路"}).json()

    assert (typo["count"], typo["suggestion"]) == (0, "公交线路")
    assert (right["count"], right["suggestion"]) == (1, None)


def test_the_list_page_offers_the_suggestion_as_a_link(client, catalog):
    html = client.get("/datasets/", {"q": "公焦线路", "domain": "6"}).content.decode()

    assert "您是不是要找：" in html
    link = f'<a href="?q={quote("公交线路")}&amp;domain=6">公交线路</a>'
    assert link in html or f'<a href="?domain=6&amp;q={quote("公交线路")}">公交线路</a>' in html


def test_the_list_page_has_no_suggestion_for_a_query_that_finds_datasets(client, catalog):
    html = client.get("/datasets/", {"q": "公交线路"}).content.decode()

    assert "您是不是要找" not in html


# --- phrases in the characters field -------------------------------------------------------


def test_a_phrase_needs_its_characters_side_by_side_and_in_order(department):
    factories.make_dataset(department, title="公交线路")
    factories.make_dataset(department, title="路线公告")  # 线 and 路, the other way round
    split = factories.make_dataset(department, title="公交专线")
    split.tags.add(Tag.objects.create(name="路况"))  # 线 | 路 in two texts of the field

    assert [d.title for d in _search(q="线路").results] == ["公交线路"]


def test_a_phrase_matches_characters_however_the_words_were_cut(department):
    factories.make_dataset(department, title="浙江省生态环境厅公告")

    assert _search(q="江省生").count == 1
    assert _search(q="省江生").count == 0
