"""Suggestions as you type: titles, departments and keywords that start with (or hold) what was
typed, in Chinese or in pinyin (`gongj`, `gj` → 公交…).

A keystroke must cost well under ten milliseconds at a million datasets, so nothing here scans
the catalog per request. With the tantivy backend, titles and keywords are looked up in the
node's index, in fields made for this (backends.tantivy_index.SUGGEST_FIELDS): a title by a
term of its prefixes, a phrase of its characters or a prefix of its pinyin, ordered by
downloads then name through a fast field; keywords by a walk of the term dictionary that also
counts the datasets the caller may see holding each. The searcher and the changes it has not
applied come from the backend exactly as a search gets them: a withdrawn dataset is gone from
the very next keystroke. Departments (a few thousand at most) are kept in memory per process
for MAX_AGE seconds.

With the PostgreSQL backend, titles and keywords are read from its index table by indexed
queries, in the same order and under the same visibility (backends.postgres_suggest); the
backend offers them through its `suggest` method.

Without an index (another backend, or an index missing or far behind) each process keeps a
`Catalog` in memory instead: every published dataset's title, keywords and access fields,
with their pinyin tokens (search.analysis.pinyin, cached per word), made from the database
together with the change log's latest seq it reflects; each request leaves out the datasets
changed since, and the catalog is made again once changes are pending and it is older than
MAX_AGE seconds, or when more than MAX_PENDING datasets changed (the search backends' limit).

Visibility follows catalog.visibility.visible_datasets exactly: anonymous visitors are offered
public datasets only; department members also their departments' private and closed ones;
platform admins and reviewers every published one. A keyword is offered only when a dataset
the caller may see holds it.
"""

from __future__ import annotations

import bisect
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import tantivy
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _
from tantivy import Occur, Order, Query

from kaifang.catalog.models import Dataset, State
from kaifang.core.errors import Invalid
from kaifang.organizations import roles
from kaifang.organizations.models import Department
from kaifang.search.analysis.normalize import normalize
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.backends import tantivy_index as ti
from kaifang.search.backends.base import get_backend
from kaifang.search.backends.tantivy import PAGES
from kaifang.search.querylog import sees_public_only
from kaifang.search.selectors import Changes, changes_after, latest_seq

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
    departments: Departments = field(default_factory=lambda: Departments.of([]))
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
    catalog.departments = _read_departments()
    return catalog


DepartmentRow = tuple[str, str, _Entry, _Entry | None]  # name, title, folded title, short


@dataclass(frozen=True)
class Departments:
    """Every department (in title order) with what finds the ones a query may match without
    a scan: the departments holding each character, and every pinyin token with its
    department, sorted for a prefix look-up."""

    rows: list[DepartmentRow]
    by_char: dict[str, frozenset[int]]
    pinyin: list[tuple[str, int]]
    # Answers to the shortest queries (a letter or two match hundreds of departments), the
    # same for every caller: kept as long as these departments are.
    short_answers: dict[tuple[str, int], list[dict[str, str]]] = field(
        default_factory=dict, compare=False
    )

    @classmethod
    def of(cls, rows: list[DepartmentRow]) -> Departments:
        by_char: dict[str, set[int]] = {}
        pinyin: set[tuple[str, int]] = set()
        for order, (_name, _title, full, short) in enumerate(rows):
            for entry in (full, short) if short else (full,):
                for char in entry.folded:
                    by_char.setdefault(char, set()).add(order)
                pinyin.update((token, order) for token in entry.pinyin)
        frozen = {char: frozenset(orders) for char, orders in by_char.items()}
        return cls(rows, frozen, sorted(pinyin))

    def candidates(self, folded: str, letters: str) -> set[int]:
        """The departments that may match: all of `folded`'s characters, or a pinyin token
        starting with `letters`."""
        sets = sorted((self.by_char.get(char, frozenset()) for char in set(folded)), key=len)
        found = set(sets[0].intersection(*sets[1:])) if sets else set()
        if letters:
            at = bisect.bisect_left(self.pinyin, (letters, -1))
            while at < len(self.pinyin) and self.pinyin[at][0].startswith(letters):
                found.add(self.pinyin[at][1])
                at += 1
        return found


