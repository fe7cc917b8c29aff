"""Suggestions as you type: titles, departments and keywords that start with (or hold) what was
typed, in Chinese or in pinyin (`gongj`, `gj` → 公交…).

A keystroke must cost well under ten milliseconds, so nothing here scans the database per
request. Each process keeps a `Catalog` in memory: every published dataset's title, keywords
and access fields, and every department, with their pinyin tokens (search.analysis.pinyin,
cached per word). It is made from the database together with the change log's latest seq it
reflects, like a node's index: each request reads the log's latest seq (one cheap query) and
leaves out the datasets changed since — a withdrawn dataset is gone from the very next
keystroke — and the catalog is made again once changes are pending and it is older than
MAX_AGE seconds, or when more than MAX_PENDING datasets changed (the search backends' limit).

Visibility follows catalog.visibility.visible_datasets exactly: anonymous visitors are offered
public datasets only; department members also their departments' private and closed ones;
platform admins and reviewers every published one. A keyword is offered only when a dataset
the caller may see holds it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, State
from kaifang.core.errors import Invalid
from kaifang.organizations import roles
from kaifang.organizations.models import Department
from kaifang.search.analysis.normalize import normalize
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.backends import tantivy_index as ti
from kaifang.search.selectors import changes_after, latest_seq

MAX_QUERY = 50  # characters a suggestion query may have
PER_GROUP = 8  # suggestions per group (titles, departments, keywords)
MAX_AGE = 30.0  # seconds a catalog with pending changes keeps serving
MAX_PENDING = 1000  # datasets changed since the catalog was made: make it again at once


@dataclass(frozen=True)
class _Entry:
    """Something to suggest: its folded text and pinyin tokens to match against."""

    text: str
    folded: str
    pinyin: tuple[str, ...]

    def match(self, folded: str, letters: str) -> int | None:
        """How well `folded` (or its letters as pinyin) matches: 0 a prefix, 1 inside the
        text, 2 a pinyin prefix; None no match."""
        if self.folded.startswith(folded):
            return 0
        if folded in self.folded:
            return 1
        if letters and any(token.startswith(letters) for token in self.pinyin):
            return 2
        return None


def _entry(text: str) -> _Entry:
    return _Entry(text, normalize(text).replace(" ", ""), tuple(pinyin_tokens(text)))


@dataclass(frozen=True)
class _Dataset:
    pk: uuid.UUID
    name: str
    title: _Entry
    department_id: uuid.UUID
    public: bool
    keywords: tuple[str, ...]


@dataclass
class Catalog:
    """What suggestions are drawn from, as of change log seq `seq`."""

    seq: int
    made: float
    datasets: list[_Dataset] = field(default_factory=list)
    departments: list[tuple[str, str, _Entry, _Entry | None]] = field(default_factory=list)
    keywords: dict[str, tuple[_Entry, list[_Dataset]]] = field(default_factory=dict)

    def fresh(self) -> bool:
        return time.monotonic() - self.made < MAX_AGE


def make_catalog() -> Catalog:
    """Read the catalog for suggestions: the log's seq first, so what is read is at least as
    new as the seq it is tagged with (a change in between is merely left out once more)."""
    catalog = Catalog(seq=latest_seq(), made=time.monotonic())
    published = Dataset.objects.filter(state=State.PUBLISHED).order_by("-download_count", "name")
    rows = published.values_list("pk", "name", "title", "department_id", "is_private", "open_type")
    tags: dict[uuid.UUID, list[str]] = {}
    through = Dataset.tags.through.objects.filter(dataset__state=State.PUBLISHED)
    for dataset_id, tag in through.values_list("dataset_id", "tag__name"):
        tags.setdefault(dataset_id, []).append(tag)
    for pk, name, title, department_id, private, open_type in rows:
        public = not private and open_type != "closed"
        item = _Dataset(pk, name, _entry(title), department_id, public, tuple(tags.get(pk, ())))
        catalog.datasets.append(item)
        for keyword in item.keywords:
            catalog.keywords.setdefault(keyword, (_entry(keyword), []))[1].append(item)
    for name, title, short in Department.objects.order_by("title").values_list(
        "name", "title", "short_name"
    ):
        catalog.departments.append((name, title, _entry(title), _entry(short) if short else None))
    return catalog


class _Cache:
    """The process's catalog, made again when stale (see the module's docstring). It is kept
    per index generation too: `kaifang searchindex --rebuild` (and each test's fresh index)
    starts a new one. SEARCH_INDEX_SYNC = "rebuild" (the test suites' set-up, where the
    search index is built for each search too) makes one for each call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog: tuple[str, Catalog] | None = None

    def get(self) -> tuple[Catalog, frozenset[uuid.UUID]]:
        """The catalog and the datasets changed since it was made."""
        if settings.KAIFANG.get("SEARCH_INDEX_SYNC") == "rebuild":
            return make_catalog(), frozenset()
        generation = str(ti.current_generation(ti.index_root()))
        latest = latest_seq()
        kept = self._catalog
        catalog = kept[1] if kept is not None and kept[0] == generation else None
        if catalog is not None and catalog.seq == latest:
            return catalog, frozenset()
        if catalog is not None and catalog.seq < latest and catalog.fresh():
            pending = changes_after(catalog.seq, limit=4 * MAX_PENDING)
            if len(pending) <= MAX_PENDING and pending.last_seq == latest:
                return catalog, pending.ids
        with self._lock:
            catalog = make_catalog()
            self._catalog = (generation, catalog)
            return catalog, frozenset()

    def clear(self) -> None:
        with self._lock:
            self._catalog = None


CACHE = _Cache()


def _may_see(user) -> Any:
    """A predicate on catalog datasets: visible_datasets's rule for published datasets."""
    if roles.is_platform_admin(user) or roles.is_platform_reviewer(user):
        return lambda d: True
    member_of = roles.department_ids(user)
    return lambda d: d.public or d.department_id in member_of


class BadQuery(Invalid):
    """A suggestion query too long to be something typed into the search box: a bad request
    (400), not a value to correct."""

    status = 400


def clean_query(q: str | None) -> str:
    """The query as typed, stripped; longer than MAX_QUERY characters is refused."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        sizes = {"max": MAX_QUERY, "n": len(q)}
        raise BadQuery(
            _("参数 q 过长：最多 %(max)d 个字符（收到 %(n)d 个）。") % sizes,
            errors={"q": [_("最多 %(max)d 个字符。") % sizes]},
        )
    return q


def _highlight(title: str, folded_title: str, folded: str) -> str:
    """The title, escaped, with the typed text marked where the folded title holds it at
    the same offset (folding keeps one character per character for Chinese titles)."""
    at = folded_title.find(folded)
    if at < 0 or len(folded_title) != len(title) or not folded:
        return escape(title)
    end = at + len(folded)
    return f"{escape(title[:at])}<mark>{escape(title[at:end])}</mark>{escape(title[end:])}"


def _best(entries: Iterable[tuple[int, int, Any]], size: int) -> list[Any]:
    return [item for *_rank, item in sorted(entries, key=lambda e: (e[0], e[1]))[:size]]


def suggest(q: str | None, user, *, size: int = PER_GROUP) -> dict[str, Any]:
    """Titles, departments and keywords for what was typed, each group at most `size` long,
    for `user` (see the module's docstring). A blank query suggests nothing."""
    q = clean_query(q)
    answer: dict[str, Any] = {"q": q, "titles": [], "departments": [], "keywords": []}
    folded = normalize(q).replace(" ", "")
    if not folded:
        return answer
    letters = folded if folded.isascii() and folded.isalpha() else ""
    catalog, pending = CACHE.get()
    may_see = _may_see(user)

    def shown(d: _Dataset) -> bool:
        return d.pk not in pending and may_see(d)

    titles = []
    for order, d in enumerate(catalog.datasets):
        rank = d.title.match(folded, letters)
        if rank is not None and shown(d):
            titles.append((rank, order, d))
    answer["titles"] = [
        {
            "name": d.name,
            "title": d.title.text,
            "highlight": _highlight(d.title.text, d.title.folded, folded),
        }
        for d in _best(titles, size)
    ]
    departments = []
    for order, (name, title, full, short) in enumerate(catalog.departments):
        ranks = [e.match(folded, letters) for e in (full, short) if e is not None]
        ranks = [r for r in ranks if r is not None]
        if ranks:
            departments.append((min(ranks), order, {"name": name, "title": title}))
    answer["departments"] = _best(departments, size)
    keywords = []
    for keyword, (entry, holders) in catalog.keywords.items():
        rank = entry.match(folded, letters)
        if rank is None:
            continue
        seen = sum(1 for d in holders if shown(d))
        if seen:
            keywords.append((rank, -seen, keyword))
    answer["keywords"] = _best(keywords, size)
    return answer
