"""Suggestions as one types (search.suggest) from the PostgreSQL full-text index: titles and
keywords read with indexed queries instead of a catalog kept in each process's memory, in
the same order and under the same visibility as search.suggest's catalog in memory (the
index rows carry the access columns, so a withdrawn dataset is gone from the very next
keystroke; rows older than their dataset's last change are left out as a search leaves
them out).

Titles, rank by rank, each rank by downloads then name (the index `suggest_order`):
- a title starting with the text typed: the btree on `title_exact` (text_pattern_ops) finds
  them by a LIKE prefix;
- a title holding it: the GIN index on the title's characters
  (`string_to_array(title_exact, NULL)`) finds the titles holding every character typed, and
  `strpos` keeps those holding them side by side;
- a title with a pinyin token starting with the letters typed: the `words` GIN index finds
  the rows holding such a token (`'p:gj':*`), which also holds the pinyin of keywords and
  department, so each row found is checked against its title's own pinyin tokens here.
A character or a few letters match tens of thousands of rows: reading them all to order them
costs far more than walking the rows in order until enough match, and the planner cannot
tell which case it is in (it does not know how many rows a prefix of a token or a set of
characters matches). So the first WINDOW rows in order are probed with an in-row test
(`strpos`; the title's short pinyin in `rank_head`): enough matches there, the order is
walked; else the matches are few and are read through the GIN index and sorted.

Keywords, by rank (prefix, inside, pinyin), then the number of datasets the caller may see
holding them, then the keyword: the keywords of published datasets are kept per process
(VOCABULARY, read again after MAX_AGE seconds once the change log has moved), each with the
number of published datasets holding it and of public ones. While the log has not moved
since, those are the counts for the public and for platform staff. Otherwise (or for a
department's member) candidates are counted in the database best bound first, a few at a
time, until no bound left can beat the last keyword kept.
"""

from __future__ import annotations

# SQL is built here from this module's constants and model table names only; every value is
# a bound parameter.
# ruff: noqa: S608
import bisect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q

from kaifang.catalog.models import Dataset, State
from kaifang.organizations import roles
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.backends import postgres_index as pi
from kaifang.search.backends.postgres import Sql, _not_pending, _visibility
from kaifang.search.selectors import latest_seq
from kaifang.search.suggest import MAX_AGE, Departments, _entry

TABLE = pi.TABLE
TAGS_TABLE = Dataset.tags.through._meta.db_table
ORDER = "d.download_count DESC, d.name"  # suggestion order: the index suggest_order
WINDOW = 512  # rows in suggestion order probed for how dense matches are
PAGE = 64  # rows of pinyin candidates read at a time through the GIN index
COUNTED = 8  # keyword candidates counted by one statement

Titles = list[tuple[str, str]]  # (name, title)


def suggest(
    user, folded: str, letters: str, size: int, *, applied: int | None, latest: int
) -> tuple[Titles, list[str]]:
    """The first `size` titles and keywords for the folded text typed (and its letters, when
    it may be pinyin) that `user` may see; `applied` the index's applied seq when changes
    are pending (their rows are left out), else None; `latest` the change log's last seq."""
    scope = [_visibility(user)]
    if applied is not None:
        scope.append(_not_pending(applied))
    where = Sql.all(scope)
    titles = _titles(where, folded, letters, size)
    vocabulary = VOCABULARY.get()
    current = vocabulary.seq == latest and applied is None
    column = vocabulary.seen_column(user) if current else None
    if column is not None:
        return titles, vocabulary.best(folded, letters, size, column)
    return titles, _keywords(vocabulary, where, folded, letters, size)


# --- titles ---------------------------------------------------------------------------------


def _titles(where: Sql, folded: str, letters: str, size: int) -> Titles:
    found: dict[str, str] = {}
    prefix = Sql("d.title_exact LIKE %s", [_like_prefix(folded)])
    found.update(_ordered(Sql.all([where, prefix]), size))
    if len(found) < size:
        held = Sql("strpos(d.title_exact, %s) > 0", [folded])
        chars = Sql("string_to_array(d.title_exact, NULL) @> %s::text[]", [sorted(set(folded))])
        dense = _window_matches(where, held) >= size
        with _plan(walk=dense):
            infix = Sql.all([where, chars, held, _except(found)])
            found.update(_ordered(infix, size - len(found)))
    if letters and len(found) < size:
        found.update(_pinyin_titles(where, letters, size - len(found), found))
    return list(found.items())[:size]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _except(found: dict[str, str]) -> Sql:
    return Sql("NOT (d.name = ANY(%s))", [list(found)])