def _read_departments() -> Departments:
    rows = Department.objects.order_by("title").values_list("name", "title", "short_name")
    return Departments.of(
        [
            (name, title, _entry(title), _entry(short) if short else None)
            for name, title, short in rows
        ]
    )


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
    found = _index_searcher()
    offered = None if found is not None else _backend_suggestions(folded, letters, user, size)
    if found is not None:
        searcher, changes = found
        within = _within(user, changes)
        # titles in a thread while the keywords are counted: tantivy lets go of the GIL as it
        # searches, and at a million datasets each takes a few milliseconds
        titles = PAGES.submit(_index_titles, searcher, within, folded, letters, size)
        terms = KW_PUBLIC if sees_public_only(user) else KW
        answer["keywords"] = _index_keywords(searcher, within, terms, folded, letters, size)
        answer["titles"] = titles.result()
        departments = DEPARTMENTS.get()
    elif offered is not None:
        titles, answer["keywords"] = offered
        answer["titles"] = [_title(name, title, folded) for name, title in titles]
        departments = DEPARTMENTS.get()
    else:
        catalog, pending = CACHE.get()
        answer["titles"], answer["keywords"] = _catalog_matches(
            catalog, pending, user, folded, letters, size
        )
        departments = catalog.departments
    answer["departments"] = _departments(departments, folded, letters, size)
    return answer


def _title(name: str, title: str, folded: str) -> dict[str, str]:
    return {
        "name": name,
        "title": title,
        "highlight": _highlight(title, ti.exact_title(title), folded),
    }


def _departments(
    departments: Departments, folded: str, letters: str, size: int
) -> list[dict[str, str]]:
    if len(folded) > SHORT:
        return _matching_departments(departments, folded, letters, size)
    kept = departments.short_answers
    key = (folded, size)
    if key not in kept:
        kept[key] = _matching_departments(departments, folded, letters, size)
    return kept[key]


def _matching_departments(
    departments: Departments, folded: str, letters: str, size: int
) -> list[dict[str, str]]:
    found = []
    for order in departments.candidates(folded, letters):
        name, title, full, short = departments.rows[order]
        ranks = [e.match(folded, letters) for e in (full, short) if e is not None]
        ranks = [r for r in ranks if r is not None]
        if ranks:
            found.append((min(ranks), order, {"name": name, "title": title}))
    return _best(found, size)


# --- from the index -------------------------------------------------------------------------


def _index_searcher() -> tuple[tantivy.Searcher, Changes] | None:
    """The searcher a search would read now and its pending changes, when the configured
    backend keeps an index that can answer."""
    backend = get_backend()
    return backend.current() if hasattr(backend, "current") else None


def _backend_suggestions(
    folded: str, letters: str, user, size: int
) -> tuple[list[tuple[str, str]], list[str]] | None:
    """Titles ((name, title) pairs) and keywords from a backend that reads them from its own
    index (the PostgreSQL backend: backends.postgres_suggest); None when it cannot."""
    backend = get_backend()
    return backend.suggest(folded, letters, user, size) if hasattr(backend, "suggest") else None


def _within(user, changes: Changes) -> Query:
    """What the caller may see, less the datasets changed since the index was written."""
    from kaifang.search.backends.tantivy import visibility

    clauses = [(Occur.Must, visibility(user))]
    if changes.ids:
        ids = [str(pk) for pk in changes.ids]
        clauses.append((Occur.MustNot, Query.term_set_query(ti.SCHEMA, "id", ids)))
    return Query.boolean_query(clauses)


def _term(field_name: str, value: str) -> Query:
    return Query.term_query(ti.SCHEMA, field_name, value)


def _title_queries(folded: str, letters: str) -> list[Query]:
    """Rank by rank: the title starts with the text, holds it, or a pinyin token starts with
    the letters typed."""
    chars = list(folded)
    infix = _term("title_infix", folded) if len(chars) == 1 else None
    if infix is None:
        infix = Query.phrase_query(ti.SCHEMA, "title_infix", chars)
    queries = [_term("title_prefix", folded[: ti.SUGGEST_PREFIX_MAX]), infix]
    if letters:
        queries.append(_term("title_py_prefix", letters[: ti.SUGGEST_PREFIX_MAX]))
    return queries


