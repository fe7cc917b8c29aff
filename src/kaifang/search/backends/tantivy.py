"""The tantivy search backend: BM25 over pre-segmented Chinese text in this node's index
(backends.tantivy_index), facets from tantivy's terms aggregations, results loaded from the
database in the index's order.

Ranking. A query's terms must all match (search.analysis.query: each term is satisfied by any
of its alternatives — the words typed, their dictionary parts, synonyms, pinyin, single
characters — each weighted). A term matches in any text field; each field has its boost
(title > keywords > department > summary > information items, pinyin on the short fields,
single characters low), and BM25 adds up what matched. A title equal to the whole query comes
first, whatever the rest. Freshness and recent use then break near-ties: tantivy multiplies
each score by the document's tie-breaker, at most 1.1 (tantivy_index.tie_breaker).

Facets follow the database backend's rules: each facet's counts honour every filter but its
own. One aggregation request counts every facet without a filter of its own over the matched
set; each facet with a filter gets one more request, over the set without that filter. The
page is searched in a thread of its own meanwhile (PAGES): tantivy lets go of the GIL while it
searches, though not while it aggregates, so the two overlap — at a million datasets the
facets and the page take about as long as each other.

Freshness of the index. Every search reads the change log's latest seq (one cheap query) and
compares it with the seq the index it reads has applied. Datasets changed since are left out
of the answer — hits, counts and facets alike — until the follower applies their changes
(normally within a second): a withdrawn dataset is gone from the very next search, and a newly
published or edited one appears a moment later. Leaving out an edited dataset for a moment was
preferred to answering from the database whenever a change is pending: on a busy catalog
(a harvest publishing thousands of datasets) that would send most searches to the slow path
exactly when the site is busiest. When the index is far behind (over MAX_PENDING datasets —
the follower stopped, say) or missing, the search is answered by the database backend instead,
so nothing is missing for long.

Did you mean. A text search that matches nothing offers `suggestion`: the query with each word
the index lacks corrected by search.analysis.spelling (homophones first), from the vocabulary
of the published public datasets — never a word only a private or unpublished dataset holds.
The speller is built once per index generation — by a thread as soon as a process opens the
generation, so the first search that finds nothing rarely waits for it — and again, at most
every SPELLER_MAX_AGE seconds, once the follower has applied changes — by a thread, while
searches use the one before (a suggestion is checked against the index searched anyway).
A suggestion is offered only when it finds something under the same filters for the same
user, and the answer stays the answer to what was typed: the page and the API offer the
correction as a link (the harness of the relevance set follows it), so a count never
describes another query than the one asked.
Only an empty answer is corrected: a query that finds a few datasets found words the index
holds, which is what the speller looks for, and checking a correction on every small answer
would cost a second search on each of them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import tantivy
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from tantivy import Occur, Order, Query

from kaifang.catalog.models import Dataset, State
from kaifang.organizations import roles
from kaifang.search import facets as facet_shapes
from kaifang.search.analysis.normalize import normalize
from kaifang.search.analysis.query import (
    CHARS,
    PINYIN,
    WORDS,
    Alternative,
    Term,
    analyze_query,
)
from kaifang.search.analysis.spelling import Speller
from kaifang.search.backends import tantivy_index as ti
from kaifang.search.backends.base import (
    BOOLEAN_FACETS,
    FACETS,
    FALSE,
    TRUE,
    SearchBackend,
    SearchParams,
    SearchResult,
    Values,
)
from kaifang.search.backends.database import DatabaseSearchBackend
from kaifang.search.highlight import highlight_results, query_words
from kaifang.search.selectors import Changes, changes_after, latest_seq

logger = logging.getLogger(__name__)

MAX_PENDING = 1000  # more datasets changed than the index has applied: ask the database
PENDING_ROWS = 4 * MAX_PENDING  # change log rows read at most to find them
EXACT_TITLE_SCORE = 1000.0  # far above any BM25 sum, so an exact title always comes first
TERMS_SIZE = 100_000  # terms aggregation buckets: every department and region there is
SPELLER_MAX_AGE = 300.0  # seconds a speller serves an index the follower has changed since

FIELDS_OF = {WORDS: ti.WORD_FIELDS, PINYIN: ti.PINYIN_FIELDS, CHARS: ti.CHAR_FIELDS}
FLAG_FIELDS = {"high_value": "high_value", "realtime": "realtime", "has_api": "has_api"}
FACET_FIELDS = {
    "domain": "domain",
    "department": "department_facet",
    "region": "region",
    "format": "format",
    "open_type": "open_type",
    "update_frequency": "update_frequency",
    **FLAG_FIELDS,
}
SORT_FIELDS = {  # sort → (fast field, order)
    "newest": ("published", Order.Desc),
    "updated": ("updated", Order.Desc),
    "downloads": ("most_used", Order.Desc),
    "title": ("title_sort", Order.Asc),
}
NOTHING = Changes(frozenset(), frozenset(), 0)
#: the threads searching pages while the facets are counted (see the module's docstring)
PAGES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-page")


@dataclass(frozen=True)
class _Spelling:
    """A speller and what it was built from: the index object (one per generation and
    process), the seq that index had applied, and when (time.monotonic)."""

    index: tantivy.Index
    seq: int | None
    built: float
    speller: Speller

    def serves(self, index: tantivy.Index, seq: int | None) -> bool:
        if self.index is not index:
            return False
        return self.seq == seq or time.monotonic() - self.built < SPELLER_MAX_AGE


class TantivySearchBackend(SearchBackend):
    """Search this node's tantivy index; see the module's docstring."""

    node_index = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: tuple[str, tantivy.Index] | None = None
        self._spelling_lock = threading.Lock()  # guards the two below
        self._spelling: _Spelling | None = None
        self._spelling_started = False  # a thread is building a newer speller
        self._spelling_build = threading.Lock()

    def search(self, params: SearchParams, user) -> SearchResult:
        mode = settings.KAIFANG.get("SEARCH_INDEX_SYNC", "follower")
        if mode == "rebuild":
            index = ti.build_in_memory()
            searcher = index.searcher()
            search = _Search(searcher, params, user, NOTHING)
            return self._answer(index, searcher, search, wait=True)
        if mode == "search":
            _apply_pending()
        found = self._searcher(latest_seq())
        if found is None:
            return DatabaseSearchBackend().search(params, user)
        index, searcher, pending = found
        return self._answer(index, searcher, _Search(searcher, params, user, pending), wait=False)

    def _answer(
        self, index: tantivy.Index, searcher: tantivy.Searcher, search: _Search, *, wait: bool
    ) -> SearchResult:
        """The search's answer, with "did you mean" when it found nothing. An index built in
        memory for each search (SEARCH_INDEX_SYNC = "rebuild", test suites) waits for its own
        speller: the last one came from other documents."""
        result = search.run()
        if result.count == 0 and search.asked_text:
            speller = self.speller(index, searcher, wait=wait)
            result.suggestion = search.suggestion(speller)
        return result

    def speller(
        self, index: tantivy.Index, searcher: tantivy.Searcher, *, wait: bool = True
    ) -> Speller:
        """The speller of `index`'s vocabulary, built once per generation (see the module's
        docstring). Building one takes seconds on a large catalog (~2 s to read 150,000 words
        and ~15 s to index their pinyin at 100,000 datasets), so unless `wait`, a search that
        finds an older speller uses it while a thread builds the new one: a suggestion is
        checked against the index searched anyway. Without any speller yet, the search waits
        for the first."""
        seq = ti.applied_seq(searcher)
        with self._spelling_lock:
            cached = self._spelling
            if cached is not None and cached.serves(index, seq):
                return cached.speller
            if cached is not None and not wait:
                if not self._spelling_started:
                    self._spelling_started = True
                    build = threading.Thread(
                        target=self._build_speller, args=(index, searcher, seq), daemon=True
                    )
                    build.start()
                return cached.speller
        return self._build_speller(index, searcher, seq)

    def _build_speller(
        self, index: tantivy.Index, searcher: tantivy.Searcher, seq: int | None
    ) -> Speller:
        with self._spelling_build:  # one build at a time; a waiting one may find it done
            try:
                cached = self._spelling
                if cached is not None and cached.index is index and cached.seq == seq:
                    return cached.speller
                started = time.monotonic()
                speller = Speller(ti.vocabulary(searcher, public()))
                built = time.monotonic()
                with self._spelling_lock:
                    self._spelling = _Spelling(index, seq, built, speller)
                logger.info("did-you-mean speller: %d words in %.2f s",
                            len(speller.frequency), built - started)  # fmt: skip
                return speller
            finally:
                with self._spelling_lock:
                    self._spelling_started = False

    def current(self) -> tuple[tantivy.Searcher, Changes] | None:
        """A searcher of the index a search would read now and the changes it has not applied
        (search.suggest reads the same); None when the database should answer instead."""
        if settings.KAIFANG.get("SEARCH_INDEX_SYNC", "follower") == "rebuild":
            return ti.build_in_memory().searcher(), NOTHING
        found = self._searcher(latest_seq())
        return None if found is None else found[1:]

    def _searcher(self, latest: int) -> tuple[tantivy.Index, tantivy.Searcher, Changes] | None:
        """The current generation, a searcher of it and the changes it has not applied; None
        when the database should answer instead (no index, or one far behind)."""
        index = self._index()
        if index is None:
            return None
        searcher = index.searcher()
        applied = ti.applied_seq(searcher)
        if applied is not None and applied < latest:
            with self._lock:  # the follower may have committed since this process looked
                index.reload()
            searcher = index.searcher()
            applied = ti.applied_seq(searcher)
        if applied is None or applied > latest:  # another schema, or another database's index
            return None
        if applied == latest:
            return index, searcher, NOTHING
        pending = changes_after(applied, limit=PENDING_ROWS)
        if pending.last_seq < latest or len(pending) > MAX_PENDING:
            logger.warning("search index is behind by over %d datasets; the database answers",
                           MAX_PENDING)  # fmt: skip
            return None
        return index, searcher, pending

    def _index(self) -> tantivy.Index | None:
        """The current generation, opened once per process and again after a rebuild."""
        generation = ti.current_generation(ti.index_root())
        if generation is None:
            logger.warning("no search index at %s; answering from the database", ti.index_root())
            return None
        with self._lock:
            if self._open is None or self._open[0] != str(generation.path):
                index = ti.open_index(generation)
                index.config_reader(reload_policy="manual")
                self._open = (str(generation.path), index)
                self._warm_speller(index)
            return self._open[1]

    def _warm_speller(self, index: tantivy.Index) -> None:
        """Build the speller of a newly opened generation in a thread, so that the first search
        finding nothing does not wait seconds for it (~20 s at 100,000 datasets)."""
        searcher = index.searcher()
        seq = ti.applied_seq(searcher)
        if seq is None:
            return
        with self._spelling_lock:
            self._spelling_started = True
        build = threading.Thread(
            target=self._build_speller, args=(index, searcher, seq), daemon=True
        )
        build.start()


def _apply_pending() -> None:
    """SEARCH_INDEX_SYNC = "search": this process applies the log itself before searching
    (a single-process set-up without a follower; tests through the services). A follower
    holding the writer is left to do it."""
    try:
        writer = ti.Writer()
    except ti.IndexMissing:
        ti.rebuild()
        return
    except ti.IndexBusy:
        return
    try:
        writer.apply_all()
    finally:
        writer.close()


# --- the query ------------------------------------------------------------------------------


def _term(field_name: str, value: Any) -> Query:
    return Query.term_query(ti.SCHEMA, field_name, value)


def _any_of(field_name: str, values: Iterable[Any]) -> Query:
    return Query.term_set_query(ti.SCHEMA, field_name, list(values))


def _all(*clauses: Query) -> Query:
    return Query.boolean_query([(Occur.Must, q) for q in clauses])


def _either(*clauses: Query) -> Query:
    return Query.boolean_query([(Occur.Should, q) for q in clauses])


def _token(field_kind: str, token: str, weight: float) -> Query:
    """One token in any field of its kind, each field scored with its boost."""
    fields = FIELDS_OF[field_kind]
    return _either(
        *(Query.boost_query(_term(f, token), boost * weight) for f, boost in fields.items())
    )


def _phrase(alternative: Alternative) -> Query:
    """The alternative's tokens side by side and in order, in any field of its kind."""
    fields = FIELDS_OF[alternative.field]
    tokens = list(alternative.tokens)
    return _either(
        *(
            Query.boost_query(Query.phrase_query(ti.SCHEMA, f, tokens), boost * alternative.weight)
            for f, boost in fields.items()
        )
    )


