"""The node's tantivy index: its schema, its folder, building it, and keeping it current.

Each node (machine) keeps its own index under settings.KAIFANG["SEARCH_INDEX"]. The folder
holds generations, each a complete tantivy index, and a file CURRENT naming the one in use:
`kaifang searchindex --rebuild` builds a new generation from the database while searches go on
reading the old one, then replaces CURRENT in one rename, so no search ever sees a half-built
index.

One process per node writes: the follower (`kaifang searchindex --follow`, the third child of
`kaifang serve`) applies the search change log (search.models.SearchChange) in batches. tantivy
allows a single writer per index; a second one gets LockBusy, which `Writer` turns into
IndexBusy so a second follower waits instead of failing.

The seq of the last change applied is stored in the index itself, in a document of its own
(META_ID) committed together with the changes, so a searcher always knows exactly how far the
index it reads has caught up: a search compares it with the log's latest seq and leaves out the
datasets changed since (see backends.tantivy).

Text fields hold tokens made by search.analysis, joined by spaces and indexed with a whitespace
tokenizer: the index never segments Chinese itself, so documents and queries are cut by the
same code.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import close_old_connections, connection, connections

from kaifang.catalog.models import Dataset, State
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.analysis.segment import char_tokens, index_tokens
from kaifang.search.documents import (
    DatasetDocument,
    Regions,
    build_documents,
    documents_between,
    exact_title,
    id_ranges,
    refresh_statistics,
)
from kaifang.search.selectors import changes_after, latest_seq
from kaifang.search.usage import recent_use

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 6  # raise when the fields change: an index of another version is rebuilt
# (3: the suggestion fields, SUGGEST_FIELDS; 4: their prefixes made by PREFIX_TOKENIZER;
# 5: `public`; 6: `keyword_public`)
META_ID = "~meta"
TOKENIZER = "kaifang_words"  # whitespace + lower case over pre-cut tokens
PREFIX_TOKENIZER = "kaifang_prefixes"  # each value's prefixes, up to SUGGEST_PREFIX_MAX chars
CURRENT = "CURRENT"
HEAP_BYTES = 64_000_000
# A rebuild's writer: a larger heap makes fewer, larger segments and fewer merges (a quarter
# less indexing time than HEAP_BYTES at 100,000 datasets), shared by its indexing threads.
REBUILD_HEAP_BYTES = 256_000_000
APPLY_BATCH = 2000  # change log rows applied in one commit
REPEATED_CACHE = 20_000  # distinct keyword sets, department names, domain-theme-region sets kept
ANALYSIS_BATCH = 1000  # datasets read and analysed together (by one worker process, if any)
PARALLEL_MIN = 5000  # datasets from which a rebuild reads and analyses in several processes
USE_REFRESH_SECONDS = 3600  # how often the follower re-reads recent use for ranking
BUSY_RETRY_SECONDS = 5.0
GENERATION_GRACE_SECONDS = 600  # a generation written to since is never removed

# Field → boost. Title > keywords > department > summary > fields (the order); the
# dataset's code sits with the department, its domain, theme and region names between the
# summary and the information items.
WORD_FIELDS = {
    "title": 8.0,
    "keywords": 5.0,
    "department": 3.0,
    "refs": 3.0,
    "summary": 2.0,
    "context": 1.5,
    "fields": 1.0,
}
PINYIN_FIELDS = {"title_py": 4.0, "short_py": 2.0}  # pinyin of title; of keywords + department
CHAR_FIELDS = {"chars": 1.0}  # characters of the short fields, for one-character queries
# Fields indexed with positions, for phrase queries: a Chinese word matched through its
# characters must find them side by side (analysis.query's `phrase` alternatives).
POSITION_FIELDS = frozenset(CHAR_FIELDS)
KEYWORD_FIELDS = ("domain", "department_name", "department_facet", "department_id", "region",
                  "format", "open_type", "update_frequency", "state")  # fmt: skip
# What suggestions as one types look up (search.suggest): the folded title's prefixes, its
# characters (an infix is a phrase of them), the prefixes of its pinyin tokens (both made by
# the index from the whole texts, with PREFIX_TOKENIZER: a hundred terms a title that
# otherwise each cross from Python, and between processes in a rebuild), and one field
# holding every keyword as "what to match\x1frank\x1fkeyword" — rank 0 its folded text, 1 each
# later suffix of it — and as "\x1epinyin token\x1fkeyword" for each of its pinyin tokens, so a
# prefix walk of the term dictionary (terms_with_prefix) finds the keywords (normalized text
# holds no control characters: a walk never runs across the separators).
# `keyword_public` holds the same terms for public datasets only (search.suggest walks it for
# callers who see only those).
SUGGEST_FIELDS = ("title_prefix", "title_py_prefix", "keyword_suggest", "keyword_public")
RAW_SUGGEST_FIELDS = ("keyword_suggest", "keyword_public")
SUGGEST_PREFIX_MAX = 50  # characters: the longest suggestion query (search.suggest.MAX_QUERY)
SUGGEST_ORDER_DOWNLOADS = 2**32 - 1
PINYIN_MARK = "\x1e"  # keyword_suggest terms of pinyin tokens start with it
#: `public`: what anyone may find (published, neither private nor closed) — one term for the
#: visibility every anonymous search and suggestion is within, in place of three clauses
#: (at a million datasets that was a third of the time of a common word's page)
FLAG_FIELDS = ("private", "public", "high_value", "realtime", "has_api")
NUMBER_FIELDS = ("published", "updated", "most_used")


class IndexBusy(Exception):
    """Another process holds this index's writer (tantivy's LockBusy)."""


class IndexMissing(Exception):
    """This node has no search index yet (or one of an older schema)."""


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in (*WORD_FIELDS, *PINYIN_FIELDS, *CHAR_FIELDS):
        option = "position" if name in POSITION_FIELDS else "freq"
        builder.add_text_field(name, tokenizer_name=TOKENIZER, index_option=option)
    builder.add_text_field("title_exact", tokenizer_name="raw", index_option="basic")
    builder.add_text_field(  # stored: suggestions show title and name without the database
        "title_sort", stored=True, tokenizer_name="raw", fast=True, index_option="basic"
    )
    for name in SUGGEST_FIELDS:
        tokenizer = "raw" if name in RAW_SUGGEST_FIELDS else PREFIX_TOKENIZER
        builder.add_text_field(name, tokenizer_name=tokenizer, index_option="basic")
    builder.add_text_field("title_infix", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("suggest_order", tokenizer_name="raw", fast=True, index_option="basic")
    for name in KEYWORD_FIELDS:
        stored = name == "format"  # the result list shows formats without asking the database
        builder.add_text_field(
            name, stored=stored, tokenizer_name="raw", fast=True, index_option="basic"
        )
    for name in FLAG_FIELDS:
        builder.add_boolean_field(name, indexed=True, fast=True)
    for name in NUMBER_FIELDS:
        builder.add_integer_field(name, fast=True)
    builder.add_float_field("boost", fast=True)
    builder.add_integer_field("seq", stored=True)
    builder.add_integer_field("version", stored=True)
    return builder.build()


SCHEMA = schema()


def _analyzer() -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
    return builder.filter(tantivy.Filter.lowercase()).build()


def _prefix_analyzer() -> tantivy.TextAnalyzer:
    """Each prefix of a value, one to SUGGEST_PREFIX_MAX characters: the values are folded
    already (a title without spaces, pinyin tokens), so nothing else is done to them."""
    prefixes = tantivy.Tokenizer.ngram(1, SUGGEST_PREFIX_MAX, True)
    return tantivy.TextAnalyzerBuilder(prefixes).build()


def prepared(index: tantivy.Index) -> tantivy.Index:
    """An index with our tokenizers registered (tantivy keeps tokenizers per Index object)."""
    index.register_tokenizer(TOKENIZER, _analyzer())
    index.register_tokenizer(PREFIX_TOKENIZER, _prefix_analyzer())
    return index


# --- documents ------------------------------------------------------------------------------


def _words(*texts: str) -> str:
    """The word tokens of `texts`, analysed in one call (spaces keep the texts' words apart:
    the analyzer never joins words across them)."""
    joined = " ".join(text for text in texts if text)
    return " ".join(index_tokens(joined)) if joined else ""


@lru_cache(maxsize=REPEATED_CACHE)
def _repeated_words(texts: tuple[str, ...]) -> str:
    """`_words` of texts that come back together across a catalog, analysed once: a
    department's names; keywords; a dataset's domain, themes and regions."""
    return _words(*texts)


def _chars(*texts: str) -> list[str]:
    """The characters of each text as a value of its own: tantivy leaves a gap in positions
    between a field's values, so a phrase never joins the end of the title to a keyword."""
    values = (" ".join(char_tokens(text)) for text in texts if text)
    return [value for value in values if value]


