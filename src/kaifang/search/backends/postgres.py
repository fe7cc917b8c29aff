"""The PostgreSQL full-text search backend: the catalog's own database answers, over the
index table of backends.postgres_index (tokens made by search.analysis, a GIN index on them),
for deployments that want no index on each node. It needs PostgreSQL: on any other database
the platform refuses to start with it (search.checks), and so does the backend itself.

Matching. The query's analysis (search.analysis.query) becomes one tsquery: `&` between
terms, `|` between a term's alternatives, `&` inside an alternative, each token with its
kind's prefix — `Query.matches`, but for a phrase of characters, matched by its neighbouring
pairs (a run of three characters is found where its two pairs are, which is nearly always
side by side): no phrase operator, so the GIN index answers without PostgreSQL reading the
candidates' vectors again. Text searches run with sequential scans off and more work memory
(SET LOCAL, in their own transaction): the planner does not count the cost of fetching large
vectors from TOAST, and would otherwise read every row's to test it.

Ranking. Each alternative adds its weight (typed 1.0, parts 0.8, synonyms 0.7, pinyin 0.6,
characters 0.4 …) times `ts_rank` of its tokens in `rank_words`, where the field a token sits
in sets how much it counts (title > keywords > department > summary; pinyin and characters of
the short fields less). A title equal to the whole query comes first, whatever the rest.
Freshness and use (recent downloads and API calls, and all-time downloads) multiply the score
by at most 1.1, a gentle tie-breaker as in the tantivy backend; then newest first.

It runs in two stages, because `rank_words` (about 2 KB a dataset) lies outside the row and
reading it for each of tens of thousands of matches costs far more than the rest of a search.
The first stage scores every match the same way from the row's small `rank_head` (the words
of the title, keywords and department, the title's short pinyin and single characters) and
keeps the best CANDIDATES (or more, for a later page); the second scores those few in full and
orders them. Whenever a search matches no more than that, the order is exactly the full
ranking; beyond it, a match whose score lies mostly where the head does not look (the
summary, the pinyin and characters of keywords and department, pairs of characters) can miss
a page it would have made, among near ties with those that make it.

Facets follow the database backend's rules (each facet's counts honour every filter but its
own) and are counted by one statement: the matching rows, each with a flag per active filter,
grouped once per facet — regions and formats by the whole array a row holds (the region's
code and those above it; the formats), each array's count then added to every code in it —,
the count and the boolean facets in one pass. The same statement picks the first ranking
stage's candidates from the same rows. It reads the narrow rows only (the GIN index tells
which match), never the large text vectors.

Freshness of the index. Changes are applied inside the transaction that makes them (see
postgres_index), so a withdrawn dataset is gone from the very next query. What that could not
apply is applied by a search that finds the log ahead, when no transaction holds the log's
lock; meanwhile the rows older than their dataset's last change are left out, and beyond
MAX_PENDING such datasets the database backend answers, as the tantivy backend does.

Did you mean. As the tantivy backend: a text search that finds nothing is offered the query
with each unknown word corrected by search.analysis.spelling, from the vocabulary of the
public datasets (weighed by field), when that correction finds something for the same user
under the same filters. The speller is built again once the index has changed and it is older
than SPELLER_MAX_AGE seconds.
"""

from __future__ import annotations

# SQL is built here from this module's constants and model table names only; every value is
# a bound parameter.
# ruff: noqa: S608
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, State
from kaifang.organizations import roles
from kaifang.search import facets as facet_shapes
from kaifang.search.analysis.normalize import normalize
from kaifang.search.analysis.query import CHARS, PINYIN, Alternative, Term, analyze_query
from kaifang.search.analysis.query import Query as AnalyzedQuery
from kaifang.search.analysis.spelling import Speller
from kaifang.search.backends import postgres_index as pi
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
from kaifang.search.models import SearchChange
from kaifang.search.selectors import latest_seq

logger = logging.getLogger(__name__)