def _ordered(where: Sql, limit: int) -> Titles:
    sql = f"SELECT d.name, d.title FROM {TABLE} d WHERE {where.text} ORDER BY {ORDER} LIMIT %s"
    return [(name, title) for name, title in _fetch(sql, [*where.values, limit])]


def _pinyin_titles(where: Sql, letters: str, limit: int, found: dict[str, str]) -> Titles:
    """The first `limit` titles (not in `found`) with a pinyin token starting with
    `letters`, read page by page in suggestion order from the rows the index offers."""
    query = pi.quote(pi.PINYIN + letters) + ":*"
    head = Sql("d.rank_head @@ %s::tsquery", [query])
    dense = _window_matches(where, head) >= limit + len(found)
    match = "(d.rank_head @@ %s::tsquery OR d.words @@ %s::tsquery)" if dense else None
    offered = Sql(match, [query, query]) if match else Sql("d.words @@ %s::tsquery", [query])
    base = Sql.all([where, offered, _except(found)])
    kept: Titles = []
    after: tuple[int, str] | None = None
    page = limit + 2 if dense else PAGE  # a walk reads rows until its page is full
    with _plan(walk=dense):
        while len(kept) < limit:
            rows = _page(base, head, after, page)
            kept += [
                (name, title)
                for _n, name, title, sure in rows
                if sure or _pinyin_match(title, letters)
            ]
            if len(rows) < page:
                break
            after = rows[-1][0], rows[-1][1]
    return kept[:limit]


def _window_matches(where: Sql, match: Sql) -> int:
    """How many of the first WINDOW rows in suggestion order pass `match` (a test of the
    row's title_exact or rank_head): whether matches are dense enough to walk the order."""
    first = (
        f"SELECT d.title_exact, d.rank_head FROM {TABLE} d WHERE {where.text} "
        f"ORDER BY {ORDER} LIMIT %s"
    )
    sql = f"SELECT count(*) FROM ({first}) d WHERE {match.text}"
    return _fetch(sql, [*where.values, WINDOW, *match.values])[0][0]


@contextmanager
def _plan(*, walk: bool) -> Iterator[None]:
    """A transaction whose statements walk the suggestion order, or read every match through
    a GIN index and sort (see the module's docstring); without parallel workers, whose start
    costs far more than the few rows a suggestion reads."""
    scan = "enable_bitmapscan" if walk else "enable_indexscan"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true), set_config(%s, 'off', true), "
            "set_config('max_parallel_workers_per_gather', '0', true)",
            [scan],
        )
        yield


def _page(
    base: Sql, head: Sql, after: tuple[int, str] | None, size: int
) -> list[tuple[int, str, str, bool]]:
    """A page of candidates after `after`, each with whether the title's short pinyin in
    `rank_head` matches already (the rest are checked against all the title's pinyin)."""
    where = base
    if after is not None:
        keyset = "d.download_count < %s OR (d.download_count = %s AND d.name > %s)"
        where = Sql.all([base, Sql(keyset, [after[0], after[0], after[1]])])
    sql = (
        f"SELECT d.download_count, d.name, d.title, {head.text} FROM {TABLE} d "
        f"WHERE {where.text} ORDER BY {ORDER} LIMIT %s"
    )
    return _fetch(sql, [*head.values, *where.values, size])


def _pinyin_match(title: str, letters: str) -> bool:
    return any(token.startswith(letters) for token in pinyin_tokens(title))