@lru_cache(maxsize=REPEATED_CACHE)
def _short_pinyin(short: tuple[str, ...]) -> str:
    """The pinyin tokens of a dataset's keywords and department names (they repeat together
    across a catalog: analysed once)."""
    return " ".join(token for text in short for token in pinyin_tokens(text))


@lru_cache(maxsize=REPEATED_CACHE)
def _short_chars(short: tuple[str, ...]) -> tuple[str, ...]:
    """`_chars` of a dataset's keywords and department names, kept as `_short_pinyin` is."""
    return tuple(_chars(*short))


def vocabulary(searcher: tantivy.Searcher, within: tantivy.Query) -> dict[str, int]:
    """The word tokens of the documents `within` matches, each weighed as ranking weighs it —
    the documents holding it in each word field times that field's boost — so "did you mean"
    prefers a word of titles (医院) to a homophone of summaries and tables (亿元).

    Single characters are left out: the characters field holds every one anyway, so a
    character being known says nothing about whether a query that found nothing was typed
    right (停车厂 cut 停车 + 厂 is still corrected to 停车场), and no correction is one."""
    found: dict[str, float] = {}
    for name, boost in WORD_FIELDS.items():
        for term, count in searcher.terms_with_prefix(name, "", filter_query=within):
            if count and len(term) > 1:
                found[term] = found.get(term, 0.0) + count * boost
    return {term: math.ceil(weight) for term, weight in found.items()}