TABLE = pi.TABLE
LOG_TABLE = SearchChange._meta.db_table
MAX_PENDING = 1000  # datasets with unapplied changes beyond which the database answers
EXACT_TITLE = 1000.0  # far above any text score, so an exact title always comes first
CANDIDATES = 200  # matches the first ranking stage hands to the full ranking (at least)
SPELLER_MAX_AGE = 300.0
WORK_MEM = "64MB"  # per sort or hash of a search: the facets' grouping of 100,000 rows
PREFIX = {CHARS: pi.CHAR, PINYIN: pi.PINYIN}  # the words field has no prefix
# ts_rank weights {D, C, B, A} by token kind: see postgres_index for the letters.
RANK_WEIGHTS = {
    "words": "{0.25,0.375,0.625,1.0}",
    PINYIN: "{0,0,0.25,0.5}",
    CHARS: "{0,0,0.125,0.2}",
}
COLUMNS = {  # facet → column of the index table
    "domain": "domain",
    "open_type": "open_type",
    "update_frequency": "update_frequency",
    "high_value": "is_high_value",
    "realtime": "is_realtime",
    "has_api": "has_api",
}
NEWEST = "d.published_at DESC NULLS LAST, d.created_at DESC, d.name"
NEWEST_M = NEWEST.replace("d.", "m.")  # the same over the matched rows
CANDIDATES_ROW = "*candidates"  # the facet name of the row that carries them
ORDERINGS = {
    "newest": NEWEST,
    "updated": "d.updated_at DESC NULLS LAST, d.name",
    "downloads": f"d.recent_use DESC, d.download_count DESC, {NEWEST}",
    "title": "d.title, d.name",
}
# The tie-breaker factor: freshness (stored, up to 0.05) and use (up to 0.05: the log of the
# last 90 days' downloads and API calls plus the all-time downloads, 0.05 at a million).
TIE_BREAKER = "(1 + d.freshness + 0.05 * LEAST(LOG(1 + d.recent_use + d.download_count) / 6, 1))"


def unavailable_reason() -> str | None:
    """Why this backend cannot run here, in Chinese; None when it can."""
    if connection.vendor == "postgresql":
        return None
    return _(
        "搜索后端 PostgresSearchBackend 需要 PostgreSQL 数据库，当前数据库为 %(vendor)s："
        "请将 DATABASE_URL 设为 postgres://…，或将 KAIFANG_SEARCH_BACKEND 改为 tantivy 后端。"
    ) % {"vendor": connection.vendor}


# --- SQL pieces -----------------------------------------------------------------------------


@dataclass
class Sql:
    """A piece of SQL with its bound values."""

    text: str
    values: list[Any] = field(default_factory=list)

    @staticmethod
    def all(parts: Iterable[Sql]) -> Sql:
        parts = list(parts)
        if not parts:
            return Sql("TRUE")
        return Sql(" AND ".join(f"({p.text})" for p in parts), [v for p in parts for v in p.values])


def _lexeme(alternative: Alternative, token: str) -> str:
    return pi.quote(PREFIX.get(alternative.field, pi.WORD) + token)


def _tokens(alternative: Alternative) -> tuple[str, ...]:
    """The tokens to look for: a phrase of characters by its neighbouring pairs (the index
    holds each pair of a text; see postgres_index.char_grams)."""
    tokens = alternative.tokens
    if alternative.field == CHARS and alternative.phrase and len(tokens) > 1:
        return tuple(a + b for a, b in itertools.pairwise(tokens))
    return tokens


def _alternative_query(alternative: Alternative) -> str:
    return "(" + " & ".join(_lexeme(alternative, t) for t in _tokens(alternative)) + ")"


def _term_query(term: Term) -> str:
    return "(" + " | ".join(_alternative_query(a) for a in term.alternatives if a.tokens) + ")"


def tsquery(analyzed: AnalyzedQuery) -> str:
    """The analysed query as a tsquery literal (see the module's docstring)."""
    return " & ".join(_term_query(term) for term in analyzed.terms)


def _rank(analyzed: AnalyzedQuery, vector: str = "d.rank_words") -> Sql:
    """The text score: per alternative, its weight times ts_rank of its tokens in `vector`
    (any of them, so a document holding some of a compound's parts scores some)."""
    parts, values = [], []
    for term in analyzed.terms:
        for alternative in term.alternatives:
            if not alternative.tokens:
                continue
            lexemes = " | ".join(_lexeme(alternative, t) for t in _tokens(alternative))
            weights = RANK_WEIGHTS.get(alternative.field, RANK_WEIGHTS["words"])
            parts.append(f"{alternative.weight!r} * ts_rank(%s::real[], {vector}, %s::tsquery)")
            values += [weights, lexemes]
    return Sql(" + ".join(parts) or "0", values)


