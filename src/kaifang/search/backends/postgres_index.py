"""The PostgreSQL full-text index: one row per dataset in search.models.SearchDocument, with
its text analysed by search.analysis and stored as tsvectors, and kept current from the
change log — inside the very transaction that changes a dataset whenever it can.

Analysis. PostgreSQL's own text parser cannot cut Chinese, so it never sees our text: each
vector is written as a tsvector literal of tokens our analysis made (the same that the tantivy
backend indexes), with positions and a weight letter per field. Three kinds of token share a
vector, kept apart by a prefix: words as they are, pinyin as `p:jiaotong`, and the characters
of the short fields as `c:交` with each pair of neighbours within a text as `c:交通` (a run of
characters is matched by its pairs, never across two texts, without phrase queries). `words`
holds every text and carries the GIN index that matching uses; `rank_words` holds the short
fields and the summary only (no information items or sample values), the vector the final
ranking reads; `rank_head` is the small vector the first ranking stage reads for every match
(see search.backends.postgres): the words of the title, keywords and department, the title's
short pinyin (syllables and initials of its words, up to HEAD_PINYIN_MAX letters) and its
single characters. Its words sit at the same positions as in `rank_words`, where only the
summary's and context's come after them, so the head scores a word as the full ranking does
but for those.

Storage. The two large vectors are kept out of the row (STORAGE EXTERNAL, with a row target
small enough that they always leave it): matching reads the GIN index only, and counting,
facets and the first ranking stage read the narrow rows, which stay in memory; the large
vectors are read for a page's candidates only. Every other column is kept in the row.

Weights. Words: A title, B keywords, C department and code, D summary and context (domain,
themes, regions) — and, in `words` only, the information items. Pinyin: A title, B keywords
and department. Characters: A title, B keywords and department.

Keeping current. `datasets_changed` (search.services) calls `apply_recorded` with the log rows
it has just written, in the caller's transaction and under the log's lock: the rows of those
datasets are rebuilt there and then, so a withdrawn dataset is gone from the very next query,
and when the index had applied everything before, `applied_seq` moves on with them. Whatever
could not be applied that way (a department renamed over thousands of datasets, a rebuild
running meanwhile, an analysis error) is applied by `catch_up`, which a search calls when the
log is ahead, only when it can take the log's lock without waiting; until then searches leave
out the datasets whose rows are older than their last change. `kaifang searchindex --rebuild`
rebuilds every row.
"""

from __future__ import annotations

# SQL is built here from this module's constants and model table names only; every value is
# a bound parameter.
# ruff: noqa: S608
import datetime as dt
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog.models import Dataset
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.analysis.segment import char_tokens, index_tokens
from kaifang.search.documents import DatasetDocument, build_documents, exact_title
from kaifang.search.models import SearchChange, SearchDocument, SearchDocumentState, SearchLogLock
from kaifang.search.selectors import changes_after, latest_seq
from kaifang.search.services import lock_log
from kaifang.search.usage import use_since

logger = logging.getLogger(__name__)

TABLE = SearchDocument._meta.db_table
STATE_TABLE = SearchDocumentState._meta.db_table
LOG_TABLE = SearchChange._meta.db_table
WORD, PINYIN, CHAR = "", "p:", "c:"  # token prefixes, by kind
MAX_POSITION = 16383  # tsvector positions stop here
MAX_POSITIONS = 256  # positions one lexeme keeps
IN_TRANSACTION_MAX = 200  # datasets a changing transaction re-indexes itself
APPLY_BATCH = 1000  # change log rows one catch-up applies
WRITE_BATCH = 500  # rows written per statement batch
USE_REFRESH_SECONDS = 3600  # how often recent use is copied into the rows
HEAD_PINYIN_MAX = 8  # longer pinyin (a whole title's) stays out of `rank_head`

COLUMNS = (
    "dataset_id", "seq", "name", "title", "title_exact", "state", "is_private", "open_type",
    "department_id", "department_name", "department_title", "domain", "update_frequency",
    "is_high_value", "is_realtime", "has_api", "published_at", "created_at", "updated_at",
    "download_count", "recent_use", "freshness", "words", "rank_words", "rank_head",
    "region_codes", "formats",
)  # fmt: skip
CASTS = {"words": "::tsvector", "rank_words": "::tsvector", "rank_head": "::tsvector",
         "region_codes": "::varchar(6)[]", "formats": "::varchar(16)[]"}  # fmt: skip


def available() -> bool:
    """The index lives in PostgreSQL; on any other database there is none."""
    return connection.vendor == "postgresql"


# --- documents as rows ----------------------------------------------------------------------


