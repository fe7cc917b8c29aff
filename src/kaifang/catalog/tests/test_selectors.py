from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from kaifang.catalog import selectors
from kaifang.catalog.models import AccessGrant, DatasetNameRedirect
from kaifang.catalog.tests import factories
from kaifang.core.errors import NotFound
from kaifang.search.tests import sample

anonymous = AnonymousUser()


@pytest.fixture(autouse=True)
def _chinese():
    """Labels are asserted in Chinese, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def catalog(department, other_department):
    return sample.build(department, other_department)


def test_get_dataset_by_name_id_or_former_name(catalog):
    bus = catalog.bus_stops
    DatasetNameRedirect.objects.create(old_name="old-bus-stops", dataset=bus)

    assert selectors.get_dataset(bus.name, anonymous) == bus
    assert selectors.get_dataset(str(bus.pk), anonymous) == bus
    assert selectors.get_dataset("old-bus-stops", anonymous) == bus


def test_get_dataset_hides_what_the_user_may_not_see(catalog, publisher, outsider):
    with pytest.raises(NotFound, match="未找到数据集“dataset-"):
        selectors.get_dataset(catalog.private.name, outsider)
    with pytest.raises(NotFound):
        selectors.get_dataset(catalog.draft.name, publisher)
    with pytest.raises(NotFound):
        selectors.get_dataset("no-such-dataset", anonymous)

    assert selectors.get_dataset(catalog.private.name, publisher) == catalog.private
    assert (
        selectors.get_dataset(catalog.draft.name, publisher, include_unpublished=True)
        == catalog.draft
    )


def test_a_former_name_does_not_reveal_a_hidden_dataset(catalog):
    DatasetNameRedirect.objects.create(old_name="old-private", dataset=catalog.private)

    with pytest.raises(NotFound):
        selectors.get_dataset("old-private", anonymous)


def test_get_dataset_loads_public_resources_only(catalog, django_assert_num_queries):
    dataset = selectors.get_dataset(catalog.credit.name, anonymous)

    with django_assert_num_queries(0):
        assert list(dataset.resources.all()) == []
        assert dataset.department.title == "宁波市市场监督管理局"


def test_get_resource_answers_public_resources_of_visible_datasets(catalog, publisher):
    csv = catalog.bus_stops.resources.get()
    private_link = catalog.private.resources.get()

    assert selectors.get_resource(csv.pk, anonymous) == csv
    assert selectors.get_resource(str(private_link.pk), publisher) == private_link
    for hidden in catalog.credit.resources.all():  # unfinished upload, pending revision
        with pytest.raises(NotFound):
            selectors.get_resource(hidden.pk, publisher)
    with pytest.raises(NotFound):
        selectors.get_resource(private_link.pk, anonymous)
    with pytest.raises(NotFound):
        selectors.get_resource("not-a-uuid", anonymous)
    with pytest.raises(NotFound):
        selectors.get_resource(uuid.uuid4(), anonymous)


def test_domain_counts_lists_the_21_domains(catalog, publisher):
    counts = {item.code: n for item, n in selectors.domain_counts(anonymous)}

    assert list(counts) == [str(n) for n in range(1, 22)]
    assert counts["6"] == 2
    assert sum(counts.values()) == 5
    assert {i.code: n for i, n in selectors.domain_counts(publisher)}["6"] == 3


def test_domain_counts_adds_other_only_when_used(catalog):
    factories.make_dataset(catalog.province_dept, domain="99")

    item, count = selectors.domain_counts(anonymous)[-1]

    assert (item.code, item.label, count) == ("99", "其他", 1)


def test_department_list_counts_visible_datasets(catalog, publisher):
    public = {d.name: n for d, n in selectors.department_list(anonymous)}
    member = {d.name: n for d, n in selectors.department_list(publisher)}

    assert public == {
        "jiaotong": 1,
        "huanjing": 1,
        "hz-data": 1,
        "xihu-health": 1,
        "nb-market": 1,
    }
    assert member["jiaotong"] == 2
    assert selectors.department_counts(anonymous)[catalog.city_dept.pk] == 1


def test_home_figures(catalog):
    from kaifang.catalog.models import Resource
    from kaifang.datastore.tests.tables import make_table

    factories.make_link_resource(catalog.credit, kind=Resource.Kind.API, format="JSON")
    stops = catalog.bus_stops.resources.get(title="stops.csv")
    make_table(stops, [{"站名": "武林广场"}], [{"id": "站名"}])

    figures = selectors.home_figures(anonymous)

    assert figures == {
        "datasets": 5,
        "departments": 5,
        # stops.csv, two links of the lines, the hospital list, air.csv, the credit API
        "resources": 6,
        "downloads": 50 + 5 + 100 + 20 + 0,
        # what ingested, not the formats claimed: the stops table, and the credit API
        "api_share": 2 / 5,
        "machine_readable_share": 1 / 5,
    }


def test_home_figures_of_an_empty_catalog(db):
    assert selectors.home_figures(anonymous) == {
        "datasets": 0,
        "departments": 0,
        "resources": 0,
        "downloads": 0,
        "api_share": 0.0,
        "machine_readable_share": 0.0,
    }


def test_a_grant_does_not_change_what_is_listed(catalog, citizen):
    AccessGrant.objects.create(dataset=catalog.air, user=citizen)

    assert selectors.home_figures(citizen)["datasets"] == 5


def test_anonymous_answers_are_cached_until_the_catalog_changes(
    department, publisher, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog import services
    from kaifang.catalog.selectors import SearchParams, search_datasets
    from kaifang.catalog.tests import factories
    from kaifang.core.audit import Actor

    kept = factories.make_dataset(department, title="公交站点")
    gone = factories.make_dataset(department, title="公交线路")
    params = SearchParams(q="公交")

    assert search_datasets(params, AnonymousUser()).count == 2
    with django_assert_num_queries(2):  # only the catalog stamp and the change log's seq
        assert search_datasets(params, AnonymousUser()).count == 2

    services.withdraw(Actor.for_user(publisher), gone, "数据有误")

    again = search_datasets(params, AnonymousUser())
    assert [d.title for d in again.results] == [kept.title]


def test_signed_in_users_are_never_answered_from_the_anonymous_cache(department, publisher):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog.selectors import SearchParams, search_datasets
    from kaifang.catalog.tests import factories

    factories.make_dataset(department, title="公开数据")
    factories.make_dataset(department, title="内部数据", is_private=True)

    assert search_datasets(SearchParams(), AnonymousUser()).count == 1
    assert search_datasets(SearchParams(), publisher).count == 2


def test_a_zero_cache_setting_answers_every_search_afresh(settings, department):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog.models import Dataset
    from kaifang.catalog.selectors import SearchParams, search_datasets
    from kaifang.catalog.tests import factories

    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_CACHE_SECONDS": 0}
    dataset = factories.make_dataset(department, title="公交站点")
    assert search_datasets(SearchParams(), AnonymousUser()).count == 1

    # a change that leaves the stamp alone is seen at once when nothing is cached
    Dataset.objects.filter(pk=dataset.pk).update(state="withdrawn", updated_at=dataset.updated_at)

    assert search_datasets(SearchParams(), AnonymousUser()).count == 0
