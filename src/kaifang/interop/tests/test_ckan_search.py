"""`package_search` as CKAN clients call it: `q` (free text, `*:*`, `name:xyz`), `fq` clauses
(organization, groups, tags, res_format, license_id) and the incremental `metadata_modified`
range harvesters send, rows (capped at 1000), start, sort, facets, include_private, and Search
Query Errors for what cannot be read."""

from __future__ import annotations

import datetime as dt

import pytest
from ckanapi.errors import SearchQueryError, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaifang.accounts.services import create_token
from kaifang.catalog.models import Dataset, State, Tag
from kaifang.catalog.tests import factories
from kaifang.interop.ckan import search
from kaifang.interop.ckan.testing import remote


@pytest.fixture
def ckan(client):
    return remote(client)


@pytest.fixture
def catalog(department, other_department):
    """Three public datasets in two departments and two domains, with tags, formats and
    licences; a private and a draft one of the first department."""
    bus = factories.make_dataset(department, name="bus-stops", title="公交站点")
    bus.tags.set([Tag.objects.create(name="公交"), Tag.objects.create(name="交通")])
    factories.make_link_resource(bus, format="CSV")
    roads = factories.make_dataset(
        department, name="road-works", title="道路施工", metadata={"licence": "CC-BY-4.0"}
    )
    roads.tags.set([Tag.objects.get(name="交通")])
    factories.make_link_resource(roads, format="JSON")
    air = factories.make_dataset(
        other_department, name="air-quality", title="空气质量", domain="10"
    )
    factories.make_link_resource(air, format="CSV")
    factories.make_dataset(department, name="private-one", title="内部公交", is_private=True)
    factories.make_dataset(department, name="draft-one", title="公交草稿", state=State.DRAFT)
    return {"bus": bus, "roads": roads, "air": air}


def _names(result) -> list[str]:
    return [p["name"] for p in result["results"]]


def test_match_all_finds_every_public_dataset_with_ckans_envelope(ckan, catalog):
    result = ckan.action.package_search(q="*:*", rows=10)

    assert result["count"] == 3
    assert set(_names(result)) == {"bus-stops", "road-works", "air-quality"}
    assert set(result) == {"count", "results", "facets", "search_facets", "sort"}
    assert result["sort"] == "score desc, metadata_modified desc"
    assert result["facets"] == {} and result["search_facets"] == {}


def test_free_text_goes_through_the_search_backend(ckan, catalog):
    assert _names(ckan.action.package_search(q="公交")) == ["bus-stops"]
    assert _names(ckan.action.package_search(q="空气 质量")) == ["air-quality"]
    assert ckan.action.package_search(q="无此数据")["count"] == 0


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("name:bus-stops", ["bus-stops"]),
        ('title:"道路"', ["road-works"]),
        ("tags:交通 -name:road-works", ["bus-stops"]),
        ("name:bus-stops OR name:air-quality", ["air-quality", "bus-stops"]),
        ("name:(bus-stops OR road-works)", ["bus-stops", "road-works"]),
        ("-organization:jiaotong", ["air-quality"]),
        ("NOT tags:(公交 OR 交通)", ["air-quality"]),
    ],
)
def test_field_clauses_in_q(ckan, catalog, q, expected):
    assert sorted(_names(ckan.action.package_search(q=q))) == expected


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:jiaotong", ["bus-stops", "road-works"]),
        ("groups:domain-10", ["air-quality"]),
        ("tags:公交", ["bus-stops"]),
        ("res_format:JSON", ["road-works"]),
        ("res_format:csv", ["air-quality", "bus-stops"]),
        ("license_id:CC-BY-4.0", ["road-works"]),
        ("+dataset_type:dataset +organization:huanjing", ["air-quality"]),
        ("organization:jiaotong AND tags:公交", ["bus-stops"]),
        ("open_type:open capacity:public", ["air-quality", "bus-stops", "road-works"]),
    ],
)
def test_fq_clauses(ckan, catalog, fq, expected):
    assert sorted(_names(ckan.action.package_search(fq=fq))) == expected


def test_fq_list_applies_every_filter(ckan, catalog):
    result = ckan.action.package_search(fq_list=["organization:jiaotong", "tags:公交"])

    assert _names(result) == ["bus-stops"]


def test_text_and_filters_combine(ckan, catalog):
    result = ckan.action.package_search(q="公交", fq="organization:huanjing")

    assert result["count"] == 0


def test_incremental_harvest_by_metadata_modified(ckan, catalog):
    long_ago = timezone.now() - dt.timedelta(days=400)
    Dataset.objects.filter(name__in=["road-works", "air-quality"]).update(updated_at=long_ago)
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    changed = ckan.action.package_search(fq=f"metadata_modified:[{since} TO *]")
    before = ckan.action.package_search(fq=f"metadata_modified:[* TO {since}}}")
    recent = ckan.action.package_search(fq="metadata_modified:[NOW-30DAYS TO NOW]")

    assert _names(changed) == ["bus-stops"]
    assert sorted(_names(before)) == ["air-quality", "road-works"]
    assert _names(recent) == ["bus-stops"]