def _head_rank(analyzed: AnalyzedQuery) -> Sql:
    """The text score of `_rank` over `rank_head`, in fewer ts_rank calls, for every match.
    ts_rank of lexemes joined by `|` is the sum of each lexeme's own score over their number,
    so an alternative gives each of its lexemes its weight's share: a lexeme weighs the sum
    of its shares, and the lexemes of one kind and one weight are ranked by one call. The
    head holds single characters, not their pairs (see postgres_index)."""
    shares: dict[str, tuple[str, float]] = {}  # lexeme → (its kind's weights, its weight)
    for term in analyzed.terms:
        for alternative in term.alternatives:
            tokens = set(alternative.tokens)
            weights = RANK_WEIGHTS.get(alternative.field, RANK_WEIGHTS["words"])
            for token in tokens:
                lexeme = _lexeme(alternative, token)
                weight = shares.get(lexeme, (weights, 0.0))[1]
                shares[lexeme] = (weights, weight + alternative.weight / len(tokens))
    groups: dict[tuple[str, float], list[str]] = {}
    for lexeme, (weights, weight) in shares.items():
        groups.setdefault((weights, round(weight, 9)), []).append(lexeme)
    parts, values = [], []
    for (weights, weight), lexemes in groups.items():
        parts.append(f"{weight * len(lexemes)!r} * ts_rank(%s::real[], d.rank_head, %s::tsquery)")
        values += [weights, " | ".join(lexemes)]
    return Sql(" + ".join(parts) or "0", values)


def _score(q: str, rank: Sql) -> Sql:
    """A ranking score: the exact title first, the text score, the tie-breaker factor."""
    exact = f"CASE WHEN d.title_exact = %s THEN {EXACT_TITLE} ELSE 0 END"
    return Sql(f"(({exact}) + ({rank.text})) * {TIE_BREAKER}", [pi.exact_title(q), *rank.values])


def _visibility(user) -> Sql:
    """catalog.visibility.visible_datasets for lists, on the index's columns."""
    published = Sql("d.state = %s", [State.PUBLISHED])
    if roles.is_platform_admin(user) or roles.is_platform_reviewer(user):
        return published
    public = "NOT d.is_private AND d.open_type <> 'closed'"
    member_of = [str(pk) for pk in roles.department_ids(user)]
    if not member_of:
        return Sql(f"{published.text} AND {public}", published.values)
    return Sql(
        f"{published.text} AND ({public} OR d.department_id = ANY(%s::uuid[]))",
        [*published.values, member_of],
    )


def _department_filter(values: Values) -> Sql:
    ids, names = [], []
    for value in values:
        try:
            ids.append(str(uuid.UUID(value)))
        except ValueError:
            names.append(value)
    return Sql("d.department_id = ANY(%s::uuid[]) OR d.department_name = ANY(%s)", [ids, names])


def _filter(name: str, values: Values) -> Sql:
    if name == "department":
        return _department_filter(values)
    if name == "region":
        return Sql("d.region_codes && %s::varchar(6)[]", [list(values)])
    if name == "format":
        return Sql("d.formats && %s::varchar(16)[]", [list(values)])
    if name in BOOLEAN_FACETS:
        return Sql(f"d.{COLUMNS[name]} = ANY(%s::boolean[])", [[v == TRUE for v in values]])
    return Sql(f"d.{COLUMNS[name]} = ANY(%s)", [list(values)])


def _not_pending(applied: int) -> Sql:
    """Leave out rows older than their dataset's last change (none when all is applied)."""
    return Sql(
        f"NOT EXISTS (SELECT 1 FROM {LOG_TABLE} c WHERE c.seq > %s "
        "AND c.dataset_id = d.dataset_id AND c.seq > d.seq)",
        [applied],
    )


# --- the backend ----------------------------------------------------------------------------