def _alternative_query(alternative: Alternative) -> Query:
    if alternative.phrase and len(alternative.tokens) > 1:
        return _phrase(alternative)
    return _all(*(_token(alternative.field, t, alternative.weight) for t in alternative.tokens))


def _term_query(term: Term) -> Query:
    """A query term: any of its alternatives, each needing all of its tokens (side by side,
    for a phrase)."""
    return _either(*(_alternative_query(a) for a in term.alternatives if a.tokens))


def _text(q: str) -> tuple[Query | None, list[str]]:
    """The text query (None without terms) and the words to highlight."""
    analyzed = analyze_query(q)
    if not analyzed.terms:
        return None, []
    matched = _all(*(_term_query(term) for term in analyzed.terms))
    exact = Query.const_score_query(_term("title_exact", ti.exact_title(q)), EXACT_TITLE_SCORE)
    query = Query.boolean_query([(Occur.Must, matched), (Occur.Should, exact)])
    return query, query_words(analyzed)


def _text_only(q: str) -> Query | None:
    """The text query of `q` alone (no title bonus): enough to count what it finds."""
    analyzed = analyze_query(q)
    return _all(*(_term_query(term) for term in analyzed.terms)) if analyzed.terms else None


def visibility(user) -> Query:
    """catalog.visibility.visible_datasets as an index query (lists: published only): the
    public see published datasets that are neither private nor closed; members also their
    departments' published private and closed ones; platform admins and reviewers every
    published one."""
    published = _term("state", State.PUBLISHED)
    if roles.is_platform_admin(user) or roles.is_platform_reviewer(user):
        return published
    public = _term("public", True)  # published, not private, not closed: ti.is_public
    member_of = [str(pk) for pk in roles.department_ids(user)]
    if not member_of:
        return public
    return _either(public, _all(published, _any_of("department_id", member_of)))


