"""How much a dataset is used, as search ranks it: the file downloads and API calls of its
resources over the last USE_DAYS days (analytics' daily counts per resource), so "most used"
follows what people use now rather than what was popular years ago. The all-time download
counter (`Dataset.download_count`) breaks ties."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kaifang.analytics.models import ResourceDailyCount
from kaifang.analytics.services import today

USE_DAYS = 90


def use_since() -> dt.date:
    """The first day counted."""
    return today() - dt.timedelta(days=USE_DAYS - 1)


def _recent_rows():
    return ResourceDailyCount.objects.filter(day__gte=use_since()).order_by()


def recent_use_expression() -> Coalesce:
    """A dataset's recent use as an annotation (one correlated sum per dataset)."""
    per_dataset = (
        _recent_rows()
        .filter(dataset_id=OuterRef("pk"))
        .values("dataset_id")
        .annotate(n=Sum(F("downloads") + F("api_calls")))
        .values("n")
    )
    return Coalesce(Subquery(per_dataset, output_field=IntegerField()), Value(0))


def recent_use(dataset_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
    """Recent use of each dataset (all of them when `dataset_ids` is None) in one query;
    datasets without any use are absent."""
    rows = _recent_rows()
    if dataset_ids is not None:
        rows = rows.filter(dataset_id__in=list(dataset_ids))
    found = rows.values("dataset_id").annotate(n=Sum(F("downloads") + F("api_calls")))
    return {row["dataset_id"]: row["n"] for row in found if row["n"]}