class PostgresSearchBackend(SearchBackend):
    """Search the PostgreSQL full-text index; see the module's docstring."""

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise ImproperlyConfigured(reason)
        self._spelling_lock = threading.Lock()
        self._spelling: tuple[int, float, Speller] | None = None  # (applied seq, built, speller)

    def changes_recorded(self, changes) -> None:
        pi.apply_recorded(changes)

    def search(self, params: SearchParams, user) -> SearchResult:
        mode = settings.KAIFANG.get("SEARCH_INDEX_SYNC", "follower")
        if mode == "rebuild":  # test suites whose fixtures write rows past the services
            pi.rebuild()
        applied, latest = pi.applied_seq(), latest_seq()
        if applied < latest:
            pi.catch_up()
            applied = pi.applied_seq()
        pending = self._pending(applied, latest)
        if pending is None:
            return DatabaseSearchBackend().search(params, user)
        search = _Search(params, user, applied if pending else None, pending)
        with _planned(text=bool(search.analyzed.terms)):
            result = search.run()
        if result.count == 0 and search.analyzed.terms:
            speller = self.speller(applied, wait=mode == "rebuild")
            with _planned(text=True):
                result.suggestion = search.suggestion(speller)
        return result

    def suggest(
        self, folded: str, letters: str, user, size: int
    ) -> tuple[list[tuple[str, str]], list[str]] | None:
        """Titles ((name, title) pairs) and keywords for search.suggest, from the index (see
        backends.postgres_suggest); None when the index is too far behind to answer."""
        from kaifang.search.backends import postgres_suggest

        if settings.KAIFANG.get("SEARCH_INDEX_SYNC") == "rebuild":
            pi.rebuild()
        applied, latest = pi.applied_seq(), latest_seq()
        pending = self._pending(applied, latest)
        if pending is None:
            return None
        applied_if_pending = applied if pending else None
        return postgres_suggest.suggest(
            user, folded, letters, size, applied=applied_if_pending, latest=latest
        )

    def _pending(self, applied: int, latest: int) -> int | None:
        """How many datasets have changes the index lacks; None when too many."""
        if applied >= latest:
            return 0
        ids = SearchChange.objects.filter(seq__gt=applied).values("dataset_id").distinct()
        count = ids[: MAX_PENDING + 1].count()
        if count > MAX_PENDING:
            logger.warning("full-text index is behind by over %d datasets; the database answers",
                           MAX_PENDING)  # fmt: skip
            return None
        return count

    def speller(self, applied: int, *, wait: bool = False) -> Speller:
        """The speller of the public datasets' vocabulary, built again when the index has
        changed since and the speller is older than SPELLER_MAX_AGE (or at once with `wait`,
        for test suites)."""
        with self._spelling_lock:
            cached = self._spelling
            if cached is not None:
                seq, built, speller = cached
                fresh = time.monotonic() - built < SPELLER_MAX_AGE and not wait
                if seq == applied or fresh:
                    return speller
            speller = Speller(vocabulary())
            self._spelling = (applied, time.monotonic(), speller)
            return speller


@contextmanager
def _planned(*, text: bool) -> Iterator[None]:
    """A transaction whose statements may use WORK_MEM for the facets' grouping and, for a
    text search, see sequential scans as a last resort (see the module's docstring)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        if text:
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def vocabulary() -> dict[str, int]:
    """The word tokens of the public datasets (two characters or more), each weighed as
    ranking weighs it: the datasets holding it in each field class times that class's weight,
    so "did you mean" prefers a word of titles to a homophone of summaries."""
    public = _visibility(AnonymousUser())
    sql = f"""
        SELECT u.lexeme, SUM(
            CASE WHEN 'A' = ANY(u.weights) THEN 8 ELSE 0 END
            + CASE WHEN 'B' = ANY(u.weights) THEN 5 ELSE 0 END
            + CASE WHEN 'C' = ANY(u.weights) THEN 3 ELSE 0 END
            + CASE WHEN 'D' = ANY(u.weights) THEN 2 ELSE 0 END)
        FROM {TABLE} d, unnest(d.rank_words) u
        WHERE {public.text} AND char_length(u.lexeme) > 1
          AND u.lexeme NOT LIKE 'c:%%' AND u.lexeme NOT LIKE 'p:%%'
        GROUP BY u.lexeme
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, public.values)
        return {word: int(weight) for word, weight in cursor.fetchall()}


# --- one search -----------------------------------------------------------------------------