def suggest_fields(document: DatasetDocument, pinyin: list[str]) -> dict[str, Any]:
    """The values of the suggestion fields (see SUGGEST_FIELDS); `pinyin` holds the title's
    pinyin tokens."""
    folded = exact_title(document.title)
    downloads = min(document.download_count, SUGGEST_ORDER_DOWNLOADS)
    keywords = [term for keyword in document.keywords for term in _keyword_terms(keyword)]
    return dict(
        title_prefix=folded,
        title_py_prefix=pinyin,
        title_infix=" ".join(folded),
        keyword_suggest=keywords,
        keyword_public=keywords if is_public(document) else [],
        suggest_order=f"{SUGGEST_ORDER_DOWNLOADS - downloads:010d}\x00{document.name}",
    )


def keyword_terms(keyword: str) -> list[str]:
    """A keyword's terms in the keyword_suggest field (see SUGGEST_FIELDS)."""
    return list(_keyword_terms(keyword))


@lru_cache(maxsize=REPEATED_CACHE)
def _keyword_terms(keyword: str) -> tuple[str, ...]:
    folded = exact_title(keyword)
    if not folded:
        return ()
    terms = [f"{folded}\x1f0\x1f{keyword}"]
    terms += [f"{folded[start:]}\x1f1\x1f{keyword}" for start in range(1, len(folded))]
    terms += [f"{PINYIN_MARK}{token}\x1f{keyword}" for token in pinyin_tokens(keyword)]
    return tuple(terms)


def _micros(moment: dt.datetime | None) -> int:
    return int(moment.timestamp() * 1_000_000) if moment else -(2**62)