def public() -> Query:
    """What an anonymous visitor may find (the vocabulary "did you mean" draws on)."""
    return visibility(AnonymousUser())


def _department_filter(values: Values) -> Query:
    ids, names = [], []
    for value in values:
        try:
            ids.append(str(uuid.UUID(value)))
        except ValueError:
            names.append(value)
    return _either(_any_of("department_id", ids), _any_of("department_name", names))


def _flag_filter(name: str, values: Values) -> Query:
    return _any_of(FLAG_FIELDS[name], [value == TRUE for value in values])


def _filter(name: str, values: Values) -> Query:
    if name == "department":
        return _department_filter(values)
    if name in BOOLEAN_FACETS:
        return _flag_filter(name, values)
    return _any_of(FACET_FIELDS[name], values)


# --- one search -----------------------------------------------------------------------------


@dataclass
class _Search:
    searcher: tantivy.Searcher
    params: SearchParams
    user: Any
    pending: Changes
    words: list[str] = field(default_factory=list)
    asked_text: bool = False

    def run(self) -> SearchResult:
        text, self.words = _text(self.params.q)
        self.asked_text = text is not None
        base = [visibility(self.user)] + ([text] if text is not None else [])
        filters = {n: _filter(n, v) for n, v in self.params.active_filters().items()}
        matched = self._query(base, filters.values())
        page = PAGES.submit(self._page, matched, ranked=text is not None)
        counts = self._facet_counts(base, filters)
        hits, count = page.result()
        results = _load(self.searcher, hits)
        return SearchResult(
            count=count,
            results=results,
            facets=facet_shapes.shape(counts),
            highlights=highlight_results(results, self.words, fold=normalize),
            pending=len(self.pending),
        )

    def suggestion(self, speller: Speller) -> str | None:
        """The speller's correction of the query, if it finds something here: same user,
        same filters, same pending changes left out."""
        corrected = speller.suggest(self.params.q)
        text = _text_only(corrected) if corrected else None
        if text is None or corrected == normalize(self.params.q):
            return None
        filters = [_filter(n, v) for n, v in self.params.active_filters().items()]
        query = self._query([visibility(self.user), text], filters)
        found = self.searcher.search(query, limit=1)
        return corrected if found.count else None

    def _query(self, must: list[Query], filters: Iterable[Query]) -> Query:
        clauses = [(Occur.Must, q) for q in (*must, *filters)]
        if self.pending.ids:
            clauses.append((Occur.MustNot, _any_of("id", [str(pk) for pk in self.pending.ids])))
        return Query.boolean_query(clauses)

    def _page(self, query: Query, *, ranked: bool) -> tuple[list[Any], int]:
        params = self.params
        sort = params.sort if params.sort != "relevance" or ranked else "newest"
        options: dict[str, Any] = {"limit": params.limit, "offset": params.offset}
        if sort == "relevance":
            options["weight_by_field"] = "boost"
        else:
            options["order_by_field"], options["order"] = SORT_FIELDS[sort]
        found = self.searcher.search(query, **options)
        return [address for _score, address in found.hits], found.count

    def _facet_counts(self, base: list[Query], filters: dict[str, Query]) -> dict[str, Any]:
        """Raw counts for search.facets.shape: one aggregation for the facets without a
        filter of their own, one for each facet with one."""
        free = [name for name in FACETS if name not in filters]
        counts = self._aggregate(self._query(base, filters.values()), free)
        for name in filters:
            others = [q for other, q in filters.items() if other != name]
            counts.update(self._aggregate(self._query(base, others), [name]))
        return counts

    def _aggregate(self, query: Query, names: list[str]) -> dict[str, Any]:
        if not names:
            return {}
        request = {n: {"terms": {"field": FACET_FIELDS[n], "size": TERMS_SIZE}} for n in names}
        found = self.searcher.aggregate(query, request)
        return {name: _buckets(name, found.get(name, {}).get("buckets", [])) for name in names}