def _index_titles(
    searcher: tantivy.Searcher, within: Query, folded: str, letters: str, size: int
) -> list[dict[str, str]]:
    """The first `size` titles, rank by rank, each rank by downloads then name."""
    found: dict[str, str] = {}
    for rank, query in enumerate(_title_queries(folded, letters)):
        if len(found) >= size:
            break
        matched = Query.boolean_query([(Occur.Must, within), (Occur.Must, query)])
        hits = searcher.search(
            matched, size + len(found), count=False, order_by_field="suggest_order",
            order=Order.Asc,
        ).hits  # fmt: skip
        for _score, address in hits:
            title, name = searcher.doc(address).get_first("title_sort").split("\x00", 1)
            long_prefix = rank == 0 and len(folded) > ti.SUGGEST_PREFIX_MAX
            if long_prefix and not ti.exact_title(title).startswith(folded):
                continue
            found.setdefault(name, title)
    return [_title(name, title, folded) for name, title in list(found.items())[:size]]


def _index_keywords(
    searcher: tantivy.Searcher, within: Query, terms: str, folded: str, letters: str, size: int
) -> list[str]:
    """Keywords ranked as titles are, then by how many datasets the caller may see hold
    them, then by the keyword itself (as the catalog in memory ranks them).

    Counting what the caller may see takes a search per keyword, and a letter or two of
    pinyin matches thousands of keywords. So candidates come from walks of the term dictionary
    of the field `terms` without the filter, each with the number of datasets holding it — a bound
    on what the caller may see — and are counted best bound first, until no bound left can beat
    the last keyword kept; the pinyin walk returns the most held terms first, and more of them
    only while the bounds fetched are not enough to decide. The field is KW_PUBLIC for callers
    who see the public catalog only: its terms are those of public datasets, so a bound is
    close to the count and a handful of counts decide, where KW's bounds count every dataset
    whatever its state (at a million datasets, `gong` took 29 counts)."""
    limit = PINYIN_CANDIDATES
    while True:
        candidates, complete_above = _keyword_candidates(searcher, terms, folded, letters, limit)
        best, decided = _count_best(searcher, within, terms, candidates, size, complete_above)
        if decided:
            return [keyword for _rank, _seen, keyword in best]
        limit *= 8


PINYIN_CANDIDATES = 256  # pinyin terms a first walk returns (the most held)
KW = "keyword_suggest"
KW_PUBLIC = "keyword_public"


def _count_best(
    searcher: tantivy.Searcher,
    within: Query,
    terms: str,
    candidates: list[tuple[int, int, str, str]],
    size: int,
    complete_above: int,
) -> tuple[list[tuple[int, int, str]], bool]:
    """The best `size` candidates by (rank, -seen, keyword), and whether that is certain:
    pinyin candidates held by `complete_above` datasets or fewer may be missing some."""
    best: list[tuple[int, int, str]] = []

    def beaten(key: tuple[int, int, str]) -> bool:
        return len(best) >= size and key > best[-1]

    for rank, bound, keyword, term in candidates:
        if rank == 2 and -bound <= complete_above:  # where pinyin terms may be missing
            return best, beaten((2, -complete_above, ""))
        if beaten((rank, bound, keyword)):
            return best, True
        matched = Query.boolean_query([(Occur.Must, within), (Occur.Must, _term(terms, term))])
        seen = searcher.search(matched, 1).count
        if seen:
            bisect.insort(best, (rank, -seen, keyword))
            del best[size:]
    return best, not complete_above or beaten((2, -complete_above, ""))


def _keyword_candidates(
    searcher: tantivy.Searcher, terms: str, folded: str, letters: str, limit: int
) -> tuple[list[tuple[int, int, str, str]], int]:
    """(rank, minus the datasets holding it, keyword, one of its terms), best first, each
    keyword once with its best rank; and the holders at or below which pinyin candidates may
    be missing (0 when the pinyin walk returned every term)."""
    found: dict[str, tuple[int, int, str, str]] = {}
    for term, holders in searcher.terms_with_prefix(terms, folded):
        _match, rank, keyword = term.split("\x1f", 2)
        _keep(found, (int(rank), -holders, keyword, term))
    complete_above = 0
    if letters:
        walked = _pinyin_walk(searcher, terms, letters, limit)
        for term, holders in walked:
            _keep(found, (2, -holders, term.split("\x1f", 1)[1], term))
        if len(walked) == limit:
            complete_above = walked[-1][1]
    return sorted(found.values()), complete_above


