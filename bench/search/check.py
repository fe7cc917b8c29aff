"""The search benchmark's correctness check, run before any timing counts (and by the test
suite on a small catalog): each search through the HTTP API answers exactly what the backend
answers in-process — the same count, the same datasets in the same order, the same nine facets
with the same counts — and finds something; each suggestion through the API equals the
in-process one. A wrong answer stops the benchmark with a message naming the search."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.search.queries import search_path, suggest_path

Fetch = Callable[[str], tuple[int, bytes]]


@dataclass(frozen=True)
class Answer:
    """What a search found, in a form both sides can give."""

    count: int
    names: tuple[str, ...]
    facets: dict[str, tuple[tuple[str, int], ...]]


def engine_search(params: dict[str, str]):
    """The configured backend's result for `params`, asked in this process by an anonymous
    visitor, as the API asks it."""
    from django.contrib.auth.models import AnonymousUser

    from kaifang.search.backends.base import SearchParams, get_backend

    return get_backend().search(SearchParams.from_query(params), AnonymousUser())


def engine_answer(params: dict[str, str]) -> Answer:
    result = engine_search(params)
    facets = {
        name: tuple((v.value, v.count) for v in values) for name, values in result.facets.items()
    }
    return Answer(result.count, tuple(d.name for d in result.results), facets)


def api_answer(body: bytes) -> Answer:
    listing = json.loads(body)
    facets = {
        name: tuple((v["value"], v["count"]) for v in values)
        for name, values in listing["facets"].items()
    }
    return Answer(listing["count"], tuple(r["name"] for r in listing["results"]), facets)


def engine_suggestion(q: str) -> dict[str, Any]:
    from django.contrib.auth.models import AnonymousUser

    from kaifang.search.suggest import suggest

    return suggest(q, AnonymousUser())


def verify_searches(fetch: Fetch, searches: list[tuple[str, dict[str, str]]]) -> None:
    """Raise SystemExit naming the first search whose API answer differs from the engine's,
    lacks a facet, or finds nothing."""
    from kaifang.search.backends.base import FACETS

    for label, params in searches:
        path = search_path(params)
        status, body = fetch(path)
        if status != 200:
            raise SystemExit(f"{label} {path}: HTTP {status}: {body[:300]!r}")
        api, engine = api_answer(body), engine_answer(params)
        if set(api.facets) != set(FACETS):
            raise SystemExit(f"{label} {path}: facets {sorted(api.facets)} ≠ {sorted(FACETS)}")
        if api.count == 0:
            raise SystemExit(f"{label} {path}: finds nothing in the benchmark catalog")
        if api != engine:
            raise SystemExit(f"{label} {path}: the API answers {api}, the engine {engine}")


def verify_suggestions(fetch: Fetch, prefixes: list[str]) -> None:
    """Raise SystemExit naming the first prefix whose API suggestions differ from the
    in-process ones; the Chinese prefixes must suggest at least one title."""
    for q in prefixes:
        status, body = fetch(suggest_path(q))
        if status != 200:
            raise SystemExit(f"suggest {q}: HTTP {status}: {body[:300]!r}")
        api, engine = json.loads(body), engine_suggestion(q)
        if api != engine:
            raise SystemExit(f"suggest {q}: the API answers {api}, in-process {engine}")
        if not q.isascii() and not api["titles"]:
            raise SystemExit(f"suggest {q}: no title suggested")