def test_rows_start_and_sort_page_through_the_catalog(ckan, catalog):
    first = ckan.action.package_search(sort="name asc", rows=2)
    second = ckan.action.package_search(sort="name asc", rows=2, start=2)
    by_title = ckan.action.package_search(sort="title_string desc")

    public = Dataset.objects.filter(name__in=["bus-stops", "road-works", "air-quality"])
    assert _names(first) == ["air-quality", "bus-stops"] and first["count"] == 3
    assert _names(second) == ["road-works"]
    assert _names(by_title) == list(public.order_by("-title").values_list("name", flat=True))


def test_metadata_modified_desc_puts_the_latest_change_first(ckan, catalog):
    Dataset.objects.filter(name="air-quality").update(updated_at=timezone.now())

    result = ckan.action.package_search(sort="metadata_modified desc", rows=1)

    assert _names(result) == ["air-quality"]


def test_rows_above_ckans_cap_are_cut_to_it(ckan, catalog, monkeypatch):
    monkeypatch.setattr(search, "ROWS_MAX", 2)

    assert len(ckan.action.package_search(rows=5000)["results"]) == 2


def test_facets_count_the_datasets_found(ckan, catalog):
    result = ckan.action.package_search(
        fq="organization:jiaotong",
        **{"facet.field": '["organization", "groups", "tags", "res_format", "license_id"]'},
    )

    assert result["facets"]["organization"] == {"jiaotong": 2}
    assert result["facets"]["groups"] == {"domain-6": 2}
    assert result["facets"]["tags"] == {"交通": 2, "公交": 1}
    assert result["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
    assert result["facets"]["license_id"] == {"kaifang-open-1.0": 1, "CC-BY-4.0": 1}
    organization = result["search_facets"]["organization"]
    assert organization == {
        "title": "organization",
        "items": [{"name": "jiaotong", "display_name": "省交通运输厅", "count": 2}],
    }


def test_facet_limit_and_mincount_keep_the_most_common(ckan, catalog):
    limited = ckan.action.package_search(**{"facet.field": ["tags"], "facet.limit": 1})
    common = ckan.action.package_search(**{"facet.field": ["tags"], "facet.mincount": 2})
    off = ckan.action.package_search(**{"facet.field": ["tags"], "facet": "false"})
    every = ckan.action.package_search(**{"facet.field": ["tags"], "facet.limit": -1})

    assert limited["facets"]["tags"] == {"交通": 2}
    assert common["facets"]["tags"] == {"交通": 2}
    assert off["facets"] == {}
    assert every["facets"]["tags"] == {"交通": 2, "公交": 1}


def test_include_private_adds_the_members_private_datasets(client, catalog, publisher, citizen):
    member = remote(client, create_token(publisher, name="同步")[1])
    stranger = remote(client, create_token(citizen, name="浏览")[1])

    assert "private-one" not in _names(member.action.package_search(rows=100))
    assert "private-one" in _names(member.action.package_search(include_private=True))
    assert "private-one" not in _names(stranger.action.package_search(include_private=True))
    assert "draft-one" not in _names(member.action.package_search(include_private=True))


@pytest.mark.parametrize(
    "asked",
    [
        {"q": "title:(道路"},
        {"fq": "no_such_field:1"},
        {"fq": "metadata_modified:[yesterday TO *]"},
        {"fq": "OR name:x"},
        {"q": "公交 OR name:x"},
        {"spellcheck": "true"},
    ],
)
def test_what_cannot_be_read_is_a_search_query_error(ckan, catalog, asked):
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(**asked)


@pytest.mark.parametrize(
    "asked",
    [
        {"rows": "many"},
        {"start": -1},
        {"sort": "popularity desc"},
        {"facet.field": '["x"]'},
        {"include_drafts": True},
        {"fq_list": [1, 2]},
    ],
)
def test_bad_values_are_validation_errors_naming_the_parameter(ckan, catalog, asked):
    with pytest.raises(ValidationError) as refused:
        ckan.action.package_search(**asked)

    assert set(asked) <= set(refused.value.error_dict)


def test_search_query_errors_answer_400(client, catalog):
    response = client.get("/api/3/action/package_search", {"fq": "nonsense:1"})

    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Search Query Error"


def test_the_number_of_queries_does_not_grow_with_the_page(client, department):
    for n in range(12):
        dataset = factories.make_dataset(department, name=f"budget-{n:02d}")
        dataset.tags.set([Tag.objects.get_or_create(name=f"t{n % 3}")[0]])
        factories.make_link_resource(dataset)
    ckan = remote(client)

    with CaptureQueriesContext(connection) as small:
        ckan.action.package_search(rows=2, **{"facet.field": '["tags"]'})
    with CaptureQueriesContext(connection) as large:
        ckan.action.package_search(rows=12, **{"facet.field": '["tags"]'})

    assert len(large) == len(small) <= 10