class _Walks:
    """The pinyin walks of the shortest queries (a letter or two match thousands of terms and
    walking them costs more than the rest of a suggestion), kept for the index state they read:
    its generation, the seq it has applied and its number of documents."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[str, int | None, int] | None = None
        self._walks: dict[tuple[str, str, int], list[tuple[str, int]]] = {}

    def get(
        self, searcher: tantivy.Searcher, terms: str, letters: str, limit: int
    ) -> list[tuple[str, int]]:
        state = (_generation(), ti.applied_seq(searcher), searcher.num_docs)
        key = (terms, letters, limit)
        with self._lock:
            if state != self._state:
                self._state, self._walks = state, {}
            walked = self._walks.get(key)
        if walked is None:
            walked = searcher.terms_with_prefix(terms, ti.PINYIN_MARK + letters, limit=limit)
            with self._lock:
                if state == self._state:
                    self._walks[key] = walked
        return walked


def _generation() -> str:
    generation = ti.current_generation(ti.index_root())
    return str(generation.path) if generation else ""


SHORT = 2  # characters: the queries whose answers or walks are kept
WALKS = _Walks()


def _pinyin_walk(
    searcher: tantivy.Searcher, terms: str, letters: str, limit: int
) -> list[tuple[str, int]]:
    """The pinyin terms of `terms` starting with `letters`, the `limit` most held first."""
    if len(letters) > SHORT or settings.KAIFANG.get("SEARCH_INDEX_SYNC") == "rebuild":
        return searcher.terms_with_prefix(terms, ti.PINYIN_MARK + letters, limit=limit)
    return WALKS.get(searcher, terms, letters, limit)


def _keep(found: dict[str, tuple[int, int, str, str]], candidate: tuple[int, int, str, str]):
    keyword = candidate[2]
    if candidate[1] and candidate < found.get(keyword, (3,)):
        found[keyword] = candidate


class _Departments:
    """Every department with its folded text and pinyin, kept MAX_AGE seconds per index
    generation (made for each call where the index is made for each search:
    SEARCH_INDEX_SYNC = "rebuild")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[str, float, Departments] | None = None

    def get(self) -> Departments:
        if settings.KAIFANG.get("SEARCH_INDEX_SYNC") == "rebuild":
            return _read_departments()
        generation = _generation()
        kept = self._kept
        if kept is not None and kept[0] == generation and time.monotonic() - kept[1] < MAX_AGE:
            return kept[2]
        with self._lock:
            departments = _read_departments()
            self._kept = (generation, time.monotonic(), departments)
            return departments

    def clear(self) -> None:
        self._kept = None


DEPARTMENTS = _Departments()


# --- from the catalog in memory -------------------------------------------------------------


def _catalog_matches(
    catalog: Catalog, pending: frozenset[uuid.UUID], user, folded: str, letters: str, size: int
) -> tuple[list[dict[str, str]], list[str]]:
    may_see = _may_see(user)

    def shown(d: _Dataset) -> bool:
        return d.pk not in pending and may_see(d)

    titles = []
    for order, d in enumerate(catalog.datasets):
        rank = d.title.match(folded, letters)
        if rank is not None and shown(d):
            titles.append((rank, order, d))
    keywords = []
    for keyword, (entry, holders) in catalog.keywords.items():
        rank = entry.match(folded, letters)
        if rank is None:
            continue
        seen = sum(1 for d in holders if shown(d))
        if seen:
            keywords.append((rank, -seen, keyword))
    found = [
        {
            "name": d.name,
            "title": d.title.text,
            "highlight": _highlight(d.title.text, d.title.folded, folded),
        }
        for d in _best(titles, size)
    ]
    return found, [keyword for *_rank, keyword in sorted(keywords)[:size]]