def quote(token: str) -> str:
    """A token as a quoted tsvector or tsquery lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class VectorText:
    """A tsvector literal in the making: each token with its positions and weight letters.
    Positions run on across texts with a gap of one between texts, so a phrase never spans
    two of them."""

    def __init__(self) -> None:
        self.entries: dict[str, list[str]] = {}
        self.position = 0

    def add(self, tokens: Iterable[str], weight: str, prefix: str = WORD) -> None:
        for token in tokens:
            self.position = min(self.position + 1, MAX_POSITION)
            places = self.entries.setdefault(prefix + token, [])
            if len(places) < MAX_POSITIONS:
                places.append(f"{self.position}{weight}")
        self.position = min(self.position + 1, MAX_POSITION)  # the gap after a text

    def literal(self) -> str:
        return " ".join(f"{quote(token)}:{','.join(at)}" for token, at in self.entries.items())


def _words(*texts: str) -> list[str]:
    joined = " ".join(text for text in texts if text)
    return index_tokens(joined) if joined else []


def char_grams(text: str) -> list[str]:
    """The characters of a text and each pair of neighbours (交, 通, 交通): a run of characters
    is then matched by its pairs (see search.backends.postgres), which the GIN index answers
    alone, where a phrase query (`<->`) would make PostgreSQL read every candidate's vector
    again to check positions."""
    chars = char_tokens(text)
    return chars + [a + b for a, b in itertools.pairwise(chars)]


def vectors(document: DatasetDocument) -> tuple[str, str, str]:
    """The document's `words`, `rank_words` and `rank_head` literals (see the module's
    docstring)."""
    department = [document.department_title, document.department_short_name]
    short = [text for text in (*document.keywords, *department) if text]
    words = [
        (_words(document.title), "A"),
        (_words(*document.keywords), "B"),
        (_words(*department, document.identifier), "C"),
    ]
    ranked, head = VectorText(), VectorText()
    for vector in (ranked, head):
        for tokens, weight in words:
            vector.add(tokens, weight)
    ranked.add(_words(document.summary), "D")
    ranked.add(_words(document.domain_label, *document.themes, *document.region_names), "D")
    ranked.add(pinyin_tokens(document.title), "A", PINYIN)
    for text in short:
        ranked.add(pinyin_tokens(text), "B", PINYIN)
    ranked.add(char_grams(document.title), "A", CHAR)
    for text in short:
        ranked.add(char_grams(text), "B", CHAR)
    rank_literal = ranked.literal()
    ranked.add(_words(*document.fields, *document.samples), "D")
    title_pinyin = pinyin_tokens(document.title)
    head.add([t for t in title_pinyin if len(t) <= HEAD_PINYIN_MAX], "A", PINYIN)
    head.add(char_tokens(document.title), "A", CHAR)
    return ranked.literal(), rank_literal, head.literal()


def freshness(document: DatasetDocument) -> float:
    """Up to 0.05, linear in the publication (else creation) date from 2000 to 2050: with
    recent use (up to 0.05 more, see search.backends.postgres) a score's tie-breaker factor,
    as the tantivy backend's."""
    published = document.published_at or document.created_at
    if published is None:
        return 0.0
    years = published.year + published.timetuple().tm_yday / 366 - 2000
    return 0.05 * min(max(years / 50, 0.0), 1.0)


def row(document: DatasetDocument, seq: int) -> tuple:
    """The document's values in COLUMNS order."""
    words, rank_words, rank_head = vectors(document)
    return (
        document.id, seq, document.name, document.title, exact_title(document.title),
        document.state, document.is_private, document.open_type, document.department_id,
        document.department_name, document.department_title, document.domain,
        document.update_frequency, document.is_high_value, document.is_realtime,
        document.has_api, document.published_at, document.created_at, document.updated_at,
        document.download_count, document.recent_use, freshness(document), words, rank_words,
        rank_head, document.region_codes, document.formats,
    )  # fmt: skip


def _upsert_sql() -> str:
    values = ", ".join(f"%s{CASTS.get(c, '')}" for c in COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "dataset_id")
    return (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({values}) "
        f"ON CONFLICT (dataset_id) DO UPDATE SET {updates} WHERE {TABLE}.seq <= EXCLUDED.seq"
    )


UPSERT = _upsert_sql()


def write(ids: Iterable[uuid.UUID] | None, seq: int) -> set[uuid.UUID]:
    """Build the rows of these datasets (of every dataset when None) from the database,
    stamped `seq`, and return the ids written. A row stamped with a later seq is left as it is:
    it was built after this one's data was read. The rows of datasets that no longer exist
    are removed (when `ids` names them)."""
    written: set[uuid.UUID] = set()
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for document in build_documents(ids):
            batch.append(row(document, seq))
            written.add(document.id)
            if len(batch) >= WRITE_BATCH:
                cursor.executemany(UPSERT, batch)
                batch = []
        if batch:
            cursor.executemany(UPSERT, batch)
        gone = set(ids or ()) - written
        if gone:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE dataset_id = ANY(%s) AND seq <= %s", [list(gone), seq]
            )
    return written


# --- how far the index has caught up --------------------------------------------------------


