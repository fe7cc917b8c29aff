"""Limits on the expensive datastore endpoints (SQL and aggregates): a cap on how many run at
once on the whole site, and a per-client rate (settings KAIFANG_QUERY_CONCURRENCY and
KAIFANG_QUERY_RATE). Both count in Django's cache, so with Redis they hold across every web
worker and node; past either, the answer is 429 with Retry-After.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError

PREFIX = "kaifang:query"
DEFAULT_CONCURRENCY = 8
DEFAULT_RATE = (60, 60)


class Throttled(KaifangError):
    """Too many queries: `retry_after` seconds until one may be tried again."""

    code = "throttled"
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def client_key(request: HttpRequest) -> str:
    """Whom the rate counts: the signed-in user or token owner, else the client address. The
    forwarding headers are believed only from a proxy on this machine (nginx in front), which
    is the only one that can set them honestly."""
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{client_address(request)}"


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local:
        forwarded = (
            request.META.get("HTTP_X_REAL_IP")
            or (request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1])
        )
        if forwarded.strip():
            return forwarded.strip()
    return peer


def _rate() -> tuple[int, int]:
    return settings.KAIFANG.get("QUERY_RATE") or DEFAULT_RATE


def _concurrency() -> int:
    return settings.KAIFANG.get("QUERY_CONCURRENCY") or DEFAULT_CONCURRENCY


def check_rate(request: HttpRequest, scope: str) -> None:
    """Count this call in the client's current window; refuse past the rate."""
    allowed, period = _rate()
    now = time.time()
    window = int(now // period)
    key = f"{PREFIX}:rate:{scope}:{client_key(request)}:{window}"
    cache.add(key, 0, timeout=period + 1)
    if cache.incr(key) > allowed:
        wait = math.ceil((window + 1) * period - now)
        raise Throttled(
            _("查询过于频繁：每 %(period)s 秒最多 %(n)s 次，请 %(wait)s 秒后再试。")
            % {"period": period, "n": allowed, "wait": wait},
            wait,
        )


@contextmanager
def running(scope: str) -> Iterator[None]:
    """Hold one of the site's query slots while the block runs; refuse when all are taken.
    The counter expires on its own, so a worker killed mid-query cannot hold a slot forever."""
    key = f"{PREFIX}:running"
    ttl = int(settings.KAIFANG.get("QUERY_TIMEOUT", 10)) * 3 + 30
    cache.add(key, 0, timeout=ttl)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        taken = 1
    cache.touch(key, ttl)
    try:
        if taken > _concurrency():
            raise Throttled(_("当前查询较多，请稍后再试。"), 1)
        yield
    finally:
        with suppress(ValueError):
            cache.decr(key)


@contextmanager
def limited(request: HttpRequest, scope: str) -> Iterator[None]:
    """The rate check, then a slot for the duration of the query."""
    check_rate(request, scope)
    with running(scope):
        yield
