"""The search benchmark's own check (bench/search/run.py), on a small catalog made by its
generator: every benchmark search answers the same through the API as in-process, with all nine
facets; suggestions too. And suggestions read from the index equal those of the in-memory
catalog they replace. The timings never run in the suite."""

from __future__ import annotations

import json

import pytest
from bench.search import check, generate
from bench.search.queries import SEARCHES, SUGGESTIONS, search_path
from django.contrib.auth.models import AnonymousUser

from kaifang.catalog.models import Dataset, State
from kaifang.organizations.models import Department, Membership
from kaifang.search import suggest as suggestions
from kaifang.search.analysis.normalize import normalize

DATASETS = 800
pytestmark = pytest.mark.engine_independent


@pytest.fixture
def bench_catalog(province, search_index):
    generate.generate(DATASETS, seed=7)
    search_index()
    suggestions.DEPARTMENTS.clear()
    suggestions.CACHE.clear()


def _fetch(client):
    def fetch(path: str) -> tuple[int, bytes]:
        response = client.get(path)
        return response.status_code, response.content

    return fetch


def _found(client, params) -> int:
    return json.loads(client.get(search_path(params)).content)["count"]


def test_every_benchmark_search_answers_the_same_through_the_api(bench_catalog, client):
    found = [(label, params) for label, params in SEARCHES if _found(client, params)]

    check.verify_searches(_fetch(client), found)  # raises SystemExit naming a wrong answer

    assert len(found) >= 25  # a small catalog may lack a region's hospitals, not much more


def test_every_benchmark_suggestion_answers_the_same_through_the_api(bench_catalog, client):
    check.verify_suggestions(_fetch(client), SUGGESTIONS)


def test_the_check_names_a_search_whose_answers_differ(bench_catalog, monkeypatch):
    def wrong(path: str) -> tuple[int, bytes]:
        facets = {name: [] for name in ("domain", "department", "region", "format")}
        return 200, json.dumps({"count": 1, "results": [], "facets": facets}).encode()

    with pytest.raises(SystemExit, match="q=%E5%85%AC%E4%BA%A4"):
        check.verify_searches(wrong, SEARCHES[:1])


def test_the_catalog_is_generated_once_and_completed_on_a_rerun(bench_catalog):
    assert generate.generate(DATASETS, seed=7) == DATASETS
    assert generate.generate(DATASETS + 10, seed=7) == DATASETS + 10


def test_the_catalog_holds_hidden_datasets_that_searches_leave_out(bench_catalog, client):
    public = Dataset.objects.filter(state=State.PUBLISHED, is_private=False).exclude(
        open_type="closed"
    )

    assert Dataset.objects.exclude(state=State.PUBLISHED).exists()
    assert Dataset.objects.filter(is_private=True).exists()
    assert _found(client, {}) == public.count()


def _from_memory(catalog: suggestions.Catalog, q: str, user) -> dict:
    """What the in-memory catalog (the path without an index) suggests."""
    folded = normalize(q).replace(" ", "")
    letters = folded if folded.isascii() and folded.isalpha() else ""
    titles, keywords = suggestions._catalog_matches(
        catalog, frozenset(), user, folded, letters, suggestions.PER_GROUP
    )
    departments = suggestions._departments(
        catalog.departments, folded, letters, suggestions.PER_GROUP
    )
    return {"q": q, "titles": titles, "departments": departments, "keywords": keywords}


@pytest.mark.parametrize(("member", "walked"), [(False, 256), (True, 256), (False, 1)])
def test_suggestions_from_the_index_equal_those_of_the_catalog_in_memory(
    bench_catalog, django_user_model, monkeypatch, member, walked
):
    # walked: pinyin terms a first walk returns; 1 makes nearly every pinyin query walk again
    monkeypatch.setattr(suggestions, "PINYIN_CANDIDATES", walked)
    user = AnonymousUser()
    if member:  # a member also sees the private datasets of their department
        private = Dataset.objects.filter(state=State.PUBLISHED, is_private=True).first()
        user = django_user_model.objects.create_user(username="member", password="x" * 12)
        department = Department.objects.get(pk=private.department_id)
        Membership.objects.create(user=user, department=department, role="publisher")
    typed = [*SUGGESTIONS, "医院名录", "wsjk", "公共", "统计", "2021"]
    catalog = suggestions.make_catalog()

    for q in typed:
        assert suggestions.suggest(q, user) == _from_memory(catalog, q, user), q