def applied_seq() -> int:
    """The seq up to which every change is in the index (0 for a new one)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT applied_seq FROM {STATE_TABLE} WHERE id = 1")
        found = cursor.fetchone()
    return found[0] if found else 0


def _set_applied(seq: int) -> None:
    """Move `applied_seq` forward to `seq` (never back). Callers hold the log's lock."""
    SearchDocumentState.objects.get_or_create(pk=1)
    SearchDocumentState.objects.filter(pk=1, applied_seq__lt=seq).update(applied_seq=seq)


def _try_lock_log() -> bool:
    """Take the change log's lock for the rest of the transaction if no one holds it."""
    try:
        with transaction.atomic():
            SearchLogLock.objects.get_or_create(pk=1)
    except IntegrityError:  # another transaction made it first
        pass
    rows = SearchLogLock.objects.select_for_update(skip_locked=True).filter(pk=1)
    return bool(list(rows.values_list("pk", flat=True)))


def apply_recorded(changes: Sequence[SearchChange]) -> None:
    """Re-index the datasets of these change log rows, just written by the running
    transaction under the log's lock (see search.services). A failure here must not undo the
    change being recorded: it is logged and left to `catch_up`."""
    ids = {change.dataset_id for change in changes}
    if not changes or len(ids) > IN_TRANSACTION_MAX:
        return
    last = max(change.seq for change in changes)
    mine = [change.seq for change in changes]
    try:
        with transaction.atomic():
            applied = applied_seq()
            write(ids, last)
            others = SearchChange.objects.filter(seq__gt=applied).exclude(seq__in=mine)
            if not others.exists():
                _set_applied(last)
    except Exception:  # the analysis data broke, say: the change itself must still commit
        logger.exception("full-text index: re-indexing %d datasets failed", len(ids))


def catch_up(limit: int = APPLY_BATCH) -> int:
    """Apply the next change log rows (at most `limit`) if no transaction holds the log's
    lock, and refresh recent use when it is due; return how many datasets were re-indexed."""
    with transaction.atomic():
        if not _try_lock_log():
            return 0
        applied = applied_seq()
        changes = changes_after(applied, limit=limit)
        if changes.last_seq > applied:
            write(changes.ids, changes.last_seq)
            _set_applied(changes.last_seq)
        if _use_is_stale():
            refresh_use()
    return len(changes)


# --- building -------------------------------------------------------------------------------


@dataclass
class BuildReport:
    datasets: int
    seconds: float
    seq: int
    bytes: int = 0


def rebuild(*, progress: Callable[[int], None] | None = None) -> BuildReport:
    """Rebuild every row from the database. Rows are stamped with the log's seq read first:
    the log's rows after it are applied again later, which changes nothing. Rows of datasets
    that no longer exist are removed; changes applied meanwhile by other transactions (rows
    stamped later) are kept. Every row was rewritten, so the table is then vacuumed and
    analysed (outside any transaction; not within one, as in tests): left to autovacuum, the
    dead rows of a rebuild doubled the table and slowed the searches after it by half."""
    started = time.monotonic()
    seq = latest_seq()
    written: set[uuid.UUID] = set()
    for batch in _id_batches():
        written |= write(batch, seq)
        if progress:
            progress(len(written))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE seq <= %s AND NOT (dataset_id = ANY(%s))",
            [seq, list(written)],
        )
        lock_log()
        _set_applied(seq)
        refresh_use()
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {TABLE}")
    return BuildReport(len(written), time.monotonic() - started, seq, table_bytes())


def _id_batches() -> Iterable[list[uuid.UUID]]:
    ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), WRITE_BATCH * 4):
        yield ids[start : start + WRITE_BATCH * 4]


def table_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [TABLE])
        return int(cursor.fetchone()[0])


def status() -> tuple[int, int]:
    """(rows, applied_seq)."""
    return SearchDocument.objects.count(), applied_seq()


# --- recent use -----------------------------------------------------------------------------


def _use_is_stale() -> bool:
    state = SearchDocumentState.objects.filter(pk=1).values_list("use_refreshed_at").first()
    refreshed = state[0] if state else None
    return refreshed is None or timezone.now() - refreshed > dt.timedelta(
        seconds=USE_REFRESH_SECONDS
    )


def refresh_use() -> int:
    """Copy each dataset's recent use (search.usage) and all-time downloads into its row where
    they differ — downloads and API calls are counted all day without a change log row, and
    the days counted move on. One statement; returns the rows changed."""
    counts = ResourceDailyCount._meta.db_table
    datasets = Dataset._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {TABLE} AS s SET recent_use = COALESCE(u.n, 0), download_count = d.download_count
            FROM {datasets} d LEFT JOIN (
                SELECT dataset_id, SUM(downloads + api_calls) AS n FROM {counts}
                WHERE day >= %s GROUP BY dataset_id
            ) u ON u.dataset_id = d.id
            WHERE s.dataset_id = d.id
              AND (s.recent_use <> COALESCE(u.n, 0) OR s.download_count <> d.download_count)
            """,
            [use_since()],
        )
        changed = cursor.rowcount
    SearchDocumentState.objects.get_or_create(pk=1)
    SearchDocumentState.objects.filter(pk=1).update(use_refreshed_at=timezone.now())
    return changed