@dataclass
class _Search:
    params: SearchParams
    user: Any
    applied: int | None  # the index's applied seq when changes are pending, else None
    pending: int = 0

    def __post_init__(self) -> None:
        self.analyzed = analyze_query(self.params.q)
        self.filters = {n: _filter(n, v) for n, v in self.params.active_filters().items()}

    def _base(self, analyzed: AnalyzedQuery | None = None, *, text: bool = True) -> list[Sql]:
        analyzed = analyzed or self.analyzed
        base = [_visibility(self.user)]
        if analyzed.terms and text:
            base.append(Sql("d.words @@ %s::tsquery", [tsquery(analyzed)]))
        if self.applied is not None:
            base.append(_not_pending(self.applied))
        return base

    @property
    def ranked(self) -> bool:
        return self.params.sort == "relevance" and bool(self.analyzed.terms)

    def run(self) -> SearchResult:
        counts, candidates = self._facet_counts()
        count = counts.pop("", {}).get("", 0)
        rows = self._ranked_page(candidates) if self.ranked else self._page()
        results = _load(rows)
        return SearchResult(
            count=count,
            results=results,
            facets=facet_shapes.shape(counts),
            highlights=highlight_results(results, query_words(self.analyzed), fold=normalize),
            pending=self.pending,
        )

    def _page(self) -> list[tuple[uuid.UUID, list[str]]]:
        """A page in the order of a sort other than relevance (or of a list without words)."""
        where = Sql.all([*self._base(), *self.filters.values()])
        order = ORDERINGS.get(self.params.sort, NEWEST)
        sql = f"SELECT d.dataset_id, d.formats FROM {TABLE} d WHERE {where.text} ORDER BY {order}"
        return _fetch(f"{sql} LIMIT %s OFFSET %s", [*where.values, *self._slice()])

    def _slice(self) -> list[int]:
        return [self.params.limit, self.params.offset]

    def _ranked_page(self, candidates: list[str]) -> list[tuple[uuid.UUID, list[str]]]:
        """The second ranking stage (see the module's docstring): the candidates the first
        picked, scored in full. `rank_words` is read once per candidate (`||` makes the copy
        that each ts_rank then reads) rather than once per alternative. The visibility gate
        and the filters are applied again: a dataset withdrawn since the first stage must not
        be shown."""
        full = _score(self.params.q, _rank(self.analyzed, "d.rank_vector"))
        where = Sql.all([*self._base(text=False), *self.filters.values()])
        read = (
            "SELECT d.dataset_id, d.formats, d.title_exact, d.freshness, d.recent_use, "
            "d.download_count, d.published_at, d.created_at, d.name, "
            f"d.rank_words || ''::tsvector AS rank_vector FROM {TABLE} d "
            f"WHERE d.dataset_id = ANY(%s::uuid[]) AND {where.text} OFFSET 0"
        )
        sql = f"SELECT d.dataset_id, d.formats FROM ({read}) d ORDER BY {full.text} DESC, {NEWEST}"
        values = [candidates, *where.values, *full.values, *self._slice()]
        return _fetch(f"{sql} LIMIT %s OFFSET %s", values)

    def _facet_counts(self) -> tuple[dict[str, dict[Any, int]], list[str]]:
        """Raw counts for search.facets.shape (and the result count under ""), and for a
        ranked search the first ranking stage's candidates, from one statement: the matching
        rows with a flag per active filter (`m`), grouped per facet over the rows that pass
        every filter but the facet's own. The facets without a filter of their own, the count
        and the candidates read only the rows that pass every filter (`a`), which a filter
        makes far fewer than the matches. Without words, filtered, `m` is read afresh by each
        of its few readers (a scan of narrow rows costs less than keeping them all); with
        words it is kept, not matched again."""
        base = Sql.all(self._base())
        names = list(self.filters)
        flags = [Sql(f"({self.filters[n].text}) AS f_{n}", self.filters[n].values) for n in names]
        if self.ranked:  # the first stage's score and its tie-breakers
            first = _score(self.params.q, _head_rank(self.analyzed))
            flags.append(Sql(f"d.dataset_id, d.published_at, d.created_at, d.name, "
                             f"({first.text}) AS score", first.values))  # fmt: skip
        matched = (
            "SELECT d.domain, d.department_name, d.department_title, d.region_codes, "
            "d.formats, d.open_type, d.update_frequency, d.is_high_value, d.is_realtime, "
            f"d.has_api{''.join(', ' + f.text for f in flags)} FROM {TABLE} d WHERE {base.text}"
        )
        ctes = f"m AS {_materialized(bool(self.analyzed.terms) or not names)} ({matched})"
        if names:
            ctes += f", a AS MATERIALIZED (SELECT * FROM m WHERE {_passing(names)})"
        everything = f"{'a' if names else 'm'} m"
        flagless = [f for f in BOOLEAN_FACETS if f not in names]
        parts = [_totals_select(everything, flagless)]
        for facet in FACETS:
            if facet in names:
                others = _passing(n for n in names if n != facet)
                parts.append(_facet_select(facet, f"m WHERE {others}"))
            elif facet not in flagless:
                parts.append(_facet_select(facet, everything))
        values = [v for f in flags for v in f.values] + base.values
        if self.ranked:
            parts.append(_candidates_select(everything))
            values.append(max(CANDIDATES, 2 * sum(self._slice())))
        counts: dict[str, dict[Any, int]] = {name: {} for name in ("", *FACETS)}
        candidates: list[str] = []
        for facet, value, n in _fetch(f"WITH {ctes} " + " UNION ALL ".join(parts), values):
            if facet == CANDIDATES_ROW:
                candidates = value.split(",") if value else []
            else:
                _add(counts[facet], facet, value, n)
        return counts, candidates

    def suggestion(self, speller: Speller) -> str | None:
        """The speller's correction of the query, if it finds something here: same user,
        same filters, same pending changes left out."""
        corrected = speller.suggest(self.params.q)
        if not corrected or corrected == normalize(self.params.q):
            return None
        analyzed = analyze_query(corrected)
        if not analyzed.terms:
            return None
        where = Sql.all([*self._base(analyzed), *self.filters.values()])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {TABLE} d WHERE {where.text} LIMIT 1", where.values)
            return corrected if cursor.fetchone() else None