def most_used_key(recent: int, total: int) -> int:
    """Recent use, then all-time downloads, as one sortable integer."""
    cap = 2**31 - 1
    return min(recent, cap) * 2**31 + min(total, cap)


def tie_breaker(document: DatasetDocument) -> float:
    """The `boost` fast field: tantivy multiplies a hit's BM25 score by log2(2 + boost), so
    boost = 2**(1 + g) - 2 multiplies it by 1 + g. g stays under 0.1 — a gentle tie-breaker
    that reorders only hits whose text scores lie within 10% of each other: up to 0.05 for
    freshness (linear in the publication date from 2000 to 2050, so newer wins a tie) and up
    to 0.05 for use (log of the last 90 days' downloads and API calls, 0.05 at a million)."""
    published = document.published_at or document.created_at
    years = (published.year + published.timetuple().tm_yday / 366 - 2000) if published else 0
    fresh = min(max(years / 50, 0.0), 1.0)
    used = min(math.log10(1 + document.recent_use) / 6, 1.0)
    return 2 ** (1 + 0.05 * fresh + 0.05 * used) - 2


def tantivy_document(document: DatasetDocument) -> tantivy.Document:
    """A DatasetDocument as the index holds it."""
    return tantivy.Document(**analysed(document))


def analysed(document: DatasetDocument) -> dict[str, Any]:
    """The values of a document's index fields: the costly part of indexing (the analysis of
    its text), plain values that can travel between processes."""
    department = (document.department_title, document.department_short_name)
    short = tuple(text for text in (*document.keywords, *department) if text)
    title_pinyin = pinyin_tokens(document.title)
    return dict(
        id=str(document.id),
        title=_words(document.title),
        keywords=_repeated_words(tuple(document.keywords)),
        department=_repeated_words(department),
        refs=_words(document.identifier),
        summary=_words(document.summary),
        context=_repeated_words((document.domain_label, *document.themes, *document.region_names)),
        fields=_words(*document.fields, *document.samples),
        title_py=" ".join(title_pinyin),
        short_py=_short_pinyin(short),
        chars=[*_chars(document.title), *_short_chars(short)],
        title_exact=exact_title(document.title),
        **suggest_fields(document, title_pinyin),
        title_sort=f"{document.title}\x00{document.name}",
        domain=document.domain,
        department_name=document.department_name,
        department_facet=f"{document.department_name}\t{document.department_title}",
        department_id=str(document.department_id or ""),
        region=document.region_codes,
        format=document.formats,
        open_type=document.open_type,
        update_frequency=document.update_frequency,
        state=document.state,
        private=document.is_private,
        public=is_public(document),
        high_value=document.is_high_value,
        realtime=document.is_realtime,
        has_api=document.has_api,
        published=_micros(document.published_at),
        updated=_micros(document.updated_at),
        most_used=most_used_key(document.recent_use, document.download_count),
        boost=tie_breaker(document),
    )


def is_public(document) -> bool:
    """What catalog.visibility shows anyone: published, not private, not closed."""
    return (
        document.state == State.PUBLISHED
        and not document.is_private
        and document.open_type != "closed"
    )


def _meta(seq: int) -> tantivy.Document:
    return tantivy.Document(id=META_ID, seq=seq, version=SCHEMA_VERSION)


def applied_seq(searcher: tantivy.Searcher) -> int | None:
    """The seq of the last change the searcher's index holds; None for an index of another
    schema version (or none at all)."""
    hits = searcher.search(tantivy.Query.term_query(SCHEMA, "id", META_ID), 1).hits
    if not hits:
        return None
    meta = searcher.doc(hits[0][1])
    if meta.get_first("version") != SCHEMA_VERSION:
        return None
    return int(meta.get_first("seq"))


# --- the node's folder ----------------------------------------------------------------------


def index_root() -> Path:
    return Path(settings.KAIFANG["SEARCH_INDEX"])


