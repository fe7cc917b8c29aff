"""Counting use of resources: one row per resource per day (Asia/Shanghai), read by statistics
and search ranking.

The count is one `INSERT … ON CONFLICT … DO UPDATE` statement, which SQLite (3.24+) and PostgreSQL
both understand with the same syntax: concurrent downloads of the same resource on the same day
add up without a lost update and without a read-modify-write race.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog.models import Dataset, Resource


def today() -> dt.date:
    """The reporting day: the calendar day in the site's time zone (Asia/Shanghai)."""
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _upsert_sql() -> str:
    """Column and table names come from the model, never from input."""
    opts = ResourceDailyCount._meta
    q = connection.ops.quote_name
    table = q(opts.db_table)
    col = {
        name: q(opts.get_field(name).column)
        for name in ("resource", "dataset", "day", "downloads", "api_calls")
    }
    # S608: identifiers come from the model's metadata, every value is a bound parameter
    return (
        f"INSERT INTO {table} ({col['resource']}, {col['dataset']}, {col['day']}, "  # noqa: S608
        f"{col['downloads']}, {col['api_calls']}) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT ({col['resource']}, {col['day']}) DO UPDATE SET "
        f"{col['downloads']} = {table}.{col['downloads']} + excluded.{col['downloads']}, "
        f"{col['api_calls']} = {table}.{col['api_calls']} + excluded.{col['api_calls']}"
    )


def _count(resource: Resource, *, downloads: int, api_calls: int) -> None:
    opts = ResourceDailyCount._meta
    values = {"resource": resource.pk, "dataset": resource.dataset_id, "day": today()}
    params = [opts.get_field(k).get_db_prep_value(v, connection) for k, v in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [*params, downloads, api_calls])


def count_download(resource: Resource, n: int = 1) -> None:
    """Add `n` downloads of `resource` to today's row and to its dataset's running total."""
    _check(n)
    with transaction.atomic():
        _count(resource, downloads=n, api_calls=0)
        Dataset.objects.filter(pk=resource.dataset_id).update(
            download_count=F("download_count") + n
        )


def count_api_call(resource: Resource, n: int = 1) -> None:
    """Add `n` API calls on `resource` to today's row. The dataset's download total counts file
    downloads only, so API use stays a figure of its own."""
    _check(n)
    _count(resource, downloads=0, api_calls=n)


def _check(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"count must be a positive integer, got {n!r}")