def _materialized(kept: bool) -> str:
    return "MATERIALIZED" if kept else "NOT MATERIALIZED"


def _passing(names: Iterable[str]) -> str:
    flags = [f"m.f_{n}" for n in names]
    return " AND ".join(flags) if flags else "TRUE"


def _candidates_select(rows: str) -> str:
    """The first ranking stage's best rows, as one row: their ids joined by commas."""
    best = f"SELECT m.dataset_id FROM {rows} ORDER BY m.score DESC, {NEWEST_M} LIMIT %s"
    return f"SELECT '{CANDIDATES_ROW}', string_agg(c.dataset_id::text, ','), 0 FROM ({best}) c"


def _fetch(sql: str, values: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _totals_select(rows: str, booleans: Iterable[str]) -> str:
    """The count of `rows` (as facet "") and these boolean facets' counts over them, in one
    pass: (facet, value, count) rows unpivoted from one row of filtered counts."""
    counts = ["count(*) AS n"] + [
        f"count(*) FILTER (WHERE m.{COLUMNS[f]}) AS {f}" for f in booleans
    ]
    values = ["('', '', c.n)"] + [
        f"('{f}', '{TRUE}', c.{f}), ('{f}', '{FALSE}', c.n - c.{f})" for f in booleans
    ]
    return (
        f"SELECT v.facet, v.value, v.n FROM (SELECT {', '.join(counts)} FROM {rows}) c, "
        f"LATERAL (VALUES {', '.join(values)}) v(facet, value, n)"
    )


def _facet_select(facet: str, rows: str) -> str:
    """One facet's counts as (facet, value as text, count) rows, over `rows` (a FROM clause
    naming its rows `m`). Rows are grouped by whole region and format arrays (a hundred or so
    distinct ones), each array's count then added to every code it holds (`_add`): far less
    work than a row per code. Text is joined after grouping, once per group."""
    if facet in ("region", "format"):
        column = "region_codes" if facet == "region" else "formats"
        value, group = f"array_to_string(m.{column}, ',')", f"m.{column}"
    elif facet == "department":
        value = "m.department_name || E'\\t' || m.department_title"
        group = "m.department_name, m.department_title"
    elif facet in BOOLEAN_FACETS:  # a boolean as text is TRUE's or FALSE's word
        value = group = f"m.{COLUMNS[facet]}::text"
    else:
        value = group = f"m.{COLUMNS[facet]}"
    return f"SELECT '{facet}', {value}, count(*) FROM {rows} GROUP BY {group}"


def _add(counts: dict[Any, int], facet: str, value: str, n: int) -> None:
    """Add one (facet, value, count) row of _facet_select to a facet's raw counts."""
    if facet == "department":
        key = tuple(value.split("\t", 1))
        counts[key] = counts.get(key, 0) + n
    elif facet in ("region", "format"):  # a row counts once under each code it holds
        for code in value.split(",") if value else ():
            counts[code] = counts.get(code, 0) + n
    else:
        counts[value] = counts.get(value, 0) + n


def _load(rows: list[tuple[uuid.UUID, list[str]]]) -> list[Dataset]:
    """The page's datasets from the database in the index's order, each with its public
    formats from the index. A dataset deleted since its row was written is skipped."""
    ids = [pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk)) for pk, _formats in rows]
    formats = {pk: list(found or []) for pk, (_pk, found) in zip(ids, rows, strict=True)}
    found = Dataset.objects.filter(pk__in=ids).order_by().select_related("department", "region")
    by_id = {dataset.pk: dataset for dataset in found.defer("metadata")}
    results = []
    for pk in ids:
        dataset = by_id.get(pk)
        if dataset is not None:
            dataset.public_formats = formats[pk]
            results.append(dataset)
    return results