def _fetch(sql: str, values: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


# --- keywords -------------------------------------------------------------------------------

Candidate = tuple[int, int, str, int]  # (rank, minus the holders, keyword, keyword's index)


@dataclass(frozen=True)
class Vocabulary:
    """The keywords of published datasets as of change log seq `seq`: each with its tag id,
    the number of published datasets holding it and of public ones, and the look-up that
    finds the ones a query may match without a scan (search.suggest.Departments serves any
    short texts)."""

    seq: int
    keywords: list[tuple[str, int, int, int]]  # (keyword, tag id, holders, public holders)
    lookup: Departments

    @classmethod
    def read(cls) -> Vocabulary:
        """Read from the database, the log's seq first (see search.suggest.make_catalog)."""
        seq = latest_seq()
        links = Dataset.tags.through.objects.filter(dataset__state=State.PUBLISHED)
        public = Q(dataset__is_private=False) & ~Q(dataset__open_type="closed")
        rows = links.values_list("tag_id", "tag__name").order_by()
        rows = rows.annotate(n=Count("id"), public=Count("id", filter=public))
        keywords = sorted((name, tag_id, n, p) for tag_id, name, n, p in rows)
        entries = [(name, name, _entry(name), None) for name, *_rest in keywords]
        return cls(seq, keywords, Departments.of(entries))

    def candidates(self, folded: str, letters: str) -> list[Candidate]:
        """The keywords matching, best rank and most held first."""
        found = []
        for order in self.lookup.candidates(folded, letters):
            rank = self.lookup.rows[order][2].match(folded, letters)
            if rank is not None:
                keyword, _tag, holders, _public = self.keywords[order]
                found.append((rank, -holders, keyword, order))
        return sorted(found)

    def seen_column(self, user) -> int | None:
        """Which count in `keywords` is what `user` may see (2: published holders, 3: public
        ones); None when it depends on the user's departments."""
        if roles.is_platform_admin(user) or roles.is_platform_reviewer(user):
            return 2
        return None if roles.department_ids(user) else 3

    def best(self, folded: str, letters: str, size: int, column: int) -> list[str]:
        """The best `size` keywords by (rank, minus the holders in `column`, keyword)."""
        found = []
        for rank, _bound, keyword, order in self.candidates(folded, letters):
            seen = self.keywords[order][column]
            if seen:
                found.append((rank, -seen, keyword))
        return [keyword for _rank, _seen, keyword in sorted(found)[:size]]


class _Vocabularies:
    """The process's vocabulary, read again once older than MAX_AGE seconds if the change
    log has moved since (at each call where the index is rebuilt for each search too:
    SEARCH_INDEX_SYNC = "rebuild")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[float, Vocabulary] | None = None

    def get(self) -> Vocabulary:
        if settings.KAIFANG.get("SEARCH_INDEX_SYNC") == "rebuild":
            return Vocabulary.read()
        kept = self._kept
        if kept is not None and time.monotonic() - kept[0] < MAX_AGE:
            return kept[1]
        if kept is not None and kept[1].seq == latest_seq():
            self._kept = (time.monotonic(), kept[1])
            return kept[1]
        with self._lock:
            vocabulary = Vocabulary.read()
            self._kept = (time.monotonic(), vocabulary)
            return vocabulary

    def clear(self) -> None:
        self._kept = None


VOCABULARY = _Vocabularies()


def _keywords(vocabulary: Vocabulary, where: Sql, folded: str, letters: str, size: int):
    """The best `size` keywords by (rank, minus the datasets in scope holding it, keyword),
    counting candidates best bound first until no bound left can win."""
    candidates = vocabulary.candidates(folded, letters)
    best: list[tuple[int, int, str]] = []
    for start in range(0, len(candidates), COUNTED):
        batch = candidates[start : start + COUNTED]
        rank, bound, keyword, _order = batch[0]
        if len(best) >= size and (rank, bound, keyword) > best[-1]:
            break
        tags = {
            vocabulary.keywords[order][1]: (rank, keyword) for rank, _b, keyword, order in batch
        }
        for tag_id, seen in _holders_seen(where, list(tags)).items():
            if seen:
                bisect.insort(best, (tags[tag_id][0], -seen, tags[tag_id][1]))
        del best[size:]
    return [keyword for _rank, _seen, keyword in best]


def _holders_seen(where: Sql, tag_ids: list[int]) -> dict[int, int]:
    """How many datasets in scope hold each of these tags."""
    sql = (
        f"SELECT t.tag_id, count(*) FROM {TAGS_TABLE} t JOIN {TABLE} d "
        f"ON d.dataset_id = t.dataset_id WHERE t.tag_id = ANY(%s) AND {where.text} "
        "GROUP BY t.tag_id"
    )
    return dict(_fetch(sql, [tag_ids, *where.values]))