@dataclass(frozen=True)
class Generation:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def current_generation(root: Path) -> Generation | None:
    """The generation CURRENT names, if it is there."""
    try:
        name = (root / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    path = root / name
    return Generation(path) if name and (path / "meta.json").exists() else None


def _new_generation(root: Path) -> Generation:
    root.mkdir(parents=True, exist_ok=True)
    name = f"v{SCHEMA_VERSION}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    path = root / name
    path.mkdir()
    return Generation(path)


def _make_current(root: Path, generation: Generation) -> None:
    """Point CURRENT at `generation` in one rename, then remove the generations before the
    previous one (a follower may still be finishing a batch on the previous one), leaving any
    written to lately (another rebuild under way)."""
    previous = current_generation(root)
    temporary = root / f".{CURRENT}.{os.getpid()}"
    temporary.write_text(generation.name + "\n")
    os.replace(temporary, root / CURRENT)
    keep = {generation.name, previous.name if previous else ""}
    settled = time.time() - GENERATION_GRACE_SECONDS
    for child in root.iterdir():
        old = child.is_dir() and child.stat().st_mtime < settled
        if old and child.name not in keep and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)


def open_index(generation: Generation) -> tantivy.Index:
    return prepared(tantivy.Index.open(str(generation.path)))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --- building -------------------------------------------------------------------------------


@dataclass
class BuildReport:
    datasets: int
    seconds: float
    seq: int
    path: Path | None
    bytes: int = 0


def _writer(index: tantivy.Index, threads: int = 1, heap: int = HEAP_BYTES) -> tantivy.IndexWriter:
    try:
        return index.writer(heap_size=heap, num_threads=threads)
    except ValueError as exc:
        if "LockBusy" in str(exc):
            raise IndexBusy(str(exc)) from None
        raise