def _buckets(name: str, buckets: list[dict[str, Any]]) -> dict[Any, int]:
    """A terms aggregation's buckets as the raw counts search.facets expects."""
    if name in BOOLEAN_FACETS:
        return {
            (TRUE if b.get("key_as_string") == "true" else FALSE): b["doc_count"] for b in buckets
        }
    if name == "department":
        return {tuple(str(b["key"]).split("\t", 1)): b["doc_count"] for b in buckets}
    return {str(b["key"]): b["doc_count"] for b in buckets}


def _load(searcher: tantivy.Searcher, hits: list[Any]) -> list[Dataset]:
    """The hits' datasets from the database in the index's order (one query, as the database
    backend loads them), each with its public formats from the index. A dataset deleted since
    the index last caught up is skipped."""
    stored = [searcher.doc(address) for address in hits]
    ids = [uuid.UUID(doc.get_first("id")) for doc in stored]
    formats = {pk: doc.get_all("format") for pk, doc in zip(ids, stored, strict=True)}
    found = Dataset.objects.filter(pk__in=ids).order_by().select_related("department", "region")
    by_id = {dataset.pk: dataset for dataset in found.defer("metadata")}
    results = []
    for pk in ids:
        dataset = by_id.get(pk)
        if dataset is not None:
            dataset.public_formats = formats[pk]
            results.append(dataset)
    return results
