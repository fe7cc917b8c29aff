"""The query log: what people search for, kept without personal data, and the 热门搜索 drawn
from it.

Each search with words on its first page (the dataset list and `/api/v1/datasets`; not the
suggestions as one types, nor the next pages) writes one small row: the normalized words, the
day, the number of results and whether there was none. One single-row insert costs well under a
millisecond beside a search of several, and a row written at once is never lost with a
restarted process, as a buffer in memory would be.

Hot searches are the most frequent words of the last HOT_DAYS days that found something,
searched on at least two days or at least HOT_MIN_COUNT times (one person's repeated clicks on
one day are no trend); words that only ever found nothing are left out (the data office sees
those in the admin). They are cached for HOT_TTL seconds.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Count, Max, Q

from kaifang.analytics.services import today
from kaifang.organizations import roles
from kaifang.search.analysis.normalize import normalize
from kaifang.search.models import SearchQuery

logger = logging.getLogger(__name__)

HOT_DAYS = 30
HOT_MIN_COUNT = 5
HOT_SIZE = 10
HOT_TTL = 600
HOT_KEY = "kaifang:search:hot"
MAX_LOGGED = 200  # characters of a query kept


def log_search(q: str, count: int, *, offset: int = 0, user=None) -> None:
    """Log one search with words (first pages only). Only searches over the public catalog
    count: a department member's or the platform staff's search also sees datasets the public
    does not, and words that find only those must never reach the public 热门搜索. A failure to
    log never fails the search: it is reported and forgotten."""
    words = " ".join(normalize(q or "").split())[:MAX_LOGGED]
    if not words or offset or not sees_public_only(user):
        return
    try:  # requests run in autocommit: a failed insert leaves no broken transaction behind
        SearchQuery.objects.create(day=today(), query=words, results=count, zero=count == 0)
    except DatabaseError:
        logger.exception("could not log the search %r", words)


def sees_public_only(user) -> bool:
    """Whether `user`'s searches cover exactly the public catalog (visitors and citizens)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    staff = roles.is_platform_admin(user) or roles.is_platform_reviewer(user)
    return not staff and not roles.department_ids(user)


def hot_searches(size: int = HOT_SIZE) -> list[str]:
    """The hot searches (see the module's docstring), cached."""
    found = cache.get(HOT_KEY)
    if found is None:
        found = _hot(HOT_SIZE)
        cache.set(HOT_KEY, found, HOT_TTL)
    return found[:size]


def _hot(size: int) -> list[str]:
    since = today() - dt.timedelta(days=HOT_DAYS - 1)
    found = Q(zero=False)
    rows = (
        SearchQuery.objects.filter(day__gte=since)
        .values("query")
        .annotate(
            n=Count("pk", filter=found),
            days=Count("day", distinct=True, filter=found),
            best=Max("results"),
        )
        .filter(best__gt=0)
        .filter(Q(days__gte=2) | Q(n__gte=HOT_MIN_COUNT))
        .order_by("-n", "-days", "query")
    )
    return [row["query"] for row in rows[:size]]


def forget_hot() -> None:
    """Drop the cached hot searches (tests, and after the log was cleaned)."""
    cache.delete(HOT_KEY)
