"""Whole-catalog outputs, kept in the cache under the output stamp.

Every anonymous harvester gets the same catalog, and building it is the expensive part, so each
answer is kept under a key naming the catalog's state (`selectors.output_stamp`), the address it
was built for (identifiers are absolute) and what was asked. A change to any dataset, resource
or table changes the stamp, so nothing outlives a change; the time limit only bounds what a
department's rename (which touches no dataset) leaves behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from django.core.cache import cache

from kaifang.interop.selectors import output_stamp

SECONDS = 600
#: streamed outputs larger than this are not kept (they are rebuilt, batch by batch)
MAX_KEPT_BYTES = 32 * 1024 * 1024


def key(*parts: object) -> str:
    asked = "|".join(str(p) for p in (output_stamp(), *parts))
    return "kaifang:interop:" + hashlib.sha256(asked.encode()).hexdigest()[:40]


def kept(cache_key: str, build: Callable[[], bytes]) -> bytes:
    """The bytes kept under `cache_key`, built and kept on a miss."""
    body = cache.get(cache_key)
    if body is None:
        body = build()
        cache.set(cache_key, body, SECONDS)
    return body


def kept_stream(cache_key: str, chunks: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """The kept bytes in one piece, or else `chunks()` passed on as they come and kept once
    complete (unless too large), so the first answer streams and later ones are immediate."""
    body = cache.get(cache_key)
    if body is not None:
        yield body
        return
    parts: list[bytes] | None = []
    size = 0
    for chunk in chunks():
        if parts is not None:
            size += len(chunk)
            if size <= MAX_KEPT_BYTES:
                parts.append(chunk)
            else:
                parts = None
        yield chunk
    if parts is not None:
        cache.set(cache_key, b"".join(parts), SECONDS)
