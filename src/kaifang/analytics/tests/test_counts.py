"""Download and API-call counts: one row per resource per day, added to safely."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from kaifang.analytics import services
from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog.tests import factories


@pytest.fixture
def resource(department):
    return factories.make_link_resource(factories.make_dataset(department))


def _at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(services.timezone, "now", lambda: moment)


def test_downloads_add_up_in_todays_row_and_the_dataset_total(resource):
    services.count_download(resource)
    services.count_download(resource, n=3)

    row = ResourceDailyCount.objects.get()
    assert (row.resource, row.dataset, row.downloads, row.api_calls) == (
        resource,
        resource.dataset,
        4,
        0,
    )
    assert row.day == services.today()
    resource.dataset.refresh_from_db()
    assert resource.dataset.download_count == 4


def test_api_calls_have_their_own_figure(resource):
    services.count_download(resource)
    services.count_api_call(resource, n=2)

    row = ResourceDailyCount.objects.get()
    assert (row.downloads, row.api_calls) == (1, 2)
    resource.dataset.refresh_from_db()
    assert resource.dataset.download_count == 1


def test_the_day_is_the_day_in_shanghai(monkeypatch, resource):
    _at(monkeypatch, dt.datetime(2024, 1, 1, 17, 0, tzinfo=dt.UTC))
    services.count_download(resource)
    _at(monkeypatch, dt.datetime(2024, 1, 1, 15, 59, tzinfo=dt.UTC))
    services.count_download(resource)

    days = dict(ResourceDailyCount.objects.values_list("day", "downloads"))
    assert days == {dt.date(2024, 1, 2): 1, dt.date(2024, 1, 1): 1}


@pytest.mark.parametrize("n", [0, -1, 1.5, "2"])
def test_counts_are_positive_integers(resource, n):
    with pytest.raises(ValueError):
        services.count_download(resource, n=n)


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite lets one writer at a time; the race this guards against needs PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_downloads_are_not_lost(department):
    resource = factories.make_link_resource(factories.make_dataset(department))
    threads_n, per_thread = 8, 25

    def download_many():
        try:
            for _ in range(per_thread):
                services.count_download(resource)
        finally:
            connection.close()

    threads = [threading.Thread(target=download_many) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    row = ResourceDailyCount.objects.get(resource=resource)
    assert row.downloads == threads_n * per_thread
    resource.dataset.refresh_from_db()
    assert resource.dataset.download_count == threads_n * per_thread