def fill(
    index: tantivy.Index,
    *,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> tuple[int, int]:
    """Index every dataset into an empty index; return (seq, count). The log's seq is read
    before the datasets: changes committed after it are applied again by the follower, which
    is harmless (applying a change twice gives the same document). `workers` processes read
    and analyse the datasets (by default as `_workers` decides; 0: this process alone)."""
    seq = latest_seq()
    refresh_statistics()
    workers = _workers() if workers is None else workers
    with _analysis_pool(workers) as pool:  # forked before tantivy starts its indexing threads
        writer = _writer(index, threads=0, heap=REBUILD_HEAP_BYTES)
        count = 0
        for batch in _analysed_batches(pool, ahead=2 * workers):
            for fields in batch:
                writer.add_document(tantivy.Document(**fields))
            count += len(batch)
            if progress:
                progress(count)
        writer.add_document(_meta(seq))
        writer.commit()
        writer.wait_merging_threads()
    return seq, count


def _batches(documents: Iterable[DatasetDocument]) -> Iterator[list[DatasetDocument]]:
    batch: list[DatasetDocument] = []
    for document in documents:
        batch.append(document)
        if len(batch) == ANALYSIS_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _analyse_batch(batch: list[DatasetDocument]) -> list[dict[str, Any]]:
    return [analysed(document) for document in batch]


_regions: Regions | None = None  # in a process of a rebuild's pool: the regions, read once


def _analyse_range(after: uuid.UUID | None, upto: uuid.UUID | None) -> list[dict[str, Any]]:
    """In a process of the pool: read the datasets of one range of ids and analyse them."""
    global _regions
    if _regions is None:
        _regions = Regions()
    return _analyse_batch(documents_between(after, upto, _regions))


def _workers() -> int:
    """Processes that read and analyse the datasets during a rebuild, each its own ranges of
    ids, while this one writes the index: one per processor for a large catalog (reading and
    analysis are most of a rebuild's time), none for a small one, inside a transaction (tests)
    or where processes cannot be forked."""
    if (
        connection.in_atomic_block
        or "fork" not in multiprocessing.get_all_start_methods()
        or Dataset.objects.count() < PARALLEL_MIN
    ):
        return 0
    return max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def _analysis_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """`workers` processes for a large rebuild, all started at once, before any thread of
    tantivy's (forking a process that runs other threads can leave their locks held)."""
    if not workers:
        yield None
        return
    connections.close_all()  # forked workers must not share this process's connections
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for started in [pool.submit(os.getpid) for _ in range(workers)]:
            started.result()
        yield pool


def _analysed_batches(
    pool: ProcessPoolExecutor | None, *, ahead: int
) -> Iterator[list[dict[str, Any]]]:
    """Every dataset analysed, a batch at a time, in id order: read and analysed here, or
    each range of ids read and analysed by one of the pool's processes (at most `ahead`
    ranges ahead) while this one writes the index."""
    if pool is None:
        yield from (_analyse_batch(batch) for batch in _batches(build_documents()))
        return
    waiting: deque = deque()
    for after, upto in id_ranges(ANALYSIS_BATCH):
        waiting.append(pool.submit(_analyse_range, after, upto))
        if len(waiting) > ahead:
            yield waiting.popleft().result()
    while waiting:
        batch = waiting.popleft().result()
        if batch:  # the last range is open: empty unless datasets were added meanwhile
            yield batch


def rebuild(
    root: Path | None = None, *, progress: Callable[[int], None] | None = None
) -> BuildReport:
    """Build a new generation from the database and make it current."""
    root = root or index_root()
    started = time.monotonic()
    generation = _new_generation(root)
    try:
        index = prepared(tantivy.Index(SCHEMA, path=str(generation.path)))
        seq, count = fill(index, progress=progress)
    except BaseException:
        shutil.rmtree(generation.path, ignore_errors=True)
        raise
    _make_current(root, generation)
    seconds = time.monotonic() - started
    return BuildReport(count, seconds, seq, generation.path, folder_size(generation.path))


_built = threading.local()  # per thread: the documents last indexed in memory, and the index


def build_in_memory() -> tantivy.Index:
    """A complete index of the database in memory: what `SEARCH_INDEX_SYNC = "rebuild"` searches
    (test suites whose fixtures write rows directly, bypassing the services and the log). Every
    document is read from the database each time, as a rebuild reads them; the index is made
    again only when they differ from those it was last made from in this thread."""
    documents = list(build_documents())
    if getattr(_built, "documents", None) == documents:
        return _built.index
    index = prepared(tantivy.Index(SCHEMA))
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for document in documents:
        writer.add_document(tantivy_document(document))
    writer.add_document(_meta(0))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    _built.documents, _built.index = documents, index
    return index


def ensure_index(root: Path | None = None) -> BuildReport | None:
    """Build the node's index when it is missing, of another schema version, or ahead of the
    change log (the database was restored from an older backup)."""
    root = root or index_root()
    generation = current_generation(root)
    if generation is not None:
        seq = applied_seq(open_index(generation).searcher())
        if seq is not None and seq <= latest_seq():
            return None
    return rebuild(root)


# --- applying the change log ----------------------------------------------------------------


class Writer:
    """The node's one writer, on the current generation. Raises IndexMissing when there is
    none, IndexBusy when another process writes."""

    def __init__(self, root: Path | None = None):
        self.root = root or index_root()
        generation = current_generation(self.root)
        if generation is None:
            raise IndexMissing(str(self.root))
        self.generation = generation
        self.index = open_index(generation)
        self.writer = _writer(self.index)
        self.index.reload()
        seq = applied_seq(self.index.searcher())
        if seq is None or seq > latest_seq():  # another schema; a database restored since
            self.close()
            raise IndexMissing(str(generation.path))
        self.seq = seq

    def is_current(self) -> bool:
        """False once a rebuild has made another generation current."""
        now = current_generation(self.root)
        return now is not None and now.name == self.generation.name

    def apply(self, limit: int = APPLY_BATCH) -> int:
        """Apply the next changes of the log (at most `limit` rows) in one commit; return how
        many datasets they touched."""
        changes = changes_after(self.seq, limit=limit)
        if changes.last_seq == self.seq:
            return 0
        self._replace(changes.ids, changes.upserts)
        self._commit(changes.last_seq)
        return len(changes)

    def apply_all(self) -> int:
        """Apply every pending change, a batch per commit; return how many datasets."""
        total = 0
        while True:
            before = self.seq
            total += self.apply()
            if self.seq == before:
                return total

    def reindex(self, ids: Iterable[uuid.UUID]) -> int:
        """Rebuild these datasets' documents (recent use changed) without moving the seq."""
        ids = set(ids)
        if ids:
            self._replace(ids, ids)
            self._commit(self.seq)
        return len(ids)

    def _replace(self, remove: Iterable[uuid.UUID], add: Iterable[uuid.UUID]) -> None:
        for pk in remove:
            self.writer.delete_documents_by_term("id", str(pk))
        for document in build_documents(add):
            self.writer.add_document(tantivy_document(document))

    def _commit(self, seq: int) -> None:
        self.writer.delete_documents_by_term("id", META_ID)
        self.writer.add_document(_meta(seq))
        self.writer.commit()
        self.seq = seq

    def close(self) -> None:
        """Let go of the writer's lock."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.wait_merging_threads()


@dataclass
class Follower:
    """The loop that keeps this node's index current: builds it when missing, applies the
    change log every `interval` seconds, re-reads recent use every USE_REFRESH_SECONDS, and
    waits while another process holds the writer."""

    root: Path
    interval: float = 0.5
    stop: threading.Event | None = None
    log: Callable[[str], None] = logger.info

    def run(self) -> None:
        stop = self.stop or threading.Event()
        writer: Writer | None = None
        refreshed = 0.0
        busy_said = False
        while not stop.is_set():
            try:
                close_old_connections()
                writer = self._writer(writer)
                busy_said = False
                applied = writer.apply_all()
                if applied:
                    self.log(f"检索索引：已应用 {applied} 个数据集的变更（至 {writer.seq}）")
                if time.monotonic() - refreshed > USE_REFRESH_SECONDS:
                    refresh_use(writer)
                    refreshed = time.monotonic()
            except IndexBusy:
                writer = None
                if not busy_said:
                    self.log("检索索引：本节点另有进程在更新索引，等待中 / another process writes")
                    busy_said = True
                stop.wait(BUSY_RETRY_SECONDS)
                continue
            except Exception:  # the database went away, a disk filled: try again, never die
                logger.exception("search index: applying the change log failed")
                if writer is not None:
                    writer.close()
                writer = None
                stop.wait(BUSY_RETRY_SECONDS)
                continue
            stop.wait(self.interval)
        if writer is not None:
            writer.close()

    def _writer(self, writer: Writer | None) -> Writer:
        if writer is not None and writer.is_current():
            return writer
        if writer is not None:
            writer.close()
        try:
            return Writer(self.root)
        except IndexMissing:
            report = rebuild(self.root)
            self.log(f"检索索引：已建立，{report.datasets} 个数据集，用时 {report.seconds:.1f} 秒")
            return Writer(self.root)


def refresh_use(writer: Writer) -> int:
    """Re-index the datasets whose use (the last 90 days', and all-time downloads) differs
    from what the index holds: downloads and API calls are counted all day long without a
    change log row each, and the days counted move on. Returns how many were re-indexed."""
    recent = recent_use()
    totals = Dataset.objects.order_by().values_list("pk", "download_count")
    now = {pk: most_used_key(recent.get(pk, 0), total) for pk, total in totals}
    indexed = _indexed_use(writer.index)
    changed = {pk for pk, key in now.items() if indexed.get(pk, 0) != key}
    return writer.reindex(changed & indexed.keys())


def _indexed_use(index: tantivy.Index) -> dict[uuid.UUID, int]:
    """Each indexed dataset's `most_used` key, read from the index (a fast field)."""
    index.reload()
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1), count=False).hits
    addresses = [address for _score, address in hits]
    keys = searcher.fast_field_values("most_used", addresses)
    found = {}
    for address, key in zip(addresses, keys, strict=True):
        pk = searcher.doc(address).get_first("id")
        if pk != META_ID:
            found[uuid.UUID(pk)] = key or 0
    return found
